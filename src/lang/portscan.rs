//! `portscan`: the language's binding of the port scans — [`crate::net::portscan`] (nmap's connect scan),
//! [`crate::net::synscan`] (`-sS`) and [`crate::net::udpscan`] (`-sU`). It reads the targets and ports as a
//! person writes them, runs the scan with the session's interrupt flag (Ctrl-C keeps the partial result) and
//! the progress line on stderr, and returns a [`ScanResult`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::args::{opt, req, Args, Const};
use super::error::{ErrorKind, LangError};
use super::live::stderr_events;
use super::portscan_result::ScanResult;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::Value;
use crate::net::{self, BannerOptions, PortError, Ports, RawScanOptions, ScanError, ScanOptions};

/// How long each open port's banner grab takes at most (`banners=True`), as `banner()`'s default.
const BANNER_TIMEOUT: Duration = Duration::from_secs(2);

/// How many banner grabs run at once.
const BANNER_CONCURRENCY: usize = 32;

/// The scan methods `portscan` runs.
const METHODS: [&str; 3] = ["connect", "syn", "udp"];

pub(crate) static BUILTINS: &[Builtin] = &[builtin!(
    "portscan",
    [
        req("target"),
        opt("ports", Const::Pair(1, 1024)),
        opt("method", Const::Str("connect")),
        opt("rate", Const::None),
        opt("timeout", Const::Int(1)),
        opt("retries", Const::Int(1)),
        opt("banners", Const::Bool(false))
    ],
    "Scan the TCP ports of target (an address, a name in /etc/hosts, a network such as '198.18.0.0/24', or a \
     list of them). method: 'connect' (nmap -sT: a full connect to each port, no privileges needed), 'syn' \
     (nmap -sS: stateless SYNs, a RST after each SYN-ACK; needs raw privileges) or 'udp' (nmap -sU: a datagram \
     per port, protocol probes for well-known ports; silence is open|filtered). ports: a number, a list, \
     (first, last), a range, or nmap's text ('22,80,8000-8100', '-' for all 65535). rate: probes per second at \
     most for syn and udp (None: as fast as answers come). timeout: seconds an attempt waits; retries: more \
     attempts for a silent port. The result prints as nmap's table; r.open, r.closed, \
     r.filtered, r[22], for port, state in r, r.summary(). Ctrl-C keeps what was found. banners=True: each \
     open port's service and version are named as banner() does (nmap -sV's VERSION column; r.versions, \
     r.banner(22)).",
    b_portscan
)];

fn b_portscan(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    // Every argument is read before any is judged, so each error names the first bad one of them all.
    let (method, target_arg, ports_arg) = (a.str("method")?, a.get("target"), a.get("ports"));
    let (timeout, retries) = (a.seconds("timeout")?, a.count("retries")?.unwrap_or(0));
    let rate = rate(a.get("rate"))?;
    let grab_banners = a.get("banners").truthy();
    match &*method {
        m if METHODS.contains(&m) => {}
        m => {
            return Err(LangError::value_err(format!(
                "unknown portscan method {m:?} (one of {})",
                METHODS.join(", ")
            )))
        }
    }
    if grab_banners && method.as_ref() == "udp" {
        return Err(LangError::value_err(
            "banners=True names TCP services; a UDP scan has none to grab",
        ));
    }
    let timeout = timeout.ok_or_else(|| LangError::value_err("timeout is a number of seconds, not None"))?;
    let targets = targets(target_arg)?;
    let ports = ports(ports_arg).map_err(scan_error)?;
    let retries = u32::try_from(retries).unwrap_or(u32::MAX);
    let raw = RawScanOptions {
        timeout,
        retries,
        rate,
        events: stderr_events(),
    };
    let flag = s.interrupt_flag();
    let report = match &*method {
        "syn" => net::synscan(&targets, &ports, &raw, &flag),
        "udp" => net::udpscan(&targets, &ports, &raw, &flag),
        _ => {
            let opts = ScanOptions {
                timeout,
                retries,
                events: raw.events,
                ..ScanOptions::default()
            };
            net::portscan(&targets, &ports, &opts, &flag)
        }
    };
    let banners = match &report {
        Ok(r) if grab_banners => Some(net::open_port_banners(
            r,
            &BannerOptions::new(BANNER_TIMEOUT),
            BANNER_CONCURRENCY,
            &flag,
        )),
        _ => None,
    };
    flag.store(false, Ordering::Relaxed);
    Ok(Value::host(
        ScanResult::new(report.map_err(scan_error)?).with_banners(banners),
    ))
}

/// The probes-per-second cap: None, or a positive number.
fn rate(v: &Value) -> Result<Option<f64>, LangError> {
    match v {
        Value::None => Ok(None),
        v => match v.as_float() {
            Some(r) if r > 0.0 && r.is_finite() => Ok(Some(r)),
            _ => Err(LangError::value_err(format!(
                "rate is a positive number of probes per second, or None, not {}",
                v.repr()
            ))),
        },
    }
}

/// The addresses of a target argument: text (an address, a name, a network) or a list of such, each
/// address once, in the order given.
pub(super) fn targets(v: &Value) -> Result<Vec<std::net::IpAddr>, LangError> {
    let texts = match v {
        Value::Str(t) => vec![t.clone()],
        Value::List(l) => l.borrow().iter().map(target_text).collect::<Result<_, _>>()?,
        Value::Tuple(t) => t.iter().map(target_text).collect::<Result<_, _>>()?,
        v => return Err(target_text(v).unwrap_err()),
    };
    let mut all = Vec::new();
    for t in texts {
        for addr in net::scan_targets(&t).map_err(scan_error)? {
            if !all.contains(&addr) {
                all.push(addr);
            }
        }
    }
    Ok(all)
}

fn target_text(v: &Value) -> Result<std::rc::Rc<str>, LangError> {
    match v {
        Value::Str(t) => Ok(t.clone()),
        v => Err(LangError::type_err(format!(
            "a target is text (an address, a name or a network), not {}",
            v.type_name()
        ))),
    }
}

/// The ports of a ports argument, in every form it is written in.
fn ports(v: &Value) -> Result<Ports, ScanError> {
    let int = |v: &Value| v.as_int().ok_or_else(|| PortError::NotANumber(v.repr()));
    Ok(match v {
        Value::Str(t) => Ports::parse(t)?,
        Value::Tuple(t) if t.len() == 2 => Ports::range(int(&t[0])?, int(&t[1])?)?,
        Value::Tuple(t) => Ports::list(t.iter().map(int).collect::<Result<Vec<_>, _>>()?)?,
        Value::List(l) => Ports::list(l.borrow().iter().map(int).collect::<Result<Vec<_>, _>>()?)?,
        Value::Range(r) => {
            let [start, stop, step] = **r;
            // Stepped lazily and checked as it goes, so a huge range fails at its first bad port.
            let walk = std::iter::successors(Some(start), move |&p| Some(p + step))
                .take_while(move |&p| if step > 0 { p < stop } else { p > stop })
                .map(|p| u16::try_from(p).map(i128::from).map_err(|_| PortError::OutOfRange(p)));
            Ports::list(walk.collect::<Result<Vec<_>, _>>()?)?
        }
        v => Ports::list([int(v)?])?,
    })
}

/// The library's error as the language's: a bad argument is a `ValueError`, a failure of the system an
/// `OSError`.
pub(super) fn scan_error(e: ScanError) -> LangError {
    let kind = match e {
        ScanError::Target(_) | ScanError::Io { .. } => ErrorKind::Io,
        _ => ErrorKind::Value,
    };
    LangError::new(kind, e.to_string())
}
