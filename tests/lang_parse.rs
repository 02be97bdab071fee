//! Parser tests: each production, Python's precedence, the command form, error positions, and no panic on
//! any input.

use proptest::prelude::*;
use wirecraft::lang::ast::{Arg, Body, Comp, Expr, ExprKind, FPart, Stmt, StmtKind};
use wirecraft::lang::parse::{parse, parse_expr};

/// A compact rendering of the tree, so tests state the shape they expect.
fn sx(e: &Expr) -> String {
    let list = |items: &[Expr]| items.iter().map(sx).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::None => "None".into(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::FString(parts) => format!(
            "(f{})",
            parts
                .iter()
                .map(|p| match p {
                    FPart::Lit(t) => format!(" {t:?}"),
                    FPart::Field(e, c, spec) =>
                        format!(" {{{}{}:{spec}}}", sx(e), c.map_or(String::new(), |c| format!("!{c}"))),
                })
                .collect::<String>()
        ),
        ExprKind::Bytes(b) => format!("b{:?}", b),
        ExprKind::Name(n) => n.to_string(),
        ExprKind::Word(w) => format!("word:{w}"),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Tuple(items) => format!("(tuple {})", list(items)),
        ExprKind::Dict(pairs) => format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", sx(k), sx(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::Set(items) => format!("(set {})", list(items)),
        ExprKind::Unary(op, x) => format!("({op:?} {})", sx(x)),
        ExprKind::Binary(op, a, b) => format!("({op:?} {} {})", sx(a), sx(b)),
        ExprKind::Compare(a, rest) => format!(
            "(cmp {}{})",
            sx(a),
            rest.iter()
                .map(|(op, e)| format!(" {op:?} {}", sx(e)))
                .collect::<String>()
        ),
        ExprKind::And(a, b) => format!("(and {} {})", sx(a), sx(b)),
        ExprKind::Or(a, b) => format!("(or {} {})", sx(a), sx(b)),
        ExprKind::Not(x) => format!("(not {})", sx(x)),
        ExprKind::IfElse { cond, body, orelse } => format!("(if {} {} {})", sx(cond), sx(body), sx(orelse)),
        ExprKind::Lambda(l) => format!(
            "(lambda {} {})",
            l.params
                .iter()
                .map(|(n, d)| d.as_ref().map_or(n.to_string(), |d| format!("{n}={}", sx(d))))
                .collect::<Vec<_>>()
                .join(","),
            match &l.body {
                Body::Expr(e) => sx(e),
                Body::Block(b) => b.iter().map(stmt_sx).collect::<Vec<_>>().join("; "),
            }
        ),
        ExprKind::Call(f, args) => format!(
            "(call {}{})",
            sx(f),
            args.iter()
                .map(|a| match a {
                    Arg::Pos(e) => format!(" {}", sx(e)),
                    Arg::Kw(n, _, e) => format!(" {n}={}", sx(e)),
                })
                .collect::<String>()
        ),
        ExprKind::Attr(o, n) => format!("(. {} {n})", sx(o)),
        ExprKind::Index(o, k) => format!("(idx {} {})", sx(o), sx(k)),
        ExprKind::Slice(o, parts) => format!(
            "(slice {} {})",
            sx(o),
            parts
                .iter()
                .map(|p| p.as_ref().map_or("_".into(), |p| sx(p)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::ListComp(elt, clauses) => format!(
            "(comp {}{})",
            sx(elt),
            clauses
                .iter()
                .map(|c| match c {
                    Comp::For(t, i) => format!(" for {} in {}", sx(t), sx(i)),
                    Comp::If(c) => format!(" if {}", sx(c)),
                })
                .collect::<String>()
        ),
    }
}

fn stmt_sx(s: &Stmt) -> String {
    let block = |b: &[Stmt]| b.iter().map(stmt_sx).collect::<Vec<_>>().join("; ");
    match &s.kind {
        StmtKind::Expr(e) => sx(e),
        StmtKind::Command(e) => format!("cmd {}", sx(e)),
        StmtKind::Assign(ts, v) => format!("{} = {}", ts.iter().map(sx).collect::<Vec<_>>().join(" = "), sx(v)),
        StmtKind::AugAssign(t, op, v) => format!("{} {op:?}= {}", sx(t), sx(v)),
        StmtKind::Del(ts) => format!("del {}", ts.iter().map(sx).collect::<Vec<_>>().join(" ")),
        StmtKind::For { target, iter, body } => format!("for {} in {}: {{{}}}", sx(target), sx(iter), block(body)),
        StmtKind::If { branches, orelse } => format!(
            "{} else {{{}}}",
            branches
                .iter()
                .map(|(c, b)| format!("if {}: {{{}}}", sx(c), block(b)))
                .collect::<Vec<_>>()
                .join(" el"),
            block(orelse)
        ),
        StmtKind::While { cond, body } => format!("while {}: {{{}}}", sx(cond), block(body)),
        StmtKind::Def(l) => format!(
            "def {}({}): {{{}}}",
            l.name.as_deref().unwrap_or("?"),
            l.params
                .iter()
                .map(|(n, _)| n.to_string())
                .collect::<Vec<_>>()
                .join(","),
            match &l.body {
                Body::Block(b) => block(b),
                Body::Expr(e) => sx(e),
            }
        ),
        StmtKind::Return(v) => format!("return {}", v.as_ref().map_or("None".into(), sx)),
        StmtKind::Assert(t, m) => format!("assert {} {}", sx(t), m.as_ref().map_or("-".into(), sx)),
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finally,
        } => format!(
            "try: {{{}}}{} else {{{}}} finally {{{}}}",
            block(body),
            handlers
                .iter()
                .map(|h| format!(
                    " except {} as {}: {{{}}}",
                    h.class.as_ref().map_or("*".into(), sx),
                    h.name.as_deref().unwrap_or("-"),
                    block(&h.body)
                ))
                .collect::<String>(),
            block(orelse),
            block(finally)
        ),
        StmtKind::Raise(v) => format!("raise {}", v.as_ref().map_or("-".into(), sx)),
        StmtKind::Pass => "pass".into(),
        StmtKind::Break => "break".into(),
        StmtKind::Continue => "continue".into(),
    }
}

fn e(src: &str) -> String {
    sx(&parse_expr(src).unwrap_or_else(|err| panic!("{}", err.locate("<t>", src))))
}

fn p(src: &str) -> Vec<String> {
    parse(src)
        .unwrap_or_else(|err| panic!("{}", err.locate("<t>", src)))
        .iter()
        .map(stmt_sx)
        .collect()
}

/// The rendered error: message, line, column.
fn err(src: &str) -> (String, usize, usize) {
    let e = parse(src).expect_err("should not parse").locate("<t>", src);
    let l = e.location.expect("located");
    (e.message, l.line, l.column)
}

#[test]
fn literals() {
    assert_eq!(e("0x0800"), "2048");
    assert_eq!(e("0o17"), "15");
    assert_eq!(e("0b1010"), "10");
    assert_eq!(e("1_000_000"), "1000000");
    assert_eq!(e("1.5"), "1.5");
    assert_eq!(e(".5"), "0.5");
    assert_eq!(e("2."), "2.0");
    assert_eq!(e("1e3"), "1000.0");
    assert_eq!(e("-3"), "-3");
    assert_eq!(e(r#""a\tb\x41\101\u00e9""#), r#""a\tbAAé""#);
    assert_eq!(e(r#"b"\x00\xff""#), "b[0, 255]");
    assert_eq!(e(r#"r"a\d""#), r#""a\\d""#);
    assert_eq!(e(r#"rb"\x""#), "b[92, 120]");
    assert_eq!(e("'ab' \"cd\""), r#""abcd""#);
    assert_eq!(e("'''a\nb'''"), r#""a\nb""#);
    assert_eq!(e("'unknown \\q'"), r#""unknown \\q""#);
    assert_eq!(e("None"), "None");
    assert_eq!(e("True"), "true");
    assert_eq!(e("[1, 2,]"), "[1 2]");
    assert_eq!(e("(1,)"), "(tuple 1)");
    assert_eq!(e("()"), "(tuple )");
    assert_eq!(e("(1)"), "1");
    assert_eq!(e("{'a': 1, 2: [3]}"), r#"{"a":1 2:[3]}"#);
    assert_eq!(e("{}"), "{}");
    assert_eq!(e("{1}"), "(set 1)");
    assert_eq!(e("{1, (2, 3), 'a',}"), r#"(set 1 (tuple 2 3) "a")"#);
    assert_eq!(e("170141183460469231731687303715884105727"), i128::MAX.to_string());
}

#[test]
fn f_strings() {
    assert_eq!(
        e("f'{p[IP].src}:{n!r:>5} {{x}}'"),
        r#"(f {(. (idx p IP) src):} ":" {n!r:>5} " {x}")"#
    );
    assert_eq!(e("f'plain'"), r#""plain""#);
    assert_eq!(e("'a' f'{x}'"), r#"(f "a" {x:})"#);
    assert_eq!(e("f'{d[\"k\"]}'"), r#"(f {(idx d "k"):})"#);
    assert_eq!(err("f'{1 +}'"), ("expected an expression, found '}'".into(), 1, 7));
    assert_eq!(err("f'{x'"), ("f-string: expected '}'".into(), 1, 4));
    assert_eq!(err("f'x}'"), ("f-string: single '}' is not allowed".into(), 1, 4));
}

#[test]
fn precedence_is_pythons() {
    assert_eq!(e("Ether()/IP()/TCP()"), "(Div (Div (call Ether) (call IP)) (call TCP))");
    assert_eq!(e("1 + 2 * 3"), "(Add 1 (Mul 2 3))");
    assert_eq!(e("2 ** 3 ** 2"), "(Pow 2 (Pow 3 2))");
    assert_eq!(e("-2 ** 2"), "(Neg (Pow 2 2))");
    assert_eq!(e("a // b % c"), "(Mod (FloorDiv a b) c)");
    assert_eq!(e("1 << 2 + 3"), "(Shl 1 (Add 2 3))");
    assert_eq!(e("a | b ^ c & d"), "(BitOr a (BitXor b (BitAnd c d)))");
    assert_eq!(e("~x"), "(Invert x)");
    assert_eq!(e("a < b <= c"), "(cmp a Lt b Le c)");
    assert_eq!(
        e("TCP in p and not UDP in p"),
        "(and (cmp TCP In p) (not (cmp UDP In p)))"
    );
    assert_eq!(e("x not in y"), "(cmp x NotIn y)");
    assert_eq!(e("x is not None"), "(cmp x IsNot None)");
    assert_eq!(e("a or b and c"), "(or a (and b c))");
    assert_eq!(e("a if c else b"), "(if c a b)");
    assert_eq!(e("a + b == c"), "(cmp (Add a b) Eq c)");
}

#[test]
fn postfix_calls_attributes_and_subscripts() {
    assert_eq!(e("p[TCP].dport"), "(. (idx p TCP) dport)");
    assert_eq!(e("p.getlayer(IP).src"), "(. (call (. p getlayer) IP) src)");
    assert_eq!(
        e("IP(dst='1.2.3.4', ttl=(1, 3))"),
        r#"(call IP dst="1.2.3.4" ttl=(tuple 1 3))"#
    );
    assert_eq!(e("x[1:2]"), "(slice x 1 2 _)");
    assert_eq!(e("x[::-1]"), "(slice x _ _ -1)");
    assert_eq!(e("x[:]"), "(slice x _ _ _)");
    assert_eq!(
        e("bytes.fromhex('00ff').hex()"),
        r#"(call (. (call (. bytes fromhex) "00ff") hex))"#
    );
}

#[test]
fn comprehensions_and_lambdas() {
    assert_eq!(
        e("[p[IP].src for p in pkts if IP in p]"),
        "(comp (. (idx p IP) src) for p in pkts if (cmp IP In p))"
    );
    assert_eq!(
        e("[x for x, y in z for w in x]"),
        "(comp x for (tuple x y) in z for w in x)"
    );
    assert_eq!(
        e("sum(len(p) for p in pkts)"),
        "(call sum (comp (call len p) for p in pkts))"
    );
    assert_eq!(e("(x for x in y)"), "(comp x for x in y)");
    assert_eq!(e("lambda p: p[TCP].dport"), "(lambda p (. (idx p TCP) dport))");
    assert_eq!(e("lambda: 0"), "(lambda  0)");
    assert_eq!(e("lambda x, y=2: x*y"), "(lambda x,y=2 (Mul x y))");
    assert_eq!(
        e("sorted(l, key=lambda p: p.ttl, reverse=True)"),
        "(call sorted l key=(lambda p (. p ttl)) reverse=true)"
    );
}

#[test]
fn statements() {
    assert_eq!(
        p("p = IP(); p.ttl = 3\np[TCP].dport = 443"),
        ["p = (call IP)", "(. p ttl) = 3", "(. (idx p TCP) dport) = 443"]
    );
    assert_eq!(p("a, b = b, a"), ["(tuple a b) = (tuple b a)"]);
    assert_eq!(p("x = y = 0"), ["x = y = 0"]);
    assert_eq!(p("n += 1"), ["n Add= 1"]);
    assert_eq!(p("del p[IP].chksum, x"), ["del (. (idx p IP) chksum) x"]);
    assert_eq!(
        p("for q in p: print(q); n += 1"),
        ["for q in p: {(call print q); n Add= 1}"]
    );
    assert_eq!(p("pass; break; continue"), ["pass", "break", "continue"]);
    assert_eq!(p("1, 2"), ["(tuple 1 2)"]);
    assert_eq!(p("\n\n;x # comment\n;;\n"), ["x"]);
    assert_eq!(p("x = [1,\n 2,\n]"), ["x = [1 2]"]);
    assert_eq!(p("x = 1 + \\\n 2"), ["x = (Add 1 2)"]);
}

#[test]
fn blocks() {
    let src = "for q in pkts:\n    if TCP in q:\n        print(q)\n    elif UDP in q: pass\n    else:\n        n += 1\nprint(n)";
    assert_eq!(
        p(src),
        [
            "for q in pkts: {if (cmp TCP In q): {(call print q)} elif (cmp UDP In q): {pass} else {n Add= 1}}",
            "(call print n)"
        ]
    );
    assert_eq!(p("if x:\n  a\n\n  # c\n  b\nc"), ["if x: {a; b} else {}", "c"]);
    assert_eq!(p("if x: a\nelse: b"), ["if x: {a} else {b}"]);
    assert_eq!(
        p("for x in y: for z in x: print(z)"),
        ["for x in y: {for z in x: {(call print z)}}"]
    );
}

#[test]
fn command_form() {
    assert_eq!(p("ls IP"), ["cmd (call ls word:IP)"]);
    assert_eq!(p("help sniff"), ["cmd (call help word:sniff)"]);
    assert_eq!(
        p("print 'hi' 42 -1 1.5 x.pcap /tmp/a"),
        [r#"cmd (call print "hi" 42 -1 1.5 "x.pcap" "/tmp/a")"#]
    );
    assert_eq!(
        p("hexdump count=10 filter=\"icmp\" iface=eth0; x"),
        [r#"cmd (call hexdump count=10 filter="icmp" iface=word:eth0)"#, "x"]
    );
    assert_eq!(
        p("print [1, 2]"),
        ["(idx print (tuple 1 2))"],
        "a bracket after a name is an index"
    );
    assert_eq!(
        p("print(1)"),
        ["(call print 1)"],
        "the call form is an expression, not a command"
    );
    assert_eq!(
        p("rdpcap /tmp/x.pcap count=10 filter=\"tcp port 80\""),
        [r#"cmd (call rdpcap "/tmp/x.pcap" count=10 filter="tcp port 80")"#]
    );
    assert_eq!(p("pkts = rdpcap(\"x.pcap\")"), [r#"pkts = (call rdpcap "x.pcap")"#]);
    assert_eq!(p("print - 1"), ["(Sub print 1)"]);
    assert_eq!(p("len = 3"), ["len = 3"]);
    assert_eq!(p("ls"), ["ls"]);
    assert_eq!(
        p("print p=lambda q: q.ttl"),
        ["cmd (call print p=(lambda q (. q ttl)))"]
    );
}

#[test]
fn syntax_errors_name_what_was_expected_where() {
    assert_eq!(err("p = IP(ttl=)"), ("expected an expression, found ')'".into(), 1, 12));
    assert_eq!(err("x = (1 2)"), ("expected ',' or ')', found '2'".into(), 1, 8));
    assert_eq!(
        err("x = 1\ny = [1, 2"),
        ("expected ',' or ']', found end of input".into(), 2, 10)
    );
    assert_eq!(
        err("p = IP() TCP()"),
        (
            "expected an operator, ';' or the end of the line, found 'TCP'".into(),
            1,
            10
        )
    );
    assert_eq!(
        err("for x in y print(x)"),
        ("expected ':', found 'print'".into(), 1, 12)
    );
    assert_eq!(err("f() = 3"), ("cannot assign to a function call".into(), 1, 1));
    assert_eq!(
        err("x = 'abc"),
        ("unterminated string literal (missing closing ')".into(), 1, 9)
    );
    assert_eq!(err("x = 0xZZ"), ("invalid number '0xZZ'".into(), 1, 5));
    assert_eq!(err("x = 12abc"), ("invalid number '12a'".into(), 1, 5));
    assert_eq!(
        err("b'é'"),
        ("bytes literals can hold only ASCII characters".into(), 1, 3)
    );
    assert_eq!(
        err("if x:\nprint(1)"),
        ("expected an indented block, found 'print'".into(), 2, 1)
    );
    assert_eq!(err("if x:\n  a\n    b"), ("unexpected indent".into(), 3, 5));
    assert_eq!(
        err("import os"),
        (
            "'import' is not supported: Scapy's layers and functions are built in, with nothing to import".into(),
            1,
            1
        )
    );
    assert_eq!(err("x = p."), ("expected a name, found end of input".into(), 1, 7));
    let (msg, ..) = err(&format!("x = {}1{}", "(".repeat(200), ")".repeat(200)));
    assert!(msg.contains("nested too deeply"), "{msg}");
    let (msg, ..) = err(&format!("x = {}1", "-".repeat(500)));
    assert!(msg.contains("nested too deeply"), "{msg}");
}

#[test]
fn incomplete_input_is_flagged() {
    for src in ["x = (1,", "for x in y:", "s = '''abc", "IP(dst='1.2.3.4',\n"] {
        assert!(parse(src).expect_err(src).incomplete, "{src}");
    }
    for src in ["x = )", "x = 'abc\n'"] {
        assert!(!parse(src).expect_err(src).incomplete, "{src}");
    }
}

#[test]
fn spans_point_at_the_source() {
    let stmts = parse("x = 1\np[TCP].dport = 443").expect("parses");
    assert_eq!((stmts[1].span.start, stmts[1].span.end), (6, 24));
    let StmtKind::Assign(targets, value) = &stmts[1].kind else {
        panic!("assignment")
    };
    assert_eq!((targets[0].span.start, targets[0].span.end), (6, 18));
    assert_eq!((value.span.start, value.span.end), (21, 24));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,80}") {
        let _ = parse(&s);
    }

    #[test]
    fn never_panics_on_program_like_text(s in "[a-zA-Z0-9_ ()\\[\\]{}.,:;=+\\-*/%<>!&|^~'\"\\\\#\n\t]{0,120}") {
        let _ = parse(&s);
    }
}

/// A block that ends inside another one hands the line back at its start: the outer block goes on at its own
/// indentation (a statement after an `if` inside a `for` or a `def`).
#[test]
fn an_inner_block_ends_where_the_outer_goes_on() {
    let src = "for n in range(2):\n    if n:\n        print(n)\n    print('after')\nprint('end')\n";
    let stmts = wirecraft::lang::parse::parse(src).unwrap_or_else(|e| panic!("{}", e.locate("<t>", src)));
    assert_eq!(stmts.len(), 2);
    let def = "def f(n):\n    while n:\n        n -= 1\n    return n\n";
    assert!(wirecraft::lang::parse::parse(def).is_ok());
}

#[test]
fn def_while_return_and_assert() {
    assert_eq!(
        p("def f(a, b=2):\n    while a:\n        a -= 1\n    return a, b\n"),
        ["def f(a,b): {while a: {a Sub= 1}; return (tuple a b)}"]
    );
    assert_eq!(p("def g(): return"), ["def g(): {return None}"]);
    assert_eq!(p("assert x, 'why'; assert y"), ["assert x \"why\"", "assert y -"]);
}

#[test]
fn try_except_else_finally_and_raise() {
    assert_eq!(
        p("try:\n    a\nexcept (K, I) as e:\n    b\nexcept:\n    c\nelse:\n    d\nfinally:\n    f\n"),
        ["try: {a} except (tuple K I) as e: {b} except * as -: {c} else {d} finally {f}"]
    );
    assert_eq!(p("try: a\nfinally: b"), ["try: {a} else {} finally {b}"]);
    assert_eq!(p("raise V('x'); raise"), ["raise (call V \"x\")", "raise -"]);
    assert_eq!(err("try:\n    a\nb").0, "expected 'except' or 'finally', found 'b'");
}

/// What the language leaves out of Python says so, at the statement.
#[test]
fn unsupported_python_says_so() {
    assert_eq!(
        err("x = 1\nfrom scapy.all import *"),
        (
            "'import' is not supported: Scapy's layers and functions are built in, with nothing to import".into(),
            2,
            1
        )
    );
    assert_eq!(
        err("class A: pass").0,
        "classes are not supported: a 'def' function or a lambda can be a callback"
    );
    assert_eq!(err("with open('f') as f: pass").0, "'with' is not supported");
}
