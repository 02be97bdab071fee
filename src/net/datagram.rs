//! Plain UDP sockets, IPv4 and IPv6: bound to a port or not, connected to a peer or not. A socket given no
//! address is bound when first used, to an ephemeral port of the family it first sends to (as the kernel
//! does for Python's `sendto`). Waits are bounded by their timeout and the stop flag ([`super::wait`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::AsFd;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::socket_error::{Doing, SocketError};
use super::wait::{until_ready, Want};

/// The largest UDP payload: a datagram is never longer, so a larger `n` reads the same.
const MAX_DATAGRAM: usize = 65_535;

/// A UDP socket.
#[derive(Debug, Default)]
pub struct UdpSock {
    socket: Option<UdpSocket>,
    peer: Option<SocketAddr>,
    closed: bool,
}

/// A UDP socket bound to `bind` (None: on first use), connected to `connect` if given.
pub fn udp_socket(bind: Option<SocketAddr>, connect: Option<SocketAddr>) -> Result<UdpSock, SocketError> {
    let mut u = UdpSock::default();
    if let Some(addr) = bind {
        u.socket = Some(bound(addr)?);
    }
    if let Some(peer) = connect {
        u.connect(peer)?;
    }
    Ok(u)
}

/// A non-blocking socket bound to `addr`.
fn bound(addr: SocketAddr) -> Result<UdpSocket, SocketError> {
    let doing = Doing {
        what: "binding",
        addr,
        timeout: None,
    };
    let fail = |e| SocketError::from_io(&doing, e);
    let socket = UdpSocket::bind(addr).map_err(fail)?;
    socket.set_nonblocking(true).map_err(fail)?;
    Ok(socket)
}

/// The any-address of `addr`'s family.
fn unspecified(addr: SocketAddr) -> IpAddr {
    match addr {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

impl UdpSock {
    /// This end's address, once bound.
    pub fn local(&self) -> Option<SocketAddr> {
        self.socket.as_ref().and_then(|s| s.local_addr().ok())
    }

    /// The peer `connect` fixed.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The socket, bound first (to an ephemeral port of `to`'s family) if it was not.
    fn ready_for(&mut self, to: SocketAddr) -> Result<&UdpSocket, SocketError> {
        if self.closed {
            return Err(SocketError::Closed);
        }
        let socket = match self.socket.take() {
            Some(s) => s,
            None => bound(SocketAddr::new(unspecified(to), 0))?,
        };
        Ok(self.socket.insert(socket))
    }

    /// The bound socket, for receiving.
    fn receiving(&self) -> Result<&UdpSocket, SocketError> {
        match (&self.socket, self.closed) {
            (_, true) => Err(SocketError::Closed),
            (Some(s), false) => Ok(s),
            (None, false) => Err(SocketError::Unready(
                "the UDP socket has no port yet: bind one (a port) or send first",
            )),
        }
    }

    /// Fixes the peer: `send` goes to it, and only its datagrams are received.
    pub fn connect(&mut self, peer: SocketAddr) -> Result<(), SocketError> {
        let doing = Doing {
            what: "connecting to",
            addr: peer,
            timeout: None,
        };
        self.ready_for(peer)?
            .connect(peer)
            .map_err(|e| SocketError::from_io(&doing, e))?;
        self.peer = Some(peer);
        Ok(())
    }

    /// Sends one datagram to `to`.
    pub fn send_to(
        &mut self,
        data: &[u8],
        to: SocketAddr,
        timeout: Option<Duration>,
        stop: &AtomicBool,
    ) -> Result<usize, SocketError> {
        let doing = Doing {
            what: "sending to",
            addr: to,
            timeout,
        };
        let connected = self.peer.is_some();
        let s = self.ready_for(to)?;
        let send = || match connected {
            true => s.send(data),
            false => s.send_to(data, to),
        };
        until_ready(s.as_fd(), Want::Write, timeout, stop, send).map_err(|e| SocketError::from_io(&doing, e))
    }

    /// Sends one datagram to the connected peer.
    pub fn send(&mut self, data: &[u8], timeout: Option<Duration>, stop: &AtomicBool) -> Result<usize, SocketError> {
        let peer = self.peer.ok_or(SocketError::Unready(
            "the UDP socket has no peer: connect it first, or use sendto",
        ))?;
        self.send_to(data, peer, timeout, stop)
    }

    /// The next datagram (at most `n` bytes of it) and who sent it, within `timeout` (None: until `stop`).
    pub fn recv_from(
        &self,
        n: usize,
        timeout: Option<Duration>,
        stop: &AtomicBool,
    ) -> Result<(Vec<u8>, SocketAddr), SocketError> {
        let s = self.receiving()?;
        let doing = Doing {
            what: "receiving on",
            // Only named in errors: the peer, else the port listened on.
            addr: self
                .peer
                .or(self.local())
                .unwrap_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))),
            timeout,
        };
        let mut buf = vec![0; n.min(MAX_DATAGRAM)];
        let (got, from) = until_ready(s.as_fd(), Want::Read, timeout, stop, || s.recv_from(&mut buf))
            .map_err(|e| SocketError::from_io(&doing, e))?;
        buf.truncate(got);
        Ok((buf, from))
    }

    /// Closes the socket; closing twice is no error.
    pub fn close(&mut self) {
        self.socket = None;
        self.closed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Option<Duration> = Some(Duration::from_secs(2));

    fn round_trip(any: &str) {
        let stop = AtomicBool::new(false);
        let server = udp_socket(Some(format!("{any}:0").parse().unwrap()), None).unwrap();
        let to = server.local().unwrap();
        let mut client = udp_socket(None, None).unwrap();
        client.send_to(b"ping", to, T, &stop).unwrap();
        let (got, from) = server.recv_from(100, T, &stop).unwrap();
        // Bound on first use to the any-address: the sender is loopback, on the port it was given.
        assert_eq!(
            (got.as_slice(), from.port()),
            (&b"ping"[..], client.local().unwrap().port())
        );
        let mut server = server;
        server.send_to(b"pong", from, T, &stop).unwrap();
        assert_eq!(client.recv_from(100, T, &stop).unwrap(), (b"pong".to_vec(), to));
    }

    #[test]
    fn echo_over_ipv4_and_ipv6_loopback() {
        round_trip("127.0.0.1");
        round_trip("[::1]");
    }

    #[test]
    fn a_connected_socket_hears_the_refusal() {
        let stop = AtomicBool::new(false);
        let closed = udp_socket(Some("127.0.0.1:0".parse().unwrap()), None)
            .unwrap()
            .local()
            .unwrap();
        let mut u = udp_socket(None, Some(closed)).unwrap();
        u.send(b"anyone?", T, &stop).unwrap();
        let e = u.recv_from(10, T, &stop).unwrap_err();
        assert!(matches!(e, SocketError::Refused(_)), "{e}");
    }

    #[test]
    fn receiving_needs_a_port_and_an_open_socket() {
        let stop = AtomicBool::new(false);
        let mut u = udp_socket(None, None).unwrap();
        assert!(matches!(u.recv_from(1, T, &stop), Err(SocketError::Unready(_))));
        assert!(matches!(u.send(b"x", T, &stop), Err(SocketError::Unready(_))));
        u.close();
        assert!(matches!(u.recv_from(1, T, &stop), Err(SocketError::Closed)));
    }
}
