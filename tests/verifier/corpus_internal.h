/* corpus_internal.h — what the corpus_*.c files share and nobody else needs. */
#ifndef USERBPF_TESTS_VERIFIER_CORPUS_INTERNAL_H
#define USERBPF_TESTS_VERIFIER_CORPUS_INTERNAL_H

#include "corpus.h"

/* corpus_names.c: 0, or -1 for an unknown name (numbers are accepted too). */
int cx_prog_type_by_name(const char *s, uint32_t *out);
int cx_map_type_by_name(const char *s, uint32_t *out);
int cx_attach_type_by_name(const char *s, uint32_t *out);
int cx_helper_by_name(const char *s, uint32_t *out); /* "bpf_map_lookup_elem" → 1 */

/* corpus_btf.c: the raw BTF a case needs (int, pointers, the ctx struct, spin-lock value
 * structs for its maps, a FUNC_PROTO + FUNC per func directive). *func_ids receives the
 * FUNC type id per func, *val_ids the value struct id per map (0: none). malloc'd blob. */
int cx_btf_build(const struct cx_case *k, void **blob, uint32_t *len, uint32_t *func_ids,
                 uint32_t *val_ids, uint32_t *int_id);

/* A growable text buffer. */
struct cx_buf {
	char *s;
	size_t len, cap;
};
void cx_buf_add(struct cx_buf *b, const char *s, size_t n);
void cx_buf_addf(struct cx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* USERBPF_TESTS_VERIFIER_CORPUS_INTERNAL_H */
