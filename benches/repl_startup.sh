#!/bin/bash
# Issue #3's start-up target (time to prompt ≤ 10 ms) beside Scapy's import, in one run. Usage: benches/repl_startup.sh
#  1. hyperfine: `wirecraft -i -c ''` with standard input at /dev/null goes through the whole start-up (CLI,
#     session, line editor, history) to its first read of a line, gets end of input and exits; beside it
#     `python3 -c 'import scapy.all'`, what a Scapy prompt costs before it can show anything.
#  2. In a pseudo-terminal, as a person starts it: the time from fork to the `>>> ` drawn, over 200 starts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release
WC=target/release/wirecraft
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

hyperfine -N --warmup 3 "$WC -i -c ''" "python3 -c 'import scapy.all'"

WIRECRAFT_HISTORY=$TMP/history python3 - "$WC" <<'EOF'
import os, pty, select, statistics, sys, time

times = []
for _ in range(200):
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[1], [sys.argv[1]])
    seen = b""
    while b">>> " not in seen:
        if not select.select([fd], [], [], 5)[0]:
            sys.exit("no prompt within 5 s")
        seen += os.read(fd, 4096)
    times.append((time.perf_counter() - t0) * 1e3)
    os.write(fd, b"\x04")
    os.waitpid(pid, 0)
    os.close(fd)
times.sort()
print(f"time to prompt in a pty, {len(times)} starts: median {statistics.median(times):.2f} ms, "
      f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms")
EOF
