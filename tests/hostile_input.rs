//! Input built to hurt, pinned: chains that a careless dissector would follow forever or recurse into until
//! the stack runs out. Each ends, and the packet still renders and rebuilds. (Issue #13, item 2: the bounds
//! that already hold, kept by tests.)

use wirecraft::lang::{ErrorKind, Session};
use wirecraft::{LinkType, Packet};

/// An IPv4 header for `payload` of protocol `proto`, from 198.18.0.1 to 198.18.0.2 (checksum left zero).
fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut h = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2];
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// A DNS response (over UDP) whose question name is `name`, given as wire bytes.
fn dns_with_name(name: &[u8]) -> Vec<u8> {
    let mut dns = vec![0, 7, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
    dns.extend_from_slice(name);
    dns.extend_from_slice(&[0, 1, 0, 1]);
    let mut udp = vec![0, 53, 0x30, 0x39, 0, 0, 0, 0];
    udp[4..6].copy_from_slice(&((8 + dns.len()) as u16).to_be_bytes());
    udp.extend_from_slice(&dns);
    ipv4(17, &udp)
}

/// Every way of looking at a packet, which must all end.
fn look_at(p: &Packet) {
    let _ = (p.summary(), p.show(), p.repr(), p.build());
}

#[test]
fn a_dns_name_pointing_at_itself_ends() {
    // The name at offset 12 of the message is a pointer to offset 12.
    let p = Packet::dissect(&dns_with_name(&[0xc0, 12]), LinkType::RawIp);
    look_at(&p);
    assert!(p.summary().starts_with("IP / UDP / DNS Ans"), "{}", p.summary());
}

#[test]
fn a_long_chain_of_dns_pointers_ends() {
    // Labels "a" each followed by a pointer to the next, 40 deep: more jumps than a name may take.
    let mut name = Vec::new();
    for i in 0..40u16 {
        let next = 12 + (i + 1) * 4;
        name.extend_from_slice(&[1, b'a', 0xc0 | (next >> 8) as u8, next as u8]);
    }
    name.push(0);
    let p = Packet::dissect(&dns_with_name(&name), LinkType::RawIp);
    look_at(&p);
}

#[test]
fn thousands_of_ipv6_extension_headers_end_without_exhausting_the_stack() {
    // 6000 destination-options headers (8 bytes each, next header 60 but the last, 59: no next header).
    let n = 6000;
    let mut ext = Vec::with_capacity(n * 8);
    for i in 0..n {
        let next = if i + 1 == n { 59 } else { 60 };
        ext.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
    }
    let mut ip6 = vec![0x60, 0, 0, 0, 0, 0, 60, 64];
    ip6[4..6].copy_from_slice(&(ext.len() as u16).to_be_bytes());
    ip6.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    ip6.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    ip6.extend_from_slice(&ext);
    let p = Packet::dissect(&ip6, LinkType::RawIp);
    assert!(p.layers().len() > n, "{} layers", p.layers().len());
    look_at(&p);
    assert_eq!(p.build(), ip6, "an unedited packet rebuilds to its bytes");
}

#[test]
fn icmp_errors_quoting_icmp_errors_end() {
    // Destination-unreachable messages each quoting the next, 1500 deep (Scapy's IPerror / ICMPerror).
    let mut inner = ipv4(1, &[8, 0, 0, 0, 0, 1, 0, 1]);
    for _ in 0..1500 {
        let mut icmp = vec![3, 1, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&inner);
        inner = ipv4(1, &icmp);
        if inner.len() > 60_000 {
            break;
        }
    }
    let p = Packet::dissect(&inner, LinkType::RawIp);
    assert!(p.layers().len() > 100, "{} layers", p.layers().len());
    look_at(&p);
}

#[test]
fn runaway_recursion_in_a_program_is_a_recursion_error_and_the_session_goes_on() {
    let mut s = Session::new();
    let e = s
        .run("def f(n):\n    return f(n + 1)\nf(0)", "<t>")
        .expect_err("unbounded recursion");
    assert_eq!(e.kind, ErrorKind::Recursion, "{e}");
    assert!(e.message.contains("(1000 nested calls)"), "Python's limit: {e}");
    // Below the limit, deep recursion just works, on a test thread's small stack too.
    let v = s
        .run(
            "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\ndepth(900)",
            "<t>",
        )
        .unwrap()
        .unwrap();
    assert_eq!(s.repr(&v), "900");
    let v = s.run("x = 41\nx + 1", "<t>").unwrap().unwrap();
    assert_eq!(s.repr(&v), "42");
}

/// Under a 4 GiB address-space limit (`RLIMIT_AS`), values too large to hold raise `MemoryError` naming the
/// size, and the program goes on with its variables: no allocation abort.
#[test]
fn too_much_memory_is_a_memory_error_and_the_program_goes_on() {
    use std::os::unix::process::CommandExt;
    let asks = [
        r#""a" * 10**10"#,
        "[0] * 10**10",
        r#"b"ab" * 3 * 10**9"#,
        "list(range(10**10))",
        r#"list(IP(dst="0.0.0.0/0")/TCP(dport=(0, 65535)))"#,
        "(1, 2) * 10**10",
        "bytes(10**10)",
    ];
    let mut src = String::from("kept = 'still here'\n");
    for ask in asks {
        src += &format!(
            "try:\n    x = {ask}\n    print('made')\nexcept MemoryError as e:\n    print('MemoryError', 'cannot allocate' in str(e))\n"
        );
    }
    src += "print(kept, len('a' * 10**6))\n";
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_wirecraft"));
    cmd.args(["-c", &src]).stdin(std::process::Stdio::null());
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4 << 30,
                rlim_max: 4 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let out = cmd.output().expect("the binary runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        said,
        "MemoryError True\n".repeat(asks.len()) + "still here 1000000\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `conf.max_memory` moves the line: a value over it is a `MemoryError` naming both sizes, one under it is
/// made, `None` brings back the machine's default, and a bad setting is refused without changing the limit.
#[test]
fn conf_max_memory_sets_the_most_one_value_may_take() {
    let mut s = Session::with_output(std::io::sink());
    s.run("conf.max_memory = 1000", "<t>").unwrap();
    let e = s.run(r#"x = "a" * 2000"#, "<t>").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Memory);
    assert!(
        e.message.contains("2000 bytes") && e.message.contains("(1000 bytes)"),
        "{}",
        e.message
    );
    let v = s.run(r#"len("a" * 900)"#, "<t>").unwrap().unwrap();
    assert_eq!(s.repr(&v), "900");

    for bad in [
        "conf.max_memory = 0",
        "conf.max_memory = -5",
        r#"conf.max_memory = "1G""#,
    ] {
        assert!(s.run(bad, "<t>").is_err(), "{bad} was taken");
    }
    let v = s.run("conf.max_memory", "<t>").unwrap().unwrap();
    assert_eq!(s.repr(&v), "1000", "a refused setting left the limit as it was");

    s.run("conf.max_memory = None", "<t>").unwrap();
    let v = s
        .run(r#"conf.max_memory > 10**6 and len("a" * 2000) == 2000"#, "<t>")
        .unwrap()
        .unwrap();
    assert_eq!(s.repr(&v), "True");
}
