//! IPv6 (RFC 8200), Scapy's `IPv6`, and `IPerror6`, the IPv6 header quoted inside an ICMPv6 error.

use std::net::Ipv6Addr;

use super::icmpv6::message_type;
use super::ip::{is_tunnel, tunnel_at};
use super::ipv6_ext::{DEST_OPT, FRAGMENT, HOP_BY_HOP, ROUTING};
use super::well_known::IPV6_NH;
use super::{icmpv6, ipv6_ext, tcp, udp};
use crate::packet::{
    addr, answers_at, int, layer_of, push_xor, sprintf, Built, Dflt, Field, FieldValue, Kind, Layer, MatchRules,
    Packet, Proto, RAW,
};

/// Index of the payload length, computed at every build (checked by a test below).
const PLEN: usize = 3;

/// The field table, shared by `IPv6` and `IPerror6`.
static FIELDS: &[Field] = &[
    Field::bits("version", 4, 6).doc("6"),
    Field::bits("tc", 8, 0).doc("traffic class"),
    Field::bits("fl", 20, 0).doc("flow label"),
    Field::u16("plen", 0).auto().doc("payload length; computed"),
    Field::u8("nh", 59)
        .names(IPV6_NH)
        .doc("next header; set from the layer above"),
    Field::u8("hlim", 64).doc("hop limit"),
    Field::new("src", Kind::Ip6, Dflt::Dyn(default_src))
        .scapy_class("SourceIP6Field")
        .doc("source address"),
    Field::ip6("dst", 1)
        .scapy_class("DestIP6Field")
        .scapy_default("None")
        .doc("destination address"),
];

/// `IPv6`.
pub static IPV6: Proto = Proto {
    name: "IPv6",
    long_name: "IPv6",
    fields: FIELDS,
    post_build: Some(post_build),
    summary: Some(summary),
    payload_len: Some(payload_len),
    hashret: Some(hashret),
    answers: Some(answers),
    ..Proto::BASE
};

/// `IPerror6`: the IPv6 header an ICMPv6 error quotes. Same fields; its summary is just its name.
pub static IPERROR6: Proto = Proto {
    name: "IPerror6",
    long_name: "IPv6 in ICMPv6",
    fields: FIELDS,
    post_build: Some(post_build),
    payload_len: Some(payload_len),
    guess_payload: Some(|l, p| {
        Some(match nh(l) {
            6 => &tcp::TCPERROR,
            17 => &udp::UDPERROR,
            n => next_header(n, p),
        })
    }),
    hashret: Some(hashret),
    answers: Some(error_answers),
    ..Proto::BASE
};

/// The route's source for the destination once `net::use_routes_for_source` is on; otherwise loopback for a
/// loopback destination and unspecified for the rest (what Scapy picks when no route matches).
fn default_src(l: &Layer) -> FieldValue {
    match l.get("dst") {
        Some(FieldValue::Ip6(d)) => super::inet::default_source(d.into()),
        _ => FieldValue::Ip6(Ipv6Addr::UNSPECIFIED),
    }
}

pub(crate) fn nh(l: &Layer) -> u64 {
    l.get_int("nh").unwrap_or(59)
}

/// The protocol a next-header value announces, as Scapy guesses it when no binding matches: ICMPv6 messages
/// by their type, extension headers, TCP, UDP and IPv4; anything else stays `Raw`.
pub(crate) fn next_header(nh: u64, payload: &[u8]) -> &'static Proto {
    match nh {
        0 => &ipv6_ext::HOP_BY_HOP,
        4 => &super::ip::IP,
        6 => &tcp::TCP,
        17 => &udp::UDP,
        43 => &ipv6_ext::ROUTING,
        44 => &ipv6_ext::FRAGMENT,
        58 => icmpv6::message_class(payload),
        60 => &ipv6_ext::DEST_OPT,
        _ => &RAW,
    }
}

fn is_multicast(a: &[u8]) -> bool {
    a.first() == Some(&0xff)
}

/// Scapy's `IPv6.hashret`: ICMPv6 errors hash as the packet they quote; neighbour and router discovery by the
/// protocol alone (their answers come from another address than the one asked); with `checkIPinIP` off a
/// tunnel header hashes as what it carries; otherwise source XOR destination (when `checkIPsrc` and
/// `checkIPaddr` are both on, and not to a multicast group) and the upper protocol, looking through fragment,
/// hop-by-hop, destination and routing headers. As in Scapy, a routing header's addresses fold into the
/// destination, and a Home Address option stands for the source.
fn hashret(p: &Packet, i: usize, out: &mut Vec<u8>, rules: MatchRules) -> Option<usize> {
    let mut next = int(p, i, "nh");
    match message_type(p, i + 1) {
        Some(t) if t < 128 => return Some(i + 2),
        Some(133..=136 | 144 | 145) => {
            out.push(58);
            return Some(i + 1);
        }
        _ => {}
    }
    if !rules.check_ip_in_ip && is_tunnel(next) {
        return Some(i + 1);
    }
    if layer_of(p, i + 1, &[&FRAGMENT, &HOP_BY_HOP, &DEST_OPT, &ROUTING]).is_some() {
        next = int(p, i + 1, "nh");
    }
    let (mut src, mut dst) = (addr(p, i, "src"), addr(p, i, "dst"));
    if let Some(routing) = layer_of(p, i + 1, &[&ROUTING]) {
        dst = routed_destination(routing);
    }
    if let Some(hoa) = layer_of(p, i + 1, &[&DEST_OPT]).and_then(home_address) {
        src = hoa;
    }
    if rules.check_ip_src && rules.check_ip_addr && !is_multicast(&dst) {
        push_xor(out, &dst, &src);
    }
    out.push(next as u8);
    Some(i + 1)
}

/// Scapy's destination for a routing header: its last address (`::1` when none) XOR each of its addresses.
fn routed_destination(routing: &Layer) -> Vec<u8> {
    let addresses: Vec<[u8; 16]> = match routing.get("addresses") {
        Some(FieldValue::List(items)) => items
            .iter()
            .filter_map(|a| match a {
                FieldValue::Ip6(a) => Some(a.octets()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let last = addresses.last().copied().unwrap_or(Ipv6Addr::LOCALHOST.octets());
    let folded = addresses.iter().fold(last, |mut d, a| {
        d.iter_mut().zip(a).for_each(|(x, y)| *x ^= y);
        d
    });
    folded.to_vec()
}

/// The home address of the last Home Address option of a destination options header.
fn home_address(dest_opt: &Layer) -> Option<Vec<u8>> {
    let options = dest_opt.get("options")?;
    let FieldValue::Layers(options) = options else {
        return None;
    };
    options
        .iter()
        .rev()
        .find(|o| o.proto() == &super::ipv6_options::HAO)
        .and_then(|o| match o.get("hoa") {
            Some(FieldValue::Ip6(a)) => Some(a.octets().to_vec()),
            _ => None,
        })
}

/// Scapy's `IPv6.answers`: the reply comes from where the request went (a request to a multicast group may be
/// answered by any member; `checkIPaddr` off: from anywhere), or is an ICMPv6 error quoting the request. With
/// `checkIPinIP` off, tunnel headers on either side are looked through.
fn answers(r: &Packet, i: usize, q: &Packet, j: usize, rules: MatchRules) -> bool {
    if !rules.check_ip_in_ip {
        if is_tunnel(int(r, i, "nh")) {
            return answers_at(r, i + 1, q, j, rules);
        }
        if tunnel_at(q, j) {
            return answers(r, i, q, j + 1, rules);
        }
    }
    if layer_of(q, j, &[&IPV6, &IPERROR6]).is_none() {
        return false;
    }
    if rules.check_ip_addr {
        let (sd, os, od) = (addr(r, i, "dst"), addr(q, j, "src"), addr(q, j, "dst"));
        if is_multicast(&od) {
            if is_multicast(&sd) {
                let all_nodes_to_all_routers = sd == ALL_NODES && od == ALL_ROUTERS;
                return (od == sd || all_nodes_to_all_routers) && answers_at(r, i + 1, q, j + 1, rules);
            }
            return os == sd && answers_at(r, i + 1, q, j + 1, rules);
        }
        if sd != os {
            return false;
        }
    }
    if message_type(r, i + 1).is_some_and(|t| t < 128) {
        return answers_at(r, i + 2, q, j, rules);
    }
    if layer_of(q, j + 1, &[&FRAGMENT, &ROUTING, &DEST_OPT]).is_some() {
        return answers_at(r, i + 1, q, j + 2, rules);
    }
    // A reply behind a destination options header (a Binding Update answering a Binding Refresh Request).
    if layer_of(r, i + 1, &[&DEST_OPT]).is_some() {
        return answers_at(r, i + 2, q, j + 1, rules);
    }
    (int(q, j, "nh") == 0 || int(r, i, "nh") == int(q, j, "nh")) && answers_at(r, i + 1, q, j + 1, rules)
}

const ALL_NODES: [u8; 16] = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const ALL_ROUTERS: [u8; 16] = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// Scapy's `IPerror6.answers`: the quote has the request's addresses, and its upper layer is the request's as
/// far as it goes. Scapy compares the raw bytes; here the fields the quote holds are compared one by one, so
/// a quote cut short matches on what it has. (Scapy's allowance for MSS clamping is not reproduced.)
fn error_answers(r: &Packet, i: usize, q: &Packet, j: usize, _: MatchRules) -> bool {
    if layer_of(q, j, &[&IPV6, &IPERROR6]).is_none()
        || addr(r, i, "src") != addr(q, j, "src")
        || addr(r, i, "dst") != addr(q, j, "dst")
    {
        return false;
    }
    let ext = [&HOP_BY_HOP, &DEST_OPT, &ROUTING, &FRAGMENT];
    let upper = |p: &Packet, from: usize| (from..p.layers().len()).find(|&k| layer_of(p, k, &ext).is_none());
    let (Some(a), Some(b)) = (upper(r, i + 1), upper(q, j + 1)) else {
        return false;
    };
    let (quoted, sent) = (&r.layers()[a], &q.layers()[b]);
    quoted
        .proto()
        .fields
        .iter()
        .enumerate()
        .all(|(f, field)| !quoted.is_from_wire(f) || sent.get(field.name) == Some(quoted.value_at(f)))
}

fn post_build(b: &mut Built) {
    if b.is_auto_at(PLEN) {
        b.put_int(PLEN, b.payload_len() as u64);
    }
}

/// The payload is `plen` bytes; the rest is padding. A jumbogram (RFC 2675: `plen` 0 and a Hop-by-Hop header)
/// is as long as Scapy's `extract_padding` makes it: the Hop-by-Hop header's length plus the Jumbo option's,
/// the option being the first byte 0xc2 at an offset 4n + 2 of the payload, and its length read in the
/// host's byte order (little-endian, as Scapy's `struct.unpack("I")` reads it); 0 when there is none.
fn payload_len(l: &Layer, payload: &[u8]) -> usize {
    let plen = l.get_int("plen").unwrap_or(0) as usize;
    if plen != 0 || nh(l) != 0 || payload.len() < 8 {
        return plen;
    }
    let hop_by_hop = 8 + 8 * usize::from(payload[1]);
    let jumbo = (2..payload.len())
        .step_by(4)
        .find(|&at| payload[at] == 0xc2)
        .and_then(|at| payload.get(at + 2..at + 6))
        .map_or(0, |n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize);
    hop_by_hop.saturating_add(jumbo)
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    let l = &p.layers()[i];
    let nh = l.field_index("nh").and_then(|n| p.value(i, n).as_int()).unwrap_or(59);
    sprintf(out, p, i, "%src% > %dst% (");
    out.push_str(itoa::Buffer::new().format(nh));
    out.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_index_names_plen() {
        assert_eq!(FIELDS[PLEN].name, "plen");
    }

    /// README: where Scapy's search for the Jumbo option fails (the payload is 4n + 2 bytes long), the length is
    /// 0 as for any jumbogram without the option: the Hop-by-Hop header, then padding.
    #[test]
    fn a_jumbogram_without_its_option_keeps_its_header() {
        use crate::packet::LinkType;
        let mut frame = vec![0x60, 0, 0, 0, 0, 0, 0, 64];
        frame.extend_from_slice(&[0; 32]);
        frame.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
        frame.extend_from_slice(&[0, 1, 0, 2, 0, 10, 0, 0, b'x', b'y']);
        let p = Packet::dissect(&frame, LinkType::RawIp);
        let names: Vec<&str> = p.layers().iter().map(|l| l.name()).collect();
        assert_eq!(names, ["IPv6", "IPv6ExtHdrHopByHop", "Padding"]);
        assert_eq!(p.build(), frame);
    }
}
