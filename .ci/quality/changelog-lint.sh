#!/usr/bin/env bash
# antsibull-changelog lint: every fragment under changelogs/fragments/ is valid (and, after a release, changelog.yaml).
source "$(dirname "$0")/lib.sh"
venv=$(quality_venv lint requirements-quality-lint.txt "$(find_python 3.11)")
cd "$REPO" || exit 1
"$venv/bin/antsibull-changelog" lint "$@"
# A release summary must be waiting for the next `antsibull-changelog release`, unless the version is released.
version=$(sed -n 's/^version: *//p' galaxy.yml)
if ! grep -q "^  $version:" changelogs/changelog.yaml 2>/dev/null && ! grep -lq '^release_summary:' changelogs/fragments/*.y*ml; then
  echo "changelog-lint: version $version is unreleased but no fragment has a release_summary" >&2; exit 1
fi
echo "changelog-lint: OK"
