// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg tests against a fake log file (KMAT_KMSG_PATH). The runner itself watches the same
 * file around each case; since the case appends and reads everything it wrote before
 * returning, the runner's own check sees nothing new.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "ktap.h"

static char logpath[64] = "/tmp/kmsg_test.XXXXXX", taintpath[80];

static void append(const char *text)
{
	FILE *f = fopen(logpath, "a");

	fputs(text, f);
	fclose(f);
}

static void t_line_is_bad(const void *arg)
{
	static const struct {
		const char *msg;
		bool bad;
	} tab[] = {
		{ "WARNING: CPU: 3 PID: 77 at arch/x86/kvm/mmu/mmu.c:7000 kvm_mmu_x+0x1/0x2", true },
		{ "watchdog: BUG: soft lockup - CPU#1 stuck for 22s!", true },
		{ "kernel BUG at mm/huge_memory.c:100!", true },
		{ "Oops: general protection fault, probably for non-canonical address", true },
		{ "BUG: KASAN: use-after-free in kvm_gmem_x", true },
		{ "UBSAN: shift-out-of-bounds in arch/x86/kvm/x.c:1:2", true },
		{ "Call Trace:", true },
		{ "------------[ cut here ]------------", true },
		{ "INFO: task qemu:1 blocked for more than 120 seconds.", true },
		{ "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", true },
		{ "kvm: disabled by bios", false },
		{ "x86/cpu: WARNING is a word in the middle", false },
		{ "", false },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (kmsg_line_is_bad(tab[i].msg) != tab[i].bad)
			ktap_fail("\"%s\": want %s", tab[i].msg, tab[i].bad ? "bad" : "benign");
}

static void t_taint_letters(const void *arg)
{
	char buf[40];

	kmsg_taint_letters(0, buf, sizeof(buf));
	if (strcmp(buf, ""))
		ktap_fail("0 -> \"%s\"", buf);
	kmsg_taint_letters(0x201, buf, sizeof(buf));
	if (strcmp(buf, "PW"))
		ktap_fail("0x201 -> \"%s\"", buf);
	kmsg_taint_letters(1UL << 30 | 1UL << 13, buf, sizeof(buf));
	if (strcmp(buf, "E?"))
		ktap_fail("bits 13,30 -> \"%s\"", buf);
	kmsg_taint_letters(0xfffff, buf, 4);
	if (strcmp(buf, "PFS"))
		ktap_fail("truncation -> \"%s\"", buf);
}

static void t_window(const void *arg)
{
	char report[4096], small[16];
	int lines = 0;

	append("4,1,1,-;WARNING: CPU: 0 PID: 1 at before.c:1\n");
	kmsg_case_begin();
	append("6,2,2,-;kvm: fine\n SUBSYSTEM=kvm\n6,3,3,-,caller=T12;also fine\n");
	if (kmsg_case_end(report, sizeof(report)) || *report)
		ktap_fail("benign window reported: %s", report);

	kmsg_case_begin();
	for (int i = 0; i < 30; i++)
		append("4,9,9,-,caller=T1;BUG: unable to handle page fault\n DEVICE=+x\n");
	if (!kmsg_case_end(report, sizeof(report)))
		ktap_fail("30 BUG lines not reported");
	for (char *p = report; p; p = strchr(p + 1, '\n'))
		lines++;
	if (lines != 9 || strncmp(report, "BUG: unable to handle page fault\nBUG:", 37))
		ktap_fail("want the first 9 lines (one kept for taint), got %d:\n%s", lines, report);

	/* A small buffer truncates instead of overflowing, and taint changes still count. */
	kmsg_case_begin();
	FILE *f = fopen(taintpath, "w");
	fputs("512\n", f);
	fclose(f);
	if (!kmsg_case_end(small, sizeof(small)) || strlen(small) != sizeof(small) - 1 ||
	    strncmp(small, "taint changed", 13))
		ktap_fail("taint change with a small buffer: \"%s\"", small);
	f = fopen(taintpath, "w");
	fputs("0\n", f);
	fclose(f);
}

int main(int argc, char **argv)
{
	int rc, fd = mkstemp(logpath);
	FILE *f;

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	snprintf(taintpath, sizeof(taintpath), "%s.taint", logpath);
	f = fopen(taintpath, "w");
	fputs("0\n", f);
	fclose(f);
	setenv("KMAT_KMSG_PATH", logpath, 1);
	setenv("KMAT_TAINT_PATH", taintpath, 1);
	ktap_add("kmsg.line_is_bad", t_line_is_bad, NULL);
	ktap_add("kmsg.taint_letters", t_taint_letters, NULL);
	ktap_add("kmsg.case_window", t_window, NULL);
	ktap_parse_args(argc, argv, NULL);
	rc = ktap_run();
	unlink(logpath);
	unlink(taintpath);
	return rc;
}
