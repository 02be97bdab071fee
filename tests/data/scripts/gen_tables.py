#!/usr/bin/env python3
# Generate src/layers/well_known.rs: number-to-name tables dumped from the
# *field objects* of Scapy 2.8.0 (field.i2s / MultiEnumField.i2s_multi).
#
# How to run (from the repository root, needs `pip install scapy==2.8.0`):
#
#     python3 tests/data/scripts/gen_tables.py
#     rustfmt --edition 2021 src/layers/well_known.rs
#
# Nothing is sent or sniffed; the script only imports Scapy and reads its
# field definitions.
#
# NOTE: on Linux, Scapy fills ETHER_TYPES, IP_PROTOS, TCP_SERVICES and
# UDP_SERVICES from /etc/ethertypes, /etc/protocols and /etc/services (Debian
# "netbase" package here) and only falls back to its bundled copy
# (scapy/libs/ethertypes.py) when /etc/ethertypes is missing.  The dumped
# tables therefore are those of the machine that ran this script; the script
# records the source files used in the header of the generated file.

import os
import sys

from scapy import __version__ as SCAPY_VERSION
from scapy.all import (  # noqa: F401
    ARP, DNS, DNSQR, DNSRR, DNSRROPT, EDNS0TLV, ICMP, IP, IPOption, TCP, UDP,
    CookedLinux, CookedLinuxV2, Dot1Q, Ether, Loopback,
)
from scapy.fields import _EnumField, _MultiEnumField
from scapy.layers.inet import TCPOptions
from scapy.layers.inet6 import (
    IPv6, ICMPv6EchoRequest, HBHOptUnknown, icmp6typescls,
)
import scapy.layers.inet6 as inet6

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "src", "layers", "well_known.rs")


def field(cls, name):
    for f in cls.fields_desc:
        f = getattr(f, "fld", f)  # unwrap Conditional/Emph fields
        if f.name == name:
            return f
    raise KeyError("%s.%s" % (cls.__name__, name))


def i2s(cls, name):
    f = field(cls, name)
    assert isinstance(f, _EnumField), (cls, name, type(f))
    assert f.i2s is not None, (cls, name)
    return dict(f.i2s)


def rust_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append("\\u{%x}" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def fmt_num(n, hexa):
    return "0x%04x" % n if hexa else "%d" % n


def emit_table(lines, name, table, doc, hexa=False):
    lines.append("/// %s" % doc)
    lines.append("pub static %s: &[(u64, &str)] = &[" % name)
    for k in sorted(table):
        lines.append("    (%s, %s)," % (fmt_num(k, hexa), rust_str(str(table[k]))))
    lines.append("];")
    lines.append("")


def emit_nested(lines, name, nested, doc):
    lines.append("/// %s" % doc)
    lines.append("pub static %s: &[(u64, &[(u64, &str)])] = &[" % name)
    for t in sorted(nested):
        lines.append("    (%d, &[" % t)
        for k in sorted(nested[t]):
            lines.append("        (%d, %s)," % (k, rust_str(str(nested[t][k]))))
        lines.append("    ]),")
    lines.append("];")
    lines.append("")


def main():
    if SCAPY_VERSION != "2.8.0":
        print("warning: expected Scapy 2.8.0, found %s" % SCAPY_VERSION,
              file=sys.stderr)

    ether = i2s(Ether, "type")
    # The same dict object content is used by Dot1Q.type, ARP.ptype, SLL proto
    for c, n in [(Dot1Q, "type"), (ARP, "ptype"), (CookedLinux, "proto"),
                 (CookedLinuxV2, "proto")]:
        assert i2s(c, n) == ether, (c, n)
    tcp = i2s(TCP, "sport")
    assert i2s(TCP, "dport") == tcp
    udp = i2s(UDP, "sport")
    assert i2s(UDP, "dport") == udp

    icmp_code = field(ICMP, "code")
    assert isinstance(icmp_code, _MultiEnumField)
    icmp_codes = {t: dict(m) for t, m in icmp_code.i2s_multi.items()}

    # ICMPv6: Scapy has one class per type; the code names live on each
    # class's own `code` field (when it is an enum field with a dict).
    icmp6_codes = {}
    for t, clsname in icmp6typescls.items():
        # values are class names in the source, replaced by the classes
        # themselves once inet6 is fully loaded
        cls = (getattr(inet6, clsname, None) if isinstance(clsname, str)
               else clsname)
        if cls is None:
            continue
        try:
            f = field(cls, "code")
        except KeyError:
            continue
        if isinstance(f, _EnumField) and f.i2s:
            icmp6_codes[t] = dict(f.i2s)

    tcp_opts = {k: v[0] for k, v in TCPOptions[0].items()}

    src = []
    for p in ["/etc/ethertypes", "/etc/protocols", "/etc/services"]:
        src.append("%s (%s)" % (p, "present" if os.path.exists(p) else "absent"))

    L = []
    L.append("//! Number-to-name tables dumped from Scapy %s by "
             "tests/data/scripts/gen_tables.py. Do not edit." % SCAPY_VERSION)
    L.append("//!")
    L.append("//! Scapy loads ETHER_TYPES/IP_PROTOS/TCP_SERVICES/UDP_SERVICES "
             "from system files;")
    L.append("//! when this was generated: %s." % ", ".join(src))
    L.append("")

    emit_table(L, "ETHER_TYPES", ether,
               "Ether.type / Dot1Q.type / ARP.ptype / CookedLinux(V2).proto "
               "(`ETHER_TYPES`).", hexa=True)
    emit_table(L, "IP_PROTOS", i2s(IP, "proto"),
               "IP.proto / IPerror.proto (`IP_PROTOS`).")
    emit_table(L, "TCP_SERVICES", tcp, "TCP.sport / TCP.dport (`TCP_SERVICES`).")
    emit_table(L, "UDP_SERVICES", udp, "UDP.sport / UDP.dport (`UDP_SERVICES`).")
    emit_table(L, "IPV6_NH", i2s(IPv6, "nh"),
               "IPv6.nh and IPv6 extension headers' nh (`ipv6nh`). NOT IP_PROTOS.")
    emit_table(L, "IP_OPTIONS", i2s(IPOption, "option"),
               "IPOption.option (5-bit option number, copy_flag/optclass separate).")
    emit_table(L, "IP_OPTION_CLASSES", i2s(IPOption, "optclass"),
               "IPOption.optclass (2 bits).")
    emit_table(L, "TCP_OPTIONS", tcp_opts,
               "TCP option kind -> name used in TCP.options tuples "
               "(`scapy.layers.inet.TCPOptions[0]`).")
    emit_table(L, "ICMP_TYPES", i2s(ICMP, "type"), "ICMP.type / ICMPerror.type.")
    emit_nested(L, "ICMP_CODES", icmp_codes,
                "ICMP.code names per ICMP type (MultiEnumField i2s_multi).")
    emit_table(L, "ICMPV6_TYPES", i2s(ICMPv6EchoRequest, "type"),
               "ICMPv6 type field of every ICMPv6 class (`icmp6types`).")
    emit_nested(L, "ICMPV6_CODES", icmp6_codes,
                "ICMPv6 code names per type, taken from the `code` field of "
                "the class Scapy uses for that type (`icmp6typescls`).")
    emit_table(L, "IPV6_HBH_OPT_TYPES", i2s(HBHOptUnknown, "otype"),
               "IPv6 Hop-by-Hop / Destination option types (`_hbhopts`); "
               "note `_OTypeField.i2repr` appends the action bits text.")
    emit_table(L, "ARP_OPS", i2s(ARP, "op"), "ARP.op.")
    emit_table(L, "ARP_HWTYPES", i2s(ARP, "hwtype"), "ARP.hwtype.")
    emit_table(L, "DNS_TYPES", i2s(DNSRR, "type"),
               "DNSRR.type (and every DNSRR* class's type) (`dnstypes`).")
    emit_table(L, "DNS_QTYPES", i2s(DNSQR, "qtype"),
               "DNSQR.qtype (`dnsqtypes`: DNS_TYPES plus IXFR/AXFR/MAILB/MAILA/ALL).")
    emit_table(L, "DNS_CLASSES", i2s(DNSRR, "rclass"), "DNSRR.rclass (`dnsclasses`).")
    emit_table(L, "DNS_QCLASSES", i2s(DNSQR, "qclass"), "DNSQR.qclass.")
    emit_table(L, "DNS_OPCODES", i2s(DNS, "opcode"), "DNS.opcode.")
    emit_table(L, "DNS_RCODES", i2s(DNS, "rcode"), "DNS.rcode.")
    emit_table(L, "EDNS0_OPTCODES", i2s(EDNS0TLV, "optcode"), "EDNS0TLV.optcode.")
    emit_table(L, "LOOPBACK_TYPES", i2s(Loopback, "type"),
               "Loopback (DLT_NULL) .type address families.")
    emit_table(L, "SLL_PKTTYPES", i2s(CookedLinux, "pkttype"),
               "CookedLinux.pkttype / CookedLinuxV2.pkttype.")
    assert i2s(CookedLinuxV2, "pkttype") == i2s(CookedLinux, "pkttype")

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(L))
    print("wrote %s" % OUT)


if __name__ == "__main__":
    main()
