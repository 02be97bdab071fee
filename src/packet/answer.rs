//! Matching answers to requests, as Scapy's `sr` does: `hashret` gives bytes that a request and its answer share
//! (so matching is a hash lookup), `answers` is the exact test. Each protocol states its rule in its own file
//! through the `Proto::hashret` / `Proto::answers` hooks; a protocol without hooks uses Scapy's base rule
//! (hash: the payload's; answers: same class, then the payloads).

use super::{FieldValue, Layer, Packet, PADDING};

/// Scapy's `hashret` for one layer: appends this layer's part and returns the index of the layer whose part
/// follows (`None`: nothing follows).
pub type HashRet = fn(&Packet, usize, &mut Vec<u8>) -> Option<usize>;

/// Scapy's `answers` for one layer: does layer `i` of `reply` answer layer `j` of `request`?
pub type Answers = fn(reply: &Packet, i: usize, request: &Packet, j: usize) -> bool;

impl Packet {
    /// Scapy's `hashret()`: equal for a request and any answer to it.
    pub fn hashret(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        hashret_from(self, 0, &mut out);
        out
    }

    /// Scapy's `answers()`: true when `self` is an answer to `request`.
    pub fn answers(&self, request: &Packet) -> bool {
        answers_at(self, 0, request, 0)
    }
}

/// Appends the hash of layers `i..` of `p`.
pub fn hashret_from(p: &Packet, mut i: usize, out: &mut Vec<u8>) {
    while let Some(l) = p.layers.get(i) {
        match l.proto.hashret {
            Some(h) => match h(p, i, out) {
                Some(next) if next > i => i = next,
                _ => return,
            },
            None => i += 1,
        }
    }
}

/// Does layer `i` of `reply` answer layer `j` of `request`? Past the reply's last layer, Scapy's `NoPayload`
/// answers only the end of the request or its padding; `Raw` answers anything.
pub fn answers_at(reply: &Packet, i: usize, request: &Packet, j: usize) -> bool {
    let Some(l) = reply.layers.get(i) else {
        return request.layers.get(j).is_none_or(|o| o.proto == &PADDING);
    };
    if let Some(a) = l.proto.answers {
        return a(reply, i, request, j);
    }
    if l.proto.is_payload() {
        return true;
    }
    request.layers.get(j).is_some_and(|o| o.proto == l.proto) && answers_at(reply, i + 1, request, j + 1)
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
