# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dws_ext_data_sources_listings
short_description: Which GaussDB(DWS) clusters and types to list for a list of desired data sources
version_added: 0.1.0
author:
  - dsops maintainers (@dsops)
description:
  - Checks every item of a list of desired external data sources against the argument spec of
    M(dsops.cloud.dws_ext_data_source), and returns the listings M(dsops.cloud.dws_ext_data_source_info) must make so
    that P(dsops.cloud.dws_ext_data_sources_plan#filter) can decide what to change.
  - There is one listing per cluster, of a single type when every item of that cluster gives that type (one
    request), of both types otherwise or when purging.
  - Fails, naming every bad item, before any request is made.
  - Used by the role C(dsops.cloud.dws_ext_data_sources).
positional: _input
options:
  _input:
    description:
      - The desired data sources, each a dictionary of the resource options of M(dsops.cloud.dws_ext_data_source).
    type: list
    elements: dict
    required: true
  cluster_id:
    description:
      - The cluster of the items that do not give C(cluster_id). With O(purge) it is listed even if no item
        names it.
    type: str
  purge:
    description:
      - The plan will purge, so every cluster is listed in both types.
    type: bool
    default: false
seealso:
  - plugin: dsops.cloud.dws_ext_data_sources_plan
    plugin_type: filter
'''

EXAMPLES = r'''
- name: List each cluster once, as little as the items need
  dsops.cloud.dws_ext_data_source_info:
    cluster_id: "{{ item.cluster_id }}"
    type: "{{ item.type | default(omit) }}"
  loop: "{{ wanted | dsops.cloud.dws_ext_data_sources_listings(cluster_id='11111111-2222-3333-4444-555555555555') }}"
  register: current
  vars:
    wanted:
      - name: obs_src1
        type: OBS
        agency: DWSAccessOBS
        connect_info: gaussdb
'''

RETURN = r'''
_value:
  description: One entry per cluster, in the order the items name them.
  type: list
  elements: dict
  contains:
    cluster_id:
      description: The cluster to list.
      type: str
      sample: 11111111-2222-3333-4444-555555555555
    type:
      description: The only type to list; absent when both types are needed.
      type: str
      sample: OBS
  sample:
    - cluster_id: 11111111-2222-3333-4444-555555555555
      type: OBS
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dsops.cloud.plugins.filter.dws_ext_data_sources_plan import as_list, needed_listings
from ansible_collections.dsops.cloud.plugins.plugin_utils.data_source_plan import PlanError


def dws_ext_data_sources_listings(items, cluster_id=None, purge=False):
    """The listings the plan needs (see DOCUMENTATION)."""
    try:
        return needed_listings(as_list(items), cluster_id=cluster_id, purge=purge)
    except PlanError as error:
        raise AnsibleFilterError(to_native(error))


class FilterModule(object):
    def filters(self):
        return {'dws_ext_data_sources_listings': dws_ext_data_sources_listings}
