/* userbpf — the object loader: clang-compiled BPF ELF objects, loaded the way libbpf loads them.
 *
 * An object file built with `clang -O2 -g -target bpf` against libbpf's <bpf/bpf_helpers.h>
 * is opened (ELF, BTF, relocations, map definitions; nothing is created yet), may then be
 * adjusted (autoload, program type, map sizes, global data through userbpf_map__initial_value)
 * and is loaded: BTF, maps and programs are created through userbpf_sys_bpf() — never the
 * kernel's bpf(2) — and their fds are available from the accessors below.
 *
 * The API is libbpf's, with the prefix userbpf_ instead of bpf_: same object model, same
 * section-name conventions, same map naming, same pinning rules, so code written for libbpf
 * ports by renaming. Errors: functions returning int give 0 or a negative errno; functions
 * returning a pointer give NULL and set errno. Every failure also leaves one line of text
 * naming the file, section, symbol and offset involved: userbpf_last_error() (per thread),
 * and the print callback (userbpf_set_print) receives it with the other diagnostics.
 */
#ifndef USERBPF_LOADER_H
#define USERBPF_LOADER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct userbpf_object;
struct userbpf_program;
struct userbpf_map;
struct btf; /* libbpf's BTF object (<bpf/btf.h>), for pretty printing */

/* ---- diagnostics ---- */

enum userbpf_print_level {
	USERBPF_WARN,  /* the error a call returns, and things that are probably wrong */
	USERBPF_INFO,  /* what was skipped or assumed */
	USERBPF_DEBUG, /* each step of the load */
};

typedef int (*userbpf_print_fn_t)(enum userbpf_print_level level, const char *fmt, va_list ap);

/* Install a print callback (NULL: silent, the default); returns the previous one. Lines end
 * with '\n'. Process-wide, like libbpf_set_print. */
userbpf_print_fn_t userbpf_set_print(userbpf_print_fn_t fn);

/* The message of the last failing loader call in this thread ("" if none), e.g.
 * "prog.bpf.o: section 'xdp', symbol 'xdp_prog', insn 12 (offset 96): relocation against
 * unknown map 'missing_map'". Valid until the next loader call in the same thread. */
const char *userbpf_last_error(void);

/* Same, libbpf-shaped name (the cli uses it). */
const char *userbpf_object__last_error(void);

/* ---- objects ---- */

struct userbpf_object_open_opts {
	size_t sz;                   /* sizeof(struct userbpf_object_open_opts) */
	const char *object_name;     /* default: the file name up to its first '.' ("prog" for
	                              * prog.bpf.o); prefixes the global-data map names */
	const char *pin_root_path;   /* LIBBPF_PIN_BY_NAME maps pin here; default /sys/fs/bpf
	                              * (which userbpf places under its bpffs root) */
	const char *btf_custom_path; /* target BTF for CO-RE (raw BTF or an ELF with .BTF, e.g.
	                              * /sys/kernel/btf/vmlinux); NULL: the object's own BTF */
	const char *kconfig;         /* "CONFIG_FOO=y\nLINUX_KERNEL_VERSION=393216\n..." for
	                              * .kconfig externs; missing values take defaults */
	uint32_t kernel_log_level;   /* log_level for every program's PROG_LOAD (default 0) */
	bool relaxed_maps;           /* unknown BTF map fields are skipped instead of failing */
};

/* Open an object (ELF64 little-endian, EM_BPF): sections, programs, maps, BTF and relocations
 * are read and checked; nothing is created. NULL + errno on failure. */
struct userbpf_object *userbpf_object__open_file(const char *path,
                                                 const struct userbpf_object_open_opts *opts);
/* Same from memory (the buffer is copied; name used in messages: opts->object_name or
 * "<mem>"). */
struct userbpf_object *userbpf_object__open_mem(const void *buf, size_t size,
                                                const struct userbpf_object_open_opts *opts);
struct userbpf_object *userbpf_object__open(const char *path); /* open_file(path, NULL) */

/* Create BTF, maps (reusing pinned ones), global data, then load every autoload program.
 * 0 or -errno; on failure everything created so far is closed again. Once only. */
int userbpf_object__load(struct userbpf_object *obj);

/* Close every fd the object holds, unmap global data, free it. NULL is fine. */
void userbpf_object__close(struct userbpf_object *obj);

const char *userbpf_object__name(const struct userbpf_object *obj);
const char *userbpf_object__path(const struct userbpf_object *obj);      /* NULL for open_mem */
const char *userbpf_object__license(const struct userbpf_object *obj);   /* "" if none */
uint32_t userbpf_object__kversion(const struct userbpf_object *obj);     /* "version" section */
const struct btf *userbpf_object__btf(const struct userbpf_object *obj); /* NULL: no .BTF */
int userbpf_object__btf_fd(const struct userbpf_object *obj); /* after load; -1 if none */

struct userbpf_program *userbpf_object__next_program(const struct userbpf_object *obj,
                                                     struct userbpf_program *prev);
struct userbpf_map *userbpf_object__next_map(const struct userbpf_object *obj,
                                             struct userbpf_map *prev);
#define userbpf_object__for_each_program(pos, obj)                                                 \
	for ((pos) = userbpf_object__next_program((obj), NULL); (pos) != NULL;                     \
	     (pos) = userbpf_object__next_program((obj), (pos)))
#define userbpf_object__for_each_map(pos, obj)                                                     \
	for ((pos) = userbpf_object__next_map((obj), NULL); (pos) != NULL;                         \
	     (pos) = userbpf_object__next_map((obj), (pos)))

struct userbpf_program *userbpf_object__find_program_by_name(const struct userbpf_object *obj,
                                                             const char *name);
/* by userbpf_map__name, or for global data also by section name (".data", ".rodata", ...) */
struct userbpf_map *userbpf_object__find_map_by_name(const struct userbpf_object *obj,
                                                     const char *name);
int userbpf_object__find_map_fd_by_name(const struct userbpf_object *obj, const char *name);

/* Pin every loaded program at DIR/<program name>, every map at DIR/<map name>. */
int userbpf_object__pin_programs(struct userbpf_object *obj, const char *dir);
int userbpf_object__unpin_programs(struct userbpf_object *obj, const char *dir);
int userbpf_object__pin_maps(struct userbpf_object *obj, const char *dir);
int userbpf_object__unpin_maps(struct userbpf_object *obj, const char *dir);

/* ---- programs ---- */

const char *userbpf_program__name(const struct userbpf_program *prog);         /* C function */
const char *userbpf_program__section_name(const struct userbpf_program *prog); /* no '?' */
int userbpf_program__fd(const struct userbpf_program *prog); /* -1 before load / not loaded */
uint32_t userbpf_program__type(const struct userbpf_program *prog); /* enum bpf_prog_type */
uint32_t userbpf_program__expected_attach_type(const struct userbpf_program *prog);
uint32_t userbpf_program__flags(const struct userbpf_program *prog); /* prog_flags */
bool userbpf_program__autoload(const struct userbpf_program *prog);
/* Before load only (-EBUSY after). */
int userbpf_program__set_autoload(struct userbpf_program *prog, bool autoload);
int userbpf_program__set_type(struct userbpf_program *prog, uint32_t type);
int userbpf_program__set_expected_attach_type(struct userbpf_program *prog, uint32_t type);
int userbpf_program__set_flags(struct userbpf_program *prog, uint32_t flags);
/* What comes after the type in the section name: "do_sys_open" for kprobe/do_sys_open. */
const char *userbpf_program__attach_target(const struct userbpf_program *prog);

/* The instructions: before load the function as compiled (no relocation applied), after
 * load exactly what PROG_LOAD received (main program, then its subprograms), as libbpf. */
const struct bpf_insn *userbpf_program__insns(const struct userbpf_program *prog);
size_t userbpf_program__insn_cnt(const struct userbpf_program *prog);

/* func_info / line_info as given to PROG_LOAD (insn_off in instructions, names are offsets
 * into userbpf_object__btf's strings). NULL and *cnt = 0 without .BTF.ext. */
const struct bpf_func_info *userbpf_program__func_info(const struct userbpf_program *prog,
                                                       uint32_t *cnt);
const struct bpf_line_info *userbpf_program__line_info(const struct userbpf_program *prog,
                                                       uint32_t *cnt);

/* The verifier log: level 0 keeps the log only when the load fails (it is then retried with
 * level 1 to get one, as libbpf does). */
int userbpf_program__set_log_level(struct userbpf_program *prog, uint32_t level);
uint32_t userbpf_program__log_level(const struct userbpf_program *prog);
const char *userbpf_program__log(const struct userbpf_program *prog); /* "" if none */

int userbpf_program__pin(struct userbpf_program *prog, const char *path);
int userbpf_program__unpin(struct userbpf_program *prog, const char *path);

/* ---- maps ---- */

/* libbpf's: the kernel-visible name ("prog.data", "counts"), except that custom .data.* /
 * .rodata.* maps go by their section name (the kernel sees it cut to 15 characters). */
const char *userbpf_map__name(const struct userbpf_map *map);
/* The C name (BTF/legacy maps) or section name (".data", ".rodata.str1.1", ".kconfig"). */
const char *userbpf_map__real_name(const struct userbpf_map *map);
int userbpf_map__fd(const struct userbpf_map *map); /* -1 before load */
uint32_t userbpf_map__type(const struct userbpf_map *map);
uint32_t userbpf_map__key_size(const struct userbpf_map *map);
uint32_t userbpf_map__value_size(const struct userbpf_map *map);
uint32_t userbpf_map__max_entries(const struct userbpf_map *map);
uint32_t userbpf_map__map_flags(const struct userbpf_map *map);
uint64_t userbpf_map__map_extra(const struct userbpf_map *map);
uint32_t userbpf_map__numa_node(const struct userbpf_map *map);
uint32_t userbpf_map__btf_key_type_id(const struct userbpf_map *map);
uint32_t userbpf_map__btf_value_type_id(const struct userbpf_map *map);
/* Global data (.data, .rodata, .bss, .data.*, .rodata.*, .kconfig) rather than a definition. */
bool userbpf_map__is_internal(const struct userbpf_map *map);
/* The inner map template of an array/hash of maps, or NULL. */
struct userbpf_map *userbpf_map__inner_map(struct userbpf_map *map);

/* Before load only (-EBUSY after). */
int userbpf_map__set_type(struct userbpf_map *map, uint32_t type);
int userbpf_map__set_key_size(struct userbpf_map *map, uint32_t size);
int userbpf_map__set_value_size(struct userbpf_map *map, uint32_t size);
int userbpf_map__set_max_entries(struct userbpf_map *map, uint32_t max_entries);
int userbpf_map__set_map_flags(struct userbpf_map *map, uint32_t flags);
int userbpf_map__set_map_extra(struct userbpf_map *map, uint64_t extra);
int userbpf_map__set_numa_node(struct userbpf_map *map, uint32_t node);
int userbpf_map__set_autocreate(struct userbpf_map *map, bool autocreate);
bool userbpf_map__autocreate(const struct userbpf_map *map);
/* Use an existing map fd instead of creating one (the fd is dup'ed); it must be compatible. */
int userbpf_map__reuse_fd(struct userbpf_map *map, int fd);

/* Global data, skeleton style: before load a private buffer holding the section's initial
 * contents (writes become the map's initial value); after load the live map, mmapped
 * (read-only for .rodata and .kconfig, which are frozen). NULL for other maps. */
void *userbpf_map__initial_value(struct userbpf_map *map, size_t *psize);
/* Replace the initial value before load (size must equal the value size). */
int userbpf_map__set_initial_value(struct userbpf_map *map, const void *data, size_t size);

/* Pinning: LIBBPF_PIN_BY_NAME maps get <pin_root_path>/<name> at open; load reuses a pinned
 * map there when it is compatible (type, sizes, entries, flags) and fails otherwise, and pins
 * new ones. */
const char *userbpf_map__pin_path(const struct userbpf_map *map);
int userbpf_map__set_pin_path(struct userbpf_map *map, const char *path);
bool userbpf_map__is_pinned(const struct userbpf_map *map);
int userbpf_map__pin(struct userbpf_map *map, const char *path); /* NULL: the pin path */
int userbpf_map__unpin(struct userbpf_map *map, const char *path);

/* ---- section names ---- */

/* libbpf's convention: section name → program type and expected attach type (the '?'
 * no-autoload prefix is accepted). 0, or -ESRCH for an unknown section. */
int userbpf_prog_type_by_section(const char *sec, uint32_t *prog_type, uint32_t *attach_type);

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_LOADER_H */
