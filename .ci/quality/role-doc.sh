#!/usr/bin/env bash
# ansible-doc -t role for every role, from the installed tarball: the entry point and every variable of
# meta/argument_specs.yml are shown (what `ansible-doc -t role hwcloud.apig.backend_gate` prints to users).
source "$(dirname "$0")/lib.sh"
venv=$(quality_venv lint requirements-quality-lint.txt "$(find_python 3.11)")
work=$QUALITY_CACHE/role-doc
rm -rf "$work"; mkdir -p "$work"
unset PYTHONPATH
tarball=$(build_tarball "$work/dist" "$venv/bin/ansible-galaxy")
# --force, and without ANSIBLE_COLLECTIONS_PATH: a copy from an earlier run, or the checkout found through that
# variable, must not make the install a silent no-op.
env -u ANSIBLE_COLLECTIONS_PATH "$venv/bin/ansible-galaxy" collection install --force -p "$work/installed" "$tarball" >/dev/null
export ANSIBLE_COLLECTIONS_PATH=$work/installed ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
roles=$(find "$REPO/roles" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
[ -n "$roles" ] || { echo "role-doc: no role under roles/" >&2; exit 1; }
status=0
for role in $roles; do
  spec=$REPO/roles/$role/meta/argument_specs.yml
  [ -f "$spec" ] || { echo "role-doc: roles/$role has no meta/argument_specs.yml" >&2; status=1; continue; }
  "$venv/bin/ansible-doc" -t role "hwcloud.apig.$role" > "$work/$role.txt" 2> "$work/$role.err" || {
    cat "$work/$role.err" >&2; status=1; continue; }
  # Every option of every entry point of the spec must appear in the rendered documentation.
  missing=$("$venv/bin/python" - "$spec" "$work/$role.txt" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))["argument_specs"]
text = open(sys.argv[2]).read()
for entry, data in spec.items():
    if "ENTRY POINT: %s" % entry not in text and "ENTRY POINT: *%s*" % entry not in text:
        print("entry point %s" % entry)
    for option in (data.get("options") or {}):
        if option not in text:
            print("option %s" % option)
PY
)
  if [ -n "$missing" ]; then echo "role-doc: ansible-doc -t role hwcloud.apig.$role lacks: $missing" >&2; status=1; continue; fi
  if grep -qi "warning" "$work/$role.err"; then cat "$work/$role.err" >&2; status=1; continue; fi
  echo "role-doc: hwcloud.apig.$role OK ($(wc -l < "$work/$role.txt") lines)"
done
exit $status
