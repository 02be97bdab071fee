//! Banner grabbing and service naming (nmap's `-sV`, in small): connect, listen for what the service says
//! first, and where it stays silent send the table's probes one by one (each over a new connection), until
//! an answer matches a row of [`super::service_probes`]. The whole grab is bounded by its timeout — every
//! connect and read waits at most what is left of it — and the stop flag (Ctrl-C) ends it within a slice.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use regex::bytes::Regex;

use super::portscan::{PortState, ScanReport};
use super::service_probes::{probes, Identified, Payload, Probe};
use super::socket_error::SocketError;
use super::stream::{tcp_connect, TcpConn};
use super::tls::{client_hello, read_flight, TlsInfo};

/// How a grab runs.
#[derive(Clone, Debug)]
pub struct BannerOptions {
    /// The most the whole grab takes, every probe included.
    pub timeout: Duration,
    /// How long each probe (the greeting first) waits for the first byte of an answer.
    pub answer_wait: Duration,
    /// A pause this long ends an answer that has begun.
    pub idle_gap: Duration,
    /// The most bytes of one answer kept.
    pub max_bytes: usize,
}

impl BannerOptions {
    /// Options for a grab of at most `timeout`: each probe waits a quarter of it (at most a second) for
    /// an answer, so a silent service still meets four probes.
    pub fn new(timeout: Duration) -> BannerOptions {
        BannerOptions {
            timeout,
            answer_wait: (timeout / 4).min(Duration::from_secs(1)),
            idle_gap: Duration::from_millis(100),
            max_bytes: 16 * 1024,
        }
    }
}

/// What a grab found out about one port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BannerReport {
    pub addr: SocketAddr,
    /// nmap's service name (`ssh`, `http`, `ssl`, …); `tcpwrapped` when every probe's connection was closed
    /// at once without a word; `None` when nothing answered or no row matched.
    pub service: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub info: Option<String>,
    /// False when only a soft match named the service (nmap prints it with a `?`).
    pub certain: bool,
    /// The probe whose answer is kept (`NULL` for the greeting).
    pub probe: Option<String>,
    /// The answer's bytes, as received (at most [`BannerOptions::max_bytes`]).
    pub raw: Vec<u8>,
    /// An HTTP answer's `<title>`.
    pub title: Option<String>,
    /// What a TLS server's first flight told.
    pub tls: Option<TlsInfo>,
    pub elapsed: Duration,
}

impl BannerReport {
    /// nmap's VERSION column: `OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)`; for TLS the version and
    /// the certificate's subject.
    pub fn version_text(&self) -> String {
        let mut words: Vec<&str> = [&self.product, &self.version]
            .into_iter()
            .filter_map(|s| s.as_deref())
            .collect();
        let tls_info = self.tls.as_ref().map(tls_summary);
        let info = self.info.as_deref().or(tls_info.as_deref()).map(|i| format!("({i})"));
        words.extend(info.as_deref());
        words.join(" ")
    }
}

/// `TLSv1.2; commonName=wirecraft-test/organizationName=Wirecraft`.
fn tls_summary(tls: &TlsInfo) -> String {
    let subject = tls.subject.to_string();
    [tls.version.clone().unwrap_or_default(), subject]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One probe's answer.
struct Answer {
    bytes: Vec<u8>,
    /// The service closed the connection (or reset it).
    closed: bool,
    tls: Option<TlsInfo>,
}

/// The best answer so far: a soft match, else the first that said anything.
struct Kept<'p> {
    probe: &'p Probe,
    answer: Answer,
    id: Option<Identified>,
}

/// Grabs `addr`'s banner and names its service. A refused or unreachable port, or a connect that times
/// out, is an error; a port that accepts and stays silent is a report without a service.
pub fn banner(addr: SocketAddr, opts: &BannerOptions, stop: &AtomicBool) -> Result<BannerReport, SocketError> {
    let started = Instant::now();
    let deadline = started + opts.timeout;
    let mut kept: Option<Kept> = None;
    let mut only_closed = true;
    for (n, probe) in probe_order(addr.port()).into_iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        // The first connect is always tried, so a grab that ends at once still tells a closed port.
        if left.is_zero() && n > 0 {
            break;
        }
        let conn = match tcp_connect(addr, Some(left), stop) {
            Ok(c) => c,
            // The first connect says whether the port is there at all; a later one failing (the service
            // went away, or time ran out) ends the probing with what was learnt.
            Err(e) if n == 0 || matches!(e, SocketError::Stopped) => return Err(e),
            Err(_) => break,
        };
        let answer = exchange(&conn, probe, deadline, opts, stop)?;
        only_closed &= answer.closed && answer.bytes.is_empty();
        if answer.bytes.is_empty() {
            continue;
        }
        let id = probe.identify(&answer.bytes);
        let hard = id.as_ref().is_some_and(|id| !id.soft);
        let better = match &kept {
            None => true,
            Some(k) => hard || (k.id.is_none() && id.is_some()),
        };
        if better {
            kept = Some(Kept { probe, answer, id });
        }
        if hard {
            break;
        }
    }
    let mut report = BannerReport {
        addr,
        service: None,
        product: None,
        version: None,
        info: None,
        certain: false,
        probe: None,
        raw: Vec::new(),
        title: None,
        tls: None,
        elapsed: Duration::ZERO,
    };
    match kept {
        Some(Kept { probe, answer, id }) => {
            if let Some(id) = id {
                report.certain = !id.soft;
                (report.service, report.product) = (Some(id.service), id.product);
                (report.version, report.info) = (id.version, id.info);
            }
            report.title = html_title(&answer.bytes);
            report.probe = Some(probe.name.clone());
            report.raw = answer.bytes;
            report.tls = answer.tls;
        }
        None if only_closed => {
            report.service = Some("tcpwrapped".to_string());
            report.certain = true;
        }
        None => {}
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The greeting first, then the probes whose ports name `port`, then the rest, each in table order.
fn probe_order(port: u16) -> Vec<&'static Probe> {
    let all = probes();
    let (greeting, rest) = all.split_first().map_or((None, &[][..]), |(g, r)| (Some(g), r));
    let hinted = rest.iter().filter(|p| p.ports.contains(&port));
    let others = rest.iter().filter(|p| !p.ports.contains(&port));
    greeting.into_iter().chain(hinted).chain(others).collect()
}

/// Sends the probe's payload and reads the answer: until the service closes, pauses for the idle gap, a
/// match ends it early (rows marked so, and a TLS flight once its certificate is in), the size cap, or the
/// deadline.
fn exchange(
    conn: &TcpConn,
    probe: &Probe,
    deadline: Instant,
    opts: &BannerOptions,
    stop: &AtomicBool,
) -> Result<Answer, SocketError> {
    let left = || deadline.saturating_duration_since(Instant::now());
    let is_tls = probe.payload == Payload::TlsClientHello;
    let payload = match &probe.payload {
        Payload::Bytes(b) => b.clone(),
        Payload::TlsClientHello => client_hello(),
    };
    let mut answer = Answer {
        bytes: Vec::new(),
        closed: false,
        tls: None,
    };
    if !payload.is_empty() {
        match conn.send(&payload, Some(left()), stop) {
            Err(SocketError::Stopped) => return Err(SocketError::Stopped),
            Err(_) => {
                answer.closed = true;
                return Ok(answer);
            }
            Ok(_) => {}
        }
    }
    let mut wait = opts.answer_wait;
    while answer.bytes.len() < opts.max_bytes {
        let room = opts.max_bytes - answer.bytes.len();
        match conn.recv(room, Some(wait.min(left())), stop) {
            Ok(chunk) if chunk.is_empty() => {
                answer.closed = true;
                break;
            }
            Ok(chunk) => answer.bytes.extend_from_slice(&chunk),
            Err(SocketError::Stopped) => return Err(SocketError::Stopped),
            Err(SocketError::Reset(_)) => {
                answer.closed = true;
                break;
            }
            Err(_) => break,
        }
        if is_tls {
            let flight = read_flight(&answer.bytes);
            let complete = flight.as_ref().is_some_and(|f| f.complete);
            answer.tls = flight.map(|f| f.info);
            if complete {
                break;
            }
        }
        if probe.ends_at_match && probe.identify(&answer.bytes).is_some_and(|id| !id.soft) {
            break;
        }
        wait = opts.idle_gap;
    }
    Ok(answer)
}

/// The text of an HTML `<title>`, spaces folded.
fn html_title(answer: &[u8]) -> Option<String> {
    static TITLE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let re = TITLE.get_or_init(|| Regex::new(r"(?is-u)<title[^>]*>(.*?)</title>").expect("a fixed regex"));
    let text = String::from_utf8_lossy(re.captures(answer)?.get(1)?.as_bytes()).into_owned();
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!folded.is_empty()).then_some(folded)
}

/// Grabs the banners of `addrs`, at most `concurrency` at once (threads, each grab bounded by its own
/// timeout), the results in the order of `addrs`. The threads are started from the caller's thread, so
/// they live in its network namespace.
pub fn banners(
    addrs: &[SocketAddr],
    opts: &BannerOptions,
    concurrency: usize,
    stop: &AtomicBool,
) -> Vec<Result<BannerReport, SocketError>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<BannerReport, SocketError>>>> =
        Mutex::new((0..addrs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..concurrency.clamp(1, addrs.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&addr) = addrs.get(i) else { break };
                let r = banner(addr, opts, stop);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or(Err(SocketError::Stopped)))
        .collect()
}

/// The banners of every open port a scan found (nmap's `-sV` after its scan), grabbed as [`banners`] does;
/// a port that no longer answers is left out.
pub fn open_port_banners(
    report: &ScanReport,
    opts: &BannerOptions,
    concurrency: usize,
    stop: &AtomicBool,
) -> Vec<BannerReport> {
    let open: Vec<SocketAddr> = report
        .hosts
        .iter()
        .flat_map(|h| h.in_state(PortState::Open).map(|p| SocketAddr::new(h.addr, p)))
        .collect();
    banners(&open, opts, concurrency, stop).into_iter().flatten().collect()
}

impl fmt::Display for BannerReport {
    /// nmap's line: `22/tcp open ssh OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let service = match (&self.service, self.certain) {
            (Some(s), true) => s.clone(),
            (Some(s), false) => format!("{s}?"),
            (None, _) => "unknown".to_string(),
        };
        let version = self.version_text();
        write!(f, "{}/tcp open {service}", self.addr.port())?;
        if !version.is_empty() {
            write!(f, " {version}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    /// A loopback server that runs `serve` on each connection it accepts, in a thread of its own.
    fn server(serve: fn(std::net::TcpStream)) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for c in l.incoming().flatten() {
                std::thread::spawn(move || serve(c));
            }
        });
        addr
    }

    fn grab(addr: SocketAddr) -> BannerReport {
        banner(
            addr,
            &BannerOptions::new(Duration::from_secs(2)),
            &AtomicBool::new(false),
        )
        .unwrap()
    }

    #[test]
    fn a_greeting_names_the_service_at_once() {
        let addr = server(|mut c| {
            let _ = c.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
            std::thread::sleep(Duration::from_secs(3));
        });
        let r = grab(addr);
        assert_eq!(r.service.as_deref(), Some("ssh"));
        assert_eq!(r.probe.as_deref(), Some("NULL"));
        assert_eq!(r.raw, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
        assert_eq!(
            r.to_string(),
            format!(
                "{}/tcp open ssh OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)",
                addr.port()
            )
        );
    }

    #[test]
    fn a_silent_web_server_is_asked_and_its_title_read() {
        let addr = server(|mut c| {
            let mut buf = [0; 512];
            let n = std::io::Read::read(&mut c, &mut buf).unwrap_or(0);
            if buf[..n].starts_with(b"GET / ") {
                let _ = c.write_all(b"HTTP/1.0 200 OK\r\nServer: nginx/1.22.1\r\n\r\n<html><title> My\n page </title>");
            }
        });
        let r = grab(addr);
        assert_eq!(r.service.as_deref(), Some("http"));
        assert_eq!(r.version_text(), "nginx 1.22.1");
        assert_eq!(r.title.as_deref(), Some("My page"));
        assert_eq!(r.probe.as_deref(), Some("GetRequest"));
    }

    #[test]
    fn silence_is_no_service_within_the_timeout_and_closing_is_tcpwrapped() {
        let silent = server(|c| {
            std::thread::sleep(Duration::from_secs(4));
            drop(c);
        });
        let r = banner(
            silent,
            &BannerOptions::new(Duration::from_millis(800)),
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!((r.service.as_deref(), r.raw.len()), (None, 0));
        assert!(r.elapsed < Duration::from_millis(1500), "{:?}", r.elapsed);
        assert_eq!(r.to_string(), format!("{}/tcp open unknown", silent.port()));
        let wrapped = server(drop);
        assert_eq!(grab(wrapped).service.as_deref(), Some("tcpwrapped"));
    }

    #[test]
    fn a_closed_port_is_refused_and_the_stop_flag_ends_a_grab() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let closed = SocketAddr::from(([127, 0, 0, 1], port));
        let e = banner(
            closed,
            &BannerOptions::new(Duration::from_secs(1)),
            &AtomicBool::new(false),
        );
        assert!(matches!(e, Err(SocketError::Refused(_))), "{e:?}");
        // A grab with no time at all still tries its connect: never a report of a port it did not reach.
        let e = banner(closed, &BannerOptions::new(Duration::ZERO), &AtomicBool::new(false));
        assert!(
            matches!(e, Err(SocketError::Refused(_) | SocketError::TimedOut { .. })),
            "{e:?}"
        );
        let silent = server(|c| {
            std::thread::sleep(Duration::from_secs(4));
            drop(c);
        });
        let e = banner(
            silent,
            &BannerOptions::new(Duration::from_secs(5)),
            &AtomicBool::new(true),
        );
        assert!(matches!(e, Err(SocketError::Stopped)), "{e:?}");
    }

    #[test]
    fn many_grabs_keep_their_order() {
        let ssh = server(|mut c| {
            let _ = c.write_all(b"SSH-2.0-OpenSSH_9.2p1\r\n");
            std::thread::sleep(Duration::from_millis(500));
        });
        let ftp = server(|mut c| {
            let _ = c.write_all(b"220 (vsFTPd 3.0.3)\r\n");
            std::thread::sleep(Duration::from_millis(500));
        });
        let opts = BannerOptions::new(Duration::from_secs(2));
        let r = banners(&[ssh, ftp, ssh], &opts, 2, &AtomicBool::new(false));
        let names: Vec<_> = r.iter().map(|r| r.as_ref().unwrap().service.clone().unwrap()).collect();
        assert_eq!(names, ["ssh", "ftp", "ssh"]);
    }
}
