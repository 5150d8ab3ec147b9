#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: dws_ext_data_source_info
short_description: List the external data sources of a Huawei Cloud GaussDB(DWS) cluster
version_added: 0.2.0
author:
  - dsops maintainers (@dsops)
description:
  - Lists the external data sources (OBS, MRS, LAKE_FORMATION) of a GaussDB(DWS) cluster, optionally only those of one type,
    name or ID.
  - Makes no change.
options:
  cluster_id:
    description:
      - ID of the DWS cluster (a UUID).
    type: str
    required: true
  type:
    description:
      - Only list data sources of this type (one list call). When not given, every type is listed (V(OBS), V(MRS)
        and V(LAKE_FORMATION), one list call each).
    type: str
    choices: [OBS, MRS, LAKE_FORMATION]
  name:
    description:
      - Only return the data source with this name.
    type: str
  id:
    description:
      - Only return the data source with this ID.
    type: str
extends_documentation_fragment:
  - dsops.cloud.dws
  - dsops.cloud.dws.action_group
attributes:
  check_mode:
    description: The module only reads, so it runs normally in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
seealso:
  - module: dsops.cloud.dws_ext_data_source
  - name: ListDataSource API reference
    description: Huawei Cloud GaussDB(DWS) API to list external data sources.
    link: https://support.huaweicloud.com/intl/en-us/api-dws/ListDataSource.html
'''

EXAMPLES = r'''
- name: List every external data source of a cluster
  dsops.cloud.dws_ext_data_source_info:
    cluster_id: 11111111-2222-3333-4444-555555555555
  register: sources

- name: Look up one OBS data source, with the connection set for the whole dws group
  module_defaults:
    group/dsops.cloud.dws:
      region: cn-north-4
      project_id: 0123456789abcdef0123456789abcdef
  dsops.cloud.dws_ext_data_source_info:
    cluster_id: 11111111-2222-3333-4444-555555555555
    type: OBS
    name: obs_src1
  register: obs_src1

- name: Show its agency
  ansible.builtin.debug:
    msg: "{{ obs_src1.ext_data_sources[0].user_name | default('not found') }}"
'''

RETURN = r'''
ext_data_sources:
  description:
    - The matching data sources, as the list API reports them (API field names). Empty when none match.
    - For OBS, C(user_name) is the agency; for MRS, C(data_source_id) is the MRS cluster ID.
    - C(configure_status) and C(status) are kept as the API sends them (codes such as C(200), or names);
      C(configure_status_name) and C(status_name) say them in words (for example V(ACTIVE), V(AVAILABLE)).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 66666666-7777-8888-9999-000000000000
      name: obs_src1
      type: OBS
      connect_info: gaussdb
      user_name: DWSAccessOBS
      version: ""
      configure_status: "200"
      configure_status_name: ACTIVE
      status: "200"
      status_name: AVAILABLE
      data_source_id: ""
      created: "2024-01-01T00:00:00"
      updated: "2024-01-01T00:05:00"
      data_source_updated: "2024-01-01T00:05:00"
      extend_properties: {}
      description: Raw event files
      fail_reason: ""
'''

from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source import gather
from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        cluster_id=dict(type='str', required=True),
        type=dict(type='str', choices=['OBS', 'MRS', 'LAKE_FORMATION']),
        name=dict(type='str'),
        id=dict(type='str'),
    )
    return spec


def main():
    module = new_module(argument_spec=argument_spec(), supports_check_mode=True)

    def work():
        client = build_client(module.params, register_secret=secret_registrar(module))
        return {'changed': False, 'ext_data_sources': gather(client, module.params)}

    run(module, work)


if __name__ == '__main__':
    main()
