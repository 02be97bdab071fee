//! PacketList text output Scapy users compare by eye: `make_table`, `hexraw`, `padding` and `nzpadding`
//! (issue #11 item 4). Every expected text is Scapy 2.8.0's on the same packets.

mod common;

use common::Sink;
use wirecraft::lang::Session;

/// The repr of the last expression's value after running `src`.
fn val(src: &str) -> String {
    let mut s = Session::with_output(Sink::default());
    match s.run(src, "<t>") {
        Ok(v) => v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()),
        Err(e) => panic!("{e}"),
    }
}

/// What the program printed.
fn out(src: &str) -> String {
    let sink = Sink::default();
    let mut s = Session::with_output(sink.clone());
    if let Err(e) = s.run(src, "<t>") {
        panic!("{e}");
    }
    sink.take()
}

/// Seven IP packets to three hosts, TCP to 80 or 81 but every fourth UDP to 53.
const SEVEN: &str = "pl = PacketList([IP(src='198.18.0.1', dst='198.18.0.%d' % (i % 3 + 1), ttl=60 + i) / \
                     (TCP(dport=80 + i % 2) if i % 4 else UDP(dport=53)) for i in range(7)]); ";

#[test]
fn make_table_sorts_heads_as_numbers_then_addresses_then_text() {
    assert_eq!(
        val(&format!(
            "{SEVEN}pl.make_table(lambda p: (p[IP].dst, p[TCP].dport if TCP in p else 'none', p[IP].ttl), dump=True)"
        )),
        repr(
            "     198.18.0.1 198.18.0.2 198.18.0.3 \n80   66         -          62         \n\
              81   63         61         65         \nnone 60         64         -          \n"
        )
    );
    assert_eq!(
        val(&format!(
            "{SEVEN}pl.make_table(lambda p: (p[IP].ttl - 62, p[IP].dst, p.sport), dump=True)"
        )),
        repr(
            "           -2 -1 0  1  2  3  4  \n198.18.0.1 53 -  -  20 -  -  20 \n\
              198.18.0.2 -  20 -  -  53 -  -  \n198.18.0.3 -  -  20 -  -  20 -  \n"
        )
    );
}

/// Heads that are no ints but that `inet_aton` reads (`10.5` is 10.0.0.5) sort as addresses, as in Scapy:
/// a column of floats is in no numeric order.
#[test]
fn make_table_sorts_what_inet_aton_reads_as_addresses() {
    let ttls = "pl = PacketList([IP(src='198.18.0.1', dst='198.18.0.%d' % (i % 2 + 1), ttl=t) \
                for i, t in enumerate([42, 9, 100, 1, 64])]); ";
    assert_eq!(
        val(&format!("{ttls}pl.make_table(lambda p: (p.ttl / 4, p.dst, p.ttl), dump=True)")),
        "'           0.25 2.25 10.5 16.0 25.0 \\n198.18.0.1 -    -    42   64   100  \\n198.18.0.2 1    9    -    -    -    \\n'"
    );
    assert_eq!(
        val(&format!("{ttls}pl.make_table(lambda p: (p.dst + 'x', p.ttl / 8, p.ttl), dump=True)")),
        "'      198.18.0.1x 198.18.0.2x \\n0.125 -           1           \\n1.125 -           9           \\n5.25  42          -           \\n8.0   64          -           \\n12.5  100         -           \\n'"
    );
}

#[test]
fn make_table_takes_sort_keys_and_prints_without_dump() {
    assert_eq!(
        val(&format!(
            "{SEVEN}pl.make_table(lambda p: (p[IP].dst, p.dport, p[IP].ttl), sortx=lambda x: -int(x.split('.')[-1]), \
             dump=True)"
        )),
        repr(
            "   198.18.0.3 198.18.0.2 198.18.0.1 \n53 -          64         60         \n\
              80 62         -          66         \n81 65         61         63         \n"
        )
    );
    assert_eq!(
        out("PacketList([IP(src='198.18.0.1', dst='198.18.0.2')/ICMP(), \
             IP(src='198.18.0.1', dst='198.18.0.3', ttl=2)/UDP()]).make_table(lambda p: (p.dst, p.ttl, p.summary()))"),
        "   198.18.0.2                                       198.18.0.3                                     \n\
         2  -                                                IP / UDP 198.18.0.1:domain > 198.18.0.3:domain \n\
         64 IP / ICMP 198.18.0.1 > 198.18.0.2 echo-request 0 -                                              \n"
    );
    assert_eq!(
        val("PacketList([]).make_table(lambda p: (1, 2, 3), dump=True)"),
        "' \\n'"
    );
}

/// Scapy's `make_lined_table`: the same table, with `|` after every cell and `-`/`+` lines around the heads
/// and below the last row.
#[test]
fn make_lined_table_draws_scapys_lines() {
    let ttls = "pl = PacketList([IP(src='198.18.0.1', dst='198.18.0.%d' % (i % 2 + 1), ttl=t) \
                for i, t in enumerate([42, 9, 100, 1, 64])]); ";
    assert_eq!(
        val(&format!(
            "{ttls}pl.make_lined_table(lambda p: (p.dst, p.ttl, p.ttl * 1000), dump=True)"
        )),
        repr(concat!(
            "----+------------+------------+\n",
            "    | 198.18.0.1 | 198.18.0.2 | \n",
            "----+------------+------------+\n",
            "1   | -          | 1000       | \n",
            "9   | -          | 9000       | \n",
            "42  | 42000      | -          | \n",
            "64  | 64000      | -          | \n",
            "100 | 100000     | -          | \n",
            "----+------------+------------+\n",
        ))
    );
    assert_eq!(
        val("PacketList([]).make_lined_table(lambda p: (1, 2, 3), dump=True)"),
        repr("-+\n | \n-+\n-+\n")
    );
    assert_eq!(
        out(&format!("{ttls}pl.make_lined_table(lambda p: (p.ttl, p.dst, p.id))")),
        concat!(
            "-----------+---+---+----+----+-----+\n",
            "           | 1 | 9 | 42 | 64 | 100 | \n",
            "-----------+---+---+----+----+-----+\n",
            "198.18.0.1 | - | - | 1  | 1  | 1   | \n",
            "198.18.0.2 | 1 | 1 | -  | -  | -   | \n",
            "-----------+---+---+----+----+-----+\n",
        )
    );
}

#[test]
fn make_table_wants_three_values() {
    let mut s = Session::with_output(Sink::default());
    let e = s
        .run("PacketList([IP()]).make_table(lambda p: (1, 2))", "<t>")
        .expect_err("two values");
    assert_eq!(e.message, "not enough values to unpack (expected 3, got 2)");
}

/// `hexraw`, `padding` and `nzpadding` (with and without `lfilter`) print Scapy's lines: index, time of day,
/// summary, then the Raw load or the padding as `hexdump` shows it.
#[test]
fn hexraw_padding_and_nzpadding_print_as_scapy() {
    let program = r"
pl = PacketList([IP(src='198.18.0.1', dst='198.18.0.2')/TCP()/Raw(b'hello world, hello!'),
                 IP(src='198.18.0.1', dst='198.18.0.2')/ICMP()/Padding(b'\x00\x00\x01'),
                 IP(src='198.18.0.1', dst='198.18.0.3')/UDP()/Padding(b'\x00\x00')])
for i in range(3):
    pl[i].time = 1700000000.25 + i * 3661
pl.hexraw(); pl.hexraw(lfilter=lambda p: UDP in p); pl.padding(); pl.padding(lfilter=lambda p: UDP in p); pl.nzpadding()
";
    let expected = "\
        0000 22:13:20.250000 IP / TCP 198.18.0.1:ftp_data > 198.18.0.2:http S / Raw\n\
        0000  68 65 6C 6C 6F 20 77 6F 72 6C 64 2C 20 68 65 6C  hello world, hel\n\
        0010  6C 6F 21                                         lo!\n\
        0001 23:14:21.250000 IP / ICMP 198.18.0.1 > 198.18.0.2 echo-request 0 / Padding\n\
        0002 00:15:22.250000 IP / UDP 198.18.0.1:domain > 198.18.0.3:domain / Padding\n\
        0002 00:15:22.250000 IP / UDP 198.18.0.1:domain > 198.18.0.3:domain / Padding\n\
        0001 23:14:21.250000 IP / ICMP 198.18.0.1 > 198.18.0.2 echo-request 0 / Padding\n\
        0000  00 00 01                                         ...\n\
        0002 00:15:22.250000 IP / UDP 198.18.0.1:domain > 198.18.0.3:domain / Padding\n\
        0000  00 00                                            ..\n\
        0002 00:15:22.250000 IP / UDP 198.18.0.1:domain > 198.18.0.3:domain / Padding\n\
        0000  00 00                                            ..\n\
        0001 23:14:21.250000 IP / ICMP 198.18.0.1 > 198.18.0.2 echo-request 0 / Padding\n\
        0000  00 00 01                                         ...\n\
";
    assert_eq!(out(program), expected);
}

/// Python's repr of a text, for the expected values above.
fn repr(text: &str) -> String {
    format!("'{}'", text.replace('\n', "\\n"))
}
