//! Capture files in the language, over [`crate::pcapio`]: `rdpcap` (a PacketList, or as a command a streamed
//! listing), `wrpcap`, `PcapReader`, `PcapWriter` and the PacketList methods. Library errors keep their file,
//! record and byte offset and become `FileNotFoundError`, `ValueError` (a bad filter) or `OSError`; warnings
//! (a file cut short) go to stderr, and the packets before the damage are kept.

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;

use super::error::{ErrorKind, LangError};
use super::eval::Session;
use super::value::{Pkt, Value};
use crate::packet::{LinkType, Packet};
use crate::pcapio::{self, Frame, Frames, PacketList, ReadOptions, Reader, WriteOptions, Writer};

/// A frame as a packet value: dissected now, stamped with the frame's time.
pub(crate) fn frame_value(f: Frame<'_>) -> Value {
    Value::Packet(Pkt::captured(f.packet(), f.ts))
}

/// The library's error as the language's, with its words (file, record, offset) unchanged.
pub(crate) fn lang_error(e: pcapio::Error) -> LangError {
    let kind = match e.kind {
        // The streamed listing reports a failed write to its output under this name: a closed pipe is a
        // quiet exit, as for any other output.
        pcapio::ErrorKind::Io(io) if e.path == Path::new("<output>") => return super::eval::io_error(io),
        pcapio::ErrorKind::NotFound => ErrorKind::FileNotFound,
        pcapio::ErrorKind::Filter { .. } => ErrorKind::Value,
        _ => ErrorKind::Io,
    };
    LangError::new(kind, e.to_string())
}

fn path_arg(v: &Value, func: &str) -> Result<Rc<str>, LangError> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(LangError::type_err(format!(
            "{func}() takes a file name, got {}",
            other.type_name()
        ))),
    }
}

/// `count` (negative or None: every packet) and `filter` (a BPF expression or None).
fn read_options(count: &Value, filter: &Value) -> Result<ReadOptions, LangError> {
    let count = match count {
        Value::None => None,
        v => match v.as_int() {
            Some(n) => usize::try_from(n).ok(),
            None => {
                return Err(LangError::type_err(format!(
                    "count must be an int, not {}",
                    v.type_name()
                )))
            }
        },
    };
    let filter = match filter {
        Value::None => None,
        Value::Str(s) => Some(s.to_string()),
        v => {
            return Err(LangError::type_err(format!(
                "filter must be text, not {}",
                v.type_name()
            )))
        }
    };
    Ok(ReadOptions { count, filter })
}

/// `rdpcap(filename, count=-1, filter=None)`: the whole file (or its first `count` matching packets) as a
/// PacketList, its frames stored compactly.
pub(crate) fn b_rdpcap(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let path = path_arg(&a[0], "rdpcap")?;
    let (list, warnings) = pcapio::read(&*path, &read_options(&a[1], &a[2])?).map_err(lang_error)?;
    warnings.iter().for_each(|w| s.warn(w));
    Ok(Value::PacketList(Rc::new(list)))
}

/// The command form `rdpcap file.pcap`: a numbered summary line per packet as it is read, then the totals,
/// holding a few batches of frames whatever the file's size. Ctrl-C ends the listing with the totals so far,
/// then stops the program as `KeyboardInterrupt`.
pub(crate) fn c_rdpcap(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let path = path_arg(&a[0], "rdpcap")?;
    let opts = read_options(&a[1], &a[2])?;
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
pub(crate) fn b_wrpcap(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let path = path_arg(&a[0], "wrpcap")?;
    let items = items(s, &a[1], "wrpcap")?;
    pcapio::write(&*path, &items, &write_options(&a[2], &a[3], &a[4], &a[5])?).map_err(lang_error)?;
    Ok(Value::None)
}

/// `append`, `linktype`, `nano` and `gz`, as `wrpcap` and `PcapWriter` take them.
fn write_options(append: &Value, linktype: &Value, nano: &Value, gz: &Value) -> Result<WriteOptions, LangError> {
    let linktype = match linktype {
        Value::None => None,
        v => Some(LinkType::from_dlt(
            v.as_int().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                LangError::type_err("linktype is a link-layer type number (DLT), e.g. 1 for Ethernet")
            })?,
        )),
    };
    Ok(WriteOptions {
        append: append.truthy(),
        linktype,
        nano: nano.truthy(),
        gz: gz.truthy(),
    })
}

/// What `wrpcap` and `PcapWriter.write` write: a list's frames as they are (bytes, time, wire length), a
/// packet built (every packet of a set) with the packet's time.
pub(crate) enum Item {
    List(Rc<PacketList>),
    Packet(Pkt),
}

impl Frames for Item {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), pcapio::Error>) -> Result<(), pcapio::Error> {
        match self {
            Item::List(l) => l.each_frame(f),
            Item::Packet(p) => p.owned().iter().try_for_each(|q| {
                let data = q.build();
                f(Frame {
                    data: &data,
                    ts: p.time,
                    wirelen: data.len() as u32,
                    link: pcapio::link_of(&q),
                })
            }),
        }
    }

    fn needs_nanos(&self) -> bool {
        match self {
            Item::List(l) => l.needs_nanos(),
            Item::Packet(p) => p.time.needs_nanos(),
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
/// read), a crafted packet as it is (a packet set is expanded when it is built).
pub(crate) fn packets(s: &mut Session, v: &Value, func: &str) -> Result<Vec<Packet>, LangError> {
    let mut out = Vec::new();
    for item in items(s, v, func)? {
        match item {
            Item::List(l) => out.extend(l.packets()),
            Item::Packet(p) => out.push(p.owned()),
        }
    }
    Ok(out)
}

fn push_items(s: &mut Session, v: &Value, func: &str, out: &mut Vec<Item>) -> Result<(), LangError> {
    match v {
        Value::PacketList(l) => out.push(Item::List(l.clone())),
        Value::Packet(p) => out.push(Item::Packet(p.clone())),
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

/// `PcapReader(filename)`: open until read to the end or closed; iterating it reads the next packet.
pub struct PcapReader {
    name: String,
    reader: RefCell<Option<Reader>>,
}

impl fmt::Debug for PcapReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PcapReader({:?})", self.name)
    }
}

impl PcapReader {
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The reader's next packet; `None` at the end or once closed. Damage is warned about and ends the file; the
/// file is closed as soon as it ends.
pub(crate) fn next_packet(s: &Session, r: &PcapReader) -> Option<Value> {
    let mut guard = r.reader.borrow_mut();
    let item = guard.as_mut()?.next_frame().map(|f| f.map(frame_value));
    match item {
        Some(Ok(v)) => return Some(v),
        Some(Err(e)) => s.warn(&pcapio::Warning::Damaged(e)),
        None => {}
    }
    *guard = None;
    None
}

pub(crate) fn b_pcapreader(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let path = path_arg(&a[0], "PcapReader")?;
    let mut r = Reader::open(&*path, &read_options(&Value::None, &a[1])?).map_err(lang_error)?;
    r.take_notes().iter().for_each(|w| s.warn(w));
    Ok(Value::PcapReader(Rc::new(PcapReader {
        name: path.to_string(),
        reader: RefCell::new(Some(r)),
    })))
}

/// `PcapWriter(filename, append=False, linktype=None, nano=False, gz=False)`. Like a Python file, it is closed (the
/// file published under its name) by `close()` or when the last reference to it goes.
pub struct PcapWriter {
    name: String,
    writer: RefCell<Option<Writer>>,
}

impl fmt::Debug for PcapWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PcapWriter({:?})", self.name)
    }
}

impl PcapWriter {
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PcapWriter {
    fn drop(&mut self) {
        if let Some(w) = self.writer.get_mut().take() {
            if let Err(e) = w.close() {
                eprintln!("warning: {e}");
            }
        }
    }
}

pub(crate) fn b_pcapwriter(_: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    let path = path_arg(&a[0], "PcapWriter")?;
    let w = Writer::create(&*path, &write_options(&a[1], &a[2], &a[3], &a[4])?).map_err(lang_error)?;
    Ok(Value::PcapWriter(Rc::new(PcapWriter {
        name: path.to_string(),
        writer: RefCell::new(Some(w)),
    })))
}

// Methods. Their receivers are guaranteed by `Recv::of`, which chose the method.

fn list(v: &Value) -> &Rc<PacketList> {
    match v {
        Value::PacketList(l) => l,
        _ => unreachable!("PacketList methods are looked up for PacketLists only"),
    }
}

fn reader(v: &Value) -> &PcapReader {
    match v {
        Value::PcapReader(r) => r,
        _ => unreachable!("PcapReader methods are looked up for PcapReaders only"),
    }
}

fn writer(v: &Value) -> &PcapWriter {
    match v {
        Value::PcapWriter(w) => w,
        _ => unreachable!("PcapWriter methods are looked up for PcapWriters only"),
    }
}

pub(crate) fn m_summary(s: &mut Session, l: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let text = list(l).summary();
    s.write(&text)
}

pub(crate) fn m_nsummary(s: &mut Session, l: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let text = list(l).nsummary();
    s.write(&text)
}

pub(crate) fn m_hexdump(s: &mut Session, l: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let text = list(l).hexdump();
    s.write(&text)
}

pub(crate) fn m_conversations(s: &mut Session, l: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let text = list(l).conversations().to_string();
    s.write(&text)
}

pub(crate) fn m_stats(s: &mut Session, l: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let text = list(l).stats().to_string();
    s.write(&text)
}

/// `pkts.filter(lambda p: …)` or `pkts.filter("tcp port 80")` (BPF, compiled by libpcap).
pub(crate) fn m_filter(s: &mut Session, l: &Value, a: Vec<Value>) -> Result<Value, LangError> {
    let l = list(l);
    let kept = match &a[0] {
        Value::Str(expr) => l.filter_bpf(expr).map_err(lang_error)?,
        f => l.try_filter(|fr| {
            s.check_interrupt()?;
            Ok::<_, LangError>(s.call(f, vec![frame_value(fr)], Vec::new())?.truthy())
        })?,
    };
    Ok(Value::PacketList(Rc::new(kept)))
}

/// `pkts.sessions()`: a dict from Scapy's session key to the PacketList of that session.
pub(crate) fn m_sessions(_: &mut Session, l: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let pairs = list(l)
        .sessions()
        .into_iter()
        .map(|(k, v)| (Value::str(&k), Value::PacketList(Rc::new(v))))
        .collect();
    Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
}

/// `r.read_packet()`: the next packet, or None at the end.
pub(crate) fn m_read_packet(s: &mut Session, r: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    Ok(next_packet(s, reader(r)).unwrap_or(Value::None))
}

/// `r.read_all(count=-1)`: the rest of the file (or `count` packets of it) as a PacketList.
pub(crate) fn m_read_all(s: &mut Session, r: &Value, a: Vec<Value>) -> Result<Value, LangError> {
    let r = reader(r);
    let count = read_options(&a[0], &Value::None)?.count;
    let mut out = PacketList::new(pcapio::list_name(Path::new(r.name())));
    let mut guard = r.reader.borrow_mut();
    while count.is_none_or(|c| out.len() < c) {
        let Some(rd) = guard.as_mut() else { break };
        match rd.next_frame() {
            Some(Ok(f)) => out.push(f),
            Some(Err(e)) => {
                s.warn(&pcapio::Warning::Damaged(e));
                *guard = None;
            }
            None => *guard = None,
        }
    }
    Ok(Value::PacketList(Rc::new(out)))
}

pub(crate) fn m_reader_close(_: &mut Session, r: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    reader(r).reader.borrow_mut().take();
    Ok(Value::None)
}

/// `w.write(pkt)`: a packet, a PacketList, or a list of them.
pub(crate) fn m_write(s: &mut Session, w: &Value, a: Vec<Value>) -> Result<Value, LangError> {
    let items = items(s, &a[0], "write")?;
    let w = writer(w);
    let mut guard = w.writer.borrow_mut();
    let out = guard
        .as_mut()
        .ok_or_else(|| LangError::value_err(format!("write to a closed PcapWriter ({})", w.name)))?;
    items.each_frame(&mut |f| out.write_frame(f)).map_err(lang_error)?;
    Ok(Value::None)
}

/// `w.close()`: publishes the file under its name. Closing twice does nothing.
pub(crate) fn m_writer_close(_: &mut Session, w: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    if let Some(out) = writer(w).writer.borrow_mut().take() {
        out.close().map_err(lang_error)?;
    }
    Ok(Value::None)
}
