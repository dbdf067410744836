#!/usr/bin/env bash
# The execution environment: `ansible-builder create` from docs/examples/execution-environment.yml with the collection
# tarball built from this checkout yields a valid build context, and ansible-builder's own introspection of the
# installed collection finds its dependencies (requests; ca-certificates). No container engine is needed or used.
source "$(dirname "$0")/lib.sh"
venv=$(quality_venv builder requirements-quality-builder.txt "$(find_python 3.11)")
work=$QUALITY_CACHE/ee
rm -rf "$work"; mkdir -p "$work/definition"
export PATH="$venv/bin:$PATH"
unset PYTHONPATH ANSIBLE_COLLECTIONS_PATH
tarball=$(build_tarball "$work/definition" "$venv/bin/ansible-galaxy")
name=$(basename "$tarball")
# The example definition names the tarball of the current version: keep the two in step.
sed "s/hwcloud-apig-[0-9][0-9.]*\.tar\.gz/$name/g" "$REPO/docs/examples/execution-environment.yml" > "$work/definition/execution-environment.yml"
cd "$work/definition" || exit 1
ansible-builder create -f execution-environment.yml -c "$work/context" --output-filename Containerfile -v 2

fail() { echo "ee-check: FAIL: $*" >&2; exit 1; }
context=$work/context
[ -s "$context/Containerfile" ] || fail "no Containerfile in the build context"
[ -s "$context/_build/collections/$name" ] || fail "the collection tarball is not in the build context"
grep -q "$name" "$context/_build/requirements.yml" || fail "_build/requirements.yml does not install $name"
grep -q 'ansible-galaxy collection install' "$context/Containerfile" || fail "the Containerfile installs no collection"
grep -q 'introspect' "$context/Containerfile" || fail "the Containerfile does not introspect collection dependencies"
grep -q 'COPY _build/collections/ /build/collections/' "$context/Containerfile" || fail "the tarball is not copied into the galaxy stage"

# What the build's introspection step will find: install the tarball as the galaxy stage does, then introspect it.
env -u ANSIBLE_COLLECTIONS_PATH ansible-galaxy collection install --force -p "$work/installed" "$tarball" >/dev/null
ansible-builder introspect --sanitize "$work/installed" > "$work/introspect.txt"
cat "$work/introspect.txt"
grep -q "^- 'requests.*from collection hwcloud.apig'" "$work/introspect.txt" || fail "introspection finds no requests for hwcloud.apig"
grep -q "^- 'ca-certificates.*from collection hwcloud.apig'" "$work/introspect.txt" || fail "introspection finds no ca-certificates for hwcloud.apig"
echo "ee-check: OK (context in $context)"
