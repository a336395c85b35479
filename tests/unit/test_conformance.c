/* test_conformance.c — the 313 bpf_conformance vectors through the guarded interpreter.
 *
 * Each .data file in ../shared/conformance gives a program (-- raw), optional input memory
 * (-- mem) and the expected r0 (-- result). The suite's conventions: r1 = memory or 0,
 * r2 = its length, helper 5 exists and is harmless.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define CONF_DIR USERBPF_SHARED_DIR "/conformance"
#define CONF_EXPECTED 313

struct conf_vec {
	struct bpf_insn *insns;
	size_t cnt;
	uint8_t *mem;
	size_t len;
	uint64_t result;
	int has_result, has_error;
};

static uint64_t conf_helper5(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct userbpf_run_ctx *rc)
{
	return 0;
}

static int conf_hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Parse one .data file; returns 0 or -1 on a malformed file. */
static int conf_parse(char *text, struct conf_vec *v)
{
	enum { NONE, RAW, MEM, RESULT, ERROR, OTHER } sec = NONE;
	size_t icap = 0, mcap = 0;
	memset(v, 0, sizeof *v);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		while (isspace((unsigned char)*line))
			line++;
		if (line[0] == '#' || !line[0])
			continue;
		if (!strncmp(line, "--", 2)) {
			const char *name = line + 2;
			while (*name == ' ')
				name++;
			sec = !strncmp(name, "raw", 3)      ? RAW
			      : !strncmp(name, "mem", 3)    ? MEM
			      : !strncmp(name, "result", 6) ? RESULT
			      : !strncmp(name, "error", 5)  ? ERROR
			                                    : OTHER;
			v->has_error |= sec == ERROR;
			continue;
		}
		if (sec == RAW) {
			uint64_t w = strtoull(line, NULL, 16);
			if (v->cnt == icap) {
				icap = icap ? icap * 2 : 64;
				v->insns = realloc(v->insns, icap * sizeof *v->insns);
			}
			memcpy(&v->insns[v->cnt++], &w, sizeof w); /* the word is little-endian */
		} else if (sec == MEM) {
			for (char *p = line; *p;) {
				if (isspace((unsigned char)*p)) {
					p++;
					continue;
				}
				if (!isxdigit((unsigned char)p[0]) ||
				    !isxdigit((unsigned char)p[1]))
					return -1;
				if (v->len == mcap) {
					mcap = mcap ? mcap * 2 : 64;
					v->mem = realloc(v->mem, mcap);
				}
				v->mem[v->len++] =
				        (uint8_t)(conf_hexval(p[0]) << 4 | conf_hexval(p[1]));
				p += 2;
			}
		} else if (sec == RESULT) {
			v->result = strstr(line, "0x") ? strtoull(line, NULL, 16)
			                               : (uint64_t)strtoll(line, NULL, 10);
			v->has_result = 1;
		}
	}
	return v->cnt ? 0 : -1;
}

static int conf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run one vector; returns 1 when it passes, printing why when it does not. */
static int conf_run(const char *name, const struct conf_vec *v)
{
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	uint64_t r0 = 0;

	int err = userbpf_vm_create(v->insns, v->cnt, &opts, &vm, &e);
	if (err) {
		if (v->has_error)
			return 1;
		printf("FAIL %s: create: %s (insn %d)\n", name, e.msg, e.insn);
		return 0;
	}
	userbpf_vm_set_helper(vm, 5, conf_helper5);
	err = userbpf_vm_exec(vm, v->mem, v->len, &r0, &e);
	userbpf_vm_destroy(vm);
	if (v->has_error) {
		if (err)
			return 1;
		printf("FAIL %s: expected an error, got r0 = 0x%llx\n", name,
		       (unsigned long long)r0);
		return 0;
	}
	if (err) {
		printf("FAIL %s: run: %s (insn %d)\n", name, e.msg, e.insn);
		return 0;
	}
	if (!v->has_result || r0 != v->result) {
		printf("FAIL %s: r0 = 0x%llx, expected 0x%llx\n", name, (unsigned long long)r0,
		       (unsigned long long)v->result);
		return 0;
	}
	return 1;
}

static void test_conformance_vectors(void **state)
{
	DIR *d = opendir(CONF_DIR);
	if (!d) {
		printf("conformance: %s not found, skipping\n", CONF_DIR);
		skip();
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".data"))
			continue;
		if (n == cap)
			names = realloc(names, (cap = cap ? cap * 2 : 512) * sizeof *names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, conf_cmp);

	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", CONF_DIR, names[i]);
		char *text = tu_read_file(path, NULL);
		struct conf_vec v;
		if (!text || conf_parse(text, &v)) {
			printf("FAIL %s: cannot read or parse\n", names[i]);
			failed++;
		} else if (conf_run(names[i], &v)) {
			passed++;
		} else {
			failed++;
		}
		if (text) {
			free(v.insns);
			free(v.mem);
		}
		free(text);
		free(names[i]);
	}
	free(names);
	printf("conformance: %d passed, %d failed\n", passed, failed);
	assert_int_equal(n, CONF_EXPECTED);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_conformance_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
