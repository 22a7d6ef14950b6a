// SPDX-License-Identifier: GPL-2.0
/*
 * kmat caps: the capability banner, and a verdict on whether this host's KVM can exercise
 * memory attributes at all (exit 0) or not (exit 4, with the reason). `make run` uses the
 * verdict to decide between the host and the QEMU lane.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "kmat.h"

/* Empty string when some VM type accepts PRIVATE; otherwise why not. */
static const char *why_not(void)
{
	const struct kmat_caps *c = kmat_caps();
	static char buf[160];

	if (!c->kvm) {
		snprintf(buf, sizeof(buf), "no /dev/kvm (%s)", strerror(c->kvm_errno));
		return buf;
	}
	if (!c->sys_attrs)
		return "KVM_CAP_MEMORY_ATTRIBUTES is 0: this kernel has no KVM_SET_MEMORY_ATTRIBUTES";
	for (unsigned long t = 0; t < KMAT_NR_VM_TYPES; t++)
		if (c->vm[t].created && (c->vm[t].attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE))
			return "";
	return "no VM type accepts PRIVATE (CONFIG_KVM_SW_PROTECTED_VM off, no SEV-SNP/TDX)";
}

int kmat_cmd_caps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' }, {},
	};
	bool quiet = false;
	const char *why;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			printf("usage: kmat caps [-q]\n  print the capability banner and whether this "
			       "host can exercise memory attributes (exit 0) or not (exit 4)\n");
			return 0;
		} else {
			fprintf(stderr, "kmat caps: bad option\nusage: kmat caps [-q]\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kmat caps: unexpected argument '%s'\nusage: kmat caps [-q]\n",
			argv[optind]);
		return 2;
	}
	if (!quiet)
		kmat_caps_banner();
	why = why_not();
	if (*why) {
		printf("memory attributes: not exercisable on this host: %s\n", why);
		return 4;
	}
	printf("memory attributes: exercisable on this host\n");
	return 0;
}
