//! The elements of a PacketList are packets the user edits and the list keeps (issue #11, item 1), checked
//! against Scapy 2.8.0. The session each test matches, run offline (`unshare -n python3`) on the same three
//! packets, printed what the comments beside the assertions say:
//!
//! ```text
//! >>> wrpcap(f, [Ether()/IP(src="198.18.0.1", dst="198.18.0.2")/TCP(dport=80),
//! ...            Ether()/IP(src="198.18.0.1", dst="198.18.0.3")/UDP(),
//! ...            Ether()/IP(src="198.18.0.1", dst="198.18.0.4")/ICMP()])
//! >>> a = rdpcap(f)
//! >>> a[0].ttl                      # 64
//! >>> a[0].ttl = 1
//! >>> a[0].ttl, a[-3].ttl, len(a)   # (1, 1, 3)
//! >>> p = a[2]; p[ICMP].seq = 7; a[2][ICMP].seq, a[-1].seq   # (7, 7)
//! >>> b = a[0:2]; b[0].ttl = 5
//! >>> a[0].ttl, b[0] is a[0]        # (5, True)
//! >>> b[1].ttl = 7; a[1].ttl        # 7
//! >>> c = a + a; c[2].ttl = 9
//! >>> a[2].ttl, c[2] is a[2], c[5] is a[2]   # (9, True, True)
//! >>> for p in a: p.ttl = p.ttl + 100
//! >>> [p.ttl for p in a]            # [105, 107, 109]
//! >>> a.filter(lambda p: p.ttl > 100)[0] is a[0]   # True
//! >>> a[TCP][0] is a[0]             # True
//! >>> list(a.sessions().values())[0][0] is a[0]    # True
//! >>> a[1][UDP].dport = 9; a.nsummary()   # 0001 Ether / IP / UDP 198.18.0.1:domain > 198.18.0.3:discard
//! >>> a, b, c                       # <sc_list.pcap: TCP:1 UDP:1 ICMP:1 Other:0>
//! ...                               # <mod sc_list.pcap: TCP:1 UDP:1 ICMP:0 Other:0>
//! ...                               # <sc_list.pcap+sc_list.pcap: TCP:2 UDP:2 ICMP:2 Other:0>
//! >>> a[1].time = 12345.5; a[1].time, a[1].copy().time   # (12345.5, 12345.5)
//! >>> p = IP(); p.time = 42; p.time, p.copy().time, p[IP].time   # (42, 42, 42)
//! >>> wrpcap(g, a); r = rdpcap(g)
//! >>> [p.ttl for p in r], r[1].time # [105, 107, 109], Decimal('12345.500000')
//! >>> a = rdpcap(f); b = a[1:]; a[1].ttl = 7; a[2].time = 12345.5; b[0][UDP].sport = 4242
//! >>> wrpcap(g, a); r = rdpcap(g); len(r), [p.ttl for p in r], r[1].sport, r[2].time
//! (3, [64, 7, 64], 4242, Decimal('12345.500000'))
//! ```
//!
//! (Scapy keeps an int time an int, `42`; here a time is a timestamp and reads back as a float, `42.0`.)

mod common;

use std::path::PathBuf;

use common::Sink;
use wirecraft::lang::Session;
use wirecraft::pcapio;

/// Runs a program in a fresh session; returns what it printed.
fn run(src: &str) -> String {
    let sink = Sink::default();
    let mut s = Session::with_output(sink.clone());
    if let Err(e) = s.run(src, "<t>") {
        panic!("{e}\n(printed so far: {})", sink.take());
    }
    sink.take()
}

/// A temporary directory holding `three.pcap`: the three packets of the Scapy session above.
fn three(tag: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("wirecraft-list-edit-{tag}"))
        .tempdir()
        .expect("temp dir");
    let f = dir.path().join("three.pcap");
    run(&format!(
        r#"wrpcap("{}", [Ether()/IP(src="198.18.0.1", dst="198.18.0.2")/TCP(dport=80),
            Ether()/IP(src="198.18.0.1", dst="198.18.0.3")/UDP(),
            Ether()/IP(src="198.18.0.1", dst="198.18.0.4")/ICMP()])"#,
        f.display()
    ));
    (dir, f)
}

#[test]
fn an_edit_to_an_element_is_kept_by_the_list() {
    let (_dir, f) = three("keep");
    let got = run(&format!(
        r#"a = rdpcap("{}")
print(a[0].ttl)
a[0].ttl = 1
print(a[0].ttl, a[-3].ttl, len(a))
p = a[2]
p[ICMP].seq = 7
print(a[2][ICMP].seq, a[-1].seq)
"#,
        f.display()
    ));
    assert_eq!(got, "64\n1 1 3\n7 7\n");
}

#[test]
fn slices_filters_sums_and_loops_share_the_packets_as_scapy() {
    let (_dir, f) = three("share");
    let got = run(&format!(
        r#"a = rdpcap("{}")
b = a[0:2]
b[0].ttl = 5
print(a[0].ttl)
b[1].ttl = 7
print(a[1].ttl)
c = a + a
c[2].ttl = 9
print(a[2].ttl, c[5].ttl)
for p in a:
    p.ttl = p.ttl + 100
print([p.ttl for p in a], [p.ttl for p in b], [p.ttl for p in c])
a.filter(lambda p: p.ttl > 106)[0].ttl = 20
a[TCP][0].ttl = 21
list(a.sessions().values())[2][0].ttl = 22
print([p.ttl for p in a])
print(a)
print(b)
print(c)
"#,
        f.display()
    ));
    assert_eq!(
        got,
        "5\n7\n9 9\n[105, 107, 109] [105, 107] [105, 107, 109, 105, 107, 109]\n[21, 20, 22]\n\
         <three.pcap: TCP:1 UDP:1 ICMP:1 Other:0>\n<mod three.pcap: TCP:1 UDP:1 ICMP:0 Other:0>\n\
         <three.pcap+three.pcap: TCP:2 UDP:2 ICMP:2 Other:0>\n"
    );
}

#[test]
fn summaries_see_the_edits() {
    let (_dir, f) = three("summary");
    let got = run(&format!(
        r#"a = rdpcap("{}")
a[1][UDP].dport = 9
a.nsummary()
print(a[UDP])
"#,
        f.display()
    ));
    assert_eq!(
        got,
        "0000 Ether / IP / TCP 198.18.0.1:ftp_data > 198.18.0.2:http S\n\
         0001 Ether / IP / UDP 198.18.0.1:domain > 198.18.0.3:discard\n\
         0002 Ether / IP / ICMP 198.18.0.1 > 198.18.0.4 echo-request 0\n\
         <UDP from three.pcap: TCP:0 UDP:1 ICMP:0 Other:0>\n"
    );
}

#[test]
fn a_time_can_be_set_on_any_packet_and_copy_keeps_it() {
    let (_dir, f) = three("time");
    let got = run(&format!(
        r#"a = rdpcap("{}")
a[1].time = 12345.5
print(a[1].time, a[1].copy().time, a[0].time > 1.7e9)
p = IP()
p.time = 42
print(p.time, p.copy().time, p[IP].time)
q = p
q.time = 1.25
print(p.time)
"#,
        f.display()
    ));
    assert_eq!(got, "12345.5 12345.5 True\n42.0 42.0 42.0\n1.25\n");
    let err = Session::with_output(Sink::default())
        .run("p = IP()\np.time = 'noon'", "<t>")
        .expect_err("a time is a number");
    assert!(
        err.to_string().contains("a packet's time is seconds since the epoch"),
        "{err}"
    );
}

#[test]
fn wrpcap_writes_the_edited_elements_and_the_rest_as_stored() {
    let (dir, f) = three("write");
    let g = dir.path().join("edited.pcap");
    let got = run(&format!(
        r#"a = rdpcap("{}")
a[1].ttl = 7
a[2].time = 12345.5
b = a[1:]
b[0][UDP].sport = 4242
wrpcap("{}", a)
r = rdpcap("{1}")
print(len(r), [p.ttl for p in r], r[1].sport, r[2].time)
"#,
        f.display(),
        g.display()
    ));
    assert_eq!(got, "3 [64, 7, 64] 4242 12345.5\n");
    let (orig, _) = pcapio::read(&f, &Default::default()).expect("reads");
    let (edited, _) = pcapio::read(&g, &Default::default()).expect("reads");
    let (o, e): (Vec<_>, Vec<_>) = (orig.iter().collect(), edited.iter().collect());
    assert_eq!(o[0], e[0], "an element never read is written as stored");
    assert_eq!(o[2].data, e[2].data, "an element whose time was set keeps its bytes");
    assert_eq!(
        e[2].ts,
        pcapio::Timestamp::new(12345, 500_000_000),
        "and is written at its new time"
    );
    assert_ne!(o[1].data, e[1].data, "the edited element is built");
    assert_eq!(o[1].ts, e[1].ts, "at its capture time");
}

#[test]
fn an_element_only_read_is_written_and_compared_as_stored() {
    let (dir, f) = three("read");
    let g = dir.path().join("copy.pcap");
    let got = run(&format!(
        r#"a = rdpcap("{}")
kept = [p for p in a]
print(a[0].ttl, a == rdpcap("{0}"))
wrpcap("{}", a)
"#,
        f.display(),
        g.display()
    ));
    assert_eq!(got, "64 True\n");
    assert_eq!(std::fs::read(&f).unwrap(), std::fs::read(&g).unwrap());
}
