#!/usr/bin/env python3
"""End-to-end tests of the userbpf command line: real processes, real files.

usage: test_cli.py USERBPF_BINARY SOURCE_DIR SHARED_DIR
Prints one line per failure and a closing 'N passed, M failed' line; exit 1 on failure.
"""
import glob
import os
import subprocess
import sys
import tempfile

ub, src, shared = sys.argv[1], sys.argv[2], sys.argv[3]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def run(*args, stdin=None):
    p = subprocess.run([ub, *args], input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


ex = os.path.join(src, "examples")
tmp = tempfile.mkdtemp(prefix="userbpf-cli-")

# The quick-start job: the checksum verifier says 1 for the good frame, 0 for the bad one.
rc, out, err = run("run", f"{ex}/ipv4_csum.s", "data_in", f"{ex}/ipv4_udp.bin", "repeat", "10")
check("run valid frame", rc == 0 and out.startswith("Return value: 1, duration (average): "), out + err)
rc, out, err = run("run", f"{ex}/ipv4_csum.s", "data_in", f"{ex}/ipv4_udp_bad.bin")
check("run corrupted frame", rc == 0 and out.startswith("Return value: 0, duration: "), out + err)
rc, out, err = run("run", f"{ex}/ipv4_csum.s", "mem", "00")
check("run short input", rc == 0 and out.startswith(f"Return value: {2**32 - 1},"), out + err)  # retval is u32, as the kernel's

# asm -> raw -> disasm --no-index -> asm again: identical bytes.
b1, b2, txt = f"{tmp}/a.bin", f"{tmp}/b.bin", f"{tmp}/a.s"
rc1, _, e1 = run("asm", f"{ex}/ipv4_csum.s", "-o", b1)
rc2, listing, e2 = run("disasm", b1, "--no-index")
open(txt, "w").write(listing)
rc3, _, e3 = run("asm", txt, "-o", b2)
same = rc1 == rc2 == rc3 == 0 and open(b1, "rb").read() == open(b2, "rb").read()
check("asm/disasm file round trip", same, e1 + e2 + e3)
check("raw size", rc1 == 0 and os.path.getsize(b1) == 35 * 8, str(os.path.getsize(b1)))

# Every conformance vector through the plugin protocol (program hex on stdin).
vectors = sorted(glob.glob(os.path.join(shared, "conformance", "*.data")))
skipped = 0
if not os.path.isdir(os.path.join(shared, "conformance")):
    print(f"SKIPPED plugin conformance vectors: {shared}/conformance not found")
    skipped = 1
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
if not skipped:
    check("conformance vectors found", len(vectors) == 313, str(len(vectors)))

# Bad input: a clear message naming what and where, non-zero exit, never a crash.
def bad(name, args, stdin, needle):
    rc, out, err = run(*args, stdin=stdin)
    check(name, rc not in (0, None) and rc < 128 and needle in err, f"rc={rc} err={err!r}")

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
rc, out, err = run("frobnicate")
check("unknown command", rc == 2 and "unknown command" in err, err)
rc, out, err = run("--help")
check("help", rc == 0 and "plugin" in out and "disasm" in out, out)

print(f"cli: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
