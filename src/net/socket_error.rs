//! Errors of plain TCP and UDP sockets, each naming what went wrong and with whom, as a person reads it:
//! refused, timed out, unreachable, address in use, a name that does not resolve.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// What a socket call was doing, and with which address: the context its errors name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Doing {
    /// `"connecting to"`, `"receiving from"`, …: read before the address.
    pub what: &'static str,
    pub addr: SocketAddr,
    /// The call's timeout, which a timed-out error states.
    pub timeout: Option<Duration>,
}

/// An error from a TCP or UDP socket.
#[derive(Debug)]
pub enum SocketError {
    /// Neither an address nor a name in `/etc/hosts` (DNS is never asked).
    UnknownHost(String),
    /// Nothing listens on that port (a TCP RST, or ICMP port unreachable for a connected UDP socket).
    Refused(SocketAddr),
    /// The peer reset the connection.
    Reset(SocketAddr),
    /// No route, or ICMP host or network unreachable.
    Unreachable { addr: SocketAddr, network: bool },
    /// Another socket is bound to the address.
    AddrInUse(SocketAddr),
    /// The call's timeout passed (or the kernel gave up) with nothing done.
    TimedOut {
        what: &'static str,
        addr: SocketAddr,
        after: Option<Duration>,
    },
    /// The stop flag (Ctrl-C) ended the call.
    Stopped,
    /// The socket was closed before this call.
    Closed,
    /// A UDP call that needs what the socket does not have yet (a peer to `send` to, a port to `recv` on).
    Unready(&'static str),
    /// Any other failure of a system call, with the system's words.
    Io {
        what: &'static str,
        addr: SocketAddr,
        err: io::Error,
    },
}

impl SocketError {
    /// The system's error for a call, named by what it was doing: a stop as [`SocketError::Stopped`], a
    /// timeout as [`SocketError::TimedOut`], refusals and unreachable hosts by their names.
    pub(crate) fn from_io(doing: &Doing, err: io::Error) -> SocketError {
        let addr = doing.addr;
        match (err.kind(), err.raw_os_error()) {
            (io::ErrorKind::Interrupted, _) => SocketError::Stopped,
            (io::ErrorKind::TimedOut, _) => SocketError::TimedOut {
                what: doing.what,
                addr,
                after: doing.timeout,
            },
            (_, Some(libc::ECONNREFUSED)) => SocketError::Refused(addr),
            (_, Some(libc::ECONNRESET | libc::EPIPE)) => SocketError::Reset(addr),
            (_, Some(libc::EHOSTUNREACH)) => SocketError::Unreachable { addr, network: false },
            (_, Some(libc::ENETUNREACH)) => SocketError::Unreachable { addr, network: true },
            (_, Some(libc::EADDRINUSE)) => SocketError::AddrInUse(addr),
            _ => SocketError::Io {
                what: doing.what,
                addr,
                err,
            },
        }
    }
}

impl fmt::Display for SocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketError::UnknownHost(name) => write!(
                f,
                "cannot resolve {name:?}: not an address and not in /etc/hosts (wirecraft never asks DNS)"
            ),
            SocketError::Refused(addr) => write!(f, "connection refused by {addr} (nothing listens on that port)"),
            SocketError::Reset(addr) => write!(f, "connection reset by {addr}"),
            SocketError::Unreachable { addr, network } => {
                let what = if *network { "network" } else { "host" };
                write!(f, "{what} unreachable: {addr}")
            }
            SocketError::AddrInUse(addr) => write!(f, "address already in use: {addr}"),
            SocketError::TimedOut { what, addr, after } => match after {
                Some(t) => write!(f, "timed out {what} {addr} (after {} s)", t.as_secs_f64()),
                None => write!(f, "timed out {what} {addr}"),
            },
            SocketError::Stopped => f.write_str("interrupted"),
            SocketError::Closed => f.write_str("the socket is closed"),
            SocketError::Unready(why) => f.write_str(why),
            SocketError::Io { what, addr, err } => write!(f, "{what} {addr}: {err}"),
        }
    }
}

impl std::error::Error for SocketError {}
