//! Errors of the language, named as Python names them, rendered with the line, the column and a caret under
//! the spot.

use std::fmt;

use super::ast::Span;

/// What kind of error: Python's exception names, so Scapy users recognise them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    Name,
    Type,
    Value,
    Attribute,
    Index,
    Key,
    ZeroDivision,
    Overflow,
    Recursion,
    /// An `assert` failed.
    Assertion,
    /// `raise Exception(…)`: the program's own error.
    Exception,
    /// `raise` with no error being handled.
    Runtime,
    /// Ctrl-C stopped a running statement.
    Interrupted,
    /// Reading or writing a file or the output failed (a closed pipe, a damaged capture).
    Io,
    /// A file to read does not exist.
    FileNotFound,
    /// Live traffic without the capabilities it needs; the message says how to grant them.
    Permission,
    /// A socket call's timeout passed (Python's `socket.timeout`).
    Timeout,
    /// Nothing listens on the port connected to.
    ConnectionRefused,
    /// The peer reset the connection.
    ConnectionReset,
    /// A stream ended where a whole message was expected (Python's `EOFError`).
    Eof,
    /// A value too large to hold (Python's `MemoryError`).
    Memory,
    /// `exit(code)` was called: not an error for the user, a request to stop.
    Exit(i32),
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "SyntaxError",
            ErrorKind::Name => "NameError",
            ErrorKind::Type => "TypeError",
            ErrorKind::Value => "ValueError",
            ErrorKind::Attribute => "AttributeError",
            ErrorKind::Assertion => "AssertionError",
            ErrorKind::Exception => "Exception",
            ErrorKind::Runtime => "RuntimeError",
            ErrorKind::Index => "IndexError",
            ErrorKind::Key => "KeyError",
            ErrorKind::ZeroDivision => "ZeroDivisionError",
            ErrorKind::Overflow => "OverflowError",
            ErrorKind::Recursion => "RecursionError",
            ErrorKind::Memory => "MemoryError",
            ErrorKind::Interrupted => "KeyboardInterrupt",
            ErrorKind::Io => "OSError",
            ErrorKind::FileNotFound => "FileNotFoundError",
            ErrorKind::Permission => "PermissionError",
            ErrorKind::Timeout => "TimeoutError",
            ErrorKind::ConnectionRefused => "ConnectionRefusedError",
            ErrorKind::ConnectionReset => "ConnectionResetError",
            ErrorKind::Eof => "EOFError",
            ErrorKind::Exit(_) => "SystemExit",
        }
    }
}

/// Where an error happened, resolved against the source text.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub origin: String,
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
    pub line_text: String,
    /// Characters to underline, at least 1.
    pub width: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LangError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Option<Span>,
    pub location: Option<Location>,
    /// A syntax error at the end of the input: more lines could complete it (the REPL's `...` prompt).
    pub incomplete: bool,
}

impl LangError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> LangError {
        LangError {
            kind,
            message: message.into(),
            span: None,
            location: None,
            incomplete: false,
        }
    }

    pub fn syntax(message: impl Into<String>, span: Span) -> LangError {
        LangError::new(ErrorKind::Syntax, message).at(span)
    }

    pub fn type_err(message: impl Into<String>) -> LangError {
        LangError::new(ErrorKind::Type, message)
    }

    pub fn value_err(message: impl Into<String>) -> LangError {
        LangError::new(ErrorKind::Value, message)
    }

    /// Attaches a span, keeping one already set (the innermost expression that failed wins).
    pub fn at(mut self, span: Span) -> LangError {
        self.span.get_or_insert(span);
        self
    }

    /// Resolves the span against the source, for rendering.
    pub fn locate(mut self, origin: &str, source: &str) -> LangError {
        if let (Some(span), None) = (self.span, &self.location) {
            let start = (span.start as usize).min(source.len());
            let start = (0..=start).rev().find(|i| source.is_char_boundary(*i)).unwrap_or(0);
            let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
            let line_text = &source[line_start..line_end];
            let end = (span.end as usize).clamp(start, line_end);
            let end = (end..=line_end)
                .find(|i| source.is_char_boundary(*i))
                .unwrap_or(line_end);
            self.location = Some(Location {
                origin: origin.to_string(),
                line: source[..start].matches('\n').count() + 1,
                column: source[line_start..start].chars().count() + 1,
                line_text: line_text.to_string(),
                width: source[start..end].chars().count().max(1),
            });
        }
        self
    }

    /// The process exit code this error asks for: `exit(n)` gives n, other errors 1.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Exit(c) => c,
            _ => 1,
        }
    }
}

impl fmt::Display for LangError {
    /// `origin:line:col: Kind: message`, then the line and a caret under the spot.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => {
                writeln!(
                    f,
                    "{}:{}:{}: {}: {}",
                    l.origin,
                    l.line,
                    l.column,
                    self.kind.name(),
                    self.message
                )?;
                let shown: String = l.line_text.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
                writeln!(f, "    {shown}")?;
                write!(f, "    {}{}", " ".repeat(l.column - 1), "^".repeat(l.width))
            }
            None => write!(f, "{}: {}", self.kind.name(), self.message),
        }
    }
}

impl std::error::Error for LangError {}

impl From<crate::Error> for LangError {
    fn from(e: crate::Error) -> LangError {
        let kind = match e {
            crate::Error::NoField { .. } => ErrorKind::Attribute,
            crate::Error::BadValue { .. } => ErrorKind::Value,
            crate::Error::UnknownLayer(_) => ErrorKind::Name,
            crate::Error::NoLayer(_) => ErrorKind::Index,
        };
        LangError::new(kind, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_the_span() {
        let e = LangError::syntax("expected ')'", Span::new(9, 10)).locate("<-c>", "x = 1\np = (1 2");
        assert_eq!(
            e.to_string(),
            "<-c>:2:4: SyntaxError: expected ')'\n    p = (1 2\n       ^"
        );
    }
}
