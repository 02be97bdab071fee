//! Frames: the bytes of one captured packet with its timestamp, wire length, link type and interface. A
//! frame is dissected only when asked ([`Frame::packet`]).

use crate::packet::{LinkType, Packet, Timestamp};

/// A captured frame, borrowed: from a [`super::Reader`]'s buffer or a [`super::PacketList`]'s storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The captured bytes (maybe fewer than were on the wire).
    pub data: &'a [u8],
    pub ts: Timestamp,
    /// The length on the wire (pcap's `orig_len`; Scapy's `wirelen`).
    pub wirelen: u32,
    pub link: LinkType,
    /// The pcapng interface it was captured on (the index of its Interface Description Block in its
    /// section); 0 for a classic pcap file and a crafted packet, the one interface such a file has.
    pub interface: u32,
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
            interface: self.interface,
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
    /// See [`Frame::interface`].
    pub interface: u32,
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
            interface: 0,
        }
    }

    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            data: &self.data,
            ts: self.ts,
            wirelen: self.wirelen,
            link: self.link,
            interface: self.interface,
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
/// Ethernet for `Ether` (and 802.3), raw IP for `IP`/`IPv6`, the cooked and loopback headers for theirs. A
/// packet with no link layer (`DNS()`) is kept as its first protocol, so a list gives it back as it was; a
/// file gets Ethernet's number for it, as Scapy writes it.
pub fn link_of(p: &Packet) -> LinkType {
    let Some(first) = p.layers().first() else {
        return LinkType::Ethernet;
    };
    match first.name() {
        "Ether" | "Dot3" => LinkType::Ethernet,
        "IP" | "IPv6" => LinkType::RawIp,
        "CookedLinux" => LinkType::LinuxSll,
        "CookedLinuxV2" => LinkType::LinuxSll2,
        "Loopback" => LinkType::Null,
        _ => LinkType::Proto(first.proto()),
    }
}
