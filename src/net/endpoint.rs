//! A host and a port as a socket address: an IPv4 or IPv6 address as written, or a name from `/etc/hosts`
//! (IPv4 first, as the rest of wirecraft reads names). The system's resolver is never asked, so naming a
//! host sends nothing.

use std::net::{IpAddr, SocketAddr};

use super::socket_error::SocketError;
use crate::packet::hosts;

/// The socket address of `host` (an address, `[v6]`, or a name in `/etc/hosts`) and `port`.
pub fn resolve(host: &str, port: u16) -> Result<SocketAddr, SocketError> {
    let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let ip = literal
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hosts::lookup(host, false))
        .or_else(|| hosts::lookup(host, true))
        .ok_or_else(|| SocketError::UnknownHost(host.to_string()))?;
    Ok(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_hosts_names_resolve_and_nothing_else() {
        assert_eq!(resolve("127.0.0.1", 80).unwrap().to_string(), "127.0.0.1:80");
        assert_eq!(resolve("::1", 53).unwrap().to_string(), "[::1]:53");
        assert_eq!(resolve("[::1]", 53).unwrap().to_string(), "[::1]:53");
        assert!(resolve("localhost", 1).unwrap().ip().is_loopback());
        let e = resolve("no-such-host.invalid", 80).unwrap_err();
        assert!(e.to_string().contains("\"no-such-host.invalid\""), "{e}");
    }
}
