# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle shared by every resource: read, plan, apply, result.

Two public steps, each usable on its own:

* ``plan(resource, current, state)`` is read-only: from the object as read (or None) and the
  desired options it decides the action, the payload, the changes, the conflicts and the
  before/after views; an object in the middle of a platform job gives a BUSY plan with a hint.
* ``apply(resource, plan, current)`` carries a plan out and returns an ``Outcome``: the
  resulting object, whether anything was written, the job record and warnings.

``ensure`` composes them for the single-resource modules; list planning (the role filters)
calls ``plan`` per item against one listing, with a resource that has no client.

A platform plugs in through a ``Resource`` subclass; its objects are the API's own dicts.
"""

from __future__ import absolute_import, division, print_function

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ConflictError, DsopsError
from ansible_collections.dsops.cloud.plugins.module_utils.core import reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.diff import RECREATED, text_diff, unshown_changes

__metaclass__ = type

BUSY = 'busy'


class Outcome:
    """What ``apply`` did: the resulting object, whether anything was written, the job, warnings."""

    def __init__(self, obj=None, wrote=True, job=None, warnings=()):
        self.obj = obj
        self.wrote = wrote
        self.job = job
        self.warnings = list(warnings)


class Resource:
    """Platform-specific half of the lifecycle.

    Planning side (pure; works without a client): ``fields_for``, ``check_target``,
    ``desired``, ``is_busy``, ``must_recreate``, ``managed_view``, ``diff_view``, ``predict``.
    Reading and writing side (needs the client): ``read``, ``settle``, ``check_plan``,
    ``create``, ``update``, ``delete``, ``recreate``; writes return an Outcome.
    """

    #: key under which the resulting object is returned
    result_key = 'resource'
    #: human name used in messages, e.g. 'Feishu data source'
    noun = 'resource'
    #: the module's options (names the object in a diff header when there is no object)
    params = {}

    # ----- planning (no client) ----------------------------------------------------------------

    def fields_for(self, current):
        """The reconcile.Field list that applies to ``current`` (or to the object to create)."""
        raise NotImplementedError

    def check_target(self, current, state):
        """Raise InputError when the options cannot apply to ``current`` (an unknown id, ...)."""

    def desired(self, current):
        """(desired values in API field names, warnings); unset options are left out."""
        raise NotImplementedError

    def check_create(self, payload):
        """Raise InputError when ``payload`` lacks what the API needs to create (before any write)."""

    def is_busy(self, current):
        """True while the platform reports ``current`` in the middle of a job."""
        return False

    def busy_hint(self, current):
        return None

    def must_recreate(self, current):
        """True when ``current`` must be re-created whatever the comparison says (a write-only value)."""
        return False

    def check_plan(self, current, decided):
        """Raise a DsopsError when ``decided`` must not go ahead; may read, never writes.

        Called by ``ensure`` once the plan is final, before ``apply`` and before ``predict``,
        so check mode refuses what the real run would (a delete of an object still in use).
        """

    def managed_view(self, obj):
        """The API object reduced to the managed fields (API names, comparable values)."""
        return dict((f.name, f.read(obj)) for f in self.fields_for(obj)
                    if f.name in obj or f.absent_means is not None)

    def diff_view(self, view):
        """A sanitised managed view (``plan.before``/``plan.after``) in the module's option names, nested."""
        return view

    def diff_header(self, obj):
        """What the diff is of, for the lines ``--diff`` prints above it."""
        return '%s %s' % (self.noun, self.identify(obj or self.params))

    def option_name(self, field, obj):
        """The module option that sets API field ``field`` of ``obj`` (for notes on values a diff cannot show)."""
        return field

    def predict(self, current, plan):
        """The object as it would look after ``plan`` (check mode)."""
        predicted = dict(current or {})
        predicted.update(plan.payload)
        return predicted

    def identify(self, obj):
        """A short description for messages, e.g. "'name' (id 123)"."""
        return repr(obj.get('name'))

    def conflict_hint(self):
        return None

    def sanitize(self, obj):
        """Strip secrets from an object before it is returned."""
        return obj

    # ----- reading and writing (client) --------------------------------------------------------

    def read(self):
        """The current API object or None; reads only: never waits, never writes."""
        raise NotImplementedError

    def settle(self, current):
        """``current`` once its running job has ended (None if that removed it)."""
        return current

    def create(self, payload):
        raise NotImplementedError

    def update(self, current, payload):
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    def recreate(self, current, payload):
        deleted = self.delete(current)
        created = self.create(payload)
        return Outcome(created.obj, wrote=True, job=created.job, warnings=deleted.warnings + created.warnings)


def plan(resource, current, state, allow_recreate=False):
    """Decide, reading nothing and writing nothing, what brings ``current`` to ``state``.

    A create-only difference without ``allow_recreate`` raises ConflictError before anything
    is written.
    """
    resource.check_target(current, state)
    view = resource.managed_view(current) if current is not None else None
    if current is not None and resource.is_busy(current):
        return reconcile.Plan(BUSY, before=view, hint=resource.busy_hint(current))
    fields = resource.fields_for(current)
    if state == 'absent':
        return reconcile.plan_absent(fields, view)
    desired, warnings = resource.desired(current)
    decided = reconcile.plan_present(fields, desired, view, allow_recreate,
                                     force_recreate=resource.must_recreate(current))
    decided.warnings = list(warnings)
    if decided.conflicts and decided.action != reconcile.RECREATE:
        raise ConflictError(
            'Cannot change create-only field(s) of %s %s in place: %s. Nothing was changed.'
            % (resource.noun, resource.identify(current), reconcile.describe_conflicts(decided.conflicts)),
            conflicts=decided.conflicts, hint=resource.conflict_hint())
    if decided.action in (reconcile.CREATE, reconcile.RECREATE):
        resource.check_create(decided.payload)
    return decided


def apply(resource, decided, current):
    """Carry out ``decided`` (a plan that is not BUSY) and return its Outcome."""
    action = decided.action
    if action == reconcile.NONE:
        return Outcome(current, wrote=False)
    if action == reconcile.DELETE:
        return resource.delete(current)
    if action == reconcile.CREATE:
        return resource.create(decided.payload)
    if action == reconcile.RECREATE:
        return resource.recreate(current, decided.payload)
    if action == reconcile.UPDATE:
        return resource.update(current, decided.payload)
    # a busy object is settled and planned again first; writing now could repeat the running job's write
    reason = decided.hint or 'its plan is %s' % action
    raise DsopsError('%s %s cannot be changed now: %s' % (resource.noun, resource.identify(current or {}), reason))


def predict(resource, decided, current):
    """The Outcome ``apply`` would have, computed without writing (check mode)."""
    if decided.action == reconcile.NONE:
        return Outcome(current, wrote=False)
    if decided.action == reconcile.DELETE:
        return Outcome(None)
    base = None if decided.action in (reconcile.CREATE, reconcile.RECREATE) else current
    return Outcome(resource.predict(base, decided))


def ensure(resource, state, check_mode=False, want_diff=False, allow_recreate=False):
    """Read, plan (after waiting out a running job), check the plan, apply or predict; return the module result."""
    current = resource.read()
    decided = plan(resource, current, state, allow_recreate)
    if decided.action == BUSY:
        current = resource.settle(current)
        decided = plan(resource, current, state, allow_recreate)
    try:
        resource.check_plan(current, decided)
        outcome = predict(resource, decided, current) if check_mode else apply(resource, decided, current)
    except DsopsError as error:
        error.warnings = decided.warnings + error.warnings  # what the plan warned of still holds
        raise
    return result_of(resource, decided, outcome, want_diff, current)


def result_of(resource, decided, outcome, want_diff, current=None):
    """The module result: changed only when something was (or would be) written."""
    changed = decided.changed and outcome.wrote
    result = {'changed': changed, resource.result_key: resource.sanitize(outcome.obj) if outcome.obj else {}}
    if want_diff:
        result['diff'] = _diff(resource, decided, outcome, current, changed)
    if outcome.job:
        result['job'] = outcome.job
    warnings = decided.warnings + outcome.warnings
    if warnings:
        result['warnings'] = warnings
    return result


def _diff(resource, decided, outcome, current, changed):
    """The diff of the managed fields in option names; the before header names the object read (``current``),
    the after header the object written (a re-create's has a new id)."""
    sides = decided.diff() if changed else {'before': decided.before, 'after': decided.before}
    # diffs echo API values just as results do, so they pass through the same sanitiser
    views = dict((side, resource.diff_view(resource.sanitize(view)) if view else {}) for side, view in sides.items())
    unshown = []
    if changed and decided.action == reconcile.RECREATE:
        unshown.append(RECREATED)
    elif changed and decided.action == reconcile.UPDATE:
        unshown = unshown_changes([resource.option_name(field, current) for field in decided.changes],
                                  views['before'], views['after'])
    after_obj = outcome.obj if changed and outcome.obj else (current or decided.before)
    before_obj = current or decided.before or after_obj  # nothing before a create: it names what is created
    return text_diff(views['before'], views['after'], resource.diff_header(before_obj),
                     resource.diff_header(after_obj), unshown)
