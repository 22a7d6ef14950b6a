// SPDX-License-Identifier: GPL-2.0
/* Guest side of ucall, asserts, printf, exceptions and the MAP_GPA_RANGE hypercall. */
#include "compat.h"
#include "guest.h"

uint8_t kmat_guest_cpu_is_amd;
struct kmat_percpu kmat_percpu[KMAT_MAX_VCPUS];

#define PROGRESS_EVERY 4096 /* pages between progress updates */

GUEST_CODE static void ucall_send(struct ucall *uc)
{
	/* A port read exits to the host with RDI pointing at the message. */
	asm volatile("inb %%dx, %%al" : : "d"(UCALL_PORT), "D"(uc) : "rax", "memory");
}

GUEST_CODE void ucall(uint64_t cmd, int nargs, ...)
{
	struct ucall uc;
	va_list ap;

	memset(&uc, 0, sizeof(uc));
	uc.cmd = cmd;
	va_start(ap, nargs);
	for (int i = 0; i < nargs && i < UCALL_MAX_ARGS; i++)
		uc.args[i] = va_arg(ap, uint64_t);
	va_end(ap);
	ucall_send(&uc);
}

GUEST_CODE void guest_abort(const char *file, int line, const char *expr, const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;
	int n;

	memset(&uc, 0, sizeof(uc));
	uc.cmd = UCALL_ABORT;
	uc.args[0] = line;
	n = guest_snprintf(uc.buf, sizeof(uc.buf), "%s:%d: %s: ", file, line, expr);
	if (n < (int)sizeof(uc.buf)) {
		va_start(ap, fmt);
		guest_vsnprintf(uc.buf + n, sizeof(uc.buf) - n, fmt, ap);
		va_end(ap);
	}
	for (;;)
		ucall_send(&uc);
}

GUEST_CODE void guest_printf(const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;

	memset(&uc, 0, sizeof(uc));
	uc.cmd = UCALL_PRINTF;
	va_start(ap, fmt);
	guest_vsnprintf(uc.buf, sizeof(uc.buf), fmt, ap);
	va_end(ap);
	ucall_send(&uc);
}

/* Frame built by kmat_exc_common: 15 GPRs (r15 first), vector, error code, then the CPU's. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code, rip, cs, rflags, rsp, ss;
};

GUEST_CODE void kmat_guest_exception(struct exc_frame *f)
{
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	ucall(UCALL_EXCEPTION, 5, f->vector, f->error_code, f->rip, cr2, f->rsp);
}

GUEST_CODE _Noreturn void kmat_guest_done_forever(void)
{
	for (;;)
		ucall(UCALL_DONE, 0);
}

GUEST_CODE uint64_t guest_map_gpa_range(uint64_t gpa, uint64_t npages, uint64_t attrs)
{
	return kmat_hypercall(KVM_HC_MAP_GPA_RANGE, gpa, npages, attrs);
}

const uint16_t kmat_pattern_offsets[KMAT_PATTERN_WORDS] = { 0, 2048, 4088 };

GUEST_CODE void guest_write_pattern(uint64_t gpa, uint64_t npages, uint64_t seed, uint64_t who)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t page = gpa + i * 4096;
		uint64_t v = kmat_pattern(page, seed, who);

		for (int w = 0; w < KMAT_PATTERN_WORDS; w++)
			*(volatile uint64_t *)(page + kmat_pattern_offsets[w]) = v;
		if (!(i % PROGRESS_EVERY))
			guest_progress(i, npages);
	}
	guest_progress(npages, npages);
}

GUEST_CODE uint64_t guest_check_pattern(uint64_t gpa, uint64_t npages, uint64_t seed,
					uint64_t who, uint64_t *got)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t page = gpa + i * 4096;
		uint64_t v = kmat_pattern(page, seed, who);

		for (int w = 0; w < KMAT_PATTERN_WORDS; w++) {
			uint64_t g = *(volatile uint64_t *)(page + kmat_pattern_offsets[w]);

			if (g != v) {
				if (got)
					*got = g;
				return i;
			}
		}
		if (!(i % PROGRESS_EVERY))
			guest_progress(i, npages);
	}
	guest_progress(npages, npages);
	return npages;
}

GUEST_CODE void guest_touch(uint64_t gpa, uint64_t npages, enum guest_access how)
{
	for (uint64_t i = 0; i < npages; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(gpa + i * 4096);

		switch (how) {
		case ACCESS_READ:
			(void)*p;
			break;
		case ACCESS_WRITE:
			*p = *p;
			break;
		case ACCESS_EXEC:
			((void (*)(void))(uintptr_t)p)();
			break;
		}
		if (!(i % PROGRESS_EVERY))
			guest_progress(i, npages);
	}
	guest_progress(npages, npages);
}
