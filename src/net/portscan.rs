//! The connect port scan (nmap's `-sT`): a full TCP connect to each port of each target, no privileges
//! needed. Connects are non-blocking, a bounded number in flight at once, watched by one `poll(2)` over them
//! all; each attempt waits at most the timeout and a silent port is tried again `retries` times. A port
//! that connects is open, one that refuses is closed, one that stays silent or whose host is unreachable is
//! filtered, as nmap names them. Every socket opened is closed when its probe ends; the stop flag (Ctrl-C)
//! ends the scan and keeps the states found so far.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::carried::Transport;
use super::endpoint::resolve;
use super::error::Error;
use super::events::{Event, Events};
use super::ports::{PortError, Ports};
use super::socket_error::SocketError;
use super::stream::{connect_outcome, start_connect};

/// The most addresses one network target may expand to: a /16 of IPv4.
const MAX_HOSTS: u128 = 1 << 16;

/// How long one `poll` lasts at most, so the stop flag is read again promptly.
const SLICE: Duration = Duration::from_millis(50);

/// How often the progress line is redrawn, and how long a scan runs before it first shows.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// A port's state, as nmap names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortState {
    Open,
    Closed,
    Filtered,
    /// No answer, which a UDP port gives both when open and when filtered.
    OpenFiltered,
}

impl PortState {
    pub fn name(self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered => "filtered",
            PortState::OpenFiltered => "open|filtered",
        }
    }
}

/// What the state was concluded from, in nmap's words (`--reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The connect completed.
    SynAck,
    /// The connect was refused (a RST).
    ConnRefused,
    /// No answer within the timeout, on every attempt.
    NoResponse,
    /// The host (or its neighbour resolution) is unreachable.
    HostUnreach,
    /// No route to the network.
    NetUnreach,
    /// The local firewall forbade the connect, or an ICMP unreachable said a firewall did.
    AdminProhibited,
    /// A RST answered the SYN.
    Reset,
    /// An ICMP port unreachable answered.
    PortUnreach,
    /// An ICMP protocol unreachable answered.
    ProtoUnreach,
    /// A UDP datagram answered.
    UdpResponse,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::SynAck => "syn-ack",
            Reason::ConnRefused => "conn-refused",
            Reason::NoResponse => "no-response",
            Reason::HostUnreach => "host-unreach",
            Reason::NetUnreach => "net-unreach",
            Reason::AdminProhibited => "admin-prohibited",
            Reason::Reset => "reset",
            Reason::PortUnreach => "port-unreach",
            Reason::ProtoUnreach => "proto-unreach",
            Reason::UdpResponse => "udp-response",
        }
    }
}

/// One port's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortResult {
    pub port: u16,
    pub state: PortState,
    pub reason: Reason,
}

/// The ports of one target, in ascending order; a port the scan did not finish (Ctrl-C) is absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostScan {
    pub addr: IpAddr,
    pub ports: Vec<PortResult>,
}

impl HostScan {
    /// The ports in `state`, ascending.
    pub fn in_state(&self, state: PortState) -> impl Iterator<Item = u16> + '_ {
        self.ports.iter().filter(move |r| r.state == state).map(|r| r.port)
    }

    /// The outcome for `port`, if it was scanned.
    pub fn get(&self, port: u16) -> Option<&PortResult> {
        self.ports
            .binary_search_by_key(&port, |r| r.port)
            .ok()
            .map(|i| &self.ports[i])
    }
}

/// What a scan found: one entry per target, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanReport {
    pub hosts: Vec<HostScan>,
    /// The ports each target was to be scanned on.
    pub ports_asked: usize,
    /// TCP or UDP ports.
    pub transport: Transport,
    /// True when the stop flag ended the scan early.
    pub interrupted: bool,
    pub elapsed: Duration,
}

/// How a scan runs.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// How long one connect attempt waits for an answer.
    pub timeout: Duration,
    /// How many more times a silent port is tried.
    pub retries: u32,
    /// How many connects are in flight at once (bounded by the process's descriptor limit).
    pub concurrency: usize,
    /// Where the progress line goes.
    pub events: Events,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            timeout: Duration::from_secs(1),
            retries: 1,
            concurrency: 256,
            events: Events::default(),
        }
    }
}

/// Why a scan could not run.
#[derive(Debug)]
pub enum ScanError {
    Ports(PortError),
    /// A target name that does not resolve (DNS is never asked).
    Target(SocketError),
    /// A network written wrongly (`10.0.0.0/33`).
    BadNetwork {
        spec: String,
        why: &'static str,
    },
    /// A network with more addresses than a scan takes.
    TooManyHosts {
        spec: String,
        hosts: u128,
    },
    NoTargets,
    /// A raw scan could not run: no privilege, an interface that is down, a capture that would not open.
    Live(Error),
    /// A system call failed for a reason that says nothing about the port (out of descriptors, no IPv6).
    Io {
        addr: SocketAddr,
        err: io::Error,
    },
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Ports(e) => e.fmt(f),
            ScanError::Target(e) => e.fmt(f),
            ScanError::BadNetwork { spec, why } => write!(f, "invalid network {spec:?}: {why}"),
            ScanError::TooManyHosts { spec, hosts } => write!(
                f,
                "network {spec:?} has {hosts} addresses; a scan takes at most {MAX_HOSTS}"
            ),
            ScanError::NoTargets => f.write_str("no targets to scan"),
            ScanError::Live(e) => e.fmt(f),
            ScanError::Io { addr, err } => write!(f, "scanning {addr}: {err}"),
        }
    }
}

impl std::error::Error for ScanError {}

impl From<PortError> for ScanError {
    fn from(e: PortError) -> ScanError {
        ScanError::Ports(e)
    }
}

/// The addresses one target stands for: an address, a name in `/etc/hosts`, or a network `addr/prefix`
/// (IPv4 or IPv6, every address in it).
pub fn scan_targets(spec: &str) -> Result<Vec<IpAddr>, ScanError> {
    let Some((addr, prefix)) = spec.split_once('/') else {
        return Ok(vec![resolve(spec, 0).map_err(ScanError::Target)?.ip()]);
    };
    let bad = |why| ScanError::BadNetwork {
        spec: spec.to_string(),
        why,
    };
    let addr: IpAddr = addr.trim().parse().map_err(|_| bad("not an IPv4 or IPv6 address"))?;
    let width: u32 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix: u32 = prefix.trim().parse().map_err(|_| bad("the prefix is not a number"))?;
    if prefix > width {
        return Err(bad("the prefix is longer than the address"));
    }
    let hosts = 1u128.checked_shl(width - prefix).unwrap_or(u128::MAX);
    if hosts > MAX_HOSTS {
        return Err(ScanError::TooManyHosts {
            spec: spec.to_string(),
            hosts,
        });
    }
    let first = match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    } & !(hosts - 1);
    Ok((first..first + hosts)
        .map(|n| match addr {
            IpAddr::V4(_) => IpAddr::from((n as u32).to_be_bytes()),
            IpAddr::V6(_) => IpAddr::from(n.to_be_bytes()),
        })
        .collect())
}

/// One connect in flight.
struct Probe {
    fd: OwnedFd,
    host: usize,
    port: u16,
    attempt: u32,
    deadline: Instant,
}

/// A port still to probe: the target's index, the port, and how many attempts came before.
type Work = (usize, u16, u32);

/// The outcomes so far, per target.
struct Found {
    per_host: Vec<Vec<PortResult>>,
    done: u64,
    open: u64,
}

impl Found {
    fn add(&mut self, host: usize, port: u16, (state, reason): (PortState, Reason)) {
        self.per_host[host].push(PortResult { port, state, reason });
        self.done += 1;
        self.open += u64::from(state == PortState::Open);
    }
}

/// Scans `ports` on every address of `targets` with full TCP connects.
pub fn portscan(
    targets: &[IpAddr],
    ports: &Ports,
    opts: &ScanOptions,
    stop: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    if targets.is_empty() {
        return Err(ScanError::NoTargets);
    }
    let started = Instant::now();
    let total = (targets.len() * ports.len()) as u64;
    let mut fresh = (0..targets.len()).flat_map(|h| ports.as_slice().iter().map(move |&p| (h, p, 0)));
    let mut again: VecDeque<Work> = VecDeque::new();
    let mut found = Found {
        per_host: vec![Vec::new(); targets.len()],
        done: 0,
        open: 0,
    };
    let mut flight: Vec<Probe> = Vec::new();
    let mut cap = opts.concurrency.clamp(1, descriptor_room());
    let mut progress = Progress::new(started, &opts.events);
    while !stop.load(Ordering::Relaxed) {
        while flight.len() < cap {
            let Some((host, port, attempt)) = again.pop_front().or_else(|| fresh.next()) else {
                break;
            };
            let addr = SocketAddr::new(targets[host], port);
            match start_connect(addr) {
                Ok(fd) => flight.push(Probe {
                    fd,
                    host,
                    port,
                    attempt,
                    deadline: Instant::now() + opts.timeout,
                }),
                // Out of descriptors or local ports: wait for those in flight to end, with fewer at once.
                Err(e) if is_exhaustion(&e) && !flight.is_empty() => {
                    again.push_front((host, port, attempt));
                    cap = flight.len();
                }
                Err(err) => found.add(host, port, answer(&err).ok_or(ScanError::Io { addr, err })?),
            }
        }
        if flight.is_empty() {
            break;
        }
        let ready = wait_any(&flight).map_err(|err| ScanError::Io {
            addr: SocketAddr::new(targets[flight[0].host], flight[0].port),
            err,
        })?;
        let now = Instant::now();
        // Backwards, so that `swap_remove` only moves probes already looked at.
        for (i, ready) in ready.into_iter().enumerate().rev() {
            let outcome = match ready {
                true => Some(connect_outcome(flight[i].fd.as_fd())),
                false if now >= flight[i].deadline => None,
                false => continue,
            };
            // Removing the probe closes its socket.
            let p = flight.swap_remove(i);
            let addr = SocketAddr::new(targets[p.host], p.port);
            let state = match outcome {
                Some(Ok(())) => connected(p.fd),
                Some(Err(err)) => answer(&err).ok_or(ScanError::Io { addr, err })?,
                None if p.attempt < opts.retries => {
                    again.push_back((p.host, p.port, p.attempt + 1));
                    continue;
                }
                None => (PortState::Filtered, Reason::NoResponse),
            };
            found.add(p.host, p.port, state);
        }
        progress.show(found.done, total, found.open);
    }
    progress.finish();
    let mut per_host = found.per_host;
    for host in &mut per_host {
        host.sort_unstable_by_key(|r| r.port);
    }
    Ok(ScanReport {
        hosts: targets
            .iter()
            .zip(per_host)
            .map(|(&addr, ports)| HostScan { addr, ports })
            .collect(),
        ports_asked: ports.len(),
        transport: Transport::Tcp,
        interrupted: stop.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    })
}

/// A completed connect: open, unless the kernel connected the socket to itself (a local port that
/// happened to equal the port probed on this very host), which means nothing listens there.
fn connected(fd: OwnedFd) -> (PortState, Reason) {
    let s = TcpStream::from(fd);
    match (s.local_addr(), s.peer_addr()) {
        (Ok(local), Ok(peer)) if local == peer => (PortState::Closed, Reason::ConnRefused),
        _ => (PortState::Open, Reason::SynAck),
    }
}

/// The state a failed connect tells, `None` for a failure that says nothing about the port.
fn answer(err: &io::Error) -> Option<(PortState, Reason)> {
    match err.raw_os_error()? {
        libc::ECONNREFUSED => Some((PortState::Closed, Reason::ConnRefused)),
        libc::ETIMEDOUT => Some((PortState::Filtered, Reason::NoResponse)),
        libc::EHOSTUNREACH => Some((PortState::Filtered, Reason::HostUnreach)),
        libc::ENETUNREACH => Some((PortState::Filtered, Reason::NetUnreach)),
        libc::EACCES | libc::EPERM => Some((PortState::Filtered, Reason::AdminProhibited)),
        _ => None,
    }
}

/// Whether the system ran short of descriptors, local ports or buffers: a pause, not a verdict.
fn is_exhaustion(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::EADDRNOTAVAIL | libc::ENOBUFS | libc::ENOMEM | libc::EAGAIN)
    )
}

/// How many descriptors the scan may hold at once: the process's limit, less a margin for the rest of it.
fn descriptor_room() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit.
    let soft = match unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } {
        0 => usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX),
        _ => 1024,
    };
    soft.saturating_sub(64).max(1)
}

/// Waits until some probe's connect ends, the earliest deadline passes, or a slice is over; which probes
/// are ready, in order.
fn wait_any(flight: &[Probe]) -> io::Result<Vec<bool>> {
    let mut fds: Vec<libc::pollfd> = flight
        .iter()
        .map(|p| libc::pollfd {
            fd: p.fd.as_raw_fd(),
            events: libc::POLLOUT,
            revents: 0,
        })
        .collect();
    let now = Instant::now();
    let first = flight.iter().map(|p| p.deadline).min().unwrap_or(now);
    let wait = first.saturating_duration_since(now).min(SLICE);
    // Round up, so a wait of less than a millisecond does not spin.
    let ms = wait.as_micros().div_ceil(1000) as libc::c_int;
    // SAFETY: `fds` holds one valid pollfd per probe, borrowed for the call.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(fds.iter().map(|p| r > 0 && p.revents != 0).collect())
}

/// The progress line of a long scan: first after a second, then at most once a second.
pub(crate) struct Progress<'e> {
    started: Instant,
    shown: Option<Instant>,
    events: &'e Events,
}

impl<'e> Progress<'e> {
    pub(crate) fn new(started: Instant, events: &'e Events) -> Progress<'e> {
        Progress {
            started,
            shown: None,
            events,
        }
    }

    pub(crate) fn show(&mut self, done: u64, total: u64, open: u64) {
        let now = Instant::now();
        let last = self.shown.unwrap_or(self.started);
        if now.duration_since(last) < PROGRESS_EVERY {
            return;
        }
        self.shown = Some(now);
        self.events.emit(Event::Scanned { done, total, open });
    }

    pub(crate) fn finish(&self) {
        if self.shown.is_some() {
            self.events.emit(Event::ProgressDone);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Listeners on three ports the system picks, kept open for the test.
    fn listeners(host: &str) -> (Vec<TcpListener>, Vec<u16>) {
        let ls: Vec<_> = (0..3)
            .map(|_| TcpListener::bind(format!("{host}:0")).unwrap())
            .collect();
        let mut ports: Vec<_> = ls.iter().map(|l| l.local_addr().unwrap().port()).collect();
        ports.sort_unstable();
        (ls, ports)
    }

    fn scan(target: &str, ports: &Ports) -> ScanReport {
        let targets = scan_targets(target).unwrap();
        portscan(&targets, ports, &ScanOptions::default(), &AtomicBool::new(false)).unwrap()
    }

    #[test]
    fn loopback_listeners_are_open_and_their_neighbours_closed() {
        for host in ["127.0.0.1", "::1"] {
            let (_ls, open) = listeners(host);
            // Each open port and the two next to it, whose listeners do not exist.
            let asked: Vec<i128> = open.iter().flat_map(|&p| [p - 1, p, p + 1]).map(i128::from).collect();
            let r = scan(host, &Ports::list(asked.clone()).unwrap());
            let h = &r.hosts[0];
            assert_eq!(h.in_state(PortState::Open).collect::<Vec<_>>(), open, "{host}");
            let closed = h.in_state(PortState::Closed).count();
            assert_eq!(closed + open.len(), Ports::list(asked).unwrap().len(), "{host}");
            assert_eq!(h.get(open[0]).unwrap().reason, Reason::SynAck);
            assert!(!r.interrupted);
        }
    }

    #[test]
    fn every_port_of_loopback_is_scanned_quickly() {
        let (_ls, open) = listeners("127.0.0.1");
        let r = scan("127.0.0.1", &Ports::parse("-").unwrap());
        let h = &r.hosts[0];
        assert_eq!(h.ports.len(), 65535);
        let found: Vec<u16> = h.in_state(PortState::Open).collect();
        assert!(open.iter().all(|p| found.contains(p)), "{open:?} in {found:?}");
        assert_eq!(h.in_state(PortState::Filtered).count(), 0);
        assert!(r.elapsed < Duration::from_secs(30), "{:?}", r.elapsed);
    }

    #[test]
    fn the_stop_flag_keeps_what_was_found() {
        let targets = scan_targets("127.0.0.1").unwrap();
        let r = portscan(
            &targets,
            &Ports::parse("-").unwrap(),
            &ScanOptions::default(),
            &AtomicBool::new(true),
        )
        .unwrap();
        assert!(r.interrupted);
        assert!(r.hosts[0].ports.is_empty());
    }

    #[test]
    fn targets_expand_and_bad_ones_are_named() {
        let net = scan_targets("198.18.0.5/30").unwrap();
        assert_eq!(
            net.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            ["198.18.0.4", "198.18.0.5", "198.18.0.6", "198.18.0.7"]
        );
        assert_eq!(scan_targets("fd00::/127").unwrap().len(), 2);
        assert_eq!(
            scan_targets("::1").unwrap(),
            [IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])]
        );
        let e = |t: &str| scan_targets(t).unwrap_err().to_string();
        assert_eq!(
            e("10.0.0.0/33"),
            "invalid network \"10.0.0.0/33\": the prefix is longer than the address"
        );
        assert_eq!(
            e("10.0.0.0/x"),
            "invalid network \"10.0.0.0/x\": the prefix is not a number"
        );
        assert_eq!(
            e("10.0.0.0/8"),
            "network \"10.0.0.0/8\" has 16777216 addresses; a scan takes at most 65536"
        );
        assert!(e("no-such-host.invalid").starts_with("cannot resolve \"no-such-host.invalid\""));
    }
}
