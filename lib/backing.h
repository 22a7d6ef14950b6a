/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace memory behind a memslot: anonymous 4K, THP, hugetlbfs 2M/1G, memfd. */
#ifndef KMAT_BACKING_H
#define KMAT_BACKING_H

#include <stddef.h>
#include <stdint.h>

enum backing_type {
	BACKING_ANON,       /* 4K pages, THP explicitly off */
	BACKING_THP,        /* 2M-aligned anonymous, MADV_HUGEPAGE */
	BACKING_HUGETLB_2M,
	BACKING_HUGETLB_1G,
	BACKING_MEMFD,      /* shared memfd, 4K */
	NR_BACKINGS
};

struct backing {
	enum backing_type type;
	void *addr;       /* aligned start handed to KVM */
	size_t size;
	void *map;        /* what mmap returned, for munmap */
	size_t map_size;
	int fd;           /* memfd, or -1 */
};

const char *backing_name(enum backing_type t);
size_t backing_page_size(enum backing_type t);

/*
 * 0 on success; on failure a negative errno, and *why (if non-NULL) names the missing piece so
 * callers can skip with a reason: "THP disabled", "no free 1G hugetlb pages"...
 */
int __backing_alloc(struct backing *b, enum backing_type t, size_t size, const char **why);
void backing_alloc(struct backing *b, enum backing_type t, size_t size);
void backing_free(struct backing *b);

/* Free pages in the hugetlb pool of @size bytes, or -1 if the size is not offered. */
long hugetlb_free_pages(size_t size);
/* THP mode from sysfs: "always", "madvise", "never", or "absent". */
const char *thp_mode(void);

#endif
