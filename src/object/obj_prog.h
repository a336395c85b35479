/* obj_prog.h — programs as this process runs them (shared by the obj_prog_*.c files).
 *
 * A program object file holds what any process needs to run it: the instructions with
 * map references as ids, and the used map ids. struct obj_prog is one process's runnable
 * form: the used maps attached here, the instructions rewritten to their addresses and a
 * guarded vm (there is no verifier yet: nothing unverified runs unguarded).
 *
 * Runtimes are kept per process, by (bpffs root, prog id), for the life of the process: the
 * tail-call hook and map-in-map lookups find them by id in the middle of a run, where nothing may
 * be freed. Ids are never reused, so an entry never names the wrong program. A runtime
 * holds mappings of its maps, not fds, so it does not make the program or its maps
 * visible by id once their last fd and pin are gone.
 */
#ifndef USERBPF_OBJECT_OBJ_PROG_H
#define USERBPF_OBJECT_OBJ_PROG_H

#include <userbpf/vm.h>

#include "helpers/helpers.h"
#include "object/object.h"
#include "verifier/fixup.h"

#define OBJ_PROG_MAX_INSNS 1000000u /* BPF_COMPLEXITY_LIMIT_INSNS for a privileged loader */

struct obj_prog {
	const char *root; /* the bpffs root its id belongs to (interned) */
	uint32_t id;
	uint32_t prog_type;
	struct userbpf_vm *vm;
	struct bpf_map *maps[BPF_MAX_USED_MAPS]; /* attached here; index order = used_maps */
	uint32_t nr_maps;
};

/* Build a runtime from instructions whose map references have been resolved by
 * bpf_fixup_map_ldimm64 into p->maps: create the guarded vm, install helpers and the
 * tail-call hook. 0 or -errno with *e filled. */
int obj_prog_rt_finish(struct obj_prog *p, const struct bpf_insn *fixed, uint32_t cnt,
                       struct userbpf_error *e);
/* Free a runtime that was never published. */
void obj_prog_rt_free(struct obj_prog *p);
/* Publish a runtime under its id (takes ownership). */
void obj_prog_rt_publish(struct obj_prog *p);
/* The runtime of the program behind e (a PROG entry), built from its file on first use. */
int obj_prog_rt_get(struct obj_entry *e, struct obj_prog **out);
/* The run environment helpers see for a run of p. */
void obj_prog_run_env(const struct obj_prog *p, struct bpf_run_env *env);

/* The used map ids stored after the instructions. */
static inline uint32_t *obj_prog_map_ids(const struct obj_blob *b)
{
	return (uint32_t *)((char *)b->payload + b->hdr->map_ids_off);
}

#endif /* USERBPF_OBJECT_OBJ_PROG_H */
