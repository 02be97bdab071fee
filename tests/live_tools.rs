//! Scapy's other live tools through the language (issue #12 item 6), against the real stack in namespaces the
//! test builds (see `common`): `srloop` / `srploop` with Scapy's printed lines, the stop flag (Ctrl-C) during
//! a loop, and `report_ports`. Every loop is bounded by its `count` and its timeout.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Bed, Sink, A4, B4};
use wirecraft::lang::Session;

fn session() -> (Session, Sink) {
    let out = Sink::default();
    (Session::with_output(out.clone()), out)
}

/// Runs `code` and returns what it printed, failing the test with the rendered error.
fn run(s: &mut Session, out: &Sink, code: &str) -> String {
    if let Err(e) = s.run(code, "<test>") {
        panic!("{e}\n(output so far: {})", out.take());
    }
    out.take()
}

/// An address in the bed's network that nobody holds: requests to it go unanswered.
const SILENT: &str = "198.18.0.9";

#[test]
fn srloop_prints_a_recv_line_per_round_and_returns_every_answer() {
    let Some(bed) = Bed::new("srloop_prints_a_recv_line_per_round") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        &format!("ans, unans = srloop(IP(dst='{B4}')/ICMP(), count=3, inter=0.2, timeout=2)\nprint(len(ans), len(unans), ans)"),
    );
    let round = format!("\rsend...\r \rRECV 1: IP / ICMP {B4} > {A4} echo-reply 0\n        ");
    assert_eq!(
        text,
        format!(
            "{}\nSent 3 packets, received 3 packets. 100.0% hits.\n3 0 <Results: TCP:0 UDP:0 ICMP:3 Other:0>\n",
            round.repeat(3)
        )
    );
}

#[test]
fn srloop_prints_fail_lines_for_a_silent_address_and_marks_at_verbose_1() {
    let Some(bed) = Bed::new("srloop_prints_fail_lines") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let started = Instant::now();
    let text = run(
        &mut s,
        &out,
        &format!(
            "conf.broadcast_fallback = True\n\
             ans, unans = srloop([IP(dst='{B4}')/ICMP(), IP(dst='{SILENT}')/ICMP()], count=2, inter=0.1, timeout=0.5)\n\
             print(len(ans), len(unans), unans)"
        ),
    );
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let round = format!(
        "\rsend...\r \rRECV 1: IP / ICMP {B4} > {A4} echo-reply 0\n        \rfail 1: IP / ICMP {A4} > {SILENT} echo-request 0\n        "
    );
    assert_eq!(
        text,
        format!(
            "{}\nSent 4 packets, received 2 packets. 50.0% hits.\n2 2 <PacketList: TCP:0 UDP:0 ICMP:2 Other:0>\n",
            round.repeat(2)
        )
    );
    let marks = run(
        &mut s,
        &out,
        &format!("a, u = srloop(IP(dst='{B4}')/ICMP(), count=2, inter=0.1, verbose=1, prn=lambda x: 'never')"),
    );
    assert_eq!(marks, "**\nSent 2 packets, received 2 packets. 100.0% hits.\n");
    let counts = run(
        &mut s,
        &out,
        &format!("a, u = srloop(IP(dst='{B4}')/ICMP(), count=1, prn=False, prnfail=False)"),
    );
    assert_eq!(
        counts,
        "\rsend...\r recv:1  fail:0\n\nSent 1 packets, received 1 packets. 100.0% hits.\n"
    );
}

#[test]
fn srploop_and_a_prn_of_the_users() {
    let Some(bed) = Bed::new("srploop_and_a_prn_of_the_users") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        &format!(
            "ans, unans = srploop(Ether()/IP(dst='{B4}')/ICMP(), count=2, inter=0.1, timeout=2, verbose=2, \
             prn=lambda x: x[1][IP].src)\nprint(len(ans))"
        ),
    );
    assert_eq!(
        text,
        format!(
            "{}\nSent 2 packets, received 2 packets. 100.0% hits.\n2\n",
            format!("\rsend...\r \rRECV 1: {B4}\n        ").repeat(2)
        )
    );
}

/// Ctrl-C (the session's interrupt flag) during an endless loop ends it; the answers so far are returned.
#[test]
fn ctrl_c_during_srloop_keeps_what_was_answered() {
    let Some(bed) = Bed::new("ctrl_c_during_srloop") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let flag = s.interrupt_flag();
    let presser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1200));
        flag.store(true, Ordering::Relaxed);
    });
    let started = Instant::now();
    let text = run(
        &mut s,
        &out,
        &format!("ans, unans = srloop(IP(dst='{B4}')/ICMP(), inter=0.3, timeout=1, verbose=0)\nprint(len(ans) >= 2, len(unans) <= 1)"),
    );
    presser.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(
        text, "True True\n",
        "the round Ctrl-C cut short may leave its request unanswered"
    );
}

/// Pings from namespace B to A (bounded: `count` echoes, `-w` seconds at most).
fn ping_from_b(bed: &Bed, count: u32) {
    let st = std::process::Command::new("ip")
        .args([
            "netns",
            "exec",
            &bed.b,
            "ping",
            "-q",
            "-c",
            &count.to_string(),
            "-i",
            "0.2",
            "-w",
            "5",
            A4,
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("ping");
    assert!(st.success(), "ping inside the bed");
}

#[test]
fn async_sniffer_holds_the_traffic_sent_while_it_ran() {
    let Some(bed) = Bed::new("async_sniffer_holds_the_traffic") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let iface = &bed.if_a;
    let text = run(
        &mut s,
        &out,
        &format!(
            "t = AsyncSniffer(iface='{iface}', filter='icmp')\nprint(t.running, t.results)\nt.start()\nprint(t.running, t)"
        ),
    );
    assert_eq!(text, "False None\nTrue <AsyncSniffer running>\n");
    ping_from_b(&bed, 3);
    let text = run(
        &mut s,
        &out,
        "r = t.stop()\nprint(r, t.running, t.results)\nprint(r[0].summary())\nprint(r[1].summary())",
    );
    assert_eq!(
        text,
        format!(
            "<Sniffed: TCP:0 UDP:0 ICMP:6 Other:0> False <Sniffed: TCP:0 UDP:0 ICMP:6 Other:0>\n\
             Ether / IP / ICMP {B4} > {A4} echo-request 0 / Raw\nEther / IP / ICMP {A4} > {B4} echo-reply 0 / Raw\n"
        )
    );
    let again = run(&mut s, &out, "try:\n    t.stop()\nexcept Exception as e:\n    print(e)");
    assert_eq!(again, "Not running ! (check .running attr)\n");
}

/// `count` ends the capture by itself; `join` waits for it; `lfilter` and `prn` run when it is collected.
#[test]
fn async_sniffer_ends_at_its_count_and_join_runs_the_callbacks() {
    let Some(bed) = Bed::new("async_sniffer_ends_at_its_count") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let iface = &bed.if_a;
    run(
        &mut s,
        &out,
        &format!(
            "t = AsyncSniffer(iface='{iface}', filter='icmp', count=4, lfilter=lambda p: p[ICMP].type == 8, \
             prn=lambda p: 'got ' + p[IP].src)\nt.start()"
        ),
    );
    ping_from_b(&bed, 3);
    let text = run(&mut s, &out, "t.join(timeout=5)\nprint(t.running, len(t.results))");
    assert_eq!(text, format!("got {B4}\ngot {B4}\nFalse 2\n"));
    // Without callbacks the results are there once the capture ended, with no join.
    run(
        &mut s,
        &out,
        &format!("u = AsyncSniffer(iface='{iface}', filter='icmp', count=2)\nu.start()"),
    );
    ping_from_b(&bed, 1);
    let started = Instant::now();
    while run(&mut s, &out, "print(u.running)") == "True\n" {
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        run(&mut s, &out, "print(u.results)"),
        "<Sniffed: TCP:0 UDP:0 ICMP:2 Other:0>\n"
    );
}

/// Ctrl-C during `join` stops the capture and keeps what it took; a bad filter fails at `start`.
#[test]
fn ctrl_c_during_join_stops_the_capture_and_a_bad_filter_fails_at_start() {
    let Some(bed) = Bed::new("ctrl_c_during_join") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let iface = &bed.if_a;
    run(
        &mut s,
        &out,
        &format!("t = AsyncSniffer(iface='{iface}', filter='icmp')\nt.start()"),
    );
    ping_from_b(&bed, 1);
    let flag = s.interrupt_flag();
    let presser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, Ordering::Relaxed);
    });
    let text = run(&mut s, &out, "t.join()\nprint(t.running, t.results)");
    presser.join().unwrap();
    assert_eq!(text, "False <Sniffed: TCP:0 UDP:0 ICMP:2 Other:0>\n");
    let err = s
        .run(
            &format!("AsyncSniffer(iface='{iface}', filter='nonsense here').start()"),
            "<t>",
        )
        .expect_err("a bad filter");
    assert!(err.to_string().contains("nonsense here"), "{err}");
}

/// Scapy's table, line for line (checked against Scapy 2.8.0's `report_ports` on the same bed): an open port,
/// two closed ones (RST-ACK), none unanswered.
#[test]
fn report_ports_writes_scapys_latex_table() {
    let Some(bed) = Bed::new("report_ports_writes_scapys_latex_table") else {
        return;
    };
    let listener = {
        let _in = bed.enter(&bed.b);
        std::net::TcpListener::bind((B4, 8080)).unwrap()
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        &format!("print(report_ports('{B4}', [8080, 8081, 22]), end='')"),
    );
    assert_eq!(
        text,
        "\\begin{tabular}{|r|l|l|}\n\\hline\nhttp_alt & open & SA \\\\\n\\hline\ntproxy & closed & TCP RA \\\\\n\
         ssh & closed & TCP RA \\\\\n\\hline\n\\hline\n\\end{tabular}\n"
    );
    drop(listener);
}

/// `sr1flood` ends at the first answer, within its timeout; with a silent address it ends at the timeout.
#[test]
fn sr1flood_returns_the_first_answer_and_is_bounded_by_its_timeout() {
    let Some(bed) = Bed::new("sr1flood_returns_the_first_answer") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let started = Instant::now();
    let text = run(
        &mut s,
        &out,
        &format!("r = sr1flood(IP(dst='{B4}')/ICMP(), timeout=3, verbose=0)\nprint(r.summary())"),
    );
    assert_eq!(text, format!("IP / ICMP {B4} > {A4} echo-reply 0\n"));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let started = Instant::now();
    let text = run(
        &mut s,
        &out,
        &format!("conf.broadcast_fallback = True\nprint(sr1flood(IP(dst='{SILENT}')/ICMP(), timeout=0.5, verbose=0))"),
    );
    assert_eq!(text, "None\n");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

/// `srflood` sends the packets `count` times over and matches every answer; the silent one stays unanswered.
#[test]
fn srflood_sends_count_times_and_matches_every_answer() {
    let Some(bed) = Bed::new("srflood_sends_count_times") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        &format!(
            "conf.broadcast_fallback = True\n\
             ans, unans = srflood([IP(dst='{B4}')/ICMP(seq=(1, 3)), IP(dst='{SILENT}')/ICMP()], count=1500, timeout=1, verbose=0)\n\
             print(len(ans), len(unans), unans[0].dst)\n\
             print(sorted(set(q.seq for q, r in ans)))"
        ),
    );
    // 4,500 echoes answered in the bed (no rate limit there); each matched to its own request.
    assert_eq!(text, format!("4500 1 {SILENT}\n[1, 2, 3]\n"));
    let ended = run(
        &mut s,
        &out,
        &format!(
            "ans, unans = srflood(IP(dst='{B4}')/ICMP(), timeout=0.5, verbose=0)\nprint(len(ans) > 10, len(unans))"
        ),
    );
    assert_eq!(ended, "True 0\n", "open-ended: until the timeout");
}
