// SPDX-License-Identifier: GPL-2.0
/* VM lifecycle, memslots and guest memory access. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmem.h"
#include "stats.h"
#include "guest.h"
#include "vcpu.h"
#include "x86/processor.h"

int __vm_create_bare(unsigned long type, struct kvm_vm **out)
{
	struct kvm_vm *vm;
	int fd = __kvm_create_vm(type);

	if (fd < 0)
		return -1;
	vm = calloc(1, sizeof(*vm));
	KMAT_ASSERT(vm, "calloc");
	vm->fd = fd;
	vm->type = type;
	*out = vm;
	return 0;
}

struct kvm_vm *vm_create_bare(unsigned long type)
{
	struct kvm_vm *vm = NULL;

	KMAT_ASSERT(__vm_create_bare(type, &vm) == 0, "KVM_CREATE_VM type %lu (%s)", type,
		    kvm_vm_type_name(type));
	return vm;
}

struct kvm_vm *vm_create(unsigned long type)
{
	struct kvm_vm *vm = vm_create_bare(type);
	uint64_t end = elf_image_end("/proc/self/exe");
	uint64_t size;

	vm->stacks = ALIGN_UP(end, 1ULL << 16);
	size = ALIGN_UP(vm->stacks + KMAT_MAX_VCPUS * KMAT_STACK_SIZE, SZ_2M);
	vm_memslot_add(vm, KMAT_SYSTEM_SLOT, 0, size, BACKING_ANON);
	x86_setup_descriptor_tables(vm);
	elf_load(vm, "/proc/self/exe");
	vm->has_guest = true;
	/* Globals reach the guest only on purpose; this one picks VMCALL vs VMMCALL. */
	kmat_guest_cpu_is_amd = host_cpu_is_amd();
	sync_global_to_guest(vm, kmat_guest_cpu_is_amd);
	return vm;
}

void vm_free(struct kvm_vm *vm)
{
	if (!vm)
		return;
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_free(vm->vcpus[i]);
	vm_stats_free(vm);
	close(vm->fd);
	/* Memory goes after the VM so KVM never sees a slot whose memory vanished. */
	for (int i = 0; i < KMAT_MAX_SLOTS; i++) {
		struct memslot *s = &vm->slots[i];

		if (!s->used)
			continue;
		backing_free(&s->backing);
		if (s->gmem_owned)
			close(s->gmem_fd);
	}
	free(vm);
}

int vm_check_cap(struct kvm_vm *vm, long cap)
{
	int r = ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int __vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg0 } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &c);
}

void vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0)
{
	KMAT_ASSERT(__vm_enable_cap(vm, cap, arg0) == 0, "KVM_ENABLE_CAP %u arg 0x%llx", cap,
		    (unsigned long long)arg0);
}

int __vm_set_user_memory_region2(struct kvm_vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
				 uint64_t size, void *hva, int gmem_fd, uint64_t gmem_offset)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
		.guest_memfd_offset = gmem_offset,
		.guest_memfd = (uint32_t)gmem_fd,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION2, &r);
}

/* Region2 where the kernel has it; the original ioctl otherwise (plain slots only). */
static void set_region(struct kvm_vm *vm, const struct memslot *s, uint64_t size)
{
	int r;

	if (kvm_check_cap(KVM_CAP_USER_MEMORY2) || s->gmem_fd >= 0) {
		r = __vm_set_user_memory_region2(vm, s->id, s->flags, s->gpa, size, s->hva,
						 s->gmem_fd, s->gmem_offset);
	} else {
		struct kvm_userspace_memory_region r1 = {
			.slot = s->id, .flags = s->flags, .guest_phys_addr = s->gpa,
			.memory_size = size, .userspace_addr = (uintptr_t)s->hva,
		};

		r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r1);
	}
	KMAT_ASSERT(r == 0, "set memslot %u gpa 0x%llx size 0x%llx flags 0x%x gmem %d+0x%llx",
		    s->id, (unsigned long long)s->gpa, (unsigned long long)size, s->flags,
		    s->gmem_fd, (unsigned long long)s->gmem_offset);
}

struct memslot *vm_memslot_register(struct kvm_vm *vm, const struct memslot *tmpl)
{
	struct memslot *s;

	KMAT_ASSERT(tmpl->id < KMAT_MAX_SLOTS && !vm->slots[tmpl->id].used,
		    "memslot %u out of range or in use", tmpl->id);
	s = &vm->slots[tmpl->id];
	*s = *tmpl;
	s->used = true;
	set_region(vm, s, s->size);
	if (s->id == KMAT_SYSTEM_SLOT && !vm->pml4)
		x86_pt_init(vm);
	if (vm->pml4) {
		/* Page 0 stays unmapped so guest NULL dereferences fault. */
		uint64_t start = s->gpa ? s->gpa : KMAT_PAGE_SIZE;

		if (s->gpa + s->size > start)
			vm_map_identity(vm, start, s->gpa + s->size - start);
	}
	return s;
}

static struct memslot *memslot_add(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
				   uint64_t size, enum backing_type backing, bool gmem,
				   int gmem_fd, uint64_t gmem_offset)
{
	struct memslot s = {
		.id = slot, .gpa = gpa, .size = size, .gmem_fd = -1, .gmem_offset = gmem_offset,
	};

	backing_alloc(&s.backing, backing, size);
	s.hva = s.backing.addr;
	if (gmem) {
		s.flags |= KVM_MEM_GUEST_MEMFD;
		s.gmem_fd = gmem_fd;
		if (gmem_fd < 0) {
			s.gmem_fd = vm_create_guest_memfd(vm, gmem_offset + size, 0);
			s.gmem_owned = true;
		}
	}
	return vm_memslot_register(vm, &s);
}

struct memslot *vm_memslot_add(struct kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
			       enum backing_type backing)
{
	return memslot_add(vm, slot, gpa, size, backing, false, -1, 0);
}

struct memslot *vm_memslot_add_gmem(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
				    uint64_t size, enum backing_type backing, int gmem_fd,
				    uint64_t gmem_offset)
{
	return memslot_add(vm, slot, gpa, size, backing, true, gmem_fd, gmem_offset);
}

struct memslot *vm_memslot(struct kvm_vm *vm, uint32_t slot)
{
	KMAT_ASSERT(slot < KMAT_MAX_SLOTS && vm->slots[slot].used, "no memslot %u", slot);
	return &vm->slots[slot];
}

void vm_memslot_delete(struct kvm_vm *vm, uint32_t slot)
{
	struct memslot *s = vm_memslot(vm, slot);

	set_region(vm, s, 0);
	backing_free(&s->backing);
	if (s->gmem_owned)
		close(s->gmem_fd);
	memset(s, 0, sizeof(*s));
}

void vm_memslot_move(struct kvm_vm *vm, uint32_t slot, uint64_t new_gpa)
{
	struct memslot *s = vm_memslot(vm, slot);

	s->gpa = new_gpa;
	set_region(vm, s, s->size);
	if (vm->pml4)
		vm_map_identity(vm, new_gpa, s->size);
}

struct memslot *vm_memslot_by_gpa(struct kvm_vm *vm, uint64_t gpa)
{
	for (int i = 0; i < KMAT_MAX_SLOTS; i++) {
		struct memslot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

void *gpa_to_hva(struct kvm_vm *vm, uint64_t gpa)
{
	struct memslot *s = vm_memslot_by_gpa(vm, gpa);

	KMAT_ASSERT(s, "gpa 0x%llx is in no memslot", (unsigned long long)gpa);
	return (uint8_t *)s->hva + (gpa - s->gpa);
}

void vm_copy_to_guest(struct kvm_vm *vm, const void *g, size_t size)
{
	memcpy(gpa_to_hva(vm, (uintptr_t)g), g, size);
}

void vm_copy_from_guest(struct kvm_vm *vm, void *g, size_t size)
{
	memcpy(g, gpa_to_hva(vm, (uintptr_t)g), size);
}
