//! Live traffic in the language, over [`crate::net`]: `sniff`, `send` / `sendp`, `sr` / `sr1` / `srp` / `srp1`,
//! `ifaces`, and the machine's side of `conf` (`conf.iface`, `conf.route`, `conf.route6`, `conf.ifaces`).
//!
//! Every call stops on the session's interrupt flag: Ctrl-C ends it and, as in Scapy, what was captured, sent
//! or answered is returned rather than raised away. Library errors become `PermissionError` (missing
//! capabilities: the library's one line with the `setcap` fix), `ValueError` (a bad filter or interface) or
//! `OSError`. Routes decide unset `IP().src` / `IPv6().src` from the first live call or `conf` lookup on, so
//! offline work never reads the machine and start-up stays at a millisecond.

use std::cell::RefCell;
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::error::{ErrorKind, LangError};
use super::eval::Session;
use super::pcap;
use super::value::{Pkt, Value};
use crate::net::{self, Hooks, Outgoing, SendOptions, SendReport, SniffOptions, SrOptions};
use crate::packet::Packet;
use crate::pcapio::{self, PacketList, Tally, Timestamp};

/// The library's error as the language's, its words unchanged.
fn lang_error(e: net::Error) -> LangError {
    if let net::Error::File(e) = e {
        return pcap::lang_error(e);
    }
    let kind = match e {
        net::Error::Privilege { .. } => ErrorKind::Permission,
        net::Error::Filter { .. } | net::Error::NoInterface(_) | net::Error::Unsendable(_) => ErrorKind::Value,
        _ => ErrorKind::Io,
    };
    let msg = match e {
        net::Error::Unresolved { .. } => {
            format!("{e} (conf.broadcast_fallback = True sends to broadcast, as Scapy does)")
        }
        _ => e.to_string(),
    };
    LangError::new(kind, msg)
}

/// What the machine-dependent parts of the language need before they run: routes answer for unset sources
/// (tables load on first need).
fn go_live(_: &Session) {
    net::use_routes_for_source();
}

/// `conf.broadcast_fallback`, for the call's options: an unresolvable destination goes to broadcast.
fn broadcast_fallback(s: &Session) -> bool {
    s.conf("broadcast_fallback").is_some_and(|v| v.truthy())
}

/// The library's events, printed on stderr as Scapy prints them: the progress line redrawn in place and
/// cleared when done, every other event a line of its own.
fn stderr_events() -> net::Events {
    net::Events::to(|e| match e {
        net::Event::Progress { .. } => eprint!("\r{e}"),
        net::Event::ProgressDone => eprint!("\r\x1b[K"),
        _ => eprintln!("{e}"),
    })
}

/// Runs a live call with the session's interrupt flag as its stop, then clears the flag: Ctrl-C ended the
/// call, and its result is kept.
fn interruptible<T>(flag: &AtomicBool, run: impl FnOnce(&AtomicBool) -> net::Result<T>) -> Result<T, LangError> {
    let r = run(flag);
    flag.store(false, Ordering::Relaxed);
    r.map_err(lang_error)
}

fn text(v: &Value, name: &str) -> Result<Option<String>, LangError> {
    match v {
        Value::None => Ok(None),
        Value::Str(t) => Ok(Some(t.to_string())),
        v => Err(LangError::type_err(format!(
            "{name} must be text, not {}",
            v.type_name()
        ))),
    }
}

fn seconds(v: &Value, name: &str) -> Result<Option<Duration>, LangError> {
    match v {
        Value::None => Ok(None),
        v => v
            .as_float()
            .and_then(|f| Duration::try_from_secs_f64(f).ok())
            .map(Some)
            .ok_or_else(|| LangError::value_err(format!("{name} is a number of seconds, not {}", v.repr()))),
    }
}

fn count(v: &Value, name: &str) -> Result<Option<u64>, LangError> {
    match v {
        Value::None => Ok(None),
        v => v
            .as_int()
            .and_then(|n| u64::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| LangError::value_err(format!("{name} must be a non-negative int, not {}", v.repr()))),
    }
}

/// `verbose=None` follows `conf.verb`, as in Scapy.
fn verbose(s: &Session, v: &Value) -> bool {
    match v {
        Value::None => s.conf("verb").and_then(|v| v.as_int()).is_some_and(|n| n > 0),
        v => v.truthy(),
    }
}

/// A callback argument: None, or something the session can call.
fn callback(v: &Value) -> Option<&Value> {
    (!matches!(v, Value::None)).then_some(v)
}

/// The language's callbacks, run from inside a live loop: the session is lent to one callback at a time,
/// and the first error stops the loop (through the stop flag) and is raised once the loop has returned.
struct Calls<'s> {
    s: RefCell<&'s mut Session>,
    err: RefCell<Option<LangError>>,
    stop: &'s AtomicBool,
}

impl Calls<'_> {
    fn fail(&self, e: LangError) {
        self.stop.store(true, Ordering::Relaxed);
        self.err.borrow_mut().get_or_insert(e);
    }

    /// `f(p)`, or `None` once anything failed.
    /// Calls a callback on a captured packet; `p.time` inside it is the capture time.
    fn call(&self, f: &Value, p: &Packet, time: f64) -> Option<Value> {
        if self.err.borrow().is_some() {
            return None;
        }
        let arg = Value::Packet(Pkt::captured(p.clone(), timestamp(time)));
        let r = self.s.borrow_mut().call(f, vec![arg], Vec::new());
        r.map_err(|e| self.fail(e)).ok()
    }

    fn decide(&self, f: &Value, p: &Packet, time: f64) -> bool {
        self.call(f, p, time).is_some_and(|v| v.truthy())
    }

    /// `prn`'s line: the text of what it returned, nothing for None.
    fn line(&self, f: &Value, p: &Packet, time: f64) -> Option<String> {
        match self.call(f, p, time)? {
            Value::None => None,
            v => Some(self.s.borrow().text(&v)),
        }
    }

    fn print(&self, line: &str) {
        let r = self.s.borrow_mut().write(&format!("{line}\n"));
        if let Err(e) = r {
            self.fail(e);
        }
    }

    /// The callbacks' error, if any; Ctrl-C inside a callback only ended the loop.
    fn error(self) -> Option<LangError> {
        self.err.into_inner().filter(|e| e.kind != ErrorKind::Interrupted)
    }
}

/// A captured frame's time, to the microsecond libpcap gives.
fn timestamp(t: f64) -> Timestamp {
    let secs = t.floor();
    Timestamp::new(secs as i64, ((t - secs) * 1e6).round() as u32 * 1000)
}

/// `sniff(count=0, iface=None, filter=None, timeout=None, store=True, prn=None, lfilter=None,
/// stop_filter=None, offline=None, quiet=False, promisc=True, wrpcap=None)`: Scapy's meanings; a summary line
/// per packet unless `prn` prints instead or `quiet`, then the capture's counters; the packets as a PacketList.
pub(crate) fn b_sniff(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    go_live(s);
    let iface = match (&a[1], s.conf("iface")) {
        (Value::None, Some(Value::Str(i))) => vec![i.to_string()],
        (Value::List(_) | Value::Tuple(_), _) => s
            .collect(&a[1])?
            .iter()
            .map(|v| text(v, "iface").map(Option::unwrap_or_default))
            .collect::<Result<_, _>>()?,
        (v, _) => text(v, "iface")?.into_iter().collect(),
    };
    let opts = SniffOptions {
        count: count(&a[0], "count")?.unwrap_or(0) as usize,
        iface,
        filter: text(&a[2], "filter")?,
        timeout: seconds(&a[3], "timeout")?,
        store: a[4].truthy(),
        offline: text(&a[8], "offline")?.map(PathBuf::from),
        quiet: a[9].truthy(),
        promisc: a[10].truthy(),
        wrpcap: text(&a[11], "wrpcap")?.map(PathBuf::from),
    };
    let flag = s.interrupt_flag();
    let calls = Calls {
        s: RefCell::new(s),
        err: RefCell::new(None),
        stop: &flag,
    };
    let c = &calls;
    let hooks = Hooks {
        prn: callback(&a[5]).map(|f| Box::new(move |p: &Packet, t| c.line(f, p, t)) as _),
        lfilter: callback(&a[6]).map(|f| Box::new(move |p: &Packet, t| c.decide(f, p, t)) as _),
        stop_filter: callback(&a[7]).map(|f| Box::new(move |p: &Packet, t| c.decide(f, p, t)) as _),
        out: Some(Box::new(move |line: &str| c.print(line))),
    };
    let res = interruptible(&flag, |stop| net::sniff(&opts, hooks, stop));
    if let Some(e) = calls.error() {
        return Err(e);
    }
    let mut list = PacketList::new("Sniffed");
    for f in res?.packets {
        list.push(pcapio::Frame {
            data: &f.data,
            ts: timestamp(f.time),
            wirelen: f.data.len() as u32,
            link: f.link,
        });
    }
    Ok(Value::PacketList(Rc::new(list)))
}

type SendFn = fn(&[Outgoing<'_>], &SendOptions, &AtomicBool) -> net::Result<SendReport>;

/// `send` and `sendp`: `(x, inter=0, loop=0, count=None, verbose=None, iface=None, rate=None)`; prints
/// `Sent N packets.` (with what Ctrl-C cut short) unless not verbose.
fn transmit(s: &mut Session, a: &[Value], func: &str, run: SendFn) -> Result<Value, LangError> {
    go_live(s);
    let items = pcap::items(s, &a[0], func)?;
    // A PacketList's frames are sent as stored, not dissected.
    let outgoing: Vec<Outgoing<'_>> = items
        .iter()
        .map(|item| match item {
            pcap::Item::List(l) => Outgoing::Stored(l),
            pcap::Item::Packet(p) => Outgoing::Packet(p.owned()),
        })
        .collect();
    let opts = SendOptions {
        inter: seconds(&a[1], "inter")?.unwrap_or_default(),
        looping: a[2].truthy(),
        count: count(&a[3], "count")?.unwrap_or(1),
        // The report goes to the session's output, below; the progress of a long send to a terminal's stderr.
        verbose: false,
        progress: verbose(s, &a[4]) && std::io::stderr().is_terminal(),
        iface: text(&a[5], "iface")?,
        rate: match &a[6] {
            Value::None => None,
            v => Some(
                v.as_float()
                    .ok_or_else(|| LangError::type_err("rate is packets per second"))?,
            ),
        },
        broadcast_fallback: broadcast_fallback(s),
        events: stderr_events(),
    };
    let report = interruptible(&s.interrupt_flag(), |stop| run(&outgoing, &opts, stop))?;
    if verbose(s, &a[4]) {
        s.write(&format!("{report}\n"))?;
    }
    Ok(Value::None)
}

pub(crate) fn b_send(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    transmit(s, &a, "send", net::send_items)
}

pub(crate) fn b_sendp(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    transmit(s, &a, "sendp", net::sendp_items)
}

/// The four `sr` builtins' common part: `(x, filter=None, iface=None, timeout=None, inter=0, retry=0,
/// multi=False, verbose=None)`.
fn exchange<T>(
    s: &mut Session,
    a: &[Value],
    func: &str,
    run: fn(&[Packet], &SrOptions, &AtomicBool) -> net::Result<T>,
) -> Result<T, LangError> {
    go_live(s);
    let pkts = pcap::packets(s, &a[0], func)?;
    let retry = a[5]
        .as_int()
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| LangError::type_err("retry must be an int"))?;
    let opts = SrOptions {
        filter: text(&a[1], "filter")?,
        iface: text(&a[2], "iface")?,
        timeout: seconds(&a[3], "timeout")?,
        inter: seconds(&a[4], "inter")?.unwrap_or_default(),
        retry,
        multi: a[6].truthy(),
        verbose: verbose(s, &a[7]),
        debug: false,
        broadcast_fallback: broadcast_fallback(s),
        events: stderr_events(),
    };
    interruptible(&s.interrupt_flag(), |stop| run(&pkts, &opts, stop))
}

/// `(ans, unans)`: the answered pairs as Results, the unanswered requests as a PacketList.
fn pair(res: net::SndRcv) -> Value {
    let (ans, unans) = res.into_pair();
    let mut list = PacketList::new("Unanswered");
    unans.iter().for_each(|p| list.push_packet(p));
    Value::Tuple(Rc::from([
        Value::Results(Rc::new(Results::new(ans))),
        Value::PacketList(Rc::new(list)),
    ]))
}

pub(crate) fn b_sr(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    exchange(s, &a, "sr", net::sr).map(pair)
}

pub(crate) fn b_srp(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    exchange(s, &a, "srp", net::srp).map(pair)
}

pub(crate) fn b_sr1(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    Ok(exchange(s, &a, "sr1", net::sr1)?.map_or(Value::None, Value::packet))
}

pub(crate) fn b_srp1(s: &mut Session, a: Vec<Value>) -> Result<Value, LangError> {
    Ok(exchange(s, &a, "srp1", net::srp1)?.map_or(Value::None, Value::packet))
}

/// `ifaces`: Scapy's `conf.ifaces` table (name, index, MAC, flags, addresses).
pub(crate) fn b_ifaces(s: &mut Session, _: Vec<Value>) -> Result<Value, LangError> {
    go_live(s);
    let table = NetTable::Ifaces.to_string() + "\n";
    s.write(&table)
}

/// A `conf` setting as read: the machine's answer where the user left it unset (`conf.iface` is the default
/// route's interface, `conf.route` the routing table), else what was set.
pub(crate) fn conf_value(s: &Session, name: &str, set: &Value) -> Value {
    let table = match name {
        "ifaces" => NetTable::Ifaces,
        "route" => NetTable::Route,
        "route6" => NetTable::Route6,
        "iface" if matches!(set, Value::None) => {
            go_live(s);
            return Value::str(net::conf().iface());
        }
        _ => return set.clone(),
    };
    if !matches!(set, Value::None) {
        return set.clone();
    }
    go_live(s);
    Value::NetTable(table)
}

/// A table of the machine's network view, read when shown (so it follows `net::resync` and the calling
/// thread's namespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetTable {
    Ifaces,
    Route,
    Route6,
}

impl NetTable {
    /// Scapy's class names for these tables.
    pub fn type_name(self) -> &'static str {
        match self {
            NetTable::Ifaces => "NetworkInterfaceDict",
            NetTable::Route => "Route",
            NetTable::Route6 => "Route6",
        }
    }
}

impl fmt::Display for NetTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = net::conf();
        let table = match self {
            NetTable::Ifaces => net::IfaceTable(&c.ifaces).to_string(),
            NetTable::Route => c.route_table().to_string(),
            NetTable::Route6 => c.route6_table().to_string(),
        };
        // Without the last newline, as Scapy's repr: `print(conf.route)` ends with one, not two.
        f.write_str(table.trim_end())
    }
}

/// Scapy's `SndRcvList`, the `ans` of `ans, unans = sr(…)`: (request, answer) pairs. Indexing gives a
/// `(sent, received)` tuple, iterating gives them in order, `summary()` prints `request ==> answer` lines.
/// A type of its own rather than a list of tuples, so that it prints and summarises as Scapy's does.
#[derive(Debug)]
pub struct Results {
    pairs: Vec<(Pkt, Pkt)>,
}

impl Results {
    fn new(ans: Vec<(Packet, Packet)>) -> Results {
        Results {
            pairs: ans.into_iter().map(|(q, r)| (Pkt::new(q), Pkt::new(r))).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pair at `i` as a `(sent, received)` tuple.
    pub(crate) fn item(&self, i: usize) -> Value {
        let (q, r) = &self.pairs[i];
        Value::Tuple(Rc::from([Value::Packet(q.clone()), Value::Packet(r.clone())]))
    }

    /// The pairs at these indices (a slice), or of both lists (`+`), as a new answer list.
    pub(crate) fn pick(&self, indices: impl IntoIterator<Item = usize>) -> Results {
        Results {
            pairs: indices.into_iter().map(|i| self.pairs[i].clone()).collect(),
        }
    }

    pub(crate) fn concat(&self, other: &Results) -> Results {
        Results {
            pairs: self.pairs.iter().chain(&other.pairs).cloned().collect(),
        }
    }

    pub(crate) fn items(&self) -> impl Iterator<Item = Value> + '_ {
        (0..self.len()).map(|i| self.item(i))
    }

    fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.pairs.iter().map(|(q, r)| net::answer_line(&q.owned(), &r.owned()))
    }
}

/// `<Results: TCP:1 UDP:0 ICMP:1 Other:0>`, counting the answers as Scapy does.
impl fmt::Display for Results {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = Tally::default();
        self.pairs.iter().for_each(|(_, r)| t.add(&r.owned()));
        f.write_str(&t.render("Results"))
    }
}

fn results(v: &Value) -> &Results {
    match v {
        Value::Results(r) => r,
        _ => unreachable!("Results methods are looked up for Results only"),
    }
}

pub(crate) fn m_summary(s: &mut Session, r: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let text: String = results(r).lines().map(|l| l + "\n").collect();
    s.write(&text)
}

pub(crate) fn m_nsummary(s: &mut Session, r: &Value, _: Vec<Value>) -> Result<Value, LangError> {
    let text: String = results(r)
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{i:04} {l}\n"))
        .collect();
    s.write(&text)
}
