# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dws_ext_data_sources_plan
short_description: Decide which GaussDB(DWS) external data sources of a list need a change
version_added: 0.1.0
author:
  - dsops maintainers (@dsops)
description:
  - Takes a list of desired external data sources (each item holds the options of M(dsops.cloud.dws_ext_data_source))
    and the listings made once per cluster with M(dsops.cloud.dws_ext_data_source_info), and returns the items for
    which the module has something to do, with the exact options to call it with.
  - Each item goes through the module's own argument spec and its own planning step (the one the module runs
    before it writes), against
    the listings already made, so an item is pending exactly when the module would change it. A data source that
    the listing shows in the middle of a job (C(CREATING), C(UPDATING), C(DELETING)) is pending with the action
    C(busy) and a hint, and the module waits for the job before it compares and writes. Nothing is compared
    a second time in Jinja, and no request is made.
  - Items that cannot be applied (a bad option, an unknown id, a create-only field that differs without
    C(recreate), two items for one data source) fail the filter together, before anything is written.
  - Used by the role C(dsops.cloud.dws_ext_data_sources), after P(dsops.cloud.dws_ext_data_sources_listings#filter)
    told it what to list.
positional: _input, current
options:
  _input:
    description:
      - The desired data sources, each a dictionary of the resource options of M(dsops.cloud.dws_ext_data_source)
        (no connection options), matched by C(id) or by C(name).
    type: list
    elements: dict
    required: true
  current:
    description:
      - The listings, as registered by looping M(dsops.cloud.dws_ext_data_source_info) over the output of
        P(dsops.cloud.dws_ext_data_sources_listings#filter) (the registered dictionary or its C(results)).
      - Each entry needs the listing it made (C(item.cluster_id) and, when one type was listed, C(item.type)) and
        RV(dsops.cloud.dws_ext_data_source_info#module:ext_data_sources).
    type: raw
    required: true
  cluster_id:
    description:
      - The cluster of the items that do not give C(cluster_id).
    type: str
  purge:
    description:
      - Also delete the OBS and MRS data sources of the listed clusters that no item matches.
    type: bool
    default: false
  purge_empty:
    description:
      - Allow O(purge) when O(_input) is empty, which deletes every OBS and MRS data source of the cluster.
      - Without it such a plan fails, so that an empty list never wipes a cluster by accident.
    type: bool
    default: false
notes:
  - The C(user_password) of an MRS item is used to check that a create is possible, but never appears in the plan;
    pass it to the module from the item itself, by the C(index) of each pending entry.
seealso:
  - module: dsops.cloud.dws_ext_data_source
  - module: dsops.cloud.dws_ext_data_source_info
  - plugin: dsops.cloud.dws_ext_data_sources_listings
    plugin_type: filter
'''

EXAMPLES = r'''
- name: List each cluster once
  dsops.cloud.dws_ext_data_source_info:
    cluster_id: "{{ item.cluster_id }}"
    type: "{{ item.type | default(omit) }}"
  loop: "{{ wanted | dsops.cloud.dws_ext_data_sources_listings(cluster_id=cluster) }}"
  register: current

- name: Plan
  ansible.builtin.set_fact:
    plan: "{{ wanted | dsops.cloud.dws_ext_data_sources_plan(current, cluster_id=cluster) }}"

- name: Apply only what differs
  dsops.cloud.dws_ext_data_source:
    cluster_id: "{{ item.options.cluster_id }}"
    id: "{{ item.options.id | default(omit) }}"
    name: "{{ item.options.name | default(omit) }}"
    type: "{{ item.options.type | default(omit) }}"
    state: "{{ item.options.state | default(omit) }}"
    agency: "{{ item.options.agency | default(omit) }}"
    connect_info: "{{ item.options.connect_info | default(omit) }}"
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
        - The calls of M(dsops.cloud.dws_ext_data_source) to make, in list order, purges last.
        - C(index) is the item's position in the list (none for a purge), C(action) one of V(create), V(update),
          V(recreate), V(delete) and V(busy) (a job is running on it, so the module waits, then decides), C(label) a
          one-line description, C(options) the module options to pass
          (only those set, with C(cluster_id) resolved and the C(id) and C(type) of the matched data source, never
          C(user_password)).
      type: list
      elements: dict
      sample:
        - index: 0
          action: update
          label: "update 'obs_src1' (id 2b9a3a4e-0000-4000-8000-000000000001): user_name"
          options:
            cluster_id: 11111111-2222-3333-4444-555555555555
            id: 2b9a3a4e-0000-4000-8000-000000000001
            name: obs_src1
            type: OBS
            agency: DWSAccessOBS2
    unchanged:
      description: The items already as desired (C(index) and C(label)).
      type: list
      elements: dict
      sample: [{"index": 1, "label": "'obs_src2' (id 2b9a3a4e-0000-4000-8000-000000000002)"}]
    counts:
      description: How many items per action, and how many are unchanged.
      type: dict
      sample: {"update": 1, "unchanged": 1}
    summary:
      description: The labels of the pending calls.
      type: list
      elements: str
      sample: ["update 'obs_src1' (id 2b9a3a4e-0000-4000-8000-000000000001): user_name"]
    listed:
      description: How many data sources the listings held.
      type: int
      sample: 2
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dsops.cloud.plugins.module_utils.core import lifecycle
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import DsopsError
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source import (
    RESOURCE_MUTUALLY_EXCLUSIVE, DwsExtDataSourceResource, TYPES, resource_argument_spec, select, validate_common)
from ansible_collections.dsops.cloud.plugins.plugin_utils.data_source_plan import (
    CREATE, DELETE, ListPlan, PlanError, check_item, check_purge, describe, label_for)

VARIABLE = 'dws_ext_data_sources'
# Never copied into the plan: the role passes it from the item itself.
SECRET_OPTIONS = ('user_password',)


def item_spec():
    return resource_argument_spec()


def with_cluster(item, cluster_id):
    """The item with the role's cluster filled in when it gives none."""
    if isinstance(item, dict) and not item.get('cluster_id') and cluster_id:
        item = dict(item, cluster_id=cluster_id)
    return item


def check_dws_item(item, spec):
    """The module's argument spec and its own checks that need no request (names, formats)."""
    if isinstance(item, dict) and not item.get('cluster_id'):
        raise PlanError('cluster_id is missing: give it in the item, or set %s_cluster_id' % VARIABLE)
    params, given = check_item(item, spec, required_one_of=[('name', 'id')], mutually_exclusive=RESOURCE_MUTUALLY_EXCLUSIVE)
    try:
        validate_common(params)
    except DsopsError as error:
        raise PlanError(to_native(error))
    return params, given


def needed_listings(items, cluster_id=None, purge=False):
    """[{cluster_id, type?}]: one listing per cluster, of one type when that is all the items need.

    Raises PlanError listing every item that is invalid, so nothing is read for a list
    that cannot be applied.
    """
    spec = item_spec()
    order, types, errors = [], {}, []
    for index, item in enumerate(items):
        item = with_cluster(item, cluster_id)
        try:
            params, dummy = check_dws_item(item, spec)
        except PlanError as error:
            errors.append('item %s: %s' % (label_for(item, index), to_native(error)))
            continue
        cluster = params['cluster_id']
        if cluster not in types:
            order.append(cluster)
            types[cluster] = set()
        # an item without type is looked up among both types, as the module does
        types[cluster].update([params['type']] if params.get('type') else TYPES)
    if errors:
        raise PlanError('%d problem(s) in %s (%d item(s)); nothing was changed:\n  - %s'
                        % (len(errors), VARIABLE, len(items), '\n  - '.join(errors)))
    if purge and cluster_id and cluster_id not in types:
        order.append(cluster_id)
        types[cluster_id] = set()
    listings = []
    for cluster in order:
        listing = {'cluster_id': cluster}
        if not purge and len(types[cluster]) == 1:
            listing['type'] = sorted(types[cluster])[0]
        listings.append(listing)
    return listings


class DwsListings:
    """The listings the role made, by cluster and by the types each listing covered."""

    def __init__(self):
        self.clusters = {}

    def add(self, cluster_id, types, data_sources):
        entry = self.clusters.setdefault(cluster_id, {'types': set(), 'data_sources': []})
        entry['types'].update(types)
        entry['data_sources'].extend(dict(obj) for obj in data_sources)

    def items(self, cluster_id, types):
        """The data sources of ``types`` in one cluster; PlanError when one of the types was not listed."""
        entry = self.clusters.get(cluster_id)
        missing = [ds_type for ds_type in types if entry is None or ds_type not in entry['types']]
        if missing:
            raise PlanError('the %s data sources of cluster %s were not listed; list them with '
                            'dws_ext_data_sources_listings' % (' and '.join(missing), cluster_id))
        return [dict(obj) for obj in entry['data_sources'] if obj.get('type') in types]

    def count(self):
        return sum(len(entry['data_sources']) for entry in self.clusters.values())


def listings_from(current):
    """The DwsListings of the registered loop over dws_ext_data_source_info."""
    if isinstance(current, dict):
        current = current.get('results', [])
    if not isinstance(current, list):
        raise PlanError('current must be the registered results of dws_ext_data_source_info looped over '
                        'dws_ext_data_sources_listings')
    listings = DwsListings()
    for entry in current:
        if not isinstance(entry, dict) or entry.get('skipped'):
            continue
        if entry.get('failed'):
            raise PlanError('a listing of current data sources failed: %s' % entry.get('msg'))
        listing = entry.get('item') if isinstance(entry.get('item'), dict) else entry
        if not listing.get('cluster_id'):
            raise PlanError('each listing must name its cluster_id (loop over dws_ext_data_sources_listings)')
        types = [listing['type']] if listing.get('type') else list(TYPES)
        listings.add(listing['cluster_id'], types, entry.get('ext_data_sources') or [])
    return listings


def _target(obj, cluster, several_clusters):
    text = describe(obj)
    return '%s in cluster %s' % (text, cluster) if several_clusters else text


def plan_item(plan, listings, index, item, spec, several_clusters):
    """Plan one item with the module's own planning step, against the listings already made."""
    label = label_for(item, index)
    try:
        params, given = check_dws_item(item, spec)
        resource = DwsExtDataSourceResource(None, params)
        items = listings.items(params['cluster_id'], resource.types_to_read())
        found = select(items, params)
        decided = lifecycle.plan(resource, found, params['state'], allow_recreate=params['recreate'])
    except (PlanError, DsopsError) as error:
        plan.errors.append('item %s: %s' % (label, to_native(error)))
        return
    cluster = params['cluster_id']
    for name in SECRET_OPTIONS:
        given.pop(name, None)
    given['cluster_id'] = cluster
    if found is not None:
        key = (cluster, str(found['id']).lower())
        if not plan.claim(key, 'item %s' % label, 'data source %s in cluster %s' % (describe(found), cluster)):
            return
        given.setdefault('id', found['id'])
        given.setdefault('type', resource.type_of(found))
        target = _target(found, cluster, several_clusters)
    else:
        if params['state'] == 'present' and not plan.claim(
                (cluster, 'name:%s' % params['name']), 'item %s' % label,
                'the new data source %r in cluster %s' % (params['name'], cluster)):
            return
        target = _target({'name': params.get('name') or params.get('id')}, cluster, several_clusters)
    if not decided.changed:
        plan.add_unchanged(index, target)
    elif decided.action == lifecycle.BUSY:
        # the module waits for the running job, then compares and writes only what still differs
        plan.add_pending(index, decided.action, target, given, reason=decided.hint)
    else:
        fields = sorted(set(decided.changes) | set(decided.conflicts)) if decided.action not in (CREATE, DELETE) else ()
        plan.add_pending(index, decided.action, target, given, fields)


def plan_purge(plan, listings, several_clusters):
    for cluster, entry in listings.clusters.items():
        if not set(TYPES) <= entry['types']:
            continue  # only a cluster listed in full can be purged
        for obj in entry['data_sources']:
            if (cluster, str(obj.get('id')).lower()) in plan.claimed:
                continue
            options = {'cluster_id': cluster, 'id': obj['id'], 'state': 'absent'}
            if obj.get('type'):
                options['type'] = obj['type']
            plan.add_pending(None, DELETE, _target(obj, cluster, several_clusters), options,
                             reason='not in the list (purge)')


def as_list(items):
    if items is None:
        return []
    if not isinstance(items, list):
        raise PlanError('%s must be a list of dictionaries, got %s' % (VARIABLE, type(items).__name__))
    return items


def dws_ext_data_sources_plan(items, current, cluster_id=None, purge=False, purge_empty=False):
    """The plan for a list of desired DWS external data sources (see DOCUMENTATION)."""
    try:
        items = as_list(items)
        check_purge(items, purge, purge_empty, VARIABLE)
        listings = listings_from(current)
        spec = item_spec()
        several = len(listings.clusters) > 1
        plan = ListPlan()
        for index, item in enumerate(items):
            plan_item(plan, listings, index, with_cluster(item, cluster_id), spec, several)
        plan.fail_if_errors(VARIABLE, len(items))
        if purge:
            plan_purge(plan, listings, several)
        return plan.as_dict(listings.count())
    except PlanError as error:
        raise AnsibleFilterError(to_native(error))


class FilterModule(object):
    def filters(self):
        return {'dws_ext_data_sources_plan': dws_ext_data_sources_plan}
