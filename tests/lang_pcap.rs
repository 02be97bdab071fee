//! Capture files through the language (issue #4): the `rdpcap file.pcap` command's listing and totals against
//! Scapy 2.8.0's `nsummary()` and repr recorded in `tests/data/pcap/`, PacketList operations, writing and
//! reading back, streaming readers and writers, Ctrl-C, and bad input through the binary's exit codes.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{under_a_3_mib_file_limit, Sink};
use wirecraft::lang::{ErrorKind, Session};
use wirecraft::pcapio::{self, FrameBuf, Timestamp, WriteOptions};
use wirecraft::{Layer, LinkType};

fn fixture(name: &str) -> String {
    format!("tests/data/pcap/{name}")
}

fn wirecraft(src: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirecraft"))
        .args(["-c", src])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a program in a session started in the repository's root; returns what it printed.
fn run(src: &str) -> String {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("repository root");
    let sink = Sink::default();
    let mut s = Session::with_output(sink.clone());
    if let Err(e) = s.run(src, "<t>") {
        panic!("{e}");
    }
    sink.take()
}

fn tmp(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirecraft-lang-pcap-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

const CAPTURES: [&str; 9] = [
    "http.pcap",
    "dns.pcap",
    "ping.pcap",
    "ping-nano.pcap",
    "ping6.pcap",
    "any-sll.pcap",
    "any-sll2.pcap",
    "lo.pcapng",
    "two-interfaces.pcapng",
];

#[test]
fn command_form_lists_as_scapy_and_totals_as_its_repr() {
    for name in CAPTURES {
        let scapy = std::fs::read_to_string(fixture(&format!("{name}.scapy.txt"))).expect("Scapy's view");
        let repr = scapy.lines().next().unwrap_or_default();
        let nsummary: Vec<&str> = scapy
            .lines()
            .skip(1)
            .filter(|l| l.as_bytes()[0].is_ascii_digit())
            .collect();
        let o = wirecraft(&format!("rdpcap {}", fixture(name)));
        assert!(o.status.success(), "{name}: {}", text(&o.stderr));
        assert!(o.stderr.is_empty(), "{name}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.last(), Some(&repr), "{name}: totals");
        assert_eq!(lines.len() - 1, nsummary.len(), "{name}: one line per packet");
        let digits = if name == "ping-nano.pcap" { 9 } else { 6 };
        for (line, want) in lines.iter().zip(&nsummary) {
            // `index time summary`; Scapy's nsummary is `index summary`.
            let (index, rest) = line.split_at(5);
            let (time, summary) = rest.split_once(' ').expect("a time column");
            assert_eq!(format!("{index}{summary}"), *want, "{name}");
            let (secs, frac) = time.split_once('.').expect("seconds.fraction");
            assert!(
                secs.parse::<u64>().is_ok() && frac.len() == digits,
                "{name}: time {time}"
            );
        }
        assert!(
            lines[0].starts_with(&format!("0000 0.{} ", "0".repeat(digits))),
            "{name}"
        );
    }
}

#[test]
fn command_form_takes_count_and_filter_and_the_call_form_loads() {
    let o = wirecraft(&format!(
        "rdpcap {} count=2\nrdpcap {} filter=\"tcp[13] & 8 != 0\"",
        fixture("http.pcap"),
        fixture("http.pcap")
    ));
    assert_eq!(
        text(&o.stdout),
        "0000 0.000000 Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 S\n\
         0001 0.000014 Ether / IP / TCP 127.0.0.1:18080 > 127.0.0.1:59214 SA\n\
         <http.pcap: TCP:2 UDP:0 ICMP:0 Other:0>\n\
         0000 0.000000 Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 PA / Raw\n\
         0001 0.006748 Ether / IP / TCP 127.0.0.1:18080 > 127.0.0.1:59214 PA / Raw\n\
         0002 0.006826 Ether / IP / TCP 127.0.0.1:18080 > 127.0.0.1:59214 PA / Raw\n\
         <http.pcap: TCP:3 UDP:0 ICMP:0 Other:0>\n"
    );
    // Assigned, or called with parentheses, it is the function: a PacketList, nothing printed.
    let o = wirecraft(&format!("pkts = rdpcap(\"{}\"); rdpcap(\"{0}\")", fixture("http.pcap")));
    assert!(o.status.success() && o.stdout.is_empty(), "{}", text(&o.stderr));
}

#[test]
fn packet_lists_index_slice_select_and_add() {
    let http = fixture("http.pcap");
    let out = run(&format!(
        r#"pkts = rdpcap("{http}")
print(len(pkts), pkts)
print(pkts[0])
print(pkts[-1])
print(pkts[1:3], len(pkts[::2]), len(pkts[::-1]), pkts[::-1][0] == pkts[-1])
print(pkts[TCP], pkts[UDP], len(pkts[Raw]))
print(pkts + pkts[:2], len(pkts + pkts))
print(pkts.filter(lambda p: p[TCP].flags == "S"))
print(pkts.filter("tcp src port 18080"))
print(sum(len(p) for p in pkts), [p[TCP].sport for p in pkts[:2]])
print(pkts[0] in pkts, IP(dst="198.18.0.9") in pkts, not pkts, not pkts[20:])
print(list(rdpcap("{http}", count=3)) == list(pkts[:3]))
print(len(rdpcap("{http}", filter="tcp port 18080 and tcp[13] & 8 != 0")))
"#
    ));
    assert_eq!(
        out,
        "12 <http.pcap: TCP:12 UDP:0 ICMP:0 Other:0>\n\
         Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 S\n\
         Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 A\n\
         <mod http.pcap: TCP:2 UDP:0 ICMP:0 Other:0> 6 12 True\n\
         <TCP from http.pcap: TCP:12 UDP:0 ICMP:0 Other:0> <UDP from http.pcap: TCP:0 UDP:0 ICMP:0 Other:0> 3\n\
         <http.pcap+mod http.pcap: TCP:14 UDP:0 ICMP:0 Other:0> 24\n\
         <filtered http.pcap: TCP:1 UDP:0 ICMP:0 Other:0>\n\
         <filtered http.pcap: TCP:5 UDP:0 ICMP:0 Other:0>\n\
         1103 [59214, 18080]\n\
         True False False True\n\
         True\n\
         3\n"
    );
}

/// A list keeps a packet made without a link layer as what it is: `PacketList([DNS()])[0]` is that DNS
/// message, not its bytes read as Ethernet. A file still gets Ethernet's number for it, as Scapy writes it.
#[test]
fn packets_without_a_link_layer_stay_what_they_are_in_a_list() {
    let dir = tmp("nolink");
    let f = dir.join("dns.pcap");
    let out = run(&format!(
        r#"made = [DNS(id=5, qd=DNSQR(qname="wirecraft.test")), TCP(dport=80, flags="SA"), UDP()/DNS(id=6), ICMP(), Raw(b"xy"), IP(src="198.18.0.1", dst="198.18.0.2")/UDP()]
l = PacketList(made)
print([raw(p) == raw(m) for p, m in zip(l, made)], l[0].id, l[0].qd[0].qname, l[2][DNS].id)
print(l[0].summary(), "|", l[1].summary(), "|", l[4].summary())
print(l[-1].summary())
wrpcap("{f}", [DNS(id=7)])
"#,
        f = f.display()
    ));
    assert_eq!(
        out,
        "[True, True, True, True, True, True] 5 b'wirecraft.test.' 6\n\
         DNS Qry b'wirecraft.test.' | TCP ftp_data > http SA | Raw\n\
         IP / UDP 198.18.0.1:domain > 198.18.0.2:domain\n"
    );
    let file = std::fs::read(&f).unwrap();
    assert_eq!(
        file[20..24],
        [1, 0, 0, 0],
        "the file's link type is Ethernet's, as Scapy's"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn packet_list_methods_print_what_the_library_renders() {
    let http = fixture("http.pcap");
    let (pkts, _) = pcapio::read(&http, &Default::default()).expect("reads");
    let rendered = [
        ("summary", pkts.summary()),
        ("nsummary", pkts.nsummary()),
        ("show", pkts.show()),
        ("hexdump", pkts.hexdump()),
        ("conversations", pkts.conversations().to_string()),
        ("stats", pkts.stats().to_string()),
    ];
    for (method, want) in rendered {
        assert_eq!(run(&format!("rdpcap(\"{http}\").{method}()")), want, "{method}");
    }
    let scapy = std::fs::read_to_string(fixture("http.pcap.scapy.txt")).expect("Scapy's view");
    let keys: String = scapy
        .lines()
        .filter(|l| l.starts_with("TCP "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        run(&format!("for k in rdpcap(\"{http}\").sessions(): print(k)")),
        keys,
        "session keys as Scapy's"
    );
    assert_eq!(
        run(&format!(
            "s = rdpcap(\"{http}\").sessions(); print(s['TCP 127.0.0.1:18080 > 127.0.0.1:59214'])"
        )),
        "<PacketList: TCP:5 UDP:0 ICMP:0 Other:0>\n"
    );
}

#[test]
fn time_keeps_nanoseconds_through_a_round_trip() {
    let dir = tmp("nano");
    let out = dir.join("copy.pcap");
    let got = run(&format!(
        r#"a = rdpcap("{}")
wrpcap("{}", a)
b = rdpcap("{1}")
print(a == b, a[1].time == b[1].time, a[0].time > 1.7e9)
"#,
        fixture("ping-nano.pcap"),
        out.display()
    ));
    assert_eq!(got, "True True True\n");
    let (orig, _) = pcapio::read(fixture("ping-nano.pcap"), &Default::default()).expect("reads");
    let (copy, _) = pcapio::read(&out, &Default::default()).expect("reads");
    assert!(
        orig.iter().eq(copy.iter()),
        "bytes, times to the nanosecond and wire lengths kept"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wrpcap_writes_packets_sets_lists_and_appends() {
    let dir = tmp("wr");
    let f = dir.join("w.pcap");
    let got = run(&format!(
        r#"pkts = rdpcap("{}")
wrpcap("{f}", [pkts[0], pkts[2]])
back = rdpcap("{f}")
print(back[0] == pkts[0], back[1] == pkts[2], back[0].time == pkts[0].time)
wrpcap("{f}", Ether()/IP(dst="198.18.0.2")/TCP(dport=(80, 82)), append=True)
print(rdpcap("{f}"))
wrpcap("{f}", IP(dst="198.18.0.2")/UDP(), linktype=1)
rdpcap {f}
"#,
        fixture("http.pcap"),
        f = f.display()
    ));
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines[..2], ["True True True", "<w.pcap: TCP:5 UDP:0 ICMP:0 Other:0>"]);
    assert_eq!(
        lines[3], "<w.pcap: TCP:0 UDP:0 ICMP:0 Other:1>",
        "raw IP bytes read as Ethernet"
    );

    // gz=1 as in Scapy: gzip on disk, read back whole; PcapWriter and appending keep it.
    let z = dir.join("w.pcap.gz");
    let got = run(&format!(
        r#"pkts = rdpcap("{}")
wrpcap("{z}", pkts, gz=1)
wrpcap("{z}", pkts[:2], append=True)
w = PcapWriter("{z}", append=True, gz=True)
w.write(pkts[-1])
w.close()
back = rdpcap("{z}")
print(back, back[:12] == pkts, back[-1] == pkts[-1])
"#,
        fixture("http.pcap"),
        z = z.display()
    ));
    assert_eq!(got, "<w.pcap.gz: TCP:15 UDP:0 ICMP:0 Other:0> True True\n");
    assert_eq!(&std::fs::read(&z).unwrap()[..2], b"\x1f\x8b");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn pcap_reader_iterates_lazily_and_pcap_writer_streams() {
    let dir = tmp("stream");
    let f = dir.join("out.pcap");
    let got = run(&format!(
        r#"r = PcapReader("{http}")
print(r.read_packet())
n = 0
for p in r:
    n += 1
    if n == 3: break
print(n, r.read_all(count=2), len(r.read_all()))
try:
    r.read_packet()
except EOFError as e:
    print(repr(e))
w = PcapWriter("{f}")
for p in PcapReader("{http}"):
    if Raw in p: w.write(p)
w.write(rdpcap("{dns}")[:1])
w.close()
w.close()
print(rdpcap("{f}"))
for p in PcapReader("{http}", filter="tcp[13] & 1 != 0"): print(p.summary())
"#,
        http = fixture("http.pcap"),
        dns = fixture("dns.pcap"),
        f = f.display()
    ));
    assert_eq!(
        got,
        format!(
            "Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 S\n\
             3 <http.pcap: TCP:2 UDP:0 ICMP:0 Other:0> 6\n\
             EOFError('{}: no more packets')\n\
             <out.pcap: TCP:3 UDP:1 ICMP:0 Other:0>\n\
             Ether / IP / TCP 127.0.0.1:59214 > 127.0.0.1:18080 FA\n\
             Ether / IP / TCP 127.0.0.1:18080 > 127.0.0.1:59214 FA\n",
            fixture("http.pcap")
        )
    );
    // A writer nobody closed is closed, like a Python file, when the program ends.
    let g = dir.join("unclosed.pcap");
    let o = wirecraft(&format!(
        "w = PcapWriter('{}'); w.write(Ether()/IP()/ICMP())",
        g.display()
    ));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (back, _) = pcapio::read(&g, &Default::default()).expect("published at exit");
    assert_eq!(back.len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// A capture of `n` TCP SYNs, for the tests that need more packets than the fixtures have.
fn many_syns(path: &Path, n: usize) {
    let syn =
        Layer::named("Ether").expect("Ether") / Layer::named("IP").expect("IP") / Layer::named("TCP").expect("TCP");
    let data = syn.build();
    let frames: Vec<FrameBuf> = (0..n)
        .map(|i| FrameBuf {
            data: data.clone(),
            ts: Timestamp::new(1_700_000_000 + i as i64, 0),
            wirelen: data.len() as u32,
            link: LinkType::Ethernet,
            interface: 0,
        })
        .collect();
    pcapio::write(path, &frames, &WriteOptions::default()).expect("written");
}

/// The binary running `-c src` with its output piped to the test, which reads it as it comes.
fn spawn_piped(src: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_wirecraft"))
        .args(["-c", src])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs")
}

#[test]
fn ctrl_c_stops_the_listing_with_the_totals_so_far() {
    let dir = tmp("sigint");
    let f = dir.join("big.pcap");
    let n = 300_000;
    many_syns(&f, n);
    let mut child = spawn_piped(&format!("rdpcap {}\nprint('not reached')", f.display()));
    let mut stdout = child.stdout.take().expect("stdout");
    // The listing has started once its first line arrives; it then waits on the full pipe.
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("first line");
    // SAFETY: the pid is our own child's, still running (it is blocked writing to the pipe).
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).expect("rest");
    let o = child.wait_with_output().expect("exits");
    let out = text(&[&first[..], &rest[..]].concat());
    let last = out.lines().last().unwrap_or_default().to_string();
    let listed = out.lines().count() - 1;
    assert!(listed < n, "stopped early: {listed} lines");
    assert_eq!(last, format!("<big.pcap: TCP:{listed} UDP:0 ICMP:0 Other:0>"));
    assert!(!out.contains("not reached"));
    assert_eq!(o.status.code(), Some(130));
    assert!(text(&o.stderr).contains("KeyboardInterrupt"), "{}", text(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_closed_pipe_ends_the_listing_quietly() {
    let dir = tmp("pipe");
    let f = dir.join("big.pcap");
    many_syns(&f, 100_000);
    let mut child = spawn_piped(&format!("rdpcap {}", f.display()));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut head = [0u8; 100];
    stdout.read_exact(&mut head).expect("a few lines");
    drop(stdout);
    let o = child.wait_with_output().expect("exits");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_errors_and_warnings() {
    let dir = tmp("bad");
    // Missing file: an error naming it, exit code 1.
    let o = wirecraft("pkts = rdpcap('/nonexistent/x.pcap')");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).starts_with("<string>:1:8: FileNotFoundError: /nonexistent/x.pcap: no such file\n"),
        "{}",
        text(&o.stderr)
    );
    let o = wirecraft("rdpcap /nonexistent/x.pcap");
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    // Not a capture, and a bad filter.
    let o = wirecraft("rdpcap Cargo.toml");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("OSError: Cargo.toml: not a pcap or pcapng capture file"));
    let o = wirecraft(&format!("rdpcap {} filter='tcp prot 80'", fixture("http.pcap")));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("ValueError: tests/data/pcap/http.pcap: bad filter \"tcp prot 80\""));
    // Cut short: every packet before the damage, the warning on stderr, exit code 0.
    let cut = dir.join("cut.pcap");
    let whole = std::fs::read(fixture("http.pcap")).expect("fixture");
    std::fs::write(&cut, &whole[..700]).expect("written");
    let warning = format!(
        "warning: {}: record 6 at byte offset 538: truncated record: needs 268 bytes, the file has 162 left; \
         the packets before it were read\n",
        cut.display()
    );
    for src in [
        format!("rdpcap {}", cut.display()),
        format!("print(len(rdpcap('{}')))", cut.display()),
        format!("print(len([p for p in PcapReader('{}')]))", cut.display()),
    ] {
        let o = wirecraft(&src);
        assert_eq!(o.status.code(), Some(0), "{src}");
        assert_eq!(text(&o.stderr), warning, "{src}");
        assert!(
            text(&o.stdout).ends_with("5\n") || text(&o.stdout).ends_with("Other:0>\n"),
            "{src}"
        );
    }
    // Writing what is not a packet.
    let mut s = Session::with_output(std::io::sink());
    let e = s.run("wrpcap('/tmp/never.pcap', [IP(), 3])", "<t>").expect_err("fails");
    assert_eq!(e.kind, ErrorKind::Type);
    assert!(e.message.contains("not a int"), "{}", e.message);
    assert!(!Path::new("/tmp/never.pcap").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn help_and_completion_know_the_pcap_builtins() {
    let out = run("help(rdpcap); lsc");
    assert!(out.starts_with("rdpcap(filename, count=-1, filter=None)\n"), "{out}");
    for name in ["rdpcap", "wrpcap", "PcapReader", "PcapWriter"] {
        assert!(out.contains(&format!("\n{name:<10}: ")), "{name} in lsc");
    }
    let mut s = Session::with_output(std::io::sink());
    let names = |s: &Session, line: &str| -> Vec<String> {
        s.completions(line, line.len())
            .into_iter()
            .map(|c| c.replacement)
            .collect()
    };
    assert!(names(&s, "pkts = rdp").contains(&"rdpcap".to_string()));
    s.run(
        &format!(
            "pkts = rdpcap('{}/{}')",
            env!("CARGO_MANIFEST_DIR"),
            fixture("http.pcap")
        ),
        "<t>",
    )
    .expect("reads");
    assert!(
        names(&s, "pkts.fil").contains(&"filter".to_string()),
        "{:?}",
        names(&s, "pkts.fil")
    );
}

/// A full disk (a file-size limit, `RLIMIT_FSIZE`) cuts a `PcapWriter` short: the error says how many packets
/// the file keeps, the file holds exactly those as a valid capture under its name, and no temporary file is
/// left. `wrpcap` of a list stays all or nothing: an error, and no file.
#[test]
fn a_full_disk_keeps_what_a_stream_wrote() {
    let dir = tmp("full");
    let (f, g) = (dir.join("stream.pcap"), dir.join("list.pcap"));
    let src = format!(
        r#"w = PcapWriter("{f}")
p = Ether()/IP(src="198.18.0.1", dst="198.18.0.2")/UDP()/Raw(b"x" * 1000)
try:
    for i in range(5000):
        w.write(p)
except OSError as e:
    print(e)
print(len(rdpcap("{f}")))
try:
    w.write(p)
except Exception as e:
    print(e)
try:
    wrpcap("{g}", [p] * 5000)
except OSError as e:
    print("list:", e)
"#,
        f = f.display(),
        g = g.display()
    );
    let out = under_a_3_mib_file_limit(None, &src);
    let said = text(&out.stdout);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 4, "{said}\n{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("truncated"),
        "a whole capture: {}",
        text(&out.stderr)
    );
    let kept: usize = lines[1].parse().unwrap();
    assert!(kept > 0 && kept < 5000, "{said}");
    assert!(
        lines[0].contains(&format!("the file keeps the {kept} packets written before it")),
        "{said}"
    );
    assert!(lines[0].contains("File too large"), "the system's reason: {said}");
    assert_eq!(
        lines[2],
        "write to a closed PcapWriter (".to_string() + &f.display().to_string() + ")"
    );
    assert!(
        lines[3].starts_with("list: ") && lines[3].contains("File too large"),
        "{said}"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        [std::ffi::OsString::from("stream.pcap")],
        "no temporary file, no list file"
    );

    // Compressed, the count is what reads back whole (the encoder holds some back); the cut shows at close.
    let gz = dir.join("stream.pcap.gz");
    let out = under_a_3_mib_file_limit(
        None,
        &format!(
            r#"w = PcapWriter("{gz}", gz=1)
try:
    for i in range(10000):
        w.write(Ether()/IP(src="198.18.0.1", dst="198.18.0.2")/UDP()/Raw(load=RandBin(1000)))
    w.close()
except OSError as e:
    print(e)
print(len(rdpcap("{gz}")))
"#,
            gz = gz.display()
        ),
    );
    let said = text(&out.stdout);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "{said}\n{}", text(&out.stderr));
    assert!(
        lines[0].contains(&format!("the file keeps the {} packets", lines[1])),
        "{said}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wrpcapng_and_pcapng_writer_keep_interfaces_and_link_types() {
    let dir = tmp("pcapng");
    let (f, g, h) = (
        dir.join("list.pcapng"),
        dir.join("stream.pcapng"),
        dir.join("list.pcap"),
    );
    let got = run(&format!(
        r#"p = rdpcap("{two}")
wrpcapng("{f}", p)
print(rdpcap("{f}"))
w = PcapNgWriter("{g}")
print(w)
w.write(p[6:])
w.write(Ether()/IP(dst="198.18.0.2")/ICMP())
w.close()
print(rdpcap("{g}"))
try:
    wrpcap("{h}", p)
except OSError as e:
    print("OSError")
"#,
        two = fixture("two-linktypes.pcapng"),
        f = f.display(),
        g = g.display(),
        h = h.display()
    ));
    assert_eq!(
        got,
        format!(
            "<list.pcapng: TCP:0 UDP:0 ICMP:10 Other:0>\n<PcapNgWriter: {}>\n\
             <stream.pcapng: TCP:0 UDP:0 ICMP:5 Other:0>\nOSError\n",
            g.display()
        )
    );
    let read = |path: &Path| pcapio::read(path, &Default::default()).expect("reads").0;
    let original = read(Path::new(&fixture("two-linktypes.pcapng")));
    assert!(
        read(&f).iter().eq(original.iter()),
        "wrpcapng keeps every frame as it was"
    );
    let streamed: Vec<(u32, LinkType)> = read(&g).iter().map(|f| (f.interface, f.link)).collect();
    // The cooked interface (1 in the source) is described first here: the stream met it first.
    assert_eq!(
        streamed,
        [
            (0, LinkType::LinuxSll2),
            (0, LinkType::LinuxSll2),
            (0, LinkType::LinuxSll2),
            (0, LinkType::LinuxSll2),
            (1, LinkType::Ethernet)
        ]
    );
    assert!(!h.exists(), "wrpcap of a list stays all or nothing");
    std::fs::remove_dir_all(&dir).ok();
}

/// `PcapNgWriter` is a stream as `PcapWriter` is: a full disk publishes what it wrote whole, and says so.
#[test]
fn a_full_disk_keeps_what_a_pcapng_stream_wrote() {
    let dir = tmp("full-ng");
    let f = dir.join("stream.pcapng");
    let out = under_a_3_mib_file_limit(
        None,
        &format!(
            r#"w = PcapNgWriter("{f}")
try:
    for i in range(5000):
        w.write(Ether()/IP(src="198.18.0.1", dst="198.18.0.2")/UDP()/Raw(b"x" * 1000))
except OSError as e:
    print(e)
print(len(rdpcap("{f}")))
"#,
            f = f.display()
        ),
    );
    let said = text(&out.stdout);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "{said}\n{}", text(&out.stderr));
    let kept: usize = lines[1].parse().unwrap();
    assert!(kept > 0 && kept < 5000, "{said}");
    assert!(
        lines[0].contains(&format!("the file keeps the {kept} packets written before it")),
        "{said}"
    );
    assert!(text(&out.stderr).is_empty(), "a whole capture: {}", text(&out.stderr));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("stream.pcapng")], "no temporary file");
    std::fs::remove_dir_all(&dir).ok();
}
