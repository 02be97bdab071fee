//! Routing tables, read from `/proc/thread-self/net/route` and `/proc/thread-self/net/ipv6_route`.
//!
//! Why /proc and not netlink: the files are synchronous, need no crate (the netlink route crates are async
//! and heavy), and `/proc/thread-self` follows the calling thread's network namespace, which is what a thread
//! that `setns`-ed into a test namespace needs. What they lack (the preferred source address) is taken from
//! the interface's addresses, as Scapy does on Linux.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::iface::{loopback_name, Iface};
pub use super::prefix::in_prefix;

/// One route.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Destination network and prefix length.
    pub net: IpAddr,
    pub prefix: u8,
    /// The next hop, `None` when the destination is on the link.
    pub gateway: Option<IpAddr>,
    pub iface: String,
    pub metric: u32,
}

/// What a route lookup gives: where to send, from which address, through which next hop.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteHit {
    pub iface: String,
    pub src: IpAddr,
    /// The gateway, or `None` when the destination is on the link (resolve the destination itself).
    pub gateway: Option<IpAddr>,
}

impl RouteHit {
    /// The address whose MAC the frame goes to.
    pub fn next_hop(&self, dst: IpAddr) -> IpAddr {
        self.gateway.unwrap_or(dst)
    }
}

/// The IPv4 table: `/proc/net/route` (the main table; local addresses are matched through the interfaces).
pub fn load_v4() -> Vec<Route> {
    let text = std::fs::read_to_string("/proc/thread-self/net/route").unwrap_or_default();
    parse_v4(&text)
}

fn parse_v4(text: &str) -> Vec<Route> {
    let hex4 = |s: &str| u32::from_str_radix(s, 16).ok().map(|v| Ipv4Addr::from(v.to_le_bytes()));
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            let (dst, gw, flags, metric, mask) = (
                hex4(c.get(1)?)?,
                hex4(c.get(2)?)?,
                c.get(3)?,
                c.get(6)?,
                hex4(c.get(7)?)?,
            );
            let up = u16::from_str_radix(flags, 16).ok()? & 1 != 0;
            up.then(|| Route {
                net: dst.into(),
                prefix: u32::from(mask).count_ones() as u8,
                gateway: (!gw.is_unspecified()).then_some(gw.into()),
                iface: c[0].to_string(),
                metric: metric.parse().unwrap_or(0),
            })
        })
        .collect()
}

/// The IPv6 table: `/proc/net/ipv6_route` (all tables, local and multicast routes included; rejected routes
/// left out).
pub fn load_v6() -> Vec<Route> {
    let text = std::fs::read_to_string("/proc/thread-self/net/ipv6_route").unwrap_or_default();
    parse_v6(&text)
}

fn parse_v6(text: &str) -> Vec<Route> {
    let hex6 = |s: &str| u128::from_str_radix(s, 16).ok().map(Ipv6Addr::from);
    let hex = |s: &str| u32::from_str_radix(s, 16).ok();
    text.lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            let (dst, plen, gw, metric, flags) = (
                hex6(c.first()?)?,
                hex(c.get(1)?)?,
                hex6(c.get(4)?)?,
                hex(c.get(5)?)?,
                hex(c.get(8)?)?,
            );
            const RTF_UP: u32 = 1;
            const RTF_REJECT: u32 = 0x200;
            let iface = *c.get(9)?;
            // Local addresses' routes sit on `lo`; `lookup` finds those through the interfaces instead.
            let usable = flags & RTF_UP != 0 && flags & RTF_REJECT == 0 && (iface != "lo" || dst.is_loopback());
            usable.then(|| Route {
                net: dst.into(),
                prefix: plen as u8,
                gateway: (!gw.is_unspecified()).then_some(gw.into()),
                iface: iface.to_string(),
                metric,
            })
        })
        .collect()
}

/// The route to `dst`: an address of this host goes through the loopback interface; otherwise the longest
/// matching prefix, then the lowest metric. The source is the interface's address nearest the next hop.
pub fn lookup(routes: &[Route], ifaces: &[Iface], dst: IpAddr) -> Option<RouteHit> {
    let local = ifaces.iter().any(|i| i.addrs.iter().any(|(a, _)| *a == dst));
    if dst.is_loopback() || local {
        return Some(RouteHit {
            iface: loopback_name(ifaces).to_string(),
            src: dst,
            gateway: None,
        });
    }
    let r = routes
        .iter()
        .filter(|r| in_prefix(dst, r.net, r.prefix))
        .max_by_key(|r| (r.prefix, std::cmp::Reverse(r.metric)))?;
    let iface = ifaces.iter().find(|i| i.name == r.iface)?;
    let src = iface.addr_for(dst.is_ipv6(), Some(r.gateway.unwrap_or(dst)))?;
    Some(RouteHit {
        iface: r.iface.clone(),
        src,
        gateway: r.gateway,
    })
}

/// Scapy's printable `conf.route` / `conf.route6`.
pub struct RouteTable<'a> {
    pub routes: &'a [Route],
    pub ifaces: &'a [Iface],
}

impl fmt::Display for RouteTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v6 = self.routes.first().is_some_and(|r| r.net.is_ipv6());
        if v6 {
            writeln!(
                f,
                "{:<28} {:<26} {:<10} {:<26} Metric",
                "Destination", "Next Hop", "Iface", "Src candidates"
            )?;
        } else {
            writeln!(
                f,
                "{:<16} {:<16} {:<16} {:<10} {:<16} Metric",
                "Network", "Netmask", "Gateway", "Iface", "Output IP"
            )?;
        }
        for r in self.routes {
            let src = self
                .ifaces
                .iter()
                .find(|i| i.name == r.iface)
                .and_then(|i| i.addr_for(v6, r.gateway.or(Some(r.net))))
                .map_or_else(|| "-".into(), |a| a.to_string());
            if v6 {
                let gw = r.gateway.map_or_else(|| "::".into(), |g| g.to_string());
                writeln!(
                    f,
                    "{:<28} {:<26} {:<10} {:<26} {}",
                    format!("{}/{}", r.net, r.prefix),
                    gw,
                    r.iface,
                    src,
                    r.metric
                )?;
            } else {
                let mask = Ipv4Addr::from(if r.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(r.prefix))
                });
                let gw = r.gateway.map_or_else(|| "0.0.0.0".into(), |g| g.to_string());
                writeln!(
                    f,
                    "{:<16} {:<16} {:<16} {:<10} {:<16} {}",
                    r.net.to_string(),
                    mask.to_string(),
                    gw,
                    r.iface,
                    src,
                    r.metric
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTE: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
        eth0\t00000000\t010012C6\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
        eth0\t000012C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    fn iface(name: &str, addrs: &[(&str, u8)]) -> Iface {
        Iface {
            name: name.into(),
            index: 2,
            mac: Some([2, 0, 0, 0, 0, 1]),
            addrs: addrs.iter().map(|(a, p)| (a.parse().unwrap(), *p)).collect(),
            up: true,
            loopback: name == "lo",
        }
    }

    #[test]
    fn longest_prefix_wins_and_the_source_is_the_interface_address() {
        let routes = parse_v4(ROUTE);
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[0].gateway, Some("198.18.0.1".parse().unwrap()));
        let ifaces = [iface("lo", &[("127.0.0.1", 8)]), iface("eth0", &[("198.18.0.5", 24)])];
        let on_link = lookup(&routes, &ifaces, "198.18.0.9".parse().unwrap()).unwrap();
        assert_eq!(
            (on_link.iface.as_str(), on_link.src.to_string(), on_link.gateway),
            ("eth0", "198.18.0.5".into(), None)
        );
        let far = lookup(&routes, &ifaces, "203.0.113.1".parse().unwrap()).unwrap();
        assert_eq!(far.gateway, Some("198.18.0.1".parse().unwrap()));
        let me = lookup(&routes, &ifaces, "198.18.0.5".parse().unwrap()).unwrap();
        assert_eq!(me.iface, "lo");
        let table = RouteTable {
            routes: &routes,
            ifaces: &ifaces,
        }
        .to_string();
        assert!(
            table.contains("198.18.0.0       255.255.255.0    0.0.0.0          eth0       198.18.0.5       0"),
            "{table}"
        );
    }

    #[test]
    fn ipv6_routes_parse() {
        let text = "fd000198001800000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001   veth0\n\
                    00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
        let r = parse_v6(text);
        assert_eq!(r.len(), 1, "the unreachable default route is left out");
        assert_eq!(
            (r[0].net.to_string(), r[0].prefix, r[0].metric),
            ("fd00:198:18::".into(), 64, 256)
        );
        assert!(in_prefix("fd00:198:18::2".parse().unwrap(), r[0].net, 64));
        assert!(!in_prefix("fd00:198:19::2".parse().unwrap(), r[0].net, 64));
    }
}
