/* obj_prog_file.c — what a program file implies beyond its bytes: the tag and the
 * keep-alive links of its maps.
 *
 * The kernel keeps a program's maps alive while the program lives. Our program is a
 * file that may outlive its loader (a pin), and a map is a file too, so the program's
 * hold on a map is a hard link: <root>/.refs/prog-<id>/map-<map id>. Nothing sees a
 * program's last close, so the links go in a sweep, run at PROG_LOAD and when maps are
 * listed or opened by id: a prog-<id> directory whose id no longer resolves is removed.
 * The registry finds a map through these links like through a pin.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <userbpf/isa.h>

#include "object/object.h"

/* --- SHA-256 (FIPS 180-4), for the tag only: Linux 6.18 tags programs with it --- */

struct obj_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};

static const uint32_t obj_sha256_k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};

static uint32_t ror32(uint32_t x, int k)
{
	return (x >> k) | (x << (32 - k));
}

static void obj_sha256_block(struct obj_sha256 *s, const uint8_t *p)
{
	uint32_t w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof v);
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25);
		uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
		uint32_t t1 = v[7] + S1 + ch + obj_sha256_k[i] + w[i];
		uint32_t S0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22);
		uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
		memmove(v + 1, v, 7 * sizeof v[0]);
		v[4] += t1;
		v[0] = t1 + S0 + maj;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void obj_sha256_update(struct obj_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	s->len += len;
	while (len--) {
		s->buf[s->n++] = *p++;
		if (s->n == 64) {
			obj_sha256_block(s, s->buf);
			s->n = 0;
		}
	}
}

static void obj_sha256_final(struct obj_sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80, zero = 0, be[8];
	obj_sha256_update(s, &pad, 1);
	while (s->n != 56)
		obj_sha256_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(bits >> (56 - 8 * i));
	obj_sha256_update(s, be, 8);
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* As bpf_prog_calc_tag (Linux 6.18: SHA-256; earlier kernels used SHA-1): map fds (and the value
 * offset of a map value reference) are zeroed, since they are process-local; the digest's first 8
 * bytes are the tag. */
void obj_prog_tag(const struct bpf_insn *insns, uint32_t cnt, uint8_t tag[BPF_TAG_SIZE])
{
	struct obj_sha256 s = {.h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
	                             0x9b05688c, 0x1f83d9ab, 0x5be0cd19}};
	bool was_ld_map = false;
	for (uint32_t i = 0; i < cnt; i++) {
		struct bpf_insn in = insns[i];
		if (was_ld_map) {
			in.imm = 0;
			was_ld_map = false;
		} else if (userbpf_insn_is_ldimm64(&in) && (in.src_reg == BPF_PSEUDO_MAP_FD ||
		                                            in.src_reg == BPF_PSEUDO_MAP_VALUE)) {
			in.imm = 0;
			was_ld_map = true;
		}
		obj_sha256_update(&s, &in, sizeof in);
	}
	uint8_t digest[32];
	obj_sha256_final(&s, digest);
	memcpy(tag, digest, BPF_TAG_SIZE);
}

/* --- keep-alive links --- */

static int obj_refs_dir(char *buf, uint32_t prog_id)
{
	char root[PATH_MAX];
	int err = obj_root(root);
	if (err)
		return err;
	int n = prog_id ? snprintf(buf, PATH_MAX, "%s/.refs/prog-%" PRIu32, root, prog_id)
	                : snprintf(buf, PATH_MAX, "%s/.refs", root);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Link path to an existing .refs/prog-N/map-<map_id> of another program. */
static bool obj_refs_link_from_peer(uint32_t map_id, const char *path)
{
	char dir[PATH_MAX], peer[PATH_MAX + 300];
	bool done = false;
	if (obj_refs_dir(dir, 0))
		return false;
	DIR *d = opendir(dir);
	if (!d)
		return false;
	for (struct dirent *de; !done && (de = readdir(d));) {
		if (strncmp(de->d_name, "prog-", 5))
			continue;
		snprintf(peer, sizeof peer, "%s/%s/map-%" PRIu32, dir, de->d_name, map_id);
		done = linkat(AT_FDCWD, peer, AT_FDCWD, path, 0) == 0 || errno == EEXIST;
	}
	closedir(d);
	return done;
}

int obj_prog_ref_map(uint32_t prog_id, int map_fd, uint32_t map_id)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], src[64];
	int err = obj_refs_dir(dir, 0);
	if (err)
		return err;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((err = obj_refs_dir(dir, prog_id)))
		return err;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof path, "%s/map-%" PRIu32, dir, map_id);
	snprintf(src, sizeof src, "/proc/self/fd/%d", map_fd);
	if (linkat(AT_FDCWD, src, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* A file whose last link went (a program that used it was swept) cannot be linked
	 * from its fd again: link from another program's link of the same map, if any. */
	if (obj_refs_link_from_peer(map_id, path))
		return 0;
	/* None left: the map lives while fds or mappings of it do (this program's runtime
	 * maps it); it is only not kept alive for other processes after those are gone. */
	return 0;
}

/* Remove the directory name under parent and the links in it. */
static void obj_refs_remove(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

void obj_prog_refs_sweep(void)
{
	char dir[PATH_MAX];
	if (obj_refs_dir(dir, 0))
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "prog-", 5))
			continue;
		char *end;
		unsigned long id = strtoul(de->d_name + 5, &end, 10);
		if (*end || !id || id > UINT32_MAX)
			continue;
		int fd = obj_registry_open(OBJ_PROG, (uint32_t)id, O_RDONLY);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		obj_refs_remove(dirfd(d), de->d_name);
	}
	closedir(d);
}
