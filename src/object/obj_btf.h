/* obj_btf.h — the BTF validator (obj_btf_check.c) and its log, for BPF_BTF_LOAD (obj_btf.c);
 * the references maps and programs hold on BTF objects (obj_btf.c). */
#ifndef USERBPF_OBJECT_OBJ_BTF_H
#define USERBPF_OBJECT_OBJ_BTF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "object/object.h"

/* The verifier log as text, grown as needed (the caller's buffer rules are applied when it
 * is copied out). */
struct obj_log {
	char *buf;
	size_t len, cap;
	int on; /* a log was asked for: the checker writes it */
};

void obj_logf(struct obj_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void obj_vlogf(struct obj_log *log, const char *fmt, va_list ap);

/* Check a raw BTF blob as Linux's btf_parse does (header, sections, strings, every type's
 * meta data, then resolving references, sizes and members), logging as the kernel's BTF
 * verifier. Returns the number of types, or -errno (EINVAL, E2BIG, ENOTSUPP=524, ELOOP). */
long obj_btf_validate(const unsigned char *data, uint32_t size, struct obj_log *log);

/* BPF_MAP_CREATE with BTF (the kernel's map_check_btf): the key type (when key_id is not 0)
 * and the value type must have the map's sizes (-EINVAL); a struct bpf_spin_lock in the
 * value only for the types that allow one (-EOPNOTSUPP) and not with BPF_F_RDONLY_PROG /
 * WRONLY_PROG (-EACCES); then the type's own rules (array keys: a 32-bit int, or none for a
 * one-entry data section). Returns the lock's byte offset, -ENOENT without one, or -errno.
 * data is a blob that obj_btf_validate accepted. */
struct obj_btf_map {
	uint32_t map_type, key_size, value_size, max_entries, map_flags;
	uint32_t key_id, value_id;
};
long obj_btf_map_value(const unsigned char *data, uint32_t size, const struct obj_btf_map *m);

/* A map created with BTF key/value types and a program loaded with prog_btf_fd and func or
 * line info hold their BTF object, as the kernel's map->btf and prog->aux->btf: the BTF
 * lives, and BTF_GET_FD_BY_ID / BTF_GET_NEXT_ID find it from any process, while its holder
 * lives. The reference is a hard link <root>/.refs/btf/btf-<btf id>.<map|prog>-<holder id>
 * to the BTF file (the registry finds the BTF through it like through a pin). Call after
 * the holder is registered (obj_registry_add), so that a concurrent sweep sees it alive.
 * btf_fd is an fd of the BTF object btf_id. 0 or -errno. */
int obj_btf_hold(enum obj_kind holder, uint32_t holder_id, int btf_fd, uint32_t btf_id);
/* Drop the references of holders that are gone (programs' map links first, since maps may
 * live only through them). Run by BTF_GET_NEXT_ID and BTF_GET_FD_BY_ID before they
 * resolve ids, as nothing sees a map's or program's last close. */
void obj_btf_refs_sweep(void);

#endif /* USERBPF_OBJECT_OBJ_BTF_H */
