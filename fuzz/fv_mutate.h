/* fv_mutate.h — fuzz_verifier's structure-aware mutator and crossover (fv_mutate.c). */
#ifndef USERBPF_FUZZ_FV_MUTATE_H
#define USERBPF_FUZZ_FV_MUTATE_H

#include "fv_prog.h"

/* LLVMFuzzerCustomMutator / LLVMFuzzerCustomCrossOver, in fv_prog's byte format. */
size_t fv_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed);
size_t fv_crossover(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                    size_t max_out, unsigned seed);

#endif /* USERBPF_FUZZ_FV_MUTATE_H */
