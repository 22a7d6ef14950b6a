// SPDX-License-Identifier: GPL-2.0
/*
 * Case harness. Each case runs in a forked child in its own process group, so a crash, a hang
 * or a stray vCPU thread costs one result line and never the run. The child hands its verdict
 * back through a shared page; the parent decides the line, applying the timeout and the kernel
 * log check, and never waits without a deadline.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"
#include "ktap_priv.h"

#define NAME_MAX_LEN 200

struct ktap_state ktap_g = { .prog = "ktap", .timeout = 120 };
#define kt ktap_g

static const char *const skip_text[KTAP_SKIP_NR_REASONS] = {
	[KTAP_SKIP_NO_KVM] = "no /dev/kvm",
	[KTAP_SKIP_NO_ATTR_IOCTL] = "no KVM_SET_MEMORY_ATTRIBUTES (KVM_CAP_MEMORY_ATTRIBUTES is 0)",
	[KTAP_SKIP_NO_PRIVATE] = "no PRIVATE attribute",
	[KTAP_SKIP_NO_VM_TYPE] = "VM type not offered",
	[KTAP_SKIP_NO_GMEM] = "no guest_memfd",
	[KTAP_SKIP_NO_GMEM_FLAG] = "guest_memfd flag not offered",
	[KTAP_SKIP_NO_EXIT_HYPERCALL] = "no MAP_GPA_RANGE hypercall exit",
	[KTAP_SKIP_NO_PREFAULT] = "no KVM_PRE_FAULT_MEMORY",
	[KTAP_SKIP_NO_THP] = "THP unavailable",
	[KTAP_SKIP_NO_HUGETLB_2M] = "no 2M hugetlb pages",
	[KTAP_SKIP_NO_HUGETLB_1G] = "no 1G hugetlb pages",
	[KTAP_SKIP_NO_STATS] = "no binary stats",
	[KTAP_SKIP_NO_TDP] = "no two-dimensional paging",
	[KTAP_SKIP_SINGLE_NODE] = "single NUMA node",
	[KTAP_SKIP_NO_NUMA] = "no NUMA support",
	[KTAP_SKIP_NOT_ROOT] = "needs root",
	[KTAP_SKIP_NO_LONG_MODE] = "guest long mode unavailable",
};

const char *ktap_skip_text(enum ktap_skip_reason r)
{
	return (unsigned)r < KTAP_SKIP_NR_REASONS ? skip_text[r] : "unknown skip reason";
}

void ktap_init_stdout(void)
{
	/* Line buffering keeps our lines whole and ordered with the forked cases' lines. */
	if (!kt.stdout_set) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		kt.stdout_set = true;
	}
}

/* Registration mistakes are programming errors: loud, and before any TAP output. */
static _Noreturn void die_registry(const char *what, const char *name)
{
	fprintf(stderr, "ktap: %s '%s'\n", what, name);
	exit(KSFT_FAIL);
}

bool ktap_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > NAME_MAX_LEN)
		return false;
	for (const char *p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_.-", *p))
			return false;
	return true;
}

void ktap_add(const char *name, ktap_fn fn, const void *arg)
{
	if (!ktap_name_valid(name))
		die_registry("invalid case name (allowed: A-Za-z0-9_.-)", name);
	for (size_t i = 0; i < kt.ncases; i++)
		if (!strcmp(kt.cases[i].name, name))
			die_registry("duplicate case name", name);
	if (kt.ncases == kt.cap) {
		kt.cap = kt.cap ? 2 * kt.cap : 64;
		kt.cases = realloc(kt.cases, kt.cap * sizeof(*kt.cases));
		if (!kt.cases)
			die_registry("out of memory adding", name);
	}
	kt.cases[kt.ncases].name = strdup(name);
	if (!kt.cases[kt.ncases].name)
		die_registry("out of memory adding", name);
	kt.cases[kt.ncases].fn = fn;
	kt.cases[kt.ncases].arg = arg;
	kt.ncases++;
}

void ktap_addf(ktap_fn fn, const void *arg, const char *fmt, ...)
{
	char name[NAME_MAX_LEN + 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	ktap_add(name, fn, arg);
}

uint64_t ktap_seed(void)
{
	return kt.seed;
}

unsigned ktap_case_timeout(void)
{
	return kt.timeout;
}

bool ktap_listing(void)
{
	return kt.list;
}

const char *ktap_current(void)
{
	return kt.current;
}

void ktap_header(void)
{
	ktap_init_stdout();
	if (kt.header_done || kt.list)
		return;
	kt.header_done = true;
	printf("TAP version 13\n");
}

/* Every line of @text as a "# " line, so a multi-line message cannot break the stream. */
void ktap_diag_text(const char *text)
{
	const char *p = text;

	do {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		printf("# %.*s\n", len, p);
		p = nl ? nl + 1 : NULL;
	} while (p && *p);
}

void ktap_diag(const char *fmt, ...)
{
	char *msg;
	va_list ap;

	ktap_init_stdout();
	if (kt.list)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ktap_diag_text(msg ? msg : fmt);
	free(msg);
}

/* ---- options ---------------------------------------------------------------------------- */

enum { OPT_TIMEOUT = 256, OPT_SEED, OPT_NOFORK, OPT_EXTRA = 1000 };

static void usage(FILE *f, const struct ktap_opt *extra)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  -t, --filter GLOB   run only cases whose name matches GLOB (repeatable)\n"
		"  -l, --list          print the case names, one per line, and exit\n"
		"      --timeout S     per-case timeout in seconds (default 120)\n"
		"      --seed N        seed for randomized cases (default: time-based, always\n"
		"                      printed as \"# seed: N\")\n"
		"      --no-fork       run cases in this process (for gdb); no timeout\n"
		"  -h, --help          this help\n",
		kt.prog);
	for (const struct ktap_opt *o = extra; o && o->name; o++) {
		char left[64];

		snprintf(left, sizeof(left), "--%s%s", o->name,
			 o->has_arg == required_argument ? " ARG" :
			 o->has_arg == optional_argument ? "[=ARG]" : "");
		fprintf(f, "      %-15s %s\n", left, o->help ? o->help : "");
	}
	fprintf(f, "exit codes: 0 pass, 1 fail, 4 skip (kselftest)\n");
}

static _Noreturn void bad_args(const struct ktap_opt *extra, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", kt.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr, extra);
	exit(2);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

void ktap_parse_args(int argc, char **argv, const struct ktap_opt *extra)
{
	static const struct option base[] = {
		{ "filter", required_argument, NULL, 't' },
		{ "list", no_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "no-fork", no_argument, NULL, OPT_NOFORK },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t nbase = sizeof(base) / sizeof(base[0]), nextra = 0;
	struct option *lo;
	bool seed_set = false;
	uint64_t v;
	int c;

	ktap_init_stdout();
	if (argc > 0 && argv[0]) {
		const char *slash = strrchr(argv[0], '/');

		kt.prog = slash ? slash + 1 : argv[0];
	}
	while (extra && extra[nextra].name)
		nextra++;
	lo = calloc(nbase + nextra + 1, sizeof(*lo));
	if (!lo)
		bad_args(extra, "out of memory");
	memcpy(lo, base, sizeof(base));
	for (size_t i = 0; i < nextra; i++) {
		for (size_t j = 0; j < nbase; j++)
			if (!strcmp(base[j].name, extra[i].name))
				die_registry("suite option clashes with a common option", extra[i].name);
		lo[nbase + i] = (struct option){ extra[i].name, extra[i].has_arg, NULL,
						 OPT_EXTRA + (int)i };
	}

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":t:lh", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			kt.filters = realloc(kt.filters, (kt.nfilters + 1) * sizeof(char *));
			if (!kt.filters)
				bad_args(extra, "out of memory");
			kt.filters[kt.nfilters++] = optarg;
			break;
		case 'l':
			kt.list = true;
			break;
		case OPT_TIMEOUT:
			if (!parse_u64(optarg, &v) || v < 1 || v > 1000000)
				bad_args(extra, "--timeout: expected seconds (1..1000000), got '%s'",
					 optarg);
			kt.timeout = (unsigned)v;
			break;
		case OPT_SEED:
			if (!parse_u64(optarg, &v))
				bad_args(extra, "--seed: expected an unsigned 64-bit number, got '%s'",
					 optarg);
			kt.seed = v;
			seed_set = true;
			break;
		case OPT_NOFORK:
			kt.no_fork = true;
			break;
		case 'h':
			usage(stdout, extra);
			exit(0);
		case ':':
			bad_args(extra, "option '%s' needs an argument", argv[optind - 1]);
		case '?':
			if (optopt)
				bad_args(extra, "unknown option '-%c'", optopt);
			bad_args(extra, "unknown option '%s'", argv[optind - 1]);
		default:
			if (c >= OPT_EXTRA && (size_t)(c - OPT_EXTRA) < nextra) {
				if (extra[c - OPT_EXTRA].set)
					extra[c - OPT_EXTRA].set(optarg);
				break;
			}
			bad_args(extra, "unexpected option");
		}
	}
	if (optind < argc)
		bad_args(extra, "unexpected argument '%s'", argv[optind]);
	free(lo);
	if (!seed_set) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		kt.seed = ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^
			   ((uint64_t)getpid() << 32);
		seed_set = true;
	}
}

/* ---- inside a case ---------------------------------------------------------------------- */

static _Noreturn void end_case(int status)
{
	kt.res->status = status;
	fflush(stdout);
	fflush(stderr);
	if (!kt.no_fork)
		_exit(status == KTAP_RES_FAIL ? KSFT_FAIL :
		      status == KTAP_RES_SKIP ? KSFT_SKIP : KSFT_PASS);
	if (gettid() != kt.runner_tid) {
		/* No way back to the runner's stack from another thread. */
		fprintf(stderr, "ktap: --no-fork: case '%s' ended from a secondary thread\n",
			kt.current);
		abort();
	}
	siglongjmp(kt.nofork_jmp, 1);
}

static void set_reason(const char *text)
{
	size_t i;

	/* The reason lands on the result line: keep it to one printable line. */
	for (i = 0; text[i] && i < sizeof(kt.res->reason) - 1; i++)
		kt.res->reason[i] = (unsigned char)text[i] < 0x20 ? ' ' : text[i];
	kt.res->reason[i] = 0;
}

void ktap_skip(enum ktap_skip_reason r, const char *detail_fmt, ...)
{
	char detail[200] = "", *text;
	va_list ap;

	if (detail_fmt) {
		va_start(ap, detail_fmt);
		vsnprintf(detail, sizeof(detail), detail_fmt, ap);
		va_end(ap);
	}
	if (!kt.current)
		ktap_main_skip(r, *detail ? detail : NULL);
	if (asprintf(&text, "%s%s%s", ktap_skip_text(r), *detail ? ": " : "", detail) < 0)
		text = NULL;
	set_reason(text ? text : ktap_skip_text(r));
	free(text);
	end_case(KTAP_RES_SKIP);
}

void ktap_fail(const char *fmt, ...)
{
	char *msg;
	va_list ap;

	ktap_init_stdout();
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ktap_diag_text(msg ? msg : fmt);
	if (!kt.current) {
		/* Outside any case (setup code): nothing to attribute it to. */
		printf("Bail out! %s\n", msg ? msg : fmt);
		fflush(stdout);
		exit(KSFT_FAIL);
	}
	free(msg);
	end_case(KTAP_RES_FAIL);
}

void ktap_main_skip(enum ktap_skip_reason r, const char *detail)
{
	ktap_init_stdout();
	if (kt.list && kt.ncases)
		ktap_run(); /* lists and exits 0 */
	if (!kt.header_done)
		printf("TAP version 13\n");
	printf("1..0 # SKIP %s%s%s\n", ktap_skip_text(r), detail ? ": " : "", detail ? detail : "");
	fflush(stdout);
	exit(KSFT_SKIP);
}

