# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared lifecycle (core.lifecycle) on its own: plan, apply, predict, ensure and result_of.

A tiny in-test resource stands in for a platform, so what is asserted here is the core's
own contract: planning reads and writes nothing, apply dispatches to the one write the plan
names and returns its Outcome, and ensure composes the two (waiting out a busy object first).
"""

from __future__ import absolute_import, division, print_function

import copy

import pytest

from ansible_collections.dsops.cloud.plugins.module_utils.core import lifecycle, reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ConflictError, DsopsError, InputError
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import Outcome
from ansible_collections.dsops.cloud.plugins.module_utils.core.reconcile import Field
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

FIELDS = (
    Field('name', create_only=True),
    Field('colour'),
    Field('size'),
    Field('labels', merge_dict=True),
    Field('secret', compared=False),
)
CURRENT = {'id': 'w-1', 'name': 'gear', 'colour': 'red', 'size': 3, 'labels': {'team': 'a', 'env': 'dev'},
           'status': 'READY'}
SECRET = 'Widget_Secret_123'
PLAN_WARNING = 'the secret is only sent on create'
HINT = 'widget is being painted; waiting for it'


class Widget(lifecycle.Resource):
    """A platform in miniature: objects are dicts, a 'status' of PAINTING means busy.

    Every call of a reading or writing method is appended to ``log`` (a list owned by the
    test), and each write returns the Outcome given in ``outcomes`` (or a default one).
    """

    result_key = 'widget'
    noun = 'widget'

    def __init__(self, wanted=None, warnings=(), log=None, outcomes=None, force_recreate=False, required=(),
                 settled='unset', read_value=None):
        self.wanted = dict(wanted or {})
        self.wanted_warnings = list(warnings)
        self.log = log if log is not None else []
        self.outcomes = outcomes or {}
        self.force_recreate = force_recreate
        self.required = required
        self.settled = settled
        self.read_value = read_value

    # planning

    def fields_for(self, current):
        self.log.append(('fields_for',))
        return FIELDS

    def check_target(self, current, state):
        self.log.append(('check_target', state))
        if self.wanted.get('id') and current is None and state == 'present':
            raise InputError('no widget with id %s' % self.wanted['id'])

    def desired(self, current):
        self.log.append(('desired',))
        wanted = dict((k, v) for k, v in self.wanted.items() if k != 'id')
        return wanted, list(self.wanted_warnings)

    def check_create(self, payload):
        self.log.append(('check_create', copy.deepcopy(payload)))
        missing = [name for name in self.required if not payload.get(name)]
        if missing:
            raise InputError('to create a widget give %s' % ', '.join(missing))

    def is_busy(self, current):
        return current.get('status') == 'PAINTING'

    def busy_hint(self, current):
        return HINT

    def must_recreate(self, current):
        return current is not None and self.force_recreate

    def identify(self, obj):
        return '%r (id %s)' % (obj.get('name'), obj.get('id'))

    def conflict_hint(self):
        return 'delete the widget to rename it'

    def sanitize(self, obj):
        return dict((k, v) for k, v in obj.items() if k != 'secret')

    # reading and writing

    def read(self):
        self.log.append(('read',))
        return copy.deepcopy(self.read_value)

    def settle(self, current):
        self.log.append(('settle', current['id']))
        return copy.deepcopy(self.settled)

    def _outcome(self, name, obj):
        return self.outcomes.get(name) or Outcome(obj, job={'job_id': 'job-%s' % name})

    def create(self, payload):
        self.log.append(('create', copy.deepcopy(payload)))
        return self._outcome('create', dict(payload, id='w-new'))

    def update(self, current, payload):
        self.log.append(('update', current['id'], copy.deepcopy(payload)))
        return self._outcome('update', dict(current, **payload))

    def delete(self, current):
        self.log.append(('delete', current['id']))
        return self._outcome('delete', None)


class ReadOnly(Widget):
    """A widget whose reading and writing methods fail the test: planning must never reach them."""

    def _refuse(self, *args):
        raise AssertionError('plan called a reading or writing method with %r' % (args,))

    read = settle = create = update = delete = recreate = _refuse


def calls(log, *names):
    """The entries of ``log`` for the methods ``names`` (all reading and writing ones by default)."""
    names = names or ('read', 'settle', 'create', 'update', 'delete', 'recreate')
    return [entry for entry in log if entry[0] in names]


def gear(**changes):
    obj = copy.deepcopy(CURRENT)
    obj.update(changes)
    return obj


# ----- plan: read-only --------------------------------------------------------------------------------------------

PLAN_SCENARIOS = {
    'none': (dict(name='gear', colour='red'), gear(), 'present', False, reconcile.NONE),
    'create': (dict(name='gear', colour='blue', secret=SECRET), None, 'present', False, reconcile.CREATE),
    'update': (dict(name='gear', colour='blue'), gear(), 'present', False, reconcile.UPDATE),
    'delete': (dict(name='gear'), gear(), 'absent', False, reconcile.DELETE),
    'absent already': (dict(name='gear'), None, 'absent', False, reconcile.NONE),
    'recreate': (dict(name='cog', colour='blue'), gear(), 'present', True, reconcile.RECREATE),
    'busy': (dict(name='gear', colour='blue'), gear(status='PAINTING'), 'present', False, lifecycle.BUSY),
    'busy, absent': (dict(name='gear'), gear(status='PAINTING'), 'absent', False, lifecycle.BUSY),
}


@pytest.mark.parametrize('scenario', sorted(PLAN_SCENARIOS))
def test_plan_reads_nothing_writes_nothing_and_changes_nothing(scenario):
    wanted, obj, state, allow_recreate, action = PLAN_SCENARIOS[scenario]
    resource = ReadOnly(wanted)
    before = copy.deepcopy(obj)
    attributes = dict(vars(resource))
    decided = lifecycle.plan(resource, obj, state, allow_recreate=allow_recreate)
    assert decided.action == action
    assert obj == before  # the object as read is not modified
    # no hidden state: the resource holds exactly the attributes it held, bound to the same objects
    assert sorted(vars(resource)) == sorted(attributes)
    assert all(vars(resource)[name] is value for name, value in attributes.items())
    assert calls(resource.log) == []


def test_an_equal_object_plans_none():
    decided = lifecycle.plan(Widget(dict(name='gear', colour='red', size=3)), gear(), 'present')
    assert decided.action == reconcile.NONE and decided.changed is False
    assert decided.payload == {} and decided.changes == {} and decided.conflicts == {}
    assert decided.before == decided.after == {'name': 'gear', 'colour': 'red', 'size': 3}


def test_a_missing_object_plans_a_create_with_every_desired_field():
    decided = lifecycle.plan(Widget(dict(name='gear', colour='blue', secret=SECRET, size=None)), None, 'present')
    assert decided.action == reconcile.CREATE and decided.changed is True
    assert decided.payload == {'name': 'gear', 'colour': 'blue', 'secret': SECRET}  # unset options left out
    assert decided.before == {} and decided.after == {'name': 'gear', 'colour': 'blue'}  # never the secret


def test_a_differing_field_plans_an_update_of_that_field_alone():
    decided = lifecycle.plan(Widget(dict(name='gear', colour='blue', size=3, labels={'env': 'prod'})), gear(),
                             'present')
    assert decided.action == reconcile.UPDATE
    assert decided.payload == {'colour': 'blue', 'labels': {'team': 'a', 'env': 'prod'}}
    assert decided.changes == {'colour': {'before': 'red', 'after': 'blue'},
                               'labels': {'before': {'team': 'a', 'env': 'dev'}, 'after': {'team': 'a', 'env': 'prod'}}}
    assert decided.diff() == {'before': {'name': 'gear', 'colour': 'red', 'size': 3, 'labels': {'team': 'a', 'env': 'dev'}},
                              'after': {'name': 'gear', 'colour': 'blue', 'size': 3, 'labels': {'team': 'a', 'env': 'prod'}}}


def test_absent_plans_a_delete_of_an_existing_object_and_nothing_for_a_missing_one():
    decided = lifecycle.plan(Widget(dict(name='gear', colour='blue')), gear(), 'absent')
    assert decided.action == reconcile.DELETE and decided.payload == {}
    assert decided.before['name'] == 'gear' and decided.after == {}
    assert lifecycle.plan(Widget(dict(name='gear')), None, 'absent').action == reconcile.NONE


def test_a_create_only_difference_with_recreate_allowed_plans_a_recreate_carrying_the_current_values():
    decided = lifecycle.plan(Widget(dict(name='cog', colour='blue')), gear(), 'present', allow_recreate=True)
    assert decided.action == reconcile.RECREATE
    assert decided.conflicts == {'name': {'current': 'gear', 'desired': 'cog'}}
    assert decided.changes == {'colour': {'before': 'red', 'after': 'blue'}}
    # what is not mentioned survives the re-create; what is not managed (id, status) is not sent
    assert decided.payload == {'name': 'cog', 'colour': 'blue', 'size': 3, 'labels': {'team': 'a', 'env': 'dev'}}


def test_must_recreate_makes_an_existing_object_recreate_whatever_differs():
    decided = lifecycle.plan(Widget(dict(name='gear', secret=SECRET), force_recreate=True), gear(), 'present')
    assert decided.action == reconcile.RECREATE and decided.conflicts == {} and decided.changes == {}
    assert decided.payload['secret'] == SECRET and decided.payload['name'] == 'gear'
    # never for a missing object: that is a plain create
    assert lifecycle.plan(Widget(dict(name='gear'), force_recreate=True), None, 'present').action == reconcile.CREATE


def test_a_busy_object_plans_busy_with_the_hint_and_compares_nothing():
    log = []
    resource = Widget(dict(name='renamed', colour='blue'), warnings=[PLAN_WARNING], log=log, required=('secret',))
    busy = gear(status='PAINTING')
    decided = lifecycle.plan(resource, busy, 'present')  # a create-only difference, yet no ConflictError
    assert decided.action == lifecycle.BUSY and decided.changed is True
    assert decided.hint == HINT
    assert decided.before == {'name': 'gear', 'colour': 'red', 'size': 3, 'labels': {'team': 'a', 'env': 'dev'}}
    assert decided.payload == {} and decided.changes == {} and decided.conflicts == {}
    assert [entry[0] for entry in log if entry[0] in ('desired', 'check_create')] == []
    assert lifecycle.plan(Widget(dict(name='gear')), busy, 'absent').action == lifecycle.BUSY


def test_the_target_is_checked_before_anything_else():
    with pytest.raises(InputError, match='no widget with id w-9'):
        lifecycle.plan(ReadOnly(dict(id='w-9', name='gear')), None, 'present')


# ----- plan: conflicts and create checks ---------------------------------------------------------------------

@pytest.mark.parametrize('wanted', [dict(name='cog'), dict(name='cog', colour='blue')],
                         ids=['create-only alone', 'with an updatable change'])
def test_a_create_only_conflict_without_recreate_raises_before_anything(wanted):
    resource = ReadOnly(wanted, required=('secret',))  # a create check that would fail: it is never reached
    with pytest.raises(ConflictError) as caught:
        lifecycle.plan(resource, gear(), 'present')
    error = caught.value
    assert error.conflicts == {'name': {'current': 'gear', 'desired': 'cog'}}
    assert str(error) == ("Cannot change create-only field(s) of widget 'gear' (id w-1) in place: name: current "
                          "'gear', desired 'cog'. Nothing was changed. Hint: delete the widget to rename it")
    assert error.fail_kwargs()['conflicts'] == error.conflicts and 'changed' not in error.fail_kwargs()
    assert calls(resource.log, 'check_create') == []


@pytest.mark.parametrize('scenario, expected', [
    ('create', [{'name': 'gear', 'colour': 'blue', 'secret': SECRET}]),
    ('recreate', [{'name': 'cog', 'colour': 'blue', 'size': 3, 'labels': {'team': 'a', 'env': 'dev'}}]),
    ('update', []), ('none', []), ('delete', []), ('absent already', []), ('busy', []), ('busy, absent', []),
])
def test_check_create_sees_the_payload_of_a_create_or_recreate_and_nothing_else(scenario, expected):
    wanted, obj, state, allow_recreate, dummy = PLAN_SCENARIOS[scenario]
    resource = ReadOnly(wanted)
    lifecycle.plan(resource, obj, state, allow_recreate=allow_recreate)
    assert [entry[1] for entry in calls(resource.log, 'check_create')] == expected


@pytest.mark.parametrize('obj, allow_recreate', [(None, False), (gear(), True)], ids=['create', 'recreate'])
def test_a_create_the_resource_refuses_fails_the_plan(obj, allow_recreate):
    with pytest.raises(InputError, match='to create a widget give secret'):
        lifecycle.plan(ReadOnly(dict(name='cog'), required=('secret',)), obj, 'present', allow_recreate=allow_recreate)


# ----- warnings ----------------------------------------------------------------------------------------------

def test_warnings_of_desired_end_in_the_plan_and_in_the_result_before_the_writes_own():
    log = []
    own = Outcome(gear(colour='blue'), job={'job_id': 'j-1'}, warnings=['job status QUEUED is unknown'])
    resource = Widget(dict(name='gear', colour='blue'), warnings=[PLAN_WARNING], log=log, outcomes={'update': own},
                      read_value=gear())
    decided = lifecycle.plan(resource, gear(), 'present')
    assert decided.warnings == [PLAN_WARNING]
    result = lifecycle.result_of(resource, decided, lifecycle.apply(resource, decided, gear()), False)
    assert result['warnings'] == [PLAN_WARNING, 'job status QUEUED is unknown']
    assert lifecycle.ensure(resource, 'present')['warnings'] == [PLAN_WARNING, 'job status QUEUED is unknown']
    # a plan with nothing to do still carries them
    unchanged = lifecycle.plan(Widget(dict(name='gear'), warnings=[PLAN_WARNING]), gear(), 'present')
    assert unchanged.action == reconcile.NONE
    assert lifecycle.result_of(resource, unchanged, Outcome(gear(), wrote=False), False)['warnings'] == [PLAN_WARNING]


def test_a_result_without_warnings_has_no_warnings_key():
    resource = Widget(dict(name='gear'))
    decided = lifecycle.plan(resource, gear(), 'present')
    assert 'warnings' not in lifecycle.result_of(resource, decided, Outcome(gear(), wrote=False), True)


def test_plan_warnings_are_added_to_an_error_raised_by_apply():
    class Failing(Widget):
        def update(self, current, payload):
            raise DsopsError('the paint shop refused', warnings=['the shop is closing'], written={'job_id': 'j-9'})

    resource = Failing(dict(name='gear', colour='blue'), warnings=[PLAN_WARNING], read_value=gear())
    with pytest.raises(DsopsError) as caught:
        lifecycle.ensure(resource, 'present')
    assert caught.value.warnings == [PLAN_WARNING, 'the shop is closing']
    failure = caught.value.fail_kwargs()
    assert failure['warnings'] == [PLAN_WARNING, 'the shop is closing'] and failure['changed'] is True


# ----- apply ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('scenario, call', [
    ('create', ('create', {'name': 'gear', 'colour': 'blue', 'secret': SECRET})),
    ('update', ('update', 'w-1', {'colour': 'blue'})),
    ('delete', ('delete', 'w-1')),
])
def test_apply_calls_the_one_write_the_plan_names_and_returns_its_outcome(scenario, call):
    wanted, obj, state, allow_recreate, action = PLAN_SCENARIOS[scenario]
    returned = Outcome({'id': 'w-x'}, wrote=True, job={'job_id': 'j-%s' % scenario}, warnings=['from %s' % scenario])
    resource = Widget(wanted, outcomes={action: returned})
    decided = lifecycle.plan(resource, obj, state, allow_recreate=allow_recreate)
    outcome = lifecycle.apply(resource, decided, obj)
    assert outcome is returned
    assert calls(resource.log) == [call]


def test_apply_of_a_recreate_calls_recreate_with_the_current_object_and_the_payload():
    class Recreating(Widget):
        def recreate(self, current, payload):
            self.log.append(('recreate', current['id'], payload))
            return self.outcomes['recreate']

    returned = Outcome({'id': 'w-2', 'name': 'cog'}, job={'job_id': 'j-2'})
    resource = Recreating(dict(name='cog'), outcomes={'recreate': returned})
    decided = lifecycle.plan(resource, gear(), 'present', allow_recreate=True)
    assert lifecycle.apply(resource, decided, gear()) is returned
    assert calls(resource.log) == [('recreate', 'w-1', decided.payload)]


def test_the_default_recreate_deletes_then_creates_and_keeps_both_warnings():
    resource = Widget(dict(name='cog'), outcomes={
        'delete': Outcome(None, job={'job_id': 'j-del'}, warnings=['delete warning']),
        'create': Outcome({'id': 'w-2', 'name': 'cog'}, job={'job_id': 'j-new'}, warnings=['create warning'])})
    decided = lifecycle.plan(resource, gear(), 'present', allow_recreate=True)
    outcome = lifecycle.apply(resource, decided, gear())
    assert calls(resource.log) == [('delete', 'w-1'), ('create', decided.payload)]
    assert outcome.obj == {'id': 'w-2', 'name': 'cog'} and outcome.wrote is True
    assert outcome.job == {'job_id': 'j-new'}  # the job of the object that now exists
    assert outcome.warnings == ['delete warning', 'create warning']


def test_apply_of_nothing_to_do_writes_nothing_and_returns_the_current_object():
    resource = ReadOnly(dict(name='gear'))
    decided = lifecycle.plan(resource, gear(), 'present')
    outcome = lifecycle.apply(resource, decided, gear())
    assert outcome.wrote is False and outcome.obj == gear() and outcome.job is None and outcome.warnings == []


def test_an_outcome_that_wrote_nothing_gives_changed_false_and_an_empty_diff():
    """A write that found its work done (1271003, a delete of something already gone) changed nothing."""
    for scenario in ('update', 'delete'):
        wanted, obj, state, dummy, dummy_action = PLAN_SCENARIOS[scenario]
        resource = Widget(wanted, outcomes={'update': Outcome(obj, wrote=False), 'delete': Outcome(None, wrote=False)})
        decided = lifecycle.plan(resource, obj, state)
        assert decided.changed is True
        result = lifecycle.result_of(resource, decided, lifecycle.apply(resource, decided, obj), True)
        assert result['changed'] is False
        assert diff_of(result)['before'] == diff_of(result)['after'] == decided.before
        assert 'job' not in result


def test_result_of_returns_the_sanitized_object_diff_and_job():
    resource = Widget(dict(name='gear', colour='blue', secret=SECRET))
    decided = lifecycle.plan(resource, None, 'present')
    outcome = Outcome(dict(id='w-2', name='gear', colour='blue', secret=SECRET), job={'job_id': 'j-1', 'status': 'OK'})
    result = lifecycle.result_of(resource, decided, outcome, True)
    assert result == {'changed': True, 'widget': {'id': 'w-2', 'name': 'gear', 'colour': 'blue'},
                      'diff': {'before': '', 'after': 'name: gear\ncolour: blue\n',
                               'before_header': "widget 'gear' (id w-2)", 'after_header': "widget 'gear' (id w-2)"},
                      'job': {'job_id': 'j-1', 'status': 'OK'}}
    assert SECRET not in repr(result)
    assert lifecycle.result_of(resource, decided, Outcome(None), False) == {'changed': True, 'widget': {}}


# ----- predict (check mode) -------------------------------------------------------------------------------------

@pytest.mark.parametrize('scenario, obj, wrote', [
    ('none', gear(), False),
    ('create', {'name': 'gear', 'colour': 'blue', 'secret': SECRET}, True),
    ('update', gear(colour='blue'), True),
    ('delete', None, True),
    ('recreate', {'name': 'cog', 'colour': 'blue', 'size': 3, 'labels': {'team': 'a', 'env': 'dev'}}, True),
])
def test_predict_computes_the_outcome_without_writing(scenario, obj, wrote):
    wanted, current_obj, state, allow_recreate, dummy = PLAN_SCENARIOS[scenario]
    resource = ReadOnly(wanted)
    decided = lifecycle.plan(resource, current_obj, state, allow_recreate=allow_recreate)
    outcome = lifecycle.predict(resource, decided, current_obj)
    assert outcome.obj == obj and outcome.wrote is wrote and outcome.job is None
    assert calls(resource.log) == []


# ----- ensure ------------------------------------------------------------------------------------------------------

def test_ensure_settles_a_busy_object_then_plans_against_what_the_job_left():
    log = []
    busy = gear(status='PAINTING')
    # the running job changed the size; the colour still differs afterwards
    settled = gear(size=5)
    resource = Widget(dict(name='gear', colour='blue', size=5), log=log, read_value=busy, settled=settled)
    result = lifecycle.ensure(resource, 'present', want_diff=True)
    assert calls(log) == [('read',), ('settle', 'w-1'), ('update', 'w-1', {'colour': 'blue'})]
    assert result['changed'] is True and result['widget']['colour'] == 'blue'
    assert diff_of(result)['before']['size'] == 5 and diff_of(result)['before']['colour'] == 'red'


def test_ensure_writes_nothing_when_the_settled_object_is_as_wanted():
    log = []
    resource = Widget(dict(name='gear', colour='blue'), log=log, read_value=gear(status='PAINTING'),
                      settled=gear(colour='blue'))
    result = lifecycle.ensure(resource, 'present')
    assert calls(log) == [('read',), ('settle', 'w-1')]
    assert result == {'changed': False, 'widget': gear(colour='blue')}


@pytest.mark.parametrize('state, writes', [('present', [('create', {'name': 'gear', 'colour': 'blue'})]),
                                           ('absent', [])])
def test_ensure_plans_again_when_the_running_job_removed_the_object(state, writes):
    log = []
    resource = Widget(dict(name='gear', colour='blue'), log=log, read_value=gear(status='PAINTING'), settled=None)
    result = lifecycle.ensure(resource, state)
    assert calls(log) == [('read',), ('settle', 'w-1')] + writes
    assert result['changed'] is bool(writes)


def test_ensure_in_check_mode_predicts_and_writes_nothing_even_after_waiting():
    log = []
    resource = Widget(dict(name='gear', colour='blue'), log=log, read_value=gear(status='PAINTING'),
                      settled=gear())
    result = lifecycle.ensure(resource, 'present', check_mode=True, want_diff=True)
    assert calls(log) == [('read',), ('settle', 'w-1')]  # reads (and waits) only
    assert result['changed'] is True and result['widget']['colour'] == 'blue' and 'job' not in result
    assert diff_of(result) == {'before': {'name': 'gear', 'colour': 'red'}, 'after': {'name': 'gear', 'colour': 'blue'}}


def test_ensure_on_an_idle_object_never_settles():
    log = []
    lifecycle.ensure(Widget(dict(name='gear', colour='blue'), log=log, read_value=gear()), 'present')
    assert [entry[0] for entry in calls(log)] == ['read', 'update']


def test_ensure_reports_a_conflict_found_after_the_job_without_writing():
    log = []
    resource = Widget(dict(name='cog'), log=log, read_value=gear(status='PAINTING'), settled=gear())
    with pytest.raises(ConflictError):
        lifecycle.ensure(resource, 'present')
    assert calls(log) == [('read',), ('settle', 'w-1')]
