//! The probe-and-match table that names a service from its answer, kept as data in
//! `service_probes.txt` (nmap's `nmap-service-probes` syntax, a subset) and read once. A probe is what to
//! send (nothing, for the greeting), the ports where it goes first, and the regexes whose captured groups
//! fill the product, version and extra information.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

use super::ports::Ports;

/// The table's text, compiled into the binary.
const TABLE: &str = include_str!("service_probes.txt");

/// What a probe sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Payload {
    /// These bytes (none: only listen, for the greeting).
    Bytes(Vec<u8>),
    /// A TLS 1.2 ClientHello, whose answer is also read as TLS.
    TlsClientHello,
}

/// One probe and the matches for its answer, in order.
#[derive(Debug)]
pub(crate) struct Probe {
    pub name: String,
    pub payload: Payload,
    /// The ports where this probe is tried first (after the greeting).
    pub ports: Vec<u16>,
    /// A match ends the read at once, rather than at the end of the answer.
    pub ends_at_match: bool,
    pub matches: Vec<Match>,
}

/// One `match` (or `softmatch`) row.
#[derive(Debug)]
pub(crate) struct Match {
    pub service: String,
    regex: Regex,
    /// A soft match names the service only, and only when no other probe's answer does better.
    pub soft: bool,
    product: Option<String>,
    version: Option<String>,
    info: Option<String>,
}

/// What a match found in an answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Identified {
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub info: Option<String>,
    /// From a `softmatch` row: the service is likely, the rest unknown.
    pub soft: bool,
}

impl Probe {
    /// The first hard match of `answer` among this probe's rows and then the greeting's (nmap's fallback: a
    /// service that speaks first, as sshd, says the same whatever it was sent, and a slow one's greeting may
    /// come only after a probe), else the first soft one.
    pub(crate) fn identify(&self, answer: &[u8]) -> Option<Identified> {
        let greeting = probes().first().filter(|g| !std::ptr::eq(*g, self));
        let rows = self.matches.iter().chain(greeting.into_iter().flat_map(|g| &g.matches));
        let mut soft = None;
        for id in rows.filter_map(|m| m.apply(answer)) {
            if !id.soft {
                return Some(id);
            }
            soft.get_or_insert(id);
        }
        soft
    }
}

impl Match {
    fn apply(&self, answer: &[u8]) -> Option<Identified> {
        let caps = self.regex.captures(answer)?;
        let fill = |template: &Option<String>| template.as_deref().and_then(|t| substitute(t, &caps));
        Some(Identified {
            service: self.service.clone(),
            product: fill(&self.product),
            version: fill(&self.version),
            info: fill(&self.info),
            soft: self.soft,
        })
    }
}

/// A template with `$1`…`$9` replaced by the captured groups (a group that did not take part is empty),
/// unprintable bytes as `\xHH`, as nmap shows them; `None` when nothing is left.
fn substitute(template: &str, caps: &regex::bytes::Captures<'_>) -> Option<String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        let group = chars.peek().and_then(|d| d.to_digit(10)).filter(|_| c == '$');
        match group {
            Some(n) => {
                chars.next();
                let bytes = caps.get(n as usize).map_or(&[][..], |m| m.as_bytes());
                out.extend(bytes.iter().map(|&b| printable(b)));
            }
            None => out.push(c),
        }
    }
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_string())
}

fn printable(b: u8) -> String {
    match b {
        0x20..=0x7e => char::from(b).to_string(),
        b => format!("\\x{b:02x}"),
    }
}

/// The table, read on first use. It is the crate's own text, so a fault in it is a bug that the tests
/// below catch, never a user's input.
pub(crate) fn probes() -> &'static [Probe] {
    static TABLE_READ: OnceLock<Vec<Probe>> = OnceLock::new();
    TABLE_READ.get_or_init(|| parse(TABLE).unwrap_or_else(|e| panic!("service_probes.txt: {e}")))
}

/// Reads the table's text; an error names the line and what is wrong with it.
fn parse(text: &str) -> Result<Vec<Probe>, String> {
    let mut probes: Vec<Probe> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", i + 1);
        let (directive, rest) = line.split_once(' ').unwrap_or((line, ""));
        if directive == "Probe" {
            probes.push(probe(rest).map_err(at)?);
            continue;
        }
        let current = probes
            .last_mut()
            .ok_or_else(|| at(format!("{directive} before any Probe")))?;
        match directive {
            "ports" => {
                let ports = Ports::parse(rest).map_err(|e| at(e.to_string()))?;
                current.ports = ports.as_slice().to_vec();
            }
            "endsatmatch" => current.ends_at_match = true,
            "match" | "softmatch" => current
                .matches
                .push(match_row(rest, directive == "softmatch").map_err(at)?),
            d => return Err(at(format!("unknown directive {d:?}"))),
        }
    }
    Ok(probes)
}

/// `TCP <name> q|<bytes>|` or `TCP <name> tls`.
fn probe(rest: &str) -> Result<Probe, String> {
    let mut words = rest.splitn(3, ' ');
    let (proto, name, payload) = (words.next(), words.next(), words.next().unwrap_or(""));
    if proto != Some("TCP") {
        return Err(format!("only TCP probes are read, not {proto:?}"));
    }
    let name = name.ok_or("a probe without a name")?.to_string();
    let payload = match payload {
        "tls" => Payload::TlsClientHello,
        q => {
            let (body, _) = delimited(q.strip_prefix('q').ok_or("a payload is q|…| or tls")?)?;
            Payload::Bytes(unescape(body)?)
        }
    };
    Ok(Probe {
        name,
        payload,
        ports: Vec::new(),
        ends_at_match: false,
        matches: Vec::new(),
    })
}

/// `<service> m|<regex>|[flags] [p/…/] [v/…/] [i/…/] …`.
fn match_row(rest: &str, soft: bool) -> Result<Match, String> {
    let (service, rest) = rest.split_once(' ').ok_or("a match without a regex")?;
    let (pattern, rest) = delimited(rest.strip_prefix('m').ok_or("a regex is written m|…|")?)?;
    let (flags, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let regex = RegexBuilder::new(&nul_escapes(pattern))
        .unicode(false)
        .dot_matches_new_line(flags.contains('s'))
        .case_insensitive(flags.contains('i'))
        .build()
        .map_err(|e| format!("regex {pattern:?}: {e}"))?;
    let mut row = Match {
        service: service.to_string(),
        regex,
        soft,
        product: None,
        version: None,
        info: None,
    };
    while let Some(field) = rest.trim_start().chars().next() {
        let key_len = if rest.trim_start().starts_with("cpe:") { 4 } else { 1 };
        let (value, after) = delimited(&rest.trim_start()[key_len..])?;
        let value = Some(value.to_string());
        match field {
            'p' => row.product = value,
            'v' => row.version = value,
            'i' => row.info = value,
            _ => {}
        }
        // A field may end in flag letters (cpe's `/a`): skip to the next space.
        rest = after.split_once(' ').map_or("", |(_, r)| r);
    }
    Ok(row)
}

/// nmap's regexes are PCRE's, where `\0` is a NUL byte; the `regex` crate reads it as a backreference,
/// so it becomes `\x00`.
fn nul_escapes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' {
            match chars.next() {
                Some('0') => out.push_str("x00"),
                Some(next) => out.push(next),
                None => {}
            }
        }
    }
    out
}

/// The text between the first character (the delimiter) and its next occurrence, and what follows.
fn delimited(s: &str) -> Result<(&str, &str), String> {
    let d = s.chars().next().ok_or("a delimited field is missing")?;
    let body = &s[d.len_utf8()..];
    let end = body.find(d).ok_or_else(|| format!("no closing {d:?} in {s:?}"))?;
    Ok((&body[..end], &body[end + d.len_utf8()..]))
}

/// A payload's escapes: `\r \n \t \0 \\ \xHH`.
fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        out.push(match bytes.next() {
            Some(b'r') => b'\r',
            Some(b'n') => b'\n',
            Some(b't') => b'\t',
            Some(b'0') => 0,
            Some(b'\\') => b'\\',
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad \\x escape in {s:?}"))?
            }
            e => return Err(format!("unknown escape {:?} in {s:?}", e.map(char::from))),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identify(probe: &str, answer: &[u8]) -> Option<Identified> {
        probes().iter().find(|p| p.name == probe).unwrap().identify(answer)
    }

    #[test]
    fn the_table_reads_and_starts_with_the_greeting() {
        let p = probes();
        assert_eq!(p[0].name, "NULL");
        assert_eq!(p[0].payload, Payload::Bytes(Vec::new()));
        assert!(p.iter().any(|p| p.payload == Payload::TlsClientHello));
        let get = p.iter().find(|p| p.name == "GetRequest").unwrap();
        assert_eq!(get.payload, Payload::Bytes(b"GET / HTTP/1.0\r\n\r\n".to_vec()));
        assert!(get.ports.contains(&8080));
    }

    #[test]
    fn answers_name_their_service_product_and_version() {
        let ssh = identify("NULL", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n").unwrap();
        assert_eq!(
            (
                ssh.service.as_str(),
                ssh.product.as_deref(),
                ssh.version.as_deref(),
                ssh.info.as_deref()
            ),
            (
                "ssh",
                Some("OpenSSH"),
                Some("9.2p1 Debian 2+deb12u3"),
                Some("protocol 2.0")
            )
        );
        let http = identify(
            "GetRequest",
            b"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\nDate: x\r\n\r\n",
        )
        .unwrap();
        assert_eq!(http.product.as_deref(), Some("SimpleHTTPServer"));
        assert_eq!(http.version.as_deref(), Some("0.6"));
        assert_eq!(http.info.as_deref(), Some("Python 3.11.7"));
        let nginx = identify("GetRequest", b"HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\n\r\n").unwrap();
        assert_eq!(
            (nginx.product.as_deref(), nginx.version.as_deref()),
            (Some("nginx"), Some("1.22.1"))
        );
        let redis = identify(
            "RedisInfo",
            b"$100\r\n# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n",
        )
        .unwrap();
        assert_eq!(redis.version.as_deref(), Some("7.0.15"));
        let maria = identify("NULL", b"Z\0\0\0\x0a5.5.5-10.11.6-MariaDB-0+deb12u1\0rest").unwrap();
        assert_eq!(
            (maria.product.as_deref(), maria.version.as_deref()),
            (Some("MariaDB"), Some("10.11.6"))
        );
        let mysql = identify("NULL", b"J\0\0\0\x0a8.0.36\0\x08\0\0\0").unwrap();
        assert_eq!(
            (mysql.product.as_deref(), mysql.version.as_deref()),
            (Some("MySQL"), Some("8.0.36"))
        );
        let smtp = identify("NULL", b"220 mail.example ESMTP Postfix (Debian/GNU)\r\n").unwrap();
        assert_eq!(smtp.info.as_deref(), Some("Debian/GNU"));
        let ftp = identify("NULL", b"220 (vsFTPd 3.0.3)\r\n").unwrap();
        assert_eq!((ftp.service.as_str(), ftp.version.as_deref()), ("ftp", Some("3.0.3")));
        let pop = identify("NULL", b"+OK Dovecot (Debian) ready.\r\n").unwrap();
        assert_eq!((pop.service.as_str(), pop.info.as_deref()), ("pop3", Some("Debian")));
        let imap = identify("NULL", b"* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.\r\n").unwrap();
        assert_eq!(imap.product.as_deref(), Some("Dovecot imapd"));
        let mut dns = b"\0\x3d\0\x06\x85\x80\0\x01\0\x01\0\0\0\0\x07version\x04bind\0\0\x10\0\x03".to_vec();
        dns.extend_from_slice(b"\xc0\x0c\0\x10\0\x03\0\0\0\0\0\x0d\x0cdnsmasq-2.90");
        let dnsmasq = identify("DNSVersionBindReqTCP", &dns).unwrap();
        assert_eq!(
            (dnsmasq.product.as_deref(), dnsmasq.version.as_deref()),
            (Some("dnsmasq"), Some("2.90"))
        );
        let soft = identify("NULL", b"220 somewhere SMTP ready\r\n").unwrap();
        assert!(soft.soft && soft.service == "smtp");
        assert!(identify("NULL", b"hello\r\n").is_none());
        // A greeting that came only after a probe is still read by the greeting's rows.
        let late = identify(
            "GetRequest",
            b"SSH-2.0-OpenSSH_9.2p1\r\nInvalid SSH identification string.\r\n",
        );
        assert_eq!(late.unwrap().version.as_deref(), Some("9.2p1"));
    }

    #[test]
    fn faults_in_a_table_are_named_with_their_line() {
        assert_eq!(parse("match x m|a|").unwrap_err(), "line 1: match before any Probe");
        assert!(parse("Probe TCP A q|x\\q|")
            .unwrap_err()
            .starts_with("line 1: unknown escape"));
        assert!(parse("Probe TCP A q||\nmatch x m|(|")
            .unwrap_err()
            .starts_with("line 2: regex"));
        assert!(parse("Probe UDP A q||").is_err());
    }
}
