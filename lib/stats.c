// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "vm.h"

int stats_reader_open(struct stats_reader *r, int fd)
{
	struct kvm_stats_header h;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return -EIO;
	/* A descriptor is the fixed part plus a name_size name buffer. */
	r->num_desc = h.num_desc;
	r->name_size = h.name_size;
	r->desc_offset = h.desc_offset;
	r->data_offset = h.data_offset;
	r->desc_stride = sizeof(struct kvm_stats_desc) + h.name_size;
	if (!h.name_size || h.num_desc > 100000)
		return -EINVAL;
	len = r->desc_stride * h.num_desc;
	r->descs = calloc(1, len);
	if (!r->descs)
		return -ENOMEM;
	if (pread(fd, r->descs, len, h.desc_offset) != (ssize_t)len) {
		free(r->descs);
		r->descs = NULL;
		return -EIO;
	}
	return 0;
}

void stats_reader_close(struct stats_reader *r)
{
	free(r->descs);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

int stats_read(const struct stats_reader *r, const char *name, uint64_t *val)
{
	for (uint32_t i = 0; i < r->num_desc; i++) {
		const struct kvm_stats_desc *d =
			(const void *)((const char *)r->descs + i * r->desc_stride);

		if (strncmp(d->name, name, r->name_size))
			continue;
		if (pread(r->fd, val, sizeof(*val), r->data_offset + d->offset) != sizeof(*val))
			return -EIO;
		return 0;
	}
	return -ENOENT;
}

static struct stats_reader *vm_stats(struct kvm_vm *vm)
{
	int fd;

	if (vm->stats)
		return vm->stats;
	fd = ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
	KMAT_ASSERT(fd >= 0, "KVM_GET_STATS_FD");
	vm->stats = calloc(1, sizeof(*vm->stats));
	KMAT_ASSERT(vm->stats, "calloc");
	KMAT_ASSERT(stats_reader_open(vm->stats, fd) == 0, "parse VM stats header");
	return vm->stats;
}

void vm_stats_free(struct kvm_vm *vm)
{
	if (!vm->stats)
		return;
	stats_reader_close(vm->stats);
	free(vm->stats);
	vm->stats = NULL;
}

int __vm_stat(struct kvm_vm *vm, const char *name, uint64_t *val)
{
	return stats_read(vm_stats(vm), name, val);
}

uint64_t vm_stat(struct kvm_vm *vm, const char *name)
{
	uint64_t v = 0;
	int r = __vm_stat(vm, name, &v);

	errno = -r;
	KMAT_ASSERT(r == 0, "VM stat %s", name);
	return v;
}

void vm_page_levels(struct kvm_vm *vm, struct page_levels *pl)
{
	pl->pages_4k = vm_stat(vm, "pages_4k");
	pl->pages_2m = vm_stat(vm, "pages_2m");
	pl->pages_1g = vm_stat(vm, "pages_1g");
}
