// SPDX-License-Identifier: GPL-2.0
/*
 * fallocate(PUNCH_HOLE) on guest_memfd (virt/kvm/guest_memfd.c, kvm_gmem_punch_hole()): the
 * punched private pages must read zeros afterwards, never their old data, whether the guest
 * had them mapped at the time (the punch must zap the mapping: kvm_gmem_invalidate_begin())
 * or not (punched while shared, then converted back). Pages next to the hole keep their data,
 * and private data not punched survives a round trip through shared, so the zeros are earned.
 */
#include "gmem.h"
#include "ktap.h"
#include "transitions.h"

#define PH_PAGES 64
#define PH_GPA (TRANS_GPA + SZ_2M - 16 * PAGE) /* spans a 2M boundary */
#define PH_SLOT_SIZE (4ULL << 20)

struct range {
	uint64_t first, npages;
};

static uint64_t gmem_off(uint64_t page)
{
	return PH_GPA - TRANS_GPA + page * PAGE; /* the slot binds the gmem at offset 0 */
}

/* @r of the test range must read @who's pattern of @seed (who 0: zeros). */
static void expect_range(struct tfix *f, struct range r, uint64_t seed, uint64_t who,
			 const char *what)
{
	trans_expect_data(f->vcpu, PH_GPA + r.first * PAGE, r.npages, seed, who, what);
}

static int gmem_fd(struct tfix *f)
{
	return vm_memslot(f->vm, TRANS_SLOT)->gmem_fd;
}

static void setup(struct tfix *f, uint64_t *seed)
{
	tfix_gmem(f, TRANS_GPA, PH_SLOT_SIZE);
	*seed = ktap_seed();
	vm_mem_set_private(f->vm, PH_GPA, PH_PAGES * PAGE);
	/* Every page mapped private and holding data. */
	agent_write_pattern(f->vcpu, PH_GPA, PH_PAGES, *seed, WHO_GUEST_PRIVATE);
	expect_range(f, (struct range){ 0, PH_PAGES }, *seed, WHO_GUEST_PRIVATE, "before");
}

/* Punch pages the guest has mapped right now. */
static void case_punch_mapped(const void *arg)
{
	static const struct range holes[] = { { 8, 16 }, { 40, 1 }, { 63, 1 } };
	static const struct range kept[] = { { 0, 8 }, { 24, 16 }, { 41, 22 } };
	uint64_t seed;
	struct tfix f;

	setup(&f, &seed);
	for (size_t i = 0; i < ARRAY_SIZE(holes); i++)
		gmem_punch_hole(gmem_fd(&f), gmem_off(holes[i].first), holes[i].npages * PAGE);
	for (size_t i = 0; i < ARRAY_SIZE(holes); i++)
		expect_range(&f, holes[i], 0, 0, "punched while mapped");
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		expect_range(&f, kept[i], seed, WHO_GUEST_PRIVATE, "next to a hole");
	/* The hole fills again on the next write. */
	agent_write_pattern(f.vcpu, PH_GPA, PH_PAGES, seed + 1, WHO_GUEST_PRIVATE);
	expect_range(&f, (struct range){ 0, PH_PAGES }, seed + 1, WHO_GUEST_PRIVATE,
		       "rewritten after the punch");
	tfix_free(&f);
}

/* Punch pages while they are shared (not mapped private), then convert them back. */
static void case_punch_unmapped(const void *arg)
{
	const struct range hole = { 8, 16 }, single = { 50, 1 };
	const struct range control[] = { { 24, 26 }, { 51, 5 } };
	const struct range both = { 8, 48 };
	uint64_t seed;
	struct tfix f;

	setup(&f, &seed);
	vm_mem_set_shared(f.vm, PH_GPA + both.first * PAGE, both.npages * PAGE);
	host_write_pattern(f.vm, PH_GPA + both.first * PAGE, both.npages, seed, WHO_HOST);
	/* Shared now: the guest reads userspace memory (and maps it). */
	expect_range(&f, both, seed, WHO_HOST, "converted to shared");
	gmem_punch_hole(gmem_fd(&f), gmem_off(hole.first), hole.npages * PAGE);
	gmem_punch_hole(gmem_fd(&f), gmem_off(single.first), PAGE);
	expect_range(&f, both, seed, WHO_HOST, "shared, after a punch of its guest_memfd");
	vm_mem_set_private(f.vm, PH_GPA + both.first * PAGE, both.npages * PAGE);
	expect_range(&f, hole, 0, 0, "punched while shared, then private again");
	expect_range(&f, single, 0, 0, "punched while shared, then private again");
	for (size_t i = 0; i < ARRAY_SIZE(control); i++)
		expect_range(&f, control[i], seed, WHO_GUEST_PRIVATE, "not punched, private again");
	expect_range(&f, (struct range){ 0, 8 }, seed, WHO_GUEST_PRIVATE, "never shared");
	tfix_free(&f);
}

void trans_register_punch(void)
{
	ktap_add("transitions.punch.mapped", case_punch_mapped, NULL);
	ktap_add("transitions.punch.unmapped", case_punch_unmapped, NULL);
}
