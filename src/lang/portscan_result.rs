//! What `portscan` returns: the scan's report as a value that prints as nmap's table (`PORT STATE SERVICE`,
//! the open ports and every state with few ports, nmap's `Not shown:` line for the rest), with `r.open`,
//! `r.closed`, `r.filtered`, `r.open_filtered` (UDP's silent ports), `r[22]`, iteration over `(port, state)`
//! and `r.summary()`. With several targets ports are `(host, port)` pairs. A scan with `banners=True` adds
//! nmap -sV's `VERSION` column, the service each banner named, `r.versions` and `r.banner(port)`.

use std::fmt;
use std::net::IpAddr;
use std::rc::Rc;

use super::args::req;
use super::banner_report::Banner;
use super::error::{ErrorKind, LangError};
use super::rows::{method, MethodDef};
use super::session::Session;
use super::value::{HostValue, Value};
use crate::layers::well_known::{TCP_SERVICES, UDP_SERVICES};
use crate::net::{BannerReport, HostScan, PortResult, PortState, ScanReport, Transport};

/// nmap's `Not shown:` rule: a state other than open with more ports than this is counted, not listed.
const LISTED_AT_MOST: usize = 25;

/// The states in the order nmap's `Not shown:` line counts them.
const HIDDEN_ORDER: [PortState; 3] = [PortState::Closed, PortState::Filtered, PortState::OpenFiltered];

/// A finished (or interrupted) port scan.
#[derive(Debug)]
pub struct ScanResult {
    report: ScanReport,
    /// Every outcome with its host, in the order printed and iterated.
    all: Vec<(IpAddr, PortResult)>,
    /// The open ports' banners, when the scan was asked for them.
    banners: Option<Vec<BannerReport>>,
}

impl ScanResult {
    pub fn new(report: ScanReport) -> ScanResult {
        let all = report
            .hosts
            .iter()
            .flat_map(|h| h.ports.iter().map(|r| (h.addr, *r)))
            .collect();
        ScanResult {
            report,
            all,
            banners: None,
        }
    }

    /// The result with the open ports' banners (`None`: not asked for, and no VERSION column).
    pub fn with_banners(self, banners: Option<Vec<BannerReport>>) -> ScanResult {
        ScanResult { banners, ..self }
    }

    /// The banner grabbed from `port` of `addr`, if any.
    fn banner_of(&self, addr: IpAddr, port: u16) -> Option<&BannerReport> {
        let banners = self.banners.as_deref()?;
        banners.iter().find(|b| b.addr.ip() == addr && b.addr.port() == port)
    }

    /// `r.versions`: each open port's VERSION text, by port (by `(host, port)` with several targets).
    fn versions(&self) -> Value {
        let banners = self.banners.as_deref().unwrap_or_default();
        let pairs = banners
            .iter()
            .map(|b| {
                (
                    self.port_value(b.addr.ip(), b.addr.port()),
                    Value::str(&b.version_text()),
                )
            })
            .collect();
        Value::Dict(Rc::new(std::cell::RefCell::new(pairs)))
    }

    fn single_host(&self) -> bool {
        self.report.hosts.len() == 1
    }

    /// A port as the language sees it: the number alone for one target, `(host, port)` for several.
    fn port_value(&self, addr: IpAddr, port: u16) -> Value {
        let port = Value::Int(i128::from(port));
        match self.single_host() {
            true => port,
            false => Value::Tuple(Rc::from([Value::str(&addr.to_string()), port])),
        }
    }

    fn in_state(&self, state: PortState) -> Value {
        Value::list(
            self.all
                .iter()
                .filter(|(_, r)| r.state == state)
                .map(|(a, r)| self.port_value(*a, r.port))
                .collect(),
        )
    }

    fn count(&self, state: PortState) -> usize {
        self.all.iter().filter(|(_, r)| r.state == state).count()
    }

    /// `1 host, 1024 ports scanned in 0.05 s: 3 open, 1021 closed, 0 filtered`.
    fn summary(&self) -> String {
        let r = &self.report;
        let hosts = r.hosts.len();
        let done = if r.interrupted {
            format!(
                "{} of {} ports scanned (interrupted)",
                self.all.len(),
                hosts * r.ports_asked
            )
        } else {
            format!("{} ports scanned", r.ports_asked)
        };
        let silent = match r.transport {
            Transport::Udp => format!(", {} open|filtered", self.count(PortState::OpenFiltered)),
            Transport::Tcp => String::new(),
        };
        format!(
            "{hosts} host{}, {done} in {:.2} s: {} open, {} closed, {} filtered{silent}",
            plural(hosts),
            r.elapsed.as_secs_f64(),
            self.count(PortState::Open),
            self.count(PortState::Closed),
            self.count(PortState::Filtered)
        )
    }

    /// The host a key names: the only one, or the one of a `(host, port)` pair.
    fn find(&self, key: &Value) -> Result<(&HostScan, u16), LangError> {
        let port_of = |v: &Value| {
            v.as_int()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| LangError::type_err(format!("a port is an int from 0 to 65535, not {}", v.repr())))
        };
        match key {
            Value::Tuple(t) if t.len() == 2 => {
                let host = match &t[0] {
                    Value::Str(h) => h.parse::<IpAddr>().ok(),
                    _ => None,
                };
                let port = port_of(&t[1])?;
                let h = self.report.hosts.iter().find(|h| Some(h.addr) == host);
                Ok((
                    h.ok_or_else(|| LangError::new(ErrorKind::Key, format!("{} was not scanned", t[0].repr())))?,
                    port,
                ))
            }
            k if self.single_host() => Ok((&self.report.hosts[0], port_of(k)?)),
            k => Err(LangError::type_err(format!(
                "this scan has several targets: index it by (host, port), not {}",
                k.repr()
            ))),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// nmap's name for a port's service, `unknown` for a port with none.
fn service(transport: Transport, port: u16) -> &'static str {
    let services = match transport {
        Transport::Tcp => TCP_SERVICES,
        Transport::Udp => UDP_SERVICES,
    };
    services
        .iter()
        .find(|(p, _)| *p == u64::from(port))
        .map_or("unknown", |(_, name)| name)
}

/// `Not shown: 65532 closed tcp ports (conn-refused)`: each state counted rather than listed, with what
/// its ports said.
fn not_shown(host: &HostScan, hidden: &[PortState], proto: &str) -> Option<String> {
    let parts: Vec<String> = hidden
        .iter()
        .map(|&state| {
            let ports: Vec<&PortResult> = host.ports.iter().filter(|r| r.state == state).collect();
            let mut reasons: Vec<(&str, usize)> = Vec::new();
            for r in &ports {
                match reasons.iter_mut().find(|(n, _)| *n == r.reason.name()) {
                    Some((_, c)) => *c += 1,
                    None => reasons.push((r.reason.name(), 1)),
                }
            }
            let why = match reasons.as_slice() {
                [(one, _)] => one.to_string(),
                many => many
                    .iter()
                    .map(|(n, c)| format!("{c} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let n = ports.len();
            format!("{n} {} {proto} port{} ({why})", state.name(), plural(n))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("Not shown: {}", parts.join(", ")))
}

/// nmap's name for the transport, as in `22/tcp`.
fn proto_name(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
    }
}

/// One host's part of the table, as nmap prints it, with the VERSION column when banners were grabbed.
struct Host<'r> {
    scan: &'r HostScan,
    transport: Transport,
    banners: Option<&'r [BannerReport]>,
}

impl Host<'_> {
    /// The SERVICE and VERSION cells of an open port: what its banner named, else the port's usual service
    /// with nmap's `?`.
    fn service_and_version(&self, r: &PortResult) -> (String, Option<String>) {
        let Some(banners) = self.banners else {
            return (service(self.transport, r.port).to_string(), None);
        };
        let found = banners
            .iter()
            .find(|b| b.addr.ip() == self.scan.addr && b.addr.port() == r.port);
        match found {
            Some(b) if b.service.is_some() => {
                let name = b.service.clone().unwrap_or_default();
                let mark = if b.certain { "" } else { "?" };
                (format!("{name}{mark}"), Some(b.version_text()))
            }
            _ if r.state == PortState::Open => (format!("{}?", service(self.transport, r.port)), Some(String::new())),
            _ => (service(self.transport, r.port).to_string(), Some(String::new())),
        }
    }
}

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (host, proto) = (self.scan, proto_name(self.transport));
        writeln!(f, "Scan report for {}", host.addr)?;
        let hidden: Vec<PortState> = HIDDEN_ORDER
            .into_iter()
            .filter(|&s| host.in_state(s).count() > LISTED_AT_MOST)
            .collect();
        let listed: Vec<Vec<String>> = host
            .ports
            .iter()
            .filter(|r| !hidden.contains(&r.state))
            .map(|r| {
                let (service, version) = self.service_and_version(r);
                let cells = [format!("{}/{proto}", r.port), r.state.name().to_string(), service];
                cells.into_iter().chain(version).collect()
            })
            .collect();
        if listed.is_empty() {
            writeln!(
                f,
                "All {} scanned ports on {} are in ignored states.",
                host.ports.len(),
                host.addr
            )?;
        }
        if let Some(line) = not_shown(host, &hidden, proto) {
            writeln!(f, "{line}")?;
        }
        if listed.is_empty() {
            return Ok(());
        }
        let mut header: Vec<String> = ["PORT", "STATE", "SERVICE"].map(String::from).into();
        if self.banners.is_some() {
            header.push("VERSION".to_string());
        }
        // Every column but the last is padded to its widest cell.
        let widths: Vec<usize> = (0..header.len() - 1)
            .map(|c| {
                listed
                    .iter()
                    .chain([&header])
                    .map(|row| row[c].len())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in std::iter::once(&header).chain(&listed) {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                match widths.get(c) {
                    Some(&w) => line.push_str(&format!("{cell:w$} ")),
                    None => line.push_str(cell),
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// The table without its last newline, as Scapy's tables print: `print(r)` ends with one, not two.
impl fmt::Display for ScanResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        for (i, host) in self.report.hosts.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            let (banners, transport) = (self.banners.as_deref(), self.report.transport);
            text.push_str(
                &Host {
                    scan: host,
                    transport,
                    banners,
                }
                .to_string(),
            );
        }
        if self.report.interrupted {
            text.push_str(&format!("Interrupted: {}", self.summary()));
        }
        f.write_str(text.trim_end())
    }
}

impl HostValue for ScanResult {
    fn type_name(&self) -> &'static str {
        "PortScanResult"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn attr(&self, name: &str) -> Option<Value> {
        let state = match name {
            "open" => PortState::Open,
            "closed" => PortState::Closed,
            "filtered" => PortState::Filtered,
            "open_filtered" => PortState::OpenFiltered,
            "versions" => return Some(self.versions()),
            _ => return None,
        };
        Some(self.in_state(state))
    }

    fn size(&self) -> Option<usize> {
        Some(self.all.len())
    }

    fn iterable(&self) -> bool {
        true
    }

    /// `(port, state)`, or `(host, port, state)` with several targets.
    fn next_item(&self, _s: &Session, position: usize) -> Option<Value> {
        let (addr, r) = self.all.get(position)?;
        let state = Value::str(r.state.name());
        Some(match self.single_host() {
            true => Value::Tuple(Rc::from([Value::Int(i128::from(r.port)), state])),
            false => Value::Tuple(Rc::from([
                Value::str(&addr.to_string()),
                Value::Int(i128::from(r.port)),
                state,
            ])),
        })
    }

    /// The state of a port: `r[22]`, or `r[("198.18.0.2", 22)]` with several targets.
    fn index(&self, key: &Value) -> Result<Value, LangError> {
        let (host, port) = self.find(key)?;
        host.get(port)
            .map(|r| Value::str(r.state.name()))
            .ok_or_else(|| LangError::new(ErrorKind::Key, format!("port {port} was not scanned on {}", host.addr)))
    }
}

static METHODS: &[MethodDef] = &[
    method!(
        "summary",
        [],
        "Print one line: hosts, ports scanned, time, and how many ports are open, closed and filtered.",
        |s, r, _| {
            let line = r.receiver::<ScanResult>().summary();
            s.write(&format!("{line}\n"))
        }
    ),
    method!(
        "banner",
        [req("port")],
        "The Banner of an open port (a scan with banners=True): r.banner(22), or r.banner((host, port)) with \
         several targets.",
        |_, r, a| {
            let result = r.receiver::<ScanResult>();
            let (host, port) = result.find(a.get("port"))?;
            match result.banner_of(host.addr, port) {
                Some(b) => Ok(Value::host(Banner(b.clone()))),
                None => Err(LangError::new(
                    ErrorKind::Key,
                    format!("no banner of port {port} on {} (scan with banners=True)", host.addr),
                )),
            }
        }
    ),
];
