//! The live builtins through the language (`Session` code), against the real stack in namespaces the test
//! builds (see `common`): the test thread enters namespace A, so the session's sockets and captures open there.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Bed, Sink, A4, B4};
use wirecraft::lang::{ErrorKind, LangError, Session};
use wirecraft::{net, pcapio};

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

#[test]
fn sr1_gets_an_echo_reply() {
    let Some(bed) = Bed::new("sr1_gets_an_echo_reply") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        &format!("r = sr1(IP(dst='{B4}')/ICMP(), timeout=2, verbose=0)\nprint(r.summary())"),
    );
    assert_eq!(text, format!("IP / ICMP {B4} > {A4} echo-reply 0\n"));
}

#[test]
fn sr_pairs_syn_ack_and_rst_ack_and_unpacks_as_scapy() {
    let Some(bed) = Bed::new("sr_pairs_syn_ack_and_rst_ack") else {
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
        &format!(
            "ans, unans = sr(IP(dst='{B4}')/TCP(dport=[8080, 8081], flags='S'), timeout=2, verbose=0)\n\
             print(len(ans), len(unans), ans)\n\
             for q, r in sorted(ans, key=lambda p: p[0].dport): print(q.dport, r[TCP].flags)\n\
             print(ans[0][0].dport in (8080, 8081))\n\
             print(len(ans[1:]), len(ans + ans), ans[::-1][1][0].dport == ans[0][0].dport)\n\
             ans.summary()"
        ),
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "2 0 <Results: TCP:2 UDP:0 ICMP:0 Other:0>", "{text}");
    assert_eq!(&lines[1..5], ["8080 SA", "8081 RA", "True", "1 4 True"], "{text}");
    assert!(
        lines[5..]
            .iter()
            .all(|l| l.starts_with(&format!("IP / TCP {A4}:ftp_data > {B4}:")) && l.contains(" S ==> IP / TCP ")),
        "{text}"
    );
    drop(listener);
}

/// Scapy's `sent_time`: each query of an `sr` answer says when it left, as a float like `time`, between the
/// call's start and end; it can be set; a packet never sent has none, nor has its copy. Each answer's `time`
/// is its capture's, so `r.time - s.sent_time` is the round trip.
#[test]
fn sr_queries_know_when_they_were_sent() {
    let Some(bed) = Bed::new("sr_queries_know_when_they_were_sent") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        &format!(
            "p = IP(dst='{B4}')/ICMP(seq=(1, 3))\n\
             print(p.sent_time)\n\
             before = IP().time\n\
             ans, unans = sr(p, timeout=2, verbose=0)\n\
             after = IP().time\n\
             print(len(ans), all(before <= s.sent_time <= after for s, r in ans), type(ans[0].query.sent_time))\n\
             print(ans[0].answer.sent_time, ans[0].query.copy().sent_time)\n\
             print(all(0 <= r.time - s.sent_time < 2 for s, r in ans))\n\
             q = ans[0].query; q.sent_time = 12.5; print(ans[0][0].sent_time); q.sent_time = None; print(q.sent_time)"
        ),
    );
    assert_eq!(
        text,
        "None\n3 True <built-in function float>\nNone None\nTrue\n12.5\nNone\n"
    );
}

#[test]
fn sniff_while_the_peer_pings_and_the_command_form_prints_as_it_goes() {
    let Some(mut bed) = Bed::new("sniff_while_the_peer_pings") else {
        return;
    };
    let b = bed.b.clone();
    let _in = bed.enter(&bed.a);
    bed.spawn(&b, &["ping", "-c", "60", "-i", "0.05", A4]);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        "x = sniff(count=5, filter='icmp', timeout=5, quiet=True)\nprint(len(x), len(x[ICMP]), x)",
    );
    assert_eq!(text, "5 5 <Sniffed: TCP:0 UDP:0 ICMP:5 Other:0>\n");
    let text = run(&mut s, &out, "sniff count=3 filter=\"icmp\" timeout=5");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[..3].iter().all(|l| l.starts_with("Ether / IP / ICMP ")), "{text}");
    assert!(
        lines[3].ends_with("dropped by kernel, 0 dropped by interface"),
        "{text}"
    );
    // prn prints what it returns; lfilter and stop_filter decide per packet. The BPF filter keeps the bed's own
    // ARP and neighbour discovery away from the lambdas, which index ICMP.
    let text = run(
        &mut s,
        &out,
        "x = sniff(filter='icmp', prn=lambda p: p[ICMP].type, lfilter=lambda p: p[ICMP].type == 8, \
         stop_filter=lambda p: p[ICMP].seq > 0, timeout=5)\nprint(len(x))",
    );
    assert!(text.starts_with("8\n"), "{text}");
    assert!(text.ends_with("\n1\n"), "{text}");
}

#[test]
fn ctrl_c_ends_a_sniff_and_keeps_what_it_captured() {
    let Some(mut bed) = Bed::new("ctrl_c_ends_a_sniff") else {
        return;
    };
    let b = bed.b.clone();
    let _in = bed.enter(&bed.a);
    bed.spawn(&b, &["ping", "-c", "60", "-i", "0.05", A4]);
    let (mut s, out) = session();
    let flag = s.interrupt_flag();
    let presser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        flag.store(true, Ordering::Relaxed);
    });
    let t = Instant::now();
    let text = run(
        &mut s,
        &out,
        "x = sniff(filter='icmp', timeout=20, quiet=True)\nprint(len(x) > 0)",
    );
    presser.join().unwrap();
    assert!(t.elapsed() < Duration::from_secs(10), "Ctrl-C ended the capture");
    assert_eq!(text, "True\n");
}

#[test]
fn send_and_sendp_report_what_they_sent() {
    let Some(bed) = Bed::new("send_and_sendp_report") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        &format!(
            "send(IP(dst='{B4}')/ICMP(), count=3)\n\
             sendp(Ether()/IP(dst='{B4}')/ICMP(seq=(1, 2)))\n\
             send([IP(dst='{B4}')/UDP(dport=9)], verbose=0)"
        ),
    );
    assert_eq!(text, "Sent 3 packets.\nSent 2 packets.\n");
}

/// Scapy 2.8.0's `sendp(a)` sends the list's packet objects, so `a[1][UDP].sport = 4242` goes on the wire
/// (see tests/lang_list_edit.rs for the session); here the edited element is built, the others go out as
/// stored.
#[test]
fn sendp_of_a_list_sends_its_edited_elements_built_and_the_rest_as_stored() {
    let Some(bed) = Bed::new("sendp_of_an_edited_list") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("three.pcap");
    let on_b = net::SniffOptions {
        iface: vec![bed.if_b.clone()],
        filter: Some("udp and dst port 9".into()),
        count: 3,
        timeout: Some(Duration::from_secs(10)),
        quiet: true,
        ..net::SniffOptions::default()
    };
    let go = AtomicBool::new(false);
    let captured = std::thread::scope(|scope| {
        let capture = scope.spawn(|| {
            let _in = bed.enter(&bed.b);
            net::sniff(&on_b, Default::default(), &go).unwrap().packets
        });
        let _in = bed.enter(&bed.a);
        // Well after the capture is open (its ring takes a moment to set up).
        std::thread::sleep(Duration::from_millis(1000));
        let (mut s, out) = session();
        run(
            &mut s,
            &out,
            &format!(
                "wrpcap({file:?}, Ether(dst='ff:ff:ff:ff:ff:ff')/IP(src='{A4}', dst='{B4}')/UDP(sport=(1000, 1002), \
                 dport=9))\n\
                 a = rdpcap({file:?})\n\
                 a[1][UDP].sport = 4242\n\
                 sendp(a, iface={:?}, verbose=0)",
                bed.if_a
            ),
        );
        capture.join().unwrap()
    });
    let (stored, _) = pcapio::read(&file, &Default::default()).unwrap();
    let stored: Vec<&[u8]> = stored.iter().map(|f| f.data).collect();
    let got: Vec<&[u8]> = captured.iter().map(|f| &f.data[..]).collect();
    assert_eq!(got.len(), 3, "{got:02x?}");
    assert_eq!(
        (got[0], got[2]),
        (stored[0], stored[2]),
        "unedited elements go out as stored"
    );
    assert_eq!(
        got[1][34..36],
        4242u16.to_be_bytes(),
        "the edited element carries its edit"
    );
    assert_ne!(
        got[1][40..42],
        stored[1][40..42],
        "with its UDP checksum computed afresh"
    );
}

#[test]
fn conf_iface_and_routes_follow_the_namespace() {
    let Some(bed) = Bed::new("conf_iface_and_routes") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (mut s, out) = session();
    let text = run(&mut s, &out, "print(conf.iface); print(conf.route); ifaces");
    assert!(text.starts_with(&format!("{}\n", bed.if_a)), "{text}");
    assert!(text.contains("198.18.0.0       255.255.255.0"), "{text}");
    assert!(text.contains(&format!("UP        {A4}/24")), "{text}");
    let text = run(&mut s, &out, &format!("print(IP(dst='{B4}').src)"));
    assert_eq!(text, format!("{A4}\n"), "routes give the default source");
}

#[test]
fn sniff_offline_needs_no_privileges() {
    let (mut s, out) = session();
    let text = run(
        &mut s,
        &out,
        "x = sniff(offline='tests/data/pcap/dns.pcap', quiet=True)\nprint(x); x.summary()\n\
         sniff(offline='tests/data/pcap/http.pcap', count=2, filter='tcp')",
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "<Sniffed: TCP:0 UDP:4 ICMP:0 Other:0>");
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[5].ends_with(" S") && lines[6].ends_with(" SA"), "{text}");
    // Inside the callbacks, `p.time` is when the packet was captured, as in the list returned.
    let text = run(
        &mut s,
        &out,
        "t = []
x = sniff(offline='tests/data/pcap/ping.pcap', count=3, quiet=True, prn=lambda p: t.append(p.time))
         print(t == [p.time for p in x])",
    );
    assert_eq!(text, "True\n");
}

#[test]
fn without_capabilities_every_live_builtin_says_how_to_fix_it() {
    if !common::privileged("without_capabilities") {
        return;
    }
    // Capabilities are per thread: drop them on a thread of our own, as tests/live_sr.rs does.
    let errors: Vec<(ErrorKind, String)> = std::thread::spawn(|| {
        common::drop_net_capabilities();
        let (mut s, out) = session();
        let calls = [
            "sr1(IP(dst='127.0.0.1')/ICMP(), timeout=1)",
            "sr(IP(dst='127.0.0.1')/ICMP(), timeout=1)",
            "srp(Ether()/IP(dst='127.0.0.1'), iface='lo', timeout=1)",
            "send(IP(dst='127.0.0.1')/ICMP())",
            "sendp(Ether(dst='ff:ff:ff:ff:ff:ff')/IP(dst='127.0.0.1'), iface='lo')",
            "sniff(iface='lo', timeout=1)",
        ];
        let errors = calls
            .iter()
            .map(|c| {
                let e: LangError = s.run(c, "<test>").unwrap_err();
                (e.kind, e.message)
            })
            .collect();
        // Offline work is unaffected.
        assert_eq!(
            run(
                &mut s,
                &out,
                "print(len(sniff(offline='tests/data/pcap/dns.pcap', quiet=True)))"
            ),
            "4\n"
        );
        errors
    })
    .join()
    .unwrap();
    for (kind, msg) in &errors {
        assert_eq!(*kind, ErrorKind::Permission, "{msg}");
        assert!(
            msg.contains("CAP_NET_RAW") && msg.contains("setcap cap_net_raw,cap_net_admin=eip"),
            "{msg}"
        );
    }
}

#[test]
fn the_live_example_runs_in_a_namespace() {
    let Some(mut bed) = Bed::new("the_live_example_runs") else {
        return;
    };
    let b = bed.b.clone();
    bed.spawn(&b, &["ping", "-c", "100", "-i", "0.05", A4]);
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sniff_send.wc");
    let o = std::process::Command::new("ip")
        .args(["netns", "exec", &bed.a, env!("CARGO_BIN_EXE_wirecraft"), example])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.starts_with(&format!("{}\n", bed.if_a)), "{text}");
    assert!(text.contains("echo-reply"), "{text}");
    for port in 20..=22 {
        assert!(text.contains(&format!("{port} RA\n")), "{text}");
    }
    assert!(text.contains("Sent 3 packets.\n"), "{text}");
    assert!(text.trim_end().ends_with("dropped by interface"), "{text}");
}
