//! `Net(...)` and `Net6(...)` through the language beyond the golden vectors: containment of networks and
//! numbers, and the errors (issue #11 item 3). Expected values are Scapy 2.8.0's where Scapy gives one.

mod common;

use common::Sink;
use wirecraft::lang::{ErrorKind, Session};

fn val(src: &str) -> String {
    let mut s = Session::with_output(Sink::default());
    match s.run(src, "<t>") {
        Ok(v) => v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_net_contains_addresses_networks_and_numbers() {
    assert_eq!(
        val("n = Net('198.18.0.0/24'); Net('198.18.0.4/30') in n, Net('198.18.1.0/30') in n, 3323068418 in n"),
        "(True, False, True)"
    );
    assert_eq!(
        val("'fd00::1' in Net('198.18.0.0/24'), Net6('fd00::/64') in Net('0.0.0.0/0')"),
        "(False, False)"
    );
    assert_eq!(
        val("str(Net('198.18.0.9/29')), [a for a in Net('198.18.0.9/31')]"),
        "('198.18.0.8', ['198.18.0.8', '198.18.0.9'])"
    );
}

#[test]
fn a_net_is_the_same_packet_set_as_its_text() {
    assert_eq!(
        val("[raw(p) for p in IP(dst=Net('198.18.0.0/30'))] == [raw(p) for p in IP(dst='198.18.0.0/30')]"),
        "True"
    );
    assert_eq!(val("len(list(IPv6(dst=Net6('fd00::1', 'fd00::5'))/UDP()))"), "5");
}

#[test]
fn a_bad_network_says_what_is_wrong() {
    let mut s = Session::with_output(Sink::default());
    for (src, kind, message) in [
        (
            "Net('198.18.0.300/30')",
            ErrorKind::Value,
            "'198.18.0.300' is not an IPv4 address",
        ),
        (
            "Net('198.18.0.0/33')",
            ErrorKind::Value,
            "'/33' is not an IPv4 prefix length",
        ),
        (
            "Net6('198.18.0.1')",
            ErrorKind::Value,
            "'198.18.0.1' is not an IPv6 address",
        ),
        (
            "Net('198.18.0.0/30', '198.18.0.9')",
            ErrorKind::Value,
            "Net(start, stop) takes two addresses, not networks",
        ),
        (
            "Net(5)",
            ErrorKind::Type,
            "a network or an address is text (\"198.18.0.0/30\"), not a int",
        ),
    ] {
        let e = s.run(src, "<t>").expect_err(src);
        assert_eq!((e.kind, e.message.as_str()), (kind, message), "{src}");
    }
}
