#!/usr/bin/env bash
# Short fuzzing run for CI: build the libFuzzer targets (fuzz preset, build/fuzz) if needed,
# then run each one for a bounded time over a scratch copy of its seed corpus.
# Exits non-zero if a target crashes, leaks or trips an invariant; the reproducer is kept in
# the artifact directory printed at the end.
#
#   FUZZ_SECONDS=20   seconds per target
#   FUZZ_TARGETS="fuzz_isa fuzz_asm fuzz_elf"
#   FUZZ_ARTIFACTS=dir where crashing inputs go (default: a temp dir, kept on failure)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) || root=$(cd "$here/.." && pwd)
shared="$root/../shared"
build="$root/build/fuzz"
seconds=${FUZZ_SECONDS:-20}
targets=${FUZZ_TARGETS:-"fuzz_isa fuzz_asm fuzz_elf"}

if [[ ! -f "$build/build.ninja" ]]; then
	(cd "$root" && cmake --preset fuzz)
fi
cmake --build "$build" --target $targets

work=$(mktemp -d)
artifacts=${FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$artifacts"
trap 'rm -rf "$work/corpus"' EXIT

# One "-- raw" section (64-bit little-endian words, one per line) to raw instruction bytes.
raw_to_bin()
{
	awk '/^--/ { raw = ($0 ~ /^-- raw/) } raw && /^0x/ { print substr($1, 3) }' "$1" |
		while read -r word; do
			word=$(printf '%016s' "$word" | tr ' ' 0)
			for i in 14 12 10 8 6 4 2 0; do
				printf "\\x${word:$i:2}"
			done
		done
}

# Seeds: the corpus in the tree, plus (fuzz_isa) the conformance programs when shared/ is
# there. They are generated here, not stored, because shared/ must not be copied in.
seed()
{
	local target=$1 dir=$2 name=${1#fuzz_}
	mkdir -p "$dir"
	cp "$root/fuzz/corpus/$name/"* "$dir/" 2>/dev/null || true
	# fuzz_elf: the clang-built test objects (tests/progs), compiled here like the build does
	if [[ $target == fuzz_elf ]] && command -v clang >/dev/null; then
		local multiarch
		multiarch=$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
		for f in "$root/tests/progs/"*.bpf.c; do
			clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include \
				-I"/usr/include/$multiarch" -I"$root/tests/progs" -c "$f" \
				-o "$dir/$(basename "$f" .c).o" 2>/dev/null || true
		done
	fi
	if [[ $target == fuzz_isa && -d "$shared/conformance" ]]; then
		for f in "$shared/conformance/"*.data; do
			raw_to_bin "$f" >"$dir/conf_$(basename "$f" .data)"
		done
	fi
}

status=0
for target in $targets; do
	corpus="$work/corpus/$target"
	seed "$target" "$corpus"
	echo "== $target: ${seconds}s over $(ls "$corpus" | wc -l) seeds"
	if ! "$build/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$corpus" \
		>"$work/$target.log" 2>&1; then
		status=1
		echo "!! $target failed:"
		grep -E -A40 'ERROR:|invariant violated|SUMMARY|Test unit written' "$work/$target.log" |
			head -80 || true
	fi
	grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
		"$work/$target.log" || true
done

if [[ $status -ne 0 ]]; then
	echo "crashing inputs and logs: $artifacts ($work)"
else
	rm -rf "$work"
fi
exit $status
