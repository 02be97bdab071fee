//! Post-build hooks tied to the field tables. Every protocol with a `post_build` is built alone and over the
//! layers it needs, then dissected back: each automatic field must read back as what its hook wrote (building
//! again with the field set to that value gives the same bytes, so the hook wrote that field's bits and no
//! others), and the fields of the common protocols must hold what they mean (lengths, counts, checksums).

use wirecraft::layers::REGISTRY;
use wirecraft::packet::inet_checksum;
use wirecraft::{FieldValue, Layer, Packet, Proto};

fn layer(name: &str, fields: &[(&str, FieldValue)]) -> Layer {
    let mut l = Layer::named(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    for (k, v) in fields {
        l.set(k, v.clone()).unwrap_or_else(|e| panic!("{name}.{k}: {e}"));
    }
    l
}

fn bytes(b: &[u8]) -> FieldValue {
    FieldValue::Bytes(b.to_vec())
}

/// The layers a protocol's hook needs below it: the IP pseudo-header of a transport checksum.
fn unders(p: &Proto) -> Vec<Vec<Layer>> {
    let ip = || layer("IP", &[("src", "198.18.0.1".into()), ("dst", "198.18.0.2".into())]);
    let ipv6 = || layer("IPv6", &[("src", "fd00::1".into()), ("dst", "fd00::2".into())]);
    match p.name {
        "TCP" | "UDP" => vec![vec![ip()], vec![ipv6()]],
        "ICMP" => vec![vec![ip()]],
        "DNS" => vec![
            vec![ip(), Layer::named("UDP").unwrap()],
            vec![ip(), Layer::named("TCP").unwrap()],
        ],
        n if n.starts_with("ICMPv6") && !n.starts_with("ICMPv6NDOpt") => vec![vec![ipv6()]],
        _ => vec![],
    }
}

/// Layers whose automatic fields follow variable-length ones, set so that those have a length of their own.
fn samples() -> Vec<Layer> {
    let names = || FieldValue::Layers(vec![layer("DNSQR", &[("qname", bytes(b"www.example.com."))])]);
    let record = |rtype: &str, fields: &[(&str, FieldValue)]| {
        let mut all = vec![("rrname", bytes(b"host.example.org."))];
        all.extend_from_slice(fields);
        layer(rtype, &all)
    };
    vec![
        layer(
            "IP",
            &[("options", FieldValue::Layers(vec![layer("IPOption_RR", &[])]))],
        ),
        layer(
            "TCP",
            &[(
                "options",
                FieldValue::List(vec![
                    mss(1460),
                    FieldValue::Tuple(vec![FieldValue::Str("NOP".into()), FieldValue::None]),
                ]),
            )],
        ),
        layer(
            "DNS",
            &[
                ("qd", names()),
                (
                    "an",
                    FieldValue::Layers(vec![record("DNSRR", &[]), record("DNSRRMX", &[])]),
                ),
                ("ar", FieldValue::Layers(vec![layer("DNSRROPT", &[])])),
            ],
        ),
        record("DNSRR", &[("rdata", "192.0.2.1".into())]),
        record("DNSRRHINFO", &[("cpu", bytes(b"x86")), ("os", bytes(b"linux"))]),
        record(
            "DNSRRNAPTR",
            &[
                ("flags", bytes(b"U")),
                ("services", bytes(b"E2U+sip")),
                ("regexp", bytes(b"!^.*$!sip:x@example.com!")),
            ],
        ),
        record(
            "DNSRRTSIG",
            &[("mac_data", bytes(b"0123456789abcdef")), ("other_data", bytes(b"xy"))],
        ),
        record("DNSRRSRV", &[("target", bytes(b"sip.example.org."))]),
        layer(
            "EDNS0TLV",
            &[("optcode", 8u64.into()), ("optdata", bytes(b"\x00\x01\x18\x00\xc0"))],
        ),
        layer("PadN", &[("optdata", bytes(b"\x00\x00\x00"))]),
        layer(
            "IPv6ExtHdrRouting",
            &[("addresses", FieldValue::List(vec!["fd00::3".into(), "fd00::4".into()]))],
        ),
        layer("ICMPv6NDOptUnknown", &[("data", bytes(b"abcdefghij"))]),
        layer(
            "ARP",
            &[
                ("hwtype", 6u64.into()),
                ("hwsrc", bytes(b"\x01\x02\x03")),
                ("hwdst", bytes(b"\x04\x05\x06")),
            ],
        ),
    ]
}

fn mss(n: u64) -> FieldValue {
    FieldValue::Tuple(vec![FieldValue::Str("MSS".into()), FieldValue::Int(n)])
}

/// Every stack to check: each protocol with a hook alone (with its defaults) and over what it needs, and
/// the samples likewise.
fn stacks() -> Vec<Vec<Layer>> {
    // `ICMPv6Unknown`'s default type, 1, is a Destination Unreachable's, `HBHOptUnknown`'s, 1, PadN's, and
    // `IPOption`'s, 0, End of Options': dissection would take them for those.
    let dissectable = |l: Layer| match l.name() {
        "ICMPv6Unknown" => l.with("type", 139u64).unwrap(),
        "HBHOptUnknown" => l.with("otype", 0x1e).unwrap(),
        "IPOption" => l.with("option", 30u64).unwrap(),
        _ => l,
    };
    let defaults = REGISTRY
        .protocols()
        .iter()
        .filter(|p| p.post_build.is_some())
        .map(|p| dissectable(Layer::new(p)));
    let mut out = Vec::new();
    for top in defaults.chain(samples()) {
        out.push(vec![top.clone()]);
        for mut under in unders(top.proto()) {
            under.push(top.clone());
            out.push(under);
        }
    }
    out
}

/// A stack dissected back from its bytes: the same protocols (a trailing payload guess aside).
fn dissected(stack: &[Layer], wire: &[u8]) -> Packet {
    let back = Packet::dissect_as(stack[0].proto(), wire);
    let names = |ls: &[Layer]| ls.iter().map(|l| l.name()).collect::<Vec<_>>();
    assert_eq!(
        names(&back.layers()[..stack.len().min(back.layers().len())]),
        names(stack),
        "{wire:02x?}"
    );
    back
}

#[test]
fn every_automatic_field_reads_back_as_its_hook_wrote_it() {
    let mut checked = 0;
    for stack in stacks() {
        let wire = Packet::new(stack.clone()).build();
        let back = dissected(&stack, &wire);
        for (i, built) in stack.iter().enumerate() {
            let read = &back.layers()[i];
            for (f, field) in built.proto().fields.iter().enumerate() {
                if !field.is_auto() || !read.is_from_wire(f) {
                    continue;
                }
                let Some(v) = read.get(field.name) else { continue };
                let mut set = stack.clone();
                set[i].set(field.name, v.clone()).unwrap();
                let again = Packet::new(set).build();
                let what = format!("{}.{} = {v:?} in {:?}", built.name(), field.name, names(&stack));
                assert_eq!(again, wire, "{what}: the hook wrote other bits than the field's");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} fields checked");
}

fn names(stack: &[Layer]) -> Vec<&'static str> {
    stack.iter().map(|l| l.name()).collect()
}

fn int(p: &Packet, layer: &str, field: &str) -> u64 {
    match p.get(layer, field) {
        Some(FieldValue::Int(n)) => n,
        other => panic!("{layer}.{field}: {other:?}"),
    }
}

/// The IPv4 pseudo-header's sum with the transport bytes: zero when the checksum verifies.
fn l4_sum_v4(wire: &[u8], ip_len: usize, proto: u8) -> u16 {
    let l4 = &wire[ip_len..];
    let mut ph = Vec::from(&wire[12..20]);
    ph.extend_from_slice(&[0, proto]);
    ph.extend_from_slice(&(l4.len() as u16).to_be_bytes());
    inet_checksum(&[&ph, l4])
}

/// The IPv6 pseudo-header's sum with the upper-layer bytes: zero when the checksum verifies.
fn l4_sum_v6(wire: &[u8], next_header: u8) -> u16 {
    let l4 = &wire[40..];
    let mut ph = Vec::from(&wire[8..40]);
    ph.extend_from_slice(&(l4.len() as u32).to_be_bytes());
    ph.extend_from_slice(&[0, 0, 0, next_header]);
    inet_checksum(&[&ph, l4])
}

#[test]
fn the_common_fields_hold_what_they_mean() {
    let ip = || layer("IP", &[("src", "198.18.0.1".into()), ("dst", "198.18.0.2".into())]);
    let ip_opts = || {
        let mut l = ip();
        l.set("options", FieldValue::Layers(vec![layer("IPOption_RR", &[])]))
            .unwrap();
        l
    };
    // IP with options over TCP with options: lengths, header lengths and both checksums.
    let tcp = layer("TCP", &[("options", FieldValue::List(vec![mss(1460)]))]);
    let wire = (ip_opts() / tcp / &b"payload"[..]).build();
    let back = Packet::dissect_as(ip().proto(), &wire);
    let (ihl, dataofs) = (int(&back, "IP", "ihl") as usize, int(&back, "TCP", "dataofs") as usize);
    assert_eq!((ihl, dataofs), (6, 6), "20 bytes each and 4 of options");
    assert_eq!(int(&back, "IP", "len") as usize, wire.len());
    assert_eq!(ihl * 4 + dataofs * 4 + b"payload".len(), wire.len());
    assert_eq!(inet_checksum(&[&wire[..ihl * 4]]), 0, "IP checksum");
    assert_eq!(l4_sum_v4(&wire, ihl * 4, 6), 0, "TCP checksum");

    let wire = (ip() / Layer::named("UDP").unwrap() / &b"abc"[..]).build();
    let back = Packet::dissect_as(ip().proto(), &wire);
    assert_eq!(int(&back, "UDP", "len"), 11);
    assert_eq!(l4_sum_v4(&wire, 20, 17), 0, "UDP checksum");

    let wire = (ip() / Layer::named("ICMP").unwrap() / &b"ping"[..]).build();
    assert_eq!(inet_checksum(&[&wire[20..]]), 0, "ICMP checksum");

    let ipv6 = layer("IPv6", &[("src", "fd00::1".into()), ("dst", "fd00::2".into())]);
    let proto = ipv6.proto();
    let wire = (ipv6 / layer("ICMPv6EchoRequest", &[("data", bytes(b"hello"))])).build();
    let back = Packet::dissect_as(proto, &wire);
    assert_eq!(int(&back, "IPv6", "plen"), 13);
    assert_eq!(l4_sum_v6(&wire, 58), 0, "ICMPv6 checksum");

    // DNS over TCP: the length prefix counts the message; the counts count the records.
    let qd = FieldValue::Layers(vec![Layer::named("DNSQR").unwrap(), Layer::named("DNSQR").unwrap()]);
    let an = FieldValue::Layers(vec![layer("DNSRR", &[("rrname", bytes(b"a.example."))])]);
    let dns = layer("DNS", &[("qd", qd), ("an", an)]);
    let wire = (ip() / Layer::named("TCP").unwrap() / dns).build();
    let back = Packet::dissect_as(ip().proto(), &wire);
    let counts = ["qdcount", "ancount", "nscount", "arcount"].map(|c| int(&back, "DNS", c));
    assert_eq!(counts, [2, 1, 0, 0]);
    assert_eq!(int(&back, "DNS", "length") as usize, wire.len() - 40 - 2);
}
