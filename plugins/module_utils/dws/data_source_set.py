# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declared set of one cluster's external data sources (dws_ext_data_sources): the platform's Catalog.

One listing per type the run needs, then each write with its job, one after another (DWS
serialises operations on a cluster), then one listing per type again to return the result.
"""

from __future__ import absolute_import, division, print_function

from ansible_collections.dsops.cloud.plugins.module_utils.core.resource_set import DELETED, MERGED, Catalog
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source import (
    TYPES, DataSourceFinder, DwsExtDataSourceResource, config_of, resource_argument_spec, sanitize_data_source, select)

__metaclass__ = type

# Options of the single module that belong to the whole list module, not to an item.
RUN_OPTIONS = ('cluster_id', 'state', 'wait', 'wait_timeout', 'update_password')


def item_argument_spec():
    """The options of one config item: the single module's resource options, without the run's own."""
    spec = resource_argument_spec()
    for option in RUN_OPTIONS:
        del spec[option]
    return spec


def types_needed(items, state):
    """The types to list: those the items give; every type for an item without one, or for overridden."""
    if state not in (MERGED, DELETED) or any(not item.get('type') for item in items):
        return list(TYPES)
    return [ds_type for ds_type in TYPES if any(item.get('type') == ds_type for item in items)]


class DwsDataSourceCatalog(Catalog):
    result_key = 'ext_data_sources'
    noun = 'external data source of the cluster'

    def __init__(self, client, run_params):
        self.client = client
        self.run_params = dict((option, run_params.get(option)) for option in ('cluster_id', 'wait', 'wait_timeout'))
        self.finder = DataSourceFinder(client, run_params['cluster_id'])
        self.types_read = []

    def read(self, items, state):
        self.types_read = types_needed(items, state)
        return [obj for ds_type in self.types_read for obj in self.finder.list(ds_type)]

    def resource(self, params, state):
        resource = DwsExtDataSourceResource(self.client, dict(params, state=state, update_password='on_create',
                                                              **self.run_params))
        resource.read_back = False
        return resource

    def resource_for(self, obj):
        # by id alone: a listed name need not follow the create rules (LAKE_FORMATION's are UNCONFIRMED)
        return self.resource({'id': obj['id'], 'type': obj.get('type') or None}, 'absent')

    def diff_header(self):
        return 'the external data sources of cluster %s (config)' % self.run_params['cluster_id']

    def select(self, listing, params):
        if params.get('type'):
            listing = [obj for obj in listing if obj.get('type') == params['type']]
        return select(listing, dict(params, cluster_id=self.run_params['cluster_id']))

    def allows_recreate(self, params):
        return bool(params.get('recreate'))

    def config_of(self, obj):
        return config_of(obj)

    def sanitize(self, obj):
        return sanitize_data_source(obj)

    def after_writes(self, objects, wrote):
        """Once the jobs are done, each type read is listed again, so the result shows what DWS reports."""
        if not (wrote and self.run_params.get('wait')):
            return objects
        return [obj for ds_type in self.types_read for obj in self.finder.list(ds_type)]
