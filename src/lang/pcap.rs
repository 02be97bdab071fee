//! Capture files in the language, over [`crate::pcapio`]: `rdpcap` (a PacketList, or as a command a streamed
//! listing), `wrpcap` and the PacketList methods, and what `PcapReader` and `PcapWriter` (in their own files)
//! share with them. Library errors keep their file,
//! record and byte offset and become `FileNotFoundError`, `ValueError` (a bad filter) or `OSError`; warnings
//! (a file cut short) go to stderr, and the packets before the damage are kept.

use std::io::Write;
use std::path::Path;

use super::args::{opt, req, Args, Const};
use super::error::{ErrorKind, LangError};
use super::packet_list::PacketListValue;
use super::rows::{builtin, Builtin};
use super::session::{io_error, Session};
use super::value::{Pkt, Value};
use crate::packet::{LinkType, Packet};
use crate::pcapio::{self, Frame, Frames, PacketList, ReadOptions, WriteOptions};

/// The capture-file builtins that read no file, in the order `lsc()` lists them (`FILES` follow, then
/// `PcapReader` and `PcapWriter` from their own files).
pub(crate) static BUILTINS: &[Builtin] = &[builtin!(
    "PacketList",
    [opt("res", Const::None), opt("name", Const::Str("PacketList"))],
    "A PacketList of packets (a list of them, other PacketLists), as rdpcap and sniff return; it holds copies.",
    b_packet_list
)];

/// The builtins that read and write capture files: apart, as they reach outside the session (see
/// `table::reaches_out`); `lsc()` lists them right after `PacketList`.
pub(crate) static FILES: &[Builtin] = &[
    builtin!(
        "rdpcap",
        [req("filename"), opt("count", Const::Int(-1)), opt("filter", Const::None)],
        "Read a pcap or pcapng file into a PacketList: at most count packets, those a BPF filter (\"tcp port 80\") \
         accepts. As a command, rdpcap file.pcap lists the packets as it reads them (index, seconds since the \
         first, summary), then the totals, in constant memory.",
        b_rdpcap,
        command c_rdpcap
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
        b_wrpcap
    ),
    builtin!(
        "wrpcapng",
        [req("filename"), req("pkt")],
        "Write a packet, a PacketList or a list of them to a pcapng file (replaced only once complete), keeping \
         each frame's interface and link type (several in one file) and each interface's time resolution.",
        b_wrpcapng
    ),
];

/// The library's error as the language's, with its words (file, record, offset) unchanged.
pub(crate) fn lang_error(e: pcapio::Error) -> LangError {
    let kind = match e.kind {
        // The streamed listing reports a failed write to its output under this name: a closed pipe is a
        // quiet exit, as for any other output.
        pcapio::FileErrorKind::Io(io) if e.path == Path::new("<output>") => return io_error(io),
        pcapio::FileErrorKind::NotFound | pcapio::FileErrorKind::NoDirectory(_) => ErrorKind::FileNotFound,
        pcapio::FileErrorKind::Filter { .. } => ErrorKind::Value,
        pcapio::FileErrorKind::Stopped => ErrorKind::Interrupted,
        _ => ErrorKind::Io,
    };
    LangError::new(kind, e.to_string())
}

/// `count` (negative or None: every packet) and `filter` (a BPF expression or None).
fn read_options(a: &Args) -> Result<ReadOptions, LangError> {
    Ok(ReadOptions {
        count: a.limit("count")?,
        filter: a.text("filter")?,
    })
}

/// `rdpcap(filename, count=-1, filter=None)`: the whole file (or its first `count` matching packets) as a
/// PacketList, its frames stored compactly.
fn b_rdpcap(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let path = a.path("filename")?;
    let (list, warnings) = pcapio::read(&*path, &read_options(a)?).map_err(lang_error)?;
    warnings.iter().for_each(|w| s.warn(w));
    Ok(Value::host(PacketListValue::new(list)))
}

/// The command form `rdpcap file.pcap`: a numbered summary line per packet as it is read, then the totals,
/// holding a few batches of frames whatever the file's size. Ctrl-C ends the listing with the totals so far,
/// then stops the program as `KeyboardInterrupt`.
fn c_rdpcap(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let path = a.path("filename")?;
    let opts = read_options(a)?;
    let flag = s.interrupt_flag();
    let mut out: &mut dyn Write = s.output();
    let totals = pcapio::stream_summaries(&*path, &opts, &mut out, &flag).map_err(lang_error)?;
    totals.warnings.iter().for_each(|w| s.warn(w));
    if totals.interrupted {
        s.check_interrupt()?;
    }
    Ok(Value::None)
}

/// `wrpcap(filename, pkt, append=False, linktype=None, nano=False, gz=False)`.
fn b_packet_list(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let mut list = PacketList::new(&*a.str("name")?);
    if !matches!(a.get("res"), Value::None) {
        for item in items(s, a.get("res"), "PacketList")? {
            item.each_frame(&mut |f| {
                list.push(f);
                Ok(())
            })
            .map_err(lang_error)?;
        }
    }
    Ok(Value::host(PacketListValue::new(list)))
}

fn b_wrpcap(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    write_file(s, a, "wrpcap", &write_options(a)?)
}

/// `wrpcapng(filename, pkt)`.
fn b_wrpcapng(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    write_file(s, a, "wrpcapng", &pcapng_options())
}

/// Writes `pkt` to `filename` all or nothing, ended by Ctrl-C with the old file untouched.
fn write_file(s: &mut Session, a: &Args, func: &str, opts: &WriteOptions) -> Result<Value, LangError> {
    let path = a.path("filename")?;
    let items = items(s, a.get("pkt"), func)?;
    let flag = s.interrupt_flag();
    let written = pcapio::write_or_stop(&*path, &items, opts, &flag);
    flag.store(false, std::sync::atomic::Ordering::Relaxed);
    written.map_err(lang_error)?;
    Ok(Value::None)
}

/// What `wrpcapng` and `PcapNgWriter` write: Scapy's, with no options.
pub(crate) fn pcapng_options() -> WriteOptions {
    WriteOptions {
        pcapng: true,
        ..WriteOptions::default()
    }
}

/// `append`, `linktype`, `nano` and `gz`, as `wrpcap` and `PcapWriter` take them.
pub(crate) fn write_options(a: &Args) -> Result<WriteOptions, LangError> {
    let linktype = match a.get("linktype") {
        Value::None => None,
        v => Some(LinkType::from_dlt(
            v.as_int().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                LangError::type_err("linktype is a link-layer type number (DLT), e.g. 1 for Ethernet")
            })?,
        )),
    };
    Ok(WriteOptions {
        append: a.truthy("append"),
        linktype,
        nano: a.truthy("nano"),
        gz: a.truthy("gz"),
        keep_partial: false,
        pcapng: false,
    })
}

/// What `wrpcap` and `PcapWriter.write` write: a list's frames as they are (bytes, time, wire length; an
/// edited element built, with its time), a packet built (every packet of a set) with the packet's time.
pub(crate) enum Item {
    /// A PacketList value.
    List(Value),
    Packet(Pkt),
}

impl Item {
    /// The list of a `List` item.
    pub(crate) fn list(list: &Value) -> &PacketListValue {
        match list.as_host() {
            Some(l) => l,
            None => unreachable!("a List item holds a PacketList"),
        }
    }
}

impl Frames for Item {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), pcapio::Error>) -> Result<(), pcapio::Error> {
        match self {
            Item::List(l) => Item::list(l).each_frame(f),
            Item::Packet(p) => p.owned().iter().try_for_each(|q| {
                let data = q.build();
                f(Frame {
                    data: &data,
                    ts: p.time(),
                    wirelen: data.len() as u32,
                    link: pcapio::link_of(&q),
                    interface: 0,
                })
            }),
        }
    }

    fn needs_nanos(&self) -> bool {
        match self {
            Item::List(l) => Item::list(l).needs_nanos(),
            Item::Packet(p) => p.time().needs_nanos(),
        }
    }

    fn interfaces(&self, seen: &mut pcapio::Interfaces) {
        if let Item::List(l) = self {
            Item::list(l).interfaces(seen);
        }
    }
}

/// The items of a packet, a PacketList, or a list or tuple of them (nested), checked before anything is written.
pub(crate) fn items(s: &mut Session, v: &Value, func: &str) -> Result<Vec<Item>, LangError> {
    let mut out = Vec::new();
    push_items(s, v, func, &mut out)?;
    Ok(out)
}

/// The packets of the same arguments, for sending: a PacketList's frames dissected (and so sent exactly as
/// read, an edited element as edited), a crafted packet as it is (a packet set is expanded when it is built).
pub(crate) fn packets(s: &mut Session, v: &Value, func: &str) -> Result<Vec<Packet>, LangError> {
    let mut out = Vec::new();
    for item in items(s, v, func)? {
        match item {
            Item::List(l) => out.extend(Item::list(&l).current().packets()),
            Item::Packet(p) => out.push(p.owned()),
        }
    }
    Ok(out)
}

fn push_items(s: &mut Session, v: &Value, func: &str, out: &mut Vec<Item>) -> Result<(), LangError> {
    match v {
        Value::Packet(p) => out.push(Item::Packet(p.clone())),
        l if l.as_host::<PacketListValue>().is_some() => out.push(Item::List(l.clone())),
        Value::List(_) | Value::Tuple(_) => {
            for x in s.collect(v)? {
                push_items(s, &x, func, out)?;
            }
        }
        other => {
            return Err(LangError::type_err(format!(
                "{func}() takes packets, PacketLists and lists of them, not a {}",
                other.type_name()
            )))
        }
    }
    Ok(())
}
