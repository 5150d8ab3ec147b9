#!/usr/bin/env bash
# The README's demo: run playbooks/demo.yml against the local sandbox.
#   bash tests/demo.sh [ansible-playbook options]
# It makes (once) a slim virtualenv with only ansible-core and requests ($DSOPS_WORK/demo-venv, pinned in
# tests/requirements-demo.txt), starts the sandbox on a free 127.0.0.1 port, points the modules at it
# through the same environment variables AWX injects, runs the playbook and stops the sandbox again.
# It prints one line per step; -v (or DSOPS_DEMO_OUTPUT=full) shows Ansible's whole output instead.
# DSOPS_DEMO_USE_ENV=1 skips the sandbox and uses the HW_* / FEISHU_* variables already in your
# environment instead (real clouds: the playbook creates and then deletes demo data sources, so use a
# test tenant, and pass -e dws_cluster_id=<cluster UUID>).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/venv.sh
source "$REPO/tests/venv.sh"
dsops_demo_venv

# Make the checkout importable as dsops.cloud without installing it.
COLLECTIONS=$DSOPS_WORK/demo-collections
mkdir -p "$COLLECTIONS/ansible_collections/dsops"
ln -sfn "$REPO" "$COLLECTIONS/ansible_collections/dsops/cloud"
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
# Local connection: the module goes to the interpreter's stdin rather than through a temporary file.
export ANSIBLE_PIPELINING=true

wants_full_output() {
  [ "${DSOPS_DEMO_OUTPUT:-}" = full ] && return 0
  local arg
  for arg in "$@"; do
    case $arg in -v* | --verbose) return 0 ;; esac
  done
  return 1
}
if ! wants_full_output "$@"; then
  export ANSIBLE_STDOUT_CALLBACK=dsops_demo ANSIBLE_CALLBACK_PLUGINS=$REPO/tests/demo/callback_plugins
fi

SANDBOX=("$REPO/tests/sandbox/server.py" --pid-file "$DSOPS_WORK/demo-sandbox.pid")
SANDBOX_STARTED=""
stop_sandbox() { [ -z "$SANDBOX_STARTED" ] || python "${SANDBOX[@]}" --stop 2>/dev/null; }
trap stop_sandbox EXIT

DEMO_VARS=()
if [ "${DSOPS_DEMO_USE_ENV:-0}" != 1 ]; then
  # Jobs of 0.8 s: still asynchronous (the module waits for each), done by the module's first poll at 1 s.
  # --parent-pid: a killed demo leaves no server behind.
  if ! started=$(python "${SANDBOX[@]}" --background --job-duration 0.8 --parent-pid $$ 2>&1); then
    echo "the sandbox did not start:" >&2
    echo "$started" >&2
    exit 1
  fi
  SANDBOX_STARTED=1
  # The sandbox's built-in demo credentials, exported the way an AWX credential injects them.
  eval "$(grep '^export ' <<<"$started")"
  echo "sandbox listening on $HW_DWS_ENDPOINT (DWS and Feishu APIs), stopped at the end"
  DEMO_VARS=(-e "dws_cluster_id=$SANDBOX_DWS_CLUSTER_ID")
fi

ansible-playbook -i localhost, -c local "$REPO/playbooks/demo.yml" "${DEMO_VARS[@]}" "$@"
