//! `portscan` for real: listeners the test opens on loopback are found open and nothing else, over IPv4 and
//! IPv6; every port of 127.0.0.1 is scanned in bounded time; bad ports and methods are named; and inside a
//! namespace bed (see `common`) an address nobody answers for comes out filtered within
//! timeout × (retries + 1). When nmap is installed its open set on loopback is compared with ours.

mod common;

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Bed, Sink};
use wirecraft::lang::{LangError, Session};

fn val(s: &mut Session, src: &str) -> Result<String, LangError> {
    s.run(src, "<t>")
        .map(|v| v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()))
}

/// Three listeners on ports the system picks, and those ports in ascending order.
fn listeners(host: &str) -> (Vec<TcpListener>, Vec<u16>) {
    let ls: Vec<_> = (0..3)
        .map(|_| TcpListener::bind(format!("{host}:0")).unwrap())
        .collect();
    let mut ports: Vec<_> = ls.iter().map(|l| l.local_addr().unwrap().port()).collect();
    ports.sort_unstable();
    (ls, ports)
}

#[test]
fn loopback_listeners_are_exactly_the_open_ports() {
    let mut s = Session::with_output(Sink::default());
    for host in ["127.0.0.1", "::1"] {
        let (_ls, open) = listeners(host);
        let asked: Vec<u16> = open.iter().flat_map(|&p| [p - 1, p, p + 1]).collect();
        val(&mut s, &format!("r = portscan('{host}', {asked:?})")).unwrap();
        assert_eq!(val(&mut s, "r.open").unwrap(), format!("{open:?}"), "{host}");
        assert_eq!(val(&mut s, &format!("r[{}]", open[0])).unwrap(), "'open'");
        assert_eq!(val(&mut s, "len(r.closed) + len(r.open) == len(r)").unwrap(), "True");
        assert_eq!(val(&mut s, "r.filtered").unwrap(), "[]");
        let first = val(&mut s, "[x for x in r][0]").unwrap();
        assert_eq!(first, format!("({}, 'closed')", open[0] - 1));
        let table = val(&mut s, "str(r)").unwrap();
        assert!(table.contains(&format!("{}/tcp open", open[0])), "{table}");
    }
}

#[test]
fn every_port_of_loopback_within_the_bound() {
    let (_ls, open) = listeners("127.0.0.1");
    let mut s = Session::with_output(Sink::default());
    let started = Instant::now();
    val(&mut s, "r = portscan('127.0.0.1', '-')").unwrap();
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert_eq!(val(&mut s, "len(r)").unwrap(), "65535");
    let found = val(&mut s, "r.open").unwrap();
    for p in &open {
        assert!(found.contains(&p.to_string()), "{p} in {found}");
    }
    let shown = val(&mut s, "' closed tcp ports (conn-refused)\\nPORT ' in str(r)").unwrap();
    assert_eq!(shown, "True", "{}", val(&mut s, "str(r)").unwrap());
}

#[test]
fn bad_ports_and_methods_are_named() {
    let mut s = Session::with_output(Sink::default());
    let e = |s: &mut Session, src: &str| val(s, src).unwrap_err().message;
    assert_eq!(
        e(&mut s, "portscan('127.0.0.1', '70000')"),
        "port 70000 is out of range (0-65535)"
    );
    assert_eq!(
        e(&mut s, "portscan('127.0.0.1', (100, 10))"),
        "port range 100-10 runs backwards"
    );
    assert_eq!(
        e(&mut s, "portscan('127.0.0.1', '22,ssh')"),
        "\"ssh\" is not a port number or range"
    );
    assert_eq!(
        e(&mut s, "portscan('127.0.0.1', method='xmas')"),
        "unknown portscan method \"xmas\" (one of connect, syn, udp)"
    );
    assert_eq!(
        e(&mut s, "portscan('127.0.0.1', method='syn', rate=0)"),
        "rate is a positive number of probes per second, or None, not 0"
    );
    assert!(e(&mut s, "portscan('no-such-host.invalid')").starts_with("cannot resolve"));
}

#[test]
fn a_silent_address_is_filtered_within_its_timeouts() {
    let Some(bed) = Bed::new("a_silent_address_is_filtered_within_its_timeouts") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let mut s = Session::with_output(Sink::default());
    // Nobody answers ARP for .3: each attempt stays silent until its timeout.
    let started = Instant::now();
    val(&mut s, "r = portscan('198.18.0.3', [22, 80], timeout=0.3, retries=1)").unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_millis(1600),
        "{took:?}"
    );
    assert_eq!(val(&mut s, "r.filtered").unwrap(), "[22, 80]");
    assert_eq!(val(&mut s, "r[80]").unwrap(), "'filtered'");
    // B's address is there and refuses: closed, at once.
    val(&mut s, &format!("r = portscan('{}', 54)", common::B4)).unwrap();
    assert_eq!(val(&mut s, "r[54]").unwrap(), "'closed'");
}

#[test]
fn the_open_set_is_nmaps() {
    if !common::installed("nmap", "the_open_set_is_nmaps") {
        return;
    }
    let (_ls, open) = listeners("127.0.0.1");
    // The listeners' ports and their neighbours, not a span that other tests' listeners may fall in.
    let spec = open
        .iter()
        .flat_map(|&p| [p - 1, p, p + 1])
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let out = Command::new("nmap")
        .args(["-sT", "-p", &spec, "-n", "-oG", "-", "127.0.0.1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut theirs: Vec<u16> = text
        .split([' ', ','])
        .filter_map(|f| f.strip_suffix("//tcp//").or(Some(f)))
        .filter(|f| f.contains("/open/tcp"))
        .filter_map(|f| f.split('/').next()?.parse().ok())
        .collect();
    theirs.sort_unstable();
    assert_eq!(theirs, open, "nmap said:\n{text}");
    let mut s = Session::with_output(Sink::default());
    let ours = val(&mut s, &format!("portscan('127.0.0.1', '{spec}').open")).unwrap();
    assert_eq!(ours, format!("{theirs:?}"), "nmap said:\n{text}");
}

/// Ctrl-C (the session's interrupt flag) ends a scan at once and keeps what it found: B's refusal is there,
/// the silent address's ports, still waiting out a long timeout, are not.
#[test]
fn ctrl_c_keeps_the_partial_result() {
    let Some(bed) = Bed::new("ctrl_c_keeps_the_partial_result") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let mut s = Session::with_output(Sink::default());
    let flag = s.interrupt_flag();
    let ctrl_c = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let started = Instant::now();
    val(
        &mut s,
        &format!("r = portscan(['{}', '198.18.0.3'], 54, timeout=20)", common::B4),
    )
    .unwrap();
    ctrl_c.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(
        val(&mut s, "len(r), r.closed").unwrap(),
        format!("(1, [('{}', 54)])", common::B4)
    );
    let table = val(&mut s, "str(r)").unwrap();
    assert!(
        table.contains("Interrupted: 2 hosts, 1 of 2 ports scanned (interrupted)"),
        "{table}"
    );
    assert!(!s.interrupt_flag().load(std::sync::atomic::Ordering::Relaxed));
}
