# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every Huawei Cloud GaussDB(DWS) module.
    DOCUMENTATION = r'''
options:
  access_key:
    description:
      - Access key ID (AK) of the Huawei Cloud account or IAM user.
      - Every request is signed with SDK-HMAC-SHA256 using O(access_key) and O(secret_key).
      - If not set, the environment variable E(HW_ACCESS_KEY) is used, then E(HUAWEICLOUD_SDK_AK).
      - Give either O(access_key) and O(secret_key) (optionally with O(security_token)), or O(auth_token).
    type: str
  secret_key:
    description:
      - Secret access key (SK) matching O(access_key).
      - If not set, the environment variable E(HW_SECRET_KEY) is used, then E(HUAWEICLOUD_SDK_SK).
    type: str
  security_token:
    description:
      - Security token of temporary AK/SK credentials (STS).
      - Sent as the signed header C(X-Security-Token). Only valid with O(access_key) and O(secret_key).
      - If not set, the environment variable E(HW_SECURITY_TOKEN) is used.
    type: str
  auth_token:
    description:
      - An IAM token, sent as C(X-Auth-Token) instead of signing the requests with AK/SK.
      - IAM tokens expire after 24 hours; the module cannot renew them.
      - If not set, the environment variable E(HW_AUTH_TOKEN) is used.
    type: str
  project_id:
    description:
      - ID of the project (region) that owns the DWS cluster, 32 hexadecimal characters.
      - If not set, the environment variable E(HW_PROJECT_ID) is used.
      - If neither is set and the module authenticates with O(access_key) and O(secret_key), it finds the project
        id from O(region), as the official SDKs do. It sends one signed C(GET /v3/projects?name=<region>) to
        O(iam_endpoint), once per task, before the first DWS call. No project, or more than one, fails the task
        and names the region or the ids. Set O(project_id) to skip this call.
      - Required with O(auth_token).
    type: str
  iam_endpoint:
    description:
      - Base URL of the IAM API, used only to find the project id when O(project_id) is not set.
      - If not set, the environment variable E(HUAWEICLOUD_SDK_IAM_ENDPOINT) is used (the name the official SDKs
        read). Otherwise it is the region's IAM endpoint, C(https://iam.<region>.myhuaweicloud.com) (or the
        region's own domain, as for O(region)), or C(https://iam.myhuaweicloud.com) when no region is set.
    type: str
  region:
    description:
      - Region of the DWS cluster, for example V(cn-north-4) or V(ap-southeast-3).
      - The endpoint is then C(https://dws.<region>.myhuaweicloud.com), or the region's own domain for
        V(eu-west-101) (C(.myhuaweicloud.eu)) and for V(cn-south-4), V(cn-north-12), V(cn-east-4),
        V(tr-west-1) and V(ap-southeast-4) (C(.myhuaweicloud.cn)).
      - If not set, the environment variable E(HW_REGION_NAME) is used.
      - One of O(region) and O(endpoint) is required.
    type: str
  endpoint:
    description:
      - Full base URL of the DWS API, for example C(https://dws.cn-north-4.myhuaweicloud.com). Overrides O(region).
      - Use it for private or dedicated endpoints and test environments.
      - If not set, the environment variable E(HW_DWS_ENDPOINT) is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the endpoint.
      - Set to V(false) only for a trusted test endpoint.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP request, from 1 to 3600.
      - After a create whose answer was lost (a timeout, a dropped connection, an HTTP 5xx), the module looks for
        the new object for as long again (at least 5 and at most 60 seconds) and never sends the create twice.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is repeated after a transient fault (HTTP 429, HTTP 5xx, connection errors and
        timeouts, C(DWS.0011) "another operation is in progress" and C(DWS.7023) "cluster status is not allowed
        to operation"), with capped exponential backoff and jitter.
      - Writes are repeated only when the server did not act on them, or when a re-read shows they did not
        take effect. A create, and a reconfigure with O(ignore:reboot=true), are never repeated after a lost
        answer. The module re-reads, adopts what it finds, and otherwise fails saying the write may still land.
      - After an authentication failure (C(APIGW.0301), HTTP 401) no further request is sent, because five failed
        signatures lock the access key for five minutes.
      - V(0) turns retries off; at most V(100).
    type: int
    default: 5
notes:
  - The environment variable names are those of the Terraform C(huaweicloud) provider, so one credential
    (for example an AWX custom credential type) serves both tools.
  - Secrets (O(secret_key), O(security_token), O(auth_token) and the request signatures) are never returned and
    are masked in all output.
  - The clock of the host running the module must be within 15 minutes of real time, or signatures are
    rejected (C(APIGW.0301)).
requirements:
  - Python 3 on the host that runs the module, usually the controller
  - requests >= 2.20
'''

    # The action group, for module_defaults.
    ACTION_GROUP = r'''
attributes:
  action_group:
    description: Use C(group/dsops.cloud.dws) in C(module_defaults) to set the connection options once for every DWS module.
    support: full
    membership:
      - dsops.cloud.dws
'''
