// SPDX-License-Identifier: GPL-2.0
/*
 * kmat: the one entry point. list, run and record are built in (static C, so they work in a
 * busybox initramfs); other commands are the kmat-<name> programs installed beside it.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmat.h"
#include "results/ktap_parse.h"
#include "results/record.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kmat <command> [options]   (kmat <command> --help for details)\n"
		"  list     print the names of all cases\n"
		"  run      run the suites on this host; one merged KTAP stream, kselftest exit code\n"
		"  record   build record.json and junit.xml from a KTAP log\n"
		"  caps     capability banner; exit 0 if memory attributes can be exercised here\n"
		"  kernel   build (and cache) a kernel that can run the suites   (kmat-kernel)\n"
		"  qemu     run the suites inside a kernel under QEMU             (kmat-qemu)\n"
		"  bisect   git bisect run helper                                 (kmat-bisect)\n");
}

static _Noreturn void bad_args(const char *cmd, void (*cmd_usage)(FILE *), const char *fmt,
			       const char *arg)
{
	fprintf(stderr, "kmat%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	cmd_usage(stderr);
	exit(2);
}

/* getopt's error for the last option, as one line. */
static _Noreturn void getopt_error(const char *cmd, void (*cmd_usage)(FILE *), int c, char **argv)
{
	char opt[3] = { '-', (char)optopt, 0 };

	if (c == ':')
		bad_args(cmd, cmd_usage, "option '%s' needs an argument", argv[optind - 1]);
	bad_args(cmd, cmd_usage, "unknown option '%s'", optopt ? opt : argv[optind - 1]);
}

/* ---- list ---- */

static void list_usage(FILE *f)
{
	fprintf(f, "usage: kmat list [-s SUITE]... [-t GLOB]... [-- ARGS for every suite binary]\n"
		   "  -s, --suite GLOB    only suite binaries matching GLOB (repeatable)\n"
		   "  -t, --filter GLOB   only cases matching GLOB (repeatable)\n");
}

static int cmd_list(const char *argv0, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "suite", required_argument, NULL, 's' },
		{ "filter", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection sel = { 0 };
	struct suite *v = NULL;
	size_t n = 0;
	char *dir;
	int c, rc = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:s:t:h", lo, NULL)) != -1) {
		if (c == 's')
			strv_add(&sel.suites, &sel.nsuites, optarg);
		else if (c == 't')
			strv_add(&sel.filters, &sel.nfilters, optarg);
		else if (c == 'h') {
			list_usage(stdout);
			exit(0);
		} else
			getopt_error("list", list_usage, c, argv);
	}
	if (optind < argc && strcmp(argv[optind - 1], "--"))
		bad_args("list", list_usage, "unexpected argument '%s'", argv[optind]);
	for (int i = optind; i < argc; i++)
		strv_add(&sel.extra, &sel.nextra, argv[i]);
	dir = kmat_suites_dir(argv0);
	rc = dir ? kmat_find_suites(dir, &sel, &v, &n) : -1;
	rc = rc == -2 ? 2 : rc ? 1 : 0;
	for (size_t i = 0; i < n && !kmat_term_sig; i++) {
		kmat_list_suite(&v[i], &sel);
		for (size_t j = 0; j < v[i].ncases; j++)
			printf("%s\n", v[i].cases[j]);
		if (v[i].skip)
			fprintf(stderr, "kmat list: %s skips everything: %s\n", v[i].name, v[i].skip);
		if (v[i].broken) {
			fprintf(stderr, "kmat list: %s\n", v[i].broken);
			rc = 1;
		}
	}
	fflush(stdout);
	kmat_free_suites(v, n);
	free(sel.suites);
	free(sel.filters);
	free(sel.extra);
	free(dir);
	return kmat_term_sig ? 1 : rc;
}

/* ---- record ---- */

static void record_usage(FILE *f)
{
	fprintf(f,
		"usage: kmat record KTAP_LOG [--output DIR] [--env KEY=VALUE]... [--expect FILE]\n"
		"                   [--exit-code N] [--name NAME]\n"
		"  KTAP_LOG           a KTAP/TAP13 log (\"-\": standard input)\n"
		"  --output DIR       where to write ktap.log, record.json, junit.xml\n"
		"                     (default: the log's directory)\n"
		"  --env KEY=VALUE    add to the record's env, e.g. kernel identity (repeatable)\n"
		"  --expect FILE      case names the log should have (kmat list output); any it\n"
		"                     lacks are recorded as errors\n"
		"  --exit-code N      the run's exit code (default: derived from the results)\n"
		"  --name NAME        JUnit <testsuites> name (default kmat)\n");
}

static int read_names(const char *path, char ***names, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len && line[0] != '#')
			strv_add(names, n, strdup(line));
	}
	free(line);
	fclose(f);
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int copy_file(FILE *in, const char *to)
{
	FILE *out = fopen(to, "w");
	char buf[8192];
	size_t n;

	if (!out)
		return -1;
	rewind(in);
	while ((n = fread(buf, 1, sizeof(buf), in)))
		fwrite(buf, 1, n, out);
	return fclose(out) || ferror(in) ? -1 : 0;
}

static int cmd_record(int argc, char **argv)
{
	enum { O_OUTPUT = 256, O_ENV, O_EXPECT, O_EXIT, O_NAME };
	static const struct option lo[] = {
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "env", required_argument, NULL, O_ENV },
		{ "expect", required_argument, NULL, O_EXPECT },
		{ "exit-code", required_argument, NULL, O_EXIT },
		{ "name", required_argument, NULL, O_NAME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_opts o = { .exit_code = -1 };
	struct record_kv *env = NULL;
	const char *output = NULL, *expect = NULL, *logpath;
	char **names = NULL, *dir = NULL, *copy = NULL, *end;
	size_t nnames = 0;
	struct ktap_log log;
	FILE *in;
	int c, rc = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case O_OUTPUT:
			output = optarg;
			break;
		case O_ENV: {
			char *eq = strchr(optarg, '=');
			struct record_kv *ne;

			if (!eq || eq == optarg)
				bad_args("record", record_usage, "--env: expected KEY=VALUE, got '%s'",
					 optarg);
			ne = realloc(env, (o.nenv + 1) * sizeof(*env));
			if (!ne)
				return 1;
			env = ne;
			*eq = 0; /* argv is ours to split */
			env[o.nenv++] = (struct record_kv){ optarg, eq + 1 };
			break;
		}
		case O_EXPECT:
			expect = optarg;
			break;
		case O_EXIT:
			o.exit_code = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || o.exit_code < 0 || o.exit_code > 255)
				bad_args("record", record_usage, "--exit-code: expected 0..255, got '%s'",
					 optarg);
			break;
		case O_NAME:
			o.name = optarg;
			break;
		case 'h':
			record_usage(stdout);
			exit(0);
		default:
			getopt_error("record", record_usage, c, argv);
		}
	}
	if (optind != argc - 1)
		bad_args("record", record_usage, "%s", optind >= argc ? "expected one KTAP_LOG" :
			 "expected exactly one KTAP_LOG");
	logpath = argv[optind];
	o.env = env;
	in = strcmp(logpath, "-") ? fopen(logpath, "r") : stdin;
	if (!in) {
		fprintf(stderr, "kmat record: %s: %s\n", logpath, strerror(errno));
		free(env);
		return 1;
	}
	if (expect && read_names(expect, &names, &nnames)) {
		fprintf(stderr, "kmat record: --expect %s: %s\n", expect, strerror(errno));
		rc = 1;
	} else if (ktap_log_parse_file(in, &log)) {
		fprintf(stderr, "kmat record: reading %s failed\n", logpath);
		rc = 1;
	} else {
		if (nnames)
			ktap_log_expect(&log, names, nnames);
		if (!output) {
			char *tmp = strdup(strcmp(logpath, "-") ? logpath : "./-");

			dir = strdup(dirname(tmp));
			free(tmp);
			output = dir;
		}
		if (record_write_dir(output, &log, &o) ||
		    asprintf(&copy, "%s/ktap.log", output) < 0) {
			fprintf(stderr, "kmat record: writing to %s: %s\n", output, strerror(errno));
			rc = 1;
		} else if (!same_file(logpath, copy) && in != stdin && copy_file(in, copy)) {
			fprintf(stderr, "kmat record: copying the log to %s: %s\n", copy,
				strerror(errno));
			rc = 1;
		}
		ktap_log_free(&log);
	}
	if (in != stdin)
		fclose(in);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(env);
	free(dir);
	free(copy);
	return rc;
}

/* ---- kmat-<sub> ---- */

static int exec_sub(const char *argv0, const char *sub, char **argv)
{
	static const char *const known[] = { "kernel", "qemu", "bisect" };
	bool is_known = false;
	char *dir = kmat_self_dir(argv0), *path = NULL, *self = NULL;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		is_known |= !strcmp(sub, known[i]);
	/* Only plain names: "kmat ../x" must not run arbitrary files. */
	for (const char *p = sub; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-')
			bad_args(NULL, usage, "unknown command '%s'", sub);
	if (!dir || asprintf(&path, "%s/kmat-%s", dir, sub) < 0 || access(path, X_OK)) {
		if (!is_known)
			bad_args(NULL, usage, "unknown command '%s'", sub);
		fprintf(stderr, "kmat: 'kmat %s' needs %s, which is missing (make installs it)\n",
			sub, path ? path : "kmat-<command> beside kmat");
		free(path);
		free(dir);
		return 2;
	}
	/* Scripts call back into this binary and its suites through $KMAT. */
	if (asprintf(&self, "%s/kmat", dir) >= 0)
		setenv("KMAT", self, 0);
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "kmat: exec %s: %s\n", path, strerror(errno));
	free(self);
	free(path);
	free(dir);
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (cmd[0] == '-')
		bad_args(NULL, usage, "unknown option '%s'", cmd);
	if (!strcmp(cmd, "caps"))
		return kmat_cmd_caps(argc - 1, argv + 1);
	if (strcmp(cmd, "run") && strcmp(cmd, "list") && strcmp(cmd, "record"))
		return exec_sub(argv[0], cmd, argv + 1); /* before any signal setup it would inherit */
	kmat_signals_init();
	if (!strcmp(cmd, "run"))
		return kmat_cmd_run(argv[0], argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return cmd_list(argv[0], argc - 1, argv + 1);
	return cmd_record(argc - 1, argv + 1);
}
