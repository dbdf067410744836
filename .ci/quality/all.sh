#!/usr/bin/env bash
# Every quality gate, one after the other, with a table of durations and results at the end.
# Usage: .ci/quality/all.sh [--fast]   (--fast: without the two ansible-test sanity runs)
# Exit status: 0 when every gate passed. Logs: .cache/quality/logs/<gate>.log
source "$(dirname "$0")/lib.sh"
gates=(ansible-lint docs-lint changelog-lint role-doc galaxy-importer ee-check)
[ "${1:-}" = "--fast" ] || gates+=("sanity.sh 2.16" "sanity.sh 2.21")
mkdir -p "$QUALITY_CACHE/logs"
summary=()
failed=0
for gate in "${gates[@]}"; do
  script=${gate%% *}; script=${script%.sh}.sh
  args=${gate#"${gate%% *}"}
  name=$(echo "${gate%.sh}" | tr ' ' '-' | sed 's/\.sh//')
  start=$(date +%s)
  # shellcheck disable=SC2086
  if "$REPO/.ci/quality/$script" $args > "$QUALITY_CACHE/logs/$name.log" 2>&1; then result=pass; else result=FAIL; failed=1; fi
  seconds=$(( $(date +%s) - start ))
  printf '%s\t%ss\t%s\t%s\n' "$name" "$seconds" "$result" "$(date -u +%FT%TZ)" >> "$QUALITY_CACHE/timings.txt"
  summary+=("$(printf '%-16s %6ss  %s' "$name" "$seconds" "$result")")
  log "$name: $result in ${seconds}s (log: .cache/quality/logs/$name.log)"
done
printf '\n%-16s %7s  %s\n' gate time result
printf '%s\n' "${summary[@]}"
exit $failed
