# shellcheck shell=bash
# Sourced by tests/run.sh and tests/demo.sh: create or reuse the tool virtualenv.
# DSOPS_WORK (default ~/.cache/dsops-cloud) holds it, outside the repository so that
# no linter or build walks it.
DSOPS_WORK=${DSOPS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/dsops-cloud}
DSOPS_VENV=${DSOPS_VENV:-$DSOPS_WORK/venv}
DSOPS_PYTHON=${DSOPS_PYTHON:-python3}
DSOPS_REQUIREMENTS=${DSOPS_REQUIREMENTS:-$(dirname "${BASH_SOURCE[0]}")/requirements.txt}

dsops_venv() {
  mkdir -p "$DSOPS_WORK"
  if [ ! -x "$DSOPS_VENV/bin/python" ]; then
    "$DSOPS_PYTHON" -m venv "$DSOPS_VENV" || {
      echo "Could not create a virtualenv with $DSOPS_PYTHON (on Debian: apt-get install python3-venv)." >&2
      return 1
    }
  fi
  # Reinstall only when the pinned requirements changed since the last install.
  local stamp="$DSOPS_VENV/.requirements.sha256" want
  want=$(sha256sum "$DSOPS_REQUIREMENTS" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$DSOPS_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$DSOPS_REQUIREMENTS" || return 1
    echo "$want" > "$stamp"
  fi
  # shellcheck disable=SC1091
  source "$DSOPS_VENV/bin/activate"
}
