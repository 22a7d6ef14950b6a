/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Case harness shared by every suite binary: a registry of named cases, kselftest-compatible
 * options, and a runner that isolates each case in a forked child with a timeout and reports
 * one KTAP line per case.
 *
 * Typical main():
 *	ktap_add("abi.flags.bit37", case_fn, &table[i]);   // register first: --list needs it
 *	ktap_parse_args(argc, argv, NULL);
 *	ktap_header(); caps_banner();                        // "# caps: ..." lines
 *	return ktap_run();
 */
#ifndef KMAT_KTAP_H
#define KMAT_KTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* kselftest exit codes. */
#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

typedef void (*ktap_fn)(const void *arg);

/*
 * Registry: cases are data. Names are stable `area.case.variant` made of [A-Za-z0-9_.-];
 * a duplicate or malformed name is a programming error: message on stderr, exit 1.
 * The name is copied.
 */
void ktap_add(const char *name, ktap_fn fn, const void *arg);
void ktap_addf(ktap_fn fn, const void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* True if @name is a well-formed case name. */
bool ktap_name_valid(const char *name);

/*
 * Common options: -t/--filter GLOB (repeatable), -l/--list, --timeout S (default 120),
 * --seed N (default time-based, always printed as "# seed: N"), --no-fork, -h/--help.
 * Suites may add long options; @extra ends with an entry whose name is NULL.
 * Bad arguments: one-line error and usage on stderr, exit 2.
 */
struct ktap_opt {
	const char *name;
	int has_arg; /* no_argument / required_argument from getopt.h */
	const char *help;
	void (*set)(const char *val);
};
void ktap_parse_args(int argc, char **argv, const struct ktap_opt *extra);

uint64_t ktap_seed(void);
/* Monotonic clock in seconds (case timing, deadlines). */
double ktap_now(void);
unsigned ktap_case_timeout(void);
/* True under --list: banners are suppressed so stdout stays a plain list of names. */
bool ktap_listing(void);

/* Prints "TAP version 13" once. */
void ktap_header(void);
/* One "# ..." line per line of the message. Silent under --list. */
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Runs the selected cases: plan 1..N, one result line each, "# Totals: ...". Returns the
 * kselftest exit code: 1 if any case failed or timed out, else 4 if all skipped (or N == 0),
 * else 0. Under --list it prints the selected names and exits 0. SIGTERM/SIGINT end the run:
 * the running case is "not ok # TIMEOUT", the rest "ok # SKIP not run: terminated", exit 1.
 * With KMAT_TIMES=1 in the environment, "# time <name> <seconds>" precedes each result.
 */
int ktap_run(void);

/* Name of the case being run, NULL outside one. */
const char *ktap_current(void);

/* Fixed skip vocabulary; the printed reason is ktap_skip_text(). */
enum ktap_skip_reason {
	KTAP_SKIP_NO_KVM,            /* "no /dev/kvm" */
	KTAP_SKIP_NO_ATTR_IOCTL,     /* "no KVM_SET_MEMORY_ATTRIBUTES" */
	KTAP_SKIP_NO_PRIVATE,        /* "no PRIVATE attribute" */
	KTAP_SKIP_NO_VM_TYPE,        /* "VM type not offered" */
	KTAP_SKIP_NO_GMEM,           /* "no guest_memfd" */
	KTAP_SKIP_NO_GMEM_FLAG,      /* "guest_memfd flag not offered" */
	KTAP_SKIP_NO_EXIT_HYPERCALL, /* "no MAP_GPA_RANGE hypercall exit" */
	KTAP_SKIP_NO_PREFAULT,       /* "no KVM_PRE_FAULT_MEMORY" */
	KTAP_SKIP_NO_THP,            /* "THP unavailable" */
	KTAP_SKIP_NO_HUGETLB_2M,     /* "no 2M hugetlb pages" */
	KTAP_SKIP_NO_HUGETLB_1G,     /* "no 1G hugetlb pages" */
	KTAP_SKIP_NO_STATS,          /* "no binary stats" */
	KTAP_SKIP_NO_TDP,            /* "no two-dimensional paging" */
	KTAP_SKIP_SINGLE_NODE,       /* "single NUMA node" */
	KTAP_SKIP_NO_NUMA,           /* "no NUMA support" */
	KTAP_SKIP_NOT_ROOT,          /* "needs root" */
	KTAP_SKIP_NO_LONG_MODE,      /* "guest long mode unavailable" */
	KTAP_SKIP_NR_REASONS
};
const char *ktap_skip_text(enum ktap_skip_reason r);

/*
 * Inside a running case. ktap_skip() ends it as "ok N name # SKIP <text>[: <detail>]"
 * (@detail_fmt may be NULL; keep it short). ktap_fail() prints "# <msg>" and ends it as
 * "not ok". A case that returns normally passes. Both may be called from any thread of the
 * case (with --no-fork, only from the thread that called ktap_run()).
 */
_Noreturn void ktap_skip(enum ktap_skip_reason r, const char *detail_fmt, ...)
	__attribute__((format(printf, 2, 3)));
_Noreturn void ktap_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For a binary that cannot run at all: "TAP version 13", "1..0 # SKIP <text>[: detail]",
 * exit 4. Under --list with cases registered, lists them and exits 0 instead.
 */
_Noreturn void ktap_main_skip(enum ktap_skip_reason r, const char *detail);

#endif
