//! The shape of a table row: a builtin function or a method, with its parameters and help. Each subsystem's
//! module declares its own rows with `builtin!` and `method!`; [`super::table`] joins them.

use super::args::{Args, Param};
use super::error::LangError;
use super::session::Session;
use super::value::Value;

/// A builtin function.
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [Param],
    pub help: &'static str,
    /// Also called when its name stands alone as a statement (`exit`, `lsc`), as the command form allows.
    pub bare: bool,
    pub(crate) run: BuiltinFn,
    /// What the command form runs instead of `run`, when the builtin has a variant that shows its result as it
    /// goes rather than building it (`rdpcap file.pcap` streams the listing).
    pub(crate) command: Option<BuiltinFn>,
}

/// A builtin's body: the session and the arguments bound to its parameters.
pub(crate) type BuiltinFn = fn(&mut Session, &Args) -> Result<Value, LangError>;

/// A method of a kind of value: `p.show()`, `b.hex()`, `bytes.fromhex(s)`.
pub struct MethodDef {
    pub name: &'static str,
    pub params: &'static [Param],
    pub help: &'static str,
    pub(crate) run: MethodFn,
}

/// A method's body: the session, the receiver (always of the kind whose table holds the row) and the arguments.
pub(crate) type MethodFn = fn(&mut Session, &Value, &Args) -> Result<Value, LangError>;

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl std::fmt::Debug for MethodDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A builtin row: `builtin!("len", [req("obj")], "help", b_len)`; `bare` before the name for the statement form,
/// `command f` after the body for a command variant.
macro_rules! builtin {
    ($name:literal, [$($p:expr),*], $help:literal, $run:expr) => {
        $crate::lang::rows::Builtin { name: $name, params: &[$($p),*], help: $help, bare: false, run: $run, command: None }
    };
    (bare $name:literal, [$($p:expr),*], $help:literal, $run:expr) => {
        $crate::lang::rows::Builtin { name: $name, params: &[$($p),*], help: $help, bare: true, run: $run, command: None }
    };
    ($name:literal, $params:ident, $help:literal, $run:expr) => {
        $crate::lang::rows::Builtin { name: $name, params: $params, help: $help, bare: false, run: $run, command: None }
    };
    ($name:literal, [$($p:expr),*], $help:literal, $run:expr, command $command:expr) => {
        $crate::lang::rows::Builtin {
            name: $name, params: &[$($p),*], help: $help, bare: false, run: $run, command: Some($command),
        }
    };
}

/// A method row: `method!("hex", [], "help", body)`; with the paths of a parameter list and a help text for
/// a method several kinds share (`method!("make_table", make_table::PARAMS, make_table::HELP, body)`).
macro_rules! method {
    ($name:literal, [$($p:expr),*], $help:literal, $run:expr) => {
        $crate::lang::rows::MethodDef { name: $name, params: &[$($p),*], help: $help, run: $run }
    };
    ($name:literal, $params:path, $help:path, $run:expr) => {
        $crate::lang::rows::MethodDef { name: $name, params: $params, help: $help, run: $run }
    };
}

pub(crate) use {builtin, method};
