// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "attrs.h"

int __kvm_set_memory_attributes(int fd, uint64_t gpa, uint64_t size, uint64_t attrs,
				uint64_t flags)
{
	struct kvm_memory_attributes a = {
		.address = gpa, .size = size, .attributes = attrs, .flags = flags,
	};

	return ioctl(fd, KVM_SET_MEMORY_ATTRIBUTES, &a);
}

int __kvm_set_memory_attributes_ptr(int fd, void *arg)
{
	return ioctl(fd, KVM_SET_MEMORY_ATTRIBUTES, arg);
}

void vm_set_memory_attributes(struct kvm_vm *vm, uint64_t gpa, uint64_t size, uint64_t attrs)
{
	int r = __kvm_set_memory_attributes(vm->fd, gpa, size, attrs, 0);

	KMAT_ASSERT(r == 0, "KVM_SET_MEMORY_ATTRIBUTES gpa 0x%llx size 0x%llx attrs 0x%llx",
		    (unsigned long long)gpa, (unsigned long long)size, (unsigned long long)attrs);
}

void attr_model_init(struct attr_model *m)
{
	memset(m, 0, sizeof(*m));
}

void attr_model_free(struct attr_model *m)
{
	free(m->runs);
	memset(m, 0, sizeof(*m));
}

static void insert_run(struct attr_model *m, size_t at, struct attr_run r)
{
	if (m->nr == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->runs = realloc(m->runs, m->cap * sizeof(*m->runs));
		KMAT_ASSERT(m->runs, "realloc");
	}
	memmove(&m->runs[at + 1], &m->runs[at], (m->nr - at) * sizeof(*m->runs));
	m->runs[at] = r;
	m->nr++;
}

void attr_model_set(struct attr_model *m, uint64_t gpa, uint64_t size, uint64_t attrs)
{
	/* gfns, end exclusive; a range ending at 2^64 has end gfn 2^52. */
	uint64_t s = gpa >> 12, e = s + (size >> 12);
	size_t i = 0, out = 0;
	struct attr_run *old = m->runs;
	size_t nr = m->nr;

	KMAT_ASSERT(!(gpa & 0xfff) && !(size & 0xfff) && size, "model range must be page aligned");
	m->runs = NULL;
	m->nr = m->cap = 0;
	/* Rebuild: keep the parts of old runs outside [s, e), then add the new run, merged. */
	for (i = 0; i < nr; i++) {
		struct attr_run r = old[i];

		if (r.end <= s || r.start >= e) {
			insert_run(m, m->nr, r);
			continue;
		}
		if (r.start < s)
			insert_run(m, m->nr, (struct attr_run){ r.start, s, r.attrs });
		if (r.end > e)
			insert_run(m, m->nr, (struct attr_run){ e, r.end, r.attrs });
	}
	free(old);
	if (attrs) {
		for (out = 0; out < m->nr && m->runs[out].start < s; out++)
			;
		insert_run(m, out, (struct attr_run){ s, e, attrs });
	}
	/* Merge neighbours with equal attributes so the representation stays canonical. */
	for (i = 0, out = 0; i < m->nr; i++) {
		if (out && m->runs[out - 1].end == m->runs[i].start &&
		    m->runs[out - 1].attrs == m->runs[i].attrs)
			m->runs[out - 1].end = m->runs[i].end;
		else
			m->runs[out++] = m->runs[i];
	}
	m->nr = out;
}

/* Index of the first run with end > gfn (binary search). */
static size_t first_run_after(const struct attr_model *m, uint64_t gfn)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->runs[mid].end <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t attr_model_get(const struct attr_model *m, uint64_t gpa)
{
	uint64_t gfn = gpa >> 12;
	size_t i = first_run_after(m, gfn);

	return i < m->nr && m->runs[i].start <= gfn ? m->runs[i].attrs : 0;
}

uint64_t attr_model_count(const struct attr_model *m, uint64_t gpa, uint64_t size,
			  uint64_t attrs)
{
	uint64_t s = gpa >> 12, e = s + (size >> 12), covered = 0, match = 0;

	for (size_t i = first_run_after(m, s); i < m->nr && m->runs[i].start < e; i++) {
		uint64_t lo = m->runs[i].start > s ? m->runs[i].start : s;
		uint64_t hi = m->runs[i].end < e ? m->runs[i].end : e;

		covered += hi - lo;
		if (m->runs[i].attrs == attrs)
			match += hi - lo;
	}
	/* Pages outside every run have attributes 0. */
	return attrs ? match : match + (e - s - covered);
}

int attr_model_range_is(const struct attr_model *m, uint64_t gpa, uint64_t size,
			uint64_t attrs)
{
	return attr_model_count(m, gpa, size, attrs) == size >> 12;
}

uint64_t attr_model_diff_private(const struct attr_model *m, uint64_t gpa, uint64_t npages,
				 const uint64_t *observed)
{
	for (uint64_t i = 0; i < npages; i++) {
		int want = !!(attr_model_get(m, gpa + (i << 12)) & KVM_MEMORY_ATTRIBUTE_PRIVATE);
		int got = !!(observed[i / 64] & (1ULL << (i % 64)));

		if (want != got)
			return i;
	}
	return npages;
}
