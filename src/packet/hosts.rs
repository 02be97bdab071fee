//! Host names in address fields (`IP(dst="localhost")`), looked up in `/etc/hosts` when the field is set.
//! The system's DNS resolver is deliberately not asked: setting a field never sends a packet. `localhost`
//! is the loopback address even where the file does not say so (RFC 6761).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The address `name` stands for, of the family asked for; `None` when no hosts entry has it.
pub fn lookup(name: &str, v6: bool) -> Option<IpAddr> {
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !valid {
        return None;
    }
    let text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    in_hosts(&text, name, v6).or_else(|| {
        name.eq_ignore_ascii_case("localhost").then_some(match v6 {
            true => IpAddr::V6(Ipv6Addr::LOCALHOST),
            false => IpAddr::V4(Ipv4Addr::LOCALHOST),
        })
    })
}

/// The first address of the family that a hosts file's line gives `name` (names compare without case).
fn in_hosts(text: &str, name: &str, v6: bool) -> Option<IpAddr> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let addr: IpAddr = words.next()?.parse().ok()?;
            (addr.is_ipv6() == v6 && words.any(|w| w.eq_ignore_ascii_case(name))).then_some(addr)
        })
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_from_the_hosts_file_only() {
        let text =
            "127.0.0.1 localhost\n# 198.18.0.9 commented\n198.18.0.7 probe Probe.test  # the bed\n::1 ip6-localhost\n";
        assert_eq!(in_hosts(text, "PROBE", false), Some("198.18.0.7".parse().unwrap()));
        assert_eq!(in_hosts(text, "probe.test", false), Some("198.18.0.7".parse().unwrap()));
        assert_eq!(in_hosts(text, "commented", false), None);
        assert_eq!(in_hosts(text, "ip6-localhost", true), Some("::1".parse().unwrap()));
        assert_eq!(in_hosts(text, "probe", true), None);
        assert_eq!(lookup("localhost", true), Some("::1".parse().unwrap()));
        assert_eq!(lookup("no such host!", false), None);
    }
}
