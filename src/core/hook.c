/* hook.c — mappings the library makes for itself (see hook.h).
 *
 * Besides marking them MADV_DONTDUMP (what other processes see in their smaps), the
 * process keeps the address ranges of its own shared file views, so that MAP_FREEZE can
 * tell its own views from the application's mappings without reading /proc/self/smaps
 * (which walks the page tables of every mapping of the process).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/hook.h"

__thread int ub_hook_internal __attribute__((tls_model("initial-exec")));

struct ub_view {
	uintptr_t start, end;
};
static pthread_mutex_t ub_views_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ub_view *ub_views;
static size_t ub_nr_views, ub_cap_views;

static void ub_views_add(uintptr_t start, uintptr_t end)
{
	pthread_mutex_lock(&ub_views_lock);
	if (ub_nr_views == ub_cap_views) {
		size_t ncap = ub_cap_views ? ub_cap_views * 2 : 64;
		struct ub_view *n = realloc(ub_views, ncap * sizeof *n);
		if (!n) { /* not recorded: FREEZE then looks in smaps, as for other processes */
			pthread_mutex_unlock(&ub_views_lock);
			return;
		}
		ub_views = n;
		ub_cap_views = ncap;
	}
	ub_views[ub_nr_views++] = (struct ub_view){start, end};
	pthread_mutex_unlock(&ub_views_lock);
}

/* Take [start, end) out of the recorded views (a view may be unmapped in parts). */
static void ub_views_del(uintptr_t start, uintptr_t end)
{
	pthread_mutex_lock(&ub_views_lock);
	for (size_t i = 0; i < ub_nr_views;) {
		struct ub_view *v = &ub_views[i];
		if (v->end <= start || v->start >= end) {
			i++;
		} else if (start <= v->start && end >= v->end) {
			*v = ub_views[--ub_nr_views];
		} else if (start <= v->start) {
			v->start = end;
			i++;
		} else if (end >= v->end) {
			v->end = start;
			i++;
		} else { /* a hole in the middle: keep the head, re-add the tail */
			uintptr_t tail = v->end;
			v->end = start;
			pthread_mutex_unlock(&ub_views_lock);
			ub_views_add(end, tail);
			pthread_mutex_lock(&ub_views_lock);
			i = 0; /* the array may have moved */
		}
	}
	pthread_mutex_unlock(&ub_views_lock);
}

void *ub_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	ub_hook_internal++;
	void *p = mmap(addr, len, prot, flags, fd, off);
	ub_hook_internal--;
	if (p != MAP_FAILED && fd >= 0 && (flags & MAP_SHARED)) {
		madvise(p, len, MADV_DONTDUMP);
		ub_views_add((uintptr_t)p, (uintptr_t)p + len);
	}
	return p;
}

int ub_munmap(void *addr, size_t len)
{
	ub_views_del((uintptr_t)addr, (uintptr_t)addr + len);
	return munmap(addr, len);
}

bool ub_mmap_is_view(uintptr_t start, uintptr_t end)
{
	bool in = false;
	pthread_mutex_lock(&ub_views_lock);
	for (size_t i = 0; i < ub_nr_views && !in; i++)
		in = ub_views[i].start <= start && end <= ub_views[i].end;
	pthread_mutex_unlock(&ub_views_lock);
	return in;
}
