#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: dws_ext_data_sources
short_description: Manage a whole set of external data sources of a GaussDB(DWS) cluster in one task
version_added: 0.2.0
description:
  - Reconciles a declared list of external data sources of one cluster in one run.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
  cluster_id:
    description:
      - ID of the DWS cluster.
    type: str
    required: true
  config:
    description:
      - The declared data sources.
    type: list
    elements: dict
    default: []
  state:
    description:
      - How the list applies.
    type: str
    choices: [merged, overridden, deleted, gathered]
    default: merged
  allow_delete_all:
    description:
      - Allow O(state=overridden) with an empty O(config).
    type: bool
    default: false
  wait:
    description:
      - Wait for the job of every write.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each job.
    type: int
    default: 1800
extends_documentation_fragment:
  - dsops.cloud.dws
  - dsops.cloud.dws.action_group
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
'''

EXAMPLES = r'''
- name: Declare the data sources
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    config:
      - name: obs_sales
        type: OBS
        agency: dws_obs_agency
        connect_info: sales
'''

RETURN = r'''
results:
  description: One entry per item.
  returned: always
  type: list
  elements: dict
'''

from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar
from ansible_collections.dsops.cloud.plugins.module_utils.core.resource_set import STATES, MERGED, reconcile_set
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source_set import (
    DwsDataSourceCatalog, item_argument_spec)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        cluster_id=dict(type='str', required=True),
        config=dict(type='list', elements='dict', default=[], options=item_argument_spec()),
        state=dict(type='str', choices=list(STATES), default=MERGED),
        allow_delete_all=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
    )
    return spec


def main():
    module = new_module(argument_spec=argument_spec(), supports_check_mode=True)

    def work():
        client = build_client(module.params, register_secret=secret_registrar(module))
        catalog = DwsDataSourceCatalog(client, module.params)
        return reconcile_set(catalog, module.params['config'], module.params['state'],
                             check_mode=module.check_mode, want_diff=module._diff,
                             allow_delete_all=module.params['allow_delete_all'])

    run(module, work)


if __name__ == '__main__':
    main()
