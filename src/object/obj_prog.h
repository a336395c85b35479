/* obj_prog.h — programs as this process runs them (shared by the obj_prog_*.c files).
 *
 * A program object file holds what any process needs to run it: the verified program as
 * the verifier rewrote it (xlated: ctx accesses converted, LD_ABS expanded) with map
 * references as ids, the used map ids, and a trailer (struct obj_prog_trailer: verified
 * insn count, max ctx offset). struct obj_prog is one process's runnable form: the used
 * maps attached here, the instructions with their addresses, and a trusted vm — or a
 * guarded one when USERBPF_GUARDED=1 is set (soundness checks of the verifier: a guard
 * trip in a verified program is a verifier bug).
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
	struct ub_rcu_head rcu; /* a reaped runtime is freed after the runs that may use it */
	const char *root;       /* the bpffs root its id belongs to (interned) */
	uint32_t id;
	uint32_t prog_type;
	uint32_t expected_attach_type;
	uint32_t max_ctx_offset; /* the largest ctx offset the program accesses */
	bool guarded;            /* runs in the guarded vm although verified (USERBPF_GUARDED) */
	struct userbpf_vm *vm;
	struct bpf_map *maps[BPF_MAX_USED_MAPS]; /* attached here; index order = used_maps */
	uint32_t nr_maps;
	uint64_t borrowed; /* bit i: maps[i] is the process's by-id view (rt_maps), not this
	                    * runtime's own */
	bool named;        /* loaded here as <root>/.refs/prog-<id>: reaped when that name goes */
};

/* After the used map ids in a program file's payload. */
struct obj_prog_trailer {
	uint32_t magic; /* OBJ_PROG_TRAILER_MAGIC */
	uint32_t verified_insns;
	uint32_t max_ctx_offset;
	uint32_t reserved[5];
};
#define OBJ_PROG_TRAILER_MAGIC 0x56425055u /* "UPBV" */

/* Build a runtime from verified (xlated) instructions whose map references have been
 * resolved by bpf_fixup_map_ldimm64 into p->maps: create the vm (trusted, or guarded with
 * USERBPF_GUARDED=1), install the program type's helpers and the tail-call hook. 0 or
 * -errno with *e filled. */
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

/* The BTF section of a program file (obj_prog_info.c), right after the trailer: the
 * program's BTF object id and its func_info / line_info as the verifier left them
 * (bpf_verifier_result), returned by OBJ_GET_INFO_BY_FD. The store appends
 * obj_prog_btf_info_size(vr) bytes written by obj_prog_btf_info_write(). */
struct bpf_verifier_result;
size_t obj_prog_btf_info_size(const struct bpf_verifier_result *vr);
void obj_prog_btf_info_write(void *dst, const struct bpf_verifier_result *vr, uint32_t btf_id);

/* The trailer after the map ids, or NULL in a file without one. */
static inline const struct obj_prog_trailer *obj_prog_trailer(const struct obj_blob *b)
{
	uint64_t off = b->hdr->map_ids_off + BPF_MAX_USED_MAPS * sizeof(uint32_t);
	if (off + sizeof(struct obj_prog_trailer) > b->hdr->payload_size)
		return NULL;
	const struct obj_prog_trailer *t =
	        (const struct obj_prog_trailer *)((const char *)b->payload + off);
	return t->magic == OBJ_PROG_TRAILER_MAGIC ? t : NULL;
}

/* USERBPF_GUARDED=1: verified programs run in the guarded vm too. */
bool obj_prog_guarded_env(void);

#endif /* USERBPF_OBJECT_OBJ_PROG_H */
