#!/usr/bin/env bash
# Run galaxy-importer (what Galaxy / Automation Hub run on upload) on the collection tarball.
#   bash tests/galaxy_importer.sh
# galaxy-importer lives in its own virtualenv, $DSOPS_WORK/importer-venv, because it pins
# packages (attrs) that conflict with the test tools.  Its ansible-test step is off (it needs
# Docker; tests/run.sh runs sanity itself); ansible-doc, ansible-lint and flake8 run.
# Exit status: non-zero when the import fails or logs any error; warnings are printed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/venv.sh
source "$REPO/tests/venv.sh"   # for DSOPS_WORK and DSOPS_PYTHON

IMPORTER_VERSION=0.4.44
IMPORTER_VENV=${DSOPS_IMPORTER_VENV:-$DSOPS_WORK/importer-venv}
# the importer calls ansible-doc and ansible-lint: use the versions the other checks use
mapfile -t TOOL_PINS < <(grep -E '^(ansible-core|ansible-lint)==' "$REPO/tests/requirements.txt")
PINS=("galaxy-importer==$IMPORTER_VERSION" "${TOOL_PINS[@]}")

prepare_venv() {
  mkdir -p "$DSOPS_WORK"
  if [ ! -x "$IMPORTER_VENV/bin/python" ]; then
    "$DSOPS_PYTHON" -m venv "$IMPORTER_VENV" || return 1
  fi
  local stamp="$IMPORTER_VENV/.pins" want="${PINS[*]}"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$IMPORTER_VENV/bin/python" -m pip install -q --disable-pip-version-check "${PINS[@]}" || return 1
    echo "$want" > "$stamp"
  fi
}

prepare_venv || { echo "could not prepare the galaxy-importer virtualenv $IMPORTER_VENV" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dsops-importer.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Build from a copy of the tree, so nothing is written into the checkout.
mkdir -p "$WORK/src" "$WORK/dist" "$WORK/run"
tar -C "$REPO" --exclude=./.git --exclude=./tests/output --exclude=./.ansible --exclude=./dist \
    --exclude='*/__pycache__' -cf - . | tar -C "$WORK/src" -xf -
(cd "$WORK/src" && "$IMPORTER_VENV/bin/ansible-galaxy" collection build --output-path "$WORK/dist" >/dev/null)
TARBALL=$(ls "$WORK"/dist/dsops-cloud-*.tar.gz)

cat > "$WORK/galaxy-importer.cfg" <<'CFG'
[galaxy-importer]
RUN_ANSIBLE_TEST = False
RUN_FLAKE8 = True
REQUIRE_V1_OR_GREATER = False
LOG_LEVEL_MAIN = INFO
CFG

# The importer runs ansible-doc, ansible-lint and flake8 from PATH: its own venv first.
# It writes importer_result.json into the current directory.
set +e
(cd "$WORK/run" && PATH="$IMPORTER_VENV/bin:$PATH" GALAXY_IMPORTER_CONFIG="$WORK/galaxy-importer.cfg" \
  ANSIBLE_COLLECTIONS_PATH="$WORK/run/collections" \
  "$IMPORTER_VENV/bin/python" -m galaxy_importer.main "$TARBALL") > "$WORK/importer.log" 2>&1
RC=$?
set -e

cat "$WORK/importer.log"
ERRORS=$(grep -c '^ERROR' "$WORK/importer.log" || true)
WARNINGS=$(grep -c '^WARNING' "$WORK/importer.log" || true)
echo "galaxy-importer $IMPORTER_VERSION on $(basename "$TARBALL"): exit $RC, $ERRORS error(s), $WARNINGS warning(s)"
if [ "$RC" -ne 0 ] || [ "$ERRORS" -ne 0 ] || [ ! -s "$WORK/run/importer_result.json" ]; then
  echo "galaxy-importer reported errors (see above)" >&2
  exit 1
fi
# Every module and role must have been found, with its description.
"$IMPORTER_VENV/bin/python" - "$WORK/run/importer_result.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
contents = result.get('contents') or []
names = sorted('%s %s' % (c.get('content_type'), c.get('name')) for c in contents)
print('imported content: %s' % ', '.join(names))
documented = ('module', 'role')
undocumented = [c.get('name') for c in contents
                if c.get('content_type') in documented and not (c.get('description') or '').strip()]
for kind, least in (('module', 6), ('role', 2)):
    if len([c for c in contents if c.get('content_type') == kind]) < least:
        sys.exit('expected at least %d %s(s) in the import' % (least, kind))
if undocumented:
    sys.exit('content without a description: %s' % ', '.join(undocumented))
PY
