//! More of Python's builtins, the ones Scapy recipes lean on: `isinstance` and `type` (a packet's class is its
//! first layer's, as in Scapy), `bool`, attribute access by name, `dir`, `map`, `filter`, `round`, `chr`,
//! `ord`, `divmod`.

use super::args::{opt, req, star, Args, Const};
use super::ast::BinOp;
use super::error::{ErrorKind, LangError};
use super::exception;
use super::ops::binop;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::Value;

/// The Python type names `isinstance` and `type` know, as the language's values name them.
const TYPES: &[&str] = &["int", "float", "str", "bytes", "bool", "list", "tuple", "dict", "set"];

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "isinstance",
        [req("obj"), req("classinfo")],
        "Whether obj is of the class (or one of a tuple of them): isinstance(p.payload, TCP), isinstance(x, int).",
        b_isinstance
    ),
    builtin!(
        "type",
        [req("obj")],
        "The class of a value: a packet's is its first layer's (type(p) == IP).",
        b_type
    ),
    builtin!("bool", [opt("x", Const::Bool(false))], "The truth of a value.", b_bool),
    builtin!(
        "getattr",
        [req("obj"), req("name"), star("default")],
        "The attribute called name (a field, a method); the default when it is missing, if given.",
        b_getattr
    ),
    builtin!(
        "setattr",
        [req("obj"), req("name"), req("value")],
        "Sets the attribute called name: setattr(p, 'ttl', 3) is p.ttl = 3.",
        b_setattr
    ),
    builtin!(
        "hasattr",
        [req("obj"), req("name")],
        "Whether the value has the attribute.",
        b_hasattr
    ),
    builtin!(
        "dir",
        [req("obj")],
        "The attribute names of a value: its methods, and a packet's fields.",
        b_dir
    ),
    builtin!(
        "map",
        [req("function"), req("iterable")],
        "The function applied to each item, as a list.",
        b_map
    ),
    builtin!(
        "filter",
        [req("function"), req("iterable")],
        "The items the function holds true (the true items when it is None), as a list.",
        b_filter
    ),
    builtin!(
        "round",
        [req("number"), opt("ndigits", Const::None)],
        "A number rounded to ndigits decimals, halves to even as Python does; an int without ndigits.",
        b_round
    ),
    builtin!("chr", [req("i")], "The character of a Unicode code point.", b_chr),
    builtin!(
        "ord",
        [req("c")],
        "The code point of a one-character string (or the value of one byte).",
        b_ord
    ),
    builtin!(
        "divmod",
        [req("a"), req("b")],
        "The quotient and remainder: (a // b, a % b).",
        b_divmod
    ),
];

fn b_isinstance(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let obj = a.get("obj");
    let classes = match a.get("classinfo") {
        Value::Tuple(items) => items.to_vec(),
        one => vec![one.clone()],
    };
    let mut found = false;
    for class in &classes {
        found |= match class {
            Value::Class(proto) => matches!(obj, Value::Packet(p)
                if p.view().layers().get(p.start).is_some_and(|l| l.proto() == *proto)),
            Value::Builtin(b) if TYPES.contains(&b.name) => {
                // As in Python, a bool is an int too.
                obj.type_name() == b.name || (b.name == "int" && matches!(obj, Value::Bool(_)))
            }
            // Scapy's random values are classes: `isinstance(fuzz(p).ttl, RandByte)`.
            Value::Builtin(b) if b.name.starts_with("Rand") => {
                matches!(obj, Value::Gen(g) if matches!(**g, crate::packet::Generator::Rand(k) if k.name() == b.name))
            }
            Value::Builtin(b) if exception::is_class(b.name) => obj
                .as_host::<exception::Raised>()
                .is_some_and(|r| exception::catches(b.name, r.kind)),
            other => {
                return Err(LangError::type_err(format!(
                    "isinstance() arg 2 must be a class or a tuple of classes, not {}",
                    other.type_name()
                )))
            }
        };
    }
    Ok(Value::Bool(found))
}

fn b_type(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    match a.get("obj") {
        Value::Packet(p) => Ok(p.class()),
        other => match s.lookup(other.type_name()) {
            Some(Value::Builtin(b)) if TYPES.contains(&b.name) || exception::is_class(b.name) => Ok(Value::Builtin(b)),
            _ => Err(LangError::type_err(format!(
                "type() of a {} is not a class wirecraft names",
                other.type_name()
            ))),
        },
    }
}

fn b_bool(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    Ok(Value::Bool(a.get("x").truthy()))
}

fn b_getattr(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let name = a.str("name")?;
    match (s.get_attr(a.get("obj").clone(), &name), a.star("default")) {
        (Err(e), [default]) if e.kind == ErrorKind::Attribute => Ok(default.clone()),
        (_, [_, _, ..]) => Err(LangError::type_err("getattr() takes at most 3 arguments")),
        (r, _) => r,
    }
}

fn b_setattr(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let name = a.str("name")?;
    s.set_attr(a.get("obj"), &name, a.get("value"))?;
    Ok(Value::None)
}

fn b_hasattr(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let name = a.str("name")?;
    match s.get_attr(a.get("obj").clone(), &name) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if e.kind == ErrorKind::Attribute => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

fn b_dir(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let obj = a.get("obj");
    let mut names = s.method_names(obj);
    if let Value::Packet(p) = obj {
        let packet = p.view();
        names.extend(
            packet.layers()[p.start..]
                .iter()
                .flat_map(|l| l.proto().fields.iter().map(|f| f.name)),
        );
        names.extend(["payload", "name", "time"]);
    }
    names.sort_unstable();
    names.dedup();
    Ok(Value::list(names.into_iter().map(Value::str).collect()))
}

fn b_map(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let f = a.get("function").clone();
    let items = s.collect(a.get("iterable"))?;
    let out = items
        .into_iter()
        .map(|v| s.call(&f, vec![v], Vec::new()))
        .collect::<Result<_, _>>()?;
    Ok(Value::list(out))
}

fn b_filter(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let f = a.get("function").clone();
    let mut out = Vec::new();
    for v in s.collect(a.get("iterable"))? {
        let keep = match &f {
            Value::None => v.truthy(),
            f => s.call(f, vec![v.clone()], Vec::new())?.truthy(),
        };
        if keep {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

fn b_round(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let ndigits = a.int("ndigits");
    let x = match a.get("number") {
        Value::Float(f) => *f,
        Value::Bool(_) | Value::Int(_) | Value::Flag(..) => {
            return match ndigits {
                None => Ok(Value::Int(a.int("number").unwrap_or(0))),
                Some(_) => Ok(a.get("number").clone()),
            }
        }
        other => return Err(LangError::type_err(format!("round() of a {}", other.type_name()))),
    };
    match ndigits {
        None => {
            let r = x.round_ties_even();
            if !r.is_finite() {
                return Err(LangError::new(
                    ErrorKind::Overflow,
                    "cannot round an infinite or NaN float to an int",
                ));
            }
            Ok(Value::Int(r as i128))
        }
        // Formatting rounds the exact binary value, halves to even, as Python's `round` does (2.675 is below
        // the half: 2.67).
        Some(n) if n >= 0 => Ok(Value::Float(
            format!("{:.*}", n.min(340) as usize, x).parse().unwrap_or(x),
        )),
        Some(n) => {
            let scale = 10f64.powi(n.max(-308) as i32);
            Ok(Value::Float((x * scale).round_ties_even() / scale))
        }
    }
}

fn b_chr(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let c = a
        .int("i")
        .and_then(|i| u32::try_from(i).ok())
        .and_then(char::from_u32)
        .ok_or_else(|| LangError::value_err("chr() arg not in range(0x110000)"))?;
    Ok(Value::str(c.encode_utf8(&mut [0; 4])))
}

fn b_ord(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let n = match a.get("c") {
        Value::Str(s) if s.chars().count() == 1 => s.chars().next().map_or(0, u32::from),
        Value::Bytes(b) if b.len() == 1 => u32::from(b[0]),
        other => {
            return Err(LangError::type_err(format!(
                "ord() expected a character, but got {}",
                other.repr()
            )))
        }
    };
    Ok(Value::Int(i128::from(n)))
}

fn b_divmod(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let (x, y) = (a.get("a").clone(), a.get("b").clone());
    let q = binop(BinOp::FloorDiv, x.clone(), y.clone())?;
    let r = binop(BinOp::Mod, x, y)?;
    Ok(Value::Tuple(vec![q, r].into()))
}
