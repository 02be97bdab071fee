//! sniff against real traffic in a namespace the test builds (see `common`).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{l, Bed, A4, B4};
use wirecraft::net::{self, Hooks, SendOptions, SniffOptions};

static GO: AtomicBool = AtomicBool::new(false);

fn on(bed: &Bed) -> SniffOptions {
    SniffOptions {
        iface: vec![bed.if_a.clone()],
        timeout: Some(Duration::from_secs(10)),
        quiet: true,
        ..SniffOptions::default()
    }
}

#[test]
fn sniff_ten_while_the_other_side_pings() {
    let Some(mut bed) = Bed::new("sniff_ten_while_the_other_side_pings") else {
        return;
    };
    let b = bed.b.clone();
    let _in = bed.enter(&bed.a);
    bed.spawn(&b, &["ping", "-c", "40", "-i", "0.05", A4]);
    let mut lines = Vec::new();
    let o = SniffOptions {
        count: 10,
        quiet: false,
        ..on(&bed)
    };
    let hooks = Hooks {
        out: Some(Box::new(|s: &str| lines.push(s.to_string()))),
        ..Hooks::default()
    };
    let res = net::sniff(&o, hooks, &GO).unwrap();
    assert_eq!(res.packets.len(), 10);
    assert!(res.packets.iter().any(|f| f.packet().has("ICMP")));
    assert_eq!(lines.len(), 11, "a summary per packet, then the counters: {lines:?}");
    assert!(
        lines[10].ends_with("dropped by kernel, 0 dropped by interface"),
        "{}",
        lines[10]
    );
}

#[test]
fn a_bpf_filter_keeps_only_what_it_matches_and_errors_carry_libpcaps_message() {
    let Some(mut bed) = Bed::new("a_bpf_filter") else {
        return;
    };
    let b = bed.b.clone();
    let _in = bed.enter(&bed.a);
    bed.spawn(&b, &["ping", "-c", "40", "-i", "0.05", A4]);
    let o = SniffOptions {
        count: 5,
        filter: Some("icmp[icmptype] = icmp-echo".into()),
        ..on(&bed)
    };
    let res = net::sniff(&o, Hooks::default(), &GO).unwrap();
    assert_eq!(res.kept, 5);
    assert!(res
        .packets
        .iter()
        .all(|f| f.packet().get("ICMP", "type") == Some(8u64.into())));
    let bad = SniffOptions {
        filter: Some("tcp port".into()),
        ..on(&bed)
    };
    let e = net::sniff(&bad, Hooks::default(), &GO).unwrap_err().to_string();
    assert!(
        e.starts_with("bad filter \"tcp port\": ") && e.contains("syntax error"),
        "{e}"
    );
}

#[test]
fn sigint_during_sniff_keeps_the_packets() {
    let Some(bed) = Bed::new("sigint_during_sniff") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let stop = net::ctrl_c();
    stop.store(false, Ordering::SeqCst);
    let o = SniffOptions {
        timeout: Some(Duration::from_secs(20)),
        ..on(&bed)
    };
    std::thread::scope(|s| {
        let _inside = bed.enter(&bed.a);
        s.spawn(|| {
            let _inside = bed.enter(&bed.a);
            let p = l("IP", &[("src", A4), ("dst", B4)]) / l("ICMP", &[]);
            let quiet = SendOptions {
                count: 5,
                verbose: false,
                progress: false,
                ..SendOptions::default()
            };
            // Well after the capture is open (its 128 MiB ring takes a moment to set up).
            std::thread::sleep(Duration::from_millis(1500));
            net::send(&[p], &quiet, &GO).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            // SAFETY: a real SIGINT to this process, as Ctrl-C sends.
            unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
        });
        let t = std::time::Instant::now();
        let res = net::sniff(&o, Hooks::default(), stop).unwrap();
        assert!(res.interrupted && t.elapsed() < Duration::from_secs(10));
        let echoes = res
            .packets
            .iter()
            .filter(|f| f.packet().get("ICMP", "type") == Some(8u64.into()))
            .count();
        let seen: Vec<String> = res.packets.iter().map(|f| f.packet().summary()).collect();
        assert_eq!(
            echoes, 5,
            "the packets captured before Ctrl-C are kept: {seen:?} {:?}",
            res.stats
        );
    });
}

#[test]
fn sniff_streams_to_a_pcap_file_and_reads_it_back_offline() {
    let Some(mut bed) = Bed::new("sniff_streams_to_a_pcap_file") else {
        return;
    };
    let b = bed.b.clone();
    let _in = bed.enter(&bed.a);
    bed.spawn(&b, &["ping", "-c", "40", "-i", "0.05", A4]);
    let path = std::env::temp_dir().join(format!("wirecraft-live-{}.pcap", std::process::id()));
    let o = SniffOptions {
        count: 6,
        store: false,
        wrpcap: Some(path.clone()),
        filter: Some("icmp".into()),
        ..on(&bed)
    };
    let res = net::sniff(&o, Hooks::default(), &GO).unwrap();
    assert_eq!((res.kept, res.packets.len()), (6, 0), "counted, streamed, not stored");
    let back = SniffOptions {
        offline: Some(path.clone()),
        quiet: true,
        ..SniffOptions::default()
    };
    let read = net::sniff(&back, Hooks::default(), &GO).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(read.packets.len(), 6);
    assert!(read.packets.iter().all(|f| f.packet().has("ICMP")));
}
