#!/usr/bin/env bash
# Host discovery side by side in one run: an ARP sweep of a /24 with a handful of hosts, by wirecraft's
# binary (`wirecraft -c "arping(...)"`, start-up included), `nmap -sn -n`, and Scapy's arping when it is
# installed; each N times, with the hosts each found.
#
#   sudo benches/discover_bench.sh [RUNS] [ARPING_ARGS]
#
# The bed is its own: a namespace holding a bridge, a scanner namespace and five host namespaces, each joined
# to the bridge by a veth whose ends are both inside them (198.18.1.0/24, no default route); all of it is
# removed on exit. Nothing leaves the namespaces.
set -euo pipefail
RUNS=${1:-10}
ARGS=${2:-}
HERE=$(cd "$(dirname "$0")/.." && pwd)
P=wcd$$
SW=${P}sw
SCAN=${P}s
HOSTS=(2 3 7 20 100)
made=()
down() {
    for ns in "${made[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap down EXIT INT TERM
addns() {
    made=("$1" "${made[@]}")
    ip netns add "$1"
}
addns "$SW"
ip -n "$SW" link add br0 type bridge
ip -n "$SW" link set br0 up
join() { # namespace, interface, last address byte, MAC (empty: the kernel's)
    addns "$1"
    ip link add name "${P}p$3" netns "$SW" type veth peer name "$2" netns "$1"
    ip -n "$SW" link set "${P}p$3" master br0 up
    [ -z "$4" ] || ip -n "$1" link set dev "$2" address "$4"
    ip -n "$1" addr add "198.18.1.$3/24" dev "$2"
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" up
}
join "$SCAN" "${P}s" 1 ""
for h in "${HOSTS[@]}"; do
    join "${P}h$h" "${P}h$h" "$h" "$(printf '00:1b:21:00:01:%02x' "$h")"
done
sleep 1

cargo build -q --release --bin wirecraft --manifest-path "$HERE/Cargo.toml"
WC=$HERE/target/release/wirecraft
S() { ip netns exec "$SCAN" "$@"; }
NET=198.18.1.0/24

# Runs "$@" RUNS times; prints each run's seconds, then min / mean / max.
timed() {
    local label=$1
    shift
    local times=()
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        times+=("$(echo "$t1 - $t0" | bc)")
    done
    printf '%s\n' "${times[@]}" | awk -v l="$label" '
        { s += $1; if (NR == 1 || $1 < mn) mn = $1; if ($1 > mx) mx = $1; all = all sprintf(" %.3f", $1) }
        END { printf "%-10s min %.3f s  mean %.3f s  max %.3f s  (runs:%s)\n", l, mn, s / NR, mx, all }'
}

echo "== hosts found (expected: ${HOSTS[*]/#/198.18.1.})"
echo "wirecraft: $(S "$WC" -c "ans, unans = arping('$NET'$ARGS, verbose=0); print(sorted([r.psrc for s, r in ans]))")"
echo "nmap:      $(S nmap -sn -n -oG - "$NET" | awk '/Status: Up/ { print $2 }' | sort | tr '\n' ' ')"
SCAPY=0
if python3 -c 'import scapy' 2>/dev/null; then
    SCAPY=1
    echo "scapy:     $(S python3 -c "from scapy.all import arping; a, u = arping('$NET', verbose=0); print(sorted(r.psrc for s, r in a))" 2>/dev/null)"
fi

echo "== the /24 ARP sweep, $RUNS runs each, in turn"
timed wirecraft S "$WC" -c "arping('$NET'$ARGS, verbose=0)"
timed nmap S nmap -sn -n "$NET"
[ "$SCAPY" = 0 ] || timed scapy S python3 -c "from scapy.all import arping; arping('$NET', verbose=0)"
