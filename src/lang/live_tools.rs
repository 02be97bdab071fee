//! Scapy's other live tools in the language: `report_ports` (over [`crate::net::report_ports`]), the floods
//! `srflood`, `sr1flood`, `srpflood`, `srp1flood` (over [`crate::net::srflood`] and its kin), and the looping
//! exchanges, over [`crate::net::sr_loop`]: `srloop` and `srploop`, with Scapy's printed lines — per round `RECV n:` and each answer's line, `fail n:` and each unanswered
//! request's line (at `verbose` 2, `conf.verb`'s default), or a `*` / `.` (at 1) — and its closing
//! `Sent n packets, received r packets. h% hits.`; they return `(ans, unans)` over every round.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::args::{opt, req, Args, Const, Param};
use super::error::{ErrorKind, LangError};
use super::live::{answered_pair, broadcast_fallback, go_live, interruptible, stderr_events, verbose};
use super::pcap;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::{to_field, Value};
use crate::layers::{ip::IP, tcp::TCP};
use crate::net::{self, FloodOptions, LoopOptions, SndRcv, SrOptions};
use crate::packet::{Layer, Packet};

/// `srloop` and `srploop`, as Scapy's `__sr_loop` takes them (and `filter`, `iface` for each round's `sr`).
const LOOP_PARAMS: &[Param] = &[
    req("pkts"),
    opt("prn", Const::None),
    opt("prnfail", Const::None),
    opt("inter", Const::Int(1)),
    opt("timeout", Const::None),
    opt("count", Const::None),
    opt("verbose", Const::None),
    opt("store", Const::Int(1)),
    opt("filter", Const::None),
    opt("iface", Const::None),
];

/// The floods' parameters: `sr`'s, with `count` (how many times the packets go) for `retry` and `multi`.
const FLOOD_PARAMS: &[Param] = &[
    req("x"),
    opt("filter", Const::None),
    opt("iface", Const::None),
    opt("inter", Const::Int(0)),
    opt("count", Const::None),
    opt("timeout", Const::None),
    opt("verbose", Const::None),
];

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "srflood",
        FLOOD_PARAMS,
        "Flood at layer 3: send the packets over and over, count times (None: until timeout seconds or Ctrl-C), \
         as fast as they go, and match the answers: ans, unans. With count, timeout is the wait after the \
         last packet, as sr's.",
        |s, a| flooding(s, a, "srflood", net::srflood).map(|r| answered_pair(r, "Unanswered", |r| r))
    ),
    builtin!(
        "sr1flood",
        FLOOD_PARAMS,
        "Flood at layer 3 until the first answer (or count times, or timeout, or Ctrl-C) and return it, or None.",
        |s, a| Ok(flooding(s, a, "sr1flood", net::sr1flood)?.map_or(Value::None, Value::packet))
    ),
    builtin!(
        "srpflood",
        FLOOD_PARAMS,
        "srflood at layer 2 (Ether filled as srp does).",
        |s, a| flooding(s, a, "srpflood", net::srpflood).map(|r| answered_pair(r, "Unanswered", |r| r))
    ),
    builtin!("srp1flood", FLOOD_PARAMS, "sr1flood at layer 2.", |s, a| Ok(flooding(
        s,
        a,
        "srp1flood",
        net::srp1flood
    )?
    .map_or(Value::None, Value::packet))),
    builtin!(
        "srloop",
        LOOP_PARAMS,
        "Send at layer 3 in a loop, inter seconds apart, count times (None: until Ctrl-C), and print the \
         answers of each round (RECV n: prn(pair), by default the answer's summary) and the unanswered (fail \
         n: prnfail(p)); prn=False and prnfail=False print counts instead. timeout: each round's wait, \
         min(2 * inter, 5) by default. Returns (ans, unans) over every round (store=0 keeps none).",
        |s, a| looping(s, a, "srloop", net::sr)
    ),
    builtin!(
        "srploop",
        LOOP_PARAMS,
        "srloop at layer 2 (Ether filled as srp does).",
        |s, a| looping(s, a, "srploop", net::srp)
    ),
    builtin!(
        "report_ports",
        [req("target"), req("ports")],
        "SYN-scan the ports of target with sr (timeout 5) and return a LaTeX tabular of the open, closed and \
         unanswered ports, as Scapy's report_ports.",
        b_report_ports
    ),
];

/// `report_ports(target, ports)`: Scapy's `sr(IP(dst=target)/TCP(dport=ports), timeout=5)` and its table.
fn b_report_ports(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let (dst, dport) = (to_field(a.get("target")), to_field(a.get("ports")));
    let ip = Layer::new(&IP).with("dst", dst?)?;
    let tcp = Layer::new(&TCP).with("dport", dport?)?;
    go_live(s);
    let opts = SrOptions {
        timeout: Some(Duration::from_secs(5)),
        verbose: verbosity(s, &Value::None)? > 0,
        broadcast_fallback: broadcast_fallback(s),
        rules: s.match_rules(),
        events: stderr_events(),
        ..SrOptions::default()
    };
    let probes = [Packet::new(vec![ip, tcp])];
    let table = interruptible(&s.interrupt_flag(), |stop| net::report_ports(&probes, &opts, stop))?;
    Ok(Value::str(&table))
}

/// A flood's common part: its options read, then `run` with the session's interrupt flag.
fn flooding<T>(
    s: &mut Session,
    a: &Args,
    func: &str,
    run: fn(&[Packet], &FloodOptions, &AtomicBool) -> net::Result<T>,
) -> Result<T, LangError> {
    let opts = FloodOptions {
        sr: SrOptions {
            filter: a.text("filter")?,
            iface: a.text("iface")?,
            inter: a.seconds("inter")?.unwrap_or_default(),
            timeout: a.seconds("timeout")?,
            verbose: verbose(s, a.get("verbose")),
            broadcast_fallback: broadcast_fallback(s),
            rules: s.match_rules(),
            events: stderr_events(),
            ..SrOptions::default()
        },
        count: a.count("count")?.map(|n| n as usize),
    };
    go_live(s);
    let pkts = pcap::packets(s, a.get("x"), func)?;
    interruptible(&s.interrupt_flag(), |stop| run(&pkts, &opts, stop))
}

/// What a round prints for each pair (`prn`) or each unanswered request (`prnfail`).
enum Line {
    /// Scapy's default: the answer's summary, or the request's.
    Summary,
    /// `False`: no lines (with both off, a round prints its counts).
    Off,
    Call(Value),
}

impl Line {
    fn of(a: &Args, name: &str) -> Line {
        match a.get(name) {
            Value::None => Line::Summary,
            Value::Bool(false) => Line::Off,
            f => Line::Call(f.clone()),
        }
    }
}

/// `verbose=None` is `conf.verb`; Scapy's loops print more at 2 than at 1.
fn verbosity(s: &Session, v: &Value) -> Result<i128, LangError> {
    let v = match v {
        Value::None => s.conf("verb").unwrap_or(Value::Int(0)),
        v => v.clone(),
    };
    match v {
        Value::Bool(b) => Ok(i128::from(b)),
        v => v.as_int().ok_or_else(|| LangError::type_err("verbose must be an int")),
    }
}

fn looping(s: &mut Session, a: &Args, func: &str, exchange: net::RoundFn) -> Result<Value, LangError> {
    // Every argument is read before any is judged, so that an error names the first bad one of all.
    let level = verbosity(s, a.get("verbose"));
    let opts = LoopOptions {
        sr: SrOptions {
            filter: a.text("filter")?,
            iface: a.text("iface")?,
            timeout: a.seconds("timeout")?,
            broadcast_fallback: broadcast_fallback(s),
            rules: s.match_rules(),
            events: stderr_events(),
            ..SrOptions::default()
        },
        inter: a.seconds("inter")?.unwrap_or_default(),
        count: a.count("count")?,
        store: a.truthy("store"),
    };
    let (prn, prnfail) = (Line::of(a, "prn"), Line::of(a, "prnfail"));
    let level = level?;
    go_live(s);
    let pkts = pcap::packets(s, a.get("pkts"), func)?;
    let flag = s.interrupt_flag();
    let mut failure = None;
    let report = interruptible(&flag, |stop| {
        let print = |round: &SndRcv| {
            if failure.is_none() {
                if let Err(e) = print_round(s, round, level, &prn, &prnfail) {
                    failure = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        };
        net::sr_loop(exchange, &pkts, &opts, print, stop)
    })?;
    if let Some(e) = failure.filter(|e| e.kind != ErrorKind::Interrupted) {
        return Err(e);
    }
    if let Some(line) = report.summary().filter(|_| level > 0) {
        s.write(&format!("\n{line}\n"))?;
    }
    Ok(answered_pair(report.res, "PacketList", |r| r))
}

/// A round's lines, byte for byte as Scapy's `__sr_loop` prints them (carriage returns and the padding that
/// lines the next round's text up included).
fn print_round(s: &mut Session, round: &SndRcv, level: i128, prn: &Line, prnfail: &Line) -> Result<(), LangError> {
    let mut out = String::new();
    if level > 1 {
        out.push_str("\rsend...\r ");
        let pairs: Vec<Value> = round
            .ans
            .iter()
            .map(|(q, r)| Value::Tuple([Value::packet(q.clone()), Value::packet(r.clone())].into()))
            .collect();
        let fails: Vec<Value> = round.unans.iter().map(|p| Value::packet(p.clone())).collect();
        for (what, items, line) in [("RECV", &pairs, prn), ("fail", &fails, prnfail)] {
            if items.is_empty() || matches!(line, Line::Off) {
                continue;
            }
            let msg = format!("{what} {}:", items.len());
            out.push_str(&format!("\r{msg} "));
            for item in items {
                let text = match line {
                    Line::Call(f) => {
                        let v = s.call(f, vec![item.clone()], Vec::new())?;
                        s.text(&v)
                    }
                    _ => summary_of(item),
                };
                out.push_str(&format!("{text}\n{} ", " ".repeat(msg.len())));
            }
        }
        if matches!((prn, prnfail), (Line::Off, Line::Off)) {
            out.push_str(&format!("recv:{}  fail:{}\n", round.ans.len(), round.unans.len()));
        }
    } else if level == 1 {
        out.push_str(if round.ans.is_empty() { "" } else { "*" });
        out.push_str(if round.unans.is_empty() { "" } else { "." });
    }
    s.write(&out).map(|_| ())
}

/// Scapy's default lines: `x[1].summary()` for a pair, `x.summary()` for an unanswered request.
fn summary_of(item: &Value) -> String {
    let packet = match item {
        Value::Tuple(pair) => pair.get(1),
        other => Some(other),
    };
    match packet {
        Some(Value::Packet(p)) => p.owned().summary(),
        _ => String::new(),
    }
}
