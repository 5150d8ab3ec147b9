#!/usr/bin/env bash
# The docs site, built offline and checked in a real browser.
#   bash tests/docsite/run.sh
# 1. Builds the HTML site with antsibull-docs and Sphinx: no intersphinx, nothing fetched, and any warning
#    or antsibull-docs error fails the step.
# 2. Opens the collection index and every module, role and guide page in Debian's headless chromium
#    (tests/docsite/check_site.py): titles, option tables, examples, return values, internal links.
#    A screenshot of each page goes to tests/output/docsite/.
# chromium and a CJK font (fonts-noto-cjk) are installed with apt-get when missing and running as root;
# without them the step fails, it never skips. Build files go under $DSOPS_WORK/docsite/; the screenshots
# under tests/output/docsite/ of the tree it runs in, or DSOPS_DOCSITE_SCREENSHOTS.
# Exit status is non-zero on any failure.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd -P)
# shellcheck source=tests/venv.sh
source "$ROOT/tests/venv.sh"

CHROMIUM=/usr/bin/chromium
# One work directory per tree, so a run in tests/run.sh's copy and one in the checkout do not collide.
WORK=$DSOPS_WORK/docsite/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
SITE=$WORK/site
# tests/run.sh works in a copy of the tree: it may point this at the checkout's tests/output/docsite instead.
SCREENSHOTS=${DSOPS_DOCSITE_SCREENSHOTS:-$ROOT/tests/output/docsite}

fail() { echo "docsite: $*" >&2; exit 1; }

use_this_tree() {
  # antsibull-docs --use-current documents the first dsops.cloud that ansible-core finds on
  # ANSIBLE_COLLECTIONS_PATH. Unless that is this tree, put a symlink to it on a path of its own.
  local dir candidate paths=()
  IFS=: read -ra paths <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
  for dir in "${paths[@]}"; do
    if [[ $dir == */ansible_collections ]]; then candidate=$dir/dsops/cloud; else candidate=$dir/ansible_collections/dsops/cloud; fi
    if [ -d "$candidate" ]; then
      [ "$(realpath "$candidate")" = "$ROOT" ] && return 0
      break
    fi
  done
  mkdir -p "$WORK/collections/ansible_collections/dsops" || return 1
  ln -sfn "$ROOT" "$WORK/collections/ansible_collections/dsops/cloud" || return 1
  export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
}

missing_browser_packages() {
  [ -x "$CHROMIUM" ] || echo chromium
  # Any font covering Chinese will do; without one, the Feishu pages' Chinese renders as boxes.
  fc-list :lang=zh family 2>/dev/null | grep -q . || echo fonts-noto-cjk
}

apt_install() {
  # Refresh the package lists only when the install fails on them: that costs seconds.
  local log=$WORK/apt.log
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1 && return 0
  apt-get update -qq >>"$log" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1 && return 0
  tail -n 20 "$log" >&2
  return 1
}

ensure_browser() {
  local missing=()
  mapfile -t missing < <(missing_browser_packages)
  [ ${#missing[@]} -eq 0 ] && return 0
  local how="install them as root: apt-get install -y ${missing[*]}"
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    fail "${missing[*]} missing and this run cannot install them; $how"
  fi
  echo "docsite: installing ${missing[*]} with apt-get"
  apt_install "${missing[@]}" || fail "apt-get could not install ${missing[*]} (log: $WORK/apt.log); $how"
  mapfile -t missing < <(missing_browser_packages)
  [ ${#missing[@]} -eq 0 ] || fail "still missing after apt-get: ${missing[*]}"
}

offline_sphinx_conf() {
  cat <<'PY'

# Appended by tests/docsite/run.sh: the site is built offline. Without intersphinx nothing is fetched;
# the ansible-core labels that antsibull-docs' pages cite are linked by ansible_core_refs.py, and any other
# unresolved reference stays a warning, which fails the build.
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
extensions = [ext for ext in extensions if ext != 'sphinx.ext.intersphinx'] + ['ansible_core_refs']
intersphinx_mapping = {}
PY
}

run_logged() {  # run_logged LOG CMD...: quiet on success, the log on failure
  local log=$1; shift
  "$@" >"$log" 2>&1 && return 0
  cat "$log" >&2
  return 1
}

build_site() {
  rm -rf "$SITE" && mkdir -p "$WORK" && mkdir -m 700 "$SITE" || return 1
  # antsibull-docs' own template for a collection site (theme, extensions, build flags), made offline below
  run_logged "$WORK/sphinx-init.log" antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
    --project dsops.cloud --title 'dsops.cloud collection documentation' --html-short-title dsops.cloud \
    --copyright 'contributors to the dsops.cloud collection' --dest-dir "$SITE" dsops.cloud || return 1
  offline_sphinx_conf >>"$SITE/conf.py"
  cp "$HERE/ansible_core_refs.py" "$SITE/" && chmod 700 "$SITE/rst" || return 1
  run_logged "$WORK/antsibull-docs.log" antsibull-docs --config-file "$SITE/antsibull-docs.cfg" collection \
    --use-current --squash-hierarchy --fail-on-error --cleanup everything --dest-dir "$SITE/rst" dsops.cloud || return 1
  # antsibull-docs writes a markup error (an unclosed O(...), say) into the page instead of failing on it
  if grep -rn 'ERROR while parsing' "$SITE/rst" >&2; then
    echo "docsite: the generated pages hold markup errors (above)" >&2
    return 1
  fi
  # -W: a warning from the collection's documentation (a bad reference, broken RST in a guide) fails the build
  sphinx-build -b html -c "$SITE" -W --keep-going -q "$SITE/rst" "$SITE/html"
}

main() {
  local t=$SECONDS
  if [ ! -f "$ROOT/galaxy.yml" ] || [ ! -d "$ROOT/plugins/modules" ]; then fail "$ROOT is not the collection root"; fi
  dsops_venv || fail "could not prepare the virtualenv"
  use_this_tree || fail "could not put this tree on a collections path under $WORK"
  ensure_browser
  echo "docsite: browser ready ($((SECONDS - t))s)"; t=$SECONDS
  build_site || fail "the site build failed (see above; the site is in $SITE)"
  echo "docsite: site built offline, no warnings ($((SECONDS - t))s)"; t=$SECONDS
  rm -f "$SCREENSHOTS"/*.png  # only this run's screenshots stay for review
  python "$HERE/check_site.py" --site "$SITE/html" --collection "$ROOT" --screenshots "$SCREENSHOTS" \
    --browser "$CHROMIUM" || fail "the browser checks failed (table above; screenshots in $SCREENSHOTS)"
  echo "docsite: browser checks passed ($((SECONDS - t))s)"
}

main
