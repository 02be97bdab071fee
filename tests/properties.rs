//! Property tests: the dissector never panics on any bytes of any link type, and what is built dissects back
//! to the values that were set.

use proptest::prelude::*;
use wirecraft::layers::REGISTRY;
use wirecraft::packet::{Direction, Field, Kind};
use wirecraft::{FieldValue, Layer, LinkType, Packet};

const LINKS: [LinkType; 6] = [
    LinkType::Ethernet,
    LinkType::RawIp,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
    LinkType::Null,
    LinkType::Other(147),
];

/// Frames that start like real ones (so the dissector gets past the first headers) followed by noise.
fn frame_like() -> impl Strategy<Value = Vec<u8>> {
    let prefixes: Vec<Vec<u8>> = vec![
        vec![],
        hex("020000000002020000000001080045"),
        hex("02000000000202000000000186dd60"),
        hex("0200000000020200000000018100"),
        hex("0200000000020200000000010806"),
        hex("4500"),
        hex("6000000000"),
    ];
    (
        proptest::sample::select(prefixes),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(mut p, tail)| {
            p.extend(tail);
            p
        })
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Any bytes, any link type: dissection and every renderer finish without panicking, the layers cover the
    /// frame, and the unedited packet rebuilds to the same bytes.
    #[test]
    fn dissector_never_panics(data in frame_like(), link in proptest::sample::select(LINKS.to_vec())) {
        let p = Packet::dissect(&data, link);
        prop_assert!(!p.layers().is_empty());
        let _ = (p.summary(), p.show(), p.repr(), p.command(), p.hexdump());
        prop_assert_eq!(p.build(), data.clone());
        prop_assert_eq!(p.len(), data.len());
        // Rebuilding an edited copy must not panic either, whatever the dissected values were.
        let mut q = p.clone();
        q.layers_mut();
        let _ = q.build();
        let _ = q.show2();
    }
}

/// A transport layer with random ports (clear of DNS's, so dissection picks the same class) and payload.
#[derive(Debug, Clone)]
enum Transport {
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u16,
        window: u16,
    },
    Udp {
        sport: u16,
        dport: u16,
    },
    Icmp {
        id: u16,
        seq: u16,
    },
}

fn port() -> impl Strategy<Value = u16> {
    any::<u16>().prop_filter("not DNS", |p| *p != 53 && *p != 5353)
}

fn transport() -> impl Strategy<Value = Transport> {
    prop_oneof![
        (port(), port(), any::<u32>(), any::<u32>(), 0u16..512, any::<u16>()).prop_map(
            |(sport, dport, seq, ack, flags, window)| Transport::Tcp {
                sport,
                dport,
                seq,
                ack,
                flags,
                window
            }
        ),
        (port(), port()).prop_map(|(sport, dport)| Transport::Udp { sport, dport }),
        (any::<u16>(), any::<u16>()).prop_map(|(id, seq)| Transport::Icmp { id, seq }),
    ]
}

fn set_all(name: &str, fields: &[(&'static str, FieldValue)]) -> Layer {
    let mut l = Layer::named(name).unwrap();
    for (k, v) in fields {
        l.set(k, v.clone()).unwrap();
    }
    l
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// dissect(build(p)) gives back every field that was set, and the automatic fields come out consistent.
    #[test]
    fn build_then_dissect_round_trips(
        src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(), ttl in any::<u8>(), id in any::<u16>(), tos in any::<u8>(),
        t in transport(), payload in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let ip_fields: Vec<(&'static str, FieldValue)> = vec![
            ("src", FieldValue::Ip4(src.into())), ("dst", FieldValue::Ip4(dst.into())),
            ("ttl", FieldValue::Int(ttl.into())), ("id", FieldValue::Int(id.into())), ("tos", FieldValue::Int(tos.into())),
        ];
        let (name, fields): (&str, Vec<(&'static str, FieldValue)>) = match t {
            Transport::Tcp { sport, dport, seq, ack, flags, window } => ("TCP", vec![
                ("sport", FieldValue::Int(sport.into())), ("dport", FieldValue::Int(dport.into())),
                ("seq", FieldValue::Int(seq.into())), ("ack", FieldValue::Int(ack.into())),
                ("flags", FieldValue::Int(flags.into())), ("window", FieldValue::Int(window.into())),
            ]),
            Transport::Udp { sport, dport } => ("UDP", vec![
                ("sport", FieldValue::Int(sport.into())), ("dport", FieldValue::Int(dport.into())),
            ]),
            Transport::Icmp { id, seq } => ("ICMP", vec![("id", FieldValue::Int(id.into())), ("seq", FieldValue::Int(seq.into()))]),
        };
        let ether = set_all("Ether", &[("dst", FieldValue::Str("02:00:00:00:00:02".into())), ("src", FieldValue::Str("02:00:00:00:00:01".into()))]);
        let mut p = ether / set_all("IP", &ip_fields) / set_all(name, &fields);
        if !payload.is_empty() {
            p = p / &payload[..];
        }
        let bytes = p.build();
        let q = Packet::dissect(&bytes, LinkType::Ethernet);
        for (k, v) in ip_fields.iter() {
            prop_assert_eq!(q.get("IP", k), Some(v.clone()), "IP.{}", k);
        }
        for (k, v) in fields.iter() {
            prop_assert_eq!(q.get(name, k), Some(v.clone()), "{}.{}", name, k);
        }
        prop_assert_eq!(q.get("IP", "len"), Some(FieldValue::Int(bytes.len() as u64 - 14)));
        // The computed checksums verify: the one's-complement sum over each checksummed span is zero.
        prop_assert_eq!(wirecraft::packet::inet_checksum(&[&bytes[14..34]]), 0);
        if !payload.is_empty() {
            prop_assert_eq!(q.get("Raw", "load"), Some(FieldValue::Bytes(payload.clone())));
        }
    }
}

#[test]
fn unedited_dissection_rebuilds_exactly_even_with_wrong_checksums() {
    let mut bytes = (Layer::named("IP")
        .unwrap()
        .with("src", "198.18.0.1")
        .unwrap()
        .with("dst", "198.18.0.2")
        .unwrap()
        / Layer::named("UDP").unwrap())
    .build();
    bytes[10] ^= 0xff; // break the IP checksum on purpose
    let p = Packet::dissect(&bytes, LinkType::RawIp);
    assert_eq!(p.build(), bytes);
}

#[test]
fn editing_a_dissected_packet_recomputes_what_was_not_set() {
    let built = (Layer::named("IP")
        .unwrap()
        .with("src", "198.18.0.1")
        .unwrap()
        .with("dst", "198.18.0.2")
        .unwrap()
        / Layer::named("TCP").unwrap())
    .build();
    let mut p = Packet::dissect(&built, LinkType::RawIp);
    p.set("IP", "ttl", 3).unwrap();
    let edited = p.build();
    assert_eq!(edited[8], 3);
    assert_ne!(edited[10..12], built[10..12], "IP checksum follows the edit");
    assert_eq!(wirecraft::packet::inet_checksum(&[&edited[..20]]), 0);
    // A checksum the user sets is sent as is, even when wrong.
    p.set("IP", "chksum", 0xdead).unwrap();
    assert_eq!(p.build()[10..12], [0xde, 0xad]);
    // `del` returns it to automatic.
    p.layer_mut("IP").unwrap().unset("chksum").unwrap();
    assert_eq!(p.build(), edited);
}

/// Only automatic fields are recomputed after an edit: a dissected value of any other field stays, even where
/// a hook fills the field when it is unset (Ether's destination, sent as broadcast when unset; a fixed-size IP
/// option's length).
#[test]
fn editing_a_dissected_packet_keeps_what_came_from_the_wire() {
    let ether = Layer::named("Ether").unwrap().with("dst", "02:00:00:00:00:02").unwrap();
    let ip = Layer::named("IP").unwrap().with("dst", "198.18.0.2").unwrap();
    let mut p = Packet::dissect(&(ether / ip).build(), LinkType::Ethernet);
    p.set("IP", "ttl", 9).unwrap();
    let edited = Packet::dissect(&p.build(), LinkType::Ethernet);
    assert_eq!(
        p.build()[..6],
        [2, 0, 0, 0, 0, 2],
        "not the broadcast an unset destination gets"
    );
    assert_eq!(edited.get("IP", "ttl"), Some(FieldValue::Int(9)));

    let security = hex("820c0000000000007878780000000000");
    let mut q = Packet::dissect_as(Layer::named("IPOption_Security").unwrap().proto(), &security[..12]);
    q.layers_mut();
    assert_eq!(q.build()[1], 12, "the dissected length 12 stays");
}

#[test]
fn packet_sets_are_lazy_and_in_scapy_order() {
    let p = Layer::named("IP")
        .unwrap()
        .with("dst", "198.18.0.0/8")
        .unwrap()
        .with("ttl", (1u64, 2u64))
        .unwrap()
        / Layer::named("TCP").unwrap().with("dport", (0u64, 65535u64)).unwrap();
    // 2^24 destinations × 2 TTLs × 65,536 ports: counted without being enumerated.
    assert_eq!(p.count(), (1u128 << 24) * 2 * 65536);
    let first: Vec<(Option<FieldValue>, Option<FieldValue>, Option<FieldValue>)> = p
        .iter()
        .take(3)
        .map(|q| (q.get("IP", "ttl"), q.get("IP", "dst"), q.get("TCP", "dport")))
        .collect();
    // The payload varies fastest.
    assert_eq!(first[1].2, Some(FieldValue::Int(1)));
    assert_eq!(first[1].0, Some(FieldValue::Int(1)));
    let q = p.nth(65536);
    assert_eq!(q.get("TCP", "dport"), Some(FieldValue::Int(0)));
    assert_eq!(
        q.get("IP", "ttl"),
        Some(FieldValue::Int(2)),
        "within a layer the first declared field varies fastest"
    );
}

#[test]
fn random_values_are_drawn_at_each_build() {
    use wirecraft::packet::{Generator, RandKind};
    let p = Packet::from(
        Layer::named("UDP")
            .unwrap()
            .with("sport", FieldValue::gen(Generator::Rand(RandKind::Short)))
            .unwrap(),
    );
    let ports: std::collections::HashSet<Vec<u8>> = (0..50).map(|_| p.build()[..2].to_vec()).collect();
    assert!(ports.len() > 1, "50 builds drew {} distinct ports", ports.len());
    assert_eq!(p.count(), 1, "a random value is not a set");
    let fuzzed = (Layer::named("IP").unwrap() / Layer::named("TCP").unwrap()).fuzz();
    let frames: std::collections::HashSet<Vec<u8>> = (0..20).map(|_| fuzzed.build()).collect();
    assert!(frames.len() > 1);
    assert!(
        frames.iter().all(|f| f[9] == 6),
        "fuzz keeps the protocol implied by stacking"
    );
}

#[test]
fn errors_name_the_problem() {
    let e = Layer::named("TCP").unwrap().with("dprot", 1).unwrap_err();
    assert_eq!(e.to_string(), "TCP has no field 'dprot'; did you mean 'dport'?");
    let e = Layer::named("IP").unwrap().with("dst", "198.18.0.300").unwrap_err();
    assert_eq!(e.to_string(), "IP.dst: '198.18.0.300' is not an IPv4 address");
    let e = Layer::named("IP").unwrap().with("ttl", 256).unwrap_err();
    assert_eq!(e.to_string(), "IP.ttl: 256 does not fit in 8 bits");
    let e = Layer::named("TCP").unwrap().with("flags", "SX").unwrap_err();
    assert_eq!(
        e.to_string(),
        "TCP.flags: 'SX' is not made of the flags F S R P A U E C N"
    );
    assert_eq!(Layer::named("Nope").unwrap_err().to_string(), "unknown layer 'Nope'");
}

/// A random value for `field` when it is one a user sets freely ([`Field::reads_back`]), of a plain integer or
/// address kind. `None` leaves it unset.
fn free_value(field: &Field, bits: u128) -> Option<FieldValue> {
    if !field.reads_back() {
        return None;
    }
    match field.kind {
        Kind::Mac => Some(FieldValue::Mac(
            ((bits as u64) & 0xffff_ffff_ffff).to_be_bytes()[2..]
                .try_into()
                .unwrap(),
        )),
        Kind::Ip4 => Some(FieldValue::Ip4((bits as u32).into())),
        Kind::Ip6 => Some(FieldValue::Ip6(bits.into())),
        _ => {
            let w = field.int_width()?;
            Some(FieldValue::Int(bits as u64 & (u64::MAX >> (64 - u32::from(w)))))
        }
    }
}

/// Over every protocol of the registry, on its own: what is built dissects back as that protocol with every
/// field that was set, and the dissected packet, once its bytes are forgotten, rebuilds to the same bytes (its
/// automatic fields recomputed to what they were). A set field can make the bytes another class's, as Scapy's
/// `dispatch_hook`s decide (Ether with a length for a type is Dot3): then the class must have been chosen by
/// the protocol's dispatch and the unedited packet must rebuild as it came; most cases keep the class (counted
/// below), unless the class is a generic one that dispatches even its defaults.
#[test]
fn every_protocol_round_trips() {
    const CASES: u32 = 200;
    for &proto in REGISTRY.protocols() {
        // A runner counts the cases it has run: each protocol gets its own.
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(CASES));
        let strategy = proptest::collection::vec((any::<bool>(), any::<u128>()), proto.fields.len());
        let same_class = std::cell::Cell::new(0);
        let result = runner.run(&strategy, |draws| {
            let mut layer = Layer::new(proto);
            let mut set = Vec::new();
            for (field, (pick, bits)) in proto.fields.iter().zip(draws) {
                if let Some(v) = free_value(field, bits).filter(|_| pick) {
                    layer.set(field.name, v.clone()).unwrap();
                    set.push((field.name, v));
                }
            }
            let bytes = Packet::from(layer).build();
            let q = Packet::dissect_as(proto, &bytes);
            let first = &q.layers()[0];
            if first.proto() == proto {
                same_class.set(same_class.get() + 1);
                for (name, v) in &set {
                    prop_assert_eq!(
                        first.get(name),
                        Some(v.clone()),
                        "{}.{} from {:02x?}",
                        proto.name,
                        name,
                        bytes
                    );
                }
                let mut forgotten = q.clone();
                forgotten.layers_mut();
                prop_assert_eq!(forgotten.build(), bytes.clone(), "{} rebuilt", proto.name);
            } else {
                prop_assert!(
                    proto.dispatch.is_some(),
                    "{} dissected as {}: {:02x?}",
                    proto.name,
                    first.name(),
                    bytes
                );
            }
            prop_assert_eq!(q.build(), bytes);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{}: {e}", proto.name);
        }
        // A generic class whose own defaults dispatch to a specific class (Scapy's `HBHOptUnknown` is PadN's
        // type) keeps its class only for the values no specific class claims.
        let defaults = Packet::from(Layer::new(proto)).build();
        let generic = proto.dispatch.is_some() && Packet::dissect_as(proto, &defaults).layers()[0].proto() != proto;
        assert!(
            generic || same_class.get() >= CASES / 2,
            "{}: only {} of {CASES} cases kept the class",
            proto.name,
            same_class.get()
        );
    }
}

/// Every stacking binding dissects back: `Lower()/Upper()` built is read as `Lower / Upper` again, the upper
/// class chosen by the bindings or the lower layer's own guess (ICMPv6 messages by type). A dispatcher has no
/// fields to build: the classes it stands for have their own rows. `ICMPv6Unknown`, the fallback class, has
/// Destination Unreachable's type 1 for its default, as in Scapy, so its bytes are that class's.
#[test]
fn every_stacking_binding_dissects_back() {
    let stacking = REGISTRY.bindings().iter().filter(|b| b.direction != Direction::Dissect);
    for b in stacking.filter(|b| b.upper.dispatch.is_none() && b.upper.name != "ICMPv6Unknown") {
        let bytes = (Layer::new(b.lower) / Layer::new(b.upper)).build();
        let q = Packet::dissect_as(b.lower, &bytes);
        let names: Vec<&str> = q.layers().iter().map(|l| l.name()).collect();
        assert_eq!(
            names[..2.min(names.len())],
            [b.lower.name, b.upper.name],
            "{:02x?}",
            bytes
        );
    }
}
