/* SPDX-License-Identifier: GPL-2.0 */
/* KVM binary stats (KVM_GET_STATS_FD), read by name: e.g. pages_4k, pages_2m, pages_1g. */
#ifndef KMAT_STATS_H
#define KMAT_STATS_H

#include <stdint.h>

struct kvm_vm;

struct stats_reader {
	int fd;
	uint32_t num_desc, name_size;
	uint64_t desc_offset, data_offset;
	void *descs;      /* num_desc entries of desc_stride bytes */
	size_t desc_stride;
};

/* Parse the header and descriptors of a stats fd (takes ownership of @fd). 0 or -errno. */
int stats_reader_open(struct stats_reader *r, int fd);
void stats_reader_close(struct stats_reader *r);
/* First value of stat @name; -ENOENT when the kernel has no such stat. */
int stats_read(const struct stats_reader *r, const char *name, uint64_t *val);

/* The VM's stats fd, opened on first use and closed by vm_free(). */
void vm_stats_free(struct kvm_vm *vm);
int __vm_stat(struct kvm_vm *vm, const char *name, uint64_t *val);
uint64_t vm_stat(struct kvm_vm *vm, const char *name);

struct page_levels {
	uint64_t pages_4k, pages_2m, pages_1g;
};
void vm_page_levels(struct kvm_vm *vm, struct page_levels *pl);

#endif
