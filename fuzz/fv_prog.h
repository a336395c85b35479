/* fv_prog.h — fuzz_verifier's input: one BPF program with the maps it uses, its functions'
 * BTF description and its load flags, as bytes; and the harness that loads it through
 * userbpf_sys_bpf(BPF_PROG_LOAD) and, when it verifies, runs it with BPF_PROG_TEST_RUN in the
 * guarded engine, where any access the verifier should have refused stops the run.
 *
 * Byte format (little-endian; every field is normalised, so any bytes decode to something):
 *   header, 8 bytes:  type  flags  nr_maps  nr_funcs  seed  runs  0  0
 *   nr_maps  x 8:     kind  map_flags  key_size  lock_off  value_size(u16)  max_entries(u16)
 *   nr_funcs x 4:     global  nr_args  arg_kinds(u16, 2 bits per argument: int, ptr, ctx)
 *   the rest:         struct bpf_insn, 8 bytes each (a trailing partial one is dropped)
 * Programs name map N as ld_imm64 src_reg BPF_PSEUDO_MAP_IDX / _IDX_VALUE imm N (the maps go
 * in fd_array); the harness reduces any map-referencing imm modulo nr_maps.
 *
 * Used by fuzz_verifier (libFuzzer), fuzz_verifier_tool (seeds from the corpus and the
 * tests/progs objects, triage against the host kernel) and tests/unit/test_fuzz_regress.c
 * (replays tests/fixtures/fuzz/verifier/), so a finding reproduces the same way everywhere.
 */
#ifndef USERBPF_FUZZ_FV_PROG_H
#define USERBPF_FUZZ_FV_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <userbpf/userbpf.h>

#define FV_HDR_SIZE 8
#define FV_MAP_SIZE 8
#define FV_FUNC_SIZE 4
#define FV_MAX_MAPS 6
#define FV_MAX_FUNCS 16
#define FV_MAX_INSNS 4608 /* the corpus' long programs (4096-insn repeats) still fit */
#define FV_MAX_ARGS 5

/* The program types a program can be loaded as (header byte 0, modulo the count). */
struct fv_type {
	uint32_t prog_type, attach_type;
	const char *name;
	enum { FV_RUN_NONE, FV_RUN_PKT, FV_RUN_ARGS, FV_RUN_CTX, FV_RUN_SK_LOOKUP } run;
	const char *ctx_struct; /* the struct name the kernel matches a ctx argument against */
};
extern const struct fv_type fv_types[];
extern const unsigned fv_nr_types;

/* Map kinds (a small fixed set; parameters come from the input, clamped). */
enum fv_map_kind {
	FV_MAP_ARRAY,
	FV_MAP_HASH,
	FV_MAP_RINGBUF,
	FV_MAP_RODATA, /* one-entry array, BPF_F_RDONLY_PROG, filled and frozen (.rodata) */
	FV_MAP_PROG_ARRAY,
	FV_MAP_PERCPU_ARRAY,
	FV_MAP_LRU_HASH,
	FV_MAP_QUEUE,
	FV_MAP_STACK,
	FV_MAP_KINDS
};
enum fv_map_flag {
	FV_MF_NO_PREALLOC = 1 << 0, /* hash kinds */
	FV_MF_MMAPABLE = 1 << 1,    /* arrays */
	FV_MF_RDONLY_PROG = 1 << 2,
	FV_MF_WRONLY_PROG = 1 << 3,
	FV_MF_FREEZE = 1 << 4,
	FV_MF_FILL = 1 << 5, /* contents from the seed before the load */
};
#define FV_NO_LOCK 0xff /* lock_off: no struct bpf_spin_lock in the value */

enum fv_flag {
	FV_F_LOG_MASK = 3,          /* log level 0, 1, 2 (3 reads as 2 with BPF_LOG_STATS) */
	FV_F_SMALL_LOG = 1 << 2,    /* a 256-byte log buffer: rotation, ENOSPC */
	FV_F_STRICT_ALIGN = 1 << 3, /* BPF_F_STRICT_ALIGNMENT */
	FV_F_NO_INLINE = 1 << 4,    /* USERBPF_NO_INLINE=1 at load: helper calls kept */
	FV_F_STATE_FREQ = 1 << 5,   /* BPF_F_TEST_STATE_FREQ: a checkpoint at every insn */
	FV_F_UNPRIV = 1 << 6,       /* USERBPF_UNPRIVILEGED=1 at load */
	FV_F_PROPRIETARY = 1 << 7,  /* license "Proprietary" (gpl_only helpers refused) */
};

enum fv_arg { FV_ARG_INT, FV_ARG_PTR, FV_ARG_CTX };

struct fv_map {
	uint8_t kind, flags, key_size, lock_off;
	uint16_t value_size, max_entries;
};
struct fv_func {
	uint8_t global, nr_args;
	uint16_t kinds; /* enum fv_arg, 2 bits per argument */
};

struct fv_prog {
	uint8_t type, flags, seed, runs;
	uint8_t nr_maps, nr_funcs;
	struct fv_map maps[FV_MAX_MAPS];
	struct fv_func funcs[FV_MAX_FUNCS];
	struct bpf_insn *insns; /* malloc'd, exactly cnt (so ASan sees reads past the end) */
	uint32_t cnt;
};

/* Bytes → program (normalised). Returns 0, or -1 when the bytes are too short for their
 * header or hold more than FV_MAX_INSNS instructions. fv_prog_free frees insns. */
int fv_prog_decode(const uint8_t *data, size_t size, struct fv_prog *p);
void fv_prog_free(struct fv_prog *p);
/* Program → bytes (malloc'd, *len). Writes the normalised fields. */
uint8_t *fv_prog_encode(const struct fv_prog *p, size_t *len);
/* Clamp every field into range (decode does it; the mutator and the seed tool call it). */
void fv_prog_normalize(struct fv_prog *p);
/* A readable description: type, flags, maps, funcs, the instructions. */
void fv_prog_dump(const struct fv_prog *p, FILE *out);

/* BTF for func_info and spin-lock values (fv_btf.c): a malloc'd raw blob. func_ids[i] is
 * funcs[i]'s FUNC id, val_ids[m] map m's value struct id (0: none), *int_id the int's. */
void *fv_btf_build(const struct fv_prog *p, uint32_t *len, uint32_t *func_ids, uint32_t *val_ids,
                   uint32_t *int_id);

/* ---- the harness (fv_exec.c) ---- */
enum fv_outcome {
	FV_SETUP_FAILED, /* a map or the BTF could not be created: not a verifier question */
	FV_REJECTED,
	FV_ACCEPTED,
};

struct fv_opts {
	bool run;    /* BPF_PROG_TEST_RUN accepted programs (else: verifier only) */
	bool kernel; /* load through the host kernel's bpf() instead (triage, comparisons) */
	bool keep_log;
	bool quiet; /* no finding report on stderr */
};

struct fv_result {
	enum fv_outcome outcome;
	int load_errno;
	int runs, unsupported, budget; /* test runs made; refused as not applicable; E2BIG */
	uint32_t retvals[8];
	int run_errno[8];
	bool finding; /* a guard trip or a broken invariant: what says which */
	char what[512];
	char *log; /* keep_log: the verifier log (malloc'd), else NULL */
};

/* Load (and run) one program. Returns 0; r says what happened. Sets USERBPF_GUARDED etc. as
 * the flags ask (the caller keeps USERBPF_BPFFS pointing at a private root). */
int fv_exec(const struct fv_prog *p, const struct fv_opts *o, struct fv_result *r);
void fv_result_free(struct fv_result *r);

#endif /* USERBPF_FUZZ_FV_PROG_H */
