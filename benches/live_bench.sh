#!/usr/bin/env bash
# Live benchmarks, side by side in one run, inside a throwaway two-namespace bed (../shared/bench/netns.sh):
# wirecraft's sendp / sniff / sr against tcpreplay, tcpdump and Scapy on the same veth. sendp is measured
# through the binary, as a user runs it (`wirecraft -c 'sendp(rdpcap(…), iface=…)'`, loading included), with
# the library's figure beside it, labelled.
#
#   sudo benches/live_bench.sh CORPUS.pcap [SR_PROBES]
#
# Nothing leaves the namespaces: both veth ends live inside them, no default route.
set -euo pipefail
CORPUS=${1:?usage: $0 CORPUS.pcap [SR_PROBES]}
PROBES=${2:-10000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BED=${NETNS_SH:-$HERE/../shared/bench/netns.sh}
export NSA=wcbA$$ NSB=wcbB$$ IFA=wcba$$ IFB=wcbb$$
# shellcheck source=/dev/null
source "$BED"
trap wc_down EXIT INT TERM
wc_up
ip netns exec "$NSB" sysctl -qw net.ipv4.icmp_ratelimit=0
cargo build -q --release --bin wirecraft --example live_bench --manifest-path "$HERE/Cargo.toml"
WC=$HERE/target/release/examples/live_bench
WCBIN=$HERE/target/release/wirecraft
A() { ip netns exec "$NSA" "$@"; }
B() { ip netns exec "$NSB" "$@"; }
N=$(tcpdump -r "$CORPUS" -nn 2>/dev/null | wc -l)
echo "corpus: $CORPUS ($N frames)"

echo "== sendp over the veth, through the binary (whole command, loading included)"
SENDP="sendp(rdpcap('$CORPUS'), iface='$IFA')"
hyperfine -N --warmup 1 --runs 5 \
    "ip netns exec $NSA tcpreplay --topspeed -q -i $IFA $CORPUS" \
    "ip netns exec $NSA $WCBIN -c \"$SENDP\""
echo "== sendp send-phase rate, as each tool reports it"
A tcpreplay --topspeed -q -i "$IFA" "$CORPUS" 2>&1 | grep -E "Rated|Actual" | sed 's/^/tcpreplay: /'
# wirecraft reports its rate on the progress line it draws on a terminal (a send longer than a second): the
# last one drawn, through a pseudo-terminal.
A script -qec "$WCBIN -c \"$SENDP\"" /dev/null | tr '\r' '\n' | { grep -E 'pkt/s' || echo '(no progress line: the send took under a second)'; } | tail -1 | sed 's/^/wirecraft: /'
A "$WC" sendp "$IFA" "$CORPUS" | sed 's/^/wirecraft library (examples\/live_bench, send phase only): /'
A python3 - "$IFA" "$CORPUS" <<'PY' | sed 's/^/scapy (first 10k): /'
import sys, time
from scapy.all import rdpcap, sendp
pk = rdpcap(sys.argv[2], count=10000)
t = time.time(); sendp(pk, iface=sys.argv[1], verbose=False); d = time.time() - t
print(f"sent {len(pk)} in {d:.3f}s: {len(pk)/d:.0f} pkt/s")
PY

echo "== capture a tcpreplay blast (same blast for each capturer, one at a time)"
B timeout 30 tcpdump -i "$IFB" -w /dev/null 2> /tmp/tcpdump.$$ & TD=$!
sleep 1; A tcpreplay --topspeed -q -i "$IFA" "$CORPUS" >/dev/null 2>&1; sleep 1; kill -INT $TD; wait $TD || true
grep -E "captured|dropped" /tmp/tcpdump.$$ | sed 's/^/tcpdump: /'; rm -f /tmp/tcpdump.$$
B "$WC" sniff "$IFB" 6 > /tmp/wcsniff.$$ & WS=$!
sleep 2; A tcpreplay --topspeed -q -i "$IFA" "$CORPUS" >/dev/null 2>&1; wait $WS
sed 's/^/wirecraft: /' /tmp/wcsniff.$$; rm -f /tmp/wcsniff.$$

echo "== sr of $PROBES SYN probes to closed ports (RST answers)"
A "$WC" sr-syn 198.18.0.1 198.18.0.2 "$PROBES" | sed 's/^/wirecraft: /'
A python3 - "$PROBES" <<'PY' | sed 's/^/scapy: /'
import sys, time
from scapy.all import IP, TCP, sr, conf
conf.verb = 0
n = int(sys.argv[1]); t = time.time()
ans, unans = sr(IP(src="198.18.0.1", dst="198.18.0.2")/TCP(sport=40000, dport=(1, n), flags="S"), timeout=2)
print(f"sr {n} probes: {len(ans)} answered, {len(unans)} unanswered in {time.time()-t:.2f}s (timeout=2)")
PY
