//! pcap files: reading real captures (compared with Scapy 2.8.0's view of them), writing files tcpdump,
//! tshark and Scapy read back, and every kind of bad input. Fixtures: `tests/data/pcap/`, made by
//! `make_captures.sh` (captures) and `scapy_expected.py` (Scapy's output) there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use wirecraft::packet::Generator;
use wirecraft::pcapio::{
    self, FileErrorKind, Format, FrameBuf, PacketList, ReadOptions, Reader, Timestamp, Warning, WriteOptions, Writer,
};
use wirecraft::{FieldValue, Layer, LinkType, Packet};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pcap").join(name)
}

fn load(name: &str) -> PacketList {
    let (pkts, warnings) = pcapio::read(fixture(name), &ReadOptions::default()).expect("fixture reads");
    assert!(warnings.is_empty(), "{name}: {warnings:?}");
    pkts
}

fn layer(name: &str, fields: &[(&str, &str)]) -> Layer {
    let mut l = Layer::named(name).expect("known layer");
    for (k, v) in fields {
        l.set(k, *v).expect("valid field");
    }
    l
}

/// Scapy's `repr`, `nsummary()` and session keys, as `scapy_expected.py` wrote them.
struct ScapyView {
    repr: String,
    nsummary: String,
    sessions: Vec<String>,
}

fn scapy_view(name: &str) -> ScapyView {
    let text = std::fs::read_to_string(fixture(&format!("{name}.scapy.txt"))).expect("expected output");
    let mut lines = text.lines();
    let repr = lines.next().unwrap_or_default().to_string();
    let (mut nsummary, mut sessions) = (String::new(), Vec::new());
    for l in lines {
        if l.len() > 5 && l[..4].bytes().all(|b| b.is_ascii_digit()) && &l[4..5] == " " {
            nsummary.push_str(l);
            nsummary.push('\n');
        } else {
            sessions.push(l.to_string());
        }
    }
    ScapyView {
        repr,
        nsummary,
        sessions,
    }
}

#[test]
fn real_captures_read_as_scapy_reads_them() {
    // (fixture, layers the engine needs to dissect it as Scapy does)
    let cases: &[(&str, &[&str])] = &[
        ("http.pcap", &[]),
        ("dns.pcap", &[]),
        ("ping.pcap", &[]),
        ("ping-nano.pcap", &[]),
        ("any-sll.pcap", &[]),
        ("any-sll2.pcap", &[]),
        ("lo.pcapng", &[]),
        ("two-interfaces.pcapng", &[]),
        ("ping6.pcap", &["ICMPv6EchoRequest"]),
    ];
    for (name, needs) in cases {
        if let Some(missing) = needs.iter().find(|n| Layer::named(n).is_err()) {
            println!("{name}: skipped until the engine has {missing}");
            continue;
        }
        let pkts = load(name);
        let want = scapy_view(name);
        assert_eq!(pkts.to_string(), want.repr, "{name}: repr");
        assert_eq!(pkts.nsummary(), want.nsummary, "{name}: nsummary");
        let keys: Vec<String> = pkts.sessions().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, want.sessions, "{name}: sessions");
    }
}

#[test]
fn link_types_and_formats() {
    let cases = [
        ("http.pcap", LinkType::Ethernet, 12),
        ("any-sll.pcap", LinkType::LinuxSll, 4),
        ("any-sll2.pcap", LinkType::LinuxSll2, 4),
        ("lo.pcapng", LinkType::Ethernet, 4),
        ("two-interfaces.pcapng", LinkType::Ethernet, 18),
    ];
    for (name, link, n) in cases {
        let pkts = load(name);
        assert_eq!(pkts.len(), n, "{name}");
        assert!(pkts.iter().all(|f| f.link == link), "{name}");
    }
    let r = Reader::open(fixture("ping-nano.pcap"), &ReadOptions::default()).unwrap();
    assert!(matches!(r.format(), Format::Pcap { nano: true, .. }));
    assert_eq!(
        Reader::open(fixture("lo.pcapng"), &ReadOptions::default())
            .unwrap()
            .format(),
        Format::PcapNg
    );
}

#[test]
fn nanoseconds_are_kept() {
    let pkts = load("ping-nano.pcap");
    assert!(pkts.iter().any(|f| f.ts.needs_nanos()));
    let f = pkts.get(1).unwrap();
    assert_eq!(f.time(), f.ts.as_f64());
    // tshark's view of the same timestamps, to the nanosecond.
    if let Some(times) = tshark(&fixture("ping-nano.pcap"), &["frame.time_epoch"]) {
        let ours: Vec<String> = pkts.iter().map(|f| f.ts.to_string()).collect();
        assert_eq!(times, ours);
    }
}

#[test]
fn pcapng_with_two_link_types_keeps_each_packets_interface_and_link_type() {
    // mergecap of ping.pcap (Ethernet) and any-sll2.pcap (Linux cooked v2): libpcap refuses the second
    // interface; each packet keeps its own here, as tshark reads them.
    let pkts = load("two-linktypes.pcapng");
    let seen: Vec<(u32, LinkType)> = pkts.iter().map(|f| (f.interface, f.link)).collect();
    let mut want = vec![(0, LinkType::Ethernet); 6];
    want.extend([(1, LinkType::LinuxSll2); 4]);
    assert_eq!(seen, want);
    assert!(pkts.iter().all(|f| f.packet().summary().contains("ICMP")));
    // A filter is compiled for each link type.
    let (echo, _) = pcapio::read(
        fixture("two-linktypes.pcapng"),
        &ReadOptions::filter("icmp[icmptype] = icmp-echo"),
    )
    .unwrap();
    assert_eq!(echo.iter().map(|f| f.interface).collect::<Vec<_>>(), [0, 0, 0, 1, 1]);
    if let Some(lines) = tshark(
        &fixture("two-linktypes.pcapng"),
        &["frame.interface_id", "frame.encap_type", "frame.time_epoch"],
    ) {
        let ours: Vec<String> = pkts
            .iter()
            .map(|f| format!("{},{},{}", f.interface, if f.interface == 0 { 1 } else { 210 }, f.ts))
            .collect();
        assert_eq!(lines, ours);
    }
}

#[test]
fn count_and_bpf_filter() {
    let path = fixture("http.pcap");
    let (first, _) = pcapio::read(&path, &ReadOptions::count(3)).unwrap();
    assert_eq!(first.len(), 3);
    let syn = "tcp[tcpflags] & tcp-syn != 0";
    let (syns, _) = pcapio::read(&path, &ReadOptions::filter(syn)).unwrap();
    assert_eq!(syns.len(), 2);
    assert_eq!(load("http.pcap").filter_bpf(syn).unwrap().len(), 2);
    let both = ReadOptions {
        count: Some(1),
        filter: Some("tcp port 18080".into()),
    };
    assert_eq!(pcapio::read(&path, &both).unwrap().0.len(), 1);
    let e = pcapio::read(&path, &ReadOptions::filter("tcp port eighty")).unwrap_err();
    assert!(matches!(e.kind, FileErrorKind::Filter { .. }), "{e}");
    assert!(
        e.to_string().starts_with(&format!("{}: bad filter", path.display())),
        "{e}"
    );
}

#[test]
fn packet_list_operations() {
    let pkts = load("two-interfaces.pcapng");
    assert_eq!(pkts.get(-1), pkts.get(17));
    assert_eq!(pkts.get(18), None);
    assert_eq!(pkts.get(-19), None);
    let tail = pkts.slice(Some(-6), None, 1);
    assert_eq!(
        tail.to_string(),
        "<mod two-interfaces.pcapng: TCP:0 UDP:0 ICMP:6 Other:0>"
    );
    assert_eq!(pkts.slice(None, None, -1).get(0), pkts.get(-1));
    assert_eq!(pkts.with_layer("ICMP").len(), 6);
    let both = &pkts.with_layer("TCP") + &tail;
    assert_eq!(
        both.to_string(),
        "<TCP from two-interfaces.pcapng+mod two-interfaces.pcapng: TCP:12 UDP:0 ICMP:6 Other:0>"
    );
    let big = pkts.filter(|p| p.len() > 100);
    assert_eq!(big.name(), "filtered two-interfaces.pcapng");
    assert!(big.iter().all(|f| f.data.len() > 100) && !big.is_empty());
    assert_eq!(pkts.show(), pkts.nsummary());
    assert_eq!(pkts.summary().lines().count(), 18);
    let hex = pkts.slice(None, Some(1), 1).hexdump();
    let mut lines = hex.lines();
    assert!(lines
        .next()
        .unwrap()
        .ends_with(" Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 S"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("0000  00 00 00 00 00 00 00 00 00 00 00 00 08 00 45"));
}

#[test]
fn conversations_and_stats() {
    let pkts = load("two-interfaces.pcapng");
    let convs = pkts.conversations();
    assert_eq!(convs.0.len(), 1);
    let c = &convs.0[0];
    let total: u64 = pkts.iter().map(|f| u64::from(f.wirelen)).sum();
    assert_eq!((c.packets_ab + c.packets_ba, c.bytes_ab + c.bytes_ba), (18, total));
    assert!(convs.to_string().lines().nth(1).unwrap().starts_with("127.0.0.1 "));
    let stats = pkts.stats().to_string();
    assert!(
        stats.contains(&format!("{:<40} frames:18 bytes:{total}", "Ether")),
        "{stats}"
    );
    assert!(stats.contains(&format!("{:<40} frames:12 ", "    TCP")), "{stats}");
    assert!(stats.contains(&format!("{:<40} frames:6 ", "    ICMP")), "{stats}");
    assert!(stats.contains("Top talkers"), "{stats}");
}

#[test]
fn streamed_summaries_are_numbered_numeric_and_totalled() {
    let mut out = Vec::new();
    let totals = pcapio::stream_summaries(
        fixture("http.pcap"),
        &ReadOptions::default(),
        &mut out,
        &AtomicBool::new(false),
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 13);
    assert_eq!(
        lines[0],
        "0000 0.000000 Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 S"
    );
    assert!(lines[11].starts_with("0011 0.00"));
    assert_eq!(lines[12], "<http.pcap: TCP:12 UDP:0 ICMP:0 Other:0>");
    assert_eq!((totals.packets, totals.interrupted), (12, false));

    let mut out = Vec::new();
    let nano = pcapio::stream_summaries(
        fixture("ping-nano.pcap"),
        &ReadOptions::default(),
        &mut out,
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(nano.tally.icmp, 6);
    assert!(String::from_utf8(out)
        .unwrap()
        .starts_with("0000 0.000000000 Ether / IP / ICMP"));

    let mut out = Vec::new();
    let stopped = pcapio::stream_summaries(
        fixture("http.pcap"),
        &ReadOptions::default(),
        &mut out,
        &AtomicBool::new(true),
    )
    .unwrap();
    assert!(stopped.interrupted);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "<http.pcap: TCP:0 UDP:0 ICMP:0 Other:0>\n"
    );
}

/// The fields tshark reads from a file, one line per packet, or `None` (with a note) without tshark. In CI
/// (`CI` set), where `tests/bootstrap.sh test` installs it, a missing tshark fails instead.
fn tshark(path: &Path, fields: &[&str]) -> Option<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args(["-T", "fields", "-E", "separator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    match cmd.output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()),
        Ok(o) => panic!(
            "tshark failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "tshark is missing in CI: {e}");
            println!("tshark not run ({e}); skipping its checks");
            None
        }
    }
}

#[test]
fn round_trip_keeps_every_byte_and_tshark_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let fields = [
        "frame.time_epoch",
        "frame.len",
        "frame.cap_len",
        "ip.src",
        "ip.dst",
        "tcp.srcport",
        "tcp.flags",
    ];
    for name in ["http.pcap", "ping-nano.pcap", "any-sll2.pcap", "lo.pcapng"] {
        let pkts = load(name);
        let out = dir.path().join(format!("{name}.out.pcap"));
        assert_eq!(
            pcapio::write(&out, &pkts, &WriteOptions::default()).unwrap(),
            pkts.len() as u64
        );
        let again = pcapio::read(&out, &ReadOptions::default()).unwrap().0;
        assert!(
            pkts.iter().eq(again.iter()),
            "{name}: frames differ after the round trip"
        );
        if name.ends_with(".pcap") {
            // tcpdump's files and ours share the header (snaplen 262144), so whole files are identical.
            assert_eq!(
                std::fs::read(&out).unwrap(),
                std::fs::read(fixture(name)).unwrap(),
                "{name}"
            );
        }
        if let (Some(a), Some(b)) = (tshark(&fixture(name), &fields), tshark(&out, &fields)) {
            assert_eq!(a, b, "{name}: tshark sees a difference");
        }
    }
}

#[test]
fn crafted_packets_choose_link_type_and_precision() {
    let dir = tempfile::tempdir().unwrap();
    let tcp = layer("Ether", &[("src", "02:00:00:00:00:01"), ("dst", "02:00:00:00:00:02")])
        / layer("IP", &[("src", "198.18.0.1"), ("dst", "198.18.0.2")])
        / layer("TCP", &[("sport", "1234"), ("dport", "80")]);
    let eth = dir.path().join("eth.pcap");
    pcapio::write(&eth, &tcp, &WriteOptions::default()).unwrap();
    let bytes = std::fs::read(&eth).unwrap();
    assert_eq!(
        &bytes[..4],
        &0xa1b2_c3d4u32.to_le_bytes(),
        "crafted packets make a microsecond file"
    );
    assert_eq!(&bytes[20..24], &1u32.to_le_bytes());
    assert_eq!(&bytes[40..], &tcp.build()[..]);
    if let Some(f) = tshark(&eth, &["ip.dst", "tcp.srcport", "tcp.dstport"]) {
        assert_eq!(f, ["198.18.0.2,1234,80"]);
    }

    let ip = layer("IP", &[("dst", "198.18.0.2")]) / layer("UDP", &[]);
    let raw = dir.path().join("raw.pcap");
    // A packet set writes every packet it stands for.
    let mut set = ip.clone();
    set.set("UDP", "dport", FieldValue::gen(Generator::Range(1000, 1002)))
        .unwrap();
    assert_eq!(pcapio::write(&raw, &set, &WriteOptions::default()).unwrap(), 3);
    assert_eq!(&std::fs::read(&raw).unwrap()[20..24], &101u32.to_le_bytes());
    if let Some(f) = tshark(&raw, &["udp.dstport"]) {
        assert_eq!(f, ["1000", "1001", "1002"]);
    }

    let stamped = FrameBuf {
        ts: Timestamp::new(1_700_000_000, 123_456_789),
        ..FrameBuf::from_packet(&tcp)
    };
    let nano = dir.path().join("nano.pcap");
    pcapio::write(&nano, &stamped, &WriteOptions::default()).unwrap();
    assert_eq!(&std::fs::read(&nano).unwrap()[..4], &0xa1b2_3c4du32.to_le_bytes());
    let back = pcapio::read(&nano, &ReadOptions::default()).unwrap().0;
    assert_eq!(back.get(0).unwrap().ts, stamped.ts);
    if let Some(t) = tshark(&nano, &["frame.time_epoch"]) {
        assert_eq!(t, ["1700000000.123456789"]);
    }
    let tcpdump = Command::new("tcpdump").arg("-nn").arg("-r").arg(&nano).output();
    assert!(
        tcpdump.is_ok() || std::env::var_os("CI").is_none(),
        "tcpdump is missing in CI"
    );
    if let Ok(o) = tcpdump {
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("198.18.0.1.1234 > 198.18.0.2.80"), "tcpdump: {text}");
    }
}

const APPEND: WriteOptions = WriteOptions {
    append: true,
    linktype: None,
    nano: false,
    gz: false,
    keep_partial: false,
    pcapng: false,
};

fn a_ping() -> Packet {
    layer("Ether", &[]) / layer("IP", &[("dst", "198.18.0.2")]) / layer("ICMP", &[])
}

/// An echo request appended to `path`, which holds ping.pcap's six packets; returns the file read back, seven
/// packets ending with it.
fn append_a_ping(path: &Path) -> PacketList {
    let p = a_ping();
    assert_eq!(pcapio::write(path, &p, &APPEND).unwrap(), 1);
    let pkts = pcapio::read(path, &ReadOptions::default()).unwrap().0;
    assert_eq!(pkts.len(), 7);
    assert_eq!(pkts.get(-1).unwrap().data, &p.build()[..]);
    pkts
}

#[test]
fn append_adds_to_the_end_and_refuses_what_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.pcap");
    std::fs::copy(fixture("ping.pcap"), &path).unwrap();
    append_a_ping(&path);

    // A raw-IP packet does not belong in an Ethernet file; the file is left as it was.
    let before = std::fs::read(&path).unwrap();
    let e = pcapio::write(&path, &(layer("IP", &[]) / layer("ICMP", &[])), &APPEND).unwrap_err();
    assert!(
        matches!(e.kind, FileErrorKind::MixedLinkTypes { file: 1, frame: 101 }),
        "{e}"
    );
    assert_eq!(e.record, Some(1));
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let ng = dir.path().join("b.pcapng");
    std::fs::copy(fixture("lo.pcapng"), &ng).unwrap();
    let e = pcapio::write(&ng, &a_ping(), &APPEND).unwrap_err();
    assert!(matches!(e.kind, FileErrorKind::CannotAppend(_)), "{e}");

    // Appending to a missing file creates it.
    let fresh = dir.path().join("fresh.pcap");
    assert_eq!(pcapio::write(&fresh, &a_ping(), &APPEND).unwrap(), 1);
}

/// A record's original length is kept even when it is below its captured length (Scapy keeps it too), and a
/// time that a record's 32-bit seconds cannot hold is an error naming the record, never a silent wrap.
#[test]
fn records_keep_their_lengths_and_refuse_times_they_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let odd = damaged(dir.path(), "http.pcap", usize::MAX, &[(24 + 12, &10u32.to_le_bytes())]);
    let pkts = pcapio::read(&odd, &ReadOptions::default()).unwrap().0;
    assert_eq!(pkts.get(0).unwrap().wirelen, 10);
    let out = dir.path().join("out.pcap");
    pcapio::write(&out, &pkts, &WriteOptions::default()).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&odd).unwrap());

    let ping = FrameBuf::from_packet(&a_ping());
    for secs in [-1, 1 << 32] {
        let mut w = Writer::create(dir.path().join("t.pcap"), &WriteOptions::default()).unwrap();
        w.write_frame(ping.as_frame()).unwrap();
        let mut late = ping.as_frame();
        late.ts = Timestamp { secs, nanos: 0 };
        let e = w.write_frame(late).unwrap_err();
        assert!(matches!(e.kind, FileErrorKind::TimeOutOfRange { .. }), "{e}");
        assert!(
            e.to_string()
                .contains(&format!("record 2: time {secs} s is outside what a pcap record holds")),
            "{e}"
        );
    }
}

/// A file in a directory that does not exist names the directory, for a list and for a stream alike.
#[test]
fn a_missing_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone").join("x.pcap");
    let e = pcapio::write(&path, &a_ping(), &WriteOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .ends_with(&format!("no such directory: {}", dir.path().join("gone").display())),
        "{e}"
    );
    let e = Writer::create(&path, &WriteOptions::default()).map(|_| ()).unwrap_err();
    assert!(matches!(e.kind, FileErrorKind::NoDirectory(_)), "{e}");
}

/// Ctrl-C (the stop flag) during `wrpcap` of a list: the file as it was is left untouched, and no temporary.
#[test]
fn a_stopped_write_leaves_the_old_file_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.pcap");
    std::fs::copy(fixture("ping.pcap"), &path).unwrap();
    let e = pcapio::write_or_stop(
        &path,
        &load("http.pcap"),
        &WriteOptions::default(),
        &AtomicBool::new(true),
    )
    .unwrap_err();
    assert!(matches!(e.kind, FileErrorKind::Stopped), "{e}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(fixture("ping.pcap")).unwrap()
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file");
}

#[test]
fn an_unfinished_writer_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcap");
    let mut w = Writer::create(&path, &WriteOptions::default()).unwrap();
    w.write_packet(&(layer("Ether", &[]) / layer("IP", &[]))).unwrap();
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let mut w = Writer::create(&path, &WriteOptions::default()).unwrap();
    for f in load("http.pcap").iter() {
        w.write_frame(f).unwrap();
    }
    assert!(!path.exists(), "the real name appears only at close");
    assert_eq!(w.close().unwrap(), 12);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A damaged copy of a fixture: its first `keep` bytes, then `patch` applied.
fn damaged(dir: &Path, name: &str, keep: usize, patch: &[(usize, &[u8])]) -> PathBuf {
    let mut bytes = std::fs::read(fixture(name)).unwrap();
    bytes.truncate(keep);
    for (at, b) in patch {
        bytes[*at..*at + b.len()].copy_from_slice(b);
    }
    let path = dir.join(format!("bad-{name}-{keep}-{}", patch.len()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn open_error(path: &Path) -> pcapio::Error {
    let e = pcapio::read(path, &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with(&path.display().to_string()), "{e}");
    assert!(Reader::open(path, &ReadOptions::default()).is_err());
    e
}

/// `ping.pcap` in Kuznetsov's modified format (magic 0xa1b2cd34), as libpcap and tcpdump read it: each record
/// header 8 bytes longer (interface index 2, protocol 0x0800, packet type 0).
fn modified_ping(dir: &Path) -> PathBuf {
    let b = std::fs::read(fixture("ping.pcap")).unwrap();
    let mut out = [&0xa1b2_cd34u32.to_le_bytes()[..], &b[4..24]].concat();
    let mut at = 24;
    while at < b.len() {
        let caplen = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
        out.extend_from_slice(&b[at..at + 16]);
        out.extend_from_slice(&[2, 0, 0, 0, 0x00, 0x08, 0, 0]);
        out.extend_from_slice(&b[at + 16..at + 16 + caplen]);
        at += 16 + caplen;
    }
    let path = dir.join("modified.pcap");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn the_modified_pcap_format_reads_as_tcpdump_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = modified_ping(dir.path());
    let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        pkts.iter().eq(load("ping.pcap").iter()),
        "the same frames as the standard file"
    );
    // Cut inside the fourth record: three are read, and the damage is placed with the longer headers.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..24 + 3 * (24 + 98) + 30]).unwrap();
    let (pkts, warnings) = pcapio::read(&cut, &ReadOptions::default()).unwrap();
    assert_eq!(pkts.len(), 3);
    let [Warning::Damaged(e)] = &warnings[..] else {
        panic!("{warnings:?}")
    };
    assert_eq!((e.record, e.offset), (Some(4), Some(24 + 3 * 122)));
    assert!(
        e.to_string()
            .ends_with("truncated record: needs 122 bytes, the file has 30 left"),
        "{e}"
    );
    let refused = Writer::create(&path, &APPEND).map(|_| ()).unwrap_err();
    assert!(refused.to_string().contains("modified (Kuznetsov) pcap"), "{refused}");
}

#[test]
fn files_that_cannot_be_read_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pcap");
    assert!(matches!(open_error(&missing).kind, FileErrorKind::NotFound));
    assert!(matches!(open_error(dir.path()).kind, FileErrorKind::IsDirectory));

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, this is not a capture\n").unwrap();
    let e = open_error(&text);
    assert!(
        matches!(
            e.kind,
            FileErrorKind::NotCapture {
                magic: Some(0x6c6c_6568)
            }
        ),
        "{e}"
    );
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        open_error(&empty).kind,
        FileErrorKind::NotCapture { magic: None }
    ));

    let cut = damaged(dir.path(), "ping.pcap", 10, &[]);
    let e = open_error(&cut);
    assert!(
        matches!(e.kind, FileErrorKind::TruncatedGlobalHeader { got: 10 }),
        "{e}"
    );
    assert!(
        e.to_string().ends_with("truncated pcap global header: 10 of 24 bytes"),
        "{e}"
    );
}

#[test]
fn damage_keeps_the_packets_before_it_and_names_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let size = std::fs::metadata(fixture("ping.pcap")).unwrap().len() as usize;
    // ping.pcap: 24-byte header, then six records of 16 + 98 bytes.
    let record_at = |n: usize| 24 + (n - 1) * 114;

    let cases: Vec<(PathBuf, usize, &str)> = vec![
        (
            damaged(dir.path(), "ping.pcap", size - 10, &[]),
            6,
            "truncated record: needs 114 bytes, the file has 104 left",
        ),
        (
            damaged(dir.path(), "ping.pcap", record_at(6) + 7, &[]),
            6,
            "truncated record: needs 16 bytes, the file has 7 left",
        ),
        (
            damaged(
                dir.path(),
                "ping.pcap",
                size,
                &[(record_at(3) + 8, &0x7fff_fff0u32.to_le_bytes())],
            ),
            3,
            "record length 2147483632 is absurd (the most a capture can hold is 262144)",
        ),
    ];
    for (path, record, what) in cases {
        let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(pkts.len(), record - 1, "{what}");
        let [Warning::Damaged(e)] = &warnings[..] else {
            panic!("{warnings:?}")
        };
        assert_eq!(
            (e.record, e.offset),
            (Some(record as u64), Some(record_at(record) as u64))
        );
        assert_eq!(
            e.to_string(),
            format!(
                "{}: record {record} at byte offset {}: {what}",
                path.display(),
                record_at(record)
            )
        );
        // The streaming reader gives the same packets, then the same error once.
        let mut r = Reader::open(&path, &ReadOptions::default()).unwrap();
        let results: Vec<_> = r.by_ref().collect();
        assert_eq!(results.len(), record);
        assert!(results[..record - 1].iter().all(Result::is_ok));
        assert_eq!(results[record - 1].as_ref().unwrap_err().record, e.record);
        assert!(r.next().is_none());
    }

    // The same with a filter that hides records: the damage is still located exactly.
    let path = damaged(
        dir.path(),
        "http.pcap",
        std::fs::metadata(fixture("http.pcap")).unwrap().len() as usize - 3,
        &[],
    );
    let (pkts, warnings) = pcapio::read(&path, &ReadOptions::filter("tcp[tcpflags] & tcp-syn != 0")).unwrap();
    assert_eq!(pkts.len(), 2);
    let [Warning::Damaged(e)] = &warnings[..] else {
        panic!("{warnings:?}")
    };
    assert_eq!(e.record, Some(12));

    // pcapng (lo.pcapng: section header 164 bytes, interface 108, four 132-byte packet blocks from offset
    // 272, statistics): the fourth packet block cut after 50 bytes.
    let path = damaged(dir.path(), "lo.pcapng", 668 + 50, &[]);
    let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
    assert_eq!(pkts.len(), 3);
    let [Warning::Damaged(e)] = &warnings[..] else {
        panic!("{warnings:?}")
    };
    assert_eq!((e.record, e.offset), (Some(4), Some(668)));
    assert!(
        e.to_string()
            .ends_with("truncated record: needs 132 bytes, the file has 50 left"),
        "{e}"
    );
    // The fourth packet block (the sixth block) with a length that cannot be: each fault in its own words.
    let size = std::fs::metadata(fixture("lo.pcapng")).unwrap().len() as usize;
    for (length, why) in [
        (8u32, "shorter than the 12 bytes every block has"),
        (130, "not a multiple of 4"),
        (0x7fff_fff0, "more than libpcap's largest block, 16777216 bytes"),
    ] {
        let path = damaged(dir.path(), "lo.pcapng", size, &[(668 + 4, &length.to_le_bytes())]);
        let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(pkts.len(), 3, "{why}");
        let [Warning::Damaged(e)] = &warnings[..] else {
            panic!("{why}: {warnings:?}")
        };
        assert_eq!((e.record, e.offset), (Some(4), Some(668)), "{why}");
        assert!(
            e.to_string()
                .ends_with(&format!("pcapng block 6 has length {length}, {why}")),
            "{e}"
        );
    }
}

#[test]
fn link_types_the_engine_does_not_dissect_are_raw_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    // 105: IEEE 802.11, which libpcap knows and the engine does not dissect yet.
    let path = damaged(dir.path(), "ping.pcap", 708, &[(20, &105u32.to_le_bytes())]);
    let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
    assert_eq!(pkts.len(), 6);
    assert_eq!(pkts.get(0).unwrap().packet().summary(), "Raw");
    let [w @ Warning::RawLinkType { dlt: 105, .. }] = &warnings[..] else {
        panic!("{warnings:?}")
    };
    assert!(
        w.to_string().contains("link type 105 (IEEE802_11) is not dissected"),
        "{w}"
    );
    // Numbers libpcap has no name for open too, as tcpdump opens them.
    for dlt in [18u32, 204, 252, 0xfff0] {
        let path = damaged(dir.path(), "ping.pcap", 708, &[(20, &dlt.to_le_bytes())]);
        let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(
            (pkts.len(), pkts.get(0).unwrap().packet().summary()),
            (6, "Raw".to_string())
        );
        assert_eq!(warnings.len(), 1, "{dlt}: {warnings:?}");
        assert!(
            warnings[0].to_string().contains(&format!("link type {dlt} (")),
            "{}",
            warnings[0]
        );
    }
}

#[test]
fn reading_arbitrary_bytes_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let header = &std::fs::read(fixture("ping.pcap")).unwrap()[..24];
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..200 {
        let mut bytes = if i % 2 == 0 { header.to_vec() } else { Vec::new() };
        bytes.extend((0..rng.usize(0..600)).map(|_| rng.u8(..)));
        let path = dir.path().join(format!("fuzz{i}"));
        std::fs::write(&path, &bytes).unwrap();
        if let Ok((pkts, _)) = pcapio::read(&path, &ReadOptions::default()) {
            for f in pkts.iter() {
                let _ = f.packet().summary_numeric();
            }
        }
    }
}

#[test]
fn frames_dissect_lazily_into_engine_packets() {
    let pkts = load("dns.pcap");
    let f = pkts.get(0).unwrap();
    let p: Packet = f.packet();
    assert_eq!(p.get("UDP", "dport"), Some(15353.into()));
    assert_eq!(f.wirelen as usize, f.data.len());
    assert!(f.time() > 1.7e9);
}

/// The fixture gzipped (one member), as `gzip` and Scapy's `gz=1` write it.
fn gzipped(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

fn frames(pkts: &PacketList) -> Vec<FrameBuf> {
    pkts.iter().map(|f| f.to_owned()).collect()
}

#[test]
fn gzipped_captures_read_as_scapy_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ping.pcap", "ping-nano.pcap", "two-interfaces.pcapng"] {
        let path = dir.path().join(format!("{name}.gz"));
        std::fs::write(&path, gzipped(&std::fs::read(fixture(name)).unwrap())).unwrap();
        let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(frames(&pkts), frames(&load(name)), "{name}");
        let filtered = pcapio::read(&path, &ReadOptions::filter("icmp[icmptype] = icmp-echoreply")).unwrap();
        assert_eq!(filtered.0.len(), 3, "{name}");
    }

    // Cut inside the deflate stream: the packets before the cut, and a warning naming the record and why.
    let whole = gzipped(&std::fs::read(fixture("ping.pcap")).unwrap());
    let cut = dir.path().join("cut.pcap.gz");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();
    let (pkts, warnings) = pcapio::read(&cut, &ReadOptions::default()).unwrap();
    assert!((1..6).contains(&pkts.len()), "{}", pkts.len());
    let [Warning::Damaged(e)] = &warnings[..] else {
        panic!("one damage warning: {warnings:?}")
    };
    assert_eq!(e.record, Some(pkts.len() as u64 + 1), "{e}");
    assert!(e.to_string().starts_with(&cut.display().to_string()), "{e}");

    // A gzip header that is not one.
    let bad = dir.path().join("bad.pcap.gz");
    std::fs::write(&bad, b"\x1f\x8bnot really gzip at all").unwrap();
    assert!(matches!(open_error(&bad).kind, FileErrorKind::Io(_)));
    // Gzipped text is not a capture either.
    let text = dir.path().join("text.gz");
    std::fs::write(&text, gzipped(b"hello, this is not a capture\n")).unwrap();
    assert!(matches!(
        open_error(&text).kind,
        FileErrorKind::NotCapture {
            magic: Some(0x6c6c_6568)
        }
    ));
}

#[test]
fn gz_writes_gzip_that_appends_as_a_second_member() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcap.gz");
    let ping = load("ping.pcap");
    let gz = WriteOptions {
        gz: true,
        ..WriteOptions::default()
    };
    assert_eq!(pcapio::write(&path, &ping, &gz).unwrap(), 6);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..2], b"\x1f\x8b");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain).unwrap();
    assert_eq!(&plain[..4], &0xa1b2_c3d4u32.to_le_bytes(), "a classic pcap inside");

    // Appending keeps the file's compression, whatever `gz` says.
    let pkts = append_a_ping(&path);
    assert_eq!(frames(&pkts)[..6], frames(&ping)[..]);
}

#[test]
fn a_pipe_reads_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("capture.fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let bytes = std::fs::read(fixture("ping.pcap")).unwrap();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, bytes))
    };
    let (pkts, warnings) = pcapio::read(&fifo, &ReadOptions::default()).unwrap();
    writer.join().unwrap().unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(frames(&pkts), frames(&load("ping.pcap")));
}

/// tshark's view of the metadata a round trip must keep: interface, encapsulation, time, lengths.
const METADATA: [&str; 5] = [
    "frame.interface_id",
    "frame.encap_type",
    "frame.time_epoch",
    "frame.len",
    "frame.cap_len",
];

/// The frames of a pcapng fixture written with `wrpcapng` and read back.
fn through_wrpcapng(dir: &Path, name: &str) -> (PacketList, PacketList, PathBuf) {
    let pkts = load(name);
    let out = dir.join(format!("{name}.out.pcapng"));
    let ng = WriteOptions {
        pcapng: true,
        ..WriteOptions::default()
    };
    assert_eq!(pcapio::write(&out, &pkts, &ng).unwrap(), pkts.len() as u64);
    let again = load_path(&out);
    (pkts, again, out)
}

fn load_path(path: &Path) -> PacketList {
    let (pkts, warnings) = pcapio::read(path, &ReadOptions::default()).expect("reads");
    assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
    pkts
}

#[test]
fn wrpcapng_keeps_interfaces_link_types_and_each_interfaces_resolution() {
    let dir = tempfile::tempdir().unwrap();
    // mixed-resolutions.pcapng (make_pcapng.sh): Ethernet in nanoseconds, Linux cooked in microseconds,
    // Ethernet in microseconds past 2^32 seconds, each on its own interface.
    let pkts = load("mixed-resolutions.pcapng");
    let by_interface = |i: u32| pkts.iter().filter(move |f| f.interface == i);
    assert_eq!(by_interface(0).count(), 6);
    assert!(by_interface(0).all(|f| f.link == LinkType::Ethernet) && by_interface(0).any(|f| f.ts.needs_nanos()));
    assert!(by_interface(1).all(|f| f.link == LinkType::LinuxSll && !f.ts.needs_nanos()));
    assert!(by_interface(2).all(|f| f.ts.secs > 1 << 32));
    assert_eq!(pkts.get(-1).unwrap().ts.to_string(), "4795593726.279821000");
    for name in [
        "mixed-resolutions.pcapng",
        "two-linktypes.pcapng",
        "two-interfaces.pcapng",
        "lo.pcapng",
    ] {
        let (pkts, again, out) = through_wrpcapng(dir.path(), name);
        assert!(pkts.iter().eq(again.iter()), "{name}: frames differ after wrpcapng");
        if let (Some(a), Some(b)) = (tshark(&fixture(name), &METADATA), tshark(&out, &METADATA)) {
            assert_eq!(a, b, "{name}: tshark sees a difference");
        }
    }
    // A classic pcap file holds one link type: the error names both and the way out.
    let e = pcapio::write(dir.path().join("x.pcap"), &pkts, &WriteOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: record 7: a frame of link type 113 cannot go in a pcap file of link type 1: a classic pcap file holds \
             one link type (write a pcapng file with wrpcapng to keep both, or pass linktype= to force one)",
            dir.path().join("x.pcap").display()
        )
    );
    // pcapng files are not appended to.
    let append = WriteOptions {
        pcapng: true,
        append: true,
        ..WriteOptions::default()
    };
    let e = pcapio::write(dir.path().join("y.pcapng"), &pkts, &append).unwrap_err();
    assert!(
        e.to_string().contains("only classic pcap files can be appended to"),
        "{e}"
    );
}

#[test]
fn every_block_kind_libpcap_reads_is_read() {
    // handmade.pcapng (make_pcapng.sh): a big-endian section (if_tsresol 2^-20, if_tsoffset 1700000000;
    // Enhanced, Simple and obsolete Packet Blocks; a Name Resolution Block and an unknown block skipped),
    // then a little-endian section with a raw IP interface in milliseconds. libpcap stops at the second
    // section (it reads one byte order per file); tshark reads it, as we do.
    let pkts = load("handmade.pcapng");
    let seen: Vec<(String, u32, u32, u32, LinkType)> = pkts
        .iter()
        .map(|f| (f.ts.to_string(), f.wirelen, f.data.len() as u32, f.interface, f.link))
        .collect();
    let eth = |t: &str, wirelen| (t.to_string(), wirelen, 98, 0, LinkType::Ethernet);
    assert_eq!(
        seen,
        [
            eth("1700000012.750000953", 98),
            // A Simple Packet Block has no time: libpcap gives it the interface's offset, as here.
            eth("1700000000.000000000", 98),
            eth("1700000020.000000000", 98),
            // The original length below the captured one, as the block says.
            eth("1700000030.000000000", 60),
            ("1700000099.123000000".to_string(), 84, 84, 0, LinkType::RawIp),
        ]
    );
    if let Some(lines) = tshark(&fixture("handmade.pcapng"), &METADATA) {
        let ours: Vec<String> = pkts
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let encap = if f.link == LinkType::RawIp { 7 } else { 1 };
                // tshark shows no time for the Simple Packet Block.
                let time = if i == 1 { String::new() } else { f.ts.to_string() };
                format!("{},{encap},{time},{},{}", f.interface, f.wirelen, f.data.len())
            })
            .collect();
        assert_eq!(lines, ours);
    }
    // Written again: the raw IP interface of the second section is described as a second interface.
    let dir = tempfile::tempdir().unwrap();
    let (pkts, again, _) = through_wrpcapng(dir.path(), "handmade.pcapng");
    let strip = |l: &PacketList| -> Vec<FrameBuf> {
        l.iter()
            .map(|f| FrameBuf {
                interface: 0,
                ..f.to_owned()
            })
            .collect()
    };
    assert_eq!(strip(&pkts), strip(&again));
    assert_eq!(again.get(-1).unwrap().interface, 1);
}

#[test]
fn a_stream_describes_an_interface_again_when_nanoseconds_come_late() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.pcapng");
    let ping = load("ping.pcap");
    let mut w = Writer::create(
        &path,
        &WriteOptions {
            pcapng: true,
            keep_partial: true,
            ..WriteOptions::default()
        },
    )
    .unwrap();
    let late = FrameBuf {
        ts: Timestamp::new(1_700_000_000, 123_456_789),
        ..ping.get(0).unwrap().to_owned()
    };
    for f in ping.iter() {
        w.write_frame(f).unwrap();
    }
    w.write_frame(late.as_frame()).unwrap();
    assert_eq!(w.close().unwrap(), 7);
    let back = load_path(&path);
    let times: Vec<Timestamp> = back.iter().map(|f| f.ts).collect();
    let mut want: Vec<Timestamp> = ping.iter().map(|f| f.ts).collect();
    want.push(late.ts);
    assert_eq!(times, want, "no time cut");
    assert_eq!(
        back.get(-1).unwrap().interface,
        1,
        "a second description, in nanoseconds"
    );
    if let Some(t) = tshark(&path, &["frame.time_epoch"]) {
        assert_eq!(t.last().map(String::as_str), Some("1700000000.123456789"));
    }
}

#[test]
fn a_microsecond_field_of_a_second_or_more_reads_as_tcpdump_reads_it() {
    // usec-overflow.pcap (make_pcapng.sh): ping.pcap with record 2's microsecond field 1500000 and record
    // 3's 4294967295. libpcap hands them over as they are; tcpdump -tt prints 1795593725.1500000, tshark
    // 1795593725.1500000000; Scapy's p.time adds them (1795593726.5).
    let path = fixture("usec-overflow.pcap");
    let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
    let f = pkts.get(1).unwrap();
    assert_eq!(f.ts.to_string(), "1795593725.1500000000");
    assert_eq!(f.time(), 1_795_593_726.5);
    // 4294967295 µs is more than a 32-bit count of nanoseconds: carried into the seconds, as Scapy adds it.
    assert_eq!(pkts.get(2).unwrap().ts.to_string(), "1795598020.967295000");
    let said: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    let p = path.display();
    assert_eq!(
        said,
        [
            format!(
                "{p}: record 2: its microsecond field 1500000 is not below 10^6; kept as the record holds it, as \
                 tcpdump and tshark show it"
            ),
            format!(
                "{p}: record 3: its microsecond field 4294967295 is not below 10^6; carried into the seconds, as \
                 Scapy adds it"
            ),
        ]
    );
    if let Some(t) = tshark(&path, &["frame.time_epoch"]) {
        assert_eq!(t[1], "1795593725.1500000000");
    }
    if let Ok(o) = Command::new("tcpdump").args(["-tt", "-nn", "-r"]).arg(&path).output() {
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("1795593725.1500000 ")),
            "{text}"
        );
    }
    // Written back: record 2 as it was; record 3 with the time it was read as (the documented carry).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("back.pcap");
    pcapio::write(&out, &pkts, &WriteOptions::default()).unwrap();
    let (a, b) = (std::fs::read(&path).unwrap(), std::fs::read(&out).unwrap());
    let record3 = 24 + 2 * 114;
    assert_eq!(a[..record3], b[..record3]);
    assert_eq!(a[record3 + 8..], b[record3 + 8..]);
    assert_eq!(
        b[record3..record3 + 8],
        [&(1_795_593_726u32 + 4294).to_le_bytes()[..], &967_295u32.to_le_bytes()].concat()
    );
    let (again, _) = pcapio::read(&out, &ReadOptions::default()).unwrap();
    assert!(pkts.iter().eq(again.iter()));
}

#[test]
fn pcapng_blocks_unsound_inside_name_their_fault() {
    let dir = tempfile::tempdir().unwrap();
    let size = std::fs::metadata(fixture("lo.pcapng")).unwrap().len() as usize;
    // lo.pcapng's first packet block is the third block, at offset 272: its interface, then its caplen.
    for (at, value, why) in [
        (
            272 + 8,
            5u32,
            "a packet on interface 5, but the section describes 1 interface(s)",
        ),
        (
            272 + 20,
            200,
            "captured length 200 runs past the block's end (100 bytes of packet data fit)",
        ),
    ] {
        let path = damaged(dir.path(), "lo.pcapng", size, &[(at, &value.to_le_bytes())]);
        let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
        assert!(pkts.is_empty(), "{why}");
        let [Warning::Damaged(e)] = &warnings[..] else {
            panic!("{why}: {warnings:?}")
        };
        assert_eq!(
            e.to_string(),
            format!("{}: record 1 at byte offset 272: pcapng block 3: {why}", path.display())
        );
    }
}

#[test]
fn reading_mangled_pcapng_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = fastrand::Rng::with_seed(13);
    for name in ["handmade.pcapng", "mixed-resolutions.pcapng", "lo.pcapng"] {
        let whole = std::fs::read(fixture(name)).unwrap();
        for i in 0..120 {
            let mut bytes = whole.clone();
            for _ in 0..rng.usize(1..8) {
                let at = rng.usize(..bytes.len());
                bytes[at] = rng.u8(..);
            }
            bytes.truncate(rng.usize(bytes.len() / 2..=bytes.len()));
            let path = dir.path().join(format!("{name}.{i}"));
            std::fs::write(&path, &bytes).unwrap();
            for opts in [ReadOptions::default(), ReadOptions::filter("icmp")] {
                if let Ok((pkts, _)) = pcapio::read(&path, &opts) {
                    for f in pkts.iter() {
                        let _ = f.packet().summary_numeric();
                    }
                    let ng = WriteOptions {
                        pcapng: true,
                        ..WriteOptions::default()
                    };
                    let _ = pcapio::write(dir.path().join("out.pcapng"), &pkts, &ng);
                }
            }
        }
    }
}
