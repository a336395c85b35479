/* helpers.h — helper functions by their Linux ids: prototypes and the run environment.
 *
 * Each helper has a prototype (struct bpf_func_proto, the kernel's name): its return and
 * argument kinds, which the verifier checks calls against, and whether it is GPL-only.
 * The table (helper_proto.c) is the single list of what we implement.
 *
 * Helpers receive the run (struct userbpf_run_ctx); the run's user pointer is the
 * program's struct bpf_run_env, filled by the object layer: which maps the program may
 * name and how to find an inner map by id. In a guarded run (no verifier yet, or the ISA
 * test mode) helpers check every pointer argument and every map argument themselves.
 */
#ifndef USERBPF_HELPERS_H
#define USERBPF_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include <userbpf/vm.h>

struct bpf_map;

/* Argument kinds, as the kernel's enum bpf_arg_type (base kind | flags). */
enum bpf_arg_type {
	ARG_DONTCARE = 0,
	ARG_CONST_MAP_PTR,           /* a map the program names with ld_imm64 */
	ARG_PTR_TO_MAP_KEY,          /* key_size readable bytes */
	ARG_PTR_TO_MAP_VALUE,        /* value_size readable bytes */
	ARG_PTR_TO_UNINIT_MAP_VALUE, /* value_size writable bytes */
	ARG_PTR_TO_MEM,              /* followed by its size argument */
	ARG_PTR_TO_UNINIT_MEM,
	ARG_CONST_SIZE,
	ARG_CONST_SIZE_OR_ZERO,
	ARG_PTR_TO_CTX,
	ARG_ANYTHING,
	ARG_PTR_TO_FUNC, /* a callback subprogram */
	ARG_PTR_TO_STACK_OR_NULL,
	ARG_CONST_ALLOC_SIZE_OR_ZERO,
	ARG_PTR_TO_ALLOC_MEM, /* e.g. a ring buffer record */
	ARG_KIND_MASK = 0xff,
	MEM_RDONLY = 1u << 8,
	PTR_MAYBE_NULL = 1u << 9,
	OBJ_RELEASE = 1u << 10,
};

enum bpf_return_type {
	RET_INTEGER,
	RET_VOID,
	RET_PTR_TO_MAP_VALUE_OR_NULL,
	RET_PTR_TO_ALLOC_MEM_OR_NULL,
};

struct bpf_func_proto {
	const char *name; /* without the bpf_ prefix, as the kernel's log prints it */
	userbpf_helper_fn func;
	bool gpl_only;
	enum bpf_return_type ret_type;
	uint32_t arg_type[5];
};

/* The prototype for a helper id, or NULL if we do not implement it. */
const struct bpf_func_proto *bpf_helper_proto(uint32_t id);

/* Install every implemented helper into a vm. */
void bpf_helpers_install(struct userbpf_vm *vm);

/* What a running program may touch besides its memory: set as the run's user pointer. */
struct bpf_run_env {
	struct bpf_map *const *maps; /* the program's maps (used_maps), for guarded checks */
	uint32_t nr_maps;
	/* An inner map by id (map-in-map lookups), attached in this process, or NULL. */
	struct bpf_map *(*map_by_id)(void *owner, uint32_t id);
	/* Guarded runs: is ptr a map this process has attached (an inner map a lookup
	 * returned)? NULL when the program can only name its own maps. */
	struct bpf_map *(*map_check)(void *owner, uint64_t ptr);
	void *owner;
};

/* For helper implementations: the map named by a helper argument, or NULL when a guarded
 * run passes something that is not one of the program's maps. */
struct bpf_map *bpf_helper_map_arg(struct userbpf_run_ctx *rc, uint64_t arg);

/* helper_map.c and helper_misc.c export their helpers for the table. */
uint64_t bpf_map_lookup_elem_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                    struct userbpf_run_ctx *);
uint64_t bpf_map_update_elem_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                    struct userbpf_run_ctx *);
uint64_t bpf_map_delete_elem_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                    struct userbpf_run_ctx *);
uint64_t bpf_map_push_elem_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                  struct userbpf_run_ctx *);
uint64_t bpf_map_pop_elem_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                 struct userbpf_run_ctx *);
uint64_t bpf_map_peek_elem_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                  struct userbpf_run_ctx *);
uint64_t bpf_map_lookup_percpu_elem_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                           struct userbpf_run_ctx *);
uint64_t bpf_ktime_get_ns_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                 struct userbpf_run_ctx *);
uint64_t bpf_ktime_get_boot_ns_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                      struct userbpf_run_ctx *);
uint64_t bpf_get_prandom_u32_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                    struct userbpf_run_ctx *);
uint64_t bpf_get_smp_processor_id_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                         struct userbpf_run_ctx *);
uint64_t bpf_get_numa_node_id_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                     struct userbpf_run_ctx *);

#endif /* USERBPF_HELPERS_H */
