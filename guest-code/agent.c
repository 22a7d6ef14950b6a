// SPDX-License-Identifier: GPL-2.0
/* Guest side of the agent (see lib/agent.h). */
#define KMAT_GUEST_ONLY
#include "agent.h"
#include "vm.h"

struct agent_cmd kmat_agent_cmd[KMAT_MAX_VCPUS];
uint64_t kmat_agent_bitmap[KMAT_MAX_VCPUS][AGENT_BITMAP_PAGES / 64];

GUEST_CODE static int probe_page(uint64_t page, enum guest_access how, uint64_t seed)
{
	uint64_t v;

	switch (how) {
	case ACCESS_READ:
		return kmat_probe_read((void *)page, &v);
	case ACCESS_WRITE:
		return kmat_probe_write((void *)page, kmat_pattern(page, seed, 1));
	case ACCESS_EXEC:
		return kmat_probe_exec((void *)page);
	}
	return -1;
}

GUEST_CODE static void run_probe(struct agent_cmd *c, uint64_t *bitmap)
{
	uint64_t faulted = 0;
	bool record = c->npages <= AGENT_BITMAP_PAGES;

	if (record)
		memset(bitmap, 0, (c->npages + 63) / 64 * 8);
	for (uint64_t i = 0; i < c->npages; i++) {
		int r = probe_page(c->gpa + i * 4096 + c->offset, c->arg0, c->arg1);

		GUEST_ASSERT(r == 0 || r == KMAT_PROBE_FAULTED, "probe returned %d", r);
		if (r) {
			faulted++;
			if (record)
				bitmap[i / 64] |= 1ULL << (i % 64);
		}
	}
	c->result[0] = faulted;
}

GUEST_CODE static void run_check_zero(struct agent_cmd *c)
{
	static const uint16_t offs[KMAT_PATTERN_WORDS] = { 0, 2048, 4088 };

	c->result[0] = c->npages;
	for (uint64_t i = 0; i < c->npages; i++)
		for (int w = 0; w < KMAT_PATTERN_WORDS; w++) {
			uint64_t v = *(volatile uint64_t *)(c->gpa + i * 4096 + offs[w]);

			if (v) {
				c->result[0] = i;
				c->result[1] = v;
				return;
			}
		}
}

GUEST_CODE void guest_agent(uint64_t idx)
{
	volatile struct agent_cmd *vc = &kmat_agent_cmd[idx];
	struct agent_cmd *c = (struct agent_cmd *)vc;

	for (;;) {
		GUEST_SYNC(AGENT_SYNC_READY, idx);
		switch (vc->op) {
		case AGENT_NOP:
			break;
		case AGENT_PROBE:
			run_probe(c, kmat_agent_bitmap[idx]);
			break;
		case AGENT_WRITE_PATTERN:
			guest_write_pattern(c->gpa, c->npages, c->arg0, c->arg1);
			break;
		case AGENT_CHECK_PATTERN:
			c->result[0] = guest_check_pattern(c->gpa, c->npages, c->arg0, c->arg1,
							   &c->result[1]);
			break;
		case AGENT_CHECK_ZERO:
			run_check_zero(c);
			break;
		case AGENT_TOUCH:
			guest_touch(c->gpa, c->npages, c->arg0);
			break;
		case AGENT_MAP_GPA:
			c->result[0] = guest_map_gpa_range(c->gpa, c->npages, c->arg0);
			break;
		case AGENT_EXIT:
			GUEST_DONE();
			return;
		default:
			GUEST_ASSERT(0, "unknown agent op %lu", vc->op);
		}
	}
}
