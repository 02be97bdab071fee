//! Every builtin and method row, called with its declared defaults (required parameters filled from the
//! sample table below): no body reads a parameter its row does not declare (`Args::get` asserts that), and
//! every declared parameter is read by some call, unless `UNREAD` says why not. So a row and its body cannot
//! drift apart silently.
//!
//! Live builtins run in a network namespace of their own (made by this test's thread when it may) and with
//! an interface that does not exist, so they fail before anything is sent; `sniff` reads a capture file.

use std::collections::{BTreeMap, BTreeSet};

use super::args::{Args, Keywords, Param, ParamKind};
use super::ast::Span;
use super::results::Results;
use super::session::Session;
use super::table;
use super::value::Value;
use crate::packet::Packet;

/// Parameters that bodies accept and ignore, and why.
const UNREAD: &[(&str, &str, &str)] = &[
    ("bytes", "encoding", "Python's signature; text is always UTF-8"),
    ("decode", "encoding", "Python's signature; bytes decode as UTF-8 only"),
    ("encode", "encoding", "Python's signature; text encodes as UTF-8 only"),
];

/// An interface no machine has: the live builtins fail on it before sending.
const NO_IFACE: &str = "'wc-rows-test-none'";

fn capture() -> String {
    format!("'{}/tests/data/pcap/dns.pcap'", env!("CARGO_MANIFEST_DIR"))
}

/// The expression that fills required parameter `param` of `func`.
fn sample(func: &str, param: &str, out: &str) -> String {
    let packet = "IP(dst='198.18.0.2')/ICMP()".to_string();
    match (func, param) {
        ("hex" | "abs", _) => "255".into(),
        ("join", _) => "['a', 'b']".into(),
        ("rdpcap" | "PcapReader", "filename") => capture(),
        (_, "filename") => format!("'{out}'"),
        ("make_table" | "make_lined_table", "fxyz") => "lambda p, r=None: (1, 2, 3)".into(),
        (_, "x" | "pkt") => packet,
        (_, "obj" | "iterable") => "[2, 1]".into(),
        (_, "object" | "item") => "1".into(),
        (_, "start") => "3".into(),
        (_, "cls") => "'IP'".into(),
        (_, "func") => "'udp'".into(),
        (_, "string") => "'01ff'".into(),
        (_, "key") => "9".into(),
        (_, _) => "'a'".into(),
    }
}

/// Keyword arguments that keep a builtin off the network and off standard input.
fn offline(func: &str) -> Vec<(&'static str, String)> {
    match func {
        "sniff" => vec![("offline", capture())],
        // Without text it reads standard input, which a test must not wait on.
        "import_hexcap" => vec![("input_string", "'0000  45 00'".into())],
        "send" | "sendp" | "sr" | "sr1" | "srp" | "srp1" | "srflood" | "sr1flood" | "srpflood" | "srp1flood" => {
            vec![("iface", NO_IFACE.into())]
        }
        _ => Vec::new(),
    }
}

fn value(s: &mut Session, expr: &str) -> Value {
    s.run(expr, "<rows test>")
        .unwrap_or_else(|e| panic!("sample {expr}: {e}"))
        .unwrap_or(Value::None)
}

/// The arguments of one call: every required parameter from the samples, the rest left to their defaults
/// but for the keywords given.
fn args(
    s: &mut Session,
    func: &'static str,
    params: &'static [Param],
    out: &str,
    keywords: Vec<(&'static str, String)>,
) -> Args {
    let pos = params
        .iter()
        .take_while(|p| matches!(p.kind, ParamKind::Required))
        .map(|p| value(s, &sample(func, p.name, out)))
        .collect();
    let kw: Keywords = keywords
        .into_iter()
        .map(|(k, v)| (k.into(), value(s, &v), Span::new(0, 0)))
        .collect();
    Args::bind(func, params, pos, kw).unwrap_or_else(|e| panic!("{func}: {e}"))
}

/// Leaves the machine's network for a namespace of this thread's own, when the process may, with its
/// loopback up for the socket kinds' rows.
fn own_network_namespace() {
    // SAFETY: unshare changes only the calling thread's namespaces; failure (no privileges) leaves it as it
    // was. The ioctls read and write one ifreq on a socket closed at once.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNET) != 0 {
            return;
        }
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        let mut req: libc::ifreq = std::mem::zeroed();
        req.ifr_name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        libc::close(fd);
    }
}

/// Makes a fresh receiver of one kind for each call, so that a call that changes it leaves the next alone.
type Receiver = Box<dyn Fn(&mut Session) -> Value>;

type Reads = BTreeMap<String, (&'static [Param], BTreeSet<&'static str>)>;

fn record(reads: &mut Reads, row: String, params: &'static [Param], a: &Args) {
    let entry = reads.entry(row).or_insert_with(|| (params, BTreeSet::new()));
    entry.1.extend(a.read_names());
}

fn call_every_row() -> Reads {
    own_network_namespace();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out.pcap").display().to_string();
    let mut s = Session::with_output(std::io::sink());
    let mut reads = Reads::new();
    for b in table::all_builtins() {
        for run in std::iter::once(b.run).chain(b.command) {
            let a = args(&mut s, b.name, b.params, &out, offline(b.name));
            let _ = run(&mut s, &a);
            record(&mut reads, b.name.to_string(), b.params, &a);
        }
    }
    let reply = Packet::dissect(
        &[0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 198, 18, 0, 2, 198, 18, 0, 1],
        crate::packet::LinkType::RawIp,
    );
    let receivers: Vec<(&str, Receiver)> = vec![
        ("Packet", Box::new(|s| value(s, "IP(dst='198.18.0.2')/TCP()"))),
        ("PacketList", Box::new(|s| value(s, &format!("rdpcap({})", capture())))),
        (
            "PcapReader",
            Box::new(|s| value(s, &format!("PcapReader({})", capture()))),
        ),
        (
            "PcapWriter",
            Box::new(move |s| value(s, &format!("PcapWriter('{out}')"))),
        ),
        (
            "SndRcvList",
            Box::new(move |_| Value::host(Results::new(vec![(reply.clone(), reply.clone())]))),
        ),
        ("bytes", Box::new(|s| value(s, "b'\\x01\\xff'"))),
        ("bytes type", Box::new(|s| value(s, "bytes"))),
        ("str", Box::new(|s| value(s, "'a b'"))),
        ("list", Box::new(|s| value(s, "[1, 2]"))),
        ("dict", Box::new(|s| value(s, "{1: 2}"))),
        ("set", Box::new(|s| value(s, "{1, 2}"))),
        // Loopback sockets with short timeouts, so that each wait of a call ends at once.
        ("TCPListener", Box::new(|s| value(s, "tcp_listen(0, timeout=0.01)"))),
        (
            "TCPConnection",
            Box::new(|s| {
                value(
                    s,
                    "_l = tcp_listen(0); tcp_connect('127.0.0.1', _l.getsockname()[1], timeout=0.01)",
                )
            }),
        ),
        (
            "UDPSocket",
            Box::new(|s| value(s, "udp_socket(0, '127.0.0.1', timeout=0.01)")),
        ),
    ];
    let out = dir.path().join("method.pcap").display().to_string();
    for (kind, make) in &receivers {
        let methods = table::methods_of(&make(&mut s));
        assert!(!methods.is_empty(), "{kind} has no methods");
        for m in methods {
            let recv = make(&mut s);
            let a = args(&mut s, m.name, m.params, &out, Vec::new());
            let _ = (m.run)(&mut s, &recv, &a);
            record(&mut reads, format!("{kind}.{}", m.name), m.params, &a);
        }
    }
    reads
}

#[test]
fn every_row_reads_the_parameters_it_declares() {
    let reads = std::thread::spawn(call_every_row)
        .join()
        .expect("a row's body read an undeclared parameter");
    let mut unread = Vec::new();
    for (row, (params, read)) in &reads {
        let func = row.rsplit('.').next().unwrap_or(row);
        for p in params.iter() {
            let excused = UNREAD.iter().any(|(f, n, _)| *f == func && *n == p.name);
            if !read.contains(p.name) && !excused {
                unread.push(format!("{row}({})", p.name));
            }
        }
    }
    assert!(unread.is_empty(), "declared but never read: {unread:?}");
    assert!(reads.len() > 90, "only {} rows called", reads.len());
}
