//! The parameters of builtins and methods, and the arguments a body receives bound to them by name:
//! `args.get("timeout")`, `args.seconds("timeout")?`. A table row declares the parameters; the call binds
//! positional and keyword arguments to them once, with Python's errors; the body reads them by name, so a
//! parameter inserted in a row shifts nothing. The typed readers here are the language's one set of argument
//! conversions, each with the error text users see.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use super::ast::Span;
use super::error::LangError;
use super::value::Value;
use crate::error::closest;

/// A parameter and how it is filled.
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
}

#[derive(Clone, Copy)]
pub enum ParamKind {
    Required,
    Default(Const),
    /// `*name`: the remaining positional arguments, as a tuple.
    Star,
    /// `**name`: the keyword arguments no other parameter takes, as a dict (in the order given).
    StarStar,
}

/// A default value, written in a table as a constant.
#[derive(Clone, Copy)]
pub enum Const {
    None,
    Int(i64),
    Str(&'static str),
    Bool(bool),
    /// A number of seconds with a fraction, as `arping`'s `settle=0.5`.
    Float(f64),
    /// A pair of ints, as `portscan`'s `ports=(1, 1024)`.
    Pair(i64, i64),
}

impl Const {
    pub fn value(self) -> Value {
        match self {
            Const::None => Value::None,
            Const::Int(i) => Value::Int(i128::from(i)),
            Const::Str(s) => Value::str(s),
            Const::Bool(b) => Value::Bool(b),
            Const::Float(f) => Value::Float(f),
            Const::Pair(a, b) => Value::Tuple(Rc::from([Value::Int(i128::from(a)), Value::Int(i128::from(b))])),
        }
    }
}

pub(crate) const fn req(name: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::Required,
    }
}

pub(crate) const fn opt(name: &'static str, c: Const) -> Param {
    Param {
        name,
        kind: ParamKind::Default(c),
    }
}

pub(crate) const fn star(name: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::Star,
    }
}

pub(crate) const fn star_star(name: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::StarStar,
    }
}

/// `name(a, b=1, *rest)`, as help and the REPL's hints show a signature.
pub fn signature(name: &str, params: &[Param]) -> String {
    let parts: Vec<String> = signature_parts(params).into_iter().map(|(_, text)| text).collect();
    format!("{name}({})", parts.join(", "))
}

/// Each parameter's name and its part of [`signature`].
pub fn signature_parts(params: &[Param]) -> Vec<(&'static str, String)> {
    params
        .iter()
        .map(|p| {
            let text = match p.kind {
                ParamKind::Required => p.name.to_string(),
                ParamKind::Star => format!("*{}", p.name),
                ParamKind::StarStar => format!("**{}", p.name),
                ParamKind::Default(c) => format!("{}={}", p.name, c.value().repr()),
            };
            (p.name, text)
        })
        .collect()
}

/// Keyword arguments with the span of their name, for errors.
pub(crate) type Keywords = Vec<(Rc<str>, Value, Span)>;

/// A call's arguments bound to the parameters of its row. Reading a name the row does not declare is a
/// programming error (the row and the body drifted apart): a debug assertion, which every call in the test
/// suite and the row test (`rows_test.rs`, calling every row) would trip; release builds read it as None.
pub struct Args {
    func: &'static str,
    params: &'static [Param],
    values: Vec<Value>,
    /// Bit `i` set once parameter `i` was read, for the row test.
    read: Cell<u64>,
    none: Value,
}

impl Args {
    /// Fills the parameters from the arguments, in table order; the error names what is wrong.
    pub(crate) fn bind(
        func: &'static str,
        params: &'static [Param],
        pos: Vec<Value>,
        kw: Keywords,
    ) -> Result<Args, LangError> {
        debug_assert!(params.len() <= 64, "{func}() has more parameters than Args tracks");
        let mut slots: Vec<Option<Value>> = vec![None; params.len()];
        let mut pos = pos.into_iter();
        for (slot, p) in slots.iter_mut().zip(params) {
            match p.kind {
                ParamKind::Star => {
                    *slot = Some(Value::Tuple(pos.by_ref().collect()));
                    break;
                }
                ParamKind::StarStar => break,
                _ => match pos.next() {
                    Some(v) => *slot = Some(v),
                    None => break,
                },
            }
        }
        let extra = pos.count();
        if extra > 0 {
            return Err(LangError::type_err(format!(
                "{func}() takes at most {} positional arguments ({} given)",
                params.len(),
                params.len() + extra
            )));
        }
        let rest = params.iter().position(|p| matches!(p.kind, ParamKind::StarStar));
        let mut extra_kw = Vec::new();
        for (name, v, span) in kw {
            let Some(i) = params
                .iter()
                .position(|p| p.name == &*name && !matches!(p.kind, ParamKind::Star | ParamKind::StarStar))
            else {
                if rest.is_some() {
                    extra_kw.push((Value::Str(name), v));
                    continue;
                }
                let names: Vec<&str> = params.iter().map(|p| p.name).collect();
                let hint = closest(&name, &names).map_or(String::new(), |(_, s)| format!("; did you mean '{s}'?"));
                return Err(
                    LangError::type_err(format!("{func}() got an unexpected keyword argument '{name}'{hint}")).at(span),
                );
            };
            if slots[i].replace(v).is_some() {
                return Err(
                    LangError::type_err(format!("{func}() got multiple values for argument '{name}'")).at(span),
                );
            }
        }
        if let Some(i) = rest {
            slots[i] = Some(Value::Dict(Rc::new(std::cell::RefCell::new(extra_kw))));
        }
        let values = slots
            .into_iter()
            .zip(params)
            .map(|(slot, p)| match (slot, p.kind) {
                (Some(v), _) => Ok(v),
                (None, ParamKind::Default(c)) => Ok(c.value()),
                (None, ParamKind::Star) => Ok(Value::Tuple(Rc::from([]))),
                (None, ParamKind::StarStar) => Ok(Value::Dict(Rc::default())),
                (None, ParamKind::Required) => Err(LangError::type_err(format!(
                    "{func}() missing required argument '{}'",
                    p.name
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Args {
            func,
            params,
            values,
            read: Cell::new(0),
            none: Value::None,
        })
    }

    /// The argument of parameter `name`.
    pub fn get(&self, name: &str) -> &Value {
        match self.params.iter().position(|p| p.name == name) {
            Some(i) => {
                self.read.set(self.read.get() | 1 << i);
                &self.values[i]
            }
            None => {
                debug_assert!(
                    false,
                    "{}() reads '{name}', which its table row does not declare",
                    self.func
                );
                &self.none
            }
        }
    }

    /// The names of the parameters read so far, in table order.
    #[cfg(test)]
    pub(crate) fn read_names(&self) -> Vec<&'static str> {
        let read = self.read.get();
        self.params
            .iter()
            .enumerate()
            .filter(|(i, _)| read & 1 << i != 0)
            .map(|(_, p)| p.name)
            .collect()
    }

    /// A `*name` parameter's arguments.
    pub fn star(&self, name: &str) -> &[Value] {
        match self.get(name) {
            Value::Tuple(t) => t,
            _ => &[],
        }
    }

    pub fn truthy(&self, name: &str) -> bool {
        self.get(name).truthy()
    }

    pub fn int(&self, name: &str) -> Option<i128> {
        self.get(name).as_int()
    }

    /// None, or something to call.
    pub fn callback(&self, name: &str) -> Option<&Value> {
        Some(self.get(name)).filter(|v| !matches!(v, Value::None))
    }

    /// Optional text (an interface, a filter): None or a string.
    pub fn text(&self, name: &str) -> Result<Option<String>, LangError> {
        optional_text(self.get(name), name)
    }

    /// Text the function needs: `"x".startswith(p)`.
    pub fn str(&self, name: &str) -> Result<Rc<str>, LangError> {
        expect_text(self.get(name), self.func)
    }

    /// A file name.
    pub fn path(&self, name: &str) -> Result<Rc<str>, LangError> {
        match self.get(name) {
            Value::Str(s) => Ok(s.clone()),
            other => Err(LangError::type_err(format!(
                "{}() takes a file name, got {}",
                self.func,
                other.type_name()
            ))),
        }
    }

    /// A duration in seconds, or None.
    pub fn seconds(&self, name: &str) -> Result<Option<Duration>, LangError> {
        match self.get(name) {
            Value::None => Ok(None),
            v => v
                .as_float()
                .and_then(|f| Duration::try_from_secs_f64(f).ok())
                .map(Some)
                .ok_or_else(|| LangError::value_err(format!("{name} is a number of seconds, not {}", v.repr()))),
        }
    }

    /// A non-negative count, or None.
    pub fn count(&self, name: &str) -> Result<Option<u64>, LangError> {
        match self.get(name) {
            Value::None => Ok(None),
            v => v
                .as_int()
                .and_then(|n| u64::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| LangError::value_err(format!("{name} must be a non-negative int, not {}", v.repr()))),
        }
    }

    /// At most this many (Scapy's `count=-1`): None when negative or None.
    pub fn limit(&self, name: &str) -> Result<Option<usize>, LangError> {
        match self.get(name) {
            Value::None => Ok(None),
            v => match v.as_int() {
                Some(n) => Ok(usize::try_from(n).ok()),
                None => Err(LangError::type_err(format!(
                    "{name} must be an int, not {}",
                    v.type_name()
                ))),
            },
        }
    }
}

/// Optional text for parameter `name`, from an argument or an item of one (`iface=["a", "b"]`).
pub(crate) fn optional_text(v: &Value, name: &str) -> Result<Option<String>, LangError> {
    match v {
        Value::None => Ok(None),
        Value::Str(t) => Ok(Some(t.to_string())),
        v => Err(LangError::type_err(format!(
            "{name} must be text, not {}",
            v.type_name()
        ))),
    }
}

/// Text that `func` needs, from an argument or an item of one.
pub(crate) fn expect_text(v: &Value, func: &str) -> Result<Rc<str>, LangError> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(LangError::type_err(format!(
            "{func}() expects text, got {}",
            other.type_name()
        ))),
    }
}
