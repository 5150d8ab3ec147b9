#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: feishu_search_data_sources
short_description: Manage a whole set of Feishu / Lark Search data sources in one task
version_added: 0.2.0
description:
  - Reconciles a declared list of custom Search v2 data sources (自定义搜索数据源) of a Feishu or Lark tenant in one
    task, in the way of Ansible's network resource modules. O(config) lists the data sources and O(state) says how
    the list applies to what exists.
  - Each item of O(config) takes the options of M(dsops.cloud.feishu_search_data_source) that describe a data source,
    with the same types, choices and checks. An item matches an existing data source by O(config[].id) when it gives
    one, else by its exact O(config[].name).
  - V(merged), the default, creates each item that does not exist and updates each one that does, sending only the
    options that item gives and that differ. An option left out of an item is neither sent nor compared. Data
    sources that no item names are left alone.
  - V(overridden) does what V(merged) does, then deletes every data source of the tenant that no item matches. An
    empty O(config) is refused, and nothing is written, unless O(allow_delete_all=true).
  - V(deleted) deletes the data sources the items name. An item whose data source does not exist is already absent
    and is reported as C(unchanged). An empty O(config) is refused; it never means "delete every data source".
  - V(gathered) only reads. It returns every data source in RV(gathered), in the O(config) format (option names,
    never API-only fields such as C(create_time) or C(is_exceed_quota)). O(config) must be left out. Passing
    RV(gathered) back as O(config) with V(merged) or V(overridden) reports no change and makes no write, so
    V(gathered) is where adopting existing data sources starts.
  - The whole list is checked before the first write. First every item's options are checked (Ansible's argument
    spec, then the module's own checks, for example an id that is not a string of digits). Then every item is
    matched and planned against one listing. An unknown O(config[].id), two items for one data source, a name that
    several data sources share, and a create-only option that differs are all problems. Ansible's argument spec
    stops the task at the first type, choice or unknown option it meets (its message names O(config) but not the
    item). Then the
    module's own option checks run on every item, with no request made; then the matching and planning. Each of
    these two checks collects every problem it finds and fails the task reporting them together in
    RV(problems), each naming its item by position and name, and nothing is written.
  - The writes run one after another. Creates and updates come first, in the order of O(config), and the deletes of
    V(overridden) come last. The first write that fails (once its retries are spent) stops the run. The task fails
    naming that item; RV(results) tells item by item what happened; the items not attempted are C(skipped). A delete
    therefore never follows a failed create or update. The writes made before the failure stand, and running the
    task again converges.
  - A task makes one request for a tenant access token (none when O(tenant_access_token) is given), lists every
    data source in full view (one request per 50 data sources), and then sends one request per create, update or
    delete. No data source is read on its own, and nothing is listed again after the writes. In a steady state, with
    up to 50 data sources, a task makes two requests whatever the length of O(config).
  - Check mode makes the same reads and no write. It predicts C(changed), RV(results), RV(after) and the diff.
  - Diff mode returns RV(diff), the whole set before and after, data source by data source, in the O(config)
    format.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
  config:
    description:
      - The declared data sources, one dictionary per data source.
      - Each item needs O(config[].id) or O(config[].name).
      - A data source may be named by one item only, and a name to create by one item only.
      - Must be left out with O(state=gathered). May only be empty with O(state=overridden) and
        O(allow_delete_all=true).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description:
          - ID of an existing data source, a string of digits such as V("7300000000000000000"). Quote it in YAML;
            ids exceed the range of exact floating point numbers.
          - Feishu assigns ids when it creates a data source, so an id that does not exist is a problem with
            O(state=merged) or O(state=overridden). With O(state=deleted) it is already absent.
          - When given, the item matches by id and O(config[].name) becomes a field to set (a rename).
        type: str
        aliases: [data_source_id]
      name:
        description:
          - Display name of the data source. Needed to create one.
          - Without O(config[].id), the item matches the data source with exactly this name. If several data
            sources have it, that is a problem naming their ids.
          - With O(config[].id) and O(state=deleted), the data source is deleted only if its name is this one.
        type: str
      online:
        description:
          - Whether the data source is online, that is shown in search. The API calls this C(state), V(0) for
            online and V(1) for offline.
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
          - Display names by locale.
          - A locale left out keeps its current value; the module sends the merged whole object.
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
          - Descriptions by locale.
          - A locale left out keeps its current value; the module sends the merged whole object.
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
          - Whether the Q&A (问答) service uses this data source.
        type: bool
      connector_param:
        description:
          - Callback settings of a data source with O(config[].connect_type=callback).
          - A key left out keeps its current value; the module sends the merged whole object.
        type: dict
        suboptions:
          callback_endpoint:
            description:
              - The http or https URL that Feishu calls (POST) at search time.
            type: str
          callback_user_id_type:
            description:
              - Which id of the searching user Feishu sends to the callback.
            type: str
            choices: [user_id, open_id, union_id]
      template:
        description:
          - Name of the display template. Feishu uses V(search_common_card) when it is not set.
          - Create-only; a different value is a problem.
        type: str
      schema_id:
        description:
          - ID of the schema (数据范式) that the items of the data source follow, made with the Search schema API.
          - Create-only; a different value is a problem.
        type: str
      searchable_fields:
        description:
          - Names of the searchable fields. Feishu deprecates them in favour of O(config[].schema_id).
          - Create-only; a different value is a problem.
        type: list
        elements: str
      connect_type:
        description:
          - How search is served. V(default) searches Feishu's own index, fed by the items API. V(callback) makes
            Feishu call O(config[].connector_param.callback_endpoint) at query time.
          - Create-only; a different value is a problem.
        type: str
        choices: [default, callback]
      data_source_app_id:
        description:
          - ID of the Open Platform app tied to the data source, the API field C(app_id). Not the O(app_id) that
            the module authenticates with.
          - Create-only; a different value is a problem.
        type: str
  state:
    description:
      - How O(config) applies to the data sources of the tenant.
      - V(merged) creates the missing items and updates the others with the options they give; data sources no
        item names are left alone.
      - V(overridden) does what V(merged) does, then deletes every data source no item matches.
      - V(deleted) deletes the data sources the items name.
      - V(gathered) only reads and returns the data sources in RV(gathered).
    type: str
    choices: [merged, overridden, deleted, gathered]
    default: merged
  allow_delete_all:
    description:
      - Allow O(state=overridden) with an empty O(config), which deletes every data source of the tenant.
      - Without it such a task fails and writes nothing, so that an empty variable cannot wipe a tenant.
      - O(state=deleted) with an empty O(config) fails whatever this says.
    type: bool
    default: false
extends_documentation_fragment:
  - dsops.cloud.feishu
  - dsops.cloud.feishu.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode makes the reads only (the token and the listing) and returns the predicted C(changed),
        RV(results), RV(after) and RV(data_sources).
  diff_mode:
    support: full
    details:
      - The diff is the whole set before and after, as YAML text in the O(config) format. Without a change both sides
        are the same.
  platform:
    platforms: all
notes:
  - Create-only options (O(config[].template), O(config[].schema_id), O(config[].searchable_fields),
    O(config[].connect_type), O(config[].data_source_app_id)) are never changed in place. When one differs the task
    fails before any write, naming the item and the field with its current and desired value. The module never
    re-creates a Feishu data source, because that would drop its indexed items.
  - Deleting a data source also deletes every item indexed in it. Preview an V(overridden) run with check mode and
    diff mode first.
  - RV(gathered) holds each data source's O(config[].id), so its round trip matches by id. Changing a name in a
    saved RV(gathered) and applying it renames that data source.
  - A create is never sent twice. After a create whose answer was lost, the module looks the name up again before
    anything else, and adopts the data source if it appeared.
  - One tenant access token serves the whole task. When Feishu reports it expired part-way, it is renewed once and
    the request is sent again.
  - The module manages remote state, not the host it runs on. Run it once, not once per host, for example in a
    play on C(localhost) or with C(run_once).
seealso:
  - module: dsops.cloud.feishu_search_data_source
    description: Manage one data source, with C(state=present) or C(state=absent).
  - module: dsops.cloud.feishu_search_data_source_info
    description: List the data sources of the tenant, as the API reports them.
  - ref: ansible_collections.dsops.cloud.docsite.guide_feishu
    description: The Feishu scenario guide, including adopting existing data sources.
  - name: Feishu Search data source API
    description: Create, get, list, patch and delete Search v2 data sources.
    link: https://open.feishu.cn/document/server-docs/search-v2/open-search/data_source/create
'''

EXAMPLES = r'''
- name: Declare the data sources (merged); data sources not listed are left alone
  dsops.cloud.feishu_search_data_sources:
    config:
      - name: Tickets
        online: true
        description: Helpdesk tickets
        schema_id: ticket_schema
        i18n_name:
          zh_cn: 工单
          en_us: Tickets
      - name: Wiki
        connect_type: callback
        connector_param:
          callback_endpoint: https://search.example.com/feishu
          callback_user_id_type: open_id
  register: declared

- name: Name the data sources that changed
  ansible.builtin.debug:
    msg: "{{ declared.results | rejectattr('action', 'equalto', 'unchanged') | map(attribute='name') | list }}"

- name: Preview making the list the whole set, without writing (check mode with a diff)
  dsops.cloud.feishu_search_data_sources:
    state: overridden
    config:
      - name: Tickets
        online: true
      - name: Wiki
  check_mode: true
  diff: true
  register: preview

- name: Make the list the whole set; every other data source is deleted, last
  dsops.cloud.feishu_search_data_sources:
    state: overridden
    config:
      - name: Tickets
        online: true
      - name: Wiki

- name: Delete two data sources, one by name and one by id
  dsops.cloud.feishu_search_data_sources:
    state: deleted
    config:
      - name: Old FAQ
      - id: "7300000000000000001"

- name: Adopt what exists on Lark, with the connection set once
  module_defaults:
    group/dsops.cloud.feishu:
      base_url: https://open.larksuite.com
  block:
    - name: Read every data source in the config format
      dsops.cloud.feishu_search_data_sources:
        state: gathered
      register: current

    - name: Keep the declared set in the inventory
      ansible.builtin.copy:
        content: "{{ {'feishu_data_sources': current.gathered} | to_nice_yaml }}"
        dest: group_vars/all/feishu_data_sources.yml
        mode: "0644"
      delegate_to: localhost

    - name: Apply it back; this reports no change and makes no write
      dsops.cloud.feishu_search_data_sources:
        state: overridden
        config: "{{ current.gathered }}"

- name: Empty a test tenant on purpose
  dsops.cloud.feishu_search_data_sources:
    state: overridden
    config: []
    allow_delete_all: true
'''

RETURN = r'''
results:
  description:
    - What happened to each item, in the order of O(config), then one entry for each data source that
      O(state=overridden) deletes because no item matches it.
    - In check mode, what would happen.
  returned: when O(state) is not V(gathered), also when a write failed part-way
  type: list
  elements: dict
  sample:
    - name: Tickets
      id: "7300000000000000000"
      index: 0
      action: updated
      changes:
        online:
          before: false
          after: true
    - name: Wiki
      id: "7300000000000000001"
      index: 1
      action: unchanged
      changes: {}
    - name: Old FAQ
      id: "7300000000000000002"
      action: deleted
      changes:
        name:
          before: Old FAQ
          after: null
  contains:
    name:
      description: Name of the data source, or V(null) when an item by id names no data source.
      type: str
      sample: Tickets
    id:
      description: ID of the data source; V(null) for a data source that is not created yet (check mode, C(skipped)).
      type: str
      sample: "7300000000000000000"
    index:
      description: Position of the item in O(config). Missing from the entries of data sources no item matches.
      type: int
      sample: 0
    action:
      description:
        - V(created), V(updated), V(deleted) or V(unchanged).
        - V(failed) for the write that stopped the run, and V(skipped) for the writes not attempted after it.
      type: str
      choices: [created, updated, deleted, unchanged, failed, skipped]
      sample: updated
    changes:
      description:
        - The options that changed, or would change, each with its C(before) and C(after) value, in option names.
        - V({}) when nothing changes. A created data source shows V(null) before; a deleted one V(null) after.
      type: dict
      sample: {"online": {"before": false, "after": true}}
    error:
      description: Why the write failed.
      returned: when RV(results[].action=failed)
      type: str
      sample: >-
        Feishu API error 1270005 (HTTP 400) on PATCH /open-apis/search/v2/data_sources/7300000000000000000:
        this feature is only available on the Flagship edition
before:
  description: Every data source before the task, in the O(config) format.
  returned: when O(state) is not V(gathered) and the task succeeded
  type: list
  elements: dict
  sample:
    - id: "7300000000000000000"
      name: Tickets
      online: false
      description: Helpdesk tickets
      template: search_common_card
      i18n_name: {"zh_cn": "工单", "en_us": "Tickets"}
after:
  description:
    - Every data source after the task, in the O(config) format; in check mode, the prediction.
    - A data source the task creates in check mode has no C(id).
  returned: when O(state) is not V(gathered) and the task succeeded
  type: list
  elements: dict
  sample:
    - id: "7300000000000000000"
      name: Tickets
      online: true
      description: Helpdesk tickets
      template: search_common_card
      i18n_name: {"zh_cn": "工单", "en_us": "Tickets"}
data_sources:
  description:
    - Every data source after the task, with the API's field names, as
      RV(dsops.cloud.feishu_search_data_source#module:data_source) returns one; in check mode, the prediction.
    - A URL holding credentials (C(user:password@)) is masked.
  returned: when O(state) is not V(gathered) and the task succeeded
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
      i18n_name: {"zh_cn": "工单", "en_us": "Tickets"}
  contains:
    id:
      description: ID of the data source, a string of digits. Missing from the prediction of a create.
      type: str
      sample: "7300000000000000000"
    name:
      description: Display name.
      type: str
      sample: Tickets
    state:
      description: V(0) when online, V(1) when offline.
      type: int
      sample: 0
    connect_type:
      description: V(0) for Feishu's own index, V(1) for a callback.
      type: int
      sample: 0
gathered:
  description:
    - Every data source of the tenant in the O(config) format, ready to be passed back as O(config).
    - Options that the data source does not set are left out.
  returned: when O(state=gathered)
  type: list
  elements: dict
  sample:
    - id: "7300000000000000000"
      name: Tickets
      online: true
      description: Helpdesk tickets
      template: search_common_card
      i18n_name: {"zh_cn": "工单", "en_us": "Tickets"}
    - id: "7300000000000000001"
      name: Wiki
      online: false
      template: search_common_card
      connect_type: callback
      connector_param: {"callback_endpoint": "https://search.example.com/feishu", "callback_user_id_type": "open_id"}
diff:
  description:
    - The whole set before and after, each side RV(before) or RV(after) as YAML text (a list in the O(config) format,
      Unicode kept), so that C(--diff) prints a readable unified diff. Without a change both sides are the same.
  returned: in diff mode, when O(state) is not V(gathered) and the task succeeded
  type: dict
  contains:
    before:
      description: RV(before) as YAML text.
      type: str
    after:
      description: RV(after) as YAML text (predicted in check mode).
      type: str
    before_header:
      description: What the set is, for the lines C(--diff) prints above the diff.
      type: str
    after_header:
      description: The same as RV(diff.before_header).
      type: str
  sample:
    before: "- id: '7300000000000000000'\n  name: Tickets\n  online: false\n  i18n_name:\n    zh_cn: 工单\n"
    after: "- id: '7300000000000000000'\n  name: Tickets\n  online: true\n  i18n_name:\n    zh_cn: 工单\n"
    before_header: "the Feishu data sources (config)"
    after_header: "the Feishu data sources (config)"
problems:
  description:
    - Every problem found in O(config), one line per problem, each starting with the item's position and name.
      Nothing was written.
    - The message of the task holds the same lines.
  returned: when the task failed because items cannot be applied
  type: list
  elements: str
  sample:
    - "config[1] ('Tickets'): config[0] ('Tickets') also manages the new 'Tickets'; keep one of the two items."
    - "config[3] ('Dup'): 2 Feishu data sources are named 'Dup' (ids 7300000000000000003, 7300000000000000004); give id to choose one."
written:
  description:
    - Set when the task failed after a write that Feishu accepted, or may have accepted because its answer was lost.
      The task then also reports C(changed=true).
    - What is known of the write that failed, for example the C(id) of the data source or C(outcome=unknown), or
      else C(items), the labels of the items written before the failure.
  returned: when a write was made, or may have been made, before the task failed
  type: dict
  sample: {"items": ["config[0] ('Tickets')"]}
error:
  description: Details of the Feishu call that made the task fail.
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
    request_id:
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
    request_id: 20240101120000ABCDEF0123456789ABCD
    http_status: 400
    method: PATCH
    path: /open-apis/search/v2/data_sources/7300000000000000000
'''

from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar
from ansible_collections.dsops.cloud.plugins.module_utils.core.resource_set import STATES, MERGED, reconcile_set
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source_set import (
    FeishuDataSourceCatalog, item_argument_spec)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        config=dict(type='list', elements='dict', default=[], options=item_argument_spec()),
        state=dict(type='str', choices=list(STATES), default=MERGED),
        allow_delete_all=dict(type='bool', default=False),
    )
    return spec


def main():
    module = new_module(argument_spec=argument_spec(), supports_check_mode=True)

    def work():
        client = build_client(module.params, secret_registrar(module))
        return reconcile_set(FeishuDataSourceCatalog(client), module.params['config'], module.params['state'],
                             check_mode=module.check_mode, want_diff=module._diff,
                             allow_delete_all=module.params['allow_delete_all'])

    run(module, work)


if __name__ == '__main__':
    main()
