//! Where a pledge or a waitlist join came from, and the caps its address is held to.

/// Where a pledge came from, and the caps on limited tiers its address is held to.
#[derive(Debug, Clone)]
pub struct Client {
    /// The address as caps count it (an IPv4 address, or an IPv6 /64).
    pub address: String,
    /// The most units of one limited tier it may hold; `None` for no cap.
    pub units: Option<u32>,
    /// The most of those units that may await payment at once; `None` for no cap.
    pub unpaid: Option<u32>,
}
