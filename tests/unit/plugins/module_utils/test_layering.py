# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layers of plugins/module_utils, enforced: imports point down, never across platforms.

core/ knows neither platform; dws/ and feishu/ use core/ and never each other; inside each package a
file imports only files of a lower layer (RANKS).  A new file must be given its layer here.
"""

from __future__ import absolute_import, division, print_function

import ast
import os

import pytest

__metaclass__ = type

PREFIX = 'ansible_collections.dsops.cloud.plugins.module_utils.'
MODULE_UTILS = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins',
                                             'module_utils'))
PLATFORMS = ('dws', 'feishu')
# Within a package, a file may import files of a strictly lower rank only.
RANKS = {
    'core': {'errors': 0, 'diff': 0, 'transport': 1, 'reconcile': 1, 'retry': 2, 'waiter': 3, 'lifecycle': 4,
             'module_edge': 5, 'resource_set': 5},
    'dws': {'signer': 0, 'client': 1, 'connection': 2, 'data_source': 3, 'data_source_set': 4},
    'feishu': {'client': 1, 'connection': 2, 'data_source': 3, 'schema': 3, 'data_source_set': 4},
}


def imported_modules(source):
    """The module_utils modules a source imports, as 'package.module'."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX.rstrip('.')):
            base = node.module[len(PREFIX):] if node.module.startswith(PREFIX) else ''
            if base.count('.') == 1:
                found.add(base)
            else:  # "from ...module_utils.core import retry"
                found.update('%s.%s' % (base, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name[len(PREFIX):] for alias in node.names if alias.name.startswith(PREFIX))
    return sorted(found)


def violations(package, module, source):
    """What is wrong with the imports of ``package/module.py``."""
    problems = []
    for target in imported_modules(source):
        target_package, dummy, target_module = target.partition('.')
        if target_package not in RANKS or target_module not in RANKS[target_package]:
            problems.append('imports %s, which is not a known layer (add it to RANKS)' % target)
        elif package == 'core' and target_package != 'core':
            problems.append('core imports the platform module %s' % target)
        elif package in PLATFORMS and target_package in PLATFORMS and target_package != package:
            problems.append('%s imports the other platform (%s)' % (package, target))
        elif target_package == package and RANKS[package][target_module] >= RANKS[package][module]:
            problems.append('imports %s, which is not a lower layer' % target)
    return ['%s/%s.py %s' % (package, module, problem) for problem in problems]


def module_utils_files():
    for package in sorted(os.listdir(MODULE_UTILS)):
        folder = os.path.join(MODULE_UTILS, package)
        if not os.path.isdir(folder) or package.startswith('__'):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith('.py') and name != '__init__.py':
                yield package, name[:-3], os.path.join(folder, name)


def test_module_utils_holds_only_the_layer_packages():
    top = sorted(name for name in os.listdir(MODULE_UTILS) if not name.startswith('__'))
    assert top == ['core', 'dws', 'feishu']


def test_every_file_has_a_layer():
    files = set((package, module) for package, module, dummy in module_utils_files())
    ranked = set((package, module) for package, modules in RANKS.items() for module in modules)
    assert sorted(files - ranked) == [] and sorted(ranked - files) == []


def test_imports_point_down_and_never_across_platforms():
    problems = []
    for package, module, path in module_utils_files():
        with open(path) as handle:
            problems.extend(violations(package, module, handle.read()))
    assert problems == []


@pytest.mark.parametrize('package,module,source,expected', [
    ('core', 'transport', 'from %score.lifecycle import ensure' % PREFIX, 'not a lower layer'),
    ('core', 'lifecycle', 'from %sdws.client import DwsClient' % PREFIX, 'core imports the platform'),
    ('dws', 'data_source', 'from %sfeishu import client' % PREFIX, 'the other platform'),
    ('feishu', 'client', 'from %sfeishu.data_source import FIELDS' % PREFIX, 'not a lower layer'),
    ('dws', 'client', 'from %sdws.client_v2 import X' % PREFIX, 'not a known layer'),
])
def test_the_check_catches_each_kind_of_wrong_import(package, module, source, expected):
    found = violations(package, module, source)
    assert len(found) == 1 and expected in found[0], found


def test_the_check_accepts_imports_that_point_down():
    source = ('from %score.errors import DsopsError\nfrom %score import retry\nfrom %sdws.signer import sign\n'
              % (PREFIX, PREFIX, PREFIX))
    assert violations('dws', 'client', source) == []
