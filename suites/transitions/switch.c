// SPDX-License-Identifier: GPL-2.0
/*
 * Backing switch on a guest_memfd memslot: shared pages read the userspace mapping, private
 * pages read guest_memfd. After every conversion, in either direction, the guest's very next
 * access must see the new backing. A mapping left from before the conversion shows the old one:
 * kvm_arch_pre_set_memory_attributes() (arch/x86/kvm/mmu/mmu.c) must zap it, and the fault
 * path must pick the backing from the new attribute. Each conversion meets both pages the guest
 * had mapped just before and pages it never touched. guest_memfd keeps its data across
 * conversions in a SW-protected VM (only PUNCH_HOLE discards it), so converting back to private
 * must show the guest's earlier private writes. Conversions come from the host (ioctl between
 * runs) or from the guest (KVM_HC_MAP_GPA_RANGE through KVM_EXIT_HYPERCALL).
 */
#include "caps.h"
#include "ktap.h"
#include "transitions.h"

#define SW_GROUPS 6 /* conversions + 2: one group first touched after each conversion */
#define SW_CONVERSIONS (SW_GROUPS - 2)
#define SW_GROUP_PAGES 16
#define SW_PAGES (SW_GROUPS * SW_GROUP_PAGES)
#define SW_SLOT_SIZE (4ULL << 20)
/* Half the groups below a 2M boundary, half above. */
#define SW_GPA (TRANS_GPA + SZ_2M - SW_GROUPS / 2 * SW_GROUP_PAGES * PAGE)

enum conv_method { CONV_HOST, CONV_HYPERCALL };

struct content {
	uint64_t seed, who; /* who 0: zeros */
};

struct sw {
	struct tfix f;
	enum conv_method how;
	bool private;
	uint64_t seed0;
	struct content shared[SW_GROUPS], priv[SW_GROUPS];
};

static uint64_t group_gpa(int g)
{
	return SW_GPA + (uint64_t)g * SW_GROUP_PAGES * PAGE;
}

static const char *who_name(uint64_t who)
{
	switch (who) {
	case WHO_HOST: return "host";
	case WHO_GUEST_SHARED: return "guest-shared";
	case WHO_GUEST_PRIVATE: return "guest-private";
	}
	return "zeros";
}

/* Name a value read from @page: which writer and round produced it, if any. */
static void explain(const struct sw *s, uint64_t page, uint64_t got)
{
	if (!got) {
		ktap_diag("  0 is what a fresh or punched guest_memfd page reads");
		return;
	}
	for (uint64_t r = 0; r <= SW_CONVERSIONS; r++)
		for (uint64_t who = WHO_HOST; who <= WHO_GUEST_PRIVATE; who++)
			if (kmat_pattern(page, s->seed0 + r, who) == got)
				ktap_diag("  0x%llx is the %s pattern of round %llu (%s backing)",
					  (unsigned long long)got, who_name(who),
					  (unsigned long long)r,
					  who == WHO_GUEST_PRIVATE ? "guest_memfd" : "userspace");
}

/* The guest reads group @g; it must see the backing the current attribute selects. */
static void guest_expect(struct sw *s, int g, const char *when, int k)
{
	const struct content *c = s->private ? &s->priv[g] : &s->shared[g];
	uint64_t bad, got = 0;

	if (c->who)
		bad = agent_check_pattern(s->f.vcpu, group_gpa(g), SW_GROUP_PAGES, c->seed, c->who,
					  &got);
	else
		bad = agent_check_zero(s->f.vcpu, group_gpa(g), SW_GROUP_PAGES, &got);
	if (bad == SW_GROUP_PAGES)
		return;
	if (c->who)
		ktap_diag("%s conversion %d (to %s): page 0x%llx (group %d) should read %s: the "
			  "%s pattern of round %llu", when, k, s->private ? "private" : "shared",
			  (unsigned long long)(group_gpa(g) + bad * PAGE), g,
			  s->private ? "guest_memfd" : "userspace memory", who_name(c->who),
			  (unsigned long long)(c->seed - s->seed0));
	else
		ktap_diag("%s conversion %d (to %s): page 0x%llx (group %d) should read %s: zeros",
			  when, k, s->private ? "private" : "shared",
			  (unsigned long long)(group_gpa(g) + bad * PAGE), g,
			  s->private ? "guest_memfd" : "userspace memory");
	explain(s, group_gpa(g) + bad * PAGE, got);
	ktap_fail("guest read 0x%llx from the wrong backing", (unsigned long long)got);
}

static void convert(struct sw *s, bool to_private)
{
	if (s->how == CONV_HOST) {
		vm_set_memory_attributes(s->f.vm, SW_GPA, SW_PAGES * PAGE, to_private ? PRIVATE : 0);
	} else {
		struct map_gpa_req req = {
			.gpa = SW_GPA, .npages = SW_PAGES, .convert = true,
			.attrs = to_private ? KVM_MAP_GPA_RANGE_ENCRYPTED
					    : KVM_MAP_GPA_RANGE_DECRYPTED,
		};
		uint64_t got = trans_map_gpa(s->f.vcpu, &req);

		KMAT_ASSERT(req.exits == 1 && got == 0, "MAP_GPA_RANGE: %u exits, guest got 0x%llx",
			    req.exits, (unsigned long long)got);
	}
	s->private = to_private;
}

/* Guest writes through the current backing must land there and nowhere else. */
static void guest_write(struct sw *s, int upto, uint64_t seed)
{
	uint64_t who = s->private ? WHO_GUEST_PRIVATE : WHO_GUEST_SHARED, got, bad;
	uint64_t n = (uint64_t)(upto + 1) * SW_GROUP_PAGES;

	agent_write_pattern(s->f.vcpu, SW_GPA, n, seed, who);
	for (int g = 0; g <= upto; g++) {
		struct content *c = s->private ? &s->priv[g] : &s->shared[g];
		struct content *u = &s->shared[g];

		*c = (struct content){ seed, who };
		bad = host_check_pattern(s->f.vm, group_gpa(g), SW_GROUP_PAGES, u->seed, u->who,
					 &got);
		if (bad != SW_GROUP_PAGES) {
			explain(s, group_gpa(g) + bad * PAGE, got);
			ktap_fail("userspace memory of page 0x%llx holds 0x%llx after a %s write",
				  (unsigned long long)(group_gpa(g) + bad * PAGE),
				  (unsigned long long)got, s->private ? "private" : "shared");
		}
	}
}

static void case_switch(const void *arg)
{
	struct sw s = { .how = (enum conv_method)(uintptr_t)arg };

	tfix_gmem(&s.f, TRANS_GPA, SW_SLOT_SIZE);
	if (s.how == CONV_HYPERCALL)
		tfix_enable_map_gpa_exit(&s.f);
	s.seed0 = ktap_seed();
	host_write_pattern(s.f.vm, SW_GPA, SW_PAGES, s.seed0, WHO_HOST);
	for (int g = 0; g < SW_GROUPS; g++)
		s.shared[g] = (struct content){ s.seed0, WHO_HOST };

	for (int k = 0; k < SW_CONVERSIONS; k++) {
		uint64_t seed = s.seed0 + k + 1;

		/* Groups 0..k are mapped (touched) right before conversion k; the rest are not. */
		for (int g = 0; g <= k; g++)
			guest_expect(&s, g, "before", k);
		guest_write(&s, k, seed);
		if (s.private) {
			/* New shared contents, invisible until the conversion. */
			host_write_pattern(s.f.vm, SW_GPA, SW_PAGES, seed, WHO_HOST);
			for (int g = 0; g < SW_GROUPS; g++)
				s.shared[g] = (struct content){ seed, WHO_HOST };
		}
		convert(&s, !s.private);
		/* The very next access: touched groups, plus one group never touched before. */
		for (int g = 0; g <= k + 1; g++)
			guest_expect(&s, g, "after", k);
	}
	for (int g = 0; g < SW_GROUPS; g++)
		guest_expect(&s, g, "long after", SW_CONVERSIONS - 1);
	/* Once more, so every group (the range's last one too) is also read after going private. */
	convert(&s, !s.private);
	for (int g = 0; g < SW_GROUPS; g++)
		guest_expect(&s, g, "after the last", SW_CONVERSIONS);
	tfix_free(&s.f);
}

void trans_register_switch(void)
{
	ktap_add("transitions.switch.host", case_switch, (void *)(uintptr_t)CONV_HOST);
	ktap_add("transitions.switch.hypercall", case_switch, (void *)(uintptr_t)CONV_HYPERCALL);
}
