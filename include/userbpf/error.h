/* userbpf — a diagnostic: what went wrong and where. */
#ifndef USERBPF_ERROR_H
#define USERBPF_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Every layer reports failures as a negative errno return plus, where the caller passes
 * one, this record: the errno, the instruction index (or line/offset, as the function
 * documents; -1 if none) and one line of text in the kernel's wording where it has one. */
struct userbpf_error {
	int err;       /* negative errno, 0 when no error */
	int insn;      /* instruction index (assembler: source line), -1 if none */
	char msg[128]; /* no trailing newline */
};

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_ERROR_H */
