# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-versus-current reconciliation, independent of HTTP and of Ansible.

Everything here works on plain dicts keyed by the API's own field names:

* ``desired``: the fields the user manages (an option left unset is absent, so it
  is never sent and never compared);
* ``current``: the managed view of the object as the API reports it, or None.

``plan_present`` / ``plan_absent`` return a ``Plan`` saying what to write, with
the predicted result and a diff, so check mode, diff mode and the real run all
come from the same computation.
"""

from __future__ import absolute_import, division, print_function

import copy

__metaclass__ = type

NONE, CREATE, UPDATE, DELETE, RECREATE = 'none', 'create', 'update', 'delete', 'recreate'


class Field:
    """One managed field of a resource.

    create_only  can only be set when the object is created; a difference is a conflict.
    merge_dict   a dict whose unmentioned keys keep their current values; the merged
                 whole is sent because the API may replace the object wholesale.
    compared     False for write-only values (passwords): sent on create, never
                 compared, never shown.
    absent_means the value an object missing this field (or holding null) has, for APIs
                 that leave empty values out of their answers; None: no such reading.
    """

    def __init__(self, name, create_only=False, merge_dict=False, compared=True, absent_means=None):
        self.name = name
        self.create_only = create_only
        self.merge_dict = merge_dict
        self.compared = compared
        self.absent_means = absent_means

    def read(self, obj):
        """This field's value in the API object ``obj``, the absent reading applied."""
        value = obj.get(self.name)
        return self.absent_means if value is None else value


class Plan:
    """What reconciliation decided.

    payload      the body fields to write: all desired fields for a create, only the
                 differing ones for an update.
    changes      {field: {'before': x, 'after': y}} of compared fields that differ.
    conflicts    {field: {'current': x, 'desired': y}} of create-only fields that differ.
    before/after the managed view before and the predicted view after ({} = absent).
    hint         why the plan cannot go on yet (a busy object), for people.
    warnings     things the user should know that do not stop the plan.
    """

    def __init__(self, action, payload=None, changes=None, conflicts=None, before=None, after=None, hint=None):
        self.action = action
        self.payload = payload or {}
        self.changes = changes or {}
        self.conflicts = conflicts or {}
        self.before = before or {}
        self.after = after or {}
        self.hint = hint
        self.warnings = []

    @property
    def changed(self):
        return self.action != NONE

    def diff(self):
        return {'before': self.before, 'after': self.after}


def is_unset(value):
    return value is None


def merge_dict(current, desired):
    """Overlay the non-None keys of ``desired`` on ``current`` (a new dict)."""
    merged = dict(current or {})
    for key, value in (desired or {}).items():
        if not is_unset(value):
            merged[key] = value
    return merged


def values_equal(current, desired):
    """Equality that treats None-valued dict keys as absent and never equates 1 and True."""
    if isinstance(current, dict) and isinstance(desired, dict):
        return _strip_none(current) == _strip_none(desired)
    if isinstance(current, bool) or isinstance(desired, bool):
        return type(current) is type(desired) and current == desired
    return current == desired


def _strip_none(value):
    return dict((k, v) for k, v in value.items() if not is_unset(v))


def _target_value(field, current_value, desired_value):
    if field.merge_dict:
        return merge_dict(current_value if isinstance(current_value, dict) else {}, desired_value)
    return desired_value


def _compared_view(fields, values):
    compared = set(f.name for f in fields if f.compared)
    return dict((k, copy.deepcopy(v)) for k, v in values.items() if k in compared and not is_unset(v))


def plan_present(fields, desired, current, allow_recreate=False, force_recreate=False):
    """Plan for ``state: present``.

    With create-only conflicts the action is RECREATE when ``allow_recreate`` is
    true; otherwise it stays NONE/UPDATE and the caller must refuse (the conflicts
    are in ``plan.conflicts``) before writing anything.  ``force_recreate`` makes an
    existing object RECREATE whatever differs (a write-only value to apply).
    """
    desired = dict((k, v) for k, v in desired.items() if not is_unset(v))
    if current is None:
        after = _compared_view(fields, desired)
        return Plan(CREATE, payload=copy.deepcopy(desired), before={}, after=after)

    payload, changes, conflicts = {}, {}, {}
    for field in fields:
        if field.name not in desired or not field.compared:
            continue
        current_value = current.get(field.name)
        target = _target_value(field, current_value, desired[field.name])
        if values_equal(current_value, target):
            continue
        if field.create_only:
            conflicts[field.name] = {'current': current_value, 'desired': target}
        else:
            changes[field.name] = {'before': current_value, 'after': target}
            payload[field.name] = target

    managed = set(desired) | set(changes) | set(conflicts)
    before = _compared_view(fields, dict((k, v) for k, v in current.items() if k in managed))
    if (conflicts and allow_recreate) or force_recreate:
        recreate_payload = merge_dict(_writable_current(fields, current), desired)
        after = _compared_view(fields, recreate_payload)
        # what the new object carries over from the old one shows on both sides, not as an addition
        before = _compared_view(fields, dict((k, v) for k, v in current.items() if k in managed or k in after))
        return Plan(RECREATE, payload=recreate_payload, changes=changes, conflicts=conflicts,
                    before=before, after=after)

    after = merge_dict(before, dict((k, v['after']) for k, v in changes.items()))
    action = UPDATE if changes else NONE
    return Plan(action, payload=payload, changes=changes, conflicts=conflicts, before=before, after=after)


def _writable_current(fields, current):
    """Current values to carry over when an object is re-created, so nothing unmentioned is lost."""
    names = set(f.name for f in fields if f.compared)
    return dict((k, copy.deepcopy(v)) for k, v in current.items() if k in names and not is_unset(v))


def plan_absent(fields, current):
    if current is None:
        return Plan(NONE)
    return Plan(DELETE, before=_compared_view(fields, current), after={})


def describe_conflicts(conflicts):
    """'field: current X, desired Y; ...' in a stable order, for error messages."""
    parts = []
    for name in sorted(conflicts):
        item = conflicts[name]
        parts.append('%s: current %s, desired %s' % (name, _show(item['current']), _show(item['desired'])))
    return '; '.join(parts)


def _show(value):
    if value is None:
        return 'unset'
    if isinstance(value, str):
        return repr(value)
    return str(value)
