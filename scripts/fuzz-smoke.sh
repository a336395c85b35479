#!/usr/bin/env bash
# Short fuzzing run for CI: build the libFuzzer targets (fuzz preset, build/fuzz) if needed,
# then run each one for a bounded time over a scratch copy of its seed corpus.
# Exits non-zero if a target crashes, leaks or trips an invariant; the reproducer is kept in
# the artifact directory printed at the end.
#
#   FUZZ_SECONDS=20   seconds per target, at most
#   FUZZ_BUDGET=50    seconds of fuzzing in all (split between the targets; ~25 s more
#                     go to building seeds and replaying them: ~75 s in all)
#   FUZZ_TARGETS="fuzz_isa fuzz_asm fuzz_elf fuzz_verifier fuzz_btf"  (also: fuzz_verifier_load)
#   FUZZ_ARTIFACTS=dir where crashing inputs go (default: a temp dir, kept on failure)
#   FUZZ_BUILD=dir     the fuzz build (default build/fuzz, the fuzz preset)
#   FUZZ_SEED_STRIDE=3 fuzz_verifier keeps one seed in 3 (1: all 866, for long runs)
# fuzz_verifier's known, filed findings (fuzz/verifier_known.txt) are counted, not fatal:
# tests/unit/test_fuzz_regress.c replays their reproducers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) || root=$(cd "$here/.." && pwd)
shared="$root/../shared"
build=${FUZZ_BUILD:-"$root/build/fuzz"}
seconds=${FUZZ_SECONDS:-20}
targets=${FUZZ_TARGETS:-"fuzz_isa fuzz_asm fuzz_elf fuzz_verifier fuzz_btf"}
# The whole smoke stays within about 75 s: FUZZ_BUDGET seconds of fuzzing shared by the
# targets (plus ~25 s of building and replaying the seeds), at most FUZZ_SECONDS each.
budget=${FUZZ_BUDGET:-50}
ntargets=$(wc -w <<<"$targets")
if ((ntargets > 0 && budget / ntargets < seconds)); then
	seconds=$((budget / ntargets))
fi
((seconds >= 1)) || seconds=1

if [[ ! -f "$build/build.ninja" ]]; then
	(cd "$root" && cmake --preset fuzz)
fi
tools=""
[[ " $targets " == *" fuzz_verifier"* ]] && tools=fuzz_verifier_tool
cmake --build "$build" --target $targets $tools

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

# The clang-built test objects (tests/progs), compiled once, as the build does: seeds for
# fuzz_elf (the objects), fuzz_verifier (their programs) and fuzz_btf (their .BTF).
objs_built=0
build_objs()
{
	[[ $objs_built == 1 ]] && return 0
	objs_built=1
	mkdir -p "$work/objs"
	command -v clang >/dev/null || return 0
	local multiarch
	multiarch=$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
	for f in "$root/tests/progs/"*.bpf.c; do
		clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include \
			-I"/usr/include/$multiarch" -I"$root/tests/progs" -c "$f" \
			-o "$work/objs/$(basename "$f" .c).o" 2>/dev/null || true
	done
}

# fuzz_btf's header (fuzz/fb_exec.h): log level, then type-id selectors, then a value size.
btf_seed()
{
	local obj=$1 out=$2 i=$3
	local objcopy
	objcopy=$(command -v llvm-objcopy || command -v llvm-objcopy-14 || true)
	[[ -n $objcopy ]] || return 0
	"$objcopy" --dump-section .BTF="$out.raw" "$obj" "$out.tmp" 2>/dev/null || return 0
	for v in $((i % 3)) $((i * 7 % 256)) $((i * 13 % 256)) $((i * 29 % 256)) $((i * 5 % 256)) 8; do
		printf "\\x$(printf %02x "$v")"
	done >"$out"
	cat "$out.raw" >>"$out"
	rm -f "$out.raw" "$out.tmp"
}

# Seeds: the corpus in the tree, plus (fuzz_isa) the conformance programs when shared/ is
# there. They are generated here, not stored, because shared/ must not be copied in.
seed()
{
	local target=$1 dir=$2 name=${1#fuzz_}
	mkdir -p "$dir"
	cp "$root/fuzz/corpus/$name/"* "$dir/" 2>/dev/null || true
	case $target in
	fuzz_elf)
		build_objs
		cp "$work/objs/"*.o "$dir/" 2>/dev/null || true
		;;
	fuzz_verifier | fuzz_verifier_load)
		# every case of the verifier corpus, and every program of the test objects
		build_objs
		"$build/fuzz/fuzz_verifier_tool" seeds "$root/tests/verifier" "$dir" >/dev/null
		"$build/fuzz/fuzz_verifier_tool" objs "$dir" "$work/objs/"*.o >/dev/null 2>&1 || true
		# libFuzzer replays every seed before its clock starts (~10 ms each here): a
		# short run keeps one in FUZZ_SEED_STRIDE (default 3) to stay within its time
		local stride=${FUZZ_SEED_STRIDE:-3}
		if [[ $stride -gt 1 ]]; then
			ls "$dir" | awk -v s="$stride" 'NR % s != 1' | (cd "$dir" && xargs -r rm -f)
		fi
		;;
	fuzz_btf)
		build_objs
		local i=0
		for o in "$work/objs/"*.o; do
			i=$((i + 1))
			btf_seed "$o" "$dir/btf_$(basename "$o" .bpf.o)" $i
		done
		;;
	fuzz_isa)
		if [[ -d "$shared/conformance" ]]; then
			for f in "$shared/conformance/"*.data; do
				raw_to_bin "$f" >"$dir/conf_$(basename "$f" .data)"
			done
		fi
		;;
	esac
}

# Known findings fuzz_verifier reports but does not abort on (filed, replayed by
# test_fuzz_regress): one description substring per line in fuzz/verifier_known.txt.
known=""
if [[ -f "$root/fuzz/verifier_known.txt" ]]; then
	known=$(grep -v '^#' "$root/fuzz/verifier_known.txt" | grep -v '^$' | paste -sd '|' || true)
fi
export FUZZ_VERIFIER_IGNORE="${FUZZ_VERIFIER_IGNORE:-$known}"

status=0
for target in $targets; do
	corpus="$work/corpus/$target"
	seed "$target" "$corpus"
	echo "== $target: ${seconds}s over $(ls "$corpus" | wc -l) seeds"
	# a verifier load can legitimately walk to the 1M-insn limit: 20-40 s in this build
	timeout=5
	[[ $target == fuzz_verifier* ]] && timeout=90
	if ! "$build/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=3072 \
		-timeout=$timeout -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$target-" "$corpus" >"$work/$target.log" 2>&1; then
		status=1
		echo "!! $target failed:"
		grep -E -A40 'ERROR:|invariant violated|finding:|SUMMARY|Test unit written' "$work/$target.log" |
			head -80 || true
	fi
	grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|^fuzz_verifier: [0-9]' \
		"$work/$target.log" || true
done

if [[ $status -ne 0 ]]; then
	echo "crashing inputs and logs: $artifacts ($work)"
else
	rm -rf "$work"
fi
exit $status
