/* test_loader_lib.h — what the loader tests share: object paths, a private bpffs root,
 * BPF_PROG_TEST_RUN through userbpf_sys_bpf, packets, and map access.
 *
 * Every loader test runs with USERBPF_BPFFS pointing at its own temporary directory, so pins
 * (LIBBPF_PIN_BY_NAME, iproute2's tc/globals) never meet another test's objects.
 */
#ifndef USERBPF_TEST_LOADER_LIB_H
#define USERBPF_TEST_LOADER_LIB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include <userbpf/loader.h>

#ifndef USERBPF_PROGS_DIR
#error "USERBPF_PROGS_DIR: the directory of the clang-built test objects (tests/progs)"
#endif

/* "<build>/tests/progs/<name>.bpf.o" in a static buffer (one at a time). */
static inline const char *tl_obj(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s.bpf.o", USERBPF_PROGS_DIR, name);
	return path;
}

__attribute__((unused)) static char tl_root[256];

__attribute__((unused)) static int tl_rm(const char *p, const struct stat *st, int flag,
                                         struct FTW *f)
{
	return remove(p);
}

/* A private bpffs root for this test process; removed at exit. */
__attribute__((unused)) static void tl_private_root_cleanup(void)
{
	if (tl_root[0])
		nftw(tl_root, tl_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void tl_private_root(void)
{
	snprintf(tl_root, sizeof tl_root, "/dev/shm/userbpf-ldrtest-%d", (int)getpid());
	setenv("USERBPF_BPFFS", tl_root, 1);
	atexit(tl_private_root_cleanup);
}

/* Loader diagnostics to stdout when USERBPF_LOADER_DEBUG is set. */
__attribute__((unused)) static int tl_print(enum userbpf_print_level level, const char *fmt,
                                            va_list ap)
{
	if (level == USERBPF_DEBUG && !getenv("USERBPF_LOADER_DEBUG"))
		return 0;
	if (!getenv("USERBPF_LOADER_DEBUG"))
		return 0;
	return vprintf(fmt, ap);
}

static inline struct userbpf_object *tl_open(const char *name,
                                             const struct userbpf_object_open_opts *opts)
{
	userbpf_set_print(tl_print);
	struct userbpf_object *o = userbpf_object__open_file(tl_obj(name), opts);
	if (!o)
		print_message("open %s: %s\n", name, userbpf_last_error());
	return o;
}

/* ---- test runs through userbpf_sys_bpf ---- */

struct tl_run {
	const void *data;
	uint32_t data_len;
	void *data_out;
	uint32_t data_out_len; /* in: capacity, out: size */
	const void *ctx_in;
	uint32_t ctx_in_len;
	void *ctx_out;
	uint32_t ctx_out_len;
	uint32_t retval;
};

/* The same run through any bpf(): a function pointer, so the kernel tests can pass theirs. */
typedef long (*tl_bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

static inline int tl_test_run_with(tl_bpf_fn bpf, int prog_fd, struct tl_run *r)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)prog_fd;
	a.test.data_in = (uint64_t)(uintptr_t)r->data;
	a.test.data_size_in = r->data_len;
	a.test.data_out = (uint64_t)(uintptr_t)r->data_out;
	a.test.data_size_out = r->data_out ? r->data_out_len : 0;
	a.test.ctx_in = (uint64_t)(uintptr_t)r->ctx_in;
	a.test.ctx_size_in = r->ctx_in_len;
	a.test.ctx_out = (uint64_t)(uintptr_t)r->ctx_out;
	a.test.ctx_size_out = r->ctx_out ? r->ctx_out_len : 0;
	/* repeat 0 (= once): raw_tp and syscall runs refuse any other value */
	if (bpf(BPF_PROG_TEST_RUN, &a, sizeof a) < 0)
		return -errno;
	r->retval = a.test.retval;
	r->data_out_len = a.test.data_size_out;
	r->ctx_out_len = a.test.ctx_size_out;
	return 0;
}

static inline int tl_test_run(int prog_fd, struct tl_run *r)
{
	return tl_test_run_with(userbpf_sys_bpf, prog_fd, r);
}

static inline int tl_map_op_with(tl_bpf_fn bpf, int cmd, int fd, const void *key, void *value,
                                 uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return bpf(cmd, &a, sizeof a) < 0 ? -errno : 0;
}

static inline int tl_lookup(int fd, const void *key, void *value)
{
	return tl_map_op_with(userbpf_sys_bpf, BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

static inline int tl_update(int fd, const void *key, const void *value)
{
	return tl_map_op_with(userbpf_sys_bpf, BPF_MAP_UPDATE_ELEM, fd, key, (void *)value, 0);
}

static inline int tl_map_info_with(tl_bpf_fn bpf, int fd, struct bpf_map_info *info)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	memset(info, 0, sizeof *info);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof *info;
	a.info.info = (uint64_t)(uintptr_t)info;
	return bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a) < 0 ? -errno : 0;
}

static inline int tl_prog_info_with(tl_bpf_fn bpf, int fd, struct bpf_prog_info *info)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	memset(info, 0, sizeof *info);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof *info;
	a.info.info = (uint64_t)(uintptr_t)info;
	return bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a) < 0 ? -errno : 0;
}

/* ---- packets ---- */

/* Ethernet + IPv4 + UDP (or TCP) headers and payload, built by hand (network order). */
static inline size_t tl_packet_v4(uint8_t *p, size_t cap, uint8_t proto, const uint8_t src[4],
                                  size_t payload)
{
	size_t l4 = proto == 6 ? 20 : 8, len = 14 + 20 + l4 + payload;
	if (len > cap)
		return 0;
	memset(p, 0, len);
	static const uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, 0x01},
	                     src_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	p[12] = 0x08, p[13] = 0x00;
	uint8_t *ip = p + 14;
	ip[0] = 0x45;
	uint16_t tot = (uint16_t)(20 + l4 + payload);
	ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 2;
	uint8_t *l4h = ip + 20;
	l4h[0] = 0x30, l4h[1] = 0x39; /* port 12345 */
	l4h[2] = 0x00, l4h[3] = 0x35; /* port 53 */
	if (proto == 17) {
		uint16_t ulen = (uint16_t)(8 + payload);
		l4h[4] = (uint8_t)(ulen >> 8), l4h[5] = (uint8_t)ulen;
	} else {
		l4h[12] = 0x50;
	}
	return len;
}

static inline size_t tl_packet_v6(uint8_t *p, size_t cap)
{
	size_t len = 14 + 40 + 8;
	if (len > cap)
		return 0;
	memset(p, 0, len);
	p[0] = 0x02, p[5] = 1, p[6] = 0x02, p[11] = 2;
	p[12] = 0x86, p[13] = 0xdd;
	p[14] = 0x60;
	p[18] = 0, p[19] = 8; /* payload length */
	p[20] = 17;           /* next header: UDP */
	p[21] = 64;
	p[14 + 8 + 15] = 1;  /* ::1 */
	p[14 + 24 + 15] = 1; /* ::1 */
	p[14 + 40 + 5] = 8;
	return len;
}

#endif
