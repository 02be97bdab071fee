//! A session and what the bodies of builtins and methods use of it: output, warnings, the `conf` settings
//! and the interrupt flag. The evaluator (`eval.rs`) adds running programs and calling values (`run`,
//! `call`, `iterate`, `collect`) as methods of the same type, so a binding module imports this module, never
//! the evaluator.

use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;

use super::args::{Args, Const};
use super::error::{ErrorKind, LangError};
use super::rows::Builtin;
use super::steps::StepBudget;
use super::value::Value;
use crate::error::closest;
use crate::packet::{FieldValue, MatchRules, Proto};

/// One interpreter: variables, `_`, `conf`, and where output goes.
pub struct Session {
    /// foldhash, as the builtins' table (see `eval::statics`).
    pub(super) globals: foldhash::HashMap<Rc<str>, Value>,
    /// Lambda parameters and comprehension variables, innermost last.
    pub(super) locals: Vec<(Rc<str>, Value)>,
    /// The `conf` settings' values, in the order of [`CONF`].
    pub(super) conf: Vec<Value>,
    out: Box<dyn Write>,
    interrupt: Arc<AtomicBool>,
    /// How deep lambda calls are nested.
    pub(super) depth: usize,
    /// The errors `except` clauses are handling, innermost last: what a bare `raise` raises again.
    pub(super) handling: Vec<LangError>,
    /// Echo the value of each expression statement, as a prompt does. Off for `-c` and scripts.
    pub echo: bool,
    /// The warnings already given that are given once (an old field name, a TCP option skipped): a loop over
    /// a capture warns once, not per packet.
    warned_once: Vec<String>,
    /// How many loop iterations and calls a run may take: see [`Session::limit_steps`].
    pub(super) steps: StepBudget,
    /// The builtins that reach outside the session are refused: see [`Session::confine`].
    confined: bool,
}

impl Drop for Session {
    /// The session's values go, then the packets that only their own lists still reach (see
    /// [`collect_list_cycles`](super::value::collect_list_cycles)).
    fn drop(&mut self) {
        self.globals.clear();
        self.locals.clear();
        self.conf.clear();
        super::value::collect_list_cycles();
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// A session writing to standard output.
    pub fn new() -> Session {
        Session::with_output(std::io::stdout())
    }

    /// A session writing its output (print, show, ls, echoed values) to `out`.
    pub fn with_output(out: impl Write + 'static) -> Session {
        // A new session starts from the machine's memory limit, whatever an earlier one on this thread set.
        super::memory::reset_limit();
        Session {
            globals: foldhash::HashMap::default(),
            locals: Vec::new(),
            conf: CONF.iter().map(|c| c.default.value()).collect(),
            out: Box::new(out),
            interrupt: Arc::new(AtomicBool::new(false)),
            depth: 0,
            handling: Vec::new(),
            echo: false,
            warned_once: Vec::new(),
            steps: StepBudget::default(),
            confined: false,
        }
    }

    /// Bounds each later run to `steps` loop iterations and function calls; past it the run stops with
    /// `KeyboardInterrupt` (saying the step limit stopped it), the session and its variables intact. `None`,
    /// the default, is no bound. For programs one does not trust, with `conf.max_memory` bounding their values.
    pub fn limit_steps(&mut self, steps: Option<u64>) {
        self.steps.set_limit(steps);
    }

    /// Keeps this session's programs inside it: the builtins that send or sniff packets, open sockets, read
    /// or write files or talk to other hosts (see `table::reaches_out`) raise `PermissionError` naming
    /// themselves instead of running, and `conf.max_memory`, set before, can no longer be changed. For
    /// programs one does not trust; there is no way back.
    pub fn confine(&mut self) {
        self.confined = true;
    }

    /// Refuses a change of `conf.max_memory` in a confined session, whose bounds its programs may not loosen.
    pub(crate) fn may_change_memory_limit(&self) -> Result<(), LangError> {
        match self.confined {
            true => Err(LangError::new(
                ErrorKind::Permission,
                "conf.max_memory cannot be changed: the session is confined",
            )),
            false => Ok(()),
        }
    }

    /// Refuses a builtin that reaches outside a confined session.
    pub(crate) fn may_run(&self, b: &Builtin) -> Result<(), LangError> {
        match self.confined && super::table::reaches_out(b) {
            true => Err(LangError::new(
                ErrorKind::Permission,
                format!("{}() reaches outside the session, which is confined", b.name),
            )),
            false => Ok(()),
        }
    }

    /// The flag a Ctrl-C handler sets; loops check it and stop with `KeyboardInterrupt`, keeping what they did.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.globals.get(name).cloned()
    }

    /// Binds a variable, as `name = value` does.
    pub fn set(&mut self, name: &str, value: Value) {
        self.globals.insert(Rc::from(name), value);
    }

    /// The names of the variables the user bound.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.globals.iter().map(|(k, v)| (&**k, v))
    }

    /// A `conf` setting's current value.
    pub fn conf(&self, name: &str) -> Option<Value> {
        CONF.iter().position(|c| c.name == name).map(|i| self.conf[i].clone())
    }

    /// The answer-matching rules `conf.checkIPaddr`, `checkIPsrc` and `checkIPinIP` say, read at each call so
    /// a change applies to the next `sr` or `answers()`.
    pub(crate) fn match_rules(&self) -> MatchRules {
        let on = |name| self.conf(name).is_none_or(|v| v.truthy());
        MatchRules {
            check_ip_addr: on("checkIPaddr"),
            check_ip_src: on("checkIPsrc"),
            check_ip_in_ip: on("checkIPinIP"),
        }
    }

    /// Writes to the session's output. A closed pipe ends the program quietly (exit code 0).
    pub(crate) fn write(&mut self, text: &str) -> Result<Value, LangError> {
        self.out.write_all(text.as_bytes()).map_err(io_error)?;
        Ok(Value::None)
    }

    /// Flushes the output at the end of a run.
    pub(super) fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Python's `repr`, with `conf` listing its settings as set (reading `conf.route` shows the machine's).
    pub fn repr(&self, v: &Value) -> String {
        match v {
            Value::Conf => CONF
                .iter()
                .zip(&self.conf)
                .map(|(c, v)| format!("{:<10} = {}", c.name, v.repr()))
                .collect::<Vec<_>>()
                .join("\n"),
            v => v.repr(),
        }
    }

    /// Python's `str`, as `print` shows a value.
    pub fn text(&self, v: &Value) -> String {
        match v {
            Value::Conf => self.repr(v),
            v => v.to_text(),
        }
    }

    /// Where `print`, `show` and the streamed listings write.
    pub(crate) fn output(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// A warning (a capture cut short): on stderr, apart from the output, and the program goes on.
    pub(crate) fn warn(&self, w: &dyn std::fmt::Display) {
        eprintln!("warning: {w}");
    }

    /// Scapy's `DeprecationWarning` when `name` is an old name of one of `proto`'s fields (`Dot1Q.id`, now
    /// `dei`), once a session per name.
    pub(crate) fn warn_if_old_name(&mut self, proto: &'static Proto, name: &str) {
        if let Some(d) = proto.deprecated(name) {
            self.warn_once(d.to_string());
        }
    }

    /// Scapy's warning for what building `v` as `proto`'s field `name` will skip (`Option [Foo] unknown.
    /// Skipped.`), once a session per warning. Scapy warns when it builds; the engine builds without a
    /// session, so the language warns when the value is set.
    pub(crate) fn warn_if_skipped(&mut self, proto: &'static Proto, name: &str, v: &FieldValue) {
        if let Some(f) = proto.field_index(name) {
            proto.fields[f].skipped(v).into_iter().for_each(|w| self.warn_once(w));
        }
    }

    pub(crate) fn warn_once(&mut self, w: String) {
        if !self.warned_once.contains(&w) {
            self.warn(&w);
            self.warned_once.push(w);
        }
    }

    /// Clears the interrupt flag at the start of a run.
    pub(super) fn clear_interrupt(&self) {
        self.interrupt.store(false, AtomicOrdering::Relaxed);
    }

    /// Stops with `KeyboardInterrupt` if Ctrl-C was pressed since the last check, clearing the flag.
    /// One line of Scapy's `summary(prn=, lfilter=)` over a list: nothing when `lfilter(*item)` is false, else
    /// what `prn(*item)` returns (`default` without a `prn`), after its number for `nsummary`.
    pub(crate) fn summary_line(
        &mut self,
        a: &Args,
        item: Vec<Value>,
        default: impl FnOnce(&Self) -> String,
        number: Option<usize>,
    ) -> Result<(), LangError> {
        self.check_interrupt()?;
        let lfilter = a.get("lfilter");
        if !matches!(lfilter, Value::None) && !self.call(lfilter, item.clone(), Vec::new())?.truthy() {
            return Ok(());
        }
        let text = match a.get("prn") {
            Value::None => default(self),
            f => {
                let v = self.call(f, item, Vec::new())?;
                self.text(&v)
            }
        };
        let line = match number {
            Some(i) => format!("{i:04} {text}\n"),
            None => format!("{text}\n"),
        };
        self.write(&line).map(|_| ())
    }

    pub(crate) fn check_interrupt(&self) -> Result<(), LangError> {
        if self.interrupt.swap(false, AtomicOrdering::Relaxed) {
            return Err(LangError::new(ErrorKind::Interrupted, "interrupted"));
        }
        self.steps.take()
    }
}

/// An output error: a closed pipe (`| head`) ends the program quietly with exit code 0.
pub(crate) fn io_error(e: std::io::Error) -> LangError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        LangError::new(ErrorKind::Exit(0), "broken pipe")
    } else {
        LangError::new(ErrorKind::Io, format!("cannot write output: {e}"))
    }
}

/// A `conf` setting: its name, its default and what it is for.
pub struct Setting {
    pub name: &'static str,
    pub default: Const,
    pub help: &'static str,
}

/// The position of setting `name` in [`CONF`]; the error suggests the closest name.
pub(crate) fn conf_index(name: &str) -> Result<usize, LangError> {
    CONF.iter().position(|c| c.name == name).ok_or_else(|| {
        let names: Vec<&str> = CONF.iter().map(|c| c.name).collect();
        let hint = closest(name, &names).map_or(String::new(), |(_, s)| format!("; did you mean '{s}'?"));
        LangError::new(ErrorKind::Attribute, format!("conf has no setting '{name}'{hint}"))
    })
}

/// The `conf` settings. Values that need the machine's state (the interface) stay `None` until a command
/// that needs them looks them up, so start-up reads nothing.
pub static CONF: &[Setting] = &[
    Setting {
        name: "iface",
        default: Const::None,
        help: "interface for sending and sniffing (None: the one of the default route, found when needed)",
    },
    Setting {
        name: "verb",
        default: Const::Int(2),
        help: "verbosity of send and sniff: 0 is silent",
    },
    Setting {
        name: "color",
        default: Const::Bool(true),
        help: "colours in the REPL (NO_COLOR in the environment turns them off)",
    },
    Setting {
        name: "ifaces",
        default: Const::None,
        help: "the network interfaces (None: read from the machine when shown)",
    },
    Setting {
        name: "route",
        default: Const::None,
        help: "the IPv4 routing table (None: read from the machine when shown)",
    },
    Setting {
        name: "route6",
        default: Const::None,
        help: "the IPv6 routing table (None: read from the machine when shown)",
    },
    Setting {
        name: "loopback_name",
        default: Const::None,
        help: "the loopback interface's name (None: the machine's, read when needed)",
    },
    Setting {
        name: "broadcast_fallback",
        default: Const::Bool(false),
        help: "send to ff:ff:ff:ff:ff:ff when a next hop's MAC cannot be resolved, as Scapy does (False: an error)",
    },
    Setting {
        name: "checkIPaddr",
        default: Const::Bool(true),
        help: "sr and answers(): an answer comes from the address the request went to (False: from anywhere)",
    },
    Setting {
        name: "checkIPsrc",
        default: Const::Bool(true),
        help: "sr and answers(): addresses and ports are matched and hashed (False: a NAT may have changed them)",
    },
    Setting {
        name: "checkIPinIP",
        default: Const::Bool(true),
        help: "sr and answers(): IP-in-IP headers are matched as any header (False: looked through)",
    },
    Setting {
        name: "max_memory",
        default: Const::None,
        help: "the most one value may take, in bytes; more is a MemoryError (None: half the machine's memory, \
               a quarter of `ulimit -v` when set)",
    },
    Setting {
        name: "manufdb",
        default: Const::None,
        help: "MAC vendors from the packaged IEEE data (ieee-data, or Wireshark's manuf): _get_manuf(mac), \
               _get_short_manuf(mac), lookup(mac)",
    },
];
