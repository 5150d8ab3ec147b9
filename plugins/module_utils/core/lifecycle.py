# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read, plan, write, re-read lifecycle shared by the resource modules.

A platform plugs in through a ``ResourceAdapter`` subclass (find, create, update,
delete, predict).  ``ensure`` owns the decisions every module must take the same
way: nothing is written in check mode, ``changed`` is true only when a write was
(or would be) made, create-only conflicts fail before any write, and the output
passes through the adapter's sanitiser.
"""

from __future__ import absolute_import, division, print_function

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ConflictError
from ansible_collections.dsops.cloud.plugins.module_utils.core import reconcile

__metaclass__ = type


class ResourceAdapter:
    """Platform-specific half of the lifecycle.  Objects are the API's own dicts."""

    #: list of reconcile.Field
    fields = ()
    #: key under which the resulting object is returned
    result_key = 'resource'
    #: human name used in messages, e.g. 'Feishu data source'
    noun = 'resource'
    #: set by update() or delete() when the platform answered that there was nothing to do
    #: (Feishu's 1271003 on a PATCH, a DELETE of what another actor removed meanwhile): nothing
    #: was written, so the run reports no change
    write_was_no_op = False

    def find(self):
        """Return the current API object or None."""
        raise NotImplementedError

    def managed_view(self, obj):
        """The API object reduced to the fields in ``fields`` (API names, comparable values)."""
        return dict((f.name, f.read(obj)) for f in self.fields if f.name in obj or f.absent_means is not None)

    def desired(self):
        """The user's desired values in API field names; unset options are left out."""
        raise NotImplementedError

    def create(self, payload):
        """Create and return the new object (waiting for it if the platform is asynchronous)."""
        raise NotImplementedError

    def update(self, current, payload):
        """Apply ``payload`` (only the differing fields) and return the updated object."""
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    def recreate(self, current, payload):
        self.delete(current)
        return self.create(payload)

    def predict(self, current, plan):
        """The object as it would look after ``plan`` (check mode)."""
        if current is None:
            predicted = dict(plan.payload)
        else:
            predicted = dict(current)
            predicted.update(plan.payload)
        return predicted

    def identify(self, obj):
        """A short description for messages, e.g. "'name' (id 123)"."""
        return repr(obj.get('name'))

    def conflict_hint(self):
        return None

    def must_recreate(self, current):
        """True when ``current`` must be re-created whatever the comparison says (a write-only value to apply)."""
        return False

    def sanitize(self, obj):
        """Strip secrets from an object before it is returned."""
        return obj

    def extra_result(self):
        """Additional keys for the result (for example the job record)."""
        return {}


def ensure(adapter, state, check_mode=False, want_diff=False, allow_recreate=False):
    """Bring the resource to ``state`` and return the module result dict."""
    current = adapter.find()
    current_view = adapter.managed_view(current) if current is not None else None

    if state == 'absent':
        plan = reconcile.plan_absent(adapter.fields, current_view)
    else:
        plan = reconcile.plan_present(adapter.fields, adapter.desired(), current_view, allow_recreate,
                                      force_recreate=adapter.must_recreate(current))
        if plan.conflicts and plan.action != reconcile.RECREATE:
            raise ConflictError(
                'Cannot change create-only field(s) of %s %s in place: %s. Nothing was changed.'
                % (adapter.noun, adapter.identify(current), reconcile.describe_conflicts(plan.conflicts)),
                conflicts=plan.conflicts, hint=adapter.conflict_hint())

    final = _apply(adapter, plan, current, check_mode)
    changed = plan.changed and not adapter.write_was_no_op
    result = {'changed': changed, adapter.result_key: adapter.sanitize(final) if final else {}}
    if want_diff:
        diff = plan.diff() if changed else {'before': plan.before, 'after': plan.before}
        # diffs echo API values just as results do, so they pass through the same sanitiser
        result['diff'] = dict((side, adapter.sanitize(value)) for side, value in diff.items())
    result.update(adapter.extra_result())
    return result


def _apply(adapter, plan, current, check_mode):
    if plan.action == reconcile.NONE:
        return current
    if plan.action == reconcile.DELETE:
        if not check_mode:
            adapter.delete(current)
        return None
    if check_mode:
        return adapter.predict(None if plan.action == reconcile.RECREATE else current, plan)
    if plan.action == reconcile.CREATE:
        return adapter.create(plan.payload)
    if plan.action == reconcile.RECREATE:
        return adapter.recreate(current, plan.payload)
    return adapter.update(current, plan.payload)
