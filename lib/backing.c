// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <linux/mman.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backing.h"
#include "kvm.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif

const char *backing_name(enum backing_type t)
{
	static const char *const names[NR_BACKINGS] = {
		"anon", "thp", "hugetlb2m", "hugetlb1g", "memfd",
	};

	return t < NR_BACKINGS ? names[t] : "unknown";
}

size_t backing_page_size(enum backing_type t)
{
	switch (t) {
	case BACKING_THP:
	case BACKING_HUGETLB_2M:
		return SZ_2M;
	case BACKING_HUGETLB_1G:
		return SZ_1G;
	default:
		return KMAT_PAGE_SIZE;
	}
}

long hugetlb_free_pages(size_t size)
{
	char path[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		 size >> 10);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

const char *thp_mode(void)
{
	static char buf[128];
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char *l, *r;

	if (!f)
		return "absent";
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return "absent";
	}
	fclose(f);
	/* The active mode is the bracketed word: "always [madvise] never". */
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!l || !r)
		return "absent";
	*r = '\0';
	return l + 1;
}

int __backing_alloc(struct backing *b, enum backing_type t, size_t size, const char **why)
{
	/* THP is best effort: any 4K multiple, 2M-aligned start. Hugetlb needs whole pages. */
	size_t align = t == BACKING_THP ? KMAT_PAGE_SIZE : backing_page_size(t);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	const char *dummy;

	if (!why)
		why = &dummy;
	memset(b, 0, sizeof(*b));
	b->type = t;
	b->fd = -1;
	b->size = size;
	if (size % align) {
		*why = "size not a multiple of the backing page size";
		return -EINVAL;
	}

	switch (t) {
	case BACKING_ANON:
		b->map_size = size;
		break;
	case BACKING_THP:
		if (!strcmp(thp_mode(), "never") || !strcmp(thp_mode(), "absent")) {
			*why = "THP disabled";
			return -EOPNOTSUPP;
		}
		/* Over-allocate so the region can start on a 2M boundary. */
		b->map_size = ALIGN_UP(size, SZ_2M) + SZ_2M;
		break;
	case BACKING_HUGETLB_2M:
	case BACKING_HUGETLB_1G:
		if (hugetlb_free_pages(align) < (long)(size / align)) {
			*why = t == BACKING_HUGETLB_2M ? "too few free 2M hugetlb pages"
						       : "too few free 1G hugetlb pages";
			return -ENOMEM;
		}
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			(t == BACKING_HUGETLB_2M ? MAP_HUGE_2MB : MAP_HUGE_1GB);
		b->map_size = size;
		break;
	case BACKING_MEMFD:
		b->fd = memfd_create("kmat", MFD_CLOEXEC);
		if (b->fd < 0 || ftruncate(b->fd, size)) {
			*why = "memfd_create/ftruncate failed";
			return -errno;
		}
		flags = MAP_SHARED;
		b->map_size = size;
		break;
	default:
		*why = "unknown backing";
		return -EINVAL;
	}

	b->map = mmap(NULL, b->map_size, PROT_READ | PROT_WRITE, flags, b->fd, 0);
	if (b->map == MAP_FAILED) {
		int e = errno;

		*why = "mmap failed";
		if (b->fd >= 0)
			close(b->fd);
		b->map = NULL;
		return -e;
	}
	b->addr = b->map;
	if (t == BACKING_THP) {
		b->addr = (void *)ALIGN_UP((uintptr_t)b->map, SZ_2M);
		if (madvise(b->addr, ALIGN_UP(size, SZ_2M), MADV_HUGEPAGE)) {
			*why = "MADV_HUGEPAGE refused";
			backing_free(b);
			return -EOPNOTSUPP;
		}
	} else if (t == BACKING_ANON) {
		/* Keep "4K backing" meaning 4K even when THP is "always". */
		madvise(b->addr, size, MADV_NOHUGEPAGE);
	}
	return 0;
}

void backing_alloc(struct backing *b, enum backing_type t, size_t size)
{
	const char *why = "";
	int r = __backing_alloc(b, t, size, &why);

	errno = -r;
	KMAT_ASSERT(r == 0, "%s backing of %zu bytes: %s", backing_name(t), size, why);
}

void backing_free(struct backing *b)
{
	if (b->map)
		munmap(b->map, b->map_size);
	if (b->fd >= 0)
		close(b->fd);
	b->map = b->addr = NULL;
	b->fd = -1;
}
