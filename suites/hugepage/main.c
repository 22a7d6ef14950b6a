// SPDX-License-Identifier: GPL-2.0
/*
 * suites/hugepage: KVM maps a 2M or 1G guest region with one large page only if every page
 * in it has the same attributes. Each case reads the VM's pages_4k/2m/1g stats before and
 * after guest accesses (printed as diagnostics) and checks that private pages still exit.
 * Needs a SW-protected VM with TDP: on a host without them every case skips with the reason.
 */
#include <getopt.h>
#include <stdbool.h>

#include "caps.h"
#include "hugepage.h"
#include "ktap.h"

static void set_no_prefault(const char *v)
{
	hp_no_prefault = true;
}

int main(int argc, char **argv)
{
	static const struct ktap_opt opts[] = {
		{ "no-prefault", no_argument,
		  "fault 1G sub-regions through the guest, not KVM_PRE_FAULT_MEMORY",
		  set_no_prefault },
		{ NULL, 0, NULL, NULL },
	};

	hp_register_basic();
	hp_register_edges();
	hp_register_convert();
	hp_register_1g();
	hp_register_gmem();
	ktap_parse_args(argc, argv, opts);
	ktap_header();
	kmat_caps_banner();
	return ktap_run();
}
