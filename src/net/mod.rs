//! Live traffic: interfaces, routes and neighbours, `sniff`, `send` / `sendp`, and `sr` / `srp` with Scapy's
//! answer matching.
//!
//! Everything here reads the machine lazily, on first use, and per network namespace (so a thread that
//! `setns`-ed into another namespace sees that namespace's interfaces and routes). Every loop takes a
//! `stop: &AtomicBool`: set it (from a Ctrl-C handler, see [`ctrl_c`]) and the loop ends, keeping what it has.
//! Every live entry point first checks the capability it needs and fails with one line saying how to grant
//! it ([`Error::Privilege`]).

mod capture;
mod error;
pub mod iface;
pub mod neigh;
mod privilege;
pub mod route;
mod send;
mod sniff;
mod sr;

use std::collections::HashMap;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub use capture::Frame;
pub use capture::Stats;
pub use error::{Error, Result};
pub use iface::{Iface, IfaceTable};
pub use privilege::require as require_privileges;
pub use route::{Route, RouteHit, RouteTable};
pub use send::{send, sendp, SendOptions, SendReport};
pub use sniff::{sniff, Hooks, LineFn, PacketFn, SniffOptions, SniffResult};
pub use sr::{answer_line, sr, sr1, srp, srp1, SndRcv, SrOptions};

/// The machine's network view: Scapy's `conf.ifaces`, `conf.route`, `conf.route6`, `conf.iface`.
#[derive(Debug)]
pub struct Conf {
    pub ifaces: Vec<Iface>,
    pub route: Vec<Route>,
    pub route6: Vec<Route>,
}

impl Conf {
    /// Reads interfaces and both routing tables now.
    pub fn load() -> Conf {
        Conf {
            ifaces: iface::load(),
            route: route::load_v4(),
            route6: route::load_v6(),
        }
    }

    /// Scapy's `conf.iface`: the default route's interface, else the first interface that is up and not
    /// loopback, else the loopback.
    pub fn iface(&self) -> &str {
        let default = self
            .route
            .iter()
            .chain(&self.route6)
            .find(|r| r.prefix == 0)
            .map(|r| r.iface.as_str());
        default
            .or_else(|| {
                self.ifaces
                    .iter()
                    .find(|i| i.up && !i.loopback)
                    .map(|i| i.name.as_str())
            })
            .or_else(|| self.ifaces.iter().find(|i| i.loopback).map(|i| i.name.as_str()))
            .unwrap_or("lo")
    }

    /// The interface with this name.
    pub fn iface_named(&self, name: &str) -> Result<&Iface> {
        self.ifaces
            .iter()
            .find(|i| i.name == name)
            .ok_or_else(|| Error::NoInterface(name.to_string()))
    }

    /// Route lookup: interface, source address and gateway for `dst`.
    pub fn route_to(&self, dst: IpAddr) -> Option<RouteHit> {
        let table = if dst.is_ipv6() { &self.route6 } else { &self.route };
        route::lookup(table, &self.ifaces, dst)
    }

    /// Printable `conf.route`.
    pub fn route_table(&self) -> RouteTable<'_> {
        RouteTable {
            routes: &self.route,
            ifaces: &self.ifaces,
        }
    }

    /// Printable `conf.route6`.
    pub fn route6_table(&self) -> RouteTable<'_> {
        RouteTable {
            routes: &self.route6,
            ifaces: &self.ifaces,
        }
    }
}

/// The calling thread's network namespace (its inode), the key of every per-namespace cache.
pub(crate) fn netns_id() -> u64 {
    std::fs::metadata("/proc/thread-self/ns/net").map_or(0, |m| m.ino())
}

static CONFS: Mutex<Option<HashMap<u64, Arc<Conf>>>> = Mutex::new(None);

/// The cached [`Conf`] of the calling thread's namespace, loaded on first use.
pub fn conf() -> Arc<Conf> {
    let id = netns_id();
    let mut confs = CONFS.lock().unwrap_or_else(|e| e.into_inner());
    confs
        .get_or_insert_with(HashMap::new)
        .entry(id)
        .or_insert_with(|| Arc::new(Conf::load()))
        .clone()
}

/// Scapy's `conf.route.resync()`: forget the cached view of the calling thread's namespace.
pub fn resync() {
    let mut confs = CONFS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = confs.as_mut() {
        c.remove(&netns_id());
    }
}

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
