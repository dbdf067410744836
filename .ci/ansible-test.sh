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
# ansible-test bootstraps pip with a script it downloads; offer it the stand-in for every pip version it may ask for.
for version in 24_2 25_2; do
  install -D -m 0644 "$repo/.ci/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${version}.py"
done
cd "$dest"
"$ansible_test" "$@"
