// SPDX-License-Identifier: GPL-2.0
/* CPUID, descriptor tables and long-mode register state for kmat guests. */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#include "x86/processor.h"

extern const uint64_t kmat_exc_table[32];

const struct kvm_cpuid2 *kvm_supported_cpuid(void)
{
	static struct kvm_cpuid2 *cpuid;
	int nent = 64;

	while (!cpuid) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		KMAT_ASSERT(c, "calloc");
		c->nent = nent;
		if (ioctl(kvm_fd(), KVM_GET_SUPPORTED_CPUID, c) == 0) {
			cpuid = c;
			break;
		}
		free(c);
		KMAT_ASSERT(errno == E2BIG && nent < 4096, "KVM_GET_SUPPORTED_CPUID");
		nent *= 2;
	}
	return cpuid;
}

bool host_cpu_is_amd(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	/* "AuthenticAMD" and "HygonGenuine" both take VMMCALL. */
	return (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||
	       (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);
}

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t type, bool s, bool l, bool db)
{
	return (limit & 0xffffULL) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)type << 40) | ((uint64_t)s << 44) | (1ULL << 47) /* P */ |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)l << 53) |
	       ((uint64_t)db << 54) | (1ULL << 55) /* G */ | ((uint64_t)(base >> 24) << 56);
}

void x86_setup_descriptor_tables(struct kvm_vm *vm)
{
	uint64_t *gdt = gpa_to_hva(vm, KMAT_GDT_GPA);
	uint64_t *idt = gpa_to_hva(vm, KMAT_IDT_GPA);
	uint64_t tss = KMAT_TSS_GPA;

	memset(gdt, 0, KMAT_PAGE_SIZE);
	gdt[KMAT_SEL_CODE / 8] = seg_desc(0, 0xfffff, 0xb, true, true, false);
	gdt[KMAT_SEL_DATA / 8] = seg_desc(0, 0xfffff, 0x3, true, false, true);
	/* 64-bit TSS descriptor: 16 bytes, type 0xb (busy), byte granular. */
	gdt[KMAT_SEL_TSS / 8] = (seg_desc((uint32_t)tss, 0x67, 0xb, false, false, false) &
				 ~(1ULL << 55));
	gdt[KMAT_SEL_TSS / 8 + 1] = tss >> 32;
	memset(gpa_to_hva(vm, KMAT_TSS_GPA), 0, KMAT_PAGE_SIZE);

	/* Interrupt gates for the 32 exception vectors; the stubs report home. */
	memset(idt, 0, KMAT_PAGE_SIZE);
	for (int v = 0; v < 32; v++) {
		uint64_t h = kmat_exc_table[v];

		idt[2 * v] = (h & 0xffff) | ((uint64_t)KMAT_SEL_CODE << 16) | (0x8eULL << 40) |
			     ((h >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = h >> 32;
	}
}

static void set_cpuid(int vcpu_fd)
{
	const struct kvm_cpuid2 *c = kvm_supported_cpuid();

	kvm_ioctl(vcpu_fd, KVM_SET_CPUID2, c);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

void x86_vcpu_setup(struct kvm_vm *vm, int vcpu_fd, uint64_t gs_base)
{
	struct kvm_sregs sregs;

	/* Real KVM refuses EFER.LME until CPUID says long mode exists. */
	set_cpuid(vcpu_fd);
	kvm_ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM |
		    X86_CR0_PG;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA | EFER_SCE;
	sregs.cr3 = vm->pml4;
	seg(&sregs.cs, KMAT_SEL_CODE, 0xb, true);
	seg(&sregs.ds, KMAT_SEL_DATA, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gs.base = gs_base;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = KMAT_SEL_TSS;
	sregs.tr.base = KMAT_TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.unusable = 1;
	sregs.ldt.type = 2;
	sregs.gdt.base = KMAT_GDT_GPA;
	sregs.gdt.limit = 0x2f;
	sregs.idt.base = KMAT_IDT_GPA;
	sregs.idt.limit = 32 * 16 - 1;
	kvm_ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
}
