//! Scapy's `PcapReader`: a capture file read one packet at a time as it is iterated, open until read to the
//! end or closed, so that `for p in PcapReader("f.pcap")` holds one packet in memory.

use std::cell::RefCell;
use std::fmt;
use std::path::Path;

use super::args::{opt, req, Args, Const};
use super::error::{ErrorKind, LangError};
use super::packet_list::{frame_value, PacketListValue};
use super::pcap::lang_error;
use super::rows::{builtin, method, Builtin, MethodDef};
use super::session::Session;
use super::value::{HostValue, Value};
use crate::pcapio::{self, PacketList, ReadOptions, Reader};

pub struct PcapReader {
    name: String,
    reader: RefCell<Option<Reader>>,
}

impl fmt::Debug for PcapReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PcapReader({:?})", self.name)
    }
}

impl fmt::Display for PcapReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<PcapReader: {}>", self.name)
    }
}

impl PcapReader {
    /// The next packet; `None` at the end or once closed. Damage is warned about and ends the file; the file
    /// is closed as soon as it ends.
    fn next_packet(&self, s: &Session) -> Option<Value> {
        let mut guard = self.reader.borrow_mut();
        let item = guard.as_mut()?.next_frame().map(|f| f.map(frame_value));
        match item {
            Some(Ok(v)) => return Some(v),
            Some(Err(e)) => s.warn(&pcapio::Warning::Damaged(e)),
            None => {}
        }
        *guard = None;
        None
    }
}

impl HostValue for PcapReader {
    fn type_name(&self) -> &'static str {
        "PcapReader"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn iterable(&self) -> bool {
        true
    }

    /// Lazily: one packet in memory at a time, however large the file.
    fn next_item(&self, s: &Session, _: usize) -> Option<Value> {
        self.next_packet(s)
    }
}

pub(crate) static BUILTINS: &[Builtin] = &[builtin!(
    "PcapReader",
    [req("filename"), opt("filter", Const::None)],
    "A capture file read one packet at a time: for p in PcapReader(\"f.pcap\"): … holds one packet in memory.",
    b_pcapreader
)];

static METHODS: &[MethodDef] = &[
    method!(
        "read_packet",
        [],
        "The next packet; at the end of the file, EOFError, as Scapy raises.",
        m_read_packet
    ),
    method!(
        "read_all",
        [opt("count", Const::Int(-1))],
        "The rest of the file (at most count packets) as a PacketList.",
        m_read_all
    ),
    method!("close", [], "Close the file.", m_close),
];

/// `PcapReader(filename, filter=None)`.
fn b_pcapreader(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let path = a.path("filename")?;
    let opts = ReadOptions {
        count: None,
        filter: a.text("filter")?,
    };
    let mut r = Reader::open(&*path, &opts).map_err(lang_error)?;
    r.take_notes().iter().for_each(|w| s.warn(w));
    Ok(Value::host(PcapReader {
        name: path.to_string(),
        reader: RefCell::new(Some(r)),
    }))
}

/// `r.read_packet()`: the next packet; `EOFError` at the end, as Scapy raises (iteration just ends).
fn m_read_packet(s: &mut Session, r: &Value, _: &Args) -> Result<Value, LangError> {
    let r = r.receiver::<PcapReader>();
    r.next_packet(s)
        .ok_or_else(|| LangError::new(ErrorKind::Eof, format!("{}: no more packets", r.name)))
}

/// `r.read_all(count=-1)`: the rest of the file (or `count` packets of it) as a PacketList.
fn m_read_all(s: &mut Session, r: &Value, a: &Args) -> Result<Value, LangError> {
    let r = r.receiver::<PcapReader>();
    let count = a.limit("count")?;
    let mut out = PacketList::new(pcapio::list_name(Path::new(&r.name)));
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
    Ok(Value::host(PacketListValue::new(out)))
}

fn m_close(_: &mut Session, r: &Value, _: &Args) -> Result<Value, LangError> {
    r.receiver::<PcapReader>().reader.borrow_mut().take();
    Ok(Value::None)
}
