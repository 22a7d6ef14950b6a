// SPDX-License-Identifier: GPL-2.0
/* Finding suite binaries and asking each for its case list. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmat.h"
#include "ktap.h"
#include "results/ktap_parse.h"

#define LIST_BUDGET_S 60.0
#define LIST_GRACE_S 5.0

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

char *kmat_self_dir(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	const char *path;

	if (n > 0) {
		buf[n] = 0;
		return dir_of(buf);
	}
	/* No /proc (early initramfs): argv[0], then $PATH. */
	if (strchr(argv0, '/'))
		return dir_of(argv0);
	path = getenv("PATH");
	for (const char *p = path; p && *p;) {
		size_t len = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, argv0);
		if (!access(buf, X_OK))
			return dir_of(buf);
		p += len + (p[len] == ':');
	}
	return NULL;
}

char *kmat_suites_dir(const char *argv0)
{
	const char *env = getenv("KMAT_SUITES_DIR");
	char *self, *dir;

	if (env && *env)
		return strdup(env);
	self = kmat_self_dir(argv0);
	if (!self || asprintf(&dir, "%s/suites", self) < 0)
		dir = NULL;
	free(self);
	return dir;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct suite *)a)->name, ((const struct suite *)b)->name);
}

int kmat_find_suites(const char *dir, const struct selection *sel, struct suite **out,
		     size_t *n)
{
	DIR *d = opendir(dir);
	struct suite *v = NULL;
	size_t nv = 0;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (!d) {
		fprintf(stderr, "kmat: suites directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *path;
		bool want = !sel->nsuites;

		if (de->d_name[0] == '.' || asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			continue;
		/* Executable regular files only: "settings" and "config" live here too. */
		if (stat(path, &st) || !S_ISREG(st.st_mode) || access(path, X_OK)) {
			free(path);
			continue;
		}
		for (size_t i = 0; i < sel->nsuites && !want; i++)
			want = !fnmatch(sel->suites[i], de->d_name, 0);
		if (!want) {
			free(path);
			continue;
		}
		struct suite *nvv = realloc(v, (nv + 1) * sizeof(*v));

		if (!nvv) {
			free(path);
			break;
		}
		v = nvv;
		v[nv++] = (struct suite){ .name = strdup(de->d_name), .path = path };
	}
	closedir(d);
	if (nv)
		qsort(v, nv, sizeof(*v), by_name);
	for (size_t i = 0; i < sel->nsuites; i++) {
		bool hit = false;

		for (size_t j = 0; j < nv && !hit; j++)
			hit = !fnmatch(sel->suites[i], v[j].name, 0);
		if (!hit) {
			fprintf(stderr, "kmat: no suite matches '%s' in %s\n", sel->suites[i], dir);
			kmat_free_suites(v, nv);
			return -2;
		}
	}
	*out = v;
	*n = nv;
	return 0;
}

struct list_ctx {
	struct suite *s;
	char *skip;
};

static void on_list_line(void *arg, char *line)
{
	struct list_ctx *c = arg;
	struct ktap_line l;

	if (ktap_name_valid(line)) {
		strv_add(&c->s->cases, &c->s->ncases, strdup(line));
		return;
	}
	ktap_line_classify(line, &l);
	if (l.kind == KTAP_LINE_PLAN && l.plan == 0 && l.text.len && !c->skip)
		c->skip = strndup(l.text.p, l.text.len);
}

void kmat_list_suite(struct suite *s, const struct selection *sel)
{
	char **argv = NULL;
	size_t argc = 0;
	struct list_ctx c = { .s = s };
	struct proc_spec ps = { .budget_s = LIST_BUDGET_S, .grace_s = LIST_GRACE_S,
				.on_line = on_list_line, .ctx = &c };
	struct proc_end pe;
	char why[160];
	int code;

	strv_add(&argv, &argc, s->path);
	strv_add(&argv, &argc, "--list");
	for (size_t i = 0; i < sel->nfilters; i++) {
		strv_add(&argv, &argc, "-t");
		strv_add(&argv, &argc, sel->filters[i]);
	}
	for (size_t i = 0; i < sel->nextra; i++)
		strv_add(&argv, &argc, sel->extra[i]);
	ps.argv = argv;
	proc_run(&ps, &pe);
	free(argv);
	code = proc_exit_code(&pe);
	if (code == 4 && c.skip && !s->ncases) {
		s->skip = c.skip;
		return;
	}
	free(c.skip);
	if (code == 0 && !pe.timed_out && !pe.terminated)
		return;
	/* Half a list is no list: the cases it did name are not trusted. */
	for (size_t i = 0; i < s->ncases; i++)
		free(s->cases[i]);
	free(s->cases);
	s->cases = NULL;
	s->ncases = 0;
	proc_describe(&pe, &ps, why, sizeof(why));
	if (asprintf(&s->broken, "%s --list %s", s->name, why) < 0)
		s->broken = NULL;
}

void kmat_free_suites(struct suite *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].ncases; j++)
			free(v[i].cases[j]);
		free(v[i].cases);
		free(v[i].name);
		free(v[i].path);
		free(v[i].skip);
		free(v[i].broken);
	}
	free(v);
}

unsigned kmat_settings_timeout(const char *dir)
{
	char *path, line[256];
	unsigned t = 0;
	FILE *f;

	if (asprintf(&path, "%s/settings", dir) < 0)
		return 0;
	f = fopen(path, "r");
	free(path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "timeout=%u", &t) == 1)
			break;
	fclose(f);
	return t;
}
