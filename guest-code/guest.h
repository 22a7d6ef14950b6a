/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest runtime: code in this binary that runs inside the VM. It avoids libc; globals are
 * the guest's own copy (the host copies values in on purpose with sync_global_to_guest()).
 */
#ifndef KMAT_GUEST_H
#define KMAT_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ucall.h"

/* Guest code must never touch sanitizer shadow memory: the guest has none. */
#define GUEST_CODE __attribute__((no_sanitize("address", "undefined")))

void ucall(uint64_t cmd, int nargs, ...);
_Noreturn void guest_abort(const char *file, int line, const char *expr, const char *fmt, ...);
void guest_printf(const char *fmt, ...);
int guest_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int guest_snprintf(char *buf, size_t n, const char *fmt, ...);

#define GUEST_SYNC(sub, ...) ucall(UCALL_SYNC, 1 + GUEST_NARGS(__VA_ARGS__), (uint64_t)(sub), ##__VA_ARGS__)
#define GUEST_DONE() ucall(UCALL_DONE, 0)
#define GUEST_PRINTF(fmt, ...) guest_printf(fmt, ##__VA_ARGS__)
#define GUEST_ASSERT(cond, fmt, ...)                                                        \
	do {                                                                                \
		if (!(cond))                                                                \
			guest_abort(__FILE__, __LINE__, #cond, fmt, ##__VA_ARGS__);         \
	} while (0)
#define GUEST_ASSERT_EQ(a, b)                                                               \
	GUEST_ASSERT((uint64_t)(a) == (uint64_t)(b), "%s=0x%lx %s=0x%lx", #a, (uint64_t)(a), \
		     #b, (uint64_t)(b))

/* Counts 0..5 variadic arguments, for GUEST_SYNC. */
#define GUEST_NARGS(...) GUEST_NARGS_(0, ##__VA_ARGS__, 5, 4, 3, 2, 1, 0)
#define GUEST_NARGS_(z, a, b, c, d, e, n, ...) n

/* Set by the host at VM creation: AMD uses VMMCALL, Intel VMCALL. */
extern uint8_t kmat_guest_cpu_is_amd;

GUEST_CODE static inline uint64_t kmat_hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
						  uint64_t a2)
{
	uint64_t ret;

	if (kmat_guest_cpu_is_amd)
		asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	else
		asm volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	return ret;
}

GUEST_CODE static inline struct kmat_percpu *guest_percpu(void)
{
	struct kmat_percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Progress through a long access pattern, for the host's failure reports. */
GUEST_CODE static inline void guest_progress(uint64_t done, uint64_t total)
{
	volatile struct kmat_percpu *p = guest_percpu();

	p->done = done;
	p->total = total;
}

/* KVM_HC_MAP_GPA_RANGE: ask the host to convert [gpa, gpa + npages * 4K). */
uint64_t guest_map_gpa_range(uint64_t gpa, uint64_t npages, uint64_t attrs);

/*
 * Probes: one access that may take a KVM_EXIT_MEMORY_FAULT. The host can move the vCPU past a
 * faulting probe (vcpu_skip_probe()); the probe then returns KMAT_PROBE_FAULTED instead of 0.
 * Exec probes call the address, which must hold a RET (0xc3).
 */
#define KMAT_PROBE_FAULTED 1
int kmat_probe_read(const volatile void *addr, uint64_t *val);
int kmat_probe_write(volatile void *addr, uint64_t val);
int kmat_probe_exec(const void *addr);
extern char kmat_probe_read_insn[], kmat_probe_read_out[];
extern char kmat_probe_write_insn[], kmat_probe_write_out[];
extern char kmat_probe_exec_ret[];

enum guest_access { ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC };

/* The per-page token both sides write and check: a function of gpa, seed and the writer. */
GUEST_CODE static inline uint64_t kmat_pattern(uint64_t gpa, uint64_t seed, uint64_t who)
{
	uint64_t x = (gpa >> 12) * 0x9e3779b97f4a7c15ULL ^ seed ^ (who << 56);

	x ^= x >> 29;
	return x ? x : 1; /* never 0: zero means "punched" or "fresh" */
}
#define KMAT_PATTERN_WORDS 3
/* Where in each page the pattern words go (read-only data: host and guest see the same). */
extern const uint16_t kmat_pattern_offsets[KMAT_PATTERN_WORDS];
void guest_write_pattern(uint64_t gpa, uint64_t npages, uint64_t seed, uint64_t who);
/* Returns the index of the first page whose words differ, or npages when all match. */
uint64_t guest_check_pattern(uint64_t gpa, uint64_t npages, uint64_t seed, uint64_t who,
			     uint64_t *got);
void guest_touch(uint64_t gpa, uint64_t npages, enum guest_access how);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t guest_strlen(const char *s);

#endif
