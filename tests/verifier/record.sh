#!/bin/sh
# record.sh — record the host kernel's answers for the verifier corpus (tests/verifier/README.md).
#
#   tests/verifier/record.sh [-n] [-v] [-l] [NAME|GROUP/ ...]
#
# Builds the recorder in build/record-verifier (plain build, no sanitizers) and runs it as
# root: each selected case is loaded into the running kernel with its maps and BTF, and the
# verdict, errno, error line, processed count (and whole log for log_full cases) are written
# to tests/verifier/expected/GROUP.txt; the whole logs at log_level 1 and 2 of every case with
# the default log setup go to tests/verifier/expected/logs/GROUP.level{1,2}.log. With no
# names, every case is recorded. -n: dry run; -v: print every case; -l: only the whole logs.
# Cases whose "want" directive the kernel contradicts are listed: fix the case.
# Then regenerate the expected-failure lists (xfail.txt, xfail_logs.txt) with the harness:
#   build/<you>/tests/verifier/test_verifier_corpus --write-xfail
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/build/record-verifier"
if [ "$(id -u)" != 0 ]; then
	echo "record.sh: recording needs root (bpf() with CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)" >&2
	exit 1
fi
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUSERBPF_BENCH=OFF >/dev/null
ninja -C "$build" verifier_record >/dev/null
exec "$build/tests/verifier/verifier_record" -d "$here" "$@"
