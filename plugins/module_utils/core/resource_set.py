# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A declared set of resources reconciled in one run: merged, overridden, deleted, gathered.

The list modules are this file plus a platform's ``Catalog``.  The run has three
steps, and nothing is written before the third:

1. every item's options are checked, with no request made; then every item is matched
   against one listing (two items for one object, an ambiguous name, an unknown id) and
   planned with the same ``lifecycle.plan`` the single modules use; an object in the middle
   of a job is waited for (reads only) and planned again.  Each of the two checks reports
   every item at fault together, and fails the run before the first write;
2. for ``overridden``, each listed object no item matches is planned for deletion;
3. creates and updates run in list order, deletes last.  The first failure stops the
   writes, so a run never deletes after a create or update failed.

Check mode stops after step 2 and predicts each outcome with ``lifecycle.predict``.
"""

from __future__ import absolute_import, division, print_function

from ansible_collections.dsops.cloud.plugins.module_utils.core import lifecycle, reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import DsopsError, InputError, ProblemsFound
from ansible_collections.dsops.cloud.plugins.module_utils.core.diff import RECREATED, UNSHOWN, text_diff

__metaclass__ = type

MERGED, OVERRIDDEN, DELETED, GATHERED = 'merged', 'overridden', 'deleted', 'gathered'
STATES = (MERGED, OVERRIDDEN, DELETED, GATHERED)

# What happened to an item, as reported in ``results``.
ACTION_NAMES = {reconcile.NONE: 'unchanged', reconcile.CREATE: 'created', reconcile.UPDATE: 'updated',
                reconcile.DELETE: 'deleted', reconcile.RECREATE: 'recreated'}
FAILED, SKIPPED = 'failed', 'skipped'


class Catalog:
    """What the set needs from a platform; its objects are the API's own dicts.

    ``read`` lists what the run needs (every object for ``overridden`` and ``gathered``);
    ``resource`` builds the single-resource ``lifecycle.Resource`` for one item's options
    (validating them); ``config_of`` turns an API object into the options that declare it.
    """

    #: the key of the API objects in the result, e.g. 'data_sources'
    result_key = 'objects'
    #: what one object is called in messages, e.g. 'Feishu data source'
    noun = 'object'

    def read(self, items, state):
        raise NotImplementedError

    def resource(self, params, state):
        """The lifecycle.Resource for ``params`` (one config item), state 'present' or 'absent'."""
        raise NotImplementedError

    def resource_for(self, obj):
        """The resource that deletes ``obj``, an object no item matches (``overridden``)."""
        raise NotImplementedError

    def select(self, listing, params):
        """The object of ``listing`` that ``params`` name, or None; InputError when ambiguous."""
        raise NotImplementedError

    def key(self, obj):
        """What identifies ``obj`` among the listed objects (its id)."""
        return str(obj.get('id'))

    def allows_recreate(self, params):
        return False

    def config_of(self, obj):
        """``obj`` as a config item: option names, no API-only field, no secret."""
        raise NotImplementedError

    def sanitize(self, obj):
        return obj

    def diff_header(self):
        """What the set's diff is of, for the lines ``--diff`` prints above it."""
        return 'the %ss (config)' % self.noun

    def after_writes(self, objects, wrote):
        """The objects to return once the writes are done; a platform may read them again."""
        return objects


class Member:
    """One item of the run (or a listed object that ``overridden`` deletes: ``index`` None)."""

    def __init__(self, index, params, name=None):
        self.index = index
        self.params = params
        self.name = name if name is not None else (params or {}).get('name')
        self.resource = None
        self.listed = None   # the object as the listing showed it
        self.current = None  # the same once any running job on it has ended (None: that job removed it)
        self.plan = None
        self.outcome = None
        self.action = None
        self.error = None

    @property
    def label(self):
        if self.index is None:
            return 'the unlisted %s' % (repr(self.name) if self.name else 'object')
        key = self.name or (self.params or {}).get('id')
        return 'config[%d]%s' % (self.index, ' (%r)' % key if key else '')

    @property
    def is_delete(self):
        return self.plan is not None and self.plan.action == reconcile.DELETE


class SetFailure(DsopsError):
    """A write failed part-way: earlier writes stand, later ones were not attempted."""

    def __init__(self, member, error, results, wrote):
        super(SetFailure, self).__init__(
            '%s failed, so the run stopped there: %s' % (member.label, error.summary()), hint=error.hint,
            written=_written(error, wrote), warnings=error.warnings)
        self.cause = error
        self.results = results

    def details(self):
        details = dict(self.cause.details())
        details['results'] = self.results
        return details


def _written(error, wrote):
    """What the run wrote before it stopped: the earlier items, and what the failed write itself may have done.

    None only when nothing is known to have been written ({} from the error: a write that may have been made).
    """
    if error.written is None and not wrote:
        return None
    written = dict(error.written or {})
    if wrote:
        written['items'] = wrote
    return written


def reconcile_set(catalog, items, state, check_mode=False, want_diff=False, allow_delete_all=False):
    """Run the set (see the module docstring) and return the module result."""
    if state == GATHERED:
        if items:
            raise InputError('config is not used with state=gathered, which only reads; leave it out.')
        listing = catalog.read([], GATHERED)
        return {'changed': False, 'gathered': [catalog.config_of(obj) for obj in listing]}
    _refuse_empty(state, items, allow_delete_all, catalog.noun)
    members, problems = _checked_members(catalog, items, state)
    if not problems:  # options that fail their own checks are refused before any request
        listing = catalog.read([m.params for m in members], state)
        problems = _plan_members(catalog, members, listing, state)
    if problems:
        raise ProblemsFound([text for dummy, text in sorted(problems)], 'config (%d item(s))' % len(items))
    if state == OVERRIDDEN:
        members += _unmatched_members(catalog, members, listing)
    ordered = [m for m in members if not m.is_delete] + [m for m in members if m.is_delete]
    if check_mode:
        for member in ordered:
            _settle_action(member, lifecycle.predict(member.resource, member.plan, member.current))
    else:
        _apply_in_order(catalog, members, ordered)
    return _result(catalog, members, listing, check_mode, want_diff)


def _refuse_empty(state, items, allow_delete_all, noun):
    if items:
        return
    if state == DELETED:
        raise InputError('config is empty: state=deleted deletes the items it lists, and never means "delete '
                         'every %s". Nothing was written.' % noun)
    if state == OVERRIDDEN and not allow_delete_all:
        raise InputError('config is empty and state=overridden: that would delete every %s. Nothing was '
                         'written. Set allow_delete_all=true if that is really wanted.' % noun)


def _checked_members(catalog, items, state):
    """A Member per item, with its resource when its options hold; and [(index, problem)] for the others."""
    members, problems = [], []
    target = 'absent' if state == DELETED else 'present'
    for index, params in enumerate(items):
        member = Member(index, params)
        try:
            if params.get('id') is None and not params.get('name'):
                raise InputError('give id or name: an item is matched by id when it gives one, else by name.')
            member.resource = catalog.resource(params, target)
        except DsopsError as error:
            problems.append((index, '%s: %s' % (member.label, error)))
        members.append(member)
    return members, problems


def _plan_members(catalog, members, listing, state):
    """Match and plan every item against one listing; [(index, problem)] for those that cannot be applied."""
    target = 'absent' if state == DELETED else 'present'
    claimed, problems = {}, []
    for member in members:
        try:
            member.listed = member.current = catalog.select(listing, member.params)
            _claim(catalog, claimed, member, target)
            member.plan = _plan(catalog, member, target)
        except DsopsError as error:
            problems.append((member.index, '%s: %s' % (member.label, error)))
    return problems


def _claim(catalog, claimed, member, target):
    """Each object, and each name to create, is managed by one item only."""
    if member.current is None and (target == 'absent' or not member.name):
        return  # nothing to delete, nothing to create: an item for something already absent claims nothing
    if member.current is not None:
        key, what = catalog.key(member.current), member.resource.identify(member.current)
    else:
        key, what = 'new:%s' % member.name, 'the new %r' % member.name
    if key in claimed:
        raise InputError('%s also manages %s; keep one of the two items.' % (claimed[key].label, what))
    claimed[key] = member


def _plan(catalog, member, target):
    """The item's plan; an object in the middle of a job is waited for (reads only), then planned again."""
    allow_recreate = catalog.allows_recreate(member.params)
    decided = lifecycle.plan(member.resource, member.current, target, allow_recreate)
    if decided.action == lifecycle.BUSY:
        member.current = member.resource.settle(member.current)
        decided = lifecycle.plan(member.resource, member.current, target, allow_recreate)
    return decided


def _unmatched_members(catalog, members, listing):
    matched = set(catalog.key(m.listed) for m in members if m.listed is not None)
    extras = []
    for obj in listing:
        if catalog.key(obj) in matched:
            continue
        member = Member(None, {}, name=obj.get('name'))
        member.resource = catalog.resource_for(obj)
        member.listed = member.current = obj
        member.plan = _plan(catalog, member, 'absent')
        extras.append(member)
    return extras


def _apply_in_order(catalog, members, ordered):
    """Write member by member; the first failure stops the run, so no delete follows a failed write."""
    wrote = []
    for position, member in enumerate(ordered):
        try:
            outcome = lifecycle.apply(member.resource, member.plan, member.current)
        except DsopsError as error:
            member.action, member.error = FAILED, error
            for later in ordered[position + 1:]:
                later.action = SKIPPED if later.plan.changed else ACTION_NAMES[reconcile.NONE]
            earlier = [w for m in ordered[:position] for w in m.plan.warnings + m.outcome.warnings]
            error.warnings = earlier + member.plan.warnings + error.warnings
            raise SetFailure(member, error, [_entry(catalog, m) for m in members], wrote)
        _settle_action(member, outcome)
        if outcome.wrote and member.plan.changed:
            wrote.append(member.label)


def _settle_action(member, outcome):
    member.outcome = outcome
    wrote = outcome.wrote and member.plan.changed
    member.action = ACTION_NAMES[member.plan.action] if wrote else ACTION_NAMES[reconcile.NONE]


def _entry(catalog, member):
    """One line of ``results``: the item, what happened to it and the options that changed."""
    after = _after_object(member)
    obj = after or member.current or {}
    entry = {'name': member.name or obj.get('name'), 'id': _id_of(member, obj), 'action': member.action,
             'changes': _changes(catalog, member, after)}
    if member.index is not None:
        entry['index'] = member.index
    if member.error is not None:
        entry['error'] = member.error.summary()
    return entry


def _after_object(member):
    """The object after the run; for an item not written (failed, skipped), what its plan aimed at."""
    if member.outcome is not None:
        return member.outcome.obj
    return lifecycle.predict(member.resource, member.plan, member.current).obj


def _id_of(member, obj):
    value = obj.get('id') or (member.current or {}).get('id') or (member.params or {}).get('id')
    return str(value) if value is not None else None


def _changes(catalog, member, after):
    """{option: {before, after}} of what was (or would be) written, in option names."""
    if member.action == ACTION_NAMES[reconcile.NONE]:
        return {}
    before = catalog.config_of(member.current) if member.current is not None else {}
    after = catalog.config_of(after) if after else {}
    changes = {}
    for option in sorted(set(before) | set(after)):
        if option != 'id' and before.get(option) != after.get(option):
            changes[option] = {'before': before.get(option), 'after': after.get(option)}
    if member.action == ACTION_NAMES[reconcile.UPDATE]:
        # a value masked on both sides (URL credentials) was still written: say so without showing it
        for option in sorted(set(member.resource.option_name(field, member.current) for field in member.plan.changes)):
            changes.setdefault(option, {'before': UNSHOWN, 'after': UNSHOWN})
    return changes


def _unshown(entries):
    """Notes on the writes the set's diff cannot show: a re-create, a masked value."""
    notes = []
    for entry in entries:
        label = '%s %r' % ('config[%d]' % entry['index'] if 'index' in entry else 'not in config', entry['name'])
        if entry['action'] == ACTION_NAMES[reconcile.RECREATE]:
            notes.append('%s: %s' % (label, RECREATED))
        notes.extend('%s: %s changed %s' % (label, option, UNSHOWN)
                     for option, change in sorted(entry['changes'].items()) if change['after'] == UNSHOWN)
    return notes


def _result(catalog, members, listing, check_mode, want_diff):
    changed = any(m.outcome.wrote and m.plan.changed for m in members)
    objects = _objects_after(catalog, members, listing)
    warnings = [w for m in members for w in m.plan.warnings + m.outcome.warnings]
    if not check_mode:
        try:
            objects = catalog.after_writes(objects, changed)
        except DsopsError as error:  # the writes stand: a failed look afterwards must not hide them
            warnings.append('The %ss could not be read again after the writes (%s); the result shows them as '
                            'the writes left them, as far as the run knows.' % (catalog.noun, error.summary()))
    before = [catalog.config_of(obj) for obj in _listing_settled(catalog, members, listing)]
    after = [catalog.config_of(obj) for obj in objects]
    entries = [_entry(catalog, m) for m in members]
    result = {
        'changed': changed,
        'results': entries,
        'before': before,
        'after': after,
        catalog.result_key: [catalog.sanitize(obj) for obj in objects],
    }
    if want_diff:
        result['diff'] = text_diff(before, after if changed else before, catalog.diff_header(),
                                   unshown=_unshown(entries) if changed else ())
    if warnings:
        result['warnings'] = warnings
    return result


def _listing_settled(catalog, members, listing):
    """The listing as planned against: a member's object as it was once its running job had ended."""
    return _replaced(catalog, members, listing, lambda member: member.current)


def _objects_after(catalog, members, listing):
    """The listing with each member's outcome in place of what was listed: deleted ones out, new ones last."""
    objects = _replaced(catalog, members, listing, lambda member: member.outcome.obj)
    objects.extend(m.outcome.obj for m in members if m.listed is None and m.outcome.obj)
    return objects


def _replaced(catalog, members, listing, replacement):
    by_key = dict((catalog.key(m.listed), m) for m in members if m.listed is not None)
    objects = []
    for obj in listing:
        member = by_key.get(catalog.key(obj))
        found = obj if member is None else replacement(member)
        if found:
            objects.append(found)
    return objects
