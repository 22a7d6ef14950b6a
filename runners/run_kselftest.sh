#!/bin/bash
# kmat's run_kselftest.sh for the kselftest install layout (make install / gen_tar): runs the
# binaries listed in kselftest-list.txt the way the kernel's runner does, so KernelCI, LKFT and
# tuxrun drive kmat like any other collection. Each binary's KTAP is nested behind "# ".
#   -c COLLECTION   run one collection (repeatable)      -t COLL:TEST   run one test (repeatable)
#   -l              list COLL:TEST entries                -o SECONDS     override every timeout
#   -s              summary: hide the binaries' output   -h             help
set -u
base=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
list=$base/kselftest-list.txt
summary=0 override="" want=()

usage() { sed -n '3,6s/^# \{0,1\}//p' "$0"; }
while getopts "c:t:lo:sh" o; do
  case $o in
    c) want+=("c:$OPTARG") ;;
    t) want+=("t:$OPTARG") ;;
    l) cat "$list"; exit 0 ;;
    o) override=$OPTARG ;;
    s) summary=1 ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

selected=()
while IFS= read -r entry; do
  [ -n "$entry" ] || continue
  if [ ${#want[@]} -eq 0 ]; then selected+=("$entry"); continue; fi
  for w in "${want[@]}"; do
    case $w in
      "c:${entry%%:*}"|"t:$entry") selected+=("$entry"); break ;;
    esac
  done
done < "$list"

echo "TAP version 13"
echo "1..${#selected[@]}"
n=0 fail=0
for entry in "${selected[@]}"; do
  n=$((n + 1))
  coll=${entry%%:*} test=${entry#*:}
  timeout=45
  [ -f "$base/$coll/settings" ] && timeout=$(sed -n 's/^timeout=//p' "$base/$coll/settings")
  [ -n "$override" ] && timeout=$override
  var=KSELFTEST_$(echo "$test" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_')_ARGS
  args=${!var:-}
  echo "# timeout set to $timeout"
  echo "# selftests: $coll: $test"
  (
    cd "$base/$coll" || exit 2
    # shellcheck disable=SC2086 # per-binary arguments are a word list by convention
    if [ "$timeout" -gt 0 ]; then timeout --foreground "$timeout" "./$test" $args; else "./$test" $args; fi
  ) 2>&1 | if [ $summary = 1 ]; then cat >/dev/null; else sed 's/^/# /'; fi
  rc=${PIPESTATUS[0]}
  case $rc in
    0) echo "ok $n selftests: $coll: $test" ;;
    4) echo "ok $n selftests: $coll: $test # SKIP" ;;
    124) echo "not ok $n selftests: $coll: $test # TIMEOUT $timeout seconds"; fail=1 ;;
    *) echo "not ok $n selftests: $coll: $test # exit=$rc"; fail=1 ;;
  esac
done
exit $fail
