/* json.h — a small streaming JSON writer with bpftool's layout.
 *
 * The calls and the whitespace follow bpftool's json_writer: compact by default; with
 * pretty printing, members go on their own line indented four spaces per level, arrays of
 * scalars stay on one line and their closing bracket goes on the next, so that output of
 * `userbpf --json --pretty ...` looks like `bpftool --json --pretty ...`. Unlike bpftool's,
 * strings are escaped as JSON requires (backslash, quotes, control characters), so every
 * document parses.
 */
#ifndef USERBPF_TOOLS_JSON_H
#define USERBPF_TOOLS_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *f);
/* Ends the document with a newline and frees the writer; *self becomes NULL. */
void jsonw_destroy(json_writer_t **self);
void jsonw_pretty(json_writer_t *self, bool on);
/* Forget that a value was written at this level (the next one gets no comma). */
void jsonw_reset(json_writer_t *self);
/* Nesting depth: 0 when no object or array is open. */
unsigned jsonw_depth(const json_writer_t *self);

void jsonw_name(json_writer_t *self, const char *name);
/* A raw value, printed as formatted (numbers, true/false, pre-quoted text). */
void jsonw_printf(json_writer_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A string value: the formatted text, escaped and quoted. */
void jsonw_vprintf_enquote(json_writer_t *self, const char *fmt, va_list ap);
void jsonw_start_object(json_writer_t *self);
void jsonw_end_object(json_writer_t *self);
void jsonw_start_array(json_writer_t *self);
void jsonw_end_array(json_writer_t *self);

void jsonw_string(json_writer_t *self, const char *value);
void jsonw_bool(json_writer_t *self, bool value);
void jsonw_null(json_writer_t *self);
void jsonw_uint(json_writer_t *self, uint64_t value);
void jsonw_int(json_writer_t *self, int64_t value);

void jsonw_string_field(json_writer_t *self, const char *name, const char *value);
void jsonw_bool_field(json_writer_t *self, const char *name, bool value);
void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t value);
void jsonw_int_field(json_writer_t *self, const char *name, int64_t value);
void jsonw_null_field(json_writer_t *self, const char *name);

#endif
