/* fv_tool.c — fuzz_verifier_tool: seeds for fuzz_verifier and triage of what it finds.
 *
 *   fuzz_verifier_tool seeds CORPUS_DIR OUT_DIR   the verifier corpus (tests/verifier), one
 *                                                 seed per case, in fv_prog's byte format
 *   fuzz_verifier_tool objs OUT_DIR FILE.o...     each program of clang-built objects
 *                                                 (tests/progs), linked with its subprograms
 *   fuzz_verifier_tool btf FILE...               fuzz_btf inputs: BTF_LOAD in userbpf and in
 *                                                 the host kernel (errno, last log line)
 *   fuzz_verifier_tool show [-k] [-l] FILE...     decode, print, load and run each input in
 *                                                 userbpf (-k: and in the host kernel; -l: logs)
 *
 * Seeds keep what the fuzzer's format can say (program type, maps of the kinds it creates,
 * functions, log level, strict alignment, license) and drop the rest (map contents become
 * the harness' own deterministic fill).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "corpus.h"
#include "fv_prog.h"
#include "loader/ldr.h"

static int type_index(uint32_t prog_type, uint32_t attach)
{
	int any = -1;
	for (unsigned i = 0; i < fv_nr_types; i++) {
		if (fv_types[i].prog_type != prog_type)
			continue;
		if (fv_types[i].attach_type == attach)
			return (int)i;
		if (any < 0)
			any = (int)i;
	}
	return any;
}

static uint8_t map_kind(uint32_t type, uint32_t flags, uint32_t entries, bool rodata)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:
		return rodata || ((flags & BPF_F_RDONLY_PROG) && entries == 1) ? FV_MAP_RODATA
		                                                               : FV_MAP_ARRAY;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
		return FV_MAP_HASH;
	case BPF_MAP_TYPE_RINGBUF:
		return FV_MAP_RINGBUF;
	case BPF_MAP_TYPE_PROG_ARRAY:
		return FV_MAP_PROG_ARRAY;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return FV_MAP_PERCPU_ARRAY;
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return FV_MAP_LRU_HASH;
	case BPF_MAP_TYPE_QUEUE:
		return FV_MAP_QUEUE;
	case BPF_MAP_TYPE_STACK:
		return FV_MAP_STACK;
	default:
		return FV_MAP_ARRAY;
	}
}

static struct fv_map fv_map_of(uint32_t type, uint32_t key, uint32_t value, uint32_t entries,
                               uint32_t flags, bool rodata)
{
	struct fv_map m = {.kind = map_kind(type, flags, entries, rodata),
	                   .key_size = (uint8_t)(key > 64 ? 64 : key),
	                   .lock_off = FV_NO_LOCK,
	                   .value_size = (uint16_t)(value > 1024 ? 1024 : value),
	                   .max_entries = (uint16_t)(entries > 64 ? 64 : entries)};
	if (type == BPF_MAP_TYPE_RINGBUF)
		m.max_entries = (uint16_t)(entries >= 32768 ? 32768
		                           : entries < 4096 ? 4096
		                                            : entries);
	if (flags & BPF_F_NO_PREALLOC)
		m.flags |= FV_MF_NO_PREALLOC;
	if (flags & BPF_F_MMAPABLE)
		m.flags |= FV_MF_MMAPABLE;
	if (flags & BPF_F_RDONLY_PROG)
		m.flags |= FV_MF_RDONLY_PROG;
	if (flags & BPF_F_WRONLY_PROG)
		m.flags |= FV_MF_WRONLY_PROG;
	return m;
}

/* mkdir -p */
static void mkdir_p(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *s = buf + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(buf, 0755);
			*s = '/';
		}
	mkdir(buf, 0755);
}

static int write_seed(const char *dir, const char *name, struct fv_prog *p)
{
	fv_prog_normalize(p);
	size_t len;
	uint8_t *b = fv_prog_encode(p, &len);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	int err = !f || fwrite(b, 1, len, f) != len;
	if (f && fclose(f))
		err = 1;
	free(b);
	if (err)
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
	return err ? -1 : 0;
}

static int cmd_seeds(const char *dir, const char *out)
{
	struct cx_corpus c;
	if (cx_corpus_load(dir, &c))
		return 1;
	mkdir_p(out);
	int written = 0, skipped = 0;
	for (int i = 0; i < c.nr_cases; i++) {
		const struct cx_case *k = &c.cases[i];
		int t = type_index(k->prog_type, k->attach_type);
		/* the 1M-insn complexity cases take tens of seconds in an instrumented build */
		bool slow = k->recorded && k->expect.processed > 200000;
		if (t < 0 || slow || k->cnt > FV_MAX_INSNS || k->nr_funcs > FV_MAX_FUNCS) {
			skipped++;
			continue;
		}
		struct fv_prog p = {.type = (uint8_t)t,
		                    .seed = (uint8_t)i,
		                    .runs = (uint8_t)(i * 37),
		                    .insns = k->insns,
		                    .cnt = (uint32_t)k->cnt};
		p.flags = (uint8_t)(k->log_level > 2 ? 2 : k->log_level);
		if (k->log_size && k->log_size < 4096)
			p.flags |= FV_F_SMALL_LOG;
		if (k->prog_flags & BPF_F_STRICT_ALIGNMENT)
			p.flags |= FV_F_STRICT_ALIGN;
		if (strncmp(k->license, "GPL", 3) && strncmp(k->license, "Dual", 4))
			p.flags |= FV_F_PROPRIETARY;
		p.nr_maps = (uint8_t)(k->nr_maps > FV_MAX_MAPS ? FV_MAX_MAPS : k->nr_maps);
		for (int m = 0; m < p.nr_maps; m++) {
			const struct cx_map *cm = &k->maps[m];
			p.maps[m] = fv_map_of(cm->type, cm->key_size, cm->value_size,
			                      cm->max_entries, cm->flags,
			                      cm->freeze && cm->max_entries == 1 &&
			                              (cm->flags & BPF_F_RDONLY_PROG));
			if (cm->nr_updates)
				p.maps[m].flags |= FV_MF_FILL;
			if (cm->freeze)
				p.maps[m].flags |= FV_MF_FREEZE;
			if (cm->lock_off >= 0 && cm->lock_off < 252)
				p.maps[m].lock_off = (uint8_t)cm->lock_off;
		}
		p.nr_funcs = (uint8_t)k->nr_funcs;
		for (int f = 0; f < k->nr_funcs; f++) {
			p.funcs[f].global = k->funcs[f].global;
			p.funcs[f].nr_args = (uint8_t)k->funcs[f].nr_args;
			for (int a = 0; a < k->funcs[f].nr_args; a++)
				p.funcs[f].kinds |= (uint16_t)(k->funcs[f].args[a] << (2 * a));
		}
		char name[CX_NAME_LEN + 8];
		snprintf(name, sizeof name, "c_%s", k->name);
		if (write_seed(out, name, &p) == 0)
			written++;
	}
	printf("%d seeds from %d corpus cases (%d skipped: type, size or over 200k processed "
	       "insns)\n",
	       written, c.nr_cases, skipped);
	cx_corpus_free(&c);
	return 0;
}

/* ---- clang-built objects ---- */

#define FAKE_FD 100000

static enum fv_arg arg_kind(const struct btf *btf, uint32_t id, const char *ctx)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return FV_ARG_INT;
	const struct btf_type *to = btf__type_by_id(btf, t->type);
	while (to && (btf_is_typedef(to) || btf_is_mod(to)))
		to = btf__type_by_id(btf, to->type);
	if (to && btf_is_composite(to) && !strcmp(btf__name_by_offset(btf, to->name_off), ctx))
		return FV_ARG_CTX;
	return FV_ARG_PTR;
}

static void obj_prog_seed(struct userbpf_object *o, struct userbpf_program *prog, const char *out,
                          const char *base, int *written)
{
	int t = type_index(prog->type, prog->attach_type);
	if (t < 0 || prog->insn_cnt > FV_MAX_INSNS)
		return;
	struct fv_prog p = {.type = (uint8_t)t, .seed = (uint8_t)*written, .runs = 0x55};
	p.insns = malloc(prog->insn_cnt * sizeof *p.insns);
	if (!p.insns)
		abort();
	memcpy(p.insns, prog->insns, prog->insn_cnt * sizeof *p.insns);
	p.cnt = prog->insn_cnt;
	int used[FV_MAX_MAPS];
	for (uint32_t i = 0; i + 1 < p.cnt; i++) {
		struct bpf_insn *in = &p.insns[i];
		if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if ((in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE) &&
		    in->imm >= FAKE_FD && (uint32_t)(in->imm - FAKE_FD) < o->nr_maps) {
			int mi = in->imm - FAKE_FD, slot = -1;
			for (int u = 0; u < p.nr_maps; u++)
				if (used[u] == mi)
					slot = u;
			if (slot < 0 && p.nr_maps < FV_MAX_MAPS) {
				const struct userbpf_map *m = &o->maps[mi];
				slot = p.nr_maps++;
				used[slot] = mi;
				p.maps[slot] =
				        fv_map_of(m->def.type, m->def.key_size, m->def.value_size,
				                  m->def.max_entries, m->def.map_flags,
				                  m->kind == LDR_MAP_RODATA);
				if (m->kind == LDR_MAP_RODATA || m->kind == LDR_MAP_DATA)
					p.maps[slot].flags |= FV_MF_FILL;
			}
			in->src_reg = in->src_reg == BPF_PSEUDO_MAP_FD ? BPF_PSEUDO_MAP_IDX
			                                               : BPF_PSEUDO_MAP_IDX_VALUE;
			in->imm = slot < 0 ? 0 : slot;
		}
		i++;
	}
	const struct btf *btf = userbpf_object__btf(o);
	if (btf && prog->func_info_cnt && prog->func_info_cnt <= FV_MAX_FUNCS) {
		p.nr_funcs = (uint8_t)prog->func_info_cnt;
		for (uint32_t f = 0; f < prog->func_info_cnt; f++) {
			const struct btf_type *fn =
			        btf__type_by_id(btf, prog->func_info[f].type_id);
			if (!fn || !btf_is_func(fn))
				continue;
			p.funcs[f].global =
			        btf_vlen(fn) == BTF_FUNC_GLOBAL /* FUNC linkage is its vlen */;
			const struct btf_type *proto = btf__type_by_id(btf, fn->type);
			if (!proto || !btf_is_func_proto(proto))
				continue;
			const struct btf_param *pa = btf_params(proto);
			int n = btf_vlen(proto) > FV_MAX_ARGS ? FV_MAX_ARGS : btf_vlen(proto);
			p.funcs[f].nr_args = (uint8_t)n;
			for (int a = 0; a < n; a++)
				p.funcs[f].kinds |=
				        (uint16_t)(arg_kind(btf, pa[a].type, fv_types[t].ctx_struct)
				                   << (2 * a));
		}
	}
	char name[256];
	snprintf(name, sizeof name, "o_%s_%s", base, prog->name);
	if (write_seed(out, name, &p) == 0)
		(*written)++;
	fv_prog_free(&p);
}

static int cmd_objs(const char *out, int n, char **files)
{
	mkdir_p(out);
	int written = 0;
	for (int i = 0; i < n; i++) {
		struct userbpf_object *o = userbpf_object__open_file(files[i], NULL);
		if (!o) {
			fprintf(stderr, "%s: %s\n", files[i], userbpf_last_error());
			continue;
		}
		for (uint32_t m = 0; m < o->nr_maps; m++)
			o->maps[m].fd = FAKE_FD + (int)m;
		for (uint32_t k = 0; k < o->nr_progs; k++)
			ldr_core_relocate(o, &o->progs[k]);
		char base[128];
		snprintf(base, sizeof base, "%s",
		         strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i]);
		char *dot = strchr(base, '.');
		if (dot)
			*dot = 0;
		for (uint32_t k = 0; k < o->nr_progs; k++) {
			struct userbpf_program *p = &o->progs[k];
			if (!p->is_subprog && !ldr_prog_link(o, p))
				obj_prog_seed(o, p, out, base, &written);
		}
		for (uint32_t m = 0; m < o->nr_maps; m++)
			o->maps[m].fd = -1;
		userbpf_object__close(o);
	}
	printf("%d seeds from %d objects\n", written, n);
	return 0;
}

/* ---- triage ---- */

static int show(const char *path, bool kernel, bool logs)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	struct fv_prog p;
	if (fv_prog_decode(buf, n, &p)) {
		printf("%s: not a program (too short or too long)\n", path);
		return 1;
	}
	printf("== %s\n", path);
	fv_prog_dump(&p, stdout);
	for (int side = 0; side < 1 + kernel; side++) {
		struct fv_opts o = {
		        .run = true, .kernel = side == 1, .keep_log = logs, .quiet = true};
		struct fv_result r;
		fv_exec(&p, &o, &r);
		static const char *const oc[] = {"setup failed", "REJECTED", "ACCEPTED"};
		printf("-- %s: %s", side ? "kernel" : "userbpf", oc[r.outcome]);
		if (r.outcome == FV_REJECTED)
			printf(" (%s)", strerror(r.load_errno));
		if (r.outcome == FV_SETUP_FAILED)
			printf(" (%s)", r.what);
		printf("\n");
		for (int i = 0; i < r.runs; i++)
			printf("   run %d: %s, retval %u\n", i,
			       r.run_errno[i] ? strerror(r.run_errno[i]) : "ok", r.retvals[i]);
		if (r.finding)
			printf("   FINDING: %s\n", r.what);
		if (r.log)
			printf("%s\n", r.log);
		fv_result_free(&r);
	}
	fv_prog_free(&p);
	return 0;
}

/* fuzz_btf inputs: BTF_LOAD in userbpf and in the kernel, errno and the log's last line. */
static long kernel_bpf(int cmd, union bpf_attr *a, unsigned size)
{
	return syscall(SYS_bpf, cmd, a, size);
}

static int show_btf(const char *path)
{
	size_t n;
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n < 6)
		return 1;
	printf("== %s (%zu bytes of BTF)\n", path, n - 6);
	for (int side = 0; side < 2; side++) {
		static char log[65536];
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		memset(log, 0, sizeof log);
		a.btf = (uint64_t)(uintptr_t)(buf + 6);
		a.btf_size = (uint32_t)(n - 6);
		a.btf_log_buf = (uint64_t)(uintptr_t)log;
		a.btf_log_size = sizeof log;
		a.btf_log_level = 1;
		long fd = side ? kernel_bpf(BPF_BTF_LOAD, &a, sizeof a)
		               : userbpf_sys_bpf(BPF_BTF_LOAD, &a, sizeof a);
		int e = fd < 0 ? errno : 0;
		char *last = log, *nl;
		while ((nl = strchr(last, '\n')) && nl[1])
			last = nl + 1;
		printf("-- %s: %s (%d) | %s", side ? "kernel" : "userbpf",
		       fd < 0 ? strerror(e) : "ok", e, last);
		if (fd >= 0)
			side ? close((int)fd) : close((int)fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "btf")) {
		char root[] = "/dev/shm/userbpf-fvtool-XXXXXX";
		if (!mkdtemp(root))
			return 1;
		setenv("USERBPF_BPFFS", root, 1);
		int rc = 0;
		for (int i = 2; i < argc; i++)
			rc |= show_btf(argv[i]);
		rmdir(root);
		return rc;
	}
	if (argc >= 4 && !strcmp(argv[1], "seeds"))
		return cmd_seeds(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "objs"))
		return cmd_objs(argv[2], argc - 3, argv + 3);
	if (argc >= 3 && !strcmp(argv[1], "show")) {
		bool kernel = false, logs = false;
		int i = 2;
		for (; i < argc && argv[i][0] == '-'; i++) {
			kernel |= !strcmp(argv[i], "-k");
			logs |= !strcmp(argv[i], "-l");
		}
		char root[] = "/dev/shm/userbpf-fvtool-XXXXXX";
		if (!mkdtemp(root))
			return 1;
		setenv("USERBPF_BPFFS", root, 1);
		setenv("USERBPF_GUARDED", "1", 1);
		int rc = 0;
		for (; i < argc; i++)
			rc |= show(argv[i], kernel, logs);
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", root);
		if (system(cmd))
			rc = 1;
		return rc;
	}
	fprintf(stderr,
	        "usage: %s seeds CORPUS_DIR OUT_DIR | objs OUT_DIR FILE.o... | show [-k] "
	        "[-l] FILE...\n",
	        argv[0]);
	return 2;
}
