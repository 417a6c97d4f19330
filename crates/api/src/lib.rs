//! tribefund's API server as a library: the binary in `main.rs` only parses the command
//! line, and tests build the same [`Application`] on a random port.

pub mod admission;
pub mod backup;
pub mod campaigning;
pub mod cli;
pub mod config;
pub mod covers;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod http;
pub mod hub;
pub mod ids;
pub mod mail;
pub mod metrics;
pub mod net;
pub mod payments;
pub mod pledging;
pub mod ratelimit;
mod serve;
pub mod sessions;
pub mod settings;
pub mod settlement;
pub mod sites;
pub mod startup;
pub mod store;
pub mod tribe;
pub mod waitlist;
pub mod webhooks;

pub use error::Error;
pub use http::state::AppState;
pub use settings::Settings;
pub use startup::Application;

/// The server's clock, in the domain's terms.
pub fn now() -> domain::Timestamp {
    moment().timestamp()
}

/// The server's clock to the millisecond: the `server_time` readers count down from.
pub fn moment() -> domain::Moment {
    let millis =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    domain::Moment::from_millis(millis as i64)
}
