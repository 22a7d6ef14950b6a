// SPDX-License-Identifier: GPL-2.0
/*
 * Guard the oracle itself: on known maps, guest probes must report exactly the pages that
 * were marked PRIVATE, no extra and none missing. Every other case trusts this.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "attrs.h"
#include "caps.h"
#include "ktap.h"
#include "transitions.h"

enum oracle_map { MAP_NONE, MAP_ALL, MAP_ALTERNATING, MAP_FIRST_ONLY, MAP_LAST_ONLY, MAP_RANDOM };

static const char *const map_names[] = {
	"none", "all", "alternating", "first_only", "last_only", "random",
};

#define ORACLE_PAGES 512 /* one 2M region */

static bool page_marked(enum oracle_map m, uint64_t i, uint64_t rnd_bits[])
{
	switch (m) {
	case MAP_NONE: return false;
	case MAP_ALL: return true;
	case MAP_ALTERNATING: return i % 2;
	case MAP_FIRST_ONLY: return i == 0;
	case MAP_LAST_ONLY: return i == ORACLE_PAGES - 1;
	case MAP_RANDOM: return rnd_bits[i / 64] & (1ULL << (i % 64));
	}
	return false;
}

static void case_oracle(const void *arg)
{
	enum oracle_map m = (enum oracle_map)(uintptr_t)arg;
	uint64_t rnd_bits[ORACLE_PAGES / 64], seen[ORACLE_PAGES / 64];
	struct attr_model model;
	struct tfix f;
	uint64_t diff;

	tfix_plain(&f, TRANS_GPA, ORACLE_PAGES * KMAT_PAGE_SIZE);
	for (size_t w = 0; w < ARRAY_SIZE(rnd_bits); w++)
		rnd_bits[w] = trans_rand() ^ (trans_rand() << 32);
	attr_model_init(&model);
	for (uint64_t i = 0; i < ORACLE_PAGES; i++) {
		if (!page_marked(m, i, rnd_bits))
			continue;
		vm_mem_set_private(f.vm, TRANS_GPA + i * KMAT_PAGE_SIZE, KMAT_PAGE_SIZE);
		attr_model_set(&model, TRANS_GPA + i * KMAT_PAGE_SIZE, KMAT_PAGE_SIZE,
			       KVM_MEMORY_ATTRIBUTE_PRIVATE);
	}
	agent_probe(f.vcpu, TRANS_GPA, ORACLE_PAGES, ACCESS_READ, seen);
	diff = attr_model_diff_private(&model, TRANS_GPA, ORACLE_PAGES, seen);
	KMAT_ASSERT(diff == ORACLE_PAGES, "oracle disagrees at page %llu: marked %d, probed %d",
		    (unsigned long long)diff, page_marked(m, diff, rnd_bits),
		    !!(seen[diff / 64] & (1ULL << (diff % 64))));
	ktap_diag("%llu of %d pages private", (unsigned long long)attr_model_count(
			  &model, TRANS_GPA, ORACLE_PAGES * KMAT_PAGE_SIZE,
			  KVM_MEMORY_ATTRIBUTE_PRIVATE), ORACLE_PAGES);
	attr_model_free(&model);
	tfix_free(&f);
}

void trans_register_oracle(void)
{
	for (size_t m = 0; m < ARRAY_SIZE(map_names); m++)
		ktap_addf(case_oracle, (void *)(uintptr_t)m, "transitions.oracle.%s", map_names[m]);
}
