//! Matching answers to requests, as Scapy's `sr` does: `hashret` gives bytes that a request and its answer share
//! (so matching is a hash lookup), `answers` is the exact test. Each protocol states its rule in its own file
//! through the `Proto::hashret` / `Proto::answers` hooks; a protocol without hooks uses Scapy's base rule
//! (hash: the payload's; answers: same class, then the payloads). Scapy's `conf.checkIPaddr`, `checkIPsrc` and
//! `checkIPinIP` loosen the rules; here they are a [`MatchRules`] value every hook receives, so each call (and
//! each `sr`) says which rules it matches by.

use super::{FieldValue, Layer, Packet, PADDING};

/// Scapy's answer-matching switches, as data: what a call matches by, never a process-wide setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchRules {
    /// Scapy's `conf.checkIPaddr`: an answer comes back from the address the request went to (off: any address,
    /// as DHCP needs).
    pub check_ip_addr: bool,
    /// Scapy's `conf.checkIPsrc`: addresses and ports are part of the hash, and an answer's ports mirror the
    /// request's (off: a NAT or a load balancer may have changed them).
    pub check_ip_src: bool,
    /// Scapy's `conf.checkIPinIP`: an IP-in-IP (or IPv6-in-IP) tunnel header is matched as any other header
    /// (off: it is looked through, as if the inner packet were alone).
    pub check_ip_in_ip: bool,
}

impl Default for MatchRules {
    /// Scapy's defaults: every check on.
    fn default() -> MatchRules {
        MatchRules {
            check_ip_addr: true,
            check_ip_src: true,
            check_ip_in_ip: true,
        }
    }
}

/// Scapy's `hashret` for one layer: appends this layer's part and returns the index of the layer whose part
/// follows (`None`: nothing follows).
pub type HashRet = fn(&Packet, usize, &mut Vec<u8>, MatchRules) -> Option<usize>;

/// Scapy's `answers` for one layer: does layer `i` of `reply` answer layer `j` of `request`?
pub type Answers = fn(reply: &Packet, i: usize, request: &Packet, j: usize, rules: MatchRules) -> bool;

impl Packet {
    /// Scapy's `hashret()` with Scapy's default rules: equal for a request and any answer to it.
    pub fn hashret(&self) -> Vec<u8> {
        self.hashret_with(MatchRules::default())
    }

    /// Scapy's `hashret()` under `rules`.
    pub fn hashret_with(&self, rules: MatchRules) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        hashret_from(self, 0, &mut out, rules);
        out
    }

    /// Scapy's `answers()` with Scapy's default rules: true when `self` is an answer to `request`.
    pub fn answers(&self, request: &Packet) -> bool {
        self.answers_with(request, MatchRules::default())
    }

    /// Scapy's `answers()` under `rules`.
    pub fn answers_with(&self, request: &Packet, rules: MatchRules) -> bool {
        answers_at(self, 0, request, 0, rules)
    }
}

/// Appends the hash of layers `i..` of `p`.
pub fn hashret_from(p: &Packet, mut i: usize, out: &mut Vec<u8>, rules: MatchRules) {
    while let Some(l) = p.layers.get(i) {
        match l.proto.hashret {
            Some(h) => match h(p, i, out, rules) {
                Some(next) if next > i => i = next,
                _ => return,
            },
            None => i += 1,
        }
    }
}

/// Does layer `i` of `reply` answer layer `j` of `request`? Past the reply's last layer, Scapy's `NoPayload`
/// answers only the end of the request or its padding; `Raw` answers anything.
pub fn answers_at(reply: &Packet, i: usize, request: &Packet, j: usize, rules: MatchRules) -> bool {
    let Some(l) = reply.layers.get(i) else {
        return request.layers.get(j).is_none_or(|o| o.proto == &PADDING);
    };
    if let Some(a) = l.proto.answers {
        return a(reply, i, request, j, rules);
    }
    if l.proto.is_payload() {
        return true;
    }
    request.layers.get(j).is_some_and(|o| o.proto == l.proto) && answers_at(reply, i + 1, request, j + 1, rules)
}

/// Layer `j` of `p` when it is one of `protos`.
pub fn layer_of<'a>(p: &'a Packet, j: usize, protos: &[&'static super::Proto]) -> Option<&'a Layer> {
    p.layers.get(j).filter(|l| protos.contains(&l.proto))
}

/// An integer field of layer `i` as Scapy sees it (set, dissected, implied by stacking or default; 0 when
/// absent).
pub fn int(p: &Packet, i: usize, name: &str) -> u64 {
    let Some(f) = p.layers[i].field_index(name) else {
        return 0;
    };
    match p.value(i, f) {
        FieldValue::Int(v) => v,
        _ => 0,
    }
}

/// An address field of layer `i` as bytes (4 for IPv4, 16 for IPv6, empty when absent).
pub fn addr(p: &Packet, i: usize, name: &str) -> Vec<u8> {
    match p.layers[i].get(name) {
        Some(FieldValue::Ip4(a)) => a.octets().to_vec(),
        Some(FieldValue::Ip6(a)) => a.octets().to_vec(),
        _ => Vec::new(),
    }
}

/// Appends `a XOR b` (Scapy's `strxor` of source and destination: the same for both directions).
pub fn push_xor(out: &mut Vec<u8>, a: &[u8], b: &[u8]) {
    out.extend(a.iter().zip(b).map(|(x, y)| x ^ y));
}

#[cfg(test)]
mod tests {
    use super::MatchRules;
    use crate::{Layer, LinkType, Packet};

    fn l(name: &str, fields: &[(&str, &str)]) -> Layer {
        fields
            .iter()
            .fold(Layer::named(name).unwrap(), |l, (k, v)| l.with(k, *v).unwrap())
    }

    /// Built, then dissected, as `sr` sees both sides.
    fn wire(layers: Vec<Layer>) -> Packet {
        Packet::dissect(&Packet::new(layers).build(), LinkType::RawIp)
    }

    fn ip(src: &str, dst: &str) -> Layer {
        l("IP", &[("src", src), ("dst", dst)])
    }

    fn ip6(src: &str, dst: &str) -> Layer {
        l("IPv6", &[("src", src), ("dst", dst)])
    }

    fn matches(reply: &Packet, request: &Packet) -> bool {
        reply.hashret() == request.hashret() && reply.answers(request)
    }

    #[test]
    fn tcp_syn_is_answered_by_syn_ack_and_rst() {
        let syn = wire(vec![
            ip("198.18.0.1", "198.18.0.2"),
            l("TCP", &[("sport", "1234"), ("dport", "80"), ("seq", "100")]),
        ]);
        let tcp = |flags, seq, ack| {
            wire(vec![
                ip("198.18.0.2", "198.18.0.1"),
                l(
                    "TCP",
                    &[
                        ("sport", "80"),
                        ("dport", "1234"),
                        ("flags", flags),
                        ("seq", seq),
                        ("ack", ack),
                    ],
                ),
            ])
        };
        assert!(matches(&tcp("SA", "7", "101"), &syn));
        assert!(matches(&tcp("RA", "0", "101"), &syn));
        assert!(!tcp("SA", "7", "500").answers(&syn), "ack far from seq + 1");
        assert!(!tcp("S", "7", "101").answers(&syn), "a bare SYN answers nothing");
        assert!(!syn.answers(&syn));
    }

    #[test]
    fn icmp_echo_and_port_unreachable_quoting_udp() {
        let ping = wire(vec![
            ip("198.18.0.1", "198.18.0.2"),
            l("ICMP", &[("id", "7"), ("seq", "3")]),
        ]);
        let pong = wire(vec![
            ip("198.18.0.2", "198.18.0.1"),
            l("ICMP", &[("type", "echo-reply"), ("id", "7"), ("seq", "3")]),
        ]);
        assert!(matches(&pong, &ping));
        let other = wire(vec![
            ip("198.18.0.2", "198.18.0.1"),
            l("ICMP", &[("type", "echo-reply"), ("id", "7"), ("seq", "4")]),
        ]);
        assert!(!matches(&other, &ping));

        let probe = wire(vec![
            ip("198.18.0.1", "198.18.0.2"),
            l("UDP", &[("sport", "4000"), ("dport", "9")]),
        ]);
        let quoted = probe.build();
        let mut err = Packet::new(vec![
            ip("198.18.0.2", "198.18.0.1"),
            l("ICMP", &[("type", "3"), ("code", "3")]),
        ]);
        err = err / quoted.as_slice();
        let err = Packet::dissect(&err.build(), LinkType::RawIp);
        assert_eq!(err.layers()[2].name(), "IPerror");
        assert!(matches(&err, &probe));
    }

    #[test]
    fn neighbour_solicitation_and_ipv6_echo() {
        let ns = wire(vec![
            ip6("fd00::1", "ff02::1:ff00:2"),
            l("ICMPv6ND_NS", &[("tgt", "fd00::2")]),
        ]);
        let na = wire(vec![
            ip6("fd00::2", "fd00::1"),
            l("ICMPv6ND_NA", &[("tgt", "fd00::2"), ("S", "1")]),
        ]);
        assert!(matches(&na, &ns));
        let req = wire(vec![
            ip6("fd00::1", "fd00::2"),
            l("ICMPv6EchoRequest", &[("id", "1"), ("seq", "2")]),
        ]);
        let rep = wire(vec![
            ip6("fd00::2", "fd00::1"),
            l("ICMPv6EchoReply", &[("id", "1"), ("seq", "2")]),
        ]);
        assert!(matches(&rep, &req));
        assert!(!matches(&req, &req));
    }

    #[test]
    fn dns_answer_has_the_query_id() {
        let udp = |s: &str, d: &str| l("UDP", &[("sport", s), ("dport", d)]);
        let q = wire(vec![
            ip("198.18.0.1", "198.18.0.2"),
            udp("5000", "53"),
            l("DNS", &[("id", "42")]),
        ]);
        let a = wire(vec![
            ip("198.18.0.2", "198.18.0.1"),
            udp("53", "5000"),
            l("DNS", &[("id", "42"), ("qr", "1")]),
        ]);
        let wrong = wire(vec![
            ip("198.18.0.2", "198.18.0.1"),
            udp("53", "5000"),
            l("DNS", &[("id", "43"), ("qr", "1")]),
        ]);
        assert!(matches(&a, &q));
        assert!(!matches(&wrong, &q));
    }

    #[test]
    fn rules_loosen_matching_as_scapy_switches_do() {
        let syn = wire(vec![
            ip("198.18.0.1", "198.18.0.2"),
            l(
                "TCP",
                &[("sport", "1234"), ("dport", "80"), ("flags", "S"), ("seq", "100")],
            ),
        ]);
        let rewritten = |src| {
            wire(vec![
                ip(src, "198.18.0.1"),
                l(
                    "TCP",
                    &[("sport", "8080"), ("dport", "4321"), ("flags", "SA"), ("ack", "101")],
                ),
            ])
        };
        let matches_under = |reply: &Packet, rules| {
            reply.hashret_with(rules) == syn.hashret_with(rules) && reply.answers_with(&syn, rules)
        };
        let strict = MatchRules::default();
        let no_src = MatchRules {
            check_ip_src: false,
            ..strict
        };
        let no_addr = MatchRules {
            check_ip_addr: false,
            ..no_src
        };
        assert!(!matches_under(&rewritten("198.18.0.2"), strict));
        assert!(
            matches_under(&rewritten("198.18.0.2"), no_src),
            "ports rewritten by a NAT"
        );
        assert!(!matches_under(&rewritten("198.18.0.9"), no_src));
        assert!(matches_under(&rewritten("198.18.0.9"), no_addr), "and the address too");

        let tunnelled = wire(vec![
            ip("198.18.0.3", "198.18.0.4"),
            ip("198.18.0.2", "198.18.0.1"),
            l("ICMP", &[("type", "echo-reply")]),
        ]);
        let ping = wire(vec![ip("198.18.0.1", "198.18.0.2"), l("ICMP", &[])]);
        let through = MatchRules {
            check_ip_in_ip: false,
            ..strict
        };
        assert!(!tunnelled.answers_with(&ping, strict));
        assert!(
            tunnelled.hashret_with(through) == ping.hashret_with(through) && tunnelled.answers_with(&ping, through)
        );
    }

    #[test]
    fn arp_is_at_answers_who_has() {
        let eth = |dst: &str| l("Ether", &[("dst", dst), ("src", "02:00:00:00:00:01")]);
        let arp = |op, psrc: &str, pdst: &str| l("ARP", &[("op", op), ("psrc", psrc), ("pdst", pdst)]);
        let frame = |layers| Packet::dissect(&Packet::new(layers).build(), LinkType::Ethernet);
        let who = frame(vec![eth("ff:ff:ff:ff:ff:ff"), arp("1", "198.18.0.1", "198.18.0.2")]);
        let is_at = frame(vec![eth("02:00:00:00:00:01"), arp("2", "198.18.0.2", "198.18.0.1")]);
        let other = frame(vec![eth("02:00:00:00:00:01"), arp("2", "198.18.0.3", "198.18.0.1")]);
        assert!(matches(&is_at, &who));
        assert!(!matches(&other, &who));
    }
}
