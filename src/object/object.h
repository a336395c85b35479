/* object.h — the object layer: bpf() commands over objects that are files.
 *
 * Every map, program, BTF blob and link is an O_TMPFILE file in the bpffs root. The fd the
 * user holds is that file's fd, so the kernel's own file refcounting gives the bpf object
 * lifetime rules (last close frees; dup, fork, SCM_RIGHTS share). The fd's access mode
 * (O_RDONLY / O_WRONLY / O_RDWR) is the bpf fd's mode, exactly as with kernel bpf fds, and
 * any process that receives the fd reads it back with fcntl(F_GETFL).
 *
 * File layout: the object's payload from offset 0, and a self-describing header on the
 * last page. Maps use struct bpf_map_shared (maps/map.h); programs, BTF and links use
 * struct obj_hdr below. The header's first word is a magic naming the kind.
 *
 * Locking: every command runs in an RCU read section (core/rcu.h), so the fd table's
 * entries it looks up stay mapped until it returns; obj_lock_write() also serialises the
 * commands that create objects or drop many entries. Entries are freed only after a grace
 * period. The dispatcher takes the lock once per command; it is not reentrant.
 */
#ifndef USERBPF_OBJECT_OBJECT_H
#define USERBPF_OBJECT_OBJECT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <userbpf/bpf_uapi.h>

#include "core/rcu.h"
#include "core/uaccess.h"
#include "maps/map.h"

enum obj_kind { OBJ_NONE, OBJ_MAP, OBJ_PROG, OBJ_BTF, OBJ_LINK, OBJ_NR_KINDS };

#define OBJ_PROG_MAGIC 0x50425055u /* "UPBP" */
#define OBJ_BTF_MAGIC 0x42425055u  /* "UPBB" */
#define OBJ_LINK_MAGIC 0x4c425055u /* "UPBL" */
#define OBJ_HDR_VERSION 1u
#define OBJ_PAGE_SIZE 4096u

/* Header of a program / BTF / link file, on its last page. Payload at [0, payload_size):
 * program: the instructions as loaded but with every map reference as a map id
 * (BPF_PSEUDO_MAP_FD / _VALUE with imm = id: what the kernel shows root as xlated insns),
 * then room for BPF_MAX_USED_MAPS u32 map ids at map_ids_off, nr_map_ids of them used;
 * BTF: the raw blob as loaded. */
struct obj_hdr {
	uint32_t magic, version;
	uint32_t id;
	uint32_t type; /* prog_type, link type; 0 for BTF */
	uint64_t payload_size;
	char name[BPF_OBJ_NAME_LEN];
	/* program */
	uint32_t insn_cnt;
	uint32_t prog_flags;
	uint32_t expected_attach_type;
	uint32_t nr_map_ids;
	uint64_t map_ids_off;
	uint32_t btf_id;
	uint32_t gpl_compatible;
	char license[128];
	/* BTF */
	uint32_t btf_size;
	uint32_t btf_nr_types;
	/* program, continued */
	uint8_t tag[BPF_TAG_SIZE];
	uint64_t load_time; /* CLOCK_BOOTTIME ns, as the kernel's */
	uint32_t created_by_uid;
	uint32_t map_ids_lock; /* PROG_BIND_MAP appends under it */
	/* 0: the payload fills the pages before the header page; else the file is that one
	 * page and the payload sits at this offset in it, after the header (a small program) */
	uint32_t payload_off;
	uint8_t reserved[36];
};
#define OBJ_HDR_INLINE_OFF 512u /* payload_off of a one-page file */

/* A program / BTF / link as this process sees it: the file mapped. The file of a program
 * this process loaded is mapped on first use (obj_entry_blob), through the fd the load
 * returned; until then hdr is NULL. Read blobs of entries through obj_entry_blob(). */
struct obj_blob {
	struct obj_hdr *hdr; /* the header page (atomic: set once, by obj_entry_blob) */
	void *payload;       /* [0, payload_size), or NULL when empty */
	uint64_t payload_map_len;
	void *map_base; /* one mapping of the whole file: payload, then the header page */
	uint64_t map_len;
	/* not mapped yet: the fd and file (size, identity) to map it from */
	int lazy_fd;
	uint32_t lazy_id;
	uint64_t lazy_size, lazy_dev, lazy_ino;
};

/* Access to an object through one fd (the kernel's FMODE_CAN_READ / FMODE_CAN_WRITE). */
#define OBJ_CAN_READ 1u
#define OBJ_CAN_WRITE 2u

/* One cached fd. Immutable once published; freed after an RCU grace period. */
struct obj_entry {
	struct ub_rcu_head rcu;
	dev_t dev;
	ino_t ino;
	enum obj_kind kind;
	unsigned access; /* OBJ_CAN_* of this fd */
	uint32_t id;
	bool temp; /* not in the table (fd beyond it): freed when the command ends */
	bool live; /* on the live list (published in the table, not yet freed) */
	struct obj_entry *temp_next;
	/* every published entry, for revalidation and so that leak checkers, which cannot
	 * read the table's tagged pointers, see the entries as reachable */
	struct obj_entry *live_prev, *live_next;
	union {
		struct bpf_map *map;
		struct obj_blob *blob; /* PROG, BTF, LINK */
	};
};

/* --- obj_sys.c: locking --- */
void obj_lock_read(void);
void obj_lock_write(void);
void obj_unlock(void);

/* --- obj_fd.c: the fd cache (callers hold obj_lock_read or obj_lock_write) ---
 *
 * obj_fdtab[fd] is a tagged word: bits 0-47 the entry pointer, 48-59 a generation bumped
 * whenever the fd stops naming the entry, 60-63 the number of close() calls in progress on
 * the fd (obj_hook.c). obj_fd_trusted: every close() of the process reaches our hook, so a
 * cached entry is the fd's object without asking the kernel; otherwise each use is checked
 * with fstat(). */
#define OBJ_SLOT_PTR_MASK ((UINT64_C(1) << 48) - 1)
#define OBJ_SLOT_GEN_ONE (UINT64_C(1) << 48)
#define OBJ_SLOT_GEN_MASK (UINT64_C(0xfff) << 48)
#define OBJ_SLOT_CLOSING_ONE (UINT64_C(1) << 60)
#define OBJ_SLOT_CLOSING_MASK (UINT64_C(0xf) << 60)
extern uint64_t *obj_fdtab;
extern uint32_t obj_fdtab_n;
extern int obj_fd_trusted;

/* The cached entry for fd, or NULL (caller in a read section). */
static inline struct obj_entry *obj_fd_cached(int fd)
{
	if ((unsigned)fd >= obj_fdtab_n)
		return NULL;
	uint64_t w = __atomic_load_n(&obj_fdtab[fd], __ATOMIC_ACQUIRE);
	return (struct obj_entry *)(uintptr_t)(w & OBJ_SLOT_PTR_MASK);
}
/* close()/dup2() of fd begins or ended (obj_hook.c): the entry is unpublished and retired;
 * fills of the fd wait until it has ended. */
void obj_fd_close_begin(int fd);
void obj_fd_close_end(int fd);
/* close_range(): the same for every cached fd in [lo, hi], with fills held off. */
void obj_fd_close_range_begin(unsigned lo, unsigned hi);
void obj_fd_close_range_end(unsigned lo, unsigned hi);
/* Free the temporary entries this thread's command used (obj_unlock). */
extern __thread struct obj_entry *obj_temp_list __attribute__((tls_model("initial-exec")));
void obj_fd_temp_release_slow(void);
static inline void obj_fd_temp_release(void)
{
	if (__builtin_expect(obj_temp_list != NULL, 0) && !ub_rcu_in_read())
		obj_fd_temp_release_slow();
}
/* fork(): in the child. */
void obj_fd_atfork_prepare(void);
void obj_fd_atfork_parent(void);
void obj_fd_atfork_child(void);
/* The object behind fd (read or write lock): 0, -EBADF (not open), -EINVAL (not a bpf
 * object, or not of kind want when want != OBJ_NONE). Fills the cache on a miss. */
int obj_fd_get(int fd, enum obj_kind want, struct obj_entry **out);
/* Like obj_fd_get, but the errno for a closed fd is ebadf_errno (EBADFD for info). */
int obj_fd_get_err(int fd, enum obj_kind want, int ebadf_errno, struct obj_entry **out);
/* Publish a new object's view for fd (write lock); takes ownership of map / blob. */
int obj_fd_install_map(int fd, struct bpf_map *map, unsigned access, uint32_t id);
int obj_fd_install_blob(int fd, enum obj_kind kind, struct obj_blob *blob, unsigned access,
                        uint32_t id);
/* The same, with the file's fstat at hand. */
struct stat;
int obj_fd_install_blob_st(int fd, enum obj_kind kind, struct obj_blob *blob, unsigned access,
                           uint32_t id, const struct stat *st);
/* Drop entries whose fd no longer refers to the same file (write lock). */
void obj_fd_revalidate(void);
/* Drop fd's entry, if any (write lock). */
void obj_fd_drop(int fd);
/* The access mode of an fd from its open flags. */
unsigned obj_fd_access(int fd);
/* The O_ACCMODE for BPF_F_RDONLY / BPF_F_WRONLY in flags; -EINVAL if both. */
int obj_file_flags(uint32_t flags);

/* --- obj_file.c: the root and the files --- */
/* Copy the root directory's path into buf (PATH_MAX bytes); created 0700 if missing and
 * re-read whenever USERBPF_BPFFS changes. 0 or -errno. */
int obj_root(char *buf);
/* A new, empty, unlinked object file in the root, opened O_RDWR | O_CLOEXEC. */
int obj_file_create(void);
/* Hard link fd's file at path (linkat of the fd itself where allowed, else through
 * /proc/self/fd). 0 or -errno (-ENOENT: a file that can never be linked again). */
int obj_file_link(int fd, const char *path);
/* Reopen fd's file with another access mode (O_RDONLY, O_WRONLY, O_RDWR), O_CLOEXEC. */
int obj_file_reopen(int fd, int accmode);
/* What an object file is: kind and id from its header; -EINVAL if not an object file. */
int obj_file_probe(int fd, enum obj_kind *kind, uint32_t *id);
/* Map a PROG/BTF/LINK file; unmap it. */
int obj_blob_attach(int fd, struct obj_blob **out);
void obj_blob_detach(struct obj_blob *blob);
/* The blob of e (PROG, BTF, LINK) with its file mapped: mapped here on first use when the
 * entry's file was made by this process (obj_blob_lazy). 0, or -EBADF when its fd no longer
 * names the file (a close raced with the command), -ENOMEM. */
int obj_entry_blob(struct obj_entry *e, struct obj_blob **out);
/* Write a PROG/BTF/LINK file into the empty file fd (header from hdr: magic, id, ...):
 * one write that sizes it; *size_out its size. 0 or -errno. */
int obj_blob_write(int fd, const struct obj_hdr *hdr, const void *payload, uint64_t len,
                   uint64_t *size_out);
/* A blob for the file fd (size bytes, id, identity st) just written by obj_blob_write,
 * mapped when first used through fd; NULL without memory. */
struct obj_blob *obj_blob_lazy(int fd, uint64_t size, uint32_t id, const struct stat *st);
/* Create a PROG/BTF/LINK file holding payload, header filled from hdr (magic, id...). */
int obj_blob_create(const struct obj_hdr *hdr, const void *payload, uint64_t len, int *fd_out,
                    struct obj_blob **out);
/* The same in an empty file fd the caller made (and still owns on error). */
int obj_blob_create_in(int fd, const struct obj_hdr *hdr, const void *payload, uint64_t len,
                       struct obj_blob **out);
/* Hand the user an fd for a freshly created object: reopen with accmode if needed. */
int obj_file_user_fd(int fd, int accmode);

/* --- obj_id.c: ids and the registry --- */
/* The next id of a kind (global, increasing across processes); 0 on error. */
uint32_t obj_id_alloc(enum obj_kind kind, int *err);
/* The last id handed out for kind (0: none yet, or an error). */
uint32_t obj_id_last(enum obj_kind kind);
/* A shared bookkeeping word of the root, in the ids page after the counters (idx >=
 * OBJ_NR_KINDS; OBJ_WORD_*), valid for the life of the process; NULL on error. */
#define OBJ_WORD_SWEEP_PROG_ID 16 /* the prog id at the last sweep of program links */
#define OBJ_WORD_SWEEP_LIVE 17    /* programs with links that sweep left */
uint32_t *obj_shared_word(unsigned idx);
/* Record a live object (kind, id) held by this process's fd. */
void obj_registry_add(enum obj_kind kind, uint32_t id, int fd);
/* The same with the file's fstat already at hand. */
struct stat;
void obj_registry_add_st(enum obj_kind kind, uint32_t id, int fd, const struct stat *st);
/* Forget the entry of (kind, id), an object known to be gone. */
void obj_registry_forget(enum obj_kind kind, uint32_t id);
/* A new fd (O_CLOEXEC, accmode) for the live object kind/id, or -ENOENT. */
int obj_registry_open(enum obj_kind kind, uint32_t id, int accmode);
/* The same; user_only: only what users hold (fds, pins) counts, not the .refs links objects
 * hold on each other (the kernel's "uref"). */
int obj_registry_open_ex(enum obj_kind kind, uint32_t id, int accmode, bool user_only);

/* --- obj_refs.c: references held by map slots (prog arrays, maps of maps) --- */
/* Link the object behind ufd as the reference of a slot of map about to be written; the
 * link goes live with obj_slot_ref_commit, or away with obj_slot_ref_abort. Callers hold
 * map->sh->refs_lock around prepare, the map update and commit/abort. 0 or -errno. */
int obj_slot_ref_prepare(const struct bpf_map *map, int ufd, char *tmp, size_t tmp_len);
void obj_slot_ref_commit(const struct bpf_map *map, const void *key, const char *tmp);
void obj_slot_ref_abort(const char *tmp);
/* Remove a reference link (dirfd/name, dirfd may be AT_FDCWD); when it is the object's
 * last link and the object is still open or mapped somewhere, park it under
 * <root>/.parked instead, so the object can still be linked (pinned, put in a slot) later.
 * For every remover of .refs links. 0 or -errno. */
int obj_ref_unlink(int dirfd, const char *name);
/* Is the file dirfd/name open or mapped anywhere (any process), besides this test's own
 * open? Exact (a write lease is refused then); false when it cannot be opened. */
bool obj_ref_held(int dirfd, const char *name);
/* The slot at key was emptied. */
void obj_slot_ref_drop(const struct bpf_map *map, const void *key);
/* Drop the slot references of maps that are gone, and the program references of prog
 * arrays no user holds any more (their slots are cleared, as the kernel does when a prog
 * array's last fd and pin are gone). */
void obj_map_refs_sweep(void);

/* --- command handlers: return >= 0 or -errno; a is the kernel-side copy, ua the user's */
typedef long (*obj_cmd_fn)(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_create(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_lookup_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_update_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_delete_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_get_next_key(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_lookup_and_delete_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_freeze(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_map_batch(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_pin(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_get(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_get_next_id(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_get_fd_by_id(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_get_info_by_fd(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_btf_load(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_prog_load(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_prog_test_run(union bpf_attr *a, union bpf_attr *ua, unsigned size);
long obj_prog_bind_map(union bpf_attr *a, union bpf_attr *ua, unsigned size);

/* The kernel's object name rule ([A-Za-z0-9_.], NUL within 16 bytes); clears the tail. */
int obj_name_check(char *name);

/* --- programs (obj_prog_*.c) --- */
struct obj_prog; /* a program runnable in this process: obj_prog_rt.c */
/* OBJ_GET_INFO_BY_FD for a program (obj_prog_info.c). */
long obj_prog_info(struct obj_entry *e, union bpf_attr *a, union bpf_attr *ua);
/* The kernel's prog tag: SHA-256 (as Linux 6.18) of the insns with map references zeroed,
 * first 8 bytes. */
void obj_prog_tag(const struct bpf_insn *insns, uint32_t cnt, uint8_t tag[BPF_TAG_SIZE]);
/* Keep-alive links: <root>/.refs/prog-<id>/map-<map id> hard links to used map files. */
int obj_prog_ref_map(uint32_t prog_id, int map_fd, uint32_t map_id);
/* The same with this process's view of the map: a map that can never be linked again
 * (marked in its header the first time) costs no further attempt. */
int obj_prog_ref_map_view(uint32_t prog_id, int map_fd, uint32_t map_id, struct bpf_map *map);
/* The file of a program that holds maps, created as <root>/.refs/prog-<id> (O_RDWR): its
 * name tells the sweep when the program is gone. An fd or -errno. */
int obj_prog_file_create(uint32_t prog_id);
/* Undo a load that failed after its links were made: its map links (and its name). */
void obj_prog_refs_drop(uint32_t prog_id, const uint32_t *map_ids, uint32_t n, bool self);
/* Is the program with a name under .refs gone (no pin, slot, open or mapping anywhere)?
 * false when it has no such name: ask the registry. */
bool obj_prog_gone(uint32_t prog_id);
/* Remove the links of programs that are gone (their maps may then go). */
void obj_prog_refs_sweep(void);
/* PROG_LOAD of prog_id: sweep if enough programs were loaded since the last sweep. */
void obj_prog_refs_sweep_due(uint32_t prog_id);
/* After a sweep: free (after a grace period) this process's runtimes of programs loaded
 * here whose name under .refs the sweep removed (obj_prog_rt.c). */
/* After a sweep of program links: free this process's runtimes of the programs it found
 * gone (gone[], ascending); those it found alive (alive[], ascending) stay; of the others
 * (named files another process swept, programs made meanwhile) the name is looked up. */
void obj_prog_rt_reap(const uint32_t *gone, size_t nr_gone, const uint32_t *alive, size_t nr_alive);

/* The kind an id command is about (MAP_GET_NEXT_ID -> OBJ_MAP ...), set by the dispatcher. */
enum obj_kind obj_cmd_kind(int cmd);
extern _Thread_local int obj_cur_cmd;

/* The fields of the element commands, as the first 32 bytes of union bpf_attr. */
struct obj_elem_attr {
	uint32_t map_fd;
	uint32_t pad;
	uint64_t key;
	uint64_t value; /* or next_key */
	uint64_t flags;
};
/* LOOKUP / UPDATE / DELETE_ELEM on an attr read once (obj_sys.c's fast path and the
 * generic handlers). Caller in a read section. */
long obj_map_lookup_x(const struct obj_elem_attr *ea);
long obj_map_update_x(const struct obj_elem_attr *ea);
long obj_map_delete_x(const struct obj_elem_attr *ea);
/* The three element commands for an attr of at most 32 bytes (dispatcher fast path). */
long obj_map_elem_fast(int cmd, const void *uattr, unsigned size);

/* --- obj_mmap.c --- */
/* The kernel's answer to mmap() of fd (0 when fd is not a map or the mapping is allowed). */
int obj_mmap_check(int fd, size_t len, int prot, int flags, off_t off);
/* Does any process we can see map (dev, ino) shared and writable, outside the library? */
int obj_mmap_writable(dev_t dev, ino_t ino);
/* Could a writable user mapping of this map exist under the kernel's bpf_map_mmap rules
 * (an mmapable array or a ring buffer, not BPF_F_RDONLY_PROG)? When not, the kernel's
 * writecnt never counts a mapping, and FREEZE need not look for one. */
struct bpf_map_shared;
bool obj_mmap_may_write(const struct bpf_map_shared *sh);

/* --- obj_hook.c --- */
/* Decide obj_fd_trusted: does an ordinary close() reach the library's hook? */
void obj_hook_probe(void);

/* The fd's entry: the table's when the close hook keeps it valid, else obj_fd_get. */
static inline int obj_fd_lookup(int fd, enum obj_kind want, struct obj_entry **out)
{
	struct obj_entry *e = obj_fd_cached(fd);
	if (__builtin_expect(e && obj_fd_trusted, 1)) {
		if (want != OBJ_NONE && e->kind != want)
			return -EINVAL;
		*out = e;
		return 0;
	}
	return obj_fd_get(fd, want, out);
}

/* Map-side helpers shared by the element and batch commands (obj_map.c). */
int obj_map_get(int fd, unsigned need, struct obj_entry **out);
int obj_map_lookup_one(struct bpf_map *map, const void *key, void *value, uint64_t flags);
int obj_map_update_one(struct bpf_map *map, const void *key, const void *value, uint64_t flags);
int obj_map_delete_one(struct bpf_map *map, const void *key);
/* Bytes of a value as the syscall side copies it (per-CPU: all CPUs). */
size_t obj_map_value_size(const struct bpf_map *map);

static inline void *obj_u64_ptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* put_user() of a u32 field of the caller's attr (or any user address): 0 or -EFAULT. */
static inline int obj_put_u32(uint32_t *uaddr, uint32_t v)
{
	return ub_copy_to_user(uaddr, &v, sizeof v);
}

#endif /* USERBPF_OBJECT_OBJECT_H */
