// SPDX-License-Identifier: GPL-2.0
/*
 * Random KVM_SET_MEMORY_ATTRIBUTES operations for the model case, drawn from --seed. Each kind
 * aims at a place where the kernel's range handling has edges: the xarray range walk, the
 * "already has these attributes" shortcut, memslot clipping, 2M/1G hugepage head and tail
 * tracking.
 */
#include <errno.h>
#include <stdio.h>

#include "model.h"

static const char *const kind_names[NR_OP_KINDS] = {
	"page", "in_2m", "cross_2m", "cross_1g", "span_slots", "no_slot", "same", "first_same",
	"whole", "invalid", "edge",
};

const char *op_kind_name(enum op_kind k)
{
	return k < NR_OP_KINDS ? kind_names[k] : "?";
}

/*
 * Weights after the first pass; small ranges dominate to keep probe exits affordable. Edge
 * runs come on a schedule instead (model_next_op()).
 */
static const unsigned kind_weight[NR_OP_KINDS] = { 16, 14, 14, 8, 6, 8, 8, 10, 2, 4, 0 };

static enum op_kind random_kind(void)
{
	unsigned total = 0, r;

	for (int k = 0; k < NR_OP_KINDS; k++)
		total += kind_weight[k];
	r = trans_rand_below(total);
	for (int k = 0; k < NR_OP_KINDS; k++) {
		if (r < kind_weight[k])
			return k;
		r -= kind_weight[k];
	}
	return OP_PAGE;
}

static uint64_t rand_pages(uint64_t lo, uint64_t hi) /* inclusive */
{
	return lo + trans_rand_below(hi - lo + 1);
}

static uint64_t window_page(void)
{
	return MW_BASE + trans_rand_below(MW_PAGES) * PAGE;
}

/* 1..@max pages below @at and 1..@max pages from @at up. */
static void straddle(struct model_op *op, uint64_t at, uint64_t max)
{
	uint64_t below = rand_pages(1, max), above = rand_pages(1, max);

	op->gpa = at - below * PAGE;
	op->size = (below + above) * PAGE;
}

static void pick_range(enum op_kind kind, const struct attr_model *m, struct model_op *op)
{
	uint64_t a, b, p, x;

	switch (kind) {
	case OP_PAGE:
	case OP_INVALID:
		op->gpa = window_page();
		op->size = PAGE;
		break;
	case OP_IN_2M:
		a = rand_pages(2, 64);
		p = MW_BASE + trans_rand_below(MW_PAGES / 512) * SZ_2M;
		op->gpa = p + rand_pages(1, 511 - a) * PAGE;
		op->size = a * PAGE;
		break;
	case OP_CROSS_2M:
		straddle(op, MW_BASE + rand_pages(1, MW_PAGES / 512 - 1) * SZ_2M, 600);
		break;
	case OP_CROSS_1G:
		straddle(op, TRANS_GPA, 1024);
		break;
	case OP_SPAN_SLOTS:
		a = rand_pages(1, 1024);
		b = rand_pages(1, 1024);
		switch (trans_rand_below(3)) {
		case 0: /* slot 1 -> slot 2 */
			op->gpa = MS2_GPA - a * PAGE;
			op->size = (a + b) * PAGE;
			break;
		case 1: /* slot 2 -> hole -> slot 3 */
			op->gpa = MHOLE_GPA - a * PAGE;
			op->size = MS3_GPA - op->gpa + b * PAGE;
			break;
		default: /* all three */
			op->gpa = MS2_GPA - a * PAGE;
			op->size = MS3_GPA - op->gpa + b * PAGE;
			break;
		}
		break;
	case OP_NO_SLOT:
		if (trans_rand_below(2)) {
			uint64_t hole = (MS3_GPA - MHOLE_GPA) / PAGE;

			a = rand_pages(1, hole);
			op->gpa = MHOLE_GPA + trans_rand_below(hole - a + 1) * PAGE;
		} else {
			a = rand_pages(1, MFAR_PAGES);
			op->gpa = MFAR_GPA + trans_rand_below(MFAR_PAGES - a + 1) * PAGE;
		}
		op->size = a * PAGE;
		break;
	case OP_SAME:
		/* A stretch that already has one state: widen around a page within its run. */
		p = window_page();
		x = attr_model_get(m, p);
		a = rand_pages(1, 256);
		op->gpa = p;
		for (b = 1; b < a && p + b * PAGE < MW_END && attr_model_get(m, p + b * PAGE) == x; b++)
			;
		op->size = b * PAGE;
		op->attrs = x;
		break;
	case OP_FIRST_SAME:
		/* Start on a page already in state x, run into pages that are not. */
		p = window_page();
		x = attr_model_get(m, p);
		for (b = 1; p + b * PAGE < MW_END && b < 4096 &&
			    attr_model_get(m, p + b * PAGE) == x; b++)
			;
		op->gpa = p;
		op->size = (b + rand_pages(1, 64)) * PAGE;
		op->attrs = x;
		break;
	case OP_WHOLE:
		op->gpa = MW_BASE;
		op->size = MW_PAGES * PAGE;
		break;
	default:
		break;
	}
}

/* Which way an invalid op breaks the rules; errno is EINVAL for all of them. */
static void make_invalid(struct model_op *op)
{
	op->expect_errno = EINVAL;
	switch (trans_rand_below(5)) {
	case 0: op->flags = 1ULL << trans_rand_below(64); break;
	case 1: op->attrs |= 1ULL << trans_rand_below(3); break; /* RWX: not supported */
	case 2: op->gpa += 1 + trans_rand_below(PAGE - 1); break;
	case 3: op->size = 0; break;
	default: op->size = -op->gpa + PAGE; break; /* wraps past 2^64 */
	}
}

/*
 * OP_EDGE: a scripted run of steps on one 2M region R of a THP slot, where hugepage head and
 * tail tracking (arch/x86/kvm/mmu/mmu.c) has edges that random ops seldom reach. R is made
 * shared; then only its first or last page goes private, and an interior range private and
 * back (R is uniform but for a page at its very edge); then ranges that reach into R from
 * below and from above, so that R is the tail and the head region of a conversion. R is
 * 2M-mapped before each straddle: wrongly left unmixed, it is mapped 2M again over private
 * pages. The first runs take the first and last regions of slots 1 and 2, where those bounds
 * meet the slot's end; later ones a random region.
 */
#define EDGE_EVERY 50 /* steps from the start of one edge run to the next */

static const uint64_t edge_regions[] = { MS1_GPA, MS2_GPA - SZ_2M, MS2_GPA, MHOLE_GPA - SZ_2M };
static struct model_op edge_steps[10];
static unsigned edge_next, edge_end;

static void edge_push(uint64_t gpa, uint64_t end, uint64_t attrs)
{
	edge_steps[edge_end++] = (struct model_op){ .kind = OP_EDGE, .gpa = gpa,
						    .size = end - gpa, .attrs = attrs };
}

static void plan_edge(uint64_t k, uint64_t priv, uint64_t private_budget, struct model_op *op)
{
	uint64_t r = k < ARRAY_SIZE(edge_regions) ? edge_regions[k] :
		     MW_BASE + trans_rand_below((MHOLE_GPA - MW_BASE) / SZ_2M) * SZ_2M;
	uint64_t odd = k % 2 ? r : r + SZ_2M - PAGE;
	uint64_t a = rand_pages(1, 64), x = rand_pages(1, 511 - a);
	uint64_t below = r - rand_pages(1, 64) * PAGE, above = r + SZ_2M + rand_pages(1, 64) * PAGE;
	uint64_t y = rand_pages(1, 64) * PAGE;

	/* At most 128 pages go private at once; make room by starting from all shared. */
	if (priv + 128 > private_budget)
		*op = (struct model_op){ .kind = OP_EDGE, .gpa = MW_BASE, .size = MW_PAGES * PAGE };
	else
		*op = (struct model_op){ .kind = OP_EDGE, .gpa = r, .size = SZ_2M };
	edge_next = edge_end = 0;
	edge_push(odd, odd + PAGE, PRIVATE);
	edge_push(r + x * PAGE, r + (x + a) * PAGE, PRIVATE);
	edge_push(r + x * PAGE, r + (x + a) * PAGE, 0);
	edge_push(odd, odd + PAGE, 0);
	if (r > MW_BASE) {
		/* Private up to R + y; below R back first, so R's 2M mapping (if any) stays. */
		edge_push(below, r + y, PRIVATE);
		edge_push(below, r, 0);
		edge_push(r, r + y, 0);
	}
	edge_push(r + SZ_2M - y, above, PRIVATE);
	edge_push(r + SZ_2M, above, 0);
	edge_push(r + SZ_2M - y, r + SZ_2M, 0);
}

void model_next_op(const struct attr_model *m, uint64_t step, uint64_t private_budget,
		   struct model_op *op)
{
	enum op_kind kind;
	uint64_t priv;

	if (!step)
		edge_next = edge_end = 0;
	if (edge_next < edge_end) {
		*op = edge_steps[edge_next++];
		return;
	}
	if (step >= OP_EDGE && (step - OP_EDGE) % EDGE_EVERY == 0) {
		plan_edge((step - OP_EDGE) / EDGE_EVERY,
			  attr_model_count(m, MW_BASE, MW_PAGES * PAGE, PRIVATE), private_budget, op);
		return;
	}
	kind = step < NR_OP_KINDS ? (enum op_kind)step : random_kind();
	*op = (struct model_op){ .kind = kind };
	pick_range(kind, m, op);
	if (kind != OP_SAME && kind != OP_FIRST_SAME) {
		/* Private pages cost an exit per probe: stay under the budget. */
		priv = attr_model_count(m, MW_BASE, MW_PAGES * PAGE, PRIVATE);
		op->attrs = kind != OP_WHOLE && priv + op->size / PAGE <= private_budget &&
			    trans_rand_below(2) ? PRIVATE : 0;
	}
	if (kind == OP_INVALID)
		make_invalid(op);
}

const char *model_op_str(const struct model_op *op, char *buf, size_t n)
{
	snprintf(buf, n, "set [0x%llx, +0x%llx) attrs 0x%llx flags 0x%llx (%s%s)",
		 (unsigned long long)op->gpa, (unsigned long long)op->size,
		 (unsigned long long)op->attrs, (unsigned long long)op->flags,
		 op_kind_name(op->kind), op->expect_errno ? ", must fail EINVAL" : "");
	return buf;
}
