/* ldr.h — the object loader's internal model: sections, programs, maps, relocations.
 *
 * Open reads the ELF into this model (ldr_elf.c → ldr_btf.c → ldr_prog.c / ldr_maps*.c /
 * ldr_kconfig.c → ldr_reloc.c); load turns it into objects through userbpf_sys_bpf
 * (ldr_load.c) after linking each program with its subprograms and applying relocations
 * (ldr_link.c, ldr_core.c). Names follow libbpf where there is an equivalent.
 */
#ifndef USERBPF_LOADER_LDR_H
#define USERBPF_LOADER_LDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>
#include <userbpf/loader.h>
#include <userbpf/sys.h>

struct btf;

#define LDR_INSN_SZ 8u
#define LDR_MAX_SECS 65536u    /* we refuse objects with more sections than this */
#define LDR_MAX_INSNS 1000000u /* a linked program's limit (BPF_COMPLEXITY_LIMIT_INSNS) */

/* ---- diagnostics (ldr_err.c) ---- */

/* Record err with a formatted message "<file>: <text>" as the thread's last error, print it
 * at WARN, and return err (negative errno). */
int ldr_err(const struct userbpf_object *obj, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void ldr_info(const struct userbpf_object *obj, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void ldr_debug(const struct userbpf_object *obj, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void ldr_clear_error(void);

/* ---- section names (ldr_secdef.c) ---- */

enum ldr_sec_flags {
	LDR_SEC_SLEEPABLE = 1u << 0, /* prog_flags |= BPF_F_SLEEPABLE */
	LDR_SEC_XDP_FRAGS = 1u << 1, /* prog_flags |= BPF_F_XDP_HAS_FRAGS */
	LDR_SEC_ATTACH_BTF = 1u << 2 /* fentry & co.: needs a kernel BTF target (unsupported) */
};

struct ldr_sec_def {
	const char *sec; /* "xdp", "kprobe+" (exact or "/..."), "sk_skb/" (prefix) */
	uint32_t prog_type, attach_type;
	unsigned flags;
};

const struct ldr_sec_def *ldr_find_sec_def(const char *sec_name);

/* ---- ELF sections ---- */

enum ldr_sec_kind {
	LDR_SEC_OTHER = 0, /* ignored */
	LDR_SEC_PROG,      /* executable, not .text: main programs */
	LDR_SEC_TEXT,      /* .text: subprograms */
	LDR_SEC_DATA,      /* .data, .data.* */
	LDR_SEC_RODATA,    /* .rodata, .rodata.* */
	LDR_SEC_BSS,       /* .bss, .bss.* */
	LDR_SEC_MAPS,      /* .maps (BTF-defined) */
	LDR_SEC_LEGACY,    /* maps (struct bpf_map_def / iproute2's struct bpf_elf_map) */
	LDR_SEC_LICENSE,
	LDR_SEC_VERSION,
	LDR_SEC_BTF,
	LDR_SEC_BTF_EXT,
	LDR_SEC_REL,    /* SHT_REL for a section we use */
	LDR_SEC_SYMTAB, /* the symbol table */
};

struct ldr_sec {
	const char *name;
	uint32_t sh_type;
	uint64_t sh_flags;
	const uint8_t *data; /* NULL for SHT_NOBITS and empty sections */
	size_t size;         /* sh_size (also for NOBITS) */
	uint32_t link, info;
	enum ldr_sec_kind kind;
	int map_idx;             /* the global data map of a data section, else -1 */
	struct ldr_reloc *relos; /* PROG / TEXT sections: sorted by insn */
	uint32_t nr_relos;
	uint32_t rel_sec; /* the SHT_REL section applying to this one, 0 if none */
};

/* ---- relocations ---- */

enum ldr_reloc_type {
	LDR_RELO_CALL,         /* call insn → a subprogram (BPF_PSEUDO_CALL) */
	LDR_RELO_SUBPROG_ADDR, /* ld_imm64 → a subprogram's address (BPF_PSEUDO_FUNC) */
	LDR_RELO_MAP,          /* ld_imm64 → a map (BPF_PSEUDO_MAP_FD) */
	LDR_RELO_DATA,         /* ld_imm64 → global data (BPF_PSEUDO_MAP_VALUE) */
	LDR_RELO_EXTERN,       /* ld_imm64 → a .kconfig extern (BPF_PSEUDO_MAP_VALUE) */
};

struct ldr_reloc {
	uint32_t insn;    /* instruction index in its section */
	uint8_t type;     /* enum ldr_reloc_type */
	int map_idx;      /* MAP, DATA, EXTERN */
	uint32_t sym_off; /* symbol value (CALL, SUBPROG_ADDR, DATA), extern offset (EXTERN) */
	uint32_t sym;     /* symbol index, for messages */
};

/* ---- programs ---- */

struct ldr_ext_info {        /* records of one kind (.BTF.ext) for one section */
	const uint8_t *recs; /* num * rec_size bytes, insn_off in bytes */
	uint32_t num, rec_size;
};

struct userbpf_program {
	struct userbpf_object *obj;
	char *name;     /* the C function */
	char *sec_name; /* without the '?' */
	uint32_t sec_idx;
	uint32_t sec_insn_off, sec_insn_cnt; /* the function's range in its section */
	bool is_subprog;                     /* in .text */
	const struct ldr_sec_def *sec_def;   /* NULL for subprograms */
	uint32_t type, attach_type, prog_flags;
	bool autoload;
	uint32_t log_level;
	char *log;
	int fd;
	/* this function's own instructions (a copy of its section range), CO-RE applied at load */
	struct bpf_insn *code;
	/* after linking (load): main program + appended subprograms */
	struct bpf_insn *insns;
	uint32_t insn_cnt;
	struct bpf_func_info *func_info;
	uint32_t func_info_cnt;
	struct bpf_line_info *line_info;
	uint32_t line_info_cnt;
	/* while linking one main program: where this subprogram was appended (or UINT32_MAX) */
	uint32_t sub_insn_off;
};

/* ---- maps ---- */

enum ldr_map_kind {
	LDR_MAP_BTF,     /* .maps */
	LDR_MAP_LEGACY,  /* maps */
	LDR_MAP_DATA,    /* .data, .data.* */
	LDR_MAP_RODATA,  /* .rodata, .rodata.* */
	LDR_MAP_BSS,     /* .bss, .bss.* */
	LDR_MAP_KCONFIG, /* .kconfig externs */
};

struct ldr_map_def {
	uint32_t type, key_size, value_size, max_entries, map_flags, numa_node;
	uint64_t map_extra;
	uint32_t pinning; /* LIBBPF_PIN_NONE / LIBBPF_PIN_BY_NAME; iproute2's PIN_* for legacy */
	uint32_t btf_key_type_id, btf_value_type_id;
	/* what the definition said (parse-time checks) */
	bool has_key_size, has_value_size;
};

struct ldr_init_slot { /* values[] of a prog_array or map-in-map */
	uint32_t index;
	bool is_prog;
	int target; /* program or map index */
};

struct userbpf_map {
	struct userbpf_object *obj;
	char *name;      /* kernel-visible */
	char *real_name; /* C name or section name */
	enum ldr_map_kind kind;
	uint32_t sec_idx;
	size_t sec_off;  /* BTF / legacy maps: the symbol's offset in its section */
	size_t def_size; /* bytes of the definition in its section */
	struct ldr_map_def def;
	struct userbpf_map *inner; /* template of a map-in-map (owned) */
	bool is_inner;
	struct ldr_init_slot *slots;
	uint32_t nr_slots;
	uint32_t legacy_id, legacy_inner_id, legacy_inner_idx; /* iproute2 struct bpf_elf_map */
	char *pin_path;
	bool pinned, autocreate, reused;
	int fd;
	/* global data: before load a private anonymous mapping, after load the map itself */
	void *mmaped;
	size_t mmap_sz;
};

/* ---- .kconfig externs ---- */

enum ldr_kcfg_type {
	LDR_KCFG_BOOL,
	LDR_KCFG_TRISTATE,
	LDR_KCFG_CHAR,
	LDR_KCFG_INT,
	LDR_KCFG_CHAR_ARR
};

struct ldr_extern {
	char *name;
	uint32_t sym;    /* symbol index */
	uint32_t btf_id; /* the VAR */
	bool weak;
	enum ldr_kcfg_type kcfg_type;
	uint32_t size, align;
	bool is_signed;
	uint32_t data_off; /* offset in the .kconfig map */
	bool is_set;
};

/* ---- the object ---- */

struct ldr_btf_ext {
	const uint8_t *data; /* in the image */
	uint32_t size;
	struct ldr_ext_sec {
		const char *sec_name;
		struct ldr_ext_info func, line, core;
	} * secs;
	uint32_t nr_secs;
};

struct userbpf_object {
	char name[64];
	char *path;
	uint8_t *image; /* our copy of the ELF */
	size_t image_size;
	void *elf; /* Elf *, only while opening */
	struct ldr_sec *secs;
	uint32_t nr_secs;
	uint32_t symtab_sec, text_sec, maps_sec, legacy_sec;
	const uint8_t *syms; /* Elf64_Sym[nr_syms], in the image */
	uint32_t nr_syms;
	const char *strtab; /* of the symbol table */
	size_t strtab_size;
	char license[128];
	uint32_t kversion;
	struct btf *btf;
	struct ldr_btf_ext btf_ext;
	struct userbpf_program *progs; /* main programs and subprograms, in ELF order */
	uint32_t nr_progs;
	struct userbpf_map *maps;
	uint32_t nr_maps;
	struct ldr_extern *externs;
	uint32_t nr_externs;
	int kconfig_map; /* -1 */
	/* options */
	char *pin_root_path;
	char *btf_custom_path;
	char *kconfig;
	uint32_t kernel_log_level;
	bool relaxed_maps;
	/* load */
	bool loaded;
	int btf_fd;
	struct btf *target_btf; /* btf_custom_path, during load */
};

/* ---- steps ---- */

/* ldr_elf.c: ELF header, sections, symbols, license, version; classifies sections. */
int ldr_elf_collect(struct userbpf_object *obj);
/* Symbol i (checked by the caller against nr_syms). */
void ldr_sym(const struct userbpf_object *obj, uint32_t i, void *out /* Elf64_Sym */);
const char *ldr_sym_name(const struct userbpf_object *obj, uint32_t i);   /* "" if bad */
const char *ldr_sec_name(const struct userbpf_object *obj, uint32_t sec); /* "<bad>" */
/* The first symbol (STT_FUNC or STT_OBJECT as asked) named name in section sec, or -1. */
int ldr_find_sym(const struct userbpf_object *obj, const char *name, int sec, int stt);

/* ldr_btf.c: .BTF (libbpf's struct btf, DATASEC fixed up) and .BTF.ext. */
int ldr_btf_init(struct userbpf_object *obj);
const struct ldr_ext_sec *ldr_btf_ext_sec(const struct userbpf_object *obj, const char *sec);

/* ldr_prog.c: programs from executable sections. */
int ldr_progs_init(struct userbpf_object *obj);
struct userbpf_program *ldr_prog_at(struct userbpf_object *obj, uint32_t sec, uint32_t insn);

/* ldr_maps.c / ldr_maps_btf.c: maps of every kind. */
struct userbpf_map *ldr_map_add(struct userbpf_object *obj);
int ldr_maps_btf_init(struct userbpf_object *obj);
int ldr_maps_legacy_init(struct userbpf_object *obj);
int ldr_maps_data_init(struct userbpf_object *obj);
int ldr_map_set_name(struct userbpf_object *obj, struct userbpf_map *map, const char *real);
int ldr_map_relos_init(struct userbpf_object *obj); /* .rel.maps: values[] slots */
void ldr_map_free(struct userbpf_map *map);
int ldr_map_internal_mmap(struct userbpf_object *obj, struct userbpf_map *map, const void *init,
                          size_t len);

/* ldr_kconfig.c */
int ldr_externs_init(struct userbpf_object *obj);
int ldr_kconfig_fill(struct userbpf_object *obj);

/* ldr_reloc.c: relocation records of program sections. */
int ldr_relos_init(struct userbpf_object *obj);
const struct ldr_reloc *ldr_find_relo(const struct ldr_sec *sec, uint32_t insn);

/* ldr_link.c: one main program + its subprograms, relocated (fds from the created maps). */
int ldr_prog_link(struct userbpf_object *obj, struct userbpf_program *prog);

/* ldr_core.c: CO-RE relocations of one section's range, applied to insns. */
int ldr_core_relocate(struct userbpf_object *obj, struct userbpf_program *prog);

/* ldr_load.c */
int ldr_object_load(struct userbpf_object *obj);
void ldr_object_unload(struct userbpf_object *obj);
/* Pin fd at path (parent directories made inside the bpffs root); 0 or -errno. */
int ldr_pin_fd(int fd, const char *path);
/* Remove a pin (path as given to OBJ_PIN); 0 or -errno. */
int ldr_unpin(const char *path);

/* small utilities (ldr_err.c) */
char *ldr_strdup(const char *s);
int ldr_grow(void **arr, uint32_t nr, uint32_t *cap, size_t elem); /* room for one more */
const char *ldr_prog_desc(const struct userbpf_program *prog, char *buf, size_t len);

#endif
