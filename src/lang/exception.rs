//! Python's exceptions as values: the classes a program raises and catches (`raise ValueError("bad")`,
//! `except (KeyError, IndexError) as e:`), mapped onto the language's error kinds, with Python's hierarchy
//! for catching (`Exception` catches every error but `KeyboardInterrupt`; `LookupError`, `ArithmeticError`
//! and `OSError` their families). `exit()` is never caught.

use std::fmt;

use super::args::{opt, Args, Const};
use super::error::{ErrorKind, LangError};
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::{HostValue, Value};

/// An exception as a value: what `except … as e` binds and what the classes make.
#[derive(Debug)]
pub struct Raised {
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for Raised {
    /// `str(e)`: the message, as Python prints an exception.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl HostValue for Raised {
    fn type_name(&self) -> &'static str {
        self.kind.name()
    }

    /// `ValueError('bad')`.
    fn repr(&self) -> String {
        format!("{}({})", self.kind.name(), Value::str(&self.message).repr())
    }
}

impl Raised {
    /// The error that raising this value is.
    pub fn error(&self) -> LangError {
        LangError::new(self.kind, self.message.clone())
    }
}

/// The classes a program can raise, each with the error kind it is.
static RAISABLE: &[ErrorKind] = &[
    ErrorKind::Exception,
    ErrorKind::Value,
    ErrorKind::Type,
    ErrorKind::Key,
    ErrorKind::Index,
    ErrorKind::Name,
    ErrorKind::Attribute,
    ErrorKind::ZeroDivision,
    ErrorKind::Overflow,
    ErrorKind::Assertion,
    ErrorKind::Runtime,
    ErrorKind::Io,
    ErrorKind::FileNotFound,
    ErrorKind::Permission,
    ErrorKind::Timeout,
    ErrorKind::ConnectionRefused,
    ErrorKind::Eof,
    ErrorKind::Memory,
    ErrorKind::ConnectionReset,
];

/// Whether an error kind belongs to a family.
type Member = fn(ErrorKind) -> bool;

/// Families that only catch: their members are raised by their own names.
static FAMILIES: &[(&str, Member)] = &[
    ("BaseException", |k| !matches!(k, ErrorKind::Exit(_))),
    ("LookupError", |k| matches!(k, ErrorKind::Key | ErrorKind::Index)),
    ("ArithmeticError", |k| {
        matches!(k, ErrorKind::ZeroDivision | ErrorKind::Overflow)
    }),
    ("KeyboardInterrupt", |k| k == ErrorKind::Interrupted),
];

/// Whether `except <class>` catches an error of `kind`: its own kind, Python's parents of it, and `Exception`
/// everything but an interrupt (and `exit()`, which nothing catches).
pub fn catches(class: &str, kind: ErrorKind) -> bool {
    if matches!(kind, ErrorKind::Exit(_)) {
        return false;
    }
    let family = FAMILIES.iter().find(|(n, _)| *n == class);
    class == kind.name()
        || family.is_some_and(|(_, member)| member(kind))
        || (class == "Exception" && kind != ErrorKind::Interrupted)
        || (class == "OSError"
            && matches!(
                kind,
                ErrorKind::FileNotFound
                    | ErrorKind::Permission
                    | ErrorKind::Timeout
                    | ErrorKind::ConnectionRefused
                    | ErrorKind::ConnectionReset
            ))
        || (class == "RuntimeError" && kind == ErrorKind::Recursion)
}

/// Whether a builtin of this name is an exception class (one `except` can name).
pub fn is_class(name: &str) -> bool {
    RAISABLE.iter().any(|k| k.name() == name) || FAMILIES.iter().any(|(n, _)| *n == name)
}

/// `ValueError("why")`: the exception value of class `RAISABLE[I]`.
fn make<const I: usize>(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let message = match a.get("message") {
        Value::Str(s) => s.to_string(),
        other => other.repr(),
    };
    Ok(Value::host(Raised {
        kind: RAISABLE[I],
        message,
    }))
}

/// A family class called: it only catches, so raising it is refused with the reason.
fn family(_: &mut Session, _: &Args) -> Result<Value, LangError> {
    Err(LangError::type_err(
        "raise a specific error (ValueError, KeyError, …); this class only catches",
    ))
}

macro_rules! class {
    ($i:literal, $name:literal) => {
        builtin!(
            $name,
            [opt("message", Const::Str(""))],
            "An exception class: raise it, or catch it with except.",
            make::<$i>
        )
    };
}

pub(crate) static BUILTINS: &[Builtin] = &[
    class!(0, "Exception"),
    class!(1, "ValueError"),
    class!(2, "TypeError"),
    class!(3, "KeyError"),
    class!(4, "IndexError"),
    class!(5, "NameError"),
    class!(6, "AttributeError"),
    class!(7, "ZeroDivisionError"),
    class!(8, "OverflowError"),
    class!(9, "AssertionError"),
    class!(10, "RuntimeError"),
    class!(11, "OSError"),
    class!(12, "FileNotFoundError"),
    class!(13, "PermissionError"),
    class!(14, "TimeoutError"),
    class!(15, "ConnectionRefusedError"),
    class!(16, "EOFError"),
    class!(17, "MemoryError"),
    class!(18, "ConnectionResetError"),
    builtin!(
        "LookupError",
        [],
        "An exception family: KeyError and IndexError, for except.",
        family
    ),
    builtin!(
        "ArithmeticError",
        [],
        "An exception family: ZeroDivisionError and OverflowError, for except.",
        family
    ),
    builtin!("BaseException", [], "Every exception but exit(), for except.", family),
    builtin!("KeyboardInterrupt", [], "Ctrl-C, for except.", family),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The classes' names are the kinds' names, in table order.
    #[test]
    fn each_class_makes_its_own_kind() {
        for (i, kind) in RAISABLE.iter().enumerate() {
            assert_eq!(BUILTINS[i].name, kind.name());
        }
    }

    #[test]
    fn python_hierarchy() {
        assert!(catches("Exception", ErrorKind::Key));
        assert!(!catches("Exception", ErrorKind::Interrupted));
        assert!(catches("LookupError", ErrorKind::Index));
        assert!(catches("OSError", ErrorKind::FileNotFound));
        assert!(catches("OSError", ErrorKind::Timeout));
        assert!(!catches("BaseException", ErrorKind::Exit(0)));
        assert!(!catches("ValueError", ErrorKind::Type));
    }
}
