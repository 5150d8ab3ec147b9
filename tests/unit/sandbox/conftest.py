"""Fixtures for the sandbox's own tests: one sandbox subprocess for the session, reset per test."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX_DIR = os.path.normpath(os.path.join(HERE, '..', '..', 'sandbox'))

# tests/sandbox holds the server modules; HERE holds the test helpers (sbx_*), which must import
# whatever pytest's import mode is.
for path in (SANDBOX_DIR, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

from fixture import clean_sandbox_fixture, sandbox_fixture  # noqa: E402
from sbx_api import DwsApi, FeishuApi  # noqa: E402

# Jobs finish instantly unless a test asks for a duration, so no test has to sleep for long.
sandbox_server = sandbox_fixture('sandbox_server', extra_args=('--job-duration', '0'))
sandbox = clean_sandbox_fixture('sandbox', 'sandbox_server')


@pytest.fixture(name='creds', scope='session')
def creds_fixture(sandbox_server):
    return sandbox_server.credentials()


@pytest.fixture(name='dws')
def dws_fixture(sandbox, creds):
    return DwsApi(sandbox.base_url, creds)


@pytest.fixture(name='feishu')
def feishu_fixture(sandbox, creds):
    return FeishuApi(sandbox.base_url, creds)
