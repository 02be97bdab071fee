//! Network interfaces, from `pnet_datalink` (getifaddrs), in the calling thread's network namespace.

use std::fmt;
use std::net::IpAddr;

use super::prefix::in_prefix;

/// One interface: Scapy's `NetworkInterface`.
#[derive(Clone, Debug, PartialEq)]
pub struct Iface {
    pub name: String,
    pub index: u32,
    /// `None` for interfaces without a link-layer address (tunnels).
    pub mac: Option<[u8; 6]>,
    /// Addresses with their prefix lengths.
    pub addrs: Vec<(IpAddr, u8)>,
    pub up: bool,
    pub loopback: bool,
}

impl Iface {
    /// The first address of the given family (`v6`: IPv6), preferring one in the same subnet as `near`.
    pub fn addr_for(&self, v6: bool, near: Option<IpAddr>) -> Option<IpAddr> {
        let family = self.addrs.iter().filter(|(a, _)| a.is_ipv6() == v6);
        let same_net = family.clone().find(|(a, p)| near.is_some_and(|n| in_prefix(n, *a, *p)));
        same_net.or_else(|| family.clone().next()).map(|(a, _)| *a)
    }
}

/// Scapy's `conf.loopback_name`: the loopback interface's name, `lo` (Linux's, Scapy's default) when the
/// machine lists none.
pub fn loopback_name(ifaces: &[Iface]) -> &str {
    ifaces.iter().find(|i| i.loopback).map_or("lo", |i| i.name.as_str())
}

/// Every interface, freshly read.
pub fn load() -> Vec<Iface> {
    pnet_datalink::interfaces()
        .into_iter()
        .map(|i| Iface {
            up: i.is_up(),
            loopback: i.is_loopback(),
            mac: i.mac.filter(|m| !m.is_zero() || i.is_loopback()).map(|m| m.octets()),
            addrs: i.ips.iter().map(|n| (n.ip(), n.prefix())).collect(),
            index: i.index,
            name: i.name,
        })
        .collect()
}

/// Scapy's `conf.ifaces` table.
pub struct IfaceTable<'a>(pub &'a [Iface]);

impl fmt::Display for IfaceTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<16} {:>5}  {:<17}  {:<9} IPs", "Name", "Index", "MAC", "Flags")?;
        for i in self.0 {
            let mac = i.mac.map_or_else(|| "-".into(), |m| crate::packet::value::fmt_mac(&m));
            let flags = [(i.up, "UP"), (i.loopback, "LOOPBACK")]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, n)| *n)
                .collect::<Vec<_>>()
                .join(",");
            let ips: Vec<String> = i.addrs.iter().map(|(a, p)| format!("{a}/{p}")).collect();
            writeln!(
                f,
                "{:<16} {:>5}  {:<17}  {:<9} {}",
                i.name,
                i.index,
                mac,
                flags,
                ips.join(" ")
            )?;
        }
        Ok(())
    }
}
