//! Checksums of transport layers over the IPv4 (RFC 793, RFC 768) and IPv6 (RFC 8200 §8.1) pseudo-headers.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::packet::{inet_checksum, int, write_field, Built, FieldValue, Layer, MatchRules, Packet};

/// The checksum of the layer being built, over its bytes and the pseudo-header of the nearest IP layer below;
/// `None` when no IP layer is below (Scapy then leaves the checksum at zero).
pub fn l4_checksum(b: &Built, next_header: u8) -> Option<u16> {
    let data = b.bytes();
    let len = data.len() as u32;
    let mut depth = 1;
    loop {
        let layer = b.below(depth)?;
        let proto = layer.proto();
        match layer.name() {
            _ if proto == &super::ip::IP || proto == &super::ip::IPERROR => {
                let (Some(FieldValue::Ip4(src)), Some(FieldValue::Ip4(dst))) = (
                    b.value_below_at(depth, super::ip::SRC),
                    b.value_below_at(depth, super::ip::DST),
                ) else {
                    return None;
                };
                let dst = b.below(depth).and_then(source_route_destination).unwrap_or(dst);
                let mut ph = [0u8; 12];
                ph[0..4].copy_from_slice(&src.octets());
                ph[4..8].copy_from_slice(&dst.octets());
                ph[9] = next_header;
                ph[10..12].copy_from_slice(&(len as u16).to_be_bytes());
                return Some(inet_checksum(&[&ph, data]));
            }
            _ if proto == &super::ipv6::IPV6 || proto == &super::ipv6::IPERROR6 => {
                let src = home_address(b, depth).unwrap_or(match b.value_below(depth, "src") {
                    Some(FieldValue::Ip6(a)) => a,
                    _ => Ipv6Addr::UNSPECIFIED,
                });
                let dst = final_destination(b, depth).unwrap_or(match b.value_below(depth, "dst") {
                    Some(FieldValue::Ip6(a)) => a,
                    _ => Ipv6Addr::UNSPECIFIED,
                });
                let mut ph = [0u8; 40];
                ph[0..16].copy_from_slice(&src.octets());
                ph[16..32].copy_from_slice(&dst.octets());
                ph[32..36].copy_from_slice(&len.to_be_bytes());
                ph[39] = next_header;
                return Some(inet_checksum(&[&ph, data]));
            }
            n if n.starts_with("IPv6ExtHdr") => depth += 1,
            _ => return None,
        }
    }
}

/// With a routing header still to be followed, the pseudo-header's destination is its last address.
fn final_destination(b: &Built, ipv6_depth: usize) -> Option<Ipv6Addr> {
    (1..ipv6_depth).find_map(|d| {
        let l = b.below(d)?;
        // An automatic `segleft` counts the addresses, so it is not zero when there are any.
        if l.name() != "IPv6ExtHdrRouting" || l.get_int("segleft") == Some(0) {
            return None;
        }
        match l.get("addresses") {
            Some(FieldValue::List(a)) => match a.last() {
                Some(FieldValue::Ip6(x)) => Some(*x),
                _ => None,
            },
            _ => None,
        }
    })
}

/// A Destination Options header holding just a Home Address option (Mobile IPv6) makes the home address the
/// pseudo-header's source; the header nearest the IPv6 layer counts, as in Scapy.
fn home_address(b: &Built, ipv6_depth: usize) -> Option<Ipv6Addr> {
    (1..ipv6_depth).rev().find_map(|d| {
        let l = b.below(d)?;
        if l.name() != "IPv6ExtHdrDestOpt" {
            return None;
        }
        match l.get("options") {
            Some(FieldValue::Layers(o)) if o.len() == 1 && o[0].name() == "HAO" => match o[0].get("hoa") {
                Some(FieldValue::Ip6(a)) => Some(a),
                _ => None,
            },
            _ => None,
        }
    })
}

/// With exactly one loose or strict source route option, the pseudo-header's destination is the route's last
/// address (Scapy's `in4_pseudoheader`); with more than one, Scapy falls back to the header's destination.
fn source_route_destination(ip: &Layer) -> Option<Ipv4Addr> {
    let FieldValue::Layers(options) = &*ip.value_ref(super::ip::OPTIONS_FIELD) else {
        return None;
    };
    let mut routes = options
        .iter()
        .filter(|o| matches!(o.name(), "IPOption_LSRR" | "IPOption_SSRR"));
    let (Some(only), None) = (routes.next(), routes.next()) else {
        return None;
    };
    match only.get("routers") {
        Some(FieldValue::List(routers)) => match routers.last() {
            Some(FieldValue::Ip4(a)) => Some(*a),
            _ => None,
        },
        _ => None,
    }
}

/// `NAME src:sport > dst:dport` over IP or IPv6, `NAME sport > dport` otherwise: Scapy's TCP and UDP summaries.
pub fn ports_summary(name: &str, p: &Packet, i: usize, out: &mut String) {
    let ip = i.checked_sub(1).filter(|&u| {
        let proto = p.layers()[u].proto();
        proto == &super::ip::IP || proto == &super::ipv6::IPV6
    });
    let endpoint = |out: &mut String, addr: &str, port: &str| {
        if let Some(u) = ip {
            write_field(out, p, u, addr);
            out.push(':');
        }
        write_field(out, p, i, port);
    };
    out.push_str(name);
    out.push(' ');
    endpoint(out, "src", "sport");
    out.push_str(" > ");
    endpoint(out, "dst", "dport");
}

/// Scapy's test for a quoted UDP or TCP header: the request's own ports, unless `checkIPsrc` is off (a NAT may
/// have changed them).
pub(crate) fn same_ports(r: &Packet, i: usize, q: &Packet, j: usize, rules: MatchRules) -> bool {
    !rules.check_ip_src || (int(r, i, "sport") == int(q, j, "sport") && int(r, i, "dport") == int(q, j, "dport"))
}

/// Finds the source address for a destination (the routing table's answer), once a caller installs one.
pub type SourceResolver = fn(std::net::IpAddr) -> Option<std::net::IpAddr>;

static SOURCE: std::sync::OnceLock<SourceResolver> = std::sync::OnceLock::new();

/// Makes unset `IP().src` / `IPv6().src` come from `resolve` (see `net::use_routes_for_source`). Without it,
/// the source is the loopback address for a loopback destination and unspecified otherwise, so offline
/// builds never depend on the machine. The first resolver installed stays.
pub fn set_source_resolver(resolve: SourceResolver) {
    let _ = SOURCE.set(resolve);
}

/// The source for `dst` from the installed resolver; loopback for loopback, unspecified when nothing answers.
pub(crate) fn default_source(dst: std::net::IpAddr) -> FieldValue {
    let found = SOURCE
        .get()
        .and_then(|r| r(dst))
        .filter(|s| s.is_ipv6() == dst.is_ipv6());
    match (found, dst) {
        (Some(std::net::IpAddr::V4(s)), _) => FieldValue::Ip4(s),
        (Some(std::net::IpAddr::V6(s)), _) => FieldValue::Ip6(s),
        (None, std::net::IpAddr::V4(d)) if d.is_loopback() => FieldValue::Ip4(Ipv4Addr::LOCALHOST),
        (None, std::net::IpAddr::V4(_)) => FieldValue::Ip4(Ipv4Addr::UNSPECIFIED),
        (None, std::net::IpAddr::V6(d)) if d.is_loopback() => FieldValue::Ip6(Ipv6Addr::LOCALHOST),
        (None, std::net::IpAddr::V6(_)) => FieldValue::Ip6(Ipv6Addr::UNSPECIFIED),
    }
}
