#!/bin/bash
# Issue #4's benchmarks, side by side in one run: the commands users type (`wirecraft -c 'rdpcap f.pcap'`,
# `len(rdpcap(...))`, with a filter) against tcpdump and Scapy on the shared corpus.
# Usage: benches/pcap.sh CORPUS_DIR [SCAPY_FRAMES]
#   CORPUS_DIR   holds mix-1m.pcap and mix-100k.pcap (python3 ../shared/bench/gen_corpus.py --out DIR)
#   SCAPY_FRAMES frames of mix-100k.pcap Scapy reads (default 100000; Scapy needs ~1 min for them)
# Each of our figures is the median of 5 runs (needs hyperfine), and so is tcpdump's filtered count (0.1 s, where
# one run timed to 10 ms is too coarse); the other peer figures are one run. Times are wall clock; memory is peak
# RSS.
set -euo pipefail
DIR=${1:?usage: benches/pcap.sh CORPUS_DIR [SCAPY_FRAMES]}
SCAPY_FRAMES=${2:-100000}
BIG=$DIR/mix-1m.pcap
SMALL=$DIR/mix-100k.pcap
cd "$(dirname "$0")/.."
cargo build -q --release --bin wirecraft
WC=target/release/wirecraft
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run NAME CMD...: runs once, sets SECS and KB (peak RSS).
run() {
    /usr/bin/time -o "$TMP/t" -f "%e %M" "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
    read -r SECS KB <"$TMP/t"
}
# median3 CMD...: the median wall time of 5 runs timed by hyperfine (millisecond resolution, where /usr/bin/time
# gives 10 ms: too coarse for the 100k-frame listing), and the peak RSS of one more run.
median3() {
    run "$@"
    hyperfine -N -w 1 -r 5 --export-json "$TMP/h.json" "$(printf '%q ' "$@")" >/dev/null 2>&1
    SECS=$(python3 -c "import json; print(f\"{json.load(open('$TMP/h.json'))['results'][0]['median']:.3f}\")")
}
rate() { python3 -c "r = $1 / $2; print(f'{r / 1e6:.2f}M/s' if r >= 1e6 else f'{r / 1e3:.1f}k/s')"; }
ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }
mib() { python3 -c "print(f'{$1 / 1024:.0f} MiB')"; }

N=$($WC -c "print(len(rdpcap('$BIG')))")
SIZE=$(stat -c %s "$BIG")
printf '%-44s %9s %10s %9s\n' "workload ($N frames, $((SIZE / 1048576)) MiB)" seconds rate "peak RSS"
row() { printf '%-44s %9s %10s %9s\n' "$1" "$2" "$3" "$4"; }

median3 $WC -c "rdpcap $BIG"; ws=$SECS; wkb=$KB
row "wirecraft -c 'rdpcap mix-1m.pcap'" "$ws" "$(rate "$N" "$ws")" "$(mib "$wkb")"
TZ=UTC run tcpdump -nn -r "$BIG"; ts=$SECS
row "tcpdump -nn -r (TZ=UTC)" "$ts" "$(rate "$N" "$ts")" "$(mib "$KB")"
echo "  summaries: $(ratio "$ts" "$ws") tcpdump's throughput (target >= 10x, >= 1M lines/s); memory target <= 50 MiB"

COUNT="print(len(rdpcap('$BIG', filter='tcp port 80')))"
M=$($WC -c "$COUNT")
median3 $WC -c "$COUNT"; wf=$SECS
row "len(rdpcap(f, filter='tcp port 80')) = $M" "$wf" "$(rate "$N" "$wf")" "$(mib "$KB")"
median3 tcpdump -nn -r "$BIG" -w /dev/null 'tcp port 80'; tf=$SECS
row "tcpdump -w /dev/null 'tcp port 80'" "$tf" "$(rate "$N" "$tf")" "$(mib "$KB")"
echo "  filter: $(ratio "$tf" "$wf") tcpdump's throughput (target >= 1x)"

median3 $WC -c "print(len(rdpcap('$BIG')))"; wl=$SECS
row "wirecraft -c 'print(len(rdpcap(f)))'" "$wl" "$(rate "$N" "$wl")" "$(mib "$KB")"
echo "  load: target >= 3M/s, peak <= $(python3 -c "print(f'{(1.3 * $SIZE / 1048576 + 30):.0f}')") MiB (1.3x the file + 30 MiB)"

SCAPY_IN=$SMALL
if [ "$SCAPY_FRAMES" != 100000 ]; then
    SCAPY_IN=$TMP/scapy.pcap
    editcap -r "$SMALL" "$SCAPY_IN" "1-$SCAPY_FRAMES" 2>/dev/null
fi
median3 $WC -c "rdpcap $SCAPY_IN"; w2=$SECS
row "wirecraft -c 'rdpcap f' ($SCAPY_FRAMES)" "$w2" "$(rate "$SCAPY_FRAMES" "$w2")" "$(mib "$KB")"
run python3 /work/shared/bench/pybench.py scapy_rdpcap_summary "$SCAPY_IN"; sc=$SECS
row "Scapy rdpcap + summary ($SCAPY_FRAMES)" "$sc" "$(rate "$SCAPY_FRAMES" "$sc")" "$(mib "$KB")"
echo "  Scapy: $(ratio "$sc" "$w2") Scapy's throughput (target >= 500x; both include start-up)"
