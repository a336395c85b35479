/* verifier_mem_cases.h — programs for the memory, helper-call and reference rules of the
 * verifier (verifier-mem's scope), each meant to be accepted or refused by one rule.
 *
 * A case is a program type and assembly text. Maps are named by tokens the harness
 * replaces with the fd of a map it created (in the kernel or ours):
 *   {arr}  ARRAY, key 4, value 48, 4 entries         {hash} HASH, key 4, value 8, 16 entries
 *   {rb}   RINGBUF, 4096 bytes                        {pa}   PROG_ARRAY, 4 entries
 *   {ro}   ARRAY 1 x 16, BPF_F_RDONLY_PROG, frozen, value "hello" + 0x2a at byte 8
 *   {ro2}  the same, not frozen                        {wo}   ARRAY 1 x 16, BPF_F_WRONLY_PROG
 *   {q}    QUEUE, value 8, 4 entries                   {pcpu} PERCPU_ARRAY, value 8, 4 entries
 *   {aom}  ARRAY_OF_MAPS (inner: ARRAY 4 x 4, 4 entries)
 * The expected verdict of each case is the host kernel's (tests/fixtures/verifier_mem_*.txt).
 */
#ifndef VERIFIER_MEM_CASES_H
#define VERIFIER_MEM_CASES_H

#include <stdint.h>

struct vm_case {
	const char *name;
	uint32_t prog_type; /* 0: socket filter */
	const char *text;
};

/* lookup of key 0 in a map: r0 = value or NULL */
#define LOOKUP(map) "*(u32 *)(r10 - 4) = 0\nr1 = " map " ll\nr2 = r10\nr2 += -4\ncall 1\n"
#define LOOKUP_OK(map) LOOKUP(map) "if r0 == 0 goto out\n"
#define OUT "out:\nr0 = 0\nexit\n"

/* --- the stack --- */
static const struct vm_case stack_cases[] = {
        {"stack write/read 8", 0, "*(u64 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 8)\nexit\n"},
        {"stack write below frame", 0, "*(u64 *)(r10 - 520) = 1\nr0 = 0\nexit\n"},
        {"stack write at fp", 0, "*(u64 *)(r10 + 0) = 1\nr0 = 0\nexit\n"},
        {"stack write across fp", 0, "*(u64 *)(r10 - 4) = 1\nr0 = 0\nexit\n"},
        {"stack read uninit", 0, "r0 = *(u64 *)(r10 - 8)\nexit\n"},
        {"stack read beyond allocated", 0,
         "*(u64 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 16)\nexit\n"},
        {"stack read partially init", 0, "*(u32 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 8)\nexit\n"},
        {"stack misaligned", 0, "*(u32 *)(r10 - 6) = 1\nr0 = 0\nexit\n"},
        {"stack misaligned via reg", 0, "r1 = r10\nr1 += -7\n*(u16 *)(r1 + 0) = 1\nr0 = 0\nexit\n"},
        {"stack byte writes then u64 read", 0,
         "*(u8 *)(r10 - 1) = 1\n*(u8 *)(r10 - 2) = 1\n*(u16 *)(r10 - 4) = 1\n"
         "*(u32 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 8)\nexit\n"},
        {"spill ctx and fill", 0,
         "*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r2 + 0)\nexit\n"},
        {"spill ctx, fill 4 bytes", 0, "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit\n"},
        {"spill ctx with a 4-byte store", 0, "*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit\n"},
        {"overwrite half a spilled pointer", 0,
         "*(u64 *)(r10 - 8) = r1\n*(u32 *)(r10 - 8) = 0\nr0 = 0\nexit\n"},
        {"spilled scalar keeps bounds", 0,
         "r2 = 5\n*(u64 *)(r10 - 16) = r2\nr3 = *(u64 *)(r10 - 16)\n"
         "r1 = r10\nr1 += -8\nr1 += r3\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"},
        {"spilled scalar 4 bytes keeps bounds", 0,
         "r2 = 5\n*(u32 *)(r10 - 16) = r2\nr3 = *(u32 *)(r10 - 16)\n"
         "r1 = r10\nr1 += -8\nr1 += r3\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"},
        {"zero store makes zero", 0,
         "*(u64 *)(r10 - 8) = 0\nr3 = *(u64 *)(r10 - 8)\nr1 = r10\nr1 += -8\nr1 += r3\n"
         "*(u64 *)(r1 + 0) = 1\nr0 = 0\nexit\n"},
        {"var-offset stack write", 0,
         "r2 = *(u32 *)(r1 + 0)\nr2 &= 7\nr3 = r10\nr3 += -16\nr3 += r2\n"
         "*(u8 *)(r3 + 0) = 1\nr0 = 0\nexit\n"},
        {"var-offset stack read of uninit", 0,
         "r2 = *(u32 *)(r1 + 0)\nr2 &= 7\nr3 = r10\nr3 += -16\nr3 += r2\n"
         "r0 = *(u8 *)(r3 + 0)\nexit\n"},
        {"var-offset stack read of init", 0,
         "*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\n"
         "r2 = *(u32 *)(r1 + 0)\nr2 &= 7\nr3 = r10\nr3 += -16\nr3 += r2\n"
         "r0 = *(u8 *)(r3 + 0)\nexit\n"},
        {"var-offset stack unbounded", 0,
         "r2 = *(u32 *)(r1 + 0)\nr3 = r10\nr3 += r2\n*(u8 *)(r3 - 8) = 1\nr0 = 0\nexit\n"},
        {"var-offset stack out of frame", 0,
         "r2 = *(u32 *)(r1 + 0)\nr2 &= 15\nr3 = r10\nr3 += -8\nr3 += r2\n"
         "*(u8 *)(r3 + 0) = 1\nr0 = 0\nexit\n"},
        {"fp is read only", 0, "r10 = 0\nr0 = 0\nexit\n"},
        {"st imm spill then fill", 0,
         "*(u64 *)(r10 - 8) = 3\nr2 = *(u64 *)(r10 - 8)\nr3 = r10\nr3 += -16\nr3 += r2\n"
         "*(u8 *)(r3 + 0) = 0\nr0 = 0\nexit\n"},
};

/* --- map values and keys --- */
static const struct vm_case map_cases[] = {
        {"map value read", 0, LOOKUP_OK("{arr}") "r0 = *(u64 *)(r0 + 40)\nexit\n" OUT},
        {"map value read past end", 0, LOOKUP_OK("{arr}") "r0 = *(u64 *)(r0 + 44)\nexit\n" OUT},
        {"map value write past end", 0, LOOKUP_OK("{arr}") "*(u32 *)(r0 + 48) = 1\n" OUT},
        {"map value negative off", 0, LOOKUP_OK("{arr}") "r0 = *(u8 *)(r0 - 1)\nexit\n" OUT},
        {"map value null not checked", 0, LOOKUP("{hash}") "r0 = *(u64 *)(r0 + 0)\nexit\n"},
        {"array const key elides null check", 0, LOOKUP("{arr}") "r0 = *(u64 *)(r0 + 0)\nexit\n"},
        {"array key out of range needs check", 0,
         "*(u32 *)(r10 - 4) = 9\nr1 = {arr} ll\nr2 = r10\nr2 += -4\ncall 1\n"
         "r0 = *(u64 *)(r0 + 0)\nexit\n"},
        {"map value var off bounded", 0,
         LOOKUP_OK("{arr}") "r1 = *(u32 *)(r0 + 0)\nr1 &= 31\nr0 += r1\n"
                            "r0 = *(u64 *)(r0 + 0)\nexit\n" OUT},
        {"map value var off too far", 0,
         LOOKUP_OK("{arr}") "r1 = *(u32 *)(r0 + 0)\nr1 &= 63\nr0 += r1\n"
                            "r0 = *(u64 *)(r0 + 0)\nexit\n" OUT},
        {"map value var off unbounded", 0,
         LOOKUP_OK("{arr}") "r1 = *(u32 *)(r0 + 0)\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit\n" OUT},
        {"map value signed index", 0,
         LOOKUP_OK("{arr}") "r1 = *(u32 *)(r0 + 0)\nr1 <<= 32\nr1 s>>= 32\n"
                            "if r1 s> 8 goto out\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit\n" OUT},
        {"map value leak pointer", 0, LOOKUP_OK("{arr}") "*(u64 *)(r0 + 0) = r10\n" OUT},
        {"rdonly map write", 0, LOOKUP_OK("{ro}") "*(u8 *)(r0 + 0) = 1\n" OUT},
        {"rdonly map read known const", 0,
         LOOKUP_OK("{ro}") "r1 = *(u8 *)(r0 + 8)\nr2 = r10\nr2 += -64\nr2 += r1\n"
                           "*(u8 *)(r2 + 0) = 0\n" OUT},
        {"rdonly unfrozen map read is unknown", 0,
         LOOKUP_OK("{ro2}") "r1 = *(u8 *)(r0 + 8)\nr2 = r10\nr2 += -64\nr2 += r1\n"
                            "*(u8 *)(r2 + 0) = 0\n" OUT},
        {"wronly map read", 0, LOOKUP_OK("{wo}") "r0 = *(u8 *)(r0 + 0)\nexit\n" OUT},
        {"wronly map write", 0, LOOKUP_OK("{wo}") "*(u8 *)(r0 + 0) = 1\n" OUT},
        {"update of rdonly map", 0,
         "*(u32 *)(r10 - 4) = 0\n*(u64 *)(r10 - 24) = 0\n*(u64 *)(r10 - 16) = 0\n"
         "r1 = {ro} ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -24\nr4 = 0\ncall 2\nr0 = 0\nexit\n"},
        {"map key uninit", 0, "r1 = {hash} ll\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit\n"},
        {"map key not a pointer", 0, "r1 = {hash} ll\nr2 = 0\ncall 1\nr0 = 0\nexit\n"},
        {"map key from map value", 0, LOOKUP_OK("{arr}") "r2 = r0\nr1 = {hash} ll\ncall 1\n" OUT},
        {"map arg is not a map", 0,
         "*(u32 *)(r10 - 4) = 0\nr1 = 0\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit\n"},
        {"update value too short", 0,
         "*(u32 *)(r10 - 4) = 0\n*(u32 *)(r10 - 8) = 0\n"
         "r1 = {hash} ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -8\nr4 = 0\ncall 2\nr0 = 0\nexit\n"},
        {"pop into uninit stack", 0,
         "r1 = {q} ll\nr2 = r10\nr2 += -8\ncall 88\nr0 = *(u64 *)(r10 - 8)\nexit\n"},
        {"push from uninit stack", 0,
         "r1 = {q} ll\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87\nr0 = 0\nexit\n"},
        {"lookup in prog array", 0, LOOKUP("{pa}") "r0 = 0\nexit\n"},
        {"percpu lookup with cpu", 0,
         "*(u32 *)(r10 - 4) = 0\nr1 = {pcpu} ll\nr2 = r10\nr2 += -4\nr3 = 0\ncall 195\n"
         "if r0 == 0 goto out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT},
        {"map in map: inner value", 0,
         LOOKUP_OK("{aom}") "r1 = r0\n*(u32 *)(r10 - 8) = 0\nr2 = r10\nr2 += -8\ncall 1\n"
                            "if r0 == 0 goto out\nr0 = *(u32 *)(r0 + 0)\nexit\n" OUT},
        {"map in map: outer value not readable", 0,
         LOOKUP_OK("{aom}") "r0 = *(u32 *)(r0 + 0)\nexit\n" OUT},
};

/* --- ctx, scalars and null pointers, atomics, alignment --- */
static const struct vm_case ptr_cases[] = {
        {"ctx read len", 0, "r0 = *(u32 *)(r1 + 0)\nexit\n"},
        {"ctx read bad off", 0, "r0 = *(u32 *)(r1 + 1000)\nexit\n"},
        {"ctx write len", 0, "*(u32 *)(r1 + 0) = 1\nr0 = 0\nexit\n"},
        {"ctx modified ptr", 0, "r1 += 4\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
        {"ctx leak pointer", 0, "*(u32 *)(r1 + 48) = r10\nr0 = 0\nexit\n"},
        {"scalar deref", 0, "r1 = 0\nr0 = *(u64 *)(r1 + 0)\nexit\n"},
        {"uninit reg deref", 0, "r0 = *(u64 *)(r2 + 0)\nexit\n"},
        {"map ptr deref", 0, "r1 = {arr} ll\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
        {"atomic add on stack", 0,
         "*(u64 *)(r10 - 8) = 0\nr1 = 1\nlock *(u64 *)(r10 - 8) += r1\nr0 = 0\nexit\n"},
        {"atomic fetch add on map", 0,
         LOOKUP_OK("{arr}") "r1 = 1\nr1 = atomic_fetch_add((u64 *)(r0 + 8), r1)\n"
                            "r0 = r1\nexit\n" OUT},
        {"atomic on uninit stack", 0, "r1 = 1\nlock *(u64 *)(r10 - 8) += r1\nr0 = 0\nexit\n"},
        {"atomic on ctx", 0, "r2 = 1\nlock *(u32 *)(r1 + 0) += w2\nr0 = 0\nexit\n"},
        {"atomic misaligned", 0, LOOKUP_OK("{arr}") "r1 = 1\nlock *(u64 *)(r0 + 4) += r1\n" OUT},
        {"atomic leaks pointer", 0,
         "*(u64 *)(r10 - 8) = 0\nr1 = r10\nlock *(u64 *)(r10 - 8) += r1\nr0 = 0\nexit\n"},
        {"cmpxchg on stack", 0,
         "*(u64 *)(r10 - 8) = 0\nr0 = 0\nr1 = 2\nr0 = cmpxchg_64(r10 - 8, r0, r1)\nexit\n"},
        {"load acquire from stack", 0,
         "*(u64 *)(r10 - 8) = 0\nr0 = load_acquire((u64 *)(r10 - 8))\nexit\n"},
        {"store release to ctx", 0, "r2 = 1\nstore_release((u32 *)(r1 + 0), w2)\nr0 = 0\nexit\n"},
        {"map value misaligned ok", 0, LOOKUP_OK("{arr}") "r0 = *(u32 *)(r0 + 2)\nexit\n" OUT},
};

/* --- helper calls --- */
static const struct vm_case call_cases[] = {
        {"unknown helper id", 0, "call 999\nr0 = 0\nexit\n"},
        {"helper not for this type", 0, "call 44\nr0 = 0\nexit\n"},
        {"ringbuf reserve/submit", 0,
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "*(u64 *)(r0 + 8) = 1\nr1 = r0\nr2 = 0\ncall 132\n" OUT},
        {"ringbuf leak", 0,
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "*(u64 *)(r0 + 8) = 1\n" OUT},
        {"ringbuf leak on one path", 0,
         "r6 = *(u32 *)(r1 + 0)\n"
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "if r6 == 7 goto out\nr1 = r0\nr2 = 0\ncall 133\n" OUT},
        {"ringbuf record past end", 0,
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "*(u64 *)(r0 + 12) = 1\nr1 = r0\nr2 = 0\ncall 132\n" OUT},
        {"ringbuf unchecked", 0,
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\n*(u64 *)(r0 + 0) = 1\n"
         "r1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit\n"},
        {"ringbuf var size", 0,
         "r2 = *(u32 *)(r1 + 0)\nr2 &= 15\nr1 = {rb} ll\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "r1 = r0\nr2 = 0\ncall 132\n" OUT},
        {"ringbuf submit twice", 0,
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "r6 = r0\nr1 = r0\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 132\n" OUT},
        {"ringbuf submit stack", 0, "r1 = r10\nr1 += -8\nr2 = 0\ncall 132\nr0 = 0\nexit\n"},
        {"ringbuf submit with offset", 0,
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "r0 += 8\nr1 = r0\nr2 = 0\ncall 133\n" OUT},
        {"ringbuf output", 0,
         "*(u64 *)(r10 - 8) = 0\nr1 = {rb} ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\n"
         "call 130\nr0 = 0\nexit\n"},
        {"ringbuf output size 0", 0,
         "r1 = {rb} ll\nr2 = 0\nr3 = 0\nr4 = 0\ncall 130\nr0 = 0\nexit\n"},
        {"ringbuf output size too big", 0,
         "*(u64 *)(r10 - 8) = 0\nr1 = {rb} ll\nr2 = r10\nr2 += -8\nr3 = 16\nr4 = 0\n"
         "call 130\nr0 = 0\nexit\n"},
        {"ringbuf output negative size", 0,
         "*(u64 *)(r10 - 8) = 0\nr3 = *(u32 *)(r1 + 0)\nr3 <<= 32\nr3 s>>= 32\n"
         "if r3 s> 8 goto out\nr1 = {rb} ll\nr2 = r10\nr2 += -8\nr4 = 0\ncall 130\n" OUT},
        {"ringbuf output unbounded size", 0,
         "*(u64 *)(r10 - 8) = 0\nr3 = *(u32 *)(r1 + 0)\nr1 = {rb} ll\nr2 = r10\nr2 += -8\n"
         "r4 = 0\ncall 130\nr0 = 0\nexit\n"},
        {"ringbuf output of map value", 0,
         LOOKUP_OK("{arr}") "r2 = r0\nr1 = {rb} ll\nr3 = 48\nr4 = 0\ncall 130\n" OUT},
        {"ringbuf query", 0, "r1 = {rb} ll\nr2 = 0\ncall 134\nexit\n"},
        {"ringbuf into hash", 0,
         "r1 = {hash} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "r1 = r0\nr2 = 0\ncall 132\n" OUT},
        {"anything arg gets a pointer", 0,
         "r1 = {rb} ll\nr2 = 0\nr3 = r10\ncall 131\nr0 = 0\nexit\n"},
        {"clobbered args", 0, "call 7\nr0 = r1\nexit\n"},
        {"comm into stack", 0,
         "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 16)\nexit\n"},
        {"comm size 0", 0, "r1 = r10\nr1 += -16\nr2 = 0\ncall 16\nr0 = 0\nexit\n"},
        {"comm past frame", 0, "r1 = r10\nr1 += -8\nr2 = 16\ncall 16\nr0 = 0\nexit\n"},
        {"probe read null dst size 0", 0, "r1 = 0\nr2 = 0\nr3 = 0\ncall 113\nr0 = 0\nexit\n"},
        {"strtol res unaligned", 0,
         "*(u64 *)(r10 - 8) = 49\nr1 = r10\nr1 += -8\nr2 = 1\nr3 = 0\nr4 = r10\nr4 += -20\n"
         "call 105\nr0 = 0\nexit\n"},
        {"strtol res ok", 0,
         "*(u64 *)(r10 - 8) = 49\nr1 = r10\nr1 += -8\nr2 = 1\nr3 = 0\nr4 = r10\nr4 += -16\n"
         "call 105\nr0 = *(u64 *)(r10 - 16)\nexit\n"},
        {"tail call", 0, "r2 = {pa} ll\nr3 = 0\ncall 12\nr0 = 0\nexit\n"},
        {"tail call wrong map", 0, "r2 = {arr} ll\nr3 = 0\ncall 12\nr0 = 0\nexit\n"},
        {"tail call leaks ref", 0,
         "r6 = r1\nr1 = {rb} ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
         "r7 = r0\nr1 = r6\nr2 = {pa} ll\nr3 = 0\ncall 12\nr1 = r7\nr2 = 0\ncall 133\n" OUT},
        {"snprintf fmt in stack", 0,
         "*(u64 *)(r10 - 8) = 0\nr1 = r10\nr1 += -16\nr2 = 8\nr3 = r10\nr3 += -8\nr4 = 0\n"
         "r5 = 0\ncall 165\nr0 = 0\nexit\n"},
        {"snprintf fmt in rodata", 0,
         LOOKUP_OK("{ro}") "r3 = r0\nr1 = r10\nr1 += -16\nr2 = 8\nr4 = 0\nr5 = 0\ncall 165\n" OUT},
        {"snprintf fmt in writable map", 0,
         LOOKUP_OK("{arr}") "r3 = r0\nr1 = r10\nr1 += -16\nr2 = 8\nr4 = 0\nr5 = 0\ncall 165\n" OUT},
        {"snprintf fmt in unfrozen rodata", 0,
         LOOKUP_OK("{ro2}") "r3 = r0\nr1 = r10\nr1 += -16\nr2 = 8\nr4 = 0\nr5 = 0\ncall 165\n" OUT},
        {"snprintf bad format", 0,
         LOOKUP_OK("{ro}") "r3 = r0\nr3 += 6\nr1 = r10\nr1 += -16\nr2 = 8\nr4 = 0\nr5 = 0\n"
                           "call 165\n" OUT},
        {"map helper with pkt pointer", 0,
         "r1 = {hash} ll\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit\n"},
        {"spin lock without btf", 0, LOOKUP_OK("{arr}") "r1 = r0\ncall 93\n" OUT},
        {"spin unlock without lock", 0, LOOKUP_OK("{arr}") "r1 = r0\ncall 94\n" OUT},
        {"loop callback not a func", 0, "r1 = 4\nr2 = 0\nr3 = 0\nr4 = 0\ncall 181\nr0 = 0\nexit\n"},
        {"for_each ctx not stack", 0,
         "r1 = {arr} ll\nr2 = 0\nr3 = r1\nr4 = 0\ncall 164\nr0 = 0\nexit\n"},
        {"get_smp_processor_id bounds", 0,
         "call 8\nr1 = r10\nr1 += -512\nr1 += r0\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"},
        {"probe_read_str retval bounds", 0,
         "r1 = r10\nr1 += -16\nr2 = 16\nr3 = 0\ncall 115\nif r0 s< 0 goto out\n"
         "r1 = r10\nr1 += -16\nr1 += r0\n*(u8 *)(r1 + 0) = 0\n" OUT},
        {"non-GPL calls trace_printk", 0,
         "NONGPL\nr1 = r10\nr1 += -8\n*(u64 *)(r10 - 8) = 0\n"
         "r2 = 8\ncall 6\nr0 = 0\nexit\n"},
        /* might_sleep helpers: refused unless the program is sleepable; the uninit
         * destination is initialised by the call (its bytes readable after it) */
        {"copy_from_user not sleepable", 0,
         "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 148\nr0 = 0\nexit\n"},
        {"copy_from_user sleepable", BPF_PROG_TYPE_SYSCALL,
         "SLEEPABLE\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 148\n"
         "r0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n"},
        {"copy_from_user size past frame", BPF_PROG_TYPE_SYSCALL,
         "SLEEPABLE\nr1 = r10\nr1 += -8\nr2 = 16\nr3 = 0\ncall 148\nr0 = 0\nexit\n"},
        {"cgroup id helpers", 0, "call 80\nr6 = r0\nr1 = 1\ncall 123\nr0 += r6\nr0 = 0\nexit\n"},
};

/* --- packets (XDP 6, tc 3, socket filter 1, cgroup_skb 8) and context fields --- */
#define XDP_PKT "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\n"
#define TC_PKT "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\n"
static const struct vm_case pkt_cases[] = {
        {"xdp read checked", 6,
         XDP_PKT "r4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
                 "r0 = *(u16 *)(r2 + 12)\n" OUT},
        {"xdp read unchecked", 6, XDP_PKT "r0 = *(u8 *)(r2 + 0)\nexit\n"},
        {"xdp read past checked range", 6,
         XDP_PKT "r4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
                 "r0 = *(u32 *)(r2 + 12)\n" OUT},
        {"xdp write checked", 6,
         XDP_PKT "r4 = r2\nr4 += 8\nif r4 > r3 goto out\n"
                 "*(u32 *)(r2 + 0) = 1\n" OUT},
        {"xdp pkt_end deref", 6, XDP_PKT "r0 = *(u8 *)(r3 + 0)\nexit\n"},
        {"xdp meta read", 6,
         "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\nr4 = r2\n"
         "r4 += 4\nif r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\n" OUT},
        {"xdp var offset checked", 6,
         XDP_PKT "r4 = *(u8 *)(r1 + 0)\nr4 &= 15\nr2 += r4\n"
                 "r5 = r2\nr5 += 4\nif r5 > r3 goto out\n"
                 "r0 = *(u32 *)(r2 + 0)\n" OUT},
        {"xdp leak pointer into pkt", 6,
         XDP_PKT "r4 = r2\nr4 += 8\nif r4 > r3 goto out\n"
                 "*(u64 *)(r2 + 0) = r2\n" OUT},
        {"xdp spill pkt ptr", 6,
         XDP_PKT "*(u64 *)(r10 - 8) = r2\nr5 = *(u64 *)(r10 - 8)\n"
                 "r4 = r5\nr4 += 1\nif r4 > r3 goto out\n"
                 "r0 = *(u8 *)(r5 + 0)\n" OUT},
        {"xdp pkt to map helper", 6,
         XDP_PKT "r4 = r2\nr4 += 8\nif r4 > r3 goto out\n"
                 "r1 = {hash} ll\ncall 1\n" OUT},
        {"tc read checked", 3,
         TC_PKT "r4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
                "r0 = *(u16 *)(r2 + 12)\n" OUT},
        {"tc write checked", 3,
         TC_PKT "r4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
                "*(u16 *)(r2 + 12) = 1\n" OUT},
        {"cgroup_skb write packet", 8,
         TC_PKT "r4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
                "*(u16 *)(r2 + 12) = 1\n" OUT},
        {"socket filter data field", 1, "r0 = *(u32 *)(r1 + 76)\nexit\n"},
        {"ctx narrow load", 1, "r0 = *(u8 *)(r1 + 1)\nexit\n"},
        {"ctx narrow load of data", 3, "r0 = *(u16 *)(r1 + 76)\nexit\n"},
        {"ctx write mark", 3, "*(u32 *)(r1 + 8) = 1\nr0 = 0\nexit\n"},
        {"ctx write cb", 1, "*(u32 *)(r1 + 48) = 1\nr0 = 0\nexit\n"},
        {"ctx read past end", 1, "r0 = *(u32 *)(r1 + 400)\nexit\n"},
        {"ctx negative off", 1, "r0 = *(u32 *)(r1 - 4)\nexit\n"},
        {"ctx 8-byte load of u32", 1, "r0 = *(u64 *)(r1 + 0)\nexit\n"},
        {"ctx var offset", 1,
         "r2 = *(u32 *)(r1 + 0)\nr2 &= 4\nr1 += r2\n"
         "r0 = *(u32 *)(r1 + 0)\nexit\n"},
        {"ctx passed to helper", 1, "r2 = 1\ncall 8\nr0 = 0\nexit\n"},
        {"ctx as mem arg", 1,
         "r2 = 8\nr3 = 0\nr6 = r1\nr1 = r10\nr1 += -8\nr3 = r6\n"
         "call 113\nr0 = 0\nexit\n"},
        {"ctx into map value", 1, LOOKUP_OK("{arr}") "r1 = r6\n*(u64 *)(r0 + 0) = r1\n" OUT},
};

#endif /* VERIFIER_MEM_CASES_H */
