#!/bin/bash
# Makes the capture fixtures of tests/pcapio.rs from real programs' traffic on the loopback interface
# (127.0.0.1 and ::1 only). Needs root (tcpdump, dumpcap), python3, curl, ping, mergecap.
# Run from this directory: ./make_captures.sh. Every process it starts is stopped by its own PID.
set -euo pipefail
cd "$(dirname "$0")"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# capture OUT ARGS...: starts a capture in the background, waits until it is listening.
capture() {
    local out=$1; shift
    tcpdump -U --immediate-mode -w "$out" "$@" 2>"$WORK/tcpdump.log" &
    CAP=$!
    PIDS+=("$CAP")
    for _ in $(seq 50); do grep -q listening "$WORK/tcpdump.log" && break; sleep 0.1; done
}
stop() { sleep 0.5; kill -INT "$CAP"; wait "$CAP" || true; }

# HTTP: python's http.server answering curl.
mkdir "$WORK/www" && echo "hello from wirecraft" > "$WORK/www/hello.txt"
python3 -m http.server 18080 --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 &
PIDS+=($!)
sleep 1
capture http.pcap -i lo 'tcp port 18080'
curl -s http://127.0.0.1:18080/hello.txt >/dev/null
stop

# DNS: a tiny responder answering one A query with 127.0.0.53.
cat > "$WORK/dns.py" <<'PY'
import socket, struct, sys
def query(name, qid):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)
if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 15353))
    for _ in range(2):
        data, peer = s.recvfrom(512)
        qid = struct.unpack(">H", data[:2])[0]
        ans = struct.pack(">HHHLH", 0xc00c, 1, 1, 60, 4) + socket.inet_aton("127.0.0.53")
        s.sendto(struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + data[12:] + ans, peer)
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(2)
    for i, name in enumerate(["www.example.test", "wirecraft.test"]):
        c.sendto(query(name, 0x1234 + i), ("127.0.0.1", 15353)); c.recvfrom(512)
PY
python3 "$WORK/dns.py" serve &
PIDS+=($!)
sleep 0.5
capture dns.pcap -i lo 'udp port 15353'
python3 "$WORK/dns.py" ask
stop

# ping over IPv4 and IPv6; the IPv4 one also with nanosecond timestamps.
capture ping.pcap -i lo 'icmp and host 127.0.0.1'
ping -c 3 -i 0.2 127.0.0.1 >/dev/null
stop
capture ping6.pcap -i lo 'icmp6 and host ::1'
ping -6 -c 3 -i 0.2 ::1 >/dev/null
stop
capture ping-nano.pcap --time-stamp-precision=nano -i lo 'icmp and host 127.0.0.1'
ping -c 3 -i 0.2 127.0.0.1 >/dev/null
stop

# Linux cooked captures from -i any: SLL2 (libpcap's default) and SLL.
capture any-sll2.pcap -i any -y LINUX_SLL2 'icmp and host 127.0.0.1'
ping -c 2 -i 0.2 127.0.0.1 >/dev/null
stop
capture any-sll.pcap -i any -y LINUX_SLL 'icmp and host 127.0.0.1'
ping -c 2 -i 0.2 127.0.0.1 >/dev/null
stop

# pcapng: dumpcap's own file; two interfaces of one link type (mergecap keeping both IDBs); two link types.
dumpcap -q -i lo -f 'icmp and host 127.0.0.1' -w "$WORK/dumpcap.pcapng" 2>/dev/null &
DC=$!; PIDS+=("$DC"); sleep 1.5
ping -c 2 -i 0.2 127.0.0.1 >/dev/null
sleep 0.5; kill -INT "$DC"; wait "$DC" || true
cp "$WORK/dumpcap.pcapng" lo.pcapng
mergecap -I none -F pcapng -w two-interfaces.pcapng ping.pcap http.pcap
mergecap -F pcapng -w two-linktypes.pcapng ping.pcap any-sll2.pcap
chmod 644 ./*.pcap ./*.pcapng
ls -l ./*.pcap ./*.pcapng
