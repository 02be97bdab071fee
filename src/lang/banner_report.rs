//! What `banner` returns: the library's [`BannerReport`] as a value that prints as nmap's `-sV` line
//! (`22/tcp open ssh OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)`), with `.service`, `.product`,
//! `.version`, `.info`, `.title`, `.raw` (the answer's bytes), `.probe` and `.tls`.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::value::{HostValue, Value};
use crate::net::{BannerReport, TlsInfo};

/// One port's banner and the service it names.
#[derive(Debug)]
pub struct Banner(pub BannerReport);

fn text(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::None, Value::str)
}

/// `.tls`: a dict of the version, the cipher suite's number, and the certificate's subject and issuer.
fn tls_dict(tls: &TlsInfo) -> Value {
    let pairs = [
        ("version", text(&tls.version)),
        (
            "cipher_suite",
            tls.cipher_suite.map_or(Value::None, |c| Value::Int(i128::from(c))),
        ),
        ("subject", Value::str(&tls.subject.to_string())),
        ("subject_cn", text(&tls.subject.cn)),
        ("subject_o", text(&tls.subject.o)),
        ("issuer", Value::str(&tls.issuer.to_string())),
        ("issuer_cn", text(&tls.issuer.cn)),
        ("issuer_o", text(&tls.issuer.o)),
    ];
    Value::Dict(Rc::new(RefCell::new(
        pairs.into_iter().map(|(k, v)| (Value::str(k), v)).collect(),
    )))
}

impl fmt::Display for Banner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl HostValue for Banner {
    fn type_name(&self) -> &'static str {
        "Banner"
    }

    fn attr(&self, name: &str) -> Option<Value> {
        let r = &self.0;
        Some(match name {
            "service" => text(&r.service),
            "product" => text(&r.product),
            "version" => text(&r.version),
            "info" => text(&r.info),
            "title" => text(&r.title),
            "probe" => text(&r.probe),
            "raw" => Value::bytes(&r.raw),
            "host" => Value::str(&r.addr.ip().to_string()),
            "port" => Value::Int(i128::from(r.addr.port())),
            "tls" => r.tls.as_ref().map_or(Value::None, tls_dict),
            _ => return None,
        })
    }
}
