#!/usr/bin/env bash
# Build the collection tarball, install it somewhere fresh, and render the docs of every plugin and role from it:
# proves that what users install (not the checkout) is complete and documented.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
ansible-galaxy collection build --force --output-path "$work/dist" . >/dev/null
tarball=$(ls "$work"/dist/hwcloud-apig-*.tar.gz)
echo "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB, $(tar tzf "$tarball" | wc -l) entries)"
if tar tzf "$tarball" | grep -E '(^|/)(\.venv|\.collections|tests/output|__pycache__)/' ; then
  echo "FAIL: the tarball contains build or cache directories" >&2; exit 1
fi
ansible-galaxy collection install --force -p "$work/installed" "$tarball" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$work/installed"
modules=()
for path in plugins/modules/*.py; do modules+=("$(basename "$path" .py)"); done
for module in "${modules[@]}"; do
  ansible-doc "hwcloud.apig.$module" > "$work/doc.txt"
  grep -q "hwcloud.apig.$module" "$work/doc.txt" || { echo "FAIL: ansible-doc hwcloud.apig.$module" >&2; exit 1; }
  echo "ansible-doc hwcloud.apig.$module: $(wc -l < "$work/doc.txt") lines"
done
listed=$(ansible-doc -l hwcloud.apig | wc -l)
[ "$listed" -ge "${#modules[@]}" ] || { echo "FAIL: ansible-doc -l lists $listed modules" >&2; exit 1; }
if [ -d roles ]; then
  for path in roles/*/; do
    role=$(basename "$path")
    ansible-doc -t role "hwcloud.apig.$role" > "$work/role.txt"
    echo "ansible-doc -t role hwcloud.apig.$role: $(wc -l < "$work/role.txt") lines"
  done
fi
echo "build-check: OK"
