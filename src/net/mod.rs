//! Live traffic: interfaces, routes and neighbours, `sniff`, `send` / `sendp`, and `sr` / `srp` with Scapy's
//! answer matching; and plain TCP / UDP sockets (`tcp_connect`, `tcp_listen`, `udp_socket`) with Scapy's
//! `StreamSocket` / `SimpleSocket` over them ([`PacketSocket`]), which need no privileges.
//!
//! Everything here reads the machine lazily, on first use, and per network namespace (so a thread that
//! `setns`-ed into another namespace sees that namespace's interfaces and routes). Every loop takes a
//! `stop: &AtomicBool`: set it (from a Ctrl-C handler, see [`ctrl_c`]) and the loop ends, keeping what it has.
//! Every live entry point first checks the capability it needs and fails with one line saying how to grant
//! it ([`Error::Privilege`]).
//!
//! # Layering
//!
//! Each module imports only the modules listed before it (at most those named on its line), never this file,
//! which only declares and re-exports; so the modules form no cycle, and a test reads their `use` lines to
//! keep it so:
//!
//! - `error`, `prefix`, `events`, `socket_error`: none;
//! - `privilege`: error; `iface`: prefix; `route`: iface, prefix;
//! - `conf`: error, iface, route;
//! - `socket`: error; `capture`: error, privilege;
//! - `exchange` (the raw exchange core): capture, error, events, privilege, socket;
//! - `neigh` (neighbour resolution, over the exchange): conf, error, events, exchange, socket;
//! - `outgoing` (packets and stored frames made ready to send): conf, error, neigh;
//! - `send`: conf, error, events, outgoing, privilege, socket;
//! - `sr` (over the exchange): capture, conf, error, events, exchange, outgoing, privilege, socket;
//! - `flood` (Scapy's `srflood` and `sr1flood`, the packets sent over and over): error, sr;
//! - `sr_loop` (Scapy's `srloop`, rounds of `sr`): error, sr; `report_ports` (Scapy's LaTeX table of a SYN
//!   `sr`): error, sr;
//! - `sniff`: capture, conf, error; `async_sniff` (Scapy's `AsyncSniffer`, `sniff` on a thread): error, sniff;
//! - `traceroute` (every TTL's probes at once, over the exchange): conf, error, events, exchange, privilege,
//!   socket, sr;
//! - `oui` (MAC vendors from the packaged IEEE data): none;
//! - `discover` (`arping`, the ping sweep, over the exchange): conf, error, events, exchange, neigh, oui,
//!   socket, sr;
//! - `wait` (socket waits bounded by a timeout and the stop flag): none; `endpoint`: socket_error;
//! - `stream` (TCP), `datagram` (UDP): socket_error, wait;
//! - `ports` (the ports a scan probes, as written): none; `portscan` (the connect scan): carried, endpoint,
//!   error, events, ports, socket_error, stream;
//! - `rawscan` (the stateless raw scan engine): capture, carried, conf, error, events, neigh, ports, portscan,
//!   privilege, socket; `udp_payloads`: none; `synscan`, `udpscan` (with udp_payloads): carried, ports,
//!   portscan, rawscan;
//! - `tls` (a TLS 1.2 ClientHello and the server's first flight read): none; `service_probes` (the
//!   probe-and-match table): ports; `banner` (banner grabbing, service and version): portscan,
//!   service_probes, socket_error, stream, tls;
//! - `carried` (messages as a transport carries them): none; `packet_socket` (Scapy's `StreamSocket` and
//!   `SimpleSocket`): carried, datagram, socket_error, stream.
//!
//! The library never prints: progress and Scapy's emission lines are [`Event`]s handed to the call's
//! [`Events`] hook, and the reports are returned.

mod async_sniff;
mod banner;
mod capture;
mod carried;
mod conf;
mod datagram;
mod discover;
mod endpoint;
mod error;
mod events;
mod exchange;
mod flood;
pub mod iface;
pub mod neigh;
pub mod oui;
mod outgoing;
mod packet_socket;
mod ports;
mod portscan;
mod prefix;
mod privilege;
mod raw_listen;
mod rawscan;
mod report_ports;
pub mod route;
mod send;
mod service_probes;
mod sniff;
mod socket;
mod socket_error;
mod sr;
mod sr_loop;
mod stream;
mod synscan;
mod tls;
mod traceroute;
mod udp_payloads;
mod udpscan;
mod wait;

use std::sync::atomic::{AtomicBool, Ordering};

pub use async_sniff::AsyncSniff;
pub use banner::{banner, banners, open_port_banners, BannerOptions, BannerReport};
pub use capture::CaptureStats;
pub use capture::CapturedFrame;
pub use carried::{carried_bytes, dissect_carried, Carried, Transport};
pub use conf::{conf, resync, Conf};
pub use datagram::{udp_socket, UdpSock};
pub use discover::{arping, ping, DiscoverOptions, DiscoverReport, Host};
pub use endpoint::resolve;
pub use error::{Error, Result};
pub use events::{Event, EventFn, Events};
pub use exchange::{exchange, ExchangeOptions, Exchanged, Listen};
pub use flood::{sr1flood, srflood, srp1flood, srpflood, FloodOptions};
pub use iface::{Iface, IfaceTable};
pub use outgoing::Outgoing;
pub use packet_socket::{Framing, Link, PacketSocket, SocketAnswers};
pub use ports::{PortError, Ports};
pub use portscan::{
    portscan, scan_targets, HostScan, PortResult, PortState, Reason, ScanError, ScanOptions, ScanReport,
};
pub use privilege::require as require_privileges;
pub use rawscan::RawScanOptions;
pub use report_ports::{ports_table, report_ports};
pub use route::{Route, RouteHit, RouteTable};
pub use send::{send, send_items, sendp, sendp_items, SendOptions, SendReport};
pub use sniff::{sniff, sniff_opened, Hooks, LineFn, PacketFn, SniffOptions, SniffResult};
pub use socket::Via;
pub use socket_error::SocketError;
pub use sr::{answer_line, sr, sr1, srp, srp1, SndRcv, SrOptions};
pub use sr_loop::{sr_loop, LoopOptions, LoopReport, RoundFn};
pub use stream::{tcp_connect, tcp_listen, Listener, TcpConn};
pub use synscan::synscan;
pub use tls::{Names, TlsInfo};
pub use traceroute::{trace_target, traceroute, Answer, Hop, Reply, TraceOptions, TraceProto, TraceReport};
pub use udpscan::udpscan;

/// Makes unset `IP().src` / `IPv6().src` follow the routing table, as in Scapy. Off until called, so that
/// building offline (and every golden test) never depends on the machine; the tables still load only when a
/// source is first needed.
pub fn use_routes_for_source() {
    crate::layers::set_source_resolver(|dst| conf().route_to(dst).map(|h| h.src));
}

/// A flag that SIGINT sets, for the `stop` parameter of every live call (Ctrl-C ends the loop, captured
/// packets are kept). The handler is installed on first call; clear the flag before each command.
pub fn ctrl_c() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    extern "C" fn on_sigint(_: libc::c_int) {
        FLAG.store(true, Ordering::SeqCst);
    }
    INSTALLED.call_once(|| {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigint as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        }
    });
    &FLAG
}
