#!/usr/bin/env bash
# Makes the fuzzers' seed corpora from tests/data, into fuzz/corpus/TARGET (not committed: they are made
# again in a second from what is committed, and the fuzzers add to them as they run).
#
#   bash fuzz/seed.sh
#
#   dissect        each frame of the golden dissect and build vectors, after the 4-byte header the target reads
#                  (the link type's index, then the edit's layer, field and kind)
#   read_capture   every capture in tests/data/pcap (pcap, nanosecond pcap, pcapng with two interfaces and with
#                  two link types, cooked captures), plain and gzipped
#   language       the examples, each language vector's expression and each UTScapy test case
#   build_dissect  for each protocol number, field picks and values from a fixed pseudo-random stream
#   regressions    every input in tests/data/fuzz/TARGET, so each run starts from what once failed
set -euo pipefail
cd "$(dirname "$0")"
data=../tests/data
rm -rf corpus
mkdir -p corpus/{dissect,read_capture,language,build_dissect}

for f in "$data"/pcap/*.pcap "$data"/pcap/*.pcapng; do
    cp "$f" corpus/read_capture/
    gzip -c "$f" > "corpus/read_capture/$(basename "$f").gz"
done
cp ../examples/*.wc corpus/language/

python3 - "$data" <<'PY'
import json, random, sys
data = sys.argv[1]

# The target's link-type indexes (fuzz_targets/dissect.rs, LINK_TYPES) by pcap link type, and by the first
# class of a build vector.
LINKS = {1: 0, 101: 1, 12: 1, 14: 1, 228: 1, 229: 1, 113: 2, 276: 3, 0: 4}
FIRST = {"Ether": 0, "IP": 1, "IPv6": 1, "CookedLinux": 2, "CookedLinuxV2": 3, "Loopback": 4}

def write(target, name, payload):
    with open(f"corpus/{target}/{name}", "wb") as f:
        f.write(payload)

for line in open(f"{data}/vectors/dissect.jsonl"):
    case = json.loads(line)
    link = LINKS.get(case["linktype"], 5)
    write("dissect", case["id"], bytes([link, 0, 0, 0]) + bytes.fromhex(case["hex"]))
for line in open(f"{data}/vectors/build.jsonl"):
    case = json.loads(line)
    link = FIRST.get(case["layers"][0][0])
    if link is not None:
        # Edit the top layer's second field with a number, so edited rebuilds start from real packets.
        write("dissect", "build_" + case["id"], bytes([link, 255, 1, 0]) + bytes.fromhex(case["hex"]))

for line in open(f"{data}/vectors/lang.jsonl"):
    case = json.loads(line)
    write("language", "vector_" + case["id"], (case["expr"] + "\n").encode())
for uts in ["dns", "inet", "inet6", "l2", "regression"]:
    case, n = [], 0
    for line in open(f"{data}/uts/{uts}.uts", encoding="utf-8"):
        if line.startswith("="):
            if case:
                write("language", f"uts_{uts}_{n:03}", "".join(case).encode())
                n += 1
            case = []
        elif not line.startswith(("#", "%", "+", "~")):
            case.append(line)
    if case:
        write("language", f"uts_{uts}_{n:03}", "".join(case).encode())

rng = random.Random(13)
for proto in range(256):
    write("build_dissect", f"proto_{proto:03}", bytes([proto]) + bytes(rng.getrandbits(8) for _ in range(256)))
PY

for target in dissect read_capture language build_dissect; do
    if [ -d "$data/fuzz/$target" ]; then
        cp "$data/fuzz/$target"/* "corpus/$target/" 2>/dev/null || true
    fi
done
for target in dissect read_capture language build_dissect; do
    echo "seed: corpus/$target: $(ls "corpus/$target" | wc -l) inputs"
done
