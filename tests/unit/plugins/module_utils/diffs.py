# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests read a module's text diff back as data, to assert on its content."""

from __future__ import absolute_import, division, print_function

import yaml

__metaclass__ = type


def diff_of(result):
    """{'before': ..., 'after': ...} of ``result['diff']``, each side parsed from its YAML text ({} when empty)."""
    diff = result['diff']
    assert diff['before_header'] and diff['after_header']
    return dict((side, yaml.safe_load(diff[side]) or {}) for side in ('before', 'after'))
