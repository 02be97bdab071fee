//! Python's `set`: `{1, 2}`, `set()`, `set(iterable)`, with `in`, `len`, iteration, `==`, the operators
//! `|`, `&`, `-`, `^` and Python's methods (`add`, `discard`, `remove`, `union`, `update`, `pop`, …).
//! Elements are kept in the order they were added (CPython orders them by hash, which for small ints is
//! usually the same) and looked up linearly, as dictionaries are: sets in scripts are small. Only values
//! Python can hash are elements: a list, a dict, a set or a packet is `TypeError: unhashable type`.

use std::cell::RefCell;
use std::fmt;

use super::args::{opt, req, star, Args, Const};
use super::ast::BinOp;
use super::error::{ErrorKind, LangError};
use super::rows::{builtin, method, Builtin, MethodDef};
use super::session::Session;
use super::value::{HostValue, Value};

/// A set's elements, distinct under Python's `==`.
#[derive(Debug, Default)]
pub struct SetValue {
    items: RefCell<Vec<Value>>,
}

impl SetValue {
    /// The set of these values, each once; an unhashable one is a `TypeError`.
    pub fn of(values: impl IntoIterator<Item = Value>) -> Result<SetValue, LangError> {
        let set = SetValue::default();
        values.into_iter().try_for_each(|v| set.insert(v))?;
        Ok(set)
    }

    fn insert(&self, v: Value) -> Result<(), LangError> {
        check_hashable(&v)?;
        if !self.has(&v) {
            self.items.borrow_mut().push(v);
        }
        Ok(())
    }

    fn has(&self, v: &Value) -> bool {
        self.items.borrow().iter().any(|x| x.equals(v))
    }

    fn snapshot(&self) -> Vec<Value> {
        self.items.borrow().clone()
    }

    /// The elements of `self` that `keep` says yes to, as a new set.
    fn kept(&self, keep: impl Fn(&Value) -> bool) -> SetValue {
        let items = self.items.borrow().iter().filter(|v| keep(v)).cloned().collect();
        SetValue {
            items: RefCell::new(items),
        }
    }

    /// `self | other`, `self & other`, `self - other` or `self ^ other`.
    fn combine(&self, op: BinOp, other: &SetValue) -> Option<SetValue> {
        Some(match op {
            BinOp::BitOr => {
                let union = self.kept(|_| true);
                other.snapshot().into_iter().for_each(|v| {
                    if !union.has(&v) {
                        union.items.borrow_mut().push(v);
                    }
                });
                union
            }
            BinOp::BitAnd => self.kept(|v| other.has(v)),
            BinOp::Sub => self.kept(|v| !other.has(v)),
            BinOp::BitXor => {
                let both = self.kept(|v| !other.has(v));
                both.items
                    .borrow_mut()
                    .extend(other.snapshot().into_iter().filter(|v| !self.has(v)));
                both
            }
            _ => return None,
        })
    }
}

/// Python's hashability: immutable values (and tuples of them) are, containers and packets are not.
fn check_hashable(v: &Value) -> Result<(), LangError> {
    let unhashable = |name: &str| Err(LangError::type_err(format!("unhashable type: '{name}'")));
    match v {
        Value::List(_) | Value::Dict(_) => unhashable(v.type_name()),
        Value::Packet(p) => unhashable(p.view().layers().get(p.start).map_or("Packet", |l| l.name())),
        Value::Host(h) if (**h).as_any().is::<SetValue>() => unhashable("set"),
        Value::Tuple(items) => items.iter().try_for_each(check_hashable),
        _ => Ok(()),
    }
}

/// `a | b`, `a & b`, `a - b` and `a ^ b` when both are sets; `None` for any other operands.
pub fn binop(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    let (a, b) = (a.as_host::<SetValue>()?, b.as_host::<SetValue>()?);
    a.combine(op, b).map(Value::host)
}

/// `{a, b}`: a set literal's value.
pub fn literal(items: Vec<Value>) -> Result<Value, LangError> {
    SetValue::of(items).map(Value::host)
}

/// `{1, 2}`, and `set()` for the empty set (`{}` is a dict).
impl fmt::Display for SetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = self.items.borrow();
        if items.is_empty() {
            return f.write_str("set()");
        }
        let reprs: Vec<String> = items.iter().map(Value::repr).collect();
        write!(f, "{{{}}}", reprs.join(", "))
    }
}

impl HostValue for SetValue {
    fn type_name(&self) -> &'static str {
        "set"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn size(&self) -> Option<usize> {
        Some(self.items.borrow().len())
    }

    /// Equal to a set with the same elements, in any order.
    fn equals(&self, other: &dyn HostValue) -> bool {
        other
            .as_any()
            .downcast_ref::<SetValue>()
            .is_some_and(|o| self.size() == o.size() && self.items.borrow().iter().all(|v| o.has(v)))
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, _: &Session, position: usize) -> Option<Value> {
        self.items.borrow().get(position).cloned()
    }

    fn contains(&self, item: &Value) -> Option<bool> {
        Some(self.has(item))
    }
}

pub(crate) static BUILTINS: &[Builtin] = &[builtin!(
    "set",
    [opt("iterable", Const::None)],
    "A set of the items, each once: set([1, 2, 2]) is {1, 2}; set() is empty ({} is an empty dict).",
    b_set
)];

fn b_set(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let items = match a.get("iterable") {
        Value::None => Vec::new(),
        v => s.collect(v)?,
    };
    literal(items)
}

static METHODS: &[MethodDef] = &[
    method!(
        "add",
        [req("elem")],
        "Adds the element (nothing if it is in already).",
        m_add
    ),
    method!(
        "discard",
        [req("elem")],
        "Removes the element if it is in the set.",
        m_discard
    ),
    method!(
        "remove",
        [req("elem")],
        "Removes the element; KeyError if it is not in the set.",
        m_remove
    ),
    method!(
        "union",
        [star("others")],
        "A new set of the elements in this set or in any of the iterables (a | b).",
        m_union
    ),
    method!(
        "intersection",
        [star("others")],
        "A new set of the elements in this set and in every one of the iterables (a & b).",
        m_intersection
    ),
    method!(
        "difference",
        [star("others")],
        "A new set of the elements in this set and in none of the iterables (a - b).",
        m_difference
    ),
    method!(
        "symmetric_difference",
        [req("other")],
        "A new set of the elements in exactly one of this set and the iterable (a ^ b).",
        m_symmetric_difference
    ),
    method!(
        "update",
        [star("others")],
        "Adds the elements of each iterable to this set (a |= b).",
        m_update
    ),
    method!(
        "issubset",
        [req("other")],
        "Whether every element is in the iterable other (a <= b).",
        m_issubset
    ),
    method!(
        "issuperset",
        [req("other")],
        "Whether every element of the iterable other is in this set (a >= b).",
        m_issuperset
    ),
    method!(
        "isdisjoint",
        [req("other")],
        "Whether no element is in the iterable other.",
        m_isdisjoint
    ),
    method!(
        "pop",
        [],
        "Removes and returns an element; KeyError if the set is empty.",
        m_pop
    ),
    method!("clear", [], "Removes every element.", m_clear),
    method!("copy", [], "A new set of the same elements.", m_copy),
];

fn receiver(v: &Value) -> &SetValue {
    v.receiver::<SetValue>()
}

fn m_add(_: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    receiver(v).insert(a.get("elem").clone())?;
    Ok(Value::None)
}

/// Takes `elem` out of the set; whether it was in.
fn take_out(set: &SetValue, elem: &Value) -> Result<bool, LangError> {
    check_hashable(elem)?;
    let mut items = set.items.borrow_mut();
    let before = items.len();
    items.retain(|x| !x.equals(elem));
    Ok(items.len() < before)
}

fn m_discard(_: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    take_out(receiver(v), a.get("elem"))?;
    Ok(Value::None)
}

fn m_remove(_: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    let elem = a.get("elem");
    match take_out(receiver(v), elem)? {
        true => Ok(Value::None),
        false => Err(LangError::new(ErrorKind::Key, elem.repr())),
    }
}

/// This set combined by `op` with each of the iterables in turn.
fn fold(s: &mut Session, v: &Value, others: &[Value], op: BinOp) -> Result<Value, LangError> {
    let mut acc = receiver(v).kept(|_| true);
    for other in others {
        let other = SetValue::of(s.collect(other)?)?;
        acc = acc.combine(op, &other).unwrap_or_default();
    }
    Ok(Value::host(acc))
}

fn m_union(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    fold(s, v, a.star("others"), BinOp::BitOr)
}

fn m_intersection(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    fold(s, v, a.star("others"), BinOp::BitAnd)
}

fn m_difference(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    fold(s, v, a.star("others"), BinOp::Sub)
}

fn m_symmetric_difference(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    fold(s, v, std::slice::from_ref(a.get("other")), BinOp::BitXor)
}

fn m_update(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    for other in a.star("others") {
        for item in s.collect(other)? {
            receiver(v).insert(item)?;
        }
    }
    Ok(Value::None)
}

/// The set of the iterable `other`'s elements.
fn other_set(s: &mut Session, a: &Args) -> Result<SetValue, LangError> {
    SetValue::of(s.collect(a.get("other"))?)
}

fn m_issubset(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    let other = other_set(s, a)?;
    Ok(Value::Bool(receiver(v).items.borrow().iter().all(|x| other.has(x))))
}

fn m_issuperset(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    let other = other_set(s, a)?;
    let contained = other.items.borrow().iter().all(|x| receiver(v).has(x));
    Ok(Value::Bool(contained))
}

fn m_isdisjoint(s: &mut Session, v: &Value, a: &Args) -> Result<Value, LangError> {
    let other = other_set(s, a)?;
    Ok(Value::Bool(!receiver(v).items.borrow().iter().any(|x| other.has(x))))
}

fn m_pop(_: &mut Session, v: &Value, _: &Args) -> Result<Value, LangError> {
    let mut items = receiver(v).items.borrow_mut();
    match items.is_empty() {
        true => Err(LangError::new(ErrorKind::Key, "'pop from an empty set'")),
        false => Ok(items.remove(0)),
    }
}

fn m_clear(_: &mut Session, v: &Value, _: &Args) -> Result<Value, LangError> {
    receiver(v).items.borrow_mut().clear();
    Ok(Value::None)
}

fn m_copy(_: &mut Session, v: &Value, _: &Args) -> Result<Value, LangError> {
    Ok(Value::host(receiver(v).kept(|_| true)))
}
