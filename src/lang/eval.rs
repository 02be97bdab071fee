//! The evaluator: a tree walker over the AST with Python's semantics where Scapy users rely on them, and
//! Scapy's where packets are concerned (`/` stacks, `p[TCP]` is the TCP layer up, `p.ttl` reads the first
//! layer that has a `ttl`).

use std::rc::Rc;
use std::sync::OnceLock;

use super::args::{Args, Keywords};
use super::ast::{Arg, Body, Comp, Expr, ExprKind, FPart, Handler, Lambda, Span, Stmt, StmtKind};
use super::error::{ErrorKind, LangError};
use super::exception;
use super::memory;
use super::ops::{binop, compare, flag_bit, flag_bits, index, layer_label, percent_format, slice, unary};
use super::parse;
use super::rows::Builtin;
use super::session::{conf_index, io_error, Session};
use super::table;
use super::value::{range_len, sequence_index, to_field, Closure, Pkt, Value};
use crate::error::closest;
use crate::packet::{Layer, Packet, Proto, Timestamp};

/// Positional arguments, and keyword arguments with the span of their name.
type CallArgs = (Vec<Value>, Keywords);

/// Calls nested deeper than this raise `RecursionError`: Python's default recursion limit.
const MAX_CALL_DEPTH: usize = 1000;

/// What one item of a collected list takes, and what a packet in it takes with its layers.
const VALUE_BYTES: u128 = std::mem::size_of::<Value>() as u128;
const PACKET_BYTES: u128 = 512;

/// Below this much stack left, a call continues on a new segment of `STACK_SEGMENT` bytes.
const STACK_RED_ZONE: usize = 256 << 10;
const STACK_SEGMENT: usize = 4 << 20;

/// What a statement tells the loop or function around it.
enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

/// Names every program sees unless it rebinds them: builtins, layer classes and `conf`.
#[derive(Clone, Copy)]
enum Static {
    Builtin(&'static Builtin),
    Class(&'static Proto),
    Conf,
}

/// Built on the first name lookup, not at start-up. Hashed with foldhash: every name a loop reads is looked up
/// here or in the globals, and std's SipHash was an eighth of a simple loop's work.
fn statics() -> &'static foldhash::HashMap<&'static str, Static> {
    static MAP: OnceLock<foldhash::HashMap<&'static str, Static>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = foldhash::HashMap::default();
        for p in crate::layers::REGISTRY.protocols() {
            m.insert(p.name, Static::Class(p));
        }
        for b in table::all_builtins() {
            m.insert(b.name, Static::Builtin(b));
        }
        m.insert("conf", Static::Conf);
        m
    })
}

/// The names bound before any program runs, for completion.
pub fn static_names() -> impl Iterator<Item = &'static str> {
    statics().keys().copied()
}

impl Session {
    /// Runs one input (a line, a cell, a script). Returns the value of the last statement when it is an
    /// expression with a value. Errors carry their location in `source`, named `origin` (`<stdin>`, a path).
    pub fn run(&mut self, source: &str, origin: &str) -> Result<Option<Value>, LangError> {
        self.clear_interrupt();
        self.steps.refill();
        let result = parse::parse(source).and_then(|stmts| self.run_statements(&stmts));
        super::value::collect_list_cycles();
        let flushed = self.flush();
        let value = result.map_err(|e| e.locate(origin, source))?;
        flushed.map_err(io_error)?;
        Ok(value)
    }

    fn run_statements(&mut self, stmts: &[Stmt]) -> Result<Option<Value>, LangError> {
        let mut last = None;
        for s in stmts {
            last = None;
            match &s.kind {
                StmtKind::Expr(e) | StmtKind::Command(e) => {
                    let v = match (&s.kind, &e.kind) {
                        (StmtKind::Command(_), _) => self.command(e),
                        // A bare `exit` or `lsc` runs, as its command form with no arguments.
                        (_, ExprKind::Name(n)) => match self.lookup(n) {
                            Some(Value::Builtin(b)) if b.bare => self.call(&Value::Builtin(b), Vec::new(), Vec::new()),
                            _ => self.eval(e),
                        },
                        _ => self.eval(e),
                    }
                    .map_err(|err| err.at(e.span))?;
                    if !matches!(v, Value::None) {
                        self.globals.insert(Rc::from("_"), v.clone());
                        if self.echo {
                            let line = self.repr(&v) + "\n";
                            self.write(&line)?;
                        }
                        last = Some(v);
                    }
                }
                _ => match self.exec(s)? {
                    Flow::Normal => {}
                    Flow::Return(_) => return Err(LangError::syntax("'return' outside a function", s.span)),
                    _ => return Err(LangError::syntax("'break' or 'continue' outside a loop", s.span)),
                },
            }
        }
        Ok(last)
    }

    // -----------------------------------------------------------------------------------------------------
    // Statements.

    fn exec(&mut self, s: &Stmt) -> Result<Flow, LangError> {
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval(e)?;
            }
            StmtKind::Command(e) => {
                self.command(e)?;
            }
            StmtKind::Assign(targets, value) => {
                let v = self.eval(value)?;
                for t in targets {
                    self.assign(t, v.clone(), self.in_function())?;
                }
            }
            StmtKind::AugAssign(target, op, value) => {
                let cur = self.eval(target)?;
                let rhs = self.eval(value)?;
                let v = binop(*op, cur, rhs).map_err(|e| e.at(s.span))?;
                self.assign(target, v, self.in_function())?;
            }
            StmtKind::Del(targets) => {
                for t in targets {
                    self.delete(t).map_err(|e| e.at(t.span))?;
                }
            }
            StmtKind::For { target, iter, body } => {
                let it = self.eval(iter)?;
                let mut returned = None;
                self.iterate(&it, |s, v| {
                    s.assign(target, v, s.in_function())?;
                    for st in body {
                        match s.exec(st)? {
                            Flow::Normal => {}
                            Flow::Break => return Ok(false),
                            Flow::Continue => break,
                            Flow::Return(v) => {
                                returned = Some(v);
                                return Ok(false);
                            }
                        }
                    }
                    Ok(true)
                })
                .map_err(|e| e.at(iter.span))?;
                if let Some(v) = returned {
                    return Ok(Flow::Return(v));
                }
            }
            StmtKind::While { cond, body } => {
                'looping: while self.eval(cond)?.truthy() {
                    self.check_interrupt().map_err(|e| e.at(s.span))?;
                    for st in body {
                        match self.exec(st)? {
                            Flow::Normal => {}
                            Flow::Break => break 'looping,
                            Flow::Continue => continue 'looping,
                            flow @ Flow::Return(_) => return Ok(flow),
                        }
                    }
                }
            }
            StmtKind::Def(def) => {
                let f = self.closure(def)?;
                let name = def.name.clone().unwrap_or_else(|| Rc::from("<lambda>"));
                self.assign(
                    &Expr {
                        kind: ExprKind::Name(name),
                        span: s.span,
                    },
                    f,
                    self.in_function(),
                )?;
            }
            StmtKind::Return(value) => {
                let v = match value {
                    Some(e) => self.eval(e)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(v));
            }
            StmtKind::Assert(test, msg) => {
                if !self.eval(test)?.truthy() {
                    let text = match msg {
                        Some(m) => {
                            let v = self.eval(m)?;
                            self.text(&v)
                        }
                        None => String::new(),
                    };
                    return Err(LangError::new(ErrorKind::Assertion, text).at(test.span));
                }
            }
            StmtKind::If { branches, orelse } => {
                for (cond, body) in branches {
                    if self.eval(cond)?.truthy() {
                        return self.exec_block(body);
                    }
                }
                return self.exec_block(orelse);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            } => {
                let outcome = match self.exec_block(body) {
                    Ok(Flow::Normal) => self.exec_block(orelse),
                    Err(e) => self.handle(e, handlers),
                    flow => flow,
                };
                // `finally` runs on every way out; its own error or jump wins, as in Python.
                return match self.exec_block(finally)? {
                    Flow::Normal => outcome,
                    jump => Ok(jump),
                };
            }
            StmtKind::Raise(value) => {
                let err = match value {
                    None => self.handling.last().cloned().unwrap_or_else(|| {
                        LangError::new(ErrorKind::Runtime, "No active exception to reraise").at(s.span)
                    }),
                    Some(e) => {
                        let v = self.eval(e)?;
                        let v = match &v {
                            Value::Builtin(b) if exception::is_class(b.name) => {
                                self.call(&v, Vec::new(), Vec::new()).map_err(|err| err.at(e.span))?
                            }
                            _ => v,
                        };
                        match v.as_host::<exception::Raised>() {
                            Some(r) => r.error().at(s.span),
                            None => {
                                return Err(LangError::type_err("exceptions must derive from BaseException").at(e.span))
                            }
                        }
                    }
                };
                return Err(err);
            }
            StmtKind::Pass => {}
            StmtKind::Break => return Ok(Flow::Break),
            StmtKind::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    /// A command statement: the builtin's command variant when it has one (`rdpcap file.pcap` streams the
    /// listing instead of loading the file), else the plain call.
    fn command(&mut self, e: &Expr) -> Result<Value, LangError> {
        if let ExprKind::Call(f, args) = &e.kind {
            if let Value::Builtin(b @ Builtin { command: Some(run), .. }) = self.eval(f)? {
                self.may_run(b).map_err(|err| err.at(e.span))?;
                let (pos, kw) = self.eval_args(args)?;
                let args = Args::bind(b.name, b.params, pos, kw).map_err(|err| err.at(e.span))?;
                return run(self, &args).map_err(|err| err.at(e.span));
            }
        }
        self.eval(e)
    }

    fn exec_block(&mut self, body: &[Stmt]) -> Result<Flow, LangError> {
        for s in body {
            match self.exec(s)? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    /// Binds `v` to a target: a name (global, or local to a comprehension), a tuple of targets, a field or
    /// attribute, or an item.
    fn assign(&mut self, target: &Expr, v: Value, local: bool) -> Result<(), LangError> {
        match &target.kind {
            ExprKind::Name(n) if local => {
                match self.locals.iter_mut().rev().find(|(k, _)| k == n) {
                    Some(slot) => slot.1 = v,
                    None => self.locals.push((n.clone(), v)),
                }
                Ok(())
            }
            ExprKind::Name(n) => {
                self.globals.insert(n.clone(), v);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let vals = self.collect(&v).map_err(|e| e.at(target.span))?;
                if vals.len() != items.len() {
                    let msg = if vals.len() > items.len() {
                        "too many"
                    } else {
                        "not enough"
                    };
                    return Err(LangError::value_err(format!(
                        "{msg} values to unpack (expected {}, got {})",
                        items.len(),
                        vals.len()
                    ))
                    .at(target.span));
                }
                for (t, v) in items.iter().zip(vals) {
                    self.assign(t, v, local)?;
                }
                Ok(())
            }
            ExprKind::Attr(obj, name) => {
                let o = self.eval(obj)?;
                // Scapy's `p.flags.DF = 1`: the FlagValue is the field's, so setting a flag sets the field.
                if let Value::Flag(bits, f) = o {
                    if let Some(bit) = flag_bit(f, name) {
                        let set = if v.truthy() { bits | bit } else { bits & !bit };
                        return self.assign(obj, Value::Flag(set, f), local);
                    }
                }
                self.set_attr(&o, name, &v).map_err(|e| e.at(target.span))
            }
            ExprKind::Index(obj, key) => {
                let o = self.eval(obj)?;
                let k = self.eval(key)?;
                self.set_item(&o, k, v).map_err(|e| e.at(target.span))
            }
            _ => Err(LangError::syntax("cannot assign to this expression", target.span)),
        }
    }

    pub(crate) fn set_attr(&mut self, obj: &Value, name: &str, v: &Value) -> Result<(), LangError> {
        match obj {
            // Scapy's `p.time = t`, unless a field is called so.
            Value::Packet(p) if name == "time" && field_owner(p, name).is_err() => {
                p.set_time(packet_time(v)?);
                Ok(())
            }
            Value::Packet(p) if name == "sent_time" => {
                p.meta.sent_time.set(match v {
                    Value::None => None,
                    v => Some(packet_time(v)?),
                });
                Ok(())
            }
            Value::Packet(p) => {
                let fv = to_field(v)?;
                let (li, fi) = self.field_of(p, name)?;
                let proto = p.view().layers()[li].proto();
                self.warn_if_skipped(proto, name, &fv);
                p.release_lists(li, fi);
                p.edit_layer(li, |l| l.set(name, fv).map(drop))??;
                replaced_records(p, li, fi);
                Ok(())
            }
            Value::Conf => {
                let i = conf_index(name)?;
                if name == "max_memory" {
                    self.may_change_memory_limit()?;
                    super::memory::set_limit(v)?;
                }
                self.conf[i] = v.clone();
                Ok(())
            }
            other => Err(LangError::new(
                ErrorKind::Attribute,
                format!("cannot set attribute '{name}' of a {}", other.type_name()),
            )),
        }
    }

    fn set_item(&mut self, obj: &Value, key: Value, v: Value) -> Result<(), LangError> {
        match obj {
            Value::List(l) => {
                let mut items = l.borrow_mut();
                let i = sequence_index(&key, items.len(), "list")?;
                items[i] = v;
                Ok(())
            }
            Value::Dict(d) => {
                let mut items = d.borrow_mut();
                match items.iter_mut().find(|(k, _)| k.equals(&key)) {
                    Some(slot) => slot.1 = v,
                    None => items.push((key, v)),
                }
                Ok(())
            }
            other => Err(LangError::type_err(format!(
                "'{}' object does not support item assignment",
                other.type_name()
            ))),
        }
    }

    fn delete(&mut self, target: &Expr) -> Result<(), LangError> {
        match &target.kind {
            ExprKind::Name(n) => self
                .globals
                .remove(n)
                .map(drop)
                .ok_or_else(|| LangError::new(ErrorKind::Name, format!("name '{n}' is not defined"))),
            ExprKind::Attr(obj, name) => match self.eval(obj)? {
                Value::Packet(p) => {
                    let (li, fi) = self.field_of(&p, name)?;
                    p.release_lists(li, fi);
                    p.edit_layer(li, |l| l.unset(name))??;
                    replaced_records(&p, li, fi);
                    Ok(())
                }
                other => Err(LangError::new(
                    ErrorKind::Attribute,
                    format!("cannot delete attribute '{name}' of a {}", other.type_name()),
                )),
            },
            ExprKind::Index(obj, key) => {
                let (o, k) = (self.eval(obj)?, self.eval(key)?);
                match o {
                    Value::List(l) => {
                        let mut items = l.borrow_mut();
                        let i = sequence_index(&k, items.len(), "list")?;
                        items.remove(i);
                        Ok(())
                    }
                    Value::Dict(d) => {
                        let mut items = d.borrow_mut();
                        let i = items
                            .iter()
                            .position(|(x, _)| x.equals(&k))
                            .ok_or_else(|| LangError::new(ErrorKind::Key, k.repr()))?;
                        items.remove(i);
                        Ok(())
                    }
                    other => Err(LangError::type_err(format!(
                        "'{}' object does not support item deletion",
                        other.type_name()
                    ))),
                }
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().try_for_each(|t| self.delete(t)),
            _ => Err(LangError::syntax("cannot delete this expression", target.span)),
        }
    }

    // -----------------------------------------------------------------------------------------------------
    // Iteration.

    /// Calls `f` with each item of `v` until it returns `false`; checks for Ctrl-C at each step.
    pub(crate) fn iterate(
        &mut self,
        v: &Value,
        mut f: impl FnMut(&mut Self, Value) -> Result<bool, LangError>,
    ) -> Result<(), LangError> {
        macro_rules! each {
            ($iter:expr) => {
                for item in $iter {
                    self.check_interrupt()?;
                    if !f(self, item)? {
                        break;
                    }
                }
            };
        }
        match v {
            Value::Host(h) if h.iterable() => {
                for position in 0.. {
                    self.check_interrupt()?;
                    let Some(item) = h.next_item(self, position) else {
                        break;
                    };
                    if !f(self, item)? {
                        break;
                    }
                }
            }
            Value::List(l) => {
                let mut i = 0;
                loop {
                    let item = match l.borrow().get(i) {
                        Some(x) => x.clone(),
                        None => break,
                    };
                    self.check_interrupt()?;
                    if !f(self, item)? {
                        break;
                    }
                    i += 1;
                }
            }
            Value::Tuple(t) => each!(t.iter().cloned()),
            Value::Range(r) => {
                let [start, _, step] = **r;
                each!((0..range_len(r)).map(|i| Value::Int(start + i * step)))
            }
            Value::Str(s) => each!(s.chars().map(|c| Value::str(c.encode_utf8(&mut [0; 4])))),
            Value::Bytes(b) => each!(b.iter().map(|x| Value::Int(i128::from(*x)))),
            Value::Dict(d) => {
                let keys: Vec<Value> = d.borrow().iter().map(|(k, _)| k.clone()).collect();
                each!(keys)
            }
            Value::Packet(p) => {
                let set = p.owned();
                each!(set.iter().map(Value::packet))
            }
            other => {
                return Err(LangError::type_err(format!(
                    "'{}' object is not iterable",
                    other.type_name()
                )))
            }
        }
        Ok(())
    }

    /// All the items of an iterable. One whose length is known is refused whole, before it is made, when it
    /// could not be held (`list(range(10**12))`); any other grows within the memory limit.
    pub(crate) fn collect(&mut self, v: &Value) -> Result<Vec<Value>, LangError> {
        let known = match v {
            Value::Range(r) => Some(range_len(r) as u128),
            // A packet is far more than its value: its layers and fields take a few hundred bytes.
            Value::Packet(p) => Some(p.owned().count().saturating_mul(PACKET_BYTES / VALUE_BYTES)),
            _ => None,
        };
        let mut out = Vec::new();
        if let Some(n) = known {
            memory::check(n, VALUE_BYTES as usize)?;
        }
        self.iterate(v, |_, x| {
            if out.len() == out.capacity() {
                let more = out.len().max(4);
                memory::reserve(&mut out, more)?;
            }
            out.push(x);
            Ok(true)
        })?;
        Ok(out)
    }

    // -----------------------------------------------------------------------------------------------------
    // Expressions.

    /// The names of the methods a value has, for `dir()`.
    pub(crate) fn method_names(&self, v: &Value) -> Vec<&'static str> {
        table::methods_of(v).iter().map(|m| m.name).collect()
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Value> {
        if let Some((_, v)) = self.locals.iter().rev().find(|(k, _)| **k == *name) {
            return Some(v.clone());
        }
        if let Some(v) = self.globals.get(name) {
            return Some(v.clone());
        }
        statics().get(name).map(|s| match *s {
            Static::Builtin(b) => Value::Builtin(b),
            Static::Class(p) => Value::Class(p),
            Static::Conf => Value::Conf,
        })
    }

    fn name_error(&self, name: &str) -> LangError {
        let mut names: Vec<&str> = self.globals.keys().map(|k| &**k).collect();
        names.extend(self.locals.iter().map(|(k, _)| &**k));
        names.extend(statics().keys().copied());
        names.sort_unstable();
        let msg = match closest(name, &names) {
            Some((_, s)) => format!("name '{name}' is not defined; did you mean '{s}'?"),
            None => format!("name '{name}' is not defined"),
        };
        LangError::new(ErrorKind::Name, msg)
    }

    pub(crate) fn eval(&mut self, e: &Expr) -> Result<Value, LangError> {
        self.eval_inner(e).map_err(|err| err.at(e.span))
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Value, LangError> {
        Ok(match &e.kind {
            ExprKind::None => Value::None,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::FString(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        FPart::Lit(t) => out.push_str(t),
                        FPart::Field(e, conv, spec) => {
                            let v = self.eval(e)?;
                            let v = match conv {
                                Some('r' | 'a') => Value::str(&self.repr(&v)),
                                Some(_) => Value::str(&self.text(&v)),
                                None => v,
                            };
                            out.push_str(&self.format_spec(&v, spec).map_err(|err| err.at(e.span))?);
                        }
                    }
                }
                Value::str(&out)
            }
            ExprKind::Bytes(b) => Value::Bytes(b.clone()),
            ExprKind::Name(n) => self.lookup(n).ok_or_else(|| self.name_error(n))?,
            ExprKind::Word(w) => self.lookup(w).unwrap_or_else(|| Value::Str(w.clone())),
            ExprKind::List(items) => Value::list(self.eval_all(items)?),
            ExprKind::Tuple(items) => Value::Tuple(Rc::from(self.eval_all(items)?)),
            ExprKind::Set(items) => super::set::literal(self.eval_all(items)?)?,
            ExprKind::Dict(pairs) => {
                let mut out: Vec<(Value, Value)> = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let (k, v) = (self.eval(k)?, self.eval(v)?);
                    match out.iter_mut().find(|(x, _)| x.equals(&k)) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Value::Dict(Rc::new(std::cell::RefCell::new(out)))
            }
            ExprKind::Unary(op, x) => {
                let v = self.eval(x)?;
                unary(*op, v)?
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                binop(*op, a, b)?
            }
            ExprKind::Compare(first, rest) => {
                let mut lhs = self.eval(first)?;
                for (op, e) in rest {
                    let rhs = self.eval(e)?;
                    if !compare(*op, &lhs, &rhs, || self.match_rules()).map_err(|err| err.at(e.span))? {
                        return Ok(Value::Bool(false));
                    }
                    lhs = rhs;
                }
                Value::Bool(true)
            }
            ExprKind::And(a, b) => {
                let v = self.eval(a)?;
                if v.truthy() {
                    self.eval(b)?
                } else {
                    v
                }
            }
            ExprKind::Or(a, b) => {
                let v = self.eval(a)?;
                if v.truthy() {
                    v
                } else {
                    self.eval(b)?
                }
            }
            ExprKind::Not(x) => Value::Bool(!self.eval(x)?.truthy()),
            ExprKind::IfElse { cond, body, orelse } => {
                if self.eval(cond)?.truthy() {
                    self.eval(body)?
                } else {
                    self.eval(orelse)?
                }
            }
            ExprKind::Lambda(l) => self.closure(l)?,
            ExprKind::Call(f, args) => {
                let fv = self.called(f)?;
                let (pos, kw) = self.eval_args(args)?;
                self.call(&fv, pos, kw)?
            }
            ExprKind::Attr(obj, name) => {
                let o = self.eval(obj)?;
                self.get_attr(o, name)?
            }
            ExprKind::Index(obj, key) => {
                let o = self.eval(obj)?;
                let k = self.eval(key)?;
                index(&o, &k)?
            }
            ExprKind::Slice(obj, parts) => self.slice_expr(obj, parts)?,
            ExprKind::ListComp(elt, clauses) => {
                let base = self.locals.len();
                let mut out = Vec::new();
                let r = self.comprehension(elt, clauses, &mut out);
                self.locals.truncate(base);
                r?;
                Value::list(out)
            }
        })
    }

    /// `obj[a:b:c]`; of a packet, Scapy's `p[IP:2]` too: the second IP layer. Out of line, so that `eval`'s
    /// frame stays small.
    #[inline(never)]
    fn slice_expr(&mut self, obj: &Expr, parts: &[Option<Box<Expr>>; 3]) -> Result<Value, LangError> {
        let o = self.eval(obj)?;
        let mut values = [Value::None, Value::None, Value::None];
        for (slot, p) in values.iter_mut().zip(parts) {
            if let Some(p) = p {
                *slot = self.eval(p)?;
            }
        }
        if let (Value::Packet(p), cls @ (Value::Class(_) | Value::Str(_))) = (&o, &values[0]) {
            let nb = match &values[1] {
                Value::None => 1,
                n => n
                    .as_int()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| LangError::type_err("the layer's number, after the class, is an int: p[IP:2]"))?,
            };
            // Scapy's `p[IP::{"ttl": 3}]`: a dict after the number filters by field values.
            let filter = match &values[2] {
                Value::None => Vec::new(),
                Value::Dict(_) => values[2].dict_pairs(),
                _ => {
                    return Err(LangError::type_err(
                        "the filter, after the layer's number, is a dict: p[IP::{'ttl': 3}]",
                    ))
                }
            };
            return p.nth_layer(cls, nb, &filter)?.ok_or_else(|| {
                LangError::new(ErrorKind::Index, format!("Layer [{}:{nb}] not found", layer_label(cls)))
            });
        }
        let mut b = [None, None, None];
        for ((slot, v), p) in b.iter_mut().zip(values).zip(parts) {
            *slot = match v {
                Value::None => None,
                v => Some(v.as_int().ok_or_else(|| {
                    let e = LangError::type_err("slice indices must be integers or None");
                    match p {
                        Some(p) => e.at(p.span),
                        None => e,
                    }
                })?),
            };
        }
        slice(&o, b)
    }

    /// Python's format spec (`04x`, `>10`, `<8`, `.2f`), by way of the `%` formatting it maps onto.
    pub(crate) fn format_spec(&self, v: &Value, spec: &str) -> Result<String, LangError> {
        if spec.is_empty() {
            return Ok(self.text(v));
        }
        let (align, rest) = match spec.as_bytes()[0] {
            b'<' => ("-", &spec[1..]),
            b'>' => ("", &spec[1..]),
            _ => ("", spec),
        };
        let (body, conv) = match rest.chars().last() {
            Some(c) if c.is_ascii_alphabetic() => (&rest[..rest.len() - 1], c),
            _ if matches!(v, Value::Float(_)) => (rest, 'f'),
            _ if v.as_int().is_some() && !matches!(v, Value::Flag(..)) => (rest, 'd'),
            _ => (rest, 's'),
        };
        let arg = match v {
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => v.clone(),
            other => Value::str(&self.text(other)),
        };
        percent_format(&format!("%{align}{body}{conv}"), &Value::Tuple(Rc::from([arg])))
    }

    /// A call's positional and keyword arguments, evaluated left to right.
    fn eval_args(&mut self, args: &[Arg]) -> Result<CallArgs, LangError> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Pos(x) => pos.push(self.eval(x)?),
                Arg::Kw(n, span, x) => kw.push((n.clone(), self.eval(x)?, *span)),
            }
        }
        Ok((pos, kw))
    }

    fn eval_all(&mut self, items: &[Expr]) -> Result<Vec<Value>, LangError> {
        items.iter().map(|x| self.eval(x)).collect()
    }

    fn comprehension(&mut self, elt: &Expr, clauses: &[Comp], out: &mut Vec<Value>) -> Result<(), LangError> {
        let Some((first, rest)) = clauses.split_first() else {
            out.push(self.eval(elt)?);
            return Ok(());
        };
        match first {
            Comp::If(cond) => {
                if self.eval(cond)?.truthy() {
                    self.comprehension(elt, rest, out)?;
                }
                Ok(())
            }
            Comp::For(target, iter) => {
                let it = self.eval(iter)?;
                self.iterate(&it, |s, v| {
                    s.assign(target, v, true)?;
                    s.comprehension(elt, rest, out)?;
                    Ok(true)
                })
                .map_err(|e| e.at(iter.span))
            }
        }
    }

    /// The function a call calls. A missing attribute that is called is a missing method, even on a packet
    /// (whose other attributes are its fields). Out of line, so that `eval`'s frame, on the stack once per
    /// nesting, stays small.
    #[inline(never)]
    fn called(&mut self, f: &Expr) -> Result<Value, LangError> {
        let ExprKind::Attr(obj, name) = &f.kind else {
            return self.eval(f);
        };
        let o = self.eval(obj)?;
        self.get_attr(o.clone(), name).map_err(|e| match e.kind {
            ErrorKind::Attribute => no_attribute(&o, name),
            _ => e,
        })
    }

    pub(crate) fn get_attr(&mut self, obj: Value, name: &str) -> Result<Value, LangError> {
        if let Some(m) = table::method(&obj, name) {
            return Ok(Value::Method(Rc::new((obj, m))));
        }
        match &obj {
            Value::Packet(p) if name == "payload" => {
                let n = p.view().layers().len();
                Ok(if p.start + 1 < n {
                    Value::Packet(Pkt {
                        start: p.start + 1,
                        ..p.clone()
                    })
                } else {
                    Value::None
                })
            }
            // Scapy's `name`: the layer's long name, unless a field is called so.
            Value::Packet(p) if name == "name" && field_owner(p, name).is_err() => {
                let pk = p.view();
                Ok(pk
                    .layers()
                    .get(p.start)
                    .map_or(Value::None, |l| Value::str(l.proto().long_name)))
            }
            Value::Class(c) if name == "name" => Ok(Value::str(c.long_name)),
            // Python's `x.__class__`, what `type(x)` gives.
            _ if name == "__class__" => match self.lookup("type") {
                Some(t) => self.call(&t, vec![obj.clone()], Vec::new()),
                None => Err(no_attribute(&obj, name)),
            },
            Value::Host(h) if h.attr(name).is_some() => Ok(h.attr(name).unwrap_or(Value::None)),
            // Scapy's FlagValue: `flags.S` says whether that flag is set, `flags.value` is the number.
            Value::Flag(v, _) if name == "value" => Ok(Value::Int(i128::from(*v))),
            Value::Flag(v, f) if flag_bits(f, name).is_some() => {
                Ok(Value::Bool(flag_bits(f, name).is_some_and(|bits| v & bits == bits)))
            }
            // Scapy's `fields`: what was set on the layer.
            Value::Packet(p) if name == "fields" && field_owner(p, name).is_err() => {
                Ok(super::builtins::layer_fields(p))
            }
            // Scapy's `time`: seconds as a float; the nanoseconds stay in the packet for writing.
            Value::Packet(p) if name == "time" && field_owner(p, name).is_err() => Ok(Value::Float(p.time().as_f64())),
            Value::Packet(p) if name == "sent_time" => {
                Ok(p.meta.sent_time.get().map_or(Value::None, |t| Value::Float(t.as_f64())))
            }
            Value::Packet(p) => {
                let (li, fi) = self.field_of(p, name)?;
                let pk = p.view();
                let field = &pk.layers()[li].proto().fields[fi];
                Ok(match pk.value(li, fi) {
                    // The field's own list, as in Scapy: changing it (or a record in it) changes the packet.
                    v @ (crate::packet::FieldValue::Layers(_) | crate::packet::FieldValue::List(_)) => {
                        drop(pk);
                        p.field_list(li, fi, v)
                    }
                    v => super::value::from_field(v, field),
                })
            }
            Value::Conf => Ok(table::conf_value(self, name, &self.conf[conf_index(name)?])),
            other => Err(no_attribute(other, name)),
        }
    }

    /// Calls a function value with positional and keyword arguments (keywords with the span of their name).
    pub(crate) fn call(&mut self, f: &Value, pos: Vec<Value>, kw: Keywords) -> Result<Value, LangError> {
        match f {
            Value::Builtin(b) => {
                self.may_run(b)?;
                let args = Args::bind(b.name, b.params, pos, kw)?;
                (b.run)(self, &args)
            }
            Value::Method(m) => {
                let (recv, def) = &**m;
                let args = Args::bind(def.name, def.params, pos, kw)?;
                (def.run)(self, recv, &args)
            }
            Value::Class(proto) => construct(self, proto, pos, kw),
            Value::Lambda(c) => self.call_lambda(c, pos, kw),
            other => Err(LangError::type_err(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    fn call_lambda(&mut self, c: &Closure, pos: Vec<Value>, kw: Keywords) -> Result<Value, LangError> {
        self.steps.take()?;
        if self.depth >= MAX_CALL_DEPTH {
            return Err(LangError::new(
                ErrorKind::Recursion,
                format!("maximum recursion depth ({MAX_CALL_DEPTH} nested calls) exceeded"),
            ));
        }
        let params = &c.lambda.params;
        if pos.len() > params.len() {
            return Err(LangError::type_err(format!(
                "{}() takes {} positional arguments but {} were given",
                c.name(),
                params.len(),
                pos.len()
            )));
        }
        let mut slots: Vec<Option<Value>> = pos.into_iter().map(Some).collect();
        slots.resize(params.len(), None);
        for (name, v, span) in kw {
            let Some(i) = params.iter().position(|(n, _)| *n == name) else {
                return Err(
                    LangError::type_err(format!("{}() got an unexpected keyword argument '{name}'", c.name())).at(span),
                );
            };
            if slots[i].replace(v).is_some() {
                return Err(
                    LangError::type_err(format!("{}() got multiple values for argument '{name}'", c.name())).at(span),
                );
            }
        }
        let mut frame = c.captured.clone();
        for (i, ((name, _), slot)) in params.iter().zip(slots).enumerate() {
            let v = slot
                .or_else(|| c.defaults[i].clone())
                .ok_or_else(|| LangError::type_err(format!("{}() missing required argument '{name}'", c.name())))?;
            frame.push((name.clone(), v));
        }
        let saved = std::mem::replace(&mut self.locals, frame);
        self.depth += 1;
        // A call may run on any thread a library user has (a test's has 2 MiB): when the stack runs low, the
        // rest of the call runs on a segment allocated for it, so the depth limit is the only limit.
        let r = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || match &c.lambda.body {
            Body::Expr(e) => self.eval(e),
            Body::Block(stmts) => self.exec_block(stmts).and_then(|flow| match flow {
                Flow::Return(v) => Ok(v),
                Flow::Normal => Ok(Value::None),
                Flow::Break | Flow::Continue => Err(LangError::syntax(
                    "'break' or 'continue' outside a loop",
                    Span::new(0, 0),
                )),
            }),
        });
        self.depth -= 1;
        self.locals = saved;
        r
    }

    /// Runs the first `except` clause that catches `err` (with the error bound to its name); none catching it,
    /// the error goes on.
    fn handle(&mut self, err: LangError, handlers: &[Handler]) -> Result<Flow, LangError> {
        for h in handlers {
            if !self.catches(h.class.as_ref(), &err)? {
                continue;
            }
            if let Some(name) = &h.name {
                let e = Value::host(exception::Raised {
                    kind: err.kind,
                    message: err.message.clone(),
                });
                let target = Expr {
                    kind: ExprKind::Name(name.clone()),
                    span: err.span.unwrap_or(Span::new(0, 0)),
                };
                self.assign(&target, e, self.in_function())?;
            }
            self.handling.push(err);
            let r = self.exec_block(&h.body);
            self.handling.pop();
            return r;
        }
        Err(err)
    }

    /// Whether an `except` clause naming `class` (a class or a tuple of them; none: any) catches `err`.
    fn catches(&mut self, class: Option<&Expr>, err: &LangError) -> Result<bool, LangError> {
        let Some(class) = class else {
            return Ok(!matches!(err.kind, ErrorKind::Exit(_)));
        };
        let classes = match self.eval(class)? {
            Value::Tuple(items) => items.to_vec(),
            one => vec![one],
        };
        let mut found = false;
        for c in classes {
            match c {
                Value::Builtin(b) if exception::is_class(b.name) => found |= exception::catches(b.name, err.kind),
                other => {
                    return Err(LangError::type_err(format!(
                        "catching classes that do not inherit from BaseException is not allowed, not {}",
                        other.type_name()
                    ))
                    .at(class.span))
                }
            }
        }
        Ok(found)
    }

    /// A function value: `l` with its defaults evaluated now and the local variables it closes over.
    fn closure(&mut self, l: &Rc<Lambda>) -> Result<Value, LangError> {
        let defaults = l
            .params
            .iter()
            .map(|(_, d)| d.as_ref().map(|d| self.eval(d)).transpose())
            .collect::<Result<_, _>>()?;
        Ok(Value::Lambda(Rc::new(Closure {
            lambda: l.clone(),
            defaults,
            captured: self.locals.clone(),
        })))
    }

    /// Inside a function's body, where assignments bind local names.
    fn in_function(&self) -> bool {
        self.depth > 0
    }
}

/// A time given as seconds since the epoch (an int, or a float kept to the microsecond).
fn packet_time(v: &Value) -> Result<Timestamp, LangError> {
    let t = match v {
        Value::Float(f) => Timestamp::from_f64(*f),
        v => v
            .as_int()
            .and_then(|i| i64::try_from(i).ok())
            .map(|s| Timestamp::new(s, 0)),
    };
    t.ok_or_else(|| {
        LangError::type_err(format!(
            "a packet's time is seconds since the epoch (an int or a float), not {}",
            v.repr()
        ))
    })
}

impl Session {
    /// The layer and index of the field `name` names in `p` (see [`field_owner`]), warning when it is an old
    /// name.
    fn field_of(&mut self, p: &Pkt, name: &str) -> Result<(usize, usize), LangError> {
        p.lists_written()?;
        p.record_gone()?;
        let (li, fi) = field_owner(p, name)?;
        let proto = p.view().layers()[li].proto();
        self.warn_if_old_name(proto, name);
        Ok((li, fi))
    }
}

/// After field `fi` of layer `li` was given a new value: when it is a packet-list field, record values taken
/// before may name other records now (see [`Pkt::lists_replaced`]).
fn replaced_records(p: &Pkt, li: usize, fi: usize) {
    let is_list = p
        .view()
        .layers()
        .get(li)
        .is_some_and(|l| matches!(l.proto().fields[fi].kind, crate::packet::Kind::Records(_)));
    if is_list {
        p.lists_replaced();
    }
}

/// The first layer of `p` from its start that has a field `name` (or an old name of one), and the field's index.
fn field_owner(p: &Pkt, name: &str) -> Result<(usize, usize), LangError> {
    let pk = p.view();
    let layers = pk.layers();
    for (i, l) in layers.iter().enumerate().skip(p.start) {
        if let Some(f) = l.field_index(name) {
            return Ok((i, f));
        }
    }
    let Some(first) = layers.get(p.start) else {
        return Err(LangError::new(
            ErrorKind::Attribute,
            format!("empty packet has no field '{name}'"),
        ));
    };
    let names: Vec<&'static str> = layers[p.start..]
        .iter()
        .flat_map(|l| l.proto().fields.iter().map(|f| f.name))
        .collect();
    let err = match closest(name, &names) {
        Some((_, s)) => format!(
            "{} has no field '{name}'; did you mean '{s}'?",
            layer_names(&layers[p.start..])
        ),
        None => match crate::Error::no_field(first.proto(), name) {
            e @ crate::Error::NoField {
                suggestion: Some(_), ..
            } if layers.len() - p.start == 1 => e.to_string(),
            _ => format!("{} has no field '{name}'", layer_names(&layers[p.start..])),
        },
    };
    Err(LangError::new(ErrorKind::Attribute, err))
}

/// Python's error for an attribute `obj` lacks, suggesting the nearest of its methods.
fn no_attribute(obj: &Value, name: &str) -> LangError {
    let methods: Vec<&str> = table::methods_of(obj).iter().map(|m| m.name).collect();
    let hint = closest(name, &methods).map_or(String::new(), |(_, m)| format!("; did you mean '{m}'?"));
    // A packet's class is its first layer's, as in Scapy (`'IP' object`).
    let class = match obj {
        Value::Packet(p) => p.view().layers().get(p.start).map_or("Packet", |l| l.name()),
        other => other.type_name(),
    };
    LangError::new(
        ErrorKind::Attribute,
        format!("'{class}' object has no attribute '{name}'{hint}"),
    )
}

fn layer_names(layers: &[Layer]) -> String {
    layers.iter().map(|l| l.name()).collect::<Vec<_>>().join(" / ")
}

/// `IP(ttl=3)` builds a layer; `IP(b"...")` dissects bytes as IP, then applies the keyword fields.
fn construct(s: &mut Session, proto: &'static Proto, pos: Vec<Value>, kw: Keywords) -> Result<Value, LangError> {
    let mut p = match pos.as_slice() {
        [] => Packet::from(Layer::new(proto)),
        [Value::Bytes(b)] => Packet::dissect_as(proto, b),
        [Value::Str(s)] => Packet::dissect_as(proto, s.as_bytes()),
        _ => {
            return Err(LangError::type_err(format!(
                "{}() takes bytes to dissect and field=value arguments",
                proto.name
            )))
        }
    };
    if !kw.is_empty() {
        let layer = &mut p.layers_mut()[0];
        for (name, v, span) in kw {
            s.warn_if_old_name(proto, &name);
            let fv = to_field(&v).map_err(|e| e.at(span))?;
            s.warn_if_skipped(proto, &name, &fv);
            layer.set(&name, fv).map_err(|e| LangError::from(e).at(span))?;
        }
    }
    Ok(Value::packet(p))
}
