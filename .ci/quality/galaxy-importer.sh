#!/usr/bin/env bash
# galaxy-importer on the built tarball, as Galaxy / Automation Hub would import it (no container engine needed:
# see galaxy-importer.cfg). Fails on any ERROR line or a non-zero exit.
source "$(dirname "$0")/lib.sh"
venv=$(quality_venv importer requirements-quality-importer.txt "$(find_python 3.11)")
work=$QUALITY_CACHE/importer
rm -rf "$work"; mkdir -p "$work/tmp"
tarball=$(build_tarball "$work/dist" "$venv/bin/ansible-galaxy")
log "galaxy-importer $(basename "$tarball")"
cd "$work" || exit 1
status=0
env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_PYTHON_INTERPRETER PATH="$venv/bin:$PATH" \
  GALAXY_IMPORTER_CONFIG="$REPO/.ci/quality/galaxy-importer.cfg" ANSIBLE_LOCAL_TEMP="$work/tmp" \
  "$venv/bin/python" -m galaxy_importer.main "$tarball" > "$work/importer.log" 2>&1 || status=$?
cat "$work/importer.log"
if [ $status -ne 0 ] || grep -E '^(ERROR|CRITICAL)|Traceback' "$work/importer.log" >/dev/null; then
  echo "galaxy-importer: FAILED (exit $status)" >&2; exit 1
fi
warnings=$(awk '/^WARNING/ {n++} END {print n + 0}' "$work/importer.log")
echo "galaxy-importer: OK ($warnings warnings)"
