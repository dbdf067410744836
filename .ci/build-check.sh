#!/usr/bin/env bash
# Build the collection tarball, install it somewhere fresh, and render the docs of every module from it:
# proves that what users install (not the checkout) is complete and documented. The role's documentation is
# rendered from an installed tarball and checked variable by variable by .ci/quality/role-doc.sh (make role-doc).
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
# Only what a user runs or reads (galaxy.yml build_ignore keeps the rest out): a dev-only file that slips back in
# - a linter's config, a pytest file, a molecule scenario, a cache - fails the build check.
allowed='^(MANIFEST\.json|FILES\.json|README\.md|CHANGELOG\.rst|SECURITY\.md|LICENSE|COPYING|bindep\.txt|requirements\.txt'
allowed+='|meta/[^/]+\.yml|plugins/.+\.(py|yml)|docs/.+\.(md|yml)|examples/[^/]+\.yml|changelogs/(changelog|config)\.yaml'
allowed+='|roles/[^/]+/(README\.md|(defaults|meta|tasks|handlers|templates|files|vars)/.+)'
allowed+='|tests/__init__\.py|tests/(emulator|loopback)/[^/]+\.(py|yml|md))$'
dev_only='(^|/)(conftest\.py|fixtures\.py|molecule|__pycache__|\.[^/]+)(/|$)'
tar tzf "$tarball" | grep -v '/$' > "$work/files.txt"
strays=$(awk -v allowed="$allowed" '$0 !~ allowed' "$work/files.txt")
dev=$(awk -v dev="$dev_only" '$0 ~ dev' "$work/files.txt")
if [ -n "$strays$dev" ]; then
  printf 'FAIL: the tarball ships files a user does not need (add them to build_ignore in galaxy.yml):\n%s\n' \
    "$(printf '%s\n%s\n' "$strays" "$dev" | sort -u | sed '/^$/d')" >&2
  exit 1
fi
for needed in tests/emulator/__main__.py tests/emulator/example-config.yml tests/loopback/listeners.py \
    docs/quickstart.md docs/examples/first-gate.yml requirements.txt bindep.txt; do
  grep -qxF "$needed" "$work/files.txt" || { echo "FAIL: the tarball lacks $needed" >&2; exit 1; }
done
echo "tarball: only what a user needs ($(wc -l < "$work/files.txt") files)"
ansible-galaxy collection install --force -p "$work/installed" "$tarball" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$work/installed"
modules=()
for path in plugins/modules/*.py; do modules+=("$(basename "$path" .py)"); done
for module in "${modules[@]}"; do
  ansible-doc "hwcloud.apig.$module" > "$work/doc.txt"
  grep -q "hwcloud.apig.$module" "$work/doc.txt" || { echo "FAIL: ansible-doc hwcloud.apig.$module" >&2; exit 1; }
  echo "ansible-doc hwcloud.apig.$module: $(wc -l < "$work/doc.txt") lines"
done
# The emulator runs from the installed collection, as docs/quickstart.md runs it.
(cd "$work/installed/ansible_collections/hwcloud/apig" && env -u PYTHONPATH python -m tests.emulator --help >/dev/null) \
  || { echo "FAIL: python -m tests.emulator does not start from the installed collection" >&2; exit 1; }
echo "emulator: starts from the installed collection"
listed=$(ansible-doc -l hwcloud.apig | wc -l)
[ "$listed" -ge "${#modules[@]}" ] || { echo "FAIL: ansible-doc -l lists $listed modules" >&2; exit 1; }
echo "build-check: OK"
