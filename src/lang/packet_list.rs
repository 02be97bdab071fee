//! Scapy's `PacketList` as a kind of value: a capture's frames stored compactly and dissected only when an
//! item is asked for; immutable, so sharing it is a reference-count increment. It prints as Scapy's
//! per-protocol count; `pkts[i]`, `pkts[TCP]`, slices, `+`, `in` and iteration work as in Scapy.

use std::cell::RefCell;
use std::rc::Rc;

use super::args::{req, Args};
use super::error::LangError;
use super::pcap::lang_error;
use super::rows::{method, MethodDef};
use super::session::Session;
use super::value::{sequence_index, HostValue, Pkt, Value};
use crate::pcapio::{Frame, PacketList};

/// A frame as a packet value: dissected now, stamped with the frame's time.
pub fn frame_value(f: Frame<'_>) -> Value {
    Value::Packet(Pkt::captured(f.packet(), f.ts))
}

impl HostValue for PacketList {
    fn type_name(&self) -> &'static str {
        "PacketList"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn size(&self) -> Option<usize> {
        Some(self.len())
    }

    /// Equal when the frames are.
    fn equals(&self, other: &dyn HostValue) -> bool {
        (*other)
            .as_any()
            .downcast_ref::<PacketList>()
            .is_some_and(|o| self.iter().eq(o.iter()))
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, _: &Session, position: usize) -> Option<Value> {
        self.get(isize::try_from(position).ok()?).map(frame_value)
    }

    /// `pkts[i]`, or Scapy's `pkts[TCP]`: the packets that have the layer.
    fn index(&self, key: &Value) -> Result<Value, LangError> {
        Ok(match key {
            Value::Class(c) => Value::host(self.with_layer(c.name)),
            Value::Str(name) => Value::host(self.with_layer(name)),
            k => {
                let i = sequence_index(k, self.len(), "list")?;
                self.get(i as isize).map_or(Value::None, frame_value)
            }
        })
    }

    fn slice(&self, positions: &dyn Fn(usize) -> Vec<usize>) -> Result<Value, LangError> {
        Ok(Value::host(self.pick(positions(self.len()))))
    }

    fn add(&self, other: &dyn HostValue) -> Option<Value> {
        let other = (*other).as_any().downcast_ref::<PacketList>()?;
        Some(Value::host(self + other))
    }

    /// A packet is in a list when a frame has its bytes.
    fn contains(&self, item: &Value) -> Option<bool> {
        let Value::Packet(p) = item else {
            return None;
        };
        let bytes = p.owned().build();
        Some(self.iter().any(|f| f.data == &bytes[..]))
    }
}

/// The PacketList methods.
static METHODS: &[MethodDef] = &[
    method!("summary", [], "Print each packet's summary.", m_summary),
    method!("nsummary", [], "Print each packet's summary, numbered.", m_nsummary),
    method!("show", [], "Print each packet's summary, numbered.", m_nsummary),
    method!(
        "filter",
        [req("func")],
        "The packets func(p) is true for; with text, those a BPF filter (\"tcp port 80\") accepts.",
        m_filter
    ),
    method!(
        "hexdump",
        [],
        "Print each packet's index, time of day (UTC), summary and bytes.",
        m_hexdump
    ),
    method!(
        "sessions",
        [],
        "A dict of the packets by session (\"TCP a:1 > b:2\", one per direction).",
        m_sessions
    ),
    method!(
        "conversations",
        [],
        "Print a table of IP conversations: packets and bytes each way, largest first.",
        m_conversations
    ),
    method!(
        "stats",
        [],
        "Print the protocol hierarchy and the top talkers.",
        m_stats
    ),
];

/// The receiver of a PacketList method, which only PacketLists have.
fn m_summary(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = l.receiver::<PacketList>().summary();
    s.write(&text)
}

fn m_nsummary(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = l.receiver::<PacketList>().nsummary();
    s.write(&text)
}

fn m_hexdump(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = l.receiver::<PacketList>().hexdump();
    s.write(&text)
}

fn m_conversations(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = l.receiver::<PacketList>().conversations().to_string();
    s.write(&text)
}

fn m_stats(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = l.receiver::<PacketList>().stats().to_string();
    s.write(&text)
}

/// `pkts.filter(lambda p: …)` or `pkts.filter("tcp port 80")` (BPF, compiled by libpcap).
fn m_filter(s: &mut Session, l: &Value, a: &Args) -> Result<Value, LangError> {
    let l = l.receiver::<PacketList>();
    let kept = match a.get("func") {
        Value::Str(expr) => l.filter_bpf(expr).map_err(lang_error)?,
        f => l.try_filter(|fr| {
            s.check_interrupt()?;
            Ok::<_, LangError>(s.call(f, vec![frame_value(fr)], Vec::new())?.truthy())
        })?,
    };
    Ok(Value::host(kept))
}

/// `pkts.sessions()`: a dict from Scapy's session key to the PacketList of that session.
fn m_sessions(_: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let pairs = l
        .receiver::<PacketList>()
        .sessions()
        .into_iter()
        .map(|(k, v)| (Value::str(&k), Value::host(v)))
        .collect();
    Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
}
