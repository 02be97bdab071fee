//! Live traffic in the language, over [`crate::net`]: `sniff`, `send` / `sendp`, `sr` / `sr1` / `srp` / `srp1`,
//! `ifaces`, and the machine's side of `conf` (`conf.iface`, `conf.route`, `conf.route6`, `conf.ifaces`).
//!
//! Every call stops on the session's interrupt flag: Ctrl-C ends it and, as in Scapy, what was captured, sent
//! or answered is returned rather than raised away. Library errors become `PermissionError` (missing
//! capabilities: the library's one line with the `setcap` fix), `ValueError` (a bad filter or interface) or
//! `OSError`. Routes decide unset `IP().src` / `IPv6().src` from the first live call or `conf` lookup on, so
//! offline work never reads the machine and start-up stays at a millisecond.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::args::{opt, optional_text, req, Args, Const, Param};
use super::error::{ErrorKind, LangError};
use super::manufdb::ManufDb;
use super::net_table::NetTable;
use super::packet_list::PacketListValue;
use super::pcap;
use super::results::Results;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::{Pkt, Value};
use crate::net::{self, Hooks, Outgoing, SendOptions, SendReport, SniffOptions, SrOptions};
use crate::packet::Packet;
use crate::pcapio::{self, PacketList, Timestamp};

/// `send` and `sendp`, as Scapy's `__gen_send` takes them.
const SEND_PARAMS: &[Param] = &[
    req("x"),
    opt("inter", Const::Int(0)),
    opt("loop", Const::Int(0)),
    opt("count", Const::None),
    opt("verbose", Const::None),
    opt("iface", Const::None),
    opt("rate", Const::None),
];

/// `sr`, `sr1`, `srp` and `srp1`, as Scapy's `sndrcv` takes them.
const SR_PARAMS: &[Param] = &[
    req("x"),
    opt("filter", Const::None),
    opt("iface", Const::None),
    opt("timeout", Const::None),
    opt("inter", Const::Int(0)),
    opt("retry", Const::Int(0)),
    opt("multi", Const::Bool(false)),
    opt("verbose", Const::None),
];

/// The live builtins, in the order `lsc()` lists them.
pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "sniff",
        [
            opt("count", Const::Int(0)),
            opt("iface", Const::None),
            opt("filter", Const::None),
            opt("timeout", Const::None),
            opt("store", Const::Bool(true)),
            opt("prn", Const::None),
            opt("lfilter", Const::None),
            opt("stop_filter", Const::None),
            opt("offline", Const::None),
            opt("quiet", Const::Bool(false)),
            opt("promisc", Const::Bool(true)),
            opt("wrpcap", Const::None)
        ],
        "Capture packets into a PacketList until count (0: no limit), timeout seconds, stop_filter(p) or Ctrl-C \
         (the packets so far are kept). iface: a name or a list (default conf.iface); filter: BPF; lfilter(p) \
         keeps a packet; prn(p) is printed instead of the summary line; wrpcap=\"f.pcap\" streams to disk \
         (with store=False, in constant memory); offline=\"f.pcap\" (or a list of packets) reads a file instead (no privileges \
         needed). Prints a line per packet and libpcap's counters unless quiet.",
        b_sniff
    ),
    builtin!(
        "send",
        SEND_PARAMS,
        "Send packets at layer 3 (IP / IPv6, routed by the kernel): a packet, a packet set, a list or a \
         PacketList, count times (loop: until Ctrl-C), inter seconds apart or at rate packets per second.",
        b_send
    ),
    builtin!(
        "sendp",
        SEND_PARAMS,
        "Send frames at layer 2 on iface (default: the route's interface). An unset Ether src is the \
         interface's MAC, an unset dst the next hop's (neighbour table, then ARP / ND); unresolvable is an \
         error unless conf.broadcast_fallback.",
        b_sendp
    ),
    builtin!(
        "sr",
        SR_PARAMS,
        "Send at layer 3 and match the answers: ans, unans = sr(...). ans holds (sent, received) pairs \
         (ans.summary() prints them), unans is a PacketList. timeout: seconds to wait after the last packet; \
         retry: resend the unanswered (negative: until that many rounds bring nothing).",
        b_sr
    ),
    builtin!(
        "sr1",
        SR_PARAMS,
        "Send at layer 3 and return the first answer, or None.",
        b_sr1
    ),
    builtin!(
        "srp",
        SR_PARAMS,
        "Send at layer 2 (Ether filled as sendp does) and match the answers: ans, unans = srp(...).",
        b_srp
    ),
    builtin!(
        "srp1",
        SR_PARAMS,
        "Send at layer 2 and return the first answer, or None.",
        b_srp1
    ),
    builtin!(bare "ifaces", [],
        "List the network interfaces: name, index, MAC, flags (UP, LOOPBACK) and addresses.", b_ifaces),
];

/// The library's error as the language's, its words unchanged.
pub(super) fn lang_error(e: net::Error) -> LangError {
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
pub(super) fn go_live(_: &Session) {
    net::use_routes_for_source();
}

/// `conf.broadcast_fallback`, for the call's options: an unresolvable destination goes to broadcast.
pub(super) fn broadcast_fallback(s: &Session) -> bool {
    s.conf("broadcast_fallback").is_some_and(|v| v.truthy())
}

/// The library's events, printed on stderr as Scapy prints them: the progress line redrawn in place and
/// cleared when done, every other event a line of its own.
pub(super) fn stderr_events() -> net::Events {
    net::Events::to(|e| match e {
        net::Event::Progress { .. } | net::Event::Scanned { .. } => eprint!("\r{e}"),
        net::Event::ProgressDone => eprint!("\r\x1b[K"),
        _ => eprintln!("{e}"),
    })
}

/// Runs a live call with the session's interrupt flag as its stop, then clears the flag: Ctrl-C ended the
/// call, and its result is kept.
pub(super) fn interruptible<T>(
    flag: &AtomicBool,
    run: impl FnOnce(&AtomicBool) -> net::Result<T>,
) -> Result<T, LangError> {
    let r = run(flag);
    flag.store(false, Ordering::Relaxed);
    r.map_err(lang_error)
}

/// `verbose=None` follows `conf.verb`, as in Scapy.
pub(super) fn verbose(s: &Session, v: &Value) -> bool {
    match v {
        Value::None => s.conf("verb").and_then(|v| v.as_int()).is_some_and(|n| n > 0),
        v => v.truthy(),
    }
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
pub(super) fn timestamp(t: f64) -> Timestamp {
    Timestamp::from_f64(t).unwrap_or_default()
}

/// `sniff(count=0, iface=None, filter=None, timeout=None, store=True, prn=None, lfilter=None,
/// stop_filter=None, offline=None, quiet=False, promisc=True, wrpcap=None)`: Scapy's meanings; a summary line
/// per packet unless `prn` prints instead or `quiet`, then the capture's counters; the packets as a PacketList.
fn b_sniff(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    go_live(s);
    let iface = sniff_ifaces(s, a)?;
    // Packets given as `offline` are read back from a file of their own, so that the filter, the count and
    // the callbacks apply to them as to a capture file.
    let spool = match a.get("offline") {
        Value::None | Value::Str(_) => None,
        packets => Some(Spool::of(s, packets)?),
    };
    let offline = match &spool {
        Some(f) => Some(f.0.clone()),
        None => a.text("offline")?.map(PathBuf::from),
    };
    let opts = SniffOptions {
        count: a.count("count")?.unwrap_or(0) as usize,
        iface,
        filter: a.text("filter")?,
        timeout: a.seconds("timeout")?,
        store: a.truthy("store"),
        offline,
        quiet: a.truthy("quiet"),
        promisc: a.truthy("promisc"),
        wrpcap: a.text("wrpcap")?.map(PathBuf::from),
    };
    let flag = s.interrupt_flag();
    let calls = Calls {
        s: RefCell::new(s),
        err: RefCell::new(None),
        stop: &flag,
    };
    let c = &calls;
    let hooks = Hooks {
        prn: a
            .callback("prn")
            .map(|f| Box::new(move |p: &Packet, t| c.line(f, p, t)) as _),
        lfilter: a
            .callback("lfilter")
            .map(|f| Box::new(move |p: &Packet, t| c.decide(f, p, t)) as _),
        stop_filter: a
            .callback("stop_filter")
            .map(|f| Box::new(move |p: &Packet, t| c.decide(f, p, t)) as _),
        out: Some(Box::new(move |line: &str| c.print(line))),
    };
    let res = interruptible(&flag, |stop| net::sniff(&opts, hooks, stop));
    if let Some(e) = calls.error() {
        return Err(e);
    }
    let res = res?;
    if let Some(w) = failure_warning(&res) {
        s.warn(&w);
    }
    let mut list = PacketList::new("Sniffed");
    for f in res.packets {
        list.push(pcapio::Frame {
            data: &f.data,
            ts: timestamp(f.time),
            wirelen: f.data.len() as u32,
            link: f.link,
            interface: 0,
        });
    }
    Ok(Value::host(PacketListValue::new(list)))
}

/// What the user is told when an interface ended a capture early (it went down or away): a warning, as Scapy's
/// `Socket … failed with '[Errno 100] Network is down'`, and the packets captured before are returned, as
/// after Ctrl-C.
pub(super) fn failure_warning(res: &net::SniffResult) -> Option<String> {
    let e = res.failure.as_ref()?;
    Some(format!("{e}; kept the {} packets captured before", res.kept))
}

/// A capture's `iface` argument: a name, a list of names, or None for `conf.iface` as the user set it.
pub(super) fn sniff_ifaces(s: &mut Session, a: &Args) -> Result<Vec<String>, LangError> {
    Ok(match (a.get("iface"), s.conf("iface")) {
        (Value::None, Some(Value::Str(i))) => vec![i.to_string()],
        (Value::List(_) | Value::Tuple(_), _) => s
            .collect(a.get("iface"))?
            .iter()
            .map(|v| optional_text(v, "iface").map(Option::unwrap_or_default))
            .collect::<Result<_, _>>()?,
        _ => a.text("iface")?.into_iter().collect(),
    })
}

/// A capture file written for `sniff(offline=packets)` and removed when done with.
struct Spool(PathBuf);

impl Spool {
    fn of(s: &mut Session, packets: &Value) -> Result<Spool, LangError> {
        use std::sync::atomic::AtomicU64;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "wirecraft-offline-{}-{}.pcap",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let spool = Spool(std::env::temp_dir().join(name));
        let items = pcap::items(s, packets, "sniff")?;
        pcapio::write(&spool.0, &items, &pcapio::WriteOptions::default()).map_err(pcap::lang_error)?;
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

type SendFn = fn(&[Outgoing<'_>], &SendOptions, &AtomicBool) -> net::Result<SendReport>;

/// `send` and `sendp`: `(x, inter=0, loop=0, count=None, verbose=None, iface=None, rate=None)`; prints
/// `Sent N packets.` (with what Ctrl-C cut short) unless not verbose.
fn transmit(s: &mut Session, a: &Args, func: &str, run: SendFn) -> Result<Value, LangError> {
    go_live(s);
    let items = pcap::items(s, a.get("x"), func)?;
    // A PacketList's frames are sent as stored, not dissected (but for the elements edited).
    let outgoing: Vec<Outgoing<'_>> = items
        .iter()
        .map(|item| match item {
            pcap::Item::List(l) => pcap::Item::list(l).outgoing(),
            pcap::Item::Packet(p) => Outgoing::Packet(p.owned()),
        })
        .collect();
    let opts = SendOptions {
        inter: a.seconds("inter")?.unwrap_or_default(),
        looping: a.truthy("loop"),
        count: a.count("count")?.unwrap_or(1),
        // The report goes to the session's output, below; the progress of a long send to a terminal's stderr.
        verbose: false,
        progress: verbose(s, a.get("verbose")) && std::io::stderr().is_terminal(),
        iface: a.text("iface")?,
        rate: match a.get("rate") {
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
    if verbose(s, a.get("verbose")) {
        s.write(&format!("{report}\n"))?;
    }
    Ok(Value::None)
}

fn b_send(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    transmit(s, a, "send", net::send_items)
}

fn b_sendp(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    transmit(s, a, "sendp", net::sendp_items)
}

/// The four `sr` builtins' common part: `(x, filter=None, iface=None, timeout=None, inter=0, retry=0,
/// multi=False, verbose=None)`.
fn exchange<T>(
    s: &mut Session,
    a: &Args,
    func: &str,
    run: fn(&[Packet], &SrOptions, &AtomicBool) -> net::Result<T>,
) -> Result<T, LangError> {
    go_live(s);
    let pkts = pcap::packets(s, a.get("x"), func)?;
    let retry = a
        .int("retry")
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| LangError::type_err("retry must be an int"))?;
    let opts = SrOptions {
        filter: a.text("filter")?,
        iface: a.text("iface")?,
        timeout: a.seconds("timeout")?,
        inter: a.seconds("inter")?.unwrap_or_default(),
        retry,
        multi: a.truthy("multi"),
        verbose: verbose(s, a.get("verbose")),
        debug: false,
        broadcast_fallback: broadcast_fallback(s),
        rules: s.match_rules(),
        events: stderr_events(),
    };
    interruptible(&s.interrupt_flag(), |stop| run(&pkts, &opts, stop))
}

/// `(ans, unans)`: the answered pairs as Results, the unanswered requests as a PacketList.
fn pair(res: net::SndRcv) -> Value {
    answered_pair(res, "Unanswered", |r| r)
}

/// `(ans, unans)`: the answers as the kind of Results `kind` makes of them (`arping`'s `ARPingResult`), the
/// unanswered list named as the call's Scapy function names it.
pub(super) fn answered_pair(mut res: net::SndRcv, unans_name: &str, kind: fn(Results) -> Results) -> Value {
    let (sent, received) = (std::mem::take(&mut res.ans_sent), std::mem::take(&mut res.ans_received));
    let (ans, unans) = res.into_pair();
    let mut list = PacketList::new(unans_name);
    unans.iter().for_each(|p| list.push_packet(p));
    Value::Tuple(Rc::from([
        Value::host(kind(Results::exchanged(ans, &sent, &received))),
        Value::host(PacketListValue::new(list)),
    ]))
}

fn b_sr(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    exchange(s, a, "sr", net::sr).map(pair)
}

fn b_srp(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    exchange(s, a, "srp", net::srp).map(pair)
}

fn b_sr1(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    Ok(exchange(s, a, "sr1", net::sr1)?.map_or(Value::None, Value::packet))
}

fn b_srp1(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    Ok(exchange(s, a, "srp1", net::srp1)?.map_or(Value::None, Value::packet))
}

/// `ifaces`: Scapy's `conf.ifaces` table (name, index, MAC, flags, addresses).
fn b_ifaces(s: &mut Session, _: &Args) -> Result<Value, LangError> {
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
        "manufdb" if matches!(set, Value::None) => return Value::host(ManufDb),
        "max_memory" => return Value::Int(super::memory::limit() as i128),
        "loopback_name" if matches!(set, Value::None) => {
            return Value::str(net::iface::loopback_name(&net::conf().ifaces));
        }
        _ => return set.clone(),
    };
    if !matches!(set, Value::None) {
        return set.clone();
    }
    go_live(s);
    Value::host(table)
}
