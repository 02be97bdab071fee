//! Scapy's `PcapWriter` and `PcapNgWriter`: a pcap or pcapng file written one packet at a time. Like a Python
//! file, it is closed (the file published under its name) by `close()` or when the last reference to it goes.

use std::cell::RefCell;
use std::fmt;

use super::args::{opt, req, Args, Const};
use super::error::LangError;
use super::pcap::{items, lang_error, pcapng_options, write_options};
use super::rows::{builtin, method, Builtin, MethodDef};
use super::session::Session;
use super::value::{HostValue, Value};
use crate::pcapio::{FileErrorKind, Frames, WriteOptions, Writer};

pub struct PcapWriter {
    /// `PcapWriter` or `PcapNgWriter`.
    kind: &'static str,
    name: String,
    writer: RefCell<Option<Writer>>,
}

impl fmt::Debug for PcapWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?})", self.kind, self.name)
    }
}

impl fmt::Display for PcapWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}: {}>", self.kind, self.name)
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

impl HostValue for PcapWriter {
    fn type_name(&self) -> &'static str {
        self.kind
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }
}

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "PcapWriter",
        [
            req("filename"),
            opt("append", Const::Bool(false)),
            opt("linktype", Const::None),
            opt("nano", Const::Bool(false)),
            opt("gz", Const::Bool(false))
        ],
        "A pcap file written one packet at a time with w.write(p); w.close() (or the end of the program) publishes \
         it; gz=1 compresses it with gzip.",
        b_pcapwriter
    ),
    builtin!(
        "PcapNgWriter",
        [req("filename")],
        "A pcapng file written one packet at a time with w.write(p), keeping each frame's interface and link type \
         (several in one file); w.close() (or the end of the program) publishes it.",
        b_pcapngwriter
    ),
];

static METHODS: &[MethodDef] = &[
    method!(
        "write",
        [req("pkt")],
        "Write a packet (each packet of a set), a PacketList or a list of them.",
        m_write
    ),
    method!("close", [], "Finish the file and publish it under its name.", m_close),
];

/// `PcapWriter(filename, append=False, linktype=None, nano=False, gz=False)`.
fn b_pcapwriter(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    stream_writer(a, "PcapWriter", write_options(a)?)
}

/// `PcapNgWriter(filename)`.
fn b_pcapngwriter(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    stream_writer(a, "PcapNgWriter", pcapng_options())
}

fn stream_writer(a: &Args, kind: &'static str, opts: WriteOptions) -> Result<Value, LangError> {
    let path = a.path("filename")?;
    // A stream: if the disk fills, the packets written so far are kept in the file, and the error says so.
    let opts = WriteOptions {
        keep_partial: true,
        ..opts
    };
    let w = Writer::create(&*path, &opts).map_err(lang_error)?;
    Ok(Value::host(PcapWriter {
        kind,
        name: path.to_string(),
        writer: RefCell::new(Some(w)),
    }))
}

/// `w.write(pkt)`: a packet, a PacketList, or a list of them.
fn m_write(s: &mut Session, w: &Value, a: &Args) -> Result<Value, LangError> {
    let items = items(s, a.get("pkt"), "write")?;
    let w = w.receiver::<PcapWriter>();
    let mut guard = w.writer.borrow_mut();
    let out = guard
        .as_mut()
        .ok_or_else(|| LangError::value_err(format!("write to a closed {} ({})", w.kind, w.name)))?;
    let written = items.each_frame(&mut |f| out.write_frame(f));
    if let Err(e) = written {
        // Cut short (disk full): what was written is published; the writer is done.
        if matches!(e.kind, FileErrorKind::StreamCut { .. }) {
            *guard = None;
        }
        return Err(lang_error(e));
    }
    Ok(Value::None)
}

/// `w.close()`: publishes the file under its name. Closing twice does nothing.
fn m_close(_: &mut Session, w: &Value, _: &Args) -> Result<Value, LangError> {
    if let Some(out) = w.receiver::<PcapWriter>().writer.borrow_mut().take() {
        out.close().map_err(lang_error)?;
    }
    Ok(Value::None)
}
