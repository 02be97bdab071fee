//! The language's values. Containers and packets are shared by reference, as in Python: `q = p; q.ttl = 3`
//! changes `p`, `p[TCP].dport = 443` writes through to `p`, and `p.copy()` makes an independent packet.
//! Cloning a value is a reference-count increment, so loops over millions of packets copy nothing.

use std::any::Any;
use std::cell::{Cell, Ref, RefCell};
use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::ops::Deref;
use std::rc::{Rc, Weak};

use super::ast::Lambda;
use super::error::{ErrorKind, LangError};
use super::rows::{Builtin, MethodDef};
use super::session::Session;
use crate::packet::field::{flags_repr, Field, Show};
use crate::packet::value::{fmt_mac, py_bytes, py_str, Generator};
use crate::packet::{self, Found, Layer, Packet, Proto, RecordPath, Target, Timestamp};

#[derive(Clone, Debug)]
pub enum Value {
    None,
    Bool(bool),
    /// Python's int, within 128 bits; arithmetic past that is an `OverflowError`.
    Int(i128),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<[Value]>),
    /// Insertion-ordered pairs; dictionaries here are small, so lookups are linear.
    Dict(Rc<RefCell<Vec<(Value, Value)>>>),
    /// `range(start, stop, step)`, iterated lazily.
    Range(Rc<[i128; 3]>),
    Packet(Pkt),
    /// A value a subsystem defines (a capture file being read, `sr`'s answers, the machine's tables): what it
    /// is, prints as and does is its [`HostValue`] implementation.
    Host(Rc<dyn HostValue>),
    /// A protocol class: `TCP`. Calling it builds or dissects a layer.
    Class(&'static Proto),
    Builtin(&'static Builtin),
    /// A method bound to its receiver: `p.show`.
    Method(Rc<(Value, &'static MethodDef)>),
    Lambda(Rc<Closure>),
    /// A flags field's value, as Scapy's `FlagValue`: an int that prints and compares as its letters.
    Flag(u64, &'static Field),
    /// A set or random engine value read from a field or made by `RandShort()`.
    Gen(Rc<Generator>),
    /// The `conf` object.
    Conf,
}

/// A packet value: a shared packet, the layer this value starts at (`p[TCP]` starts at TCP), its time, and, for a
/// record (`p[DNSQR]`), where the record lies in the packet.
#[derive(Clone, Debug)]
pub struct Pkt {
    pub cell: Rc<RefCell<Packet>>,
    /// The first layer of this value; 0 for a record, which is a packet of one layer.
    pub start: usize,
    /// What every value of the packet shares besides the packet: its time, and how often its record lists were
    /// replaced.
    pub meta: Rc<Meta>,
    /// Set when this value is a record inside one of the packet's packet-list fields: reading and editing go to
    /// that record, so an edit is the packet's, as in Scapy.
    pub record: Option<Rc<RecordRef>>,
}

/// What the values of one packet share besides the packet.
#[derive(Debug)]
pub struct Meta {
    /// Scapy's `p.time`: when the packet was captured, or made (a file written from it keeps this time).
    /// Shared as the packet is, so that `p.time = t` is seen through every value of the packet.
    pub time: Cell<Timestamp>,
    /// Scapy's `p.sent_time`: when `sr` last sent the packet, `None` for one never sent. `copy()` does not keep
    /// it, as Scapy's does not.
    pub sent_time: Cell<Option<Timestamp>>,
    /// Counts the times a packet-list field of the packet was given a new list: a record value taken before
    /// then may name another record now, so it no longer reads or edits the packet.
    lists_replaced: Cell<u32>,
    /// The lists read from the packet's list fields (`p[TCP].options`, `p.options[0].addresses`): as in
    /// Scapy, such a list is the field's, so a change to it (`append`, `l[0] = x`) is the packet's. Each is
    /// written back when the packet is next read or edited (see [`Pkt::write_back_lists`]).
    lists: RefCell<Vec<BoundList>>,
    /// Whether this packet is in [`BOUND`], the packets [`collect_list_cycles`] looks at.
    swept: Cell<bool>,
}

thread_local! {
    /// The packets that handed out a list (see [`Meta::lists`]). A bound list whose elements are the packet's
    /// own values (its records, `l = p.qd`) and the packet hold each other: a reference cycle that counting
    /// alone never frees. [`collect_list_cycles`] frees those nothing else reaches, as Python's collector does.
    static BOUND: RefCell<Bound> = const { RefCell::new(Bound { packets: Vec::new(), sweep_at: SWEEP_FIRST }) };
}

/// How many packets [`BOUND`] holds before its first sweep: after a sweep, twice what survived it, so that
/// sweeping costs a constant per list handed out however many packets a loop reads.
const SWEEP_FIRST: usize = 1024;

struct Bound {
    packets: Vec<Weak<Meta>>,
    sweep_at: usize,
}

/// Frees every packet that only its own bound lists still reach (see [`BOUND`]). Called after each run of a
/// session and when the session ends; between runs, as [`BOUND`] grows.
pub fn collect_list_cycles() {
    let Ok(packets) = BOUND.try_with(|b| std::mem::take(&mut b.borrow_mut().packets)) else {
        return;
    };
    let mut kept = Vec::with_capacity(packets.len());
    for weak in packets {
        let Some(meta) = weak.upgrade() else { continue };
        if meta.reached_only_by_its_lists() {
            let lists = std::mem::take(&mut *meta.lists.borrow_mut());
            meta.swept.set(false);
            drop(meta);
            drop(lists);
        } else {
            kept.push(weak);
        }
    }
    BOUND.with(|b| {
        let mut b = b.borrow_mut();
        // Packets bound while the freed lists were dropped came in meanwhile.
        kept.append(&mut b.packets);
        b.sweep_at = (2 * kept.len()).max(SWEEP_FIRST);
        b.packets = kept;
    });
}

impl Meta {
    /// Whether every reference to this packet's values is an element of one of its own bound lists that
    /// nothing else holds (the sweep's own reference aside). Conservative: a reference from anywhere else —
    /// a variable, a record value taken out of the list, a list the user holds — keeps the packet.
    fn reached_only_by_its_lists(self: &Rc<Meta>) -> bool {
        let Ok(lists) = self.lists.try_borrow() else {
            return false;
        };
        let mut inside = 0;
        for b in lists.iter().filter(|b| Rc::strong_count(&b.list) == 1) {
            let Ok(items) = b.list.try_borrow() else { return false };
            inside += items
                .iter()
                .filter(|v| matches!(v, Value::Packet(p) if Rc::ptr_eq(&p.meta, self)))
                .count();
        }
        Rc::strong_count(self) == inside + 1
    }

    /// Puts this packet in [`BOUND`] once, sweeping first when [`BOUND`] has grown enough.
    fn bind(self: &Rc<Meta>) {
        if self.swept.replace(true) {
            return;
        }
        let full = BOUND.with(|b| b.borrow().packets.len() >= b.borrow().sweep_at);
        if full {
            collect_list_cycles();
        }
        BOUND.with(|b| b.borrow_mut().packets.push(Rc::downgrade(self)));
    }
}

/// A list handed out for a field, and where the field is. Held until the list is written back and nobody else
/// holds it: a list changed and dropped at once (`p[TCP].options.append(x)`) is still written.
#[derive(Debug)]
struct BoundList {
    list: Rc<RefCell<Vec<Value>>>,
    layer: usize,
    record: Option<RecordPath>,
    field: usize,
    /// The field's value as the list last was: a list that still converts to it was not changed.
    last: packet::FieldValue,
}

/// Where a record value's record lies, and what it was when the value was taken. Shared by the clones of the
/// value, so that a list of records written back into its field moves its records' values with them.
#[derive(Debug)]
pub struct RecordRef {
    path: RefCell<RecordPath>,
    proto: &'static Proto,
    lists_replaced: Cell<u32>,
}

impl RecordRef {
    fn path(&self) -> RecordPath {
        self.path.borrow().clone()
    }
}

/// A packet value's packet, borrowed from the shared cell, or made for a record (one layer).
pub enum PacketView<'a> {
    Whole(Ref<'a, Packet>),
    Record(Packet),
}

impl Deref for PacketView<'_> {
    type Target = Packet;
    fn deref(&self) -> &Packet {
        match self {
            PacketView::Whole(p) => p,
            PacketView::Record(p) => p,
        }
    }
}

impl Pkt {
    /// A packet made now.
    pub fn new(p: Packet) -> Pkt {
        Pkt::captured(p, Timestamp::now())
    }

    /// A packet captured at `time`, to the nanosecond.
    pub fn captured(p: Packet, time: Timestamp) -> Pkt {
        Pkt {
            cell: Rc::new(RefCell::new(p)),
            start: 0,
            meta: Rc::new(Meta {
                time: Cell::new(time),
                sent_time: Cell::new(None),
                lists_replaced: Cell::new(0),
                lists: RefCell::new(Vec::new()),
                swept: Cell::new(false),
            }),
            record: None,
        }
    }

    pub fn time(&self) -> Timestamp {
        self.meta.time.get()
    }

    pub fn set_time(&self, t: Timestamp) {
        self.meta.time.set(t)
    }

    /// An independent packet with the same layers (from this value's first layer up) and the same time:
    /// Scapy's `copy()`.
    pub fn copy(&self) -> Pkt {
        Pkt::captured(self.owned(), self.time())
    }

    /// The packet from this value's first layer up, as an owned packet.
    pub fn owned(&self) -> Packet {
        match self.view() {
            PacketView::Whole(p) if self.start == 0 => p.clone(),
            PacketView::Whole(p) => p.from_layer(self.start),
            PacketView::Record(p) => p,
        }
    }

    /// The packet this value reads, from its layer `start`: the shared packet, or for a record a packet of that
    /// record alone (empty once the record is gone from the packet, see [`Pkt::record_gone`]).
    pub fn view(&self) -> PacketView<'_> {
        self.write_back_lists();
        match &self.record {
            None => PacketView::Whole(self.cell.borrow()),
            Some(r) => PacketView::Record(
                self.live_record(r)
                    .map_or_else(|| Packet::new(Vec::new()), Packet::from),
            ),
        }
    }

    fn live_record(&self, r: &RecordRef) -> Option<Layer> {
        if r.lists_replaced.get() != self.meta.lists_replaced.get() {
            return None;
        }
        self.cell
            .borrow()
            .record(&r.path.borrow())
            .filter(|l| l.proto() == r.proto)
    }

    /// The error for a record value whose record is no longer in its packet, if this is one.
    pub fn record_gone(&self) -> Result<(), LangError> {
        match &self.record {
            Some(r) if self.live_record(r).is_none() => Err(LangError::value_err(format!(
                "this {0} may no longer be in its packet: a record list of the packet was replaced since it was \
                 taken; take it again, as p[{0}]",
                r.proto.name
            ))),
            _ => Ok(()),
        }
    }

    /// Edits layer `li` of this value's packet (for a record, the record itself: `li` is 0).
    pub fn edit_layer<R>(&self, li: usize, f: impl FnOnce(&mut Layer) -> R) -> Result<R, LangError> {
        self.record_gone()?;
        self.write_back_lists();
        let mut packet = self.cell.borrow_mut();
        let layer = match &self.record {
            None => packet.layers_mut().get_mut(li),
            Some(r) => packet.record_mut(&r.path.borrow()).filter(|_| li == 0),
        };
        layer
            .map(f)
            .ok_or_else(|| LangError::value_err("the packet has no such layer"))
    }

    /// The value of list field `field` of layer `li` of this value, as the language's list that is the
    /// field's: changing the list changes the packet. Records are the packet's own (see [`Pkt::at_record`]).
    pub fn field_list(&self, li: usize, field: usize, value: packet::FieldValue) -> Value {
        let items = match &value {
            packet::FieldValue::Layers(records) => (0..records.len())
                .map(|k| Value::Packet(self.at_record(self.record_path(li, field, k))))
                .collect(),
            packet::FieldValue::List(items) => {
                let f = self.view().layers()[li].proto().fields.get(field);
                items.iter().filter_map(|v| Some(from_field(v.clone(), f?))).collect()
            }
            _ => Vec::new(),
        };
        self.write_back_lists();
        let list = Rc::new(RefCell::new(items));
        self.meta.bind();
        self.meta.lists.borrow_mut().push(BoundList {
            list: Rc::clone(&list),
            layer: li,
            record: self.record.as_ref().map(|r| r.path()),
            field,
            last: value,
        });
        Value::List(list)
    }

    /// Lets go of the lists handed out for field `field` of layer `li`: the field was given a new value, and
    /// a list read before is no longer the field's (as in Scapy, where it is the old list object).
    pub fn release_lists(&self, li: usize, field: usize) {
        let record = self.record.as_ref().map(|r| r.path());
        self.meta
            .lists
            .borrow_mut()
            .retain(|b| !(b.layer == li && b.field == field && b.record == record));
    }

    /// Writes back into the packet each list handed out for a field that was changed since, and lets go of
    /// those nobody else holds. A list changed into what its field refuses stays pending and is the error:
    /// reading a field or building the packet reports it (see [`Pkt::lists_written`]).
    pub fn write_back_lists(&self) {
        let _ = self.lists_written();
    }

    /// [`Pkt::write_back_lists`], with the error of a list its field refuses.
    pub fn lists_written(&self) -> Result<(), LangError> {
        if self.meta.lists.borrow().is_empty() {
            return Ok(());
        }
        // Taken out while converting: a list's elements may be this packet's records, whose reading comes here.
        let mut lists = std::mem::take(&mut *self.meta.lists.borrow_mut());
        let mut refused = None;
        lists.retain_mut(|b| {
            if self.holds_its_records(b) {
                return Rc::strong_count(&b.list) > 1;
            }
            let written = match to_field(&Value::List(Rc::clone(&b.list))) {
                Ok(now) if now == b.last => true,
                Ok(now) => match self.write_field(b, now.clone()) {
                    Ok(true) => {
                        b.last = now;
                        true
                    }
                    Ok(false) => false,
                    Err(e) => {
                        refused.get_or_insert(e);
                        false
                    }
                },
                Err(e) => {
                    refused.get_or_insert(e);
                    false
                }
            };
            !written || Rc::strong_count(&b.list) > 1
        });
        let mut bound = self.meta.lists.borrow_mut();
        lists.append(&mut bound);
        *bound = lists;
        refused.map_or(Ok(()), Err)
    }

    /// Sets the field a bound list stands for: false while the packet is being read up the stack (it is
    /// written at the next reading), an error when the field refuses the value.
    fn write_field(&self, b: &BoundList, v: packet::FieldValue) -> Result<bool, LangError> {
        let records = matches!(v, packet::FieldValue::Layers(_));
        let Ok(mut packet) = self.cell.try_borrow_mut() else {
            return Ok(false);
        };
        let layer = match &b.record {
            None => packet.layers_mut().get_mut(b.layer),
            Some(path) => packet.record_mut(path),
        };
        // A layer or record gone since: nothing to write to, and the list is the user's alone.
        let Some(layer) = layer else { return Ok(true) };
        layer.set_at(b.field, v)?;
        drop(packet);
        if let (true, packet::FieldValue::Layers(_)) = (records, &b.last) {
            // Record values taken elsewhere may name other records now; those the list holds move with it, and
            // a packet put in the list is now the packet's record there.
            self.lists_replaced();
            for (k, v) in b.list.borrow_mut().iter_mut().enumerate() {
                match v {
                    Value::Packet(Pkt {
                        cell, record: Some(r), ..
                    }) if Rc::ptr_eq(cell, &self.cell) => {
                        r.path.replace(self.path_in(b, k));
                        r.lists_replaced.set(self.meta.lists_replaced.get());
                    }
                    v => *v = Value::Packet(self.at_record(self.path_in(b, k))),
                }
            }
        }
        Ok(true)
    }

    /// Whether a list of records still holds exactly its field's records, in order (edited in place or not):
    /// then there is nothing to write back.
    fn holds_its_records(&self, b: &BoundList) -> bool {
        let packet::FieldValue::Layers(records) = &b.last else {
            return false;
        };
        let list = b.list.borrow();
        list.len() == records.len()
            && list.iter().enumerate().all(|(k, v)| match v {
                Value::Packet(p) => {
                    Rc::ptr_eq(&p.cell, &self.cell)
                        && p.record.as_ref().is_some_and(|r| {
                            *r.path.borrow() == self.path_in(b, k)
                                && r.lists_replaced.get() == self.meta.lists_replaced.get()
                        })
                }
                _ => false,
            })
    }

    /// The path of record `k` of the field a bound list stands for.
    fn path_in(&self, b: &BoundList, k: usize) -> RecordPath {
        match &b.record {
            Some(path) => path.child(b.field, k),
            None => RecordPath {
                layer: b.layer,
                steps: Vec::new(),
            }
            .child(b.field, k),
        }
    }

    /// Notes that a packet-list field of the packet was given a new list: record values taken before no longer
    /// read it.
    pub fn lists_replaced(&self) {
        self.meta
            .lists_replaced
            .set(self.meta.lists_replaced.get().wrapping_add(1));
    }

    /// The value found in this value's packet by [`Packet::find`]: a layer (with what is above it) or a record.
    pub fn found(&self, found: Found) -> Pkt {
        match (found, &self.record) {
            (Found::Layer(i), None) => Pkt {
                start: i,
                ..self.clone()
            },
            // A record's own layer: the record itself.
            (Found::Layer(_), Some(_)) => self.clone(),
            (Found::Record(path), own) => {
                let path = match own {
                    None => path,
                    Some(r) => path.steps.iter().fold(r.path(), |p, &(f, k)| p.child(f, k)),
                };
                self.at_record(path)
            }
        }
    }

    /// The value of the record at `path` in this value's packet.
    pub fn at_record(&self, path: RecordPath) -> Pkt {
        let proto = self.cell.borrow().record(&path).map_or(&packet::RAW, |l| l.proto());
        Pkt {
            start: 0,
            record: Some(Rc::new(RecordRef {
                path: RefCell::new(path),
                proto,
                lists_replaced: Cell::new(self.meta.lists_replaced.get()),
            })),
            ..self.clone()
        }
    }

    /// The path of record `index` of list field `field` of layer `li` of this value.
    pub fn record_path(&self, li: usize, field: usize, index: usize) -> RecordPath {
        match &self.record {
            None => RecordPath {
                layer: li,
                steps: Vec::new(),
            }
            .child(field, index),
            Some(r) => r.path.borrow().child(field, index),
        }
    }

    /// The class of the value's first layer (None for an empty packet): `type(p)`.
    pub fn class(&self) -> Value {
        self.view()
            .layers()
            .get(self.start)
            .map_or(Value::None, |l| Value::Class(l.proto()))
    }

    /// Whether two values are the same packet's same layer or record (Python's `is`).
    pub fn same(&self, other: &Pkt) -> bool {
        Rc::ptr_eq(&self.cell, &other.cell)
            && self.start == other.start
            && self.record.as_ref().map(|r| r.path()) == other.record.as_ref().map(|r| r.path())
    }

    /// The layer `cls` names (a class, a class name or an index) in the packet, as a packet value from there up:
    /// Scapy's `p[cls]`, records included.
    pub fn layer_value(&self, cls: &Value) -> Result<Option<Value>, LangError> {
        self.nth_layer(cls, 1, &[])
    }

    /// Scapy's `getlayer(cls, nb, **flt)`: the `nb`-th layer or record (from 1) of the class (or class name,
    /// Scapy's or long) whose fields have the values `filter` names, in Scapy's order; an index counts every
    /// layer and record.
    pub fn nth_layer(&self, cls: &Value, nb: usize, filter: &[(Value, Value)]) -> Result<Option<Value>, LangError> {
        let keep = |layer: &Layer| {
            filter.iter().all(|(name, want)| {
                let Value::Str(name) = name else { return false };
                layer
                    .field_index(name)
                    .is_some_and(|i| from_field(layer.value_at(i), &layer.proto().fields[i]).equals(want))
            })
        };
        let target = match cls {
            Value::Class(proto) => Target::Proto(proto),
            // Scapy matches a class name or its long name (`p["DNS Question Record"]`).
            Value::Str(name) => match Proto::by_either_name(name) {
                Some(proto) => Target::Proto(proto),
                None => return Ok(None),
            },
            Value::Int(i) => match usize::try_from(*i) {
                Ok(i) => {
                    let found = self.view().find(self.start, i + 1, Target::Any, &keep);
                    return Ok(found.map(|f| Value::Packet(self.found(f))));
                }
                Err(_) => return Ok(None),
            },
            other => {
                return Err(LangError::type_err(format!(
                    "a layer is named by its class, its name or its index, not a {}",
                    other.type_name()
                )))
            }
        };
        let view = self.view();
        let found = view.find(self.start, nb, target, &keep);
        drop(view);
        Ok(found.map(|f| Value::Packet(self.found(f))))
    }
}

/// Downcasting for every host kind, so that no kind has to write it (see [`Value::as_host`]).
pub trait AsAny {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A kind of value that a subsystem defines: one file implements this and declares the kind's methods. Its
/// `Display` is both `str()` and `repr()`. Everything else is optional, with Python's answer for an object
/// that lacks it: no `len()`, not iterable, not subscriptable, true, equal only to itself.
pub trait HostValue: fmt::Debug + fmt::Display + AsAny {
    /// Python's (Scapy's) type name: `SndRcvList`.
    fn type_name(&self) -> &'static str;

    /// The kind's method rows.
    fn methods(&self) -> &'static [MethodDef] {
        &[]
    }

    /// `v.name` for an attribute of the kind's own (not a method); `None` when it has none of that name.
    fn attr(&self, _name: &str) -> Option<Value> {
        None
    }

    /// `repr(v)`, where it differs from the text `str(v)` gives (`Display`).
    fn repr(&self) -> String {
        self.to_string()
    }

    /// `len(v)`, if the kind has one.
    fn size(&self) -> Option<usize> {
        None
    }

    /// Python's truth: an empty sized value is false.
    fn truthy(&self) -> bool {
        self.size().is_none_or(|n| n > 0)
    }

    /// `==` against another host value (identity is checked before).
    fn equals(&self, _other: &dyn HostValue) -> bool {
        false
    }

    /// Whether `for x in v` works; then [`HostValue::next_item`] gives the items.
    fn iterable(&self) -> bool {
        false
    }

    /// The item after the first `position` ones, `None` at the end. Called with 0, 1, 2, … by one loop at a
    /// time; a kind read as it goes (a capture file) may ignore `position`.
    fn next_item(&self, _s: &Session, _position: usize) -> Option<Value> {
        None
    }

    /// `v[key]`.
    fn index(&self, _key: &Value) -> Result<Value, LangError> {
        Err(LangError::type_err(format!(
            "'{}' object is not subscriptable",
            self.type_name()
        )))
    }

    /// `v[lo:hi:step]`, given the positions the slice takes for a length.
    fn slice(&self, _positions: &dyn Fn(usize) -> Vec<usize>) -> Result<Value, LangError> {
        Err(LangError::type_err(format!(
            "'{}' object cannot be sliced",
            self.type_name()
        )))
    }

    /// `v + other`, `None` when the kinds do not add.
    fn add(&self, _other: &dyn HostValue) -> Option<Value> {
        None
    }

    /// `item in v`, `None` when the kind is no container of such items.
    fn contains(&self, _item: &Value) -> Option<bool> {
        None
    }

    /// The field value the kind stands for (`Net(...)` is a set of addresses), `None` when it is none.
    fn field_value(&self) -> Option<packet::FieldValue> {
        None
    }
}

/// Position `key` (negative counts from the end) in a sequence of `len`.
pub fn sequence_index(key: &Value, len: usize, what: &str) -> Result<usize, LangError> {
    let i = key
        .as_int()
        .ok_or_else(|| LangError::type_err(format!("{what} indices must be integers, not {}", key.type_name())))?;
    let n = len as i128;
    let j = if i < 0 { i + n } else { i };
    if (0..n).contains(&j) {
        Ok(j as usize)
    } else {
        Err(LangError::new(ErrorKind::Index, format!("{what} index out of range")))
    }
}

/// A lambda with the local variables it closed over.
#[derive(Debug)]
pub struct Closure {
    pub lambda: Rc<Lambda>,
    pub defaults: Vec<Option<Value>>,
    pub captured: Vec<(Rc<str>, Value)>,
}

impl Closure {
    /// The name a `def` gave it, `<lambda>` for a lambda.
    pub fn name(&self) -> &str {
        self.lambda.name.as_deref().unwrap_or("<lambda>")
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(v)))
    }

    pub fn bytes(b: &[u8]) -> Value {
        Value::Bytes(Rc::from(b))
    }

    pub fn packet(p: Packet) -> Value {
        Value::Packet(Pkt::new(p))
    }

    pub fn host(h: impl HostValue + 'static) -> Value {
        Value::Host(Rc::new(h))
    }

    /// The receiver of a method of kind `T`: methods are looked up by the receiver's kind, so it is one.
    pub fn receiver<T: HostValue + 'static>(&self) -> &T {
        match self.as_host() {
            Some(h) => h,
            None => unreachable!(
                "{} methods are looked up for that kind only",
                std::any::type_name::<T>()
            ),
        }
    }

    /// The host value inside, if it is of kind `T`.
    pub fn as_host<T: HostValue + 'static>(&self) -> Option<&T> {
        match self {
            Value::Host(h) => (**h).as_any().downcast_ref(),
            _ => None,
        }
    }

    /// Python's type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Range(_) => "range",
            Value::Packet(_) => "Packet",
            Value::Host(h) => h.type_name(),
            Value::Class(_) => "class",
            Value::Builtin(_) => "builtin_function",
            Value::Method(_) => "method",
            Value::Lambda(_) => "function",
            Value::Flag(..) => "FlagValue",
            Value::Gen(_) => "RandValue",
            Value::Conf => "Conf",
        }
    }

    /// A dict's pairs, in order; nothing for any other value.
    pub fn dict_pairs(&self) -> Vec<(Value, Value)> {
        match self {
            Value::Dict(d) => d.borrow().clone(),
            _ => Vec::new(),
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Host(h) => h.truthy(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().is_empty(),
            Value::Range(r) => range_len(r) > 0,
            Value::Flag(v, _) => *v != 0,
            _ => true,
        }
    }

    /// The value as an integer, if it is one (bools and flags count, as in Python and Scapy).
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i128::from(*b)),
            Value::Flag(v, _) => Some(i128::from(*v)),
            _ => None,
        }
    }

    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            v => v.as_int().map(|i| i as f64),
        }
    }

    /// Python's `==`.
    pub fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Flag(v, f), Value::Str(s)) | (Value::Str(s), Value::Flag(v, f)) => {
                f.coerce(packet::FieldValue::from(&**s)) == Ok(packet::FieldValue::Int(*v))
            }
            (Value::Float(_), _) | (_, Value::Float(_)) => match (self.as_float(), other.as_float()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
            (a, b) if a.as_int().is_some() && b.as_int().is_some() => a.as_int() == b.as_int(),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b) || seq_eq(&a.borrow(), &b.borrow()),
            (Value::Host(a), Value::Host(b)) => Rc::ptr_eq(a, b) || a.equals(&**b),
            (Value::Tuple(a), Value::Tuple(b)) => seq_eq(a, b),
            (Value::Dict(a), Value::Dict(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k.equals(k2) && v.equals(v2)))
            }
            (Value::Range(a), Value::Range(b)) => a == b,
            (Value::Packet(a), Value::Packet(b)) => a.same(b) || a.owned().layers() == b.owned().layers(),
            (Value::Class(a), Value::Class(b)) => std::ptr::eq(*a, *b),
            (Value::Builtin(a), Value::Builtin(b)) => std::ptr::eq(*a, *b),
            (Value::Lambda(a), Value::Lambda(b)) => Rc::ptr_eq(a, b),
            (Value::Gen(a), Value::Gen(b)) => a == b,
            (Value::Conf, Value::Conf) => true,
            _ => false,
        }
    }

    /// Python's ordering for `<`, `sorted`, `min` and `max`; `None` when the types do not compare.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Float(_), _) | (_, Value::Float(_)) => self.as_float()?.partial_cmp(&other.as_float()?),
            (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
            (Value::Bytes(a), Value::Bytes(b)) => Some(a.cmp(b)),
            (Value::List(a), Value::List(b)) => seq_cmp(&a.borrow(), &b.borrow()),
            (Value::Tuple(a), Value::Tuple(b)) => seq_cmp(a, b),
            (a, b) => Some(a.as_int()?.cmp(&b.as_int()?)),
        }
    }

    /// Python's `repr()`: how the prompt shows a value.
    pub fn repr(&self) -> String {
        let mut s = String::new();
        self.write_repr(&mut s);
        s
    }

    fn write_repr(&self, s: &mut String) {
        match self {
            Value::Str(t) => s.push_str(&py_str(t)),
            Value::List(items) => write_seq(s, "[", "]", &items.borrow(), false),
            Value::Tuple(items) => write_seq(s, "(", ")", items, items.len() == 1),
            Value::Dict(d) => {
                s.push('{');
                for (i, (k, v)) in d.borrow().iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    k.write_repr(s);
                    s.push_str(": ");
                    v.write_repr(s);
                }
                s.push('}');
            }
            Value::Packet(p) => s.push_str(&p.owned().repr()),
            Value::Flag(v, f) => {
                let _ = write!(s, "<Flag {v} ({})>", flag_letters(*v, f));
            }
            Value::Method(m) => {
                let _ = write!(s, "<bound method {}.{}>", m.0.type_name(), m.1.name);
            }
            Value::Host(h) => s.push_str(&h.repr()),
            other => s.push_str(&other.to_text()),
        }
    }

    /// Python's `str()`: how `print()` shows a value. A packet prints its summary, as Scapy's `str(p)`.
    pub fn to_text(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => s.to_string(),
            Value::Bytes(b) => py_bytes(b),
            Value::Range(r) => match r[2] {
                1 => format!("range({}, {})", r[0], r[1]),
                step => format!("range({}, {}, {step})", r[0], r[1]),
            },
            Value::Packet(p) => p.view().summary_from(p.start),
            Value::Host(h) => h.to_string(),
            Value::Class(p) => format!("<class '{}'>", p.name),
            Value::Builtin(b) => format!("<built-in function {}>", b.name),
            Value::Lambda(c) => format!("<function {}>", c.name()),
            Value::Flag(v, f) => flag_letters(*v, f),
            Value::Gen(g) => g.to_string(),
            Value::Conf => "<conf>".into(),
            other => other.repr(),
        }
    }
}

fn flag_letters(v: u64, f: &Field) -> String {
    match f.show {
        Show::Flags(names, sep) => flags_repr(v, names, sep),
        _ => v.to_string(),
    }
}

fn write_seq(s: &mut String, open: &str, close: &str, items: &[Value], trailing_comma: bool) {
    s.push_str(open);
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        v.write_repr(s);
    }
    if trailing_comma {
        s.push(',');
    }
    s.push_str(close);
}

fn seq_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.equals(y))
}

fn seq_cmp(a: &[Value], b: &[Value]) -> Option<Ordering> {
    for (x, y) in a.iter().zip(b) {
        match x.compare(y)? {
            Ordering::Equal => continue,
            o => return Some(o),
        }
    }
    Some(a.len().cmp(&b.len()))
}

/// Number of values a `range` yields.
pub fn range_len(r: &[i128; 3]) -> i128 {
    let [start, stop, step] = *r;
    if step > 0 && stop > start {
        (stop - start + step - 1) / step
    } else if step < 0 && start > stop {
        (start - stop - step - 1) / -step
    } else {
        0
    }
}

/// Python's float repr: `1.0`, `0.1`, `1e+20`, `inf`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
        return format!("{m}e{sign}{digits:0>2}");
    }
    if f.fract() == 0.0 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// A field value as the language sees it: addresses as text (as Scapy returns them), flags as `FlagValue`,
/// records as packets.
pub fn from_field(v: packet::FieldValue, field: &'static Field) -> Value {
    match v {
        packet::FieldValue::Int(i) if matches!(field.show, Show::Flags(..)) => Value::Flag(i, field),
        packet::FieldValue::Int(i) => Value::Int(i128::from(i)),
        packet::FieldValue::Float(x) => Value::Float(x),
        packet::FieldValue::Bytes(b) => Value::Bytes(Rc::from(b)),
        packet::FieldValue::Str(s) => Value::Str(Rc::from(s)),
        packet::FieldValue::Mac(m) => Value::Str(Rc::from(fmt_mac(&m))),
        packet::FieldValue::Ip4(a) => {
            let mut text = String::with_capacity(15);
            crate::packet::value::push_ip4(&mut text, a);
            Value::Str(Rc::from(text))
        }
        packet::FieldValue::Ip6(a) => Value::Str(Rc::from(crate::packet::value::fmt_ip6(a))),
        packet::FieldValue::List(items) => Value::list(items.into_iter().map(|v| from_field(v, field)).collect()),
        packet::FieldValue::Tuple(items) => Value::Tuple(items.into_iter().map(|v| from_field(v, field)).collect()),
        packet::FieldValue::Layers(ls) => Value::list(ls.into_iter().map(|l| Value::packet(Packet::from(l))).collect()),
        packet::FieldValue::None => Value::None,
        packet::FieldValue::Gen(g) => Value::Gen(Rc::from(g)),
    }
}

/// A language value for a field, taken at its word: a tuple stays a tuple and a list a list, packets are
/// records. Whether a 2-tuple of ints or a list is a packet set is the field's to say ([`Field::coerce`]):
/// only where it is the whole value of a field that is not a list field, so a tuple nested in TCP options is
/// a value.
pub fn to_field(v: &Value) -> Result<packet::FieldValue, LangError> {
    if let Some(f) = match v {
        Value::Host(h) => h.field_value(),
        _ => None,
    } {
        return Ok(f);
    }
    Ok(match v {
        Value::None => packet::FieldValue::None,
        Value::Bool(b) => packet::FieldValue::Int(u64::from(*b)),
        Value::Int(i) => packet::FieldValue::Int(field_int(*i)?),
        Value::Float(x) => packet::FieldValue::Float(*x),
        Value::Flag(i, _) => packet::FieldValue::Int(*i),
        Value::Str(s) => packet::FieldValue::from(&**s),
        Value::Bytes(b) => packet::FieldValue::Bytes(b.to_vec()),
        Value::Tuple(t) => packet::FieldValue::Tuple(t.iter().map(to_field).collect::<Result<_, _>>()?),
        Value::List(l) => {
            let items = l.borrow();
            if !items.is_empty() && items.iter().all(|v| matches!(v, Value::Packet(_))) {
                packet::FieldValue::Layers(items.iter().flat_map(record_layers).collect())
            } else {
                packet::FieldValue::List(items.iter().map(to_field).collect::<Result<_, _>>()?)
            }
        }
        Value::Packet(_) => packet::FieldValue::Layers(record_layers(v)),
        Value::Gen(g) => packet::FieldValue::Gen(Box::new((**g).clone())),
        Value::Range(r) if r[2] == 1 && r[1] > r[0] => {
            packet::FieldValue::gen(Generator::Range(field_int(r[0])?, field_int(r[1] - 1)?))
        }
        other => {
            return Err(LangError::type_err(format!(
                "a {} cannot be a field value",
                other.type_name()
            )))
        }
    })
}

fn record_layers(v: &Value) -> Vec<Layer> {
    match v {
        Value::Packet(p) => p.owned().layers().to_vec(),
        _ => Vec::new(),
    }
}

fn field_int(i: i128) -> Result<u64, LangError> {
    u64::try_from(i).map_err(|_| LangError::value_err(format!("{i} is not a field value: fields hold 0 to 2**64-1")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(1e20), "1e+20");
        assert_eq!(float_repr(1.5e-7), "1.5e-07");
        assert_eq!(float_repr(f64::INFINITY), "inf");
    }

    #[test]
    fn range_lengths() {
        assert_eq!(range_len(&[0, 10, 1]), 10);
        assert_eq!(range_len(&[0, 10, 3]), 4);
        assert_eq!(range_len(&[10, 0, -3]), 4);
        assert_eq!(range_len(&[5, 5, 1]), 0);
    }
}
