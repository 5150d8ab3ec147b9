# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration fixtures: real ansible-playbook runs against the local sandbox.

  sandbox       SandboxClient of a sandbox started once per session, reset before each test
  sandbox_env   environment pointing the modules at the sandbox, plus ``secrets``
  run_playbook  run tests/integration/playbooks/<name>.yml (at -vvvv, audited for secrets)
"""

from __future__ import absolute_import, division, print_function

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _path in (HERE, os.path.dirname(HERE), os.path.join(os.path.dirname(HERE), 'sandbox')):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# pylint: disable=wrong-import-position
import collection_path  # noqa: E402
from fixture import clean_sandbox_fixture, sandbox_fixture  # noqa: E402
import harness  # noqa: E402
from harness import AUDIT_STATS, PlaybookRunner, build_sandbox_env  # noqa: E402

collection_path.make_importable()

__metaclass__ = type

sandbox_server = sandbox_fixture('sandbox_server')
sandbox = clean_sandbox_fixture('sandbox', 'sandbox_server')


@pytest.fixture
def sandbox_env(sandbox):
    return build_sandbox_env(sandbox)


@pytest.fixture
def run_playbook(sandbox_env, tmp_path):
    return PlaybookRunner(sandbox_env, str(tmp_path))


def pytest_configure(config):
    # the last step of a parallel run: the check-mode replay and the audit totals see every worker's runs
    if os.environ.get('DSOPS_REPLAY_FROM'):
        harness.load_records(os.environ['DSOPS_REPLAY_FROM'])


def pytest_collection_finish(session):
    harness.SUITE_MODULES.update(item.module.__name__ for item in session.items if getattr(item, 'module', None))


def pytest_sessionfinish(session):  # pylint: disable=unused-argument
    # under pytest-xdist each worker saves its own runs (the controller ran none)
    record_dir = os.environ.get('DSOPS_RECORD_DIR')
    if record_dir and AUDIT_STATS['runs']:
        worker = os.environ.get('PYTEST_XDIST_WORKER', 'main')
        harness.save_records(os.path.join(record_dir, '%s-%d.json' % (worker, os.getpid())))


def pytest_terminal_summary(terminalreporter):
    if AUDIT_STATS['runs']:
        terminalreporter.write_line(
            'secret audit: %d playbook runs checked for %d distinct secrets (credentials, tokens, signatures, '
            'passwords): %d leak(s)' % (AUDIT_STATS['runs'], len(AUDIT_STATS['secrets']), AUDIT_STATS['leaks']))
