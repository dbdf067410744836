#!/usr/bin/env bash
# The execution environment's base image, made on this machine because no container registry is reachable here:
# a minimal Debian (debootstrap --variant=minbase) with python3, python3-venv and ca-certificates, and a venv at
# /opt/ee-python, first on PATH. ansible-builder's pip_install step runs `python -m ensurepip`, which Debian disables
# for the system Python; the venv has it. No pip from Debian (with its recommends it made a 1 GB image): the venv's
# own pip is enough, and PIP_CERT points pip at the system trust store, as the rest of the image uses it.
#
# Cached: the image is tagged with a hash of this recipe (this file, the Debian suite, the mirror and the
# architecture) and reused while one with that tag exists; images of older recipes are removed.
# Prints the image name on stdout. Needs root, podman and debootstrap (.ci/run installs them).
set -euo pipefail
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

repository=localhost/hwcloud-apig-ee-base
suite=${EE_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}
# The Debian mirror this machine's apt uses (EE_DEBIAN_MIRROR overrides): the first .../debian URI of its sources.
mirror=${EE_DEBIAN_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -v '^[[:space:]]*#' | grep -oE '(https?://[^ ]+/debian)/?( |$)' | head -n1 | tr -d ' ' | sed 's:/$::' || true)}
[ -n "$mirror" ] || { echo "base-image: no Debian mirror in /etc/apt/sources*; set EE_DEBIAN_MIRROR" >&2; exit 1; }
arch=$(dpkg --print-architecture)
tag=$suite-$( { cat "$0"; echo "$suite $mirror $arch"; } | sha256sum | cut -c1-12)
image=$repository:$tag

# One build at a time on this machine (two CI runs would otherwise both debootstrap the same recipe).
exec 9>/var/lock/hwcloud-apig-ee-base.lock
flock 9
if podman image exists "$image"; then
  log "base image $image: reused (built $(podman image inspect --format '{{.Created}}' "$image" | cut -c1-19))"
  echo "$image"; exit 0
fi

log "base image $image: debootstrap $suite from $mirror"
work=$(mktemp -d /var/tmp/hwcloud-apig-ee-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$suite" "$rootfs" "$mirror" \
  > "$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
chroot "$rootfs" /usr/bin/python3 -m venv /opt/ee-python
# Lean: no package lists, caches, documentation or translations in the image.
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* "$rootfs"/var/cache/debconf/*-old \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
tar -C "$rootfs" -c . | podman import --quiet \
  --change 'ENV PATH=/opt/ee-python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
  --message "hwcloud.apig EE base: debootstrap $suite minbase + python3-venv" - "$image" >/dev/null
# Older recipes' base images are of no further use on this machine.
for old in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$repository" | grep -v ":$tag\$" || true); do
  podman rmi "$old" >/dev/null 2>&1 || true
done
log "base image $image: built ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
echo "$image"
