//! Records and options as layers (issue #11 item 2): `p[DNSRR]`, `p[DNS].an[1]` and `p[IPOption_RR]` are the
//! packet's own records, so editing one edits the packet, as in Scapy 2.8. The expected text was printed by
//! Scapy 2.8.0 running the same program, except where noted. (Reads of records are pinned by the `records_*`
//! and `dispatch_*` cases of tests/data/vectors/lang.jsonl.)

mod common;

use common::Sink;
use wirecraft::lang::Session;

/// What the program printed, or the error it stopped at.
fn run(src: &str) -> String {
    let sink = Sink::default();
    let mut s = Session::with_output(sink.clone());
    match s.run(src, "<t>") {
        Ok(_) => sink.take(),
        Err(e) => format!("{}error: {e}", sink.take()),
    }
}

const DNS: &str = r#"p = IP(src="198.18.0.1", dst="198.18.0.2")/UDP(sport=5000)/DNS(qd=DNSQR(qname="a.example."), an=[DNSRR(rrname="a.example.", rdata="198.18.0.5"), DNSRR(rrname="b.example.", rdata="198.18.0.6")])
q = IP(raw(p))
"#;

#[test]
fn edits_through_a_record_are_the_packets() {
    let program = format!(
        "{DNS}{}",
        r#"q[DNSRR].ttl = 60
for rr in q[DNS].an:
    rr.rclass = 3
q[DNS].an[1].rdata = "198.18.0.7"
q[DNSQR].qtype = "AAAA"
print(raw(q).hex())
r = IP(raw(q))
print(r[DNSRR].ttl, r[DNSRR:2].rdata, r[DNSQR].qtype, r[DNS].ancount, r.chksum == q.chksum)
c = r[DNSRR].copy()
c.ttl = 1
print(r[DNSRR].ttl)
del q[DNSRR].ttl
print(q[DNSRR].ttl)
"#
    );
    // Scapy sends the UDP checksum it read (c421), stale once a record changed; wirecraft recomputes it (the
    // edit rule, README), so only those two bytes differ from Scapy's.
    assert_eq!(
        run(&program),
        "45000069000100004011ee5bc6120001c6120002138800350055a5e30000010000010002000000000161076578616d706c65\
         00001c00010161076578616d706c6500000100030000003c0004c61200050162076578616d706c65000001000300000000\
         0004c6120007\n60 198.18.0.7 28 2 True\n60\n0\n"
    );
}

#[test]
fn ip_options_are_edited_in_place() {
    let program = r#"o = IP(src="198.18.0.1", dst="198.18.0.2", options=[IPOption_RR(routers=["198.18.0.9"])])/TCP()
o[IPOption_RR].routers = ["198.18.0.9", "198.18.0.10"]
print(raw(o).hex())
"#;
    assert_eq!(
        run(program),
        "48000034000100004006a804c6120001c6120002070b04c6120009c612000a000014005000000000000000005002200003570000\n"
    );
}

/// Where Scapy's record object would outlive its list, a record value taken before a record list of its packet
/// was replaced says so rather than read whichever record now sits at its place (a deliberate difference,
/// README).
#[test]
fn a_record_whose_list_was_replaced_says_so() {
    let program = format!(
        "{DNS}{}",
        r#"r = q[DNSRR]
s = q[DNSQR]
q[DNS].an = [DNSRR(rrname="c.example.")]
print(q[DNSQR].qname, q[DNSRR].rrname)
s.qname
"#
    );
    assert_eq!(
        run(&program),
        "b'a.example.' b'c.example.'\nerror: <t>:7:1: ValueError: this DNSQR may no longer be in its packet: a record \
         list of the packet was replaced since it was taken; take it again, as p[DNSQR]\n    s.qname\n    ^^^^^^^"
    );
}

/// A list read from a field is the field's: changing it changes the packet (Scapy 2.8.0 printed the same).
#[test]
fn a_list_read_from_a_field_is_the_fields() {
    let program = r#"p = IP(src="9.10.11.12",dst="13.14.15.16",options=IPOption_SDBM(addresses=["1.2.3.4","5.6.7.8"]))/TCP()
p.options[0].addresses[0] = '5.6.7.8'
print(IP(raw(p)).options[0].addresses)
t = TCP(options=[("MSS", 1460)])
t.options.append(("NOP", None))
print(t.options)
o = t.options
t.options = []
o.append(("WScale", 2))
print(t.options, o)
"#;
    assert_eq!(
        run(program),
        "['5.6.7.8', '5.6.7.8']\n[('MSS', 1460), ('NOP', None)]\n[] [('MSS', 1460), ('NOP', None), ('WScale', 2)]\n"
    );
}

/// Records put into, or moved within, a record list are the packet's records at their new places, and record
/// values the list holds move with them (wirecraft's; Scapy's objects would simply be shared).
#[test]
fn records_moved_in_their_list_stay_the_packets() {
    let program = r#"d = IP(src="198.18.0.1", dst="198.18.0.2")/UDP()/DNS(an=[DNSRR(rrname="a.")])
an = d[DNS].an
an.insert(0, DNSRR(rrname="z."))
print(an[1].rrname, d[DNSRR].rrname, d[DNSRR:2].rrname)
an[0].ttl = 5
an[1].ttl = 6
print(d[DNSRR].ttl, d[DNSRR:2].ttl, IP(raw(d))[DNS].ancount)
"#;
    assert_eq!(run(program), "b'a.' b'z.' b'a.'\n5 6 2\n");
}

/// The packet a variable names, as a weak reference: dead once the packet is freed.
fn packet_of(s: &Session, name: &str) -> std::rc::Weak<std::cell::RefCell<wirecraft::packet::Packet>> {
    match s.get(name) {
        Some(wirecraft::lang::Value::Packet(p)) => std::rc::Rc::downgrade(&p.cell),
        other => panic!("{name} is not a packet: {other:?}"),
    }
}

/// A list of records read from a packet and the packet hold each other (the list is the field's; its records
/// are the packet's): found by the language fuzzer as a leak. Packets only such lists reach are freed after
/// each run and when the session ends; packets anything else reaches are not.
#[test]
fn a_packet_and_its_record_lists_are_freed_together() {
    let mut s = Session::with_output(Sink::default());
    s.run("p = DNS(qd=[DNSQR(), DNSQR()])\nl = p.qd\nn = len(p.qd)", "<t>")
        .unwrap();
    let held_by_variables = packet_of(&s, "p");
    s.run("p = None\nl = None", "<t>").unwrap();
    assert!(held_by_variables.upgrade().is_none(), "freed once no variable holds it");

    // Many packets in one run, each with its lists (the sweeps free them as the run goes: 200,000 such packets
    // peak at 11 MB, were 714 MB), the last one kept by `p`.
    s.run(
        "for i in range(5000):\n    p = DNS(qd=[DNSQR(), DNSQR()], an=[DNSRR()])\n    n = len(p.qd) + len(p.an)",
        "<t>",
    )
    .unwrap();
    let last = packet_of(&s, "p");
    assert!(last.upgrade().is_some());

    // What is reachable stays: a list held alone, a record held alone, an edit made through a dropped list.
    let sink = Sink::default();
    let mut s = Session::with_output(sink.clone());
    s.run(
        "p = DNS(qd=[DNSQR(qname='a.example.')])\nl = p.qd\nq = DNS(qd=[DNSQR(qname='b.example.')])\nr = q.qd[0]\n\
         t = DNS(qd=[DNSQR(qname='c.example.')])\nt.qd.append(DNSQR(qname='d.example.'))\nkept = p\n\
         del p\ndel q",
        "<t>",
    )
    .unwrap();
    let through_list = packet_of(&s, "kept");
    s.run("del kept", "<t>").unwrap();
    assert!(
        through_list.upgrade().is_some(),
        "the list `l` still reaches its packet"
    );
    s.run("print(l[0].qname, r.qname, len(t.qd), t.qd[1].qname)", "<t>")
        .unwrap();
    assert_eq!(sink.take(), "b'a.example.' b'b.example.' 2 b'd.example.'\n");
    drop(s);
    assert!(through_list.upgrade().is_none(), "freed with the session");
}
