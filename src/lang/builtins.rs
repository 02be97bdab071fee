//! The core builtins (Python's and Scapy's functions that need no subsystem) and the methods of the core
//! kinds of value (packets, bytes, text, lists, dicts), as table rows with their bodies.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

use super::args::{expect_text, opt, req, star, star_star, Args, Const};
use super::ast::BinOp;
use super::error::{ErrorKind, LangError};
use super::memory;
use super::ops::binop;
use super::rows::{builtin, method, Builtin, MethodDef};
use super::session::Session;
use super::sprintf::sprintf;
use super::value::{range_len, Pkt, Value};
use crate::packet::{answers_at, chexdump, hashret_from, hexdump, hexstr, FieldValue, Generator, RandKind};

/// Python's functions and Scapy's inspection commands, first in `lsc()`.
pub(crate) static BASICS: &[Builtin] = &[
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
        [req("x"), opt("dump", Const::Bool(false))],
        "Print a packet's frame or bytes as offset, hex and ASCII columns; dump=True returns the text.",
        b_hexdump
    ),
    builtin!(
        "hexstr",
        [
            req("x"),
            opt("onlyasc", Const::Bool(false)),
            opt("onlyhex", Const::Bool(false))
        ],
        "A packet's frame or bytes as hex and text on one line.",
        |_, a| Ok(Value::str(&one_line_hex(a)?))
    ),
    builtin!(
        "linehexdump",
        [
            req("x"),
            opt("onlyasc", Const::Bool(false)),
            opt("onlyhex", Const::Bool(false)),
            opt("dump", Const::Bool(false))
        ],
        "Print hexstr(x); dump=True returns it.",
        |s, a| {
            let text = one_line_hex(a)? + "\n";
            print_or_dump(s, a, text)
        }
    ),
    builtin!(
        "chexdump",
        [req("x"), opt("dump", Const::Bool(false))],
        "Print a packet's frame or bytes as C array items (0x45, 0x00, …); dump=True returns the text.",
        |s, a| {
            let text = chexdump(&packet_bytes(a.get("x"), "chexdump")?) + "\n";
            print_or_dump(s, a, text)
        }
    ),
    builtin!(bare "ls", [opt("obj", Const::None), opt("verbose", Const::Bool(false))],
        "List the layers; ls(IP) lists a layer's fields, kinds and defaults (verbose: and their values' names).", b_ls),
];

/// Scapy's fuzzing and random values.
pub(crate) static RANDOM: &[Builtin] = &[
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
];

/// Leaving the program, last in `lsc()`.
pub(crate) static EXIT: &[Builtin] = &[
    builtin!(bare "exit", [opt("code", Const::Int(0))], "Leave wirecraft with this exit code.", b_exit),
    builtin!(bare "quit", [opt("code", Const::Int(0))], "Leave wirecraft with this exit code.", b_exit),
];

/// The methods of a packet.
pub(crate) static PACKET_METHODS: &[MethodDef] = &[
    method!(
        "show",
        [opt("dump", Const::Bool(false))],
        "Print the fields as set, layer by layer; dump=True returns the text.",
        |s, p, a| print_or_dump(s, a, pkt(p).owned().show() + "\n")
    ),
    method!(
        "show2",
        [opt("dump", Const::Bool(false))],
        "Print the fields after building: lengths and checksums filled in; dump=True returns the text.",
        |s, p, a| print_or_dump(s, a, pkt(p).owned().show2() + "\n")
    ),
    method!("summary", [], "A one-line summary.", |_, p, _| {
        let p = pkt(p);
        Ok(Value::str(&p.view().summary_from(p.start)))
    }),
    method!(
        "hexdump",
        [opt("dump", Const::Bool(false))],
        "Print the built frame as offset, hex and ASCII columns; dump=True returns the text.",
        |s, p, a| print_or_dump(s, a, hexdump(&pkt(p).owned().build()) + "\n")
    ),
    method!("command", [], "An expression that rebuilds the packet.", |_, p, _| {
        Ok(Value::str(&pkt(p).owned().command()))
    }),
    method!(
        "json",
        [],
        "The fields of every layer as JSON text, as Scapy writes it.",
        |_, p, _| Ok(Value::str(&pkt(p).owned().json()))
    ),
    method!("build", [], "The bytes of the packet, as raw(p).", |_, p, _| {
        Ok(Value::bytes(&pkt(p).owned().build()))
    }),
    method!(
        "copy",
        [],
        "An independent copy: changing it leaves the original alone.",
        |_, p, _| { Ok(Value::Packet(pkt(p).copy())) }
    ),
    method!("layers", [], "The classes of the layers, lowest first.", |_, p, _| {
        let p = pkt(p);
        let classes = p.view().layers()[p.start..]
            .iter()
            .map(|l| Value::Class(l.proto()))
            .collect();
        Ok(Value::list(classes))
    }),
    method!(
        "getlayer",
        [req("cls"), opt("nb", Const::Int(1)), star_star("flt")],
        "The nb-th layer of this class (a class, its name, or an index) whose fields have the values given \
         (getlayer(IP, ttl=3)), with its payload; None if absent.",
        |_, p, a| {
            let nb = a.int("nb").and_then(|n| usize::try_from(n).ok()).unwrap_or(1);
            Ok(pkt(p)
                .nth_layer(a.get("cls"), nb, &a.get("flt").dict_pairs())?
                .unwrap_or(Value::None))
        }
    ),
    method!(
        "firstlayer",
        [],
        "The whole packet this layer is part of.",
        |_, p, _| {
            Ok(Value::Packet(Pkt {
                start: 0,
                ..pkt(p).clone()
            }))
        }
    ),
    method!("lastlayer", [], "The top layer.", |_, p, _| {
        let p = pkt(p);
        let n = p.view().layers().len();
        Ok(Value::Packet(Pkt {
            start: n.saturating_sub(1).max(p.start),
            ..p.clone()
        }))
    }),
    method!(
        "hide_defaults",
        [],
        "Forgets the fields set to their default values, in this layer and those above.",
        |_, p, _| {
            hide_defaults(pkt(p))?;
            Ok(Value::None)
        }
    ),
    method!(
        "decode_payload_as",
        [req("cls")],
        "Dissects this layer's payload again as that class, in place.",
        |_, p, a| {
            let Value::Class(proto) = a.get("cls") else {
                return Err(LangError::type_err(
                    "decode_payload_as() takes a layer class, as Raw or DNS",
                ));
            };
            let p = pkt(p);
            if p.record.is_some() {
                return Err(LangError::type_err("a record has no payload to decode"));
            }
            let mut packet = p.cell.borrow_mut();
            let above = crate::packet::Packet::new(packet.layers()[p.start + 1..].to_vec()).build();
            let payload = crate::packet::Packet::dissect_as(proto, &above);
            let layers = packet.layers_mut();
            layers.truncate(p.start + 1);
            layers.extend(payload.layers().iter().cloned());
            Ok(Value::None)
        }
    ),
    method!(
        "get_current_router",
        [],
        "For a source-route or record-route IP option: the router its pointer points at.",
        |s, p, _| {
            let routers = s.get_attr(p.clone(), "routers")?;
            let pointer = s.get_attr(p.clone(), "pointer")?.as_int().unwrap_or(0);
            let i = usize::try_from(pointer / 4 - 1)
                .map_err(|_| LangError::new(ErrorKind::Index, "the option's pointer is before its first router"))?;
            let routers = s.collect(&routers)?;
            routers
                .get(i)
                .cloned()
                .ok_or_else(|| LangError::new(ErrorKind::Index, "the option's pointer is past its last router"))
        }
    ),
    method!(
        "clear_cache",
        [],
        "Forgets the bytes the packet was read from: the next build lays it out from its fields, computing \
         lengths and checksums afresh.",
        |_, p, _| {
            let p = pkt(p);
            if p.record.is_none() {
                p.cell.borrow_mut().layers_mut();
            }
            Ok(Value::None)
        }
    ),
    method!("mysummary", [], "This layer's own part of the summary.", |_, p, _| {
        let p = pkt(p);
        let packet = p.view();
        let mut out = String::new();
        if let Some(hook) = packet.layers().get(p.start).and_then(|l| l.proto().summary) {
            hook(&packet, p.start, &mut out);
        }
        Ok(Value::str(&out))
    }),
    method!(
        "hashret",
        [],
        "The bytes a request and its answers share, as sr matches them.",
        |s, p, _| {
            let p = pkt(p);
            let mut out = Vec::new();
            hashret_from(&p.view(), p.start, &mut out, s.match_rules());
            Ok(Value::bytes(&out))
        }
    ),
    method!(
        "answers",
        [req("other")],
        "Whether this packet answers the other (a request), as sr decides.",
        |s, p, a| match a.get("other") {
            Value::Packet(q) => {
                let p = pkt(p);
                Ok(Value::Bool(answers_at(
                    &p.view(),
                    p.start,
                    &q.view(),
                    q.start,
                    s.match_rules(),
                )))
            }
            other => Err(LangError::type_err(format!(
                "answers() takes a packet, not a {}",
                other.type_name()
            ))),
        }
    ),
    method!(
        "sprintf",
        [req("format")],
        "Scapy's format language: %IP.src%, %IP:2.dst%, %-15s,IP.src%, %r,TCP.dport%, {IP:...}, {!IP:...}.",
        |_, p, a| Ok(Value::str(&sprintf(pkt(p), &a.str("format")?)?))
    ),
    method!(
        "fragment",
        [opt("fragsize", Const::Int(1480))],
        "IPv4 fragments from the first IP layer up, with at most fragsize payload bytes each.",
        |s, p, a| super::packet_tools::m_fragment(s, pkt(p), a)
    ),
    method!(
        "compress",
        [],
        "A copy with the DNS names compressed, as Scapy's DNS.compress() does.",
        |_, p, _| super::packet_tools::compressed(pkt(p))
    ),
    method!(
        "haslayer",
        [req("cls")],
        "True if the packet has a layer of this class.",
        |_, p, a| { Ok(Value::Bool(pkt(p).layer_value(a.get("cls"))?.is_some())) }
    ),
    method!(
        "route",
        [],
        "Scapy's route(): (iface, source, gateway) from the routing table, for the first IP, IPv6 or ARP layer's destination.",
        |s, p, _| Ok(packet_route(s, pkt(p)))
    ),
];

/// The methods of bytes.
pub(crate) static BYTES_METHODS: &[MethodDef] = &[
    method!(
        "hex",
        [],
        "The bytes as a hex string: b'\\x01\\xff'.hex() is '01ff'.",
        |_, b, _| {
            let b = as_bytes(b);
            Ok(Value::str(&b.iter().map(|x| format!("{x:02x}")).collect::<String>()))
        }
    ),
    method!(
        "decode",
        [opt("encoding", Const::Str("utf-8"))],
        "The bytes as text.",
        |_, b, _| {
            String::from_utf8(as_bytes(b).to_vec())
                .map(|s| Value::str(&s))
                .map_err(|e| LangError::value_err(format!("the bytes are not UTF-8: {e}")))
        }
    ),
    SEQ_UPPER,
    SEQ_LOWER,
    SEQ_STRIP,
    SEQ_LSTRIP,
    SEQ_RSTRIP,
    SEQ_SPLIT,
    SEQ_JOIN,
    SEQ_STARTSWITH,
    SEQ_ENDSWITH,
    SEQ_REPLACE,
    SEQ_FIND,
    SEQ_COUNT,
];

/// The methods of the `bytes` builtin itself: `bytes.fromhex`.
pub(crate) static BYTES_TYPE_METHODS: &[MethodDef] = &[method!(
    "fromhex",
    [req("string")],
    "Bytes from hex digits; spaces are ignored.",
    |_, _, a| { from_hex(&a.str("string")?).map(|b| Value::bytes(&b)) }
)];

/// The methods of text.
pub(crate) static STR_METHODS: &[MethodDef] = &[
    method!(
        "format",
        [star("args")],
        "The text with each {} replaced by the next argument ({0} by the first; {:04x} with a format spec).",
        |s, t, a| str_format(s, as_str(t), a.star("args"))
    ),
    method!(
        "encode",
        [opt("encoding", Const::Str("utf-8"))],
        "The text as UTF-8 bytes.",
        |_, s, _| { Ok(Value::bytes(as_str(s).as_bytes())) }
    ),
    SEQ_UPPER,
    SEQ_LOWER,
    SEQ_STRIP,
    SEQ_LSTRIP,
    SEQ_RSTRIP,
    SEQ_SPLIT,
    SEQ_JOIN,
    SEQ_STARTSWITH,
    SEQ_ENDSWITH,
    SEQ_REPLACE,
    SEQ_FIND,
    SEQ_COUNT,
];

// The methods text and bytes share: one row each, in both tables, with one body over `Seq`.

const SEQ_UPPER: MethodDef = method!("upper", [], "In upper case (bytes: ASCII letters only).", |_, v, _| {
    Ok(match v {
        Value::Bytes(b) => Value::bytes(&b.to_ascii_uppercase()),
        other => Value::str(&as_str(other).to_uppercase()),
    })
});
const SEQ_LOWER: MethodDef = method!("lower", [], "In lower case (bytes: ASCII letters only).", |_, v, _| {
    Ok(match v {
        Value::Bytes(b) => Value::bytes(&b.to_ascii_lowercase()),
        other => Value::str(&as_str(other).to_lowercase()),
    })
});
const SEQ_STRIP: MethodDef = method!(
    "strip",
    [opt("chars", Const::None)],
    "Without leading and trailing whitespace (or any of chars).",
    |_, v, a| seq_strip(v, a, Ends::Both)
);
const SEQ_LSTRIP: MethodDef = method!(
    "lstrip",
    [opt("chars", Const::None)],
    "Without leading whitespace (or any of chars).",
    |_, v, a| seq_strip(v, a, Ends::Left)
);
const SEQ_RSTRIP: MethodDef = method!(
    "rstrip",
    [opt("chars", Const::None)],
    "Without trailing whitespace (or any of chars).",
    |_, v, a| seq_strip(v, a, Ends::Right)
);
const SEQ_SPLIT: MethodDef = method!(
    "split",
    [opt("sep", Const::None), opt("maxsplit", Const::Int(-1))],
    "The parts between separators (runs of whitespace by default), at most maxsplit splits.",
    |_, v, a| {
        let (kind, units) = Seq::receiver(v);
        let max = at_most(a, "maxsplit");
        let parts = match a.get("sep") {
            Value::None => split_whitespace(&units, max, |c| kind.is_space(c)),
            sep => {
                let sep = kind.units(sep, "split")?;
                if sep.is_empty() {
                    return Err(LangError::value_err("empty separator"));
                }
                let at = occurrences(&units, &sep, max);
                cut(&units, &at, sep.len())
            }
        };
        Ok(Value::list(parts.into_iter().map(|p| kind.make(p)).collect()))
    }
);
const SEQ_JOIN: MethodDef = method!(
    "join",
    [req("iterable")],
    "The items (of this kind) joined by this separator.",
    |sess, v, a| {
        let (kind, sep) = Seq::receiver(v);
        let mut out = Vec::new();
        for (i, item) in sess.collect(a.get("iterable"))?.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&sep);
            }
            out.extend(kind.units(item, "join")?);
        }
        Ok(kind.make(&out))
    }
);
/// `startswith` / `endswith`: whether the receiver has the affix (or one of a tuple of them) where `has` looks.
fn has_affix(v: &Value, affix: &Value, method: &str, has: fn(&[char], &[char]) -> bool) -> Result<Value, LangError> {
    let (kind, units) = Seq::receiver(v);
    let found = kind.affixes(affix, method)?.iter().any(|p| has(&units, p));
    Ok(Value::Bool(found))
}

const SEQ_STARTSWITH: MethodDef = method!(
    "startswith",
    [req("prefix")],
    "True if it starts with prefix, or with one of a tuple of prefixes.",
    |_, v, a| has_affix(v, a.get("prefix"), "startswith", |units, p| units.starts_with(p))
);
const SEQ_ENDSWITH: MethodDef = method!(
    "endswith",
    [req("suffix")],
    "True if it ends with suffix, or with one of a tuple of suffixes.",
    |_, v, a| has_affix(v, a.get("suffix"), "endswith", |units, p| units.ends_with(p))
);
const SEQ_REPLACE: MethodDef = method!(
    "replace",
    [req("old"), req("new"), opt("count", Const::Int(-1))],
    "With every old (the first count ones, if count is given) replaced by new.",
    |_, v, a| {
        let (kind, units) = Seq::receiver(v);
        let max = at_most(a, "count");
        let (old, new) = (kind.units(a.get("old"), "replace"), kind.units(a.get("new"), "replace"));
        let (old, new) = (old?, new?);
        let at = occurrences(&units, &old, max);
        Ok(kind.make(&cut(&units, &at, old.len()).join(&new[..])))
    }
);
const SEQ_FIND: MethodDef = method!("find", [req("sub")], "The index of the first sub, or -1.", |_, v, a| {
    let (kind, units) = Seq::receiver(v);
    let sub = kind.units(a.get("sub"), "find")?;
    let at = occurrences(&units, &sub, 1).first().map_or(-1, |&i| i as i128);
    Ok(Value::Int(at))
});
const SEQ_COUNT: MethodDef = method!(
    "count",
    [req("sub")],
    "How many times sub occurs, not overlapping.",
    |_, v, a| {
        let (kind, units) = Seq::receiver(v);
        let sub = kind.units(a.get("sub"), "count")?;
        Ok(Value::Int(occurrences(&units, &sub, usize::MAX).len() as i128))
    }
);

/// The kind of a receiver of the methods text and bytes share. Their bodies work on code points (a byte is the
/// code point of its value), so one body serves both: the kind says what an argument must be, what whitespace
/// is, and what a result is made of.
#[derive(Clone, Copy)]
enum Seq {
    Str,
    Bytes,
}

impl Seq {
    /// The receiver's kind and code points.
    fn receiver(v: &Value) -> (Seq, Vec<char>) {
        let kind = if matches!(v, Value::Bytes(_)) {
            Seq::Bytes
        } else {
            Seq::Str
        };
        (kind, kind.units(v, "").unwrap_or_default())
    }

    /// The code points of an argument, which must be of this kind: Python's TypeError when it is not.
    fn units(self, v: &Value, func: &str) -> Result<Vec<char>, LangError> {
        match (self, v) {
            (Seq::Bytes, Value::Bytes(b)) => Ok(b.iter().map(|&x| char::from(x)).collect()),
            (Seq::Bytes, other) => Err(LangError::type_err(format!(
                "a bytes-like object is required, not '{}'",
                other.type_name()
            ))),
            (Seq::Str, v) => expect_text(v, func).map(|s| s.chars().collect()),
        }
    }

    /// The prefixes (or suffixes) of `startswith`: one of this kind, or a tuple of them.
    fn affixes(self, v: &Value, func: &str) -> Result<Vec<Vec<char>>, LangError> {
        let name = match self {
            Seq::Str => "str",
            Seq::Bytes => "bytes",
        };
        let wrong = |other: &Value| {
            LangError::type_err(format!(
                "{func} first arg must be {name} or a tuple of {name}, not {}",
                other.type_name()
            ))
        };
        let one = |v: &Value| self.units(v, func).map_err(|_| wrong(v));
        match v {
            Value::Tuple(items) => items.iter().map(one).collect(),
            v => Ok(vec![one(v)?]),
        }
    }

    fn make(self, units: &[char]) -> Value {
        match self {
            Seq::Str => Value::str(&units.iter().collect::<String>()),
            // A byte's code points are below 256, so the cast is exact.
            Seq::Bytes => Value::bytes(&units.iter().map(|&c| c as u8).collect::<Vec<u8>>()),
        }
    }

    /// Python's whitespace: Unicode's for text, ASCII's six for bytes.
    fn is_space(self, c: char) -> bool {
        match self {
            Seq::Str => c.is_whitespace(),
            Seq::Bytes => matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'),
        }
    }
}

/// Which ends `strip` works on.
#[derive(Clone, Copy)]
enum Ends {
    Left,
    Right,
    Both,
}

/// `strip`, `lstrip` and `rstrip`: whitespace, or any of `chars`, off the chosen ends.
fn seq_strip(v: &Value, a: &Args, ends: Ends) -> Result<Value, LangError> {
    let (kind, units) = Seq::receiver(v);
    let chars = match a.get("chars") {
        Value::None => None,
        chars => Some(kind.units(chars, "strip")?),
    };
    let strip = |c: &char| chars.as_ref().map_or_else(|| kind.is_space(*c), |set| set.contains(c));
    let lo = match ends {
        Ends::Right => 0,
        _ => units.iter().position(|c| !strip(c)).unwrap_or(units.len()),
    };
    let hi = match ends {
        Ends::Left => units.len(),
        _ => units.iter().rposition(|c| !strip(c)).map_or(lo, |i| i + 1),
    };
    Ok(kind.make(&units[lo..hi.max(lo)]))
}

/// A `maxsplit` or `count` argument: negative for no limit, as in Python.
fn at_most(a: &Args, name: &str) -> usize {
    a.int(name).and_then(|m| usize::try_from(m).ok()).unwrap_or(usize::MAX)
}

/// Where `needle` starts in `hay`, left to right and not overlapping, at most `max` times. An empty needle
/// occurs before every code point and at the end, as in Python (`count`, `replace`).
fn occurrences(hay: &[char], needle: &[char], max: usize) -> Vec<usize> {
    let mut at = Vec::new();
    let mut i = 0;
    while at.len() < max && i + needle.len() <= hay.len() {
        if hay[i..].starts_with(needle) {
            at.push(i);
            i += needle.len().max(1);
        } else {
            i += 1;
        }
    }
    at
}

/// The parts of `units` around the separators of length `len` that start at `at`.
fn cut<'u>(units: &'u [char], at: &[usize], len: usize) -> Vec<&'u [char]> {
    let mut parts = Vec::with_capacity(at.len() + 1);
    let mut from = 0;
    for &i in at {
        parts.push(&units[from..i]);
        from = i + len;
    }
    parts.push(&units[from..]);
    parts
}

/// `split()` without a separator: the runs between whitespace, at most `max` splits, the rest kept whole
/// (without its leading whitespace), as in Python.
fn split_whitespace(units: &[char], max: usize, space: impl Fn(char) -> bool) -> Vec<&[char]> {
    let mut parts = Vec::new();
    let mut i = 0;
    loop {
        while i < units.len() && space(units[i]) {
            i += 1;
        }
        if i == units.len() {
            return parts;
        }
        if parts.len() == max {
            parts.push(&units[i..]);
            return parts;
        }
        let end = units[i..].iter().position(|&c| space(c)).map_or(units.len(), |n| i + n);
        parts.push(&units[i..end]);
        i = end;
    }
}

/// The methods of a list.
pub(crate) static LIST_METHODS: &[MethodDef] = &[
    method!("append", [req("item")], "Add an item at the end.", |_, l, a| {
        list_of(l).borrow_mut().push(a.get("item").clone());
        Ok(Value::None)
    }),
    method!(
        "extend",
        [req("iterable")],
        "Add every item of the iterable at the end.",
        |s, l, a| {
            let items = s.collect(a.get("iterable"))?;
            list_of(l).borrow_mut().extend(items);
            Ok(Value::None)
        }
    ),
    method!(
        "pop",
        [opt("index", Const::Int(-1))],
        "Remove and return the item at index.",
        |_, l, a| {
            let mut items = list_of(l).borrow_mut();
            let i = a
                .get("index")
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
        "index",
        [req("item")],
        "Position of the first item equal to this one.",
        |_, l, a| {
            list_of(l)
                .borrow()
                .iter()
                .position(|v| v.equals(a.get("item")))
                .map(|i| Value::Int(i as i128))
                .ok_or_else(|| LangError::value_err(format!("{} is not in list", a.get("item").repr())))
        }
    ),
    method!("count", [req("item")], "How many items equal this one.", |_, l, a| {
        Ok(Value::Int(
            list_of(l).borrow().iter().filter(|v| v.equals(a.get("item"))).count() as i128,
        ))
    }),
    method!(
        "insert",
        [req("index"), req("item")],
        "Insert the item before index (from the end when negative).",
        |_, l, a| {
            let (index, item) = (a.get("index"), a.get("item").clone());
            let mut items = list_of(l).borrow_mut();
            let i = index
                .as_int()
                .ok_or_else(|| LangError::type_err("insert() takes an int index"))?;
            let n = items.len() as i128;
            let i = if i < 0 { (i + n).max(0) } else { i.min(n) };
            items.insert(i as usize, item);
            Ok(Value::None)
        }
    ),
    method!(
        "remove",
        [req("item")],
        "Remove the first item equal to this one.",
        |_, l, a| {
            let mut items = list_of(l).borrow_mut();
            let i = items
                .iter()
                .position(|v| v.equals(a.get("item")))
                .ok_or_else(|| LangError::value_err("list.remove(x): x not in list"))?;
            items.remove(i);
            Ok(Value::None)
        }
    ),
    method!("clear", [], "Remove every item.", |_, l, _| {
        list_of(l).borrow_mut().clear();
        Ok(Value::None)
    }),
    method!("reverse", [], "Reverse the items in place.", |_, l, _| {
        list_of(l).borrow_mut().reverse();
        Ok(Value::None)
    }),
    method!("copy", [], "A shallow copy.", |_, l, _| Ok(Value::list(
        list_of(l).borrow().clone()
    ))),
    method!(
        "sort",
        [opt("key", Const::None), opt("reverse", Const::Bool(false))],
        "Sort the items in place, compared by key(item) if a key is given.",
        |s, l, a| {
            let items = list_of(l).borrow().clone();
            let mut sorted = sort_values(s, items, a.get("key"))?;
            if a.get("reverse").truthy() {
                sorted.reverse();
            }
            *list_of(l).borrow_mut() = sorted;
            Ok(Value::None)
        }
    ),
];

/// The methods of a dict.
pub(crate) static DICT_METHODS: &[MethodDef] = &[
    method!("keys", [], "The keys.", |_, d, _| Ok(Value::list(
        dict_of(d).borrow().iter().map(|(k, _)| k.clone()).collect()
    ))),
    method!("values", [], "The values.", |_, d, _| Ok(Value::list(
        dict_of(d).borrow().iter().map(|(_, v)| v.clone()).collect()
    ))),
    method!("items", [], "(key, value) pairs.", |_, d, _| {
        let items = dict_of(d)
            .borrow()
            .iter()
            .map(|(k, v)| Value::Tuple(Rc::from([k.clone(), v.clone()])))
            .collect();
        Ok(Value::list(items))
    }),
    method!(
        "get",
        [req("key"), opt("default", Const::None)],
        "The value of key, or default.",
        |_, d, a| {
            let found = dict_of(d)
                .borrow()
                .iter()
                .find(|(k, _)| k.equals(a.get("key")))
                .map(|(_, v)| v.clone());
            Ok(found.unwrap_or_else(|| a.get("default").clone()))
        }
    ),
    method!(
        "pop",
        [req("key"), star("default")],
        "Remove key and return its value; the default if given when key is missing, else KeyError.",
        |_, d, a| {
            let key = a.get("key");
            let mut items = dict_of(d).borrow_mut();
            match (items.iter().position(|(k, _)| k.equals(key)), a.star("default")) {
                (Some(i), _) => Ok(items.remove(i).1),
                (None, [default]) => Ok(default.clone()),
                (None, _) => Err(LangError::new(ErrorKind::Key, key.repr())),
            }
        }
    ),
    method!(
        "setdefault",
        [req("key"), opt("default", Const::None)],
        "The value of key, first setting it to default when missing.",
        |_, d, a| {
            let (key, default) = (a.get("key"), a.get("default"));
            let mut items = dict_of(d).borrow_mut();
            match items.iter().find(|(k, _)| k.equals(key)) {
                Some((_, v)) => Ok(v.clone()),
                None => {
                    items.push((key.clone(), default.clone()));
                    Ok(default.clone())
                }
            }
        }
    ),
    method!(
        "update",
        [opt("other", Const::None), star_star("kw")],
        "Set the keys of other (a dict or (key, value) pairs) and of the keyword arguments.",
        |s, d, a| {
            let pairs = match a.get("other") {
                Value::None => Vec::new(),
                Value::Dict(o) => o.borrow().clone(),
                other => s
                    .collect(other)?
                    .iter()
                    .map(|pair| match s.collect(pair)?.as_slice() {
                        [k, v] => Ok((k.clone(), v.clone())),
                        _ => Err(LangError::value_err("dict.update() takes (key, value) pairs")),
                    })
                    .collect::<Result<_, _>>()?,
            };
            let mut items = dict_of(d).borrow_mut();
            for (k, v) in pairs.into_iter().chain(a.get("kw").dict_pairs()) {
                match items.iter_mut().find(|(x, _)| x.equals(&k)) {
                    Some(slot) => slot.1 = v,
                    None => items.push((k, v)),
                }
            }
            Ok(Value::None)
        }
    ),
    method!(
        "popitem",
        [],
        "Remove and return the last (key, value) pair added.",
        |_, d, _| {
            let (k, v) = dict_of(d)
                .borrow_mut()
                .pop()
                .ok_or_else(|| LangError::new(ErrorKind::Key, "'popitem(): dictionary is empty'"))?;
            Ok(Value::Tuple(Rc::from([k, v])))
        }
    ),
    method!("copy", [], "A shallow copy.", |_, d, _| {
        Ok(Value::Dict(Rc::new(RefCell::new(dict_of(d).borrow().clone()))))
    }),
    method!("clear", [], "Remove every key.", |_, d, _| {
        dict_of(d).borrow_mut().clear();
        Ok(Value::None)
    }),
];

// The receivers below are guaranteed by the table that chose the method; the fallbacks are unreachable.

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

fn b_randbin(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let n = a.get("size").as_int().and_then(|n| usize::try_from(n).ok());
    let n = n.ok_or_else(|| LangError::value_err("RandBin(size) takes a non-negative int"))?;
    rand(RandKind::Bytes(n))
}

fn b_print(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let (Value::Tuple(objects), sep, end) = (a.get("objects"), a.get("sep"), a.get("end")) else {
        return Ok(Value::None);
    };
    let sep = if matches!(sep, Value::None) {
        " ".into()
    } else {
        expect_text(sep, "print")?
    };
    let end = if matches!(end, Value::None) {
        "\n".into()
    } else {
        expect_text(end, "print")?
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

fn b_len(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let n = match a.get("obj") {
        Value::Str(s) => s.chars().count(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.borrow().len(),
        Value::Range(r) => return Ok(Value::Int(range_len(r))),
        Value::Packet(p) => p.owned().len(),
        other => {
            let len = match other {
                Value::Host(h) => h.size(),
                _ => None,
            };
            len.ok_or_else(|| LangError::type_err(format!("object of type '{}' has no len()", other.type_name())))?
        }
    };
    Ok(Value::Int(n as i128))
}

fn packet_bytes(v: &Value, func: &str) -> Result<Vec<u8>, LangError> {
    match v {
        Value::Packet(p) => {
            p.lists_written()?;
            Ok(p.owned().build())
        }
        Value::Bytes(b) => Ok(b.to_vec()),
        Value::Str(s) => Ok(s.as_bytes().to_vec()),
        other => Err(LangError::type_err(format!(
            "{func}() takes a packet, got {}",
            other.type_name()
        ))),
    }
}

fn b_raw(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    packet_bytes(a.get("pkt"), "raw").map(|b| Value::bytes(&b))
}

fn b_bytes(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    match a.get("source") {
        Value::Int(n) => {
            let n = usize::try_from(*n).map_err(|_| LangError::value_err("negative count"))?;
            Ok(Value::bytes(&memory::repeat(&[0u8], n)?))
        }
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

fn b_hex(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let i = a
        .get("x")
        .as_int()
        .ok_or_else(|| LangError::type_err(format!("hex() takes an int, got {}", a.get("x").type_name())))?;
    Ok(Value::str(&if i < 0 {
        format!("-{:#x}", -i)
    } else {
        format!("{i:#x}")
    }))
}

fn b_int(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let base = a.get("base").as_int().unwrap_or(10);
    match a.get("x") {
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

fn b_float(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    match a.get("x") {
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| LangError::value_err(format!("could not convert {} to float", a.get("x").repr()))),
        v => v
            .as_float()
            .map(Value::Float)
            .ok_or_else(|| LangError::type_err(format!("float() cannot convert a {}", v.type_name()))),
    }
}

fn b_str(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    Ok(Value::str(&s.text(a.get("object"))))
}

fn b_repr(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    Ok(Value::str(&s.repr(a.get("object"))))
}

fn b_list(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    match a.get("iterable") {
        Value::None => Ok(Value::list(Vec::new())),
        v => s.collect(v).map(Value::list),
    }
}

fn b_tuple(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    match a.get("iterable") {
        Value::None => Ok(Value::Tuple(Rc::from([]))),
        v => s.collect(v).map(|items| Value::Tuple(Rc::from(items))),
    }
}

fn b_range(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let int = |v: &Value| {
        v.as_int()
            .ok_or_else(|| LangError::type_err(format!("range() takes ints, got {}", v.type_name())))
    };
    let (start, stop) = match a.get("stop") {
        Value::None => (0, int(a.get("start"))?),
        stop => (int(a.get("start"))?, int(stop)?),
    };
    let step = int(a.get("step"))?;
    if step == 0 {
        return Err(LangError::value_err("range() step must not be zero"));
    }
    Ok(Value::Range(Rc::new([start, stop, step])))
}

fn b_enumerate(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let start = a.get("start").as_int().unwrap_or(0);
    let items = s.collect(a.get("iterable"))?;
    Ok(Value::list(
        items
            .into_iter()
            .zip(start..)
            .map(|(v, i)| Value::Tuple(Rc::from([Value::Int(i), v])))
            .collect(),
    ))
}

fn b_zip(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let Value::Tuple(its) = a.get("iterables") else {
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

fn b_sorted(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let items = s.collect(a.get("iterable"))?;
    let mut out = sort_values(s, items, a.get("key"))?;
    if a.get("reverse").truthy() {
        out.reverse();
    }
    Ok(Value::list(out))
}

fn b_sum(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let mut total = a.get("start").clone();
    for v in s.collect(a.get("iterable"))? {
        total = binop(BinOp::Add, total, v)?;
    }
    Ok(total)
}

fn extreme(s: &mut Session, a: &Args, func: &str, last: bool) -> Result<Value, LangError> {
    let Value::Tuple(args) = a.get("args") else {
        return Ok(Value::None);
    };
    let items = match &args[..] {
        [one] => s.collect(one)?,
        many => many.to_vec(),
    };
    let sorted = sort_values(s, items, a.get("key"))?;
    let pick = if last { sorted.last() } else { sorted.first() };
    pick.cloned()
        .ok_or_else(|| LangError::value_err(format!("{func}() of an empty sequence")))
}

fn b_min(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    extreme(s, a, "min", false)
}

fn b_max(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    extreme(s, a, "max", true)
}

fn b_abs(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    match a.get("x") {
        Value::Float(f) => Ok(Value::Float(f.abs())),
        v => v
            .as_int()
            .map(|i| Value::Int(i.abs()))
            .ok_or_else(|| LangError::type_err(format!("bad operand type for abs(): '{}'", v.type_name()))),
    }
}

fn b_any(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    Ok(Value::Bool(s.collect(a.get("iterable"))?.iter().any(Value::truthy)))
}

fn b_all(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    Ok(Value::Bool(s.collect(a.get("iterable"))?.iter().all(Value::truthy)))
}

fn b_hexdump(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let bytes = packet_bytes(a.get("x"), "hexdump")?;
    print_or_dump(s, a, hexdump(&bytes) + "\n")
}

/// Scapy's `p.fields`: what was set on the layer or read from the wire, by field name. List fields are always
/// there, first for a packet made (Scapy puts them there when it is created), in their place for one dissected.
pub(crate) fn layer_fields(p: &Pkt) -> Value {
    let packet = p.view();
    let pairs = packet.layers().get(p.start).map_or_else(Vec::new, |l| {
        let fields = l.proto().fields.iter().enumerate();
        let has = |f: usize| l.user_value(f).is_some() || l.is_from_wire(f);
        let dissected = (0..l.proto().fields.len()).any(|f| l.is_from_wire(f));
        let (lists, others): (Vec<_>, Vec<_>) = fields.partition(|(_, field)| field.list_default() && !dissected);
        lists
            .into_iter()
            .chain(others.into_iter().filter(|(f, field)| has(*f) || field.list_default()))
            .map(|(f, field)| (Value::str(field.name), super::value::from_field(l.value_at(f), field)))
            .collect()
    });
    Value::Dict(Rc::new(RefCell::new(pairs)))
}

/// Scapy's `hide_defaults`: a field set to its default is unset, from this layer up.
fn hide_defaults(p: &Pkt) -> Result<(), LangError> {
    let n = p.view().layers().len();
    for li in p.start..n {
        p.edit_layer(li, |layer| {
            let same: Vec<&str> = layer
                .user_fields()
                .filter(|&f| {
                    let field = &layer.proto().fields[f];
                    layer.user_value(f) == Some(&field.default_value(layer))
                })
                .map(|f| layer.proto().fields[f].name)
                .collect();
            for name in same {
                let _ = layer.unset(name);
            }
        })?;
    }
    Ok(())
}

/// Python's `str.format` with positional fields: `{}`, `{1}`, `{!r}`, `{:>8}`, and `{{`/`}}` for braces.
fn str_format(s: &mut Session, template: &str, args: &[Value]) -> Result<Value, LangError> {
    let mut out = String::with_capacity(template.len());
    let mut next = 0;
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
            out.push_str(&tail[..1]);
            rest = after;
            continue;
        }
        if tail.starts_with('}') {
            return Err(LangError::value_err("Single '}' encountered in format string"));
        }
        let end = tail
            .find('}')
            .ok_or_else(|| LangError::value_err("Single '{' encountered in format string"))?;
        let field = &tail[1..end];
        let (head, spec) = field.split_once(':').unwrap_or((field, ""));
        let (index, conv) = head.split_once('!').unwrap_or((head, ""));
        let i = match index {
            "" => {
                next += 1;
                next - 1
            }
            n => n.parse::<usize>().map_err(|_| {
                LangError::value_err(format!(
                    "format field '{n}' is not supported: only positions ({{}}, {{0}})"
                ))
            })?,
        };
        let v = args
            .get(i)
            .ok_or_else(|| LangError::new(ErrorKind::Index, format!("Replacement index {i} out of range")))?;
        let v = match conv {
            "r" | "a" => Value::str(&s.repr(v)),
            "s" => Value::str(&s.text(v)),
            _ => v.clone(),
        };
        out.push_str(&s.format_spec(&v, spec)?);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::str(&out))
}

/// The layers whose `route()` Scapy defines, with the field that holds their destination; every other layer
/// answers its payload's, and the end of the packet `(None, None, None)`.
const ROUTED_BY: &[(&str, &str)] = &[("IP", "dst"), ("IPv6", "dst"), ("ARP", "pdst")];

/// Scapy's `Packet.route()`: `conf.route.route(dst)` (`conf.route6` for IPv6) of the first routed layer's
/// destination (a set's first), `(None, None, None)` when that is no address (`ARP(ptype=0)`). Only reads the
/// routing table. With no route, Scapy warns and answers the loopback with unspecified addresses.
fn packet_route(s: &Session, p: &Pkt) -> Value {
    let none = || Value::Tuple(Rc::from([Value::None, Value::None, Value::None]));
    let packet = p.owned();
    let Some(dst) = packet.layers().iter().find_map(|l| {
        let (_, field) = ROUTED_BY.iter().find(|(name, _)| *name == l.name())?;
        l.get(field)
    }) else {
        return none();
    };
    let dst = match dst {
        FieldValue::Gen(g) if g.count() > 0 => g.nth(0),
        v => v,
    };
    let (dst, unspecified): (IpAddr, IpAddr) = match dst {
        FieldValue::Ip4(a) => (a.into(), Ipv4Addr::UNSPECIFIED.into()),
        FieldValue::Ip6(a) => (a.into(), Ipv6Addr::UNSPECIFIED.into()),
        _ => return none(),
    };
    let addr = |a: IpAddr| Value::str(&a.to_string());
    let (iface, src, gateway) = match crate::net::conf().route_to(dst) {
        Some(hit) => (
            Value::str(&hit.iface),
            addr(hit.src),
            addr(hit.gateway.unwrap_or(unspecified)),
        ),
        None => {
            let family = if dst.is_ipv6() { "IPv6" } else { "IPv4" };
            s.warn(&format!(
                "No route found for {family} destination {dst} (no default route?)"
            ));
            let set = s.conf("loopback_name").unwrap_or(Value::None);
            let lo = super::live::conf_value(s, "loopback_name", &set);
            (lo, addr(unspecified), addr(unspecified))
        }
    };
    Value::Tuple(Rc::from([iface, src, gateway]))
}

/// `hexstr` and `linehexdump` of the `x` argument.
fn one_line_hex(a: &Args) -> Result<String, LangError> {
    let bytes = packet_bytes(a.get("x"), "hexstr")?;
    Ok(hexstr(&bytes, a.truthy("onlyasc"), a.truthy("onlyhex")))
}

/// Scapy's `dump=` of `show`, `show2` and `hexdump`: `text` as printed (ending with the newline `print`
/// adds), or returned without that newline.
fn print_or_dump(s: &mut Session, a: &Args, mut text: String) -> Result<Value, LangError> {
    if a.truthy("dump") {
        text.pop();
        return Ok(Value::str(&text));
    }
    s.write(&text)
}

fn b_ls(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let verbose = a.truthy("verbose");
    let class = |p: &'static crate::packet::Proto| crate::packet::ls_with(p, None, verbose, |_| None);
    let text = match a.get("obj") {
        Value::None => crate::layers::REGISTRY
            .protocols()
            .iter()
            .map(|p| format!("{:<10}: {}\n", p.name, p.long_name))
            .collect(),
        Value::Class(p) => class(p),
        // Scapy's `ls(pkt)`: each layer's fields with the values it has now (stacking's included) beside the
        // defaults; a field whose condition fails reads None. Scapy lists the payload's layers without
        // `verbose`, so only the first layer has the long listing.
        Value::Packet(p) => {
            let packet = p.owned();
            let layers = packet.layers();
            (0..layers.len())
                .map(|i| {
                    let (layer, under) = (&layers[i], i.checked_sub(1).map(|b| layers[b].proto()));
                    let proto = layer.proto();
                    crate::packet::ls_with(proto, Some(layer), verbose && i == 0, |f| {
                        let f = layer.field_index(proto.fields[f].name).unwrap_or(f);
                        let field = &proto.fields[f];
                        if field.when.is_some_and(|present| !present(layer, under)) {
                            return Some("None".to_string());
                        }
                        Some(super::value::from_field(packet.value(i, f), field).repr())
                    })
                })
                .collect::<Vec<_>>()
                .join("--\n")
        }
        Value::Str(name) => crate::packet::Proto::by_name(name)
            .map(class)
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

fn b_fuzz(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    match a.get("pkt") {
        Value::Packet(p) => Ok(Value::packet(p.owned().fuzz())),
        other => Err(LangError::type_err(format!(
            "fuzz() takes a packet, got {}",
            other.type_name()
        ))),
    }
}

fn b_exit(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let code = a.get("code").as_int().unwrap_or(1);
    Err(LangError::new(
        ErrorKind::Exit(i32::try_from(code).unwrap_or(1)),
        "exit",
    ))
}
