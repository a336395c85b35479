/* maptrace — the kernel-comparison harness shared by the map tests; see maptrace.h. */
#define _GNU_SOURCE
#include "maptrace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <userbpf/sys.h>

int mt_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof *attr);
	return r < 0 ? -errno : (int)r;
}

int mt_side_bpf(int kernel, int cmd, union bpf_attr *attr)
{
	if (kernel)
		return mt_bpf(cmd, attr);
	long r = userbpf_sys_bpf(cmd, attr, sizeof *attr);
	return r < 0 ? -errno : (int)r;
}

void mt_side_close(int kernel, int fd)
{
	if (fd < 0)
		return;
	if (kernel)
		close(fd);
	else
		userbpf_close(fd);
}

/* --- one map, in the kernel or ours --- */

int mt_create_attr(struct mt_map *t, int kernel, union bpf_attr *a)
{
	*t = (struct mt_map){.kernel = kernel, .fd = -1, .inner_fd = -1, .key_size = a->key_size};
	if (!kernel)
		return bpf_map_create_anon(a, &t->m, &t->fd);
	if (a->map_type == BPF_MAP_TYPE_HASH_OF_MAPS || a->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
		union bpf_attr in;
		memset(&in, 0, sizeof in);
		in.map_type = BPF_MAP_TYPE_ARRAY;
		in.key_size = in.value_size = in.max_entries = 4;
		t->inner_fd = mt_bpf(BPF_MAP_CREATE, &in);
		assert_true(t->inner_fd >= 0);
		a->inner_map_fd = (uint32_t)t->inner_fd;
	}
	int r = mt_bpf(BPF_MAP_CREATE, a);
	if (r < 0) {
		if (t->inner_fd >= 0)
			close(t->inner_fd);
		t->inner_fd = -1;
		return r;
	}
	t->fd = r;
	return 0;
}

int mt_create(struct mt_map *t, int kernel, uint32_t type, uint32_t key_size, uint32_t value_size,
              uint32_t max_entries, uint32_t flags, uint64_t extra, uint32_t numa_node)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = flags;
	a.map_extra = extra;
	a.numa_node = numa_node;
	return mt_create_attr(t, kernel, &a);
}

void mt_close(struct mt_map *t)
{
	if (t->m)
		bpf_map_detach(t->m);
	if (t->fd >= 0)
		close(t->fd);
	if (t->inner_fd >= 0)
		close(t->inner_fd);
	*t = (struct mt_map){.fd = -1, .inner_fd = -1};
}

int mt_op(struct mt_map *t, int cmd, const void *key, void *value, uint64_t flags)
{
	if (t->kernel) {
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)t->fd;
		a.key = (uint64_t)(uintptr_t)key;
		a.value = (uint64_t)(uintptr_t)value;
		a.flags = flags;
		return mt_bpf(cmd, &a);
	}
	const struct bpf_map_ops *ops = t->m->ops;
	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM:
		return ops->map_lookup_elem_sys(t->m, key, value, flags);
	case BPF_MAP_UPDATE_ELEM:
		return ops->map_update_elem(t->m, key, value, flags);
	case BPF_MAP_DELETE_ELEM:
		return ops->map_delete_elem(t->m, key);
	case BPF_MAP_GET_NEXT_KEY:
		return ops->map_get_next_key(t->m, key, value);
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		return ops->map_lookup_and_delete_elem(t->m, key, value, flags);
	}
	return -EINVAL;
}

/* --- traces --- */

void mt_tr(struct mt_trace *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t need = t->len + (size_t)n + 2;
	if (need > t->cap) {
		size_t cap = t->cap ? t->cap : 16 << 10;
		while (cap < need)
			cap *= 2;
		t->buf = realloc(t->buf, cap);
		assert_non_null(t->buf);
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = 0;
}

void mt_hex(char *out, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", ((const unsigned char *)p)[i]);
	out[2 * n] = 0;
}

/* Next line of *s (comments and blank lines skipped), NUL-terminated in place. */
static char *next_line(char **s)
{
	while (**s) {
		char *line = *s, *nl = strchr(line, '\n');
		*s = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = 0;
		if (line[0] && line[0] != '#')
			return line;
	}
	return NULL;
}

int mt_compare(const char *what, const char *want_in, const char *got_in)
{
	char *want = strdup(want_in), *got = strdup(got_in), *w = want, *g = got, *lw, *lg;
	int diffs = 0, lines = 0, skip_pcpu = 0;
	while ((lw = next_line(&w)), (lg = next_line(&g)), lw || lg) {
		lines++;
		if (lw && lg && !strncmp(lw, "ncpus ", 6) && strcmp(lw, lg)) {
			printf("%s: recorded with %s, here %s: per-CPU values not compared\n", what,
			       lw, lg);
			skip_pcpu = 1;
			continue;
		}
		if (skip_pcpu && lw && lg && !strncmp(lw, "pcpu", 4) && !strncmp(lg, "pcpu", 4))
			continue;
		if (!lw || !lg || strcmp(lw, lg)) {
			if (diffs++ < 20)
				print_error("%s: kernel '%s'\n%*s    ours '%s'\n", what,
				            lw ? lw : "(end)", (int)strlen(what), "",
				            lg ? lg : "(end)");
		}
	}
	printf("%s: %d lines compared, %d differ\n", what, lines, diffs);
	free(want);
	free(got);
	return diffs;
}

/* --- the kernel-agreement tests --- */

static void run(mt_script_fn script, int kernel, struct mt_trace *t)
{
	script(kernel, t);
	if (!t->buf)
		t->buf = calloc(1, 1);
	assert_non_null(t->buf);
}

void mt_fixture_agreement(const char *name, const char *fixture, mt_script_fn script)
{
	struct mt_trace ours = {0};
	char what[64];
	run(script, 0, &ours);
	char *want = tu_read_file(fixture, NULL);
	assert_non_null(want);
	snprintf(what, sizeof what, "%s fixture", name);
	int diffs = mt_compare(what, want, ours.buf);
	free(want);
	free(ours.buf);
	assert_int_equal(diffs, 0);
}

void mt_live_kernel_agreement(const char *name, const char *fixture, mt_script_fn script)
{
	if (!tu_kernel_bpf_available()) {
		printf("kernel bpf() unavailable: live comparison skipped (fixture still "
		       "checked)\n");
		skip();
	}
	struct mt_trace kernel = {0}, ours = {0};
	char what[64];
	run(script, 1, &kernel);
	run(script, 0, &ours);
	if (getenv("USERBPF_RECORD_FIXTURES")) {
		struct utsname u;
		uname(&u);
		FILE *f = fopen(fixture, "w");
		assert_non_null(f);
		fprintf(f, "# The host kernel's answers to test_map_%s's script (Linux %s).\n",
		        name, u.release);
		fprintf(f, "# Re-record: USERBPF_RECORD_FIXTURES=1 test_map_%s (as root).\n", name);
		fputs(kernel.buf, f);
		fclose(f);
	}
	snprintf(what, sizeof what, "%s live kernel", name);
	int diffs = mt_compare(what, kernel.buf, ours.buf);
	free(kernel.buf);
	free(ours.buf);
	assert_int_equal(diffs, 0);
}
