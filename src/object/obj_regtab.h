/* obj_regtab.h — the registry's table of holders in shared memory (obj_regtab.c), used by
 * the registry (obj_id.c) before its symbolic links. */
#ifndef USERBPF_OBJECT_OBJ_REGTAB_H
#define USERBPF_OBJECT_OBJ_REGTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object/object.h"

/* Who holds an object: a process's fd, and the file's identity to check it against. */
struct obj_holder {
	long pid;
	int fd;
	uint64_t dev, ino;
};

/* Called by obj_regtab_set before it reuses the slot of an entry for another id: the
 * entry must be recorded elsewhere (a link) first, since its object may live on. */
typedef void (*obj_regtab_spill_fn)(const char *root, enum obj_kind kind, uint32_t id,
                                    const struct obj_holder *h);

/* The holder of (kind, id) in root's table: true and *h, or false (not there). */
bool obj_regtab_get(const char *root, enum obj_kind kind, uint32_t id, struct obj_holder *h);
/* Record h for (kind, id). only_present: only when the table has (kind, id) already (a new
 * holder for it). True when stored; false: the caller records it as a link. */
bool obj_regtab_set(const char *root, enum obj_kind kind, uint32_t id, const struct obj_holder *h,
                    bool only_present, obj_regtab_spill_fn spill);
/* Forget (kind, id); true when the table had it. */
bool obj_regtab_del(const char *root, enum obj_kind kind, uint32_t id);
/* Append the ids of kind in the table that are > after and <= last to *ids (grown with
 * realloc; *n entries, *cap room). 0 or -ENOMEM. */
int obj_regtab_list(const char *root, enum obj_kind kind, uint32_t after, uint32_t last,
                    uint32_t **ids, size_t *n, size_t *cap);

#endif /* USERBPF_OBJECT_OBJ_REGTAB_H */
