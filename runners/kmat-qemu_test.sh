#!/usr/bin/env bash
# Tests of runners/kmat-qemu. Prints KTAP; exits 0 when every case passes.
#
#   runners/kmat-qemu_test.sh            fast cases: argument errors, a boot failure (no kernel needed)
#   runners/kmat-qemu_test.sh --boot     also boot the reference kernel (about 15 s a boot under TCG):
#                                        a full stand-in run, panics, a lost channel, a lane timeout
#   KMAT_NOKVM_KERNEL=bzImage ... --boot also check a guest kernel built without KVM; build one with
#       grep -v '^CONFIG_KVM' suites/config > /tmp/nokvm.config
#       echo '# CONFIG_KVM is not set' >> /tmp/nokvm.config
#       runners/kmat-kernel build --tree <kernel source> --config /tmp/nokvm.config
#     (--tree keeps the cached default kernel as it is; about 12 minutes on 2 idle cores)
#
# The cases use a stand-in kmat (a small static C program generated here), so they test the lane,
# not the suites; `make check` runs the real suites in the lane separately.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
lane=$here/kmat-qemu
boot=0
[ "${1:-}" = --boot ] && boot=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kmat-qemu-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

ok()     { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; local l; for l in "$@"; do echo "# $l"; done; }
skip()   { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }

# The stand-in `kmat`: `run` prints KTAP (behaviour chosen by arguments after --), `record` is
# refused as by a kmat that predates it.
make_standin() {
  local b=$tmp/build
  mkdir -p "$b/suites"
  cat > "$tmp/standin.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/reboot.h>

int main(int argc, char **argv)
{
	int i, crash = 0, off = 0, fail = 0, sleep_s = 0, code = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || strcmp(argv[1], "run")) {
		fprintf(stderr, "standin kmat: unknown command\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--crash")) crash = 1;
		else if (!strcmp(argv[i], "--poweroff")) off = 1;
		else if (!strcmp(argv[i], "--fail")) fail = 1;
		else if (!strcmp(argv[i], "--exit") && i + 1 < argc) code = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sleep") && i + 1 < argc) sleep_s = atoi(argv[++i]);
	}
	if (code)
		return code;
	printf("TAP version 13\n");
	printf("# standin args:");
	for (i = 2; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\n");
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("1..0 # SKIP no /dev/kvm (standin)\n");
		return 4;
	}
	printf("1..3\n");
	printf("ok 1 standin.kvm_present\n");
	if (access("suites/standin", X_OK) == 0 && access("suites/settings", R_OK) == 0)
		printf("ok 2 standin.suites_packed\n");
	else
		printf("not ok 2 standin.suites_packed\n");
	if (sleep_s)
		sleep(sleep_s);
	if (crash) {
		int fd = open("/proc/sysrq-trigger", O_WRONLY);
		if (fd >= 0 && write(fd, "c", 1) < 0)
			perror("sysrq");
	}
	if (off) {
		sync();
		reboot(RB_POWER_OFF);
	}
	printf("%s 3 standin.verdict\n", fail ? "not ok" : "ok");
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", fail ? 2 : 3, fail);
	return fail;
}
C
  gcc -static -O1 -o "$b/kmat" "$tmp/standin.c"
  printf '#!/bin/sh\necho "1..0 # SKIP standin suite"\nexit 4\n' > "$b/suites/standin"
  chmod +x "$b/suites/standin"
  echo "timeout=60" > "$b/suites/settings"
  echo "$b"
}

# run_lane NAME EXPECTED_EXIT [kmat-qemu args...]: runs into $tmp/NAME/{stdout,stderr,out/};
# the expected code is checked by expect and only documents the call here.
run_lane() {
  local name=$1; shift 2
  local d=$tmp/$name
  mkdir -p "$d"
  rc=0
  KMAT_BUILD=${build_dir:-} "$lane" --output "$d/out" "$@" >"$d/stdout" 2>"$d/stderr" || rc=$?
  out_stdout=$d/stdout out_stderr=$d/stderr out_dir=$d/out
}

expect() {
  # expect NAME RC_WANT [grep-pattern-in-stdout] [grep-pattern-in-stderr]
  local name=$1 want=$2 pat_out=${3:-} pat_err=${4:-} why=()
  [ "$rc" = "$want" ] || why+=("exit $rc, want $want")
  if [ -n "$pat_out" ] && ! grep -qE -- "$pat_out" "$out_stdout"; then why+=("stdout lacks /$pat_out/"); fi
  if [ -n "$pat_err" ] && ! grep -qE -- "$pat_err" "$out_stderr"; then why+=("stderr lacks /$pat_err/"); fi
  if [ ${#why[@]} -eq 0 ]; then ok "$name"; else
    not_ok "$name" "${why[@]}" "stdout: $(tail -n 3 "$out_stdout" | tr '\n' '|')" \
      "stderr: $(tail -n 4 "$out_stderr" | tr '\n' '|')"
  fi
}

fast_cases() {
  run_lane help 0 --help
  expect lane_help 0 '' ''
  grep -q -- '--lane-timeout' "$out_stdout" && ok lane_help_names_lane_timeout || not_ok lane_help_names_lane_timeout
  run_lane nokernel 2 --kernel /nonexistent
  expect lane_kernel_nonexistent 2 '' "kernel '/nonexistent' not found"
  [ "$(grep -c 'kmat qemu:' "$out_stderr")" = 1 ] && ok lane_kernel_nonexistent_one_line ||
    not_ok lane_kernel_nonexistent_one_line "$(cat "$out_stderr" | head -3)"
  run_lane badopt 2 --frobnicate
  expect lane_unknown_option 2 '' "unknown option '--frobnicate'"
  run_lane badmem 2 --mem lots
  expect lane_bad_mem 2 '' '--mem needs a size'
  run_lane badaccel 2 --accel hvf
  expect lane_bad_accel 2 '' '--accel must be'
  run_lane badtimeout 2 --lane-timeout 0
  expect lane_bad_lane_timeout 2 '' '--lane-timeout needs'
  run_lane missingval 2 --smp
  expect lane_missing_value 2 '' "option '--smp' needs a value"
  run_lane newline 2 -t $'a\nb'
  expect lane_newline_in_run_arg 2 '' 'cannot contain newlines'

  # A file that is no kernel: QEMU refuses it at once, which is a boot failure, not a test failure.
  build_dir=$standin
  echo "not a kernel" > "$tmp/fake-bzImage"
  run_lane notakernel 5 --kernel "$tmp/fake-bzImage" --accel tcg --lane-timeout 60
  expect lane_boot_failure_not_a_kernel 5 '^Bail out! boot failure' 'boot failure'
  [ -f "$out_dir/lane.txt" ] && grep -q '^status=boot-failure' "$out_dir/lane.txt" &&
    ok lane_boot_failure_lane_txt || not_ok lane_boot_failure_lane_txt
  build_dir=""
}

boot_cases() {
  local kernel
  kernel=$("$here/kmat-kernel" path 2>/dev/null) || { skip lane_boot "no cached reference kernel (kmat kernel build)"; return 0; }
  build_dir=$standin
  local common=(--kernel "$kernel" --accel tcg --mem 2G --hugepages-2m 16 --hugepages-1g 0 --lane-timeout 300)

  run_lane pass 0 "${common[@]}" -s abi -t 'x*' --timeout 30 --seed 7 -- --extra 'two words'
  expect lane_run_passes 0 '^ok 3 standin.verdict' 'boot to first KTAP line'
  grep -qF '# standin args: [-s] [abi] [-t] [x*] [--timeout] [30] [--seed] [7] [--] [--extra] [two words]' "$out_stdout" &&
    ok lane_run_args_arrive_intact || not_ok lane_run_args_arrive_intact "$(grep standin "$out_stdout")"
  grep -q '^ok 2 standin.suites_packed' "$out_stdout" && ok lane_suites_packed || not_ok lane_suites_packed
  grep -q 'KMAT-EXIT' "$out_stdout" "$out_dir/ktap.log" && not_ok lane_exit_line_hidden || ok lane_exit_line_hidden
  cmp -s "$out_stdout" "$out_dir/ktap.log" && ok lane_ktap_log_matches_stdout || not_ok lane_ktap_log_matches_stdout
  grep -q 'numa_nodes=2' "$out_stdout" && ok lane_numa_two_nodes || not_ok lane_numa_two_nodes "$(grep '# lane' "$out_stdout")"
  grep -q '^status=completed' "$out_dir/lane.txt" && grep -q '^kernel_source=' "$out_dir/lane.txt" &&
    [ -s "$out_dir/console.log" ] && ok lane_results_written || not_ok lane_results_written

  # A WARN (here: QEMU's shared-socket topology across NUMA nodes) taints but must not end the run.
  run_lane warn 0 "${common[@]}" --qemu-arg -smp --qemu-arg 2,sockets=1,cores=2
  expect lane_warn_does_not_stop_run 0 'tainted=[1-9]'
  grep -qa 'WARNING:' "$out_dir/console.log" && ok lane_warn_seen_in_console || not_ok lane_warn_seen_in_console

  run_lane fail 1 "${common[@]}" -- --fail
  expect lane_run_fail_code 1 '^not ok 3 standin.verdict'

  run_lane crash 1 "${common[@]}" -- --crash
  expect lane_panic_sysrq 1 '^Bail out! guest kernel panic' 'guest kernel panic'
  grep -q '^# console: ' "$out_stdout" && ok lane_panic_console_tail || not_ok lane_panic_console_tail

  run_lane cmdpanic 1 "${common[@]}" --append "rdinit=/nonexistent"
  expect lane_panic_cmdline 1 '^Bail out! guest kernel panic' 'guest kernel panic'

  run_lane poweroff 1 "${common[@]}" -- --poweroff
  expect lane_channel_lost 1 '^Bail out! result channel ended without KMAT-EXIT' 'without KMAT-EXIT'

  run_lane timeout 1 "${common[@]}" --lane-timeout 40 -- --sleep 600
  expect lane_timeout 1 '^Bail out! lane timeout' 'lane timeout'

  # Interrupted: QEMU must not outlive the runner.
  local d=$tmp/sigterm pid i
  mkdir -p "$d"
  (KMAT_BUILD=$standin exec "$lane" --output "$d/out" "${common[@]}" -- --sleep 600 >"$d/stdout" 2>"$d/stderr") &
  pid=$!
  for ((i = 0; i < 120; i++)); do grep -q '^ok 2' "$d/stdout" 2>/dev/null && break; sleep 0.5; done
  kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
  sleep 1
  if [ "$rc" = 130 ] && ! pgrep -f "path=$d/out/console.log" >/dev/null; then ok lane_sigterm_stops_qemu
  else not_ok lane_sigterm_stops_qemu "exit $rc; left: $(pgrep -af "path=$d/out/console.log" | cut -c1-80)"
    pkill -f "path=$d/out/console.log" || true
  fi

  # A dynamically linked build (make sanitize's) boots with its shared libraries packed.
  local dyn=$tmp/build-dynamic
  mkdir -p "$dyn" && cp -r "$standin/suites" "$dyn/" && gcc -O1 -o "$dyn/kmat" "$tmp/standin.c"
  build_dir=$dyn
  run_lane dynamic 0 "${common[@]}"
  expect lane_dynamic_build 0 '^ok 3 standin.verdict'
  build_dir=$standin

  run_lane badexit 1 "${common[@]}" -- --exit 127
  expect lane_guest_error 1 '^Bail out! in-guest kmat run exited with 127'

  run_lane noport 5 "${common[@]}" --append "initcall_blacklist=virtio_console_init"
  expect lane_boot_failure_no_channel 5 '^Bail out! boot failure' 'boot failure'

  if [ -n "${KMAT_NOKVM_KERNEL:-}" ]; then
    run_lane nokvm 4 "${common[@]/$kernel/$KMAT_NOKVM_KERNEL}"
    expect lane_guest_without_kvm 4 '1\.\.0 # SKIP' 'guest kernel has no usable /dev/kvm'
  else
    skip lane_guest_without_kvm "set KMAT_NOKVM_KERNEL to a bzImage built without CONFIG_KVM"
  fi
  build_dir=""
}

echo "TAP version 13"
standin=$(make_standin)
fast_cases
[ "$boot" = 1 ] && boot_cases
echo "1..$n"
echo "# Totals: pass:$((n - failed)) fail:$failed"
[ "$failed" = 0 ]
