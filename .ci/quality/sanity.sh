#!/usr/bin/env bash
# ansible-test sanity with another ansible-core release than the dev venv's (make sanity runs 2.19).
# Usage: .ci/quality/sanity.sh 2.16|2.17|2.18|2.20|2.21 [extra ansible-test sanity args]
# The release comes from requirements-quality-sanity-<release>.txt, installed into .cache/quality/venvs/;
# 2.16-2.19 run on Python 3.11, 2.20+ on Python 3.12 ($PYTHON312, else python3.12 on PATH, else pyenv: find_python).
# .ci/ansible-test.sh places the get-pip stand-in under the names this release's ansible-test asks for.
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
log "ansible-test sanity: ansible-core $("$venv/bin/python" -c 'import ansible; print(ansible.__version__)') on Python $pyver"
# A clean environment: the Makefile's PYTHONPATH/ANSIBLE_* point at the dev venv's ansible-core.
exec env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_PYTHON_INTERPRETER PATH="$venv/bin:$PATH" \
  "$REPO/.ci/ansible-test.sh" "$venv/bin/ansible-test" sanity --venv --python "$pyver" --requirements "$@"
