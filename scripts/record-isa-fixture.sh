#!/usr/bin/env bash
# Record the host kernel's verdict on every case in tests/fixtures/isa_cases.txt into
# tests/fixtures/isa_errors.txt ("name: words => OK" or "=> ERR errno message").
# Needs root and a kernel with bpf(); the test suite reads the recording.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O1 -o "$tmp/kload" "$top/tests/oracle/kload.c"
out="$top/tests/fixtures/isa_errors.txt"
{
	echo "# Recorded from the host kernel ($(uname -r)) by scripts/record-isa-fixture.sh; do not edit."
	echo "# name: words => OK | ERR <errno> <kernel's error line>"
	grep -v '^#' "$top/tests/fixtures/isa_cases.txt" | grep -v '^\s*$' | while IFS= read -r line; do
		name=${line%%:*}
		words=${line#*:}
		verdict=$(printf '%s\n' $words | "$tmp/kload" || true)
		echo "$name:$words => $verdict"
	done
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(grep -vc '^#' "$out") cases)"
