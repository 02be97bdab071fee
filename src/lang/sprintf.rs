//! Scapy's `Packet.sprintf` format language: `%IP.src%` (the first IP layer from this one up), `%IP:2.src%`
//! (the second), `%src%` (this layer), a `%` format before a comma (`%-15s,IP.src%`, `%03d,IP.ttl%`) with `r`
//! for the raw value instead of its shown form (`%r,TCP.dport%` is 80 where `%TCP.dport%` is http),
//! `{IP:…}` / `{!IP:…}` for text kept only when the layer is (or is not) there, and `%%`. A missing layer or
//! field reads `??`, as in Scapy.

use super::error::LangError;
use super::ops::percent_format;
use super::value::{from_field, Pkt, Value};
use crate::packet::{field_repr, Packet};

/// `p.sprintf(fmt)` from the packet's layer `p.start`.
pub fn sprintf(p: &Pkt, fmt: &str) -> Result<String, LangError> {
    let packet = p.view();
    let mut out = String::new();
    expand(&packet, p.start, fmt, &mut out)?;
    Ok(out)
}

fn expand(p: &Packet, start: usize, mut fmt: &str, out: &mut String) -> Result<(), LangError> {
    while let Some(at) = fmt.find(['%', '{', '}']) {
        out.push_str(&fmt[..at]);
        let rest = &fmt[at..];
        if let Some(after) = rest.strip_prefix("%%") {
            out.push('%');
            fmt = after;
        } else if let Some(body) = rest.strip_prefix('%') {
            let end = body
                .find('%')
                .ok_or_else(|| LangError::value_err(format!("sprintf: '%' without its closing '%' in {fmt:?}")))?;
            directive(p, start, &body[..end], out)?;
            fmt = &body[end + 1..];
        } else if let Some(body) = rest.strip_prefix('{') {
            let (cond, text, after) = conditional(body)?;
            let (negate, layer) = match cond.strip_prefix('!') {
                Some(l) => (true, l),
                None => (false, cond),
            };
            if find_layer(p, start, layer, 1).is_some() != negate {
                expand(p, start, text, out)?;
            }
            fmt = after;
        } else {
            // A lone `}` is text, as Scapy leaves it.
            out.push('}');
            fmt = &rest[1..];
        }
    }
    out.push_str(fmt);
    Ok(())
}

/// The parts of `{cond:text}` after its `{`: the condition, the text (braces nest) and what follows.
fn conditional(body: &str) -> Result<(&str, &str, &str), LangError> {
    let colon = body
        .find(':')
        .ok_or_else(|| LangError::value_err("sprintf: a '{' condition needs 'Layer:' before its text"))?;
    let mut depth = 1;
    for (i, c) in body.char_indices().skip(colon + 1) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Ok((&body[..colon], &body[colon + 1..i], &body[i + 1..]));
                }
            }
            _ => {}
        }
    }
    Err(LangError::value_err("sprintf: '{' without its closing '}'"))
}

/// One `%…%`: `[format,]Layer[:n].field` or `[format,]field`.
fn directive(p: &Packet, start: usize, spec: &str, out: &mut String) -> Result<(), LangError> {
    let (format, target) = match spec.split_once(',') {
        Some((f, t)) => (Some(f), t),
        None => (None, spec),
    };
    let (layer, field) = match target.rsplit_once('.') {
        Some((l, f)) => {
            let (name, n) = match l.split_once(':') {
                Some((name, n)) => (name, n.parse::<usize>().unwrap_or(1)),
                None => (l, 1),
            };
            (find_layer(p, start, name, n), f)
        }
        // Scapy's `getfieldval`: this layer's field, else the first layer above that has one.
        None => (
            (start..p.layers().len()).find(|&i| p.layers()[i].field_index(target).is_some()),
            target,
        ),
    };
    let Some(i) = layer.filter(|&i| p.layers()[i].field_index(field).is_some()) else {
        out.push_str("??");
        return Ok(());
    };
    let raw = format.is_some_and(|f| f.ends_with('r'));
    let value = match raw {
        true => {
            let l = &p.layers()[i];
            let f = l.field_index(field).unwrap_or(0);
            // Flags stay flags, printing their letters, as Scapy's FlagValue does.
            from_field(p.value(i, f), &l.proto().fields[f])
        }
        false => Value::str(&field_repr(p, i, field)),
    };
    match format {
        // `r` after a format drops off it (`%ir,ICMP.type%` is `%i` of the raw value); `r` alone is Python's
        // `%s` of it.
        Some(f) => {
            let f = match (raw, &f[..f.len() - usize::from(raw)]) {
                (true, "") => "s",
                (_, f) => f,
            };
            out.push_str(&percent_format(&format!("%{f}"), &value)?)
        }
        None => out.push_str(&value.to_text()),
    }
    Ok(())
}

/// The `n`-th layer (from 1) called `name`, from layer `start` up.
fn find_layer(p: &Packet, start: usize, name: &str, n: usize) -> Option<usize> {
    (start..p.layers().len())
        .filter(|&i| p.layers()[i].name() == name)
        .nth(n.checked_sub(1)?)
}
