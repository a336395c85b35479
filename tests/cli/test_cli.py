#!/usr/bin/env python3
"""End-to-end tests of the userbpf command line: real processes, real files.

usage: test_cli.py USERBPF_BINARY SOURCE_DIR SHARED_DIR [BUILD_DIR]
Prints one line per failure and a closing 'N passed, M failed, K skipped' line; exit 1 on
failure. Every command runs as its own process against a private bpffs root
(USERBPF_BPFFS), so objects pinned by one command are found by the next one only through
the pins and ids, as with bpftool. Expected values come from the test's own reasoning (and,
for the verifier verdicts, from the host kernel's recorded answer in cli_bad.kernel.txt),
never from running userbpf to see what it says.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ub, src, shared = sys.argv[1], sys.argv[2], sys.argv[3]
passed = failed = skipped = 0
here = os.path.dirname(os.path.abspath(__file__))


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def skip(what):
    global skipped
    skipped += 1
    print(f"SKIPPED {what}")


tmp = tempfile.mkdtemp(prefix="userbpf-cli-")
env = dict(os.environ, USERBPF_BPFFS=os.path.join(tmp, "bpffs"))


def run(*args, stdin=None):
    p = subprocess.run([ub, *args], input=stdin, capture_output=True, text=True, timeout=120,
                       env=env)
    return p.returncode, p.stdout, p.stderr


def run_json(*args):
    """A --json command: (rc, parsed document or None, raw stdout, stderr)."""
    rc, out, err = run("--json", *args)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    return rc, doc, out, err


def ls(path):
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


def le(fmt, *vals):
    """Little-endian bytes as bpftool's JSON hex strings."""
    return [f"0x{b:02x}" for b in struct.pack("<" + fmt, *vals)]


ex = os.path.join(src, "examples")

# ---------------------------------------------------------------- the tools (asm, disasm, run)
# The example is a tc classifier: loaded (and verified) as sched_cls, run on frames whose
# verdicts the kernel gave for the same program: 1 valid checksum, 0 corrupted, -1 not IPv4.
tc = ("type", "sched_cls")
rc, out, err = run("run", f"{ex}/ipv4_csum.s", *tc, "data_in", f"{ex}/ipv4_udp.bin", "repeat", "10")
check("run valid frame", rc == 0 and out.startswith("Return value: 1, duration (average): "), out + err)
rc, out, err = run("run", f"{ex}/ipv4_csum.s", *tc, "data_in", f"{ex}/ipv4_udp_bad.bin")
check("run corrupted frame", rc == 0 and out.startswith("Return value: 0, duration: "), out + err)
rc, out, err = run("run", f"{ex}/ipv4_csum.s", *tc, "data_in", f"{ex}/arp.bin")
check("run non-IPv4 frame", rc == 0 and out.startswith(f"Return value: {2**32 - 1},"), out + err)  # retval is u32, as the kernel's
rc, doc, out, err = run_json("run", f"{ex}/ipv4_csum.s", *tc, "data_in", f"{ex}/ipv4_udp.bin")
check("run --json", rc == 0 and doc and doc["retval"] == 1 and isinstance(doc["duration"], int), out + err)
# Without a type: the raw convention (r1 = input, r2 = its length), guarded interpreter.
raw = f"{tmp}/raw.s"
open(raw, "w").write("r0 = r2\nr0 += 1\nexit\n")
rc, out, err = run("run", raw, "mem", "00")
check("run raw convention", rc == 0 and out.startswith("Return value: 2,"), out + err)

# asm -> raw -> disasm --no-index -> asm again: identical bytes.
b1, b2, txt = f"{tmp}/a.bin", f"{tmp}/b.bin", f"{tmp}/a.s"
rc1, _, e1 = run("asm", f"{ex}/ipv4_csum.s", "-o", b1)
rc2, listing, e2 = run("disasm", b1, "--no-index")
open(txt, "w").write(listing)
rc3, _, e3 = run("asm", txt, "-o", b2)
same = rc1 == rc2 == rc3 == 0 and open(b1, "rb").read() == open(b2, "rb").read()
check("asm/disasm file round trip", same, e1 + e2 + e3)
# One 8-byte word per instruction line of the source (it has no ld_imm64).
n_insns = sum(1 for l in open(f"{ex}/ipv4_csum.s") if re.match(r"\s+[a-z]", l))
check("raw size", rc1 == 0 and os.path.getsize(b1) == n_insns * 8, str(os.path.getsize(b1)))
rc, doc, out, err = run_json("disasm", b1)
check("disasm --json", rc == 0 and isinstance(doc, list) and len(doc) >= 34
      and all(re.match(r"^\([0-9a-f]{2}\) ", d["disasm"]) for d in doc), out[:200] + err)
rc, out, err = run("disasm", b1, "--kernel")
check("disasm --kernel", rc == 0 and re.search(r"goto pc[+-]\d+", out), out[:300] + err)

# Every conformance vector through the plugin protocol (program hex on stdin).
vectors = sorted(glob.glob(os.path.join(shared, "conformance", "*.data")))
if not os.path.isdir(os.path.join(shared, "conformance")):
    skip(f"plugin conformance vectors: {shared}/conformance not found")
for path in vectors:
    sec, raw, mem, result = None, [], "", None
    for line in open(path):
        line = line.strip()
        if line.startswith("--"):
            sec = line[2:].strip()
            continue
        if not line or line.startswith("#"):
            continue
        if sec == "raw":
            raw.append(int(line, 16).to_bytes(8, "little").hex())
        elif sec == "mem":
            mem += line.replace(" ", "")
        elif sec == "result":
            result = int(line, 16) if "0x" in line else int(line)
    if result is None:
        continue
    args = ["plugin"] + ([mem] if mem else [])
    rc, out, err = run(*args, stdin="".join(raw))
    got = int(out.strip(), 16) if rc == 0 and out.strip() else None
    check(f"plugin {os.path.basename(path)}", got == result % 2**64, f"rc={rc} out={out!r} err={err!r}")
if vectors:
    check("conformance vectors found", len(vectors) == 313, str(len(vectors)))


# Bad input: a clear message naming what and where, non-zero exit, never a crash.
def bad(name, args, stdin, needle, code=None):
    rc, out, err = run(*args, stdin=stdin)
    ok = rc not in (0, None) and 0 < rc < 256 and needle in err + out and "Sanitizer" not in err
    if code is not None:
        ok = ok and rc == code
    check(name, ok, f"rc={rc} out={out[:300]!r} err={err[:300]!r}")


bad("plugin odd hex", ["plugin"], "b70", "")
bad("plugin not 8-byte multiple", ["plugin"], "b7000000", "")
bad("plugin unknown opcode", ["plugin"], "8e00000000000000" + "9500000000000000", "unknown opcode 8e")
bad("plugin --jit", ["plugin", "--jit"], "9500000000000000", "not available")
open(f"{tmp}/seven.bin", "wb").write(b"\x95" * 7)
bad("disasm 7 bytes", ["disasm", f"{tmp}/seven.bin"], None, "seven.bin")
open(f"{tmp}/bad.s", "w").write("r0 = 1\n\nr0 +== 2\nexit\n")
bad("asm bad line", ["asm", f"{tmp}/bad.s"], None, "3")
bad("run missing file", ["run", f"{tmp}/nope.s"], None, "nope.s")
open(f"{tmp}/oob.s", "w").write("r0 = *(u64 *)(r1 + 64)\nexit\n")
bad("run out-of-bounds read", ["run", f"{tmp}/oob.s", "mem", "00" * 8], None, "Bad address")
open(f"{tmp}/unknown.s", "w").write(".insn 0x8e, 0, 0, 0, 0\nexit\n")
bad("run rejected program", ["run", f"{tmp}/unknown.s"], None, "unknown opcode 8e")
bad("asm --json", ["--json", "asm", f"{ex}/ipv4_csum.s"], None, "no JSON output", 255)

# ---------------------------------------------------------------- top level, as bpftool
rc, out, err = run("frobnicate")
check("unknown object: usage, exit 255", rc == 255 and "unknown object 'frobnicate'" in err and "Usage:" in err, err)
rc, out, err = run("--help")
check("help", rc == 0 and "plugin" in out and "disasm" in out and "verify" in out, out)
rc, out, err = run("--frob", "map", "show")
check("unknown option", rc == 255 and "unrecognized option '--frob'" in err, err)
rc, out, err = run("version")
check("version", rc == 0 and re.match(r"^userbpf v\d+\.\d+\.\d+$", out.strip()), out)
rc, doc, out, err = run_json("version")
check("version --json", rc == 0 and doc and re.match(r"^\d+\.\d+\.\d+$", doc["version"]), out)
for group in ("prog", "map", "feature", "verify"):
    rc, out, err = run(group, "help")
    check(f"{group} help", rc == 0 and out.startswith("Usage:") and group in out and not err, out + err)
    rc, out, err = run(group, "--help")
    check(f"{group} --help", rc == 0 and out.startswith("Usage:"), out + err)
    rc, out, err = run("--json", group, "help")
    check(f"{group} help --json", rc == 0 and out.strip() == "null", out + err)
rc, out, err = run("map", "dump", "--help")
check("help anywhere", rc == 0 and "map dump" in out, out + err)
for tool in ("asm", "disasm", "run", "plugin"):
    rc, out, err = run(tool, "--help")
    check(f"{tool} --help", rc == 0 and "usage" in out.lower(), out + err)
rc, out, err = run("map", "frob")
check("unknown map command", rc == 255 and "unknown command 'frob'" in err and "Usage:" in err, err)
rc, out, err = run("ma", "sh")  # bpftool's prefixes
check("prefix matching", rc == 0, out + err)

# The man page: renders without a warning and documents every object and the commands.
man = os.path.join(src, "docs", "userbpf.1")
if shutil.which("groff"):
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", man], capture_output=True, text=True)
    check("man page renders cleanly", p.returncode == 0 and p.stderr == "", p.stderr)
    text = open(man).read()
    for word in ("prog dump xlated", "prog dump jited", "prog load", "prog loadall", "prog run", "map dump",
                 "map update", "map lookup", "map getnext", "map delete", "map pin", "map freeze", "verify",
                 "feature", "disasm", "target_btf", "kconfig", "linum", "--json", "--pretty"):
        check(f"man page documents {word}", word.replace("-", "\\-") in text or word in text
              or word.split()[-1] in text, word)
else:
    skip("man page rendering: groff not found")

# ---------------------------------------------------------------- maps (no loader needed)
def section_maps():
    global hash_id
    H, A = "/sys/fs/bpf/h", "/sys/fs/bpf/a"
    rc, out, err = run("map", "create", H, "type", "hash", "key", "4", "value", "8", "entries", "16", "name", "counts")
    check("map create hash", rc == 0 and out == "", out + err)
    rc, out, err = run("--json", "map", "create", A, "type", "array", "key", "4", "value", "8", "entries", "4", "name", "arr")
    check("map create array --json", rc == 0 and out.strip() == "null", out + err)
    check("pin lives under the bpffs root", os.path.isfile(os.path.join(tmp, "bpffs", "h")), str(os.listdir(tmp)))
    bad("map create twice (pin exists)", ["map", "create", H, "type", "hash", "key", "4", "value", "8", "entries", "4", "name", "x"], None, "File exists", 255)
    bad("map create bad type", ["map", "create", f"{H}2", "type", "hashy", "key", "4", "value", "8", "entries", "4", "name", "x"], None, "unrecognized map type: hashy", 255)
    bad("map create no name", ["map", "create", f"{H}2", "type", "hash", "key", "4", "value", "8", "entries", "4"], None, "map name not specified", 255)
    bad("map create bad size", ["map", "create", f"{H}2", "type", "hash", "key", "four", "value", "8", "entries", "4", "name", "x"], None, "can't parse four as key size", 255)
    bad("map create zero entries", ["map", "create", f"{H}2", "type", "hash", "key", "4", "value", "8", "entries", "0", "name", "x"], None, "map create failed: Invalid argument", 255)

    rc, out, err = run("map", "show", "pinned", H)
    check("map show plain", rc == 0 and re.fullmatch(
        r"\d+: hash  name counts  flags 0x0\n\tkey 4B  value 8B  max_entries 16  memlock \d+B\n", out), repr(out) + err)
    rc, doc, out, err = run_json("map", "show", "pinned", H)
    check("map show --json", rc == 0 and doc and doc["type"] == "hash" and doc["name"] == "counts"
          and doc["flags"] == 0 and doc["bytes_key"] == 4 and doc["bytes_value"] == 8
          and doc["max_entries"] == 16 and doc["frozen"] == 0 and isinstance(doc["id"], int), out + err)
    hash_id = doc["id"] if doc else 0
    rc, out, err = run("--pretty", "map", "show", "id", str(hash_id))
    check("map show --pretty is indented JSON", rc == 0 and out.startswith("{\n    \"id\": ") and json.loads(out)["id"] == hash_id, out)

    # key/value as bpftool takes them: decimal, 0x hex, "hex" words, octal
    rc, out, err = run("map", "update", "pinned", H, "key", "1", "0", "0", "0", "value", "hex", "01", "02", "03", "04", "05", "06", "07", "08")
    check("map update (decimal key, hex value)", rc == 0 and out == "", out + err)
    rc, out, err = run("map", "update", "pinned", H, "key", "0x02", "0", "0", "0", "value", "9", "0", "0", "0", "0", "0", "0", "010", "noexist")
    check("map update (0x key, octal byte, noexist)", rc == 0, out + err)
    bad("map update noexist on an existing key", ["map", "update", "pinned", H, "key", "1", "0", "0", "0", "value", "0", "0", "0", "0", "0", "0", "0", "0", "noexist"], None, "update failed: File exists", 255)
    bad("map update exist on a missing key", ["map", "update", "pinned", H, "key", "7", "0", "0", "0", "value", "0", "0", "0", "0", "0", "0", "0", "0", "exist"], None, "update failed: No such file or directory", 255)
    bad("map update short key", ["map", "update", "pinned", H, "key", "1", "0", "value", "1"], None, "error parsing byte: value", 255)
    bad("map update too few bytes", ["map", "update", "pinned", H, "key", "1", "0", "0"], None, "key expected 4 bytes got 3", 255)
    bad("map update bad byte", ["map", "update", "pinned", H, "key", "1", "0", "0", "zz", "value", "1"], None, "error parsing byte: zz", 255)
    bad("map update no value", ["map", "update", "pinned", H, "key", "1", "0", "0", "0"], None, "did not find value", 255)
    bad("map update two flags", ["map", "update", "pinned", H, "key", "1", "0", "0", "0", "any", "exist", "value", "1", "0", "0", "0", "0", "0", "0", "0"], None, "flags specified multiple times: exist", 255)

    rc, out, err = run("map", "dump", "pinned", H)
    want = ("key: 01 00 00 00  value: 01 02 03 04 05 06 07 08\n"
            "key: 02 00 00 00  value: 09 00 00 00 00 00 00 08\n"
            "Found 2 elements\n")
    lines = out.splitlines(True)
    check("map dump plain (bpftool spacing)", rc == 0 and sorted(lines[:2]) == sorted(want.splitlines(True)[:2])
          and lines[2:] == ["Found 2 elements\n"], repr(out) + err)
    rc, doc, out, err = run_json("map", "dump", "pinned", H)
    check("map dump --json", rc == 0 and isinstance(doc, list) and sorted(map(json.dumps, doc)) == sorted(map(json.dumps, [
        {"key": le("I", 1), "value": ["0x01", "0x02", "0x03", "0x04", "0x05", "0x06", "0x07", "0x08"]},
        {"key": le("I", 2), "value": le("Q", 9 + (8 << 56))}])), out + err)
    rc, out, err = run("map", "lookup", "pinned", H, "key", "hex", "02", "00", "00", "00")
    check("map lookup", rc == 0 and out == "key: 02 00 00 00  value: 09 00 00 00 00 00 00 08\n", repr(out) + err)
    rc, out, err = run("map", "lookup", "pinned", H, "key", "3", "0", "0", "0")
    check("map lookup missing: Not found, 255", rc == 255 and out == "key:\n03 00 00 00\n\nNot found\n", repr(out) + err)
    rc, out, err = run("--json", "map", "lookup", "pinned", H, "key", "3", "0", "0", "0")
    check("map lookup missing --json: null", rc == 255 and out.strip() == "null", out + err)
    rc, out, err = run("map", "getnext", "pinned", H)
    check("map getnext first", rc == 0 and re.fullmatch(r"key: None\nnext key:\n0[12] 00 00 00\n", out), repr(out) + err)
    first = out.split("\n")[2].split()[0] if rc == 0 else "01"
    rc, doc, out, err = run_json("map", "getnext", "pinned", H, "key", f"0x{first}", "0", "0", "0")
    other = 3 - int(first, 16)
    check("map getnext --json", rc == 0 and doc == {"key": le("I", int(first, 16)), "next_key": le("I", other)}, out + err)
    bad("map getnext past the end", ["map", "getnext", "pinned", H, "key", str(other), "0", "0", "0"], None, "can't get next key: No such file or directory", 255)
    rc, out, err = run("map", "delete", "pinned", H, "key", "1", "0", "0", "0")
    check("map delete", rc == 0 and out == "", out + err)
    bad("map delete again", ["map", "delete", "pinned", H, "key", "1", "0", "0", "0"], None, "delete failed: No such file or directory", 255)
    rc, out, err = run("map", "dump", "name", "counts")
    check("map dump by name after delete", rc == 0 and out.endswith("Found 1 element\n"), repr(out) + err)

    # big values break the line as bpftool does
    rc, out, err = run("map", "create", "/sys/fs/bpf/big", "type", "array", "key", "4", "value", "20", "entries", "1", "name", "big")
    rc, out, err = run("map", "update", "pinned", "/sys/fs/bpf/big", "key", "0", "0", "0", "0", "value", *[str(i) for i in range(20)])
    rc, out, err = run("map", "dump", "pinned", "/sys/fs/bpf/big")
    check("map dump value > 16 bytes", rc == 0 and out == "key:\n00 00 00 00\nvalue:\n00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f\n10 11 12 13\nFound 1 element\n", repr(out) + err)

    # arrays: every index exists; freeze makes the syscall side read-only
    rc, out, err = run("map", "dump", "pinned", A)
    check("map dump array", rc == 0 and out.count("value: 00 00 00 00 00 00 00 00") == 4 and out.endswith("Found 4 elements\n"), out + err)
    rc, out, err = run("map", "freeze", "pinned", A)
    check("map freeze", rc == 0 and out == "", out + err)
    bad("update a frozen map", ["map", "update", "pinned", A, "key", "0", "0", "0", "0", "value", "1", "0", "0", "0", "0", "0", "0", "0"], None, "update failed: Operation not permitted", 255)
    rc, out, err = run("map", "show", "pinned", A)
    check("map show frozen", rc == 0 and out.rstrip().endswith("\n\tfrozen"), repr(out))
    rc, doc, out, err = run_json("map", "show", "pinned", A)
    check("map show frozen --json", rc == 0 and doc["frozen"] == 1, out)

    # pin: a second name for the same map, seen through either
    rc, out, err = run("map", "pin", "pinned", H, "/sys/fs/bpf/h_again")
    check("map pin", rc == 0, out + err)
    rc, doc1, _, _ = run_json("map", "show", "pinned", "/sys/fs/bpf/h_again")
    check("map pin: same id", rc == 0 and doc1["id"] == hash_id, str(doc1))
    rc, out, err = run("-f", "map", "show", "id", str(hash_id))
    check("map show -f lists pins", rc == 0 and "\tpinned /sys/fs/bpf/h\n" in out + "\n" and "\tpinned /sys/fs/bpf/h_again" in out, out)
    rc, doc, out, err = run_json("--bpffs", "map", "show")
    check("map show all --json -f", rc == 0 and isinstance(doc, list) and
          sorted(sum((m["pinned"] for m in doc if m["id"] == hash_id), [])) == ["/sys/fs/bpf/h", "/sys/fs/bpf/h_again"], out)

    # queue: no key; push, peek, pop
    Q = "/sys/fs/bpf/q"
    rc, out, err = run("map", "create", Q, "type", "queue", "key", "0", "value", "4", "entries", "4", "name", "q")
    check("map create queue", rc == 0, out + err)
    for v in ("1", "2"):
        run("map", "push", "pinned", Q, "value", v, "0", "0", "0")
    rc, out, err = run("map", "peek", "pinned", Q)
    check("map peek", rc == 0 and out == "value: 01 00 00 00\n", repr(out) + err)
    rc, out, err = run("map", "pop", "pinned", Q)
    rc2, out2, err2 = run("map", "dequeue", "pinned", Q)
    check("map pop, dequeue (FIFO)", rc == rc2 == 0 and out == "value: 01 00 00 00\n" and out2 == "value: 02 00 00 00\n", out + out2 + err + err2)
    rc, out, err = run("map", "pop", "pinned", Q)
    check("map pop empty", rc == 255 and out == "Error: empty map\n", repr(out) + err)
    bad("map key on a keyless map", ["map", "push", "pinned", Q, "key", "1", "value", "1", "0", "0", "0"], None, "unnecessary key", 255)

    # per-CPU values: one per CPU, each printed
    P = "/sys/fs/bpf/pc"
    rc, out, err = run("map", "create", P, "type", "percpu_array", "key", "4", "value", "4", "entries", "1", "name", "pc")
    rc, out, err = run("map", "update", "pinned", P, "key", "0", "0", "0", "0", "value", "5", "0", "0", "0")
    rc, out, err = run("map", "dump", "pinned", P)
    ncpu = out.count("value (CPU ")
    check("map dump percpu", rc == 0 and ncpu >= 1 and out.count("value (CPU ") == out.count(": 05 00 00 00") and out.startswith("key:\n00 00 00 00\nvalue (CPU 00): 05 00 00 00\n"), out + err)
    rc, doc, out, err = run_json("map", "lookup", "pinned", P, "key", "0", "0", "0", "0")
    check("map lookup percpu --json", rc == 0 and len(doc["values"]) == ncpu and all(v["value"] == le("I", 5) for v in doc["values"]), out + err)

    # errors naming what and where
    bad("map show missing pin", ["map", "show", "pinned", "/sys/fs/bpf/none"], None, "bpf obj get (/sys/fs/bpf/none): No such file or directory", 255)
    bad("map show bad id", ["map", "show", "id", "x1"], None, "can't parse x1 as ID", 255)
    bad("map show unknown id", ["map", "show", "id", "999999"], None, "get map by id (999999)", 255)
    bad("map show no such name", ["map", "show", "name", "nosuchmap"], None, "no map with name nosuchmap", 255)
    bad("map dump bad handle", ["map", "dump", "idd", "3"], None, "expected 'id', 'name' or 'pinned', got: 'idd'?", 255)
    bad("map dump no args", ["map", "dump"], None, "Usage:", 255)
    open(f"{tmp}/plain_file", "w").write("x")
    bad("map show a file outside the bpffs", ["map", "show", "pinned", f"{tmp}/plain_file"], None, "bpf obj get", 255)
    rc, doc, out, err = run_json("map", "show", "pinned", "/sys/fs/bpf/none")
    check("errors in JSON mode", rc == 255 and doc == {"error": "bpf obj get (/sys/fs/bpf/none): No such file or directory"}, out + err)


# ---------------------------------------------------------------- feature
def section_feature():
    global hash_id
    rc, doc, out, err = run_json("feature", "probe")
    check("feature probe --json", rc == 0 and doc and doc["map_types"]["have_hash_map_type"] is True
          and doc["map_types"]["have_ringbuf_map_type"] is True
          and doc["map_types"]["have_sockmap_map_type"] is False  # no sockets in userspace
          and "program_types" in doc and "helpers" in doc, out[:300] + err)
    rc, out, err = run("feature")
    check("feature (probe) plain", rc == 0 and "Scanning eBPF program types..." in out
          and "eBPF map_type hash is available" in out and "eBPF map_type sockmap is NOT available" in out, out[:300])
    if doc and doc["program_types"].get("have_socket_filter_prog_type"):
        helpers = doc["helpers"].get("socket_filter_available_helpers", [])
        check("feature: socket_filter may call map helpers", "bpf_map_lookup_elem" in helpers and "bpf_map_update_elem" in helpers, str(helpers))
        check("feature plain helper list", "eBPF helpers supported for program type socket_filter:\n\t- bpf_map_lookup_elem" in out, out[-500:])
    else:
        skip("feature per-type helper lists: the program-types layer is not in this build")
    rc, out, err = run("feature", "list_builtins", "map_types")
    check("feature list_builtins map_types", rc == 0 and out.split("\n")[:3] == ["unspec", "hash", "array"], out[:100])
    rc, doc, out, err = run_json("feature", "list_builtins", "helpers")
    check("feature list_builtins helpers --json", rc == 0 and doc[0] == "bpf_map_lookup_elem" and "bpf_tail_call" in doc, out[:200])
    bad("feature list_builtins bad group", ["feature", "list_builtins", "frobs"], None, "expected 'prog_types'", 255)


# ---------------------------------------------------------------- programs from clang-built objects
def section_objects():
    global hash_id
    clang = shutil.which("clang")
    rc, out, err = run("prog", "load", "/nonexistent.o", "/sys/fs/bpf/x")
    have_loader = "without the object loader" not in err
    if not have_loader:
        skip("prog load/loadall/verify/disasm of objects: this userbpf has no loader")
    elif not clang:
        skip("prog load/loadall/verify/disasm of objects: clang not found")
    else:
        check("prog load missing object", rc == 255 and "failed to open object file /nonexistent.o" in err, err)
        multiarch = subprocess.run(["cc", "-print-multiarch"], capture_output=True, text=True).stdout.strip()
        objs = {}
        for name in ("cli_maps", "cli_bad"):
            o = f"{tmp}/{name}.bpf.o"
            cmd = [clang, "-O2", "-g", "-target", "bpf", "-c", f"{here}/progs/{name}.bpf.c", "-o", o]
            if multiarch:
                cmd[1:1] = ["-I", f"/usr/include/{multiarch}"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            check(f"clang {name}", p.returncode == 0, p.stderr)
            objs[name] = o
        OBJ, BAD = objs["cli_maps"], objs["cli_bad"]
        PROG, MAPS = "/sys/fs/bpf/cnt", "/sys/fs/bpf/cnt_maps"

        # process 1: load and pin the program, and its maps
        rc, out, err = run("prog", "load", OBJ, PROG, "pinmaps", MAPS)
        check("prog load + pinmaps", rc == 0 and out == "", out + err)
        check("pinmaps made the directory", {"config", "stats"} <= set(ls(os.path.join(tmp, "bpffs", "cnt_maps"))),
              str(ls(os.path.join(tmp, "bpffs"))))
        bad("prog load onto an existing pin", ["prog", "load", OBJ, PROG], None, "failed to pin program socket", 255)

        # process 2: what is it?
        rc, out, err = run("prog", "show", "pinned", PROG)
        check("prog show plain", rc == 0 and re.match(
            r"\d+: socket_filter  name count_runs  tag [0-9a-f]{16}  gpl\n\tloaded_at \S+  uid \d+\n\txlated \d+B  not jited  memlock \d+B  map_ids \d+,\d+\n", out), repr(out) + err)
        rc, doc, out, err = run_json("prog", "show", "pinned", PROG)
        ok = rc == 0 and doc is not None
        check("prog show --json", ok and doc["type"] == "socket_filter" and doc["name"] == "count_runs"
              and re.fullmatch(r"[0-9a-f]{16}", doc["tag"]) and doc["gpl_compatible"] is True
              and doc["jited"] is False and doc["bytes_xlated"] % 8 == 0 and doc["bytes_xlated"] > 0
              and isinstance(doc["loaded_at"], int) and len(doc["map_ids"]) == 2, out + err)
        prog_id = doc["id"] if ok else 0
        map_ids = doc["map_ids"] if ok else []
        rc, doc, out, err = run_json("prog", "show")
        check("prog show all --json", rc == 0 and isinstance(doc, list) and prog_id in [p["id"] for p in doc], out[:300] + err)
        rc, doc, out, err = run_json("prog", "show", "name", "count_runs")
        check("prog show name", rc == 0 and doc and doc["id"] == prog_id, out + err)
        rc, doc, out, err = run_json("-f", "prog", "show", "id", str(prog_id))
        check("prog show -f pinned", rc == 0 and doc["pinned"] == [PROG], out + err)
        rc, doc, out, err = run_json("map", "show", "pinned", f"{MAPS}/stats")
        check("pinned map of the program", rc == 0 and doc["name"] == "stats" and doc["type"] == "array"
              and doc["bytes_key"] == 4 and doc["bytes_value"] == 32 and doc["max_entries"] == 2
              and doc["id"] in map_ids and "btf_id" in doc, out + err)

        rc, out, err = run("prog", "dump", "xlated", "pinned", PROG)
        check("prog dump xlated", rc == 0 and re.search(r"^   0: \([0-9a-f]{2}\) ", out, re.M)
              and "call bpf_map_lookup_elem#1" in out and re.search(r"r1 = map\[id:\d+\]", out)
              and out.rstrip().endswith("(95) exit"), out + err)
        rc, out2, err = run("prog", "dump", "xlated", "id", str(prog_id), "opcodes")
        check("prog dump xlated opcodes", rc == 0 and re.search(r"^       b7 06 00 00 00 00 00 00$", out2, re.M), out2[:400] + err)
        rc, doc, out, err = run_json("prog", "dump", "xlated", "pinned", PROG)
        check("prog dump xlated --json", rc == 0 and isinstance(doc, list) and doc[-1]["disasm"] == "(95) exit", out[-300:] + err)
        rc, out, err = run("prog", "dump", "xlated", "pinned", PROG, "file", f"{tmp}/x.bin")
        rc2, listing, err2 = run("disasm", f"{tmp}/x.bin")
        check("prog dump xlated file -> disasm", rc == 0 and rc2 == 0 and os.path.getsize(f"{tmp}/x.bin") % 8 == 0
              and listing.rstrip().endswith("(95) exit"), err + err2)
        # no JIT: bpftool's answer for a kernel that returns no jited image (an info line on
        # stderr, no "Error:", exit 255; in JSON mode nothing but the writer's newline)
        rc, out, err = run("prog", "dump", "jited", "pinned", PROG)
        check("prog dump jited", rc == 255 and out == "" and err == "no instructions returned\n", repr(out) + repr(err))
        rc, out, err = run("--json", "prog", "dump", "jited", "pinned", PROG)
        check("prog dump jited --json", rc == 255 and out == "\n" and err == "", repr(out) + repr(err))
        bad("prog dump xlated unknown word: usage", ["prog", "dump", "xlated", "pinned", PROG, "frob"], None, "Usage:", 255)
        bad("prog dump xlated file + linum", ["prog", "dump", "xlated", "pinned", PROG, "file", f"{tmp}/y.bin", "linum"], None,
            "'file' is not compatible with 'opcodes', 'visual', or 'linum'", 255)
        xlated_source_lines(PROG)
        bad("prog dump bad mode", ["prog", "dump", "xlatedd", "pinned", PROG], None, "expected 'xlated' or 'jited', got: xlatedd", 255)
        bad("prog show a map", ["prog", "show", "pinned", f"{MAPS}/stats"], None, "incorrect object type: map", 255)
        bad("map show a program", ["map", "show", "pinned", PROG], None, "incorrect object type: prog", 255)

        # process 3: configure through the map, from outside the program's process
        rc, out, err = run("map", "update", "pinned", f"{MAPS}/config", "key", "0", "0", "0", "0", "value", "3", "0", "0", "0", "0", "0", "0", "0")
        check("map update of the program's map", rc == 0, out + err)

        # process 4 and 5: run it; it sees the factor, returns 3 + 40 and counts
        pkt = f"{tmp}/pkt.bin"
        open(pkt, "wb").write(bytes(range(64)))
        runs = 0  # successful runs, each counted by the program
        rc, out, err = run("prog", "run", "pinned", PROG, "data_in", pkt, "data_out", f"{tmp}/out.bin")
        runs += rc == 0
        check("prog run", rc == 0 and re.fullmatch(r"Return value: 43, duration: \d+ns\n", out), repr(out) + err)
        data_out = open(f"{tmp}/out.bin", "rb").read() if os.path.exists(f"{tmp}/out.bin") else b""
        check("prog run data_out", len(data_out) == 64 and data_out[14:] == bytes(range(14, 64)), data_out.hex())
        rc, out, err = run("prog", "run", "pinned", PROG, "data_in", pkt, "repeat", "5")
        runs += 5 * (rc == 0)
        check("prog run repeat", rc == 0 and re.fullmatch(r"Return value: 43, duration \(average\): \d+ns\n", out), repr(out) + err)
        rc, doc, out, err = run_json("prog", "run", "id", str(prog_id), "data_in", pkt, "data_out", "-")
        runs += rc == 0
        check("prog run --json", rc == 0 and doc["retval"] == 43 and isinstance(doc["duration"], int)
              and len(doc["data_out"]) == 64 and doc["data_out"][14:] == list(range(14, 64)), out[:300] + err)
        # a zeroed __sk_buff as context (192 bytes in the kernel's UAPI); the kernel hands
        # the same size back in ctx_out
        open(f"{tmp}/ctx.bin", "wb").write(bytes(192))
        rc, doc, out, err = run_json("prog", "run", "pinned", PROG, "data_in", pkt, "ctx_in", f"{tmp}/ctx.bin", "ctx_out", "-")
        runs += rc == 0
        check("prog run ctx_in/ctx_out", rc == 0 and doc["retval"] == 43 and len(doc["ctx_out"]) == 192, out[:300] + err)
        rc, out, err = run("prog", "run", "pinned", PROG, "data_in", "-", "data_out", "-", stdin=None)
        runs += rc == 0
        # (empty stdin: a zero-length packet may be refused by the program type; only no crash)
        check("prog run from stdin does not crash", rc in (0, 255) and "Sanitizer" not in err, err)

        # process 6: what the program wrote, printed by BTF (struct fields by name)
        rc, out, err = run("map", "dump", "pinned", f"{MAPS}/stats")
        want_stats = [
            {"key": 0, "value": {"packets": runs, "bytes": 3 * runs, "tag": "seen", "color": "RED", "pair": {"a": 7, "b": 9}}},
            {"key": 1, "value": {"packets": 0, "bytes": 0, "tag": "", "color": 0, "pair": {"a": 0, "b": 0}}},
        ]
        try:
            got = json.loads(out)
        except ValueError:
            got = None
        raw0 = struct.pack("<QQ8sIHH", runs, 3 * runs, b"seen", 2, 7, 9)
        # The loading process (process 1) is gone: the pinned map holds its BTF object, so
        # this process finds it by the map's btf_id, as with the kernel.
        rc2, mdoc, mout, merr = run_json("map", "show", "pinned", f"{MAPS}/stats")
        btf_id = mdoc.get("btf_id") if mdoc else None
        check("map's BTF outlives the loader: btf_id", rc2 == 0 and isinstance(btf_id, int) and btf_id > 0, mout + merr)
        check("map dump with BTF (plain), loader exited", rc == 0 and got == want_stats and not err
              and out.startswith("[{\n        \"key\": 0,\n"), out + err)
        rc, doc, out, err = run_json("map", "dump", "pinned", f"{MAPS}/stats")
        check("map dump with BTF --json, loader exited", rc == 0 and isinstance(doc, list) and len(doc) == 2
              and doc[0]["key"] == le("I", 0) and doc[0]["value"] == [f"0x{b:02x}" for b in raw0]
              and doc[0]["formatted"] == want_stats[0] and doc[1]["formatted"] == want_stats[1], out[:600] + err)
        rc, out, err = run("map", "lookup", "pinned", f"{MAPS}/config", "key", "0", "0", "0", "0")
        check("map lookup with BTF, loader exited", rc == 0 and out == '{\n    "key": 0,\n    "value": 3\n}\n', repr(out) + err)
        rc, out, err = run("map", "lookup", "pinned", f"{MAPS}/stats", "key", "1", "0", "0", "0")
        check("map lookup struct with BTF, loader exited", rc == 0 and json.loads(out) == want_stats[1], out + err)

        # Is there a verifier in the load path? The kernel's log at level 2 lists the walked
        # instructions ("0: (b7) r6 = 0"); without a verifier walk the rejection checks
        # cannot pass.
        rc, out, err = run("verify", BAD, "prog", "good_check", "log_level", "2")
        have_verifier = re.search(r"^\s*\d+: .*\([0-9a-f]{2}\) ", out, re.M) is not None
        if not have_verifier:
            skip("verifier verdicts (verify, loadall of a rejected program): the library's "
                 "PROG_LOAD does not walk programs yet (no instruction lines at log_level 2)")

        # BTF printing while the loading process lives (as one inspects a running agent)
        holder = build_holder()
        if not holder:
            skip("map dump with BTF from a live loader: could not build tests/cli/btf_holder.c")
        else:
            h = subprocess.Popen([holder, OBJ], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env)
            try:
                ready = h.stdout.readline().strip() == "ready"
                check("btf_holder loads the object", ready, h.stderr.read() if not ready else "")
                if ready:
                    btf_while_loaded()
            finally:
                h.stdin.close()
                h.wait(timeout=60)

        # loadall: every program under a directory
        if have_verifier:
            rc, out, err = run("prog", "loadall", BAD, "/sys/fs/bpf/all")
            check("prog loadall of an object with a rejected program fails", rc == 255 and "failed to load object file" in err
                  and "R0 invalid mem access 'map_value_or_null'" in err, err)
        rc, out, err = run("prog", "loadall", OBJ, "/sys/fs/bpf/all/d")
        rc2, doc, out2, err2 = run_json("prog", "show", "pinned", "/sys/fs/bpf/all/d/count_runs")
        check("prog loadall", rc == 0 and rc2 == 0 and doc["name"] == "count_runs" and doc["id"] != prog_id, err + out2 + err2)
        rc, out, err = run("prog", "load", OBJ, "/sys/fs/bpf/typed", "type", "socket")
        check("prog load type", rc == 0, err)
        bad("prog load bad type", ["prog", "load", OBJ, "/sys/fs/bpf/t2", "type", "frobnicator"], None, "failed to guess program type", 255)
        bad("prog load map idx unused", ["prog", "load", OBJ, "/sys/fs/bpf/t3", "map", "idx", "7", "pinned", f"{MAPS}/stats"], None, "map idx '7' not used", 255)
        rc, out, err = run("prog", "load", OBJ, "/sys/fs/bpf/shared", "map", "name", "stats", "pinned", f"{MAPS}/stats")
        rc2, doc, out2, err2 = run_json("prog", "show", "pinned", "/sys/fs/bpf/shared")
        check("prog load map name reuse", rc == 0 and rc2 == 0 and doc and map_ids and
              [m for m in doc["map_ids"] if m in map_ids] != [], out + err + out2 + err2)

        # run errors, as bpftool words them
        bad("prog run too few args", ["prog", "run", "pinned", PROG], None, "'run' needs at least 4 arguments, 2 found", 255)
        bad("prog run missing input", ["prog", "run", "pinned", PROG, "data_in", f"{tmp}/none.bin"], None, f"failed to open {tmp}/none.bin", 255)
        bad("prog run ambiguous prefix", ["prog", "run", "pinned", PROG, "data_", pkt], None, "ambiguous prefix: 'data_' could be 'data_in' or 'data_out' or 'data_size_out'", 255)
        bad("prog run bad repeat", ["prog", "run", "pinned", PROG, "data_in", pkt, "repeat", "lots"], None, "can't parse lots as repeat number", 255)
        bad("prog run both stdin", ["prog", "run", "pinned", PROG, "data_in", "-", "ctx_in", "-"], None, "cannot use standard input for both data_in and ctx_in", 255)
        bad("prog run output too small", ["prog", "run", "pinned", PROG, "data_in", pkt, "data_out", f"{tmp}/o2", "data_size_out", "8"], None, "failed to run program: No space left on device", 255)
        bad("prog show unknown tag", ["prog", "show", "tag", "0011223344556677"], None, "no program with tag 0011223344556677", 255)
        bad("prog show bad tag", ["prog", "show", "tag", "xyz"], None, "can't parse tag", 255)

        # verify: the kernel's verdicts for cli_bad (tests/cli/cli_bad.kernel.txt)
        kernel = open(f"{here}/cli_bad.kernel.txt").read()
        k_last = [line for line in kernel.split("log:\n")[1].splitlines() if line][-2]  # before "processed"
        rc, out, err = run("verify", BAD)
        if have_verifier:
            check("verify: rejected program, exit 1", rc == 1 and re.search(r"^good_check: accepted", out, re.M)
                  and re.search(r"^bad_no_null_check: REJECTED  \(section socket, type socket_filter\): Permission denied$", out, re.M)
                  and k_last in out and out.endswith("2 programs: 1 accepted, 1 rejected\n"), out + err)
            rc, doc, out, err = run_json("verify", BAD)
            progs = {p["name"]: p for p in doc["programs"]} if doc else {}
            check("verify --json", rc == 1 and doc and doc["accepted"] == 1 and doc["rejected"] == 1
                  and progs["good_check"]["accepted"] is True and progs["bad_no_null_check"]["accepted"] is False
                  and progs["bad_no_null_check"]["errno"] == 13 and k_last in progs["bad_no_null_check"]["log"], out + err)
        rc, out, err = run("verify", OBJ)
        check("verify: all accepted, exit 0", rc == 0 and out.startswith("count_runs: accepted  (section socket, type socket_filter")
              and out.endswith("1 program: 1 accepted, 0 rejected\n"), out + err)
        rc, out, err = run("verify", BAD, "prog", "good_check", "log_level", "2")
        check("verify prog NAME log_level 2: the log of an accepted program", rc == 0 and "good_check: accepted" in out
              and "bad_no_null_check" not in out and (not have_verifier or "(95) exit" in out), out + err)
        rc, doc, out, err = run_json("verify", OBJ)
        check("verify --json shape", rc == 0 and doc and doc["accepted"] == 1 and doc["rejected"] == 0
              and doc["programs"][0]["name"] == "count_runs" and doc["programs"][0]["accepted"] is True, out + err)
        bad("verify unknown program", ["verify", BAD, "prog", "nope"], None, "no program named 'nope'", 255)
        bad("verify missing object", ["verify", f"{tmp}/nope.o"], None, "failed to open object file", 255)
        bad("verify bad option", ["verify", BAD, "level", "1"], None, "expected 'prog', 'type' or 'log_level', got: 'level'?", 255)

        # disasm of an object: sections, signatures and C source lines from BTF
        rc, out, err = run("disasm", OBJ)
        check("disasm object", rc == 0 and out.startswith("count_runs (section socket):\n")
              and "int count_runs(struct __sk_buff * skb):" in out
              and "; s->packets += 1;" in out and re.search(r"^  \d\d: \(95\) exit$", out, re.M), out + err)
        rc, doc, out, err = run_json("disasm", OBJ)
        check("disasm object --json", rc == 0 and doc and doc[0]["name"] == "count_runs" and doc[0]["section"] == "socket"
              and any(i.get("src") == "s->packets += 1;" for i in doc[0]["insns"]), out[:400] + err)
        rc, out, err = run("disasm", BAD, "--kernel")
        check("disasm object --kernel", rc == 0 and "bad_no_null_check (section socket):" in out
              and "call bpf_map_lookup_elem#1" in out, out + err)



def xlated_source_lines(prog):
    """dump xlated with the program's func_info/line_info, as bpftool prints them: the
    signature before a function's first insn, '; <source line>' before the insn a line
    starts at, with linum ' [file:F line_num:N line_col:C]'. Expected lines come from the
    source file itself."""
    rc, doc, out, err = run_json("prog", "show", "pinned", prog)
    if not (rc == 0 and doc and doc.get("btf_id")):
        skip("prog dump xlated source lines: the program info has no BTF (func/line info) yet")
        return
    src_path = f"{here}/progs/cli_maps.bpf.c"
    lines = open(src_path).read().split("\n")
    want_line = next(i + 1 for i, l in enumerate(lines) if l.strip() == "s->packets += 1;")
    rc, out, err = run("prog", "dump", "xlated", "pinned", prog)
    check("prog dump xlated: signature and source lines", rc == 0
          and out.startswith("int count_runs(struct __sk_buff * skb):\n; ")
          and "\n; s->packets += 1;\n" in out and "\n; return (int)(m + 40);\n" in out, out[:800] + err)
    rc, out, err = run("prog", "dump", "xlated", "pinned", prog, "linum")
    m = re.search(r"^; s->packets \+= 1; \[file:(\S+) line_num:(\d+) line_col:(\d+)\]$", out, re.M)
    check("prog dump xlated linum", rc == 0 and m and m.group(1).endswith("cli_maps.bpf.c")
          and int(m.group(2)) == want_line and int(m.group(3)) > 0, out[:800] + err)
    rc, doc, out, err = run_json("prog", "dump", "xlated", "pinned", prog, "linum")
    srcs = [i for i in doc if i.get("src") == "s->packets += 1;"] if isinstance(doc, list) else []
    check("prog dump xlated --json linum", rc == 0 and doc and doc[0].get("proto") == "int count_runs(struct __sk_buff * skb)"
          and srcs and srcs[0]["file"].endswith("cli_maps.bpf.c") and srcs[0]["line_num"] == want_line, out[:800] + err)


def build_holder():
    """tests/cli/btf_holder.c against the build's libuserbpf.a, with its sanitizers."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(ub)))
    lib = os.path.join(build, "libuserbpf.a")
    cache_path = os.path.join(build, "CMakeCache.txt")
    cache = open(cache_path).read() if os.path.exists(cache_path) else ""
    if not os.path.exists(lib) or not shutil.which("cc"):
        return None
    flags = []
    if "USERBPF_SANITIZE:BOOL=ON" in cache:
        flags = ["-fsanitize=address,undefined"]
    elif "USERBPF_TSAN:BOOL=ON" in cache:
        flags = ["-fsanitize=thread"]
    libs = subprocess.run(["pkg-config", "--libs", "libelf", "libbpf"], capture_output=True, text=True).stdout.split()
    out = os.path.join(tmp, "btf_holder")
    p = subprocess.run(["cc", "-std=gnu11", "-g", *flags, "-I", os.path.join(src, "include"),
                        os.path.join(here, "btf_holder.c"), lib, *libs, "-lpthread", "-o", out],
                       capture_output=True, text=True)
    if p.returncode:
        print(p.stderr[-2000:])
    return out if p.returncode == 0 else None


def newest(kind, name):
    """The id of the newest object of a kind with this name."""
    rc, doc, out, err = run_json(kind, "show", "name", name)
    docs = doc if isinstance(doc, list) else [doc] if doc else []
    ids = [d["id"] for d in docs if "id" in d]
    return max(ids) if ids else None


def btf_while_loaded():
    stats_id, config_id, prog = newest("map", "stats"), newest("map", "config"), newest("prog", "count_runs")
    check("holder's objects found by name", stats_id and config_id and prog, f"{stats_id} {config_id} {prog}")
    rc, out, err = run("map", "lookup", "id", str(config_id), "key", "0", "0", "0", "0")
    check("map lookup with BTF, missing key", rc == 255 and out == "key:\n00 00 00 00\n\nNot found\n", repr(out) + err)
    pkt = f"{tmp}/pkt.bin"
    for _ in range(2):  # no factor yet: m = 1
        rc, out, err = run("prog", "run", "id", str(prog), "data_in", pkt)
        check("holder prog run", rc == 0 and out.startswith("Return value: 41, "), out + err)
    run("map", "update", "id", str(config_id), "key", "0", "0", "0", "0", "value", "5", "0", "0", "0", "0", "0", "0", "0")
    rc, out, err = run("prog", "run", "id", str(prog), "data_in", pkt)
    check("holder prog run after update", rc == 0 and out.startswith("Return value: 45, "), out + err)
    want = [
        {"key": 0, "value": {"packets": 3, "bytes": 1 + 1 + 5, "tag": "seen", "color": "RED", "pair": {"a": 7, "b": 9}}},
        {"key": 1, "value": {"packets": 0, "bytes": 0, "tag": "", "color": 0, "pair": {"a": 0, "b": 0}}},
    ]
    rc, out, err = run("map", "dump", "id", str(stats_id))
    try:
        got = json.loads(out)
    except ValueError:
        got = None
    check("map dump with BTF (plain): struct fields by name", rc == 0 and got == want and not err
          and out.startswith('[{\n        "key": 0,\n        "value": {\n            "packets": 3,\n'), out + err)
    raw0 = struct.pack("<QQ8sIHH", 3, 7, b"seen", 2, 7, 9)
    rc, doc, out, err = run_json("map", "dump", "id", str(stats_id))
    check("map dump with BTF --json (formatted)", rc == 0 and isinstance(doc, list) and len(doc) == 2
          and doc[0]["key"] == le("I", 0) and doc[0]["value"] == [f"0x{b:02x}" for b in raw0]
          and doc[0]["formatted"] == want[0] and doc[1]["formatted"] == want[1], out[:600] + err)
    rc, out, err = run("map", "lookup", "id", str(config_id), "key", "0", "0", "0", "0")
    check("map lookup with BTF", rc == 0 and out == '{\n    "key": 0,\n    "value": 5\n}\n', repr(out) + err)
    rc, doc, out, err = run_json("--pretty", "map", "lookup", "id", str(config_id), "key", "0", "0", "0", "0")
    check("map lookup with BTF --pretty", rc == 0 and doc == {"key": le("I", 0), "value": le("Q", 5), "formatted": {"key": 0, "value": 5}}
          and '\n    "formatted": {\n        "key": 0,' in out, out + err)


def section_corpus():
    """disasm and verify over the loader's clang-built corpus: never a crash, always a
    parseable answer (the verdicts themselves are the loader's and verifier's tests)."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(ub)))
    objs = sorted(glob.glob(os.path.join(build, "tests", "progs", "*.bpf.o")))
    if not objs:
        skip("corpus: no tests/progs/*.bpf.o in the build")
        return
    opened = 0
    for o in objs:
        name = os.path.basename(o)
        rc, doc, out, err = run_json("disasm", o)
        sane = "Sanitizer" not in err and "runtime error" not in err
        if rc == 0:
            opened += 1
            check(f"corpus disasm {name}", sane and isinstance(doc, list)  # a BTF-only object has no programs
                  and all(p["insns"] and p["insns"][-1]["disasm"] for p in doc), out[:300] + err)
        else:
            check(f"corpus disasm {name} refused cleanly", sane and rc in (1, 255)
                  and (isinstance(doc, dict) and doc.get("error") or "Error: " in err), out[:300] + err)
        rc, doc, out, err = run_json("verify", o)
        check(f"corpus verify {name}", "Sanitizer" not in err and "runtime error" not in err and rc in (0, 1, 255)
              and isinstance(doc, dict) and ("programs" in doc or "error" in doc), out[:300] + err)
    check("corpus: most objects open", opened >= len(objs) // 2, f"{opened} of {len(objs)}")


def section_target_btf_kconfig():
    """verify / prog load with a CO-RE target BTF file and .kconfig values (userbpf's own
    words target_btf FILE and kconfig FILE): the loader's answers with and without them."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(ub)))
    progs = os.path.join(build, "tests", "progs")
    if not os.path.exists(os.path.join(progs, "core_missing.bpf.o")):
        skip("target_btf / kconfig: no tests/progs objects in the build")
        return
    core, missing, target = (os.path.join(progs, f"{n}.bpf.o") for n in ("core", "core_missing", "core_target"))
    kobj = os.path.join(progs, "kconfig.bpf.o")
    # an unresolvable field: named with its type, from the object's own BTF and from a target
    for extra in ([], ["target_btf", target]):
        rc, out, err = run("verify", missing, "prog", "core_bad_field", *extra)
        check(f"verify CO-RE error names type and field {extra}", rc == 1
              and "field 'no_such_field' not found" in out and "struct __sk_buff___bad" in out, out + err)
    rc, out, err = run("verify", core, "target_btf", f"{tmp}/no_such_vmlinux")
    check("verify target_btf unreadable: named", rc == 1 and f"{tmp}/no_such_vmlinux" in out, out + err)
    rc, out, err = run("verify", core, "target_btf", target)
    check("verify target_btf", rc == 0 and re.search(r"^1 program|programs: \d+ accepted, 0 rejected", out, re.M), out + err)
    bad("verify target_btf without a file", ["verify", core, "target_btf"], None, "'target_btf' needs at least 1 arguments", 255)
    open(f"{tmp}/kconfig.bad", "w").write("CONFIG_HZ=abc\n")
    open(f"{tmp}/kconfig.good", "w").write("CONFIG_HZ=250\nCONFIG_BPF_SYSCALL=y\n")
    bad("verify bad kconfig value", ["verify", kobj, "kconfig", f"{tmp}/kconfig.bad"], None, "'CONFIG_HZ': invalid value 'abc'", 255)
    bad("prog load bad kconfig value", ["prog", "load", kobj, "/sys/fs/bpf/kc_bad", "kconfig", f"{tmp}/kconfig.bad"], None,
        "'CONFIG_HZ': invalid value 'abc'", 255)
    bad("prog load kconfig file missing", ["prog", "load", kobj, "/sys/fs/bpf/kc_bad", "kconfig", f"{tmp}/none"], None,
        f"failed to open kconfig file {tmp}/none", 255)
    rc, out, err = run("verify", kobj, "kconfig", f"{tmp}/kconfig.good")
    check("verify kconfig", rc == 0, out + err)
    # the value reaches the frozen .kconfig map (no BTF, as libbpf creates it): libbpf's
    # layout puts the u64 CONFIG_USERBPF_BIG first, then CONFIG_HZ at offset 8
    rc, out, err = run("prog", "load", kobj, "/sys/fs/bpf/kc", "kconfig", f"{tmp}/kconfig.good", "pinmaps", "/sys/fs/bpf/kc_maps")
    check("prog load kconfig pinmaps", rc == 0, out + err)
    kmaps = ls(os.path.join(tmp, "bpffs", "kc_maps"))
    kname = next((m for m in kmaps if m.endswith("kconfig")), None)
    rc, doc, out, err = run_json("map", "dump", "pinned", f"/sys/fs/bpf/kc_maps/{kname}") if kname else (1, None, "", str(kmaps))
    check("map dump .kconfig: CONFIG_HZ=250 at offset 8", rc == 0 and isinstance(doc, list) and len(doc) == 1
          and doc[0]["value"][8:12] == le("I", 250), out + err)


def section_subprog_xlated():
    """dump xlated of programs with subprograms and callbacks: calls and callback addresses
    in bpftool's spelling for a program without jited symbols ("call pc+N" from off,
    "subprog[+N]" from imm); each must land on the first instruction of a function whose
    signature the dump prints."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(ub)))
    progs = os.path.join(build, "tests", "progs")
    if not os.path.exists(os.path.join(progs, "subprogs.bpf.o")):
        skip("dump xlated subprograms: no tests/progs objects in the build")
        return
    for obj, prog, what in (("subprogs", "calc_a", "call"), ("callbacks", "loop_sum", "subprog")):
        rc, out, err = run("prog", "loadall", os.path.join(progs, f"{obj}.bpf.o"), f"/sys/fs/bpf/x_{obj}")
        rc2, dump, err2 = run("prog", "dump", "xlated", "pinned", f"/sys/fs/bpf/x_{obj}/{prog}")
        lines = dump.split("\n")
        starts = set()  # insns that follow a signature line
        for i, l in enumerate(lines):
            if l.endswith("):") and not l.startswith(";"):
                nxt = next((x for x in lines[i + 1:] if re.match(r"^\s*\d+: ", x)), "")
                starts.add(int(nxt.split(":")[0]))
        targets = []
        for l in lines:
            m = re.match(r"^\s*(\d+): \(85\) call pc([+-]\d+)$", l)
            if m:
                targets.append(int(m.group(1)) + int(m.group(2)) + 1)
            m = re.match(r"^\s*(\d+): \(18\) r\d = subprog\[([+-]\d+)\]$", l)
            if m:
                targets.append(int(m.group(1)) + int(m.group(2)) + 1)
        found = [t for t in targets if t in starts]
        check(f"dump xlated {obj}/{prog}: {what} targets are functions", rc == rc2 == 0 and targets
              and found == targets and (what + " pc" if what == "call" else "subprog[") in dump,
              f"{targets} {sorted(starts)}\n{dump[:1500]}{err}{err2}")


hash_id = 0
for section in (section_maps, section_feature, section_objects, section_corpus, section_target_btf_kconfig,
                section_subprog_xlated):
    try:
        section()
    except Exception as e:  # a broken answer must not hide the other sections
        import traceback
        check(f"{section.__name__} raised", False, traceback.format_exc())

print(f"cli: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
