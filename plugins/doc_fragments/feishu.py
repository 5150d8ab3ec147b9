# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every Feishu / Lark module.
    DOCUMENTATION = r'''
options:
  app_id:
    description:
      - App ID of the Feishu / Lark custom (self-built) app the module authenticates as, for example V(cli_a1306bed4738d01b).
      - With O(app_secret), the module fetches one tenant access token per run.
      - If not set, the environment variable E(FEISHU_APP_ID) is used.
      - Give either O(app_id) and O(app_secret), or O(tenant_access_token).
    type: str
  app_secret:
    description:
      - App secret of the app named by O(app_id).
      - If not set, the environment variable E(FEISHU_APP_SECRET) is used.
    type: str
  tenant_access_token:
    description:
      - A tenant access token obtained elsewhere, used instead of O(app_id) and O(app_secret).
      - The module cannot renew it; when Feishu reports it invalid or expired the task fails.
      - If not set, the environment variable E(FEISHU_TENANT_ACCESS_TOKEN) is used.
    type: str
  base_url:
    description:
      - Base URL of the Open Platform.
      - V(https://open.feishu.cn) for Feishu, V(https://open.larksuite.com) for Lark.
      - If not set, the environment variable E(FEISHU_BASE_URL) is used, then the default.
    type: str
    default: https://open.feishu.cn
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(base_url).
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
      - How many times a request is repeated after a transient fault (HTTP 429 or code 99991400, HTTP 5xx,
        codes 1270001 and 1270003, connection errors and timeouts), with capped exponential backoff and jitter.
      - A rate-limited request waits the number of seconds Feishu gives in the C(x-ogw-ratelimit-reset) header.
      - V(0) turns retries off; at most V(100).
    type: int
    default: 5
notes:
  - The app needs the scope C(search:data_source), and the tenant needs the Feishu Flagship edition for the
    Search data source API (error 1270005 otherwise).
  - Secrets (O(app_secret), O(tenant_access_token) and the token the module obtains) are never returned and are
    masked in all output.
requirements:
  - Python 3 on the host that runs the module, usually the controller
  - requests >= 2.20
'''

    # The action group, for module_defaults.
    ACTION_GROUP = r'''
attributes:
  action_group:
    description: Use C(group/dsops.cloud.feishu) in C(module_defaults) to set the connection options once for every Feishu module.
    support: full
    membership:
      - dsops.cloud.feishu
'''
