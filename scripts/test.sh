#!/usr/bin/env bash
# The full test suite: ASan+UBSan debug build, every CTest test (unit, conformance,
# kernel-oracle — those skip visibly without bpf()), CLI end-to-end checks, the threaded
# tests under ThreadSanitizer, and a short fuzz smoke run. Exit status is non-zero if anything fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
cmake --preset debug -S "$top" >/dev/null
cmake --build "$top/build/debug"
ctest --test-dir "$top/build/debug" --output-on-failure -j2
# Threaded code under ThreadSanitizer: the interpreter's concurrent runs and atomics.
cmake --preset tsan -S "$top" >/dev/null
cmake --build "$top/build/tsan" --target test_vm
echo "== ThreadSanitizer: test_vm =="
TSAN_OPTIONS="halt_on_error=1" "$top/build/tsan/tests/test_vm" | tail -n 3
if [ -x "$top/scripts/fuzz-smoke.sh" ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-15} "$top/scripts/fuzz-smoke.sh"
fi
