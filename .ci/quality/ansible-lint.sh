#!/usr/bin/env bash
# ansible-lint --profile production over the whole collection, with no findings (config: .ansible-lint, .yamllint).
# The checkout is made resolvable as hwcloud.apig through the .collections symlink tree (as `make` does), so the
# modules, the role and module_defaults' group/hwcloud.apig.apig are really resolved by ansible-playbook --syntax-check.
source "$(dirname "$0")/lib.sh"
venv=$(quality_venv lint requirements-quality-lint.txt "$(find_python 3.11)")
link=$REPO/.collections/ansible_collections/hwcloud/apig
[ -e "$link" ] || { mkdir -p "$(dirname "$link")"; ln -sfn ../../.. "$link"; }
cd "$REPO" || exit 1
env -u PYTHONPATH ANSIBLE_COLLECTIONS_PATH="$REPO/.collections" PATH="$venv/bin:$PATH" NO_COLOR=1 \
  ansible-lint --profile production --offline --nocolor "$@"
