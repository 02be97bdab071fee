//! The operators on values, Python's where Scapy users rely on them and Scapy's for packets: arithmetic and
//! `/` (stacking), comparison and `in`, indexing and slicing. Host values take part through their trait.

use std::rc::Rc;

use super::ast::{BinOp, CmpOp, UnOp};
use super::error::{ErrorKind, LangError};
use super::memory;
use super::value::{range_len, sequence_index, Value};
use crate::packet::Packet;
use crate::pcapio::slice_indices;

fn overflow() -> LangError {
    LangError::new(
        ErrorKind::Overflow,
        "integer overflow: wirecraft integers hold 128 bits",
    )
}

pub(crate) fn unary(op: UnOp, v: Value) -> Result<Value, LangError> {
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

/// Flag names (`"SA"`, `"DF+MF"`) as the value of flags field `f`.
fn flag_names(f: &'static crate::packet::Field, names: &Value) -> Result<Value, LangError> {
    match f.coerce(super::value::to_field(names)?) {
        Ok(crate::packet::FieldValue::Int(n)) => Ok(Value::Flag(n, f)),
        _ => Err(LangError::value_err(format!(
            "{} are not flags of {}",
            names.repr(),
            f.name
        ))),
    }
}

/// Binary operators; `/` stacks packets, as in Scapy.
pub(crate) fn binop(op: BinOp, a: Value, b: Value) -> Result<Value, LangError> {
    use Value::*;
    if op == BinOp::Div {
        if let Some(p) = stack(&a, &b)? {
            return Ok(p);
        }
    }
    // A FlagValue combined with flag names takes them as its field's value (`flags |= "evil+MF"`).
    let (a, b) = match (&a, &b) {
        (Flag(_, f), Str(_)) => {
            let b = flag_names(f, &b)?;
            (a, b)
        }
        (Str(_), Flag(_, f)) => (flag_names(f, &a)?, b),
        _ => (a, b),
    };
    if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
        // A flags value combined bitwise stays a flags value (`flags & 2` prints `<Flag 2 (S)>`), as Scapy's.
        let flags_of = |v: &Value| match v {
            Flag(_, f) => Some(*f),
            _ => Option::None,
        };
        // Scapy's `flags - "S"` clears those flags.
        if let (BinOp::Sub, Some(field)) = (op, flags_of(&a)) {
            if let (Ok(x), Ok(y)) = (u64::try_from(x), u64::try_from(y)) {
                return Ok(Flag(x & !y, field));
            }
        }
        if let (BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor, Some(field)) = (op, flags_of(&a).or(flags_of(&b))) {
            if let Ok(Int(n)) = int_op(op, x, y) {
                if let Ok(n) = u64::try_from(n) {
                    return Ok(Flag(n, field));
                }
            }
        }
        if !matches!((&a, &b), (Float(_), _) | (_, Float(_))) {
            return int_op(op, x, y);
        }
    }
    if let (Some(x), Some(y)) = (a.as_float(), b.as_float()) {
        return float_op(op, x, y);
    }
    if let Some(v) = super::set::binop(op, &a, &b) {
        return Ok(v);
    }
    if let (BinOp::Add, Host(x), Host(y)) = (op, &a, &b) {
        if let Some(sum) = x.add(&**y) {
            return Ok(sum);
        }
    }
    let repeat = |n: i128| usize::try_from(n.max(0)).map_err(|_| overflow());
    Ok(match (op, &a, &b) {
        (BinOp::Add, Str(x), Str(y)) => Value::str(&format!("{x}{y}")),
        (BinOp::Add, Bytes(x), Bytes(y)) => Value::bytes(&[&x[..], &y[..]].concat()),
        (BinOp::Add, List(x), List(y)) => Value::list([&x.borrow()[..], &y.borrow()[..]].concat()),
        (BinOp::Add, Tuple(x), Tuple(y)) => Tuple([&x[..], &y[..]].concat().into()),
        (BinOp::Mul, Str(s), n) | (BinOp::Mul, n, Str(s)) if n.as_int().is_some() => {
            Value::str(&memory::repeat_str(s, repeat(n.as_int().unwrap_or(0))?)?)
        }
        (BinOp::Mul, Bytes(s), n) | (BinOp::Mul, n, Bytes(s)) if n.as_int().is_some() => {
            Value::bytes(&memory::repeat(s, repeat(n.as_int().unwrap_or(0))?)?)
        }
        (BinOp::Mul, List(l), n) | (BinOp::Mul, n, List(l)) if n.as_int().is_some() => {
            let n = repeat(n.as_int().unwrap_or(0))?;
            Value::list(memory::repeat(&l.borrow(), n)?)
        }
        (BinOp::Mul, Tuple(t), n) | (BinOp::Mul, n, Tuple(t)) if n.as_int().is_some() => {
            Tuple(memory::repeat(t, repeat(n.as_int().unwrap_or(0))?)?.into())
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
    let raw = |data: &[u8]| Packet::from(crate::packet::raw(data));
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
pub(crate) fn percent_format(fmt: &str, args: &Value) -> Result<String, LangError> {
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
        let zero = spec.trim_start_matches(['-', '#', '+', ' ']).starts_with('0');
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
        // `#` asks for the base's prefix (`0x`, `0X`, `0o`), which goes after the sign, as in Python.
        let alternate = spec.contains('#');
        let in_base = |n: i128, digits: String, prefix: &str| {
            let sign = if n < 0 { "-" } else { "" };
            format!("{sign}{}{digits}", if alternate { prefix } else { "" })
        };
        let body = match conv {
            's' => v.to_text(),
            'r' => v.repr(),
            'd' | 'i' => int()?.to_string(),
            'x' => int().map(|n| in_base(n, format!("{:x}", n.unsigned_abs()), "0x"))?,
            'X' => int().map(|n| in_base(n, format!("{:X}", n.unsigned_abs()), "0X"))?,
            'o' => int().map(|n| in_base(n, format!("{:o}", n.unsigned_abs()), "0o"))?,
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
            let (sign, rest) = body.strip_prefix('-').map_or(("", body.as_str()), |d| ("-", d));
            let prefix_len = if alternate && matches!(conv, 'x' | 'X' | 'o') {
                2
            } else {
                0
            };
            let (prefix, digits) = rest.split_at(prefix_len.min(rest.len()));
            out.push_str(sign);
            out.push_str(prefix);
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

/// Python's comparison `a op b`. `rules` gives the answer-matching rules for Scapy's packet `<` / `>`, asked for
/// only when both sides are packets.
pub(crate) fn compare(
    op: CmpOp,
    a: &Value,
    b: &Value,
    rules: impl FnOnce() -> crate::packet::MatchRules,
) -> Result<bool, LangError> {
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
    // Scapy's `a < b`: a answers b (b ==> a); `a > b`: b answers a.
    if let (CmpOp::Lt | CmpOp::Gt, Value::Packet(x), Value::Packet(y)) = (op, a, b) {
        let (reply, request) = if op == CmpOp::Lt { (x, y) } else { (y, x) };
        let (rp, rq) = (reply.view(), request.view());
        return Ok(crate::packet::answers_at(&rp, reply.start, &rq, request.start, rules()));
    }
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
        (Value::Packet(x), Value::Packet(y)) => x.same(y),
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        (Value::Bool(_) | Value::None, _) | (Value::Class(_), _) | (Value::Builtin(_), _) => a.equals(b),
        _ => false,
    }
}

/// Python's `item in container`; `TCP in p` asks whether the packet has a TCP layer.
fn contains(container: &Value, item: &Value) -> Result<bool, LangError> {
    Ok(match (container, item) {
        // Scapy's `DNSRR in p`: a layer or a record of that class (or class name).
        (Value::Packet(p), Value::Class(_) | Value::Str(_)) => p.layer_value(item)?.is_some(),
        // Scapy's `"S" in flags`: one flag's name, set.
        (Value::Flag(v, f), Value::Str(name)) => flag_bit(f, name).is_some_and(|bit| v & bit != 0),
        (Value::List(l), x) => l.borrow().iter().any(|v| v.equals(x)),
        (Value::Host(h), x) if h.contains(x).is_some() => h.contains(x).unwrap_or(false),
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

pub(crate) fn index(o: &Value, k: &Value) -> Result<Value, LangError> {
    match o {
        Value::List(l) => {
            let items = l.borrow();
            Ok(items[sequence_index(k, items.len(), "list")?].clone())
        }
        Value::Host(h) => h.index(k),
        Value::Tuple(t) => Ok(t[sequence_index(k, t.len(), "tuple")?].clone()),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::str(
                &chars[sequence_index(k, chars.len(), "string")?].to_string(),
            ))
        }
        Value::Bytes(b) => Ok(Value::Int(i128::from(b[sequence_index(k, b.len(), "bytes")?]))),
        Value::Range(r) => {
            let i = sequence_index(k, usize::try_from(range_len(r)).unwrap_or(usize::MAX), "range")?;
            Ok(Value::Int(r[0] + i as i128 * r[2]))
        }
        Value::Dict(d) => d
            .borrow()
            .iter()
            .find(|(x, _)| x.equals(k))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| LangError::new(ErrorKind::Key, k.repr())),
        Value::Packet(p) => match k {
            Value::Class(c) => p
                .layer_value(k)?
                .ok_or_else(|| LangError::new(ErrorKind::Index, format!("Layer [{}] not found", c.name))),
            Value::Str(name) => p
                .layer_value(k)?
                .ok_or_else(|| LangError::new(ErrorKind::Index, format!("Layer [{name}] not found"))),
            // Scapy's `p[1]`: the layer (or record) at that position.
            Value::Int(i) => p
                .layer_value(k)?
                .ok_or_else(|| LangError::new(ErrorKind::Index, format!("Layer [{i}] not found"))),
            other => Err(LangError::type_err(format!(
                "a packet is indexed by a layer class, as p[TCP], or a position, not by a {}",
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
pub(crate) fn slice(o: &Value, [lo, hi, step]: [Option<i128>; 3]) -> Result<Value, LangError> {
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
        Value::Host(h) => return h.slice(&pick),
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

/// How a layer class (or its name) reads in `Layer [IP:2] not found`.
pub(crate) fn layer_label(cls: &Value) -> String {
    match cls {
        Value::Class(p) => p.name.to_string(),
        other => other.to_text(),
    }
}

/// The bit of the flag called `name` (`S` of TCP's flags, `DF` of IP's), if the field has one. As in Scapy, an
/// `_` stands for a `-` of the name.
pub(crate) fn flag_bit(field: &crate::packet::Field, name: &str) -> Option<u64> {
    let crate::packet::Show::Flags(names, _) = field.show else {
        return None;
    };
    let bit = |name: &str| names.iter().position(|n| *n == name).map(|i| 1 << i);
    bit(name).or_else(|| bit(&name.replace('_', "-")))
}

/// The bits a FlagValue attribute reads: one flag's name, or for flags of one letter each (TCP's) several letters
/// at once, `flags.SA` being true when both are set (Scapy's `FlagValue.__getattr__`).
pub(crate) fn flag_bits(field: &crate::packet::Field, name: &str) -> Option<u64> {
    if let Some(bit) = flag_bit(field, name) {
        return Some(bit);
    }
    match field.show {
        crate::packet::Show::Flags(_, "") if !name.is_empty() => name.chars().try_fold(0, |bits, c| {
            flag_bit(field, c.encode_utf8(&mut [0; 4])).map(|b| bits | b)
        }),
        _ => None,
    }
}
