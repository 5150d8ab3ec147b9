#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: feishu_search_schema_info
short_description: Read Feishu / Lark Search schemas
version_added: 0.2.0
description:
  - Return Search v2 schemas (数据范式) of the Feishu or Lark Open Platform, as full objects.
  - The API has no call that lists schemas. Give O(schema_id) to read those schemas, or O(bound=true) to get every
    schema that the tenant's data sources are bound to. Either way the module lists the data sources once (every
    page) and returns each schema with the data sources bound to it.
  - Nothing is ever changed.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
  schema_id:
    description:
      - ID of a schema, or a list of them; each is read with one request.
      - A schema that does not exist is left out of the result.
      - One of O(schema_id) and O(bound) is required.
    type: list
    elements: str
  bound:
    description:
      - Read every schema that the tenant's data sources are bound to (through their C(schema_id)), once each.
      - A data source bound to a schema that does not exist gives a warning.
    type: bool
    default: false
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
  - module: dsops.cloud.feishu_search_schema
  - module: dsops.cloud.feishu_search_data_source_info
  - name: Feishu Search schema API
    description: Create, get, patch and delete Search v2 schemas.
    link: https://open.feishu.cn/document/server-docs/search-v2/open-search/schema/get
'''

EXAMPLES = r'''
- name: Inspect Feishu Search schemas
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/dsops.cloud.feishu:
      app_id: "{{ feishu_app_id }}"
      app_secret: "{{ feishu_app_secret }}"
  tasks:
    - name: Read one schema
      dsops.cloud.feishu_search_schema_info:
        schema_id: ticket_schema
      register: ticket

    - name: Read several schemas
      dsops.cloud.feishu_search_schema_info:
        schema_id:
          - ticket_schema
          - manual_schema

    - name: Every schema a data source is bound to
      dsops.cloud.feishu_search_schema_info:
        bound: true
      register: in_use

    - name: Show which data sources use which schema
      ansible.builtin.debug:
        msg: "{{ in_use.schemas | items2dict(key_name='schema_id', value_name='data_sources') }}"
'''

RETURN = r'''
schemas:
  description:
    - The schemas, with the API's field names (see M(dsops.cloud.feishu_search_schema)), in the order of
      O(schema_id) or of the data source listing.
    - Empty when none is found.
  returned: success
  type: list
  elements: dict
  sample:
    - schema_id: ticket_schema
      properties:
        - name: title
          type: text
          is_searchable: true
          is_returnable: true
          search_options:
            enable_exact_match: true
      display:
        card_key: search_common_card
        fields_mapping:
          - display_field: summary
            data_field: "${title}"
      data_sources:
        - id: "7300000000000000000"
          name: Tickets
  contains:
    schema_id:
      description: ID of the schema.
      type: str
      sample: ticket_schema
    properties:
      description: The fields of the items.
      type: list
      elements: dict
      sample: [{"name": "title", "type": "text", "is_searchable": true, "is_returnable": true}]
    display:
      description: The result card.
      type: dict
      sample: {"card_key": "search_common_card"}
    data_sources:
      description:
        - The data sources bound to the schema, each with its C(id) and C(name); empty when none is.
      returned: always
      type: list
      elements: dict
      sample: [{"id": "7300000000000000000", "name": "Tickets"}]
problems:
  description: What is wrong with the given O(schema_id) values, when the task fails before any request.
  returned: when a schema_id breaks the documented pattern
  type: list
  elements: str
  sample: ["schema_id '1st' must start with a letter and hold only letters, digits, \"-\" and \"_\" (pattern ^[a-zA-Z][a-zA-Z0-9-_]*$)."]
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
    path: /open-apis/search/v2/schemas/ticket_schema
'''

from ansible_collections.dsops.cloud.plugins.module_utils.feishu.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.schema import gather
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import InputError
from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar


def argument_spec():
    spec = connection_argument_spec()
    spec.update(schema_id=dict(type='list', elements='str'), bound=dict(type='bool', default=False))
    return spec


def main():
    module = new_module(
        argument_spec=argument_spec(),
        # the credentials are checked by build_client, where a blank variable counts as not set
        mutually_exclusive=[('schema_id', 'bound')],
        supports_check_mode=True,
    )

    def work():
        if module.params['schema_id'] is None and not module.params['bound']:
            raise InputError('Give schema_id (one id or a list), or bound=true for every schema the data sources are '
                             'bound to: the API has no call that lists schemas.')
        client = build_client(module.params, secret_registrar(module))
        schemas, warnings = gather(client, module.params)
        result = {'changed': False, 'schemas': schemas}
        if warnings:
            result['warnings'] = warnings
        return result

    run(module, work)


if __name__ == '__main__':
    main()
