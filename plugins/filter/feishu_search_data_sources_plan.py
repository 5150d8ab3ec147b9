# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: feishu_search_data_sources_plan
short_description: Decide which Feishu / Lark Search data sources of a list need a change
version_added: 0.1.0
author:
  - dsops maintainers (@dsops)
description:
  - Takes a list of desired data sources (each item holds the options of M(dsops.cloud.feishu_search_data_source))
    and the current data sources read once with M(dsops.cloud.feishu_search_data_source_info), and returns the
    items for which the module has something to do, with the exact options to call it with.
  - Each item goes through the module's own argument spec and its own planning step (the one the module runs
    before it writes), against
    the listing already made, so an item is pending exactly when the module would change it. Nothing is compared
    a second time in Jinja, and no request is made.
  - Items that cannot be applied (a bad option, an unknown id, a create-only field that differs, two items for
    one data source) fail the filter together, before anything is written.
  - Used by the role C(dsops.cloud.feishu_search_data_sources).
positional: _input, current
options:
  _input:
    description:
      - The desired data sources, each a dictionary of the resource options of
        M(dsops.cloud.feishu_search_data_source) (no connection options), matched by C(id) or by exact
        C(name).
    type: list
    elements: dict
    required: true
  current:
    description:
      - The current data sources, as returned in RV(dsops.cloud.feishu_search_data_source_info#module:data_sources),
        or the registered result of that module.
    type: raw
    required: true
  purge:
    description:
      - Also delete the data sources that no item matches.
    type: bool
    default: false
  purge_empty:
    description:
      - Allow O(purge) when O(_input) is empty, which deletes every data source.
      - Without it such a plan fails, so that an empty list never wipes a tenant by accident.
    type: bool
    default: false
notes:
  - A URL holding credentials (C(https://user:pass@host)) is masked in the listing, so an item setting such a URL is
    always pending; the module then compares the real value and reports no change when there is none.
seealso:
  - module: dsops.cloud.feishu_search_data_source
  - module: dsops.cloud.feishu_search_data_source_info
'''

EXAMPLES = r'''
- name: Read every data source once
  dsops.cloud.feishu_search_data_source_info:
  register: current

- name: Plan
  ansible.builtin.set_fact:
    plan: "{{ wanted | dsops.cloud.feishu_search_data_sources_plan(current, purge=false) }}"
  vars:
    wanted:
      - name: Tickets
        online: true
        description: Helpdesk tickets
      - name: Wiki
        i18n_name:
          en_us: Wiki

- name: Apply only what differs
  dsops.cloud.feishu_search_data_source:
    id: "{{ item.options.id | default(omit) }}"
    name: "{{ item.options.name | default(omit) }}"
    state: "{{ item.options.state | default(omit) }}"
    online: "{{ item.options.online | default(omit) }}"
    description: "{{ item.options.description | default(omit) }}"
    i18n_name: "{{ item.options.i18n_name | default(omit) }}"
  loop: "{{ plan.pending }}"
  loop_control:
    label: "{{ item.label }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    pending:
      description:
        - The calls of M(dsops.cloud.feishu_search_data_source) to make, in list order, purges last.
        - C(index) is the item's position in the list (none for a purge), C(action) one of V(create), V(update)
          and V(delete), C(label) a one-line description, C(options) the module options to pass (only those set,
          plus the C(id) of the matched data source so the module reads it directly).
      type: list
      elements: dict
      sample:
        - index: 1
          action: update
          label: "update 'Wiki' (id 7300000000000000001): description"
          options: {"id": "7300000000000000001", "name": "Wiki", "description": "Team wiki"}
    unchanged:
      description: The items already as desired (C(index) and C(label)).
      type: list
      elements: dict
      sample: [{"index": 0, "label": "'Tickets' (id 7300000000000000000)"}]
    counts:
      description: How many items per action, and how many are unchanged.
      type: dict
      sample: {"update": 1, "unchanged": 1}
    summary:
      description: The labels of the pending calls.
      type: list
      elements: str
      sample: ["update 'Wiki' (id 7300000000000000001): description"]
    listed:
      description: How many data sources the listing held.
      type: int
      sample: 2
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dsops.cloud.plugins.module_utils.core import lifecycle
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import DsopsError
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import normalise_data_source
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import FeishuDataSourceResource, resource_argument_spec, select
from ansible_collections.dsops.cloud.plugins.plugin_utils.data_source_plan import (
    CREATE, DELETE, ListPlan, PlanError, check_item, check_purge, describe, label_for)

VARIABLE = 'feishu_search_data_sources'


def current_data_sources(current):
    """The listing, from the info module's list or its registered result."""
    if isinstance(current, dict):
        if current.get('failed'):
            raise PlanError('the listing of current data sources failed: %s' % current.get('msg'))
        current = current.get('data_sources') or []
    if not isinstance(current, list) or not all(isinstance(obj, dict) for obj in current):
        raise PlanError('current must be the data_sources list returned by feishu_search_data_source_info')
    return [normalise_data_source(dict(obj)) for obj in current]


def item_spec():
    return resource_argument_spec()


def plan_item(plan, listing, index, item, spec):
    """Plan one item with the module's own planning step, against the listing already made."""
    label = label_for(item, index)
    try:
        params, given = check_item(item, spec, required_one_of=[('id', 'name')])
        state = params.get('state') or 'present'
        found = select(listing, params)
        decided = lifecycle.plan(FeishuDataSourceResource(None, params), found, state)
    except (PlanError, DsopsError) as error:
        plan.errors.append('item %s: %s' % (label, to_native(error)))
        return
    if found is not None:
        if not plan.claim(str(found['id']), 'item %s' % label, 'data source %s' % describe(found)):
            return
        target = describe(found)
        given.setdefault('id', str(found['id']))
    else:
        if state == 'present' and not plan.claim('name:%s' % params['name'], 'item %s' % label,
                                                 'the new data source %r' % params['name']):
            return
        target = repr(params.get('name'))
    if not decided.changed:
        plan.add_unchanged(index, target)
    else:
        fields = sorted(set(decided.changes) | set(decided.conflicts)) if decided.action not in (CREATE, DELETE) else ()
        plan.add_pending(index, decided.action, target, given, fields)


def plan_purge(plan, listing):
    for obj in listing:
        if str(obj.get('id')) in plan.claimed:
            continue
        options = {'id': str(obj['id']), 'state': 'absent'}
        if obj.get('name'):
            options['name'] = obj['name']  # the module then refuses if the id now names something else
        plan.add_pending(None, DELETE, describe(obj), options, reason='not in the list (purge)')


def feishu_search_data_sources_plan(items, current, purge=False, purge_empty=False):
    """The plan for a list of desired Feishu data sources (see DOCUMENTATION)."""
    try:
        if items is None:
            items = []
        if not isinstance(items, list):
            raise PlanError('%s must be a list of dictionaries, got %s' % (VARIABLE, type(items).__name__))
        check_purge(items, purge, purge_empty, VARIABLE)
        listing = current_data_sources(current)
        spec = item_spec()
        plan = ListPlan()
        for index, item in enumerate(items):
            plan_item(plan, listing, index, item, spec)
        plan.fail_if_errors(VARIABLE, len(items))
        if purge:
            plan_purge(plan, listing)
        return plan.as_dict(len(listing))
    except PlanError as error:
        raise AnsibleFilterError(to_native(error))


class FilterModule(object):
    def filters(self):
        return {'feishu_search_data_sources_plan': feishu_search_data_sources_plan}
