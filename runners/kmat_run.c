// SPDX-License-Identifier: GPL-2.0
/*
 * kmat run: every selected suite binary in turn, merged into one flat KTAP stream with one
 * plan and consecutive numbers. The plan comes from each binary's --list, so a case that a
 * binary never reports (crash, hang, kill) still gets its line: "not ok" with a "lost:" note.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kmat.h"
#include "results/ktap_parse.h"
#include "results/record.h"

#define DEFAULT_CASE_TIMEOUT 120
#define BINARY_BUDGET_CAP_S (6 * 3600)

struct run {
	struct selection sel;
	unsigned case_timeout;
	bool timeout_given;
	unsigned long long seed;
	const char *output;
	char **env;       /* --env KEY=VALUE */
	size_t nenv;
	double grace_s;

	FILE *log, *mem;
	char *membuf;
	size_t memlen;
	char **banner;    /* banner lines already printed, for de-duplication */
	size_t nbanner;
	unsigned num, pass, fail, skip;
	bool broken;      /* a binary misbehaved beyond its own results */
};

/* One line of the merged stream: stdout, ktap.log and the in-memory copy for the record. */
static void emit(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (r->log) {
		va_start(ap, fmt);
		vfprintf(r->log, fmt, ap);
		va_end(ap);
		fflush(r->log);
	}
	if (r->mem) {
		va_start(ap, fmt);
		vfprintf(r->mem, fmt, ap);
		va_end(ap);
	}
}

static void emit_banner(struct run *r, const char *line)
{
	for (size_t i = 0; i < r->nbanner; i++)
		if (!strcmp(r->banner[i], line))
			return;
	strv_add(&r->banner, &r->nbanner, strdup(line));
	emit(r, "%s\n", line);
}

static void emit_result(struct run *r, bool ok, enum ktap_status st, const char *rest)
{
	r->num++;
	emit(r, "%s %u%s\n", ok ? "ok" : "not ok", r->num, rest);
	if (st == KTAP_ST_SKIP || st == KTAP_ST_XFAIL)
		r->skip++;
	else if (st == KTAP_ST_PASS || st == KTAP_ST_XPASS)
		r->pass++;
	else
		r->fail++;
}

/* A result kmat itself decides: SKIP with @reason, or "not ok". */
static void emit_named(struct run *r, enum ktap_status st, const char *name, const char *reason)
{
	char *rest;

	if (asprintf(&rest, " %s%s%s", name, reason ? " # SKIP " : "", reason ? reason : "") < 0)
		rest = NULL;
	emit_result(r, st == KTAP_ST_SKIP, st, rest ? rest : "");
	free(rest);
}

/* ---- one suite binary ---- */

struct suite_run {
	struct run *r;
	struct suite *s;
	bool *reported;
	size_t cursor;
	bool saw_plan;
	char *skip_all; /* the binary's "1..0 # SKIP reason" */
	char *bail;
};

static long find_case(struct suite_run *sr, const char *name, size_t len)
{
	/* Cases arrive in list order, so look from the cursor first. */
	for (size_t k = 0; k < sr->s->ncases; k++) {
		size_t i = (sr->cursor + k) % sr->s->ncases;

		if (!strncmp(sr->s->cases[i], name, len) && !sr->s->cases[i][len])
			return (long)i;
	}
	return -1;
}

static void on_suite_line(void *arg, char *line)
{
	struct suite_run *sr = arg;
	struct run *r = sr->r;
	struct ktap_line l;
	long i;

	ktap_line_classify(line, &l);
	switch (l.kind) {
	case KTAP_LINE_VERSION:
		break;
	case KTAP_LINE_PLAN:
		sr->saw_plan = true;
		if (l.text.len && !sr->skip_all)
			sr->skip_all = strndup(l.text.p, l.text.len);
		else if ((size_t)l.plan != sr->s->ncases)
			emit(r, "# %s: plan 1..%ld, but --list named %zu cases\n", sr->s->name,
			     l.plan, sr->s->ncases);
		break;
	case KTAP_LINE_DIAG:
		if (!strncmp(l.text.p, "Totals:", 7))
			break;
		/* Banners (caps, seed) repeat across binaries; case diagnostics never merge. */
		if (!sr->saw_plan)
			emit_banner(r, line);
		else
			emit(r, "%s\n", line);
		break;
	case KTAP_LINE_RESULT:
		i = find_case(sr, l.name.p, l.name.len);
		if (i < 0 || sr->reported[i]) {
			emit(r, "# %s: %s result: %s\n", sr->s->name, i < 0 ? "unlisted" : "repeated",
			     line);
			r->broken = true;
			break;
		}
		sr->reported[i] = true;
		sr->cursor = i + 1;
		emit_result(r, l.ok, l.status, l.after_num);
		break;
	case KTAP_LINE_BAIL:
		emit(r, "# %s: %s\n", sr->s->name, line);
		if (!sr->bail)
			sr->bail = strndup(l.text.p, l.text.len);
		break;
	case KTAP_LINE_INDENTED:
	case KTAP_LINE_OTHER:
		/* Stray text on stdout: keep it, but as a diagnostic so the stream stays KTAP. */
		if (*line)
			emit(r, "# %s\n", line);
		break;
	}
}

static void suite_argv(struct run *r, struct suite *s, char ***argv, size_t *argc)
{
	char buf[32];

	strv_add(argv, argc, strdup(s->path));
	snprintf(buf, sizeof(buf), "--seed=%llu", r->seed);
	strv_add(argv, argc, strdup(buf));
	snprintf(buf, sizeof(buf), "--timeout=%u", r->case_timeout);
	strv_add(argv, argc, strdup(buf));
	for (size_t i = 0; i < r->sel.nfilters; i++) {
		strv_add(argv, argc, strdup("-t"));
		strv_add(argv, argc, strdup(r->sel.filters[i]));
	}
	for (size_t i = 0; i < r->sel.nextra; i++)
		strv_add(argv, argc, strdup(r->sel.extra[i]));
}

static void run_suite(struct run *r, struct suite *s, unsigned settings_timeout)
{
	struct suite_run sr = { .r = r, .s = s, .reported = calloc(s->ncases + 1, 1) };
	char *env[] = { "KMAT_TIMES=1", NULL }, **argv = NULL, why[200];
	size_t argc = 0, lost = 0;
	double budget = (double)r->case_timeout * (s->ncases + 1);
	struct proc_spec ps = { .env_add = env, .grace_s = r->grace_s, .on_line = on_suite_line,
				.ctx = &sr };
	struct proc_end pe;
	int code;

	/* The harness enforces per-case timeouts; this budget only catches a stuck harness. */
	if (budget > BINARY_BUDGET_CAP_S)
		budget = BINARY_BUDGET_CAP_S;
	if (!r->timeout_given && budget < settings_timeout)
		budget = settings_timeout;
	ps.budget_s = budget;
	suite_argv(r, s, &argv, &argc);
	ps.argv = argv;
	proc_run(&ps, &pe);
	proc_describe(&pe, &ps, why, sizeof(why));
	code = proc_exit_code(&pe);
	for (size_t i = 0; i < s->ncases; i++) {
		if (sr.reported[i])
			continue;
		if (sr.skip_all && code == 4) {
			emit_named(r, KTAP_ST_SKIP, s->cases[i], sr.skip_all);
			continue;
		}
		emit(r, "# lost: %s %s%s%s\n", s->name, why, sr.bail ? "; Bail out! " : "",
		     sr.bail ? sr.bail : "");
		emit_named(r, KTAP_ST_ERROR, s->cases[i], NULL);
		lost++;
	}
	/* Every case reported, but the binary still crashed or hung: don't let that pass. */
	if (!lost && (pe.timed_out || !pe.reaped || (code != 0 && code != 1 && code != 4))) {
		emit(r, "# %s: %s\n", s->name, why);
		r->broken = true;
	}
	for (size_t i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	free(sr.reported);
	free(sr.skip_all);
	free(sr.bail);
}

/* ---- the command ---- */

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: kmat run [-s SUITE]... [-t GLOB]... [--timeout S] [--seed N] [--output DIR]\n"
		"                [--env KEY=VALUE]... [-- ARGS for every suite binary]\n"
		"  -s, --suite GLOB    run only suite binaries matching GLOB (repeatable)\n"
		"  -t, --filter GLOB   run only cases matching GLOB (repeatable)\n"
		"      --timeout S     per-case timeout in seconds (default %d)\n"
		"      --seed N        seed passed to every binary (default: time-based; printed)\n"
		"      --output DIR    also write DIR/ktap.log, DIR/record.json, DIR/junit.xml\n"
		"      --env KEY=VALUE add to the run's environment record (repeatable)\n"
		"Suites: every executable in $KMAT_SUITES_DIR, else <dir of kmat>/suites.\n"
		"Exit codes: 0 pass, 1 fail, 4 skip (kselftest).\n",
		DEFAULT_CASE_TIMEOUT);
}

static _Noreturn void run_bad_args(const char *fmt, const char *arg)
{
	fprintf(stderr, "kmat run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	run_usage(stderr);
	exit(2);
}

static bool parse_ull(const char *s, unsigned long long *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

static void parse_run_args(struct run *r, int argc, char **argv)
{
	enum { O_TIMEOUT = 256, O_SEED, O_OUTPUT, O_ENV };
	static const struct option lo[] = {
		{ "suite", required_argument, NULL, 's' },
		{ "filter", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "env", required_argument, NULL, O_ENV },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	bool seed_given = false;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:s:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			strv_add(&r->sel.suites, &r->sel.nsuites, optarg);
			break;
		case 't':
			strv_add(&r->sel.filters, &r->sel.nfilters, optarg);
			break;
		case O_TIMEOUT:
			if (!parse_ull(optarg, &v) || v < 1 || v > 1000000)
				run_bad_args("--timeout: expected seconds (1..1000000), got '%s'", optarg);
			r->case_timeout = (unsigned)v;
			r->timeout_given = true;
			break;
		case O_SEED:
			if (!parse_ull(optarg, &r->seed))
				run_bad_args("--seed: expected an unsigned 64-bit number, got '%s'", optarg);
			seed_given = true;
			break;
		case O_OUTPUT:
			r->output = optarg;
			break;
		case O_ENV:
			if (!strchr(optarg, '=') || *optarg == '=')
				run_bad_args("--env: expected KEY=VALUE, got '%s'", optarg);
			strv_add(&r->env, &r->nenv, optarg);
			break;
		case 'h':
			run_usage(stdout);
			exit(0);
		case ':':
			run_bad_args("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, 0 };

				run_bad_args("unknown option '%s'", opt);
			}
			run_bad_args("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--"))
		run_bad_args("unexpected argument '%s' (suite arguments go after --)", argv[optind]);
	for (int i = optind; i < argc; i++)
		strv_add(&r->sel.extra, &r->sel.nextra, argv[i]);
	if (!seed_given) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r->seed = ((unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec) ^
			  ((unsigned long long)getpid() << 32);
	}
}

static void header(struct run *r)
{
	struct utsname u;
	char date[32];
	time_t now = time(NULL);
	const char *lane = getenv("KMAT_LANE");

	emit(r, "TAP version 13\n");
	/* Identity travels inside the stream, so a log alone can rebuild the record. */
	if (!uname(&u)) {
		emit(r, "# env: kernel=%s\n", u.release);
		emit(r, "# env: machine=%s\n", u.machine);
		emit(r, "# env: host=%s\n", u.nodename);
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	emit(r, "# env: date=%s\n", date);
	emit(r, "# env: source=%s\n", lane && *lane ? lane : "host");
	for (size_t i = 0; i < r->nenv; i++)
		emit(r, "# env: %s\n", r->env[i]);
}

static int finish(struct run *r, int rc)
{
	struct ktap_log log;
	struct record_opts o = { .exit_code = rc };

	if (!r->output)
		return rc;
	fclose(r->log);
	fclose(r->mem);
	r->log = r->mem = NULL;
	if (ktap_log_parse_str(r->membuf ? r->membuf : "", &log) ||
	    record_write_dir(r->output, &log, &o)) {
		fprintf(stderr, "kmat run: writing records to %s: %s\n", r->output, strerror(errno));
		rc = 1;
	}
	ktap_log_free(&log);
	free(r->membuf);
	return rc;
}

static int cleanup(struct run *r, struct suite *suites, size_t nsuites, char *dir, int rc)
{
	rc = finish(r, rc);
	kmat_free_suites(suites, nsuites);
	for (size_t i = 0; i < r->nbanner; i++)
		free(r->banner[i]);
	free(r->banner);
	free(r->sel.suites);
	free(r->sel.filters);
	free(r->sel.extra);
	free(r->env);
	free(dir);
	return rc;
}

static bool check_duplicates(struct run *r, struct suite *v, size_t n)
{
	bool dup = false;

	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < v[a].ncases; i++)
			for (size_t b = a + 1; b < n; b++)
				for (size_t j = 0; j < v[b].ncases; j++)
					if (!strcmp(v[a].cases[i], v[b].cases[j])) {
						emit(r, "# duplicate case name %s in %s and %s\n",
						     v[a].cases[i], v[a].name, v[b].name);
						dup = true;
					}
	return dup;
}

int kmat_cmd_run(const char *argv0, int argc, char **argv)
{
	struct run r = { .case_timeout = DEFAULT_CASE_TIMEOUT, .grace_s = 10 };
	const char *kvm = getenv("KMAT_KVM_DEV") ?: "/dev/kvm", *grace = getenv("KMAT_TERM_GRACE");
	struct suite *suites = NULL;
	size_t nsuites = 0, plan = 0;
	char *dir, seedline[48];
	int fd, rc;

	parse_run_args(&r, argc, argv);
	if (grace && *grace)
		r.grace_s = atof(grace);
	if (r.output) {
		char *path = NULL;

		if (!record_mkdirs(r.output) && asprintf(&path, "%s/ktap.log", r.output) < 0)
			path = NULL;
		r.log = path ? fopen(path, "w") : NULL;
		free(path);
		if (r.log)
			r.mem = open_memstream(&r.membuf, &r.memlen);
		if (!r.mem) {
			fprintf(stderr, "kmat run: --output %s: %s\n", r.output, strerror(errno));
			if (r.log)
				fclose(r.log);
			r.log = NULL;
			r.output = NULL;
			return cleanup(&r, NULL, 0, NULL, 2);
		}
	}
	fd = open(kvm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		emit(&r, "TAP version 13\n");
		emit(&r, "1..0 # SKIP no /dev/kvm: %s\n", strerror(e));
		return cleanup(&r, NULL, 0, NULL, 4);
	}
	close(fd);

	dir = kmat_suites_dir(argv0);
	rc = dir ? kmat_find_suites(dir, &r.sel, &suites, &nsuites) : -1;
	if (rc == -2)
		return cleanup(&r, NULL, 0, dir, 2);
	header(&r);
	if (rc || !nsuites) {
		emit(&r, "Bail out! no suite binaries in %s\n", dir ? dir : "(unknown dir)");
		return cleanup(&r, suites, nsuites, dir, 1);
	}
	for (size_t i = 0; i < nsuites && !kmat_term_sig; i++) {
		kmat_list_suite(&suites[i], &r.sel);
		plan += suites[i].ncases + (suites[i].skip || suites[i].broken);
	}
	snprintf(seedline, sizeof(seedline), "# seed: %llu", r.seed);
	emit_banner(&r, seedline);
	if (check_duplicates(&r, suites, nsuites))
		r.broken = true;
	if (kmat_term_sig) {
		emit(&r, "Bail out! terminated while listing cases\n");
		return cleanup(&r, suites, nsuites, dir, 1);
	}
	if (!plan && r.sel.nfilters)
		emit(&r, "1..0 # SKIP no case matches the filter\n");
	else
		emit(&r, "1..%zu\n", plan);
	for (size_t i = 0; i < nsuites; i++) {
		struct suite *s = &suites[i];

		if (s->broken) {
			emit(&r, "# lost: %s\n", s->broken);
			emit_named(&r, KTAP_ST_ERROR, s->name, NULL);
		} else if (s->skip) {
			emit_named(&r, KTAP_ST_SKIP, s->name, s->skip);
		} else if (kmat_term_sig) {
			for (size_t j = 0; j < s->ncases; j++)
				emit_named(&r, KTAP_ST_SKIP, s->cases[j], "not run: terminated");
		} else if (s->ncases) {
			run_suite(&r, s, kmat_settings_timeout(dir));
		}
	}
	if (kmat_term_sig)
		emit(&r, "# kmat: terminated by SIG%s\n", sigabbrev_np(kmat_term_sig) ?: "?");
	emit(&r, "# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n", r.pass, r.fail,
	     r.skip);
	rc = r.fail || r.broken || kmat_term_sig ? 1 : r.pass ? 0 : 4;
	return cleanup(&r, suites, nsuites, dir, rc);
}
