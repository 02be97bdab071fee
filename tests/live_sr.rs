//! sr / srp against the real Linux stack in a namespace the test builds (see `common`).

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::{l, Bed, A4, A6, B4, B6};
use wirecraft::net::{self, SrOptions};
use wirecraft::packet::MatchRules;
use wirecraft::Packet;

fn opts() -> SrOptions {
    SrOptions {
        timeout: Some(Duration::from_secs(2)),
        ..SrOptions::default()
    }
}

fn ip4() -> wirecraft::Layer {
    l("IP", &[("src", A4), ("dst", B4)])
}

static GO: AtomicBool = AtomicBool::new(false);

#[test]
fn ping_is_answered_by_the_kernel() {
    let Some(bed) = Bed::new("ping_is_answered_by_the_kernel") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let p = ip4() / l("ICMP", &[("id", "4660"), ("seq", "1")]);
    let r = net::sr1(&[p], &opts(), &GO).unwrap().expect("an echo reply");
    assert_eq!(r.summary(), "IP / ICMP 198.18.0.2 > 198.18.0.1 echo-reply 0");
}

#[test]
fn syn_gets_syn_ack_from_a_listener_and_rst_from_a_closed_port() {
    let Some(bed) = Bed::new("syn_gets_syn_ack_from_a_listener_and_rst_from_a_closed_port") else {
        return;
    };
    let listener = {
        let _in = bed.enter(&bed.b);
        std::net::TcpListener::bind((B4, 8080)).unwrap()
    };
    let _in = bed.enter(&bed.a);
    let syn = |port: &str| {
        ip4()
            / l(
                "TCP",
                &[("sport", "40000"), ("dport", port), ("flags", "S"), ("seq", "1000")],
            )
    };
    let res = net::sr(&[syn("8080"), syn("8081")], &opts(), &GO).unwrap();
    assert_eq!(res.ans.len(), 2, "{}", res.summary());
    let flags: Vec<_> = res
        .ans
        .iter()
        .map(|(q, r)| (q.get("TCP", "dport"), r.get("TCP", "flags")))
        .collect();
    assert!(
        flags.contains(&(Some(8080u64.into()), Some(0x12u64.into()))),
        "SYN-ACK from 8080: {flags:?}"
    );
    assert!(
        flags.contains(&(Some(8081u64.into()), Some(0x14u64.into()))),
        "RST-ACK from 8081: {flags:?}"
    );
    assert!(
        res.summary()
            .contains("==> IP / TCP 198.18.0.2:http_alt > 198.18.0.1:40000 SA"),
        "{}",
        res.summary()
    );
    drop(listener);
}

#[test]
fn udp_to_a_closed_port_gets_port_unreachable_matched_to_its_probe() {
    let Some(bed) = Bed::new("udp_to_a_closed_port") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let probe = |port: &str| ip4() / l("UDP", &[("sport", "5555"), ("dport", port)]);
    let res = net::sr(&[probe("9"), probe("10")], &opts(), &GO).unwrap();
    // Linux rate-limits ICMP errors, but two are within its burst.
    assert_eq!(res.ans.len(), 2, "{}", res.summary());
    for (q, r) in &res.ans {
        assert_eq!(r.get("ICMP", "type"), Some(3u64.into()));
        assert_eq!(
            r.get("UDPerror", "dport"),
            q.get("UDP", "dport"),
            "each error matched to the probe it quotes"
        );
    }
}

#[test]
fn arp_who_has_is_answered() {
    let Some(bed) = Bed::new("arp_who_has_is_answered") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let q = l("Ether", &[("dst", "ff:ff:ff:ff:ff:ff")]) / l("ARP", &[("psrc", A4), ("pdst", B4)]);
    let o = SrOptions {
        iface: Some(bed.if_a.clone()),
        ..opts()
    };
    let r = net::srp1(&[q], &o, &GO).unwrap().expect("is-at");
    assert_eq!(r.get("ARP", "op"), Some(2u64.into()));
    let mac = std::fs::read_to_string(format!("/sys/class/net/{}/address", bed.if_a)).ok();
    assert!(mac.is_none(), "the veth is not in the root namespace");
}

#[test]
fn ipv6_neighbour_solicitation_and_echo() {
    let Some(bed) = Bed::new("ipv6_neighbour_solicitation_and_echo") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let c = net::conf();
    let mac = c.iface_named(&bed.if_a).unwrap().mac.unwrap();
    let mac = wirecraft::packet::value::fmt_mac(&mac);
    let ns = l("Ether", &[])
        / l("IPv6", &[("src", A6), ("dst", "ff02::1:ff00:2"), ("hlim", "255")])
        / l("ICMPv6ND_NS", &[("tgt", B6)])
        / l("ICMPv6NDOptSrcLLAddr", &[("lladdr", &mac)]);
    let o = SrOptions {
        iface: Some(bed.if_a.clone()),
        ..opts()
    };
    let na = net::srp1(&[ns], &o, &GO).unwrap().expect("neighbour advertisement");
    assert!(na.has("ICMPv6ND_NA"), "{}", na.summary());
    // Ether unset: its destination comes from neighbour resolution.
    let echo =
        l("Ether", &[]) / l("IPv6", &[("src", A6), ("dst", B6)]) / l("ICMPv6EchoRequest", &[("id", "9"), ("seq", "1")]);
    let r = net::srp1(&[echo], &o, &GO).unwrap().expect("echo reply");
    assert!(r.has("ICMPv6EchoReply"), "{}", r.summary());
    let echo3 = l("IPv6", &[("src", A6), ("dst", B6)]) / l("ICMPv6EchoRequest", &[("id", "9"), ("seq", "2")]);
    assert!(net::sr1(&[echo3], &opts(), &GO).unwrap().is_some(), "layer 3 over IPv6");
}

#[test]
fn sr_of_1000_probes_matches_every_answer() {
    let Some(bed) = Bed::new("sr_of_1000_probes") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let probes = ip4() / l("ICMP", &[("id", "77")]);
    let mut probes = probes;
    probes.set("ICMP", "seq", (1u64, 1000u64)).unwrap();
    let res = net::sr(&[probes], &opts(), &GO).unwrap();
    assert_eq!((res.ans.len(), res.unans.len()), (1000, 0), "{:?}", res.stats);
    assert!(res
        .ans
        .iter()
        .all(|(q, r)| q.get("ICMP", "seq") == r.get("ICMP", "seq")));
}

#[test]
fn route_lookup_and_default_source_in_the_namespace() {
    let Some(bed) = Bed::new("route_lookup_and_default_source") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let c = net::conf();
    let hit = c.route_to(B4.parse().unwrap()).unwrap();
    assert_eq!(
        (hit.iface.as_str(), hit.src.to_string(), hit.gateway),
        (bed.if_a.as_str(), A4.to_string(), None)
    );
    assert_eq!(c.route_to(B6.parse().unwrap()).unwrap().src.to_string(), A6);
    assert!(
        c.route_to("203.0.113.1".parse().unwrap()).is_none(),
        "no default route in the bed"
    );
    assert_eq!(c.iface(), bed.if_a);
    assert!(c.route_table().to_string().contains("198.18.0.0       255.255.255.0"));
    net::use_routes_for_source();
    let p = Packet::from(l("IP", &[("dst", B4)]));
    assert_eq!(
        p.get("IP", "src"),
        Some(wirecraft::FieldValue::Ip4(A4.parse().unwrap()))
    );
}

#[test]
fn an_answer_from_another_address_matches_only_with_check_ip_addr_off() {
    let Some(bed) = Bed::new("an_answer_from_another_address") else {
        return;
    };
    const OTHER: &str = "198.18.0.9";
    let st = std::process::Command::new("ip")
        .args(["-n", &bed.b, "addr", "add", &format!("{OTHER}/24"), "dev", &bed.if_b])
        .status();
    assert!(st.is_ok_and(|s| s.success()), "second address in {}", bed.b);
    // A responder that answers each of the two probes from the other address, as a DHCP server or an anycast
    // service may: bounded to two datagrams and three seconds each.
    let (asked, other) = {
        let _in = bed.enter(&bed.b);
        let asked = std::net::UdpSocket::bind((B4, 5000)).unwrap();
        let other = std::net::UdpSocket::bind((OTHER, 5000)).unwrap();
        asked.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        (asked, other)
    };
    let responder = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        for _ in 0..2 {
            let Ok((_, from)) = asked.recv_from(&mut buf) else {
                return;
            };
            let _ = other.send_to(b"from elsewhere", from);
        }
    });
    let _in = bed.enter(&bed.a);
    let probe = || ip4() / l("UDP", &[("sport", "40000"), ("dport", "5000")]);
    let strict = SrOptions {
        timeout: Some(Duration::from_secs(1)),
        ..opts()
    };
    assert!(net::sr1(&[probe()], &strict, &GO).unwrap().is_none());
    let loose = SrOptions {
        rules: MatchRules {
            check_ip_addr: false,
            ..MatchRules::default()
        },
        ..opts()
    };
    let r = net::sr1(&[probe()], &loose, &GO)
        .unwrap()
        .expect("the answer from the other address");
    assert_eq!(r.summary(), "IP / UDP 198.18.0.9:5000 > 198.18.0.1:40000 / Raw");
    responder.join().unwrap();
}

#[test]
fn without_cap_net_raw_every_live_call_says_how_to_fix_it() {
    if !common::privileged("without_cap_net_raw") {
        return;
    }
    // Capabilities are per thread: drop them on a thread of our own.
    let msg = std::thread::spawn(|| {
        common::drop_net_capabilities();
        let o = wirecraft::net::SniffOptions {
            iface: vec!["lo".into()],
            ..Default::default()
        };
        let sniff = net::sniff(&o, Default::default(), &GO).unwrap_err().to_string();
        let send = net::send(
            &[Packet::from(l("IP", &[("dst", "127.0.0.1")]))],
            &Default::default(),
            &GO,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(sniff, send);
        sniff
    })
    .join()
    .unwrap();
    assert!(
        msg.contains("CAP_NET_RAW") && msg.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{msg}"
    );
}
