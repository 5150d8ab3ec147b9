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
  - Reconciles a declared list of Search v2 data sources in one run.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
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
extends_documentation_fragment:
  - dsops.cloud.feishu
  - dsops.cloud.feishu.action_group
  - ansible.builtin.action_common_attributes
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
  dsops.cloud.feishu_search_data_sources:
    config:
      - name: Tickets
        online: true
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
