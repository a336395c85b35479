#!/usr/bin/env bash
# The main job: build userbpf (release) and load, check and run the example program on
# the example packet: an IPv4 header checksum verifier over an Ethernet frame.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
cmake --preset release -S "$top" >/dev/null
cmake --build "$top/build/release" --target userbpf_cli >/dev/null
ub="$top/build/release/tools/userbpf"
echo "== program (examples/ipv4_csum.s, as assembled and disassembled) =="
"$ub" asm "$top/examples/ipv4_csum.s" -o "$top/build/release/ipv4_csum.bin"
"$ub" disasm "$top/build/release/ipv4_csum.bin"
echo "== run on examples/ipv4_udp.bin (valid checksum: expect 1) =="
"$ub" run "$top/examples/ipv4_csum.s" data_in "$top/examples/ipv4_udp.bin" repeat 1000
echo "== run on examples/ipv4_udp_bad.bin (corrupted checksum: expect 0) =="
"$ub" run "$top/examples/ipv4_csum.s" data_in "$top/examples/ipv4_udp_bad.bin"
