//! The evaluator: a tree walker over the AST with Python's semantics where Scapy users rely on them, and
//! Scapy's where packets are concerned (`/` stacks, `p[TCP]` is the TCP layer up, `p.ttl` reads the first
//! layer that has a `ttl`).

use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, OnceLock};

use super::ast::{Arg, BinOp, CmpOp, Comp, Expr, ExprKind, FPart, Span, Stmt, StmtKind, UnOp};
use super::builtins::{self, Builtin, ParamKind, Recv, CONF};
use super::error::{ErrorKind, LangError};
use super::live;
use super::parse;
use super::pcap;
use super::value::{range_len, to_field, Closure, Pkt, Value};
use crate::error::closest;
use crate::packet::{Layer, Packet, Proto};
use crate::pcapio::slice_indices;

/// Positional arguments, and keyword arguments with the span of their name.
type CallArgs = (Vec<Value>, Vec<(Rc<str>, Value, Span)>);

/// Lambda calls nested deeper than this raise `RecursionError` instead of overflowing the stack.
const MAX_CALL_DEPTH: usize = 64;

/// What a statement tells the loop around it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// Names every program sees unless it rebinds them: builtins, layer classes and `conf`.
#[derive(Clone, Copy)]
enum Static {
    Builtin(&'static Builtin),
    Class(&'static Proto),
    Conf,
}

/// Built on the first name lookup, not at start-up.
fn statics() -> &'static HashMap<&'static str, Static> {
    static MAP: OnceLock<HashMap<&'static str, Static>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = HashMap::new();
        for p in crate::layers::ALL {
            m.insert(p.name, Static::Class(p));
        }
        for b in builtins::BUILTINS {
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

/// One interpreter: variables, `_`, `conf`, and where output goes.
pub struct Session {
    globals: HashMap<Rc<str>, Value>,
    /// Lambda parameters and comprehension variables, innermost last.
    locals: Vec<(Rc<str>, Value)>,
    conf: Vec<Value>,
    out: Box<dyn Write>,
    interrupt: Arc<AtomicBool>,
    depth: usize,
    /// Echo the value of each expression statement, as a prompt does. Off for `-c` and scripts.
    pub echo: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// A session writing to standard output.
    pub fn new() -> Session {
        Session::with_output(std::io::stdout())
    }

    /// A session writing its output (print, show, ls, echoed values) to `out`.
    pub fn with_output(out: impl Write + 'static) -> Session {
        Session {
            globals: HashMap::new(),
            locals: Vec::new(),
            conf: CONF.iter().map(|c| c.default.value()).collect(),
            out: Box::new(out),
            interrupt: Arc::new(AtomicBool::new(false)),
            depth: 0,
            echo: false,
        }
    }

    /// The flag a Ctrl-C handler sets; loops check it and stop with `KeyboardInterrupt`, keeping what they did.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// Runs one input (a line, a cell, a script). Returns the value of the last statement when it is an
    /// expression with a value. Errors carry their location in `source`, named `origin` (`<stdin>`, a path).
    pub fn run(&mut self, source: &str, origin: &str) -> Result<Option<Value>, LangError> {
        self.interrupt.store(false, AtomicOrdering::Relaxed);
        let result = parse::parse(source).and_then(|stmts| self.run_statements(&stmts));
        let flushed = self.out.flush();
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
                    _ => return Err(LangError::syntax("'break' or 'continue' outside a loop", s.span)),
                },
            }
        }
        Ok(last)
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.globals.get(name).cloned()
    }

    /// Binds a variable, as `name = value` does.
    pub fn set(&mut self, name: &str, value: Value) {
        self.globals.insert(Rc::from(name), value);
    }

    /// The names of the variables the user bound.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.globals.iter().map(|(k, v)| (&**k, v))
    }

    /// A `conf` setting's current value.
    pub fn conf(&self, name: &str) -> Option<Value> {
        CONF.iter().position(|c| c.name == name).map(|i| self.conf[i].clone())
    }

    /// Writes to the session's output. A closed pipe ends the program quietly (exit code 0).
    pub(crate) fn write(&mut self, text: &str) -> Result<Value, LangError> {
        self.out.write_all(text.as_bytes()).map_err(io_error)?;
        Ok(Value::None)
    }

    /// Python's `repr`, with `conf` listing its settings as set (reading `conf.route` shows the machine's).
    pub fn repr(&self, v: &Value) -> String {
        match v {
            Value::Conf => CONF
                .iter()
                .zip(&self.conf)
                .map(|(c, v)| format!("{:<10} = {}", c.name, v.repr()))
                .collect::<Vec<_>>()
                .join("\n"),
            v => v.repr(),
        }
    }

    /// Python's `str`, as `print` shows a value.
    pub fn text(&self, v: &Value) -> String {
        match v {
            Value::Conf => self.repr(v),
            v => v.to_text(),
        }
    }

    /// Where `print`, `show` and the streamed listings write.
    pub(crate) fn output(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// A warning (a capture cut short): on stderr, apart from the output, and the program goes on.
    pub(crate) fn warn(&self, w: &dyn std::fmt::Display) {
        eprintln!("warning: {w}");
    }

    /// Stops with `KeyboardInterrupt` if Ctrl-C was pressed since the last check, clearing the flag.
    pub(crate) fn check_interrupt(&self) -> Result<(), LangError> {
        if self.interrupt.swap(false, AtomicOrdering::Relaxed) {
            return Err(LangError::new(ErrorKind::Interrupted, "interrupted"));
        }
        Ok(())
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
                    self.assign(t, v.clone(), false)?;
                }
            }
            StmtKind::AugAssign(target, op, value) => {
                let cur = self.eval(target)?;
                let rhs = self.eval(value)?;
                let v = binop(*op, cur, rhs).map_err(|e| e.at(s.span))?;
                self.assign(target, v, false)?;
            }
            StmtKind::Del(targets) => {
                for t in targets {
                    self.delete(t).map_err(|e| e.at(t.span))?;
                }
            }
            StmtKind::For { target, iter, body } => {
                let it = self.eval(iter)?;
                self.iterate(&it, |s, v| {
                    s.assign(target, v, false)?;
                    for st in body {
                        match s.exec(st)? {
                            Flow::Normal => {}
                            Flow::Break => return Ok(false),
                            Flow::Continue => break,
                        }
                    }
                    Ok(true)
                })
                .map_err(|e| e.at(iter.span))?;
            }
            StmtKind::If { branches, orelse } => {
                for (cond, body) in branches {
                    if self.eval(cond)?.truthy() {
                        return self.exec_block(body);
                    }
                }
                return self.exec_block(orelse);
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
                let (pos, kw) = self.eval_args(args)?;
                let args = bind(b.name, b.params, pos, kw).map_err(|err| err.at(e.span))?;
                return run(self, args).map_err(|err| err.at(e.span));
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

    fn set_attr(&mut self, obj: &Value, name: &str, v: &Value) -> Result<(), LangError> {
        match obj {
            Value::Packet(p) => {
                let fv = to_field(v)?;
                let (li, _) = field_owner(p, name)?;
                p.cell.borrow_mut().layers_mut()[li].set(name, fv)?;
                Ok(())
            }
            Value::Conf => {
                let i = conf_index(name)?;
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
                let i = index_in(&key, items.len(), "list")?;
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
                    let (li, _) = field_owner(&p, name)?;
                    p.cell.borrow_mut().layers_mut()[li].unset(name)?;
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
                        let i = index_in(&k, items.len(), "list")?;
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
            Value::PacketList(l) => each!(l.iter().map(pcap::frame_value)),
            Value::Results(r) => each!(r.items()),
            // Lazily: one packet in memory at a time, however large the file.
            Value::PcapReader(r) => loop {
                self.check_interrupt()?;
                let Some(item) = pcap::next_packet(self, r) else {
                    break;
                };
                if !f(self, item)? {
                    break;
                }
            },
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

    /// All the items of an iterable.
    pub(crate) fn collect(&mut self, v: &Value) -> Result<Vec<Value>, LangError> {
        let mut out = Vec::new();
        self.iterate(v, |_, x| {
            out.push(x);
            Ok(true)
        })?;
        Ok(out)
    }

    // -----------------------------------------------------------------------------------------------------
    // Expressions.

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
                    if !compare(*op, &lhs, &rhs).map_err(|err| err.at(e.span))? {
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
            ExprKind::Lambda(l) => {
                let defaults = l
                    .params
                    .iter()
                    .map(|(_, d)| d.as_ref().map(|d| self.eval(d)).transpose())
                    .collect::<Result<_, _>>()?;
                Value::Lambda(Rc::new(Closure {
                    lambda: l.clone(),
                    defaults,
                    captured: self.locals.clone(),
                }))
            }
            ExprKind::Call(f, args) => {
                let fv = self.eval(f)?;
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
            ExprKind::Slice(obj, parts) => {
                let o = self.eval(obj)?;
                let mut b = [None, None, None];
                for (slot, p) in b.iter_mut().zip(parts) {
                    if let Some(p) = p {
                        *slot = match self.eval(p)? {
                            Value::None => None,
                            v => Some(v.as_int().ok_or_else(|| {
                                LangError::type_err("slice indices must be integers or None").at(p.span)
                            })?),
                        };
                    }
                }
                slice(&o, b)?
            }
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

    /// Python's format spec (`04x`, `>10`, `<8`, `.2f`), by way of the `%` formatting it maps onto.
    fn format_spec(&self, v: &Value, spec: &str) -> Result<String, LangError> {
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

    fn get_attr(&mut self, obj: Value, name: &str) -> Result<Value, LangError> {
        if let Some(m) = Recv::of(&obj).and_then(|r| builtins::method(r, name)) {
            return Ok(Value::Method(Rc::new((obj, m))));
        }
        match &obj {
            Value::Packet(p) if name == "payload" => {
                let n = p.cell.borrow().layers().len();
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
                let pk = p.cell.borrow();
                Ok(pk
                    .layers()
                    .get(p.start)
                    .map_or(Value::None, |l| Value::str(l.proto().long_name)))
            }
            Value::Class(c) if name == "name" => Ok(Value::str(c.long_name)),
            // Scapy's `time`: seconds as a float; the nanoseconds stay in the packet for writing.
            Value::Packet(p) if name == "time" && field_owner(p, name).is_err() => Ok(Value::Float(p.time.as_f64())),
            Value::Packet(p) => {
                let (li, fi) = field_owner(p, name)?;
                let pk = p.cell.borrow();
                let field = &pk.layers()[li].proto().fields[fi];
                Ok(super::value::from_field(pk.value(li, fi), field))
            }
            Value::Conf => Ok(live::conf_value(self, name, &self.conf[conf_index(name)?])),
            other => {
                let methods: Vec<&str> = Recv::of(other)
                    .map(|r| {
                        builtins::METHODS
                            .iter()
                            .filter(|m| m.recv == r)
                            .map(|m| m.name)
                            .collect()
                    })
                    .unwrap_or_default();
                let hint = closest(name, &methods).map_or(String::new(), |(_, m)| format!("; did you mean '{m}'?"));
                Err(LangError::new(
                    ErrorKind::Attribute,
                    format!("'{}' object has no attribute '{name}'{hint}", other.type_name()),
                ))
            }
        }
    }

    /// Calls a function value with positional and keyword arguments (keywords with the span of their name).
    pub(crate) fn call(
        &mut self,
        f: &Value,
        pos: Vec<Value>,
        kw: Vec<(Rc<str>, Value, Span)>,
    ) -> Result<Value, LangError> {
        match f {
            Value::Builtin(b) => {
                let args = bind(b.name, b.params, pos, kw)?;
                (b.run)(self, args)
            }
            Value::Method(m) => {
                let (recv, def) = &**m;
                let args = bind(def.name, def.params, pos, kw)?;
                (def.run)(self, recv, args)
            }
            Value::Class(proto) => construct(proto, pos, kw),
            Value::Lambda(c) => self.call_lambda(c, pos, kw),
            other => Err(LangError::type_err(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    fn call_lambda(
        &mut self,
        c: &Closure,
        pos: Vec<Value>,
        kw: Vec<(Rc<str>, Value, Span)>,
    ) -> Result<Value, LangError> {
        if self.depth >= MAX_CALL_DEPTH {
            return Err(LangError::new(
                ErrorKind::Recursion,
                format!("maximum recursion depth ({MAX_CALL_DEPTH} nested calls) exceeded"),
            ));
        }
        let params = &c.lambda.params;
        if pos.len() > params.len() {
            return Err(LangError::type_err(format!(
                "<lambda>() takes {} positional arguments but {} were given",
                params.len(),
                pos.len()
            )));
        }
        let mut slots: Vec<Option<Value>> = pos.into_iter().map(Some).collect();
        slots.resize(params.len(), None);
        for (name, v, span) in kw {
            let Some(i) = params.iter().position(|(n, _)| *n == name) else {
                return Err(
                    LangError::type_err(format!("<lambda>() got an unexpected keyword argument '{name}'")).at(span),
                );
            };
            if slots[i].replace(v).is_some() {
                return Err(
                    LangError::type_err(format!("<lambda>() got multiple values for argument '{name}'")).at(span),
                );
            }
        }
        let mut frame = c.captured.clone();
        for (i, ((name, _), slot)) in params.iter().zip(slots).enumerate() {
            let v = slot
                .or_else(|| c.defaults[i].clone())
                .ok_or_else(|| LangError::type_err(format!("<lambda>() missing required argument '{name}'")))?;
            frame.push((name.clone(), v));
        }
        let saved = std::mem::replace(&mut self.locals, frame);
        self.depth += 1;
        let r = self.eval(&c.lambda.body);
        self.depth -= 1;
        self.locals = saved;
        r
    }
}

/// An output error: a closed pipe (`| head`) ends the program quietly with exit code 0.
pub(crate) fn io_error(e: std::io::Error) -> LangError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        LangError::new(ErrorKind::Exit(0), "broken pipe")
    } else {
        LangError::new(ErrorKind::Io, format!("cannot write output: {e}"))
    }
}

fn conf_index(name: &str) -> Result<usize, LangError> {
    CONF.iter().position(|c| c.name == name).ok_or_else(|| {
        let names: Vec<&str> = CONF.iter().map(|c| c.name).collect();
        let hint = closest(name, &names).map_or(String::new(), |(_, s)| format!("; did you mean '{s}'?"));
        LangError::new(ErrorKind::Attribute, format!("conf has no setting '{name}'{hint}"))
    })
}

/// The first layer from the value's start that has field `name`, as Scapy's `__getattr__` searches; the error
/// names the closest field of any of those layers.
fn field_owner(p: &Pkt, name: &str) -> Result<(usize, usize), LangError> {
    let pk = p.cell.borrow();
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

fn layer_names(layers: &[Layer]) -> String {
    layers.iter().map(|l| l.name()).collect::<Vec<_>>().join(" / ")
}

/// Fills a builtin's parameters from the arguments, in table order; the error names what is wrong.
fn bind(
    fname: &str,
    params: &[builtins::Param],
    pos: Vec<Value>,
    kw: Vec<(Rc<str>, Value, Span)>,
) -> Result<Vec<Value>, LangError> {
    let mut slots: Vec<Option<Value>> = vec![None; params.len()];
    let mut pos = pos.into_iter();
    for (slot, p) in slots.iter_mut().zip(params) {
        match p.kind {
            ParamKind::Star => {
                *slot = Some(Value::Tuple(pos.by_ref().collect()));
                break;
            }
            _ => match pos.next() {
                Some(v) => *slot = Some(v),
                None => break,
            },
        }
    }
    let extra = pos.count();
    if extra > 0 {
        return Err(LangError::type_err(format!(
            "{fname}() takes at most {} positional arguments ({} given)",
            params.len(),
            params.len() + extra
        )));
    }
    for (name, v, span) in kw {
        let Some(i) = params
            .iter()
            .position(|p| p.name == &*name && !matches!(p.kind, ParamKind::Star))
        else {
            let names: Vec<&str> = params.iter().map(|p| p.name).collect();
            let hint = closest(&name, &names).map_or(String::new(), |(_, s)| format!("; did you mean '{s}'?"));
            return Err(
                LangError::type_err(format!("{fname}() got an unexpected keyword argument '{name}'{hint}")).at(span),
            );
        };
        if slots[i].replace(v).is_some() {
            return Err(LangError::type_err(format!("{fname}() got multiple values for argument '{name}'")).at(span));
        }
    }
    slots
        .into_iter()
        .zip(params)
        .map(|(slot, p)| match (slot, p.kind) {
            (Some(v), _) => Ok(v),
            (None, ParamKind::Default(c)) => Ok(c.value()),
            (None, ParamKind::Star) => Ok(Value::Tuple(Rc::from([]))),
            (None, ParamKind::Required) => Err(LangError::type_err(format!(
                "{fname}() missing required argument '{}'",
                p.name
            ))),
        })
        .collect()
}

/// `IP(ttl=3)` builds a layer; `IP(b"...")` dissects bytes as IP, then applies the keyword fields.
fn construct(proto: &'static Proto, pos: Vec<Value>, kw: Vec<(Rc<str>, Value, Span)>) -> Result<Value, LangError> {
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
            let fv = to_field(&v).map_err(|e| e.at(span))?;
            layer.set(&name, fv).map_err(|e| LangError::from(e).at(span))?;
        }
    }
    Ok(Value::packet(p))
}

fn overflow() -> LangError {
    LangError::new(
        ErrorKind::Overflow,
        "integer overflow: wirecraft integers hold 128 bits",
    )
}

fn unary(op: UnOp, v: Value) -> Result<Value, LangError> {
    match (op, &v) {
        (UnOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
        (UnOp::Pos, Value::Float(_)) => Ok(v),
        (_, v) if v.as_int().is_some() => {
            let i = v.as_int().unwrap_or(0);
            match op {
                UnOp::Neg => i.checked_neg().map(Value::Int).ok_or_else(overflow),
                UnOp::Pos => Ok(Value::Int(i)),
                UnOp::Invert => Ok(Value::Int(!i)),
            }
        }
        (_, v) => Err(LangError::type_err(format!(
            "bad operand type for unary {}: '{}'",
            match op {
                UnOp::Neg => "-",
                UnOp::Pos => "+",
                UnOp::Invert => "~",
            },
            v.type_name()
        ))),
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "**",
        BinOp::Shl => "<<",
        BinOp::Shr => ">>",
        BinOp::BitAnd => "&",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
    }
}

/// Python's floor division and modulo: the remainder takes the divisor's sign.
fn floor_divmod(a: i128, b: i128) -> Result<(i128, i128), LangError> {
    if b == 0 {
        return Err(LangError::new(
            ErrorKind::ZeroDivision,
            "integer division or modulo by zero",
        ));
    }
    let (q, r) = (a.checked_div(b).ok_or_else(overflow)?, a % b);
    Ok(if r != 0 && ((r < 0) != (b < 0)) {
        (q - 1, r + b)
    } else {
        (q, r)
    })
}

/// Binary operators; `/` stacks packets, as in Scapy.
pub(crate) fn binop(op: BinOp, a: Value, b: Value) -> Result<Value, LangError> {
    use Value::*;
    if op == BinOp::Div {
        if let Some(p) = stack(&a, &b)? {
            return Ok(p);
        }
    }
    if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
        if !matches!((&a, &b), (Float(_), _) | (_, Float(_))) {
            return int_op(op, x, y);
        }
    }
    if let (Some(x), Some(y)) = (a.as_float(), b.as_float()) {
        return float_op(op, x, y);
    }
    let repeat = |n: i128| usize::try_from(n.max(0)).map_err(|_| overflow());
    Ok(match (op, &a, &b) {
        (BinOp::Add, Str(x), Str(y)) => Value::str(&format!("{x}{y}")),
        (BinOp::Add, Bytes(x), Bytes(y)) => Value::bytes(&[&x[..], &y[..]].concat()),
        (BinOp::Add, List(x), List(y)) => Value::list([&x.borrow()[..], &y.borrow()[..]].concat()),
        (BinOp::Add, Results(x), Results(y)) => Value::Results(Rc::new(x.concat(y))),
        (BinOp::Add, PacketList(x), PacketList(y)) => PacketList(Rc::new(&**x + &**y)),
        (BinOp::Add, Tuple(x), Tuple(y)) => Tuple([&x[..], &y[..]].concat().into()),
        (BinOp::Mul, Str(s), n) | (BinOp::Mul, n, Str(s)) if n.as_int().is_some() => {
            Value::str(&s.repeat(repeat(n.as_int().unwrap_or(0))?))
        }
        (BinOp::Mul, Bytes(s), n) | (BinOp::Mul, n, Bytes(s)) if n.as_int().is_some() => {
            Value::bytes(&s.repeat(repeat(n.as_int().unwrap_or(0))?))
        }
        (BinOp::Mul, List(l), n) | (BinOp::Mul, n, List(l)) if n.as_int().is_some() => {
            let items = l.borrow();
            let n = repeat(n.as_int().unwrap_or(0))?;
            Value::list(items.iter().cloned().cycle().take(items.len() * n).collect())
        }
        (BinOp::Mod, Str(f), args) => Value::str(&percent_format(f, args)?),
        _ => {
            return Err(LangError::type_err(format!(
                "unsupported operand types for {}: '{}' and '{}'",
                op_symbol(op),
                a.type_name(),
                b.type_name()
            )))
        }
    })
}

/// Scapy's `/`: packets stack; bytes or text on either side become a `Raw` layer.
fn stack(a: &Value, b: &Value) -> Result<Option<Value>, LangError> {
    let raw = |data: &[u8]| Packet::from(crate::layers::raw::raw(data));
    let p = match (a, b) {
        (Value::Packet(x), Value::Packet(y)) => x.owned() / y.owned(),
        (Value::Packet(x), Value::Bytes(y)) => x.owned() / &y[..],
        (Value::Packet(x), Value::Str(y)) => x.owned() / &**y,
        (Value::Bytes(x), Value::Packet(y)) => raw(x) / y.owned(),
        (Value::Str(x), Value::Packet(y)) => raw(x.as_bytes()) / y.owned(),
        (Value::Class(c), _) | (_, Value::Class(c)) => {
            return Err(LangError::type_err(format!(
                "{0} is a class: call it to make a layer, as {0}()",
                c.name
            )))
        }
        _ => return Ok(None),
    };
    Ok(Some(Value::packet(p)))
}

fn int_op(op: BinOp, x: i128, y: i128) -> Result<Value, LangError> {
    let r = match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::Div => return float_op(op, x as f64, y as f64),
        BinOp::FloorDiv => Some(floor_divmod(x, y)?.0),
        BinOp::Mod => Some(floor_divmod(x, y)?.1),
        BinOp::Pow if y < 0 => return float_op(op, x as f64, y as f64),
        BinOp::Pow => u32::try_from(y).ok().and_then(|y| x.checked_pow(y)),
        BinOp::Shl if y < 0 => return Err(LangError::value_err("negative shift count")),
        BinOp::Shl => u32::try_from(y)
            .ok()
            .filter(|s| *s < 128)
            .map(|s| x << s)
            .filter(|v| v >> y == x),
        BinOp::Shr if y < 0 => return Err(LangError::value_err("negative shift count")),
        BinOp::Shr => Some(if y >= 128 {
            if x < 0 {
                -1
            } else {
                0
            }
        } else {
            x >> y
        }),
        BinOp::BitAnd => Some(x & y),
        BinOp::BitOr => Some(x | y),
        BinOp::BitXor => Some(x ^ y),
    };
    r.map(Value::Int).ok_or_else(overflow)
}

fn float_op(op: BinOp, x: f64, y: f64) -> Result<Value, LangError> {
    let zero = || LangError::new(ErrorKind::ZeroDivision, "division by zero");
    Ok(Value::Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div if y == 0.0 => return Err(zero()),
        BinOp::Div => x / y,
        BinOp::FloorDiv if y == 0.0 => return Err(zero()),
        BinOp::FloorDiv => (x / y).floor(),
        BinOp::Mod if y == 0.0 => return Err(zero()),
        BinOp::Mod => x - y * (x / y).floor(),
        BinOp::Pow => x.powf(y),
        _ => {
            return Err(LangError::type_err(format!(
                "unsupported operand type for {}: 'float'",
                op_symbol(op)
            )))
        }
    }))
}

/// Python's `fmt % args` for `%s %r %d %i %x %X %o %f %%`, with flags, width and precision.
fn percent_format(fmt: &str, args: &Value) -> Result<String, LangError> {
    let args: Vec<Value> = match args {
        Value::Tuple(t) => t.to_vec(),
        v => vec![v.clone()],
    };
    let mut args = args.into_iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || matches!(d, '-' | '0' | '.' | ' ' | '+' | '#') {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let conv = chars.next().ok_or_else(|| LangError::value_err("incomplete format"))?;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let v = args
            .next()
            .ok_or_else(|| LangError::type_err("not enough arguments for format string"))?;
        let left = spec.starts_with('-');
        let zero = spec.trim_start_matches('-').starts_with('0');
        let (w, prec): (usize, Option<usize>) = match spec.trim_start_matches(['-', '0', ' ', '+', '#']).split_once('.')
        {
            Some((w, p)) => (w.parse().unwrap_or(0), p.parse::<usize>().ok()),
            None => (
                spec.trim_start_matches(['-', '0', ' ', '+', '#']).parse().unwrap_or(0),
                None,
            ),
        };
        let int = || {
            v.as_int().or_else(|| v.as_float().map(|f| f as i128)).ok_or_else(|| {
                LangError::type_err(format!("%{conv} format: a number is required, not {}", v.type_name()))
            })
        };
        let body = match conv {
            's' => v.to_text(),
            'r' => v.repr(),
            'd' | 'i' => int()?.to_string(),
            'x' => format!("{:x}", int()?),
            'X' => format!("{:X}", int()?),
            'o' => format!("{:o}", int()?),
            'f' | 'F' => {
                let f = v.as_float().ok_or_else(|| {
                    LangError::type_err(format!("%f format: a number is required, not {}", v.type_name()))
                })?;
                format!("{f:.*}", prec.unwrap_or(6))
            }
            other => return Err(LangError::value_err(format!("unsupported format character '{other}'"))),
        };
        let pad = w.saturating_sub(body.chars().count());
        if left {
            out.push_str(&body);
            out.push_str(&" ".repeat(pad));
        } else if zero && conv != 's' && conv != 'r' {
            let (sign, digits) = body.strip_prefix('-').map_or(("", body.as_str()), |d| ("-", d));
            out.push_str(sign);
            out.push_str(&"0".repeat(pad));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&body);
        }
    }
    if args.next().is_some() {
        return Err(LangError::type_err(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, LangError> {
    use std::cmp::Ordering::*;
    let order = || {
        a.compare(b).ok_or_else(|| {
            LangError::type_err(format!(
                "'{}' not supported between '{}' and '{}'",
                match op {
                    CmpOp::Lt => "<",
                    CmpOp::Le => "<=",
                    CmpOp::Gt => ">",
                    _ => ">=",
                },
                a.type_name(),
                b.type_name()
            ))
        })
    };
    Ok(match op {
        CmpOp::Eq => a.equals(b),
        CmpOp::Ne => !a.equals(b),
        CmpOp::Lt => order()? == Less,
        CmpOp::Le => order()? != Greater,
        CmpOp::Gt => order()? == Greater,
        CmpOp::Ge => order()? != Less,
        CmpOp::In => contains(b, a)?,
        CmpOp::NotIn => !contains(b, a)?,
        CmpOp::Is => identical(a, b),
        CmpOp::IsNot => !identical(a, b),
    })
}

fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::PacketList(x), Value::PacketList(y)) => Rc::ptr_eq(x, y),
        (Value::Packet(x), Value::Packet(y)) => Rc::ptr_eq(&x.cell, &y.cell) && x.start == y.start,
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        (Value::Bool(_) | Value::None, _) | (Value::Class(_), _) | (Value::Builtin(_), _) => a.equals(b),
        _ => false,
    }
}

/// Python's `item in container`; `TCP in p` asks whether the packet has a TCP layer.
fn contains(container: &Value, item: &Value) -> Result<bool, LangError> {
    Ok(match (container, item) {
        (Value::Packet(p), Value::Class(c)) => {
            let pk = p.cell.borrow();
            pk.layers()[p.start.min(pk.layers().len())..]
                .iter()
                .any(|l| std::ptr::eq(l.proto(), *c))
        }
        (Value::Packet(p), Value::Str(name)) => builtins::layer_of(p, item)?.is_some() || p.cell.borrow().has(name),
        (Value::List(l), x) => l.borrow().iter().any(|v| v.equals(x)),
        // A packet is in a list when a frame has its bytes.
        (Value::PacketList(l), Value::Packet(p)) => {
            let bytes = p.owned().build();
            l.iter().any(|f| f.data == &bytes[..])
        }
        (Value::Tuple(t), x) => t.iter().any(|v| v.equals(x)),
        (Value::Dict(d), x) => d.borrow().iter().any(|(k, _)| k.equals(x)),
        (Value::Str(s), Value::Str(x)) => s.contains(&**x),
        (Value::Bytes(b), Value::Bytes(x)) => x.is_empty() || b.windows(x.len()).any(|w| w == &x[..]),
        (Value::Bytes(b), x) if x.as_int().is_some() => b.iter().any(|v| Some(i128::from(*v)) == x.as_int()),
        (Value::Range(r), x) => x.as_int().is_some_and(|i| {
            let [start, _, step] = **r;
            let k = (i - start) / step;
            (i - start) % step == 0 && k >= 0 && k < range_len(r)
        }),
        (c, x) => {
            return Err(LangError::type_err(format!(
                "'in <{}>' requires a container, not {} in {}",
                c.type_name(),
                x.type_name(),
                c.type_name()
            )))
        }
    })
}

/// Position `key` (negative counts from the end) in a sequence of `len`.
fn index_in(key: &Value, len: usize, what: &str) -> Result<usize, LangError> {
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

fn index(o: &Value, k: &Value) -> Result<Value, LangError> {
    match o {
        Value::List(l) => {
            let items = l.borrow();
            Ok(items[index_in(k, items.len(), "list")?].clone())
        }
        // Scapy's `pkts[TCP]`: the packets that have the layer.
        Value::PacketList(l) => match k {
            Value::Class(c) => Ok(Value::PacketList(Rc::new(l.with_layer(c.name)))),
            Value::Str(name) => Ok(Value::PacketList(Rc::new(l.with_layer(name)))),
            k => {
                let i = index_in(k, l.len(), "list")?;
                Ok(l.get(i as isize).map_or(Value::None, pcap::frame_value))
            }
        },
        Value::Results(r) => Ok(r.item(index_in(k, r.len(), "list")?)),
        Value::Tuple(t) => Ok(t[index_in(k, t.len(), "tuple")?].clone()),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::str(&chars[index_in(k, chars.len(), "string")?].to_string()))
        }
        Value::Bytes(b) => Ok(Value::Int(i128::from(b[index_in(k, b.len(), "bytes")?]))),
        Value::Range(r) => {
            let i = index_in(k, usize::try_from(range_len(r)).unwrap_or(usize::MAX), "range")?;
            Ok(Value::Int(r[0] + i as i128 * r[2]))
        }
        Value::Dict(d) => d
            .borrow()
            .iter()
            .find(|(x, _)| x.equals(k))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| LangError::new(ErrorKind::Key, k.repr())),
        Value::Packet(p) => match k {
            Value::Class(c) => builtins::layer_of(p, k)?
                .ok_or_else(|| LangError::new(ErrorKind::Index, format!("Layer [{}] not found", c.name))),
            Value::Str(name) => builtins::layer_of(p, k)?
                .ok_or_else(|| LangError::new(ErrorKind::Index, format!("Layer [{name}] not found"))),
            other => Err(LangError::type_err(format!(
                "a packet is indexed by a layer class, as p[TCP], not by a {}",
                other.type_name()
            ))),
        },
        other => Err(LangError::type_err(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

/// Python's slice `o[lo:hi:step]`.
fn slice(o: &Value, [lo, hi, step]: [Option<i128>; 3]) -> Result<Value, LangError> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(LangError::value_err("slice step cannot be zero"));
    }
    let at = |v: Option<i128>| v.map(|v| v.clamp(isize::MIN as i128, isize::MAX as i128) as isize);
    let (lo, hi, step) = (at(lo), at(hi), at(Some(step)).unwrap_or(1));
    let pick = |n: usize| slice_indices(n, lo, hi, step);
    Ok(match o {
        Value::List(l) => {
            let items = l.borrow();
            Value::list(pick(items.len()).into_iter().map(|i| items[i].clone()).collect())
        }
        Value::PacketList(l) => Value::PacketList(Rc::new(l.slice(lo, hi, step))),
        Value::Results(r) => Value::Results(Rc::new(r.pick(pick(r.len())))),
        Value::Tuple(t) => Value::Tuple(pick(t.len()).into_iter().map(|i| t[i].clone()).collect()),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Value::str(&pick(chars.len()).into_iter().map(|i| chars[i]).collect::<String>())
        }
        Value::Bytes(b) => Value::bytes(&pick(b.len()).into_iter().map(|i| b[i]).collect::<Vec<u8>>()),
        other => {
            return Err(LangError::type_err(format!(
                "'{}' object cannot be sliced",
                other.type_name()
            )))
        }
    })
}
