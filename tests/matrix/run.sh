#!/usr/bin/env bash
# The ansible-core matrix: the smoke suite (tests/matrix/smoke.yml) against the sandbox on the newest patch
# of every supported ansible-core minor, from meta/runtime.yml's requires_ansible to the newest release on
# the package index, so a new minor joins the day it is released.
#   bash tests/matrix/run.sh             every supported minor
#   bash tests/matrix/run.sh 2.16 2.21   only these minors
# Run it from the collection root (or anywhere: it finds the tree from its own path).  Each version gets
# its own virtualenv under $DSOPS_WORK/matrix, reused while it holds the wanted versions, and installs the
# collection's tarball with its own ansible-galaxy.  DSOPS_MATRIX_JOBS (default 2) versions run at a time;
# each one's output goes to $DSOPS_WORK/matrix/logs/ansible-core-<version>.log.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/venv.sh
source "$REPO/tests/venv.sh"  # for DSOPS_WORK: the matrix lives beside the dev venv

MATRIX=$DSOPS_WORK/matrix
LOGS=$MATRIX/logs
JOBS=${DSOPS_MATRIX_JOBS:-2}
PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv}
# Every core from 2.16 to 2.19 runs its controller on 3.11, the Python the collection is developed on;
# a core that no longer accepts it runs on the oldest newer Python its requires_python accepts.
FLOOR_PYTHON_MINOR=11
REQUESTS_VERSION=$(grep -oP '^requests==\K\S+' "$REPO/tests/requirements.txt")
MIN_CORE_MINOR=$(grep -oP '^requires_ansible:\s*["'\'']?>=\s*2\.\K[0-9]+' "$REPO/meta/runtime.yml")

# This run's scratch space (port files, results, temporary files), removed at exit; nothing goes to /tmp.
RUN=$MATRIX/run.$$
export TMPDIR=$RUN/tmp
declare -A PYTHON_PATH=()      # "3.11" -> interpreter found on this machine
declare -A PYTHON_FOR=()       # "2.16.19" -> interpreter its venv uses, or empty when none fits
declare -A PYTHON_MISSING=()   # "2.16.19" -> why no interpreter fits
declare -A PYTHON_NEEDED=()    # "2.16.19" -> the oldest Python minor it may run on
VERSIONS=()

descendants() {  # PID: every process PID started, and theirs
  local child
  for child in $(pgrep -P "$1"); do
    echo "$child"
    descendants "$child"
  done
}

cleanup() {  # on an interrupted run, the jobs' ansible-playbook and sandboxes too, not only the jobs
  local job pids=()
  for job in $(jobs -p); do
    mapfile -t -O "${#pids[@]}" pids < <(echo "$job"; descendants "$job")
  done
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Pythons ---------------------------------------------------------------------------------------

find_python() {  # MINOR: the newest pyenv 3.MINOR.N, else python3.MINOR on PATH; empty when neither runs
  local minor=$1 candidate
  while IFS= read -r candidate; do
    # a pyenv shim for a version that is not selected is on PATH but fails when run
    if [ -n "$candidate" ] && "$candidate" -c 'import venv' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done < <(find "$PYENV_ROOT/versions" -maxdepth 1 -regex ".*/3\.$minor\.[0-9]+" 2>/dev/null | sort -rV |
             sed "s|\$|/bin/python3.$minor|"
           command -v "python3.$minor" 2>/dev/null)
}

find_pythons() {
  local minor path
  for minor in $(seq "$FLOOR_PYTHON_MINOR" 40); do
    path=$(find_python "$minor")
    [ -n "$path" ] && PYTHON_PATH[3.$minor]=$path
  done
  [ ${#PYTHON_PATH[@]} -gt 0 ] && return 0
  echo "no Python 3.$FLOOR_PYTHON_MINOR or newer found (looked in $PYENV_ROOT/versions and for python3.X on PATH):" \
       "install one, for example: pyenv install 3.$FLOOR_PYTHON_MINOR" >&2
  return 1
}

index_python() {  # the newest Python found whose pip can read the package index
  local minor
  for minor in $(printf '%s\n' "${!PYTHON_PATH[@]}" | sort -rV); do
    "${PYTHON_PATH[$minor]}" -m pip --version >/dev/null 2>&1 && { echo "${PYTHON_PATH[$minor]}"; return 0; }
  done
  echo "none of the Pythons found has pip, needed to read the package index: ${PYTHON_PATH[*]}" >&2
  return 1
}

python_version() {  # PYTHON: its full version, such as 3.11.7
  "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])'
}

# ---- versions --------------------------------------------------------------------------------------

index_releases() {  # PIP-ARGS...: the final ansible-core releases the package index offers, one per line
  local out
  out=$("$INDEX_PYTHON" -m pip index versions ansible-core --disable-pip-version-check "$@" 2>"$RUN/pip-index.err") || {
    echo "could not list ansible-core on the package index (pip index versions ansible-core $*):" >&2
    cat "$RUN/pip-index.err" >&2
    return 1
  }
  sed -n 's/^Available versions: //p' <<<"$out" | tr -d ' ' | tr ',' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$'
}

newest_patches() {  # < releases: the newest patch of every 2.X minor from 2.MIN_CORE_MINOR, oldest first
  sort -t. -k1,1n -k2,2n -k3,3n |
    awk -F. -v min="$MIN_CORE_MINOR" '$1 == 2 && $2 >= min { newest[$2] = $0 } END { for (m in newest) print newest[m] }' |
    sort -t. -k2,2n
}

select_versions() {  # MINOR...: keep only these minors (all when none is given)
  local wanted=" $* " v kept=()
  [ $# -eq 0 ] && return 0
  for v in "${VERSIONS[@]}"; do
    [[ $wanted == *" ${v%.*} "* ]] && kept+=("$v")
  done
  VERSIONS=("${kept[@]}")
  [ ${#VERSIONS[@]} -gt 0 ] || { echo "none of the minors $* is supported and released" >&2; return 1; }
}

oldest_accepting_python() {  # VERSION: the oldest Python 3.M (M >= floor) whose pip may install it
  local version=$1 minor
  for minor in $(seq "$FLOOR_PYTHON_MINOR" 40); do
    [ -f "$RUN/accepted-3.$minor" ] || index_releases --python-version "3.$minor" > "$RUN/accepted-3.$minor" || return 1
    grep -qxF "$version" "$RUN/accepted-3.$minor" && { echo "3.$minor"; return 0; }
  done
  echo "no Python up to 3.40 accepts ansible-core $version" >&2
  return 1
}

choose_python() {  # VERSION: set PYTHON_FOR, or PYTHON_MISSING with the Python it needs
  local version=$1 needed candidate
  needed=$(oldest_accepting_python "$version") || return 1
  PYTHON_NEEDED[$version]=$needed
  if [ "$needed" = "3.$FLOOR_PYTHON_MINOR" ]; then
    PYTHON_FOR[$version]=${PYTHON_PATH[$needed]:-}
    [ -n "${PYTHON_FOR[$version]}" ] && return 0
    PYTHON_MISSING[$version]="needs Python $needed"
    return 0
  fi
  for candidate in $(printf '%s\n' "${!PYTHON_PATH[@]}" | sort -V); do
    if [ "$(printf '%s\n' "$needed" "$candidate" | sort -V | head -n 1)" = "$needed" ]; then
      PYTHON_FOR[$version]=${PYTHON_PATH[$candidate]}
      return 0
    fi
  done
  PYTHON_FOR[$version]=""
  PYTHON_MISSING[$version]="needs a Python >= $needed"
}

resolve_versions() {  # MINOR...: VERSIONS, each with its Python
  local releases version
  INDEX_PYTHON=$(index_python) || return 1
  releases=$(index_releases --ignore-requires-python) || return 1
  mapfile -t VERSIONS < <(newest_patches <<<"$releases")
  [ ${#VERSIONS[@]} -gt 0 ] || { echo "the package index lists no ansible-core 2.$MIN_CORE_MINOR or newer" >&2; return 1; }
  select_versions "$@" || return 1
  for version in "${VERSIONS[@]}"; do
    choose_python "$version" || return 1
  done
}

# ---- per-version work (each runs in a background job; results go to $RUN/<version>.status) ---------

record() {  # VERSION PHASE STATUS SECONDS
  echo "$2 $3 $4" >> "$RUN/$1.status"
  printf '  ansible-core %-9s %-6s %-7s %3ss\n' "$1" "$2" "$3" "$4"
}

venv_of() { echo "$MATRIX/core-${1%.*}"; }

venv_pins() {  # VERSION PYTHON: what a venv holds, to tell whether it can be reused
  echo "python=$2 ($(python_version "$2")) ansible-core==$1 requests==$REQUESTS_VERSION"
}

ensure_venv() {  # VERSION: its virtualenv, created or reused
  local version=$1 python=${PYTHON_FOR[$1]} venv pins
  venv=$(venv_of "$version")
  pins=$(venv_pins "$version" "$python")
  if [ -x "$venv/bin/ansible-playbook" ] && [ "$(cat "$venv/.matrix-pins" 2>/dev/null)" = "$pins" ]; then
    echo "reusing $venv: $pins"
    return 0
  fi
  echo "creating $venv: $pins"
  rm -rf "$venv"
  # Half the time of a venv goes to seeding it with its own pip and byte-compiling every file of
  # ansible-core: install with the index Python's pip instead, and compile only what runs, on first use.
  "$python" -m venv --without-pip "$venv" &&
    "$INDEX_PYTHON" -m pip --python "$venv/bin/python" install -q --disable-pip-version-check --no-compile \
      "ansible-core==$version" "requests==$REQUESTS_VERSION" &&
    echo "$pins" > "$venv/.matrix-pins"
}

prepare_version() {  # VERSION
  local version=$1 t=$SECONDS
  if [ -z "${PYTHON_FOR[$version]}" ]; then
    echo "ansible-core $version ${PYTHON_MISSING[$version]}: none found in $PYENV_ROOT/versions or on PATH" \
         "(install it, for example: pyenv install ${PYTHON_NEEDED[$version]})" >> "$LOGS/ansible-core-$version.log"
    record "$version" setup FAILED 0
    return 1
  fi
  if ensure_venv "$version" >> "$LOGS/ansible-core-$version.log" 2>&1; then
    record "$version" setup ok $((SECONDS - t))
  else
    record "$version" setup FAILED $((SECONDS - t))
    return 1
  fi
}

start_sandbox() {  # DIR PYTHON: a fresh sandbox for one version, its HW_* / FEISHU_* / SANDBOX_* exported
  local dir=$1 python=$2 owner=$BASHPID exports
  SANDBOX=("$python" "$REPO/tests/sandbox/server.py" --pid-file "$dir/sandbox.pid")
  # --parent-pid stops it if this job dies without its trap (this job's own pid: not the $(...) subshell's)
  exports=$("${SANDBOX[@]}" --background --job-duration 0.2 --parent-pid "$owner") || return 1
  eval "$exports"
}

run_smoke() {  # VERSION DIR: install the tarball with this core's ansible-galaxy, then run the smoke suite
  local version=$1 dir=$2 venv collections
  venv=$(venv_of "$version")
  collections=$MATRIX/collections/core-${version%.*}
  rm -rf "$collections"
  export ANSIBLE_COLLECTIONS_PATH=$collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
  export ANSIBLE_LOCAL_TEMP=$dir/ansible-tmp ANSIBLE_REMOTE_TMP=$dir/ansible-tmp
  export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=false
  export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
  "$venv/bin/ansible-galaxy" collection install --force -p "$collections" "$TARBALL" || return 1
  start_sandbox "$dir" "$venv/bin/python" || return 1
  # from outside the tree, so that only the installed collection can be found
  (cd "$dir" && "$venv/bin/ansible-playbook" -i localhost, -c local "$RUN/playbooks/smoke.yml" \
     -e "dws_cluster_id=$SANDBOX_DWS_CLUSTER_ID" -e "dws_mrs_cluster_id=$SANDBOX_MRS_CLUSTER_ID")
}

smoke_version() {  # VERSION
  local version=$1 t=$SECONDS dir=$RUN/$1
  SANDBOX=()  # global: this job's EXIT trap reads it after the function returned
  grep -q '^setup ok ' "$RUN/$version.status" || return 1
  mkdir -p "$dir"
  trap '[ ${#SANDBOX[@]} -eq 0 ] || "${SANDBOX[@]}" --stop 2>/dev/null; wait' EXIT
  if run_smoke "$version" "$dir" >> "$LOGS/ansible-core-$version.log" 2>&1; then
    record "$version" smoke ok $((SECONDS - t))
  else
    record "$version" smoke FAILED $((SECONDS - t))
    return 1
  fi
}

run_parallel() {  # FUNCTION VERSION...: FUNCTION VERSION for each, JOBS at a time
  local fn=$1 version
  shift
  for version in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    "$fn" "$version" &
  done
  wait
}

# ---- the shared build and the report ---------------------------------------------------------------

build_collection() {  # the tarball every version installs, built once by the newest core
  local builder="" dist=$MATRIX/dist version about
  for version in "${VERSIONS[@]}"; do
    grep -qs '^setup ok ' "$RUN/$version.status" && builder=$(venv_of "$version")/bin/ansible-galaxy
  done
  [ -n "$builder" ] || { echo "no virtualenv is ready to build the collection with" >&2; return 1; }
  rm -rf "$dist"
  "$builder" collection build "$REPO" --output-path "$dist" > "$LOGS/build.log" 2>&1 || {
    echo "the collection did not build:" >&2
    tail -n 20 "$LOGS/build.log" >&2
    return 1
  }
  TARBALL=$(ls "$dist"/*.tar.gz)
  about=$("$builder" --version)
  echo "built $(basename "$TARBALL") with ${about%%$'\n'*}"
}

version_result() {  # VERSION: "passed" or "FAILED"
  if [ "$(grep -c ' ok ' "$RUN/$1.status" 2>/dev/null)" = 2 ]; then echo passed; else echo FAILED; fi
}

version_seconds() {
  awk '{ s += $3 } END { print s + 0 }' "$RUN/$1.status" 2>/dev/null
}

deprecations() {  # VERSION: the distinct deprecation warnings its run printed
  grep -h '^\[DEPRECATION WARNING\]' "$LOGS/ansible-core-$1.log" 2>/dev/null | sort -u
}

report_deprecations() {  # each distinct deprecation warning once, with the versions that printed it
  local version
  for version in "${VERSIONS[@]}"; do
    deprecations "$version" | sed "s/^/$version\t/"
  done | awk -F'\t' '{ seen[$2] = seen[$2] " " $1 } END { for (m in seen) print "  on" seen[m] ": " m }' | sort
}

python_label() {  # VERSION: the Python its venv uses, or what it needs
  if [ -n "${PYTHON_FOR[$1]}" ]; then python_version "${PYTHON_FOR[$1]}"; else echo "${PYTHON_MISSING[$1]}"; fi
}

report() {  # prints the failed logs' tails, then the table; fails when any version failed
  local version failed=0 deprecated
  for version in "${VERSIONS[@]}"; do
    [ "$(version_result "$version")" = passed ] && continue
    failed=$((failed + 1))
    echo "--- ansible-core $version FAILED; the end of $LOGS/ansible-core-$version.log:"
    tail -n 40 "$LOGS/ansible-core-$version.log"
  done
  echo
  printf '%-14s %-26s %-8s %8s %13s\n' ansible-core python result seconds deprecations
  for version in "${VERSIONS[@]}"; do
    printf '%-14s %-26s %-8s %8s %13s\n' "$version" "$(python_label "$version")" "$(version_result "$version")" \
      "$(version_seconds "$version")" "$(deprecations "$version" | wc -l)"
  done
  deprecated=$(report_deprecations)
  [ -z "$deprecated" ] || printf 'deprecation warnings, reported but not failed (each names the ansible-core that removes the feature):\n%s\n' "$deprecated"
  echo "matrix: $(( ${#VERSIONS[@]} - failed )) passed, $failed failed"
  [ "$failed" -eq 0 ]
}

remove_stale_runs() {  # scratch spaces of runs that were killed before their cleanup
  local dir
  for dir in "$MATRIX"/run.*; do
    [ -d "$dir" ] && ! kill -0 "${dir##*.}" 2>/dev/null && rm -rf "$dir"
  done
  return 0
}

main() {
  local t=$SECONDS version
  [ -n "$REQUESTS_VERSION" ] || { echo "tests/requirements.txt pins no requests==X" >&2; return 1; }
  [ -n "$MIN_CORE_MINOR" ] || { echo "meta/runtime.yml has no requires_ansible: \">=2.X\"" >&2; return 1; }
  remove_stale_runs
  mkdir -p "$LOGS" "$TMPDIR" "$RUN/playbooks"
  find_pythons || return 1
  resolve_versions "$@" || return 1
  echo "ansible-core matrix: 2.$MIN_CORE_MINOR (requires_ansible) to the newest release on the package index," \
       "$JOBS at a time; logs in $LOGS"
  for version in "${VERSIONS[@]}"; do
    rm -f "$LOGS/ansible-core-$version.log"
    printf '  ansible-core %-9s on %s\n' "$version" "$(python_label "$version")"
  done
  cp "$REPO"/tests/matrix/*.yml "$RUN/playbooks/"

  run_parallel prepare_version "${VERSIONS[@]}"
  echo "virtualenvs done after $((SECONDS - t))s"
  if build_collection; then
    run_parallel smoke_version "${VERSIONS[@]}"
  fi
  echo "matrix done in $((SECONDS - t))s"
  report
}

main "$@"
