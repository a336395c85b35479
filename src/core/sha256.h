/* sha256.h — SHA-256 (FIPS 180-4), for the hashes the kernel reports: a frozen array's
 * contents in bpf_map_info.hash (and a program's tag). */
#ifndef USERBPF_CORE_SHA256_H
#define USERBPF_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct ub_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

void ub_sha256_init(struct ub_sha256 *s);
void ub_sha256_update(struct ub_sha256 *s, const void *data, size_t len);
void ub_sha256_final(struct ub_sha256 *s, uint8_t out[32]);
/* One call: out = SHA-256(data[0, len)). */
void ub_sha256(const void *data, size_t len, uint8_t out[32]);

#endif /* USERBPF_CORE_SHA256_H */
