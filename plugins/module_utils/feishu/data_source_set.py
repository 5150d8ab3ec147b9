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
    CALLBACK_USER_ID_TYPES, CONNECT_TYPES, ONLINE, FeishuDataSourceResource, resource_argument_spec,
    sanitize_data_source, select)

__metaclass__ = type

# API field -> config option, for the values that are the same on both sides.
PLAIN_CONFIG = (('name', 'name'), ('description', 'description'), ('icon_url', 'icon_url'),
                ('i18n_name', 'i18n_name'), ('i18n_description', 'i18n_description'),
                ('enable_answer', 'enable_answer'), ('template', 'template'), ('schema_id', 'schema_id'),
                ('searchable_fields', 'searchable_fields'), ('app_id', 'data_source_app_id'))


def item_argument_spec():
    """The options of one config item: the single module's resource options, without state."""
    spec = resource_argument_spec()
    del spec['state']
    return spec


def _name_of(table, value):
    return next((name for name, code in table.items() if code == value), None)


def config_of(obj):
    """A data source as a config item: option names, unset values left out, URLs' credentials masked."""
    clean = sanitize_data_source(obj)
    config = {'id': clean.get('id')}
    for field, option in PLAIN_CONFIG:
        config[option] = clean.get(field)
    if clean.get('state') is not None:
        config['online'] = clean['state'] == ONLINE
    if clean.get('connect_type') is not None:
        config['connect_type'] = _name_of(CONNECT_TYPES, clean['connect_type'])
    connector = clean.get('connector_param')
    if isinstance(connector, dict):
        connector = dict(connector)
        if connector.get('callback_user_id_type') is not None:
            connector['callback_user_id_type'] = _name_of(CALLBACK_USER_ID_TYPES, connector['callback_user_id_type'])
        config['connector_param'] = connector
    return dict((option, value) for option, value in config.items() if value not in (None, {}))


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
