// SPDX-License-Identifier: GPL-2.0
/*
 * The binary stats reader, on a synthetic stats file laid out like KVM's (header, id,
 * descriptors with a name_size buffer, data) and, where /dev/kvm exists, on a real VM.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "caps.h"
#include "ktap.h"
#include "stats.h"
#include "vm.h"

#define NAME_SIZE 48

static int synth_stats(const char *const *names, const uint64_t *vals, int n)
{
	size_t stride = sizeof(struct kvm_stats_desc) + NAME_SIZE;
	struct kvm_stats_header h = {
		.name_size = NAME_SIZE,
		.num_desc = n,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + 64,
		.data_offset = sizeof(h) + 64 + stride * n + 8, /* deliberately not packed */
	};
	int fd = memfd_create("stats", 0);
	char *desc = calloc(n, stride);

	KMAT_ASSERT(fd >= 0 && desc, "memfd/calloc");
	KMAT_ASSERT(pwrite(fd, &h, sizeof(h), 0) == sizeof(h), "write header");
	KMAT_ASSERT(pwrite(fd, "kvm-1234", 9, h.id_offset) == 9, "write id");
	for (int i = 0; i < n; i++) {
		struct kvm_stats_desc *d = (void *)(desc + i * stride);

		d->size = 1;
		d->offset = (n - 1 - i) * 8; /* data in reverse order of descriptors */
		strncpy(d->name, names[i], NAME_SIZE - 1);
		KMAT_ASSERT(pwrite(fd, &vals[i], 8, h.data_offset + d->offset) == 8, "write data");
	}
	KMAT_ASSERT(pwrite(fd, desc, stride * n, h.desc_offset) == (ssize_t)(stride * n),
		    "write descriptors");
	free(desc);
	return fd;
}

static void case_synthetic(const void *arg)
{
	static const char *const names[] = { "pages_4k", "pages_2m", "pages_1g", "pages_4" };
	static const uint64_t vals[] = { 1028, 3, 1, 77 };
	struct stats_reader r;
	uint64_t v;

	KMAT_ASSERT_EQ(stats_reader_open(&r, synth_stats(names, vals, 4)), 0);
	for (int i = 0; i < 4; i++) {
		KMAT_ASSERT_EQ(stats_read(&r, names[i], &v), 0);
		KMAT_ASSERT(v == vals[i], "%s read %llu, want %llu", names[i],
			    (unsigned long long)v, (unsigned long long)vals[i]);
	}
	/* A prefix of a real name is not that name. */
	KMAT_ASSERT_EQ(stats_read(&r, "pages_", &v), -ENOENT);
	KMAT_ASSERT_EQ(stats_read(&r, "pages_512g", &v), -ENOENT);
	stats_reader_close(&r);
}

static void case_truncated(const void *arg)
{
	struct stats_reader r;
	int fd = memfd_create("stats", 0);

	KMAT_ASSERT(fd >= 0, "memfd");
	KMAT_ASSERT(write(fd, "short", 5) == 5, "write");
	KMAT_ASSERT_EQ(stats_reader_open(&r, fd), -EIO);
	stats_reader_close(&r);
}

static void case_real_vm(const void *arg)
{
	struct kvm_vm *vm;
	struct page_levels pl;

	require_vm_type(KVM_X86_DEFAULT_VM);
	if (!kmat_caps()->binary_stats)
		ktap_skip(KTAP_SKIP_NO_STATS, NULL);
	vm = vm_create_bare(KVM_X86_DEFAULT_VM);
	vm_page_levels(vm, &pl);
	/* A VM that never ran maps nothing. */
	KMAT_ASSERT(pl.pages_4k == 0 && pl.pages_2m == 0 && pl.pages_1g == 0,
		    "fresh VM maps 4k=%llu 2m=%llu 1g=%llu", (unsigned long long)pl.pages_4k,
		    (unsigned long long)pl.pages_2m, (unsigned long long)pl.pages_1g);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_add("unit.stats.synthetic", case_synthetic, NULL);
	ktap_add("unit.stats.truncated", case_truncated, NULL);
	ktap_add("unit.stats.real_vm", case_real_vm, NULL);
	ktap_parse_args(argc, argv, NULL);
	return ktap_run();
}
