#!/bin/bash
# Makes the pcapng and damaged-time fixtures of tests/pcapio.rs (the capture metadata round trips) from the
# captures make_captures.sh made. Needs editcap and mergecap (Wireshark 4.x) and python3; no root, no network.
# Run from this directory: ./make_pcapng.sh.
set -euo pipefail
cd "$(dirname "$0")"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Three interfaces at different resolutions: Ethernet in nanoseconds (if_tsresol 9), Linux cooked in
# microseconds (no if_tsresol), and Ethernet in microseconds moved 3e9 s on, past 2^32 seconds.
editcap -F pcapng ping-nano.pcap "$WORK/nano.pcapng"
editcap -F pcapng any-sll.pcap "$WORK/sll.pcapng"
editcap -F pcapng -t 3000000000 ping.pcap "$WORK/far.pcapng"
mergecap -I none -F pcapng -w mixed-resolutions.pcapng "$WORK/nano.pcapng" "$WORK/sll.pcapng" "$WORK/far.pcapng"

# What no tool writes, by hand: a big-endian section whose interface counts 2^-20 s with if_tsoffset, with an
# Enhanced, a Simple and an obsolete Packet Block and blocks a reader skips (a Name Resolution Block, one of a
# kind nobody knows); then a little-endian section whose one interface is raw IP in milliseconds.
python3 - <<'PY'
import struct
ping = open("ping.pcap", "rb").read()
frames, at = [], 24
while at < len(ping):
    caplen = struct.unpack_from("<I", ping, at + 8)[0]
    frames.append(ping[at + 16:at + 16 + caplen])
    at += 16 + caplen

def block(e, kind, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + "II", kind, n) + body + struct.pack(e + "I", n)

def opt(e, code, value):
    return struct.pack(e + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)

def epb(e, iface, units, data, wirelen=None):
    return block(e, 6, struct.pack(e + "IIIII", iface, units >> 32, units & 0xffffffff, len(data),
                                   wirelen or len(data)) + data)

out = b""
e = ">"
out += block(e, 0x0a0d0d0a, struct.pack(e + "IHHq", 0x1a2b3c4d, 1, 0, -1))
out += block(e, 1, struct.pack(e + "HHI", 1, 0, 0) + opt(e, 9, b"\x94") + opt(e, 14, struct.pack(e + "q", 1700000000))
             + opt(e, 0, b""))
# 12.75 s and 2^-20 s after the offset: 1700000012.750000953 (rounded down to the nanosecond).
out += epb(e, 0, (12 << 20) + (3 << 18) + 1, frames[0])
out += block(e, 4, struct.pack(e + "HH", 1, 8) + bytes([127, 0, 0, 1]) + b"lo\0\0" + struct.pack(e + "HH", 0, 0))
out += block(e, 3, struct.pack(e + "I", len(frames[1])) + frames[1])
out += block(e, 0x00001234, b"a block of a kind no reader knows")
out += block(e, 2, struct.pack(e + "HHIIII", 0, 0, 0, (20 << 20), len(frames[2]), len(frames[2])) + frames[2])
# A packet whose original length is below its captured length, as it was.
out += epb(e, 0, 30 << 20, frames[3], wirelen=60)
e = "<"
out += block(e, 0x0a0d0d0a, struct.pack(e + "IHHq", 0x1a2b3c4d, 1, 0, -1))
out += block(e, 1, struct.pack(e + "HHI", 101, 0, 262144) + opt(e, 9, b"\x03") + opt(e, 0, b""))
out += epb(e, 0, 1700000099123, frames[4][14:])
open("handmade.pcapng", "wb").write(out)

# Classic pcap with microsecond fields of a second or more (libpcap and tcpdump keep them as they are):
# record 2's is 1500000, record 3's 4294967295 (more than a 32-bit count of nanoseconds holds).
b = bytearray(ping)
struct.pack_into("<I", b, 24 + 114 + 4, 1500000)
struct.pack_into("<I", b, 24 + 2 * 114 + 4, 4294967295)
open("usec-overflow.pcap", "wb").write(bytes(b))
PY
chmod 644 mixed-resolutions.pcapng handmade.pcapng usec-overflow.pcap
ls -l mixed-resolutions.pcapng handmade.pcapng usec-overflow.pcap
