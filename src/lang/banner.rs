//! `banner`: the language's binding of [`crate::net::banner`]. It names the host as the socket builtins do
//! (an address or a name in `/etc/hosts`), grabs with the session's interrupt flag (Ctrl-C ends it) and
//! returns a [`Banner`].

use super::args::{opt, req, Args, Const};
use super::banner_report::Banner;
use super::error::LangError;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::sockets::{address, waiting};
use super::value::Value;
use crate::net::{self, BannerOptions};

pub(crate) static BUILTINS: &[Builtin] = &[builtin!(
    "banner",
    [req("host"), req("port"), opt("timeout", Const::Int(2))],
    "Connect to host:port, read what the service says first (sending a small probe where it stays silent: \
     an HTTP GET, a TLS 1.2 ClientHello, Redis' INFO, a blank line) and name the service and version as nmap \
     -sV does, all within timeout seconds. b.service, b.product, b.version, b.info, b.title, b.raw (the \
     answer's bytes), b.tls (version, cipher suite, the certificate's subject and issuer). A refused port \
     raises ConnectionRefusedError; a silent one gives service None.",
    b_banner
)];

fn b_banner(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let (host, port, timeout) = (a.get("host"), a.get("port"), a.seconds("timeout")?);
    // A grab is always bounded: its timeout is a number of seconds, never None.
    let timeout = timeout.ok_or_else(|| LangError::value_err("timeout is a number of seconds, not None"))?;
    let addr = address(host, port)?;
    let report = waiting(s, |stop| net::banner(addr, &BannerOptions::new(timeout), stop))?;
    Ok(Value::host(Banner(report)))
}
