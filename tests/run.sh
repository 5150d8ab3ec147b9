#!/usr/bin/env bash
# The whole test suite: every quality gate, each step timed and reported.
#   bash tests/run.sh              all steps
#   bash tests/run.sh units lint   only the named steps
# Steps: units ansible-test-units sanity lint docs docsite integration matrix build importer perf
# Exit status is non-zero when any step fails.  DSOPS_WORK (default ~/.cache/dsops-cloud)
# holds the tool virtualenv and the working copy ansible-test needs.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/venv.sh
source "$REPO/tests/venv.sh"

ALL_STEPS=(units ansible-test-units sanity lint docs docsite integration matrix build importer perf)
if [ $# -gt 0 ]; then STEPS=("$@"); else STEPS=("${ALL_STEPS[@]}"); fi

T0=$SECONDS; PASSED=0; FAILED=0; SUMMARY=""
record() {  # record NAME STATUS SECONDS
  SUMMARY+=$(printf '  %-20s %-5s %5ss' "$1" "$2" "$3")$'\n'
  if [ "$2" = ok ]; then PASSED=$((PASSED+1)); else FAILED=$((FAILED+1)); fi
}
step() {  # step NAME CMD...: run, time, record; keep going so every result is reported
  local name=$1 t=$SECONDS; shift
  echo "=== $name"
  if "$@"; then record "$name" ok $((SECONDS-t)); else record "$name" FAIL $((SECONDS-t)); fi
}

echo "=== setup: virtualenv $DSOPS_VENV"
dsops_venv || { echo "setup failed: could not prepare the virtualenv" >&2; echo "ci: 0 passed, 1 failed"; exit 1; }
PYVER=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test only runs from .../ansible_collections/NS/NAME and resolves symlinks,
# so every step works on a fresh copy of the tree (with .git, so ansible-test can list files).
COPY_ROOT=$DSOPS_WORK/checkout
COPY=$COPY_ROOT/ansible_collections/dsops/cloud
rm -rf "$COPY_ROOT" && mkdir -p "$COPY"
tar -C "$REPO" --exclude=./tests/output --exclude=./.ansible --exclude=./.pytest_cache \
    --exclude=./collections --exclude=./dist --exclude='*/__pycache__' --exclude='.hypothesis' -cf - . | tar -C "$COPY" -xf -
cd "$COPY" || exit 1
export ANSIBLE_COLLECTIONS_PATH=$COPY_ROOT

prepare_ansible_test() {
  # ansible-test bootstraps pip in its venvs from a host we cannot reach: pre-seed its cache
  # with a stand-in that uses ensurepip and the package index instead.
  local pipv getpip
  pipv=$(grep -oP "pip='\K[0-9.]+" "$(python -c 'import ansible_test,os;print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py")
  getpip=$HOME/.ansible/test/cache/get_pip_${pipv//./_}.py
  if [ ! -f "$getpip" ]; then
    mkdir -p "${getpip%/*}"
    cat > "$getpip" <<'PY'
import subprocess, sys
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')])
PY
  fi
}

ensure_shellcheck() {
  command -v shellcheck >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck) >/dev/null 2>&1
  fi
  command -v shellcheck >/dev/null || { echo "shellcheck is missing and could not be installed: install it, or the sanity test would be skipped" >&2; return 1; }
}

run_units() {
  python -m pytest tests/unit -q -p no:cacheprovider
}

run_ansible_test_units() {
  prepare_ansible_test || return 1
  local log=$DSOPS_WORK/ansible-test-units.log rc total
  ansible-test units --local --python "$PYVER" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # ansible-test can exit 0 when pytest crashed before collecting anything: count what passed
  total=$(grep -oP '=+ \K[0-9]+(?= passed)' "$log" | awk '{s+=$1} END {print s+0}')
  echo "ansible-test units: ${total:-0} tests passed"
  if grep -qE 'no tests ran|crashed worker|ImportError|[0-9]+ (failed|errors?)' "$log" || [ "${total:-0}" -eq 0 ]; then
    return 1
  fi
  return "$rc"
}

run_sanity() {
  ensure_shellcheck && prepare_ansible_test || return 1
  local log=$DSOPS_WORK/sanity.log rc
  ansible-test sanity --local --python "$PYVER" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  echo "sanity tests that ran: $(grep -oP 'Running sanity test "\K[^"]+' "$log" | tr '\n' ' ')"
  if grep -E 'Skipping sanity test .*(missing|not found|unavailable)' "$log"; then
    echo "a sanity test was skipped for lack of a tool" >&2
    return 1
  fi
  return "$rc"
}

run_lint() {
  ansible-lint
}

run_docs() {
  antsibull-docs lint-collection-docs --plugin-docs . && antsibull-changelog lint
}

run_integration() {
  # Two workers, each with its own sandbox, record every playbook run; then one last session replays all of
  # them in check mode and checks the secret audit's totals over the whole suite.
  local records=$DSOPS_WORK/integration-records
  local last=(tests/integration/test_check_mode_guarantee.py
              tests/integration/test_secret_audit.py::test_every_kind_of_secret_was_looked_for)
  rm -rf "$records" && mkdir -p "$records"
  DSOPS_RECORD_DIR=$records python -m pytest tests/integration -q -p no:cacheprovider --durations=12 -n 2 \
    --ignore "${last[0]}" --deselect "${last[1]}" || return 1
  DSOPS_REPLAY_FROM=$records python -m pytest -q -p no:cacheprovider "${last[@]}"
}

release_matches() {  # release_matches TARBALL: the version built is galaxy.yml's, and the changelog has it
  local built declared
  built=$(tar -xzOf "$1" MANIFEST.json | python -c 'import json, sys; print(json.load(sys.stdin)["collection_info"]["version"])')
  declared=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
  if [ "$built" != "$declared" ]; then
    echo "the tarball's MANIFEST.json says version $built, galaxy.yml says $declared" >&2
    return 1
  fi
  grep -qx "v${declared//./\\.}" CHANGELOG.rst ||
    { echo "CHANGELOG.rst has no section for $declared: run antsibull-changelog release" >&2; return 1; }
  echo "version $built: MANIFEST.json = galaxy.yml, and CHANGELOG.rst has its section"
}

run_build() {
  local dist=$DSOPS_WORK/dist installed=$DSOPS_WORK/installed tarball modules module listed
  rm -rf "$dist" "$installed"
  ansible-galaxy collection build --force --output-path "$dist" >/dev/null || return 1
  tarball=$(ls "$dist"/dsops-cloud-*.tar.gz)
  if tar -tzf "$tarball" | grep -E '(^|/)(\.git|\.ci|tests/output|\.ansible|__pycache__|\.pytest_cache|\.hypothesis)(/|$)|\.pyc$'; then
    echo "the tarball holds generated or dev-only files (listed above)" >&2
    return 1
  fi
  release_matches "$tarball" || return 1
  ansible-galaxy collection install --force -p "$installed" "$tarball" >/dev/null || return 1
  listed=$(cd "$DSOPS_WORK" && ANSIBLE_COLLECTIONS_PATH=$installed ansible-doc -l dsops.cloud) || return 1
  echo "$listed"
  modules=$(find plugins/modules -name '*.py' ! -name '__init__.py' -exec basename {} .py \; | sort)
  for module in $modules; do
    grep -q "^dsops\.cloud\.$module " <<<"$listed" || { echo "ansible-doc -l does not list $module" >&2; return 1; }
    (cd "$DSOPS_WORK" && ANSIBLE_COLLECTIONS_PATH=$installed ansible-doc "dsops.cloud.$module" >/dev/null) ||
      { echo "ansible-doc cannot render dsops.cloud.$module" >&2; return 1; }
  done
  echo "built $(basename "$tarball"): $(tar -tzf "$tarball" | wc -l) files, every module documented"
}

for name in "${STEPS[@]}"; do
  case $name in
    units) step units run_units ;;
    ansible-test-units) step ansible-test-units run_ansible_test_units ;;
    sanity) step sanity run_sanity ;;
    lint) step ansible-lint run_lint ;;
    docs) step docs+changelog run_docs ;;
    docsite) step docsite env DSOPS_DOCSITE_SCREENSHOTS="$REPO/tests/output/docsite" bash tests/docsite/run.sh ;;
    integration) step integration run_integration ;;
    matrix) step ansible-core-matrix bash tests/matrix/run.sh ;;
    build) step build+ansible-doc run_build ;;
    importer) step galaxy-importer bash tests/galaxy_importer.sh ;;
    perf) step benchmark-quick python tests/perf/bench.py --quick ;;
    *) echo "unknown step: $name (known: ${ALL_STEPS[*]})" >&2; record "$name" FAIL 0 ;;
  esac
done

# Every step must stop the sandboxes it started (a stray server is a bug in a fixture or the harness).
no_stray_sandbox() {
  local stray
  for _ in $(seq 1 30); do
    stray=$(pgrep -f "$COPY/tests/sandbox/server.py" || true)
    [ -z "$stray" ] && return 0
    sleep 0.1
  done
  echo "sandbox servers left running by the steps above:" >&2
  ps -o pid=,args= -p "$(echo "$stray" | paste -sd, -)" >&2
  # shellcheck disable=SC2086
  kill $stray 2>/dev/null
  return 1
}
step no-stray-sandbox no_stray_sandbox

printf '\nsummary (%ss in all):\n%s' "$((SECONDS-T0))" "$SUMMARY"
echo "ci: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
