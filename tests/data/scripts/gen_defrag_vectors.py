#!/usr/bin/env python3
"""Golden vectors for defrag(), defragment() and defragment6() from Scapy 2.8.0.

Writes tests/data/vectors/defrag.jsonl, one case a line: `func`, `link` ("ip", "ether" or "ipv6"), `input`
(the frames, hex, dissected by Scapy from those bytes as the Rust test dissects them), and what Scapy gave:
for defragment, `out` (hex and summary of each packet); for defrag, `nofrag`, `defrag`, `missfrag` (hex
lists); for defragment6, `out` (one hex and summary, or null); and `warnings` (Scapy's warning lines).

Offline and deterministic: in memory only, every address given, a fixed random seed. Run from the repo root:
    unshare -n python3 tests/data/scripts/gen_defrag_vectors.py
"""

import json
import logging
import random

from scapy.all import (ARP, ICMP, conf, IP, TCP, UDP, Ether, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw,
                       defrag, defragment, defragment6, fragment, fragment6, raw)

OUT = "tests/data/vectors/defrag.jsonl"
rng = random.Random(12)
conf.warning_threshold = 0  # every warning, not only the first of a burst


class Warnings(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


warnings = Warnings()
logging.getLogger("scapy").addHandler(warnings)
logging.getLogger("scapy").propagate = False

DISSECT = {"ip": IP, "ether": Ether, "ipv6": IPv6}


def packets(pl):
    """Scapy 2.8.0 puts a bad group's fragments into its results as the `(pkt, offset, length)` tuples it kept
    them in; wirecraft gives the packets, which is what these lists are to hold."""
    return [p[0] if isinstance(p, tuple) else p for p in pl]


def hexes(pl):
    return [raw(p).hex() for p in packets(pl)]


def case(func, link, frames):
    pkts = [DISSECT[link](raw(f)) for f in frames]
    warnings.lines = []
    c = {"func": func, "link": link, "input": hexes(pkts)}
    if func == "defragment":
        c["out"] = [[raw(p).hex(), p.summary()] for p in packets(defragment(pkts))]
    elif func == "defrag":
        nofrag, de, miss = defrag(pkts)
        c.update(nofrag=hexes(nofrag), defrag=hexes(de), missfrag=hexes(miss))
    else:
        r = defragment6(pkts)
        c["out"] = None if isinstance(r, list) else [raw(r).hex(), r.summary()]
    c["warnings"] = list(warnings.lines)
    return c


def udp4(n, ident=1, **ip):
    return IP(src="198.18.0.1", dst="198.18.0.2", id=ident, **ip) / UDP(sport=1024, dport=9) / Raw(bytes(
        rng.randrange(256) for _ in range(n)))


def tcp4(n, ident=2):
    return IP(src="198.18.0.1", dst="198.18.0.3", id=ident) / TCP(sport=40000, dport=80, flags="PA") / Raw(
        b"GET / HTTP/1.0\r\n" * (n // 16 + 1))


cases = []
for func in ("defragment", "defrag"):
    # Round trips, in order, of many sizes.
    for n in (0, 1, 8, 23, 100, 1000, 1472, 3000):
        for size in (8, 16, 64, 576, 1480):
            cases.append(case(func, "ip", fragment(udp4(n), size)))
    # Shuffled (the last fragment kept last, and not), TCP, options and DF, over Ethernet.
    for seed in range(6):
        f = fragment(udp4(200 + seed), 32)
        rng.shuffle(f)
        cases.append(case(func, "ip", f))
    cases.append(case(func, "ip", fragment(tcp4(400), 64)))
    cases.append(case(func, "ip", fragment(udp4(90, options=b"\x01\x01\x01\x00", flags="DF"), 24)))
    cases.append(case(func, "ether", [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / f
                                      for f in fragment(udp4(300), 128)]))
    # Two datagrams interleaved, with unfragmented packets and a non-IP frame between.
    a, b = fragment(udp4(100, ident=5), 32), fragment(udp4(100, ident=6), 32)
    mixed = [x for pair in zip(a, b) for x in pair]
    cases.append(case(func, "ip", mixed[:3] + [udp4(5, ident=9), IP(src="198.18.0.4", dst="198.18.0.5") / ICMP()]
                      + mixed[3:]))
    cases.append(case(func, "ether", [Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") / ARP(
        psrc="198.18.0.1", pdst="198.18.0.2")] + [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / f
                                                  for f in fragment(udp4(100), 40)]))
    # Trouble: a duplicate, a hole, a missing first, a missing last, an overlap, a fragment after the last.
    f = fragment(udp4(100), 24)
    cases.append(case(func, "ip", f[:2] + [f[1]] + f[2:]))
    cases.append(case(func, "ip", f[:2] + f[3:]))
    cases.append(case(func, "ip", f[1:]))
    cases.append(case(func, "ip", f[:-1]))
    over = f[1].copy()
    over.frag -= 1
    cases.append(case(func, "ip", [f[0], over] + f[2:]))
    cases.append(case(func, "ip", f[:-1] + [f[-1], f[1]]))

# IPv6: round trips, shuffled (defragment6 takes them in list order), another id, a hole, a hop-by-hop header.
for n in (1, 100, 1000, 3000):
    for size in (80, 200, 1280):
        cases.append(case("defragment6", "ipv6", fragment6(IPv6(src="fd00::1", dst="fd00::2") / UDP(
            sport=1024, dport=9) / Raw(bytes(rng.randrange(256) for _ in range(n))), size)))
f6 = fragment6(IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrFragment(id=77) / UDP() / Raw(b"q" * 300), 120)
cases.append(case("defragment6", "ipv6", f6[:1] + f6[2:]))
other = fragment6(IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrFragment(id=78) / UDP() / Raw(b"r" * 300), 120)
cases.append(case("defragment6", "ipv6", f6 + other[:1]))
cases.append(case("defragment6", "ipv6", fragment6(IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrHopByHop() /
                                                   IPv6ExtHdrFragment(id=79) / TCP() / Raw(b"s" * 400), 150)))
cases.append(case("defragment6", "ipv6", [IPv6(src="fd00::1", dst="fd00::2") / UDP()]))

with open(OUT, "w") as out:
    for c in cases:
        out.write(json.dumps(c, sort_keys=True) + "\n")
print(f"{len(cases)} cases written to {OUT}")
