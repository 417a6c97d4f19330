//! The tribe: a backer's share link, its QR code and its poster. Who brought the most
//! friends and the wall of public backers are read straight from the store; referral
//! credit itself is kept by the pledge writer, in the pledges' own transaction (see
//! `store::writer`).

pub mod poster;
mod poster_cache;
mod share;

pub use poster::{FONT_PATHS, RENDERS as POSTER_RENDERS};
pub use poster_cache::Posters;
pub use share::{share_link, svg};
