# shellcheck shell=bash
# Shared helpers of the quality gates (sourced, not run).
#   quality_venv NAME REQUIREMENTS [PYTHON]  -> prints the venv's directory
# A venv lives in $QUALITY_CACHE/venvs/NAME and is rebuilt only when its requirements file or interpreter changes,
# so every gate is idempotent and needs nothing installed but the Python it runs on, with pip and venv (find_python).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QUALITY_CACHE=${QUALITY_CACHE:-$REPO/.cache/quality}
mkdir -p "$QUALITY_CACHE/venvs"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# The interpreter for a Python version: PYTHON<maj><min> (e.g. PYTHON312) if set, then pythonX.Y on PATH, then pyenv.
find_python() {
  local version=$1 var="PYTHON${1/./}" candidate
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  for candidate in "python$version" "$HOME/.pyenv/versions/$version"*/bin/python"$version" \
                   "$(pyenv root 2>/dev/null || echo /nonexistent)/versions/$version"*/bin/python"$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate"; return
    fi
  done
  echo "no Python $version found (set $var or install it with pyenv)" >&2
  return 1
}

quality_venv() {
  local name=$1 requirements=$REPO/$2 python=${3:-python3}
  local dir=$QUALITY_CACHE/venvs/$name
  local stamp
  stamp=$( { "$python" -c 'import sys; print(sys.version)'; cat "$requirements"; } | sha256sum | cut -c1-16)
  if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "creating venv $name from $2 (python: $python)"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    # (pip's complaints about find-links directories that do not exist on this machine are noise: filtered)
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" 2>&1 \
      | sed "/^WARNING: Location '.*' is ignored/d" >&2
    echo "$stamp" > "$dir/.stamp"
  fi
  echo "$dir"
}

# Build the collection tarball from the checkout into DIR; prints its path.
build_tarball() {
  local out=$1 galaxy=${2:-ansible-galaxy}
  mkdir -p "$out"
  rm -f "$out"/hwcloud-apig-*.tar.gz
  (cd "$REPO" && "$galaxy" collection build --force --output-path "$out" . >/dev/null)
  ls "$out"/hwcloud-apig-*.tar.gz
}
