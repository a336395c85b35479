/* cmd_prog_run.c — "userbpf prog run PROG data_in FILE ...": BPF_PROG_TEST_RUN with
 * bpftool's arguments and output ("Return value: R, duration (average): Dns"). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/sys.h>

#include "prog_cmds.h"

#define RUN_DEFAULT_SIZE (32u * 1024) /* bpftool's output buffer when none is given */

/* bpftool's "ambiguous prefix: 'd' could be 'data_in' or 'data_out'" check. */
static int detect_common_prefix(const char *arg, ...)
{
	char msg[256];
	unsigned int count = 0;
	const char *ref;
	va_list ap;
	snprintf(msg, sizeof msg, "ambiguous prefix: '%s' could be '", arg);
	va_start(ap, arg);
	while ((ref = va_arg(ap, const char *))) {
		if (!is_prefix(arg, ref))
			continue;
		if (++count > 1)
			strncat(msg, "' or '", sizeof msg - strlen(msg) - 1);
		strncat(msg, ref, sizeof msg - strlen(msg) - 1);
	}
	va_end(ap);
	strncat(msg, "'", sizeof msg - strlen(msg) - 1);
	if (count >= 2) {
		p_err("%s", msg);
		return -1;
	}
	return 0;
}

static int get_run_data(const char *fname, void **data, uint32_t *size)
{
	*data = NULL;
	*size = 0;
	if (!fname)
		return 0;
	FILE *f = strcmp(fname, "-") ? fopen(fname, "rb") : stdin;
	if (!f) {
		p_err("failed to open %s: %s", fname, strerror(errno));
		return -1;
	}
	size_t cap = 256, n = 0, got;
	unsigned char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= UINT32_MAX / 2) {
				p_err("data_in/ctx_in is too long (max: %u)", UINT32_MAX);
				free(buf);
				buf = NULL;
				break;
			}
			unsigned char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int bad = buf && ferror(f);
	if (f != stdin)
		fclose(f);
	if (!buf || bad) {
		if (bad)
			p_err("failed to read data_in/ctx_in from %s", fname);
		else if (n < UINT32_MAX / 2)
			p_err("failed to allocate memory for data_in/ctx_in");
		free(buf);
		return -1;
	}
	*data = buf;
	*size = (uint32_t)n;
	return 0;
}

static void hex_print(const unsigned char *data, unsigned int size, FILE *f)
{
	for (size_t i = 0; i < size; i += 16) {
		size_t j;
		fprintf(f, "%07zx\t", i);
		for (j = i; j < i + 16 && j < size; j++)
			fprintf(f, "%02x%s", data[j], j % 2 ? " " : "");
		for (; j < i + 16; j++)
			fprintf(f, "  %s", j % 2 ? " " : "");
		fprintf(f, "| ");
		for (j = i; j < i + 16 && j < size; j++) {
			char c = (char)data[j];
			if (c < ' ' || c > '~')
				c = '.';
			fprintf(f, "%c%s", c, j == i + 7 ? " " : "");
		}
		fprintf(f, "\n");
	}
}

static int print_run_output(const unsigned char *data, uint32_t size, const char *fname,
                            const char *json_key)
{
	if (!fname)
		return 0;
	if (!strcmp(fname, "-")) {
		if (json_output) {
			jsonw_name(json_wtr, json_key);
			print_data_json(data, size);
		} else {
			hex_print(data, size, stdout);
		}
		return 0;
	}
	FILE *f = fopen(fname, "wb");
	if (!f) {
		p_err("failed to open %s: %s", fname, strerror(errno));
		return -1;
	}
	size_t n = fwrite(data, 1, size, f);
	if (fclose(f) || n != size) {
		p_err("failed to write output data/ctx: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int prog_test_run_print(int fd, const struct prog_run_args *a)
{
	union bpf_attr attr;
	unsigned char *data_out = NULL, *ctx_out = NULL;
	int err = -1;
	memset(&attr, 0, sizeof attr);
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.repeat = a->repeat;
	attr.test.data_in = (uint64_t)(uintptr_t)a->data_in;
	attr.test.data_size_in = a->data_size_in;
	attr.test.ctx_in = (uint64_t)(uintptr_t)a->ctx_in;
	attr.test.ctx_size_in = a->ctx_size_in;
	if (a->data_in) {
		attr.test.data_size_out = a->data_size_out ? a->data_size_out : RUN_DEFAULT_SIZE;
		if (!(data_out = calloc(attr.test.data_size_out, 1))) {
			p_err("failed to allocate memory for output data/ctx");
			goto out;
		}
		attr.test.data_out = (uint64_t)(uintptr_t)data_out;
	}
	if (a->ctx_in) {
		attr.test.ctx_size_out = a->ctx_size_out ? a->ctx_size_out : RUN_DEFAULT_SIZE;
		if (!(ctx_out = calloc(attr.test.ctx_size_out, 1))) {
			p_err("failed to allocate memory for output data/ctx");
			goto out;
		}
		attr.test.ctx_out = (uint64_t)(uintptr_t)ctx_out;
	}
	if (userbpf_sys_bpf(BPF_PROG_TEST_RUN, &attr, sizeof attr) < 0) {
		p_err("failed to run program: %s", strerror(errno));
		goto out;
	}
	err = 0;
	if (json_output)
		jsonw_start_object(json_wtr);
	/* an output error still lets the return value be printed */
	if (attr.test.data_size_out && data_out)
		err |= print_run_output(data_out, attr.test.data_size_out, a->data_out_path,
		                        "data_out");
	if (attr.test.ctx_size_out && ctx_out)
		err |= print_run_output(ctx_out, attr.test.ctx_size_out, a->ctx_out_path,
		                        "ctx_out");
	if (json_output) {
		jsonw_uint_field(json_wtr, "retval", attr.test.retval);
		jsonw_uint_field(json_wtr, "duration", attr.test.duration);
		jsonw_end_object(json_wtr);
	} else {
		printf("Return value: %u, duration%s: %uns\n", attr.test.retval,
		       a->repeat > 1 ? " (average)" : "", attr.test.duration);
	}
out:
	free(data_out);
	free(ctx_out);
	return err ? -1 : 0;
}

int do_prog_run(int argc, char **argv)
{
	const char *data_fname_in = NULL, *ctx_fname_in = NULL;
	struct prog_run_args a;
	void *data_in = NULL, *ctx_in = NULL;
	int err = -1;
	memset(&a, 0, sizeof a);
	a.repeat = 1;
	if (!REQ_ARGS(4))
		return -1;
	int fd = prog_parse_fd(&argc, &argv);
	if (fd < 0)
		return -1;
	while (argc) {
		if (detect_common_prefix(*argv, "data_in", "data_out", "data_size_out", NULL) ||
		    detect_common_prefix(*argv, "ctx_in", "ctx_out", "ctx_size_out", NULL))
			goto out;
		const char *kw = *argv;
		NEXT_ARG();
		if (!REQ_ARGS(1))
			goto out;
		const char *val = GET_ARG();
		if (is_prefix(kw, "data_in")) {
			data_fname_in = val;
		} else if (is_prefix(kw, "data_out")) {
			a.data_out_path = val;
		} else if (is_prefix(kw, "data_size_out")) {
			if (!parse_u32(val, &a.data_size_out, "output data size"))
				goto out;
		} else if (is_prefix(kw, "ctx_in")) {
			ctx_fname_in = val;
		} else if (is_prefix(kw, "ctx_out")) {
			a.ctx_out_path = val;
		} else if (is_prefix(kw, "ctx_size_out")) {
			if (!parse_u32(val, &a.ctx_size_out, "output context size"))
				goto out;
		} else if (is_prefix(kw, "repeat")) {
			if (!parse_u32(val, &a.repeat, "repeat number"))
				goto out;
		} else {
			p_err("expected no more arguments, 'data_in', 'data_out', 'data_size_out', "
			      "'ctx_in', 'ctx_out', 'ctx_size_out' or 'repeat', got: '%s'?",
			      kw);
			goto out;
		}
		if ((data_fname_in && ctx_fname_in && !strcmp(data_fname_in, "-") &&
		     !strcmp(ctx_fname_in, "-"))) {
			p_err("cannot use standard input for both data_in and ctx_in");
			goto out;
		}
	}
	if (get_run_data(data_fname_in, &data_in, &a.data_size_in) ||
	    get_run_data(ctx_fname_in, &ctx_in, &a.ctx_size_in))
		goto out;
	a.data_in = data_in;
	a.ctx_in = ctx_in;
	err = prog_test_run_print(fd, &a);
out:
	free(data_in);
	free(ctx_in);
	cli_close(fd);
	return err;
}
