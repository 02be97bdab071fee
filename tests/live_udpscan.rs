//! The UDP scan for real, in a namespace bed (see `common`, whose B answers every probe: no ICMP rate limit):
//! a Python UDP echo in B is open, a port nobody binds is closed (port unreachable), a path that stays silent
//! is open|filtered, and dnsmasq in B answers the DNS probe, so port 53 is open; over IPv4 and IPv6. When nmap
//! is installed, its `-sU` states for those ports are ours.

mod common;

use std::net::{IpAddr, UdpSocket};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Bed, Sink, B4, B6};
use wirecraft::lang::Session;
use wirecraft::net::{udpscan, PortState, Ports, RawScanOptions, Reason, ScanReport};

const ECHO: u16 = 7777;
const CLOSED: u16 = 7778;

const ECHO_SERVER: &str = "import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(('::', int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d or b'?', a)
";

/// A bed with the echo in B (answering before this returns), dnsmasq on B's IPv4 address when installed, and a
/// silent neighbour .3 in A (a MAC nobody owns).
fn bed_with_services(test: &str) -> Option<Bed> {
    let mut bed = Bed::new(test)?;
    let b = bed.b.clone();
    bed.spawn(&b, &["python3", "-c", ECHO_SERVER, &ECHO.to_string()]);
    if common::installed("dnsmasq", "the UDP bed's DNS server") {
        let dnsmasq = common::dnsmasq(&[B4, B6], &[]);
        bed.spawn(&b, &dnsmasq.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let ip = |args: &[&str]| assert!(Command::new("ip").args(args).status().unwrap().success(), "{args:?}");
    ip(&[
        "-n",
        &bed.a,
        "neigh",
        "add",
        "198.18.0.3",
        "lladdr",
        "02:00:00:00:00:99",
        "dev",
        &bed.if_a,
        "nud",
        "permanent",
    ]);
    let _in = bed.enter(&bed.a);
    let probe = UdpSocket::bind("0.0.0.0:0").unwrap();
    probe.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let ready = Instant::now() + Duration::from_secs(20);
    loop {
        probe.send_to(b"ping", (B4, ECHO)).unwrap();
        if probe.recv(&mut [0; 8]).is_ok() {
            break;
        }
        assert!(Instant::now() < ready, "the UDP echo did not start");
    }
    drop(_in);
    Some(bed)
}

fn scan(targets: &[&str], ports: &Ports) -> ScanReport {
    let targets: Vec<IpAddr> = targets.iter().map(|t| t.parse().unwrap()).collect();
    let opts = RawScanOptions {
        timeout: Duration::from_millis(500),
        ..RawScanOptions::default()
    };
    udpscan(&targets, ports, &opts, &AtomicBool::new(false)).unwrap()
}

#[test]
fn echo_open_unbound_closed_silence_open_filtered() {
    let Some(bed) = bed_with_services("echo_open_unbound_closed_silence_open_filtered") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let ports = Ports::list([i128::from(ECHO), i128::from(CLOSED)]).unwrap();
    let r = scan(&[B4, B6, "198.18.0.3"], &ports);
    let states: Vec<Vec<(PortState, Reason)>> = r
        .hosts
        .iter()
        .map(|h| h.ports.iter().map(|p| (p.state, p.reason)).collect())
        .collect();
    let answered = vec![
        (PortState::Open, Reason::UdpResponse),
        (PortState::Closed, Reason::PortUnreach),
    ];
    assert_eq!(
        states,
        [
            answered.clone(),
            answered,
            vec![(PortState::OpenFiltered, Reason::NoResponse); 2]
        ]
    );
}

#[test]
fn dns_answers_its_probe() {
    if !common::installed("dnsmasq", "dns_answers_its_probe") {
        return;
    }
    let Some(bed) = bed_with_services("dns_answers_its_probe") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let mut s = Session::with_output(Sink::default());
    let run = |s: &mut Session, src: &str| s.run(src, "<t>").unwrap().map(|v| s.repr(&v)).unwrap_or_default();
    // dnsmasq may take a moment to bind: its port is closed until then.
    let ready = Instant::now() + Duration::from_secs(20);
    while run(&mut s, &format!("portscan('{B4}', 53, method='udp', timeout=0.5)[53]")) != "'open'" {
        assert!(Instant::now() < ready, "dnsmasq never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    run(
        &mut s,
        &format!("r = portscan('{B4}', [53, {CLOSED}, {ECHO}], method='udp', timeout=0.5)"),
    );
    assert_eq!(
        run(&mut s, "str(r)"),
        format!(
            "'Scan report for {B4}\\nPORT     STATE  SERVICE\\n53/udp   open   domain\\n{ECHO}/udp open   unknown\\n{CLOSED}/udp closed unknown'"
        )
    );
    run(
        &mut s,
        "r = portscan('198.18.0.3', 53, method='udp', timeout=0.2, retries=0)",
    );
    assert_eq!(run(&mut s, "r.open_filtered"), "[53]");
    assert!(run(&mut s, "str(r)").contains("53/udp open|filtered domain"));
}

#[test]
fn the_states_are_nmaps() {
    if !common::installed("nmap", "the_states_are_nmaps") {
        return;
    }
    let Some(bed) = bed_with_services("the_states_are_nmaps") else {
        return;
    };
    let spec = format!("{ECHO},{CLOSED}");
    let out = Command::new("ip")
        .args([
            "netns", "exec", &bed.a, "nmap", "-sU", "-p", &spec, "-n", "-oG", "-", B4,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let _in = bed.enter(&bed.a);
    let r = scan(&[B4], &Ports::parse(&spec).unwrap());
    for p in &r.hosts[0].ports {
        let field = format!("{}/{}/udp", p.port, p.state.name());
        assert!(text.contains(&field), "{field} in nmap's:\n{text}");
    }
}
