//! The one table: every subsystem's builtin rows joined in the order `lsc()` lists them, and the method rows
//! of each kind of value. It feeds evaluation, `help()`, `lsc()`, tab completion, call signatures and the
//! parser's command form alike. `lsc` and `help`, which read the table, have their rows here.

use super::args::{opt, signature, Args, Const};
use super::error::{ErrorKind, LangError};
use super::rows::{builtin, Builtin, MethodDef};
use super::session::{Session, CONF};
use super::value::Value;
use super::{
    async_sniffer, banner, builtins, discover, exception, hexcap, live, live_tools, net, packet_sockets, packet_tools,
    pcap, pcap_reader, pcap_writer, portscan, python, set, sockets, traceroute,
};

/// Whether a group of builtins stays inside the session or reaches outside it: sends or sniffs packets,
/// opens sockets, talks to other hosts, reads or writes files. A confined session refuses the latter.
#[derive(Clone, Copy, PartialEq)]
enum Reach {
    Session,
    Outside,
}

/// Each module's builtin rows, in `lsc()` order, with how far they reach.
static BUILTINS: &[(&[Builtin], Reach)] = &[
    (builtins::BASICS, Reach::Session),
    (python::BUILTINS, Reach::Session),
    (set::BUILTINS, Reach::Session),
    (exception::BUILTINS, Reach::Session),
    (HELP, Reach::Session),
    (builtins::RANDOM, Reach::Session),
    (net::BUILTINS, Reach::Session),
    (hexcap::BUILTINS, Reach::Session),
    (packet_tools::BUILTINS, Reach::Session),
    (pcap::BUILTINS, Reach::Session),
    (pcap::FILES, Reach::Outside),
    (pcap_reader::BUILTINS, Reach::Outside),
    (pcap_writer::BUILTINS, Reach::Outside),
    (live::BUILTINS, Reach::Outside),
    (async_sniffer::BUILTINS, Reach::Outside),
    (live_tools::BUILTINS, Reach::Outside),
    (sockets::BUILTINS, Reach::Outside),
    (packet_sockets::BUILTINS, Reach::Outside),
    (portscan::BUILTINS, Reach::Outside),
    (traceroute::BUILTINS, Reach::Outside),
    (banner::BUILTINS, Reach::Outside),
    (discover::BUILTINS, Reach::Outside),
    (builtins::EXIT, Reach::Session),
];

/// Every builtin function, in the order `lsc()` lists them.
pub fn all_builtins() -> impl Iterator<Item = &'static Builtin> {
    BUILTINS.iter().flat_map(|(rows, _)| rows.iter())
}

/// True when the builtin reaches outside the session, so a confined session refuses it. The values only such
/// builtins make (sockets, readers, writers, sniffers) need no check of their own.
pub(crate) fn reaches_out(b: &Builtin) -> bool {
    BUILTINS
        .iter()
        .any(|(rows, reach)| *reach == Reach::Outside && rows.as_ptr_range().contains(&(b as *const Builtin)))
}

/// The builtin with this name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    all_builtins().find(|b| b.name == name)
}

/// The names that start the command form (`ls IP`): every builtin's.
pub fn is_command(name: &str) -> bool {
    lookup(name).is_some()
}

/// A `conf` setting as read: the machine's answer (from the live side) where the user left it unset.
pub(crate) use super::live::conf_value;

/// The methods of this value's kind.
pub fn methods_of(v: &Value) -> &'static [MethodDef] {
    match v {
        Value::Packet(_) => builtins::PACKET_METHODS,
        Value::Bytes(_) => builtins::BYTES_METHODS,
        Value::Str(_) => builtins::STR_METHODS,
        Value::List(_) => builtins::LIST_METHODS,
        Value::Dict(_) => builtins::DICT_METHODS,
        Value::Builtin(b) if b.name == "bytes" => builtins::BYTES_TYPE_METHODS,
        Value::Host(h) => h.methods(),
        _ => &[],
    }
}

/// The method of this value's kind with this name.
pub fn method(v: &Value, name: &str) -> Option<&'static MethodDef> {
    methods_of(v).iter().find(|m| m.name == name)
}

static HELP: &[Builtin] = &[
    builtin!(bare "lsc", [], "List the builtin commands.", b_lsc),
    builtin!(bare "help", [opt("obj", Const::None)], "Help on a builtin, a layer, a method or a value.", b_help),
];

fn b_lsc(s: &mut Session, _: &Args) -> Result<Value, LangError> {
    let text: String = all_builtins()
        .map(|b| format!("{:<10}: {}\n", b.name, b.help))
        .collect();
    s.write(&text)
}

fn b_help(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let text = match a.get("obj") {
        Value::None => "wirecraft: Scapy's language for packets.\n\
            Stack layers with /, e.g. p = Ether()/IP(dst=\"198.18.0.2\")/TCP(dport=80); set fields with p[TCP].dport = 443.\n\
            ls() lists the layers, ls(IP) a layer's fields, lsc() the commands, help(name) one of them.\n\
            Commands can be typed without parentheses: ls IP, help sniff.\n"
            .to_string(),
        Value::Builtin(b) => format!("{}\n    {}\n", signature(b.name, b.params), b.help),
        Value::Method(m) => format!("{}\n    {}\n", signature(m.1.name, m.1.params), m.1.help),
        Value::Class(p) => format!("{} ({}): call it with field=value arguments, or with bytes to dissect.\n{}", p.name, p.long_name, p.ls()),
        Value::Conf => CONF.iter().map(|c| format!("{:<10}: {}\n", c.name, c.help)).collect(),
        Value::Str(name) => match lookup(name) {
            Some(b) => format!("{}\n    {}\n", signature(b.name, b.params), b.help),
            None => return Err(LangError::new(ErrorKind::Name, format!("no help for '{name}'"))),
        },
        v => {
            let methods: Vec<String> = methods_of(v)
                .iter()
                .map(|m| format!("  {}: {}", signature(m.name, m.params), m.help))
                .collect();
            format!("{} value. Methods:\n{}\n", v.type_name(), methods.join("\n"))
        }
    };
    s.write(&text)
}
