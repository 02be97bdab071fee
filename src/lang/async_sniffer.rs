//! Scapy's `AsyncSniffer` in the language, over [`crate::net::AsyncSniff`]: `t = AsyncSniffer(...)`,
//! `t.start()`, `t.stop()` (the packets), `t.join()`, `t.results`, `t.running`.
//!
//! The capture runs on a thread of the library's; its frames come back as plain data when it ends. The
//! language's values are not shared between threads, so `lfilter` and `prn` run on the session's thread when
//! the results are collected — by `stop()` or `join()` — rather than as each packet arrives, as Scapy's do;
//! `count` counts what the BPF `filter` let through. Without callbacks, `results` is there as soon as the
//! capture has ended by itself.

use std::cell::RefCell;
use std::fmt;

use super::args::{opt, Args, Const};
use super::error::{ErrorKind, LangError};
use super::live::{failure_warning, go_live, lang_error, sniff_ifaces, timestamp};
use super::packet_list::PacketListValue;
use super::rows::{builtin, method, Builtin, MethodDef};
use super::session::Session;
use super::value::{HostValue, Pkt, Value};
use crate::net::{self, AsyncSniff, SniffOptions};
use crate::pcapio::{self, PacketList};

pub(crate) static BUILTINS: &[Builtin] = &[builtin!(
    "AsyncSniffer",
    [
        opt("count", Const::Int(0)),
        opt("store", Const::Bool(true)),
        opt("prn", Const::None),
        opt("lfilter", Const::None),
        opt("filter", Const::None),
        opt("iface", Const::None),
        opt("timeout", Const::None),
        opt("promisc", Const::Bool(true))
    ],
    "A capture in the background: t = AsyncSniffer(filter=\"icmp\"); t.start(); ...; pkts = t.stop(). \
     sniff's meanings for count, store, filter, iface, timeout and promisc; lfilter(p) and prn(p) run when the \
     results are collected (stop() or join()), not as packets arrive. t.join(timeout=None) waits for count or \
     timeout; t.results is the PacketList once ended; t.running says whether it captures.",
    b_async_sniffer
)];

fn b_async_sniffer(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let opts = SniffOptions {
        count: a.count("count")?.unwrap_or(0) as usize,
        iface: sniff_ifaces(s, a)?,
        filter: a.text("filter")?,
        timeout: a.seconds("timeout")?,
        store: a.truthy("store"),
        promisc: a.truthy("promisc"),
        quiet: true,
        ..SniffOptions::default()
    };
    Ok(Value::host(AsyncSniffer {
        opts,
        prn: a.callback("prn").cloned(),
        lfilter: a.callback("lfilter").cloned(),
        state: RefCell::default(),
    }))
}

/// The `AsyncSniffer` value: its options, its callbacks, and the capture once started.
#[derive(Debug)]
pub(crate) struct AsyncSniffer {
    opts: SniffOptions,
    prn: Option<Value>,
    lfilter: Option<Value>,
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    capture: Option<AsyncSniff>,
    /// The last capture's packets, once collected.
    results: Option<Value>,
}

impl fmt::Display for AsyncSniffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.running() { "running" } else { "stopped" };
        write!(f, "<AsyncSniffer {state}>")
    }
}

impl AsyncSniffer {
    fn running(&self) -> bool {
        self.state.borrow().capture.as_ref().is_some_and(AsyncSniff::running)
    }

    /// The ended capture's frames as the results: `lfilter` keeps, `prn`'s lines printed, the kept ones stored.
    fn collect(&self, s: &mut Session, res: net::Result<net::SniffResult>) -> Result<Value, LangError> {
        let res = res.map_err(lang_error)?;
        if let Some(w) = failure_warning(&res) {
            s.warn(&w);
        }
        let mut list = PacketList::new("Sniffed");
        for f in res.packets {
            let time = timestamp(f.time);
            let packet = || Value::Packet(Pkt::captured(f.packet(), time));
            if let Some(keep) = &self.lfilter {
                if !s.call(keep, vec![packet()], Vec::new())?.truthy() {
                    continue;
                }
            }
            if let Some(prn) = &self.prn {
                let v = s.call(prn, vec![packet()], Vec::new())?;
                if !matches!(v, Value::None) {
                    let line = s.text(&v) + "\n";
                    s.write(&line)?;
                }
            }
            list.push(pcapio::Frame {
                data: &f.data,
                ts: time,
                wirelen: f.data.len() as u32,
                link: f.link,
                interface: 0,
            });
        }
        let results = Value::host(PacketListValue::new(list));
        self.state.borrow_mut().results = Some(results.clone());
        Ok(results)
    }

    /// The capture, once it has ended by itself, collected without a session (no callbacks to run).
    fn collect_ended(&self) -> Option<Value> {
        if self.prn.is_some() || self.lfilter.is_some() || self.running() {
            return None;
        }
        let mut state = self.state.borrow_mut();
        let res = state.capture.take()?.stop().ok()?;
        if let Some(w) = failure_warning(&res) {
            // Read as an attribute, without the session: its warning's form, on stderr.
            eprintln!("warning: {w}");
        }
        let mut list = PacketList::new("Sniffed");
        for f in &res.packets {
            list.push(pcapio::Frame {
                data: &f.data,
                ts: timestamp(f.time),
                wirelen: f.data.len() as u32,
                link: f.link,
                interface: 0,
            });
        }
        let results = Value::host(PacketListValue::new(list));
        state.results = Some(results.clone());
        Some(results)
    }
}

fn not_running() -> LangError {
    LangError::new(ErrorKind::Exception, "Not running ! (check .running attr)")
}

impl HostValue for AsyncSniffer {
    fn type_name(&self) -> &'static str {
        "AsyncSniffer"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn attr(&self, name: &str) -> Option<Value> {
        match name {
            "running" => Some(Value::Bool(self.running())),
            "results" => {
                let collected = self.state.borrow().results.clone();
                Some(collected.or_else(|| self.collect_ended()).unwrap_or(Value::None))
            }
            _ => None,
        }
    }
}

static METHODS: &[MethodDef] = &[
    method!(
        "start",
        [],
        "Start capturing in the background; returns once the capture is open.",
        |s, r, _| {
            let t = r.receiver::<AsyncSniffer>();
            if t.running() {
                return Err(LangError::new(ErrorKind::Exception, "Already running"));
            }
            go_live(s);
            let capture = AsyncSniff::start(&t.opts).map_err(lang_error)?;
            let mut state = t.state.borrow_mut();
            state.capture = Some(capture);
            state.results = None;
            Ok(Value::None)
        }
    ),
    method!(
        "stop",
        [],
        "Stop capturing; returns the results (a PacketList).",
        |s, r, _| {
            let t = r.receiver::<AsyncSniffer>();
            let Some(mut capture) = t.state.borrow_mut().capture.take() else {
                return Err(not_running());
            };
            let res = capture.stop();
            t.collect(s, res)
        }
    ),
    method!(
        "join",
        [opt("timeout", Const::None)],
        "Wait for the capture to end (its count or timeout), at most timeout seconds; Ctrl-C stops it.",
        |s, r, a| {
            let t = r.receiver::<AsyncSniffer>();
            let wait = a.seconds("timeout")?;
            let Some(mut capture) = t.state.borrow_mut().capture.take() else {
                return Ok(Value::None);
            };
            let flag = s.interrupt_flag();
            let ended = capture.join(wait, &flag);
            flag.store(false, std::sync::atomic::Ordering::Relaxed);
            match ended {
                Some(res) => t.collect(s, res).map(|_| Value::None),
                None => {
                    t.state.borrow_mut().capture = Some(capture);
                    Ok(Value::None)
                }
            }
        }
    ),
];
