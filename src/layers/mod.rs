//! The protocols, one file each, and the catalogue the engine reads them from: [`REGISTRY`], the protocols a
//! user can name and the one bindings table that drives both dissection (bottom-up: which protocol follows)
//! and stacking (top-down: `Ether()/IP()` implies `type=0x800`).

pub mod arp;
pub mod defragment;
pub mod dns;
pub mod dns_compress;
pub mod dns_records;
pub mod dns_svcb;
pub mod dnssec;
pub mod dot1q;
pub mod dot3;
pub mod ether;
mod fixed_str;
pub mod fragment;
pub mod icmp;
mod icmp_timestamp;
pub mod icmpv6;
pub mod icmpv6_nd;
mod inet;
pub mod ip;
pub mod ip_options;
pub mod ipv6;
pub mod ipv6_ext;
pub mod ipv6_options;
pub mod loopback;
pub mod sll;
pub mod tcp;
pub mod udp;
pub mod well_known;

pub use inet::{set_source_resolver, SourceResolver};

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::packet::{
    bind_addr, bind_bottom_up, bind_layers, bind_top_down, AddressBinding, Binding, LinkType, Overload, Proto, Registry,
};
use crate::packet::{PADDING, RAW};

/// The catalogue: every protocol, how they bind, and what each link type starts with.
pub static REGISTRY: Registry = Registry::new(PROTOCOLS, BINDINGS, ALIASES, LINK_TYPES, ADDRESSES);

/// Every protocol a user can name, for lookup by class name and for `ls()`; the common ones first, as the
/// registry's lookups scan in this order.
static PROTOCOLS: &[&Proto] = &[
    &ether::ETHER,
    &ip::IP,
    &tcp::TCP,
    &udp::UDP,
    &icmp::ICMP,
    &ipv6::IPV6,
    // IPv6 family
    &ipv6::IPERROR6,
    &ipv6_ext::HOP_BY_HOP,
    &ipv6_ext::DEST_OPT,
    &ipv6_ext::ROUTING,
    &ipv6_ext::FRAGMENT,
    &ipv6_options::PAD1,
    &ipv6_options::PADN,
    &ipv6_options::ROUTER_ALERT,
    &ipv6_options::RPL,
    &ipv6_options::JUMBO,
    &ipv6_options::HAO,
    &ipv6_options::UNKNOWN,
    &icmpv6::ECHO_REQUEST,
    &icmpv6::ECHO_REPLY,
    &icmpv6::DEST_UNREACH,
    &icmpv6::PACKET_TOO_BIG,
    &icmpv6::TIME_EXCEEDED,
    &icmpv6::PARAM_PROBLEM,
    &icmpv6::UNKNOWN,
    &icmpv6_nd::RS,
    &icmpv6_nd::RA,
    &icmpv6_nd::NS,
    &icmpv6_nd::NA,
    &icmpv6_nd::REDIRECT,
    &icmpv6_nd::SRC_LL_ADDR,
    &icmpv6_nd::DST_LL_ADDR,
    &icmpv6_nd::PREFIX_INFO,
    &icmpv6_nd::REDIRECTED_HDR,
    &icmpv6_nd::MTU,
    &icmpv6_nd::OPT_UNKNOWN,
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
    &RAW,
    &PADDING,
    // DNS
    &dns::DNS,
    &dns::DNSQR,
    &dns_records::DNSRR,
    &dns_records::DNSRRHINFO,
    &dns_records::DNSRRMX,
    &dns_records::DNSRRNAPTR,
    &dns_records::DNSRRSOA,
    &dns_records::DNSRRSRV,
    &dns_records::DNSRROPT,
    &dns_records::DNSRRRSIG,
    &dns_records::DNSRRTSIG,
    &dnssec::DNSRRDNSKEY,
    &dnssec::DNSRRDS,
    &dnssec::DNSRRNSEC,
    &dnssec::DNSRRNSEC3,
    &dnssec::DNSRRNSEC3PARAM,
    &dns_svcb::DNSRRSVCB,
    &dns_svcb::DNSRRHTTPS,
    &dns_svcb::SVC_PARAM,
    &dns_records::EDNS0TLV,
    &dns_records::EDNS0COOKIE,
];

/// What RA, NS, NA and Redirect imply for IPv6: ff02::1 (all nodes on the link) unless a destination is set,
/// and the hop limit 255 that RFC 4861 requires.
const ND_TO_NODES: &[Overload] = &[
    ("nh", 58),
    ("dst", Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1).to_bits()),
    ("hlim", 255),
];
/// What RS implies for IPv6: ff02::2 (all routers on the link) unless a destination is set, hop limit 255.
const ND_TO_ROUTERS: &[Overload] = &[
    ("nh", 58),
    ("dst", Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2).to_bits()),
    ("hlim", 255),
];

/// The bindings, in Scapy's order. Dissection takes the first dissecting entry whose fields all match;
/// stacking takes the one stacking entry of the pair (a test checks there is one at most).
static BINDINGS: &[Binding] = &[
    bind_layers(&ether::ETHER, &ip::IP, &[("type", 0x0800)]),
    bind_layers(&sll::SLL, &ip::IP, &[("proto", 0x0800)]),
    bind_layers(&sll::SLL2, &ip::IP, &[("proto", 0x0800)]),
    // ARP, VLANs, 802.3
    // Linux reads AF_UNSPEC as IPv4 too; type 2 is what stacking implies.
    bind_bottom_up(&loopback::LOOPBACK, &ip::IP, &[("type", 0)]),
    bind_layers(&loopback::LOOPBACK, &ip::IP, &[("type", 2)]),
    bind_layers(&loopback::LOOPBACK, &ipv6::IPV6, &[("type", 10)]),
    bind_bottom_up(&ether::ETHER, &dot3::LLC, &[("type", 122)]),
    bind_layers(&ether::ETHER, &dot3::LLC, &[("type", 0x8870)]),
    bind_layers(&ether::ETHER, &dot1q::DOT1Q, &[("type", 0x8100)]),
    bind_layers(&ether::ETHER, &dot1q::DOT1AD, &[("type", 0x88a8)]),
    bind_layers(&ether::ETHER, &arp::ARP, &[("type", 0x0806)]),
    bind_layers(&sll::SLL, &arp::ARP, &[("proto", 0x0806)]),
    bind_layers(&sll::SLL2, &arp::ARP, &[("proto", 0x0806)]),
    bind_layers(&sll::SLL, &dot1q::DOT1Q, &[("proto", 0x8100)]),
    bind_layers(&sll::SLL2, &dot1q::DOT1Q, &[("proto", 0x8100)]),
    bind_layers(&dot3::DOT3, &dot3::LLC, &[]),
    bind_layers(&dot3::LLC, &dot3::STP, &[("dsap", 0x42), ("ssap", 0x42), ("ctrl", 3)]),
    // Tags take their payload's type as Ethernet would (Scapy's `aliastypes`): S-tag, C-tag, then EtherTypes.
    bind_layers(&dot1q::DOT1AD, &dot1q::DOT1AD, &[("type", 0x88a8)]),
    bind_layers(&dot1q::DOT1AD, &dot1q::DOT1Q, &[("type", 0x8100)]),
    bind_layers(&dot1q::DOT1AD, &arp::ARP, &[("type", 0x0806)]),
    bind_layers(&dot1q::DOT1AD, &ip::IP, &[("type", 0x0800)]),
    bind_layers(&dot1q::DOT1AD, &ipv6::IPV6, &[("type", 0x86dd)]),
    bind_layers(&dot1q::DOT1Q, &dot1q::DOT1AD, &[("type", 0x88a8)]),
    bind_layers(&dot1q::DOT1Q, &dot1q::DOT1Q, &[("type", 0x8100)]),
    bind_layers(&dot1q::DOT1Q, &arp::ARP, &[("type", 0x0806)]),
    bind_layers(&dot1q::DOT1Q, &ip::IP, &[("type", 0x0800)]),
    bind_layers(&dot1q::DOT1Q, &ipv6::IPV6, &[("type", 0x86dd)]),
    bind_layers(&ip::IP, &tcp::TCP, &[("frag", 0), ("proto", 6)]),
    bind_layers(&ip::IP, &udp::UDP, &[("frag", 0), ("proto", 17)]),
    bind_layers(&ip::IP, &icmp::ICMP, &[("frag", 0), ("proto", 1)]),
    bind_layers(&ip::IP, &ip::IP, &[("frag", 0), ("proto", 4)]),
    bind_layers(&ip::IPERROR, &ip::IPERROR, &[("frag", 0), ("proto", 4)]),
    bind_layers(&ip::IPERROR, &icmp::ICMPERROR, &[("frag", 0), ("proto", 1)]),
    bind_layers(&ip::IPERROR, &tcp::TCPERROR, &[("frag", 0), ("proto", 6)]),
    bind_layers(&ip::IPERROR, &udp::UDPERROR, &[("frag", 0), ("proto", 17)]),
    // DNS
    bind_bottom_up(&udp::UDP, &dns::DNS, &[("dport", 5353)]),
    bind_bottom_up(&udp::UDP, &dns::DNS, &[("sport", 5353)]),
    bind_bottom_up(&udp::UDP, &dns::DNS, &[("dport", 53)]),
    bind_layers(&udp::UDP, &dns::DNS, &[("sport", 53)]),
    bind_bottom_up(&tcp::TCP, &dns::DNS, &[("dport", 53)]),
    bind_layers(&tcp::TCP, &dns::DNS, &[("sport", 53)]),
    // IPv6 family
    bind_layers(&ether::ETHER, &ipv6::IPV6, &[("type", 0x86dd)]),
    bind_layers(&sll::SLL, &ipv6::IPV6, &[("proto", 0x86dd)]),
    bind_layers(&sll::SLL2, &ipv6::IPV6, &[("proto", 0x86dd)]),
    bind_layers(&ipv6::IPERROR6, &tcp::TCPERROR, &[("nh", 6)]),
    bind_layers(&ipv6::IPERROR6, &udp::UDPERROR, &[("nh", 17)]),
    bind_layers(&ipv6::IPV6, &tcp::TCP, &[("nh", 6)]),
    bind_layers(&ipv6::IPV6, &udp::UDP, &[("nh", 17)]),
    bind_layers(&ip::IP, &ipv6::IPV6, &[("proto", 41)]),
    bind_layers(&ipv6::IPV6, &ipv6::IPV6, &[("nh", 41)]),
    bind_layers(&ipv6::IPV6, &ip::IP, &[("nh", 4)]),
    // Dissection picks the ICMPv6 message class by type; the bindings after it only give stacking overloads (the
    // ND messages' destination among them: dissection never tests it, so an NS to a unicast address is still one).
    bind_layers(&ipv6::IPV6, &icmpv6::ICMPV6, &[("nh", 58)]),
    bind_layers(&ipv6::IPV6, &ipv6_ext::HOP_BY_HOP, &[("nh", 0)]),
    bind_layers(&ipv6::IPV6, &ipv6_ext::DEST_OPT, &[("nh", 60)]),
    bind_layers(&ipv6::IPV6, &ipv6_ext::ROUTING, &[("nh", 43)]),
    bind_layers(&ipv6::IPV6, &ipv6_ext::FRAGMENT, &[("nh", 44)]),
    bind_top_down(&ipv6::IPV6, &icmpv6::ECHO_REQUEST, &[("nh", 58)]),
    bind_top_down(&ipv6::IPV6, &icmpv6::ECHO_REPLY, &[("nh", 58)]),
    bind_top_down(&ipv6::IPV6, &icmpv6::DEST_UNREACH, &[("nh", 58)]),
    bind_top_down(&ipv6::IPV6, &icmpv6::PACKET_TOO_BIG, &[("nh", 58)]),
    bind_top_down(&ipv6::IPV6, &icmpv6::TIME_EXCEEDED, &[("nh", 58)]),
    bind_top_down(&ipv6::IPV6, &icmpv6::PARAM_PROBLEM, &[("nh", 58)]),
    bind_top_down(&ipv6::IPV6, &icmpv6::UNKNOWN, &[("nh", 58)]),
    bind_top_down(&ipv6::IPV6, &icmpv6_nd::RS, ND_TO_ROUTERS),
    bind_top_down(&ipv6::IPV6, &icmpv6_nd::RA, ND_TO_NODES),
    bind_top_down(&ipv6::IPV6, &icmpv6_nd::NS, ND_TO_NODES),
    bind_top_down(&ipv6::IPV6, &icmpv6_nd::NA, ND_TO_NODES),
    bind_top_down(&ipv6::IPV6, &icmpv6_nd::REDIRECT, ND_TO_NODES),
];

/// Destinations the layer above implies, Scapy's `DestIPField.bind_addr` and `DestIP6Field.bind_addr`: UDP to
/// port 5353 is mDNS, sent to its multicast group (and so to the group's multicast MAC).
static ADDRESSES: &[AddressBinding] = &[
    bind_addr(&ip::IP, &udp::UDP, &[("dport", 5353)], &[("dst", MDNS_V4)]),
    bind_addr(&ipv6::IPV6, &udp::UDP, &[("dport", 5353)], &[("dst", MDNS_V6)]),
];
/// 224.0.0.251, as an overload's bits.
const MDNS_V4: u128 = Ipv4Addr::new(224, 0, 0, 251).to_bits() as u128;
/// ff02::fb.
const MDNS_V6: u128 = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb).to_bits();

/// Scapy's `aliastypes`: a layer here takes the overloads that the layer above gives to the protocol it stands
/// for, when it has none of its own (an extension header or a quoted IPv6 header gets `nh` as IPv6 would).
static ALIASES: &[(&Proto, &Proto)] = &[
    // IPv6 family
    (&ipv6::IPERROR6, &ipv6::IPV6),
    (&ipv6_ext::HOP_BY_HOP, &ipv6::IPV6),
    (&ipv6_ext::DEST_OPT, &ipv6::IPV6),
    (&ipv6_ext::ROUTING, &ipv6::IPV6),
    (&ipv6_ext::FRAGMENT, &ipv6::IPV6),
];

/// The protocol a frame of each link type starts with; any other starts with `Raw`.
static LINK_TYPES: &[(LinkType, &Proto)] = &[
    (LinkType::Ethernet, &ether::ETHER),
    (LinkType::RawIp, &ip::IP_OR_IPV6),
    (LinkType::LinuxSll, &sll::SLL),
    (LinkType::LinuxSll2, &sll::SLL2),
    (LinkType::Null, &loopback::LOOPBACK),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{Layer, Show};

    /// No twin rows, one stacking row per pair, no dissecting row testing an address, every name known.
    #[test]
    fn the_tables_have_no_problems() {
        assert_eq!(REGISTRY.problems(), Vec::<String>::new());
    }

    /// The ND messages imply IPv6's destination when stacked; dissection never tests it, so an NS to a unicast
    /// address is still one.
    #[test]
    fn only_neighbor_discovery_implies_an_address() {
        let nd: Vec<_> = BINDINGS
            .iter()
            .filter(|b| b.fields.iter().any(|(n, _)| *n == "dst"))
            .collect();
        assert_eq!(nd.len(), 5, "RS, RA, NS, NA and Redirect imply IPv6's destination");
        assert!(nd.iter().all(|b| b.direction == crate::packet::Direction::Build));
    }

    /// A layer keeps one origin bit per field.
    #[test]
    fn every_protocol_fits_the_origin_masks() {
        for proto in PROTOCOLS {
            assert!(proto.fields.len() <= Layer::MAX_FIELDS, "{}", proto.name);
        }
    }

    /// Name lookups binary-search the tables, so every table must be sorted by number with no number twice.
    #[test]
    fn name_tables_are_sorted_and_unique() {
        for proto in PROTOCOLS {
            for field in proto.fields {
                let tables: Vec<&[(u64, &str)]> = match field.show {
                    Show::Enum(t) | Show::HexEnum(t) => vec![t],
                    Show::EnumBy(_, by) => (0..=255).map(by).collect(),
                    _ => continue,
                };
                for w in tables.iter().flat_map(|t| t.windows(2)) {
                    assert!(
                        w[0].0 < w[1].0,
                        "{}.{}: {:?} before {:?}",
                        proto.name,
                        field.name,
                        w[0],
                        w[1]
                    );
                }
            }
        }
    }
}
