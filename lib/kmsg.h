/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel log and taint watch around each case: a KVM bug often shows only as a WARN in dmesg
 * while the ioctl "succeeds", so a case that provokes one must not pass.
 *
 * KMAT_KMSG_PATH and KMAT_TAINT_PATH replace /dev/kmsg and /proc/sys/kernel/tainted (tests).
 */
#ifndef KMAT_KMSG_H
#define KMAT_KMSG_H

#include <stdbool.h>
#include <stddef.h>

/* Remember the log position and taint value. Says once (as "# kmsg: ...") if it cannot. */
void kmsg_case_begin(void);
/*
 * Nonzero if, since kmsg_case_begin(), the kernel logged a WARN/BUG/Oops/general protection/
 * Call Trace/KASAN/UBSAN report or the taint value changed. @report receives up to ~10
 * newline-separated lines describing it.
 */
int kmsg_case_end(char *report, size_t len);

/* True if a kernel log message (text after the record header) is a bug report. */
bool kmsg_line_is_bad(const char *msg);
/* Taint bits as letters, e.g. 0x200 -> "W". */
void kmsg_taint_letters(unsigned long taint, char *buf, size_t len);

#endif
