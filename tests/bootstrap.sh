#!/usr/bin/env bash
# Installs whatever a fresh Debian/Ubuntu machine is missing to build wirecraft, then runs it or its tests.
#
#   bash tests/bootstrap.sh run [ARGS...]   install what is missing, then start wirecraft (release build)
#   bash tests/bootstrap.sh test            install what is missing, then run the whole test suite
#   bash tests/bootstrap.sh fuzz TARGET|all SECONDS
#                                           install what is missing, then run fuzz targets (fuzz/run.sh)
#
# Idempotent: it installs only packages that are absent, so a second run costs a few milliseconds of checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# Building needs libpcap's headers; the tests also drive real programs: ping (traffic inside their network
# namespaces), tcpdump and tshark (oracles that read back the capture files wirecraft writes), dnsmasq (a
# real DNS server for the socket and UDP scan tests), traceroute (the hops the traceroute tests compare with) and
# nmap (the oracle the port scans and host discovery are compared with); the banner tests run real servers (sshd,
# redis, python3's http.server and smtpd, openssl s_server) and compare with nmap -sV. ieee-data is the IEEE's
# OUI registry that MAC vendors are read from, at run time too.
pkgs=(libpcap-dev iproute2 pkg-config gcc ieee-data)
if [ "${1:-run}" = test ]; then
    pkgs+=(iputils-ping tcpdump tshark dnsmasq-base traceroute nmap openssh-server redis-server openssl python3)
fi
# The fuzz targets link libFuzzer, which its crate compiles from C++; fuzz/seed.sh reads the vectors with
# python3 and gzips the captures.
if [ "${1:-run}" = fuzz ]; then
    pkgs+=(g++ python3 gzip)
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need_pkgs=()
for pkg in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "bootstrap: installing ${need_pkgs[*]}" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
        echo "bootstrap: installing the Rust toolchain with rustup" >&2
        command -v curl >/dev/null 2>&1 || $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl ca-certificates >/dev/null
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    }
    export PATH="$HOME/.cargo/bin:$PATH"
fi

# Fuzzing needs cargo-fuzz, and a nightly toolchain for its -Z flags: rustup's nightly where it is installed,
# else fuzz/run.sh tells stable to accept them (RUSTC_BOOTSTRAP=1), as a machine that can fetch no
# toolchain has only stable.
if [ "${1:-run}" = fuzz ] && ! cargo fuzz --version >/dev/null 2>&1; then
    echo "bootstrap: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked --quiet
fi

case "${1:-run}" in
    run)
        shift || true
        exec cargo run --quiet --release -- "$@"
        ;;
    test)
        exec cargo test --no-fail-fast
        ;;
    fuzz)
        shift
        exec bash fuzz/run.sh "$@"
        ;;
    *)
        echo "usage: bash tests/bootstrap.sh run|test|fuzz" >&2
        exit 2
        ;;
esac
