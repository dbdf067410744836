#!/usr/bin/env bash
# make ee: build the execution environment image (.ci/ee/build.sh) and run the gate in it -- podman run, pass and
# fail, and ansible-runner with and without --process-isolation (tests/ee/).
#
# Where podman cannot be used (not installed, not root for debootstrap, `podman info` failing) it prints
# "ee: skipped: <reason>" and succeeds -- unless HWCLOUD_APIG_REQUIRE_TOOLS=1 (.ci/run sets it), which makes
# that a failure: CI must build and run the image.
source "$(dirname "$0")/../quality/lib.sh"
cd "$REPO" || exit 1

unusable() {
  command -v podman >/dev/null || { echo "podman is not installed (apt-get install podman runc; .ci/run does as root)"; return; }
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed (it makes the base image; apt-get install debootstrap)"; return; }
  [ "$(id -u)" = 0 ] || { echo "not root: debootstrap and podman's storage for the base image need root"; return; }
  local info
  info=$(podman info 2>&1 >/dev/null) || { echo "podman info fails: $(echo "$info" | head -n1)"; return; }
}
reason=$(unusable)
if [ -n "$reason" ]; then
  if [ "${HWCLOUD_APIG_REQUIRE_TOOLS:-}" = 1 ]; then
    echo "ee: FAILED: $reason, and HWCLOUD_APIG_REQUIRE_TOOLS=1 requires the EE build" >&2; exit 1
  fi
  echo "ee: skipped: $reason"; exit 0
fi

started=$(date +%s)
image=$("$REPO/.ci/ee/build.sh")
built=$(date +%s)
log "the gate in $image: podman run and ansible-runner (tests/ee)"
HWCLOUD_APIG_EE_IMAGE=$image "$REPO/.venv/bin/pytest" tests/ee -q -p no:cacheprovider -n 2
finished=$(date +%s)
log "ee: image build $((built - started))s, gate runs $((finished - built))s, total $((finished - started))s"
