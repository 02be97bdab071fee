//! The protocols, one file each, and the one bindings table that drives both dissection (bottom-up: which
//! protocol follows) and stacking (top-down: `Ether()/IP()` implies `type=0x800`).

pub mod arp;
pub mod dns;
pub mod dns_records;
pub mod dns_svcb;
pub mod dnssec;
pub mod dot1q;
pub mod dot3;
pub mod ether;
mod fixed_str;
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
pub mod padding;
pub mod raw;
pub mod sll;
pub mod tcp;
pub mod udp;
pub mod well_known;

pub use inet::{set_source_resolver, SourceResolver};

use std::net::Ipv6Addr;
use std::sync::OnceLock;

use crate::packet::{Layer, Proto};

/// Every protocol a user can name, for lookup by class name and for `ls()`.
pub static ALL: &[&Proto] = &[
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
    &raw::RAW,
    &padding::PADDING,
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

/// A value a binding gives a field of the lower layer, wide enough for an IPv6 address as its 128 bits (the
/// Neighbor Discovery messages imply a multicast destination); an integer field takes the low 64 bits. The
/// field's kind says which it is: see [`Field::overload_int`](crate::packet::Field::overload_int).
pub type Overload = (&'static str, u128);

/// One binding: when `lower` carries `upper`, `fields` of `lower` hold these values.
pub struct Binding {
    pub lower: &'static Proto,
    pub upper: &'static Proto,
    pub fields: &'static [Overload],
}

const fn bind(lower: &'static Proto, upper: &'static Proto, fields: &'static [Overload]) -> Binding {
    Binding { lower, upper, fields }
}

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

/// The bindings, in Scapy's order. Dissection takes the first entry whose fields all match, and tests integer
/// fields only: an entry that gives an address is for stacking alone. Stacking takes the last entry for the
/// pair (as Scapy's `bind_layers` overwrites the overload of an earlier call).
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
    // DNS
    bind(&udp::UDP, &dns::DNS, &[("dport", 5353)]),
    bind(&udp::UDP, &dns::DNS, &[("sport", 5353)]),
    bind(&udp::UDP, &dns::DNS, &[("dport", 53)]),
    bind(&udp::UDP, &dns::DNS, &[("sport", 53)]),
    bind(&tcp::TCP, &dns::DNS, &[("dport", 53)]),
    bind(&tcp::TCP, &dns::DNS, &[("sport", 53)]),
    // IPv6 family
    bind(&ether::ETHER, &ipv6::IPV6, &[("type", 0x86dd)]),
    bind(&sll::SLL, &ipv6::IPV6, &[("proto", 0x86dd)]),
    bind(&sll::SLL2, &ipv6::IPV6, &[("proto", 0x86dd)]),
    bind(&ipv6::IPERROR6, &tcp::TCPERROR, &[("nh", 6)]),
    bind(&ipv6::IPERROR6, &udp::UDPERROR, &[("nh", 17)]),
    bind(&ipv6::IPV6, &tcp::TCP, &[("nh", 6)]),
    bind(&ipv6::IPV6, &udp::UDP, &[("nh", 17)]),
    bind(&ip::IP, &ipv6::IPV6, &[("proto", 41)]),
    bind(&ipv6::IPV6, &ipv6::IPV6, &[("nh", 41)]),
    bind(&ipv6::IPV6, &ip::IP, &[("nh", 4)]),
    // Dissection picks the ICMPv6 message class by type; the bindings after it only give stacking overloads (the
    // ND messages' destination among them: dissection never tests it, so an NS to a unicast address is still one).
    bind(&ipv6::IPV6, &icmpv6::ICMPV6, &[("nh", 58)]),
    bind(&ipv6::IPV6, &ipv6_ext::HOP_BY_HOP, &[("nh", 0)]),
    bind(&ipv6::IPV6, &ipv6_ext::DEST_OPT, &[("nh", 60)]),
    bind(&ipv6::IPV6, &ipv6_ext::ROUTING, &[("nh", 43)]),
    bind(&ipv6::IPV6, &ipv6_ext::FRAGMENT, &[("nh", 44)]),
    bind(&ipv6::IPV6, &icmpv6::ECHO_REQUEST, &[("nh", 58)]),
    bind(&ipv6::IPV6, &icmpv6::ECHO_REPLY, &[("nh", 58)]),
    bind(&ipv6::IPV6, &icmpv6::DEST_UNREACH, &[("nh", 58)]),
    bind(&ipv6::IPV6, &icmpv6::PACKET_TOO_BIG, &[("nh", 58)]),
    bind(&ipv6::IPV6, &icmpv6::TIME_EXCEEDED, &[("nh", 58)]),
    bind(&ipv6::IPV6, &icmpv6::PARAM_PROBLEM, &[("nh", 58)]),
    bind(&ipv6::IPV6, &icmpv6::UNKNOWN, &[("nh", 58)]),
    bind(&ipv6::IPV6, &icmpv6_nd::RS, ND_TO_ROUTERS),
    bind(&ipv6::IPV6, &icmpv6_nd::RA, ND_TO_NODES),
    bind(&ipv6::IPV6, &icmpv6_nd::NS, ND_TO_NODES),
    bind(&ipv6::IPV6, &icmpv6_nd::NA, ND_TO_NODES),
    bind(&ipv6::IPV6, &icmpv6_nd::REDIRECT, ND_TO_NODES),
];

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

/// Looks a protocol up by its class name.
pub fn by_name(name: &str) -> Option<&'static Proto> {
    ALL.iter().copied().find(|p| p.name == name)
}

/// The field values that stacking `upper` on `lower` implies.
pub fn overload(lower: &'static Proto, upper: &'static Proto) -> Option<&'static [Overload]> {
    // Every build asks this for each layer: the bindings grouped by lower protocol, in `ALL`'s order, spare
    // scanning the whole table.
    type Uppers = Vec<(&'static Proto, &'static [Overload])>;
    static BY_LOWER: OnceLock<Vec<(&'static Proto, Uppers)>> = OnceLock::new();
    let groups = BY_LOWER.get_or_init(|| {
        let mut groups: Vec<(&'static Proto, Uppers)> = Vec::new();
        // The last binding of a pair wins: taken first.
        for b in BINDINGS.iter().rev() {
            match groups.iter_mut().find(|(l, _)| *l == b.lower) {
                Some((_, uppers)) => uppers.push((b.upper, b.fields)),
                None => groups.push((b.lower, vec![(b.upper, b.fields)])),
            }
        }
        groups.sort_by_key(|(lower, _)| ALL.iter().position(|p| p == lower));
        groups
    });
    let direct = |lower: &Proto| {
        let (_, uppers) = groups.iter().find(|(l, _)| *l == lower)?;
        uppers.iter().find(|(u, _)| *u == upper).map(|(_, f)| *f)
    };
    direct(lower).or_else(|| {
        ALIASES
            .iter()
            .find(|(a, _)| *a == lower)
            .and_then(|(_, stands_for)| direct(stands_for))
    })
}

/// The most distinct fields the bindings of one lower protocol test (a test below checks it).
const MAX_TESTED: usize = 8;

/// A binding with its field names resolved, for dissection's hot path.
struct Guess {
    upper: &'static Proto,
    /// (index into the group's `tested`, value it must have).
    tests: Vec<(usize, u64)>,
}

/// The bindings of one lower protocol, in table order.
struct Group {
    lower: &'static Proto,
    /// The fields any of them tests, by index.
    tested: Vec<usize>,
    guesses: Vec<Guess>,
}

/// The bindings resolved once, on first use (not at start-up), and grouped by lower protocol.
fn guesses() -> &'static [Group] {
    static GUESSES: OnceLock<Vec<Group>> = OnceLock::new();
    GUESSES.get_or_init(|| {
        let mut groups: Vec<Group> = Vec::new();
        for b in BINDINGS {
            // A binding naming a field its lower protocol lacks, or giving a field an address, never matches.
            let Some(fields) = b
                .fields
                .iter()
                .map(|(n, v)| {
                    let f = b.lower.field_index(n)?;
                    Some((f, b.lower.fields[f].overload_int(*v)?))
                })
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let at = match groups.iter().position(|g| g.lower == b.lower) {
                Some(at) => at,
                None => {
                    groups.push(Group {
                        lower: b.lower,
                        tested: Vec::new(),
                        guesses: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[at];
            let tests = fields
                .into_iter()
                .map(|(f, v)| {
                    let t = group.tested.iter().position(|x| *x == f).unwrap_or_else(|| {
                        group.tested.push(f);
                        group.tested.len() - 1
                    });
                    (t, v)
                })
                .collect();
            group.guesses.push(Guess { upper: b.upper, tests });
        }
        // `guess` scans for a layer's group: in `ALL`'s order the common protocols come first, so the scan for
        // an Ether/IP/TCP frame ends within its first entries.
        groups.sort_by_key(|g| ALL.iter().position(|p| *p == g.lower));
        groups
    })
}

/// The protocol that follows a dissected layer, by the first binding whose field values all match.
pub fn guess(layer: &Layer) -> Option<&'static Proto> {
    let group = guesses().iter().find(|g| g.lower == layer.proto())?;
    // Many bindings test the same few fields (UDP's ports): each is read once.
    let mut read = [None; MAX_TESTED];
    for (v, f) in read.iter_mut().zip(&group.tested) {
        *v = layer.int_at(*f);
    }
    group
        .guesses
        .iter()
        .find(|g| g.tests.iter().all(|(t, v)| read.get(*t) == Some(&Some(*v))))
        .map(|g| g.upper)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Show;

    /// `guess` reads the fields a protocol's bindings test into a fixed array.
    #[test]
    fn bindings_test_few_fields() {
        for g in guesses() {
            assert!(g.tested.len() <= MAX_TESTED, "{}", g.lower.name);
        }
    }

    /// The ND messages' implied destination only stacks: dissection never tests an address field.
    #[test]
    fn dissection_tests_no_address() {
        for g in guesses() {
            for f in &g.tested {
                let field = &g.lower.fields[*f];
                assert!(
                    !matches!(field.kind, crate::packet::Kind::Ip6),
                    "{}.{}",
                    g.lower.name,
                    field.name
                );
            }
        }
        let nd = BINDINGS.iter().filter(|b| b.fields.iter().any(|(n, _)| *n == "dst"));
        assert_eq!(nd.count(), 5, "RS, RA, NS, NA and Redirect imply IPv6's destination");
    }

    /// A row given twice changes neither dissection (the first match wins) nor stacking (the last one for the
    /// pair wins), so a twin only hides an edit made to one copy.
    #[test]
    fn no_binding_row_twice() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                assert!(
                    !(std::ptr::eq(a.lower, b.lower) && std::ptr::eq(a.upper, b.upper) && a.fields == b.fields),
                    "binding {} -> {} {:?} is listed twice",
                    a.lower.name,
                    a.upper.name,
                    a.fields
                );
            }
        }
    }

    /// A layer keeps one origin bit per field.
    #[test]
    fn every_protocol_fits_the_origin_masks() {
        for proto in ALL {
            assert!(proto.fields.len() <= Layer::MAX_FIELDS, "{}", proto.name);
        }
    }

    /// Name lookups binary-search the tables, so every table must be sorted by number with no number twice.
    #[test]
    fn name_tables_are_sorted_and_unique() {
        for proto in ALL {
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
