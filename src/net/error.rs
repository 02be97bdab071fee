//! Errors of live traffic, each one line a person can act on.

use std::fmt;
use std::net::IpAddr;

/// An error from capturing, sending or resolving.
#[derive(Debug)]
pub enum Error {
    /// The process lacks a capability that raw sockets and capture need; says which and how to grant it.
    Privilege { missing: Vec<&'static str> },
    /// libpcap refused to open or use an interface; its own message is kept.
    Pcap { iface: String, msg: String },
    /// A running capture failed (its interface went down or away); libpcap's message is kept.
    CaptureEnded { iface: String, msg: String },
    /// libpcap could not compile the BPF filter; its own message is kept.
    Filter { filter: String, msg: String },
    /// A system call failed.
    Io { what: String, err: std::io::Error },
    /// No interface has this name.
    NoInterface(String),
    /// No route reaches this address.
    NoRoute(IpAddr),
    /// Neither the kernel's neighbour table nor ARP / ND on the wire gave a MAC for this address.
    Unresolved { ip: IpAddr, iface: String },
    /// A capture file (`sniff(offline=…)`) could not be read; pcapio's error names the file, record and offset.
    File(crate::pcapio::Error),
    /// The packet cannot be sent as asked (no IP layer for `send`, nothing to send…).
    Unsendable(String),
}

impl Error {
    pub(crate) fn io(what: impl Into<String>, err: std::io::Error) -> Error {
        Error::Io { what: what.into(), err }
    }

    pub(crate) fn pcap(iface: &str, e: pcap::Error) -> Error {
        Error::Pcap {
            iface: iface.to_string(),
            msg: e.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Privilege { missing } => write!(
                f,
                "permission denied: live traffic needs {} (run as root, or grant it once with \
                 `sudo setcap cap_net_raw,cap_net_admin=eip $(which wirecraft)`)",
                missing.join(" and ")
            ),
            Error::Pcap { iface, msg } => write!(f, "{iface}: {msg}"),
            Error::CaptureEnded { iface, msg } => write!(f, "the capture on {iface} ended: {msg}"),
            Error::Filter { filter, msg } => write!(f, "bad filter {filter:?}: {msg}"),
            Error::Io { what, err } => write!(f, "{what}: {err}"),
            Error::NoInterface(n) => write!(f, "no interface named {n:?}"),
            Error::NoRoute(a) => write!(f, "no route to {a}"),
            Error::Unresolved { ip, iface } => write!(
                f,
                "cannot resolve the MAC address of {ip} on {iface} (no neighbour entry, no ARP/ND answer); \
                 set Ether(dst=...) or enable broadcast fallback"
            ),
            Error::File(e) => e.fmt(f),
            Error::Unsendable(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {}

/// Results of live operations.
pub type Result<T> = std::result::Result<T, Error>;
