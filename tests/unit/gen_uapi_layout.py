#!/usr/bin/env python3
"""Regenerate tests/unit/uapi_sys_layout.h, the expected-layout fixture of test_uapi_layout.c.

Reads the system's <linux/bpf.h> and <linux/bpf_common.h>, lists every struct/union member,
named enum, enum constant and object-like numeric macro there, writes a throwaway C program that
prints their sizeof/offsetof/alignment/value as compiled against the *system* header, builds and
runs it, and writes the numbers as X-macro tables. It also lists the names the seed header
(shared/seeds/003_*.txt) defines by enum or #define, whose values the test reads from the seed
itself at run time.

Usage: tests/unit/gen_uapi_layout.py [SEED] > tests/unit/uapi_sys_layout.h
Not a test itself (only tests/unit/test_*.c are); run it by hand when the system header changes.
"""
import os
import re
import subprocess
import sys
import tempfile

SYS_BPF = "/usr/include/linux/bpf.h"
SYS_COMMON = "/usr/include/linux/bpf_common.h"
HERE = os.path.dirname(os.path.abspath(__file__))
SEED = (sys.argv[1] if len(sys.argv) > 1 else
        os.path.join(HERE, "..", "..", "..", "shared", "seeds", "003_bfb8c1ac8147b9f3.txt"))


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def tokens(text):
    # Drop preprocessor lines, keep the declarations.
    body = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("#"))
    body = re.sub(r"\\\n", " ", body)
    return re.findall(r"[A-Za-z_]\w*|0x[0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|\S", body)


def skip_attr(t, i):
    """t[i] == '__attribute__': skip it and its balanced parentheses."""
    i += 1
    depth = 0
    while True:
        if t[i] == "(":
            depth += 1
        elif t[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def parse_block(t, i, prefix, out):
    """Parse members after '{' at t[i] until the matching '}'. Appends (path, kind) to out."""
    while t[i] != "}":
        stmt = []
        nested = None
        while t[i] != ";":
            if t[i] == "__attribute__":
                i = skip_attr(t, i)
                continue
            if t[i] == "{":
                nested = []
                i = parse_block(t, i + 1, None, nested)
                i += 1  # past '}'
                continue
            stmt.append(t[i])
            i += 1
        i += 1  # past ';'
        if nested is not None:
            # struct/union { ... } [name]; (the header never tags nested aggregates)
            name = stmt[1] if len(stmt) == 2 else None
            for path, kind in nested:
                full = (name + "." + path) if name else path
                out.append((full, kind))
            if name:
                out.append((name, "member"))
            continue
        if stmt and stmt[0] == "__bpf_md_ptr":
            out.append((stmt[-2], "member"))
            continue
        if ":" in stmt:
            k = stmt.index(":")
            if k >= 2:
                out.append((stmt[k - 1], "bitfield"))
            continue  # anonymous padding bitfield
        if "[" in stmt:
            k = stmt.index("[")
            out.append((stmt[k - 1], "flex" if stmt[k + 1] == "]" else "member"))
            continue
        out.append((stmt[-1], "member"))
    return i


def parse_header(text):
    t = tokens(strip_comments(text))
    aggs, enums, consts = [], [], []
    i = 0
    while i < len(t):
        if t[i] in ("struct", "union") and i + 2 < len(t) and t[i + 2] == "{":
            name = t[i] + " " + t[i + 1]
            members = []
            i = parse_block(t, i + 3, None, members)
            aggs.append((name, members))
            i += 1
            continue
        if t[i] == "enum" and (t[i + 1] == "{" or t[i + 2] == "{"):
            if t[i + 1] != "{":
                enums.append("enum " + t[i + 1])
                i += 1
            i += 2
            expect_name = True
            depth = 0
            while not (t[i] == "}" and depth == 0):
                if t[i] == "(":
                    depth += 1
                elif t[i] == ")":
                    depth -= 1
                elif t[i] == "," and depth == 0:
                    expect_name = True
                elif expect_name and depth == 0 and re.match(r"[A-Za-z_]", t[i]) and t[i + 1] != "(":
                    consts.append(t[i])
                    expect_name = False
                i += 1
        i += 1
    return aggs, enums, consts


def object_macros(text):
    names = []
    for line in strip_comments(text).split("\n"):
        m = re.match(r"\s*#\s*define\s+(\w+)\s+(\S.*)$", line)
        if not m or m.group(1).startswith("_"):
            continue
        names.append(m.group(1))
    return names


def seed_names(path):
    """Names defined by enum or #define in the seed's declarations (its text is cut short)."""
    text = open(path, encoding="utf-8", errors="replace").read()
    text = text[text.index("#ifndef _UAPI__LINUX_BPF_H__"):]
    _, _, consts = parse_header(text)
    macros = [m for m in object_macros(text) if m not in ("MAX_BPF_REG", "MAX_BPF_ATTACH_TYPE",
                                                          "MAX_BPF_LINK_TYPE", "BPF_F_LINK")]
    return consts, macros


def main():
    sys_text = open(SYS_COMMON).read() + "\n" + open(SYS_BPF).read()
    aggs, enums, consts = parse_header(sys_text)
    macros = [m for m in object_macros(sys_text) if m not in consts]
    # enum bpf_func_id is generated from the helper list macro: list its constants too.
    mapper = re.search(r"#define __BPF_FUNC_MAPPER\(FN\)(.*?)\n\s*\n", sys_text, re.S)
    consts += ["BPF_FUNC_" + n for n in re.findall(r"FN\((\w+)", mapper.group(1))]

    c = ["#include <stddef.h>", "#include <stdio.h>", "#include <string.h>",
         "#include <linux/bpf.h>", "",
         "static void bits(const unsigned char *p, size_t n, const char *t, const char *m)",
         "{", "\tsize_t first = 0;", "\tunsigned long long mask = 0;",
         "\twhile (first < n && !p[first])", "\t\tfirst++;",
         "\tfor (size_t k = 0; k < 8 && first + k < n; k++)",
         "\t\tmask |= (unsigned long long)p[first + k] << (8 * k);",
         '\tprintf("\\tX(%s, %s, %zu, 0x%llxULL) \\\\\\n", t, m, first, mask);', "}", "",
         "int main(void)", "{", "\tvolatile unsigned long long all = ~0ULL;", "\t(void)all;"]
    c.append('\tputs("#define USERBPF_SYS_SIZES(X) \\\\");')
    for name, _ in aggs:
        c.append('\tprintf("\\tX(%s, %%zu, %%zu) \\\\\\n", sizeof(%s), _Alignof(%s));' % (name, name, name))
    for name in enums:
        c.append('\tprintf("\\tX(%s, %%zu, %%zu) \\\\\\n", sizeof(%s), _Alignof(%s));' % (name, name, name))
    c.append('\tputs("\\n#define USERBPF_SYS_OFFSETS(X) \\\\");')
    for name, members in aggs:
        for path, kind in members:
            if kind == "member":
                c.append('\tprintf("\\tX(%s, %s, %%zu, %%zu) \\\\\\n", offsetof(%s, %s), '
                         'sizeof(((%s *)0)->%s));' % (name, path, name, path, name, path))
    c.append('\tputs("\\n#define USERBPF_SYS_FLEX(X) \\\\");')
    for name, members in aggs:
        for path, kind in members:
            if kind == "flex":
                c.append('\tprintf("\\tX(%s, %s, %%zu) \\\\\\n", offsetof(%s, %s));'
                         % (name, path, name, path))
    c.append('\tputs("\\n#define USERBPF_SYS_BITFIELDS(X) \\\\");')
    for name, members in aggs:
        for path, kind in members:
            if kind == "bitfield":
                c.append("\t{ %s o; memset(&o, 0, sizeof(o)); o.%s = all; "
                         "bits((const unsigned char *)&o, sizeof(o), \"%s\", \"%s\"); }"
                         % (name, path, name, path))
    c.append('\tputs("\\n#define USERBPF_SYS_VALUES(X) \\\\");')
    for n in consts + macros:
        c.append('\tprintf("\\tX(%s, %%lldLL) \\\\\\n", (long long)(%s));' % (n, n))
    c.append('\tputs("");')
    c.append("\treturn 0;")
    c.append("}")

    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "gen.c")
        exe = os.path.join(d, "gen")
        open(src, "w").write("\n".join(c) + "\n")
        subprocess.check_call(["cc", "-std=gnu11", "-Wall", "-o", exe, src])
        table = subprocess.check_output([exe]).decode()

    s_consts, s_macros = seed_names(SEED)
    print("/* Generated by tests/unit/gen_uapi_layout.py from this system's <linux/bpf.h>")
    print(" * (linux-libc-dev %s): the expected numbers for test_uapi_layout.c. Do not edit."
          % libc_dev_version())
    print(" *")
    print(" * USERBPF_SYS_SIZES      X(type, sizeof, _Alignof)")
    print(" * USERBPF_SYS_OFFSETS    X(type, member, offsetof, sizeof member)")
    print(" * USERBPF_SYS_FLEX       X(type, member, offsetof) for flexible array members")
    print(" * USERBPF_SYS_BITFIELDS  X(type, member, first byte, bits of the 8 bytes from there)")
    print(" * USERBPF_SYS_VALUES     X(name, value) for enum constants and numeric macros")
    print(" * USERBPF_SEED_NAMES     X(name): enum constants and macros the seed header defines;")
    print(" *                        their values are read from the seed by the test itself.")
    print(" */")
    print("#ifndef USERBPF_TEST_UAPI_SYS_LAYOUT_H")
    print("#define USERBPF_TEST_UAPI_SYS_LAYOUT_H")
    print()
    print(re.sub(r" \\\n(\n|$)", r"\n\1", table.rstrip("\n") + "\n"))
    print("#define USERBPF_SEED_NAMES(X) \\")
    names = list(dict.fromkeys(s_consts + s_macros))
    for k, n in enumerate(names):
        print("\tX(%s)%s" % (n, " \\" if k + 1 < len(names) else ""))
    print()
    print("#endif")


def libc_dev_version():
    try:
        return subprocess.check_output(["dpkg-query", "-W", "-f=${Version}", "linux-libc-dev"],
                                       stderr=subprocess.DEVNULL).decode()
    except (OSError, subprocess.CalledProcessError):
        return "unknown version"


if __name__ == "__main__":
    main()
