/* SPDX-License-Identifier: GPL-2.0 */
/* The model case's guest layout and random operation generator (model_ops.c). */
#ifndef KMAT_TRANS_MODEL_H
#define KMAT_TRANS_MODEL_H

#include <stdint.h>

#include "attrs.h"
#include "transitions.h"

/*
 * 64 MiB window around the 4 GiB (1G) boundary:
 *   slot 1  THP     [4G-32M, 4G-8M)         2M mappings possible: mixed-page tracking matters
 *   slot 2  THP     [4G-8M, 4G+24M)         crosses the 1G boundary
 *   hole            [4G+24M, 4G+26M+12K)    no memslot; probed only at checkpoints
 *   slot 3  memfd   [4G+26M+12K, 4G+32M)    4K pages, starts off a 2M boundary
 * THP keeps re-faults after big conversions cheap (one per 2M) in the nested lane.
 * plus a far region (8 GiB) that has a memslot only at checkpoints.
 */
#define MW_BASE (TRANS_GPA - (32ULL << 20))
#define MW_PAGES 16384ULL
#define MW_END (MW_BASE + MW_PAGES * PAGE)
#define MS1_GPA MW_BASE
#define MS2_GPA (TRANS_GPA - (8ULL << 20))
#define MS3_GPA (TRANS_GPA + (26ULL << 20) + 3 * PAGE)
#define MHOLE_GPA (TRANS_GPA + (24ULL << 20))
#define MFAR_GPA (8ULL << 30)
#define MFAR_PAGES 256ULL

enum op_kind {
	OP_PAGE,       /* one page */
	OP_IN_2M,      /* several pages strictly inside one 2M region */
	OP_CROSS_2M,   /* across a 2M boundary */
	OP_CROSS_1G,   /* across the 4 GiB boundary */
	OP_SPAN_SLOTS, /* from one memslot into another (maybe across the hole) */
	OP_NO_SLOT,    /* only the hole or the far region */
	OP_SAME,       /* re-set the state a range already has */
	OP_FIRST_SAME, /* first page already in the target state, later pages not */
	OP_WHOLE,      /* the whole window back to shared */
	OP_INVALID,    /* rejected with EINVAL: the model must not change */
	OP_EDGE,       /* scripted steps on one 2M region's edges, every EDGE_EVERY steps */
	NR_OP_KINDS
};

struct model_op {
	enum op_kind kind;
	uint64_t gpa, size, attrs, flags;
	int expect_errno; /* 0: must succeed */
};

const char *op_kind_name(enum op_kind k);
/*
 * The op for @step (kinds cycle once so every kind occurs, then random), from trans_rand().
 * An edge run fills the steps after it (model_ops.c).
 */
void model_next_op(const struct attr_model *m, uint64_t step, uint64_t private_budget,
		   struct model_op *op);
/* "set [gpa, +size) attrs A flags F (kind)" into @buf. */
const char *model_op_str(const struct model_op *op, char *buf, size_t n);

#endif
