/* btf_holder.c — keeps an object file loaded (maps, BTF, programs) until stdin closes,
 * printing "ready" once loaded, so that test_cli.py can inspect the live objects from
 * other processes (map dump with BTF) the way one inspects a running agent's maps.
 * Built by test_cli.py at test time against the build's libuserbpf.a.
 * usage: btf_holder OBJ */
#include <stdio.h>

#include <userbpf/loader.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: btf_holder OBJ\n");
		return 2;
	}
	struct userbpf_object *obj = userbpf_object__open_file(argv[1], NULL);
	if (!obj || userbpf_object__load(obj)) {
		fprintf(stderr, "btf_holder: %s: %s\n", argv[1], userbpf_last_error());
		userbpf_object__close(obj);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (getchar() != EOF)
		;
	userbpf_object__close(obj);
	return 0;
}
