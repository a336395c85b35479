/* The userbpf CLI's commands: each is main-shaped and returns the process exit code. */
#ifndef USERBPF_TOOLS_CMDS_H
#define USERBPF_TOOLS_CMDS_H

int cmd_run(int argc, char **argv);    /* userbpf run PROG [data_in FILE] [mem HEX] [repeat N] */
int cmd_asm(int argc, char **argv);    /* userbpf asm FILE [-o OUT] */
int cmd_disasm(int argc, char **argv); /* userbpf disasm FILE */
int cmd_plugin(int argc, char **argv); /* userbpf plugin [MEM_HEX] [--jit] */

#include <stddef.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>

/* Read a program file: text assembly when the name ends in .s or .asm, otherwise raw
 * 8-byte little-endian instructions. Returns 0 with a malloc'd array, or -1 after printing
 * an error naming the file (and line, for text). */
int progfile_read(const char *path, struct bpf_insn **insns, size_t *cnt);

/* Read a whole file ("-" is stdin); returns 0 with a malloc'd buffer, NUL-terminated after
 * its len bytes so that text can be used as a string, or -1 after printing an error naming
 * the file. */
int progfile_read_bytes(const char *path, unsigned char **buf, size_t *len);

/* Decode hex digits (whitespace ignored) into a malloc'd buffer; 0, or -1 after printing
 * a message that names what it was decoding ("memory", "program"). */
int progfile_unhex(const char *what, const char *s, uint8_t **out, size_t *len);

#endif
