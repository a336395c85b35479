/* json.c — the streaming JSON writer (see json.h for the layout it reproduces). */
#include <inttypes.h>
#include <stdlib.h>

#include "json.h"

struct json_writer {
	FILE *out;
	unsigned depth;
	bool pretty;
	char sep; /* ',' once a value was written at this level, else 0 */
};

json_writer_t *jsonw_new(FILE *f)
{
	json_writer_t *w = calloc(1, sizeof *w);
	if (w)
		w->out = f;
	return w;
}

void jsonw_destroy(json_writer_t **self)
{
	json_writer_t *w = *self;
	if (!w)
		return;
	fputc('\n', w->out);
	fflush(w->out);
	free(w);
	*self = NULL;
}

void jsonw_pretty(json_writer_t *self, bool on)
{
	self->pretty = on;
}

void jsonw_reset(json_writer_t *self)
{
	self->sep = 0;
}

unsigned jsonw_depth(const json_writer_t *self)
{
	return self->depth;
}

/* Pretty mode: a new line indented to the current depth. */
static void jsonw_eol(json_writer_t *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (unsigned i = 0; i < w->depth; i++)
		fputs("    ", w->out);
}

/* Between values of one level: the comma. */
static void jsonw_eor(json_writer_t *w)
{
	if (w->sep)
		fputc(w->sep, w->out);
	w->sep = ',';
}

static void jsonw_puts(json_writer_t *w, const char *s)
{
	fputc('"', w->out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			fputs("\\\"", w->out);
			break;
		case '\\':
			fputs("\\\\", w->out);
			break;
		case '\n':
			fputs("\\n", w->out);
			break;
		case '\t':
			fputs("\\t", w->out);
			break;
		case '\r':
			fputs("\\r", w->out);
			break;
		case '\b':
			fputs("\\b", w->out);
			break;
		case '\f':
			fputs("\\f", w->out);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(w->out, "\\u%04x", c);
			else
				fputc(c, w->out);
		}
	}
	fputc('"', w->out);
}

static void jsonw_begin(json_writer_t *w, int c)
{
	jsonw_eor(w);
	fputc(c, w->out);
	w->depth++;
	w->sep = 0;
}

static void jsonw_end(json_writer_t *w, int c)
{
	if (w->depth)
		w->depth--;
	if (w->sep)
		jsonw_eol(w);
	fputc(c, w->out);
	w->sep = ',';
}

void jsonw_name(json_writer_t *self, const char *name)
{
	jsonw_eor(self);
	jsonw_eol(self);
	self->sep = 0;
	jsonw_puts(self, name);
	fputc(':', self->out);
	if (self->pretty)
		fputc(' ', self->out);
}

void jsonw_printf(json_writer_t *self, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	jsonw_eor(self);
	vfprintf(self->out, fmt, ap);
	va_end(ap);
}

void jsonw_vprintf_enquote(json_writer_t *self, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	jsonw_eor(self);
	jsonw_puts(self, buf);
}

void jsonw_start_object(json_writer_t *self)
{
	jsonw_begin(self, '{');
}

void jsonw_end_object(json_writer_t *self)
{
	jsonw_end(self, '}');
}

void jsonw_start_array(json_writer_t *self)
{
	jsonw_begin(self, '[');
}

void jsonw_end_array(json_writer_t *self)
{
	jsonw_end(self, ']');
}

void jsonw_string(json_writer_t *self, const char *value)
{
	jsonw_eor(self);
	jsonw_puts(self, value);
}

void jsonw_bool(json_writer_t *self, bool value)
{
	jsonw_printf(self, "%s", value ? "true" : "false");
}

void jsonw_null(json_writer_t *self)
{
	jsonw_printf(self, "null");
}

void jsonw_uint(json_writer_t *self, uint64_t value)
{
	jsonw_printf(self, "%" PRIu64, value);
}

void jsonw_int(json_writer_t *self, int64_t value)
{
	jsonw_printf(self, "%" PRId64, value);
}

void jsonw_string_field(json_writer_t *self, const char *name, const char *value)
{
	jsonw_name(self, name);
	jsonw_string(self, value);
}

void jsonw_bool_field(json_writer_t *self, const char *name, bool value)
{
	jsonw_name(self, name);
	jsonw_bool(self, value);
}

void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t value)
{
	jsonw_name(self, name);
	jsonw_uint(self, value);
}

void jsonw_int_field(json_writer_t *self, const char *name, int64_t value)
{
	jsonw_name(self, name);
	jsonw_int(self, value);
}

void jsonw_null_field(json_writer_t *self, const char *name)
{
	jsonw_name(self, name);
	jsonw_null(self);
}
