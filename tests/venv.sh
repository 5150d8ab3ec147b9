# shellcheck shell=bash
# Sourced by tests/run.sh and tests/demo.sh: create or reuse a virtualenv.
#   dsops_venv       the development toolchain (tests/requirements.txt), for tests/run.sh
#   dsops_demo_venv  only what runs playbooks (tests/requirements-demo.txt), for the demo
# DSOPS_WORK (default ~/.cache/dsops-cloud) holds them, outside the repository so that
# no linter or build walks them.
DSOPS_WORK=${DSOPS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/dsops-cloud}
DSOPS_VENV=${DSOPS_VENV:-$DSOPS_WORK/venv}
DSOPS_PYTHON=${DSOPS_PYTHON:-python3}
DSOPS_REQUIREMENTS=${DSOPS_REQUIREMENTS:-$(dirname "${BASH_SOURCE[0]}")/requirements.txt}
DSOPS_DEMO_VENV=${DSOPS_DEMO_VENV:-$DSOPS_WORK/demo-venv}
DSOPS_DEMO_REQUIREMENTS=$(dirname "${BASH_SOURCE[0]}")/requirements-demo.txt

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

# "ansible-core 2.19.14, requests 2.34.2": what a requirements file pins, for a progress line.
dsops_pinned_names() {
  sed -n 's/^\([A-Za-z0-9_.-]*\)==\([^ ;#]*\).*/\1 \2/p' "$1" | paste -sd, - | sed 's/,/, /g'
}

# The host's pip can install into a venv made without pip (pip >= 22.3, --python): that skips
# ensurepip, about half of a cold start.  Without such a pip, the venv gets its own.
dsops_host_pip_can_target() {
  "$DSOPS_PYTHON" -m pip --help 2>/dev/null | grep -q -- '--python <python>'
}

dsops_demo_venv() {
  mkdir -p "$DSOPS_WORK"
  local stamp="$DSOPS_DEMO_VENV/.requirements.sha256" want
  want=$(sha256sum "$DSOPS_DEMO_REQUIREMENTS" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "preparing the demo's virtualenv ($(dsops_pinned_names "$DSOPS_DEMO_REQUIREMENTS")) in $DSOPS_DEMO_VENV: about 10 s, once"
    dsops_demo_venv_install || {
      echo "Could not prepare $DSOPS_DEMO_VENV: it needs $DSOPS_PYTHON with venv (on Debian: apt-get install python3-venv)" \
           "and access to the package index (PyPI)." >&2
      return 1
    }
    echo "$want" > "$stamp"
  fi
  # shellcheck disable=SC1091
  source "$DSOPS_DEMO_VENV/bin/activate"
}

dsops_demo_venv_install() {
  local pip_args=(install -qq --disable-pip-version-check -r "$DSOPS_DEMO_REQUIREMENTS")
  if dsops_host_pip_can_target; then
    [ -x "$DSOPS_DEMO_VENV/bin/python" ] || "$DSOPS_PYTHON" -m venv --without-pip "$DSOPS_DEMO_VENV" || return 1
    "$DSOPS_PYTHON" -m pip --python "$DSOPS_DEMO_VENV/bin/python" "${pip_args[@]}"
  else
    [ -x "$DSOPS_DEMO_VENV/bin/pip" ] || "$DSOPS_PYTHON" -m venv "$DSOPS_DEMO_VENV" || return 1
    "$DSOPS_DEMO_VENV/bin/python" -m pip "${pip_args[@]}"
  fi
}
