//! `traceroute` and `traceroute6`: the language's binding of [`crate::net::traceroute`], with Scapy's
//! signature (`target, dport=80, minttl=1, maxttl=30, sport=RandShort(), l4=None, filter=None, timeout=2,
//! verbose=None`) plus `proto="tcp"|"udp"|"icmp"` and `probes` per hop. `l4=UDP(dport=53)` or `l4=ICMP()`
//! choose the probe as in Scapy (the layer's class, and a UDP or TCP layer's dport). It returns Scapy's
//! `(TracerouteResult, unans)` and, when verbose, prints the result's table as Scapy does.

use std::rc::Rc;

use super::args::{opt, req, Args, Const, Param};
use super::error::LangError;
use super::live::{interruptible, lang_error, stderr_events, verbose};
use super::packet_list::PacketListValue;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::traceroute_result::TracerouteResult;
use super::value::Value;
use crate::net::{self, TraceOptions, TraceProto};
use crate::pcapio::PacketList;

/// Scapy's parameters, and `proto` and `probes`.
const PARAMS: &[Param] = &[
    req("target"),
    opt("dport", Const::Int(80)),
    opt("minttl", Const::Int(1)),
    opt("maxttl", Const::Int(30)),
    opt("sport", Const::None),
    opt("l4", Const::None),
    opt("filter", Const::None),
    opt("timeout", Const::Int(2)),
    opt("verbose", Const::None),
    opt("proto", Const::Str("tcp")),
    opt("probes", Const::Int(1)),
];

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "traceroute",
        PARAMS,
        "Trace the path to target (an address or a name in /etc/hosts) as Scapy's traceroute does, with every \
         TTL from minttl to maxttl probed at once (probes per hop), ending at the target: res, unans = \
         traceroute(...). proto: \"tcp\" (SYN to dport), \"udp\" (to 33434 and up, as Debian's traceroute; \
         l4=UDP(dport=N) for one port) or \"icmp\" (echo); sport: the first source port (default random). \
         Prints Scapy's table when verbose; res.get_trace(), res.hops, res.show().",
        b_traceroute
    ),
    builtin!(
        "traceroute6",
        PARAMS,
        "traceroute over IPv6 (hop limits, ICMPv6 time exceeded), with Scapy's TracerouteResult6 table.",
        b_traceroute6
    ),
];

fn b_traceroute(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    run(s, a, false)
}

fn b_traceroute6(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    run(s, a, true)
}

/// Reads every argument, then judges them (so that an error names the first bad one of them all), traces,
/// and returns `(TracerouteResult, unans)`.
fn run(s: &mut Session, a: &Args, v6: bool) -> Result<Value, LangError> {
    let (target, proto, l4) = (a.str("target"), a.str("proto"), a.get("l4"));
    let (dport, sport) = (port(a.get("dport"), "dport"), a.get("sport"));
    let (min_ttl, max_ttl, probes) = (
        ttl(a.get("minttl"), "minttl"),
        ttl(a.get("maxttl"), "maxttl"),
        a.get("probes"),
    );
    let (timeout, filter, verbose) = (a.seconds("timeout"), a.text("filter"), verbose(s, a.get("verbose")));
    let (target, (proto, l4_dport)) = (target?, probe_kind(&proto?, l4)?);
    let dport = match (proto, l4_dport) {
        (_, Some(p)) => Some(p),
        (TraceProto::Tcp, None) => Some(dport?),
        _ => None,
    };
    let (min_ttl, max_ttl) = (min_ttl?, max_ttl?);
    let probes = probes
        .as_int()
        .and_then(|n| u8::try_from(n).ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| LangError::value_err(format!("probes must be 1 to 255, not {}", probes.repr())))?;
    let count = usize::from(max_ttl.saturating_sub(min_ttl)) * usize::from(probes) + usize::from(probes);
    let sport = match sport {
        // Scapy's RandShort(), kept clear of the top so that every probe's port fits.
        Value::None | Value::Gen(_) => fastrand::u16(1024..=(65_535 - count.min(60_000) as u16)),
        v => port(v, "sport")?,
    };
    let opts = TraceOptions {
        proto,
        dport,
        sport,
        min_ttl,
        max_ttl,
        probes,
        timeout: timeout?.ok_or_else(|| LangError::value_err("timeout is a number of seconds, not None"))?,
        filter: filter?,
        verbose,
        rules: s.match_rules(),
        events: stderr_events(),
    };
    net::use_routes_for_source();
    let addr = net::trace_target(&target, v6).map_err(lang_error)?;
    let report = interruptible(&s.interrupt_flag(), |stop| net::traceroute(addr, &opts, stop))?;
    let mut unans = PacketList::new("Unanswered");
    report.unanswered.iter().for_each(|p| unans.push_packet(p));
    let result = TracerouteResult::new(report);
    if opts.verbose {
        result.show(s)?;
    }
    Ok(Value::Tuple(Rc::from([
        Value::host(result),
        Value::host(PacketListValue::new(unans)),
    ])))
}

/// The probe's kind, from `l4` when given (its class, and a TCP or UDP layer's dport), else from `proto`.
fn probe_kind(proto: &str, l4: &Value) -> Result<(TraceProto, Option<u16>), LangError> {
    if let Value::Packet(p) = l4 {
        let p = p.owned();
        let first = p.layers().first().map(|l| l.name()).unwrap_or_default();
        let kind = match first {
            "TCP" => TraceProto::Tcp,
            "UDP" => TraceProto::Udp,
            "ICMP" | "ICMPv6EchoRequest" => TraceProto::Icmp,
            other => {
                return Err(LangError::value_err(format!(
                    "l4 must be TCP(), UDP(), ICMP() or ICMPv6EchoRequest(), not {other}()"
                )))
            }
        };
        let dport = p.layers()[0].get_int("dport").and_then(|d| u16::try_from(d).ok());
        return Ok((kind, dport.filter(|_| kind != TraceProto::Icmp)));
    }
    if !matches!(l4, Value::None) {
        return Err(LangError::type_err(format!(
            "l4 must be a packet, not {}",
            l4.type_name()
        )));
    }
    match proto {
        "tcp" => Ok((TraceProto::Tcp, None)),
        "udp" => Ok((TraceProto::Udp, None)),
        "icmp" => Ok((TraceProto::Icmp, None)),
        other => Err(LangError::value_err(format!(
            "unknown traceroute proto {other:?} (one of tcp, udp, icmp)"
        ))),
    }
}

fn port(v: &Value, name: &str) -> Result<u16, LangError> {
    v.as_int()
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| LangError::value_err(format!("{name} must be a port, 0 to 65535, not {}", v.repr())))
}

fn ttl(v: &Value, name: &str) -> Result<u8, LangError> {
    v.as_int()
        .and_then(|t| u8::try_from(t).ok())
        .filter(|&t| t > 0)
        .ok_or_else(|| LangError::value_err(format!("{name} must be 1 to 255, not {}", v.repr())))
}
