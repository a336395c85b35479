/* helper_proto.c — the helpers we implement, by Linux id, with the kernel's prototypes. */
#include <stddef.h>

#include "helpers/helpers.h"

#define MAP ARG_CONST_MAP_PTR
#define KEY ARG_PTR_TO_MAP_KEY
#define VALUE ARG_PTR_TO_MAP_VALUE
#define UNINIT_VALUE ARG_PTR_TO_UNINIT_MAP_VALUE
#define ANY ARG_ANYTHING

/* clang-format off */
static const struct bpf_func_proto helper_protos[] = {
	[BPF_FUNC_map_lookup_elem] = {"map_lookup_elem", bpf_map_lookup_elem_helper, false,
		RET_PTR_TO_MAP_VALUE_OR_NULL, {MAP, KEY}},
	[BPF_FUNC_map_update_elem] = {"map_update_elem", bpf_map_update_elem_helper, false,
		RET_INTEGER, {MAP, KEY, VALUE, ANY}},
	[BPF_FUNC_map_delete_elem] = {"map_delete_elem", bpf_map_delete_elem_helper, false,
		RET_INTEGER, {MAP, KEY}},
	[BPF_FUNC_ktime_get_ns] = {"ktime_get_ns", bpf_ktime_get_ns_helper, false,
		RET_INTEGER, {0}},
	[BPF_FUNC_get_prandom_u32] = {"get_prandom_u32", bpf_get_prandom_u32_helper, false,
		RET_INTEGER, {0}},
	[BPF_FUNC_get_smp_processor_id] = {"get_smp_processor_id",
		bpf_get_smp_processor_id_helper, false, RET_INTEGER, {0}},
	[BPF_FUNC_get_numa_node_id] = {"get_numa_node_id", bpf_get_numa_node_id_helper, false,
		RET_INTEGER, {0}},
	[BPF_FUNC_map_push_elem] = {"map_push_elem", bpf_map_push_elem_helper, false,
		RET_INTEGER, {MAP, VALUE, ANY}},
	[BPF_FUNC_map_pop_elem] = {"map_pop_elem", bpf_map_pop_elem_helper, false,
		RET_INTEGER, {MAP, UNINIT_VALUE}},
	[BPF_FUNC_map_peek_elem] = {"map_peek_elem", bpf_map_peek_elem_helper, false,
		RET_INTEGER, {MAP, UNINIT_VALUE}},
	[BPF_FUNC_ktime_get_boot_ns] = {"ktime_get_boot_ns", bpf_ktime_get_boot_ns_helper, false,
		RET_INTEGER, {0}},
	[BPF_FUNC_map_lookup_percpu_elem] = {"map_lookup_percpu_elem",
		bpf_map_lookup_percpu_elem_helper, false, RET_PTR_TO_MAP_VALUE_OR_NULL,
		{MAP, KEY, ANY}},
};
/* clang-format on */

const struct bpf_func_proto *bpf_helper_proto(uint32_t id)
{
	if (id >= sizeof helper_protos / sizeof helper_protos[0] || !helper_protos[id].func)
		return NULL;
	return &helper_protos[id];
}

void bpf_helpers_install(struct userbpf_vm *vm)
{
	for (uint32_t id = 0; id < sizeof helper_protos / sizeof helper_protos[0]; id++)
		if (helper_protos[id].func)
			userbpf_vm_set_helper(vm, id, helper_protos[id].func);
}
