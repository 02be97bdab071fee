//! Frames: the bytes of one captured packet with its timestamp, wire length and link type. A frame is
//! dissected only when asked ([`Frame::packet`]).

use std::fmt;

use crate::packet::{LinkType, Packet};

/// A capture timestamp, to the nanosecond.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    /// 0..1_000_000_000.
    pub nanos: u32,
}

impl Timestamp {
    pub fn new(secs: i64, nanos: u32) -> Timestamp {
        Timestamp {
            secs: secs + i64::from(nanos / 1_000_000_000),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// The time now to the microsecond, for packets crafted rather than captured (Scapy stamps a packet when
    /// it is made, with microseconds, so a file of crafted packets stays a microsecond file).
    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp::new(d.as_secs() as i64, d.subsec_micros() * 1000)
    }

    /// Scapy's `p.time`: seconds as a float (nanoseconds beyond a float's precision stay in the timestamp).
    pub fn as_f64(self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / 1e9
    }

    /// True when the timestamp is not a whole number of microseconds (a pcap file then needs nanoseconds).
    pub fn needs_nanos(self) -> bool {
        self.nanos % 1000 != 0
    }

    /// `self - earlier`, in nanoseconds.
    pub fn nanos_since(self, earlier: Timestamp) -> i128 {
        (i128::from(self.secs) - i128::from(earlier.secs)) * 1_000_000_000 + i128::from(self.nanos)
            - i128::from(earlier.nanos)
    }
}

impl fmt::Display for Timestamp {
    /// `secs.nanos`, e.g. `1700000000.123456789`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.secs, self.nanos)
    }
}

/// A captured frame, borrowed: from a [`super::Reader`]'s buffer or a [`super::PacketList`]'s storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The captured bytes (maybe fewer than were on the wire).
    pub data: &'a [u8],
    pub ts: Timestamp,
    /// The length on the wire (pcap's `orig_len`; Scapy's `wirelen`).
    pub wirelen: u32,
    pub link: LinkType,
}

impl Frame<'_> {
    /// Dissects the frame.
    pub fn packet(&self) -> Packet {
        Packet::dissect(self.data, self.link)
    }

    /// Scapy's `p.time`.
    pub fn time(&self) -> f64 {
        self.ts.as_f64()
    }

    pub fn to_owned(&self) -> FrameBuf {
        FrameBuf {
            data: self.data.to_vec(),
            ts: self.ts,
            wirelen: self.wirelen,
            link: self.link,
        }
    }
}

/// A captured frame that owns its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameBuf {
    pub data: Vec<u8>,
    pub ts: Timestamp,
    pub wirelen: u32,
    pub link: LinkType,
}

impl FrameBuf {
    /// A frame of a crafted packet: built now, stamped now, its link type from its bottom layer.
    pub fn from_packet(p: &Packet) -> FrameBuf {
        let data = p.build();
        FrameBuf {
            wirelen: data.len() as u32,
            data,
            ts: Timestamp::now(),
            link: link_of(p),
        }
    }

    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            data: &self.data,
            ts: self.ts,
            wirelen: self.wirelen,
            link: self.link,
        }
    }

    /// Dissects the frame.
    pub fn packet(&self) -> Packet {
        self.as_frame().packet()
    }

    /// Scapy's `p.time`.
    pub fn time(&self) -> f64 {
        self.ts.as_f64()
    }
}

/// The link type a packet's bottom layer implies, as Scapy's `conf.l2types` chooses it for `wrpcap`:
/// Ethernet for `Ether`, raw IP for `IP`/`IPv6`, the cooked and loopback headers for theirs; anything else is
/// written as Ethernet, Scapy's default.
pub fn link_of(p: &Packet) -> LinkType {
    match p.layers().first().map(|l| l.name()) {
        Some("IP" | "IPv6") => LinkType::RawIp,
        Some("CookedLinux") => LinkType::LinuxSll,
        Some("CookedLinuxV2") => LinkType::LinuxSll2,
        Some("Loopback") => LinkType::Null,
        _ => LinkType::Ethernet,
    }
}
