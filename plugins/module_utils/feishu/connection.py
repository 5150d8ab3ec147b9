# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Feishu connection options: the base URL, the app credentials or a token, and the client built from them."""

from __future__ import absolute_import, division, print_function

from ansible.module_utils.basic import env_fallback

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import InputError
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import (
    HttpTransport, as_secret_mask, check_base_url, check_connection_ranges, clean_credentials)
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import DEFAULT_BASE_URL, FeishuClient

__metaclass__ = type


def connection_argument_spec():
    """The connection options shared by every Feishu module (documented in doc_fragments/feishu.py)."""
    return dict(
        app_id=dict(type='str', fallback=(env_fallback, ['FEISHU_APP_ID'])),
        app_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['FEISHU_APP_SECRET'])),
        tenant_access_token=dict(type='str', no_log=True, fallback=(env_fallback, ['FEISHU_TENANT_ACCESS_TOKEN'])),
        base_url=dict(type='str', default=DEFAULT_BASE_URL, fallback=(env_fallback, ['FEISHU_BASE_URL'])),
        validate_certs=dict(type='bool', default=True),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=5),
    )


def effective_base_url(params):
    """base_url, with an empty value read as unset.

    An AWX credential renders every injector, so an optional field left blank arrives
    as an empty FEISHU_BASE_URL; that means "not set", not "no URL".
    """
    return (params.get('base_url') or '').strip() or DEFAULT_BASE_URL


def validate_connection(params):
    """Checks the argument spec cannot express; raises InputError before any request."""
    check_base_url('base_url', effective_base_url(params), '%s or https://open.larksuite.com' % DEFAULT_BASE_URL)
    check_connection_ranges(params)
    # Checked here and not by the argument spec, which counts '' (a blank AWX field) as given.
    credentials = clean_credentials(params, ('app_id', 'app_secret', 'tenant_access_token'))
    check_one_way_to_authenticate(**credentials)
    return credentials


def check_one_way_to_authenticate(app_id=None, app_secret=None, tenant_access_token=None):
    if tenant_access_token and (app_id or app_secret):
        raise InputError('Give either tenant_access_token (FEISHU_TENANT_ACCESS_TOKEN) or app_id and app_secret '
                         '(FEISHU_APP_ID / FEISHU_APP_SECRET), not both; check the task options, module_defaults '
                         'and the environment for the other one.')
    if tenant_access_token:
        return
    if bool(app_id) != bool(app_secret):
        raise InputError('app_id and app_secret must be given together (FEISHU_APP_ID / FEISHU_APP_SECRET).')
    if not app_id:
        raise InputError('No credentials: give app_id and app_secret (FEISHU_APP_ID / FEISHU_APP_SECRET), or '
                         'tenant_access_token (FEISHU_TENANT_ACCESS_TOKEN).')


def build_client(params, register_secret=None, session=None, sleep=None):
    """Build a FeishuClient from the connection options of a module."""
    credentials = validate_connection(params)  # cleaned: the client registers these values as secrets
    secrets = as_secret_mask(register_secret)
    transport = HttpTransport(timeout=params['timeout'], validate_certs=params['validate_certs'], session=session,
                              mask=secrets.mask)
    policy = RetryPolicy(retries=params['retries'], sleep=sleep)
    return FeishuClient(transport, policy, base_url=effective_base_url(params), register_secret=secrets,
                        **credentials)
