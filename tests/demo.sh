#!/usr/bin/env bash
# The README's demo: run playbooks/demo.yml against the local sandbox.
#   bash tests/demo.sh
# It creates (or reuses) the virtualenv, starts the sandbox on a free 127.0.0.1 port,
# points the modules at it through the same environment variables AWX injects, runs the
# playbook and stops the sandbox again.  Set DSOPS_DEMO_USE_ENV=1 to skip the sandbox and
# use the HW_* / FEISHU_* variables already in your environment instead (real clouds:
# the playbook creates and then deletes demo data sources, so use a test tenant).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/venv.sh
source "$REPO/tests/venv.sh"
dsops_venv

# Make the checkout importable as dsops.cloud without installing it.
COLLECTIONS=$DSOPS_WORK/demo-collections
mkdir -p "$COLLECTIONS/ansible_collections/dsops"
ln -sfn "$REPO" "$COLLECTIONS/ansible_collections/dsops/cloud"
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS
export ANSIBLE_PYTHON_INTERPRETER=$DSOPS_VENV/bin/python
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

SANDBOX_PID=""
stop_sandbox() { [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null; true; }
trap stop_sandbox EXIT

if [ "${DSOPS_DEMO_USE_ENV:-0}" != 1 ]; then
  RUNDIR=$(mktemp -d)
  python "$REPO/tests/sandbox/server.py" --port 0 --port-file "$RUNDIR/port" --job-duration 2 --parent-pid $$ \
    > "$RUNDIR/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 1 150); do [ -s "$RUNDIR/port" ] && break; sleep 0.1; done
  [ -s "$RUNDIR/port" ] || { echo "the sandbox did not start:" >&2; cat "$RUNDIR/sandbox.log" >&2; exit 1; }
  PORT=$(cat "$RUNDIR/port")
  echo "sandbox listening on http://127.0.0.1:$PORT (DWS and Feishu APIs)"
  # The sandbox's built-in demo credentials, exported the way an AWX credential injects them.
  eval "$(python - "$REPO/tests/sandbox/default_config.json" "http://127.0.0.1:$PORT" <<'PY'
import json, shlex, sys
config, url = json.load(open(sys.argv[1])), sys.argv[2]
key = next(k for k in config['dws']['access_keys'] if not k.get('security_token'))
app = config['feishu']['apps'][0]
env = {
    'HW_DWS_ENDPOINT': url, 'HW_ACCESS_KEY': key['access_key'], 'HW_SECRET_KEY': key['secret_key'],
    'HW_PROJECT_ID': next(iter(config['dws']['projects'])), 'HW_REGION_NAME': 'cn-north-4',
    'FEISHU_BASE_URL': url, 'FEISHU_APP_ID': app['app_id'], 'FEISHU_APP_SECRET': app['app_secret'],
}
for name, value in env.items():
    print('export %s=%s' % (name, shlex.quote(value)))
PY
)"
  DEMO_VARS=(-e "dws_cluster_id=$(python -c 'import json,sys; c=json.load(open(sys.argv[1])); print(next(iter(c["dws"]["projects"].values()))["clusters"][0])' "$REPO/tests/sandbox/default_config.json")"
             -e "dws_mrs_cluster_id=$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["dws"]["mrs_clusters"][0]["id"])' "$REPO/tests/sandbox/default_config.json")")
else
  DEMO_VARS=()
fi

ansible-playbook -i localhost, -c local "$REPO/playbooks/demo.yml" "${DEMO_VARS[@]}" "$@"
