//! What a line editor needs from the language: whether input is complete, completion candidates, the
//! signature of the call being typed, and token classes for highlighting. Nothing here runs user code: values
//! are only looked up (`p`, `p[TCP]`, `p.payload`), never called.

use std::ops::Range;

use super::args::{signature_parts, ParamKind};
use super::ast::{Expr, ExprKind, StmtKind};
use super::eval::static_names;
use super::parse;
use super::parser::{self, is_keyword, KEYWORDS};
use super::session::{Session, CONF};
use super::table;
use super::value::Value;
use crate::packet::Layer;

/// True when `source` can run as it is; false when more lines could complete it: a bracket or string is
/// still open, a block is expected after `:`, or a compound statement (`for`, `if`) has not yet been ended by
/// a blank line, as at Python's prompt.
pub fn is_complete(source: &str) -> bool {
    match parse::parse(source) {
        // An error at the end is final unless more lines could still close it (`1 +` is an error at once).
        Err(e) => !(e.incomplete && open_at_end(source)),
        Ok(stmts) => {
            let compound = stmts.iter().any(|s| {
                matches!(
                    s.kind,
                    StmtKind::For { .. }
                        | StmtKind::If { .. }
                        | StmtKind::While { .. }
                        | StmtKind::Def(_)
                        | StmtKind::Try { .. }
                )
            });
            !compound || source.rsplit('\n').next().is_some_and(|l| l.trim().is_empty()) && source.contains('\n')
        }
    }
}

/// Whether `source` ends inside an open bracket or triple-quoted string, or on a line ending in `:` (a block
/// follows): where Python's prompt asks for more.
fn open_at_end(source: &str) -> bool {
    let mut depth = 0i32;
    let mut chars = source.chars().peekable();
    // The open string's quote and whether it is triple.
    let mut string: Option<(char, bool)> = None;
    let mut last_line = String::new();
    while let Some(c) = chars.next() {
        match string {
            Some((q, triple)) => match c {
                '\\' => {
                    chars.next();
                }
                c if c == q && !triple => string = None,
                c if c == q && chars.peek() == Some(&q) => {
                    chars.next();
                    if chars.peek() == Some(&q) {
                        chars.next();
                        string = None;
                    }
                }
                '\n' if !triple => string = None,
                _ => {}
            },
            None => match c {
                '#' => {
                    while chars.peek().is_some_and(|&n| n != '\n') {
                        chars.next();
                    }
                }
                '\'' | '"' => {
                    let triple = chars.peek() == Some(&c) && {
                        let mut ahead = chars.clone();
                        ahead.next();
                        ahead.peek() == Some(&c)
                    };
                    if triple {
                        chars.next();
                        chars.next();
                    }
                    string = Some((c, triple));
                }
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                '\n' => last_line.clear(),
                _ => {}
            },
        }
        if c != '\n' && c != '#' {
            last_line.push(c);
        }
    }
    let line = last_line.trim_end();
    matches!(string, Some((_, true))) || depth > 0 || line.ends_with(':')
}

/// What a completion candidate is, for the editor to show or colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateKind {
    Keyword,
    Builtin,
    Layer,
    Variable,
    Field,
    Method,
    /// `name=` inside a call.
    Argument,
    Setting,
    /// A file or directory (directories end with `/`), inside a string or a command form's argument.
    Path,
}

/// A completion: replace `line[start..cursor]` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub start: usize,
    pub replacement: String,
    pub kind: CandidateKind,
}

/// Token classes for highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    /// `None`, `True`, `False`.
    Constant,
    Builtin,
    Layer,
    Name,
    Number,
    String,
    Operator,
    Comment,
    /// A character that cannot start any token.
    Invalid,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits a line into highlighted tokens (whitespace is left out).
pub fn highlight_tokens(line: &str) -> Vec<(Range<usize>, TokenClass)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = line[i..].chars().next() {
        let rest = &line[i..];
        let (len, class) = if c.is_whitespace() {
            (c.len_utf8(), None)
        } else if c == '#' {
            (rest.len(), Some(TokenClass::Comment))
        } else if let Some((_, plen, quote)) = parser::string_start(rest) {
            let len = string_end(rest, plen, quote).unwrap_or(rest.len());
            (len, Some(TokenClass::String))
        } else if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            let n = rest
                .find(|d: char| !(d.is_alphanumeric() || d == '.' || d == '_'))
                .unwrap_or(rest.len());
            (n, Some(TokenClass::Number))
        } else if is_ident_char(c) {
            let n = rest.find(|d: char| !is_ident_char(d)).unwrap_or(rest.len());
            let w = &rest[..n];
            let class = match w {
                "None" | "True" | "False" => TokenClass::Constant,
                w if is_keyword(w) => TokenClass::Keyword,
                w if table::lookup(w).is_some() || w == "conf" => TokenClass::Builtin,
                w if crate::packet::Proto::by_name(w).is_some() => TokenClass::Layer,
                _ => TokenClass::Name,
            };
            (n, Some(class))
        } else if let Some(op) = parser::peek_op_str(rest) {
            (op.len(), Some(TokenClass::Operator))
        } else {
            (c.len_utf8(), Some(TokenClass::Invalid))
        };
        if let Some(class) = class {
            out.push((i..i + len, class));
        }
        i += len.max(1);
    }
    out
}

/// Length of the string literal at the start of `s`; `None` when it is not closed.
fn string_end(s: &str, plen: usize, quote: &str) -> Option<usize> {
    let body = plen + quote.len();
    let mut chars = s[body..].char_indices();
    while let Some((at, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if s[body + at..].starts_with(quote) {
            return Some(body + at + quote.len());
        }
    }
    None
}

/// Where a file path being typed at the end of `before` starts: after the quote of a string left open
/// (`rdpcap("tests/da`), or at a bare argument of a command form (`rdpcap tests/da`, `wrpcap filename=o`),
/// which the parser reads as text. The flag says the path is inside a string, where no name can be typed.
fn path_start(before: &str) -> Option<(usize, bool)> {
    if let Some((r, TokenClass::String)) = highlight_tokens(before).pop() {
        let (_, plen, quote) = parser::string_start(&before[r.start..])?;
        if string_end(&before[r.start..], plen, quote).is_none() {
            return Some((r.start + plen + quote.len(), true));
        }
    }
    let line_at = before.rfind('\n').map_or(0, |i| i + 1);
    if !parse::is_command_form(&before[line_at..]) {
        return None;
    }
    let word_at = before.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let value_at = match before[word_at..].split_once('=') {
        Some((key, _)) if key.chars().all(is_ident_char) => word_at + key.len() + 1,
        _ => word_at,
    };
    let bracketed = before[value_at..].starts_with(['(', '[', '{', '\'', '"']);
    (!bracketed).then_some((value_at, false))
}

/// The files and directories whose path starts with `typed` (`~/` is the home directory); hidden ones only
/// when `typed` names them with a leading dot.
fn path_candidates(typed: &str, start: usize) -> Vec<Candidate> {
    let dir = &typed[..typed.rfind('/').map_or(0, |i| i + 1)];
    let file = &typed[dir.len()..];
    let listed = match (dir.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ if dir.is_empty() => ".".into(),
        _ => dir.into(),
    };
    let Ok(entries) = std::fs::read_dir(listed) else {
        return Vec::new();
    };
    let mut out: Vec<Candidate> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(file) || (name.starts_with('.') && !file.starts_with('.')) {
                return None;
            }
            let slash = if e.path().is_dir() { "/" } else { "" };
            Some(Candidate {
                start,
                replacement: format!("{dir}{name}{slash}"),
                kind: CandidateKind::Path,
            })
        })
        .collect();
    out.sort_by(|a, b| a.replacement.cmp(&b.replacement));
    out
}

/// Start of the run of identifier characters that ends at `end`.
fn word_start(s: &str, end: usize) -> usize {
    s[..end]
        .rfind(|c: char| !is_ident_char(c))
        .map_or(0, |i| i + s[i..].chars().next().map_or(1, char::len_utf8))
}

/// The expression text ending at `end`: names, dots and balanced brackets (`p[TCP].payload`).
fn receiver_start(s: &str, end: usize) -> usize {
    let b = s.as_bytes();
    let (mut i, mut depth) = (end, 0usize);
    while i > 0 {
        match b[i - 1] {
            b')' | b']' => depth += 1,
            b'(' | b'[' if depth == 0 => break,
            b'(' | b'[' => depth -= 1,
            _ if depth > 0 => {}
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c >= 0x80 => {}
            _ => break,
        }
        i -= 1;
    }
    i
}

/// The innermost call still open at the end of `s`: the position of its `(`, and whether an argument starts
/// at the end of `s` (it ends with `(` or `,`).
fn open_call(s: &str) -> Option<(usize, bool)> {
    let arg_start = s.trim_end().ends_with(['(', ',']);
    let mut depth = 0usize;
    for (i, c) in s.bytes().enumerate().rev() {
        match c {
            b')' | b']' | b'}' => depth += 1,
            b'(' if depth == 0 => return Some((i, arg_start)),
            b'[' | b'{' if depth == 0 => return None,
            b'(' | b'[' | b'{' => depth -= 1,
            _ => {}
        }
    }
    None
}

impl Session {
    /// Looks up a value named by a simple expression (`p`, `p[TCP]`, `p.payload`, `conf`) without running
    /// anything; `None` for anything else.
    fn peek(&self, e: &Expr) -> Option<Value> {
        match &e.kind {
            ExprKind::Name(n) => self.lookup(n),
            ExprKind::Attr(obj, name) => match (self.peek(obj)?, &**name) {
                (Value::Packet(p), "payload") => {
                    let n = p.view().layers().len();
                    (p.start + 1 < n).then(|| {
                        Value::Packet(super::value::Pkt {
                            start: p.start + 1,
                            ..p
                        })
                    })
                }
                (Value::Conf, n) => self.conf(n),
                (v, n) => table::method(&v, n).map(|m| Value::Method(std::rc::Rc::new((v, m)))),
            },
            ExprKind::Index(obj, key) => match (self.peek(obj)?, self.peek(key)?) {
                (Value::Packet(p), cls @ Value::Class(_)) => p.layer_value(&cls).ok().flatten(),
                _ => None,
            },
            _ => None,
        }
    }

    fn peek_text(&self, text: &str) -> Option<Value> {
        parser::parse_expr(text).ok().and_then(|e| self.peek(&e))
    }

    /// The function being called at the end of `before`: inside parentheses, or a command form's builtin
    /// (`sniff co`). Also whether an argument starts at the cursor.
    fn callee(&self, before: &str) -> Option<(Value, bool)> {
        if let Some((paren, arg_start)) = open_call(before) {
            let f = self.peek_text(&before[receiver_start(before, paren)..paren])?;
            return Some((f, arg_start));
        }
        let trimmed = before.trim_start();
        let (name, rest) = trimmed.split_once([' ', '\t'])?;
        let b = table::lookup(name)?;
        let arg_start = rest.is_empty() || rest.ends_with([' ', '\t']) || !rest.contains(char::is_whitespace);
        Some((Value::Builtin(b), arg_start))
    }

    /// Completions for the word ending at `cursor`: after a `.`, the fields and methods of the value; at an
    /// argument of a call, its parameter names (`TCP(dp` → `dport=`); otherwise keywords, builtins, layers and
    /// variables. Inside a string, and at a command form's argument, file paths too (`rdpcap te` → `tests/`).
    pub fn completions(&self, line: &str, cursor: usize) -> Vec<Candidate> {
        let cursor = (0..=cursor.min(line.len()))
            .rev()
            .find(|i| line.is_char_boundary(*i))
            .unwrap_or(0);
        let before = &line[..cursor];
        let path = path_start(before);
        let mut cands = match path {
            Some((_, true)) => Vec::new(),
            _ => self.name_completions(before),
        };
        if let Some((start, _)) = path {
            cands.retain(|c| c.start == start);
            cands.extend(path_candidates(&before[start..], start));
        }
        cands
    }

    /// The names that can complete the word at the end of `before`.
    fn name_completions(&self, before: &str) -> Vec<Candidate> {
        let start = word_start(before, before.len());
        let word = &before[start..];
        let mut out: Vec<(String, CandidateKind)> = Vec::new();
        if start > 0 && before[..start].ends_with('.') {
            let recv = &before[receiver_start(before, start - 1)..start - 1];
            if let Some(v) = self.peek_text(recv) {
                attr_names(&v, &mut out);
            }
        } else {
            if let Some((f, true)) = self.callee(&before[..start]) {
                arg_names(&f, &mut out);
            }
            out.extend(KEYWORDS.iter().map(|k| (k.to_string(), CandidateKind::Keyword)));
            for n in static_names() {
                let kind = match crate::packet::Proto::by_name(n) {
                    Some(_) => CandidateKind::Layer,
                    None => CandidateKind::Builtin,
                };
                out.push((n.to_string(), kind));
            }
            out.extend(self.variables().map(|(n, _)| (n.to_string(), CandidateKind::Variable)));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cands: Vec<Candidate> = out
            .into_iter()
            .filter(|(n, _)| n.starts_with(word) && seen.insert(n.clone()))
            .map(|(replacement, kind)| Candidate {
                start,
                replacement,
                kind,
            })
            .collect();
        // A parameter of the call that matches is what a Scapy user means (`sniff(co` → `count=`, not `conf`):
        // names come back only when no parameter matches.
        if cands.iter().any(|c| c.kind == CandidateKind::Argument) {
            cands.retain(|c| c.kind == CandidateKind::Argument);
        }
        cands.sort_by(|a, b| a.replacement.cmp(&b.replacement));
        cands
    }

    /// The signature of the call being typed at `cursor`, as a hint: `sniff(count=0, …)`, `TCP(sport=ftp_data, …)`.
    /// The parameters the call already gives are left out (`…` stands for them), so that on a narrow line the
    /// hint shows what is still to type rather than what was typed.
    pub fn signature_at(&self, line: &str, cursor: usize) -> Option<String> {
        let before = line.get(..cursor.min(line.len()))?;
        let (f, _) = self.callee(before)?;
        let (positional, keywords) = given_arguments(before);
        let is_given = |name: &str| keywords.contains(&name);
        let (name, parts): (String, Vec<(String, String)>) = match f {
            Value::Builtin(b) => (b.name.into(), by_position(b.params, positional)),
            Value::Method(m) => (m.1.name.into(), by_position(m.1.params, positional)),
            Value::Class(p) => {
                let layer = Layer::new(p);
                let fields = p.fields.iter().map(|f| {
                    let v = layer.get(f.name).unwrap_or(crate::packet::FieldValue::None);
                    (f.name.to_string(), format!("{}={}", f.name, f.repr(&v, &layer)))
                });
                (p.name.into(), fields.collect())
            }
            Value::Lambda(c) => {
                let names = c
                    .lambda
                    .params
                    .iter()
                    .skip(positional)
                    .map(|(n, _)| (n.to_string(), n.to_string()));
                (c.name().to_string(), names.collect())
            }
            _ => return None,
        };
        let total = parts.len();
        let left: Vec<String> = parts
            .into_iter()
            .filter(|(n, _)| !is_given(n))
            .map(|(_, t)| t)
            .collect();
        let elided = (left.len() < total).then_some("…");
        Some(format!(
            "{name}({})",
            elided
                .into_iter()
                .map(str::to_string)
                .chain(left)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// A row's parameters with the first `positional` ones, which positional arguments fill, left out; a `*`
/// parameter takes every positional argument and stays.
fn by_position(params: &[super::args::Param], positional: usize) -> Vec<(String, String)> {
    let mut filled = 0;
    signature_parts(params)
        .into_iter()
        .zip(params)
        .filter(|(_, p)| {
            if matches!(p.kind, ParamKind::Star) {
                filled = positional;
                return true;
            }
            let take = filled < positional;
            filled += usize::from(take);
            !take
        })
        .map(|((name, text), _)| (name.to_string(), text))
        .collect()
}

/// The arguments the open call at the end of `before` gives before the one being typed: how many are
/// positional, and the keyword names.
fn given_arguments(before: &str) -> (usize, Vec<&str>) {
    let Some((paren, _)) = open_call(before) else {
        return (0, Vec::new());
    };
    let args = &before[paren + 1..];
    let mut done = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, c) in args.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                done.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let keywords: Vec<&str> = done
        .iter()
        .filter_map(|a| a.split_once('='))
        .filter(|(k, v)| !v.starts_with('=') && is_identifier(k.trim()))
        .map(|(k, _)| k.trim())
        .collect();
    (done.len() - keywords.len(), keywords)
}

fn is_identifier(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn attr_names(v: &Value, out: &mut Vec<(String, CandidateKind)>) {
    out.extend(
        table::methods_of(v)
            .iter()
            .map(|m| (m.name.to_string(), CandidateKind::Method)),
    );
    match v {
        Value::Packet(p) => {
            out.push(("payload".into(), CandidateKind::Field));
            for l in &p.view().layers()[p.start..] {
                out.extend(
                    l.proto()
                        .fields
                        .iter()
                        .map(|f| (f.name.to_string(), CandidateKind::Field)),
                );
            }
        }
        Value::Conf => out.extend(CONF.iter().map(|c| (c.name.to_string(), CandidateKind::Setting))),
        _ => {}
    }
}

fn arg_names(f: &Value, out: &mut Vec<(String, CandidateKind)>) {
    let params = match f {
        Value::Builtin(b) => b.params,
        Value::Method(m) => m.1.params,
        Value::Class(p) => {
            out.extend(
                p.fields
                    .iter()
                    .map(|f| (format!("{}=", f.name), CandidateKind::Argument)),
            );
            return;
        }
        Value::Lambda(c) => {
            out.extend(
                c.lambda
                    .params
                    .iter()
                    .map(|(n, _)| (format!("{n}="), CandidateKind::Argument)),
            );
            return;
        }
        _ => return,
    };
    out.extend(
        params
            .iter()
            .filter(|p| !matches!(p.kind, ParamKind::Star))
            .map(|p| (format!("{}=", p.name), CandidateKind::Argument)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Session, line: &str) -> Vec<String> {
        s.completions(line, line.len())
            .into_iter()
            .map(|c| c.replacement)
            .collect()
    }

    #[test]
    fn completes_keyword_arguments_of_layers_and_builtins() {
        let s = Session::new();
        assert_eq!(names(&s, "TCP(dp"), ["dport="]);
        assert_eq!(
            names(&s, "print(1, se"),
            ["sep="],
            "a matching parameter wins over `send`"
        );
        assert_eq!(names(&s, "sniff(co"), ["count="]);
        assert_eq!(names(&s, "p = TCP(sport=1, dp")[0], "dport=");
        assert!(
            names(&s, "sniff(count=rd").contains(&"rdpcap".to_string()),
            "names when no parameter matches"
        );
    }

    #[test]
    fn completes_fields_and_methods_after_a_dot() {
        let mut s = Session::with_output(Vec::new());
        s.run("p = IP()/TCP()", "<t>").expect("runs");
        let n = names(&s, "p[TCP].dp");
        assert_eq!(n, ["dport"]);
        assert!(names(&s, "p.sh").contains(&"show".to_string()));
        assert!(names(&s, "p.sh").contains(&"show2".to_string()));
        assert_eq!(names(&s, "conf.ve"), ["verb"]);
        assert_eq!(names(&s, "bytes.fro"), ["fromhex"]);
    }

    #[test]
    fn completes_names() {
        let mut s = Session::with_output(Vec::new());
        s.run("pkts = 1", "<t>").expect("runs");
        assert!(names(&s, "pk").contains(&"pkts".to_string()));
        assert!(names(&s, "Eth").contains(&"Ether".to_string()));
        assert!(names(&s, "hexd").contains(&"hexdump".to_string()));
        let c = &s.completions("x = TC", 6)[0];
        assert_eq!((c.start, c.kind), (4, CandidateKind::Layer));
    }

    #[test]
    fn completes_paths_in_strings_and_command_arguments() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir(dir.path().join("caps")).expect("mkdir");
        std::fs::write(dir.path().join("capture.pcap"), b"").expect("write");
        std::fs::write(dir.path().join(".hidden"), b"").expect("write");
        let d = dir.path().display();
        let s = Session::new();
        let quoted = format!("rdpcap(\"{d}/ca");
        assert_eq!(names(&s, &quoted), [format!("{d}/caps/"), format!("{d}/capture.pcap")]);
        assert_eq!(s.completions(&quoted, quoted.len())[0].start, 8);
        assert_eq!(names(&s, &format!("print {d}/caps")), [format!("{d}/caps/")]);
        assert_eq!(names(&s, &format!("print sep={d}/.h")), [format!("{d}/.hidden")]);
        assert!(names(&s, &format!("x = '{d}/")).iter().all(|n| !n.contains(".hidden")));
        assert!(names(&s, "print('pr").is_empty(), "no names inside a string");
        assert!(
            names(&s, "ls I").contains(&"IP".to_string()),
            "names stay at a command form's argument"
        );
        assert!(names(&s, "x = (1, pr").contains(&"print".to_string()));
    }

    #[test]
    fn signatures_of_the_call_being_typed() {
        let s = Session::new();
        assert_eq!(
            s.signature_at("print(1, ", 9).as_deref(),
            Some("print(*objects, sep=' ', end='\\n')")
        );
        assert!(s
            .signature_at("TCP(dport=", 10)
            .is_some_and(|t| t.starts_with("TCP(sport=ftp_data, dport=http")));
        assert_eq!(
            s.signature_at("ls I", 4).as_deref(),
            Some("ls(obj=None, verbose=False)")
        );
        // What the call already gives is left out, so what is still to type shows on a narrow line.
        let hint = s.signature_at("sniff(count=10, filter='tcp', ", 30).unwrap();
        let names: Vec<&str> = hint["sniff(".len()..]
            .split(", ")
            .map(|p| p.split('=').next().unwrap())
            .collect();
        assert_eq!(names[..3], ["…", "iface", "timeout"], "{hint}");
        assert!(!names.contains(&"count") && !names.contains(&"filter"), "{hint}");
        let hint = s.signature_at("TCP(sport=1, dport=(1, 2), ", 27).unwrap();
        assert!(hint.starts_with("TCP(…, seq=0"), "{hint}");
        assert_eq!(
            s.signature_at("rdpcap('f.pcap', ", 17)
                .as_deref()
                .map(|h| h.contains("filename")),
            Some(false)
        );
        assert_eq!(s.signature_at("x = 1", 5), None);
    }

    #[test]
    fn completeness() {
        assert!(is_complete("p = IP()"));
        assert!(!is_complete("p = IP(dst='1.2.3.4',"));
        assert!(!is_complete("x = [1,\n 2"));
        assert!(!is_complete("for x in range(3):"));
        assert!(!is_complete("for x in range(3):\n    print(x)"));
        assert!(is_complete("for x in range(3):\n    print(x)\n"));
        assert!(!is_complete("s = '''abc"));
        // Python's prompt: an expression cut at the end of a line outside brackets is an error at once.
        assert!(is_complete("x = 1 +"));
        assert!(!is_complete("def f(x):\n    return x"));
        assert!(is_complete("def f(x):\n    return x\n"));
        assert!(!is_complete("while x:"));
        assert!(is_complete("for x in range(3):\n    y = x *"));
        assert!(!is_complete("x = (1 +"));
        assert!(!is_complete("if x:  # comment"));
        assert!(is_complete("s = 'a(' +"));
        assert!(
            is_complete("p = IP(dst=)"),
            "a real syntax error is complete: it is reported"
        );
    }

    #[test]
    fn highlight_classes() {
        let t = highlight_tokens("p = IP(ttl=0x10)/b'x' # hi");
        let classes: Vec<TokenClass> = t.iter().map(|(_, c)| *c).collect();
        use TokenClass::*;
        assert_eq!(
            classes,
            [Name, Operator, Layer, Operator, Name, Operator, Number, Operator, Operator, String, Comment]
        );
        assert_eq!(t[9].0, 17..21);
        assert!(highlight_tokens("for x in 'unclosed")
            .iter()
            .any(|(_, c)| *c == Keyword));
    }
}
