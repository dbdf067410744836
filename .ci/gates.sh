#!/usr/bin/env bash
# Run the gates named on the command line (make targets, in order) and print a table of what each took.
# The list itself lives in one place: GATES in the Makefile, which `make test` (and so CI) passes here.
# Every gate runs even after one fails, so one CI run shows every problem; the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
mkdir -p .cache
timings=.cache/gate-timings.txt
: > "$timings"
failed=()
for gate in "$@"; do
  printf '\n=== make %s\n' "$gate"
  start=$(date +%s)
  if make --no-print-directory "$gate"; then result=pass; else result=FAIL; failed+=("$gate"); fi
  printf '%-16s %6ss  %s\n' "$gate" "$(( $(date +%s) - start ))" "$result" >> "$timings"
done
printf '\n%-16s %7s  %s\n' gate time result
cat "$timings"
if [ ${#failed[@]} -gt 0 ]; then
  printf '\nmake test: FAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
echo "make test: every gate passed"
