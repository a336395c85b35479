/* obj_util.h — what prog load, verify and disasm share about object files: opening and
 * loading with the loader's diagnostics on stderr, program types by name, and the raw
 * .BTF of an ELF file (for source lines and signatures). */
#ifndef USERBPF_TOOLS_OBJ_UTIL_H
#define USERBPF_TOOLS_OBJ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>

#ifdef USERBPF_HAVE_LOADER
#include <userbpf/loader.h>

/* What prog load / loadall and verify take besides bpftool's words (userbpf's own):
 * `target_btf FILE`, the CO-RE target (raw BTF or an ELF with .BTF, e.g. a vmlinux BTF), and
 * `kconfig FILE`, CONFIG_*=value lines for .kconfig externs. obj_open applies them. */
extern const char *obj_target_btf;
extern const char *obj_kconfig_path;
/* One of those keywords at *argv: consumed (true), or false when it is not one. On a
 * missing argument *err is set after p_err. */
bool obj_open_keyword(int *argc, char ***argv, bool *err);
/* userbpf_object__open_file with the loader's warnings on stderr, and the keywords above;
 * NULL after p_err. */
struct userbpf_object *obj_open(const char *path, struct userbpf_object_open_opts *opts);
/* userbpf_object__load; on failure the failed programs' logs go to stderr. 0 or -1. */
int obj_load(struct userbpf_object *obj);
/* Each program's verifier log on stderr, libbpf's BEGIN/END framing. */
void obj_print_logs(const struct userbpf_object *obj, bool only_failed);
#endif

/* TYPE as bpftool takes it: a libbpf section name ("xdp", "socket", "kprobe/"...) or a
 * program type name ("socket_filter"). 0, or -1 after p_err. */
int obj_prog_type_by_name(const char *name, uint32_t *type, uint32_t *attach);

/* Is the file an ELF object (by its magic)? */
bool obj_is_elf(const unsigned char *buf, size_t len);
/* A malloc'd copy of an ELF64 file's .BTF section, or NULL (none or malformed). */
void *obj_elf_btf(const unsigned char *buf, size_t len, size_t *btf_len);

struct cbtf;
/* func_info and line_info of one program straight from the ELF's .BTF.ext: the records of
 * section sec whose offsets fall inside the function symbol func, as instruction indexes
 * from its first instruction (the loader hands them out only after a load). malloc'd
 * arrays (free both); 0, or -1 when there is nothing to find. */
int obj_elf_prog_info(const unsigned char *buf, size_t len, const struct cbtf *btf, const char *sec,
                      const char *func, struct bpf_func_info **fi, uint32_t *nfi,
                      struct bpf_line_info **li, uint32_t *nli);

#endif
