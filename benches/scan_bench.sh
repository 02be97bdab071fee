#!/usr/bin/env bash
# Port scans side by side in one run: wirecraft's SYN scan of all 65,535 ports against `nmap -sS -p- -T5` and
# masscan (when installed), and wirecraft's connect scan against `nmap -sT -p- -T5`, each RUNS times, through
# the binary as a user runs it (`wirecraft -c "portscan(…)"`). Each run's time and found-open set is printed,
# then per tool the times and whether every run found every open port.
#
#   sudo benches/scan_bench.sh [RUNS]
#
# The target is a namespace of its own with Python `http.server` listeners on the ports of OPEN; the scanner is
# another namespace; both veth ends live inside them (198.18.0.0/15, no default route), so nothing leaves them.
# Both namespaces and every listener are removed on every exit.
set -euo pipefail
RUNS=${1:-10}
OPEN="22 80 443 8080 31337"
HERE=$(cd "$(dirname "$0")/.." && pwd)
NSA=wcsbA$$ NSB=wcsbB$$ IFA=wcsba$$ IFB=wcsbb$$
A4=198.18.0.1 B4=198.18.0.2
PIDS=()

down() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$NSA" 2>/dev/null || true
    ip netns del "$NSB" 2>/dev/null || true
}
trap down EXIT INT TERM

ip netns add "$NSA"
ip netns add "$NSB"
ip link add name "$IFA" netns "$NSA" type veth peer name "$IFB" netns "$NSB"
ip -n "$NSA" link set lo up
ip -n "$NSB" link set lo up
ip -n "$NSA" addr add "$A4/24" dev "$IFA"
ip -n "$NSB" addr add "$B4/24" dev "$IFB"
ip -n "$NSA" link set "$IFA" up
ip -n "$NSB" link set "$IFB" up
for p in $OPEN; do
    ip netns exec "$NSB" python3 -m http.server --bind "$B4" "$p" >/dev/null 2>&1 &
    PIDS+=($!)
done
cargo build -q --release --bin wirecraft --manifest-path "$HERE/Cargo.toml"
WC=$HERE/target/release/wirecraft
A() { ip netns exec "$NSA" "$@"; }
for p in $OPEN; do
    for _ in $(seq 100); do A bash -c "exec 3<>/dev/tcp/$B4/$p" 2>/dev/null && break; sleep 0.1; done
done
# masscan has no neighbour resolution of its own on a link without a router: give it B's MAC.
B_MAC=$(ip -n "$NSB" -br link show "$IFB" | awk '{print $3}')
WANT=$(echo "$OPEN" | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
echo "target $B4, open ports: $WANT; $RUNS runs each"

# Each tool: a name, and a command printing the open ports one per line; timed as a whole.
wc_syn() { A "$WC" -c "for p in portscan('$B4', '-', method='syn').open: print(p)" 2>/dev/null; }
wc_connect() { A "$WC" -c "for p in portscan('$B4', '-').open: print(p)" 2>/dev/null; }
nmap_open() { grep -o '[0-9]*/open/tcp' | cut -d/ -f1; }
nmap_syn() { A nmap -sS -p- -T5 -n -oG - "$B4" | nmap_open; }
nmap_connect() { A nmap -sT -p- -T5 -n -oG - "$B4" | nmap_open; }
masscan_syn() {
    A masscan -p0-65535 --rate 1000000 --wait 3 -e "$IFA" --router-mac "$B_MAC" -oL - "$B4" 2>/dev/null |
        awk '$1 == "open" {print $3}'
}

TOOLS=(wc_syn nmap_syn wc_connect nmap_connect)
command -v masscan >/dev/null && TOOLS+=(masscan_syn)
declare -A TIMES EXACT
for t in "${TOOLS[@]}"; do TIMES[$t]=""; EXACT[$t]=0; done
for run in $(seq "$RUNS"); do
    for t in "${TOOLS[@]}"; do
        start=$(date +%s.%N)
        found=$($t | sort -n | tr '\n' ' ' | sed 's/ $//')
        took=$(echo "$(date +%s.%N) - $start" | bc)
        TIMES[$t]+="$took "
        [ "$found" = "$WANT" ] && EXACT[$t]=$((EXACT[$t] + 1))
        printf 'run %2d %-13s %6.3f s  open: %s\n' "$run" "$t" "$took" "$found"
    done
done
echo "== summary (seconds: min / median / max; runs that found exactly the open ports)"
for t in "${TOOLS[@]}"; do
    stats=$(echo "${TIMES[$t]}" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.3f / %.3f / %.3f", a[1], a[int((NR+1)/2)], a[NR]}')
    printf '%-13s %s  exact %d of %d\n' "$t" "$stats" "${EXACT[$t]}" "$RUNS"
done
