// SPDX-License-Identifier: GPL-2.0
/*
 * Model-based conformance of KVM_SET_MEMORY_ATTRIBUTES (virt/kvm/kvm_main.c
 * kvm_vm_set_mem_attributes(), arch/x86/kvm/mmu/mmu.c kvm_arch_{pre,post}_set_memory_attributes()).
 * Seeded random operations over a 64 MiB, three-memslot window; after every step the guest
 * probes every page it can reach and the result must equal the model in lib/attrs. Guards:
 * the range walk and its "already set" shortcut, memslot clipping, zapping of mappings made
 * before a conversion (a stale SPTE lets a probe through), and hugepage mixed tracking (a 2M
 * shared mapping over a private page). Attributes set where no memslot exists are read back at
 * checkpoints by adding a memslot there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "ktap.h"
#include "model.h"
#include "stats.h"

#define PRIVATE_BUDGET 768 /* pages; each costs one exit per probe pass */
#define CHECKPOINT_EVERY 50
#define HISTORY 4
#define HOLE_SLOT 4
#define FAR_SLOT 5

struct mrun {
	struct tfix f;
	struct attr_model model;
	uint64_t *seen;
	uint64_t seed, step;
	struct model_op hist[HISTORY];
	uint64_t kinds[NR_OP_KINDS];
};

static const struct {
	uint64_t gpa, pages;
} probe_regions[] = {
	{ MS1_GPA, (MS2_GPA - MS1_GPA) / PAGE },
	{ MS2_GPA, (MHOLE_GPA - MS2_GPA) / PAGE },
	{ MS3_GPA, (MW_END - MS3_GPA) / PAGE },
};

static int page_want(const struct mrun *r, uint64_t gpa, uint64_t i)
{
	return !!(attr_model_get(&r->model, gpa + i * PAGE) & PRIVATE);
}

static int page_got(const struct mrun *r, uint64_t i)
{
	return !!(r->seen[i / 64] & (1ULL << (i % 64)));
}

static _Noreturn void report_mismatch(struct mrun *r, uint64_t gpa, uint64_t npages,
				      uint64_t first, const char *where)
{
	char buf[160];
	int shown = 0;

	ktap_diag("model mismatch: seed %llu, step %llu, checked %s",
		  (unsigned long long)r->seed, (unsigned long long)r->step, where);
	for (int h = HISTORY - 1; h >= 0; h--) {
		if (r->step < (uint64_t)h)
			continue;
		ktap_diag("  op at step %llu: %s", (unsigned long long)(r->step - h),
			  model_op_str(&r->hist[(r->step - h) % HISTORY], buf, sizeof(buf)));
	}
	ktap_diag("  first differing pages (model / kernel):");
	for (uint64_t i = first; i < npages && shown < 6;) {
		int want = page_want(r, gpa, i), got = page_got(r, i);
		uint64_t j = i + 1;

		if (want == got) {
			i++;
			continue;
		}
		while (j < npages && page_want(r, gpa, j) == want && page_got(r, j) == got)
			j++;
		ktap_diag("    [0x%llx, 0x%llx) %llu page%s: %s / %s",
			  (unsigned long long)(gpa + i * PAGE), (unsigned long long)(gpa + j * PAGE),
			  (unsigned long long)(j - i), j - i > 1 ? "s" : "",
			  want ? "private" : "shared", got ? "private" : "shared");
		shown++;
		i = j;
	}
	ktap_diag("  replay: -t transitions.model.seeded --seed %llu --steps %llu",
		  (unsigned long long)r->seed, (unsigned long long)r->step + 1);
	ktap_fail("kernel attributes differ from the model after step %llu",
		  (unsigned long long)r->step);
}

static void check_region(struct mrun *r, uint64_t gpa, uint64_t npages, const char *where)
{
	uint64_t diff;

	agent_probe(r->f.vcpu, gpa, npages, ACCESS_READ, r->seen);
	diff = attr_model_diff_private(&r->model, gpa, npages, r->seen);
	if (diff != npages)
		report_mismatch(r, gpa, npages, diff, where);
}

static uint64_t probed_private(const struct mrun *r)
{
	uint64_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(probe_regions); i++)
		n += attr_model_count(&r->model, probe_regions[i].gpa,
				      probe_regions[i].pages * PAGE, PRIVATE);
	return n;
}

static void check_window(struct mrun *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(probe_regions); i++)
		check_region(r, probe_regions[i].gpa, probe_regions[i].pages, "memslots");
}

/* Attributes outlive memslots: give the hole and the far region a memslot and read them. */
static void checkpoint(struct mrun *r)
{
	vm_memslot_add(r->f.vm, HOLE_SLOT, MHOLE_GPA, MS3_GPA - MHOLE_GPA, BACKING_ANON);
	vm_memslot_add(r->f.vm, FAR_SLOT, MFAR_GPA, MFAR_PAGES * PAGE, BACKING_ANON);
	check_region(r, MHOLE_GPA, (MS3_GPA - MHOLE_GPA) / PAGE, "the hole, given a memslot");
	check_region(r, MFAR_GPA, MFAR_PAGES, "the far region, given a memslot");
	vm_memslot_delete(r->f.vm, HOLE_SLOT);
	vm_memslot_delete(r->f.vm, FAR_SLOT);
}

static void apply(struct mrun *r, const struct model_op *op)
{
	char buf[160];
	int rc = __kvm_set_memory_attributes(r->f.vm->fd, op->gpa, op->size, op->attrs,
					     op->flags);

	if (op->expect_errno) {
		if (rc != -1 || errno != op->expect_errno)
			ktap_fail("seed %llu step %llu: %s returned %d (%s)",
				  (unsigned long long)r->seed, (unsigned long long)r->step,
				  model_op_str(op, buf, sizeof(buf)), rc, kmat_errno_name(errno));
		return;
	}
	if (rc)
		ktap_fail("seed %llu step %llu: %s failed: %s", (unsigned long long)r->seed,
			  (unsigned long long)r->step, model_op_str(op, buf, sizeof(buf)),
			  kmat_errno_name(errno));
	attr_model_set(&r->model, op->gpa, op->size, op->attrs);
}

static void setup(struct mrun *r)
{
	struct memslot *s;

	tfix_empty(&r->f);
	r->seed = ktap_seed();
	/* Populate the THPs up front so shared faults can map 2M. */
	s = vm_memslot_add(r->f.vm, 1, MS1_GPA, MS2_GPA - MS1_GPA, trans_thp_backing());
	memset(s->hva, 0, s->size);
	s = vm_memslot_add(r->f.vm, 2, MS2_GPA, MHOLE_GPA - MS2_GPA, trans_thp_backing());
	memset(s->hva, 0, s->size);
	vm_memslot_add(r->f.vm, 3, MS3_GPA, MW_END - MS3_GPA, BACKING_MEMFD);
	vm_map_identity(r->f.vm, MHOLE_GPA, MS3_GPA - MHOLE_GPA);
	vm_map_identity(r->f.vm, MFAR_GPA, MFAR_PAGES * PAGE);
	r->f.vcpu = agent_vcpu_add(r->f.vm);
	attr_model_init(&r->model);
	r->seen = calloc(MW_PAGES / 64, 8);
	KMAT_ASSERT(r->seen, "calloc");
}

static void case_model_seeded(const void *arg)
{
	struct mrun r = { 0 };
	uint64_t pages_4k = 0, pages_2m = 0;
	double start, limit;
	uint64_t steps = trans_opt_steps, exits = 0, done;

	setup(&r);
	if (trans_opt_duration && !trans_opt_steps_set)
		steps = UINT64_MAX;
	if (trans_opt_duration >= ktap_case_timeout())
		ktap_diag("--duration %.0f s reaches the case timeout (%u s): raise --timeout",
			  trans_opt_duration, ktap_case_timeout());
	start = ktap_now();
	limit = trans_opt_duration ? start + trans_opt_duration : 0;
	check_window(&r); /* all shared, and every page mapped before the first conversion */
	for (r.step = 0; r.step < steps && (!limit || ktap_now() < limit); r.step++) {
		struct model_op *op = &r.hist[r.step % HISTORY];

		model_next_op(&r.model, r.step, PRIVATE_BUDGET, op);
		r.kinds[op->kind]++;
		apply(&r, op);
		check_window(&r);
		exits += probed_private(&r);
		if ((r.step + 1) % CHECKPOINT_EVERY == 0)
			checkpoint(&r);
	}
	done = r.step;
	r.step = done ? done - 1 : 0; /* a checkpoint mismatch names the last step */
	checkpoint(&r);
	/* Informational: shows the THP slots really got 2M mappings. */
	__vm_stat(r.f.vm, "pages_4k", &pages_4k);
	__vm_stat(r.f.vm, "pages_2m", &pages_2m);
	ktap_diag("seed %llu: %llu steps in %.1f s, %llu probe exits; %llu pages private at "
		  "the end; mappings now 4K %llu, 2M %llu", (unsigned long long)r.seed,
		  (unsigned long long)done, ktap_now() - start, (unsigned long long)exits,
		  (unsigned long long)attr_model_count(&r.model, MW_BASE, MW_PAGES * PAGE, PRIVATE),
		  (unsigned long long)pages_4k, (unsigned long long)pages_2m);
	for (int k = 0; k < NR_OP_KINDS; k++)
		ktap_diag("  %-10s %llu", op_kind_name(k), (unsigned long long)r.kinds[k]);
	free(r.seen);
	attr_model_free(&r.model);
	tfix_free(&r.f);
}

void trans_register_model(void)
{
	ktap_add("transitions.model.seeded", case_model_seeded, NULL);
}
