//! Scapy's `PacketList` as a kind of value: a capture's frames stored compactly and dissected only when an
//! element is asked for. As in Scapy, the elements are packets the user can edit and the list keeps: the
//! first reading of an element makes its packet, and every later reading — by index, through a slice, a
//! filter or `+` of the list, in a loop — is that same packet, so `a[0].ttl = 1` is seen by `a[0].ttl`,
//! `summary()`, `wrpcap` and `sendp`. Only the packets taken out are kept (a sparse map, let go again once
//! unedited and unused); the rest stay frames. It prints as Scapy's per-protocol count; `pkts[i]`,
//! `pkts[TCP]`, slices, `+`, `in` and iteration work as in Scapy.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use super::args::{opt, req, Args, Const};
use super::error::LangError;
use super::load_dumps::{self, LoadDump};
use super::make_table::{self, Style};
use super::pcap::lang_error;
use super::rows::{method, MethodDef};
use super::session::Session;
use super::value::{sequence_index, HostValue, Pkt, Value};
use crate::net::Outgoing;
use crate::packet::Timestamp;
use crate::pcapio::{self, Frame, Frames, PacketList};

/// A frame as a packet value: dissected now, stamped with the frame's time.
pub fn frame_value(f: Frame<'_>) -> Value {
    Value::Packet(Pkt::captured(f.packet(), f.ts))
}

/// The language's PacketList: its frames, and whose taken packets its elements are.
#[derive(Debug)]
pub struct PacketListValue {
    frames: PacketList,
    elements: Elements,
}

/// Whose taken packets a list's elements are: a list read in owns them; a list made from others (a slice, a
/// filter, `+`) shares theirs, as Scapy's lists share their packet objects.
#[derive(Debug)]
enum Elements {
    Own(Rc<Taken>),
    /// Element `j` is `owners[at[j].0]`'s packet at `at[j].1`.
    Shared {
        owners: Vec<Rc<Taken>>,
        at: Vec<(u32, u32)>,
    },
}

/// The packets taken out of a list's frames, by position in the list that owns them.
#[derive(Debug, Default)]
struct Taken {
    /// foldhash, not std's SipHash: a loop over a list takes every element out, and hashing its key was a
    /// tenth of the loop's work.
    packets: RefCell<foldhash::HashMap<u32, Element>>,
    /// The map's size at which packets nobody uses are next let go: twice what a sweep keeps, so sweeping
    /// costs a constant per packet taken.
    sweep_at: Cell<usize>,
    /// The two packets taken last. In a loop, the one before last is let go (if nobody holds it) as the next is
    /// taken: the loop variable still holds the last one then. So a loop's packets are freed one by one, their
    /// memory reused while hot, rather than a sweep's worth at a time.
    recent: Cell<[Option<u32>; 2]>,
}

/// A taken packet, and the time of its frame (a set time is an edit).
#[derive(Debug)]
struct Element {
    pkt: Pkt,
    captured: Timestamp,
}

/// The size below which the taken packets are never swept.
const SWEEP_MIN: usize = 1024;

impl Element {
    /// Whether the packet differs from its frame: a layer edited, or its time set.
    fn edited(&self) -> bool {
        self.pkt.write_back_lists();
        self.pkt.time() != self.captured || self.pkt.cell.try_borrow().map_or(true, |p| p.wire().is_none())
    }

    /// Whether only the list holds the packet: unedited, it can be made again from its frame unnoticed.
    fn unused(&self) -> bool {
        Rc::strong_count(&self.pkt.cell) == 1 && Rc::strong_count(&self.pkt.meta) == 1
    }
}

impl Taken {
    /// The packet at `key`, made from its frame at the first reading.
    fn take(&self, key: u32, frame: Frame<'_>) -> Pkt {
        let mut packets = self.packets.borrow_mut();
        if let Some(e) = packets.get(&key) {
            return e.pkt.clone();
        }
        let [before_last, last] = self.recent.get();
        self.recent.set([last, Some(key)]);
        if let Some(k) = before_last {
            if packets.get(&k).is_some_and(|e| e.unused() && !e.edited()) {
                packets.remove(&k);
            }
        }
        if packets.len() >= self.sweep_at.get() {
            // Whether it is in use is two counts; whether it was edited is asked only of those not in use.
            packets.retain(|_, e| !e.unused() || e.edited());
            self.sweep_at.set((packets.len() * 2).max(SWEEP_MIN));
        }
        let pkt = Pkt::captured(frame.packet(), frame.ts);
        let element = Element {
            pkt: pkt.clone(),
            captured: frame.ts,
        };
        packets.insert(key, element);
        pkt
    }

    /// The packet at `key` if it was taken and edited.
    fn edited(&self, key: u32) -> Option<Pkt> {
        self.packets
            .borrow()
            .get(&key)
            .filter(|e| e.edited())
            .map(|e| e.pkt.clone())
    }

    fn is_empty(&self) -> bool {
        self.packets.borrow().is_empty()
    }
}

impl PacketListValue {
    /// A list that owns its elements: read from a file, captured, or made from packets.
    pub fn new(frames: PacketList) -> PacketListValue {
        PacketListValue {
            frames,
            elements: Elements::Own(Rc::default()),
        }
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    fn owners(&self) -> &[Rc<Taken>] {
        match &self.elements {
            Elements::Own(own) => std::slice::from_ref(own),
            Elements::Shared { owners, .. } => owners,
        }
    }

    /// Where element `j` (below `len()`) lives: its owner's index in [`Self::owners`], and its key there.
    fn at(&self, j: usize) -> (u32, u32) {
        match &self.elements {
            Elements::Own(_) => (0, j as u32),
            Elements::Shared { at, .. } => at[j],
        }
    }

    /// Element `i` (negative counts from the end), the same packet at every reading.
    fn element(&self, i: isize) -> Option<Pkt> {
        let frame = self.frames.get(i)?;
        let j = if i < 0 {
            self.len() - i.unsigned_abs()
        } else {
            i as usize
        };
        let (owner, key) = self.at(j);
        Some(self.owners()[owner as usize].take(key, frame))
    }

    /// The edited elements, by position in increasing order; none (and no look-up) while nothing was taken.
    fn edited(&self) -> Vec<(usize, Pkt)> {
        let owners = self.owners();
        if owners.iter().all(|o| o.is_empty()) {
            return Vec::new();
        }
        match &self.elements {
            Elements::Own(own) => {
                let mut edited: Vec<(usize, Pkt)> = own
                    .packets
                    .borrow()
                    .iter()
                    .filter(|(_, e)| e.edited())
                    .map(|(k, e)| (*k as usize, e.pkt.clone()))
                    .collect();
                edited.sort_unstable_by_key(|(j, _)| *j);
                edited
            }
            Elements::Shared { at, .. } => at
                .iter()
                .enumerate()
                .filter_map(|(j, (o, key))| Some((j, owners[*o as usize].edited(*key)?)))
                .collect(),
        }
    }

    /// Calls `f` with each element's frame as it is now: stored, or for an edited element every packet it
    /// stands for built, with the element's time.
    fn each_current(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), pcapio::Error>) -> Result<(), pcapio::Error> {
        let edited = self.edited();
        if edited.is_empty() {
            return self.frames.each_frame(f);
        }
        let mut edited = edited.into_iter().peekable();
        for (j, frame) in self.frames.iter().enumerate() {
            match edited.next_if(|(at, _)| *at == j) {
                Some((_, p)) => p.owned().iter().try_for_each(|q| {
                    let data = q.build();
                    f(Frame {
                        data: &data,
                        ts: p.time(),
                        wirelen: data.len() as u32,
                        ..frame
                    })
                })?,
                None => f(frame)?,
            }
        }
        Ok(())
    }

    /// The frames as they are now (see [`Self::each_current`]), copied only when an element was edited.
    pub fn current(&self) -> Cow<'_, PacketList> {
        if self.edited().is_empty() {
            return Cow::Borrowed(&self.frames);
        }
        let mut out = PacketList::new(self.frames.name());
        let copied: Result<(), pcapio::Error> = self.each_current(&mut |f| {
            out.push(f);
            Ok(())
        });
        copied.unwrap_or_else(|e| unreachable!("pushing a frame does not fail: {e}"));
        Cow::Owned(out)
    }

    /// What a send takes: the stored frames, with the edited elements' packets in their places.
    pub fn outgoing(&self) -> Outgoing<'_> {
        let edited = self.edited();
        if edited.is_empty() {
            return Outgoing::Stored(&self.frames);
        }
        Outgoing::Edited(&self.frames, edited.into_iter().map(|(j, p)| (j, p.owned())).collect())
    }

    /// The list of the elements at `positions` (each below `len()`), sharing their packets, named `name`.
    fn derive(&self, positions: Vec<usize>, name: String) -> PacketListValue {
        let mut frames = self.frames.pick(positions.iter().copied());
        frames.set_name(name);
        let at = positions.into_iter().map(|j| self.at(j)).collect();
        PacketListValue {
            frames,
            elements: Elements::Shared {
                owners: self.owners().to_vec(),
                at,
            },
        }
    }

    /// Scapy's `a + b`: a list named `a+b` of both lists' packets.
    fn concat(&self, other: &PacketListValue) -> PacketListValue {
        let mut owners = self.owners().to_vec();
        let mut at: Vec<(u32, u32)> = (0..self.len()).map(|j| self.at(j)).collect();
        let theirs: Vec<u32> = other
            .owners()
            .iter()
            .map(|o| {
                let i = owners.iter().position(|mine| Rc::ptr_eq(mine, o)).unwrap_or_else(|| {
                    owners.push(o.clone());
                    owners.len() - 1
                });
                i as u32
            })
            .collect();
        at.extend((0..other.len()).map(|j| {
            let (o, key) = other.at(j);
            (theirs[o as usize], key)
        }));
        PacketListValue {
            frames: &self.frames + &other.frames,
            elements: Elements::Shared { owners, at },
        }
    }

    /// Scapy's `pkts[TCP]`: the packets that have a layer of exactly this protocol.
    fn with_layer(&self, layer: &str) -> PacketListValue {
        let current = self.current();
        let positions = current
            .packets()
            .enumerate()
            .filter(|(_, p)| p.has(layer))
            .map(|(j, _)| j);
        self.derive(positions.collect(), format!("{layer} from {}", self.frames.name()))
    }
}

/// Scapy's repr: `<name: TCP:3 UDP:1 ICMP:0 Other:2>`, of the packets as they are now.
impl fmt::Display for PacketListValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.current().fmt(f)
    }
}

/// The frames a list writes: each element as it is now.
impl Frames for PacketListValue {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), pcapio::Error>) -> Result<(), pcapio::Error> {
        self.each_current(f)
    }

    fn needs_nanos(&self) -> bool {
        self.frames.needs_nanos() || self.edited().iter().any(|(_, p)| p.time().needs_nanos())
    }

    /// The frames' interfaces; an edited element keeps its frame's.
    fn interfaces(&self, seen: &mut pcapio::Interfaces) {
        self.frames.interfaces(seen);
    }
}

impl HostValue for PacketListValue {
    fn type_name(&self) -> &'static str {
        "PacketList"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn size(&self) -> Option<usize> {
        Some(self.len())
    }

    /// Equal when the frames are, as they are now.
    fn equals(&self, other: &dyn HostValue) -> bool {
        (*other).as_any().downcast_ref::<PacketListValue>().is_some_and(|o| {
            let (mine, theirs) = (self.current(), o.current());
            mine.iter().eq(theirs.iter())
        })
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, _: &Session, position: usize) -> Option<Value> {
        self.element(isize::try_from(position).ok()?).map(Value::Packet)
    }

    /// `pkts[i]`, or Scapy's `pkts[TCP]`: the packets that have the layer.
    fn index(&self, key: &Value) -> Result<Value, LangError> {
        Ok(match key {
            Value::Class(c) => Value::host(self.with_layer(c.name)),
            Value::Str(name) => Value::host(self.with_layer(name)),
            k => {
                let i = sequence_index(k, self.len(), "list")?;
                self.element(i as isize).map_or(Value::None, Value::Packet)
            }
        })
    }

    /// Scapy's slice: a list named `mod <name>` sharing the packets.
    fn slice(&self, positions: &dyn Fn(usize) -> Vec<usize>) -> Result<Value, LangError> {
        let name = format!("mod {}", self.frames.name());
        Ok(Value::host(self.derive(positions(self.len()), name)))
    }

    fn add(&self, other: &dyn HostValue) -> Option<Value> {
        let other = (*other).as_any().downcast_ref::<PacketListValue>()?;
        Some(Value::host(self.concat(other)))
    }

    /// A packet is in a list when a frame has its bytes.
    fn contains(&self, item: &Value) -> Option<bool> {
        let Value::Packet(p) = item else {
            return None;
        };
        let bytes = p.owned().build();
        Some(self.current().iter().any(|f| f.data == &bytes[..]))
    }
}

/// The PacketList methods.
static METHODS: &[MethodDef] = &[
    method!(
        "summary",
        [opt("prn", Const::None), opt("lfilter", Const::None)],
        "Print each packet's summary (or what prn returns for it), of those lfilter keeps.",
        m_summary
    ),
    method!(
        "nsummary",
        [opt("prn", Const::None), opt("lfilter", Const::None)],
        "Print each packet's summary (or what prn returns for it), numbered, of those lfilter keeps.",
        m_nsummary
    ),
    method!(
        "show",
        [opt("prn", Const::None), opt("lfilter", Const::None)],
        "Print each packet's summary, numbered (nsummary).",
        m_nsummary
    ),
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
    method!("hexraw", load_dumps::PARAMS, load_dumps::HEXRAW_HELP, |s, l, a| {
        m_dump_loads(s, l, a, LoadDump::Raw)
    }),
    method!("padding", load_dumps::PARAMS, load_dumps::PADDING_HELP, |s, l, a| {
        m_dump_loads(s, l, a, LoadDump::Padding)
    }),
    method!(
        "nzpadding",
        load_dumps::PARAMS,
        load_dumps::NZPADDING_HELP,
        |s, l, a| { m_dump_loads(s, l, a, LoadDump::NonZeroPadding) }
    ),
    method!("make_table", make_table::PARAMS, make_table::HELP, |s, l, a| {
        m_make_table(s, l, a, Style::Plain)
    }),
    method!(
        "make_lined_table",
        make_table::PARAMS,
        make_table::LINED_HELP,
        |s, l, a| { m_make_table(s, l, a, Style::Lined) }
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
fn list(l: &Value) -> &PacketListValue {
    l.receiver::<PacketListValue>()
}

fn m_summary(s: &mut Session, l: &Value, a: &Args) -> Result<Value, LangError> {
    match (a.get("prn"), a.get("lfilter")) {
        (Value::None, Value::None) => {
            let text = list(l).current().summary();
            s.write(&text)
        }
        _ => summary_with(s, list(l), a, false),
    }
}

fn m_nsummary(s: &mut Session, l: &Value, a: &Args) -> Result<Value, LangError> {
    match (a.get("prn"), a.get("lfilter")) {
        (Value::None, Value::None) => {
            let text = list(l).current().nsummary();
            s.write(&text)
        }
        _ => summary_with(s, list(l), a, true),
    }
}

/// Scapy's `summary(prn, lfilter)`: a line per packet `lfilter` keeps, what `prn` returns for it (its summary
/// without one), numbered by its place in the list for `nsummary`.
fn summary_with(s: &mut Session, l: &PacketListValue, a: &Args, numbered: bool) -> Result<Value, LangError> {
    for j in 0..l.len() {
        if let Some(p) = l.element(j as isize) {
            let p = Value::Packet(p);
            s.summary_line(a, vec![p.clone()], |s| s.text(&p), numbered.then_some(j))?;
        }
    }
    Ok(Value::None)
}

fn m_hexdump(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = list(l).current().hexdump();
    s.write(&text)
}

/// Scapy's `hexraw()`, `padding()` or `nzpadding()` over the list's packets.
fn m_dump_loads(s: &mut Session, l: &Value, a: &Args, dump: LoadDump) -> Result<Value, LangError> {
    let l = list(l);
    let summary = |s: &Session, _: usize, p: &Pkt| s.text(&Value::Packet(p.clone()));
    load_dumps::dump_loads(s, a, dump, l.len(), |j| l.element(j as isize), summary)
}

/// Scapy's `make_table(lambda p: (col, row, cell))` (or `make_lined_table`) over the list's packets.
fn m_make_table(s: &mut Session, l: &Value, a: &Args, style: Style) -> Result<Value, LangError> {
    let l = list(l);
    let items = (0..l.len())
        .filter_map(|j| l.element(j as isize))
        .map(|p| vec![Value::Packet(p)])
        .collect();
    make_table::make_table(s, items, a, style)
}

fn m_conversations(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = list(l).current().conversations().to_string();
    s.write(&text)
}

fn m_stats(s: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let text = list(l).current().stats().to_string();
    s.write(&text)
}

/// `pkts.filter(lambda p: …)` (the function sees the list's own packets, and the result shares them) or
/// `pkts.filter("tcp port 80")` (BPF, compiled by libpcap, over the frames as they are now).
fn m_filter(s: &mut Session, l: &Value, a: &Args) -> Result<Value, LangError> {
    let l = list(l);
    let kept = match a.get("func") {
        Value::Str(expr) => l.current().bpf_positions(expr).map_err(lang_error)?,
        f => {
            let mut kept = Vec::new();
            for j in 0..l.len() {
                s.check_interrupt()?;
                let p = l.element(j as isize).map_or(Value::None, Value::Packet);
                if s.call(f, vec![p], Vec::new())?.truthy() {
                    kept.push(j);
                }
            }
            kept
        }
    };
    Ok(Value::host(l.derive(kept, format!("filtered {}", l.frames.name()))))
}

/// `pkts.sessions()`: a dict from Scapy's session key to the PacketList of that session, sharing the packets.
fn m_sessions(_: &mut Session, l: &Value, _: &Args) -> Result<Value, LangError> {
    let l = list(l);
    let pairs = l
        .current()
        .session_positions()
        .into_iter()
        .map(|(k, positions)| (Value::str(&k), Value::host(l.derive(positions, "PacketList".into()))))
        .collect();
    Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layer;

    fn list(n: usize) -> PacketListValue {
        let mut frames = PacketList::new("t");
        let p = Layer::named("IP").unwrap() / Layer::named("UDP").unwrap();
        (0..n).for_each(|_| frames.push_packet(&p));
        PacketListValue::new(frames)
    }

    fn taken(l: &PacketListValue) -> usize {
        l.owners()[0].packets.borrow().len()
    }

    #[test]
    fn reading_every_element_keeps_only_those_still_used_or_edited() {
        let l = list(10 * SWEEP_MIN);
        let held = l.element(3).unwrap();
        let edited = l.element(5).unwrap();
        edited.set_time(Timestamp::new(7, 0));
        drop(edited);
        for j in 0..l.len() {
            l.element(j as isize).unwrap();
        }
        assert!(taken(&l) <= 2 * SWEEP_MIN, "{} packets kept", taken(&l));
        assert!(
            Rc::ptr_eq(&l.element(3).unwrap().cell, &held.cell),
            "a packet in use stays the element"
        );
        assert_eq!(
            l.element(5).unwrap().time(),
            Timestamp::new(7, 0),
            "an edit is never let go"
        );
        assert_eq!(l.edited().iter().map(|(j, _)| *j).collect::<Vec<_>>(), [5]);
    }

    #[test]
    fn an_unedited_list_sends_its_stored_frames_and_an_edited_one_its_edits() {
        let l = list(3);
        l.element(0).unwrap();
        assert!(matches!(l.outgoing(), Outgoing::Stored(_)), "read, not edited");
        let b = l.derive(vec![2, 1], "b".into());
        b.element(0).unwrap().cell.borrow_mut().layers_mut()[0]
            .set("ttl", 1)
            .unwrap();
        match l.outgoing() {
            Outgoing::Edited(_, edited) => {
                assert_eq!(edited.len(), 1);
                assert_eq!((edited[0].0, edited[0].1.get("IP", "ttl")), (2, Some(1.into())));
            }
            other => panic!("{other:?}"),
        }
        match b.outgoing() {
            Outgoing::Edited(_, edited) => assert_eq!(edited[0].0, 0, "by the position in the slice"),
            other => panic!("{other:?}"),
        }
    }
}
