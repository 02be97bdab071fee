//! Sockets across a veth pair in namespaces the test builds (see `common`): `sr1` of DNS queries over a
//! `StreamSocket` (TCP, length-prefixed) and a `SimpleSocket` (UDP) to a real DNS server, dnsmasq, in
//! namespace B, over IPv4 and IPv6; and the errors of a closed port and of a host that is not there.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{Bed, Sink, B4, B6};
use wirecraft::lang::{ErrorKind, LangError, Session};

fn val(s: &mut Session, src: &str) -> Result<String, LangError> {
    s.run(src, "<t>")
        .map(|v| v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()))
}

/// Waits until something accepts TCP connections on `addr`, for at most three seconds.
fn wait_for_tcp(addr: SocketAddr) {
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(3), "nothing listens on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sr1_of_dns_over_stream_and_simple_sockets_to_dnsmasq() {
    let test = "sr1_of_dns_over_stream_and_simple_sockets_to_dnsmasq";
    if !common::installed("dnsmasq", test) {
        return;
    }
    let Some(mut bed) = Bed::new(test) else {
        return;
    };
    let b = bed.b.clone();
    let dnsmasq = common::dnsmasq(&[B4, B6], &["wirecraft.test,198.18.0.77,fd00::77"]);
    bed.spawn(&b, &dnsmasq.iter().map(String::as_str).collect::<Vec<_>>());
    let _in = bed.enter(&bed.a);
    wait_for_tcp(SocketAddr::new(B4.parse().unwrap(), 53));
    wait_for_tcp(SocketAddr::new(B6.parse().unwrap(), 53));
    let mut s = Session::with_output(Sink::default());
    for host in [B4, B6] {
        let tcp = format!(
            "s = tcp_connect('{host}', 53, timeout=2); ss = StreamSocket(s, basecls=DNS)\n\
             r = ss.sr1(DNS(id=21, rd=1, qd=DNSQR(qname='wirecraft.test')), timeout=2); ss.close()\n\
             r.id, r.qr, r.an[0].rdata, r.length == len(raw(r)) - 2"
        );
        assert_eq!(
            val(&mut s, &tcp).unwrap(),
            "(21, 1, '198.18.0.77', True)",
            "over TCP to {host}"
        );
        let udp = format!(
            "u = udp_socket(timeout=2); u.connect(('{host}', 53)); su = SimpleSocket(u, DNS)\n\
             r = su.sr1(DNS(id=22, rd=1, qd=DNSQR(qname='wirecraft.test', qtype='AAAA')), timeout=2); su.close()\n\
             r.id, r.an[0].rdata"
        );
        assert_eq!(val(&mut s, &udp).unwrap(), "(22, 'fd00::77')", "over UDP to {host}");
    }
}

#[test]
fn a_closed_port_refuses_and_an_absent_host_is_unreachable() {
    let Some(bed) = Bed::new("a_closed_port_refuses_and_an_absent_host_is_unreachable") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let mut s = Session::with_output(Sink::default());
    let e = val(&mut s, &format!("tcp_connect('{B4}', 54, timeout=2)")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ConnectionRefused, "{e}");
    assert_eq!(
        e.message,
        format!("connection refused by {B4}:54 (nothing listens on that port)")
    );
    // Nobody answers ARP for .3: the kernel gives up after its three probes, within the timeout.
    let started = Instant::now();
    let e = val(&mut s, "tcp_connect('198.18.0.3', 80, timeout=8)").unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Io, "host unreachable: 198.18.0.3:80")
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    // With a shorter timeout the connect stops at the timeout.
    let e = val(&mut s, "tcp_connect('198.18.0.3', 80, timeout=0.3)").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert_eq!(e.message, "timed out connecting to 198.18.0.3:80 (after 0.3 s)");
}
