# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DWS connection options: where the API is, how to authenticate, and the client built from them."""

from __future__ import absolute_import, division, print_function

import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import InputError
from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import RetryPolicy
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import (
    HttpTransport, as_secret_mask, check_base_url, check_connection_ranges, clean_credentials)
from ansible_collections.dsops.cloud.plugins.module_utils.dws.client import DwsClient

__metaclass__ = type

# Regions whose endpoints do not end in .myhuaweicloud.com (SDK 3.1.219 region table).
REGION_DOMAIN_EXCEPTIONS = {
    'eu-west-101': 'myhuaweicloud.eu',
    'cn-south-4': 'myhuaweicloud.cn',
    'cn-north-12': 'myhuaweicloud.cn',
    'cn-east-4': 'myhuaweicloud.cn',
    'tr-west-1': 'myhuaweicloud.cn',
    'ap-southeast-4': 'myhuaweicloud.cn',
}
DEFAULT_DOMAIN = 'myhuaweicloud.com'
GLOBAL_IAM_ENDPOINT = 'https://iam.myhuaweicloud.com'
REGION_RE = re.compile(r'^[a-z0-9][a-z0-9-]{1,62}\Z')
ID_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,127}\Z')


def connection_argument_spec():
    """Options shared by every DWS module (documented in doc_fragments/dws.py)."""
    return dict(
        access_key=dict(type='str', no_log=False,
                        fallback=(env_fallback, ['HW_ACCESS_KEY', 'HUAWEICLOUD_SDK_AK'])),
        secret_key=dict(type='str', no_log=True,
                        fallback=(env_fallback, ['HW_SECRET_KEY', 'HUAWEICLOUD_SDK_SK'])),
        security_token=dict(type='str', no_log=True, fallback=(env_fallback, ['HW_SECURITY_TOKEN'])),
        auth_token=dict(type='str', no_log=True, fallback=(env_fallback, ['HW_AUTH_TOKEN'])),
        project_id=dict(type='str', fallback=(env_fallback, ['HW_PROJECT_ID'])),
        region=dict(type='str', fallback=(env_fallback, ['HW_REGION_NAME'])),
        endpoint=dict(type='str', fallback=(env_fallback, ['HW_DWS_ENDPOINT'])),
        iam_endpoint=dict(type='str', fallback=(env_fallback, ['HUAWEICLOUD_SDK_IAM_ENDPOINT'])),
        validate_certs=dict(type='bool', default=True),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=5),
    )


def clean_region(region):
    """The region in lower case (host names ignore case; the table of exceptions is lower case), or None."""
    if not region or not region.strip():
        return None
    region = region.strip().lower()
    if not REGION_RE.match(region):
        raise InputError('region %r is not valid: a region name is lower-case letters, digits and "-", for '
                         'example cn-north-4.' % region)
    return region


def regional_url(service, region):
    return 'https://%s.%s.%s' % (service, region, REGION_DOMAIN_EXCEPTIONS.get(region, DEFAULT_DOMAIN))


def resolve_endpoint(endpoint=None, region=None):
    """The base URL: an explicit endpoint wins, else the regional default."""
    if endpoint:
        endpoint = endpoint.strip().rstrip('/')
        check_base_url('endpoint', endpoint, 'https://dws.cn-north-4.myhuaweicloud.com')
        return endpoint
    region = clean_region(region)
    if region:
        return regional_url('dws', region)
    raise InputError('Either region (HW_REGION_NAME) or endpoint (HW_DWS_ENDPOINT) is required '
                     'to know where the DWS API is.')


def resolve_iam_endpoint(iam_endpoint=None, region=None):
    """Where to find the project id: iam_endpoint, else the region's IAM, else the global one (reference 11.1).

    The SDK uses the region's own IAM only for the regions of its table and the global one otherwise; every
    region of ours has a regional IAM at the same domain as its DWS endpoint, so the region's is used.
    """
    if iam_endpoint and iam_endpoint.strip():
        iam_endpoint = iam_endpoint.strip().rstrip('/')
        check_base_url('iam_endpoint', iam_endpoint, 'https://iam.cn-north-4.myhuaweicloud.com')
        return iam_endpoint
    region = clean_region(region)
    return regional_url('iam', region) if region else GLOBAL_IAM_ENDPOINT


def build_client(params, register_secret=None, transport=None, sleep=None, clock=None):
    """A DwsClient from module parameters (plain dict); raises InputError on bad settings."""
    check_connection_ranges(params)
    # a blank project_id (an AWX credential's empty field) is not set: it is then found from the region
    project_id = (params.get('project_id') or '').strip() or None
    validate_identifier(project_id, 'project_id')
    endpoint = resolve_endpoint(params.get('endpoint'), params.get('region'))
    retry = RetryPolicy(retries=params.get('retries', 5), sleep=sleep)
    secrets = as_secret_mask(register_secret)
    if transport is None:
        transport = HttpTransport(timeout=params.get('timeout', 30),
                                  validate_certs=params.get('validate_certs', True), mask=secrets.mask)
    # cleaned values: the client registers them as secrets, since they are what any output could show
    credentials = clean_credentials(params, ('access_key', 'secret_key', 'security_token', 'auth_token'))
    # the region and the IAM endpoint matter (and are checked) only when the project id is to be found
    discovery = {} if project_id else dict(
        region=clean_region(params.get('region')),
        iam_endpoint=resolve_iam_endpoint(params.get('iam_endpoint'), params.get('region')))
    return DwsClient(transport, endpoint, project_id, retry=retry, register_secret=secrets, sleep=sleep, clock=clock,
                     **dict(discovery, **credentials))


def validate_identifier(value, option):
    """Ids go into the URL path: refuse what no DWS id looks like (they are UUIDs) before any request."""
    if value is None:
        return
    if not value.strip():
        raise InputError('%s must not be empty.' % option)
    if not ID_RE.match(value):
        raise InputError('%s %r is not valid: DWS ids are made of letters, digits, "-" and "_" (a UUID such as '
                         '11111111-2222-3333-4444-555555555555).' % (option, value))
