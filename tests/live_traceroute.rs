//! Traceroute for real, through a chain of namespaces (see `common::Chain`): client — r1 — r2 — server,
//! forwarding on in the routers. From the client, every proto over IPv4 and IPv6 finds r1, r2, then the
//! server, and ends there well before the timeout; a maxttl short of the server reports just the routers;
//! an unroutable target and an unknown name fail at once, naming the problem. When Debian's traceroute is
//! installed, its hops are ours.

mod common;

use std::net::IpAddr;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Chain, CHAIN_HOPS4, CHAIN_HOPS6};
use wirecraft::net::{self, Answer, TraceOptions, TraceProto, TraceReport};

fn trace(target: &str, opts: &TraceOptions) -> net::Result<TraceReport> {
    net::traceroute(target.parse().unwrap(), opts, &AtomicBool::new(false))
}

/// Each hop's addresses, as text.
fn hops(r: &TraceReport) -> Vec<String> {
    r.hops
        .iter()
        .map(|h| {
            h.addresses()
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

#[test]
fn every_proto_finds_both_routers_then_the_server() {
    let Some(chain) = Chain::new("every_proto_finds_both_routers_then_the_server") else {
        return;
    };
    let _in = chain.enter(&chain.client);
    for (path, v6) in [(CHAIN_HOPS4, false), (CHAIN_HOPS6, true)] {
        let server = path[2];
        for (proto, answer) in [
            (TraceProto::Tcp, Answer::SynAck),
            (
                TraceProto::Udp,
                Answer::Unreachable {
                    code: if v6 { 4 } else { 3 },
                },
            ),
            (TraceProto::Icmp, Answer::EchoReply),
        ] {
            let opts = TraceOptions {
                proto,
                probes: 3,
                ..TraceOptions::default()
            };
            let started = Instant::now();
            let r = trace(server, &opts).unwrap();
            // Ended by the server's answer, not by the 2 s timeout.
            assert!(
                started.elapsed() < Duration::from_millis(1500),
                "{proto:?} {server}: {:?}",
                started.elapsed()
            );
            assert_eq!(hops(&r), path, "{proto:?}");
            assert_eq!(r.reached(), Some(3), "{proto:?} {server}");
            for hop in &r.hops {
                assert_eq!(hop.sent, 3);
                assert_eq!(hop.replies.len(), 3, "{proto:?} {server} ttl {}", hop.ttl);
                let want = if hop.ttl < 3 { Answer::TimeExceeded } else { answer };
                assert!(
                    hop.replies
                        .iter()
                        .all(|p| p.answer == want && p.is_target == (hop.ttl == 3)),
                    "{hop:?}"
                );
            }
            assert_eq!(r.pairs.len(), 9);
            assert!(r.unanswered.is_empty(), "{:?}", r.unanswered);
        }
    }
}

#[test]
fn a_maxttl_short_of_the_server_reports_just_those_hops() {
    let Some(chain) = Chain::new("a_maxttl_short_of_the_server_reports_just_those_hops") else {
        return;
    };
    let _in = chain.enter(&chain.client);
    for path in [CHAIN_HOPS4, CHAIN_HOPS6] {
        let opts = TraceOptions {
            max_ttl: 2,
            timeout: Duration::from_millis(500),
            ..TraceOptions::default()
        };
        let r = trace(path[2], &opts).unwrap();
        assert_eq!(hops(&r), path[..2], "{}", path[2]);
        assert_eq!(r.reached(), None);
        let opts = TraceOptions { min_ttl: 2, ..opts };
        assert_eq!(hops(&trace(path[2], &opts).unwrap()), path[1..2]);
    }
}

#[test]
fn unroutable_targets_and_unknown_names_fail_at_once() {
    let Some(chain) = Chain::new("unroutable_targets_and_unknown_names_fail_at_once") else {
        return;
    };
    let _in = chain.enter(&chain.client);
    let started = Instant::now();
    for target in ["198.18.200.1", "fd00:18:200::1"] {
        let e = trace(target, &TraceOptions::default()).unwrap_err();
        assert_eq!(e.to_string(), format!("no route to {target}"));
    }
    let e = net::trace_target("no-such-host.invalid", false).unwrap_err();
    assert!(e.to_string().contains("cannot resolve \"no-such-host.invalid\""), "{e}");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
}

/// The hop addresses `traceroute -n` prints, one a line (`*` for none).
fn debian_traceroute(chain: &Chain, flags: &[&str], target: &str) -> Vec<String> {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &chain.client,
            "traceroute",
            "-n",
            "-q",
            "1",
            "-w",
            "1",
            "-m",
            "8",
        ])
        .args(flags)
        .arg(target)
        .output()
        .expect("run traceroute");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(1).unwrap_or("*").to_string())
        .collect()
}

#[test]
fn debian_traceroute_finds_the_same_hops() {
    if Command::new("traceroute").arg("--version").output().is_err() {
        eprintln!("skipping debian_traceroute_finds_the_same_hops: traceroute is not installed");
        return;
    }
    let Some(chain) = Chain::new("debian_traceroute_finds_the_same_hops") else {
        return;
    };
    let _in = chain.enter(&chain.client);
    for path in [CHAIN_HOPS4, CHAIN_HOPS6] {
        for (proto, flags) in [
            (TraceProto::Udp, &[][..]),
            (TraceProto::Icmp, &["-I"][..]),
            (TraceProto::Tcp, &["-T", "-p", "80"][..]),
        ] {
            let theirs = debian_traceroute(&chain, flags, path[2]);
            let opts = TraceOptions {
                proto,
                ..TraceOptions::default()
            };
            assert_eq!(hops(&trace(path[2], &opts).unwrap()), theirs, "{proto:?} {}", path[2]);
        }
    }
}
