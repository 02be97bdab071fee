//! Traceroute for real, through a chain of namespaces (see `common::Chain`): client — r1 — r2 — server,
//! forwarding on in the routers. From the client, every proto over IPv4 and IPv6 finds r1, r2, then the
//! server, and ends there well before the timeout; a maxttl short of the server reports just the routers;
//! an unroutable target and an unknown name fail at once, naming the problem. When Debian's traceroute is
//! installed, its hops are ours. In the language, `traceroute` / `traceroute6` print Scapy's table and
//! return its values, and bad arguments are named.

mod common;

use std::net::IpAddr;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Chain, Sink, CHAIN_HOPS4, CHAIN_HOPS6};
use wirecraft::lang::{LangError, Session};
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

fn val(s: &mut Session, src: &str) -> Result<String, LangError> {
    s.run(src, "<t>")
        .map(|v| v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()))
}

/// Scapy's make_table of one column: the head, then a `(ttl, cell)` row each, every text padded to its
/// column's width and followed by a space.
fn table(head: &str, rows: &[(&str, &str)]) -> String {
    let w = rows.iter().map(|(_, c)| c.len()).chain([head.len()]).max().unwrap();
    let mut t = format!("  {head:<w$} \n");
    for (ttl, cell) in rows {
        t += &format!("{ttl} {cell:<w$} \n");
    }
    t
}

#[test]
fn the_language_prints_scapys_table_and_returns_its_values() {
    let Some(chain) = Chain::new("the_language_prints_scapys_table_and_returns_its_values") else {
        return;
    };
    let _in = chain.enter(&chain.client);
    let out = Sink::default();
    let mut s = Session::with_output(out.clone());
    val(&mut s, "res, unans = traceroute('198.18.3.2', maxttl=8)").unwrap();
    let cell = |addr: &str, what: &str| format!("{addr:<15} {what}");
    let rows = [
        cell(CHAIN_HOPS4[0], "11"),
        cell(CHAIN_HOPS4[1], "11"),
        cell(CHAIN_HOPS4[2], "SA"),
    ];
    let rows: Vec<(&str, &str)> = ["1", "2", "3"]
        .into_iter()
        .zip(rows.iter().map(String::as_str))
        .collect();
    assert_eq!(out.take(), table("198.18.3.2:tcp80", &rows));
    assert_eq!(val(&mut s, "res").unwrap(), "<Traceroute: TCP:1 UDP:0 ICMP:2 Other:0>");
    assert_eq!(
        val(&mut s, "unans").unwrap(),
        "<Unanswered: TCP:0 UDP:0 ICMP:0 Other:0>"
    );
    let trace = "{'198.18.3.2': {1: ('198.18.1.2', False), 2: ('198.18.2.2', False), 3: ('198.18.3.2', True)}}";
    assert_eq!(val(&mut s, "res.get_trace()").unwrap(), trace);
    assert_eq!(
        val(&mut s, "[(h[0], h[1], len(h[2]), h[3]) for h in res.hops]").unwrap(),
        "[(1, ['198.18.1.2'], 1, False), (2, ['198.18.2.2'], 1, False), (3, ['198.18.3.2'], 1, True)]"
    );
    assert_eq!(val(&mut s, "all(0 < h[2][0] < 1 for h in res.hops)").unwrap(), "True");
    assert_eq!(
        val(&mut s, "[r.sprintf('%IP.src% %TCP.flags%') for q, r in res][2]").unwrap(),
        "'198.18.3.2 SA'"
    );
    assert_eq!(val(&mut s, "res[0][1].time - res[0][0].sent_time < 1").unwrap(), "True");
    val(&mut s, "res.show()").unwrap();
    assert_eq!(out.take(), table("198.18.3.2:tcp80", &rows));

    // IPv6: Scapy's TracerouteResult6 table, addresses padded to 42, ICMPv6 types (3: time exceeded).
    val(&mut s, "res, unans = traceroute6('fd00:18:3::2', maxttl=8)").unwrap();
    let cell = |addr: &str, what: &str| format!("{addr:<42} {what}");
    let rows = [
        cell(CHAIN_HOPS6[0], "3"),
        cell(CHAIN_HOPS6[1], "3"),
        cell(CHAIN_HOPS6[2], "SA"),
    ];
    let rows: Vec<(&str, &str)> = ["1", "2", "3"]
        .into_iter()
        .zip(rows.iter().map(String::as_str))
        .collect();
    assert_eq!(out.take(), table(&format!("{:<42}:tcphttp", CHAIN_HOPS6[2]), &rows));

    // Every proto and l4 ends at the server, as its trace says.
    for (call, server) in [
        ("traceroute('198.18.3.2', proto='udp', verbose=0)", CHAIN_HOPS4[2]),
        ("traceroute('198.18.3.2', proto='icmp', verbose=0)", CHAIN_HOPS4[2]),
        ("traceroute('198.18.3.2', l4=UDP(dport=53), verbose=0)", CHAIN_HOPS4[2]),
        ("traceroute('198.18.3.2', l4=ICMP(), verbose=0)", CHAIN_HOPS4[2]),
        ("traceroute6('fd00:18:3::2', proto='udp', verbose=0)", CHAIN_HOPS6[2]),
        (
            "traceroute6('fd00:18:3::2', proto='icmp', probes=3, verbose=0)",
            CHAIN_HOPS6[2],
        ),
    ] {
        let trace = val(&mut s, &format!("{call}[0].get_trace()['{server}'][3]")).unwrap();
        assert_eq!(trace, format!("('{server}', True)"), "{call}");
        assert_eq!(out.take(), "", "{call} is quiet");
    }
    assert_eq!(
        val(
            &mut s,
            "traceroute6('fd00:18:3::2', l4=ICMPv6EchoRequest(), verbose=0)[0].show()"
        )
        .unwrap(),
        "None"
    );
    assert!(out.take().contains(&format!("3 {:<42} 129", CHAIN_HOPS6[2])));
}

#[test]
fn the_language_names_bad_targets_and_arguments() {
    let Some(chain) = Chain::new("the_language_names_bad_targets_and_arguments") else {
        return;
    };
    let _in = chain.enter(&chain.client);
    let mut s = Session::with_output(Sink::default());
    let started = Instant::now();
    for (call, kind, message) in [
        ("traceroute('198.18.200.1')", "OSError", "no route to 198.18.200.1"),
        ("traceroute6('fd00:18:200::1')", "OSError", "no route to fd00:18:200::1"),
        (
            "traceroute('no-such-host.invalid')",
            "ValueError",
            "cannot resolve \"no-such-host.invalid\"",
        ),
        (
            "traceroute('198.18.3.2', proto='sctp')",
            "ValueError",
            "unknown traceroute proto \"sctp\"",
        ),
        (
            "traceroute('198.18.3.2', maxttl=0)",
            "ValueError",
            "maxttl must be 1 to 255, not 0",
        ),
        (
            "traceroute('198.18.3.2', minttl=9, maxttl=3)",
            "ValueError",
            "minttl 9 maxttl 3",
        ),
        (
            "traceroute('198.18.3.2', dport=70000)",
            "ValueError",
            "dport must be a port",
        ),
        (
            "traceroute('198.18.3.2', l4=IP())",
            "ValueError",
            "l4 must be TCP(), UDP(), ICMP()",
        ),
    ] {
        let e = val(&mut s, call).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains(kind) && shown.contains(message), "{call}: {shown}");
    }
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
}
