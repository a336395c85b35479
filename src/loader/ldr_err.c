/* ldr_err.c — the loader's diagnostics (last error per thread, print callback) and small
 * utilities shared by its files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"

static userbpf_print_fn_t ldr_print_fn;
static _Thread_local char ldr_last_error[512];

userbpf_print_fn_t userbpf_set_print(userbpf_print_fn_t fn)
{
	userbpf_print_fn_t old = __atomic_exchange_n(&ldr_print_fn, fn, __ATOMIC_ACQ_REL);
	return old;
}

const char *userbpf_last_error(void)
{
	return ldr_last_error;
}

const char *userbpf_object__last_error(void)
{
	return ldr_last_error;
}

void ldr_clear_error(void)
{
	ldr_last_error[0] = 0;
}

static void ldr_print(enum userbpf_print_level level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void ldr_print(enum userbpf_print_level level, const char *fmt, ...)
{
	userbpf_print_fn_t fn = __atomic_load_n(&ldr_print_fn, __ATOMIC_ACQUIRE);
	if (!fn)
		return;
	va_list ap;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}

static const char *ldr_obj_label(const struct userbpf_object *obj)
{
	if (!obj)
		return "<object>";
	return obj->path ? obj->path : obj->name;
}

int ldr_err(const struct userbpf_object *obj, int err, const char *fmt, ...)
{
	char text[448];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	/* A long path may cut the message's tail; the head names file and section first. */
	if (snprintf(ldr_last_error, sizeof ldr_last_error, "%s: %s", ldr_obj_label(obj), text) >=
	    (int)sizeof ldr_last_error)
		ldr_last_error[sizeof ldr_last_error - 1] = '\0';
	ldr_print(USERBPF_WARN, "%s\n", ldr_last_error);
	return err;
}

static void ldr_vprint(enum userbpf_print_level level, const struct userbpf_object *obj,
                       const char *fmt, va_list ap)
{
	if (!__atomic_load_n(&ldr_print_fn, __ATOMIC_ACQUIRE))
		return;
	char text[448];
	vsnprintf(text, sizeof text, fmt, ap);
	ldr_print(level, "%s: %s\n", ldr_obj_label(obj), text);
}

void ldr_info(const struct userbpf_object *obj, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ldr_vprint(USERBPF_INFO, obj, fmt, ap);
	va_end(ap);
}

void ldr_debug(const struct userbpf_object *obj, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ldr_vprint(USERBPF_DEBUG, obj, fmt, ap);
	va_end(ap);
}

char *ldr_strdup(const char *s)
{
	return strdup(s ? s : "");
}

/* Make room for element nr in *arr (capacity *cap, doubling); 0 or -ENOMEM. The new
 * element is zeroed. */
int ldr_grow(void **arr, uint32_t nr, uint32_t *cap, size_t elem)
{
	if (nr < *cap) {
		memset((char *)*arr + (size_t)nr * elem, 0, elem);
		return 0;
	}
	uint32_t ncap = *cap ? *cap * 2 : 8;
	if (ncap <= nr)
		return -ENOMEM;
	void *n = realloc(*arr, (size_t)ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	memset((char *)n + (size_t)nr * elem, 0, elem);
	return 0;
}

/* "section 'xdp', program 'xdp_pass'" for messages. */
const char *ldr_prog_desc(const struct userbpf_program *prog, char *buf, size_t len)
{
	snprintf(buf, len, "section '%s', %s '%s'", ldr_sec_name(prog->obj, prog->sec_idx),
	         prog->is_subprog ? "function" : "program", prog->name);
	return buf;
}
