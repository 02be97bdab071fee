//! Real servers inside namespace B of a [`Bed`], on known ports, for the tests that scan, grab banners or
//! talk to services: OpenSSH's sshd, Python's `http.server`, `redis-server`, Python's `smtpd`, `openssl
//! s_server` with a throwaway self-signed certificate, dnsmasq (UDP and TCP 53), and a listener that
//! accepts and never says a word. Each starts from its own files in a temporary directory, is waited for
//! until it accepts connections, and is killed by its PID when the bed drops (panics included). A server
//! whose program is missing is left out with a printed reason (a failure under CI, whose bootstrap installs
//! them all).

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{Bed, B4};

pub const SSH: u16 = 22;
pub const SMTP: u16 = 25;
pub const DNS: u16 = 53;
pub const TLS: u16 = 4433;
pub const REDIS: u16 = 6379;
pub const HTTP: u16 = 8080;
/// Accepts connections and never writes to them.
pub const SILENT: u16 = 9999;

/// The subject of the TLS server's certificate.
pub const TLS_CN: &str = "wirecraft-test";
pub const TLS_O: &str = "Wirecraft";
/// The title of the web server's index page.
pub const HTTP_TITLE: &str = "wirecraft test bed";

/// One server the bed runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    pub port: u16,
    /// nmap's name for what answers there (`silent` for the listener that never speaks).
    pub name: &'static str,
    /// It answers on UDP too (dnsmasq).
    pub udp: bool,
}

/// The servers running in namespace B, and the directory of their files (removed when this drops).
pub struct Services {
    pub running: Vec<Service>,
    _dir: tempfile::TempDir,
}

impl Services {
    /// The open TCP ports, ascending.
    pub fn tcp_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self.running.iter().map(|s| s.port).collect();
        ports.sort_unstable();
        ports
    }

    /// The ports that answer on UDP, ascending.
    pub fn udp_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self.running.iter().filter(|s| s.udp).map(|s| s.port).collect();
        ports.sort_unstable();
        ports
    }

    pub fn has(&self, port: u16) -> bool {
        self.running.iter().any(|s| s.port == port)
    }
}

/// Whether `program` can be run; otherwise its server is left out, with a printed reason (a failure under CI).
fn available(program: &str) -> bool {
    super::installed(program, &format!("the server of {program}"))
}

/// Whether python3 has the module; without it (Python 3.12 dropped `smtpd`) its server is left out.
fn python_has(module: &str) -> bool {
    let there = Command::new("python3")
        .args(["-W", "ignore", "-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !there {
        eprintln!("leaving out the server of python3's {module}: this Python has no such module");
    }
    there
}

fn run(cmd: &[&str]) {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .expect("run a setup command");
    assert!(
        out.status.success(),
        "{}: {}",
        cmd.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts every server whose program is installed in namespace B of `bed` and waits until each accepts
/// connections (at most a few seconds each).
pub fn start(bed: &mut Bed) -> Services {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let b = bed.b.clone();
    let mut running = Vec::new();
    let mut serve = |bed: &mut Bed, service: Service, cmd: &[&str]| {
        bed.spawn(&b, cmd);
        running.push(service);
    };

    if available("/usr/sbin/sshd") {
        let key = path("ssh_host_ed25519_key");
        run(&["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", &key]);
        let config = path("sshd_config");
        std::fs::write(
            &config,
            format!("Port {SSH}\nListenAddress {B4}\nHostKey {key}\nPidFile none\nUsePAM no\nStrictModes no\n"),
        )
        .unwrap();
        // sshd refuses to start without its privilege separation directory, which the package's service
        // creates at boot.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let service = Service {
            port: SSH,
            name: "ssh",
            udp: false,
        };
        serve(bed, service, &["/usr/sbin/sshd", "-D", "-e", "-f", &config]);
    }
    if available("python3") {
        let site = path("www");
        std::fs::create_dir(&site).unwrap();
        std::fs::write(
            Path::new(&site).join("index.html"),
            format!("<html><head><title>{HTTP_TITLE}</title></head><body>hello</body></html>\n"),
        )
        .unwrap();
        let port = HTTP.to_string();
        let service = Service {
            port: HTTP,
            name: "http",
            udp: false,
        };
        serve(
            bed,
            service,
            &[
                "python3",
                "-m",
                "http.server",
                &port,
                "--bind",
                B4,
                "--directory",
                &site,
            ],
        );
        // Python's own SMTP server, until 3.12 removed it.
        if python_has("smtpd") {
            let service = Service {
                port: SMTP,
                name: "smtp-proxy",
                udp: false,
            };
            let listen = format!("{B4}:{SMTP}");
            serve(
                bed,
                service,
                &[
                    "python3",
                    "-W",
                    "ignore",
                    "-m",
                    "smtpd",
                    "-n",
                    "-c",
                    "DebuggingServer",
                    &listen,
                ],
            );
        }
        let silent = format!(
            "import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
             s.bind(('{B4}', {SILENT}))\ns.listen(64)\nheld = []\nwhile True:\n    held.append(s.accept()[0])\n"
        );
        let service = Service {
            port: SILENT,
            name: "silent",
            udp: false,
        };
        serve(bed, service, &["python3", "-c", &silent]);
    }
    if available("redis-server") {
        let port = REDIS.to_string();
        let work = path("");
        let service = Service {
            port: REDIS,
            name: "redis",
            udp: false,
        };
        let cmd = [
            "redis-server",
            "--port",
            &port,
            "--bind",
            B4,
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
            "--dir",
            &work,
        ];
        serve(bed, service, &cmd);
    }
    if available("openssl") {
        let (cert, key) = (path("cert.pem"), path("key.pem"));
        let subject = format!("/CN={TLS_CN}/O={TLS_O}");
        run(&[
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", &subject, "-days", "2", "-keyout",
            &key, "-out", &cert,
        ]);
        let port = TLS.to_string();
        let service = Service {
            port: TLS,
            name: "ssl",
            udp: false,
        };
        serve(
            bed,
            service,
            &[
                "openssl", "s_server", "-accept", &port, "-cert", &cert, "-key", &key, "-www", "-quiet",
            ],
        );
    }
    if available("dnsmasq") {
        let service = Service {
            port: DNS,
            name: "domain",
            udp: true,
        };
        let cmd = super::dnsmasq(&[B4], &["wirecraft.test,198.18.0.77"]);
        serve(bed, service, &cmd.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let services = Services { running, _dir: dir };
    wait_listening(bed, &services.tcp_ports());
    services
}

/// Waits, from namespace A, until every port accepts TCP connections, for at most five seconds each.
fn wait_listening(bed: &Bed, ports: &[u16]) {
    std::thread::scope(|t| {
        t.spawn(|| {
            let _in = bed.enter(&bed.a);
            for &port in ports {
                let addr = SocketAddr::new(B4.parse().unwrap(), port);
                let started = Instant::now();
                while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
                    assert!(started.elapsed() < Duration::from_secs(5), "nothing listens on {addr}");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        });
    });
}
