// SPDX-License-Identifier: GPL-2.0
/*
 * Loads this very binary into guest memory, so guest code is plain C from the same ELF: every
 * PT_LOAD segment lands at its link address (GPA == GVA), .bss zeroed.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "x86/processor.h"

struct elf_image {
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	int fd;
};

static void elf_open(const char *path, struct elf_image *img)
{
	size_t phsize;

	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	KMAT_ASSERT(img->fd >= 0, "open %s", path);
	KMAT_ASSERT(pread(img->fd, &img->eh, sizeof(img->eh), 0) == sizeof(img->eh),
		    "read ELF header of %s", path);
	KMAT_ASSERT(!memcmp(img->eh.e_ident, ELFMAG, SELFMAG) &&
			    img->eh.e_ident[EI_CLASS] == ELFCLASS64 &&
			    img->eh.e_machine == EM_X86_64 && img->eh.e_type == ET_EXEC &&
			    img->eh.e_phentsize == sizeof(Elf64_Phdr),
		    "%s is not a non-PIE x86-64 executable (e_type %u)", path, img->eh.e_type);
	phsize = (size_t)img->eh.e_phnum * sizeof(Elf64_Phdr);
	img->ph = malloc(phsize);
	KMAT_ASSERT(img->ph, "malloc");
	KMAT_ASSERT(pread(img->fd, img->ph, phsize, img->eh.e_phoff) == (ssize_t)phsize,
		    "read program headers of %s", path);
}

static void elf_close(struct elf_image *img)
{
	free(img->ph);
	close(img->fd);
}

uint64_t elf_image_end(const char *path)
{
	struct elf_image img;
	uint64_t end = 0;

	elf_open(path, &img);
	for (int i = 0; i < img.eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img.ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		KMAT_ASSERT(p->p_vaddr >= KMAT_ELF_MIN_GPA,
			    "PT_LOAD at 0x%llx is below the guest image base 0x%llx",
			    (unsigned long long)p->p_vaddr, KMAT_ELF_MIN_GPA);
		if (p->p_vaddr + p->p_memsz > end)
			end = p->p_vaddr + p->p_memsz;
	}
	elf_close(&img);
	return ALIGN_UP(end, KMAT_PAGE_SIZE);
}

void elf_load(struct kvm_vm *vm, const char *path)
{
	struct elf_image img;

	elf_open(path, &img);
	for (int i = 0; i < img.eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img.ph[i];
		uint8_t *dst;

		if (p->p_type != PT_LOAD)
			continue;
		KMAT_ASSERT(p->p_filesz <= p->p_memsz, "PT_LOAD %d: filesz > memsz", i);
		dst = gpa_to_hva(vm, p->p_vaddr);
		/* The whole segment must sit in one memslot. */
		KMAT_ASSERT((uint8_t *)gpa_to_hva(vm, p->p_vaddr + p->p_memsz - 1) ==
				    dst + p->p_memsz - 1,
			    "PT_LOAD %d spans memslots", i);
		KMAT_ASSERT(pread(img.fd, dst, p->p_filesz, p->p_offset) == (ssize_t)p->p_filesz,
			    "read PT_LOAD %d", i);
		memset(dst + p->p_filesz, 0, p->p_memsz - p->p_filesz);
	}
	elf_close(&img);
}
