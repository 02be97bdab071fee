#!/usr/bin/env bash
# Banner grabbing side by side, through the binary: `wirecraft -c "print(portscan(B, [ports], banners=True))"`
# against `nmap -sV -p<ports> -n B`, N runs each, on a throwaway two-namespace bed (../shared/bench/netns.sh)
# whose namespace B runs the servers of the live banner tests (tests/common/services.rs): sshd, python3's
# http.server and smtpd, redis-server, openssl s_server, dnsmasq.
#
#   sudo benches/banner_bench.sh [RUNS]        (WIRECRAFT=path/to/wirecraft to skip the release build)
#
# Nothing leaves the namespaces: both veth ends live inside them, no default route. Every server runs in
# namespace B and is killed with it on every exit (trap).
set -euo pipefail
RUNS=${1:-5}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BED=${NETNS_SH:-$HERE/../shared/bench/netns.sh}
export NSA=wcvA$$ NSB=wcvB$$ IFA=wcva$$ IFB=wcvb$$
WORK=$(mktemp -d)
down() {
    wc_down
    rm -rf "$WORK"
}
# shellcheck source=/dev/null
source "$BED"
trap down EXIT INT TERM
wc_up
B() { ip netns exec "$NSB" "$@"; }
A() { ip netns exec "$NSA" "$@"; }
T=198.18.0.2
PORTS=22,25,53,4433,6379,8080

if [ -z "${WIRECRAFT:-}" ]; then
    cargo build -q --release --bin wirecraft --manifest-path "$HERE/Cargo.toml"
    WIRECRAFT=$HERE/target/release/wirecraft
fi

ssh-keygen -q -t ed25519 -N "" -f "$WORK/hostkey"
printf 'Port 22\nListenAddress %s\nHostKey %s\nPidFile none\nUsePAM no\nStrictModes no\n' "$T" "$WORK/hostkey" >"$WORK/sshd_config"
mkdir -p /run/sshd "$WORK/www"
echo '<html><head><title>wirecraft test bed</title></head></html>' >"$WORK/www/index.html"
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=wirecraft-test/O=Wirecraft" -days 2 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
B /usr/sbin/sshd -D -e -f "$WORK/sshd_config" 2>/dev/null &
B python3 -m http.server 8080 --bind "$T" --directory "$WORK/www" >/dev/null 2>&1 &
B python3 -W ignore -m smtpd -n -c DebuggingServer "$T:25" >/dev/null 2>&1 &
B redis-server --port 6379 --bind "$T" --save '' --appendonly no --protected-mode no --dir "$WORK" >/dev/null &
B openssl s_server -accept 4433 -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www -quiet </dev/null >/dev/null 2>&1 &
B dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address="$T" --port=53 --user=root --pid-file= &
for p in ${PORTS//,/ }; do
    for _ in $(seq 100); do
        A bash -c "exec 3<>/dev/tcp/$T/$p" 2>/dev/null && break
        sleep 0.05
    done
done

# Runs "$@" $RUNS times; prints each run's seconds and the first run's output.
timed() {
    local label=$1
    shift
    local times=()
    for i in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >"$WORK/out" 2>&1
        t1=$(date +%s%N)
        times+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')")
        [ "$i" -eq 1 ] && sed 's/^/    /' "$WORK/out"
    done
    echo "$label: ${times[*]} s"
}

echo "== banners of $PORTS on $T, $RUNS runs each"
timed "wirecraft portscan(banners=True)" A "$WIRECRAFT" -c "print(portscan('$T', [$PORTS], banners=True))"
timed "nmap -sV" A nmap -sV -p"$PORTS" -n "$T"
