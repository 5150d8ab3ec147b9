# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' argument specs against the list modules they wrap, so the two cannot drift apart.

Each role item takes the options of one ``config`` item of its list module (same names, types,
elements, choices, no_log, nested options; aliases and defaults only where the role declares
them) plus the role's own options: ``state`` for Feishu; ``state``, ``cluster_id``, ``wait``
and ``wait_timeout`` for DWS, which must match the single resource module's.  The roles'
connection variables take exactly the modules' connection options.
"""

from __future__ import absolute_import, division, print_function

import copy
import os

import pytest
import yaml

from ansible_collections.dsops.cloud.plugins.module_utils.dws import data_source as dws_data_source
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import (
    connection_argument_spec as dws_connection_spec)
from ansible_collections.dsops.cloud.plugins.module_utils.feishu import data_source as feishu_data_source
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.connection import (
    connection_argument_spec as feishu_connection_spec)
from ansible_collections.dsops.cloud.plugins.modules import dws_ext_data_sources, feishu_search_data_sources

__metaclass__ = type

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# role -> (list module, the single module's resource spec, its connection spec, the role's own item options)
ROLES = {
    'feishu_search_data_sources': (feishu_search_data_sources, feishu_data_source.resource_argument_spec,
                                   feishu_connection_spec, {'state'}),
    'dws_ext_data_sources': (dws_ext_data_sources, dws_data_source.resource_argument_spec,
                             dws_connection_spec, {'state', 'cluster_id', 'wait', 'wait_timeout'}),
}


def role_options(role):
    with open(os.path.join(REPO, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def differences(role_spec, module_spec, path=''):
    """Every way the role's options differ from the module's, as readable lines (empty: they match)."""
    found = []
    for name in sorted(set(role_spec) ^ set(module_spec)):
        found.append('%s%s: only in the %s' % (path, name, 'role' if name in role_spec else 'module'))
    for name in sorted(set(role_spec) & set(module_spec)):
        found += option_differences(role_spec[name], module_spec[name], path + name)
    return found


def option_differences(role_option, module_option, path):
    found = []
    compared = (
        ('type', lambda o: o.get('type', 'str')),
        ('elements', lambda o: o.get('elements')),
        ('choices', lambda o: sorted(o['choices']) if o.get('choices') is not None else None),
        ('no_log', lambda o: bool(o.get('no_log'))),
        ('required', lambda o: bool(o.get('required'))),
    )
    for key, value in compared:
        if value(role_option) != value(module_option):
            found.append('%s: %s %r in the role, %r in the module'
                         % (path, key, value(role_option), value(module_option)))
    # the role need not accept the module's aliases (its items use the options' own names), nor repeat its
    # defaults (the module fills them in), but any it declares must be the module's
    for key in ('aliases', 'default'):
        if key in role_option and role_option[key] != module_option.get(key):
            found.append('%s: %s %r in the role, %r in the module'
                         % (path, key, role_option[key], module_option.get(key)))
    if role_option.get('options') or module_option.get('options'):
        found += differences(role_option.get('options') or {}, module_option.get('options') or {}, path + '.')
    return found


@pytest.mark.parametrize('role', sorted(ROLES))
def test_role_items_take_the_list_module_config_options_plus_the_role_own(role):
    module, resource_spec, dummy, own = ROLES[role]
    items = role_options(role)[role]['options']
    config = module.argument_spec()['config']['options']

    assert set(items) - set(config) == own
    shared = dict((name, option) for name, option in items.items() if name not in own)
    assert differences(shared, config) == []
    # the role's own item options are those of the single resource module, whose state, cluster_id, wait and
    # wait_timeout the list module takes once per call; an item may leave cluster_id to <role>_cluster_id
    single = resource_spec()
    found = differences(dict((name, items[name]) for name in own), dict((name, single[name]) for name in own))
    assert [line for line in found if line != 'cluster_id: required False in the role, True in the module'] == []


@pytest.mark.parametrize('role', sorted(ROLES))
def test_role_connection_variable_takes_the_modules_connection_options(role):
    module, dummy, connection_spec, dummy_own = ROLES[role]
    connection = role_options(role)['%s_connection' % role]['options']
    spec = connection_spec()
    assert set(spec) <= set(module.argument_spec())
    found = [line for line in differences(connection, spec) if ': required ' not in line]
    assert found == []


@pytest.mark.parametrize('role', sorted(ROLES))
def test_the_comparison_sees_every_kind_of_drift(role):
    """Each kind of difference the test guards against is reported, so the tests above can fail."""
    module = ROLES[role][0]
    config = module.argument_spec()['config']['options']
    items = dict((name, option) for name, option in role_options(role)[role]['options'].items()
                 if name not in ROLES[role][3])

    def drifted(change):
        role_copy = copy.deepcopy(items)
        change(role_copy)
        return differences(role_copy, config)

    with_choices = next(name for name, option in config.items() if option.get('choices'))
    secret_or_plain = next(iter(sorted(config)))
    assert drifted(lambda r: r.pop('name')) == ['name: only in the module']
    assert drifted(lambda r: r.update(colour={'type': 'str'})) == ['colour: only in the role']
    assert drifted(lambda r: r['name'].update(type='int')) == ["name: type 'int' in the role, 'str' in the module"]
    assert drifted(lambda r: r[with_choices]['choices'].append('other'))[0].startswith(with_choices + ': choices ')
    assert drifted(lambda r: r[secret_or_plain].update(no_log=not config[secret_or_plain].get('no_log')))[0] \
        .startswith(secret_or_plain + ': no_log ')
    assert drifted(lambda r: r['name'].update(aliases=['title'])) == [
        "name: aliases ['title'] in the role, None in the module"]
    nested = next((name for name, option in config.items() if option.get('options')), None)
    if nested:
        inner = sorted(config[nested]['options'])[0]
        assert drifted(lambda r: r[nested]['options'].pop(inner)) == [
            '%s.%s: only in the module' % (nested, inner)]
