// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF loader without KVM: load this binary into a plain buffer standing in for guest
 * memory and compare it with the image the host itself runs from.
 */
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "x86/processor.h"

static const char rodata_marker[] = "elf loader rodata marker";
static uint64_t data_marker = 0x0123456789abcdefULL;
static uint64_t bss_marker[64];

/* Loaded copy at mem + addr against the running image at addr. */
static bool same_bytes(const uint8_t *mem, uintptr_t addr, size_t n)
{
	const volatile uint8_t *live = (const volatile uint8_t *)addr;

	for (size_t i = 0; i < n; i++)
		if (mem[addr + i] != live[i])
			return false;
	return true;
}

static void case_load(const void *arg)
{
	uint64_t end = elf_image_end("/proc/self/exe");
	struct kvm_vm vm;
	struct memslot *s = &vm.slots[0];
	uint8_t *mem;

	KMAT_ASSERT(end > KMAT_ELF_MIN_GPA && end < (1ULL << 32), "image end 0x%llx",
		    (unsigned long long)end);
	KMAT_ASSERT((uintptr_t)(bss_marker + 64) <= end && (uintptr_t)&data_marker < end,
		    "globals lie beyond the image end");
	mem = malloc(end);
	KMAT_ASSERT(mem, "malloc");
	memset(mem, 0xaa, end);
	memset(&vm, 0, sizeof(vm));
	s->used = true;
	s->size = end;
	s->hva = mem;
	s->gmem_fd = -1;
	/* The host changes its copy; the loaded image must carry the file's values. */
	data_marker = 42;
	bss_marker[3] = 7;
	elf_load(&vm, "/proc/self/exe");
	KMAT_ASSERT(!memcmp(mem + (uintptr_t)rodata_marker, rodata_marker, sizeof(rodata_marker)),
		    ".rodata differs");
	KMAT_ASSERT(same_bytes(mem, (uintptr_t)case_load, 64), ".text differs");
	KMAT_ASSERT_EQ(*(uint64_t *)(mem + (uintptr_t)&data_marker), 0x0123456789abcdefULL);
	for (int i = 0; i < 64; i++)
		KMAT_ASSERT_EQ(*(uint64_t *)(mem + (uintptr_t)&bss_marker[i]), 0);
	/* Below the image nothing was written. */
	KMAT_ASSERT_EQ(mem[KMAT_ELF_MIN_GPA - 1], 0xaa);
	free(mem);
}

int main(int argc, char **argv)
{
	ktap_add("unit.elf.load_self", case_load, NULL);
	ktap_parse_args(argc, argv, NULL);
	return ktap_run();
}
