#!/usr/bin/env bash
# Build the execution environment image with ansible-builder 3 and podman: the Debian base of base-image.sh (cached
# between runs), then docs/examples/execution-environment-debian.yml with the collection tarball built from this
# checkout. The image itself is always built afresh (--no-cache): its collection layer comes from this commit.
# Prints the image name on stdout; the build log is .cache/ee/build.log, timings go to .cache/ee/timings.txt.
source "$(dirname "$0")/../quality/lib.sh"
venv=$(quality_venv builder requirements-quality-builder.txt "$(find_python 3.11)")
work=$REPO/.cache/ee
mkdir -p "$work"
rm -rf "$work/definition" "$work/context"; mkdir -p "$work/definition"
export PATH="$venv/bin:$PATH"
unset PYTHONPATH ANSIBLE_COLLECTIONS_PATH

started=$(date +%s)
base=$("$REPO/.ci/ee/base-image.sh")
base_done=$(date +%s)

tarball=$(build_tarball "$work/definition" "$venv/bin/ansible-galaxy")
name=$(basename "$tarball")
version=$(sed -n 's/^version: *//p' "$REPO/galaxy.yml")
revision=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$REPO" status --porcelain 2>/dev/null)" ]; then revision=$revision-dirty; fi
image=localhost/hwcloud-apig-ee:$version-$revision
sed -e "s|hwcloud-apig-[0-9][0-9.]*\.tar\.gz|$name|g" \
    -e "s|name: localhost/hwcloud-apig-ee-base:.*|name: $base|" \
    "$REPO/docs/examples/execution-environment-debian.yml" > "$work/definition/execution-environment.yml"
grep -q "name: $base\$" "$work/definition/execution-environment.yml" || { echo "ee build: base image not substituted" >&2; exit 1; }

# pip inside the build reaches PyPI through the host network and trusts the host's CA bundle, mounted read-only
# for the RUN steps only (it is not in any layer).
extra="--network host --no-cache"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  extra="$extra -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro"
fi
dangling_before=$(podman images -q --filter dangling=true | sort)
log "ansible-builder build $image (base $base, $name)"
(cd "$work/definition" && ansible-builder build -f execution-environment.yml -c "$work/context" -t "$image" \
   --container-runtime podman --build-arg PKGMGR_PRESERVE_CACHE=always --extra-build-cli-args "$extra" -v 2) \
   > "$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; echo "ee build: FAILED (log: .cache/ee/build.log)" >&2; exit 1; }
podman tag "$image" localhost/hwcloud-apig-ee:latest
# The stages' intermediate images of this build are of no further use.
for id in $(comm -13 <(echo "$dangling_before") <(podman images -q --filter dangling=true | sort)); do
  podman rmi "$id" >/dev/null 2>&1 || true
done
# Older builds of this repository's image (other commits) are removed; the current one and :latest stay.
for old in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter reference=localhost/hwcloud-apig-ee \
             | grep -vE ":($version-$revision|latest)\$" || true); do
  podman rmi "$old" >/dev/null 2>&1 || true
done
finished=$(date +%s)
size=$(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')
base_size=$(podman image inspect --format '{{.Size}}' "$base" | awk '{printf "%.0f MB", $1/1e6}')
printf '%s\tbase %ss\timage %ss\ttotal %ss\t%s\t%s (base %s)\n' "$(date -u +%FT%TZ)" "$((base_done - started))" \
  "$((finished - base_done))" "$((finished - started))" "$image" "$size" "$base_size" >> "$work/timings.txt"
log "built $image: $size (base $base: $base_size); base $((base_done - started))s, image $((finished - base_done))s"
echo "$image"
