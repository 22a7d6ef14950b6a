#!/usr/bin/env bash
# Tests of runners/run_kselftest.sh on a fake kselftest layout: exit-code mapping (0, 1, 4,
# timeout), nesting, selection, per-binary arguments. Prints KTAP; exit 0 when all pass.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksft-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
check() { # name, condition (a command)
  local name=$1; shift
  n=$((n + 1))
  if "$@"; then echo "ok $n $name"; else echo "not ok $n $name"; failed=$((failed + 1)); fi
}

mkdir -p "$tmp/c"
cp "$here/run_kselftest.sh" "$tmp/"
printf 'timeout=2\n' > "$tmp/c/settings"
for t in pass:0 fail:1 skip:4; do
  printf '#!/bin/sh\necho "TAP version 13"\necho "args: $*"\nexit %s\n' "${t#*:}" > "$tmp/c/${t%%:*}"
done
printf '#!/bin/sh\nsleep 30\n' > "$tmp/c/hang"
chmod +x "$tmp"/c/*
printf 'c:pass\nc:fail\nc:skip\nc:hang\n' > "$tmp/kselftest-list.txt"

out=$(KSELFTEST_PASS_ARGS="-t x.*" "$tmp/run_kselftest.sh"); rc=$?
check "plan" grep -qx '1..4' <<<"$out"
check "pass" grep -qx 'ok 1 selftests: c: pass' <<<"$out"
check "fail_exit" grep -qx 'not ok 2 selftests: c: fail # exit=1' <<<"$out"
check "skip" grep -qx 'ok 3 selftests: c: skip # SKIP' <<<"$out"
check "timeout" grep -qx 'not ok 4 selftests: c: hang # TIMEOUT 2 seconds' <<<"$out"
check "nested_output" grep -qx '# TAP version 13' <<<"$out"
check "per_binary_args" grep -qx '# args: -t x.\*' <<<"$out"
check "exit_code_fail" test "$rc" -eq 1
out=$("$tmp/run_kselftest.sh" -t c:skip -s); rc=$?
check "select_one_summary" test "$(grep -c '^ok\|^not ok' <<<"$out")" -eq 1 -a "$rc" -eq 0
check "summary_hides_output" bash -c "! grep -q '^# TAP' <<<\"\$1\"" _ "$out"
echo "1..$n"
exit $((failed > 0))
