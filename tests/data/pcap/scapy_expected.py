"""Writes what Scapy 2.8.0 says about each fixture capture, for tests/pcapio.rs to compare against:
<capture>.scapy.txt holds repr(rdpcap(f)), then nsummary(), then the session keys, one per line.
Run from this directory: python3 scapy_expected.py FILE..."""
import contextlib, io, sys
from scapy.all import rdpcap

for f in sys.argv[1:]:
    pkts = rdpcap(f)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(repr(pkts))
        pkts.nsummary()
        for k in pkts.sessions():
            print(k)
    open(f + ".scapy.txt", "w").write(out.getvalue())
