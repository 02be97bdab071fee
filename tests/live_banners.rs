//! Banners of real servers in namespace B (see `common::services`), grabbed from namespace A: each names its
//! service, product and version, the versions checked against the installed programs; the TLS server's
//! certificate subject is the one it was made with; `portscan(…, banners=True)` prints them in nmap -sV's
//! VERSION column, and when nmap is installed its `-sV` names the same services and products. A closed
//! port, a silent one and a name that does not resolve each end clearly within the timeout.

mod common;

use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::services::{self, Services, HTTP, HTTP_TITLE, REDIS, SILENT, SMTP, SSH, TLS, TLS_CN, TLS_O};
use common::{Bed, Sink, B4};
use wirecraft::lang::{ErrorKind, LangError, Session, Value};
use wirecraft::net::{banner, BannerOptions, BannerReport};

fn run(s: &mut Session, src: &str) -> Result<Option<Value>, LangError> {
    s.run(src, "<test>")
}

/// A program's output (stdout and stderr), for the versions it reports.
fn output_of(cmd: &[&str]) -> String {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .expect("run a version command");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The word after `prefix` in `text`, up to `end`.
fn word_after<'t>(text: &'t str, prefix: &str, end: &[char]) -> &'t str {
    let start = text
        .find(prefix)
        .map(|i| i + prefix.len())
        .unwrap_or_else(|| panic!("{prefix:?} in {text:?}"));
    let rest = &text[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The banner of `port` on B, grabbed by the library from namespace A.
fn grab(bed: &Bed, port: u16, timeout: Duration) -> BannerReport {
    std::thread::scope(|t| {
        t.spawn(|| {
            let _in = bed.enter(&bed.a);
            let addr = std::net::SocketAddr::new(B4.parse().unwrap(), port);
            banner(addr, &BannerOptions::new(timeout), &AtomicBool::new(false)).unwrap()
        })
        .join()
        .unwrap()
    })
}

fn bed_with_services(test: &str) -> Option<(Bed, Services)> {
    let mut bed = Bed::new(test)?;
    let services = services::start(&mut bed);
    Some((bed, services))
}

#[test]
fn each_server_is_named_with_its_installed_version() {
    let Some((bed, services)) = bed_with_services("each_server_is_named_with_its_installed_version") else {
        return;
    };
    let t = Duration::from_secs(3);
    if services.has(SSH) {
        // `sshd -V` is no option, but sshd names its version in its usage text: `OpenSSH_9.2p1 Debian-2+deb12u3, …`.
        let text = output_of(&["/usr/sbin/sshd", "-V"]);
        let release = word_after(&text, "OpenSSH_", &[' ', ',']);
        let r = grab(&bed, SSH, t);
        assert_eq!(
            (r.service.as_deref(), r.product.as_deref()),
            (Some("ssh"), Some("OpenSSH")),
            "{r:?}"
        );
        let version = r.version.clone().unwrap();
        assert!(version.starts_with(release), "{version} from {text}");
        if let Some(i) = text.find(" Debian-") {
            let debian = word_after(&text[i..], " Debian-", &[' ', ',']);
            assert_eq!(version, format!("{release} Debian {debian}"));
        }
        assert_eq!(r.info.as_deref(), Some("protocol 2.0"));
        assert!(r.raw.starts_with(format!("SSH-2.0-OpenSSH_{release}").as_bytes()));
    }
    if services.has(HTTP) {
        let python = output_of(&[
            "python3",
            "-c",
            "import http.server, platform; print(http.server.SimpleHTTPRequestHandler.server_version, \
             platform.python_version())",
        ]);
        let (server, python) = python.trim().split_once(' ').unwrap();
        let r = grab(&bed, HTTP, t);
        assert_eq!(r.service.as_deref(), Some("http"));
        assert_eq!(r.product.as_deref(), Some("SimpleHTTPServer"));
        assert_eq!(r.version.as_deref(), server.strip_prefix("SimpleHTTP/"));
        assert_eq!(r.info, Some(format!("Python {python}")));
        assert_eq!(r.title.as_deref(), Some(HTTP_TITLE));
    }
    if services.has(REDIS) {
        let text = output_of(&["redis-server", "--version"]);
        let r = grab(&bed, REDIS, t);
        assert_eq!(r.service.as_deref(), Some("redis"));
        assert_eq!(r.product.as_deref(), Some("Redis key-value store"));
        assert_eq!(r.version.as_deref(), Some(word_after(&text, "v=", &[' '])));
    }
    if services.has(SMTP) {
        let version = output_of(&[
            "python3",
            "-W",
            "ignore",
            "-c",
            "import smtpd; print(smtpd.__version__)",
        ]);
        let r = grab(&bed, SMTP, t);
        assert_eq!(r.service.as_deref(), Some("smtp-proxy"));
        assert_eq!(r.product.as_deref(), Some("Python SMTP Proxy"));
        assert_eq!(r.version.as_deref(), Some(word_after(&version, "version ", &['\n'])));
    }
    if services.has(TLS) {
        let r = grab(&bed, TLS, t);
        assert_eq!(r.service.as_deref(), Some("ssl"), "{r:?}");
        let tls = r.tls.clone().unwrap();
        assert_eq!(tls.version.as_deref(), Some("TLSv1.2"));
        assert_eq!(
            (tls.subject.cn.as_deref(), tls.subject.o.as_deref()),
            (Some(TLS_CN), Some(TLS_O))
        );
        assert_eq!(tls.issuer, tls.subject, "self-signed");
        assert_eq!(
            r.version_text(),
            format!("(TLSv1.2; commonName={TLS_CN}/organizationName={TLS_O})")
        );
    }
}

#[test]
fn the_language_prints_banners_and_the_version_column() {
    let Some((bed, services)) = bed_with_services("the_language_prints_banners_and_the_version_column") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let out = Sink::default();
    let mut s = Session::with_output(out.clone());
    if services.has(SSH) {
        run(
            &mut s,
            &format!("b = banner('{B4}', {SSH})\nprint(b)\nprint(b.service, b.product, b.raw[:8])"),
        )
        .unwrap();
        let text = out.take();
        assert!(text.starts_with("22/tcp open ssh OpenSSH "), "{text}");
        assert!(text.contains("(protocol 2.0)\nssh OpenSSH b'SSH-2.0-'\n"), "{text}");
    }
    if services.has(TLS) {
        run(
            &mut s,
            &format!("t = banner('{B4}', {TLS}).tls\nprint(t['version'], t['subject_cn'], t['subject_o'])"),
        )
        .unwrap();
        assert_eq!(out.take(), format!("TLSv1.2 {TLS_CN} {TLS_O}\n"));
    }
    let mut ports = services.tcp_ports();
    ports.push(1);
    let list = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    run(
        &mut s,
        &format!("r = portscan('{B4}', [{list}], banners=True)\nprint(r)\nprint(r[22] if 22 in r.open else 'open')"),
    )
    .unwrap();
    let table = out.take();
    let header = table.lines().nth(1).unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["PORT", "STATE", "SERVICE", "VERSION"],
        "{table}"
    );
    assert!(table.contains("1/tcp ") && table.contains(" closed "), "{table}");
    assert!(table.ends_with("\nopen\n"), "{table}");
    for line in table.lines().filter(|l| l.contains(" open ")) {
        let port: u16 = line.split('/').next().unwrap().parse().unwrap();
        let grabbed = grab(&bed, port, Duration::from_secs(3));
        let service = match (&grabbed.service, grabbed.certain) {
            (Some(name), true) => name.clone(),
            _ => continue,
        };
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[2], service, "{table}");
        assert!(
            line.trim_end().ends_with(&grabbed.version_text()),
            "{line} vs {grabbed:?}"
        );
    }
    if services.has(SSH) {
        let v = run(
            &mut s,
            &format!("r.versions[{SSH}] == str(r.banner({SSH}))[len('22/tcp open ssh '):]"),
        )
        .unwrap();
        assert_eq!(s.repr(&v.unwrap()), "True");
    }
    let e = run(&mut s, "r.banner(1)").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Key, "{e}");
}

#[test]
fn bad_targets_end_clearly_within_the_timeout() {
    let Some((bed, services)) = bed_with_services("bad_targets_end_clearly_within_the_timeout") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let mut s = Session::with_output(Sink::default());
    let e = run(&mut s, &format!("banner('{B4}', 1, timeout=1)")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ConnectionRefused, "{e}");
    let e = run(&mut s, "banner('no-such-host.invalid', 22)").unwrap_err();
    assert!(e.to_string().contains("cannot resolve \"no-such-host.invalid\""), "{e}");
    let e = run(&mut s, &format!("banner('{B4}', 22, timeout=None)")).unwrap_err();
    assert!(e.to_string().contains("timeout is a number of seconds"), "{e}");
    if services.has(SILENT) {
        let started = Instant::now();
        run(&mut s, &format!("b = banner('{B4}', {SILENT}, timeout=1)")).unwrap();
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1500), "a 1 s grab took {took:?}");
        let v = run(&mut s, "b.service, b.raw, str(b)").unwrap().unwrap();
        assert_eq!(s.repr(&v), format!("(None, b'', '{SILENT}/tcp open unknown')"));
    }
}

/// nmap's `-sV` of the same ports, from namespace A: each open port's service and version text, from its
/// grepable output (`22/open/tcp//ssh//OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)/`).
fn nmap_versions(bed: &Bed, ports: &[u16]) -> Vec<(u16, String, String)> {
    let list = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
    let out = Command::new("ip")
        .args([
            "netns", "exec", &bed.a, "nmap", "-sV", "-n", "-Pn", "-p", &list, "-oG", "-", B4,
        ])
        .output()
        .expect("run nmap");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let ports_part = word_after(&text, "Ports: ", &['\t', '\n']);
    ports_part
        .split(", ")
        .filter_map(|entry| {
            let f: Vec<&str> = entry.split('/').collect();
            (f.get(1) == Some(&"open")).then(|| (f[0].parse().unwrap(), f[4].to_string(), f[6].to_string()))
        })
        .collect()
}

#[test]
fn nmap_names_the_same_services() {
    let test = "nmap_names_the_same_services";
    if !common::installed("nmap", test) {
        return;
    }
    let Some((bed, services)) = bed_with_services(test) else {
        return;
    };
    // The silent port is left out: nmap tries every probe it has on it, for half a minute.
    let ports: Vec<u16> = services.tcp_ports().into_iter().filter(|&p| p != SILENT).collect();
    let theirs = nmap_versions(&bed, &ports);
    assert_eq!(theirs.iter().map(|t| t.0).collect::<Vec<_>>(), ports, "{theirs:?}");
    for (port, service, version) in theirs {
        let ours = grab(&bed, port, Duration::from_secs(3));
        // nmap names a service inside TLS as `ssl|http`; ours is the `ssl` before it.
        let nmap_service = service.split('|').next().unwrap();
        assert_eq!(
            ours.service.as_deref(),
            Some(nmap_service),
            "port {port}: nmap says {service} {version}"
        );
        if let Some(product) = &ours.product {
            assert!(
                version.starts_with(product.as_str()),
                "port {port}: nmap {version:?}, ours {ours:?}"
            );
        }
    }
}
