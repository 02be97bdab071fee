//! What `ping` returns: the sweep's hosts as a value that prints as a table of those that answered
//! (`HOST  MAC  VENDOR  RTT min/avg/max`) and a count line, with `r.alive` and `r.dead` (addresses),
//! `r.hosts` (a `(host, mac, vendor, rtt)` tuple per host that answered, `rtt` the mean in seconds), the same
//! tuples by iteration, `r["198.18.0.2"]`, `len(r)` (the hosts that answered) and `r.summary()`.

use std::fmt;
use std::rc::Rc;

use super::discover::millis;
use super::error::{ErrorKind, LangError};
use super::rows::{method, MethodDef};
use super::session::Session;
use super::value::{HostValue, Value};
use crate::net::{DiscoverReport, Host};
use crate::packet::value::fmt_mac;

/// A finished (or interrupted) ping sweep.
#[derive(Debug)]
pub struct PingResult {
    report: DiscoverReport,
    /// Echo requests per host.
    count: u32,
}

impl PingResult {
    pub fn new(report: DiscoverReport, count: u32) -> PingResult {
        PingResult { report, count }
    }

    fn alive(&self) -> Vec<&Host> {
        self.report.alive().collect()
    }

    /// `(host, mac, vendor, rtt)`, None where unknown.
    fn tuple(h: &Host) -> Value {
        let text = |t: Option<String>| t.map_or(Value::None, |t| Value::str(&t));
        let rtt = h.rtt_stats().map(|(_, avg, _)| avg.as_secs_f64());
        Value::Tuple(Rc::from([
            Value::str(&h.addr.to_string()),
            text(h.mac.map(|m| fmt_mac(&m))),
            text(h.vendor.map(|v| v.name.clone())),
            rtt.map_or(Value::None, Value::Float),
        ]))
    }

    fn addresses<'a>(hosts: impl Iterator<Item = &'a Host>) -> Value {
        Value::list(hosts.map(|h| Value::str(&h.addr.to_string())).collect())
    }

    /// `2 of 256 hosts up (1 echo request each) in 1.02 s`.
    fn summary(&self) -> String {
        let (up, asked) = (self.alive().len(), self.report.hosts.len());
        format!(
            "{up} of {asked} host{} up ({} echo request{} each) in {:.2} s",
            plural(asked),
            self.count,
            plural(self.count as usize),
            self.report.elapsed.as_secs_f64()
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The hosts that answered, a row each in the order given, columns padded to their widest cell; then the
/// summary line.
impl fmt::Display for PingResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 4]> = self
            .alive()
            .into_iter()
            .map(|h| {
                let (min, avg, max) = h.rtt_stats().unwrap_or_default();
                [
                    h.addr.to_string(),
                    h.mac.map_or("-".into(), |m| fmt_mac(&m)),
                    match (h.mac, h.vendor) {
                        (_, Some(v)) => v.name.clone(),
                        (Some(_), None) => "unknown".into(),
                        (None, None) => "-".into(),
                    },
                    format!("{}/{}/{} ms", millis(min), millis(avg), millis(max)),
                ]
            })
            .collect();
        if !rows.is_empty() {
            let header = ["HOST", "MAC", "VENDOR", "RTT min/avg/max"].map(String::from);
            let all: Vec<&[String; 4]> = std::iter::once(&header).chain(&rows).collect();
            let widths: Vec<usize> = (0..3)
                .map(|c| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
                .collect();
            for r in all {
                writeln!(
                    f,
                    "{:<w0$}  {:<w1$}  {:<w2$}  {}",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2]
                )?;
            }
        }
        f.write_str(&self.summary())
    }
}

impl HostValue for PingResult {
    fn type_name(&self) -> &'static str {
        "PingResult"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn attr(&self, name: &str) -> Option<Value> {
        match name {
            "alive" => Some(PingResult::addresses(self.report.alive())),
            "dead" => Some(PingResult::addresses(self.report.hosts.iter().filter(|h| !h.alive()))),
            "hosts" => Some(Value::list(self.alive().into_iter().map(PingResult::tuple).collect())),
            _ => None,
        }
    }

    fn size(&self) -> Option<usize> {
        Some(self.alive().len())
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, _s: &Session, position: usize) -> Option<Value> {
        self.alive().get(position).map(|h| PingResult::tuple(h))
    }

    /// The host at an address: its tuple when it answered; a KeyError when it did not or was not asked.
    fn index(&self, key: &Value) -> Result<Value, LangError> {
        let Value::Str(addr) = key else {
            return Err(LangError::type_err(format!(
                "a host is an address as text, not {}",
                key.repr()
            )));
        };
        let host = addr
            .parse()
            .ok()
            .and_then(|a: std::net::IpAddr| self.report.hosts.iter().find(|h| h.addr == a));
        match host {
            Some(h) if h.alive() => Ok(PingResult::tuple(h)),
            Some(_) => Err(LangError::new(ErrorKind::Key, format!("{addr} did not answer"))),
            None => Err(LangError::new(ErrorKind::Key, format!("{addr} was not pinged"))),
        }
    }
}

static METHODS: &[MethodDef] = &[method!(
    "summary",
    [],
    "Print one line: how many hosts answered, of how many, with how many echo requests each, and the time.",
    |s, r, _| {
        let line = r.receiver::<PingResult>().summary();
        s.write(&format!("{line}\n"))
    }
)];
