#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: feishu_search_data_source
short_description: Manage Feishu / Lark Search data sources
version_added: 0.2.0
description:
  - Create, update and delete a custom Search v2 data source (自定义搜索数据源) on the Feishu or Lark Open Platform.
  - The module reads first and writes only what differs; an option left unset is neither sent nor compared.
  - A data source is found by O(id), or by its exact O(name) when O(id) is not given.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
  state:
    description:
      - V(present) creates the data source if it does not exist and updates the fields that differ.
      - V(absent) deletes it if it exists. Deleting also drops every item indexed in it.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - ID of the data source, a string of digits such as V("7300000000000000000").
      - Quote it in YAML; ids exceed the range of exact floating point numbers.
      - Feishu assigns ids on create, so an O(id) that does not exist fails the task with O(state=present).
      - When given, O(name) is a field to set (a rename), not a search key.
    type: str
    aliases: [data_source_id]
  name:
    description:
      - Display name of the data source. Required to create one.
      - Without O(id), the data source is looked up by this exact name; if more than one data source has it,
        the task fails and names their ids.
      - With O(id) and O(state=absent), the data source is deleted only if its name is this one.
    type: str
  online:
    description:
      - Whether the data source is online (shown in search). This is the API's integer C(state) (0 online, 1 offline).
      - Feishu creates a data source offline when this is not set.
    type: bool
  description:
    description:
      - Free-text description of the data source.
    type: str
  icon_url:
    description:
      - URL of the icon shown on the search tab; png or jpeg is recommended.
    type: str
  i18n_name:
    description:
      - Localised display names.
      - Locales not given keep their current values; the module sends the merged whole object.
    type: dict
    suboptions:
      zh_cn:
        description: Chinese name.
        type: str
      en_us:
        description: English name.
        type: str
      ja_jp:
        description: Japanese name.
        type: str
  i18n_description:
    description:
      - Localised descriptions.
      - Locales not given keep their current values; the module sends the merged whole object.
    type: dict
    suboptions:
      zh_cn:
        description: Chinese description.
        type: str
      en_us:
        description: English description.
        type: str
      ja_jp:
        description: Japanese description.
        type: str
  enable_answer:
    description:
      - Whether the Q&A (问答) service is used with this data source.
    type: bool
  connector_param:
    description:
      - Callback settings for a data source created with O(connect_type=callback).
      - Keys not given keep their current values; the module sends the merged whole object.
    type: dict
    suboptions:
      callback_endpoint:
        description:
          - URL Feishu calls (POST) at search time.
        type: str
      callback_user_id_type:
        description:
          - Which user id Feishu sends to the callback.
        type: str
        choices: [user_id, open_id, union_id]
  template:
    description:
      - Display template name. Feishu uses V(search_common_card) when it is not set.
      - Can only be set when the data source is created; a different value fails the task.
    type: str
  schema_id:
    description:
      - ID of the schema (数据范式) the data source's items follow, created with the Search schema API.
      - Can only be set when the data source is created; a different value fails the task.
    type: str
  searchable_fields:
    description:
      - Names of the searchable fields. Deprecated by Feishu in favour of O(schema_id).
      - Can only be set when the data source is created; a different value fails the task.
    type: list
    elements: str
  connect_type:
    description:
      - How search is served. V(default) uses Feishu's own index, fed by the items API;
        V(callback) makes Feishu call O(connector_param.callback_endpoint) at query time.
      - Can only be set when the data source is created; a different value fails the task.
    type: str
    choices: [default, callback]
  data_source_app_id:
    description:
      - ID of the Open Platform app tied to the data source (the API field C(app_id)); not the O(app_id) used to
        authenticate.
      - Can only be set when the data source is created; a different value fails the task.
    type: str
extends_documentation_fragment:
  - dsops.cloud.feishu
  - dsops.cloud.feishu.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Check mode performs only reads and returns the predicted data source.
  diff_mode:
    support: full
    details: The diff holds the managed fields before and after as YAML text in option names; an absent data source
      is empty text.
  platform:
    platforms: all
notes:
  - Create-only fields (O(template), O(schema_id), O(searchable_fields), O(connect_type), O(data_source_app_id))
    are never changed in place. When they differ, the task fails naming each field with its current and desired
    value and writes nothing, because re-creating the data source would drop its indexed items.
  - A create is never repeated blindly; after a timeout or server error the module looks the name up again first.
seealso:
  - module: dsops.cloud.feishu_search_data_source_info
  - name: Feishu Search data source API
    description: Create, get, list, patch and delete Search v2 data sources.
    link: https://open.feishu.cn/document/server-docs/search-v2/open-search/data_source/create
'''

EXAMPLES = r'''
- name: Manage Feishu Search data sources
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/dsops.cloud.feishu:
      app_id: "{{ feishu_app_id }}"
      app_secret: "{{ feishu_app_secret }}"
  tasks:
    - name: Ensure the helpdesk data source exists and is online
      dsops.cloud.feishu_search_data_source:
        name: Tickets
        online: true
        description: Helpdesk tickets
        icon_url: https://example.com/tickets.png
        schema_id: ticket_schema
        i18n_name:
          zh_cn: 工单
          en_us: Tickets
      register: tickets

    - name: Add a Japanese name, keeping the other locales
      dsops.cloud.feishu_search_data_source:
        id: "{{ tickets.data_source.id }}"
        i18n_name:
          ja_jp: チケット

    - name: Preview taking it offline
      dsops.cloud.feishu_search_data_source:
        name: Tickets
        online: false
      check_mode: true
      diff: true

    - name: Create a callback data source on Lark
      dsops.cloud.feishu_search_data_source:
        base_url: https://open.larksuite.com
        name: Wiki
        connect_type: callback
        connector_param:
          callback_endpoint: https://search.example.com/feishu
          callback_user_id_type: open_id

    - name: Remove the data source
      dsops.cloud.feishu_search_data_source:
        id: "7300000000000000000"
        state: absent
'''

RETURN = r'''
data_source:
  description:
    - The data source after the run, with the API's field names; the prediction in check mode.
    - V({}) when it is absent.
  returned: success
  type: dict
  sample:
    id: "7300000000000000000"
    name: Tickets
    state: 0
    description: Helpdesk tickets
    create_time: "1700000000"
    update_time: "1700000300"
    is_exceed_quota: false
    icon_url: https://example.com/tickets.png
    template: search_common_card
    i18n_name:
      zh_cn: 工单
      en_us: Tickets
    schema_id: ticket_schema
    connect_type: 0
  contains:
    id:
      description: ID of the data source, a string of digits. Missing from a check mode prediction of a create.
      type: str
      sample: "7300000000000000000"
    name:
      description: Display name.
      type: str
      sample: Tickets
    state:
      description: 0 when online, 1 when offline.
      type: int
      sample: 0
    description:
      description: Description.
      type: str
      sample: Helpdesk tickets
    icon_url:
      description: Icon URL.
      type: str
      sample: https://example.com/tickets.png
    template:
      description: Display template.
      type: str
      sample: search_common_card
    searchable_fields:
      description: Searchable fields (deprecated by Feishu).
      type: list
      elements: str
      sample: [title]
    i18n_name:
      description: Localised names by locale (C(zh_cn), C(en_us), C(ja_jp)).
      type: dict
      sample: {"zh_cn": "工单", "en_us": "Tickets"}
    i18n_description:
      description: Localised descriptions by locale.
      type: dict
      sample: {"en_us": "Search helpdesk tickets"}
    schema_id:
      description: Schema the items follow.
      type: str
      sample: ticket_schema
    app_id:
      description: App tied to the data source.
      type: str
      sample: cli_a1306bed4738d01b
    connect_type:
      description: 0 for Feishu's own index, 1 for a callback.
      type: int
      sample: 0
    connector_param:
      description: Callback settings; C(callback_user_id_type) is 1 user_id, 2 open_id, 3 union_id.
      type: dict
      sample: {"callback_endpoint": "https://search.example.com/feishu", "callback_user_id_type": 2}
    enable_answer:
      description: Whether the Q&A service is used.
      type: bool
      sample: false
    create_time:
      description: Creation time, Unix seconds as a string.
      type: str
      sample: "1700000000"
    update_time:
      description: Last update time, Unix seconds as a string.
      type: str
      sample: "1700000300"
    is_exceed_quota:
      description: Whether the data source is over its quota.
      type: bool
      sample: false
diff:
  description:
    - The fields the task manages, before and after, as YAML text in the module's option names (C(online),
      not the API's C(state)), with non-ASCII text such as Chinese names kept as it is, so that C(--diff) prints
      a readable unified diff. An absent side is empty text.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The fields before, as YAML text.
      type: str
    after:
      description: The fields after (predicted in check mode), as YAML text.
      type: str
    before_header:
      description: The data source the diff is of, with its ID when it has one.
      type: str
    after_header:
      description: The same as RV(diff.before_header).
      type: str
  sample:
    before: "name: Tickets\nonline: false\ni18n_name:\n  zh_cn: 工单\n"
    after: "name: Tickets\nonline: true\ni18n_name:\n  zh_cn: 工单系统\n"
    before_header: "Feishu data source 'Tickets' (id 7300000000000000000)"
    after_header: "Feishu data source 'Tickets' (id 7300000000000000000)"
written:
  description:
    - Set when the task failed after a write that the API accepted, or may have accepted (its answer was lost).
      The task then also reports C(changed=true).
    - Holds what is known of that write, for example the C(id) of the data source and the C(job_id) (DWS), or
      C(outcome=unknown) when the answer was lost and the object did not show. A re-run finds and adopts it.
  returned: when a write was made, or may have been made, before the task failed
  type: dict
  sample: {"id": "66666666-7777-8888-9999-000000000000", "job_id": "2c9081c88418ed420184197c8bc80001"}
error:
  description: Details of a failed Feishu call.
  returned: when Feishu answered with an error
  type: dict
  contains:
    code:
      description: Feishu error code.
      type: int
      sample: 1270005
    message:
      description: Feishu error message.
      type: str
      sample: this feature is only available on the Flagship edition
    log_id:
      description: Feishu log id of the failed request, for support.
      type: str
      sample: 20240101120000ABCDEF0123456789ABCD
    http_status:
      description: HTTP status of the answer.
      type: int
      sample: 400
  sample:
    platform: Feishu
    code: 1270005
    message: this feature is only available on the Flagship edition
    log_id: 20240101120000ABCDEF0123456789ABCD
    request_id: 20240101120000ABCDEF0123456789ABCD
    http_status: 400
    method: PATCH
    path: /open-apis/search/v2/data_sources/7300000000000000000
conflicts:
  description: Create-only fields whose desired value differs from the current one, by API field name.
  returned: when the task fails because of them
  type: dict
  sample: {"schema_id": {"current": "ticket_schema", "desired": "other_schema"}}
'''

from ansible_collections.dsops.cloud.plugins.module_utils.feishu.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import ensure
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import FeishuDataSourceResource, resource_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar


def argument_spec():
    spec = connection_argument_spec()
    spec.update(resource_argument_spec())
    return spec


def main():
    module = new_module(
        argument_spec=argument_spec(),
        # the credentials are checked by build_client, where a blank variable counts as not set
        required_one_of=[('id', 'name')],
        supports_check_mode=True,
    )

    def work():
        # both constructors validate their options; neither sends a request
        client = build_client(module.params, secret_registrar(module))
        resource = FeishuDataSourceResource(client, module.params)
        # Feishu data sources are never re-created: a create-only difference is a conflict
        return ensure(resource, module.params['state'], check_mode=module.check_mode, want_diff=module._diff)

    run(module, work)


if __name__ == '__main__':
    main()
