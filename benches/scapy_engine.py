#!/usr/bin/env python3
"""Scapy 2.8.0's per-packet cost for the frames of benches/engine.rs, measured the same way (best of 5 runs of
N iterations). Usage: python3 benches/scapy_engine.py  (needs `pip install scapy==2.8.0`)."""
import timeit

from scapy.all import DNS, DNSQR, IP, TCP, UDP, Ether, raw

tcp = (Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01") / IP(src="198.18.0.1", dst="198.18.0.2")
       / TCP(sport=1234, dport=80, flags="PA") / b"GET / HTTP/1.1\r\nHost:")
dns = (Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01") / IP(src="198.18.0.1", dst="198.18.0.2")
       / UDP(sport=5353, dport=53) / DNS(id=4660, qd=DNSQR(qname="www.example.com")))

N = 2000
for name, p in (("tcp", tcp), ("dns", dns)):
    data = raw(p)
    for what, fn in (("build", lambda: raw(p)), ("dissect", lambda: Ether(data)),
                     ("dissect+field", lambda: Ether(data)[IP].dst)):
        best = min(timeit.repeat(fn, number=N, repeat=5)) / N
        print(f"scapy {what}/{name}: {best * 1e9:,.0f} ns")
