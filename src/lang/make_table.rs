//! Scapy's `make_table` (`scapy/utils.py` `__make_table`), for PacketLists and `sr` results:
//! `fxyz(*item)` gives each item's column, row and cell; the columns and rows are sorted as numbers when
//! they all are, else as IPv4 addresses when they all are, else as text (or by the `sortx` / `sorty` keys);
//! each column is as wide as its widest head or cell, and a missing cell is `-`. `make_lined_table` draws
//! Scapy's lines around it.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use super::args::{opt, req, Args, Const, Param};
use super::error::{ErrorKind, LangError};
use super::session::Session;
use super::value::Value;

/// The parameters of every `make_table` method.
pub(crate) const PARAMS: &[Param] = &[
    req("fxyz"),
    opt("sortx", Const::None),
    opt("sorty", Const::None),
    opt("dump", Const::Bool(false)),
];

/// The help of `make_table`.
pub(crate) const HELP: &str = "Print a table: fxyz(item) gives each item's (column, row, cell); \
     dump=True returns the text. sortx and sorty order the heads by a key.";

/// The help of `make_lined_table`.
pub(crate) const LINED_HELP: &str = "As make_table, with Scapy's lines between the rows and columns.";

/// How a table is drawn: Scapy's `make_table` or `make_lined_table`.
#[derive(Clone, Copy, PartialEq)]
pub enum Style {
    Plain,
    Lined,
}

/// The table of `items` (each the arguments `fxyz` is called with), printed, or returned with `dump=True`.
pub fn make_table(s: &mut Session, items: Vec<Vec<Value>>, a: &Args, style: Style) -> Result<Value, LangError> {
    let mut texts = Vec::with_capacity(items.len());
    for item in items {
        s.check_interrupt()?;
        texts.push(three_texts(s, a.get("fxyz"), item)?);
    }
    let text = table_text(s, texts, a.get("sortx"), a.get("sorty"), style)?;
    if a.truthy("dump") {
        Ok(Value::str(&text))
    } else {
        s.write(&text)
    }
}

/// The table of (column, row, cell) texts, its heads ordered by the `sortx` / `sorty` keys (or Scapy's
/// default order where they are None): what `make_table` prints, for a result that computes its own cells.
pub(crate) fn table_text(
    s: &mut Session,
    texts: Vec<[String; 3]>,
    sortx: &Value,
    sorty: &Value,
    style: Style,
) -> Result<String, LangError> {
    // The heads in the order first seen (Python's dicts), each column's width, and the cells.
    let mut cols: Vec<String> = Vec::new();
    let mut widths: HashMap<String, usize> = HashMap::new();
    let mut rows: Vec<String> = Vec::new();
    let mut seen_rows: HashSet<String> = HashSet::new();
    let mut cells: HashMap<(String, String), String> = HashMap::new();
    for [x, y, z] in texts {
        let w = width(&x).max(width(&z));
        match widths.get_mut(&x) {
            Some(old) => *old = (*old).max(w),
            None => {
                cols.push(x.clone());
                widths.insert(x.clone(), w);
            }
        }
        if seen_rows.insert(y.clone()) {
            rows.push(y.clone());
        }
        cells.insert((x, y), z);
    }
    let row_width = rows.iter().map(|y| width(y)).max().unwrap_or(0);
    let cols = sorted(s, cols, sortx)?;
    let rows = sorted(s, rows, sorty)?;
    let col_width = |x: &String| widths.get(x).copied().unwrap_or(0);

    let (cell_end, sepline) = match style {
        Style::Plain => ("", None),
        Style::Lined => {
            let dashes: Vec<String> = std::iter::once(row_width + 1)
                .chain(cols.iter().map(|x| col_width(x) + 2))
                .chain([0])
                .map(|n| "-".repeat(n))
                .collect();
            (" |", Some(dashes.join("+") + "\n"))
        }
    };
    let cell = |t: &str, n: usize| format!("{t:<n$}{cell_end} ");
    let mut text = sepline.clone().unwrap_or_default();
    text += &cell("", row_width);
    for x in &cols {
        text += &cell(x, col_width(x));
    }
    text.push('\n');
    text += sepline.as_deref().unwrap_or_default();
    for y in &rows {
        text += &cell(y, row_width);
        for x in &cols {
            let z = cells.get(&(x.clone(), y.clone())).map_or("-", String::as_str);
            text += &cell(z, col_width(x));
        }
        text.push('\n');
    }
    text += sepline.as_deref().unwrap_or_default();
    Ok(text)
}

/// `[str(v) for v in fxyz(*item)]`, which must be three texts.
fn three_texts(s: &mut Session, fxyz: &Value, item: Vec<Value>) -> Result<[String; 3], LangError> {
    let v = s.call(fxyz, item, Vec::new())?;
    let texts: Vec<String> = s.collect(&v)?.iter().map(|v| s.text(v)).collect();
    texts.try_into().map_err(|t: Vec<String>| {
        let message = match t.len() {
            n @ 0..3 => format!("not enough values to unpack (expected 3, got {n})"),
            _ => "too many values to unpack (expected 3)".to_string(),
        };
        LangError::new(ErrorKind::Value, message)
    })
}

/// Python's `len` of a text: its characters.
fn width(t: &str) -> usize {
    t.chars().count()
}

/// The heads in Scapy's order: by the user's key when given, else as ints if all are, else as IPv4
/// addresses if all are (as `inet_aton` reads them: `10.5` is one, 10.0.0.5), else as text. Python's sort is stable, and so is this one.
fn sorted(s: &mut Session, mut heads: Vec<String>, key: &Value) -> Result<Vec<String>, LangError> {
    if !matches!(key, Value::None) {
        let mut keyed = Vec::with_capacity(heads.len());
        for h in heads {
            keyed.push((s.call(key, vec![Value::str(&h)], Vec::new())?, h));
        }
        let mut incomparable = None;
        keyed.sort_by(|(a, _), (b, _)| {
            a.compare(b).unwrap_or_else(|| {
                incomparable = Some((a.type_name(), b.type_name()));
                Ordering::Equal
            })
        });
        if let Some((a, b)) = incomparable {
            return Err(LangError::type_err(format!(
                "'<' not supported between instances of '{a}' and '{b}'"
            )));
        }
        return Ok(keyed.into_iter().map(|(_, h)| h).collect());
    }
    if let Some(keys) = heads.iter().map(|h| python_int(h)).collect::<Option<Vec<i128>>>() {
        return Ok(by_keys(heads, keys));
    }
    if let Some(keys) = heads.iter().map(|h| inet_aton(h)).collect::<Option<Vec<u32>>>() {
        return Ok(by_keys(heads, keys));
    }
    heads.sort();
    Ok(heads)
}

fn by_keys<K: Ord + Copy>(heads: Vec<String>, keys: Vec<K>) -> Vec<String> {
    let mut keyed: Vec<(K, String)> = keys.into_iter().zip(heads).collect();
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, h)| h).collect()
}

/// Python's `int(text)`: an optional sign and decimal digits (single underscores between them), spaces
/// around.
fn python_int(t: &str) -> Option<i128> {
    let t = t.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let well_formed = digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.ends_with(|c: char| c.is_ascii_digit())
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !well_formed {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// The C library's `inet_aton`, which Scapy's `atol` calls: one to four parts separated by dots, each a C
/// number (decimal, `0x` hex, `0` octal), the last filling the bytes left (`1.2` is 1.0.0.2), anything after
/// a white space ignored.
fn inet_aton(t: &str) -> Option<u32> {
    let b = t.as_bytes();
    let (mut at, mut parts) = (0, Vec::with_capacity(4));
    let last = loop {
        if !b.get(at)?.is_ascii_digit() {
            return None;
        }
        let (radix, digits_from) = match (b[at], b.get(at + 1)) {
            (b'0', Some(b'x' | b'X')) if b.get(at + 2).is_some_and(u8::is_ascii_hexdigit) => (16, at + 2),
            (b'0', _) => (8, at),
            _ => (10, at),
        };
        let len = b[digits_from..]
            .iter()
            .take_while(|c| char::from(**c).is_digit(radix))
            .count();
        let value = u64::from_str_radix(&t[digits_from..digits_from + len], radix).ok()?;
        if value > u64::from(u32::MAX) {
            return None;
        }
        at = digits_from + len;
        match b.get(at) {
            Some(b'.') if parts.len() < 3 && value <= 0xff => {
                parts.push(value as u32);
                at += 1;
            }
            None => break value as u32,
            Some(c) if c.is_ascii_whitespace() => break value as u32,
            Some(_) => return None,
        }
    };
    let room = 32 - 8 * parts.len() as u32;
    if room < 32 && last >> room != 0 {
        return None;
    }
    let high = parts.iter().fold(0u64, |acc, p| (acc << 8) | u64::from(*p)) << room;
    u32::try_from(high).ok().map(|h| h | last)
}

#[cfg(test)]
mod tests {
    use super::{inet_aton, python_int};

    /// glibc's answers, as Python's `socket.inet_aton` gives them.
    #[test]
    fn addresses_read_as_inet_aton_reads_them() {
        let cases = [
            ("1.2", Some(16777218)),
            ("10.5", Some(167772165)),
            ("0x10.1", Some(268435457)),
            ("010.1", Some(134217729)),
            ("1.2 abc", Some(16777218)),
            ("1.65535", Some(16842751)),
            ("4294967295", Some(4294967295)),
            ("0.5", Some(5)),
            ("198.18.0.1", Some(3323068417)),
        ];
        for (text, want) in cases {
            assert_eq!(inet_aton(text), want, "{text:?}");
        }
        for bad in [
            "08.1",
            "1.2.3.4.5",
            "256.1",
            "1.2.65536",
            "0x",
            "1.",
            " 1.2",
            "1.2.3.256",
            "1e3",
            "",
        ] {
            assert_eq!(inet_aton(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ints_read_as_python_reads_them() {
        assert_eq!(python_int(" 12 "), Some(12));
        assert_eq!(python_int("-1_000"), Some(-1000));
        assert_eq!(python_int("+7"), Some(7));
        for bad in ["", "1__0", "_1", "1_", "0x10", "1.0", "--1"] {
            assert_eq!(python_int(bad), None, "{bad:?}");
        }
    }
}
