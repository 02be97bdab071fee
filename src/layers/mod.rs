//! The protocols, one file each, and the one bindings table that drives both dissection (bottom-up: which
//! protocol follows) and stacking (top-down: `Ether()/IP()` implies `type=0x800`).

pub mod arp;
pub mod dot1q;
pub mod dot3;
pub mod ether;
mod fixed_str;
pub mod icmp;
mod icmp_timestamp;
mod inet;
pub mod ip;
pub mod ip_options;
pub mod ipv6;
pub mod loopback;
pub mod padding;
pub mod raw;
pub mod sll;
pub mod tcp;
pub mod udp;
pub mod well_known;

use crate::packet::{Layer, Proto};

/// Every protocol a user can name, for lookup by class name and for `ls()`.
pub static ALL: &[&Proto] = &[
    &ether::ETHER,
    &ip::IP,
    &tcp::TCP,
    &udp::UDP,
    &icmp::ICMP,
    &ipv6::IPV6,
    &ip_options::EOL,
    &ip_options::NOP,
    &ip_options::GENERIC,
    &ip_options::SECURITY,
    &ip_options::RR,
    &ip_options::LSRR,
    &ip_options::SSRR,
    &ip_options::STREAM_ID,
    &ip_options::MTU_PROBE,
    &ip_options::MTU_REPLY,
    &ip_options::TRACEROUTE,
    &ip_options::TIMESTAMP,
    &ip_options::ADDRESS_EXTENSION,
    &ip_options::ROUTER_ALERT,
    &ip_options::SDBM,
    &ip::IPERROR,
    &tcp::TCPERROR,
    &udp::UDPERROR,
    &icmp::ICMPERROR,
    &sll::SLL,
    &sll::SLL2,
    &loopback::LOOPBACK,
    &arp::ARP,
    &dot1q::DOT1Q,
    &dot1q::DOT1AD,
    &dot3::DOT3,
    &dot3::LLC,
    &dot3::STP,
    &raw::RAW,
    &padding::PADDING,
];

/// One binding: when `lower` carries `upper`, `fields` of `lower` hold these values.
pub struct Binding {
    pub lower: &'static Proto,
    pub upper: &'static Proto,
    pub fields: &'static [(&'static str, u64)],
}

const fn bind(lower: &'static Proto, upper: &'static Proto, fields: &'static [(&'static str, u64)]) -> Binding {
    Binding { lower, upper, fields }
}

/// The bindings, in Scapy's order. Dissection takes the first entry whose fields all match; stacking takes the
/// last entry for the pair (as Scapy's `bind_layers` overwrites the overload of an earlier call).
pub static BINDINGS: &[Binding] = &[
    bind(&ether::ETHER, &ip::IP, &[("type", 0x0800)]),
    bind(&sll::SLL, &ip::IP, &[("proto", 0x0800)]),
    bind(&sll::SLL2, &ip::IP, &[("proto", 0x0800)]),
    // ARP, VLANs, 802.3
    // Linux reads AF_UNSPEC as IPv4 too; the later type 2 is what stacking implies.
    bind(&loopback::LOOPBACK, &ip::IP, &[("type", 0)]),
    bind(&loopback::LOOPBACK, &ip::IP, &[("type", 2)]),
    bind(&loopback::LOOPBACK, &ipv6::IPV6, &[("type", 10)]),
    bind(&ether::ETHER, &dot3::LLC, &[("type", 122)]),
    bind(&ether::ETHER, &dot3::LLC, &[("type", 0x8870)]),
    bind(&ether::ETHER, &dot1q::DOT1Q, &[("type", 0x8100)]),
    bind(&ether::ETHER, &dot1q::DOT1AD, &[("type", 0x88a8)]),
    bind(&ether::ETHER, &arp::ARP, &[("type", 0x0806)]),
    bind(&sll::SLL, &arp::ARP, &[("proto", 0x0806)]),
    bind(&sll::SLL2, &arp::ARP, &[("proto", 0x0806)]),
    bind(&sll::SLL, &dot1q::DOT1Q, &[("proto", 0x8100)]),
    bind(&sll::SLL2, &dot1q::DOT1Q, &[("proto", 0x8100)]),
    bind(&dot3::DOT3, &dot3::LLC, &[]),
    bind(&dot3::LLC, &dot3::STP, &[("dsap", 0x42), ("ssap", 0x42), ("ctrl", 3)]),
    // Tags take their payload's type as Ethernet would (Scapy's `aliastypes`): S-tag, C-tag, then EtherTypes.
    bind(&dot1q::DOT1AD, &dot1q::DOT1AD, &[("type", 0x88a8)]),
    bind(&dot1q::DOT1AD, &dot1q::DOT1Q, &[("type", 0x8100)]),
    bind(&dot1q::DOT1AD, &arp::ARP, &[("type", 0x0806)]),
    bind(&dot1q::DOT1AD, &ip::IP, &[("type", 0x0800)]),
    bind(&dot1q::DOT1AD, &ipv6::IPV6, &[("type", 0x86dd)]),
    bind(&dot1q::DOT1Q, &dot1q::DOT1AD, &[("type", 0x88a8)]),
    bind(&dot1q::DOT1Q, &dot1q::DOT1Q, &[("type", 0x8100)]),
    bind(&dot1q::DOT1Q, &arp::ARP, &[("type", 0x0806)]),
    bind(&dot1q::DOT1Q, &ip::IP, &[("type", 0x0800)]),
    bind(&dot1q::DOT1Q, &ipv6::IPV6, &[("type", 0x86dd)]),
    bind(&ip::IP, &tcp::TCP, &[("frag", 0), ("proto", 6)]),
    bind(&ip::IP, &udp::UDP, &[("frag", 0), ("proto", 17)]),
    bind(&ip::IP, &icmp::ICMP, &[("frag", 0), ("proto", 1)]),
    bind(&ip::IP, &ip::IP, &[("frag", 0), ("proto", 4)]),
    bind(&ip::IPERROR, &ip::IPERROR, &[("frag", 0), ("proto", 4)]),
    bind(&ip::IPERROR, &icmp::ICMPERROR, &[("frag", 0), ("proto", 1)]),
    bind(&ip::IPERROR, &tcp::TCPERROR, &[("frag", 0), ("proto", 6)]),
    bind(&ip::IPERROR, &udp::UDPERROR, &[("frag", 0), ("proto", 17)]),
];

/// Looks a protocol up by its class name.
pub fn by_name(name: &str) -> Option<&'static Proto> {
    ALL.iter().copied().find(|p| p.name == name)
}

/// The field values that stacking `upper` on `lower` implies.
pub fn overload(lower: &'static Proto, upper: &'static Proto) -> Option<&'static [(&'static str, u64)]> {
    BINDINGS
        .iter()
        .rev()
        .find(|b| b.lower == lower && b.upper == upper)
        .map(|b| b.fields)
}

/// The protocol that follows a dissected layer, by the first binding whose field values all match.
pub fn guess(layer: &Layer) -> Option<&'static Proto> {
    BINDINGS
        .iter()
        .filter(|b| b.lower == layer.proto())
        .find(|b| b.fields.iter().all(|(f, v)| layer.get_int(f) == Some(*v)))
        .map(|b| b.upper)
}
