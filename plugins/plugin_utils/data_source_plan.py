# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side planning of a declarative list of data sources, shared by the role filters.

The roles read the current data sources once, then ask a filter which items need the
resource module.  The filter answers with the module's own planning step
(``core.lifecycle.plan``) for every item, against the listing already made: so an item is
"pending" exactly when the module would change something (or wait for a running job, or
fail), and no second comparison exists anywhere.

This file holds what both platforms share: checking items against the module's own
argument spec, the purge guard and the plan's shape.
"""

from __future__ import absolute_import, division, print_function

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.dsops.cloud.plugins.module_utils.core import reconcile

__metaclass__ = type

CREATE, DELETE = reconcile.CREATE, reconcile.DELETE


class PlanError(Exception):
    """Items that cannot be applied; raised before anything is written."""


def _aliases(spec):
    """alias -> canonical option name."""
    table = {}
    for name, option in spec.items():
        for alias in option.get('aliases') or ():
            table[alias] = name
    return table


def _compact(value):
    """A value without None entries (nested dicts included), as a user would have written it."""
    if isinstance(value, dict):
        return dict((k, _compact(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def check_item(item, spec, **constraints):
    """Validate one item like the module's argument spec does.

    Returns ``(params, given)``: the validated parameters (types converted, defaults
    applied) and the options the item sets, by canonical name, with their converted
    values and without unset keys.  Raises PlanError with every problem found.
    """
    if not isinstance(item, dict):
        raise PlanError('must be a dictionary of module options, got %s' % type(item).__name__)
    result = ArgumentSpecValidator(spec, **constraints).validate(dict(item))
    if result.error_messages:
        raise PlanError('; '.join(_describe(error) for error in result.errors.errors))
    params = result.validated_parameters
    aliases = _aliases(spec)
    names = set(aliases.get(key, key) for key in item)
    given = dict((name, _compact(params[name])) for name in sorted(names)
                 if name in spec and params.get(name) is not None)
    return params, given


def _describe(error):
    if isinstance(error, UnsupportedError):
        # the validator says only "colour. Supported parameters include: ..."
        return 'unsupported option %s' % error
    return str(error)


def check_purge(items, purge, purge_empty, variable):
    """Never delete everything because a list came out empty, unless explicitly allowed."""
    if purge and not items and not purge_empty:
        raise PlanError('%s is empty and %s_purge is true: that would delete every data source. Set '
                        '%s_purge_empty: true if that is really wanted.' % (variable, variable, variable))


def label_for(item, index):
    """How an item is named in messages: its position and name or id."""
    if isinstance(item, dict):
        key = item.get('name') or item.get('id') or item.get('data_source_id')
        if key:
            return '%s (%r)' % (index, key)
    return str(index)


def describe(obj):
    if obj.get('id'):
        return '%r (id %s)' % (obj.get('name'), obj['id'])
    return repr(obj.get('name'))


class ListPlan:
    """What a role must do: the items that need the module, in order, and the rest."""

    def __init__(self):
        self.pending = []
        self.unchanged = []
        self.errors = []
        self.claimed = {}

    def claim(self, key, label, description):
        """Each existing data source may be managed by one item only."""
        if key in self.claimed:
            self.errors.append('%s and %s both manage %s; keep one of them.'
                               % (self.claimed[key], label, description))
            return False
        self.claimed[key] = label
        return True

    def add_pending(self, index, action, target, options, fields=(), reason=None):
        text = '%s %s' % (action, target)
        if fields:
            text += ': %s' % ', '.join(fields)
        if reason:
            text += ': %s' % reason
        self.pending.append({'index': index, 'action': action, 'label': text, 'options': options})

    def add_unchanged(self, index, target):
        self.unchanged.append({'index': index, 'label': target})

    def fail_if_errors(self, variable, total):
        if self.errors:
            raise PlanError('%d problem(s) in %s (%d item(s)); nothing was changed:\n  - %s'
                            % (len(self.errors), variable, total, '\n  - '.join(self.errors)))

    def as_dict(self, listed):
        counts = {}
        for entry in self.pending:
            counts[entry['action']] = counts.get(entry['action'], 0) + 1
        return {
            'pending': self.pending,
            'unchanged': self.unchanged,
            'listed': listed,
            'counts': dict(counts, unchanged=len(self.unchanged)),
            'summary': [entry['label'] for entry in self.pending],
        }
