# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declared set of Feishu Search data sources (feishu_search_data_sources): the platform's Catalog.

One token, one full-view listing (every page), then one request per write: the items are
matched and planned against the listing, never read one by one.
"""

from __future__ import absolute_import, division, print_function

from ansible_collections.dsops.cloud.plugins.module_utils.core.resource_set import Catalog
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import (
    FeishuDataSourceResource, config_of, resource_argument_spec, sanitize_data_source, select)

__metaclass__ = type


def item_argument_spec():
    """The options of one config item: the single module's resource options, without state."""
    spec = resource_argument_spec()
    del spec['state']
    return spec


class FeishuDataSourceCatalog(Catalog):
    result_key = 'data_sources'
    noun = 'Feishu data source'

    def __init__(self, client):
        self.client = client

    def read(self, items, state):
        return self.client.list_data_sources()

    def resource(self, params, state):
        return FeishuDataSourceResource(self.client, dict(params, state=state))

    def resource_for(self, obj):
        return FeishuDataSourceResource(self.client, {'id': obj['id'], 'name': obj.get('name'), 'state': 'absent'})

    def select(self, listing, params):
        return select(listing, params)

    def config_of(self, obj):
        return config_of(obj)

    def sanitize(self, obj):
        return sanitize_data_source(obj)
