//! Plain sockets through the language, for real, over loopback only (127.0.0.1 and ::1): TCP and UDP echo
//! round trips (a listener in the same session, or a server thread of the test), refused ports, timeouts,
//! Ctrl-C ending a blocked wait, and the errors of bad arguments (issue #12 item 5). Every wait is bounded.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::Sink;
use wirecraft::lang::{ErrorKind, LangError, Session};

fn session() -> Session {
    Session::with_output(Sink::default())
}

fn run(s: &mut Session, src: &str) -> Result<String, LangError> {
    s.run(src, "<t>")
        .map(|v| v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()))
}

fn val(s: &mut Session, src: &str) -> String {
    run(s, src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn err(s: &mut Session, src: &str) -> LangError {
    match run(s, src) {
        Ok(v) => panic!("{src}: expected an error, got {v}"),
        Err(e) => e,
    }
}

#[test]
fn tcp_echo_within_one_session_over_ipv4_and_ipv6() {
    for host in ["127.0.0.1", "::1"] {
        let mut s = session();
        val(&mut s, &format!("l = tcp_listen(0, host='{host}', timeout=2)"));
        let port = val(&mut s, "l.getsockname()[1]");
        let tuple = if host == "::1" {
            "('::1', PORT, 0, 0)"
        } else {
            "('127.0.0.1', PORT)"
        };
        assert_eq!(
            val(&mut s, "l.getsockname()"),
            tuple.replace("PORT", &port),
            "Python's address tuple: IPv6 adds flowinfo and scope_id"
        );
        val(&mut s, &format!("c = tcp_connect('{host}', {port}); a = l.accept()"));
        assert_eq!(val(&mut s, "c.send(b'hello')"), "5");
        assert_eq!(val(&mut s, "a.recv(100)"), "b'hello'");
        val(&mut s, "a.send(b'world')");
        assert_eq!(val(&mut s, "c.recv()"), "b'world'");
        assert_eq!(val(&mut s, "c.getpeername() == a.getsockname()"), "True");
        let shown = if host == "::1" { "[::1]" } else { host };
        let (local, repr) = (val(&mut s, "c.getsockname()[1]"), val(&mut s, "repr(c)"));
        assert_eq!(repr, format!("'<TCPConnection {shown}:{local} -> {shown}:{port}>'"));
        assert_eq!(val(&mut s, "str(l)"), format!("'<TCPListener {shown}:{port}>'"));
        val(&mut s, "a.close()");
        assert_eq!(
            val(&mut s, "c.recv()"),
            "b''",
            "the peer's close reads as the end of the stream"
        );
        assert!(val(&mut s, "repr(a)").ends_with(" [closed]>'"));
        let e = err(&mut s, "a.recv()");
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Io, "the socket is closed"));
    }
}

/// A server thread of the test echoes everything until the session closes its side: a payload far larger
/// than the kernel's buffers goes through `send`'s waits for room, and back through many `recv`s.
#[test]
fn tcp_echo_with_a_server_thread_carries_a_large_payload() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let echo = std::thread::spawn(move || {
        let (mut conn, _) = server.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0; 65536];
        let mut total = 0;
        loop {
            let n = conn.read(&mut buf).unwrap();
            if n == 0 {
                return total;
            }
            conn.write_all(&buf[..n]).unwrap();
            total += n;
        }
    });
    let mut s = session();
    // Sent in pieces no larger than the echo can hold while the session is not reading yet.
    let src = format!(
        "c = tcp_connect('127.0.0.1', {port}, timeout=5)\n\
         piece = bytes(range(256)) * 1024\n\
         got = b''\n\
         for i in range(16):\n    c.send(piece)\n    while len(got) < (i + 1) * len(piece):\n        got += c.recv()\n\
         c.close()\n\
         got == piece * 16"
    );
    assert_eq!(val(&mut s, &src), "True");
    assert_eq!(echo.join().unwrap(), 16 * 256 * 1024);
}

#[test]
fn udp_echo_over_ipv4_and_ipv6() {
    for (host, any) in [("127.0.0.1", "0.0.0.0"), ("::1", "::")] {
        let mut s = session();
        val(
            &mut s,
            &format!("u = udp_socket(0, '{host}', timeout=2); v = udp_socket(timeout=2)"),
        );
        assert_eq!(val(&mut s, "repr(v)"), "'<UDPSocket unbound>'");
        assert_eq!(val(&mut s, "v.sendto(b'ping', u.getsockname())"), "4");
        assert_eq!(
            val(&mut s, "v.getsockname()[0]"),
            format!("'{any}'"),
            "bound on first use"
        );
        val(&mut s, "data, sender = u.recvfrom()");
        assert_eq!(val(&mut s, "data, sender[1] == v.getsockname()[1]"), "(b'ping', True)");
        val(&mut s, "u.sendto(b'pong', sender)");
        assert_eq!(val(&mut s, "v.recvfrom(2)[0]"), "b'po'");
        // Connected: send and recv, and only the peer is heard.
        val(
            &mut s,
            "w = udp_socket(timeout=2); w.connect(u.getsockname()); w.send(b'x')",
        );
        val(&mut s, "data, sender = u.recvfrom(); u.sendto(b'y', sender)");
        assert_eq!(val(&mut s, "data, w.recv()"), "(b'x', b'y')");
        assert!(val(&mut s, "repr(w)").contains(" -> "));
    }
}

#[test]
fn a_closed_port_refuses_with_python_s_error() {
    let mut s = session();
    val(&mut s, "l = tcp_listen(0); port = l.getsockname()[1]; l.close()");
    let e = err(&mut s, "tcp_connect('127.0.0.1', port)");
    assert_eq!(e.kind, ErrorKind::ConnectionRefused);
    assert!(
        e.message.starts_with("connection refused by 127.0.0.1:") && e.message.contains("nothing listens"),
        "{e}"
    );
    // An OSError, as in Python; and a connected UDP socket hears the ICMP refusal too.
    assert_eq!(
        val(
            &mut s,
            "u = udp_socket(timeout=2); u.connect(('127.0.0.1', port)); u.send(b'?')\n\
             try:\n    u.recv()\nexcept OSError as e:\n    r = str(e)\nr"
        ),
        format!(
            "'connection refused by 127.0.0.1:{} (nothing listens on that port)'",
            val(&mut s, "port")
        )
    );
}

#[test]
fn a_silent_peer_times_out_within_the_timeout() {
    let mut s = session();
    val(
        &mut s,
        "l = tcp_listen(0); c = tcp_connect('127.0.0.1', l.getsockname()[1]); u = udp_socket(0, '127.0.0.1')",
    );
    for (src, what) in [
        ("c.recv(timeout=0.2)", "receiving from"),
        ("a = l.accept(timeout=0.2); l.accept(timeout=0.2)", "accepting on"),
        ("u.recvfrom(timeout=0.2)", "receiving on"),
    ] {
        let started = Instant::now();
        let e = err(&mut s, src);
        let took = started.elapsed();
        assert_eq!(e.kind, ErrorKind::Timeout, "{src}: {e}");
        assert!(e.message.starts_with(&format!("timed out {what} ")), "{e}");
        assert!(e.message.ends_with("(after 0.2 s)"), "{e}");
        assert!(
            took >= Duration::from_millis(200) && took < Duration::from_secs(2),
            "{src}: {took:?}"
        );
    }
    assert_eq!(
        val(
            &mut s,
            "try:\n    c.recv(timeout=0.05)\nexcept TimeoutError:\n    r = 'caught'\nr"
        ),
        "'caught'"
    );
    // The connection's own timeout applies when the call gives none.
    val(&mut s, "c.settimeout(0.1)");
    assert_eq!(val(&mut s, "c.gettimeout()"), "0.1");
    assert_eq!(err(&mut s, "c.recv()").kind, ErrorKind::Timeout);
}

/// Ctrl-C sets the session's interrupt flag: a recv that would wait forever ends within a slice, raising
/// `KeyboardInterrupt`, and the flag is clear for the next command.
#[test]
fn ctrl_c_ends_a_blocked_recv() {
    let mut s = session();
    val(
        &mut s,
        "l = tcp_listen(0); c = tcp_connect('127.0.0.1', l.getsockname()[1], timeout=None); u = udp_socket(0)",
    );
    for src in ["c.recv()", "l.accept(); l.accept()", "u.recv()"] {
        let flag = s.interrupt_flag();
        let ctrl_c = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            flag.store(true, Ordering::Relaxed);
        });
        let started = Instant::now();
        let e = err(&mut s, src);
        ctrl_c.join().unwrap();
        assert_eq!(e.kind, ErrorKind::Interrupted, "{src}: {e}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{src}: {:?}",
            started.elapsed()
        );
        assert!(!s.interrupt_flag().load(Ordering::Relaxed));
    }
}

#[test]
fn bad_arguments_name_the_problem() {
    let mut s = session();
    for (src, kind, message) in [
        (
            "tcp_connect('no-such-host.invalid', 80)",
            ErrorKind::Io,
            "cannot resolve \"no-such-host.invalid\": not an address and not in /etc/hosts (wirecraft never asks DNS)",
        ),
        (
            "tcp_connect('127.0.0.1', 70000)",
            ErrorKind::Value,
            "port must be 0-65535, not 70000",
        ),
        ("tcp_listen('80')", ErrorKind::Value, "port must be 0-65535, not '80'"),
        (
            "tcp_connect(1, 80)",
            ErrorKind::Type,
            "host must be text (an address or a name), not int",
        ),
        (
            "udp_socket().sendto(b'x', '127.0.0.1')",
            ErrorKind::Type,
            "an address is a (host, port) tuple, not '127.0.0.1'",
        ),
        (
            "udp_socket().sendto('text', ('127.0.0.1', 9))",
            ErrorKind::Type,
            "a bytes-like object is required, not 'str'",
        ),
        (
            "udp_socket().send(b'x')",
            ErrorKind::Io,
            "the UDP socket has no peer: connect it first, or use sendto",
        ),
        (
            "udp_socket().recv()",
            ErrorKind::Io,
            "the UDP socket has no port yet: bind one (a port) or send first",
        ),
    ] {
        let e = err(&mut s, src);
        assert_eq!((e.kind, e.message.as_str()), (kind, message), "{src}");
    }
    val(&mut s, "l = tcp_listen(0)");
    let e = err(&mut s, "tcp_listen(l.getsockname()[1])");
    assert!(e.message.starts_with("address already in use: 127.0.0.1:"), "{e}");
}

#[test]
fn help_lists_each_kind_s_methods() {
    let out = Sink::default();
    let mut s = Session::with_output(out.clone());
    val(
        &mut s,
        "l = tcp_listen(0); help(l); help(udp_socket()); help(tcp_connect)",
    );
    let text = out.take();
    assert!(
        text.contains("TCPListener value. Methods:\n  accept(timeout=None): The next connection"),
        "{text}"
    );
    assert!(
        text.contains("  recvfrom(n=65535, timeout=None): The next datagram"),
        "{text}"
    );
    assert!(
        text.contains("tcp_connect(host, port, timeout=2)\n    Open a TCP connection"),
        "{text}"
    );
}

/// Scapy's `StreamSocket` over a TCP connection: DNS goes with its length prefix, two answers in one
/// segment are two messages, and `sr1` keeps the one whose id answers the query.
#[test]
fn stream_socket_frames_dns_over_tcp_and_sr1_matches_the_answer() {
    let mut s = session();
    val(
        &mut s,
        "l = tcp_listen(0, timeout=2); c = tcp_connect('127.0.0.1', l.getsockname()[1]); a = l.accept()\n\
         ss = StreamSocket(c, basecls=DNS); server = StreamSocket(a, DNS)\n\
         q = DNS(id=5, qd=DNSQR(qname='wirecraft.test'))",
    );
    assert_eq!(
        val(&mut s, "repr(ss)"),
        format!(
            "'<StreamSocket DNS over {}>'",
            val(&mut s, "repr(c)").trim_matches('\'')
        )
    );
    assert_eq!(
        val(&mut s, "ss.send(q)"),
        "34",
        "a 32-byte message and its 2-byte length"
    );
    assert_eq!(
        val(&mut s, "got = server.recv(); got.id, got.length, got.qd[0].qname"),
        "(5, 32, b'wirecraft.test.')"
    );
    val(
        &mut s,
        "r = DNS(id=5, qr=1, qd=got.qd, an=DNSRR(rrname='wirecraft.test', rdata='198.18.0.77'))\n\
         a.send(raw(TCP()/DNS(id=4, qr=1))[20:] + raw(TCP()/r)[20:])",
    );
    assert_eq!(
        val(&mut s, "ans = ss.sr1(q, timeout=2); ans.id, ans.an[0].rdata"),
        "(5, '198.18.0.77')"
    );
    assert_eq!(val(&mut s, "ans.summary()"), "'DNS Ans 198.18.0.77'");
    assert_eq!(
        val(&mut s, "ss.sr1(q, timeout=0.1)"),
        "None",
        "no answer within the timeout"
    );
    val(
        &mut s,
        "server.send(r); ans, unans = ss.sr([DNS(id=6, qd=q.qd), q], timeout=0.3, verbose=0)",
    );
    assert_eq!(
        val(
            &mut s,
            "len(ans), ans[0][0].id, ans[0][1].an[0].rdata, len(unans), unans[0].id"
        ),
        "(1, 5, '198.18.0.77', 1, 6)",
        "each request is matched to its own answer; the one left is unanswered, still a DNS message"
    );
    val(&mut s, "a.close()");
    let eof = err(&mut s, "ss.recv()");
    assert_eq!(
        (eof.kind, eof.message.as_str()),
        (ErrorKind::Eof, "the peer closed the connection"),
        "the peer closed the stream: Scapy raises EOFError"
    );
    assert_eq!(
        val(&mut s, "try:\n    ss.recv()\nexcept EOFError:\n    r = 'eof'\nr"),
        "'eof'"
    );
    val(&mut s, "ss.close()");
    assert!(val(&mut s, "repr(c)").ends_with(" [closed]>'"));
}

/// Scapy's `SimpleSocket` over a connected UDP socket: a datagram is a packet, with no length prefix.
#[test]
fn simple_socket_over_udp_is_a_packet_a_datagram() {
    let mut s = session();
    val(
        &mut s,
        "server = udp_socket(0, '127.0.0.1', timeout=2); u = udp_socket(timeout=2); u.connect(server.getsockname())\n\
         ss = SimpleSocket(u, DNS); q = DNS(id=8, qd=DNSQR(qname='wirecraft.test'))",
    );
    assert_eq!(val(&mut s, "ss.send(q)"), "32");
    val(&mut s, "data, sender = server.recvfrom()");
    assert_eq!(val(&mut s, "data == raw(q)"), "True");
    val(&mut s, "server.sendto(raw(DNS(id=8, qr=1, rcode=3)), sender)");
    assert_eq!(val(&mut s, "ss.recv().rcode"), "3");
    for (src, message) in [
        (
            "StreamSocket(1)",
            "StreamSocket wraps a socket of tcp_connect, accept or udp_socket, not int",
        ),
        (
            "SimpleSocket(u, basecls='DNS')",
            "basecls must be a layer class, as DNS, not str",
        ),
        ("ss.send(1)", "send a packet or bytes, not int"),
    ] {
        let e = err(&mut s, src);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Type, message), "{src}");
    }
}

/// A peer that resets the connection (a RST: SO_LINGER 0, then close) while a recv waits: the recv ends at
/// once with Python's `ConnectionResetError`, an `OSError`, naming the connection — never a hang or a panic.
#[test]
fn a_reset_during_recv_is_a_connection_reset_error() {
    use std::os::fd::AsRawFd;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: setsockopt reads one linger struct for a socket we own.
        unsafe {
            libc::setsockopt(
                conn.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
        drop(conn);
    });
    let mut s = session();
    val(&mut s, &format!("c = tcp_connect('127.0.0.1', {port}, timeout=5)"));
    let started = Instant::now();
    let e = err(&mut s, "c.recv()");
    server.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(e.kind, ErrorKind::ConnectionReset, "{e}");
    assert!(e.message.contains("reset"), "{e}");
    assert_eq!(
        val(
            &mut s,
            "try:\n    raise ConnectionResetError('x')\nexcept OSError as e:\n    r = 'an OSError'\nr"
        ),
        "'an OSError'"
    );
}
