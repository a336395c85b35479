/* obj_btf.c — BPF_BTF_LOAD: check a BTF blob's header and sections, keep it in an object.
 *
 * We check what the kernel checks first: the header (magic, version, flags, hdr_len and
 * unknown header bytes), the sections (inside the blob, no gaps or overlaps), the string
 * section (starts and ends with NUL) and that every type record has a known kind and fits.
 * Deeper type checks (sizes, references, names) are not done. The log follows the
 * kernel's rules: buffer and size together, level needed, ENOSPC when it did not fit
 * (the content is ours, so the exact size differs from the kernel's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "object/object.h"

#define OBJ_BTF_MAGIC_RAW 0xeB9F
#define OBJ_BTF_MAX_SIZE (16u * 1024 * 1024)
#define OBJ_LOG_MASK 0xfu /* level 1 | level 2 | stats | fixed */
#define OBJ_LOG_FIXED 8u  /* keep the head of the log, not the tail */
#define OBJ_ENOTSUPP 524

struct obj_btf_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t type_off, type_len, str_off, str_len;
};

struct obj_log {
	char *buf;
	size_t len, cap;
};

static void obj_logf(struct obj_log *log, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if (log->len + (size_t)n + 1 > log->cap) {
		size_t cap = (log->cap + (size_t)n + 1) * 2;
		char *nb = realloc(log->buf, cap);
		if (!nb)
			return;
		log->buf = nb;
		log->cap = cap;
	}
	memcpy(log->buf + log->len, line, (size_t)n + 1);
	log->len += (size_t)n;
}

/* Bytes after a struct btf_type for its kind; -1 for an unknown kind. */
static long obj_btf_extra(uint32_t info)
{
	uint32_t kind = (info >> 24) & 0x1f, vlen = info & 0xffff;
	switch (kind) {
	case 1:  /* INT */
	case 14: /* VAR */
	case 17: /* DECL_TAG */
		return 4;
	case 2:  /* PTR */
	case 7:  /* FWD */
	case 8:  /* TYPEDEF */
	case 9:  /* VOLATILE */
	case 10: /* CONST */
	case 11: /* RESTRICT */
	case 12: /* FUNC */
	case 16: /* FLOAT */
	case 18: /* TYPE_TAG */
		return 0;
	case 3: /* ARRAY */
		return 12;
	case 4:  /* STRUCT */
	case 5:  /* UNION */
	case 15: /* DATASEC */
	case 19: /* ENUM64 */
		return 12L * vlen;
	case 6:  /* ENUM */
	case 13: /* FUNC_PROTO */
		return 8L * vlen;
	default:
		return -1;
	}
}

/* Check the blob; the number of types or -errno, with the reason in the log. */
static long obj_btf_check(const unsigned char *data, uint32_t size, struct obj_log *log)
{
	struct obj_btf_header h;
	memset(&h, 0, sizeof h);
	if (size < 8) {
		obj_logf(log, "btf header too short\n");
		return -EINVAL;
	}
	memcpy(&h, data, size < sizeof h ? size : sizeof h);
	if (size < h.hdr_len) {
		obj_logf(log, "btf header longer than the blob\n");
		return -EINVAL;
	}
	for (uint32_t i = sizeof h; i < h.hdr_len; i++)
		if (data[i]) {
			obj_logf(log, "unknown btf header fields set\n");
			return -E2BIG;
		}
	if (h.hdr_len < sizeof h)
		memset((char *)&h + h.hdr_len, 0, sizeof h - h.hdr_len);
	obj_logf(log, "magic: 0x%x\nversion: %u\nflags: 0x%x\nhdr_len: %u\n", h.magic, h.version,
	         h.flags, h.hdr_len);
	obj_logf(log, "type_off: %u\ntype_len: %u\nstr_off: %u\nstr_len: %u\nbtf_total_size: %u\n",
	         h.type_off, h.type_len, h.str_off, h.str_len, size);
	if (h.magic != OBJ_BTF_MAGIC_RAW) {
		obj_logf(log, "bad btf magic\n");
		return -EINVAL;
	}
	if (h.version != 1 || h.flags) {
		obj_logf(log, "unsupported btf version or flags\n");
		return -OBJ_ENOTSUPP;
	}
	if (size == h.hdr_len) {
		obj_logf(log, "btf has no data\n");
		return -EINVAL;
	}
	/* two sections, sorted by offset, must tile [hdr_len, size) exactly */
	uint64_t total = size - h.hdr_len;
	struct {
		uint32_t off, len;
	} sec[2] = {{h.type_off, h.type_len}, {h.str_off, h.str_len}};
	if (sec[0].off > sec[1].off) {
		uint32_t o = sec[0].off, l = sec[0].len;
		sec[0] = sec[1];
		sec[1].off = o;
		sec[1].len = l;
	}
	uint64_t at = 0;
	for (int i = 0; i < 2; i++) {
		if (sec[i].off > total || sec[i].off != at || total - at < sec[i].len) {
			obj_logf(log, "btf sections overlap, leave gaps or run past the end\n");
			return -EINVAL;
		}
		at += sec[i].len;
	}
	if (at != total) {
		obj_logf(log, "unknown btf section\n");
		return -EINVAL;
	}
	const unsigned char *str = data + h.hdr_len + h.str_off;
	if (!h.str_len || str[0] || str[h.str_len - 1]) {
		obj_logf(log, "bad btf string section\n");
		return -EINVAL;
	}
	if ((h.type_off & 3) || !h.type_len) {
		obj_logf(log, "bad btf type section\n");
		return -EINVAL;
	}
	const unsigned char *t = data + h.hdr_len + h.type_off, *end = t + h.type_len;
	long nr = 0;
	while (t < end) {
		uint32_t rec[3];
		if ((size_t)(end - t) < sizeof rec) {
			obj_logf(log, "truncated btf type %ld\n", nr + 1);
			return -EINVAL;
		}
		memcpy(rec, t, sizeof rec);
		long extra = obj_btf_extra(rec[1]);
		if (extra < 0 || (size_t)(end - t) < sizeof rec + (size_t)extra ||
		    rec[0] >= h.str_len) {
			obj_logf(log, "bad btf type %ld\n", nr + 1);
			return -EINVAL;
		}
		t += sizeof rec + (size_t)extra;
		nr++;
	}
	return nr;
}

/* Copy the log out as the kernel does; -ENOSPC if it did not fit. */
static int obj_log_finish(const union bpf_attr *a, union bpf_attr *ua, unsigned size,
                          const struct obj_log *log)
{
	if (!a->btf_log_level)
		return 0;
	char *ubuf = obj_u64_ptr(a->btf_log_buf);
	uint32_t cap = a->btf_log_size;
	size_t need = log->len + 1;
	if (ubuf && cap) {
		size_t n = need <= cap ? log->len : cap - 1;
		const char *src = log->buf ? log->buf : "";
		/* a rotating log keeps the end, a fixed one the beginning */
		if (need > cap && !(a->btf_log_level & OBJ_LOG_FIXED))
			src += log->len - n;
		memcpy(ubuf, src, n);
		ubuf[n] = 0;
	}
	if (size >= offsetof(union bpf_attr, btf_log_true_size) + sizeof(uint32_t))
		ua->btf_log_true_size = (uint32_t)need;
	return ubuf && need > cap ? -ENOSPC : 0;
}

long obj_btf_load(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if ((a->btf_flags & ~BPF_F_TOKEN_FD) || (a->btf_flags & BPF_F_TOKEN_FD) || a->btf_token_fd)
		return -EINVAL; /* no tokens here */
	bool has_buf = a->btf_log_buf != 0, has_size = a->btf_log_size != 0;
	if (has_buf != has_size || (has_buf && !a->btf_log_level) ||
	    (a->btf_log_level & ~OBJ_LOG_MASK) || a->btf_log_size > (UINT32_MAX >> 2))
		return -EINVAL;
	if (a->btf_size > OBJ_BTF_MAX_SIZE)
		return -E2BIG;
	const unsigned char *data = obj_u64_ptr(a->btf);
	if (!data && a->btf_size)
		return -EFAULT;
	struct obj_log log = {0};
	long nr = obj_btf_check(data, a->btf_size, &log);
	int lerr = obj_log_finish(a, ua, size, &log);
	free(log.buf);
	if (lerr)
		return lerr;
	if (nr < 0)
		return nr;
	int err;
	obj_fd_revalidate();
	uint32_t id = obj_id_alloc(OBJ_BTF, &err);
	if (!id)
		return err;
	struct obj_hdr h;
	memset(&h, 0, sizeof h);
	h.magic = OBJ_BTF_MAGIC;
	h.id = id;
	h.btf_size = a->btf_size;
	h.btf_nr_types = (uint32_t)nr;
	struct obj_blob *blob;
	int fd;
	if ((err = obj_blob_create(&h, data, a->btf_size, &fd, &blob)))
		return err;
	fd = obj_file_user_fd(fd, 0 /* O_RDONLY: BTF fds are read-only */);
	if (fd < 0) {
		obj_blob_detach(blob);
		return fd;
	}
	if ((err = obj_fd_install_blob(fd, OBJ_BTF, blob, OBJ_CAN_READ, id))) {
		close(fd);
		return err;
	}
	obj_registry_add(OBJ_BTF, id, fd);
	return fd;
}
