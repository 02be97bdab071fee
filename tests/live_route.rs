//! `Packet.route()` and `conf.loopback_name` read the routing table of the namespace the test builds (see
//! `common`): namespace A has its veth, its loopback and no default route, as a machine off the network. They
//! only read the table: nothing is sent.

mod common;

use common::{Bed, Sink, A4, A6, B4, B6};
use wirecraft::lang::Session;

/// What `code` printed, in a fresh session.
fn printed(code: &str) -> String {
    let out = Sink::default();
    let mut s = Session::with_output(out.clone());
    if let Err(e) = s.run(code, "<test>") {
        panic!("{e}");
    }
    out.take()
}

#[test]
fn route_answers_as_scapy_with_and_without_a_route() {
    let Some(bed) = Bed::new("route_answers_as_scapy_with_and_without_a_route") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let ifc = &bed.if_a;
    let cases = [
        (format!("IP(dst='{B4}')"), format!("('{ifc}', '{A4}', '0.0.0.0')")),
        (
            format!("Ether()/IP(dst='{B4}')/TCP()"),
            format!("('{ifc}', '{A4}', '0.0.0.0')"),
        ),
        (format!("ARP(pdst='{B4}')"), format!("('{ifc}', '{A4}', '0.0.0.0')")),
        (format!("IPv6(dst='{B6}')"), format!("('{ifc}', '{A6}', '::')")),
        (format!("IP(dst='{A4}')"), format!("('lo', '{A4}', '0.0.0.0')")),
        ("IP()".into(), "('lo', '127.0.0.1', '0.0.0.0')".into()),
        // No route: Scapy's answer, the loopback with unspecified addresses (and a warning).
        ("IP(dst='203.0.113.1')".into(), "('lo', '0.0.0.0', '0.0.0.0')".into()),
        ("Ether()/ARP()".into(), "('lo', '0.0.0.0', '0.0.0.0')".into()),
        ("IPv6(dst='2001:db8::1')".into(), "('lo', '::', '::')".into()),
        // No destination address: nothing to route.
        (
            "ARP(ptype=0, pdst=\"hello. this isn't a valid IP\")".into(),
            "(None, None, None)".into(),
        ),
        ("Ether()/Raw(b'x')".into(), "(None, None, None)".into()),
    ];
    for (packet, want) in cases {
        assert_eq!(
            printed(&format!("print(({packet}).route())")),
            format!("{want}\n"),
            "{packet}"
        );
    }
    assert_eq!(printed("print(conf.loopback_name)"), "lo\n");
    assert_eq!(
        printed("conf.loopback_name = 'lo7'\nprint(conf.loopback_name, IP(dst='203.0.113.1').route()[0])"),
        "lo7 lo7\n"
    );
}
