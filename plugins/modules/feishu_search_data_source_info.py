#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: feishu_search_data_source_info
short_description: List Feishu / Lark Search data sources
version_added: 0.2.0
description:
  - Return custom Search v2 data sources of the Feishu or Lark Open Platform, as full objects.
  - Select one by O(id), those with an exact O(name), or give neither for all of them.
  - Every page of the list is read. Nothing is ever changed.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
  id:
    description:
      - ID of the data source, a string of digits. Quote it in YAML.
      - An ID that does not exist gives an empty list.
    type: str
    aliases: [data_source_id]
  name:
    description:
      - Return only the data sources with exactly this name.
      - With O(id), the data source is returned only if it has this name.
    type: str
extends_documentation_fragment:
  - dsops.cloud.feishu
  - dsops.cloud.feishu.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so it runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: all
seealso:
  - module: dsops.cloud.feishu_search_data_source
  - name: Feishu Search data source API
    description: Create, get, list, patch and delete Search v2 data sources.
    link: https://open.feishu.cn/document/server-docs/search-v2/open-search/data_source/list
'''

EXAMPLES = r'''
- name: Inspect Feishu Search data sources
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/dsops.cloud.feishu:
      app_id: "{{ feishu_app_id }}"
      app_secret: "{{ feishu_app_secret }}"
  tasks:
    - name: List every data source
      dsops.cloud.feishu_search_data_source_info:
      register: all_sources

    - name: Find the helpdesk data source by name
      dsops.cloud.feishu_search_data_source_info:
        name: Tickets
      register: tickets

    - name: Show its id
      ansible.builtin.debug:
        msg: "{{ tickets.data_sources | map(attribute='id') | list }}"

    - name: Read one data source by id on Lark
      dsops.cloud.feishu_search_data_source_info:
        base_url: https://open.larksuite.com
        id: "7300000000000000000"
'''

RETURN = r'''
data_sources:
  description:
    - The selected data sources, with the API's field names (see M(dsops.cloud.feishu_search_data_source)).
    - Empty when none matches.
  returned: success
  type: list
  elements: dict
  sample:
    - id: "7300000000000000000"
      name: Tickets
      state: 0
      description: Helpdesk tickets
      create_time: "1700000000"
      update_time: "1700000300"
      is_exceed_quota: false
      template: search_common_card
      i18n_name:
        zh_cn: 工单
        en_us: Tickets
      schema_id: ticket_schema
      connect_type: 0
error:
  description: Details of a failed Feishu call (code, message, log id, HTTP status).
  returned: when Feishu answered with an error
  type: dict
  sample:
    platform: Feishu
    code: 99991672
    message: "Access denied. One of the following scopes is required: [search:data_source]"
    log_id: 20240101120000ABCDEF0123456789ABCD
    request_id: 20240101120000ABCDEF0123456789ABCD
    http_status: 400
    method: GET
    path: /open-apis/search/v2/data_sources
'''

from ansible_collections.dsops.cloud.plugins.module_utils.feishu.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import gather
from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        id=dict(type='str', aliases=['data_source_id']),
        name=dict(type='str'),
    )
    return spec


def main():
    module = new_module(
        argument_spec=argument_spec(),
        # the credentials are checked by build_client, where a blank variable counts as not set
        supports_check_mode=True,
    )

    def work():
        client = build_client(module.params, secret_registrar(module))
        return {'changed': False, 'data_sources': gather(client, module.params)}

    run(module, work)


if __name__ == '__main__':
    main()
