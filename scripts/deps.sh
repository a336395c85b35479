#!/usr/bin/env bash
# Install the Debian packages userbpf needs to build and test, if any are missing.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail
# clang + llvm build tests/progs (-target bpf); libbpf-dev gives the loader libbpf's BTF API
# and the programs <bpf/bpf_helpers.h>; linux-libc-dev their <linux/bpf.h>; libelf-dev the ELF.
pkgs=(build-essential cmake ninja-build pkg-config clang llvm libcmocka-dev libelf-dev
      libbpf-dev linux-libc-dev libpcap-dev zlib1g-dev clang-format python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
