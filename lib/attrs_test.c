// SPDX-License-Identifier: GPL-2.0
/*
 * The reference model against a brute-force per-page array: seeded random sequences of
 * set operations, including ranges at the top of the 64-bit space, must agree page by page,
 * and the run list must stay canonical (sorted, disjoint, no empty or mergeable runs).
 */
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "ktap.h"

#define WINDOW 4096 /* pages tracked by the brute-force array */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void check_canonical(const struct attr_model *m)
{
	for (size_t i = 0; i < m->nr; i++) {
		KMAT_ASSERT(m->runs[i].start < m->runs[i].end, "empty run %zu", i);
		KMAT_ASSERT(m->runs[i].attrs, "run %zu stores attributes 0", i);
		if (i)
			KMAT_ASSERT(m->runs[i - 1].end < m->runs[i].start ||
					    (m->runs[i - 1].end == m->runs[i].start &&
					     m->runs[i - 1].attrs != m->runs[i].attrs),
				    "runs %zu and %zu overlap or should merge", i - 1, i);
	}
}

/* @base: gpa of the window's first page, so the same test runs low and at the top. */
static void random_vs_brute(uint64_t base, int steps)
{
	static uint64_t brute[WINDOW];
	struct attr_model m;

	memset(brute, 0, sizeof(brute));
	attr_model_init(&m);
	for (int s = 0; s < steps; s++) {
		uint64_t first = rnd() % WINDOW, n = 1 + rnd() % (WINDOW - first);
		uint64_t attrs = (rnd() % 3 == 0) ? 0 : (rnd() % 4 ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0x18);

		if (rnd() % 8 == 0)
			n = 1 + rnd() % 4; /* many tiny ranges, to fragment */
		if (first + n > WINDOW)
			n = WINDOW - first;
		attr_model_set(&m, base + first * 4096, n * 4096, attrs);
		for (uint64_t i = first; i < first + n; i++)
			brute[i] = attrs;
		check_canonical(&m);
		for (uint64_t i = 0; i < WINDOW; i += 1 + rnd() % 7)
			KMAT_ASSERT(attr_model_get(&m, base + i * 4096) == brute[i],
				    "step %d page %llu: model 0x%llx brute 0x%llx", s,
				    (unsigned long long)i,
				    (unsigned long long)attr_model_get(&m, base + i * 4096),
				    (unsigned long long)brute[i]);
	}
	/* Counting agrees with the array over random windows. */
	for (int k = 0; k < 200; k++) {
		uint64_t first = rnd() % WINDOW, n = 1 + rnd() % (WINDOW - first), want = 0;

		for (uint64_t i = first; i < first + n; i++)
			want += brute[i] == KVM_MEMORY_ATTRIBUTE_PRIVATE;
		KMAT_ASSERT_EQ(attr_model_count(&m, base + first * 4096, n * 4096,
						KVM_MEMORY_ATTRIBUTE_PRIVATE), want);
	}
	attr_model_free(&m);
}

static void case_random_low(const void *arg)
{
	rng_state = ktap_seed() | 1;
	random_vs_brute(1ULL << 30, 3000);
}

static void case_random_top(const void *arg)
{
	rng_state = (ktap_seed() ^ 0x5a5a) | 1;
	/* The window ends at the last page that a valid ioctl range can reach. */
	random_vs_brute(0ULL - (uint64_t)(WINDOW + 1) * 4096, 1000);
}

static void case_diff(const void *arg)
{
	uint64_t observed[2] = { 0, 0 };
	struct attr_model m;
	uint64_t base = 1ULL << 30;

	attr_model_init(&m);
	attr_model_set(&m, base + 5 * 4096, 3 * 4096, KVM_MEMORY_ATTRIBUTE_PRIVATE);
	KMAT_ASSERT_EQ(attr_model_diff_private(&m, base, 100, observed), 5);
	observed[0] = 0x7ULL << 5;
	KMAT_ASSERT_EQ(attr_model_diff_private(&m, base, 100, observed), 100);
	observed[1] = 1ULL << 3; /* page 67 */
	KMAT_ASSERT_EQ(attr_model_diff_private(&m, base, 100, observed), 67);
	KMAT_ASSERT(attr_model_range_is(&m, base + 5 * 4096, 3 * 4096, KVM_MEMORY_ATTRIBUTE_PRIVATE),
		    "range_is private");
	KMAT_ASSERT(!attr_model_range_is(&m, base + 4 * 4096, 3 * 4096, KVM_MEMORY_ATTRIBUTE_PRIVATE),
		    "range_is with a shared head");
	KMAT_ASSERT(attr_model_range_is(&m, base, 5 * 4096, 0), "range_is shared");
	/* Setting shared over everything empties the model. */
	attr_model_set(&m, base, 100 * 4096, 0);
	KMAT_ASSERT_EQ(m.nr, 0);
	attr_model_free(&m);
}

static void case_merge(const void *arg)
{
	struct attr_model m;
	uint64_t p = KVM_MEMORY_ATTRIBUTE_PRIVATE;

	attr_model_init(&m);
	attr_model_set(&m, 0x10000, 0x1000, p);
	attr_model_set(&m, 0x12000, 0x1000, p);
	KMAT_ASSERT_EQ(m.nr, 2);
	attr_model_set(&m, 0x11000, 0x1000, p); /* bridges the gap */
	KMAT_ASSERT_EQ(m.nr, 1);
	KMAT_ASSERT_EQ(m.runs[0].start, 0x10);
	KMAT_ASSERT_EQ(m.runs[0].end, 0x13);
	attr_model_set(&m, 0x11000, 0x1000, 0); /* splits it again */
	KMAT_ASSERT_EQ(m.nr, 2);
	attr_model_free(&m);
}

int main(int argc, char **argv)
{
	ktap_add("unit.attrs_model.random_low", case_random_low, NULL);
	ktap_add("unit.attrs_model.random_top", case_random_top, NULL);
	ktap_add("unit.attrs_model.diff", case_diff, NULL);
	ktap_add("unit.attrs_model.merge", case_merge, NULL);
	ktap_parse_args(argc, argv, NULL);
	return ktap_run();
}
