/* log.c — the verifier log: the kernel's bpf_verifier_log and the state dumps.
 *
 * The log is written as the kernel writes it: line by line (each verbose() call formats
 * at most BPF_VERIFIER_TMP_LOG_SIZE - 1 bytes), into a window of the user's buffer size.
 * Rotating mode (the default) keeps the tail, BPF_LOG_FIXED the head; len_max is the size
 * the whole log needed (log_true_size), and a log that did not fit fails the load with
 * ENOSPC (bpf_vlog_finalize). bpf_vlog_reset drops the lines of a verified path (level 1
 * keeps only the path that failed).
 *
 * print_verifier_state prints registers and stack slots as 6.18 does:
 * " R1=ctx() R2=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/map.h"
#include "verifier/verifier.h"

int bpf_vlog_init(struct bpf_verifier_log *log, u32 log_level, char *log_buf, u32 log_size)
{
	memset(log, 0, sizeof *log);
	log->level = log_level;
	log->ubuf = log_buf;
	log->len_total = log_size;
	/* ubuf and len_total must both be specified (or not) together */
	if (!!log->ubuf != !!log->len_total)
		return -EINVAL;
	/* log buf without log_level is meaningless */
	if (log->ubuf && log->level == 0)
		return -EINVAL;
	if (log->level & ~BPF_LOG_MASK)
		return -EINVAL;
	if (log->len_total > BPF_LOG_MAX_SIZE)
		return -EINVAL;
	if (log->ubuf) {
		log->ring = malloc(log->len_total);
		if (!log->ring)
			return -ENOMEM;
	}
	return 0;
}

void bpf_vlog_free(struct bpf_verifier_log *log)
{
	free(log->ring);
	log->ring = NULL;
}

static void vlog_update_len_max(struct bpf_verifier_log *log, u32 add_len)
{
	u64 len = log->end_pos + add_len;
	if (len > UINT32_MAX)
		log->len_max = UINT32_MAX;
	else if (len > log->len_max)
		log->len_max = (u32)len;
}

/* n <= len_total bytes at position pos of the window: at most one wrap, so two copies
 * (not a division per byte) */
static void vlog_put(struct bpf_verifier_log *log, u64 pos, const char *s, u32 n)
{
	u32 off = (u32)(pos % log->len_total);
	u32 first = n < log->len_total - off ? n : log->len_total - off;
	memcpy(log->ring + off, s, first);
	memcpy(log->ring, s + first, n - first);
}

void bpf_verifier_vlog(struct bpf_verifier_log *log, const char *fmt, va_list args)
{
	int r = vsnprintf(log->kbuf, BPF_VERIFIER_TMP_LOG_SIZE, fmt, args);
	u32 n = r < 0 ? 0 : (u32)r;
	if (n > BPF_VERIFIER_TMP_LOG_SIZE - 1)
		n = BPF_VERIFIER_TMP_LOG_SIZE - 1;
	n += 1; /* include the terminating zero */
	vlog_update_len_max(log, n);
	if (log->level & BPF_LOG_FIXED) {
		/* only what still fits into the user's buffer is kept */
		if (log->ubuf && log->end_pos < log->len_total) {
			u64 room = log->len_total - log->end_pos;
			u32 new_n = room < n ? (u32)room : n;
			vlog_put(log, log->end_pos, log->kbuf, new_n - 1);
		}
		log->end_pos += n - 1;
		return;
	}
	u64 new_end = log->end_pos + n;
	if (new_end - log->start_pos >= log->len_total)
		log->start_pos = new_end - log->len_total;
	if (log->ubuf) {
		/* only the last len_total - 1 bytes of this line can survive */
		u32 skip = n - 1 > log->len_total ? n - 1 - log->len_total : 0;
		vlog_put(log, log->end_pos + skip, log->kbuf + skip, n - 1 - skip);
	}
	log->end_pos = new_end - 1; /* don't count the terminating zero */
	if (!log->ubuf)
		log->start_pos = log->end_pos; /* nothing is kept: size only */
}

void bpf_log(struct bpf_verifier_log *log, const char *fmt, ...)
{
	if (!bpf_verifier_log_needed(log))
		return;
	va_list ap;
	va_start(ap, fmt);
	bpf_verifier_vlog(log, fmt, ap);
	va_end(ap);
}

void bpf_vlog_reset(struct bpf_verifier_log *log, u64 new_pos)
{
	if (!bpf_verifier_log_needed(log) || new_pos > log->end_pos)
		return;
	log->end_pos = new_pos;
	if (log->end_pos < log->start_pos)
		log->start_pos = log->end_pos;
}

int bpf_vlog_finalize(struct bpf_verifier_log *log, u32 *log_size_actual)
{
	*log_size_actual = 0;
	if (!log || !log->level)
		return 0;
	*log_size_actual = log->len_max;
	if (!log->ubuf)
		return 0;
	u64 from = log->start_pos, to = log->end_pos;
	if (log->level & BPF_LOG_FIXED) {
		from = 0;
		if (to > log->len_total - 1)
			to = log->len_total - 1;
	}
	u64 n = to - from; /* < len_total: at most one wrap */
	u64 off = from % log->len_total;
	u64 first = n < log->len_total - off ? n : log->len_total - off;
	memcpy(log->ubuf, log->ring + off, first);
	memcpy(log->ubuf + first, log->ring, n - first);
	log->ubuf[n] = 0;
	return log->len_max > log->len_total ? -ENOSPC : 0;
}

void verbose(struct bpf_verifier_env *env, const char *fmt, ...)
{
	if (!bpf_verifier_log_needed(&env->log))
		return;
	va_list ap;
	va_start(ap, fmt);
	bpf_verifier_vlog(&env->log, fmt, ap);
	va_end(ap);
}

/* find_linfo: the rightmost line_info record at or before insn_off (records are sorted,
 * the first one is at insn 0). */
static const struct bpf_line_info *find_linfo(const struct bpf_verifier_env *env, u32 insn_off)
{
	if (!env->nr_linfo || insn_off >= env->len)
		return NULL;
	u32 l = 0, r = env->nr_linfo - 1;
	while (l < r) {
		u32 m = l + (r - l + 1) / 2;
		if (env->linfo[m].insn_off <= insn_off)
			l = m;
		else
			r = m - 1;
	}
	return &env->linfo[l];
}

#define BPF_LINE_INFO_LINE_NUM(line_col) ((line_col) >> 10)

void verbose_linfo(struct bpf_verifier_env *env, u32 insn_off, const char *prefix_fmt, ...)
{
	if (!bpf_verifier_log_needed(&env->log))
		return;
	const struct bpf_line_info *prev = env->prev_linfo, *linfo = find_linfo(env, insn_off);
	if (!linfo || linfo == prev)
		return;
	/* another record for the same file and line (a different column): the log shows
	 * no columns, so the line is not repeated */
	if (!(prev && linfo->file_name_off == prev->file_name_off &&
	      BPF_LINE_INFO_LINE_NUM(linfo->line_col) == BPF_LINE_INFO_LINE_NUM(prev->line_col))) {
		if (prefix_fmt) {
			va_list ap;
			va_start(ap, prefix_fmt);
			bpf_verifier_vlog(&env->log, prefix_fmt, ap);
			va_end(ap);
		}
		const char *src = bpf_btf_str(env->btf, linfo->line_off);
		while (src && (*src == ' ' || (*src >= '\t' && *src <= '\r')))
			src++; /* ltrim */
		verbose(env, "%s", src ? src : "");
		const char *file = bpf_btf_str(env->btf, linfo->file_name_off);
		const char *base = file ? strrchr(file, '/') : NULL;
		verbose(env, " @ %s:%u\n",
		        base   ? base + 1
		        : file ? file
		               : "",
		        BPF_LINE_INFO_LINE_NUM(linfo->line_col));
	}
	env->prev_linfo = linfo;
}

/* ---- names ---- */

static const char *const reg_type_names[] = {
        [NOT_INIT] = "?",
        [SCALAR_VALUE] = "scalar",
        [PTR_TO_CTX] = "ctx",
        [CONST_PTR_TO_MAP] = "map_ptr",
        [PTR_TO_MAP_VALUE] = "map_value",
        [PTR_TO_STACK] = "fp",
        [PTR_TO_PACKET] = "pkt",
        [PTR_TO_PACKET_META] = "pkt_meta",
        [PTR_TO_PACKET_END] = "pkt_end",
        [PTR_TO_FLOW_KEYS] = "flow_keys",
        [PTR_TO_SOCKET] = "sock",
        [PTR_TO_SOCK_COMMON] = "sock_common",
        [PTR_TO_TCP_SOCK] = "tcp_sock",
        [PTR_TO_TP_BUFFER] = "tp_buffer",
        [PTR_TO_XDP_SOCK] = "xdp_sock",
        [PTR_TO_BTF_ID] = "ptr_",
        [PTR_TO_MEM] = "mem",
        [PTR_TO_ARENA] = "arena",
        [PTR_TO_BUF] = "buf",
        [PTR_TO_FUNC] = "func",
        [PTR_TO_MAP_KEY] = "map_key",
        [CONST_PTR_TO_DYNPTR] = "dynptr_ptr",
};

const char *reg_type_str(struct bpf_verifier_env *env, enum bpf_reg_type type)
{
	char *buf = env->type_str_buf[env->type_str_idx++ % 4];
	u32 base = base_type(type);
	const char *name =
	        base < __BPF_REG_TYPE_MAX && reg_type_names[base] ? reg_type_names[base] : "?";
	const char *postfix = "";
	if (type & PTR_MAYBE_NULL)
		postfix = base == PTR_TO_BTF_ID ? "or_null_" : "_or_null";
	snprintf(buf, sizeof env->type_str_buf[0], "%s%s%s%s%s%s%s%s%s",
	         type & MEM_RDONLY ? "rdonly_" : "", type & MEM_RINGBUF ? "ringbuf_" : "",
	         type & MEM_USER ? "user_" : "", type & MEM_PERCPU ? "percpu_" : "",
	         type & MEM_RCU ? "rcu_" : "", type & PTR_UNTRUSTED ? "untrusted_" : "",
	         type & PTR_TRUSTED ? "trusted_" : "", name, postfix);
	return buf;
}

/* ---- what the current insn touched ---- */

void mark_reg_scratched(struct bpf_verifier_env *env, u32 regno)
{
	env->scratched_regs |= 1u << regno;
}

void mark_stack_slot_scratched(struct bpf_verifier_env *env, u32 spi)
{
	if (spi < 64)
		env->scratched_stack_slots |= 1ull << spi;
}

void mark_verifier_state_clean(struct bpf_verifier_env *env)
{
	env->scratched_regs = 0;
	env->scratched_stack_slots = 0;
}

void mark_verifier_state_scratched(struct bpf_verifier_env *env)
{
	env->scratched_regs = ~0u;
	env->scratched_stack_slots = ~0ull;
}

bool verifier_state_scratched(const struct bpf_verifier_env *env)
{
	return env->scratched_regs || env->scratched_stack_slots;
}

/* ---- register and state dumps ---- */

/* small numbers in decimal, others in hex: signed within s16, unsigned within u16 */
static bool is_snum_decimal(s64 num)
{
	return num >= INT16_MIN && num <= INT16_MAX;
}

static bool is_unum_decimal(u64 num)
{
	return num <= UINT16_MAX;
}

void verbose_snum(struct bpf_verifier_env *env, s64 num)
{
	if (is_snum_decimal(num))
		verbose(env, "%lld", (long long)num);
	else
		verbose(env, "0x%llx", (unsigned long long)num);
}

void verbose_unum(struct bpf_verifier_env *env, u64 num)
{
	if (is_unum_decimal(num))
		verbose(env, "%llu", (unsigned long long)num);
	else
		verbose(env, "0x%llx", (unsigned long long)num);
}

/* "smin=0,smax=umax=0xffffffff": equal bounds share one value (print_scalar_ranges) */
static void print_scalar_ranges(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                                const char **sep)
{
	struct {
		const char *name;
		u64 val;
		bool omit;
	} m[] = {
	        {"smin", (u64)reg->smin_value, reg->smin_value == INT64_MIN},
	        {"smax", (u64)reg->smax_value, reg->smax_value == INT64_MAX},
	        {"umin", reg->umin_value, reg->umin_value == 0},
	        {"umax", reg->umax_value, reg->umax_value == UINT64_MAX},
	        /* 32-bit signed values are sign-extended only when printed in decimal */
	        {"smin32",
	         is_snum_decimal(reg->s32_min_value) ? (u64)(s64)reg->s32_min_value
	                                             : (u64)(u32)reg->s32_min_value,
	         reg->s32_min_value == INT32_MIN},
	        {"smax32",
	         is_snum_decimal(reg->s32_max_value) ? (u64)(s64)reg->s32_max_value
	                                             : (u64)(u32)reg->s32_max_value,
	         reg->s32_max_value == INT32_MAX},
	        {"umin32", reg->u32_min_value, reg->u32_min_value == 0},
	        {"umax32", reg->u32_max_value, reg->u32_max_value == UINT32_MAX},
	};
	size_t n = sizeof m / sizeof m[0];
	for (size_t i = 0; i < n; i++) {
		if (m[i].omit)
			continue;
		bool neg1 = m[i].name[0] == 's' && (s64)m[i].val < 0;
		verbose(env, "%s%s=", *sep, m[i].name);
		*sep = ",";
		for (size_t j = i + 2; j < n; j += 2) {
			if (m[j].omit)
				continue;
			bool neg2 = m[j].name[0] == 's' && (s64)m[j].val < 0;
			if (neg1 == neg2 && m[i].val == m[j].val) {
				verbose(env, "%s=", m[j].name);
				m[j].omit = true;
			}
		}
		if (m[i].name[0] == 's')
			verbose_snum(env, (s64)m[i].val);
		else
			verbose_unum(env, m[i].val);
	}
}

static bool type_is_map_ptr(enum bpf_reg_type t)
{
	switch (base_type(t)) {
	case CONST_PTR_TO_MAP:
	case PTR_TO_MAP_KEY:
	case PTR_TO_MAP_VALUE:
		return true;
	default:
		return false;
	}
}

static const char *dynptr_type_str(enum bpf_dynptr_type type)
{
	switch (type) {
	case BPF_DYNPTR_TYPE_LOCAL:
		return "local";
	case BPF_DYNPTR_TYPE_RINGBUF:
		return "ringbuf";
	case BPF_DYNPTR_TYPE_SKB:
		return "skb";
	case BPF_DYNPTR_TYPE_XDP:
		return "xdp";
	default:
		return "<unknown>";
	}
}

#define verbose_a(...)                                                                             \
	do {                                                                                       \
		verbose(env, "%s", sep);                                                           \
		verbose(env, "" __VA_ARGS__);                                                      \
		sep = ",";                                                                         \
	} while (0)

static void print_reg_state(struct bpf_verifier_env *env, const struct bpf_func_state *state,
                            const struct bpf_reg_state *reg)
{
	enum bpf_reg_type t = reg->type;
	const char *sep = "";
	if (t == SCALAR_VALUE && reg->precise)
		verbose(env, "P");
	if (t == SCALAR_VALUE && tnum_is_const(reg->var_off)) {
		verbose_snum(env, (s64)reg->var_off.value);
		return;
	}
	verbose(env, "%s", reg_type_str(env, t));
	if (t == PTR_TO_ARENA)
		return;
	if (t == PTR_TO_STACK) {
		if (state->frameno != reg->frameno)
			verbose(env, "[%d]", (int)reg->frameno);
		if (tnum_is_const(reg->var_off)) {
			verbose_snum(env, (s64)(reg->var_off.value + (u64)(s64)reg->off));
			return;
		}
	}
	verbose(env, "(");
	if (reg->id)
		verbose_a("id=%u", reg->id & ~BPF_ADD_CONST);
	if (reg->id & BPF_ADD_CONST)
		verbose(env, "%+d", reg->off);
	if (reg->ref_obj_id)
		verbose_a("ref_obj_id=%u", reg->ref_obj_id);
	if (type_flag(t) & NON_OWN_REF)
		verbose_a("%s", "non_own_ref");
	if (type_is_map_ptr(t)) {
		if (reg->map_ptr && reg->map_ptr->sh && reg->map_ptr->sh->name[0])
			verbose_a("map=%.16s", reg->map_ptr->sh->name);
		if (reg->map_ptr)
			verbose_a("ks=%u,vs=%u", reg->map_ptr->key_size, reg->map_ptr->value_size);
	}
	if (t != SCALAR_VALUE && reg->off) {
		verbose_a("off=");
		verbose_snum(env, reg->off);
	}
	if (type_is_pkt_pointer(t)) {
		verbose_a("r=");
		verbose_unum(env, (u64)(s64)reg->range);
	}
	if (base_type(t) == PTR_TO_MEM) {
		verbose_a("sz=");
		verbose_unum(env, reg->mem_size);
	}
	if (t == CONST_PTR_TO_DYNPTR)
		verbose_a("type=%s", dynptr_type_str(reg->dynptr.type));
	if (tnum_is_const(reg->var_off)) {
		/* a pointer register with fixed offset */
		if (reg->var_off.value) {
			verbose_a("imm=");
			verbose_snum(env, (s64)reg->var_off.value);
		}
	} else {
		print_scalar_ranges(env, reg, &sep);
		if (!tnum_is_unknown(reg->var_off)) {
			char tn_buf[48];
			tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
			verbose_a("var_off=%s", tn_buf);
		}
	}
	verbose(env, ")");
}

static const char slot_type_char[] = {
        [STACK_INVALID] = '?', [STACK_SPILL] = 'r', [STACK_MISC] = 'm',     [STACK_ZERO] = '0',
        [STACK_DYNPTR] = 'd',  [STACK_ITER] = 'i',  [STACK_IRQ_FLAG] = 'f',
};

#define BPF_DYNPTR_NR_SLOTS 2

void print_verifier_state(struct bpf_verifier_env *env, const struct bpf_verifier_state *vstate,
                          u32 frameno, bool print_all)
{
	const struct bpf_func_state *state = vstate->frame[frameno];
	if (state->frameno)
		verbose(env, " frame%u:", state->frameno);
	for (int i = 0; i < MAX_BPF_REG; i++) {
		const struct bpf_reg_state *reg = &state->regs[i];
		if (reg->type == NOT_INIT)
			continue;
		if (!print_all && !(env->scratched_regs & (1u << i)))
			continue;
		verbose(env, " R%d=", i);
		print_reg_state(env, state, reg);
	}
	for (int i = 0; i < state->allocated_stack / BPF_REG_SIZE; i++) {
		char types_buf[BPF_REG_SIZE + 1];
		bool valid = false;
		if (!print_all && (i >= 64 || !(env->scratched_stack_slots & (1ull << i))))
			continue;
		for (int j = 0; j < BPF_REG_SIZE; j++) {
			u8 st = state->stack[i].slot_type[j];
			if (st != STACK_INVALID)
				valid = true;
			types_buf[j] = st < sizeof slot_type_char ? slot_type_char[st] : '?';
		}
		types_buf[BPF_REG_SIZE] = 0;
		if (!valid)
			continue;
		const struct bpf_reg_state *reg = &state->stack[i].spilled_ptr;
		switch (state->stack[i].slot_type[BPF_REG_SIZE - 1]) {
		case STACK_SPILL:
			/* the MISC/ZERO/INVALID bytes above a narrower spill */
			for (int j = 0; j < BPF_REG_SIZE; j++)
				if (state->stack[i].slot_type[j] == STACK_SPILL) {
					types_buf[j] = 0;
					break;
				}
			verbose(env, " fp%d=%s", (-i - 1) * BPF_REG_SIZE, types_buf);
			print_reg_state(env, state, reg);
			break;
		case STACK_DYNPTR: {
			const char *sep = "";
			i += BPF_DYNPTR_NR_SLOTS - 1;
			if (i >= state->allocated_stack / BPF_REG_SIZE)
				break;
			reg = &state->stack[i].spilled_ptr;
			verbose(env, " fp%d=dynptr_%s(", (-i - 1) * BPF_REG_SIZE,
			        dynptr_type_str(reg->dynptr.type));
			if (reg->id)
				verbose_a("id=%u", reg->id);
			if (reg->ref_obj_id)
				verbose_a("ref_id=%u", reg->ref_obj_id);
			if (reg->dynptr_id)
				verbose_a("dynptr_id=%u", reg->dynptr_id);
			verbose(env, ")");
			break;
		}
		default:
			verbose(env, " fp%d=%s", (-i - 1) * BPF_REG_SIZE, types_buf);
			break;
		}
	}
	if (vstate->acquired_refs && vstate->refs[0].id) {
		verbose(env, " refs=%d", vstate->refs[0].id);
		for (u32 i = 1; i < vstate->acquired_refs; i++)
			if (vstate->refs[i].id)
				verbose(env, ",%d", vstate->refs[i].id);
	}
	if (state->in_callback_fn)
		verbose(env, " cb");
	if (state->in_async_callback_fn)
		verbose(env, " async_cb");
	verbose(env, "\n");
	if (!print_all)
		mark_verifier_state_clean(env);
}

/* Spaces that put the state of an insn at column 40 (or the next multiple of 8). */
static u32 vlog_alignment(u32 pos)
{
	u32 p = pos + BPF_LOG_MIN_ALIGNMENT / 2;
	if (p < 40)
		p = 40;
	p = (p + BPF_LOG_MIN_ALIGNMENT - 1) / BPF_LOG_MIN_ALIGNMENT * BPF_LOG_MIN_ALIGNMENT;
	return p - pos - 1;
}

void print_insn_state(struct bpf_verifier_env *env, const struct bpf_verifier_state *vstate,
                      u32 frameno)
{
	if (env->prev_log_pos && env->prev_log_pos == env->log.end_pos) {
		/* continue the insn's line: drop its newline */
		bpf_vlog_reset(&env->log, env->prev_log_pos - 1);
		verbose(env, "%*c;", (int)vlog_alignment((u32)env->prev_insn_print_pos), ' ');
	} else {
		verbose(env, "%d:", env->insn_idx);
	}
	print_verifier_state(env, vstate, frameno, false);
}
