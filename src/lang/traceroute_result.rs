//! Scapy's `TracerouteResult` (and `TracerouteResult6`): the answered probes of a [`net::traceroute`], a
//! list of (probe, answer) pairs as `sr`'s `ans` is (`len`, iteration, indexing), printed as
//! `<Traceroute: TCP:1 UDP:0 ICMP:2 Other:0>`. `show()` prints Scapy's table — a row per TTL, a column per
//! target, each cell the answering address and what answered (`11` time exceeded, `3` unreachable, `SA` /
//! `RA` TCP flags, `0` echo reply) — from Scapy's own `sprintf` formats. `get_trace()` is Scapy's
//! `{target: {ttl: (address, is_target)}}`; `hops` lists each TTL's addresses and round-trip times.
//!
//! One difference from Scapy, on purpose: a hop is the target when its address is the target's, so a UDP
//! or ICMP trace ends at the target as a TCP one does (Scapy counts only answers that are not ICMP).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::error::LangError;
use super::make_table::{self, Style};
use super::results::Results;
use super::rows::{method, MethodDef};
use super::session::Session;
use super::sprintf::sprintf;
use super::value::{HostValue, Value};
use crate::net::TraceReport;
use crate::pcapio::Tally;

/// Scapy's `TracerouteResult.show()` formats: the column (target and probe), the row (TTL) and the cell.
const SHOW4: [&str; 3] = [
    "%IP.dst%:{TCP:tcp%ir,TCP.dport%}{UDP:udp%ir,UDP.dport%}{ICMP:ICMP}",
    "%IP.ttl%",
    "%-15s,IP.src% {TCP:%TCP.flags%}{ICMP:%ir,ICMP.type%}",
];

/// Scapy's `TracerouteResult6.show()` formats.
const SHOW6: [&str; 3] = [
    "%-42s,IPv6.dst%:{TCP:tcp%TCP.dport%}{UDP:udp%UDP.dport%}{ICMPv6EchoRequest:IER}",
    "%IPv6.hlim%",
    "%-42s,IPv6.src% {TCP:%TCP.flags%}{ICMPv6DestUnreach:%ir,type%}{ICMPv6PacketTooBig:%ir,type%}\
     {ICMPv6TimeExceeded:%ir,type%}{ICMPv6ParamProblem:%ir,type%}{ICMPv6EchoReply:%ir,type%}",
];

#[derive(Debug)]
pub struct TracerouteResult {
    answered: Results,
    /// The trace's hops (its pairs are in `answered`).
    report: TraceReport,
}

impl TracerouteResult {
    pub(crate) fn new(mut report: TraceReport) -> TracerouteResult {
        let pairs = std::mem::take(&mut report.pairs);
        let answered = Results::exchanged(pairs, &report.sent_at, &report.received_at);
        TracerouteResult { answered, report }
    }

    /// Scapy's table, printed.
    pub(crate) fn show(&self, s: &mut Session) -> Result<Value, LangError> {
        let pairs = self.answered.pairs();
        let formats = if self.report.target.is_some_and(|t| t.is_ipv6()) {
            SHOW6
        } else {
            SHOW4
        };
        // One column per trace, headed by its first probe (UDP probes differ in their ports).
        let column = match pairs.first() {
            Some((q, _)) => sprintf(q, formats[0])?,
            None => String::new(),
        };
        let mut texts = Vec::with_capacity(pairs.len());
        for (q, r) in pairs {
            texts.push([column.clone(), sprintf(q, formats[1])?, sprintf(r, formats[2])?]);
        }
        let text = make_table::table_text(s, texts, &Value::None, &Value::None, Style::Plain)?;
        s.write(&text)
    }

    /// Scapy's `get_trace()`: `{target: {ttl: (address, is_target)}}`, the last answer of each TTL.
    fn trace(&self) -> Value {
        let Some(target) = self.report.target else {
            return dict(Vec::new());
        };
        let ttls = self
            .report
            .hops
            .iter()
            .filter_map(|h| {
                let last = h.replies.last()?;
                let hop = Value::Tuple(Rc::from([
                    Value::str(&last.from.to_string()),
                    Value::Bool(last.is_target),
                ]));
                Some((Value::Int(i128::from(h.ttl)), hop))
            })
            .collect();
        dict(vec![(Value::str(&target.to_string()), dict(ttls))])
    }

    /// `hops`: a `(ttl, [address, ...], [rtt, ...], is_target)` tuple per TTL, round trips in seconds.
    fn hops(&self) -> Value {
        let hops = self.report.hops.iter().map(|h| {
            let addresses = h.addresses().iter().map(|a| Value::str(&a.to_string())).collect();
            let rtts = h.replies.iter().map(|r| Value::Float(r.rtt.as_secs_f64())).collect();
            Value::Tuple(Rc::from([
                Value::Int(i128::from(h.ttl)),
                Value::list(addresses),
                Value::list(rtts),
                Value::Bool(h.is_target()),
            ]))
        });
        Value::list(hops.collect())
    }
}

fn dict(pairs: Vec<(Value, Value)>) -> Value {
    Value::Dict(Rc::new(RefCell::new(pairs)))
}

/// `<Traceroute: TCP:1 UDP:0 ICMP:2 Other:0>`, counting the answers as Scapy does.
impl fmt::Display for TracerouteResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = Tally::default();
        self.answered.pairs().iter().for_each(|(_, r)| t.add(&r.owned()));
        f.write_str(&t.render("Traceroute"))
    }
}

impl HostValue for TracerouteResult {
    fn type_name(&self) -> &'static str {
        if self.report.target.is_some_and(|t| t.is_ipv6()) {
            "TracerouteResult6"
        } else {
            "TracerouteResult"
        }
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn attr(&self, name: &str) -> Option<Value> {
        (name == "hops").then(|| self.hops())
    }

    fn size(&self) -> Option<usize> {
        self.answered.size()
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, s: &Session, position: usize) -> Option<Value> {
        self.answered.next_item(s, position)
    }

    fn index(&self, key: &Value) -> Result<Value, LangError> {
        self.answered.index(key)
    }
}

static METHODS: &[MethodDef] = &[
    method!(
        "show",
        [],
        "Print Scapy's traceroute table: a row per TTL, the answering address and 11 (time exceeded), 3 \
         (unreachable), SA / RA (TCP) or 0 (echo reply).",
        |s, r, _| r.receiver::<TracerouteResult>().show(s)
    ),
    method!(
        "get_trace",
        [],
        "Scapy's {target: {ttl: (address, is_target)}}.",
        |_, r, _| Ok(r.receiver::<TracerouteResult>().trace())
    ),
];
