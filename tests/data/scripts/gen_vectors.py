#!/usr/bin/env python3
# Generate the golden vectors used by the Rust tests:
#   tests/data/vectors/build.jsonl    (packets built from a layer description)
#   tests/data/vectors/dissect.jsonl  (frames dissected by conf.l2types[lt])
#   tests/data/vectors/ls.txt         (ls(cls) of every class in LS_CLASSES)
#   tests/data/vectors/ls_verbose.txt (ls(obj, verbose=True) of those classes
#                                      and of LS_VERBOSE_PACKETS)
#   tests/data/vectors/lang.jsonl     (Scapy expressions, run as text through
#                                      wirecraft's language: raw() and reprs)
#
# How to run (from the repository root; needs Scapy 2.8.0, e.g.
# `pip install scapy==2.8.0`; no root, no network):
#
#     python3 tests/data/scripts/gen_vectors.py
#
# Nothing is sent or sniffed.  Every address is explicit (MACs 02:00:00:..,
# IPv4 198.18.0.0/15, IPv6 fd00::/8) so Scapy never consults the routing
# table to fill in Ether/IP/IPv6/ARP/ND-option addresses.
#
# Build-case kwargs encoding (JSON -> Python, see decode()):
#   int / str / null / bool      -> as is
#   {"bytes": "<hex>"}           -> bytes
#   {"range": [a, b]}            -> tuple (a, b)          (a Scapy "set")
#   {"list": [v, ...]}           -> list  (elements decoded recursively)
#   {"tuple": [v, ...]}          -> tuple (elements decoded recursively)
#   {"layers": [[cls, kw], ...]} -> list of packet instances
# Random values (RandShort etc.) are never used.  ICMP timestamp fields are
# always given explicitly: Scapy's default for ts_ori/ts_rx/ts_tx is the
# current time of day (ICMPTimeStampField), which is not reproducible.
#
# show()/show2()/command()/raw() are recorded as null when Scapy raises on
# them; the script prints each such case on stderr.  With Scapy 2.8.0 only
# set_icmp_type_list has nulls (see NOTES_BUILD_NULLS at the bottom, kept up
# to date by hand from the generator's stderr).
#
# Dissect cases where Scapy itself raises are dropped (listed on stderr and in
# NOTES_DISSECT_DROPPED at the bottom).

import io
import json
import os
import struct
import sys
import contextlib
import warnings

from scapy import __version__ as SCAPY_VERSION
import scapy.all as S
from scapy.all import conf, raw, ls
from scapy.packet import Packet



def _forbid_network():
    """Safety net: make every Scapy send/receive entry point raise, so no
    case can ever put a frame on the wire (e.g. via an ARP/ND lookup)."""
    import scapy.layers.l2 as l2
    import scapy.sendrecv as sr

    def refuse(*_a, **_k):
        raise RuntimeError("gen_vectors.py must not touch the network")

    for mod in (l2, sr, S):
        for name in ("srp1", "srp", "sr", "sr1", "sendp", "send", "sniff",
                     "arping"):
            if hasattr(mod, name):
                setattr(mod, name, refuse)

    class NoSocket(object):
        def __init__(self, *_a, **_k):
            refuse()

    conf.L2socket = conf.L3socket = conf.L2listen = NoSocket


_forbid_network()

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VEC = os.path.join(ROOT, "tests", "data", "vectors")

M1, M2, MB, M0 = ("02:00:00:00:00:01", "02:00:00:00:00:02",
                  "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00")
A1, A2, A3, A4 = "198.18.0.1", "198.18.0.2", "198.18.0.3", "198.18.0.4"
B1, B2, B3, B4 = "fd00::1", "fd00::2", "fd00::3", "fd00::4"


# --------------------------------------------------------------------------
# JSON value encoding / decoding
# --------------------------------------------------------------------------

def decode(v):
    if isinstance(v, dict):
        assert len(v) == 1, v
        (k, x), = v.items()
        if k == "bytes":
            return bytes.fromhex(x)
        if k == "range":
            assert len(x) == 2
            return (decode(x[0]), decode(x[1]))
        if k == "list":
            return [decode(e) for e in x]
        if k == "tuple":
            return tuple(decode(e) for e in x)
        if k == "layers":
            return [make_layer(c, kw) for c, kw in x]
        if k == "rand":
            raise ValueError("random values are not allowed in golden cases")
        raise ValueError("unknown encoding %r" % k)
    if isinstance(v, list):
        raise ValueError("bare JSON arrays are not allowed; use list/tuple")
    return v


def make_layer(name, kw):
    cls = getattr(S, name)
    return cls(**{k: decode(v) for k, v in kw.items()})


def build(layers):
    p = None
    for name, kw in layers:
        layer = make_layer(name, kw)
        p = layer if p is None else p / layer
    return p


def B(data):
    if isinstance(data, str):
        data = data.encode()
    return {"bytes": data.hex()}


def RNG(a, b):
    return {"range": [a, b]}


def LST(*v):
    return {"list": list(v)}


def TUP(*v):
    return {"tuple": list(v)}


def LAY(*layers):
    return {"layers": list(layers)}


def L(name, **kw):
    return [name, kw]


def E(**kw):
    return L("Ether", **{"dst": M2, "src": M1, **kw})


def I4(**kw):
    return L("IP", **{"src": A1, "dst": A2, **kw})


def I6(**kw):
    return L("IPv6", **{"src": B1, "dst": B2, **kw})


def RAW(data):
    return L("Raw", load=B(data))


# --------------------------------------------------------------------------
# Build cases
# --------------------------------------------------------------------------

def find_udp_zero_checksum_payload():
    """Find a 2-byte UDP payload whose computed checksum is 0, which Scapy
    then transmits as 0xffff (RFC 768)."""
    from scapy.utils import checksum
    base = S.IP(src=A1, dst=A2) / S.UDP(sport=1024, dport=1025) / S.Raw(b"\0\0")
    c = S.IP(raw(base))[S.UDP].chksum
    payload = struct.pack("!H", c)
    p = S.IP(src=A1, dst=A2) / S.UDP(sport=1024, dport=1025) / S.Raw(payload)
    r = raw(p)
    assert r[26:28] == b"\xff\xff", r.hex()
    # double-check: checksum over pseudo header + UDP with a zero checksum = 0
    udp = bytearray(r[20:])
    udp[6:8] = b"\0\0"
    pseudo = bytes.fromhex("c6120001c6120002") + struct.pack("!BBH", 0, 17, len(udp))
    assert checksum(pseudo + bytes(udp)) == 0
    return payload


def build_cases():
    C = []

    def add(cid, *layers):
        assert cid not in {c[0] for c in C}, cid
        C.append((cid, list(layers)))

    # ---- Ether ----------------------------------------------------------
    add("ether_alone", E())
    add("ether_broadcast_alone", E(dst=MB))
    add("ether_type_explicit_raw", E(type=0x88b5), RAW(b"hello"))
    add("ether_type_name", E(type="IPv4"))
    add("ether_raw_payload", E(), RAW(b"abcdefghijklmnopqrstuvwxyz"))
    add("ether_ip", E(), I4())
    add("ether_ipv6", E(), I6())
    add("ether_arp_auto_type", E(dst=MB), L("ARP", hwsrc=M1, psrc=A1, hwdst=M0, pdst=A2))

    # ---- 802.3 / LLC / STP ------------------------------------------------
    # STP's times are seconds (BCDFloatField, 1/256 s on the wire): whole numbers stay ints when shown, a
    # fraction is a float, and re-dissected they are floats.
    stp_dst = "01:80:c2:00:00:00"
    add("stp_default", L("Dot3", dst=stp_dst, src=M1), L("LLC"), L("STP"))
    add("stp_times_whole", L("Dot3", dst=stp_dst, src=M1), L("LLC"),
        L("STP", age=0, maxage=6, hellotime=3, fwddelay=4))
    add("stp_times_fractions", L("Dot3", dst=stp_dst, src=M1), L("LLC"),
        L("STP", age=0.00390625, maxage=20.75, hellotime=2.5, fwddelay=0.1))

    # ---- Dot1Q / QinQ -----------------------------------------------------
    add("dot1q_alone_in_ether", E(), L("Dot1Q"))
    add("dot1q_ip_udp", E(), L("Dot1Q", vlan=100), I4(), L("UDP", sport=1024, dport=2048))
    add("dot1q_prio_dei_vlan", E(), L("Dot1Q", prio=5, dei=1, vlan=4094), I4(), L("ICMP"))
    add("dot1q_vlan0", E(), L("Dot1Q", vlan=0, prio=7), I6(), L("ICMPv6EchoRequest"))
    add("dot1q_arp", E(dst=MB), L("Dot1Q", vlan=7),
        L("ARP", hwsrc=M1, psrc=A1, hwdst=M0, pdst=A2))
    add("qinq_dot1ad_dot1q", E(), L("Dot1AD", vlan=10), L("Dot1Q", vlan=20), I4(),
        L("TCP", dport=80))
    add("qinq_dot1q_dot1q", E(), L("Dot1Q", vlan=10), L("Dot1Q", vlan=20), I4(),
        L("UDP", sport=1024, dport=53))
    add("qinq_explicit_types", E(type=0x88a8), L("Dot1Q", vlan=300, type=0x8100),
        L("Dot1Q", vlan=400, prio=3), I4())
    add("dot1q_type_explicit_raw", E(), L("Dot1Q", vlan=5, type=0x1234), RAW(b"xyz"))

    # ---- ARP --------------------------------------------------------------
    add("arp_who_has", E(dst=MB), L("ARP", op="who-has", hwsrc=M1, psrc=A1, hwdst=M0, pdst=A2))
    add("arp_is_at", E(), L("ARP", op="is-at", hwsrc=M2, psrc=A2, hwdst=M1, pdst=A1))
    add("arp_op_int_2", E(), L("ARP", op=2, hwsrc=M2, psrc=A2, hwdst=M1, pdst=A1))
    add("arp_explicit_hwlen_plen", E(dst=MB),
        L("ARP", hwlen=6, plen=4, op=1, hwsrc=M1, psrc=A1, hwdst=M0, pdst=A2))
    add("arp_alone", L("ARP", hwsrc=M1, psrc=A1, hwdst=M0, pdst=A2))
    add("arp_gratuitous", E(dst=MB), L("ARP", op=1, hwsrc=M1, psrc=A1, hwdst=MB, pdst=A1))

    # ---- IPv4 -------------------------------------------------------------
    add("ip_alone", I4())
    add("ip_ttl", E(), I4(ttl=1))
    add("ip_id", E(), I4(id=0xbeef))
    add("ip_tos", E(), I4(tos=0xb8))
    add("ip_flags_df", E(), I4(flags="DF"), L("ICMP"))
    add("ip_flags_mf", E(), I4(flags="MF", id=77), RAW(b"fragdata"))
    add("ip_flags_evil", E(), I4(flags="evil"))
    add("ip_flags_df_mf", E(), I4(flags="DF+MF"))
    add("ip_flags_int", E(), I4(flags=2))
    add("ip_frag_offset", E(), I4(frag=185, proto=6), RAW(b"\x00" * 16))
    add("ip_frag_mf_first", E(), I4(flags="MF", frag=0), L("UDP", sport=1024, dport=2048),
        RAW(b"x" * 8))
    add("ip_bad_chksum", E(), I4(chksum=0x1234), L("ICMP"))
    add("ip_bad_len_short", E(), I4(len=10), L("ICMP"))
    add("ip_bad_len_long", E(), I4(len=1000), L("ICMP"))
    add("ip_ihl_explicit_6", E(), I4(ihl=6))
    add("ip_ihl_explicit_4", E(), I4(ihl=4), L("ICMP"))
    add("ip_proto_explicit_num", E(), I4(proto=253), RAW(b"\x01\x02\x03"))
    add("ip_proto_name", E(), I4(proto="gre"))
    add("ip_proto_auto_tcp", E(), I4(), L("TCP"))
    add("ip_proto_auto_udp", E(), I4(), L("UDP"))
    add("ip_proto_auto_icmp", E(), I4(), L("ICMP"))
    add("ip_in_ip", E(), I4(), I4(src=A3, dst=A4), L("ICMP"))
    add("ip_ipv6_in_ip", E(), I4(), I6(), L("UDP", sport=1024, dport=2048))
    add("ip_version_explicit", E(), I4(version=5))
    add("ip_opt_eol", E(), I4(options=LAY(L("IPOption_EOL"))))
    add("ip_opt_nop", E(), I4(options=LAY(L("IPOption_NOP"))), L("ICMP"))
    add("ip_opt_nop_nop_eol", E(), I4(options=LAY(L("IPOption_NOP"), L("IPOption_NOP"),
                                                  L("IPOption_EOL"))))
    add("ip_opt_rr_empty", E(), I4(options=LAY(L("IPOption_RR"))))
    add("ip_opt_rr", E(), I4(options=LAY(L("IPOption_RR", routers=LST(A3, A4)))), L("ICMP"))
    add("ip_opt_rr_one_padded", E(), I4(options=LAY(L("IPOption_RR", routers=LST(A3)))))
    add("ip_opt_lsrr", E(), I4(options=LAY(L("IPOption_LSRR", routers=LST(A3, A4)))),
        L("UDP", sport=1024, dport=2048))
    add("ip_opt_ssrr", E(), I4(options=LAY(L("IPOption_SSRR", pointer=8,
                                                   routers=LST(A3, A4)))), L("TCP"))
    add("ip_opt_timestamp", E(), I4(options=LAY(L("IPOption_Timestamp", flg=0,
                                                       timestamp=123456))))
    add("ip_opt_timestamp_addr", E(), I4(options=LAY(L("IPOption_Timestamp", flg=1,
                                                            internet_address=A3,
                                                            timestamp=654321))))
    add("ip_opt_router_alert", E(), I4(options=LAY(L("IPOption_Router_Alert"))), L("ICMP"))
    add("ip_opt_unknown", E(), I4(options=LAY(L("IPOption", option=30, value=B(b"\xaa\xbb")))))
    add("ip_opt_unknown_copy", E(), I4(options=LAY(L("IPOption", copy_flag=1, optclass=2,
                                                         option=25, value=B(b"abcd")))))
    add("ip_opt_mixed", E(), I4(options=LAY(L("IPOption_NOP"), L("IPOption_Router_Alert"),
                                            L("IPOption_RR", routers=LST(A3)),
                                            L("IPOption_EOL"))), L("TCP", dport=22))
    add("ip_opt_security", E(), I4(options=LAY(L("IPOption_Security"))))
    add("ip_opt_stream_id", E(), I4(options=LAY(L("IPOption_Stream_Id", security=42))))

    # ---- IPv6 -------------------------------------------------------------
    add("ipv6_alone", I6())
    add("ipv6_hlim", E(), I6(hlim=255))
    add("ipv6_tc_fl", E(), I6(tc=0xb8, fl=0xabcde))
    add("ipv6_nh_explicit_none", E(), I6(nh=59))
    add("ipv6_plen_explicit_wrong", E(), I6(plen=4), L("UDP", sport=1024, dport=2048))
    # A jumbogram is built as given: plen 0 set by hand, the Jumbo option's length as set (Scapy computes
    # neither).
    add("ipv6_jumbo_plen_zero", E(), I6(plen=0), L("IPv6ExtHdrHopByHop", options=LAY(L("Jumbo", jumboplen=16))),
        L("UDP", sport=1024, dport=2048), RAW(b"abcdefgh"))
    add("ipv6_jumbo_default_length", E(), I6(plen=0), L("IPv6ExtHdrHopByHop", options=LAY(L("Jumbo"))),
        L("UDP", sport=1024, dport=2048))
    add("ipv6_raw_payload", E(), I6(nh=253), RAW(b"payload"))
    add("ipv6_tcp", E(), I6(), L("TCP", sport=1234, dport=443, flags="S"))
    add("ipv6_udp", E(), I6(), L("UDP", sport=1234, dport=4321), RAW(b"data"))
    add("ipv6_hbh_router_alert", E(), I6(), L("IPv6ExtHdrHopByHop", options=LAY(L("RouterAlert"))),
        L("ICMPv6EchoRequest"))
    add("ipv6_hbh_empty", E(), I6(), L("IPv6ExtHdrHopByHop"), L("UDP", sport=1024, dport=2048))
    add("ipv6_hbh_pad1_padn", E(), I6(), L("IPv6ExtHdrHopByHop", options=LAY(
        L("Pad1"), L("PadN", optdata=B(b"\x00\x00\x00")))))
    add("ipv6_hbh_no_autopad", E(), I6(), L("IPv6ExtHdrHopByHop", autopad=0,
                                            options=LAY(L("RouterAlert", value=0))))
    add("ipv6_hbh_unknown_opt", E(), I6(), L("IPv6ExtHdrHopByHop", options=LAY(
        L("HBHOptUnknown", otype=0x3e, optdata=B(b"\x01\x02")))))
    add("ipv6_destopt", E(), I6(), L("IPv6ExtHdrDestOpt"), L("TCP", dport=80))
    add("ipv6_destopt_padn", E(), I6(), L("IPv6ExtHdrDestOpt", options=LAY(
        L("PadN", optdata=B(b"\x00\x00\x00\x00")))), L("UDP", sport=1024, dport=2048))
    add("ipv6_routing", E(), I6(), L("IPv6ExtHdrRouting", addresses=LST(B3, B4)),
        L("UDP", sport=1024, dport=2048))
    add("ipv6_routing_segleft", E(), I6(), L("IPv6ExtHdrRouting", segleft=1,
                                             addresses=LST(B3)))
    add("ipv6_routing_empty", E(), I6(), L("IPv6ExtHdrRouting"))
    add("ipv6_fragment", E(), I6(), L("IPv6ExtHdrFragment", id=0x12345678, offset=0, m=1),
        L("UDP", sport=1024, dport=2048), RAW(b"x" * 8))
    add("ipv6_fragment_offset", E(), I6(), L("IPv6ExtHdrFragment", id=7, offset=100, nh=17),
        RAW(b"rest"))
    add("ipv6_ext_chain", E(), I6(), L("IPv6ExtHdrHopByHop"), L("IPv6ExtHdrDestOpt"),
        L("IPv6ExtHdrRouting", addresses=LST(B3)), L("IPv6ExtHdrFragment", id=1),
        L("TCP", dport=80))
    add("ipv6_in_ipv6", E(), I6(), I6(src=B3, dst=B4), L("ICMPv6EchoRequest"))
    add("ipv6_ip_in_ipv6", E(), I6(), I4(), L("ICMP"))

    # ---- ICMP -------------------------------------------------------------
    add("icmp_alone", L("ICMP"))
    add("icmp_echo_request", E(), I4(), L("ICMP", type="echo-request", id=0x1234, seq=1),
        RAW(b"ping payload"))
    add("icmp_echo_reply", E(), I4(src=A2, dst=A1), L("ICMP", type="echo-reply", id=0x1234, seq=1),
        RAW(b"ping payload"))
    add("icmp_type_int", E(), I4(), L("ICMP", type=8, code=0, id=1, seq=2))
    add("icmp_dest_unreach_port", E(), I4(), L("ICMP", type="dest-unreach", code="port-unreachable"))
    add("icmp_dest_unreach_host", E(), I4(), L("ICMP", type=3, code=1))
    add("icmp_dest_unreach_frag_needed", E(), I4(),
        L("ICMP", type="dest-unreach", code="fragmentation-needed", nexthopmtu=1400))
    add("icmp_dest_unreach_code_unknown", E(), I4(), L("ICMP", type=3, code=99))
    add("icmp_time_exceeded", E(), I4(), L("ICMP", type="time-exceeded", code=0))
    add("icmp_time_exceeded_reassembly", E(), I4(), L("ICMP", type=11, code=1))
    add("icmp_redirect", E(), I4(), L("ICMP", type="redirect", code=1, gw=A3))
    add("icmp_parameter_problem", E(), I4(), L("ICMP", type="parameter-problem", ptr=12))
    add("icmp_timestamp_request", E(), I4(), L("ICMP", type="timestamp-request", id=5, seq=6,
                                               ts_ori=1000, ts_rx=0, ts_tx=0))
    add("icmp_timestamp_reply", E(), I4(), L("ICMP", type="timestamp-reply", id=5, seq=6,
                                             ts_ori=1000, ts_rx=2000, ts_tx=3000))
    add("icmp_source_quench", E(), I4(), L("ICMP", type="source-quench"))
    add("icmp_bad_chksum", E(), I4(), L("ICMP", chksum=0xdead))
    add("icmp_unknown_type", E(), I4(), L("ICMP", type=200, code=3), RAW(b"\x00\x01"))
    add("icmp_err_udp", E(), I4(), L("ICMP", type=3, code=3),
        L("IPerror", src=A2, dst=A3), L("UDPerror", sport=1234, dport=53))
    add("icmp_err_tcp_ttl", E(), I4(), L("ICMP", type=11, code=0),
        L("IPerror", src=A2, dst=A3, ttl=1), L("TCPerror", sport=40000, dport=80, seq=99))
    add("icmp_err_icmp", E(), I4(), L("ICMP", type=3, code=1),
        L("IPerror", src=A2, dst=A3), L("ICMPerror", type=8, id=7, seq=8))
    add("icmp_err_frag_needed_tcp", E(), I4(), L("ICMP", type=3, code=4, nexthopmtu=1280),
        L("IPerror", src=A2, dst=A3, flags="DF"), L("TCPerror", sport=1, dport=2))
    add("icmp_err_raw_quote", E(), I4(), L("ICMP", type=3, code=3),
        L("IPerror", src=A2, dst=A3, proto=17), RAW(b"\x04\xd2\x00\x35"))

    # ---- ICMPv6 -----------------------------------------------------------
    add("icmpv6_echo_request", E(), I6(), L("ICMPv6EchoRequest", id=0x42, seq=7, data=B(b"hello6")))
    add("icmpv6_echo_reply", E(), I6(src=B2, dst=B1), L("ICMPv6EchoReply", id=0x42, seq=7,
                                                      data=B(b"hello6")))
    add("icmpv6_echo_request_payload_raw", E(), I6(), L("ICMPv6EchoRequest"), RAW(b"raw"))
    add("icmpv6_dest_unreach_port", E(), I6(), L("ICMPv6DestUnreach", code=4),
        L("IPerror6", src=B2, dst=B3), L("UDPerror", sport=1234, dport=53))
    add("icmpv6_dest_unreach_default", E(), I6(), L("ICMPv6DestUnreach"))
    add("icmpv6_packet_too_big", E(), I6(), L("ICMPv6PacketTooBig", mtu=1280),
        L("IPerror6", src=B2, dst=B3), L("TCPerror", sport=443, dport=50000))
    add("icmpv6_time_exceeded", E(), I6(), L("ICMPv6TimeExceeded", code=0),
        L("IPerror6", src=B2, dst=B3), L("ICMPv6EchoRequest", id=1, seq=1))
    add("icmpv6_param_problem", E(), I6(), L("ICMPv6ParamProblem", code=1, ptr=40),
        L("IPerror6", src=B2, dst=B3, nh=99))
    add("icmpv6_nd_rs", E(), I6(), L("ICMPv6ND_RS"), L("ICMPv6NDOptSrcLLAddr", lladdr=M1))
    add("icmpv6_nd_ra", E(), I6(hlim=255), L("ICMPv6ND_RA", chlim=64, M=1, O=1,
                                             routerlifetime=900, reachabletime=30000,
                                             retranstimer=1000),
        L("ICMPv6NDOptSrcLLAddr", lladdr=M1), L("ICMPv6NDOptMTU", mtu=1500),
        L("ICMPv6NDOptPrefixInfo", prefix="fd00:1::", prefixlen=64,
          validlifetime=86400, preferredlifetime=14400))
    add("icmpv6_nd_ra_default", E(), I6(), L("ICMPv6ND_RA"))
    add("icmpv6_nd_ns", E(), I6(hlim=255), L("ICMPv6ND_NS", tgt=B2),
        L("ICMPv6NDOptSrcLLAddr", lladdr=M1))
    add("icmpv6_nd_na", E(), I6(hlim=255), L("ICMPv6ND_NA", tgt=B1, R=0, S=1, O=1),
        L("ICMPv6NDOptDstLLAddr", lladdr=M1))
    add("icmpv6_nd_redirect", E(), I6(hlim=255), L("ICMPv6ND_Redirect", tgt=B3, dst=B4),
        L("ICMPv6NDOptDstLLAddr", lladdr=M2))
    add("icmpv6_nd_redirect_hdr", E(), I6(), L("ICMPv6ND_Redirect", tgt=B3, dst=B4),
        L("ICMPv6NDOptRedirectedHdr", pkt=B(b"\x60" + b"\x00" * 39)))
    add("icmpv6_nd_opt_prefix_default", E(), I6(), L("ICMPv6ND_RA"), L("ICMPv6NDOptPrefixInfo"))
    add("icmpv6_nd_opt_mtu", E(), I6(), L("ICMPv6ND_RA"), L("ICMPv6NDOptMTU", mtu=9000))
    # ND messages imply IPv6's destination (ff02::2 for RS, ff02::1 for the others) and hlim 255 when
    # stacked; the source stays explicit so that Scapy does not look up a route for it.
    add("icmpv6_nd_rs_implied_dst", E(), L("IPv6", src=B1), L("ICMPv6ND_RS"),
        L("ICMPv6NDOptSrcLLAddr", lladdr=M1))
    add("icmpv6_nd_ra_implied_dst", E(), L("IPv6", src=B1), L("ICMPv6ND_RA"))
    add("icmpv6_nd_ns_implied_dst", E(), L("IPv6", src=B1), L("ICMPv6ND_NS", tgt=B2))
    add("icmpv6_nd_na_implied_dst", E(), L("IPv6", src=B1), L("ICMPv6ND_NA", tgt=B1, S=1))
    add("icmpv6_nd_redirect_implied_dst", E(), L("IPv6", src=B1),
        L("ICMPv6ND_Redirect", tgt=B3, dst=B4))
    add("icmpv6_nd_ns_implied_dst_no_ether", L("IPv6", src=B1), L("ICMPv6ND_NS", tgt=B2))
    add("icmpv6_nd_ns_implied_ether_dst", L("Ether", src=M1), L("IPv6", src=B1), L("ICMPv6ND_NS", tgt=B2))
    # A destination the user sets wins over the implied one (hlim is still implied).
    add("icmpv6_nd_ns_user_dst", E(), L("IPv6", src=B1, dst=B3), L("ICMPv6ND_NS", tgt=B3))
    # Only the layer right below takes the overloads: behind an extension header IPv6 keeps ::1.
    add("icmpv6_nd_ns_behind_hbh", E(), L("IPv6", src=B1), L("IPv6ExtHdrHopByHop"),
        L("ICMPv6ND_NS", tgt=B2))

    # ---- TCP --------------------------------------------------------------
    add("tcp_alone", L("TCP"))
    add("tcp_defaults", E(), I4(), L("TCP"))
    add("ether_ip_tcp_syn", L("Ether", dst=MB, src=M1), I4(), L("TCP", dport=80, flags="S"))
    for letter in "FSRPAUECN":
        add("tcp_flag_%s" % letter, E(), I4(), L("TCP", sport=1234, dport=80, flags=letter))
    add("tcp_flags_sa", E(), I4(), L("TCP", sport=80, dport=1234, flags="SA"))
    add("tcp_flags_fpu_xmas", E(), I4(), L("TCP", flags="FPU"))
    add("tcp_flags_all", E(), I4(), L("TCP", flags="FSRPAUECN"))
    add("tcp_flags_empty", E(), I4(), L("TCP", flags=""))
    add("tcp_flags_int", E(), I4(), L("TCP", flags=18))
    add("tcp_flags_int_0x1ff", E(), I4(), L("TCP", flags=0x1FF))
    add("tcp_seq_ack_window_urg", E(), I4(), L("TCP", sport=5555, dport=6666, seq=0xdeadbeef,
                                                ack=0x01020304, window=65535, urgptr=7,
                                                flags="PAU"))
    add("tcp_bad_chksum", E(), I4(), L("TCP", chksum=0xbad))
    add("tcp_dataofs_explicit", E(), I4(), L("TCP", dataofs=6))
    add("tcp_dataofs_explicit_small", E(), I4(), L("TCP", dataofs=2))
    add("tcp_reserved", E(), I4(), L("TCP", reserved=5))
    add("tcp_service_names", E(), I4(), L("TCP", sport="https", dport="ssh"))
    add("tcp_opt_mss", E(), I4(), L("TCP", options=LST(TUP("MSS", 1460))))
    add("tcp_opt_wscale", E(), I4(), L("TCP", options=LST(TUP("WScale", 7))))
    add("tcp_opt_sackok", E(), I4(), L("TCP", options=LST(TUP("SAckOK", B(b"")))))
    add("tcp_opt_sack", E(), I4(), L("TCP", flags="A",
                                     options=LST(TUP("SAck", TUP(1000, 2000, 3000, 4000)))))
    add("tcp_opt_timestamp", E(), I4(), L("TCP", options=LST(TUP("Timestamp", TUP(12345, 0)))))
    add("tcp_opt_nop_eol", E(), I4(), L("TCP", options=LST(TUP("NOP", None), TUP("EOL", None))))
    add("tcp_opt_unknown_numeric", E(), I4(), L("TCP", options=LST(TUP(99, B(b"ab")))))
    add("tcp_opt_syn_linux", E(), I4(), L("TCP", sport=40000, dport=443, flags="S", seq=1,
                                          options=LST(TUP("MSS", 1460), TUP("SAckOK", B(b"")),
                                                      TUP("Timestamp", TUP(1, 0)),
                                                      TUP("NOP", None), TUP("WScale", 7))))
    add("tcp_opt_needs_padding", E(), I4(), L("TCP", options=LST(TUP("WScale", 2))))
    add("tcp_opt_md5", E(), I4(), L("TCP", options=LST(TUP("MD5", B(b"0123456789abcdef")))))
    add("tcp_opt_uto", E(), I4(), L("TCP", options=LST(TUP("UTO", 300))))
    add("tcp_ipv6", E(), I6(), L("TCP", sport=1234, dport=80, flags="S",
                                 options=LST(TUP("MSS", 1440))))
    add("tcp_ipv6_payload", E(), I6(), L("TCP", sport=1234, dport=80, flags="PA"),
        RAW(b"GET / HTTP/1.0\r\n\r\n"))
    add("tcp_payload", E(), I4(), L("TCP", sport=1234, dport=80, flags="PA", seq=1, ack=1),
        RAW(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
    add("tcp_payload_odd_len", E(), I4(), L("TCP", flags="PA"), RAW(b"abc"))

    # ---- UDP --------------------------------------------------------------
    add("udp_alone", L("UDP"))
    add("udp_defaults", E(), I4(), L("UDP"))
    add("udp_ports", E(), I4(), L("UDP", sport=1024, dport=2048))
    add("udp_payload", E(), I4(), L("UDP", sport=1024, dport=2048), RAW(b"udp payload"))
    add("udp_ipv6", E(), I6(), L("UDP", sport=1024, dport=2048), RAW(b"v6"))
    add("udp_explicit_len", E(), I4(), L("UDP", sport=1024, dport=2048, len=100), RAW(b"abc"))
    add("udp_explicit_chksum", E(), I4(), L("UDP", sport=1024, dport=2048, chksum=0x1234))
    add("udp_explicit_chksum_zero", E(), I4(), L("UDP", sport=1024, dport=2048, chksum=0),
        RAW(b"nochk"))
    add("udp_chksum_computes_zero", E(), I4(), L("UDP", sport=1024, dport=1025),
        RAW(find_udp_zero_checksum_payload()))
    add("udp_service_names", E(), I4(), L("UDP", sport="ntp", dport="snmp"))

    # ---- DNS --------------------------------------------------------------
    add("dns_alone", L("DNS"))
    add("udp_dns_alone", L("UDP"), L("DNS"))
    add("tcp_dns_alone", L("TCP"), L("DNS"))
    add("dns_query_default", E(), I4(), L("UDP", sport=5000), L("DNS"))
    for qt in ["A", "AAAA", "MX", "ALL", "PTR", "SRV"]:
        name = {"PTR": "1.0.18.198.in-addr.arpa.", "SRV": "_sip._udp.example.com."}.get(
            qt, "example.com.")
        add("dns_query_%s" % qt.lower(), E(), I4(), L("UDP", sport=5000, dport=53),
            L("DNS", id=0x1000, rd=1, qd=LAY(L("DNSQR", qname=name, qtype=qt))))
    add("dns_query_qtype_int", E(), I4(), L("UDP", sport=5000, dport=53),
        L("DNS", qd=LAY(L("DNSQR", qname="example.com", qtype=65, qclass="CH"))))
    add("dns_query_two_questions", E(), I4(), L("UDP", sport=5000, dport=53),
        L("DNS", qd=LAY(L("DNSQR", qname="a.example."), L("DNSQR", qname="b.example.",
                                                            qtype="AAAA"))))
    add("dns_query_no_qd", E(), I4(), L("UDP", sport=5000, dport=53), L("DNS", qd=LST()))

    def resp(cid, an, qd=None, extra=None, under=None):
        qd = qd or LAY(L("DNSQR", qname="example.com."))
        under = under or [I4(src=A2, dst=A1), L("UDP", sport=53, dport=5000)]
        kw = dict(id=0x1234, qr=1, aa=1, rd=1, ra=1, qd=qd, an=an)
        kw.update(extra or {})
        add(cid, E(), *under, L("DNS", **kw))

    resp("dns_resp_a", LAY(L("DNSRR", rrname="example.com.", type="A", ttl=300, rdata="198.18.1.1")))
    resp("dns_resp_aaaa", LAY(L("DNSRR", rrname="example.com.", type="AAAA", ttl=300,
                                rdata="fd00::53")),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="AAAA")))
    resp("dns_resp_ns", LAY(L("DNSRR", rrname="example.com.", type="NS", ttl=3600,
                              rdata="ns1.example.com.")),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="NS")))
    resp("dns_resp_cname", LAY(L("DNSRR", rrname="www.example.com.", type="CNAME", ttl=60,
                                 rdata="example.com."),
                               L("DNSRR", rrname="example.com.", type="A", ttl=60,
                                 rdata="198.18.1.2")),
         qd=LAY(L("DNSQR", qname="www.example.com.")))
    resp("dns_resp_ptr", LAY(L("DNSRR", rrname="1.0.18.198.in-addr.arpa.", type="PTR",
                               ttl=60, rdata="host.example.com.")),
         qd=LAY(L("DNSQR", qname="1.0.18.198.in-addr.arpa.", qtype="PTR")))
    resp("dns_resp_mx", LAY(L("DNSRRMX", rrname="example.com.", ttl=300, preference=10,
                              exchange="mail.example.com.")),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="MX")))
    resp("dns_resp_txt", LAY(L("DNSRR", rrname="example.com.", type="TXT", ttl=300,
                               rdata=LST("v=spf1 -all", "second string"))),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="TXT")))
    resp("dns_resp_soa", LAY(L("DNSRRSOA", rrname="example.com.", ttl=3600,
                               mname="ns1.example.com.", rname="hostmaster.example.com.",
                               serial=2024010101, refresh=7200, retry=3600, expire=1209600,
                               minimum=300)),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="SOA")))
    resp("dns_resp_nxdomain_soa_in_ns", LST(),
         extra=dict(rcode=3, ns=LAY(L("DNSRRSOA", rrname="example.com.", mname="ns1.example.com.",
                                      rname="hostmaster.example.com.", serial=1))))
    resp("dns_resp_srv", LAY(L("DNSRRSRV", rrname="_sip._udp.example.com.", ttl=60, priority=10,
                               weight=5, port=5060, target="sip.example.com.")),
         qd=LAY(L("DNSQR", qname="_sip._udp.example.com.", qtype="SRV")))
    resp("dns_resp_opt_edns0", LAY(L("DNSRR", rrname="example.com.", rdata="198.18.1.1")),
         extra=dict(ar=LAY(L("DNSRROPT", rclass=1232,
                             rdata=LAY(L("EDNS0TLV", optcode=10,
                                         optdata=B(b"\x01\x02\x03\x04\x05\x06\x07\x08")))))))
    add("dns_query_opt_plain", E(), I4(), L("UDP", sport=5000, dport=53),
        L("DNS", qd=LAY(L("DNSQR", qname="example.com.")), ar=LAY(L("DNSRROPT"))))
    resp("dns_resp_multiple", LAY(L("DNSRR", rrname="example.com.", rdata="198.18.1.1", ttl=1),
                                  L("DNSRR", rrname="example.com.", rdata="198.18.1.2", ttl=2),
                                  L("DNSRR", rrname="example.com.", rdata="198.18.1.3", ttl=3)),
         extra=dict(ns=LAY(L("DNSRR", rrname="example.com.", type="NS", rdata="ns.example.com.")),
                    ar=LAY(L("DNSRR", rrname="ns.example.com.", rdata="198.18.1.53"))))
    resp("dns_resp_rcode_servfail", LST(), extra=dict(rcode="server-failure"))
    resp("dns_resp_over_ipv6", LAY(L("DNSRR", rrname="example.com.", type="AAAA",
                                     rdata="fd00::1:1")),
         under=[I6(src=B2, dst=B1), L("UDP", sport=53, dport=5000)])
    # DNSSEC records; NSEC3 salts and hashes with their lengths set, as Scapy does not compute them.
    key = bytes(range(1, 33))
    resp("dns_resp_dnskey", LAY(L("DNSRRDNSKEY", rrname="example.com.", ttl=3600, flags=257,
                                  algorithm=13, publickey=B(key))),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="DNSKEY")))
    resp("dns_resp_ds", LAY(L("DNSRRDS", rrname="example.com.", ttl=3600, keytag=12345,
                              algorithm=8, digesttype=2, digest=B(key))),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="DS")))
    resp("dns_resp_nsec", LAY(L("DNSRRNSEC", rrname="a.example.com.", ttl=300,
                                nextname="b.example.com.", typebitmaps=LST(1, 2, 6, 46, 47, 48))),
         qd=LAY(L("DNSQR", qname="a.example.com.", qtype="NSEC")))
    resp("dns_resp_nsec3_then_a", LAY(
        L("DNSRRNSEC3", rrname="h.example.com.", ttl=300, hashalg=1, flags=1, iterations=5,
          saltlength=2, salt=B(b"\xab\xcd"), hashlength=20, nexthashedownername=B(key[:20]),
          typebitmaps=LST(1, 28, 46, 300, 32769)),
        L("DNSRR", rrname="example.com.", rdata="198.18.1.1")),
        qd=LAY(L("DNSQR", qname="h.example.com.", qtype="NSEC3")))
    resp("dns_resp_nsec3param", LAY(L("DNSRRNSEC3PARAM", rrname="example.com.", hashalg=1,
                                      iterations=10, saltlength=4, salt=B(b"\xaa\xbb\xcc\xdd"))),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="NSEC3PARAM")))
    resp("dns_resp_dnssec_defaults", LAY(L("DNSRRDNSKEY"), L("DNSRRDS"), L("DNSRRNSEC"),
                                         L("DNSRRNSEC3"), L("DNSRRNSEC3PARAM")))
    resp("dns_resp_nsec_bitmap_bytes", LAY(L("DNSRRNSEC", nextname="example.com.",
                                             typebitmaps=B(b"\x00\x01\x00")),
                                           L("DNSRRNSEC", typebitmaps=B(b"\x00\x06\x40")),
                                           L("DNSRRNSEC", typebitmaps=LST()),
                                           L("DNSRRNSEC3", typebitmaps=LST(0, 255, 256, 70000))))
    resp("dns_resp_hinfo", LAY(L("DNSRRHINFO", rrname="host.example.com.", ttl=60, cpu="x86_64",
                                 os="Linux"),
                               L("DNSRRHINFO", cpulen=2, cpu="x86", os="BSD")),
         qd=LAY(L("DNSQR", qname="host.example.com.", qtype="HINFO")))
    resp("dns_resp_naptr_then_a", LAY(
        L("DNSRRNAPTR", rrname="4.3.2.1.e164.arpa.", order=100, preference=10, flags="U",
          services="E2U+sip", regexp="!^.*$!sip:info@example.com!", replacement="."),
        L("DNSRRNAPTR", rrname="example.com.", order=200, flags="S", services="SIP+D2U",
          replacement="_sip._udp.example.com."),
        L("DNSRR", rrname="example.com.", rdata="198.18.1.1")),
        qd=LAY(L("DNSQR", qname="4.3.2.1.e164.arpa.", qtype="NAPTR")))
    resp("dns_resp_tsig", LAY(L("DNSRR", rrname="example.com.", rdata="198.18.1.1")),
         extra=dict(ar=LAY(L("DNSRRTSIG", rrname="key.example.", rclass=255,
                             algo_name="hmac-sha256.", time_signed=1700000000, fudge=300,
                             mac_data=B(key), original_id=0x1234, other_data=B(b"\x00\x01")))))
    resp("dns_resp_tsig_time_high_bits", LST(),
         extra=dict(ar=LAY(L("DNSRRTSIG", time_signed=(1 << 32) + 5, error=18))))
    resp("dns_resp_svcb_then_a", LAY(
        L("DNSRRSVCB", rrname="_dns.example.com.", ttl=300, svc_priority=1,
          target_name="dns.example.com.", svc_params=LAY(
              L("SvcParam", key="mandatory", value=LST("alpn", "port")),
              L("SvcParam", key="alpn", value=LST(B("h2"), B("h3"))),
              L("SvcParam", key="no-default-alpn"),
              L("SvcParam", key="port", value=853),
              L("SvcParam", key="ipv4hint", value=LST("198.18.0.1", "198.18.0.2")),
              L("SvcParam", key="ech", value=B(b"\x01\x02")),
              L("SvcParam", key="ipv6hint", value=LST("fd00::1")),
              L("SvcParam", key=7, value=B(b"/q{?dns}")))),
        L("DNSRR", rrname="example.com.", rdata="198.18.1.1")),
        qd=LAY(L("DNSQR", qname="_dns.example.com.", qtype="SVCB")))
    resp("dns_resp_https", LAY(L("DNSRRHTTPS", rrname="example.com.", svc_priority=1,
                                 svc_params=LAY(L("SvcParam", value=LST("h2"), key=1),
                                                L("SvcParam", key=3),
                                                L("SvcParam", key=99, len=1, value=B(b"xy")))),
                               L("DNSRRHTTPS", rrname="alias.example.com.",
                                 target_name="example.com.")),
         qd=LAY(L("DNSQR", qname="example.com.", qtype="HTTPS")))
    resp("dns_resp_dnskey_flags_text", LAY(L("DNSRRDNSKEY", flags="SZ", protocol=4),
                                           L("DNSRRDNSKEY", flags=2, algorithm=99)))
    add("dns_mdns_query", E(dst="01:00:5e:00:00:fb"), I4(dst="198.18.0.251"),
        L("UDP", sport=5353, dport=5353),
        L("DNS", rd=0, qd=LAY(L("DNSQR", qname="_http._tcp.local.", qtype="PTR",
                                unicastresponse=1))))
    # UDP to port 5353 implies mDNS's group as the destination (Scapy's DestIPField.bind_addr), and an unset
    # Ether destination is then the group's multicast MAC; a destination set by hand wins, and a source port of
    # 5353 alone implies nothing.
    mdns_eth = L("Ether", src=M1)
    add("mdns_implied_dst_ip", mdns_eth, L("IP", src=A1), L("UDP", dport=5353), L("DNS"))
    add("mdns_implied_dst_ipv6", mdns_eth, L("IPv6", src=B1), L("UDP", dport=5353), L("DNS"))
    add("mdns_implied_dst_without_dns", mdns_eth, L("IP", src=A1), L("UDP", sport=5353, dport=5353))
    add("mdns_implied_dst_user_wins", mdns_eth, I4(), L("UDP", dport=5353), L("DNS"))
    add("mdns_sport_implies_nothing", E(), L("IP", src=A1), L("UDP", sport=5353), L("DNS"))
    add("mdns_implied_dst_no_ether", L("IP", src=A1), L("UDP", dport=5353), L("DNS", qd=LAY(L(
        "DNSQR", qname="host.local."))))
    add("dns_mdns_response", E(), I4(), L("UDP", sport=5353, dport=5353),
        L("DNS", qr=1, aa=1, rd=0, qd=LST(),
          an=LAY(L("DNSRR", rrname="host.local.", type="A", cacheflush=1, ttl=120,
                   rdata="198.18.2.2"))))
    add("dns_over_tcp_query", E(), I4(), L("TCP", sport=5000, dport=53, flags="PA"),
        L("DNS", id=7, qd=LAY(L("DNSQR", qname="example.com."))))
    add("dns_over_tcp_response", E(), I4(src=A2, dst=A1), L("TCP", sport=53, dport=5000, flags="PA"),
        L("DNS", id=7, qr=1, qd=LAY(L("DNSQR", qname="example.com.")),
          an=LAY(L("DNSRR", rrname="example.com.", rdata="198.18.1.1"))))
    add("dns_over_udp_dport53_auto", E(), I4(), L("UDP", dport=53), L("DNS", id=1))
    add("dns_header_flags", E(), I4(), L("UDP", sport=5000, dport=53),
        L("DNS", id=65535, qr=1, opcode="STATUS", aa=1, tc=1, rd=0, ra=1, z=1, ad=1, cd=1,
          rcode=5, qd=LST()))
    add("dns_explicit_counts", E(), I4(), L("UDP", sport=5000, dport=53),
        L("DNS", qdcount=3, ancount=1, qd=LAY(L("DNSQR", qname="example.com."))))

    # ---- Raw / Padding ----------------------------------------------------
    add("raw_alone", RAW(b"\x00\x01\x02\x03"))
    add("raw_empty", L("Raw"))
    add("padding_after_ip", E(), I4(), L("ICMP"), L("Padding", load=B(b"\x00" * 18)))
    add("padding_after_udp_payload", E(), I4(), L("UDP", sport=1024, dport=2048), RAW(b"abc"),
        L("Padding", load=B(b"\xff" * 4)))
    add("padding_alone", L("Padding", load=B(b"pad")))

    # ---- Packet sets ------------------------------------------------------
    add("set_dport_range", E(), I4(), L("TCP", dport=RNG(20, 22)))
    add("set_dport_list", E(), I4(), L("TCP", dport=LST(22, 80, 443)))
    add("set_dst_cidr", E(), I4(dst="198.18.0.0/30"), L("ICMP"))
    add("set_two_fields_one_layer", E(), I4(), L("UDP", sport=LST(1000, 1001),
                                                dport=RNG(53, 55)))
    add("set_two_layers", E(), I4(dst="198.18.0.0/31", ttl=LST(1, 2)), L("TCP", dport=LST(80, 443)))
    add("set_ttl_range", E(), I4(ttl=RNG(1, 3)), L("ICMP"))
    add("set_ipv6_dport_list", E(), I6(), L("UDP", sport=1024, dport=LST(53, 123)))
    add("set_dns_qd_list_is_not_a_set", E(), I4(), L("UDP", sport=5000, dport=53),
        L("DNS", qd=LAY(L("DNSQR", qname="a.example."), L("DNSQR", qname="b.example."))))
    add("set_large_range", E(), I4(), L("UDP", sport=1024, dport=RNG(1, 20)))
    add("set_icmp_type_list", E(), I4(), L("ICMP", type=LST(0, 8)))

    # ---- Bare layers ------------------------------------------------------
    add("bare_ipv6_alone_udp", I6(), L("UDP", sport=1, dport=2))
    add("bare_icmpv6_echo", L("ICMPv6EchoRequest"))
    add("bare_dot1q", L("Dot1Q", vlan=42))
    add("bare_ip_tcp", I4(), L("TCP", dport=443, flags="S"))
    add("bare_ip_udp_dns", I4(), L("UDP", sport=5000, dport=53), L("DNS", id=99))
    add("bare_dnsqr", L("DNSQR", qname="example.org.", qtype="MX"))
    add("bare_dnsrr", L("DNSRR", rrname="example.org.", rdata="198.18.3.3"))
    add("bare_dnsrrnsec", L("DNSRRNSEC", nextname="example.org.", typebitmaps=LST(1, 15)))
    add("bare_dnsrrnsec3_default", L("DNSRRNSEC3"))
    add("bare_dnsrrdnskey", L("DNSRRDNSKEY", rrname="example.org.", publickey=B(b"key")))
    add("bare_dnsrrds_default", L("DNSRRDS"))
    add("bare_dnsrrhinfo_default", L("DNSRRHINFO"))
    add("bare_dnsrrnaptr_default", L("DNSRRNAPTR"))
    add("bare_dnsrrtsig_default", L("DNSRRTSIG"))
    add("bare_dnsrrtsig", L("DNSRRTSIG", algo_name="hmac-md5.sig-alg.reg.int.", mac_data=B(b"mac"),
                            mac_len=2, other_len=0x100))
    add("bare_dnsrrsvcb_default", L("DNSRRSVCB"))
    add("bare_svcparam_default", L("SvcParam"))
    add("bare_svcparam_port", L("SvcParam", key="port", value=443))
    add("bare_dnsrrnsec3param", L("DNSRRNSEC3PARAM", flags=1, saltlength=1, salt=B(b"s")))
    add("bare_iperror_udperror", L("IPerror", src=A1, dst=A2), L("UDPerror"))
    add("bare_sll_ip", L("CookedLinux", pkttype=4, lladdrtype=1, lladdrlen=6,
                         src=B(b"\x02\x00\x00\x00\x00\x01\x00\x00")), I4(), L("ICMP"))
    add("bare_sll2_ipv6", L("CookedLinuxV2", ifindex=2, lladdrtype=1, pkttype=0, lladdrlen=6,
                            src=B(b"\x02\x00\x00\x00\x00\x01\x00\x00")), I6(),
        L("ICMPv6EchoRequest"))
    add("bare_loopback_ip", L("Loopback"), I4(), L("UDP", sport=1, dport=2))
    add("bare_loopback_ipv6", L("Loopback", type=24), I6(), L("UDP", sport=1, dport=2))
    # StrFixedLenField pads and cuts to its length when built.
    add("bare_sll_default", L("CookedLinux"))
    add("bare_sll2_src_too_long", L("CookedLinuxV2", src=B(b"0123456789")))
    add("bare_ipopt_security_short_tcc", L("IPOption_Security", transmission_control_code=B(b"a")))
    # An unset Ether destination takes the multicast MAC of a multicast IP/IPv6 destination (no lookup).
    add("ether_unset_dst_ip4_multicast", L("Ether", src=M1), I4(dst="224.0.0.251"), L("UDP", sport=1, dport=2))
    add("ether_unset_dst_ip4_multicast_high", L("Ether", src=M1), I4(dst="239.255.255.250"), L("UDP", sport=1, dport=2))
    add("ether_unset_dst_ip6_multicast", L("Ether", src=M1), I6(dst="ff02::1:ff00:1"), L("UDP", sport=1, dport=2))
    add("ether_unset_dst_vlan_ip4_multicast", L("Ether", src=M1), L("Dot1Q", vlan=5), I4(dst="224.0.0.1"))

    return C


# --------------------------------------------------------------------------
# Language cases: Scapy expression text that wirecraft's language evaluates
# the same way.  These pin how a value typed in the language becomes a field
# value (a tuple inside TCP options is a value, a list of flag names is one
# flags value, a deprecated field name is the new field), which the build
# cases above cannot: they set fields through the Rust API.
# --------------------------------------------------------------------------

def lang_cases():
    C = []

    def add(cid, expr, *reads):
        assert cid not in {c[0] for c in C}, cid
        C.append((cid, expr, list(reads)))

    # A tuple nested in an option list is the option's value, for every TCP
    # option kind wirecraft knows.  (An option given by number, `(8, (1, 2))`,
    # is left out: Scapy packs only named options' values and drops it with
    # "Option [8] is not bytes"; wirecraft packs it.)
    opts = [
        ("eol", '("EOL", None)'),
        ("nop", '("NOP", None)'),
        ("mss", '("MSS", 1460)'),
        ("wscale", '("WScale", 7)'),
        ("sackok", '("SAckOK", b"")'),
        ("sack_one_block", '("SAck", (1000, 2000))'),
        ("sack_two_blocks", '("SAck", (1000, 2000, 3000, 4000))'),
        ("sack_one_edge", '("SAck", (1000,))'),
        ("timestamp", '("Timestamp", (123, 456))'),
        ("altchksum", '("AltChkSum", (1, 2))'),
        ("altchksumopt", '("AltChkSumOpt", b"\\x01\\x02")'),
        ("md5", '("MD5", b"0123456789abcdef")'),
        ("uto", '("UTO", 300)'),
        ("ao", '("AO", b"\\x01\\x02\\x03\\x04")'),
        ("tfo", '("TFO", (1, 2))'),
    ]
    for name, opt in opts:
        expr = "TCP(options=[%s])" % opt
        add("tcp_option_" + name, expr, "%s.options" % expr)
    syn = ('IP(src="%s", dst="%s")/TCP(sport=40000, dport=80, flags="S", options=[("MSS", 1460), '
           '("SAckOK", b""), ("Timestamp", (123, 456)), ("NOP", None), ("WScale", 7)])') % (A1, A2)
    add("tcp_syn_options_linux", syn, "(%s)[TCP].options" % syn)
    add("tcp_options_sack_in_ack", 'TCP(flags="A", options=[("NOP", None), ("NOP", None), '
        '("SAck", (1000, 2000))])')
    # A tuple or list that is a field's whole value is still a packet set.
    add("set_tuple_top_level", "TCP(dport=(20, 25))")
    add("set_list_with_tuple", "TCP(dport=[(20, 22), 80])")
    add("set_tuple_ttl", 'IP(src="%s", dst="%s", ttl=(1, 3))' % (A1, A2))
    # A tuple of two addresses is every address from the first to the last.
    add("set_tuple_ip4_addresses", 'IP(src="%s", dst=("198.18.0.1", "198.18.0.4"))' % A1,
        'IP(src="%s", dst=("198.18.0.1", "198.18.0.4"))' % A1)
    add("set_tuple_ip6_addresses", 'IPv6(src="%s", dst=("fd00::1", "fd00::3"))' % B1)
    # A host name resolves (here from /etc/hosts) when the packet is built; only the bytes are compared, as
    # Scapy keeps Net("localhost/32") where wirecraft keeps the address.
    add("host_name_localhost", 'IP(src="%s", dst="localhost")/ICMP()' % A1)
    # A list of flag names ORs the flags (Scapy's FlagValue from a list).
    for cid, expr, field in [
        ("flags_list_tcp", 'TCP(flags=["S", "A"])', ".flags"),
        ("flags_list_tcp_one", 'TCP(flags=["R"])', ".flags"),
        ("flags_list_tcp_empty", "TCP(flags=[])", ".flags"),
        ("flags_list_ip", 'IP(src="%s", dst="%s", flags=["DF", "MF"])' % (A1, A2), ".flags"),
        ("flags_list_ip_one", 'IP(src="%s", dst="%s", flags=["DF"])' % (A1, A2), ".flags"),
        ("flags_list_under_ip", 'IP(src="%s", dst="%s")/TCP(flags=["P", "A"])' % (A1, A2), "[TCP].flags"),
    ]:
        add(cid, expr, "(%s)%s" % (expr, field))
    # Deprecated field names still set and read the field they now mean.
    add("deprecated_dot1q_id", "Dot1Q(id=1)", "Dot1Q(id=1).id", "Dot1Q(id=1).dei", "Dot1Q(dei=1).id")
    add("deprecated_dot1ad_id", "Dot1AD(id=1, vlan=3)", "Dot1AD(id=1, vlan=3).dei")
    stacked = 'Ether(dst="%s", src="%s")/Dot1Q(id=1, vlan=2)/IP(src="%s", dst="%s", id=7)' % (M2, M1, A1, A2)
    # Scapy resolves `id` at the first layer that knows the name: Dot1Q's dei, not IP's id.
    add("deprecated_dot1q_id_stacked", stacked, "(%s).id" % stacked, "(%s)[IP].id" % stacked)
    # Records and options are layers (Scapy 2.8): found after their layer, depth first, by class, name or
    # index (an index counts records too); a generic option class dispatches to the specific one.
    dns = ('IP(src="%s", dst="%s")/UDP(sport=5000)/DNS(qd=DNSQR(qname="a.example."), an=[DNSRR(rrname='
           '"a.example.", rdata="198.18.0.5"), DNSRRMX(rrname="a.example.", exchange="mx.example."), '
           'DNSRR(rrname="b.example.", rdata="198.18.0.6")], ar=[DNSRROPT(rdata=[EDNS0TLV(optcode=65001, '
           'optdata=b"12345678")])])') % (A1, A2)
    read = "IP(raw(%s))" % dns
    add("records_dns", dns,
        "(%s)[DNSQR].qname" % dns, "(%s)[DNSRR]" % dns, "(%s).getlayer(DNSRR, 2)" % dns,
        "(%s).getlayer(DNSRR, 3)" % dns, "DNSRR in (%s)" % dns, "DNSRRMX in (%s)" % dns,
        "'DNSRR' in (%s)" % dns, "IPOption_RR in (%s)" % dns, "(%s)[3]" % dns, "(%s)[4]" % dns,
        "(%s)[DNS].an[1]" % dns, "(%s)[EDNS0TLV]" % dns, "(%s)[DNSRROPT][EDNS0TLV].optcode" % dns,
        "%s[DNSRR:2].rdata" % read, "%s[DNSRRMX].exchange" % read, "%s[DNS].an[2].rrname" % read,
        "%s[EDNS0TLV].optdata" % read)
    ipo = ('IP(src="%s", dst="%s", options=[IPOption_RR(routers=["198.18.0.9"]), IPOption_NOP(), '
           'IPOption_SDBM(addresses=["198.18.0.3"])])/TCP()') % (A1, A2)
    add("records_ip_options", ipo,
        "IPOption_RR in IP(raw(%s))" % ipo, "IPOption in (%s)" % ipo, "IP(raw(%s))[IPOption_SDBM]" % ipo,
        "(%s)[1]" % ipo, "(%s)[4]" % ipo, "IP(raw(%s))[IPOption_RR].routers" % ipo,
        "(%s).getlayer(IPOption_NOP)" % ipo)
    hbh = ('IPv6(src="%s", dst="%s")/IPv6ExtHdrHopByHop(options=[RouterAlert(), PadN(optdata=b"\\x00\\x00")])'
           '/ICMPv6EchoRequest()') % (B1, B2)
    add("records_ipv6_options", hbh, "RouterAlert in IPv6(raw(%s))" % hbh, "IPv6(raw(%s))[PadN]" % hbh,
        "(%s)[RouterAlert].value" % hbh)
    for cid, expr in [
        ("dispatch_ipoption_rr", 'IPOption(b"\\x07\\x07\\x04")'),
        ("dispatch_ipoption_nop", 'IPOption(b"\\x01")'),
        ("dispatch_ipoption_timestamp", 'IPOption(b"\\x44\\x08\\x05\\x00\\x01\\x02\\x03\\x04")'),
        ("dispatch_ipoption_unknown", 'IPOption(b"\\x1e\\x03\\x01")'),
        ("dispatch_hbh_router_alert", 'HBHOptUnknown(b"\\x05\\x02\\x00\\x00")'),
        ("dispatch_hbh_padn", 'HBHOptUnknown(b"\\x01\\x01\\x00")'),
        ("dispatch_edns0_cookie", 'EDNS0TLV(b"\\x00\\x0a\\x00\\x0812345678")'),
        ("dispatch_edns0_unknown", 'EDNS0TLV(b"\\xfd\\xe9\\x00\\x01x")'),
    ]:
        add(cid, expr, expr)
    # A record's data takes the kind its type says when set (Scapy's MultipleTypeField.any2i): TXT text is a
    # list of strings, a name type's data a name with its final dot; DNS summaries print it as Python's str,
    # before build and after dissection.
    add("dns_rdata_txt_str", 'DNSRR(type="TXT", rdata="x")', 'DNSRR(type="TXT", rdata="x").rdata',
        'DNSRR(type="TXT", rdata=b"x").rdata', 'DNSRR(type="TXT").rdata',
        'DNSRR(type="TXT", rdata=["a", b"b"]).rdata', 'DNSRR(type="TXT", rdata="x")',
        'DNSRR(type="TXT", rdata="x").command()')
    add("dns_rdata_cname_str", 'DNSRR(type="CNAME", rdata="example.com")',
        'DNSRR(type="CNAME", rdata="example.com").rdata', 'DNSRR(type="PTR", rdata="b.example.").rdata')
    answers = [
        ("cname", 'DNSRR(rrname="a.", type="CNAME", rdata="example.com")'),
        ("txt", 'DNSRR(rrname="a.", type="TXT", rdata="x")'),
        ("txt_two", 'DNSRR(rrname="a.", type="TXT", rdata=["x", "yz"])'),
        ("txt_empty", 'DNSRR(rrname="a.", type="TXT", rdata="")'),
        ("aaaa", 'DNSRR(rrname="a.", type="AAAA", rdata="fd00::1")'),
        ("mx", 'DNSRRMX(rrname="a.", exchange="mx.example.com")'),
        ("null_bytes", 'DNSRR(rrname="a.", type="NULL", rdata=b"\\x01ab")'),
        ("ptr", 'DNSRR(rrname="a.", type="PTR", rdata="b.example.")'),
    ]
    for name, rr in answers:
        expr = 'IP(src="%s", dst="%s")/UDP(sport=53, dport=5000)/DNS(qr=1, an=%s)' % (A2, A1, rr)
        add("dns_summary_" + name, expr, "(%s).summary()" % expr, "IP(raw(%s)).summary()" % expr)
    add("stp_times_seconds", "STP(hellotime=2.5, maxage=20)", "STP(hellotime=2.5, maxage=20).hellotime",
        "STP(hellotime=2.5, maxage=20).maxage", "STP().age", "STP(raw(STP(hellotime=2.5))).hellotime",
        "STP(raw(STP())).fwddelay", "STP(hellotime=2.5)", "STP(fwddelay=0.1).fwddelay")
    # Net(...) and Net6(...) are values: iterated as text, with len and in, and field values that make
    # the same packet set as the network's text.
    net = 'Net("198.18.0.1/30")'
    add("net_as_field_value", 'IP(src="%s", dst=%s)/ICMP()' % (A1, net),
        'IP(src="%s", dst=%s)/ICMP()' % (A1, net), net, "list(%s)" % net, "len(%s)" % net,
        '"198.18.0.3" in %s, "198.18.0.4" in %s, %s == Net("198.18.0.0/30")' % (net, net, net),
        'Net("198.18.0.5")', 'list(Net("198.18.0.254", "198.18.1.1"))')
    net6 = 'Net6("fd00::1/126")'
    add("net6_as_field_value", 'IPv6(src="%s", dst=%s)' % (B1, net6),
        'IPv6(src="%s", dst=%s)' % (B1, net6), net6, "list(%s)" % net6, 'len(%s), "fd00::3" in %s' % (net6, net6),
        'Net6("fd00::1", "fd00::3")')
    # An option name Scapy does not know stays in the value and is skipped when built ("Option [Foo]
    # unknown. Skipped.").
    unknown = 'TCP(options=[("Foo", b"x"), ("MSS", 1460)])'
    add("tcp_option_unknown_name", unknown, unknown, "%s.options" % unknown)
    # fragment(): Scapy's fragments, every IP option kept in each (copy flag or not), MF on all but the last,
    # the payload's proto kept; the method starts at the IP layer (Scapy's Ether hands it to its payload).
    big = ('IP(src="%s", dst="%s", flags="DF", options=[IPOption_RR(routers=["198.18.0.9"]), IPOption_NOP(), '
           'IPOption_Security()])/UDP(sport=1000, dport=2000)/("X"*30)') % (A1, A2)
    add("fragment_ip_options", "fragment(%s, 16)[1]" % big, "fragment(%s, 16)" % big,
        "[raw(f) for f in fragment(%s, 16)]" % big, "len(fragment(%s))" % big)
    icmp = 'Ether(src="%s", dst="%s")/IP(src="%s", dst="%s")/ICMP()/("y"*20)' % (M1, M2, A1, A2)
    add("fragment_method_from_ip", "(%s).fragment(20)[0]" % icmp, "(%s).fragment(20)" % icmp,
        "fragment(%s, 16)" % icmp, "fragment(Ether(raw(%s)), 16)" % icmp)
    add("fragment_sizes", "fragment(IP()/(\"w\"*17), 9)[1]", "fragment(IP()/(\"w\"*17), 9)",
        "fragment(IP()/(\"w\"*17), 0)", "fragment(IP()/(\"a\"*10), 3)", "fragment(IP())",
        "fragment(IP(frag=3, flags=1)/(\"z\"*10), 10)")
    add("fragment_set", 'fragment(IP(dst=["%s", "%s"])/("z"*10), 8)[3]' % (A1, A2),
        'fragment(IP(dst=["%s", "%s"])/("z"*10), 8)' % (A1, A2))
    # fragment() of a list (Scapy's `for p in pkt`): each packet cut in turn, a fragment cut again keeping its
    # offset and, but for its last piece, MF as it had it.
    frags = 'fragment(IP(src="%s", dst="%s")/UDP(sport=1, dport=2)/("q"*40), 24)' % (A1, A2)
    add("fragment_fragments", "fragment(%s, 16)[2]" % frags, "fragment(%s, 16)" % frags,
        "[raw(f) for f in fragment(PacketList(%s), 16)]" % frags, "fragment(tuple(%s), 8)[-1]" % frags,
        'fragment([IP(src="%s", dst="%s")/("a"*9), IP(src="%s", dst="%s", frag=5)/("b"*9)], 8)'
        % (A1, A2, A2, A1), "fragment([], 8)")
    # fragment6(): a fragment header added after IPv6 when there is none, the unfragmentable part repeated,
    # offsets in 8-byte units; ids are given (Scapy draws one at random otherwise, so an added header is checked
    # in src/layers/fragment.rs instead). Bytes only: Scapy's fragments hold plen=None as set, which shows in
    # their repr.
    for cid, expr, size in [
        ("fragment6_header_given", 'IPv6(src="%s", dst="%s")/IPv6ExtHdrFragment(id=7)/UDP(sport=1000, dport=2000)'
         '/("X"*100)' % (B1, B2), 80),
        ("fragment6_under_hbh", 'Ether(src="%s", dst="%s")/IPv6(src="%s", dst="%s")/IPv6ExtHdrHopByHop()/'
         'IPv6ExtHdrFragment(id=9)/ICMPv6EchoRequest(data="y"*60)' % (M1, M2, B1, B2), 90),
        ("fragment6_small_enough", 'IPv6(src="%s", dst="%s")/IPv6ExtHdrFragment(id=7)/UDP()/("X"*10)' % (B1, B2), 1280),
        ("fragment6_size_too_low", 'IPv6(src="%s", dst="%s")/IPv6ExtHdrFragment(id=7)/UDP()/("X"*100)' % (B1, B2), 50),
        ("fragment6_no_ipv6", 'IP(src="%s", dst="%s")/UDP()' % (A1, A2), 10),
    ]:
        frags = "fragment6(%s, %d)" % (expr, size)
        add(cid, "%s[-1]" % frags, "[raw(f) for f in %s]" % frags)
    # json(): every field in table order (numbers for enums and flags, stacking's values, null for automatic
    # fields), records as objects, other lists as their items' reprs, bytes decoded with \xNN, payload nested.
    # (Left out: TCP's unset options, "" in Scapy, whose default is b"", and ICMP, where Scapy raises.)
    for cid, expr in [
        ("json_ether_ip_tcp_raw", 'Ether(src="%s", dst="%s")/IP(src="%s", dst="%s", flags="DF", options=['
         'IPOption_RR(routers=["198.18.0.9"]), IPOption_NOP()])/TCP(flags="SA", options=[("MSS", 1460), '
         '("SAckOK", b""), ("Timestamp", (1, 2))])/Raw(b"\\x00\\xffhi\\xe9\\"\\\\")' % (M1, M2, A1, A2)),
        ("json_dns_records", 'DNS(qd=[DNSQR(qname="a.example")], an=[DNSRR(rrname="a.example", rdata="%s"), '
         'DNSRR(type="TXT", rdata=["ab", "cd"]), DNSRR(type="AAAA", rdata="%s"), DNSRRMX(exchange="mx.example")])'
         % (A3, B1)),
        ("json_dissected", 'IP(raw(IP(src="%s", dst="%s")/UDP()/DNS()))' % (A1, A2)),
        ("json_ipv6_hbh", 'IPv6(src="%s", dst="%s")/IPv6ExtHdrHopByHop(options=[RouterAlert()])/UDP()' % (B1, B2)),
        ("json_arp", 'ARP(psrc="%s", pdst="%s", hwsrc="%s")' % (A1, A2, M1)),
        ("json_sets", 'Dot1Q(vlan=3)/IP(src="%s", dst="%s", ttl=[1, 2])/TCP(dport=(1, 3), options=[])' % (A1, A2)),
        ("json_text", 'Raw(load="\u00e9")/Padding(load=b"\\x00")'),
        ("json_edns0", 'DNSRROPT(rdata=[EDNS0TLV(optcode=3, optdata=b"x")])'),
    ]:
        add(cid, expr, "(%s).json()" % expr)
    # DNS compression (dns_compress, DNS.compress): Scapy's pointers for every name field and the rdata of
    # name types, in every section; the layers below kept by dns_compress(). (Left out: DNS over TCP, where
    # Scapy's pointers count from the length prefix and miss by two; wirecraft's count from the message.)
    zone = ('DNS(qr=1, qd=[DNSQR(qname="a.example.com")], an=[DNSRR(rrname="a.example.com", rdata="%s"), '
            'DNSRR(rrname="b.example.com", type="CNAME", rdata="a.example.com"), DNSRRMX(rrname="example.com", '
            'exchange="mx.example.com"), DNSRRSRV(rrname="_sip._tcp.example.com", target="sip.example.com")], '
            'ns=[DNSRRSOA(rrname="example.com", mname="ns.example.com", rname="admin.example.com"), '
            'DNSRR(rrname="example.com", type="NS", rdata="ns.example.com")], ar=[DNSRR(rrname="ns.example.com", '
            'type="A", rdata="%s"), DNSRR(rrname="4.0.18.198.in-addr.arpa", type="PTR", rdata="ns.example.com"), '
            'DNSRROPT()])') % (A3, A4)
    add("dns_compress_zone", "%s.compress()" % zone, "%s.compress()" % zone)
    add("dns_compress_under_udp", 'dns_compress(IP(src="%s", dst="%s")/UDP(sport=53, dport=5000)/%s)'
        % (A1, A2, zone))
    add("dns_compress_dissected", "DNS(raw(%s)).compress()" % zone, "DNS(raw(%s)).compress()" % zone)
    add("dns_compress_questions", 'DNS(qd=[DNSQR(qname="x.y"), DNSQR(qname="x.y"), DNSQR(qname=".")]).compress()',
        'DNS(qd=[DNSQR(qname="x.y"), DNSQR(qname="x.y"), DNSQR(qname=".")]).compress()', "DNS(qd=[]).compress()")
    # fuzz() gives the fields Scapy fuzzes (not a None default: addresses filled when built) random values as
    # the layer's own defaults, so repr() leaves them out; a random value's repr is Scapy's <RandByte>.
    fz = 'IP(src="%s", dst="%s")/TCP()' % (A1, A2)
    add("fuzz_fields_and_reprs", fz, "fuzz(%s)" % fz, "fuzz(%s).ttl" % fz, "fuzz(%s)[TCP].sport" % fz,
        "fuzz(%s).src" % fz, "fuzz(%s).proto" % fz, "fuzz(%s).chksum" % fz, "fuzz(%s).fields" % fz,
        "fuzz(IP(ttl=3)/UDP(dport=53))[UDP].dport", "fuzz(IP(ttl=3)).ttl", "fuzz(Ether()).dst",
        "RandShort()", 'IP(ttl=RandByte())', 'IP(ttl=RandByte()).command()',
        "isinstance(fuzz(IP()).ttl, RandByte)")
    answer_rule_cases(add)
    return C


def answer_rule_cases(add):
    """conf.checkIPaddr, checkIPsrc and checkIPinIP: hashret() and answers() of request/answer pairs under each
    switch, on then off (setattr is the expression form of `conf.x = v`; the last read restores the default)."""
    tcp_q = 'IP(src="%s", dst="%s")/TCP(sport=1234, dport=80, flags="S", seq=100)' % (A1, A2)
    udp_q = 'IP(src="%s", dst="%s")/UDP(sport=1234, dport=53)' % (A1, A2)
    ping = 'IP(src="%s", dst="%s")/ICMP(id=7, seq=3)' % (A1, A2)
    ping6 = 'IPv6(src="%s", dst="%s")/ICMPv6EchoRequest(id=7, seq=3)' % (B1, B2)
    udp6_q = 'IPv6(src="%s", dst="%s")/UDP(sport=1234, dport=53)' % (B1, B2)
    pairs = {
        # An answer whose ports (and source) a NAT rewrote.
        "checkIPsrc": [
            ('IP(src="%s", dst="%s")/TCP(sport=8080, dport=4321, flags="SA", seq=7, ack=101)' % (A2, A1), tcp_q),
            ('IP(src="%s", dst="%s")/UDP(sport=5353, dport=4321)' % (A2, A1), udp_q),
            ('IP(src="%s", dst="%s")/ICMP(type=3, code=3)/IPerror(src="%s", dst="%s")/UDPerror(sport=9, dport=53)'
             % (A3, A1, A4, A2), udp_q),
            ('IP(src="%s", dst="%s")/ICMP(type=11)/IPerror(src="%s", dst="%s")/TCPerror(sport=9, dport=80)'
             % (A3, A1, A4, A2), tcp_q),
            ('IP(src="%s", dst="%s")/ICMP(type=11)/IPerror(src="%s", dst="%s")/ICMPerror(id=7, seq=3)'
             % (A3, A1, A4, A2), ping),
            ('IPv6(src="%s", dst="%s")/UDP(sport=53, dport=1234)' % (B3, B1), udp6_q),
        ],
        # An answer from another address than the one asked (DHCP, anycast).
        "checkIPaddr": [
            ('IP(src="%s", dst="%s")/ICMP(type=0, id=7, seq=3)' % (A3, A1), ping),
            ('IP(src="%s", dst="%s")/UDP(sport=53, dport=1234)' % (A3, A4), udp_q),
            ('IPv6(src="%s", dst="%s")/ICMPv6EchoReply(id=7, seq=3)' % (B3, B1), ping6),
            ('IPv6(src="%s", dst="%s")/UDP(sport=53, dport=1234)' % (B3, B4), udp6_q),
        ],
        # Tunnelled requests and answers, IPv4 and IPv6 outside.
        "checkIPinIP": [
            ('IP(src="%s", dst="%s")/ICMP(type=0, id=7, seq=3)' % (A2, A1), 'IP(src="%s", dst="%s")/%s' % (A3, A4, ping)),
            ('IP(src="%s", dst="%s")/ICMP(type=0, id=7, seq=3)' % (A2, A1), 'IPv6(src="%s", dst="%s")/%s' % (B3, B4, ping)),
            ('IP(src="%s", dst="%s")/IP(src="%s", dst="%s")/ICMP(type=0, id=7, seq=3)' % (A4, A3, A2, A1), ping),
            ('IPv6(src="%s", dst="%s")/ICMPv6EchoReply(id=7, seq=3)' % (B2, B1),
             'IP(src="%s", dst="%s")/%s' % (A3, A4, ping6)),
            ('IPv6(src="%s", dst="%s")/IPv6(src="%s", dst="%s")/ICMPv6EchoReply(id=7, seq=3)' % (B4, B3, B2, B1),
             ping6),
        ],
    }
    for switch, cases in pairs.items():
        for n, (answer, request) in enumerate(cases):
            reads = []
            for value in ("True", "False"):
                reads.append('setattr(conf, "%s", %s)' % (switch, value))
                reads += ["(%s).hashret().hex()" % p for p in (answer, request)]
                reads += ["bool((%s).answers(%s))" % (answer, request), "bool((%s).answers(%s))" % (request, answer)]
            reads.append('setattr(conf, "%s", True)' % switch)
            add("match_%s_%d" % (switch, n), answer, *reads)


def run_lang(cases):
    out = []
    ns = vars(S)
    for cid, expr, reads in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            p = eval(expr, ns)
            rec = {"id": cid, "expr": expr, "hex": raw(p).hex(), "count": len(list(p))}
            rec["reads"] = [[r, repr(eval(r, ns))] for r in reads]
        out.append(rec)
    return out


def capture(fn):
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001
        return None, "%s: %s" % (type(e).__name__, e)


def run_build(cases):
    out = []
    for cid, layers in cases:
        json.dumps(layers)  # must be plain JSON
        p = build(layers)
        rec = {"id": cid, "layers": layers}
        rec["hex"], err = capture(lambda: raw(p).hex())
        errs = {"hex": err}
        pl, errs["count"] = capture(lambda: list(p))
        rec["count"] = len(pl) if pl is not None else None
        if pl is not None and len(pl) <= 16:
            rec["all_hex"], errs["all_hex"] = capture(lambda: [raw(q).hex() for q in pl])
        rec["summary"], errs["summary"] = capture(p.summary)
        rec["show"], errs["show"] = capture(lambda: p.show(dump=True))
        rec["show2"], errs["show2"] = capture(lambda: p.show2(dump=True))
        rec["repr"], errs["repr"] = capture(lambda: repr(p))
        rec["command"], errs["command"] = capture(p.command)
        for k, e in errs.items():
            if e:
                print("build %s: %s -> null (%s)" % (cid, k, e), file=sys.stderr)
        out.append(rec)
    return out


# --------------------------------------------------------------------------
# Dissect cases
# --------------------------------------------------------------------------

def dissect_cases(build_records, build_layers):
    D = []

    def add(cid, lt, data):
        assert cid not in {d[0] for d in D}, cid
        D.append((cid, lt, bytes(data)))

    seen = set()
    # 1. every built packet rooted at Ether (linktype 1) or IP/IPv6 (101),
    #    (or Dot3, which Ether dispatches to) re-dissected from its raw bytes
    #    (first packet of a set)
    for rec in build_records:
        first = build_layers[rec["id"]][0][0]
        lt = {"Ether": 1, "Dot3": 1, "IP": 101, "IPv6": 101, "CookedLinux": 113,
              "CookedLinuxV2": 276, "Loopback": 0}.get(first)
        if lt is None or rec["hex"] is None:
            continue
        data = bytes.fromhex(rec["all_hex"][0] if rec.get("all_hex") else rec["hex"])
        if (lt, data) in seen:
            continue
        seen.add((lt, data))
        add("rx_" + rec["id"], lt, data)

    eth_ip = bytes.fromhex("020000000002020000000001" "0800")
    eth_ip6 = bytes.fromhex("020000000002020000000001" "86dd")

    def ip4(proto, payload, ihl=5, tot=None, flags_frag=0, opts=b"", chk=0):
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot if tot is not None else
                          20 + len(opts) + len(payload), 1, flags_frag, 64, proto, chk,
                          bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
        return hdr + opts + payload

    def tcp(dataofs=5, opts=b"", flags=0x02, payload=b""):
        return struct.pack("!HHIIBBHHH", 1234, 80, 0, 0, dataofs << 4, flags, 8192, 0, 0) + \
            opts + payload

    def udp(sport=1024, dport=2048, payload=b"", ln=None):
        return struct.pack("!HHHH", sport, dport, ln if ln is not None else 8 + len(payload),
                           0) + payload

    def ip6(nh, payload, plen=None):
        return struct.pack("!IHBB", 0x60000000, len(payload) if plen is None else plen, nh,
                           64) + \
            bytes.fromhex("fd000000000000000000000000000001") + \
            bytes.fromhex("fd000000000000000000000000000002") + payload

    # ---- Ethernet edge cases ---------------------------------------------
    add("empty_input_ether", 1, b"")
    add("eth_short_1", 1, b"\x02")
    add("eth_short_6", 1, bytes.fromhex("020000000002"))
    add("eth_short_10", 1, bytes.fromhex("02000000000202000000"))
    add("eth_short_13", 1, bytes.fromhex("02000000000202000000000108"))
    add("eth_header_only_ipv4_type", 1, eth_ip)
    add("eth_unknown_ethertype", 1, bytes.fromhex("020000000002020000000001" "88b5") + b"hello")
    add("eth_type_0x9000", 1, bytes.fromhex("020000000002020000000001" "9000") + b"\x00\x01")
    add("eth_802_3_length_field", 1, bytes.fromhex("020000000002020000000001" "0026") +
        bytes.fromhex("424203") + b"\x00" * 35)
    add("eth_vlan_stacked_3", 1, bytes.fromhex("020000000002020000000001" "8100" "0001" "8100"
                                               "0002" "8100" "0003" "0800") +
        ip4(1, bytes.fromhex("0800f7ff00000000")))
    add("eth_vlan_truncated", 1, bytes.fromhex("020000000002020000000001" "8100" "00"))
    add("eth_qinq_88a8", 1, bytes.fromhex("020000000002020000000001" "88a8" "000a" "8100" "0014"
                                          "86dd") + ip6(59, b""))

    # ---- IPv4 edge cases ---------------------------------------------------
    add("ip_truncated_header", 1, eth_ip + ip4(6, b"")[:10])
    add("ip_ihl_lt5", 1, eth_ip + ip4(1, bytes.fromhex("0800f7ff00000000"), ihl=4))
    add("ip_ihl_0", 1, eth_ip + ip4(1, bytes.fromhex("0800f7ff00000000"), ihl=0))
    add("ip_ihl_past_data", 1, eth_ip + ip4(6, b"", ihl=15))
    add("ip_ihl_6_nop_option", 1, eth_ip + ip4(1, bytes.fromhex("0800f7ff00000000"), ihl=6,
                                                opts=b"\x01\x01\x01\x00"))
    add("ip_totlen_short", 1, eth_ip + ip4(17, udp(payload=b"abcdefgh"), tot=28))
    add("ip_totlen_lt_header", 1, eth_ip + ip4(17, udp(payload=b"abcd"), tot=10))
    add("ip_totlen_long", 1, eth_ip + ip4(17, udp(payload=b"abcd"), tot=1000))
    add("eth_trailer_padding", 1, eth_ip + ip4(1, bytes.fromhex("0800f7ff00000000")) +
        b"\x00" * 18)
    add("eth_trailer_padding_tcp", 1, eth_ip + ip4(6, tcp(flags=0x10)) + b"\xaa" * 6)
    add("ip_nonfirst_fragment_tcp", 1, eth_ip + ip4(6, tcp(), flags_frag=0x2000 | 185))
    add("ip_nonfirst_fragment_udp_last", 1, eth_ip + ip4(17, udp(payload=b"zz"), flags_frag=3))
    add("ip_first_fragment_mf", 1, eth_ip + ip4(17, udp(payload=b"abcd", ln=100),
                                                flags_frag=0x2000))
    add("ip_unknown_proto", 1, eth_ip + ip4(253, b"\xde\xad\xbe\xef"))
    add("ip_proto_tcp_empty_payload", 1, eth_ip + ip4(6, b""))
    add("ip_version_6_in_ipv4_ethertype", 1, eth_ip + ip6(59, b""))
    add("ip_opt_len0", 1, eth_ip + ip4(1, b"", ihl=6, opts=b"\x07\x00\x00\x00"))
    add("ip_opt_len1", 1, eth_ip + ip4(1, b"", ihl=6, opts=b"\x44\x01\x00\x00"))
    add("ip_opt_len_past_header", 1, eth_ip + ip4(1, b"", ihl=6, opts=b"\x07\x27\x04\x00"))
    add("ip_opt_rr_truncated", 1, eth_ip + ip4(1, b"", ihl=7,
                                              opts=b"\x07\x0b\x04\xc6\x12\x00\x03\x00"))
    add("ip_opt_unknown_kind", 1, eth_ip + ip4(1, b"", ihl=6, opts=b"\x9e\x04\xaa\xbb"))

    # ---- TCP edge cases ----------------------------------------------------
    add("tcp_truncated_header", 1, eth_ip + ip4(6, tcp()[:10]))
    add("tcp_dataofs_lt5", 1, eth_ip + ip4(6, tcp(dataofs=3, payload=b"data")))
    add("tcp_dataofs_0", 1, eth_ip + ip4(6, tcp(dataofs=0)))
    add("tcp_dataofs_past_end", 1, eth_ip + ip4(6, tcp(dataofs=15)))
    add("tcp_dataofs_past_end_some_opts", 1, eth_ip + ip4(6, tcp(dataofs=8,
                                                               opts=b"\x02\x04\x05\xb4")))
    add("tcp_opts_truncated_mss", 1, eth_ip + ip4(6, tcp(dataofs=6, opts=b"\x01\x01\x02\x04")))
    add("tcp_opt_len0", 1, eth_ip + ip4(6, tcp(dataofs=6, opts=b"\x08\x00\x00\x00")))
    add("tcp_opt_len1", 1, eth_ip + ip4(6, tcp(dataofs=6, opts=b"\x03\x01\x00\x00")))
    add("tcp_opt_len_past_end", 1, eth_ip + ip4(6, tcp(dataofs=6, opts=b"\x02\x09\x05\xb4")))
    add("tcp_opt_unknown_kind", 1, eth_ip + ip4(6, tcp(dataofs=6, opts=b"\x63\x04\xab\xcd")))
    add("tcp_opt_mss_wrong_len", 1, eth_ip + ip4(6, tcp(dataofs=6, opts=b"\x02\x03\x05\x00")))
    add("tcp_opt_ts_sack", 1, eth_ip + ip4(6, tcp(dataofs=11, flags=0x10, opts=bytes.fromhex(
        "0101080a0000000100000002" "0101050a000003e8000007d0" "00000000"))))
    add("tcp_opt_eol_then_garbage", 1, eth_ip + ip4(6, tcp(dataofs=6, opts=b"\x00\xff\xff\xff")))
    add("tcp_sport53_dns_garbage", 1, eth_ip + ip4(6, struct.pack(
        "!HHIIBBHHH", 53, 5000, 0, 0, 0x50, 0x18, 8192, 0, 0) + b"\x00\x05abc"))

    # ---- UDP edge cases ----------------------------------------------------
    add("udp_truncated", 1, eth_ip + ip4(17, udp()[:5]))
    add("udp_len_short", 1, eth_ip + ip4(17, udp(payload=b"0123456789", ln=12)))
    add("udp_len_long", 1, eth_ip + ip4(17, udp(payload=b"0123", ln=100)))
    add("udp_len_lt8", 1, eth_ip + ip4(17, udp(payload=b"0123", ln=4)))
    add("udp_header_only", 1, eth_ip + ip4(17, udp()))

    # ---- ICMP edge cases ---------------------------------------------------
    inner = ip4(17, udp(sport=1234, dport=53, payload=b"q" * 20))
    add("icmp_err_quote_truncated_ip_payload", 1, eth_ip + ip4(1, bytes.fromhex(
        "0303000000000000") + inner[:28]))
    add("icmp_err_quote_truncated_ip_header", 1, eth_ip + ip4(1, bytes.fromhex(
        "0303000000000000") + inner[:12]))
    add("icmp_err_quote_tcp_8_bytes", 1, eth_ip + ip4(1, bytes.fromhex(
        "0b00000000000000") + ip4(6, tcp(), tot=40)[:28]))
    add("icmp_truncated_4", 1, eth_ip + ip4(1, bytes.fromhex("0800f7ff")))
    add("icmp_truncated_2", 1, eth_ip + ip4(1, bytes.fromhex("0800")))

    # ---- DNS ---------------------------------------------------------------
    dns_hdr_resp = bytes.fromhex("1234" "8180" "0001" "0001" "0000" "0000")
    q = b"\x07example\x03com\x00" + b"\x00\x01\x00\x01"
    ans_ptr = b"\xc0\x0c" + bytes.fromhex("0001" "0001" "0000012c" "0004" "c6120101")
    add("dns_compression_valid", 1, eth_ip + ip4(17, udp(53, 5000, dns_hdr_resp + q + ans_ptr)))
    cname = b"\xc0\x0c" + bytes.fromhex("0005" "0001" "0000003c" "0006") + b"\x03www\xc0\x0c"
    add("dns_compression_cname_rdata", 1, eth_ip + ip4(17, udp(53, 5000, bytes.fromhex(
        "1234" "8180" "0001" "0002" "0000" "0000") + q + cname + ans_ptr)))
    # answer whose name is a pointer to itself (offset 29 = 12 + len(q))
    loop = b"\xc0" + bytes([12 + len(q)]) + bytes.fromhex("0001" "0001" "00000000" "0004"
                                                            "c6120101")
    add("dns_compression_loop", 1, eth_ip + ip4(17, udp(53, 5000, dns_hdr_resp + q + loop)))
    add("dns_compression_loop_qname", 1, eth_ip + ip4(17, udp(53, 5000, bytes.fromhex(
        "1234" "0100" "0001" "0000" "0000" "0000") + b"\xc0\x0c" + b"\x00\x01\x00\x01")))
    past = b"\xc0\xff" + bytes.fromhex("0001" "0001" "00000000" "0004" "c6120101")
    add("dns_compression_past_end", 1, eth_ip + ip4(17, udp(53, 5000, dns_hdr_resp + q + past)))
    add("dns_truncated_record", 1, eth_ip + ip4(17, udp(53, 5000, dns_hdr_resp + q +
                                                          ans_ptr[:-3])))
    add("dns_truncated_header", 1, eth_ip + ip4(17, udp(53, 5000, dns_hdr_resp[:7])))
    add("dns_counts_exceed_records", 1, eth_ip + ip4(17, udp(53, 5000, bytes.fromhex(
        "1234" "8180" "0001" "0005" "0000" "0000") + q + ans_ptr)))
    add("dns_label_past_end", 1, eth_ip + ip4(17, udp(5000, 53, bytes.fromhex(
        "0001" "0100" "0001" "0000" "0000" "0000") + b"\x3fabc")))
    tcp_dns = bytes.fromhex("1234" "0100" "0001" "0000" "0000" "0000") + q
    add("dns_over_tcp_length_prefix", 1, eth_ip + ip4(6, struct.pack(
        "!HHIIBBHHH", 5000, 53, 0, 0, 0x50, 0x18, 8192, 0, 0) + struct.pack("!H", len(tcp_dns)) +
        tcp_dns))
    add("dns_over_tcp_wrong_length", 1, eth_ip + ip4(6, struct.pack(
        "!HHIIBBHHH", 5000, 53, 0, 0, 0x50, 0x18, 8192, 0, 0) + b"\x00\x05" + tcp_dns))
    rr_types = [("0002", b"\x02ns\xc0\x0c"), ("000f", b"\x00\x0a\x02mx\xc0\x0c"),
                ("0010", b"\x05hello\x05world"), ("001c", bytes.fromhex("fd00" + "00" * 13 + "53")),
                ("0021", b"\x00\x01\x00\x02\x13\xc4\x03sip\xc0\x0c"),
                ("0006", b"\x02ns\xc0\x0c\x02hm\xc0\x0c" + bytes(range(20))),
                ("000c", b"\x04host\xc0\x0c"), ("0005", b"\x03www\xc0\x0c"),
                ("00fe", b"\x01\x02\x03"), ("0063", b"\x04spf!"), ("002e", b"\x00" * 4)]
    for t, rdata in rr_types:
        rr = b"\xc0\x0c" + bytes.fromhex(t) + b"\x00\x01\x00\x00\x00\x3c" + \
            struct.pack("!H", len(rdata)) + rdata
        add("dns_rr_type_%s" % t, 1, eth_ip + ip4(17, udp(53, 5000, dns_hdr_resp + q + rr)))
    opt = b"\x00" + bytes.fromhex("0029" "1000" "00000000") + b"\x00\x08" + \
        bytes.fromhex("000a0004deadbeef")
    add("dns_rr_opt_ar", 1, eth_ip + ip4(17, udp(53, 5000, bytes.fromhex(
        "1234" "8180" "0001" "0000" "0000" "0001") + q + opt)))
    # DNSSEC records cut short or malformed, each followed by an A record ans_ptr: where Scapy reads a record
    # only up to its rdlen, the A record still parses; where the record's fields overrun rdlen, Scapy gives up
    # and the rest of the message is Raw.
    def rrs(*records):
        body = b"".join(b"\xc0\x0c" + bytes.fromhex(t) + b"\x00\x01\x00\x00\x00\x3c" +
                        struct.pack("!H", len(rdata) if n is None else n) + rdata
                        for t, rdata, n in records)
        return eth_ip + ip4(17, udp(53, 5000, bytes.fromhex("1234" "8180" "0001") +
                                    struct.pack("!H", len(records) + 1) + bytes(4) + q + body +
                                    ans_ptr))
    dnssec_rdata = [
        ("nsec_bitmap_len0", "002f", b"\x00\x00\x00", None),
        ("nsec_bitmap_len33", "002f", b"\x00\x00\x21" + b"\xff" * 33, None),
        ("nsec_bitmap_one_byte", "002f", b"\x00\x00", None),
        ("nsec_bitmap_bits_cut", "002f", b"\x00\x00\x05\x60\x01", None),
        ("nsec_bitmap_two_windows", "002f", b"\x01a\x00\x00\x01\x40\x01\x01\x80", None),
        ("nsec3_salt_past_rdlen", "0032", b"\x01\x00\x00\x0a\x08abc", None),
        ("nsec3_hash_past_rdlen", "0032", b"\x01\x00\x00\x0a\x01s\x14hh", None),
        ("nsec3_bitmap_bad", "0032", b"\x01\x01\x00\x00\x00\x00\x00\x00", None),
        ("nsec3param_cut", "0033", b"\x01\x00\x00", None),
        ("dnskey_cut", "0030", b"\x01\x01\x03", None),
        ("dnskey_key", "0030", b"\x01\x00\x03\x0fkey", None),
        ("ds_cut", "002b", b"\x30\x39", None),
        ("ds_digest", "002b", b"\x30\x39\x08\x02" + bytes(range(32)), None),
        ("hinfo_os_past_rdlen", "000d", b"\x03x86\x05Li", None),
        ("hinfo_cut", "000d", b"\x03x8", None),
        ("naptr_name_past_rdlen", "0023", b"\x00\x01\x00\x02\x01U\x00\x00\x03si", None),
        ("naptr_compressed_replacement", "0023", b"\x00\x01\x00\x02\x00\x00\x00\xc0\x0c", None),
        ("naptr_regexp_past_rdlen", "0023", b"\x00\x01\x00\x02\x00\x00\x09abc", None),
        ("naptr_cut", "0023", b"\x00\x01\x00\x02\x02U", None),
        ("tsig_mac_past_rdlen", "00fa", b"\x00" + bytes(6) + b"\x01\x2c\x00\x20" + bytes(8), None),
        ("tsig_cut", "00fa", b"\x00" + bytes(6) + b"\x01\x2c", None),
        ("svcb_param_cut", "0040", b"\x00\x01\x00\x00\x01", None),
        ("svcb_ipv4hint_odd", "0040", b"\x00\x01\x00\x00\x04\x00\x05\xc6\x12\x00\x01\x02", None),
        ("svcb_mandatory_odd", "0041", b"\x00\x01\x00\x00\x00\x00\x03\x00\x01\x00", None),
        ("svcb_port_len0", "0041", b"\x00\x01\x00\x00\x03\x00\x00\x01\xbb\x00\x01\x00\x03\x02h2", None),
        ("svcb_value_past_rdlen", "0040", b"\x00\x01\x00\x00\x05\x00\x08abc", None),
        ("tsig_other", "00fa", b"\x00" + bytes(6) + b"\x01\x2c\x00\x01m\x12\x34\x00\x12"
         b"\x00\x06" + bytes(6), None),        # Names compressed where RFC 4034 and RFC 2845 forbid it: Scapy decompresses them, and what
        # follows starts where the name ends on the wire.
        ("nsec_compressed_nextname", "002f", b"\x01a\xc0\x0c\x00\x01\x40", None),
        ("nsec_compressed_nextname_two_windows", "002f", b"\xc0\x0c\x00\x01\x40\x01\x01\x80", None),
        ("tsig_compressed_algo", "00fa", b"\xc0\x0c" + bytes(6) + b"\x01\x2c\x00\x02mm\x12\x34\x00\x00"
         b"\x00\x00", None),
        ("rrsig_compressed_signer", "002e", bytes.fromhex("0001" "08" "02" "0000012c" "00000001" "00000002"
                                                         "3039") + b"\xc0\x0csig", None),
    ]
    for cid, t, rdata, n in dnssec_rdata:
        add("dns_rr_" + cid, 1, rrs((t, rdata, n)))
    add("dns_mdns_5353", 1, eth_ip + ip4(17, udp(5353, 5353, bytes.fromhex(
        "0000" "8400" "0000" "0001" "0000" "0000") + b"\x04host\x05local\x00" + bytes.fromhex(
        "0001" "8001" "00000078" "0004" "c6120202"))))

    # ---- ARP ---------------------------------------------------------------
    eth_arp = bytes.fromhex("ffffffffffff020000000001" "0806")
    add("arp_hwlen_8", 1, eth_arp + bytes.fromhex("0001" "0800" "08" "04" "0001") +
        bytes.fromhex("0200000000010000") + bytes([198, 18, 0, 1]) + b"\x00" * 8 +
        bytes([198, 18, 0, 2]))
    add("arp_plen_16_ipv6", 1, eth_arp + bytes.fromhex("0001" "86dd" "06" "10" "0001") +
        bytes.fromhex("020000000001") + bytes.fromhex("fd000000000000000000000000000001") +
        b"\x00" * 6 + bytes.fromhex("fd000000000000000000000000000002"))
    add("arp_truncated", 1, eth_arp + bytes.fromhex("0001" "0800" "06" "04" "0001" "0200"))
    add("arp_with_trailer", 1, eth_arp + bytes.fromhex("0001" "0800" "06" "04" "0002") +
        bytes.fromhex("020000000002") + bytes([198, 18, 0, 2]) + bytes.fromhex("020000000001") +
        bytes([198, 18, 0, 1]) + b"\x00" * 18)

    # ---- IPv6 edge cases ---------------------------------------------------
    add("ipv6_truncated_header", 1, eth_ip6 + ip6(59, b"")[:20])
    add("ipv6_truncated_ext_header", 1, eth_ip6 + ip6(0, b"\x3a\x00\x01"))
    add("ipv6_hbh_len_past_end", 1, eth_ip6 + ip6(0, b"\x3b\x05\x01\x04\x00\x00\x00\x00"))
    add("ipv6_ext_chain_hbh_dst_rt_frag_udp", 1, eth_ip6 + ip6(0, bytes.fromhex(
        "3c00010400000000") + bytes.fromhex("2b00010400000000") +
        bytes.fromhex("2c02000100000000") + bytes.fromhex("fd000000000000000000000000000003") +
        bytes.fromhex("1100000000000001") + udp(payload=b"hi")))
    # Jumbograms (RFC 2675): plen 0 and a Hop-by-Hop header. Scapy's extract_padding takes the first 0xc2 at
    # an offset 4n + 2 of the payload as the Jumbo option, reads its length in host order (little-endian
    # here), and keeps the Hop-by-Hop header's length plus that much as the payload.
    jumbo_udp = udp(payload=b"abcdefgh")
    add("ipv6_jumbo_length_le", 1, eth_ip6 + ip6(0, b"\x11\x00\xc2\x04" + struct.pack("<I", 8) + jumbo_udp +
                                                  b"PADPAD", plen=0))
    add("ipv6_jumbo_length_zero", 1, eth_ip6 + ip6(0, b"\x11\x00\xc2\x04" + bytes(4) + jumbo_udp, plen=0))
    add("ipv6_jumbo_length_past_end", 1, eth_ip6 + ip6(0, b"\x11\x00\xc2\x04" + struct.pack("<I", 4096) +
                                                        jumbo_udp, plen=0))
    add("ipv6_jumbo_no_option", 1, eth_ip6 + ip6(0, b"\x11\x00\x01\x04" + bytes(4) + jumbo_udp, plen=0))
    add("ipv6_jumbo_no_option_scan_ends", 1, eth_ip6 + ip6(0, b"\x11\x00\x01\x04" + bytes(4) + jumbo_udp +
                                                            b"xy", plen=0))
    add("ipv6_jumbo_raw_link", 101, ip6(0, b"\x11\x00\xc2\x04" + struct.pack("<I", 16) + jumbo_udp, plen=0))
    add("ipv6_plen_short", 1, eth_ip6 + ip6(17, udp(payload=b"abcdef"), plen=8))
    add("ipv6_plen_long", 1, eth_ip6 + ip6(17, udp(payload=b"abcdef"), plen=200))
    add("ipv6_unknown_nh", 1, eth_ip6 + ip6(253, b"\x01\x02\x03"))
    add("ipv6_frag_nonfirst", 1, eth_ip6 + ip6(44, bytes.fromhex("1100" "0321" "00000007") +
                                              b"continued"))
    nd_ns = bytes.fromhex("8700" "0000" "00000000") + bytes.fromhex(
        "fd000000000000000000000000000002")
    add("icmpv6_nd_ns_opt_len0", 1, eth_ip6 + ip6(58, nd_ns + bytes.fromhex("0100020000000001")))
    add("icmpv6_nd_ns_opt_truncated", 1, eth_ip6 + ip6(58, nd_ns + bytes.fromhex("0101020000")))
    add("icmpv6_nd_ns_opt_unknown", 1, eth_ip6 + ip6(58, nd_ns + bytes.fromhex(
        "fe01aabbccddeeff")))
    # An NS sent to a unicast address (not the ff02::1 stacking implies) is still an NS.
    add("icmpv6_nd_ns_unicast_dst", 1, eth_ip6 + ip6(58, nd_ns))
    add("icmpv6_nd_ra_opts", 1, eth_ip6 + ip6(58, bytes.fromhex(
        "86000000" "40c00384" "00007530" "000003e8") + bytes.fromhex(
        "0101020000000001") + bytes.fromhex("0501000000002328") + bytes.fromhex(
        "030440c0" "00015180" "00003840" "00000000" "fd000001000000000000000000000000")))
    add("icmpv6_unknown_type", 1, eth_ip6 + ip6(58, bytes.fromhex("c8000000") + b"data"))
    add("icmpv6_truncated", 1, eth_ip6 + ip6(58, bytes.fromhex("80")))
    add("icmpv6_dest_unreach_quote_truncated", 1, eth_ip6 + ip6(58, bytes.fromhex(
        "01040000" "00000000") + ip6(17, udp(payload=b"x" * 40))[:44]))

    # ---- Raw IP (101) --------------------------------------------------------
    add("rawip_ipv4_icmp", 101, ip4(1, bytes.fromhex("0800f7ff00000000")))
    add("rawip_ipv6_udp", 101, ip6(17, udp(payload=b"hey")))
    add("rawip_version_0", 101, b"\x00\x01\x02\x03")
    add("rawip_version_5", 101, bytes([0x55]) + b"\x00" * 19)
    add("rawip_empty", 101, b"")

    # ---- Linux cooked (113 SLL, 276 SLL2) ------------------------------------
    sll = bytes.fromhex("0000" "0001" "0006" "0200000000010000")
    add("sll_ipv4_icmp", 113, sll + b"\x08\x00" + ip4(1, bytes.fromhex("0800f7ff00000000")))
    add("sll_ipv6_udp", 113, sll + b"\x86\xdd" + ip6(17, udp(payload=b"x")))
    add("sll_arp", 113, bytes.fromhex("0001" "0001" "0006" "ffffffffffff0000" "0806") +
        bytes.fromhex("0001" "0800" "06" "04" "0001") + bytes.fromhex("020000000001") +
        bytes([198, 18, 0, 1]) + b"\x00" * 6 + bytes([198, 18, 0, 2]))
    add("sll_outgoing_unknown_proto", 113, bytes.fromhex("0004" "0001" "0006" "0200000000010000"
                                                         "88b5") + b"zz")
    add("sll_truncated", 113, bytes.fromhex("0000" "0001" "0006"))
    sll2 = lambda proto: struct.pack("!HHIHBB", proto, 0, 2, 1, 0, 6) + \
        bytes.fromhex("0200000000010000")
    add("sll2_ipv4_tcp", 276, sll2(0x0800) + ip4(6, tcp()))
    add("sll2_ipv6_icmpv6", 276, sll2(0x86dd) + ip6(58, bytes.fromhex("8000" "7fbb" "0000"
                                                                      "0000")))
    add("sll2_arp", 276, sll2(0x0806) + bytes.fromhex("0001" "0800" "06" "04" "0002") +
        bytes.fromhex("020000000002") + bytes([198, 18, 0, 2]) + bytes.fromhex("020000000001") +
        bytes([198, 18, 0, 1]))
    add("sll2_truncated", 276, sll2(0x0800)[:10])

    # ---- NULL / BSD loopback (0) ---------------------------------------------
    add("null_af_inet", 0, b"\x02\x00\x00\x00" + ip4(1, bytes.fromhex("0800f7ff00000000")))
    add("null_af_inet_big_endian", 0, b"\x00\x00\x00\x02" + ip4(1, bytes.fromhex(
        "0800f7ff00000000")))
    add("null_af_inet6_linux_10", 0, b"\x0a\x00\x00\x00" + ip6(17, udp(payload=b"x")))
    for af in (24, 28, 30):
        add("null_af_inet6_%d" % af, 0, bytes([af, 0, 0, 0]) + ip6(17, udp(payload=b"x")))
    add("null_truncated", 0, b"\x02\x00")
    add("null_empty", 0, b"")

    return D


def run_dissect(cases):
    out, dropped = [], []
    for cid, lt, data in cases:
        cls = conf.l2types[lt]
        try:
            p = cls(data)
            rec = {"id": cid, "linktype": lt, "hex": data.hex(),
                   "layers": [l.__class__.__name__ for l in p.iterpayloads()],
                   "summary": p.summary(), "show": p.show(dump=True), "len": len(p)}
        except Exception as e:  # noqa: BLE001
            dropped.append(cid)
            print("dissect %s dropped: %s: %s" % (cid, type(e).__name__, e), file=sys.stderr)
            continue
        out.append(rec)
    return out, dropped


# ls() of these classes: every protocol wirecraft has (IP, TCP and DNS first, as
# the file began).
LS_CLASSES = """
IP TCP DNS Ether UDP ICMP IPv6 ARP DNSQR DNSRR
IPerror6 IPv6ExtHdrHopByHop IPv6ExtHdrDestOpt IPv6ExtHdrRouting IPv6ExtHdrFragment
Pad1 PadN RouterAlert RplOption Jumbo HAO HBHOptUnknown
ICMPv6EchoRequest ICMPv6EchoReply ICMPv6DestUnreach ICMPv6PacketTooBig
ICMPv6TimeExceeded ICMPv6ParamProblem ICMPv6Unknown ICMPv6ND_RS ICMPv6ND_RA
ICMPv6ND_NS ICMPv6ND_NA ICMPv6ND_Redirect ICMPv6NDOptSrcLLAddr
ICMPv6NDOptDstLLAddr ICMPv6NDOptPrefixInfo ICMPv6NDOptRedirectedHdr
ICMPv6NDOptMTU ICMPv6NDOptUnknown
IPOption_EOL IPOption_NOP IPOption IPOption_Security IPOption_RR IPOption_LSRR
IPOption_SSRR IPOption_Stream_Id IPOption_MTU_Probe IPOption_MTU_Reply
IPOption_Traceroute IPOption_Timestamp IPOption_Address_Extension
IPOption_Router_Alert IPOption_SDBM
IPerror TCPerror UDPerror ICMPerror CookedLinux CookedLinuxV2 Loopback
Dot1Q Dot1AD Dot3 LLC STP Raw Padding
DNSRRHINFO DNSRRMX DNSRRNAPTR DNSRRSOA DNSRRSRV DNSRROPT DNSRRRSIG DNSRRTSIG
DNSRRDNSKEY DNSRRDS DNSRRNSEC DNSRRNSEC3 DNSRRNSEC3PARAM DNSRRSVCB DNSRRHTTPS
SvcParam EDNS0TLV EDNS0COOKIE
""".split()

# ICMP's timestamps default to the time of day Scapy was imported (any2i(None)
# at class creation), which is not reproducible: ls.txt shows them as None, the
# field's own default, which wirecraft fills when building, as Scapy does for a
# timestamp set to None.
ICMP_TIMESTAMPS = ("ts_ori", "ts_rx", "ts_tx")


@contextlib.contextmanager
def icmp_timestamps_as_none():
    """ICMP's timestamp fields with their field default None, while ls() runs."""
    saved = []
    for f in S.ICMP.fields_desc:
        inner = getattr(f, "fld", f)
        if inner.name in ICMP_TIMESTAMPS:
            saved.append((inner, inner.default))
            inner.default = None
    try:
        yield
    finally:
        for inner, default in saved:
            inner.default = default


def ls_text(obj, **kw):
    buf = io.StringIO()
    with icmp_timestamps_as_none(), contextlib.redirect_stdout(buf):
        ls(obj, **kw)
    return buf.getvalue()


def write_ls():
    parts = ["=== %s\n%s" % (name, ls_text(getattr(S, name))) for name in LS_CLASSES]
    with open(os.path.join(VEC, "ls.txt"), "w") as f:
        f.write("".join(parts))


# ls(obj, verbose=True) of every class in LS_CLASSES, then of these packets
# (explicit addresses; Scapy lists a packet's payload layers without verbose,
# so only the first layer has the long listing).
LS_VERBOSE_PACKETS = [
    'Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")/IP(src="198.18.0.1", dst="198.18.0.2", ttl=(5, 10))/TCP(dport=[80, 443], flags="SA")',
    'IP(src="198.18.0.1", dst="198.18.0.2", flags="DF")/ICMP(type=3, code=1)',
    'ICMP(type=3, code=4)',
    'ICMP(type="echo-reply")',
    'IPv6(src="fd00::1", dst="fd00::2")/ICMPv6DestUnreach(code=4)',
    'ICMPv6DestUnreach(code=3)',
    'TCP(flags="PA")',
    'DNS(qd=[DNSQR(qname="example.com", qtype="MX")])',
    'Loopback(type=24)',
    'Ether(bytes.fromhex("020000000002020000000001080045000028000100004006f8c8c6120001c6120002001400500000000000000000501220005e2c0000"))',
]


def write_ls_verbose():
    exprs = LS_CLASSES + LS_VERBOSE_PACKETS
    parts = ["=== %s\n%s" % (e, ls_text(eval(e, vars(S)), verbose=True)) for e in exprs]
    with open(os.path.join(VEC, "ls_verbose.txt"), "w") as f:
        f.write("".join(parts))


def write_jsonl(path, recs):
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=True, sort_keys=False) + "\n")


def main():
    if SCAPY_VERSION != "2.8.0":
        print("warning: expected Scapy 2.8.0, found %s" % SCAPY_VERSION, file=sys.stderr)
    assert conf.debug_dissector is False or conf.debug_dissector == 0
    os.makedirs(VEC, exist_ok=True)
    cases = build_cases()
    brecs = run_build(cases)
    write_jsonl(os.path.join(VEC, "build.jsonl"), brecs)
    drecs, dropped = run_dissect(dissect_cases(brecs, dict(cases)))
    write_jsonl(os.path.join(VEC, "dissect.jsonl"), drecs)
    write_ls()
    write_ls_verbose()
    lrecs = run_lang(lang_cases())
    write_jsonl(os.path.join(VEC, "lang.jsonl"), lrecs)
    print("build cases: %d, dissect cases: %d, dropped dissect: %s, language cases: %d" % (
        len(brecs), len(drecs), dropped, len(lrecs)))


# With Scapy 2.8.0 the generator reports these nulls / dropped cases
# (update from stderr when changing cases):
NOTES_BUILD_NULLS = """
set_icmp_type_list: summary and show are null -- ICMP.code is a
  MultiEnumField whose i2repr looks up the *type* value in a dict, and a list
  (the packet-set value) is unhashable -> TypeError.  hex/show2/repr/command
  work.
Cases removed because Scapy raises while *building* them:
  TCP(flags=["S", "SA", "R"]) -- FlagsField.any2i treats a list as a list of
    flag letters, so a set of flag values cannot be written as a list.
  TCP(options=b"...") -- TCPOptionsField.i2m only accepts a list of tuples.
  IP(options=b"...") -- raw() works but show()/command() raise
    (AttributeError: 'bytes' object has no attribute '_show_or_dump').
"""
NOTES_DISSECT_DROPPED = """
Scapy raises struct.error on these, so they are not in dissect.jsonl:
  eth_short_1, eth_short_6, eth_short_10, eth_short_13  (Ether on 1..13 bytes:
    a field is cut in the middle; 0 bytes does NOT raise, see
    empty_input_ether)
  rawip_version_0  (4 bytes 00 01 02 03 on linktype 101 -> IP on 4 bytes)
  sll_truncated (6 bytes SLL), sll2_truncated (10 bytes SLL2),
  null_truncated (2 bytes NULL)
Rule: the outermost layer raises when the input ends inside a field; an inner
layer that raises is caught by do_dissect_payload and becomes Raw.
"""

if __name__ == "__main__":
    main()
