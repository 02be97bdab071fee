//! The parser: nom 8 over a `nom_locate` span, scannerless. Newlines end statements except inside brackets,
//! which the span's `extra` tracks; Python's operator precedence is one function per level. Errors keep the
//! furthest position reached and what was expected there, so the caret lands under the mistake.

use std::rc::Rc;

use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Input};
use nom_locate::LocatedSpan;

use super::ast::{Arg, BinOp, Body, CmpOp, Comp, Expr, ExprKind, FPart, Handler, Lambda, Span, Stmt, StmtKind, UnOp};
use super::error::LangError;

/// Nesting deeper than this is refused with a syntax error, so that evaluation cannot overflow the stack.
pub const MAX_DEPTH: u16 = 48;

/// Which names start the command form (`ls IP`): the caller's to say, so that the grammar knows no table.
/// Passed to the statement-level parsers only (expressions hold no statement), which keeps the span small
/// for the deep recursion of expressions.
pub type Commands = fn(&str) -> bool;

/// What the span carries along: whether newlines are plain whitespace (inside brackets), and nesting depth.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ctx {
    nl: bool,
    depth: u16,
}

type In<'a> = LocatedSpan<&'a str, Ctx>;
type PResult<'a, T> = IResult<In<'a>, T, PErr>;

/// A parse failure: the furthest offset reached and what could have come there.
#[derive(Debug, Clone, PartialEq)]
pub struct PErr {
    pos: usize,
    expected: Vec<String>,
    msg: Option<String>,
}

impl PErr {
    fn expected(pos: usize, what: impl Into<String>) -> PErr {
        PErr {
            pos,
            expected: vec![what.into()],
            msg: None,
        }
    }

    fn message(pos: usize, msg: impl Into<String>) -> PErr {
        PErr {
            pos,
            expected: Vec::new(),
            msg: Some(msg.into()),
        }
    }

    /// Keeps the error that got further; merges what was expected when both stopped at the same place.
    fn merge(mut self, other: PErr) -> PErr {
        if other.pos > self.pos {
            return other;
        }
        if other.pos == self.pos {
            self.msg = self.msg.or(other.msg);
            for e in other.expected {
                if !self.expected.contains(&e) {
                    self.expected.push(e);
                }
            }
        }
        self
    }

    fn into_lang(self, src: &str) -> LangError {
        let found = found_at(src, self.pos);
        let text = match (self.msg, self.expected.as_slice()) {
            (Some(m), _) => m,
            (None, []) => format!("unexpected {found}"),
            (None, [one]) => format!("expected {one}, found {found}"),
            (None, [init @ .., last]) => format!("expected {} or {last}, found {found}", init.join(", ")),
        };
        let mut e = LangError::syntax(text, Span::new(self.pos, self.pos + 1));
        e.incomplete = src[self.pos.min(src.len())..].trim().is_empty();
        e
    }
}

impl ParseError<In<'_>> for PErr {
    fn from_error_kind(i: In<'_>, _: ErrorKind) -> Self {
        PErr::message(i.location_offset(), "invalid syntax")
    }
    fn append(_: In<'_>, _: ErrorKind, other: Self) -> Self {
        other
    }
    fn or(self, other: Self) -> Self {
        self.merge(other)
    }
}

/// A short description of the text at `pos`, for "found …".
fn found_at(src: &str, pos: usize) -> String {
    let rest = src.get(pos..).unwrap_or("");
    match rest.chars().next() {
        None => "end of input".into(),
        Some('\n') => "end of line".into(),
        Some(c) if c.is_alphanumeric() || c == '_' => {
            let w: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            format!("'{w}'")
        }
        Some(_) => match peek_op_str(rest) {
            Some(op) => format!("'{op}'"),
            None => format!("'{}'", rest.chars().next().unwrap_or(' ')),
        },
    }
}

/// Parses a whole program: statements separated by newlines or `;`; a statement that starts with one of
/// `commands` and bare words is in the command form.
pub fn parse(src: &str, commands: Commands) -> Result<Vec<Stmt>, LangError> {
    let i = In::new_extra(src, Ctx::default());
    match program(i, commands) {
        Ok((_, stmts)) => Ok(stmts),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_lang(src)),
        Err(nom::Err::Incomplete(_)) => Err(PErr::message(src.len(), "incomplete input").into_lang(src)),
    }
}

/// Parses a single expression (the whole input).
pub fn parse_expr(src: &str) -> Result<Expr, LangError> {
    let i = In::new_extra(src, Ctx::default());
    let r = expr(i).and_then(|(rest, e)| {
        let rest = skip_seps(rest);
        if rest.fragment().is_empty() {
            Ok((rest, e))
        } else {
            fail(rest, "end of input")
        }
    });
    match r {
        Ok((_, e)) => Ok(e),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_lang(src)),
        Err(nom::Err::Incomplete(_)) => Err(PErr::message(src.len(), "incomplete input").into_lang(src)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Lexical helpers.

fn off(i: &In) -> usize {
    i.location_offset()
}

fn fail<'a, T>(i: In<'a>, what: impl Into<String>) -> PResult<'a, T> {
    Err(nom::Err::Error(PErr::expected(off(&i), what)))
}

fn fatal<'a, T>(pos: usize, msg: impl Into<String>) -> PResult<'a, T> {
    Err(nom::Err::Failure(PErr::message(pos, msg)))
}

/// Commits: an error after this point is the error, with no backtracking to other alternatives.
fn cut<T>(r: PResult<'_, T>) -> PResult<'_, T> {
    r.map_err(|e| match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        e => e,
    })
}

/// Skips spaces, comments and backslash line continuations; newlines too inside brackets.
fn sp(i: In) -> In {
    let s = i.fragment().as_bytes();
    let mut n = 0;
    loop {
        match s.get(n) {
            Some(b' ' | b'\t' | b'\r' | b'\x0c') => n += 1,
            Some(b'\n') if i.extra.nl => n += 1,
            Some(b'\\') if s.get(n + 1) == Some(&b'\n') => n += 2,
            Some(b'\\') if s.get(n + 1) == Some(&b'\r') && s.get(n + 2) == Some(&b'\n') => n += 3,
            Some(b'#') => {
                while s.get(n).is_some_and(|c| *c != b'\n') {
                    n += 1;
                }
            }
            _ => break,
        }
    }
    i.take_from(n)
}

/// Skips whitespace, comments, newlines and `;` between top-level statements.
fn skip_seps(i: In) -> In {
    let mut i = i;
    loop {
        let j = sp(i);
        match j.fragment().as_bytes().first() {
            Some(b'\n' | b';') => i = j.take_from(1),
            _ => return j,
        }
    }
}

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "**", "//", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "&=",
    "|=", "^=", "->", "+", "-", "*", "/", "%", "<", ">", "=", "&", "|", "^", "~", "(", ")", "[", "]", "{", "}", ",",
    ":", ";", ".", "@", "!",
];

pub(crate) fn peek_op_str(s: &str) -> Option<&'static str> {
    OPS.iter().copied().find(|o| s.starts_with(o))
}

/// The operator or punctuation at the next token, longest match first, and the input after it.
fn peek_op(i: In) -> Option<(&'static str, In)> {
    let j = sp(i);
    peek_op_str(j.fragment()).map(|o| (o, j.take_from(o.len())))
}

fn op<'a>(i: In<'a>, o: &'static str) -> PResult<'a, In<'a>> {
    match peek_op(i) {
        Some((found, j)) if found == o => Ok((j, j)),
        _ => fail(sp(i), format!("'{o}'")),
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier or keyword at the next token.
fn word<'a>(i: In<'a>) -> Option<(&'a str, In<'a>)> {
    let j = sp(i);
    let s: &'a str = j.fragment();
    if !s.chars().next().is_some_and(is_ident_start) {
        return None;
    }
    let n = s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len());
    Some((&s[..n], j.take_from(n)))
}

/// Python's reserved words: none of them can name a variable.
pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def", "del", "elif", "else",
    "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
    "pass", "raise", "return", "try", "while", "with", "yield",
];

pub fn is_keyword(w: &str) -> bool {
    KEYWORDS.contains(&w)
}

fn kw<'a>(i: In<'a>, k: &'static str) -> PResult<'a, In<'a>> {
    match word(i) {
        Some((w, j)) if w == k => Ok((j, j)),
        _ => fail(sp(i), format!("'{k}'")),
    }
}

fn peek_kw(i: In, k: &str) -> bool {
    word(i).is_some_and(|(w, _)| w == k)
}

fn name(i: In) -> PResult<(Rc<str>, Span)> {
    match word(i) {
        Some((w, j)) if !is_keyword(w) => Ok((j, (Rc::from(w), Span::new(off(&j) - w.len(), off(&j))))),
        _ => fail(sp(i), "a name"),
    }
}

fn mk(kind: ExprKind, start: usize, end: usize) -> Expr {
    Expr {
        kind,
        span: Span::new(start, end),
    }
}

/// Runs `f` one nesting level deeper, refusing input nested beyond [`MAX_DEPTH`].
fn deeper<'a, T>(i: In<'a>, f: fn(In<'a>) -> PResult<'a, T>) -> PResult<'a, T> {
    let saved = i.extra;
    if saved.depth >= MAX_DEPTH {
        return fatal(
            off(&sp(i)),
            format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
        );
    }
    let mut j = i;
    j.extra.depth += 1;
    let (mut rest, v) = f(j)?;
    rest.extra = saved;
    Ok((rest, v))
}

/// Parses the contents of brackets: newlines are whitespace inside, and the context is restored after `close`.
fn bracketed<'a, T>(
    i: In<'a>,
    close: &'static str,
    f: impl FnOnce(In<'a>) -> PResult<'a, T>,
) -> PResult<'a, (T, usize)> {
    let saved = i.extra;
    let mut j = i;
    j.extra.nl = true;
    let (j, v) = f(j)?;
    let (mut rest, _) = cut(op(j, close))?;
    rest.extra = saved;
    Ok((rest, (v, off(&rest))))
}

// ---------------------------------------------------------------------------------------------------------
// Literals.

fn number(i: In) -> PResult<Expr> {
    let j = sp(i);
    let s = *j.fragment();
    let start = off(&j);
    let b = s.as_bytes();
    let radix = match (b.first(), b.get(1)) {
        (Some(b'0'), Some(b'x' | b'X')) => Some(16),
        (Some(b'0'), Some(b'o' | b'O')) => Some(8),
        (Some(b'0'), Some(b'b' | b'B')) => Some(2),
        _ => None,
    };
    let (n, kind) = if let Some(radix) = radix {
        let n = 2 + s[2..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len() - 2);
        let digits = s[2..n].replace('_', "");
        match i128::from_str_radix(&digits, radix) {
            Ok(v) if !digits.is_empty() => (n, ExprKind::Int(v)),
            _ => return fatal(start, format!("invalid number '{}'", &s[..n])),
        }
    } else {
        let mut n = s.find(|c: char| !(c.is_ascii_digit() || c == '_')).unwrap_or(s.len());
        let mut float = false;
        if s[n..].starts_with('.') && !s[n + 1..].starts_with(|c: char| is_ident_start(c) || c == '.') {
            float = true;
            n += 1;
            n += s[n..]
                .find(|c: char| !(c.is_ascii_digit() || c == '_'))
                .unwrap_or(s.len() - n);
        }
        if s[n..].starts_with(['e', 'E']) {
            let mut m = n + 1;
            if s[m..].starts_with(['+', '-']) {
                m += 1;
            }
            let digits = s[m..].find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len() - m);
            if digits > 0 {
                float = true;
                n = m + digits;
            }
        }
        if n == 0 || s[..n] == *"." {
            return fail(j, "a number");
        }
        let text = s[..n].replace('_', "");
        if float {
            match text.parse::<f64>() {
                Ok(v) => (n, ExprKind::Float(v)),
                Err(_) => return fatal(start, format!("invalid number '{}'", &s[..n])),
            }
        } else {
            match text.parse::<i128>() {
                Ok(v) => (n, ExprKind::Int(v)),
                Err(_) => return fatal(start, format!("integer literal '{}' is too large", &s[..n])),
            }
        }
    };
    if let Some(c) = s[n..].chars().next().filter(|c| is_ident_start(*c)) {
        return fatal(start, format!("invalid number '{}{c}'", &s[..n]));
    }
    Ok((j.take_from(n), mk(kind, start, start + n)))
}

/// The kind of a string literal, from its prefix.
#[derive(Clone, Copy)]
pub(crate) struct StrKind {
    raw: bool,
    bytes: bool,
    fmt: bool,
}

/// The prefix and quote of a string literal at the start of `s`: its kind, the prefix length and the quote.
pub(crate) fn string_start(s: &str) -> Option<(StrKind, usize, &'static str)> {
    let plen = s.find(['\'', '"'])?;
    let prefix = s[..plen].to_ascii_lowercase();
    let (raw, bytes, fmt) = match prefix.as_str() {
        "" => (false, false, false),
        "r" => (true, false, false),
        "b" => (false, true, false),
        "f" => (false, false, true),
        "rb" | "br" => (true, true, false),
        "rf" | "fr" => (true, false, true),
        _ => return None,
    };
    let rest = &s[plen..];
    let quote = ["'''", "\"\"\"", "'", "\""].into_iter().find(|q| rest.starts_with(q))?;
    Some((StrKind { raw, bytes, fmt }, plen, quote))
}

/// One string or bytes literal; adjacent literals are joined as in Python.
fn string(i: In) -> PResult<Expr> {
    let j = sp(i);
    let start = off(&j);
    let mut text = String::new();
    let mut data: Vec<u8> = Vec::new();
    let mut parts: Vec<FPart> = Vec::new();
    let mut is_bytes = None;
    let mut k = j;
    while let Some((kind, plen, quote)) = string_start(sp(k).fragment()) {
        if is_bytes.is_some_and(|b| b != kind.bytes) {
            return fatal(off(&sp(k)), "cannot mix bytes and text literals");
        }
        is_bytes = Some(kind.bytes);
        let mut out = Decoded {
            text: &mut text,
            data: &mut data,
            parts: &mut parts,
        };
        let (rest, ()) = string_body(sp(k).take_from(plen), kind, quote, &mut out)?;
        k = rest;
        if !k.extra.nl && !k.fragment().starts_with([' ', '\t']) {
            break;
        }
    }
    let kind = match is_bytes {
        None => return fail(j, "a string"),
        Some(true) => ExprKind::Bytes(Rc::from(data)),
        Some(false) if parts.is_empty() => ExprKind::Str(Rc::from(text)),
        Some(false) => {
            if !text.is_empty() {
                parts.push(FPart::Lit(Rc::from(text)));
            }
            ExprKind::FString(parts)
        }
    };
    Ok((k, mk(kind, start, off(&k))))
}

/// Where a literal's contents go: text, bytes, and an f-string's parts (text before a field is moved there).
struct Decoded<'o> {
    text: &'o mut String,
    data: &'o mut Vec<u8>,
    parts: &'o mut Vec<FPart>,
}

/// An f-string field starting after `{` at byte `at` of `s` (the string body), whose source is `i` from
/// there: the field, and the bytes it took including the closing `}`.
fn fstring_field<'a>(i: In<'a>, s: &str, at: usize) -> PResult<'a, (FPart, usize)> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut end = None;
    for (n, c) in s[at..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            (None, '}') if depth == 0 => {
                end = Some(n);
                break;
            }
            (None, '}') => depth -= 1,
            _ => {}
        }
    }
    let Some(len) = end else {
        return fatal(off(&i), "f-string: expected '}'");
    };
    let mut field = i.take(len);
    field.extra.nl = true;
    let (rest, e) = cut(expr(field))?;
    let rest = sp(rest);
    let tail = *rest.fragment();
    let (conv, spec) = match tail.strip_prefix('!') {
        Some(t) => {
            let c = t.chars().next().filter(|c| matches!(c, 'r' | 's' | 'a'));
            let Some(c) = c else {
                return fatal(off(&rest), "f-string: expected 'r', 's' or 'a' after '!'");
            };
            (Some(c), &t[1..])
        }
        None => (None, tail),
    };
    let spec = match spec.strip_prefix(':') {
        Some(spec) => spec,
        None if spec.is_empty() => "",
        None => return fatal(off(&rest), "f-string: expected '}', '!' or ':' after the expression"),
    };
    Ok((i.take_from(len + 1), (FPart::Field(e, conv, Rc::from(spec)), len + 1)))
}

fn string_body<'a>(i: In<'a>, kind: StrKind, quote: &'static str, out: &mut Decoded) -> PResult<'a, ()> {
    let StrKind { raw, bytes, fmt } = kind;
    let (text, data) = (&mut *out.text, &mut *out.data);
    let open = off(&i);
    let s = &i.fragment()[quote.len()..];
    let mut chars = s.char_indices().peekable();
    let push = |c: char, text: &mut String, data: &mut Vec<u8>| {
        if bytes {
            data.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        } else {
            text.push(c);
        }
    };
    while let Some((at, c)) = chars.next() {
        if s[at..].starts_with(quote) {
            return Ok((i.take_from(quote.len() + at + quote.len()), ()));
        }
        let pos = open + quote.len() + at;
        match c {
            '{' | '}' if fmt && s[at + 1..].starts_with(c) => {
                text.push(c);
                chars.next();
            }
            '{' if fmt => {
                if !text.is_empty() {
                    out.parts.push(FPart::Lit(Rc::from(std::mem::take(text))));
                }
                let (_, (part, used)) = fstring_field(i.take_from(quote.len() + at + 1), s, at + 1)?;
                out.parts.push(part);
                while chars.peek().is_some_and(|(n, _)| *n < at + 1 + used) {
                    chars.next();
                }
            }
            '}' if fmt => return fatal(pos, "f-string: single '}' is not allowed"),
            '\n' if quote.len() == 1 => return fatal(pos, "unterminated string literal (a newline inside quotes)"),
            c if bytes && !c.is_ascii() => return fatal(pos, "bytes literals can hold only ASCII characters"),
            '\\' if raw => {
                push('\\', text, data);
                if let Some((_, n)) = chars.next() {
                    push(n, text, data);
                }
            }
            '\\' => {
                let Some((at2, e)) = chars.next() else { break };
                let simple = match e {
                    '\n' => Some(None),
                    '\\' => Some(Some('\\')),
                    '\'' => Some(Some('\'')),
                    '"' => Some(Some('"')),
                    'n' => Some(Some('\n')),
                    't' => Some(Some('\t')),
                    'r' => Some(Some('\r')),
                    'a' => Some(Some('\x07')),
                    'b' => Some(Some('\x08')),
                    'f' => Some(Some('\x0c')),
                    'v' => Some(Some('\x0b')),
                    _ => None,
                };
                if let Some(c) = simple {
                    if let Some(c) = c {
                        push(c, text, data);
                    }
                    continue;
                }
                let hex_len = match e {
                    'x' => 2,
                    'u' if !bytes => 4,
                    'U' if !bytes => 8,
                    _ => 0,
                };
                let code = if hex_len > 0 {
                    let digits = s.get(at2 + 1..at2 + 1 + hex_len).unwrap_or("");
                    let v = u32::from_str_radix(digits, 16).ok().filter(|_| digits.len() == hex_len);
                    let Some(v) = v else {
                        return fatal(pos, format!("truncated \\{e} escape: expected {hex_len} hex digits"));
                    };
                    for _ in 0..hex_len {
                        chars.next();
                    }
                    v
                } else if e.is_digit(8) {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek() {
                            Some((_, d)) if d.is_digit(8) => {
                                v = v * 8 + d.to_digit(8).unwrap_or(0);
                                chars.next();
                            }
                            _ => break,
                        }
                    }
                    v
                } else {
                    // Python keeps unknown escapes as they are.
                    push('\\', text, data);
                    push(e, text, data);
                    continue;
                };
                if bytes {
                    match u8::try_from(code) {
                        Ok(b) => data.push(b),
                        Err(_) => return fatal(pos, "byte escape out of range"),
                    }
                } else {
                    match char::from_u32(code) {
                        Some(c) => text.push(c),
                        None => return fatal(pos, "invalid character escape"),
                    }
                }
            }
            c => push(c, text, data),
        }
    }
    fatal(
        open + quote.len() + s.len(),
        format!("unterminated string literal (missing closing {quote})"),
    )
}

// ---------------------------------------------------------------------------------------------------------
// Expressions, lowest precedence first.

fn expr(i: In) -> PResult<Expr> {
    deeper(i, |i| if peek_kw(i, "lambda") { lambda(i) } else { ternary(i) })
}

fn lambda(i: In) -> PResult<Expr> {
    let start = off(&sp(i));
    let (i, _) = kw(i, "lambda")?;
    let (i, params) = parameters(i, ":")?;
    let (i, _) = cut(op(i, ":"))?;
    let (i, body) = cut(expr(i))?;
    let end = body.span.end as usize;
    let body = Body::Expr(body);
    Ok((
        i,
        mk(
            ExprKind::Lambda(Rc::new(Lambda {
                name: None,
                params,
                body,
            })),
            start,
            end,
        ),
    ))
}

/// A function's parameters, names with optional defaults, up to (not taking) `close`.
fn parameters<'a>(mut i: In<'a>, close: &str) -> PResult<'a, Vec<(Rc<str>, Option<Expr>)>> {
    let mut params = Vec::new();
    while !matches!(peek_op(i), Some((o, _)) if o == close) {
        let (j, (n, _)) = cut(name(i))?;
        let (j, default) = match peek_op(j) {
            Some(("=", k)) => {
                let (k, d) = cut(expr(k))?;
                (k, Some(d))
            }
            _ => (j, None),
        };
        params.push((n, default));
        i = j;
        match peek_op(i) {
            Some((",", j)) => i = j,
            _ => break,
        }
    }
    Ok((i, params))
}

fn ternary(i: In) -> PResult<Expr> {
    let (i, body) = or_test(i)?;
    if !peek_kw(i, "if") {
        return Ok((i, body));
    }
    let (j, _) = kw(i, "if")?;
    let (j, cond) = cut(or_test(j))?;
    let (j, _) = cut(kw(j, "else"))?;
    let (j, orelse) = cut(expr(j))?;
    let span = body.span.to(orelse.span);
    let kind = ExprKind::IfElse {
        cond: Box::new(cond),
        body: Box::new(body),
        orelse: Box::new(orelse),
    };
    Ok((j, Expr { kind, span }))
}

fn or_test(i: In) -> PResult<Expr> {
    let (mut i, mut lhs) = and_test(i)?;
    while let Ok((j, _)) = kw(i, "or") {
        let (j, rhs) = cut(and_test(j))?;
        let span = lhs.span.to(rhs.span);
        lhs = Expr {
            kind: ExprKind::Or(Box::new(lhs), Box::new(rhs)),
            span,
        };
        i = j;
    }
    Ok((i, lhs))
}

fn and_test(i: In) -> PResult<Expr> {
    let (mut i, mut lhs) = not_test(i)?;
    while let Ok((j, _)) = kw(i, "and") {
        let (j, rhs) = cut(not_test(j))?;
        let span = lhs.span.to(rhs.span);
        lhs = Expr {
            kind: ExprKind::And(Box::new(lhs), Box::new(rhs)),
            span,
        };
        i = j;
    }
    Ok((i, lhs))
}

fn not_test(i: In) -> PResult<Expr> {
    match kw(i, "not") {
        Ok((j, _)) => {
            let start = off(&sp(i));
            let (j, e) = cut(deeper(j, not_test))?;
            let end = e.span.end as usize;
            Ok((j, mk(ExprKind::Not(Box::new(e)), start, end)))
        }
        Err(_) => comparison(i),
    }
}

fn cmp_op(i: In) -> Option<(CmpOp, In)> {
    if let Some((w, j)) = word(i) {
        return match w {
            "in" => Some((CmpOp::In, j)),
            "not" => kw(j, "in").ok().map(|(k, _)| (CmpOp::NotIn, k)),
            "is" => match kw(j, "not") {
                Ok((k, _)) => Some((CmpOp::IsNot, k)),
                Err(_) => Some((CmpOp::Is, j)),
            },
            _ => None,
        };
    }
    let (o, j) = peek_op(i)?;
    let op = match o {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return None,
    };
    Some((op, j))
}

fn comparison(i: In) -> PResult<Expr> {
    let (mut i, first) = bit_or(i)?;
    let mut rest = Vec::new();
    while let Some((op, j)) = cmp_op(i) {
        let (j, e) = cut(bit_or(j))?;
        rest.push((op, e));
        i = j;
    }
    if rest.is_empty() {
        return Ok((i, first));
    }
    let span = first.span.to(rest[rest.len() - 1].1.span);
    Ok((
        i,
        Expr {
            kind: ExprKind::Compare(Box::new(first), rest),
            span,
        },
    ))
}

/// One left-associative level of binary operators.
fn binary<'a>(i: In<'a>, next: fn(In<'a>) -> PResult<'a, Expr>, ops: &[(&str, BinOp)]) -> PResult<'a, Expr> {
    let (mut i, mut lhs) = next(i)?;
    while let Some((o, j)) = peek_op(i) {
        let Some(&(_, op)) = ops.iter().find(|(s, _)| *s == o) else {
            break;
        };
        let (j, rhs) = cut(next(j))?;
        let span = lhs.span.to(rhs.span);
        lhs = Expr {
            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            span,
        };
        i = j;
    }
    Ok((i, lhs))
}

fn bit_or(i: In) -> PResult<Expr> {
    binary(i, bit_xor, &[("|", BinOp::BitOr)])
}

fn bit_xor(i: In) -> PResult<Expr> {
    binary(i, bit_and, &[("^", BinOp::BitXor)])
}

fn bit_and(i: In) -> PResult<Expr> {
    binary(i, shift, &[("&", BinOp::BitAnd)])
}

fn shift(i: In) -> PResult<Expr> {
    binary(i, arith, &[("<<", BinOp::Shl), (">>", BinOp::Shr)])
}

fn arith(i: In) -> PResult<Expr> {
    binary(i, term, &[("+", BinOp::Add), ("-", BinOp::Sub)])
}

fn term(i: In) -> PResult<Expr> {
    binary(
        i,
        factor,
        &[
            ("*", BinOp::Mul),
            ("/", BinOp::Div),
            ("//", BinOp::FloorDiv),
            ("%", BinOp::Mod),
        ],
    )
}

fn factor(i: In) -> PResult<Expr> {
    let op = match peek_op(i) {
        Some(("-", j)) => Some((UnOp::Neg, j)),
        Some(("+", j)) => Some((UnOp::Pos, j)),
        Some(("~", j)) => Some((UnOp::Invert, j)),
        _ => None,
    };
    let Some((op, j)) = op else { return power(i) };
    let start = off(&sp(i));
    let (j, e) = cut(deeper(j, factor))?;
    let end = e.span.end as usize;
    let kind = match (op, &e.kind) {
        (UnOp::Neg, ExprKind::Int(v)) => ExprKind::Int(-v),
        (UnOp::Neg, ExprKind::Float(v)) => ExprKind::Float(-v),
        _ => ExprKind::Unary(op, Box::new(e)),
    };
    Ok((j, mk(kind, start, end)))
}

fn power(i: In) -> PResult<Expr> {
    let (i, base) = postfix(i)?;
    match peek_op(i) {
        Some(("**", j)) => {
            let (j, exp) = cut(deeper(j, factor))?;
            let span = base.span.to(exp.span);
            Ok((
                j,
                Expr {
                    kind: ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exp)),
                    span,
                },
            ))
        }
        _ => Ok((i, base)),
    }
}

fn postfix(i: In) -> PResult<Expr> {
    let (mut i, mut e) = atom(i)?;
    loop {
        let start = e.span.start as usize;
        match peek_op(i) {
            Some(("(", j)) => {
                let (j, (args, end)) = bracketed(j, ")", call_args)?;
                e = mk(ExprKind::Call(Box::new(e), args), start, end);
                i = j;
            }
            Some(("[", j)) => {
                let (j, (sub, end)) = bracketed(j, "]", subscript)?;
                e = match sub {
                    Sub::Index(x) => mk(ExprKind::Index(Box::new(e), Box::new(x)), start, end),
                    Sub::Slice(parts) => mk(ExprKind::Slice(Box::new(e), parts), start, end),
                };
                i = j;
            }
            Some((".", j)) => {
                let (j, (n, span)) = cut(name(j))?;
                e = mk(ExprKind::Attr(Box::new(e), n), start, span.end as usize);
                i = j;
            }
            _ => return Ok((i, e)),
        }
    }
}

fn call_args(mut i: In) -> PResult<Vec<Arg>> {
    let mut args = Vec::new();
    loop {
        if matches!(peek_op(i), Some((")", _))) {
            return Ok((i, args));
        }
        let kwarg = word(i)
            .filter(|(w, _)| !is_keyword(w))
            .and_then(|(w, j)| match peek_op(j) {
                Some(("=", k)) => Some((w, k)),
                _ => None,
            });
        if let Some((w, j)) = kwarg {
            let at = off(&sp(i));
            let (j, v) = cut(expr(j))?;
            args.push(Arg::Kw(Rc::from(w), Span::new(at, at + w.len()), v));
            i = j;
        } else {
            let (j, e) = cut(expr(i))?;
            let (j, e) = maybe_comp(j, e)?;
            args.push(Arg::Pos(e));
            i = j;
        }
        match peek_op(i) {
            Some((",", j)) => i = j,
            Some((")", _)) => return Ok((i, args)),
            _ => return Err(nom::Err::Failure(PErr::expected(off(&sp(i)), "',' or ')'"))),
        }
    }
}

/// A comprehension's clauses when `for` follows the element, else the element itself.
fn maybe_comp(i: In, elt: Expr) -> PResult<Expr> {
    if !peek_kw(i, "for") {
        return Ok((i, elt));
    }
    let mut clauses = Vec::new();
    let mut i = i;
    loop {
        if let Ok((j, _)) = kw(i, "for") {
            let (j, target) = cut(target_list(j))?;
            let (j, _) = cut(kw(j, "in"))?;
            let (j, iter) = cut(or_test(j))?;
            clauses.push(Comp::For(target, iter));
            i = j;
        } else if let Ok((j, _)) = kw(i, "if") {
            let (j, cond) = cut(or_test(j))?;
            clauses.push(Comp::If(cond));
            i = j;
        } else {
            break;
        }
    }
    let span = Span::new(elt.span.start as usize, off(&i));
    Ok((
        i,
        Expr {
            kind: ExprKind::ListComp(Box::new(elt), clauses),
            span,
        },
    ))
}

enum Sub {
    Index(Expr),
    Slice([Option<Box<Expr>>; 3]),
}

/// An expression that may be absent (slice bounds).
fn opt_expr(i: In) -> PResult<Option<Box<Expr>>> {
    match expr(i) {
        Ok((j, e)) => Ok((j, Some(Box::new(e)))),
        Err(nom::Err::Error(_)) => Ok((i, None)),
        Err(e) => Err(e),
    }
}

fn subscript(i: In) -> PResult<Sub> {
    let (i, lo) = opt_expr(i)?;
    let Some((":", i)) = peek_op(i) else {
        return match (lo, peek_op(i)) {
            // `d[1, 2]` indexes with a tuple.
            (Some(first), Some((",", j))) => {
                let (j, (mut rest, _)) = elements(j, "]")?;
                rest.insert(0, *first);
                let span = rest[0].span.to(rest[rest.len() - 1].span);
                Ok((
                    j,
                    Sub::Index(Expr {
                        kind: ExprKind::Tuple(rest),
                        span,
                    }),
                ))
            }
            (Some(e), _) => Ok((i, Sub::Index(*e))),
            (None, _) => fail(sp(i), "an index or a slice"),
        };
    };
    let (i, hi) = opt_expr(i)?;
    let (i, step) = match peek_op(i) {
        Some((":", j)) => opt_expr(j)?,
        _ => (i, None),
    };
    Ok((i, Sub::Slice([lo, hi, step])))
}

/// Comma-separated expressions up to `close`, with an optional trailing comma: the elements and whether a
/// comma was seen.
fn elements<'a>(mut i: In<'a>, close: &'static str) -> PResult<'a, (Vec<Expr>, bool)> {
    let mut items = Vec::new();
    let mut comma = false;
    loop {
        if matches!(peek_op(i), Some((o, _)) if o == close) {
            return Ok((i, (items, comma)));
        }
        let (j, e) = cut(expr(i))?;
        items.push(e);
        i = j;
        match peek_op(i) {
            Some((",", j)) => {
                comma = true;
                i = j;
            }
            Some((o, _)) if o == close => return Ok((i, (items, comma))),
            _ => {
                return Err(nom::Err::Failure(PErr::expected(
                    off(&sp(i)),
                    format!("',' or '{close}'"),
                )))
            }
        }
    }
}

fn atom(i: In) -> PResult<Expr> {
    let j = sp(i);
    let start = off(&j);
    let s = *j.fragment();
    let c = s.chars().next();
    match c {
        Some('(') => {
            let (k, ((e, _), end)) = bracketed(j.take_from(1), ")", |k| {
                let (k, first) = match peek_op(k) {
                    Some((")", _)) => return Ok((k, (ExprKind::Tuple(Vec::new()), ()))),
                    _ => cut(expr(k))?,
                };
                if peek_kw(k, "for") {
                    let (k, comp) = maybe_comp(k, first)?;
                    return Ok((k, (comp.kind, ())));
                }
                match peek_op(k) {
                    Some((",", k)) => {
                        let (k, (mut rest, _)) = elements(k, ")")?;
                        rest.insert(0, first);
                        Ok((k, (ExprKind::Tuple(rest), ())))
                    }
                    Some((")", _)) => Ok((k, (first.kind, ()))),
                    _ => Err(nom::Err::Failure(PErr::expected(off(&sp(k)), "',' or ')'"))),
                }
            })?;
            Ok((k, mk(e, start, end)))
        }
        Some('[') => {
            let (k, (e, end)) = bracketed(j.take_from(1), "]", |k| {
                if matches!(peek_op(k), Some(("]", _))) {
                    return Ok((k, ExprKind::List(Vec::new())));
                }
                let (k, first) = cut(expr(k))?;
                if peek_kw(k, "for") {
                    let (k, comp) = maybe_comp(k, first)?;
                    return Ok((k, comp.kind));
                }
                match peek_op(k) {
                    Some((",", k)) => {
                        let (k, (mut rest, _)) = elements(k, "]")?;
                        rest.insert(0, first);
                        Ok((k, ExprKind::List(rest)))
                    }
                    Some(("]", _)) => Ok((k, ExprKind::List(vec![first]))),
                    _ => Err(nom::Err::Failure(PErr::expected(off(&sp(k)), "',' or ']'"))),
                }
            })?;
            Ok((k, mk(e, start, end)))
        }
        Some('{') => {
            let (k, (e, end)) = bracketed(j.take_from(1), "}", brace_items)?;
            Ok((k, mk(e, start, end)))
        }
        Some(c) if c.is_ascii_digit() || (c == '.' && s[1..].starts_with(|d: char| d.is_ascii_digit())) => number(j),
        Some(_) if string_start(s).is_some() => string(j),
        Some(c) if is_ident_start(c) => {
            let (k, w) = word(j).map(|(w, k)| (k, w)).unwrap_or((j, ""));
            let kind = match w {
                "None" => ExprKind::None,
                "True" => ExprKind::Bool(true),
                "False" => ExprKind::Bool(false),
                w if is_keyword(w) => return fail(j, "an expression"),
                w => ExprKind::Name(Rc::from(w)),
            };
            Ok((k, mk(kind, start, off(&k))))
        }
        _ => fail(j, "an expression"),
    }
}

/// What is between `{` and `}`: a dict's `key: value` pairs, or a set's elements when the first item has no
/// `:`. `{}` is an empty dict, as in Python.
fn brace_items(i: In) -> PResult<ExprKind> {
    if matches!(peek_op(i), Some(("}", _))) {
        return Ok((i, ExprKind::Dict(Vec::new())));
    }
    let (j, first) = cut(expr(i))?;
    if matches!(peek_op(j), Some((":", _))) {
        let (j, pairs) = dict_items(i)?;
        return Ok((j, ExprKind::Dict(pairs)));
    }
    match peek_op(j) {
        Some((",", k)) => {
            let (k, (mut rest, _)) = elements(k, "}")?;
            rest.insert(0, first);
            Ok((k, ExprKind::Set(rest)))
        }
        Some(("}", _)) => Ok((j, ExprKind::Set(vec![first]))),
        _ => Err(nom::Err::Failure(PErr::expected(off(&sp(j)), "',', ':' or '}'"))),
    }
}

fn dict_items(mut i: In) -> PResult<Vec<(Expr, Expr)>> {
    let mut pairs = Vec::new();
    loop {
        if matches!(peek_op(i), Some(("}", _))) {
            return Ok((i, pairs));
        }
        let (j, k) = cut(expr(i))?;
        let (j, _) = cut(op(j, ":"))?;
        let (j, v) = cut(expr(j))?;
        pairs.push((k, v));
        i = j;
        match peek_op(i) {
            Some((",", j)) => i = j,
            Some(("}", _)) => return Ok((i, pairs)),
            _ => return Err(nom::Err::Failure(PErr::expected(off(&sp(i)), "',' or '}'"))),
        }
    }
}

/// Expressions separated by commas: a tuple when there is a comma.
fn expr_list(i: In) -> PResult<Expr> {
    let (mut i, first) = expr(i)?;
    if !matches!(peek_op(i), Some((",", _))) {
        return Ok((i, first));
    }
    let mut items = vec![first];
    while let Some((",", j)) = peek_op(i) {
        i = j;
        match expr(i) {
            Ok((j, e)) => {
                items.push(e);
                i = j;
            }
            Err(nom::Err::Error(_)) => break,
            Err(e) => return Err(e),
        }
    }
    let span = items[0].span.to(items[items.len() - 1].span);
    Ok((
        i,
        Expr {
            kind: ExprKind::Tuple(items),
            span,
        },
    ))
}

/// Assignment targets of `for` and comprehensions: `x`, `i, p`, `(a, b)`.
fn target_list(i: In) -> PResult<Expr> {
    let (mut i, first) = postfix(i)?;
    let mut items = vec![first];
    while let Some((",", j)) = peek_op(i) {
        let (j, e) = cut(postfix(j))?;
        items.push(e);
        i = j;
    }
    let e = if items.len() == 1 {
        items.pop().unwrap_or_else(|| mk(ExprKind::None, 0, 0))
    } else {
        let span = items[0].span.to(items[items.len() - 1].span);
        Expr {
            kind: ExprKind::Tuple(items),
            span,
        }
    };
    check_target(&e)?;
    Ok((i, e))
}

/// Refuses what cannot be assigned to, with the caret under it.
fn check_target(e: &Expr) -> Result<(), nom::Err<PErr>> {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Attr(..) | ExprKind::Index(..) => Ok(()),
        ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().try_for_each(check_target),
        other => Err(nom::Err::Failure(PErr::message(
            e.span.start as usize,
            format!("cannot assign to {}", describe(other)),
        ))),
    }
}

fn describe(e: &ExprKind) -> &'static str {
    match e {
        ExprKind::Call(..) => "a function call",
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Bytes(_) => "a literal",
        ExprKind::None | ExprKind::Bool(_) => "a constant",
        ExprKind::Slice(..) => "a slice",
        ExprKind::Lambda(_) => "a lambda",
        ExprKind::ListComp(..) => "a comprehension",
        _ => "an expression",
    }
}

// ---------------------------------------------------------------------------------------------------------
// Statements.

fn program(i: In, commands: Commands) -> PResult<Vec<Stmt>> {
    let mut out = Vec::new();
    let mut i = skip_seps(i);
    while !i.fragment().is_empty() {
        let (j, s) = statement(i, commands)?;
        out.push(s);
        let (j, _) = end_of_statement(j)?;
        i = skip_seps(j);
    }
    Ok((i, out))
}

/// After a statement: `;`, a newline, the end, or the start of a line (a block just ended).
fn end_of_statement(i: In) -> PResult<In> {
    let j = sp(i);
    match j.fragment().as_bytes().first() {
        None | Some(b'\n' | b';') => Ok((j, j)),
        _ if i.get_column() == 1 => Ok((i, i)),
        _ => Err(nom::Err::Failure(PErr::expected(
            off(&j),
            "an operator, ';' or the end of the line",
        ))),
    }
}

/// Leading spaces and tabs of the line `i` is on.
fn line_indent(i: &In) -> usize {
    i.get_line_beginning()
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count()
}

fn statement(i: In, commands: Commands) -> PResult<Stmt> {
    let j = sp(i);
    let start = off(&j);
    let (k, kind) = match word(j).map(|(w, _)| w) {
        Some("for") => for_stmt(j, commands)?,
        Some("if") => if_stmt(j, commands)?,
        Some("while") => while_stmt(j, commands)?,
        Some("try") => try_stmt(j, commands)?,
        Some(w @ ("import" | "from" | "class" | "with" | "global" | "nonlocal" | "yield" | "async" | "await")) => {
            return fatal(start, unsupported(w));
        }
        Some("raise") => {
            let (k, _) = kw(j, "raise")?;
            match at_statement_end(k) {
                true => (k, StmtKind::Raise(None)),
                false => {
                    let (k, e) = cut(expr(k))?;
                    (k, StmtKind::Raise(Some(e)))
                }
            }
        }
        Some("def") => def_stmt(j, commands)?,
        Some("return") => {
            let (k, _) = kw(j, "return")?;
            match at_statement_end(k) {
                true => (k, StmtKind::Return(None)),
                false => {
                    let (k, e) = cut(expr_list(k))?;
                    (k, StmtKind::Return(Some(e)))
                }
            }
        }
        Some("assert") => {
            let (k, _) = kw(j, "assert")?;
            let (k, test) = cut(expr(k))?;
            match peek_op(k) {
                Some((",", l)) => {
                    let (l, msg) = cut(expr(l))?;
                    (l, StmtKind::Assert(test, Some(msg)))
                }
                _ => (k, StmtKind::Assert(test, None)),
            }
        }
        Some("del") => {
            let (k, _) = kw(j, "del")?;
            let (k, t) = cut(target_list(k))?;
            let targets = match t.kind {
                ExprKind::Tuple(items) => items,
                _ => vec![t],
            };
            (k, StmtKind::Del(targets))
        }
        Some(w @ ("pass" | "break" | "continue")) => {
            let (k, _) = kw(j, "pass")
                .or_else(|_| kw(j, "break"))
                .or_else(|_| kw(j, "continue"))?;
            let kind = match w {
                "pass" => StmtKind::Pass,
                "break" => StmtKind::Break,
                _ => StmtKind::Continue,
            };
            (k, kind)
        }
        _ => match command(j, commands) {
            Some(r) => {
                let (k, e) = r?;
                (k, StmtKind::Command(e))
            }
            None => simple(j)?,
        },
    };
    let span = Span::new(start, off(&k));
    Ok((k, Stmt { kind, span }))
}

fn simple(i: In) -> PResult<StmtKind> {
    let (i, lhs) = expr_list(i)?;
    if let Some(("=", _)) = peek_op(i) {
        let mut targets = vec![lhs];
        let mut i = i;
        while let Some(("=", j)) = peek_op(i) {
            let (j, e) = cut(expr_list(j))?;
            targets.push(e);
            i = j;
        }
        let value = targets.pop().unwrap_or_else(|| mk(ExprKind::None, 0, 0));
        targets.iter().try_for_each(check_target)?;
        return Ok((i, StmtKind::Assign(targets, value)));
    }
    let aug = match peek_op(i) {
        Some((o, j)) if o.len() >= 2 && o.ends_with('=') && !matches!(o, "==" | "!=" | "<=" | ">=") => {
            let op = match &o[..o.len() - 1] {
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                "*" => BinOp::Mul,
                "/" => BinOp::Div,
                "//" => BinOp::FloorDiv,
                "%" => BinOp::Mod,
                "**" => BinOp::Pow,
                "<<" => BinOp::Shl,
                ">>" => BinOp::Shr,
                "&" => BinOp::BitAnd,
                "|" => BinOp::BitOr,
                _ => BinOp::BitXor,
            };
            Some((op, j))
        }
        _ => None,
    };
    if let Some((op, j)) = aug {
        if !matches!(lhs.kind, ExprKind::Name(_) | ExprKind::Attr(..) | ExprKind::Index(..)) {
            return fatal(lhs.span.start as usize, "cannot use an augmented assignment here");
        }
        let (j, value) = cut(expr(j))?;
        return Ok((j, StmtKind::AugAssign(lhs, op, value)));
    }
    Ok((i, StmtKind::Expr(lhs)))
}

fn for_stmt(i: In, commands: Commands) -> PResult<StmtKind> {
    let indent = line_indent(&i);
    let (i, _) = kw(i, "for")?;
    let (i, target) = cut(target_list(i))?;
    let (i, _) = cut(kw(i, "in"))?;
    let (i, iter) = cut(expr_list(i))?;
    let (i, _) = cut(op(i, ":"))?;
    let (i, body) = suite(i, indent, commands)?;
    Ok((i, StmtKind::For { target, iter, body }))
}

fn while_stmt(i: In, commands: Commands) -> PResult<StmtKind> {
    let indent = line_indent(&i);
    let (i, _) = kw(i, "while")?;
    let (i, cond) = cut(expr(i))?;
    let (i, _) = cut(op(i, ":"))?;
    let (i, body) = suite(i, indent, commands)?;
    Ok((i, StmtKind::While { cond, body }))
}

fn try_stmt(i: In, commands: Commands) -> PResult<StmtKind> {
    let indent = line_indent(&i);
    let (i, _) = kw(i, "try")?;
    let (i, _) = cut(op(i, ":"))?;
    let (mut i, body) = suite(i, indent, commands)?;
    let mut handlers = Vec::new();
    while let Some(j) = clause(i, indent, "except") {
        let (j, class) = match peek_op(j) {
            Some((":", _)) => (j, None),
            _ => {
                let (j, c) = cut(expr(j))?;
                (j, Some(c))
            }
        };
        let (j, name) = match kw(j, "as") {
            Ok((j, _)) => {
                let (j, (n, _)) = cut(name(j))?;
                (j, Some(n))
            }
            Err(_) => (j, None),
        };
        let (j, _) = cut(op(j, ":"))?;
        let (j, body) = suite(j, indent, commands)?;
        handlers.push(Handler { class, name, body });
        i = j;
    }
    let (i, orelse) = match clause_block(i, indent, "else", commands)? {
        Some((j, b)) if !handlers.is_empty() => (j, b),
        Some(_) => return fatal(off(&i), "'else' needs an 'except' before it"),
        None => (i, Vec::new()),
    };
    let (i, finally) = clause_block(i, indent, "finally", commands)?.unwrap_or((i, Vec::new()));
    if handlers.is_empty() && finally.is_empty() {
        return Err(nom::Err::Failure(PErr::expected(off(&i), "'except' or 'finally'")));
    }
    Ok((
        i,
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finally,
        },
    ))
}

/// A `k:` clause and its block (`else:`, `finally:`), when one follows.
fn clause_block<'a>(
    i: In<'a>,
    indent: usize,
    k: &'static str,
    commands: Commands,
) -> Result<Option<(In<'a>, Vec<Stmt>)>, nom::Err<PErr>> {
    let Some(j) = clause(i, indent, k) else {
        return Ok(None);
    };
    let (j, _) = cut(op(j, ":"))?;
    let (j, body) = suite(j, indent, commands)?;
    Ok(Some((j, body)))
}

fn def_stmt(i: In, commands: Commands) -> PResult<StmtKind> {
    let indent = line_indent(&i);
    let (i, _) = kw(i, "def")?;
    let (i, (name, _)) = cut(name(i))?;
    let (i, _) = cut(op(i, "("))?;
    let (i, params) = parameters(i, ")")?;
    let (i, _) = cut(op(i, ")"))?;
    let (i, _) = cut(op(i, ":"))?;
    let (i, body) = suite(i, indent, commands)?;
    let body = Body::Block(body);
    Ok((
        i,
        StmtKind::Def(Rc::new(Lambda {
            name: Some(name),
            params,
            body,
        })),
    ))
}

/// Why a Python statement wirecraft does not have is refused, and what to do instead.
fn unsupported(keyword: &str) -> String {
    match keyword {
        "import" | "from" => {
            "'import' is not supported: Scapy's layers and functions are built in, with nothing to import".into()
        }
        "class" => "classes are not supported: a 'def' function or a lambda can be a callback".into(),
        k => format!("'{k}' is not supported"),
    }
}

/// Nothing more on this statement: the end, a newline or `;`.
fn at_statement_end(i: In) -> bool {
    matches!(sp(i).fragment().as_bytes().first(), None | Some(b'\n' | b';'))
}

fn if_stmt(i: In, commands: Commands) -> PResult<StmtKind> {
    let indent = line_indent(&i);
    let (mut i, _) = kw(i, "if")?;
    let mut branches = Vec::new();
    loop {
        let (j, cond) = cut(expr(i))?;
        let (j, _) = cut(op(j, ":"))?;
        let (j, body) = suite(j, indent, commands)?;
        branches.push((cond, body));
        i = j;
        match clause(i, indent, "elif") {
            Some(j) => i = j,
            None => break,
        }
    }
    let mut orelse = Vec::new();
    if let Some(j) = clause(i, indent, "else") {
        let (j, _) = cut(op(j, ":"))?;
        let (j, body) = suite(j, indent, commands)?;
        orelse = body;
        i = j;
    }
    Ok((i, StmtKind::If { branches, orelse }))
}

/// An `elif`/`else` continuing a compound statement, on this line or a following one at the header's indent.
fn clause<'a>(i: In<'a>, indent: usize, k: &'static str) -> Option<In<'a>> {
    // At the start of a line (a block just ended) the clause must stand at the header's indentation: an
    // `else` or `except` at another one belongs to an enclosing statement.
    if i.get_column() != 1 {
        if let Ok((j, _)) = kw(i, k) {
            return Some(j);
        }
    }
    let j = skip_blank_lines(i);
    let ind = leading_ws(&j);
    (ind == indent && !j.fragment().is_empty())
        .then(|| kw(j.take_from(ind), k).ok().map(|(j, _)| j))
        .flatten()
}

fn leading_ws(i: &In) -> usize {
    i.fragment().bytes().take_while(|c| matches!(c, b' ' | b'\t')).count()
}

/// From the end of a line (or the start of one), skips lines holding only whitespace and comments; stops at the
/// start of the next line with content, or at the end of input.
fn skip_blank_lines(i: In) -> In {
    // At the start of a line, its indentation is the next block's business (an inner block that just ended
    // leaves its caller there): only blank lines are skipped.
    let mut i = if i.get_column() == 1 { i } else { sp(i) };
    loop {
        if i.fragment().starts_with('\n') {
            i = i.take_from(1);
        } else if i.get_column() != 1 {
            return i;
        }
        let j = sp(i);
        if j.fragment().starts_with('\n') {
            i = j;
        } else if j.fragment().is_empty() {
            return j;
        } else {
            return i;
        }
    }
}

/// The body after `:`: statements on the same line, or an indented block on the following lines.
fn suite(i: In, header_indent: usize, commands: Commands) -> PResult<Vec<Stmt>> {
    let j = sp(i);
    if !j.fragment().is_empty() && !j.fragment().starts_with('\n') {
        return line_statements(j, commands);
    }
    let k = skip_blank_lines(j);
    let ind = leading_ws(&k);
    if k.fragment().is_empty() || ind <= header_indent {
        return Err(nom::Err::Failure(PErr::expected(off(&k) + ind, "an indented block")));
    }
    let mut body = Vec::new();
    let mut k = k;
    loop {
        let (l, stmts) = line_statements(k.take_from(ind), commands)?;
        body.extend(stmts);
        let m = skip_blank_lines(l);
        let next = leading_ws(&m);
        if m.fragment().is_empty() || next < ind {
            return Ok((m, body));
        }
        if next > ind {
            return fatal(off(&m) + next, "unexpected indent");
        }
        k = m;
    }
}

/// Statements separated by `;` up to the end of the line (or the end of a nested block).
fn line_statements(i: In, commands: Commands) -> PResult<Vec<Stmt>> {
    let mut out = Vec::new();
    let (mut i, s) = cut(statement(i, commands))?;
    out.push(s);
    loop {
        if i.get_column() == 1 {
            return Ok((i, out));
        }
        match peek_op(i) {
            Some((";", j)) => {
                let k = sp(j);
                if k.fragment().is_empty() || k.fragment().starts_with('\n') {
                    return Ok((k, out));
                }
                let (k, s) = cut(statement(k, commands))?;
                out.push(s);
                i = k;
            }
            _ => {
                let (j, _) = end_of_statement(i)?;
                return Ok((j, out));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Command form: `ls IP`, `help sniff`, `rdpcap file.pcap`, `sniff count=10 filter="icmp"`.

/// Whether the statement that `line` starts is in the command form, for completing its bare arguments.
pub(crate) fn is_command_form(line: &str, commands: Commands) -> bool {
    command(In::new_extra(line, Ctx::default()), commands).is_some()
}

/// The command form, when the statement is a command's name followed by bare words or key=value pairs.
fn command(i: In, commands: Commands) -> Option<PResult<Expr>> {
    let (w, k) = word(i)?;
    if is_keyword(w) || !commands(w) || !k.fragment().starts_with([' ', '\t']) {
        return None;
    }
    let a = sp(k);
    let s = *a.fragment();
    let c = s.chars().next()?;
    let next = s[c.len_utf8()..].chars().next();
    let starts_word = is_ident_start(c)
        || c.is_ascii_digit()
        || c == '\''
        || c == '"'
        || (matches!(c, '/' | '.' | '~' | '-') && next.is_some_and(|n| !n.is_whitespace()));
    if !starts_word || word(a).is_some_and(|(w, _)| is_keyword(w) && !matches!(w, "None" | "True" | "False")) {
        return None;
    }
    let start = off(&i) + (i.fragment().len() - i.fragment().trim_start().len());
    let func = mk(ExprKind::Name(Rc::from(w)), start, start + w.len());
    Some(command_args(a).map(|(j, args)| {
        let end = off(&j);
        (j, mk(ExprKind::Call(Box::new(func), args), start, end))
    }))
}

fn command_args(mut i: In) -> PResult<Vec<Arg>> {
    let mut args = Vec::new();
    loop {
        let j = sp(i);
        if j.fragment().is_empty() || j.fragment().starts_with(['\n', ';']) {
            return Ok((j, args));
        }
        let key = word(j).and_then(|(w, k)| {
            (k.fragment().starts_with('=') && !k.fragment().starts_with("==") && !is_keyword(w)).then_some((w, k))
        });
        match key {
            Some((w, k)) => {
                let at = off(&j);
                let (k, v) = bare_value(k.take_from(1))?;
                args.push(Arg::Kw(Rc::from(w), Span::new(at, at + w.len()), v));
                i = k;
            }
            None => {
                let (k, v) = bare_value(j)?;
                args.push(Arg::Pos(v));
                i = k;
            }
        }
    }
}

/// One command-form value: a literal, a bracketed expression, or a bare word (a name, or else text).
fn bare_value(i: In) -> PResult<Expr> {
    let s = *i.fragment();
    if string_start(s).is_some() {
        return string(i);
    }
    if s.starts_with(['(', '[', '{']) {
        return postfix(i);
    }
    if peek_kw(i, "lambda") {
        return expr(i);
    }
    let n = s
        .find(|c: char| c.is_whitespace() || c == ';' || c == '#')
        .unwrap_or(s.len());
    if n == 0 {
        return fail(i, "a value");
    }
    let w = &s[..n];
    let start = off(&i);
    let rest = i.take_from(n);
    let kind = if let Ok((r, e)) = number(i) {
        if off(&r) == start + n {
            e.kind
        } else {
            ExprKind::Str(Rc::from(w))
        }
    } else {
        match w {
            "None" => ExprKind::None,
            "True" => ExprKind::Bool(true),
            "False" => ExprKind::Bool(false),
            w if w.starts_with(is_ident_start) && w.chars().all(is_ident_char) => ExprKind::Word(Rc::from(w)),
            w if w.starts_with('-') && number(i.take_from(1)).is_ok_and(|(r, _)| off(&r) == start + n) => {
                match number(i.take_from(1)) {
                    Ok((
                        _,
                        Expr {
                            kind: ExprKind::Int(v), ..
                        },
                    )) => ExprKind::Int(-v),
                    Ok((
                        _,
                        Expr {
                            kind: ExprKind::Float(v),
                            ..
                        },
                    )) => ExprKind::Float(-v),
                    _ => ExprKind::Str(Rc::from(w)),
                }
            }
            w => ExprKind::Str(Rc::from(w)),
        }
    };
    Ok((rest, mk(kind, start, start + n)))
}
