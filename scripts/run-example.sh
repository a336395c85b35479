#!/usr/bin/env bash
# The main job: build userbpf (release), then load the example program as a tc classifier —
# BPF_PROG_LOAD runs the verifier — and run it with BPF_PROG_TEST_RUN on example frames. The
# program checks the IPv4 header checksum of an Ethernet frame with direct packet access.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
cmake --preset release -S "$top" >/dev/null
cmake --build "$top/build/release" --target userbpf_cli >/dev/null
ub="$top/build/release/tools/userbpf"
ex="$top/examples"
echo "== program (examples/ipv4_csum.s, as assembled and disassembled) =="
"$ub" asm "$ex/ipv4_csum.s" -o "$top/build/release/ipv4_csum.bin"
"$ub" disasm "$top/build/release/ipv4_csum.bin"
echo "== run on examples/ipv4_udp.bin (valid checksum: expect 1) =="
"$ub" run "$ex/ipv4_csum.s" type sched_cls data_in "$ex/ipv4_udp.bin" repeat 1000
echo "== run on examples/ipv4_udp_bad.bin (corrupted checksum: expect 0) =="
"$ub" run "$ex/ipv4_csum.s" type sched_cls data_in "$ex/ipv4_udp_bad.bin"
echo "== run on examples/arp.bin (not IPv4: expect 4294967295, i.e. -1 as the u32 retval) =="
"$ub" run "$ex/ipv4_csum.s" type sched_cls data_in "$ex/arp.bin"
