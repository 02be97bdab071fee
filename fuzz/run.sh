#!/usr/bin/env bash
# Runs fuzz targets for a given time each and prints, per target, libFuzzer's final figures: executions,
# coverage (`cov:` edges, `ft:` features), corpus size, peak memory. A crash stops the run with libFuzzer's
# report and the failing input in fuzz/artifacts/TARGET/; commit it as a regression (see README, "Fuzzing").
#
#   bash fuzz/run.sh TARGET SECONDS    one of: dissect read_capture language build_dissect
#   bash fuzz/run.sh all SECONDS       each in turn
#
# Needs cargo-fuzz and a nightly toolchain (without one, stable is told to accept nightly flags through
# RUSTC_BOOTSTRAP=1); tests/bootstrap.sh fuzz installs both. FUZZ_SANITIZER=none builds without
# AddressSanitizer (faster to build and run; the default is address). Seeds come from fuzz/seed.sh.
set -euo pipefail
cd "$(dirname "$0")"
targets=(dissect read_capture language build_dissect)
[ $# -eq 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bash fuzz/run.sh TARGET|all SECONDS" >&2; exit 2; }
case "$1" in
    all) run=("${targets[@]}") ;;
    dissect | read_capture | language | build_dissect) run=("$1") ;;
    *) echo "run: no target '$1' (${targets[*]})" >&2; exit 2 ;;
esac
seconds=$2

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi
fuzz=(cargo "${toolchain[@]}" fuzz)
flags=(--sanitizer "${FUZZ_SANITIZER:-address}")

[ -d corpus ] || bash seed.sh
# One build for all targets, or for the one asked for.
if [ "$1" = all ]; then "${fuzz[@]}" build "${flags[@]}"; else "${fuzz[@]}" build "${flags[@]}" "$1"; fi

mkdir -p logs
status=0
for target in "${run[@]}"; do
    log=logs/$target.log
    # -timeout: an input taking 10 s is a hang; -rss_limit_mb: 2 GB is a leak or an unbounded value.
    if ! "${fuzz[@]}" run "${flags[@]}" "$target" "corpus/$target" -- -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -detect_leaks=1 >"$log" 2>&1; then
        status=1
        echo "== $target: FAILED (log: fuzz/$log)"
        grep -a -E -A25 '^==[0-9]+==|panicked|Test unit written|ERROR: libFuzzer' "$log" | head -60
        continue
    fi
    echo "== $target: $(grep -a -E '^#[0-9]+' "$log" | tail -1)"
    grep -a -E '^stat::' "$log" | sed 's/^/   /'
done
exit $status
