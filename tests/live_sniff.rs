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

/// Quiet sends: `count` copies of `p` from the calling thread's namespace.
fn quiet(count: u64, iface: Option<&str>) -> SendOptions {
    SendOptions {
        count,
        iface: iface.map(str::to_string),
        verbose: false,
        progress: false,
        ..SendOptions::default()
    }
}

/// A full disk (a 3 MiB file-size limit) under a live `sniff(wrpcap=…)` in a namespace: the capture ends
/// with an error naming how many packets the file keeps, the file holds exactly those as a valid capture,
/// and no temporary file is left.
#[test]
fn a_full_disk_ends_a_streamed_sniff_keeping_what_it_wrote() {
    let Some(bed) = Bed::new("a_full_disk_ends_a_streamed_sniff") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("sniffed.pcap");
    let src = format!(
        r#"try:
    sniff(iface="{}", filter="udp dst port 9", store=False, quiet=True, wrpcap="{}", timeout=30)
    print("not cut")
except OSError as e:
    print(e)
"#,
        bed.if_a,
        f.display()
    );
    let done = AtomicBool::new(false);
    let out = std::thread::scope(|s| {
        let child = s.spawn(|| {
            let out = common::under_a_3_mib_file_limit(Some(&bed.a), &src);
            done.store(true, Ordering::SeqCst);
            out
        });
        let _in = bed.enter(&bed.b);
        let frame = l("Ether", &[("dst", "ff:ff:ff:ff:ff:ff")])
            / l("IP", &[("src", B4), ("dst", A4)])
            / l("UDP", &[("sport", "9"), ("dport", "9")])
            / l("Raw", &[("load", &"x".repeat(1000))]);
        // Bounded: at most 60 bursts of 500 frames (30 MB), until the child's capture is cut (~3,000 frames).
        for _ in 0..60 {
            if done.load(Ordering::SeqCst) {
                break;
            }
            net::sendp(std::slice::from_ref(&frame), &quiet(500, Some(&bed.if_b)), &GO).unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
        child.join().unwrap()
    });
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    let kept: usize = said
        .split("the file keeps the ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the error names the count: {said:?} {err}"));
    assert!(said.contains("File too large"), "the system's reason: {said}");
    assert!(kept > 0, "{said}");
    let (back, warnings) = wirecraft::pcapio::read(&f, &Default::default()).unwrap();
    assert!(warnings.is_empty(), "a whole capture: {warnings:?}");
    assert_eq!(back.len(), kept, "exactly the packets the error names");
    assert!(back
        .iter()
        .all(|fr| fr.packet().get("UDP", "dport") == Some(9u64.into()) && fr.data.len() == frame_len()));
    assert_eq!(
        files_in(dir.path()),
        [std::ffi::OsString::from("sniffed.pcap")],
        "no temporary file"
    );
}

/// Ether (14) + IP (20) + UDP (8) + 1000 bytes of load.
fn frame_len() -> usize {
    14 + 20 + 8 + 1000
}

/// The echo requests among captured frames.
fn echoes(frames: &[net::CapturedFrame]) -> usize {
    frames
        .iter()
        .filter(|f| f.packet().get("ICMP", "type") == Some(8u64.into()))
        .count()
}

/// Five pings from A, then `then`, well after a capture there has opened.
fn ping_then(bed: &Bed, then: impl FnOnce()) {
    let _inside = bed.enter(&bed.a);
    let p = l("IP", &[("src", A4), ("dst", B4)]) / l("ICMP", &[]);
    std::thread::sleep(Duration::from_millis(1500));
    net::send(&[p], &quiet(5, None), &GO).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    then();
}

/// `ip link <change>` in A.
fn link(bed: &Bed, change: &[&str]) {
    let st = std::process::Command::new("ip")
        .args(["-n", &bed.a, "link"])
        .args(change)
        .status()
        .unwrap();
    assert!(st.success(), "ip link {change:?}");
}

/// The files in `dir`, by name.
fn files_in(dir: &std::path::Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect()
}

/// Ctrl-C (the stop flag) during `sniff(wrpcap=…)` and the end of a script's `sniff` both publish the file
/// with every packet taken, and leave no temporary file.
#[test]
fn a_streamed_sniff_ended_by_ctrl_c_or_the_script_keeps_its_file() {
    let Some(bed) = Bed::new("a_streamed_sniff_ended_by_ctrl_c") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("stopped.pcap");
    let _in = bed.enter(&bed.a);
    let o = SniffOptions {
        filter: Some("icmp".into()),
        timeout: Some(Duration::from_secs(20)),
        store: false,
        wrpcap: Some(f.clone()),
        ..on(&bed)
    };
    let stop = AtomicBool::new(false);
    let res = std::thread::scope(|s| {
        s.spawn(|| ping_then(&bed, || stop.store(true, Ordering::SeqCst)));
        net::sniff(&o, Hooks::default(), &stop).unwrap()
    });
    assert!(res.interrupted);
    let (back, warnings) = wirecraft::pcapio::read(&f, &Default::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!((back.len() as u64, res.kept), (10, 10), "five echoes and their replies");
    assert_eq!(files_in(dir.path()), [std::ffi::OsString::from("stopped.pcap")]);

    let g = dir.path().join("script.pcap");
    let src = format!(
        "sniff(iface='{}', filter='icmp', timeout=3, store=False, quiet=True, wrpcap='{}')",
        bed.if_a,
        g.display()
    );
    let out = std::thread::scope(|s| {
        let child = s.spawn(|| {
            std::process::Command::new("ip")
                .args(["netns", "exec", &bed.a, env!("CARGO_BIN_EXE_wirecraft"), "-c", &src])
                .output()
                .unwrap()
        });
        ping_then(&bed, || ());
        child.join().unwrap()
    });
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(wirecraft::pcapio::read(&g, &Default::default()).unwrap().0.len(), 10);
    let mut left = files_in(dir.path());
    left.sort();
    assert_eq!(left, ["script.pcap", "stopped.pcap"].map(std::ffi::OsString::from));
}

/// An interface taken down during `sniff` ends the capture at once (not at its timeout) with an error naming
/// the interface, and what was captured before is returned.
#[test]
fn an_interface_taken_down_ends_sniff_keeping_what_it_captured() {
    let Some(bed) = Bed::new("an_interface_taken_down_ends_sniff") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let o = SniffOptions {
        filter: Some("icmp".into()),
        timeout: Some(Duration::from_secs(20)),
        ..on(&bed)
    };
    std::thread::scope(|s| {
        s.spawn(|| ping_then(&bed, || link(&bed, &["set", &bed.if_a, "down"])));
        let t = std::time::Instant::now();
        let res = net::sniff(&o, Hooks::default(), &GO).unwrap();
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        assert_eq!(
            res.failure.map(|e| e.to_string()),
            Some(format!("the capture on {} ended: The interface went down", bed.if_a))
        );
        assert!(!res.interrupted);
        assert_eq!(echoes(&res.packets), 5, "the packets captured before are kept");
    });
}

/// An interface removed under an `AsyncSniffer` (the same capture, on its own thread) ends it with libpcap's
/// words naming the interface; joining returns what it had.
#[test]
fn an_interface_removed_ends_an_async_sniffer_keeping_what_it_captured() {
    let Some(bed) = Bed::new("an_interface_removed_ends_an_async_sniffer") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let o = SniffOptions {
        filter: Some("icmp".into()),
        timeout: Some(Duration::from_secs(20)),
        ..on(&bed)
    };
    let mut sniffer = net::AsyncSniff::start(&o).unwrap();
    let t = std::time::Instant::now();
    ping_then(&bed, || link(&bed, &["del", &bed.if_a]));
    let res = sniffer
        .join(Some(Duration::from_secs(10)), &GO)
        .expect("ended")
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert_eq!(
        res.failure.map(|e| e.to_string()),
        Some(format!("the capture on {} ended: The interface disappeared", bed.if_a))
    );
    assert_eq!(echoes(&res.packets), 5);
}

/// In the language, an interface going down during `sniff` is a warning naming it, as Scapy warns of its
/// socket failing, and the packets captured before are the result.
#[test]
fn the_language_warns_of_an_interface_going_down_and_returns_the_packets() {
    let Some(bed) = Bed::new("the_language_warns_of_an_interface_going_down") else {
        return;
    };
    let src = format!(
        "p = sniff(iface='{}', filter='icmp', timeout=20, quiet=True)\nprint(len(p), p[0][ICMP].type)",
        bed.if_a
    );
    let out = std::thread::scope(|s| {
        let child = s.spawn(|| {
            std::process::Command::new("ip")
                .args(["netns", "exec", &bed.a, env!("CARGO_BIN_EXE_wirecraft"), "-c", &src])
                .output()
                .unwrap()
        });
        ping_then(&bed, || link(&bed, &["set", &bed.if_a, "down"]));
        child.join().unwrap()
    });
    let (said, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{said} {err}");
    assert!(said.starts_with("10 8"), "the echoes and their replies: {said}");
    assert_eq!(
        err.trim(),
        format!(
            "warning: the capture on {} ended: The interface went down; kept the 10 packets captured before",
            bed.if_a
        )
    );
}

/// A capture on two interfaces of different link types (the veth, Ethernet, and `any`, Linux cooked)
/// streamed to one classic pcap file: the first frame of the other link type ends the capture with an error
/// naming its record, and the file keeps, valid, the records before it.
#[test]
fn a_frame_the_file_cannot_hold_ends_a_streamed_sniff_keeping_the_records_before() {
    let Some(bed) = Bed::new("a_frame_the_file_cannot_hold") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("two.pcap");
    let _in = bed.enter(&bed.a);
    let o = SniffOptions {
        iface: vec![bed.if_a.clone(), "any".into()],
        filter: Some("icmp".into()),
        timeout: Some(Duration::from_secs(20)),
        store: false,
        wrpcap: Some(f.clone()),
        ..on(&bed)
    };
    let e = std::thread::scope(|s| {
        s.spawn(|| ping_then(&bed, || ()));
        net::sniff(&o, Hooks::default(), &GO).unwrap_err()
    });
    let net::Error::File(e) = e else { panic!("{e}") };
    assert!(e.to_string().contains("cannot go in a pcap file of link type"), "{e}");
    let record = e.record.expect("the record refused");
    let (back, warnings) = wirecraft::pcapio::read(&f, &Default::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(back.len() as u64, record - 1, "the records before the refused one: {e}");
    assert_eq!(files_in(dir.path()), [std::ffi::OsString::from("two.pcap")]);
}
