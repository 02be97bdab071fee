//! Evaluator tests: values, operators, packets as Scapy users handle them, builtins, and error messages.

mod common;

use common::Sink;
use wirecraft::lang::{ErrorKind, LangError, Session};

fn session() -> (Session, Sink) {
    let sink = Sink::default();
    (Session::with_output(sink.clone()), sink)
}

/// The repr of the last expression's value.
fn val(src: &str) -> String {
    let (mut s, _) = session();
    match s.run(src, "<t>") {
        Ok(v) => v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()),
        Err(e) => panic!("{e}"),
    }
}

/// What the program printed.
fn out(src: &str) -> String {
    let (mut s, sink) = session();
    if let Err(e) = s.run(src, "<t>") {
        panic!("{e}");
    }
    sink.take()
}

fn fails(src: &str) -> LangError {
    let (mut s, _) = session();
    s.run(src, "<t>").expect_err("should fail")
}

#[test]
fn numbers_follow_python() {
    assert_eq!(val("7 // 2, -7 // 2, 7 % -3, -7 % 3"), "(3, -4, -2, 2)");
    assert_eq!(val("7 / 2"), "3.5");
    assert_eq!(val("4 / 2"), "2.0");
    assert_eq!(val("2 ** 10, 2 ** -1"), "(1024, 0.5)");
    assert_eq!(val("1 << 4 | 1, 0xff & 0x0f, 5 ^ 1, ~0"), "(17, 15, 4, -1)");
    assert_eq!(val("True + 1, 1 == 1.0, 0.1 + 0.2"), "(2, True, 0.30000000000000004)");
    assert_eq!(val("1 < 2 < 3, 1 < 3 < 2"), "(True, False)");
    assert_eq!(fails("2 ** 200").kind, ErrorKind::Overflow);
    assert_eq!(fails("1 / 0").kind, ErrorKind::ZeroDivision);
    assert_eq!(fails("1 // 0").kind, ErrorKind::ZeroDivision);
    assert_eq!(
        fails("1 + 'a'").message,
        "unsupported operand types for +: 'int' and 'str'"
    );
}

#[test]
fn strings_bytes_and_containers() {
    // Python printed these: the base prefix of `#` after the sign and before the zeros; dict methods.
    assert_eq!(
        val(r#"f"{255:#x}", "%#06x" % 255, "%x" % -255, "%#o" % 8, f"{-5:#06x}", "%-#6x|" % 5"#),
        "('0xff', '0x00ff', '-ff', '0o10', '-0x005', '0x5   |')"
    );
    assert_eq!(
        val(
            r#"d = {"a": 1}; r = (d.pop("a"), d.pop("z", 9)); d.update({"x": 3}, y=5); d.update([("w", 1)]); (r, d.setdefault("q"), d.popitem(), d.copy())"#
        ),
        "((1, 9), None, ('q', None), {'x': 3, 'y': 5, 'w': 1})"
    );
    assert_eq!(fails(r#"{}.pop("k")"#).message, "'k'");
    assert_eq!(val("'ab' + 'c', 'ab' * 2, 'b' in 'abc'"), "('abc', 'abab', True)");
    assert_eq!(
        val("b'\\x00\\xff'.hex(), bytes.fromhex('00 ff')"),
        "('00ff', b'\\x00\\xff')"
    );
    assert_eq!(
        val("b'ab'[0], b'abc'[1:], 'abc'[::-1], [1, 2, 3][-1]"),
        "(97, b'bc', 'cba', 3)"
    );
    assert_eq!(val("'%s:%d %04x %-3s|' % ('a', 5, 255, 'b')"), "'a:5 00ff b  |'");
    assert_eq!(
        val("p = IP(src='198.18.0.1')/TCP(); f'{p[IP].src}:{p[TCP].dport:>5}|{255:04x}|{1/3:.2f}|{p[TCP].flags}|{\"s\"!r}|{{}}'"),
        "\"198.18.0.1:   80|00ff|0.33|S|'s'|{}\""
    );
    assert_eq!(val("d = {'a': 1}; d['b'] = 2; d"), "{'a': 1, 'b': 2}");
    assert_eq!(
        val("d = {'a': 1}; d.get('z', 9), 'a' in d, list(d.items())"),
        "(9, True, [('a', 1)])"
    );
    assert_eq!(val("l = [3, 1, 2]; l.append(0); sorted(l)"), "[0, 1, 2, 3]");
    assert_eq!(val("a, b = 1, 2; a, b = b, a; (a, b)"), "(2, 1)");
    assert_eq!(val("x = [1]; y = x; y.append(2); x"), "[1, 2]");
    assert_eq!(val("','.join(['a', 'b']).upper().split(',')"), "['A', 'B']");
    assert_eq!(
        val("list(range(2, 10, 3)), len(range(5)), 3 in range(5)"),
        "([2, 5, 8], 5, True)"
    );
    assert_eq!(
        val("list(enumerate('ab')), list(zip([1, 2], 'xy'))"),
        "([(0, 'a'), (1, 'b')], [(1, 'x'), (2, 'y')])"
    );
    assert_eq!(
        val("sum([1, 2, 3]), min(3, 1, 2), max([1, 5]), abs(-2), any([0, 1]), all([])"),
        "(6, 1, 5, 2, True, True)"
    );
    assert_eq!(
        val("int('0x10', 0), int('ff', 16), int(3.9), hex(255), str(1.0), float('1.5')"),
        "(16, 255, 3, '0xff', '1.0', 1.5)"
    );
    assert_eq!(
        val("bytes([1, 2]), bytes(2), repr('a')"),
        "(b'\\x01\\x02', b'\\x00\\x00', \"'a'\")"
    );
    assert_eq!(fails("[1][5]").message, "list index out of range");
    assert_eq!(fails("{}['k']").kind, ErrorKind::Key);
    assert_eq!(
        fails("a, b = [1, 2, 3]").message,
        "too many values to unpack (expected 2, got 3)"
    );
}

#[test]
fn control_flow_comprehensions_and_lambdas() {
    assert_eq!(val("[x * 2 for x in range(5) if x % 2]"), "[2, 6]");
    assert_eq!(
        val("[(x, y) for x in range(2) for y in 'ab']"),
        "[(0, 'a'), (0, 'b'), (1, 'a'), (1, 'b')]"
    );
    assert_eq!(val("sum(x for x in range(4))"), "6");
    assert_eq!(val("f = lambda x, y=10: x + y; f(1), f(1, y=2)"), "(11, 3)");
    assert_eq!(val("k = 3; f = lambda x: x * k; k = 4; f(2)"), "8");
    assert_eq!(val("add = lambda a: lambda b: a + b; add(1)(2)"), "3");
    assert_eq!(
        val("sorted(['bb', 'a', 'ccc'], key=lambda s: len(s), reverse=True)"),
        "['ccc', 'bb', 'a']"
    );
    assert_eq!(
        val("n = 0\nfor i in range(10):\n    if i == 5: break\n    if i % 2: continue\n    n += i\n\nn"),
        "6"
    );
    assert_eq!(val("x = 5\nif x > 3: y = 'big'\nelse: y = 'small'\ny"), "'big'");
    assert_eq!(val("'yes' if 0 else 'no'"), "'no'");
    assert_eq!(val("x = [i for i in range(3)]; i = 7; i"), "7");
    assert_eq!(val("1; 2; _ + 1"), "3");
    let deep = fails("f = lambda n: f(n + 1); f(0)");
    assert_eq!(deep.kind, ErrorKind::Recursion);
}

#[test]
fn names_errors_suggest_fixes() {
    assert_eq!(fails("TPC()").message, "name 'TPC' is not defined; did you mean 'TCP'?");
    assert_eq!(
        fails("IP(dprot=80)").message,
        "IP has no field 'dprot'; did you mean 'dst'?"
    );
    assert_eq!(
        fails("TCP(dprot=80)").message,
        "TCP has no field 'dprot'; did you mean 'dport'?"
    );
    let e = fails("p = IP()/TCP(); p.dprot").message;
    assert_eq!(e, "IP / TCP has no field 'dprot'; did you mean 'dport'?");
    assert_eq!(
        fails("print(1, sepp='')").message,
        "print() got an unexpected keyword argument 'sepp'; did you mean 'sep'?"
    );
    assert_eq!(fails("len()").message, "len() missing required argument 'obj'");
    assert_eq!(fails("IP(ttl=300)").message, "IP.ttl: 300 does not fit in 8 bits");
    assert_eq!(
        fails("IP(ttl=-1)").message,
        "-1 is not a field value: fields hold 0 to 2**64-1"
    );
    assert_eq!(
        fails("IP/TCP").message,
        "IP is a class: call it to make a layer, as IP()"
    );
    assert_eq!(fails("p = IP(); p[TCP]").message, "Layer [TCP] not found");
    assert_eq!(
        fails("'a'.uper()").message,
        "'str' object has no attribute 'uper'; did you mean 'upper'?"
    );
    // A missing attribute that is called is a missing method, not a missing field.
    assert_eq!(
        fails("p = Ether()/IP(); p[IP].shwo()").message,
        "'IP' object has no attribute 'shwo'; did you mean 'show'?"
    );
    // Names of values, as of fields: the nearest one, letters added winning a tie (`ftp` is as near).
    assert_eq!(
        fails("TCP(dport='htp')").message,
        "TCP.dport: 'htp' is not a known value of dport; did you mean 'http'?"
    );
    assert_eq!(
        fails("ICMP(code='port-unreachabel')").message,
        "ICMP.code: 'port-unreachabel' is not a known value of code; did you mean 'port-unreachable'?"
    );
    assert_eq!(
        fails("conf.verbb").message,
        "conf has no setting 'verbb'; did you mean 'verb'?"
    );
    let e = fails("x = 1\ny = IP(dprot=1)").locate("<t>", "x = 1\ny = IP(dprot=1)");
    let l = e.location.expect("located");
    assert_eq!(
        (l.line, l.column, l.width),
        (2, 8, 5),
        "the caret is under the field name"
    );
}

const SYN: &str = "p = Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01')/IP(src='198.18.0.1', dst='198.18.0.2')/TCP(dport=(20, 22), flags='S')";

#[test]
fn packets_as_in_scapy() {
    let frame0 =
        "ffffffffffff020000000001080045000028000100004006eea7c6120001c61200020014001400000000000000005002200003930000";
    assert_eq!(
        out(&format!("{SYN}; print(raw(p).hex()); print(len(list(p)))")),
        format!("{frame0}\n3\n")
    );
    let frames = out(&format!("{SYN}\nfor q in p: print(raw(q).hex())"));
    assert_eq!(frames.lines().count(), 3);
    assert_eq!(frames.lines().next(), Some(frame0));
    assert!(frames.lines().nth(2).is_some_and(|l| l.contains("0014001600")));
    assert_eq!(
        out(&format!("{SYN}; print(p)")),
        "Ether / IP / TCP 198.18.0.1:ftp_data > 198.18.0.2:(20, 22) S\n"
    );
    assert_eq!(
        val(&format!("{SYN}; p")),
        "<Ether  dst=ff:ff:ff:ff:ff:ff src=02:00:00:00:00:01 type=IPv4 |<IP  frag=0 proto=tcp src=198.18.0.1 dst=198.18.0.2 |<TCP  dport=(20, 22) flags=S |>>>"
    );
    assert_eq!(
        val(&format!("{SYN}; p[TCP].dport, p[IP].src, p.ttl, p[TCP].flags")),
        "((20, 22), '198.18.0.1', 64, <Flag 2 (S)>)"
    );
    assert_eq!(
        val(&format!(
            "{SYN}; p[TCP].flags == 'S', p[TCP].flags == 2, str(p[TCP].flags)"
        )),
        "(True, True, 'S')"
    );
    assert_eq!(
        val(&format!("{SYN}; TCP in p, UDP in p, p.haslayer(IP), p.layers()")),
        "(True, False, True, [<class 'Ether'>, <class 'IP'>, <class 'TCP'>])"
    );
    assert_eq!(
        out(&format!("{SYN}; print(p[TCP])")),
        "TCP 198.18.0.1:ftp_data > 198.18.0.2:(20, 22) S\n"
    );
    assert_eq!(
        val(&format!("{SYN}; p.payload.payload is not None, p[TCP].payload")),
        "(True, None)"
    );
    assert_eq!(
        val(&format!(
            "{SYN}; p.getlayer(TCP).summary() == p[TCP].summary(), p.getlayer('UDP')"
        )),
        "(True, None)"
    );
}

#[test]
fn packet_edits_write_through() {
    assert_eq!(
        val("p = IP()/TCP(); p[TCP].dport = 443; p.ttl = 3; (p[TCP].dport, p[IP].ttl)"),
        "(443, 3)"
    );
    assert_eq!(val("p = IP()/TCP(); t = p[TCP]; t.sport = 1; p[TCP].sport"), "1");
    assert_eq!(
        val("p = IP()/TCP(); q = p.copy(); q.ttl = 9; (p.ttl, q.ttl)"),
        "(64, 9)"
    );
    assert_eq!(val("p = IP(chksum=0)/TCP(); del p[IP].chksum; p[IP].chksum"), "None");
    assert_eq!(val("p = IP(chksum=0); p2 = IP(raw(p)); p2.chksum"), "0");
    assert_eq!(val("p = IP(ttl=1); p.ttl += 1; p.ttl"), "2");
}

#[test]
fn dissection_and_stacking() {
    assert_eq!(
        val("q = Ether(raw(Ether()/IP()/UDP())); q.summary()"),
        "'Ether / IP / UDP 127.0.0.1:domain > 127.0.0.1:domain'"
    );
    assert_eq!(val("q = IP(raw(IP()/ICMP())); q[ICMP].type"), "8");
    assert_eq!(
        val("p = Ether(raw(Ether()/IP()/TCP())); raw(p[TCP]) == raw(p)[34:]"),
        "True"
    );
    assert_eq!(val("p = IP()/b'abc'; p[Raw].load"), "b'abc'");
    assert_eq!(val("p = IP()/'abc'; len(p)"), "23");
    assert_eq!(val("p = b'xy'/IP(); p.layers()"), "[<class 'Raw'>, <class 'IP'>]");
    assert_eq!(val("Raw('hi').load"), "b'hi'");
    assert_eq!(val("bytes(IP()) == raw(IP()), len(IP())"), "(True, 20)");
    assert_eq!(val("IP(dst='198.18.0.0/30').dst"), "Net(\"198.18.0.0/30\")");
    assert_eq!(val("len(list(IP(dst='198.18.0.0/30', ttl=[1, 2])))"), "8");
    assert_eq!(val("IP(dst='198.18.0.2').command()"), "\"IP(dst='198.18.0.2')\"");
}

/// Neighbor Discovery messages imply IPv6's destination (ff02::2 for RS, ff02::1 for the rest) and hlim 255, as
/// in Scapy; a destination the user sets wins, and dissection still goes by the ICMPv6 type whatever the
/// destination. Offline an unset source follows the implied destination: `::`, Scapy's answer without a route.
#[test]
fn nd_messages_imply_their_destination() {
    assert_eq!(val("(IPv6()/ICMPv6ND_RS()).dst"), "'ff02::2'");
    assert_eq!(
        val("[(IPv6()/m()).dst for m in (ICMPv6ND_RA, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_Redirect)]"),
        "['ff02::1', 'ff02::1', 'ff02::1', 'ff02::1']"
    );
    assert_eq!(
        val("repr(IPv6(src='fd00::1')/ICMPv6ND_NS(tgt='fd00::2'))"),
        "'<IPv6  nh=ICMPv6 hlim=255 src=fd00::1 dst=ff02::1 |<ICMPv6ND_NS  tgt=fd00::2 |>>'"
    );
    assert_eq!(
        val("raw(IPv6(src='fd00::1')/ICMPv6ND_NS())[24:40].hex()"),
        "'ff020000000000000000000000000001'"
    );
    assert_eq!(val("(IPv6(dst='fd00::9')/ICMPv6ND_NS()).dst"), "'fd00::9'");
    assert_eq!(
        val("raw(IPv6(dst='fd00::9')/ICMPv6ND_NS())[24:40].hex()"),
        "'fd000000000000000000000000000009'"
    );
    // The source follows the implied destination, before and after building.
    assert_eq!(val("(IPv6()/ICMPv6ND_NS()).src"), "'::'");
    assert_eq!(
        val("raw(IPv6()/ICMPv6ND_NS())[8:24].hex()"),
        "'00000000000000000000000000000000'"
    );
    assert_eq!(val("(IPv6()/ICMPv6EchoRequest()).src"), "'::1'");
    assert_eq!(
        val("IPv6(raw(IPv6(src='fd00::1', dst='fd00::2')/ICMPv6ND_NS(tgt='fd00::2'))).layers()"),
        "[<class 'IPv6'>, <class 'ICMPv6ND_NS'>]"
    );
}

#[test]
fn displays_and_builtins() {
    assert!(out("IP().show()").starts_with("###[ IP ]###\n  version   = 4\n"));
    assert!(out("IP().show2()").contains("chksum    = 0x7ce7"));
    assert_eq!(
        out("hexdump(b'AB')"),
        "0000  41 42                                            AB\n"
    );
    assert!(out("ls(TCP)").starts_with("sport      : ShortEnumField"));
    assert!(out("ls TCP").starts_with("sport      : ShortEnumField"));
    assert!(out("ls").contains("Ether     : Ethernet\n"));
    assert!(out("lsc").contains("hexdump   : Print a packet's frame"));
    assert!(out("help(print)").starts_with("print(*objects, sep=' ', end='\\n')\n"));
    assert!(out("help len").starts_with("len(obj)\n"));
    assert!(out("help(IP)").starts_with("IP (IP): call it"));
    assert_eq!(out("print(1, 'a', None, sep='-', end='!')"), "1-a-None!");
    assert_eq!(out("print 'hi' 42"), "hi 42\n");
    assert_eq!(val("conf.verb"), "2");
    assert_eq!(val("conf.verb = 0; conf.verb"), "0");
    assert!(val("conf").starts_with("iface      = None\nverb       = 2"));
    assert_eq!(val("RandShort()"), "<RandShort>", "Scapy's repr");
    assert_eq!(val("len(raw(IP()/TCP(sport=RandShort())))"), "40");
    assert_eq!(val("f = fuzz(IP()/UDP()); len(raw(f)) >= 28"), "True");
    assert_eq!(fails("exit(3)").kind, ErrorKind::Exit(3));
    assert_eq!(fails("quit").kind, ErrorKind::Exit(0));
}

#[test]
fn echo_prints_each_expression_like_a_prompt() {
    let (mut s, sink) = session();
    s.echo = true;
    s.run("1; x = 2; x; None; 'a'", "<t>").expect("runs");
    assert_eq!(sink.take(), "1\n2\n'a'\n");
}

#[test]
fn interrupt_stops_a_loop_and_keeps_partial_results() {
    let (mut s, _) = session();
    s.run("n = 0", "<t>").expect("runs");
    let flag = s.interrupt_flag();
    // The flag is cleared when a run starts; set it from "another thread" while the loop runs.
    let setter = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let e = s.run("for i in range(10**12): n += 1", "<t>").expect_err("interrupted");
    setter.join().expect("joined");
    assert_eq!(e.kind, ErrorKind::Interrupted);
    let n = s.get("n").and_then(|v| v.as_int()).expect("n");
    assert!(n > 0, "partial results kept: n = {n}");
}

#[test]
fn no_panic_on_hostile_programs() {
    let (mut s, _) = session();
    for src in [
        "[][0]",
        "x = []; x.pop()",
        "range(0, 10, 0)",
        "'%d' % 'a'",
        "'%s %s' % (1,)",
        "b'a' * -1",
        "[1] * (2 ** 100)",
        "1 << -1",
        "-(-170141183460469231731687303715884105727 - 1)",
        "int('zz')",
        "sorted([1, 'a'])",
        "IP()[0]",
        "IP(b'\\x45')[TCP]",
        "Ether(b'')",
        "p = IP(); p.nope = 1",
        "del nothing",
        "break",
        "x = 1; x.y",
        "None()",
        "list(5)",
        "bytes.fromhex('abc')",
        "IP(1, 2)",
        "range(10**30)[10**29]",
        "[x for x in 5]",
        "(lambda x: x)()",
        "(lambda: 1)(2)",
        "zip(1)",
        "'abc'[10]",
        "{[1]: 2}",
        "p = IP(); p.payload.ttl",
    ] {
        let _ = s.run(src, "<t>");
    }
}

/// `show`, `show2` and `hexdump` print as Scapy's do (`show` ends with the blank line of Scapy's `print`), and
/// with `dump=True` return Scapy's strings (recorded from Scapy 2.8.0).
#[test]
fn show_and_hexdump_print_or_dump_as_scapy() {
    assert_eq!(
        val("Ether(dst='02:00:00:00:00:0a', src='02:00:00:00:00:01').show(dump=True)"),
        "'###[ Ethernet ]###\\n  dst       = 02:00:00:00:00:0a\\n  src       = 02:00:00:00:00:01\\n  type      = 0x9000\\n'"
    );
    assert_eq!(
        val("hexdump(IP(src='198.18.0.1', dst='198.18.0.2'), dump=True)"),
        "'0000  45 00 00 14 00 01 00 00 40 00 EE C1 C6 12 00 01  E.......@.......\\n0010  C6 12 00 02                                      ....'"
    );
    let shown = out("Ether(src='02:00:00:00:00:01').show()");
    assert!(shown.ends_with("type      = 0x9000\n\n"), "{shown:?}");
    assert_eq!(
        out("p = IP(src='198.18.0.1', dst='198.18.0.2'); p.hexdump()"),
        val("hexdump(IP(src='198.18.0.1', dst='198.18.0.2'), dump=True)")
            .trim_matches('\'')
            .replace("\\n", "\n")
            + "\n"
    );
    assert!(val("IP().show2(dump=True)").contains("ihl       = 5"));
}

/// `def` with `return`, `while` and `assert`, as Scapy recipes use them (issue #11 item 5).
#[test]
fn functions_loops_and_asserts_as_python() {
    let fib = "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n";
    assert_eq!(val(&format!("{fib}fib(15)")), "610");
    assert_eq!(val(&format!("{fib}fib")), "<function fib>");
    // Assignments inside a function bind its own names; the globals stay.
    assert_eq!(
        val("n = 7\ndef count(pkts, proto='TCP'):\n    n = 0\n    for p in pkts:\n        if p.haslayer(proto):\n            n += 1\n    return n\n(count([IP()/TCP(), IP()/UDP(), IP()/TCP()]), count([IP()/UDP()], proto='UDP'), n)"),
        "(2, 1, 7)"
    );
    // A function is a callback like a lambda; one without `return` gives None.
    assert_eq!(
        val("def ttl(p):\n    return p.ttl\nsorted([IP(ttl=9), IP(ttl=3)], key=ttl)[0].ttl"),
        "3"
    );
    assert_eq!(val("def nothing():\n    pass\nnothing()"), "None");
    assert_eq!(out("i = 0\nwhile True:\n    i += 1\n    if i % 2:\n        continue\n    print(i)\n    if i >= 4:\n        break\n"), "2\n4\n");
    assert_eq!(val("def first_even(xs):\n    for x in xs:\n        if x % 2 == 0:\n            return x\nfirst_even([1, 3, 8, 5])"), "8");
    let e = fails("assert 1 == 2, 'one is ' + str(1)");
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Assertion, "one is 1"));
    assert_eq!(fails("return 1").message, "'return' outside a function");
    assert_eq!(
        fails("def f(a):\n    return a\nf(1, 2)").message,
        "f() takes 1 positional arguments but 2 were given"
    );
}

/// Python's builtins that recipes use (issue #11 item 5); a packet's class is its first layer's, as in Scapy.
#[test]
fn python_builtins_recipes_use() {
    assert_eq!(
        val("p = Ether()/IP()/TCP(); isinstance(p, Ether), isinstance(p.payload.payload, TCP), isinstance(p, (UDP, TCP))"),
        "(True, True, False)"
    );
    assert_eq!(
        val("isinstance(True, int), isinstance('a', (int, str)), isinstance(1.5, int)"),
        "(True, True, False)"
    );
    assert_eq!(val("type(IP()/TCP()) == IP, type(IP()/TCP()) == TCP"), "(True, False)");
    assert_eq!(val("bool(0), bool([1]), bool()"), "(False, True, False)");
    assert_eq!(val("p = IP(); setattr(p, 'ttl', 3); getattr(p, 'ttl'), getattr(p, 'nope', 5), hasattr(p, 'dst'), hasattr(p, 'x')"), "(3, 5, True, False)");
    assert!(val("dir(IP())").contains("'ttl'") && val("dir(IP())").contains("'show'"));
    assert_eq!(
        val("map(lambda x: x * 2, [1, 2]), filter(None, [0, 1, 2]), filter(lambda x: x > 1, (1, 2, 3))"),
        "([2, 4], [1, 2], [2, 3])"
    );
    // Python's results, halves to even on the exact binary value.
    assert_eq!(
        val("round(2.675, 2), round(0.125, 2), round(2.5), round(3.5), round(1234.5, -2), round(7)"),
        "(2.67, 0.12, 2, 4, 1200.0, 7)"
    );
    assert_eq!(
        val("chr(65), ord('A'), ord(b'A'), divmod(7, 2), divmod(-7, 2)"),
        "('A', 65, 65, (3, 1), (-4, 1))"
    );
    assert_eq!(
        val("'{} -> {}:{:>5}|{{x}} {0!r} {1:04x}'.format('a', 255, 'b')"),
        "\"a -> 255:    b|{x} 'a' 00ff\""
    );
    assert_eq!(fails("'{}{}'.format(1)").message, "Replacement index 1 out of range");
}

/// `try`/`except`/`else`/`finally` and `raise` with Python's error names and hierarchy (issue #11 item 5).
#[test]
fn exceptions_as_python() {
    assert_eq!(
        val("try:\n    x = {}['a']\nexcept KeyError as e:\n    r = (type(e) == KeyError, isinstance(e, LookupError), str(e))\nr"),
        "(True, True, \"'a'\")"
    );
    assert_eq!(
        out("try:\n    1 / 0\nexcept (ValueError, ArithmeticError):\n    print('arith')\nelse:\n    print('no')\nfinally:\n    print('finally')\n"),
        "arith\nfinally\n"
    );
    let f = "def f(n):\n    try:\n        if n:\n            raise ValueError('bad ' + str(n))\n        return 'ok'\n    except ValueError as e:\n        return 'handled ' + str(e)\n    finally:\n        print('done')\n";
    assert_eq!(out(&format!("{f}print(f(0), f(3))")), "done\ndone\nok handled bad 3\n");
    assert_eq!(
        val("try:\n    try:\n        raise TypeError('inner')\n    except TypeError:\n        raise\nexcept Exception as e:\n    r = repr(e)\nr"),
        "\"TypeError('inner')\""
    );
    // Errors the language raises are caught by their Python names; the finally of a loop body runs on continue.
    assert_eq!(
        val("try:\n    IP(dprot=1)\nexcept AttributeError as e:\n    r = str(e)\nr"),
        "\"IP has no field 'dprot'; did you mean 'dst'?\""
    );
    assert_eq!(
        out("for i in range(2):\n    try:\n        continue\n    finally:\n        print(i)\n"),
        "0\n1\n"
    );
    // An inner block's else/except stands at its own header's indentation.
    assert_eq!(
        out("if 1:\n    if 0:\n        print('inner')\nelse:\n    print('wrong')\nprint('ok')"),
        "ok\n"
    );
    let e = fails("raise KeyError('last')");
    assert_eq!((e.kind.name(), e.message.as_str()), ("KeyError", "last"));
    assert_eq!(fails("raise").message, "No active exception to reraise");
    assert_eq!(fails("raise 5").message, "exceptions must derive from BaseException");
    assert_eq!(
        fails("try:\n    exit(3)\nexcept:\n    pass").kind,
        ErrorKind::Exit(3),
        "exit() is never caught"
    );
}

/// The packet API scripts use (issue #11 item 3), each against what Scapy 2.8.0 gives for the same packet.
#[test]
fn packet_api_as_scapy() {
    let p = "p = Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')/IP(dst='198.18.0.2', src='198.18.0.1')/IP(dst='198.18.0.3', src='198.18.0.1')/TCP(flags='SA', dport=80)\n";
    let v = |src: &str| val(&format!("{p}{src}"));
    assert_eq!(
        v("p[1].dst, p[IP:2].dst, p.getlayer(IP, nb=2).dst, p.getlayer(IP, 3)"),
        "('198.18.0.2', '198.18.0.3', '198.18.0.3', None)"
    );
    assert_eq!(
        v("repr(p.lastlayer()), p[TCP].firstlayer().dst"),
        "('<TCP  dport=http flags=SA |>', '02:00:00:00:00:02')"
    );
    assert_eq!(fails(&format!("{p}p[IP:3]")).message, "Layer [IP:3] not found");
    assert_eq!(
        v("p[IP].fields"),
        "{'options': [], 'src': '198.18.0.1', 'dst': '198.18.0.2'}"
    );
    assert_eq!(
        v("p[TCP].mysummary(), p.mysummary()"),
        "('TCP 198.18.0.1:ftp_data > 198.18.0.3:http SA', '02:00:00:00:00:01 > 02:00:00:00:00:02 (IPv4)')"
    );
    assert_eq!(
        v("p.hashret()"),
        "b'\\x00\\x08\\x00\\x00\\x00\\x03\\x04\\x00\\x00\\x00\\x02\\x06D\\x00'"
    );
    assert_eq!(
        v("p.sprintf('%IP:2.dst%|%-15s,IP.src%|%r,TCP.dport%|%TCP.dport%|%src%|%r,TCP.flags%|{IP:{TCP:both}}{!UDP: no udp} 100%% %UDP.sport%')"),
        "'198.18.0.3|198.18.0.1     |80|http|02:00:00:00:00:01|SA|both no udp 100% ??'"
    );
    // Flag values as Scapy's FlagValue.
    assert_eq!(
        v("f = p[TCP].flags; f.S, f.F, 'S' in f, 'SA' in f, f.value, f & 2, f | 1"),
        "(True, False, True, False, 18, <Flag 2 (S)>, <Flag 19 (FSA)>)"
    );
    // Several letters at once, flags set through the value, names as operands (Scapy 2.8.0 printed these).
    assert_eq!(
        val(
            "t = TCP(flags='SA'); a = (t.flags.SA, t.flags.SAF); t.flags.U = True; t.flags.S = False; \
             t.flags &= 'SFA'; t.flags |= 'P'; a, t.flags, t.flags - 'P', IP(flags='MF').flags.evil"
        ),
        "((True, False), <Flag 24 (PA)>, <Flag 16 (A)>, False)"
    );
    assert_eq!(
        val(
            "q = IP()/TCP(); q[TCP].flags.F = 1; q.flags.DF = 1; q.flags |= 'evil+MF'; q.flags &= 'DF+MF'; \
             q.flags, q[TCP].flags"
        ),
        "(<Flag 3 (MF+DF)>, <Flag 3 (FS)>)"
    );
    assert_eq!(
        val("q = IP(ttl=64, tos=0, dst='198.18.0.2'); q.hide_defaults(); q"),
        "<IP  dst=198.18.0.2 |>"
    );
    let ip = "IP(src='198.18.0.1', dst='198.18.0.2')";
    assert_eq!(
        val(&format!("hexstr({ip})")),
        "'45 00 00 14 00 01 00 00 40 00 EE C1 C6 12 00 01 C6 12 00 02  E.......@...........'"
    );
    assert_eq!(
        val(&format!("hexstr({ip}, onlyhex=1)")),
        "'45 00 00 14 00 01 00 00 40 00 EE C1 C6 12 00 01 C6 12 00 02'"
    );
    assert_eq!(
        val(&format!("chexdump({ip}, dump=True)")),
        "'0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00, 0xee, 0xc1, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02'"
    );
    assert_eq!(out(&format!("linehexdump({ip}, onlyasc=1)")), "E.......@...........\n");
    // Scapy's `r < q`: r answers q; `q > r` the same.
    let pair =
        "q = IP(src='198.18.0.1', dst='198.18.0.2')/ICMP(); r = IP(src='198.18.0.2', dst='198.18.0.1')/ICMP(type=0)\n";
    assert_eq!(
        val(&format!("{pair}r < q, q > r, q < r, r > q")),
        "(True, True, False, False)"
    );
    assert_eq!(
        val("p = IP()/UDP(sport=1, dport=2)/Raw(raw(DNS())); p[UDP].decode_payload_as(DNS); p.summary()"),
        "\"IP / UDP / DNS Qry b'www.example.com.'\""
    );
}

/// `PacketList([...])` and `sniff(offline=[...])` over packets in memory (issue #11 item 4), with Scapy
/// 2.8.0's reprs and listing.
#[test]
fn packet_lists_from_packets() {
    let pk = "pk = [IP(src='198.18.0.1', dst='198.18.0.2')/TCP(dport=80), IP(src='198.18.0.1', dst='198.18.0.2')/UDP(dport=53), IP(src='198.18.0.1', dst='198.18.0.2')/TCP(dport=22)]\n";
    assert_eq!(
        val(&format!("{pk}l = PacketList(pk); l, len(l), PacketList(), PacketList(l, name='x')")),
        "(<PacketList: TCP:2 UDP:1 ICMP:0 Other:0>, 3, <PacketList: TCP:0 UDP:0 ICMP:0 Other:0>, <x: TCP:2 UDP:1 ICMP:0 Other:0>)"
    );
    assert_eq!(
        out(&format!("{pk}PacketList(pk[:2]).nsummary()")),
        "0000 IP / TCP 198.18.0.1:ftp_data > 198.18.0.2:http S\n0001 IP / UDP 198.18.0.1:domain > 198.18.0.2:domain\n"
    );
    // Scapy's summary/nsummary with prn and lfilter; nsummary numbers by the place in the list.
    assert_eq!(
        out(&format!("{pk}l = PacketList(pk); l.summary(prn=lambda p: p.sprintf('%IP.dst% %IP.proto%')); l.nsummary(prn=lambda p: p.dport, lfilter=lambda p: TCP in p)")),
        "198.18.0.2 tcp\n198.18.0.2 udp\n198.18.0.2 tcp\n0000 80\n0002 22\n"
    );
    // The filter, lfilter and count apply as to a file; nothing is left behind.
    assert_eq!(
        val(&format!("{pk}a = sniff(offline=pk, filter='tcp', quiet=True); b = sniff(offline=pk, lfilter=lambda p: UDP in p, quiet=True); c = sniff(offline=PacketList(pk), count=1, quiet=True); len(a), len(b), len(c), a[1].dport")),
        "(2, 1, 1, 22)"
    );
}

/// Scapy's `ls(pkt)`: the values the packet has now (stacking's included) beside the defaults; these lines
/// are Scapy 2.8.0's for the same packet.
#[test]
fn ls_of_a_packet_shows_its_values() {
    let text =
        out("ls(Ether(src='02:00:00:00:00:01')/IP(dst='198.18.0.2', src='198.18.0.1', ttl=3)/TCP(flags='S')/b'x')");
    for line in [
        "type       : XShortEnumField                     = 2048            ('36864')",
        "ttl        : ByteField                           = 3               ('64')",
        "proto      : ByteEnumField                       = 6               ('0')",
        "flags      : FlagsField                          = <Flag 2 (S)>    ('<Flag 2 (S)>')",
        "load       : StrField                            = b'x'            (\"b''\")",
    ] {
        assert!(text.lines().any(|l| l == line), "{line}\nnot in\n{text}");
    }
    assert_eq!(text.matches("--\n").count(), 3, "one separator between each two layers");
}

#[test]
fn answer_matching_switches_are_conf_settings_of_one_session() {
    assert_eq!(
        val("conf.checkIPaddr, conf.checkIPsrc, conf.checkIPinIP"),
        "(True, True, True)"
    );
    let nat = "q = IP(src='198.18.0.1', dst='198.18.0.2')/UDP(sport=1234, dport=53)\n\
               r = IP(src='198.18.0.2', dst='198.18.0.1')/UDP(sport=53, dport=4321)\n";
    assert_eq!(val(&format!("{nat}r.answers(q), r < q")), "(False, False)");
    assert_eq!(
        val(&format!("{nat}conf.checkIPsrc = False\nr.answers(q), r < q")),
        "(True, True)"
    );
    // The setting is the session's: another session still matches by Scapy's defaults.
    assert_eq!(val(&format!("{nat}r.answers(q)")), "False");
}

#[test]
fn fragment_takes_packets_and_lists_of_them() {
    assert_eq!(val("len(fragment([IP()/('x'*16), IP()/('y'*8)], 8))"), "3");
    assert_eq!(val("len(fragment((), 8))"), "0");
    let e = fails("fragment([IP(), 1], 8)");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            ErrorKind::Type,
            "fragment() takes a packet or a list of packets, not int"
        )
    );
    assert_eq!(
        fails("fragment(5)").message,
        "fragment() takes a packet or a list of packets, not int"
    );
}
