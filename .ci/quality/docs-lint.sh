#!/usr/bin/env bash
# antsibull-docs lint-collection-docs --plugin-docs: plugin and role documentation is valid and renders, every
# O()/M()/P() reference resolves. Also checks that docs/ links point at files that exist.
source "$(dirname "$0")/lib.sh"
venv=$(quality_venv docs requirements-quality-docs.txt "$(find_python 3.11)")
cd "$REPO" || exit 1
env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH PATH="$venv/bin:$PATH" \
  antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all .
# Relative links in the Markdown guides (and the README) must point at files of the checkout.
status=0
for doc in README.md docs/*.md; do
  [ -f "$doc" ] || continue
  while IFS= read -r target; do
    path=${target%%#*}
    [ -z "$path" ] && continue
    case "$path" in http://*|https://*|mailto:*) continue ;; esac
    if [ ! -e "$(dirname "$doc")/$path" ]; then echo "$doc: broken link $target" >&2; status=1; fi
  done < <(grep -o '](\([^)]*\))' "$doc" | sed 's/^](\(.*\))$/\1/')
done
[ $status -eq 0 ] && echo "docs-lint: OK"
exit $status
