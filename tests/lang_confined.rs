//! A session for programs one does not trust, as the fuzzer runs them: confined, it refuses every builtin that
//! reaches outside it (packets, sockets, files, other hosts) and runs the rest; with a step limit, a program
//! that would loop or recurse forever stops with an error and the session goes on.

use wirecraft::lang::{ErrorKind, Session};

fn confined() -> Session {
    let mut s = Session::with_output(std::io::sink());
    s.confine();
    s
}

#[test]
fn a_confined_session_refuses_what_reaches_outside_it() {
    let mut s = confined();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pcap");
    let programs = [
        "sniff(count=1, timeout=0.1)".to_string(),
        "send(IP(dst='198.18.0.2')/ICMP())".to_string(),
        "sr1(IP(dst='198.18.0.2')/ICMP(), timeout=0.1)".to_string(),
        "tcp_connect('198.18.0.2', 9)".to_string(),
        "udp_socket()".to_string(),
        "ping('198.18.0.2')".to_string(),
        format!("wrpcap('{}', IP())", path.display()),
        format!("rdpcap('{}')", path.display()),
        format!("rdpcap {}", path.display()),
        format!("PcapWriter('{}')", path.display()),
        format!("PcapReader('{}')", path.display()),
    ];
    for program in &programs {
        let e = s.run(program, "<t>").expect_err(program);
        assert_eq!(e.kind, ErrorKind::Permission, "{program}: {e}");
        assert!(e.message.contains("reaches outside the session"), "{program}: {e}");
    }
    assert!(!path.exists(), "nothing was written");
    // What stays inside runs as usual.
    let v = s.run(
        "p = IP(dst='198.18.0.2')/UDP()/'x'; len(raw(p)), PacketList([p]).summary",
        "<t>",
    );
    assert!(v.is_ok(), "{v:?}");
    assert!(s
        .run(
            "try:\n    sniff(count=1)\nexcept PermissionError:\n    ok = 1\nok",
            "<t>"
        )
        .is_ok());
}

#[test]
fn a_confined_session_keeps_its_memory_limit() {
    let mut s = Session::with_output(std::io::sink());
    s.run("conf.max_memory = 1000", "<t>").unwrap();
    s.confine();
    for program in ["conf.max_memory = None", "setattr(conf, 'max_memory', 10**12)"] {
        let e = s.run(program, "<t>").expect_err(program);
        assert_eq!(e.kind, ErrorKind::Permission, "{program}: {e}");
    }
    assert_eq!(s.run("conf.max_memory", "<t>").unwrap().unwrap().repr(), "1000");
    assert_eq!(s.run("'a' * 2000", "<t>").unwrap_err().kind, ErrorKind::Memory);
}

#[test]
fn a_session_that_is_not_confined_still_reaches_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pcap");
    let mut s = Session::with_output(std::io::sink());
    s.run(&format!("wrpcap('{}', IP())", path.display()), "<t>").unwrap();
    assert!(path.exists());
}

#[test]
fn a_step_limit_stops_endless_programs_and_the_session_goes_on() {
    let mut s = confined();
    s.limit_steps(Some(10_000));
    for program in [
        "while True:\n    pass",
        "for i in range(10**18):\n    pass",
        "def f(n):\n    if n == 0:\n        return 0\n    return f(n - 1) + f(n - 1)\nf(60)",
        "[x for x in range(10**18)]",
        // Catching the error does not buy more steps.
        "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass",
    ] {
        let e = s.run(program, "<t>").expect_err(program);
        assert_eq!(e.kind, ErrorKind::Interrupted, "{program}: {e}");
        assert!(e.message.contains("stopped after 10000 steps"), "{program}: {e}");
    }
    // Each run has the whole budget again.
    s.run("x = 0\nfor i in range(9000):\n    x += 1", "<t>").unwrap();
    let v = s.run("x", "<t>").unwrap().unwrap();
    assert_eq!(v.repr(), "9000");
    s.limit_steps(None);
    s.run("for i in range(20000):\n    pass", "<t>").unwrap();
}
