#!/usr/bin/env bash
# The full test suite: ASan+UBSan debug build, every CTest test (unit, conformance,
# kernel-oracle — those skip visibly without bpf()), CLI end-to-end checks, and a short
# fuzz smoke run. Exit status is non-zero if anything fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
cmake --preset debug -S "$top" >/dev/null
cmake --build "$top/build/debug"
ctest --test-dir "$top/build/debug" --output-on-failure -j2
if [ -x "$top/scripts/fuzz-smoke.sh" ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-15} "$top/scripts/fuzz-smoke.sh"
fi
