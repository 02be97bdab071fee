//! Host discovery in the language, over [`crate::net::arping`] and [`crate::net::ping`]: Scapy's `arping`
//! (its `(ans, unans)`, the answers an `ARPingResult` whose table is printed when verbose) and the ping
//! sweep `ping`, which returns a [`PingResult`]. Targets are read as `portscan` reads them (an address, a
//! name in `/etc/hosts`, a network, a list); Ctrl-C keeps what answered. Vendors come from the packaged IEEE
//! data; without it they are unknown and the session warns once, naming the package.

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::args::{opt, req, Args, Const};
use super::error::LangError;
use super::live::{answered_pair, go_live, lang_error, stderr_events, verbose};
use super::ping_result::PingResult;
use super::portscan::targets;
use super::results::Results;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::Value;
use crate::net::{self, oui, DiscoverOptions, DiscoverReport};
use crate::packet::value::fmt_mac;
use crate::{FieldValue, Packet};

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "arping",
        [
            req("net"),
            opt("timeout", Const::Int(2)),
            opt("cache", Const::Int(0)),
            opt("verbose", Const::None),
            opt("iface", Const::None),
            opt("retry", Const::Int(0)),
            opt("settle", Const::Float(0.5))
        ],
        "Find the hosts of an IPv4 network with ARP, as Scapy's arping: a broadcast who-has to every address \
         of net ('198.18.0.0/24', an address or a list), all in flight at once, answers awaited timeout \
         seconds after the last; ans, unans = arping(...). Prints the table of MAC, vendor and IP when verbose; \
         ans.show() prints it again. cache=1 keeps the MACs for later sends; iface: default the route's; \
         retry: ask the silent again; settle: stop waiting once answers have stopped for that many seconds \
         (None waits the whole timeout, as Scapy does).",
        b_arping
    ),
    builtin!(
        "ping",
        [
            req("targets"),
            opt("count", Const::Int(1)),
            opt("timeout", Const::Int(1)),
            opt("iface", Const::None),
            opt("settle", Const::Float(0.5))
        ],
        "Ping sweep: count ICMP echo requests (ICMPv6 for IPv6) to each target (an address, a name, a network \
         such as '198.18.0.0/24' or 'fd00::/120', or a list), answers awaited timeout seconds after the last. \
         The result prints as a table of the hosts that answered (address, MAC from ARP / ND, vendor, round \
         trip min/avg/max); r.alive, r.dead, r.hosts, r['198.18.0.2'], len(r), for h in r, r.summary(). \
         settle: stop waiting once answers have stopped for that many seconds (None: the whole timeout).",
        b_ping
    ),
];

/// The options both calls share, read from their arguments.
fn options(a: &Args, count: u32, verbose: bool) -> Result<DiscoverOptions, LangError> {
    let timeout = a
        .seconds("timeout")?
        .ok_or_else(|| LangError::value_err("timeout is a number of seconds, not None"))?;
    Ok(DiscoverOptions {
        timeout,
        settle: a.seconds("settle")?,
        count,
        iface: a.text("iface")?,
        verbose,
        events: stderr_events(),
        ..DiscoverOptions::default()
    })
}

/// Runs a discovery with the session's interrupt flag as its stop (Ctrl-C keeps what answered), then warns
/// once when there is no vendor data to name the hosts' vendors with.
fn run(
    s: &mut Session,
    targets_arg: &Value,
    opts: &DiscoverOptions,
    find: fn(&[std::net::IpAddr], &DiscoverOptions, &std::sync::atomic::AtomicBool) -> net::Result<DiscoverReport>,
) -> Result<DiscoverReport, LangError> {
    go_live(s);
    let addrs = targets(targets_arg)?;
    let flag = s.interrupt_flag();
    let report = find(&addrs, opts, &flag);
    flag.store(false, Ordering::Relaxed);
    let report = report.map_err(lang_error)?;
    if report.alive().any(|h| h.mac.is_some()) && oui::vendors().is_empty() {
        s.warn_once(oui::MISSING_DATA.to_string());
    }
    Ok(report)
}

/// `arping(net, timeout=2, cache=0, verbose=None, iface=None, retry=0)`.
fn b_arping(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let verbose = verbose(s, a.get("verbose"));
    let retry = a
        .count("retry")?
        .map_or(Ok(0), u32::try_from)
        .map_err(|_| LangError::value_err("retry is too large"))?;
    let cache = a.get("cache").truthy();
    let opts = DiscoverOptions {
        retry,
        ..options(a, 1, verbose)?
    };
    let report = run(s, a.get("net"), &opts, net::arping)?;
    if cache {
        // Each answer came to our interface's MAC: the cache is keyed by it, as resolution looks it up.
        for (_, answer) in &report.exchange.ans {
            let mac = |layer, field| match answer.get(layer, field) {
                Some(FieldValue::Mac(m)) => Some(m),
                _ => None,
            };
            let ip = match answer.get("ARP", "psrc") {
                Some(FieldValue::Ip4(ip)) => ip,
                _ => continue,
            };
            if let Some(theirs) = mac("ARP", "hwsrc") {
                net::neigh::remember(mac("Ether", "dst"), IpAddr::V4(ip), theirs);
            }
        }
    }
    if verbose {
        let table = arping_table(report.exchange.ans.iter().map(|(_, answer)| answer.clone()));
        s.write(&format!("{table}\n"))?;
    }
    Ok(answered_pair(report.exchange, "Unanswered", Results::arping))
}

/// `ping(targets, count=1, timeout=1, iface=None)`.
fn b_ping(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let count = match a.count("count")? {
        Some(n @ 1..=100) => n as u32,
        _ => return Err(LangError::value_err("count is a number of echo requests from 1 to 100")),
    };
    let opts = options(a, count, false)?;
    let report = run(s, a.get("targets"), &opts, net::ping)?;
    Ok(Value::host(PingResult::new(report, count)))
}

/// Scapy's `ARPingResult.show()`: `src  manuf  psrc`, a row per answer (its Ether source, the vendor's
/// short name or `unknown`, the address it speaks for) sorted by the address as text, as Scapy's
/// `pretty_list` pads and joins them.
pub(super) fn arping_table(answers: impl Iterator<Item = Packet>) -> String {
    let mut rows: Vec<[String; 3]> = answers
        .map(|r| {
            let mac = match r.get("Ether", "src") {
                Some(FieldValue::Mac(m)) => Some(m),
                _ => None,
            };
            let psrc = match r.get("ARP", "psrc") {
                Some(FieldValue::Ip4(a)) => a.to_string(),
                _ => String::new(),
            };
            [
                mac.map(|m| fmt_mac(&m)).unwrap_or_default(),
                mac.as_ref()
                    .and_then(oui::vendor)
                    .map_or("unknown", |v| v.short.as_str())
                    .to_string(),
                psrc,
            ]
        })
        .collect();
    rows.sort_by(|a, b| a[2].cmp(&b[2]));
    let header = ["src", "manuf", "psrc"].map(String::from);
    let all: Vec<&[String; 3]> = std::iter::once(&header).chain(&rows).collect();
    let widths: Vec<usize> = (0..3)
        .map(|c| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    all.iter()
        .map(|r| {
            (0..3)
                .map(|c| format!("{:<w$}", r[c], w = widths[c]))
                .collect::<Vec<_>>()
                .join("  ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A round trip in milliseconds, as ping prints it.
pub(super) fn millis(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layer;

    fn answer(ip: &str, mac: &str) -> Packet {
        let p = Layer::named("Ether").unwrap().with("src", mac).unwrap()
            / Layer::named("ARP")
                .unwrap()
                .with("op", 2)
                .unwrap()
                .with("hwsrc", mac)
                .unwrap()
                .with("psrc", ip)
                .unwrap();
        Packet::dissect(&p.build(), crate::LinkType::Ethernet)
    }

    /// The expected text is what Scapy 2.8.0 printed, run offline (`unshare -n`) with Wireshark's `manuf`
    /// installed, for `ARPingResult([(Ether()/ARP(pdst=ip), Ether(src=mac)/ARP(op=2, hwsrc=mac, psrc=ip))
    /// for ...]).show()` over these three answers, and for `ARPingResult([]).show()`.
    #[test]
    fn the_table_is_scapys() {
        if oui::vendor(&[0, 0x1b, 0x21, 0, 0, 0]).map(|v| v.short.as_str()) != Some("IntelCor") {
            eprintln!("skipping: Wireshark's manuf (tshark) is not installed");
            return;
        }
        let answers = [
            answer("198.18.1.10", "00:1b:21:00:00:0a"),
            answer("198.18.1.2", "02:00:00:00:00:02"),
            answer("198.18.1.3", "00:1b:21:aa:bb:cc"),
        ];
        assert_eq!(
            arping_table(answers.into_iter()),
            "src                manuf     psrc       \n\
             00:1b:21:00:00:0a  IntelCor  198.18.1.10\n\
             02:00:00:00:00:02  unknown   198.18.1.2 \n\
             00:1b:21:aa:bb:cc  IntelCor  198.18.1.3 "
        );
        assert_eq!(arping_table(std::iter::empty()), "src  manuf  psrc");
    }
}
