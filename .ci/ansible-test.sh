#!/usr/bin/env bash
# Run ansible-test from a copy of the collection at .../ansible_collections/hwcloud/apig, as it requires.
# Usage: .ci/ansible-test.sh <ansible-test binary> <args...>
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ansible_test=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/hwcloud/apig"
mkdir -p "$dest"
# Tracked and new (not ignored) files: what a clean clone would hold, plus work in progress (a file deleted but not
# yet committed is left out, not an error).
(cd "$repo" && git ls-files -z --cached --others --exclude-standard \
  | python3 -c 'import os, sys; sys.stdout.write("".join(p + "\0" for p in sys.stdin.read().split("\0") if os.path.lexists(p)))' \
  | xargs -0 cp --parents -t "$dest")
# ansible-test bootstraps pip in each of its venvs with get-pip.py from a host outside reach here; every release names
# its own pip version (2.16, 2.17: 23.1.2; 2.18, 2.19: 24.2; 2.20, 2.21: 25.2). Offer the stand-in under each name
# this ansible-test asks for, read from the ansible_test package installed beside it (make sanity: the dev venv's;
# .ci/quality/sanity.sh: its release's venv), so a new release needs no change here.
requirements_code=("$(dirname "$ansible_test")"/../lib/python*/site-packages/ansible_test/_internal/python_requirements.py)
[ -f "${requirements_code[0]}" ] || { echo "ansible-test.sh: no ansible_test package beside $ansible_test" >&2; exit 1; }
pip_versions=$(grep -ho "pip='[0-9.]*'" "${requirements_code[@]}" | cut -d"'" -f2 | sort -u)
[ -n "$pip_versions" ] || { echo "ansible-test.sh: no pip version found in ${requirements_code[*]}" >&2; exit 1; }
for pip_version in $pip_versions; do
  install -D -m 0644 "$repo/.ci/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
done
cd "$dest"
"$ansible_test" "$@"
