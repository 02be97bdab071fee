//! Just enough TLS to name a TLS service: a ClientHello that offers TLS 1.2 only (TLS 1.3 encrypts the
//! server's certificate, 1.2 sends it in the clear), and a reader of the server's first flight — the
//! ServerHello's version and cipher suite, and the subject and issuer of the first certificate, found by a
//! small DER walk. No key is ever agreed: the grab ends once the certificate is read.

use std::fmt;

/// Cipher suites a TLS 1.2 server of today accepts: ECDHE and plain RSA with AES-GCM, ChaCha20 and AES-CBC.
const CIPHER_SUITES: [u16; 14] = [
    0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0xc013, 0xc014, 0xc009, 0xc00a, 0x009c, 0x009d, 0x002f, 0x0035,
];

/// Signature schemes offered: RSA PKCS#1, RSA-PSS, ECDSA (SHA-256, -384, -512) and the SHA-1 ones.
const SIGNATURE_SCHEMES: [u16; 11] = [
    0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203,
];

/// Groups offered for ECDHE: x25519, P-256, P-384.
const GROUPS: [u16; 3] = [0x001d, 0x0017, 0x0018];

/// The ClientHello record, TLS 1.2 only. Its random is fixed: nothing is agreed, and a fixed probe is the
/// same bytes in every run, as nmap's probes are.
pub(crate) fn client_hello() -> Vec<u8> {
    let u16s = |v: &[u16]| v.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<u8>>();
    let mut ext = Vec::new();
    let mut extension = |kind: u16, body: &[u8]| {
        ext.extend_from_slice(&kind.to_be_bytes());
        ext.extend_from_slice(&(body.len() as u16).to_be_bytes());
        ext.extend_from_slice(body);
    };
    extension(0x000a, &with_len16(&u16s(&GROUPS))); // supported_groups
    extension(0x000b, &[1, 0]); // ec_point_formats: uncompressed
    extension(0x000d, &with_len16(&u16s(&SIGNATURE_SCHEMES))); // signature_algorithms
    extension(0x0017, &[]); // extended_master_secret
    extension(0xff01, &[0]); // renegotiation_info, empty
    let mut hello = vec![0x03, 0x03]; // client_version: TLS 1.2
    hello.extend((0..32u8).map(|i| i.wrapping_mul(0x9d) ^ 0x5a)); // random
    hello.push(0); // no session id
    hello.extend_from_slice(&with_len16(&u16s(&CIPHER_SUITES)));
    hello.extend_from_slice(&[1, 0]); // compression: null only
    hello.extend_from_slice(&with_len16(&ext));
    let mut handshake = vec![1]; // client_hello
    handshake.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&hello);
    // Record layer version 1.0 for the first record, as clients send it for compatibility.
    let mut record = vec![22, 0x03, 0x01];
    record.extend_from_slice(&with_len16(&handshake));
    record
}

fn with_len16(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// What a server's first flight told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsInfo {
    /// The protocol version the server chose: `TLSv1.2`.
    pub version: Option<String>,
    /// The cipher suite's number, as IANA lists them.
    pub cipher_suite: Option<u16>,
    /// The first certificate's subject, and its issuer.
    pub subject: Names,
    pub issuer: Names,
    /// The alert the server answered with instead (its description code), if it refused.
    pub alert: Option<u8>,
}

/// The parts of an X.509 name a person reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// commonName (2.5.4.3).
    pub cn: Option<String>,
    /// organizationName (2.5.4.10).
    pub o: Option<String>,
}

impl fmt::Display for Names {
    /// `commonName=wirecraft-test/organizationName=Wirecraft`, as nmap's ssl-cert names them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [("commonName", &self.cn), ("organizationName", &self.o)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect();
        f.write_str(&parts.join("/"))
    }
}

/// What the server's first flight told so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Flight {
    pub info: TlsInfo,
    /// Read far enough: the certificate is in, or the server said it is done, or refused.
    pub complete: bool,
}

/// Reads the server's answer to [`client_hello`]: `None` when it is no TLS at all. A flight cut short gives
/// what its whole messages told.
pub(crate) fn read_flight(answer: &[u8]) -> Option<Flight> {
    let mut info = TlsInfo::default();
    let mut complete = false;
    let mut handshake = Vec::new();
    let mut rest = answer;
    let mut records = 0;
    while rest.len() >= 5 {
        let (kind, len) = (rest[0], usize::from(u16::from_be_bytes([rest[3], rest[4]])));
        if rest[1] != 3 || !matches!(kind, 21 | 22) {
            break;
        }
        let Some(body) = rest.get(5..5 + len) else {
            break;
        };
        records += 1;
        match kind {
            21 => {
                info.alert = body.get(1).copied();
                complete = true;
            }
            _ => handshake.extend_from_slice(body),
        }
        rest = &rest[5 + len..];
    }
    if records == 0 {
        return None;
    }
    let mut msgs = handshake.as_slice();
    while msgs.len() >= 4 {
        let len = usize::from(msgs[1]) << 16 | usize::from(msgs[2]) << 8 | usize::from(msgs[3]);
        let Some(body) = msgs.get(4..4 + len) else {
            break;
        };
        match msgs[0] {
            2 => server_hello(body, &mut info),
            11 => {
                complete = true;
                if let Some(cert) = first_certificate(body) {
                    (info.subject, info.issuer) = names(cert).unwrap_or_default();
                }
            }
            14 => complete = true,
            _ => {}
        }
        msgs = &msgs[4 + len..];
    }
    Some(Flight { info, complete })
}

fn server_hello(body: &[u8], info: &mut TlsInfo) {
    let Some(&[major, minor]) = body.get(..2) else {
        return;
    };
    info.version = Some(version_name(major, minor));
    let sid_len = body.get(34).map_or(0, |&n| usize::from(n));
    info.cipher_suite = body
        .get(35 + sid_len..37 + sid_len)
        .map(|c| u16::from_be_bytes([c[0], c[1]]));
}

/// `TLSv1.2`, `SSLv3`, as OpenSSL and nmap name the versions.
fn version_name(major: u8, minor: u8) -> String {
    match (major, minor) {
        (3, 0) => "SSLv3".to_string(),
        (3, m @ 1..=4) => format!("TLSv1.{}", m - 1),
        (a, b) => format!("0x{a:02x}{b:02x}"),
    }
}

/// The first certificate's DER of a Certificate message (a 3-byte list length, then 3-byte lengths).
fn first_certificate(body: &[u8]) -> Option<&[u8]> {
    let len = |b: &[u8]| usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]);
    let first = body.get(3..6).map(len)?;
    body.get(6..6 + first)
}

/// One DER element: its tag, its contents, and what follows it.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        n => {
            let count = usize::from(n & 0x7f);
            if count == 0 || count > 4 {
                return None;
            }
            let bytes = rest.get(..count)?;
            (
                bytes.iter().fold(0usize, |a, &b| a << 8 | usize::from(b)),
                &rest[count..],
            )
        }
    };
    Some((tag, rest.get(..len)?, &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// `[0] EXPLICIT Version`, present in every v2 and v3 certificate.
const VERSION_TAG: u8 = 0xa0;
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];

/// The subject and issuer of a DER certificate: `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
/// [0] version, serial, signature, issuer, validity, subject, … } … }`.
fn names(cert: &[u8]) -> Option<(Names, Names)> {
    let (SEQUENCE, cert, _) = der(cert)? else { return None };
    let (SEQUENCE, tbs, _) = der(cert)? else { return None };
    let mut fields = tbs;
    let mut next = || -> Option<(u8, &[u8])> {
        let (tag, body, rest) = der(fields)?;
        fields = rest;
        Some((tag, body))
    };
    let mut field = next()?;
    if field.0 == VERSION_TAG {
        field = next()?;
    }
    let _serial = field;
    let _signature = next()?;
    let issuer = name(next()?.1);
    let _validity = next()?;
    let subject = name(next()?.1);
    Some((subject, issuer))
}

/// The CN and O of a `Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value string }`.
fn name(mut rdns: &[u8]) -> Names {
    let mut names = Names::default();
    while let Some((SET, set, rest)) = der(rdns) {
        rdns = rest;
        let mut attrs = set;
        while let Some((SEQUENCE, attr, rest)) = der(attrs) {
            attrs = rest;
            let Some((OID, oid, value)) = der(attr) else { continue };
            let Some((_, text, _)) = der(value) else { continue };
            let text = String::from_utf8_lossy(text).into_owned();
            match oid {
                OID_CN => names.cn = Some(text),
                OID_O => names.o = Some(text),
                _ => {}
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_hello_is_one_well_formed_record() {
        let r = client_hello();
        assert_eq!(&r[..3], &[22, 3, 1]);
        assert_eq!(usize::from(u16::from_be_bytes([r[3], r[4]])), r.len() - 5);
        assert_eq!(r[5], 1, "client_hello");
        let hs_len = usize::from(r[6]) << 16 | usize::from(r[7]) << 8 | usize::from(r[8]);
        assert_eq!(hs_len, r.len() - 9);
        assert_eq!(&r[9..11], &[3, 3], "TLS 1.2");
    }

    #[test]
    fn a_flight_gives_version_cipher_and_names() {
        // A ServerHello (TLS 1.2, suite c02f) and a Certificate whose one cert is a hand-made TBS with
        // version, serial, algorithm, issuer CN=ca, validity, subject CN=x/O=y.
        let rdn = |oid: &[u8], v: &str| {
            let mut a = vec![OID, oid.len() as u8];
            a.extend_from_slice(oid);
            a.extend_from_slice(&[0x0c, v.len() as u8]);
            a.extend_from_slice(v.as_bytes());
            wrap(SET, &wrap(SEQUENCE, &a))
        };
        let subject = wrap(SEQUENCE, &[rdn(OID_CN, "x"), rdn(OID_O, "y")].concat());
        let issuer = wrap(SEQUENCE, &rdn(OID_CN, "ca"));
        let tbs = [
            wrap(VERSION_TAG, &[2, 1, 2]),
            vec![2, 1, 7],
            wrap(SEQUENCE, &[]),
            issuer,
            wrap(SEQUENCE, &[]),
            subject,
        ]
        .concat();
        let cert = wrap(SEQUENCE, &wrap(SEQUENCE, &tbs));
        let mut hello = vec![3, 3];
        hello.extend([0; 32]);
        hello.extend([0, 0xc0, 0x2f, 0]);
        let mut certs = len24(cert.len());
        certs.extend_from_slice(&cert);
        let mut cert_msg = len24(certs.len());
        cert_msg.extend_from_slice(&certs);
        let hs = [handshake(2, &hello), handshake(11, &cert_msg)].concat();
        let mut answer = vec![22, 3, 3];
        answer.extend_from_slice(&with_len16(&hs));
        let Flight { info, complete } = read_flight(&answer).unwrap();
        assert_eq!(info.version.as_deref(), Some("TLSv1.2"));
        assert_eq!(info.cipher_suite, Some(0xc02f));
        assert_eq!(info.subject.to_string(), "commonName=x/organizationName=y");
        assert_eq!(info.issuer.cn.as_deref(), Some("ca"));
        assert!(complete);
        // Cut anywhere, it never panics, and a cut before the certificate is not complete.
        for cut in 0..answer.len() {
            if let Some(f) = read_flight(&answer[..cut]) {
                assert!(!f.complete || cut > 5 + 4 + hello.len());
            }
        }
        assert!(read_flight(b"SSH-2.0-x\r\n").is_none());
    }

    fn wrap(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        match body.len() {
            n if n < 0x80 => v.push(n as u8),
            n => v.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        v.extend_from_slice(body);
        v
    }

    fn len24(n: usize) -> Vec<u8> {
        (n as u32).to_be_bytes()[1..].to_vec()
    }

    fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![kind];
        v.extend(len24(body.len()));
        v.extend_from_slice(body);
        v
    }
}
