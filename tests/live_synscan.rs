//! The SYN scan for real, in a namespace bed (see `common`): Python's `http.server` listens on a few ports of
//! B, and a scan from A of all 65,535 ports finds exactly those open and every other closed (by RST), over
//! IPv4 and IPv6, leaving no half-open connection on B. A path that stays silent, and routes of B that answer
//! with ICMP unreachables, come out filtered; no privilege means the setcap hint; when nmap is installed its
//! `-sS` open set is ours.

mod common;

use std::net::{IpAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Bed, Sink, B4, B6};
use wirecraft::lang::Session;
use wirecraft::net::{synscan, PortState, Ports, RawScanOptions, Reason, ScanReport};

/// The ports B listens on.
const OPEN: [u16; 5] = [22, 80, 8000, 31337, 65535];

/// A bed with `http.server` on every port of [`OPEN`] in B (both families), each answering before it returns.
fn bed_with_listeners(test: &str) -> Option<Bed> {
    let mut bed = Bed::new(test)?;
    let b = bed.b.clone();
    for port in OPEN {
        bed.spawn(&b, &["python3", "-m", "http.server", "--bind", "::", &port.to_string()]);
    }
    let inside = bed.enter(&bed.b);
    let ready = Instant::now() + Duration::from_secs(20);
    for port in OPEN {
        while TcpStream::connect((B4, port)).is_err() {
            assert!(Instant::now() < ready, "http.server on {port} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    drop(inside);
    Some(bed)
}

fn scan(targets: &[&str], ports: &Ports, timeout: f64) -> ScanReport {
    let targets: Vec<IpAddr> = targets.iter().map(|t| t.parse().unwrap()).collect();
    let opts = RawScanOptions {
        timeout: Duration::from_secs_f64(timeout),
        ..RawScanOptions::default()
    };
    synscan(&targets, ports, &opts, &AtomicBool::new(false)).unwrap()
}

/// B's connections in a state, as `ss` lists them (headers left out).
fn connections_in(bed: &Bed, state: &str) -> String {
    let out = Command::new("ip")
        .args(["netns", "exec", &bed.b, "ss", "-Htn", "state", state])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_port_finds_exactly_the_listeners_and_leaves_nothing_half_open() {
    let Some(bed) = bed_with_listeners("every_port_finds_exactly_the_listeners_and_leaves_nothing_half_open") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let all = Ports::parse("-").unwrap();
    let started = Instant::now();
    let r = scan(&[B4], &all, 1.0);
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    let h = &r.hosts[0];
    assert_eq!(h.ports.len(), 65535);
    assert_eq!(h.in_state(PortState::Open).collect::<Vec<_>>(), OPEN);
    assert_eq!(h.in_state(PortState::Closed).count(), 65535 - OPEN.len());
    assert_eq!(h.get(22).unwrap().reason, Reason::SynAck);
    assert_eq!(h.get(23).unwrap().reason, Reason::Reset);
    assert!(!r.interrupted);
    // Every SYN-ACK was reset: nothing waits for a final ACK on B.
    assert_eq!(connections_in(&bed, "syn-recv"), "");
    // IPv6: the listeners and ports around them.
    let near = Ports::list(OPEN.iter().flat_map(|&p| [p - 1, p]).map(i128::from)).unwrap();
    let r = scan(&[B6], &near, 1.0);
    assert_eq!(r.hosts[0].in_state(PortState::Open).collect::<Vec<_>>(), OPEN);
    assert_eq!(r.hosts[0].in_state(PortState::Closed).count(), OPEN.len());
    assert_eq!(connections_in(&bed, "syn-recv"), "");
}

#[test]
fn the_language_prints_nmaps_table() {
    let Some(bed) = bed_with_listeners("the_language_prints_nmaps_table") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let mut s = Session::with_output(Sink::default());
    let run = |s: &mut Session, src: &str| s.run(src, "<t>").unwrap().map(|v| s.repr(&v)).unwrap_or_default();
    run(
        &mut s,
        &format!("r = portscan(['{B4}', '{B6}'], (1, 1024), method='syn', rate=20000)"),
    );
    assert_eq!(
        run(&mut s, "r.open"),
        format!("[('{B4}', 22), ('{B4}', 80), ('{B6}', 22), ('{B6}', 80)]")
    );
    let table = run(&mut s, "str(r)");
    assert!(
        table.contains(
            "Not shown: 1022 closed tcp ports (reset)\\nPORT   STATE SERVICE\\n22/tcp open  ssh\\n80/tcp open  http"
        ),
        "{table}"
    );
    assert_eq!(run(&mut s, &format!("r[('{B6}', 23)]")), "'closed'");
}

#[test]
fn silent_and_unreachable_paths_are_filtered() {
    let Some(bed) = Bed::new("silent_and_unreachable_paths_are_filtered") else {
        return;
    };
    let ip = |args: &[&str]| assert!(Command::new("ip").args(args).status().unwrap().success(), "{args:?}");
    // .3 has a MAC that nobody owns: frames to it vanish. 198.19.0.0/24 goes through B, which forwards and
    // answers for its halves with admin-prohibited and host-unreachable.
    ip(&[
        "-n",
        &bed.a,
        "neigh",
        "add",
        "198.18.0.3",
        "lladdr",
        "02:00:00:00:00:99",
        "dev",
        &bed.if_a,
        "nud",
        "permanent",
    ]);
    ip(&["-n", &bed.a, "route", "add", "198.19.0.0/24", "via", B4]);
    ip(&["netns", "exec", &bed.b, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    ip(&["-n", &bed.b, "route", "add", "prohibit", "198.19.0.0/25"]);
    ip(&["-n", &bed.b, "route", "add", "unreachable", "198.19.0.128/25"]);
    let _in = bed.enter(&bed.a);
    let ports = Ports::list([22, 80]).unwrap();
    let started = Instant::now();
    let r = scan(&["198.18.0.3", "198.19.0.5", "198.19.0.200", "198.18.0.9"], &ports, 0.3);
    let took = started.elapsed();
    // Two attempts of 0.3 s for the silent one; the neighbour that never answers ARP costs its resolution.
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_secs(10),
        "{took:?}"
    );
    let reasons: Vec<Vec<(PortState, Reason)>> = r
        .hosts
        .iter()
        .map(|h| h.ports.iter().map(|p| (p.state, p.reason)).collect())
        .collect();
    let both = |reason| vec![(PortState::Filtered, reason); 2];
    assert_eq!(
        reasons,
        [
            both(Reason::NoResponse),
            both(Reason::AdminProhibited),
            both(Reason::HostUnreach),
            both(Reason::HostUnreach)
        ]
    );
}

#[test]
fn without_privileges_the_error_says_how_to_grant_them() {
    let e = std::thread::spawn(|| {
        common::drop_net_capabilities();
        let targets = [IpAddr::from([198, 18, 0, 2])];
        synscan(
            &targets,
            &Ports::list([80]).unwrap(),
            &RawScanOptions::default(),
            &AtomicBool::new(false),
        )
        .unwrap_err()
        .to_string()
    })
    .join()
    .unwrap();
    assert!(e.contains("sudo setcap cap_net_raw,cap_net_admin=eip"), "{e}");
}

#[test]
fn the_stop_flag_keeps_what_was_found() {
    let Some(bed) = Bed::new("the_stop_flag_keeps_what_was_found") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let targets = [B4.parse().unwrap()];
    let r = synscan(
        &targets,
        &Ports::parse("-").unwrap(),
        &RawScanOptions::default(),
        &AtomicBool::new(true),
    )
    .unwrap();
    assert!(r.interrupted);
    assert!(r.hosts[0].ports.is_empty());
}

#[test]
fn the_open_set_is_nmaps() {
    if !common::installed("nmap", "the_open_set_is_nmaps") {
        return;
    }
    let Some(bed) = bed_with_listeners("the_open_set_is_nmaps") else {
        return;
    };
    for target in [B4, B6] {
        let mut args = vec!["netns", "exec", &bed.a, "nmap", "-sS", "-p-", "-T5", "-n", "-oG", "-"];
        if target == B6 {
            args.push("-6");
        }
        args.push(target);
        let out = Command::new("ip").args(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut theirs: Vec<u16> = text
            .split([' ', ','])
            .filter(|f| f.contains("/open/tcp"))
            .filter_map(|f| f.split('/').next()?.parse().ok())
            .collect();
        theirs.sort_unstable();
        assert_eq!(theirs, OPEN, "nmap said:\n{text}");
        let _in = bed.enter(&bed.a);
        let r = scan(&[target], &Ports::parse("-").unwrap(), 1.0);
        assert_eq!(
            r.hosts[0].in_state(PortState::Open).collect::<Vec<_>>(),
            theirs,
            "{target}"
        );
    }
}
