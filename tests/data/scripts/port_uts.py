#!/usr/bin/env python3
# Port Scapy's own UTScapy regression tests for the protocols wirecraft has into
# tests/data/uts/<file>.uts, which tests/scapy_uts.rs runs through wirecraft
# without Python.
#
# How to run (from the repository root; needs Scapy 2.8.0 and root for
# `unshare -n`; nothing reaches a network):
#
#     python3 tests/data/scripts/port_uts.py [--names target/debug/wirecraft]
#
# The tests come from a Scapy checkout, read with `git show` from the bare
# repository SCAPY_REPO (override with --repo); its commit is recorded in
# every output file.  --names first remakes tests/data/uts/names.txt, the
# snapshot of the names wirecraft knows, from a wirecraft binary; without it
# the committed snapshot is used, so re-running is reproducible.
#
# SELECTION RULE (by mechanism, never by whether wirecraft passes).  A test
# is selected when all of these hold:
#   0. It has code (a title alone checks nothing; UTScapy would pass it on a
#      stale `_`, see PASS RULE).
#   1. Its code parses as Python 3.
#   2. Every name it reads is one wirecraft knows (names.txt: the protocol
#      classes of `ls()`, the builtins of `lsc()` -- Python's builtins that
#      wirecraft supports among them -- and `conf`), or a variable bound by
#      this test or by a selected test before it in the same file.
#      Attributes and methods are not names: `p.sprintf(...)` is selected
#      and fails in wirecraft if wirecraft lacks the method.
#   3. It needs no network: none of NETWORK_NAMES is read (sniff is allowed
#      with offline=), no `conf.<CONF_MACHINE_ATTRS>` is touched, and neither
#      the test nor its test set carries one of EXCLUDED_KEYWORDS (or a
#      keyword starting with "mock").
#   4. It uses no `import`, `from`, `class`, `with` or `mock`.
#   5. It reads no file it did not write: every rdpcap/PcapReader/sniff
#      (offline=) argument is a value an earlier wrpcap/PcapWriter call of
#      the same file's selected tests (or this test) wrote to.
# VALIDATION.  The selected tests of each file then run in order in one
# shared namespace, as UTScapy runs a campaign, in Scapy 2.8.0 and offline
# (`unshare -n sh -c "ip link set lo up; python3 ..."`).  A test that fails
# in Scapy itself is left out and named on stdout; the rest run again from
# the start, until every kept test passes.
#
# PASS RULE (scapy/tools/UTscapy.py run_test, scapy/autorun.py
# autorun_commands): the code runs line by line in a code.InteractiveInterpreter;
# the test fails as soon as an exception escapes.  Otherwise its result is
# builtins._, the last non-None value an expression statement displayed (it
# is never reset between tests), and the test passes when that is None or
# truthy.  The validation calls those same Scapy functions.

import argparse
import ast
import datetime
import json
import os
import subprocess
import sys
import tempfile

SCAPY_REPO = "/work/.mirror/secdev+scapy/repo"
SOURCES = [
    "test/scapy/layers/l2.uts",
    "test/scapy/layers/inet.uts",
    "test/scapy/layers/inet6.uts",
    "test/scapy/layers/dns.uts",
    "test/regression.uts",
]
OUT_DIR = os.path.join("tests", "data", "uts")
NAMES_FILE = os.path.join(OUT_DIR, "names.txt")

NETWORK_NAMES = {
    "sr", "sr1", "srp", "srp1", "srloop", "srploop", "srflood", "srpflood",
    "send", "sendp", "sendpfast", "sniff", "arping", "traceroute",
    "traceroute6", "ifaces",
}
CONF_MACHINE_ATTRS = {
    "route", "route6", "iface", "ifaces", "L2socket", "L3socket",
    "L3socket6", "L2listen",
}
EXCLUDED_KEYWORDS = {
    "netaccess", "needs_root", "tcpdump", "tshark", "wireshark", "libpcap",
    "manufdb", "as_resolvers", "interact",
}
FORBIDDEN_NODES = (ast.Import, ast.ImportFrom, ast.ClassDef, ast.With,
                   ast.AsyncWith)
FILE_READERS = {"rdpcap", "PcapReader", "sniff"}
FILE_WRITERS = {"wrpcap", "PcapWriter"}
TEST_TIMEOUT = 120


# --------------------------------------------------------------------------
# UTScapy's file format, as scapy/tools/UTscapy.py parse_campaign_file reads it.

class Test:
    def __init__(self, testset, title, testset_keywords):
        self.testset = testset
        self.title = title
        self.keywords = []
        self.testset_keywords = testset_keywords
        self.code = ""


def parse_campaign(text):
    """The campaign title and its tests; `#` lines are skipped and `*` lines
    are comments, as in UTScapy, so `code` is exactly what UTScapy runs."""
    title, tests = "", []
    testset, testset_keywords, test = None, [], None
    for line in text.splitlines(keepends=True):
        first = line[0]
        if first == "#":
            continue
        if first == "~":
            (test.keywords if test else testset_keywords).extend(line[1:].split())
        elif first == "%":
            title = line[1:].strip()
        elif first == "+":
            testset, testset_keywords, test = line[1:].strip(), [], None
        elif first == "=":
            test = Test(testset, line[1:].strip(), testset_keywords)
            tests.append(test)
        elif first == "*":
            pass
        elif test is not None:
            test.code += line
        elif line.strip():
            raise ValueError("unknown content: %r" % line)
    return title, tests


# --------------------------------------------------------------------------
# Selection.

def bound_names(tree):
    """Names the code binds: assignment and loop targets, def and lambda
    parameters, function names, `except ... as` names."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def call_name(node):
    return node.func.id if isinstance(node.func, ast.Name) else None


def file_node(call):
    """The argument naming the file a reader or writer call opens."""
    if call_name(call) == "sniff":
        offline = [k.value for k in call.keywords if k.arg == "offline"]
        return offline[0] if offline else None
    return call.args[0] if call.args else None


def file_argument(call):
    """The source text of that argument, or None."""
    node = file_node(call)
    return None if node is None else ast.unparse(node)


def is_packets(node):
    """A literal list of packets or a PacketList(...) call: read, not a file."""
    if isinstance(node, ast.Call):
        return call_name(node) == "PacketList"
    return isinstance(node, (ast.List, ast.Tuple, ast.ListComp))


def why_not_selected(test, known, bound, written):
    """None when the test is selected, else the rule it breaks.  `bound`
    and `written` grow with what a selected test binds and writes."""
    if not test.code.strip():
        return "no code"
    keywords = set(test.keywords) | set(test.testset_keywords)
    bad = sorted(k for k in keywords
                 if k in EXCLUDED_KEYWORDS or k.startswith("mock"))
    if bad:
        return "keyword: " + ", ".join(bad)
    try:
        tree = ast.parse(test.code)
    except SyntaxError as e:
        return "not Python 3: %s" % e.msg
    for node in ast.walk(tree):
        if isinstance(node, FORBIDDEN_NODES):
            return "uses: " + type(node).__name__
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "conf" and node.attr in CONF_MACHINE_ATTRS):
            return "network: conf." + node.attr
    own = bound_names(tree)
    reads = {n.id for n in ast.walk(tree)
             if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
    if "mock" in reads:
        return "uses: mock"
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    offline_sniff = all(file_argument(c) is not None
                        for c in calls if call_name(c) == "sniff")
    network = sorted(n for n in reads & NETWORK_NAMES
                     if not (n == "sniff" and offline_sniff))
    if network:
        return "network: " + ", ".join(network)
    unknown = sorted(reads - known - bound - own)
    if unknown:
        return "unknown names: " + ", ".join(unknown)
    writes = {file_argument(c) for c in calls if call_name(c) in FILE_WRITERS}
    for c in calls:
        if call_name(c) in FILE_READERS:
            arg = file_argument(c)
            if arg not in written | writes and not is_packets(file_node(c)):
                return "reads a file it did not write: " + str(arg)
    written |= writes
    bound |= own
    return None


# --------------------------------------------------------------------------
# Validation in Scapy 2.8.0 (runs inside `unshare -n`).

def validate_child(path):
    """Runs the tests in `path` (a JSON list of code texts) in order, in one
    namespace, with UTScapy's own session and pass rule; prints a JSON list
    of [passed, output]."""
    import scapy
    from scapy.autorun import autorun_get_interactive_session
    from scapy.main import _scapy_builtins
    from scapy.tools.UTscapy import import_UTscapy_tools

    assert scapy.__version__ == "2.8.0", scapy.__version__
    with open(path) as f:
        codes = json.load(f)
    session = _scapy_builtins()
    import_UTscapy_tools(session)
    results = []
    for code in codes:
        try:
            output, res = autorun_get_interactive_session(
                code.strip(), my_globals=session, verb=3, timeout=TEST_TIMEOUT)
            passed = res is None or bool(res)
        except Exception as e:  # UTScapy counts this as a failure too
            output, passed = "%s: %s" % (type(e).__name__, e), False
        results.append([passed, output[-2000:]])
    json.dump(results, sys.stdout)


def validate_offline(tests):
    """[(passed, output)] for the tests run in order in Scapy, offline."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([t.code for t in tests], f)
    try:
        script = os.path.abspath(__file__)
        cmd = ["unshare", "-n", "sh", "-c",
               'ip link set lo up && exec "$0" "$1" --validate "$2"',
               sys.executable, script, f.name]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                             cwd=tempfile.gettempdir()).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out)


# --------------------------------------------------------------------------
# Names wirecraft knows.

def make_names(binary):
    """names.txt from the binary: ls() classes, lsc() builtins, and conf."""
    def first_column(command):
        out = subprocess.run([binary, "-c", command], check=True,
                             capture_output=True, text=True).stdout
        return [line.split(":")[0].strip() for line in out.splitlines()
                if ":" in line]
    names = first_column("ls()") + first_column("lsc()") + ["conf"]
    with open(NAMES_FILE, "w") as f:
        f.write("# Names wirecraft knows: the classes of `ls()`, the builtins"
                " of `lsc()`, and `conf`.\n")
        f.write("# Made by: python3 tests/data/scripts/port_uts.py --names %s\n"
                % binary)
        f.write("".join(n + "\n" for n in names))


def read_names():
    with open(NAMES_FILE) as f:
        return {line.strip() for line in f
                if line.strip() and not line.startswith("#")}


# --------------------------------------------------------------------------
# One source file.

def port(source, repo, commit, known, command):
    text = subprocess.run(["git", "-C", repo, "show", "%s:%s" % (commit, source)],
                          check=True, capture_output=True, text=True).stdout
    title, tests = parse_campaign(text)
    bound, written, selected, reasons = set(), set(), [], {}
    for t in tests:
        why = why_not_selected(t, known, bound, written)
        if why is None:
            selected.append(t)
        else:
            reason = why.split(":")[0]
            reasons[reason] = reasons.get(reason, 0) + 1
    kept, failed_in_scapy = list(selected), []
    while True:
        results = validate_offline(kept)
        failing = [t for t, (ok, _) in zip(kept, results) if not ok]
        if not failing:
            break
        for t, (ok, output) in zip(kept, results):
            if not ok:
                failed_in_scapy.append(t)
                last = output.strip().splitlines()[-1:] or ["(no output)"]
                print("  fails in Scapy 2.8.0: %s | %s | %s"
                      % (source, t.title, last[0][:100]))
        kept = [t for t in kept if t not in failing]
    name = os.path.basename(source)
    with open(os.path.join(OUT_DIR, name), "w") as f:
        f.write("# Scapy's UTScapy tests from %s at commit %s (secdev/scapy),\n"
                % (source, commit))
        f.write("# selected by the rule in tests/data/scripts/port_uts.py and"
                " passing in Scapy 2.8.0 (offline).\n")
        f.write("# Made on %s by: %s\n" % (datetime.date.today(), command))
        f.write("# Tests in the file: %d; selected: %d; passing in Scapy: %d.\n"
                % (len(tests), len(selected), len(kept)))
        f.write("\n%% %s\n" % title)
        testset = None
        for t in kept:
            if t.testset != testset:
                testset = t.testset
                f.write("\n+ %s\n" % testset)
            f.write("\n= %s\n" % t.title)
            if t.keywords:
                f.write("~ %s\n" % " ".join(t.keywords))
            f.write(t.code.rstrip() + "\n")
    print("%-16s tests %3d  selected %3d  pass in Scapy %3d  (not selected: %s)"
          % (name, len(tests), len(selected), len(kept),
             ", ".join("%s %d" % kv for kv in sorted(reasons.items(),
                                                       key=lambda kv: -kv[1]))))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--validate":
        return validate_child(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repo", default=SCAPY_REPO)
    ap.add_argument("--names", metavar="WIRECRAFT",
                    help="remake names.txt from this wirecraft binary first")
    args = ap.parse_args()
    os.makedirs(OUT_DIR, exist_ok=True)
    if args.names:
        make_names(args.names)
    commit = subprocess.run(["git", "-C", args.repo, "rev-parse", "HEAD"],
                            check=True, capture_output=True, text=True).stdout.strip()
    command = "python3 tests/data/scripts/port_uts.py"
    known = read_names()
    for source in SOURCES:
        port(source, args.repo, commit, known, command)


if __name__ == "__main__":
    main()
