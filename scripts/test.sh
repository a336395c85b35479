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
# Threaded code under ThreadSanitizer (an -O2 build of the whole tree, which also catches
# warnings only the optimiser sees): the interpreter's concurrent runs and atomics, the
# maps hammered by threads and processes, fd/close handling, and spin-lock helpers.
cmake --preset tsan -S "$top" >/dev/null
cmake --build "$top/build/tsan"
for t in test_vm test_sys_bpf test_sys_prog test_sys_rules test_helpers_run test_map_hash test_map_array \
	test_map_queue test_map_lpm test_map_ringbuf test_map_perf test_sys_regtab test_map_array_inline; do
	echo "== ThreadSanitizer: $t =="
	TSAN_OPTIONS="halt_on_error=1" "$top/build/tsan/tests/$t" | tail -n 1
done
if [ -x "$top/scripts/fuzz-smoke.sh" ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-15} "$top/scripts/fuzz-smoke.sh"
fi
