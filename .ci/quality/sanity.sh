#!/usr/bin/env bash
# ansible-test sanity with another ansible-core release than the dev venv's (make sanity runs 2.19).
# Usage: .ci/quality/sanity.sh 2.16|2.17|2.18|2.20|2.21 [extra ansible-test sanity args]
# The release comes from requirements-quality-sanity-<release>.txt, installed into .cache/quality/venvs/;
# 2.16-2.19 run on Python 3.11, 2.20+ on Python 3.12 (from PATH, $PYTHON312 or pyenv).
source "$(dirname "$0")/lib.sh"
release=${1:?usage: $0 <ansible-core release, e.g. 2.16> [ansible-test args]}; shift
case "$release" in
  2.1[6-9]) pyver=3.11 ;;
  *) pyver=3.12 ;;
esac
requirements=requirements-quality-sanity-$release.txt
[ -f "$REPO/$requirements" ] || { echo "no $requirements: add one with the exact ansible-core pin" >&2; exit 2; }
python=$(find_python "$pyver")
venv=$(quality_venv "sanity-$release" "$requirements" "$python")
# ansible-test bootstraps pip in each of its venvs with get-pip.py from a host outside reach here; every release names
# its own pip version (2.16: 23.1.2, 2.19: 24.2, 2.20+: 25.2). Offer the stand-in under each name this release uses.
grep -ho "pip='[0-9.]*'" "$venv"/lib/python*/site-packages/ansible_test/_internal/python_requirements.py \
  | cut -d"'" -f2 | sort -u | while read -r pip_version; do
  install -D -m 0644 "$REPO/.ci/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
done
log "ansible-test sanity: ansible-core $("$venv/bin/python" -c 'import ansible; print(ansible.__version__)') on Python $pyver"
# A clean environment: the Makefile's PYTHONPATH/ANSIBLE_* point at the dev venv's ansible-core.
exec env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_PYTHON_INTERPRETER PATH="$venv/bin:$PATH" \
  "$REPO/.ci/ansible-test.sh" "$venv/bin/ansible-test" sanity --venv --python "$pyver" --requirements "$@"
