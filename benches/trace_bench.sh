#!/usr/bin/env bash
# Traceroute, side by side in one run, through a throwaway chain of four namespaces (client — r1 — r2 —
# server, forwarding on in the routers, no ICMP rate limits): wirecraft's traceroute through the binary, as
# a user runs it (`wirecraft -c "traceroute(...)"`, start-up included), against Debian's `traceroute -n` and
# `mtr -r -c 1 -n`. Each command runs RUNS times, interleaved, and every run's hops are checked.
#
#   sudo benches/trace_bench.sh [RUNS]
#
# Nothing leaves the namespaces: every veth end lives inside them, and no namespace has a default route.
set -euo pipefail
RUNS=${1:-10}
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=wctb$$
C=${T}c R1=${T}r1 R2=${T}r2 S=${T}s
SERVER=198.18.3.2
NODES=("$C" "$R1" "$R2" "$S")

down() {
    for ns in "${NODES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap down EXIT INT TERM

for ns in "${NODES[@]}"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000 \
        net.ipv4.icmp_msgs_burst=100000 net.ipv6.icmp.ratelimit=0
done
for k in 1 2 3; do
    left=${NODES[$((k - 1))]} right=${NODES[$k]}
    ip link add name "${T}l${k}a" netns "$left" type veth peer name "${T}l${k}b" netns "$right"
    ip -n "$left" addr add "198.18.$k.1/24" dev "${T}l${k}a"
    ip -n "$right" addr add "198.18.$k.2/24" dev "${T}l${k}b"
    ip -n "$left" link set "${T}l${k}a" up
    ip -n "$right" link set "${T}l${k}b" up
done
ip -n "$C" route add 198.18.2.0/24 via 198.18.1.2
ip -n "$C" route add 198.18.3.0/24 via 198.18.1.2
ip -n "$R1" route add 198.18.3.0/24 via 198.18.2.2
ip -n "$R2" route add 198.18.1.0/24 via 198.18.2.1
ip -n "$S" route add 198.18.1.0/24 via 198.18.3.1
ip -n "$S" route add 198.18.2.0/24 via 198.18.3.1
for r in "$R1" "$R2"; do ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1; done
for _ in $(seq 50); do ip netns exec "$C" ping -c1 -W1 -i0.2 "$SERVER" >/dev/null 2>&1 && break; done

cargo build -q --release --bin wirecraft --manifest-path "$HERE/Cargo.toml"
WC=$HERE/target/release/wirecraft
in_client() { ip netns exec "$C" "$@"; }

declare -A CMD=(
    [wirecraft]="$WC -c \"traceroute('$SERVER', maxttl=8)\""
    [traceroute]="traceroute -n $SERVER"
    [mtr]="mtr -r -c 1 -n $SERVER"
)
ORDER=(wirecraft traceroute mtr)
declare -A TIMES

for run in $(seq "$RUNS"); do
    for tool in "${ORDER[@]}"; do
        start=$(date +%s%N)
        out=$(in_client bash -c "${CMD[$tool]}" 2>&1)
        end=$(date +%s%N)
        # Every run must find the server, three hops away.
        grep -q "$SERVER" <<<"$out" || { echo "$tool run $run did not reach $SERVER:"; echo "$out"; exit 1; }
        TIMES[$tool]+="$(((end - start) / 1000)) "
    done
done

echo "traceroute of a 3-hop namespace chain to $SERVER, $RUNS runs each, interleaved (ms)"
printf '%-11s %8s %8s %8s %8s   %s\n' tool min median mean max command
for tool in "${ORDER[@]}"; do
    # shellcheck disable=SC2086
    printf '%s\n' ${TIMES[$tool]} | sort -n | awk -v tool="$tool" -v cmd="${CMD[$tool]}" '
        { t[NR] = $1 / 1000; sum += t[NR] }
        END { printf "%-11s %8.1f %8.1f %8.1f %8.1f   %s\n", tool, t[1], t[int((NR + 1) / 2)], sum / NR, t[NR], cmd }'
done
echo "== one run of each"
for tool in "${ORDER[@]}"; do
    echo "-- $tool"
    in_client bash -c "${CMD[$tool]}" 2>&1
done
