/* fb_exec.c — fuzz_btf's harness (fb_exec.h): BPF_BTF_LOAD on arbitrary bytes, then the
 * loaded BTF's consumers.
 *
 * Invariants (a violation is a finding; crashes and sanitizer reports are found by the
 * process itself):
 *  - BTF_LOAD gives an fd, or fails with an errno the kernel's btf_parse returns (EINVAL,
 *    E2BIG, ENOTSUPP, ENOSPC, EFAULT, ENOMEM, EPERM, EEXIST for "Loop detected");
 *  - a log the loader wrote is NUL-terminated within log_size and btf_log_true_size covers
 *    it; ENOSPC only when it did not fit;
 *  - BTF_GET_INFO_BY_FD of a loaded BTF gives back exactly the bytes that were loaded.
 * The consumers (MAP_CREATE with key/value type ids, PROG_LOAD with func_info/line_info)
 * may refuse anything; they must not crash. Type ids and sizes are chosen with libbpf's
 * own parser when it reads the blob, so that they often make sense.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/btf.h>

#include <userbpf/userbpf.h>

#include "fb_exec.h"

#define FB_ENOTSUPP 524
#define FB_LOG_BIG 65536u
#define FB_LOG_SMALL 128u

__attribute__((format(printf, 2, 3))) static void fb_finding(struct fb_result *r, const char *fmt,
                                                             ...)
{
	if (r->finding)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof r->what, fmt, ap);
	va_end(ap);
	r->finding = true;
}

static uint64_t fb_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

bool fb_kernel_cmp;

/* The last non-empty line of a log (copied, tabs kept). */
static void fb_last_line(const char *log, char *out, size_t n)
{
	const char *p = log, *best = log;
	size_t blen = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l) {
			best = p;
			blen = l;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (blen >= n)
		blen = n - 1;
	memcpy(out, best, blen);
	out[blen] = 0;
}

/* The same BTF_LOAD in the host kernel: verdict, errno and (both at log level 1, both
 * refusing) the error line must agree — the kernel's messages are the interface. */
static void fb_kernel_compare(const uint8_t *blob, uint32_t len, uint32_t level, uint32_t log_size,
                              int fd, int err, const char *log, struct fb_result *r)
{
	static char klog[FB_LOG_BIG];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	klog[0] = 0;
	a.btf = fb_ptr(blob);
	a.btf_size = len;
	if (level) { /* the same log settings: a truncated log turns the errno into ENOSPC */
		a.btf_log_buf = fb_ptr(klog);
		a.btf_log_size = log_size;
		a.btf_log_level = level;
	}
	int kfd = (int)syscall(SYS_bpf, BPF_BTF_LOAD, &a, sizeof a);
	int kerr = kfd < 0 ? errno : 0;
	if (kfd >= 0)
		close(kfd);
	if (kerr == EPERM && kfd < 0)
		return; /* no bpf() here */
	if ((fd >= 0) != (kfd >= 0) || err != kerr) {
		char kl[160];
		fb_last_line(klog, kl, sizeof kl);
		fb_finding(r,
		           "BTF_LOAD differs from the kernel: userbpf %s (%d), kernel %s (%d): %s",
		           fd >= 0 ? "ok" : "error", err, kfd >= 0 ? "ok" : "error", kerr, kl);
		return;
	}
	if (fd < 0 && log) {
		char ul[160], kl[160];
		fb_last_line(log, ul, sizeof ul);
		fb_last_line(klog, kl, sizeof kl);
		if (strcmp(ul, kl))
			fb_finding(r, "BTF_LOAD error line differs: userbpf \"%s\", kernel \"%s\"",
			           ul, kl);
	}
}

static void fb_check_log(const char *log, uint32_t size, uint32_t true_size, int err,
                         struct fb_result *r)
{
	bool touched = false;
	for (uint32_t i = 0; i < size && !touched; i++)
		touched = log[i] != 0x7f;
	if (!touched)
		return;
	const char *nul = memchr(log, 0, size);
	if (!nul) {
		fb_finding(r, "BTF log is not NUL-terminated within log_size %u", size);
		return;
	}
	uint32_t used = (uint32_t)(nul - log) + 1;
	if (true_size < used)
		fb_finding(r, "btf_log_true_size %u < the %u bytes the log holds", true_size, used);
	if (err == ENOSPC && true_size <= size)
		fb_finding(r, "ENOSPC although btf_log_true_size %u fits log_size %u", true_size,
		           size);
}

static void fb_check_info(int fd, const uint8_t *blob, uint32_t len, struct fb_result *r)
{
	struct bpf_btf_info info;
	uint8_t *back = malloc(len + 16);
	char name[64];
	if (!back)
		abort();
	memset(&info, 0, sizeof info);
	info.btf = fb_ptr(back);
	info.btf_size = len + 16;
	info.name = fb_ptr(name);
	info.name_len = sizeof name;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = fb_ptr(&info);
	if (userbpf_sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a) < 0)
		fb_finding(r, "BTF_GET_INFO_BY_FD of a loaded BTF: %s", strerror(errno));
	else if (info.btf_size != len || memcmp(back, blob, len))
		fb_finding(r, "BTF_GET_INFO_BY_FD gives back %u bytes, not the %u loaded",
		           info.btf_size, len);
	free(back);
	/* and by id */
	memset(&a, 0, sizeof a);
	a.btf_id = info.id;
	int fd2 = (int)userbpf_sys_bpf(BPF_BTF_GET_FD_BY_ID, &a, sizeof a);
	if (fd2 >= 0)
		close(fd2);
	else if (info.id)
		fb_finding(r, "BTF_GET_FD_BY_ID of a live BTF (id %u): %s", info.id,
		           strerror(errno));
}

/* A map whose key and value are types of the loaded BTF. */
static void fb_try_map(int btf_fd, const struct btf *btf, uint32_t nr, const uint8_t *h,
                       struct fb_result *r)
{
	uint32_t kid = nr ? 1 + h[1] % nr : h[1], vid = nr ? 1 + h[2] % nr : h[2];
	long ks = btf ? btf__resolve_size(btf, kid) : 4, vs = btf ? btf__resolve_size(btf, vid) : 0;
	if (ks <= 0 || ks > 512)
		ks = 4;
	if (vs <= 0 || vs > 65536)
		vs = 1 + h[5];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = h[5] & 1 ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_ARRAY;
	a.key_size = a.map_type == BPF_MAP_TYPE_ARRAY ? 4 : (uint32_t)ks;
	a.value_size = (uint32_t)vs;
	a.max_entries = 2;
	a.btf_fd = (uint32_t)btf_fd;
	a.btf_key_type_id = kid;
	a.btf_value_type_id = vid;
	int fd = (int)userbpf_sys_bpf(BPF_MAP_CREATE, &a, sizeof a);
	r->map_errno = fd < 0 ? errno : 0;
	if (fd < 0)
		return;
	/* a value through the BTF-described map (spin locks, timers, kptrs are skipped) */
	uint8_t *val = calloc(1, (size_t)vs), key[512] = {0}; /* key_size <= 512 */
	if (!val)
		abort();
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = fb_ptr(key);
	a.value = fb_ptr(val);
	userbpf_sys_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof a);
	free(val);
	close(fd);
}

/* A two-function program whose func_info and line_info point into the loaded BTF. */
static void fb_try_prog(int btf_fd, const struct btf *btf, uint32_t nr, const uint8_t *h,
                        uint32_t str_len, struct fb_result *r)
{
	static const struct bpf_insn insns[] = {
	        {.code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, .imm = 2},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
	        {.code = BPF_JMP | BPF_EXIT},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1},
	        {.code = BPF_JMP | BPF_EXIT},
	};
	uint32_t fid = nr ? 1 + h[3] % nr : h[3];
	/* prefer FUNC types when libbpf can tell */
	for (uint32_t i = 0; btf && i < nr; i++) {
		uint32_t id = 1 + (h[3] + i) % nr;
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (t && btf_is_func(t)) {
			fid = id;
			break;
		}
	}
	struct bpf_func_info fi[2] = {{0, fid}, {3, fid}};
	uint32_t so = str_len ? (uint32_t)h[4] * str_len / 256 : h[4];
	struct bpf_line_info li[2] = {{0, so, so, 1u << 10 | 1}, {3, so / 2, so, 2u << 10 | 5}};
	char log[4096];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = fb_ptr(insns);
	a.insn_cnt = sizeof insns / sizeof insns[0];
	a.license = fb_ptr("GPL");
	a.log_level = 2;
	a.log_buf = fb_ptr(log);
	a.log_size = sizeof log; /* level 2: the source lines from line_info are printed */
	a.prog_btf_fd = (uint32_t)btf_fd;
	a.func_info = fb_ptr(fi);
	a.func_info_rec_size = sizeof fi[0];
	a.func_info_cnt = 2;
	if (h[4] & 1) {
		a.line_info = fb_ptr(li);
		a.line_info_rec_size = sizeof li[0];
		a.line_info_cnt = 2;
	}
	int fd = (int)userbpf_sys_bpf(BPF_PROG_LOAD, &a, sizeof a);
	r->prog_errno = fd < 0 ? errno : 0;
	if (fd < 0)
		return;
	/* the program's func/line info read back (obj_prog_info.c) */
	struct bpf_prog_info info;
	struct bpf_func_info fo[4];
	struct bpf_line_info lo[4];
	memset(&info, 0, sizeof info);
	info.nr_func_info = 4;
	info.func_info_rec_size = sizeof fo[0];
	info.func_info = fb_ptr(fo);
	info.nr_line_info = 4;
	info.line_info_rec_size = sizeof lo[0];
	info.line_info = fb_ptr(lo);
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = fb_ptr(&info);
	userbpf_sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a);
	close(fd);
}

int fb_exec(const uint8_t *data, size_t size, struct fb_result *r)
{
	memset(r, 0, sizeof *r);
	r->map_errno = r->prog_errno = -1;
	if (size < FB_HDR_SIZE || size > FB_MAX_SIZE)
		return 0;
	const uint8_t *h = data;
	uint32_t len = (uint32_t)(size - FB_HDR_SIZE);
	/* an exact-size heap copy: ASan sees a read past the blob */
	uint8_t *blob = malloc(len ? len : 1);
	if (!blob)
		abort();
	memcpy(blob, data + FB_HDR_SIZE, len);
	uint32_t level = h[0] & 3;
	if (level == 3)
		level = 1;
	uint32_t log_size = h[0] & 4 ? FB_LOG_SMALL : FB_LOG_BIG;
	char *log = level ? malloc(log_size) : NULL;
	if (log)
		memset(log, 0x7f, log_size);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf = fb_ptr(blob);
	a.btf_size = len;
	if (log) {
		a.btf_log_buf = fb_ptr(log);
		a.btf_log_size = log_size;
		a.btf_log_level = level;
	}
	errno = 0;
	int fd = (int)userbpf_sys_bpf(BPF_BTF_LOAD, &a, sizeof a);
	int err = fd < 0 ? errno : 0;
	r->loaded = fd >= 0;
	r->load_errno = err;
	if (fd < 0 && err != EINVAL && err != E2BIG && err != FB_ENOTSUPP && err != ENOSPC &&
	    err != EFAULT && err != ENOMEM && err != EPERM && err != EEXIST /* type loops */)
		fb_finding(r, "BTF_LOAD failed with %s (%d)", err ? strerror(err) : "no errno",
		           err);
	if (log)
		fb_check_log(log, log_size, a.btf_log_true_size, err, r);
	if (fb_kernel_cmp) {
		if (log && log_size == FB_LOG_BIG && level == 1)
			log[log_size - 1] = 0;
		fb_kernel_compare(blob, len, level, log_size, fd, err,
		                  log && log_size == FB_LOG_BIG && level == 1 ? log : NULL, r);
	}
	free(log);
	if (fd >= 0) {
		fb_check_info(fd, blob, len, r);
		if (!(h[0] & 8)) {
			struct btf *btf = btf__new(blob, len);
			if (!btf || (long)btf == -1 || (unsigned long)btf > -4096ul)
				btf = NULL;
			uint32_t nr = btf ? btf__type_cnt(btf) - 1 : 0;
			uint32_t str_len =
			        len >= 24 ? ((const uint32_t *)(const void *)blob)[5] : 0;
			fb_try_map(fd, btf, nr, h, r);
			fb_try_prog(fd, btf, nr, h, str_len, r);
			btf__free(btf);
		}
		close(fd);
	}
	free(blob);
	return 0;
}
