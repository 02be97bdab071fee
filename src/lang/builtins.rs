//! The one table of builtins: each entry's name, parameters with their defaults, and help text feed
//! evaluation, `help()`, `lsc()`, tab completion and call signatures alike. Methods of values and the `conf`
//! settings are tables of the same shape.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use super::error::{ErrorKind, LangError};
use super::eval::Session;
use super::live;
use super::pcap;
use super::value::{range_len, Pkt, Value};
use crate::packet::{hexdump, Generator, RandKind};

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl std::fmt::Debug for MethodDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A builtin function.
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [Param],
    pub help: &'static str,
    /// Also called when its name stands alone as a statement (`exit`, `lsc`), as the command form allows.
    pub bare: bool,
    pub(crate) run: BuiltinFn,
    /// What the command form runs instead of `run`, when the builtin has a variant that shows its result as it
    /// goes rather than building it (`rdpcap file.pcap` streams the listing).
    pub(crate) command: Option<BuiltinFn>,
}

/// A builtin's body: the session and the arguments bound to its parameters, in table order.
pub(crate) type BuiltinFn = fn(&mut Session, Vec<Value>) -> Result<Value, LangError>;

/// A method of a kind of value: `p.show()`, `b.hex()`, `bytes.fromhex(s)`.
pub struct MethodDef {
    pub recv: Recv,
    pub name: &'static str,
    pub params: &'static [Param],
    pub help: &'static str,
    pub(crate) run: fn(&mut Session, &Value, Vec<Value>) -> Result<Value, LangError>,
}

/// The kinds of value that have methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recv {
    Packet,
    PacketList,
    PcapReader,
    PcapWriter,
    Results,
    Bytes,
    Str,
    List,
    Dict,
    /// The `bytes` builtin itself: `bytes.fromhex`.
    BytesType,
}

impl Recv {
    pub fn of(v: &Value) -> Option<Recv> {
        Some(match v {
            Value::Packet(_) => Recv::Packet,
            Value::PacketList(_) => Recv::PacketList,
            Value::PcapReader(_) => Recv::PcapReader,
            Value::PcapWriter(_) => Recv::PcapWriter,
            Value::Results(_) => Recv::Results,
            Value::Bytes(_) => Recv::Bytes,
            Value::Str(_) => Recv::Str,
            Value::List(_) => Recv::List,
            Value::Dict(_) => Recv::Dict,
            Value::Builtin(b) if b.name == "bytes" => Recv::BytesType,
            _ => return None,
        })
    }
}

/// A parameter and how it is filled.
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
}

#[derive(Clone, Copy)]
pub enum ParamKind {
    Required,
    Default(Const),
    /// `*name`: the remaining positional arguments, as a tuple.
    Star,
}

/// A default value, written in the table as a constant.
#[derive(Clone, Copy)]
pub enum Const {
    None,
    Int(i64),
    Str(&'static str),
    Bool(bool),
}

impl Const {
    pub fn value(self) -> Value {
        match self {
            Const::None => Value::None,
            Const::Int(i) => Value::Int(i128::from(i)),
            Const::Str(s) => Value::str(s),
            Const::Bool(b) => Value::Bool(b),
        }
    }
}

const fn req(name: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::Required,
    }
}

const fn opt(name: &'static str, c: Const) -> Param {
    Param {
        name,
        kind: ParamKind::Default(c),
    }
}

const fn star(name: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::Star,
    }
}

/// `name(a, b=1, *rest)`, as help and the REPL's hints show a signature.
pub fn signature(name: &str, params: &[Param]) -> String {
    let parts: Vec<String> = params
        .iter()
        .map(|p| match p.kind {
            ParamKind::Required => p.name.to_string(),
            ParamKind::Star => format!("*{}", p.name),
            ParamKind::Default(c) => format!("{}={}", p.name, c.value().repr()),
        })
        .collect();
    format!("{name}({})", parts.join(", "))
}

macro_rules! builtin {
    ($name:literal, [$($p:expr),*], $help:literal, $run:expr) => {
        Builtin { name: $name, params: &[$($p),*], help: $help, bare: false, run: $run, command: None }
    };
    (bare $name:literal, [$($p:expr),*], $help:literal, $run:expr) => {
        Builtin { name: $name, params: &[$($p),*], help: $help, bare: true, run: $run, command: None }
    };
    ($name:literal, $params:ident, $help:literal, $run:expr) => {
        Builtin { name: $name, params: $params, help: $help, bare: false, run: $run, command: None }
    };
    ($name:literal, [$($p:expr),*], $help:literal, $run:expr, command $command:expr) => {
        Builtin { name: $name, params: &[$($p),*], help: $help, bare: false, run: $run, command: Some($command) }
    };
}

/// `send` and `sendp`, as Scapy's `__gen_send` takes them.
const SEND_PARAMS: &[Param] = &[
    req("x"),
    opt("inter", Const::Int(0)),
    opt("loop", Const::Int(0)),
    opt("count", Const::None),
    opt("verbose", Const::None),
    opt("iface", Const::None),
    opt("rate", Const::None),
];

/// `sr`, `sr1`, `srp` and `srp1`, as Scapy's `sndrcv` takes them.
const SR_PARAMS: &[Param] = &[
    req("x"),
    opt("filter", Const::None),
    opt("iface", Const::None),
    opt("timeout", Const::None),
    opt("inter", Const::Int(0)),
    opt("retry", Const::Int(0)),
    opt("multi", Const::Bool(false)),
    opt("verbose", Const::None),
];

/// Every builtin function, in the order `lsc()` lists them.
pub static BUILTINS: &[Builtin] = &[
    builtin!(
        "print",
        [
            star("objects"),
            opt("sep", Const::Str(" ")),
            opt("end", Const::Str("\n"))
        ],
        "Print the values, separated by sep and followed by end; a packet prints its summary.",
        b_print
    ),
    builtin!(
        "len",
        [req("obj")],
        "Number of items; of a packet, the length of its built frame in bytes.",
        b_len
    ),
    builtin!(
        "raw",
        [req("pkt")],
        "The bytes of a packet (the first packet of a set, as in Scapy).",
        b_raw
    ),
    builtin!(
        "bytes",
        [opt("source", Const::Str("")), opt("encoding", Const::Str("utf-8"))],
        "Bytes from a packet (its frame), a string, a list of ints or a length. bytes.fromhex(s) parses hex.",
        b_bytes
    ),
    builtin!("hex", [req("x")], "An int in hexadecimal: hex(255) is '0xff'.", b_hex),
    builtin!(
        "int",
        [opt("x", Const::Int(0)), opt("base", Const::Int(10))],
        "An int from a number, a flags value or text (base 0 reads 0x, 0o and 0b prefixes).",
        b_int
    ),
    builtin!("float", [opt("x", Const::Int(0))], "A floating-point number.", b_float),
    builtin!(
        "str",
        [opt("object", Const::Str(""))],
        "The text of a value; of a packet, its summary.",
        b_str
    ),
    builtin!("repr", [req("object")], "The value as the prompt shows it.", b_repr),
    builtin!(
        "list",
        [opt("iterable", Const::None)],
        "A list of the items; list(p) enumerates a packet set.",
        b_list
    ),
    builtin!(
        "tuple",
        [opt("iterable", Const::None)],
        "A tuple of the items.",
        b_tuple
    ),
    builtin!(
        "range",
        [req("start"), opt("stop", Const::None), opt("step", Const::Int(1))],
        "The ints from start (0 if only one argument) up to stop, exclusive, by step.",
        b_range
    ),
    builtin!(
        "enumerate",
        [req("iterable"), opt("start", Const::Int(0))],
        "(index, item) pairs.",
        b_enumerate
    ),
    builtin!(
        "zip",
        [star("iterables")],
        "Tuples of the items at the same position in each iterable.",
        b_zip
    ),
    builtin!(
        "sorted",
        [
            req("iterable"),
            opt("key", Const::None),
            opt("reverse", Const::Bool(false))
        ],
        "The items in order, compared by key(item) if a key is given.",
        b_sorted
    ),
    builtin!(
        "sum",
        [req("iterable"), opt("start", Const::Int(0))],
        "The sum of the items.",
        b_sum
    ),
    builtin!(
        "min",
        [star("args"), opt("key", Const::None)],
        "The smallest item of an iterable or of the arguments.",
        b_min
    ),
    builtin!(
        "max",
        [star("args"), opt("key", Const::None)],
        "The largest item of an iterable or of the arguments.",
        b_max
    ),
    builtin!("abs", [req("x")], "The absolute value.", b_abs),
    builtin!("any", [req("iterable")], "True if any item is true.", b_any),
    builtin!("all", [req("iterable")], "True if every item is true.", b_all),
    builtin!(
        "hexdump",
        [req("x")],
        "Print a packet's frame or bytes as offset, hex and ASCII columns.",
        b_hexdump
    ),
    builtin!(bare "ls", [opt("obj", Const::None)],
        "List the layers; ls(IP) lists a layer's fields, kinds and defaults.", b_ls),
    builtin!(bare "lsc", [], "List the builtin commands.", b_lsc),
    builtin!(bare "help", [opt("obj", Const::None)], "Help on a builtin, a layer, a method or a value.", b_help),
    builtin!(
        "fuzz",
        [req("pkt")],
        "A copy of the packet whose unset fields take a fresh random value at each build.",
        b_fuzz
    ),
    builtin!("RandByte", [], "A random 8-bit value, drawn at each build.", |_, _| {
        rand(RandKind::Byte)
    }),
    builtin!(
        "RandShort",
        [],
        "A random 16-bit value, drawn at each build.",
        |_, _| rand(RandKind::Short)
    ),
    builtin!("RandInt", [], "A random 32-bit value, drawn at each build.", |_, _| {
        rand(RandKind::Int)
    }),
    builtin!("RandLong", [], "A random 64-bit value, drawn at each build.", |_, _| {
        rand(RandKind::Long)
    }),
    builtin!(
        "RandIP",
        [],
        "A random IPv4 address, drawn at each build.",
        |_, _| rand(RandKind::Ip)
    ),
    builtin!("RandIP6", [], "A random IPv6 address, drawn at each build.", |_, _| {
        rand(RandKind::Ip6)
    }),
    builtin!(
        "RandMAC",
        [],
        "A random MAC address, drawn at each build.",
        |_, _| rand(RandKind::Mac)
    ),
    builtin!(
        "RandBin",
        [opt("size", Const::Int(32))],
        "Random bytes, up to size long, drawn at each build.",
        b_randbin
    ),
    builtin!(
        "rdpcap",
        [req("filename"), opt("count", Const::Int(-1)), opt("filter", Const::None)],
        "Read a pcap or pcapng file into a PacketList: at most count packets, those a BPF filter (\"tcp port 80\") \
         accepts. As a command, rdpcap file.pcap lists the packets as it reads them (index, seconds since the \
         first, summary), then the totals, in constant memory.",
        pcap::b_rdpcap,
        command pcap::c_rdpcap
    ),
    builtin!(
        "wrpcap",
        [
            req("filename"),
            req("pkt"),
            opt("append", Const::Bool(false)),
            opt("linktype", Const::None),
            opt("nano", Const::Bool(false)),
            opt("gz", Const::Bool(false))
        ],
        "Write a packet, a PacketList or a list of them to a pcap file (replaced only once complete); append adds \
         to an existing file, linktype forces a link-type number, gz=1 compresses it with gzip.",
        pcap::b_wrpcap
    ),
    builtin!(
        "PcapReader",
        [req("filename"), opt("filter", Const::None)],
        "A capture file read one packet at a time: for p in PcapReader(\"f.pcap\"): … holds one packet in memory.",
        pcap::b_pcapreader
    ),
    builtin!(
        "PcapWriter",
        [
            req("filename"),
            opt("append", Const::Bool(false)),
            opt("linktype", Const::None),
            opt("nano", Const::Bool(false)),
            opt("gz", Const::Bool(false))
        ],
        "A pcap file written one packet at a time with w.write(p); w.close() (or the end of the program) publishes it; \
         gz=1 compresses it with gzip.",
        pcap::b_pcapwriter
    ),
    builtin!(
        "sniff",
        [
            opt("count", Const::Int(0)),
            opt("iface", Const::None),
            opt("filter", Const::None),
            opt("timeout", Const::None),
            opt("store", Const::Bool(true)),
            opt("prn", Const::None),
            opt("lfilter", Const::None),
            opt("stop_filter", Const::None),
            opt("offline", Const::None),
            opt("quiet", Const::Bool(false)),
            opt("promisc", Const::Bool(true)),
            opt("wrpcap", Const::None)
        ],
        "Capture packets into a PacketList until count (0: no limit), timeout seconds, stop_filter(p) or Ctrl-C \
         (the packets so far are kept). iface: a name or a list (default conf.iface); filter: BPF; lfilter(p) \
         keeps a packet; prn(p) is printed instead of the summary line; wrpcap=\"f.pcap\" streams to disk \
         (with store=False, in constant memory); offline=\"f.pcap\" reads a file instead (no privileges \
         needed). Prints a line per packet and libpcap's counters unless quiet.",
        live::b_sniff
    ),
    builtin!(
        "send",
        SEND_PARAMS,
        "Send packets at layer 3 (IP / IPv6, routed by the kernel): a packet, a packet set, a list or a \
         PacketList, count times (loop: until Ctrl-C), inter seconds apart or at rate packets per second.",
        live::b_send
    ),
    builtin!(
        "sendp",
        SEND_PARAMS,
        "Send frames at layer 2 on iface (default: the route's interface). An unset Ether src is the \
         interface's MAC, an unset dst the next hop's (neighbour table, then ARP / ND); unresolvable is an \
         error unless conf.broadcast_fallback.",
        live::b_sendp
    ),
    builtin!(
        "sr",
        SR_PARAMS,
        "Send at layer 3 and match the answers: ans, unans = sr(...). ans holds (sent, received) pairs \
         (ans.summary() prints them), unans is a PacketList. timeout: seconds to wait after the last packet; \
         retry: resend the unanswered (negative: until that many rounds bring nothing).",
        live::b_sr
    ),
    builtin!(
        "sr1",
        SR_PARAMS,
        "Send at layer 3 and return the first answer, or None.",
        live::b_sr1
    ),
    builtin!(
        "srp",
        SR_PARAMS,
        "Send at layer 2 (Ether filled as sendp does) and match the answers: ans, unans = srp(...).",
        live::b_srp
    ),
    builtin!(
        "srp1",
        SR_PARAMS,
        "Send at layer 2 and return the first answer, or None.",
        live::b_srp1
    ),
    builtin!(bare "ifaces", [],
        "List the network interfaces: name, index, MAC, flags (UP, LOOPBACK) and addresses.", live::b_ifaces),
    builtin!(bare "exit", [opt("code", Const::Int(0))], "Leave wirecraft with this exit code.", b_exit),
    builtin!(bare "quit", [opt("code", Const::Int(0))], "Leave wirecraft with this exit code.", b_exit),
];

/// The builtin with this name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// A `conf` setting: its name, its default and what it is for.
pub struct Setting {
    pub name: &'static str,
    pub default: Const,
    pub help: &'static str,
}

/// The `conf` settings. Values that need the machine's state (the interface) stay `None` until a command
/// that needs them looks them up, so start-up reads nothing.
pub static CONF: &[Setting] = &[
    Setting {
        name: "iface",
        default: Const::None,
        help: "interface for sending and sniffing (None: the one of the default route, found when needed)",
    },
    Setting {
        name: "verb",
        default: Const::Int(2),
        help: "verbosity of send and sniff: 0 is silent",
    },
    Setting {
        name: "color",
        default: Const::Bool(true),
        help: "colours in the REPL (NO_COLOR in the environment turns them off)",
    },
    Setting {
        name: "ifaces",
        default: Const::None,
        help: "the network interfaces (None: read from the machine when shown)",
    },
    Setting {
        name: "route",
        default: Const::None,
        help: "the IPv4 routing table (None: read from the machine when shown)",
    },
    Setting {
        name: "route6",
        default: Const::None,
        help: "the IPv6 routing table (None: read from the machine when shown)",
    },
    Setting {
        name: "broadcast_fallback",
        default: Const::Bool(false),
        help: "send to ff:ff:ff:ff:ff:ff when a next hop's MAC cannot be resolved, as Scapy does (False: an error)",
    },
];

macro_rules! method {
    ($recv:ident, $name:literal, [$($p:expr),*], $help:literal, $run:expr) => {
        MethodDef { recv: Recv::$recv, name: $name, params: &[$($p),*], help: $help, run: $run }
    };
}

/// Every method, by the kind of value it belongs to.
pub static METHODS: &[MethodDef] = &[
    method!(
        Packet,
        "show",
        [],
        "Print the fields as set, layer by layer.",
        |s, p, _| {
            let text = pkt(p).owned().show();
            s.write(&text)
        }
    ),
    method!(
        Packet,
        "show2",
        [],
        "Print the fields after building: lengths and checksums filled in.",
        |s, p, _| {
            let text = pkt(p).owned().show2();
            s.write(&text)
        }
    ),
    method!(Packet, "summary", [], "A one-line summary.", |_, p, _| {
        let p = pkt(p);
        Ok(Value::str(&p.cell.borrow().summary_from(p.start)))
    }),
    method!(
        Packet,
        "hexdump",
        [],
        "Print the built frame as offset, hex and ASCII columns.",
        |s, p, _| {
            let text = hexdump(&pkt(p).owned().build());
            s.write(&(text + "\n"))
        }
    ),
    method!(
        Packet,
        "command",
        [],
        "An expression that rebuilds the packet.",
        |_, p, _| { Ok(Value::str(&pkt(p).owned().command())) }
    ),
    method!(Packet, "build", [], "The bytes of the packet, as raw(p).", |_, p, _| {
        Ok(Value::bytes(&pkt(p).owned().build()))
    }),
    method!(
        Packet,
        "copy",
        [],
        "An independent copy: changing it leaves the original alone.",
        |_, p, _| { Ok(Value::packet(pkt(p).owned())) }
    ),
    method!(
        Packet,
        "layers",
        [],
        "The classes of the layers, lowest first.",
        |_, p, _| {
            let p = pkt(p);
            let classes = p.cell.borrow().layers()[p.start..]
                .iter()
                .map(|l| Value::Class(l.proto()))
                .collect();
            Ok(Value::list(classes))
        }
    ),
    method!(
        Packet,
        "getlayer",
        [req("cls")],
        "The layer of this class (a class, its name, or an index), with its payload; None if absent.",
        |_, p, a| Ok(layer_of(pkt(p), &a[0])?.unwrap_or(Value::None))
    ),
    method!(
        Packet,
        "haslayer",
        [req("cls")],
        "True if the packet has a layer of this class.",
        |_, p, a| { Ok(Value::Bool(layer_of(pkt(p), &a[0])?.is_some())) }
    ),
    method!(
        PacketList,
        "summary",
        [],
        "Print each packet's summary.",
        pcap::m_summary
    ),
    method!(
        PacketList,
        "nsummary",
        [],
        "Print each packet's summary, numbered.",
        pcap::m_nsummary
    ),
    method!(
        PacketList,
        "show",
        [],
        "Print each packet's summary, numbered.",
        pcap::m_nsummary
    ),
    method!(
        PacketList,
        "filter",
        [req("func")],
        "The packets func(p) is true for; with text, those a BPF filter (\"tcp port 80\") accepts.",
        pcap::m_filter
    ),
    method!(
        PacketList,
        "hexdump",
        [],
        "Print each packet's index, time of day (UTC), summary and bytes.",
        pcap::m_hexdump
    ),
    method!(
        PacketList,
        "sessions",
        [],
        "A dict of the packets by session (\"TCP a:1 > b:2\", one per direction).",
        pcap::m_sessions
    ),
    method!(
        PacketList,
        "conversations",
        [],
        "Print a table of IP conversations: packets and bytes each way, largest first.",
        pcap::m_conversations
    ),
    method!(
        PacketList,
        "stats",
        [],
        "Print the protocol hierarchy and the top talkers.",
        pcap::m_stats
    ),
    method!(
        PcapReader,
        "read_packet",
        [],
        "The next packet, or None at the end of the file.",
        pcap::m_read_packet
    ),
    method!(
        PcapReader,
        "read_all",
        [opt("count", Const::Int(-1))],
        "The rest of the file (at most count packets) as a PacketList.",
        pcap::m_read_all
    ),
    method!(PcapReader, "close", [], "Close the file.", pcap::m_reader_close),
    method!(
        PcapWriter,
        "write",
        [req("pkt")],
        "Write a packet (each packet of a set), a PacketList or a list of them.",
        pcap::m_write
    ),
    method!(
        PcapWriter,
        "close",
        [],
        "Finish the file and publish it under its name.",
        pcap::m_writer_close
    ),
    method!(
        Results,
        "summary",
        [],
        "Print each pair as request ==> answer.",
        live::m_summary
    ),
    method!(
        Results,
        "nsummary",
        [],
        "Print each pair as request ==> answer, numbered.",
        live::m_nsummary
    ),
    method!(
        Results,
        "show",
        [],
        "Print each pair as request ==> answer, numbered.",
        live::m_nsummary
    ),
    method!(
        Bytes,
        "hex",
        [],
        "The bytes as a hex string: b'\\x01\\xff'.hex() is '01ff'.",
        |_, b, _| {
            let b = as_bytes(b);
            Ok(Value::str(&b.iter().map(|x| format!("{x:02x}")).collect::<String>()))
        }
    ),
    method!(
        Bytes,
        "decode",
        [opt("encoding", Const::Str("utf-8"))],
        "The bytes as text.",
        |_, b, _| {
            String::from_utf8(as_bytes(b).to_vec())
                .map(|s| Value::str(&s))
                .map_err(|e| LangError::value_err(format!("the bytes are not UTF-8: {e}")))
        }
    ),
    method!(
        BytesType,
        "fromhex",
        [req("string")],
        "Bytes from hex digits; spaces are ignored.",
        |_, _, a| { from_hex(&text_arg(&a[0], "fromhex")?).map(|b| Value::bytes(&b)) }
    ),
    method!(
        Str,
        "encode",
        [opt("encoding", Const::Str("utf-8"))],
        "The text as UTF-8 bytes.",
        |_, s, _| { Ok(Value::bytes(as_str(s).as_bytes())) }
    ),
    method!(Str, "upper", [], "The text in upper case.", |_, s, _| Ok(Value::str(
        &as_str(s).to_uppercase()
    ))),
    method!(Str, "lower", [], "The text in lower case.", |_, s, _| Ok(Value::str(
        &as_str(s).to_lowercase()
    ))),
    method!(
        Str,
        "strip",
        [],
        "The text without leading and trailing whitespace.",
        |_, s, _| { Ok(Value::str(as_str(s).trim())) }
    ),
    method!(
        Str,
        "split",
        [opt("sep", Const::None)],
        "The parts between separators (whitespace by default).",
        |_, s, a| {
            let s = as_str(s);
            let parts: Vec<Value> = match &a[0] {
                Value::None => s.split_whitespace().map(Value::str).collect(),
                sep => s.split(&*text_arg(sep, "split")?).map(Value::str).collect(),
            };
            Ok(Value::list(parts))
        }
    ),
    method!(
        Str,
        "join",
        [req("iterable")],
        "The items (text) joined by this string.",
        |sess, s, a| {
            let items = sess.collect(&a[0])?;
            let parts = items
                .iter()
                .map(|v| text_arg(v, "join"))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::str(&parts.join(as_str(s))))
        }
    ),
    method!(
        Str,
        "startswith",
        [req("prefix")],
        "True if the text starts with prefix.",
        |_, s, a| { Ok(Value::Bool(as_str(s).starts_with(&*text_arg(&a[0], "startswith")?))) }
    ),
    method!(
        Str,
        "endswith",
        [req("suffix")],
        "True if the text ends with suffix.",
        |_, s, a| { Ok(Value::Bool(as_str(s).ends_with(&*text_arg(&a[0], "endswith")?))) }
    ),
    method!(
        Str,
        "replace",
        [req("old"), req("new")],
        "The text with every old replaced by new.",
        |_, s, a| {
            Ok(Value::str(
                &as_str(s).replace(&*text_arg(&a[0], "replace")?, &text_arg(&a[1], "replace")?),
            ))
        }
    ),
    method!(List, "append", [req("item")], "Add an item at the end.", |_, l, a| {
        list_of(l).borrow_mut().push(a[0].clone());
        Ok(Value::None)
    }),
    method!(
        List,
        "extend",
        [req("iterable")],
        "Add every item of the iterable at the end.",
        |s, l, a| {
            let items = s.collect(&a[0])?;
            list_of(l).borrow_mut().extend(items);
            Ok(Value::None)
        }
    ),
    method!(
        List,
        "pop",
        [opt("index", Const::Int(-1))],
        "Remove and return the item at index.",
        |_, l, a| {
            let mut items = list_of(l).borrow_mut();
            let i = a[0]
                .as_int()
                .ok_or_else(|| LangError::type_err("pop() takes an int index"))?;
            let n = items.len() as i128;
            let i = if i < 0 { i + n } else { i };
            if !(0..n).contains(&i) {
                return Err(LangError::new(ErrorKind::Index, "pop index out of range"));
            }
            Ok(items.remove(i as usize))
        }
    ),
    method!(
        List,
        "index",
        [req("item")],
        "Position of the first item equal to this one.",
        |_, l, a| {
            list_of(l)
                .borrow()
                .iter()
                .position(|v| v.equals(&a[0]))
                .map(|i| Value::Int(i as i128))
                .ok_or_else(|| LangError::value_err(format!("{} is not in list", a[0].repr())))
        }
    ),
    method!(
        List,
        "count",
        [req("item")],
        "How many items equal this one.",
        |_, l, a| {
            Ok(Value::Int(
                list_of(l).borrow().iter().filter(|v| v.equals(&a[0])).count() as i128,
            ))
        }
    ),
    method!(Dict, "keys", [], "The keys.", |_, d, _| Ok(Value::list(
        dict_of(d).borrow().iter().map(|(k, _)| k.clone()).collect()
    ))),
    method!(Dict, "values", [], "The values.", |_, d, _| Ok(Value::list(
        dict_of(d).borrow().iter().map(|(_, v)| v.clone()).collect()
    ))),
    method!(Dict, "items", [], "(key, value) pairs.", |_, d, _| {
        let items = dict_of(d)
            .borrow()
            .iter()
            .map(|(k, v)| Value::Tuple(Rc::from([k.clone(), v.clone()])))
            .collect();
        Ok(Value::list(items))
    }),
    method!(
        Dict,
        "get",
        [req("key"), opt("default", Const::None)],
        "The value of key, or default.",
        |_, d, a| {
            let found = dict_of(d)
                .borrow()
                .iter()
                .find(|(k, _)| k.equals(&a[0]))
                .map(|(_, v)| v.clone());
            Ok(found.unwrap_or_else(|| a[1].clone()))
        }
    ),
];

/// The method of this kind of value with this name.
pub fn method(recv: Recv, name: &str) -> Option<&'static MethodDef> {
    METHODS.iter().find(|m| m.recv == recv && m.name == name)
}

// The receivers below are guaranteed by `Recv::of`, which chose the method; the fallbacks are unreachable.

fn pkt(v: &Value) -> &Pkt {
    match v {
        Value::Packet(p) => p,
        _ => unreachable!("packet methods are looked up for packets only"),
    }
}

fn as_bytes(v: &Value) -> &[u8] {
    match v {
        Value::Bytes(b) => b,
        _ => &[],
    }
}

fn as_str(v: &Value) -> &str {
    match v {
        Value::Str(s) => s,
        _ => "",
    }
}

fn list_of(v: &Value) -> &Rc<RefCell<Vec<Value>>> {
    match v {
        Value::List(l) => l,
        _ => unreachable!("list methods are looked up for lists only"),
    }
}

fn dict_of(v: &Value) -> &Rc<RefCell<Vec<(Value, Value)>>> {
    match v {
        Value::Dict(d) => d,
        _ => unreachable!("dict methods are looked up for dicts only"),
    }
}

fn text_arg(v: &Value, func: &str) -> Result<Rc<str>, LangError> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(LangError::type_err(format!(
            "{func}() expects text, got {}",
            other.type_name()
        ))),
    }
}

/// The layer `cls` names (a class, a class name or an index) in the packet, as a packet value from there up.
pub(crate) fn layer_of(p: &Pkt, cls: &Value) -> Result<Option<Value>, LangError> {
    let pk = p.cell.borrow();
    let layers = &pk.layers()[p.start.min(pk.layers().len())..];
    let found = match cls {
        Value::Class(proto) => layers.iter().position(|l| std::ptr::eq(l.proto(), *proto)),
        Value::Str(name) => layers.iter().position(|l| l.name() == &**name),
        Value::Int(i) => usize::try_from(*i).ok().filter(|i| *i < layers.len()),
        other => {
            return Err(LangError::type_err(format!(
                "a layer is named by its class, its name or its index, not a {}",
                other.type_name()
            )))
        }
    };
    Ok(found.map(|i| {
        Value::Packet(Pkt {
            start: p.start + i,
            ..p.clone()
        })
    }))
}

fn from_hex(s: &str) -> Result<Vec<u8>, LangError> {
    let digits: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(LangError::value_err("fromhex() needs an even number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let t: String = pair.iter().collect();
            u8::from_str_radix(&t, 16).map_err(|_| LangError::value_err(format!("'{t}' is not a hex byte")))
        })
        .collect()
}

fn rand(kind: RandKind) -> Result<Value, LangError> {
    Ok(Value::Gen(Rc::new(Generator::Rand(kind))))
}

fn b_randbin(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let n = a[0].as_int().and_then(|n| usize::try_from(n).ok());
    let n = n.ok_or_else(|| LangError::value_err("RandBin(size) takes a non-negative int"))?;
    rand(RandKind::Bytes(n))
}

fn b_print(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let (Value::Tuple(objects), sep, end) = (&a[0], &a[1], &a[2]) else {
        return Ok(Value::None);
    };
    let sep = if matches!(sep, Value::None) {
        " ".into()
    } else {
        text_arg(sep, "print")?
    };
    let end = if matches!(end, Value::None) {
        "\n".into()
    } else {
        text_arg(end, "print")?
    };
    let mut line = String::new();
    for (i, v) in objects.iter().enumerate() {
        if i > 0 {
            line.push_str(&sep);
        }
        line.push_str(&s.text(v));
    }
    line.push_str(&end);
    s.write(&line)
}

fn b_len(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let n = match &a[0] {
        Value::Str(s) => s.chars().count(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.borrow().len(),
        Value::PacketList(l) => l.len(),
        Value::Results(r) => r.len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.borrow().len(),
        Value::Range(r) => return Ok(Value::Int(range_len(r))),
        Value::Packet(p) => p.owned().len(),
        other => {
            return Err(LangError::type_err(format!(
                "object of type '{}' has no len()",
                other.type_name()
            )))
        }
    };
    Ok(Value::Int(n as i128))
}

fn packet_bytes(v: &Value, func: &str) -> Result<Vec<u8>, LangError> {
    match v {
        Value::Packet(p) => Ok(p.owned().build()),
        Value::Bytes(b) => Ok(b.to_vec()),
        Value::Str(s) => Ok(s.as_bytes().to_vec()),
        other => Err(LangError::type_err(format!(
            "{func}() takes a packet, got {}",
            other.type_name()
        ))),
    }
}

fn b_raw(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    packet_bytes(&a[0], "raw").map(|b| Value::bytes(&b))
}

fn b_bytes(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    match &a[0] {
        Value::Int(n) => usize::try_from(*n)
            .map(|n| Value::bytes(&vec![0; n]))
            .map_err(|_| LangError::value_err("negative count")),
        v @ (Value::List(_) | Value::Tuple(_) | Value::Range(_)) => {
            let items = s.collect(v)?;
            let bytes = items
                .iter()
                .map(|v| v.as_int().and_then(|i| u8::try_from(i).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| LangError::value_err("bytes must be in range(0, 256)"))?;
            Ok(Value::bytes(&bytes))
        }
        v => packet_bytes(v, "bytes").map(|b| Value::bytes(&b)),
    }
}

fn b_hex(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let i = a[0]
        .as_int()
        .ok_or_else(|| LangError::type_err(format!("hex() takes an int, got {}", a[0].type_name())))?;
    Ok(Value::str(&if i < 0 {
        format!("-{:#x}", -i)
    } else {
        format!("{i:#x}")
    }))
}

fn b_int(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let base = a[1].as_int().unwrap_or(10);
    match &a[0] {
        Value::Float(f) if f.is_finite() => Ok(Value::Int(f.trunc() as i128)),
        Value::Str(s) => {
            let t = s.trim().replace('_', "");
            let (neg, t) = t.strip_prefix('-').map_or((false, t.as_str()), |r| (true, r));
            let lower = t.to_ascii_lowercase();
            let (radix, digits) = match (base, lower.get(..2)) {
                (0 | 16, Some("0x")) => (16, &t[2..]),
                (0 | 8, Some("0o")) => (8, &t[2..]),
                (0 | 2, Some("0b")) => (2, &t[2..]),
                (0, _) => (10, t),
                (b, _) => (b as u32, t),
            };
            if !(2..=36).contains(&radix) {
                return Err(LangError::value_err("int() base must be 0 or 2..36"));
            }
            i128::from_str_radix(digits, radix)
                .map(|v| Value::Int(if neg { -v } else { v }))
                .map_err(|_| {
                    LangError::value_err(format!(
                        "invalid literal for int() with base {base}: {}",
                        Value::Str(s.clone()).repr()
                    ))
                })
        }
        v => v
            .as_int()
            .map(Value::Int)
            .ok_or_else(|| LangError::type_err(format!("int() cannot convert a {}", v.type_name()))),
    }
}

fn b_float(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    match &a[0] {
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| LangError::value_err(format!("could not convert {} to float", a[0].repr()))),
        v => v
            .as_float()
            .map(Value::Float)
            .ok_or_else(|| LangError::type_err(format!("float() cannot convert a {}", v.type_name()))),
    }
}

fn b_str(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    Ok(Value::str(&s.text(&a[0])))
}

fn b_repr(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    Ok(Value::str(&s.repr(&a[0])))
}

fn b_list(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    match &a[0] {
        Value::None => Ok(Value::list(Vec::new())),
        v => s.collect(v).map(Value::list),
    }
}

fn b_tuple(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    match &a[0] {
        Value::None => Ok(Value::Tuple(Rc::from([]))),
        v => s.collect(v).map(|items| Value::Tuple(Rc::from(items))),
    }
}

fn b_range(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let int = |v: &Value| {
        v.as_int()
            .ok_or_else(|| LangError::type_err(format!("range() takes ints, got {}", v.type_name())))
    };
    let (start, stop) = match &a[1] {
        Value::None => (0, int(&a[0])?),
        stop => (int(&a[0])?, int(stop)?),
    };
    let step = int(&a[2])?;
    if step == 0 {
        return Err(LangError::value_err("range() step must not be zero"));
    }
    Ok(Value::Range(Rc::new([start, stop, step])))
}

fn b_enumerate(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let start = a[1].as_int().unwrap_or(0);
    let items = s.collect(&a[0])?;
    Ok(Value::list(
        items
            .into_iter()
            .zip(start..)
            .map(|(v, i)| Value::Tuple(Rc::from([Value::Int(i), v])))
            .collect(),
    ))
}

fn b_zip(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let Value::Tuple(its) = &a[0] else {
        return Ok(Value::list(Vec::new()));
    };
    let cols = its.iter().map(|v| s.collect(v)).collect::<Result<Vec<_>, _>>()?;
    let n = cols.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::list(
        (0..n)
            .map(|i| Value::Tuple(cols.iter().map(|c| c[i].clone()).collect()))
            .collect(),
    ))
}

/// Sorts by `key(item)` (or the items), Python's order; mixing types that do not compare is a `TypeError`.
fn sort_values(s: &mut Session, items: Vec<Value>, key: &Value) -> Result<Vec<Value>, LangError> {
    let mut keyed = Vec::with_capacity(items.len());
    for v in items {
        let k = match key {
            Value::None => v.clone(),
            f => s.call(f, vec![v.clone()], Vec::new())?,
        };
        keyed.push((k, v));
    }
    let mut bad = None;
    keyed.sort_by(|(a, _), (b, _)| {
        a.compare(b).unwrap_or_else(|| {
            bad.get_or_insert_with(|| format!("cannot compare {} with {}", a.type_name(), b.type_name()));
            Ordering::Equal
        })
    });
    match bad {
        Some(msg) => Err(LangError::type_err(msg)),
        None => Ok(keyed.into_iter().map(|(_, v)| v).collect()),
    }
}

fn b_sorted(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let items = s.collect(&a[0])?;
    let mut out = sort_values(s, items, &a[1])?;
    if a[2].truthy() {
        out.reverse();
    }
    Ok(Value::list(out))
}

fn b_sum(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let mut total = a[1].clone();
    for v in s.collect(&a[0])? {
        total = super::eval::binop(super::ast::BinOp::Add, total, v)?;
    }
    Ok(total)
}

fn extreme(s: &mut Session, a: Vec<Value>, func: &str, last: bool) -> Result<Value, LangError> {
    let Value::Tuple(args) = &a[0] else {
        return Ok(Value::None);
    };
    let items = match &args[..] {
        [one] => s.collect(one)?,
        many => many.to_vec(),
    };
    let sorted = sort_values(s, items, &a[1])?;
    let pick = if last { sorted.last() } else { sorted.first() };
    pick.cloned()
        .ok_or_else(|| LangError::value_err(format!("{func}() of an empty sequence")))
}

fn b_min(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    extreme(s, a, "min", false)
}

fn b_max(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    extreme(s, a, "max", true)
}

fn b_abs(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    match &a[0] {
        Value::Float(f) => Ok(Value::Float(f.abs())),
        v => v
            .as_int()
            .map(|i| Value::Int(i.abs()))
            .ok_or_else(|| LangError::type_err(format!("bad operand type for abs(): '{}'", v.type_name()))),
    }
}

fn b_any(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    Ok(Value::Bool(s.collect(&a[0])?.iter().any(Value::truthy)))
}

fn b_all(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    Ok(Value::Bool(s.collect(&a[0])?.iter().all(Value::truthy)))
}

fn b_hexdump(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let bytes = packet_bytes(&a[0], "hexdump")?;
    s.write(&(hexdump(&bytes) + "\n"))
}

fn b_ls(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let text = match &a[0] {
        Value::None => crate::layers::ALL
            .iter()
            .map(|p| format!("{:<10}: {}\n", p.name, p.long_name))
            .collect(),
        Value::Class(p) => p.ls(),
        Value::Packet(p) => p
            .owned()
            .layers()
            .iter()
            .map(|l| l.proto().ls())
            .collect::<Vec<_>>()
            .join("--\n"),
        Value::Str(name) => crate::layers::by_name(name)
            .map(|p| p.ls())
            .ok_or_else(|| LangError::new(ErrorKind::Name, format!("unknown layer '{name}'")))?,
        other => {
            return Err(LangError::type_err(format!(
                "ls() takes a layer class, got {}",
                other.type_name()
            )))
        }
    };
    s.write(&text)
}

fn b_lsc(s: &mut Session, _: Vec<Value>) -> Result<Value, LangError> {
    let text: String = BUILTINS
        .iter()
        .map(|b| format!("{:<10}: {}\n", b.name, b.help))
        .collect();
    s.write(&text)
}

fn b_help(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let text = match &a[0] {
        Value::None => "wirecraft: Scapy's language for packets.\n\
            Stack layers with /, e.g. p = Ether()/IP(dst=\"198.18.0.2\")/TCP(dport=80); set fields with p[TCP].dport = 443.\n\
            ls() lists the layers, ls(IP) a layer's fields, lsc() the commands, help(name) one of them.\n\
            Commands can be typed without parentheses: ls IP, help sniff.\n"
            .to_string(),
        Value::Builtin(b) => format!("{}\n    {}\n", signature(b.name, b.params), b.help),
        Value::Method(m) => format!("{}\n    {}\n", signature(m.1.name, m.1.params), m.1.help),
        Value::Class(p) => format!("{} ({}): call it with field=value arguments, or with bytes to dissect.\n{}", p.name, p.long_name, p.ls()),
        Value::Conf => CONF.iter().map(|c| format!("{:<10}: {}\n", c.name, c.help)).collect(),
        Value::Str(name) => match lookup(name) {
            Some(b) => format!("{}\n    {}\n", signature(b.name, b.params), b.help),
            None => return Err(LangError::new(ErrorKind::Name, format!("no help for '{name}'"))),
        },
        v => {
            let methods: Vec<String> = Recv::of(v)
                .map(|r| METHODS.iter().filter(|m| m.recv == r).map(|m| format!("  {}: {}", signature(m.name, m.params), m.help)).collect())
                .unwrap_or_default();
            format!("{} value. Methods:\n{}\n", v.type_name(), methods.join("\n"))
        }
    };
    s.write(&text)
}

fn b_fuzz(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    match &a[0] {
        Value::Packet(p) => Ok(Value::packet(p.owned().fuzz())),
        other => Err(LangError::type_err(format!(
            "fuzz() takes a packet, got {}",
            other.type_name()
        ))),
    }
}

fn b_exit(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let code = a[0].as_int().unwrap_or(1);
    Err(LangError::new(
        ErrorKind::Exit(i32::try_from(code).unwrap_or(1)),
        "exit",
    ))
}
