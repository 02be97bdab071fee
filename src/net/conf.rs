//! The machine's network view (interfaces and both routing tables), read lazily and cached per network
//! namespace, so that a thread that `setns`-ed into another namespace sees that namespace's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, Mutex};

use super::error::{Error, Result};
use super::iface::{self, Iface};
use super::route::{self, Route, RouteHit, RouteTable};

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
