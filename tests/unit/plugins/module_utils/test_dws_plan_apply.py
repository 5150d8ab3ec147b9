# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DWS external data sources: the plan step and the apply step, each on its own.

Planning runs with ``client=None`` against listed objects, as the role filter does: no request
is possible, so whatever it decides it decided from the listing alone.  Applying runs against
FakeDws (only the network is fake), from a plan made the same way.
"""

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.dsops.cloud.plugins.module_utils.core import lifecycle, reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ConflictError, DsopsError, InputError
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import Outcome
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import HttpTransport
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source import DwsExtDataSourceResource
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import CLUSTER, MRS_CLUSTER, FakeDws
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_dws_data_source import (
    MRS_ID, OBS_ID, PASSWORD, mrs_params, mrs_source, obs_params, obs_source, params)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.diffs import diff_of

__metaclass__ = type

NEW_PASSWORD = 'Rotated_Secret_456'
OBS_VIEW = {'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb',
            'description': 'demo'}


def listed(source):
    """A data source as the listing shows it (settled unless told otherwise)."""
    item = {'configure_status': 'ACTIVE', 'status': 'AVAILABLE'}
    item.update(source)
    return item


def plan_for(p, current, state=None):
    """The module's plan step with no client: any attempt to read or write would raise."""
    resource = DwsExtDataSourceResource(None, p)
    return lifecycle.plan(resource, current, state or p['state'], allow_recreate=p['recreate'])


# ----- plan, with client=None ----------------------------------------------------------------------------------

def test_an_agency_change_plans_an_update_of_user_name_alone():
    decided = plan_for(obs_params(agency='NewAgency'), listed(obs_source()))
    assert decided.action == reconcile.UPDATE
    assert decided.payload == {'user_name': 'NewAgency'}
    assert decided.changes == {'user_name': {'before': 'DWSAccessOBS', 'after': 'NewAgency'}}
    assert decided.conflicts == {} and decided.warnings == []
    assert decided.diff() == {'before': OBS_VIEW, 'after': dict(OBS_VIEW, user_name='NewAgency')}


def test_a_listed_source_as_desired_plans_nothing():
    decided = plan_for(obs_params(), listed(obs_source()))
    assert decided.action == reconcile.NONE and decided.payload == {}
    assert plan_for(params(name='obs_src1', type='OBS', reboot=True), listed(obs_source())).action == reconcile.NONE


@pytest.mark.parametrize('change, conflicts', [
    (dict(connect_info='analytics'), {'connect_info': {'current': 'gaussdb', 'desired': 'analytics'}}),
    (dict(description='other', agency='NewAgency'), {'description': {'current': 'demo', 'desired': 'other'}}),
])
def test_a_create_only_difference_is_a_conflict_without_recreate(change, conflicts):
    with pytest.raises(ConflictError) as caught:
        plan_for(obs_params(**change), listed(obs_source()))
    assert caught.value.conflicts == conflicts
    assert 'recreate=true' in str(caught.value) and OBS_ID in str(caught.value)


def test_a_create_only_difference_with_recreate_plans_a_recreate_with_the_whole_payload():
    decided = plan_for(obs_params(connect_info='analytics', recreate=True), listed(obs_source()))
    assert decided.action == reconcile.RECREATE
    assert decided.conflicts == {'connect_info': {'current': 'gaussdb', 'desired': 'analytics'}}
    assert decided.payload == dict(OBS_VIEW, connect_info='analytics')
    assert decided.diff() == {'before': OBS_VIEW, 'after': dict(OBS_VIEW, connect_info='analytics')}


def test_an_mrs_user_change_is_create_only():
    with pytest.raises(ConflictError, match="user_name: current 'mrs_user', desired 'other_user'"):
        plan_for(mrs_params(user_name='other_user'), listed(mrs_source()))


@pytest.mark.parametrize('current, extra', [(None, {}), (listed(mrs_source()), dict(description='new', recreate=True))],
                         ids=['create', 'recreate'])
def test_an_mrs_create_without_the_password_is_refused_by_the_plan(current, extra):
    with pytest.raises(InputError, match='these options are required: user_password'):
        plan_for(mrs_params(user_password=None, **extra), current)


@pytest.mark.parametrize('missing', ['agency', 'connect_info'])
def test_an_obs_create_without_its_fields_is_refused_by_the_plan(missing):
    with pytest.raises(InputError, match='these options are required: %s' % missing):
        plan_for(obs_params(**{missing: None}), None)


def test_a_create_plans_every_given_field_in_api_names():
    decided = plan_for(mrs_params(description='Lake'), None)
    assert decided.action == reconcile.CREATE
    assert decided.payload == {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
                               'data_source_id': MRS_CLUSTER, 'user_pwd': PASSWORD, 'description': 'Lake'}
    assert 'user_pwd' not in decided.after  # write-only: sent, never shown


BUSY = [('CREATING', 'CREATING'), ('UPDATING', 'UPDATING'), ('DELETING', 'DELETING'),
        ('100', 'CREATING'), ('500', 'UPDATING'), ('401', 'DELETING'), ('updating', 'UPDATING')]


@pytest.mark.parametrize('status, name', BUSY, ids=[status for status, dummy in BUSY])
def test_a_source_in_the_middle_of_a_job_plans_busy_with_a_hint_naming_the_status(status, name):
    source = listed(obs_source(configure_status=status))
    for p in (obs_params(agency='NewAgency'), obs_params(), obs_params(connect_info='analytics'),
              params(name='obs_src1', type='OBS', state='absent')):
        decided = plan_for(p, source)  # a create-only difference too: no ConflictError while the job runs
        assert decided.action == lifecycle.BUSY and decided.changed is True
        assert decided.payload == {} and decided.changes == {} and decided.conflicts == {}
        assert decided.before == OBS_VIEW
        assert "'obs_src1' (id %s) in cluster %s is %s: a job is running on it" % (OBS_ID, CLUSTER, name) in \
            decided.hint
        assert 'wait_timeout' in decided.hint


@pytest.mark.parametrize('status', ['ACTIVE', '200', 'PENDING_REBOOT', '600', None])
def test_a_settled_source_is_never_busy(status):
    source = listed(obs_source(configure_status=status))
    assert plan_for(obs_params(), source).action == reconcile.NONE


@pytest.mark.parametrize('recreate', [False, True])
def test_a_listed_item_with_an_empty_type_and_a_given_type_is_no_conflict(recreate):
    decided = plan_for(obs_params(recreate=recreate), listed(obs_source(type='')))
    assert decided.action == reconcile.NONE and decided.conflicts == {}


def test_a_listed_item_with_an_empty_type_is_read_with_the_type_asked_for():
    """What the module (and the info module feeding the role) actually plan against: the reader fills it in."""
    fake = FakeDws([obs_source()])
    fake.type_reported = False
    found = DwsExtDataSourceResource(client_for(fake, obs_params()), obs_params()).read()
    assert found['type'] == 'OBS'
    assert plan_for(obs_params(), found).action == reconcile.NONE


def test_update_password_always_on_an_existing_mrs_source_plans_a_recreate_without_warnings():
    p = mrs_params(user_password=NEW_PASSWORD, update_password='always', recreate=True)
    decided = plan_for(p, listed(mrs_source()))
    assert decided.action == reconcile.RECREATE
    assert decided.warnings == [] and decided.conflicts == {} and decided.changes == {}
    assert decided.payload == {'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
                               'data_source_id': MRS_CLUSTER, 'description': '', 'user_pwd': NEW_PASSWORD}
    assert NEW_PASSWORD not in repr(decided.diff())


def test_a_password_on_create_only_for_an_existing_mrs_source_plans_nothing_with_one_warning():
    decided = plan_for(mrs_params(user_password=NEW_PASSWORD, update_password='on_create'), listed(mrs_source()))
    assert decided.action == reconcile.NONE and decided.payload == {}
    assert len(decided.warnings) == 1
    assert "'mrs_src1' (id %s)" % MRS_ID in decided.warnings[0] and 'update_password=always' in decided.warnings[0]
    assert NEW_PASSWORD not in decided.warnings[0]


def test_an_unknown_id_is_refused_for_present_and_already_absent_for_absent():
    unknown = '99999999-0000-0000-0000-000000000000'
    with pytest.raises(InputError, match='No OBS data source with id %s' % unknown):
        plan_for(obs_params(id=unknown), None)
    assert plan_for(params(id=unknown, type='OBS', state='absent'), None).action == reconcile.NONE


def test_absent_with_an_id_whose_name_differs_is_refused_by_the_plan():
    with pytest.raises(InputError, match="named 'obs_src1', not 'other'; nothing was deleted"):
        plan_for(params(id=OBS_ID, name='other', type='OBS', state='absent'), listed(obs_source()))
    assert plan_for(params(id=OBS_ID, type='OBS', state='absent'), listed(obs_source())).action == reconcile.DELETE


def test_a_source_whose_creation_failed_is_refused_by_the_plan():
    failed = listed(obs_source(configure_status='FAILED', status='CREATE_FAILED', fail_reason='no agency'))
    with pytest.raises(DsopsError, match='creation failed .*no agency'):
        plan_for(obs_params(), failed)


def test_options_of_the_other_type_are_refused_against_the_listed_type():
    with pytest.raises(InputError, match='agency only apply to OBS'):
        plan_for(params(name='mrs_src1', agency='abcde'), listed(mrs_source()))


# ----- apply, against FakeDws ---------------------------------------------------------------------------------

def client_for(fake, p):
    sleeps = []
    return build_client(p, transport=HttpTransport(session=fake), sleep=sleeps.append, clock=lambda: sum(sleeps))


def planned(fake, p):
    """(adapter with a client, current as read, the plan), with the fake's log emptied afterwards."""
    adapter = DwsExtDataSourceResource(client_for(fake, p), p)
    current = adapter.read()
    decided = lifecycle.plan(adapter, current, p['state'], allow_recreate=p['recreate'])
    fake.log[:] = []
    return adapter, current, decided


def test_apply_of_an_update_is_one_put_and_returns_the_job():
    fake = FakeDws([obs_source()])
    adapter, current, decided = planned(fake, obs_params(agency='NewAgency'))
    outcome = lifecycle.apply(adapter, decided, current)
    assert isinstance(outcome, Outcome)
    writes = fake.writes()
    assert [(w['method'], w['path'].rsplit('/', 1)[-1], w['body']) for w in writes] == \
        [('PUT', OBS_ID, {'reconfigure': {'reboot': False, 'agency': 'NewAgency'}})]
    assert outcome.wrote is True and outcome.warnings == []
    assert outcome.job['status'] == 'SUCCESS' and outcome.job['job_id'] == list(fake.jobs)[0]
    assert outcome.obj['user_name'] == 'NewAgency' and outcome.obj['configure_status'] == 'ACTIVE'
    assert fake.sources[OBS_ID]['user_name'] == 'NewAgency'


def test_apply_of_a_delete_of_a_source_someone_else_removed_wrote_nothing():
    fake = FakeDws([obs_source()])
    adapter, current, decided = planned(fake, params(name='obs_src1', type='OBS', state='absent'))
    assert decided.action == reconcile.DELETE
    fake.sources.clear()  # removed by another actor between the listing and the DELETE
    outcome = lifecycle.apply(adapter, decided, current)
    assert [w['method'] for w in fake.writes()] == ['DELETE']
    assert outcome.wrote is False and outcome.obj is None and outcome.job is None
    assert lifecycle.result_of(adapter, decided, outcome, True)['changed'] is False


def test_apply_of_a_delete_waits_for_the_job():
    fake = FakeDws([obs_source()])
    adapter, current, decided = planned(fake, params(name='obs_src1', type='OBS', state='absent'))
    outcome = lifecycle.apply(adapter, decided, current)
    assert [w['method'] for w in fake.writes()] == ['DELETE']
    assert outcome.wrote is True and outcome.obj is None and outcome.job['status'] == 'SUCCESS'
    assert fake.sources == {}


def test_apply_with_wait_false_returns_the_predicted_object_and_a_job_with_only_its_id():
    fake = FakeDws([obs_source()])
    adapter, current, decided = planned(fake, obs_params(agency='NewAgency', wait=False))
    outcome = lifecycle.apply(adapter, decided, current)
    assert [w['method'] for w in fake.writes()] == ['PUT'] and fake.calls(kind='job') == []
    assert outcome.wrote is True
    assert outcome.job == {'job_id': list(fake.jobs)[0]}
    assert outcome.obj == dict(current, user_name='NewAgency')  # predicted: the job has not applied it yet
    assert fake.sources[OBS_ID]['configure_status'] == 'UPDATING'


def test_apply_of_a_create_with_wait_false_predicts_the_object_without_the_password():
    fake = FakeDws()
    adapter, current, decided = planned(fake, mrs_params(wait=False))
    outcome = lifecycle.apply(adapter, decided, current)
    assert [w['method'] for w in fake.writes()] == ['POST'] and fake.calls(kind='job') == []
    created = fake.by_name('mrs_src1')[0]
    assert outcome.job == {'job_id': list(fake.jobs)[0]}
    assert outcome.obj == {'id': created['id'], 'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
                           'data_source_id': MRS_CLUSTER}
    assert PASSWORD not in repr(outcome.obj)


def test_apply_of_a_create_is_one_post_and_returns_the_listed_object():
    fake = FakeDws()
    adapter, current, decided = planned(fake, obs_params())
    outcome = lifecycle.apply(adapter, decided, current)
    assert [(w['method'], w['body']) for w in fake.writes()] == [
        ('POST', {'type': 'OBS', 'data_source_name': 'obs_src1', 'user_name': 'DWSAccessOBS',
                  'connect_info': 'gaussdb', 'description': 'demo'})]
    assert outcome.wrote is True and outcome.job['status'] == 'SUCCESS'
    assert outcome.obj['id'] == fake.by_name('obs_src1')[0]['id'] and outcome.obj['configure_status'] == 'ACTIVE'


def test_apply_of_a_recreate_deletes_waits_and_creates():
    fake = FakeDws([obs_source()])
    adapter, current, decided = planned(fake, obs_params(connect_info='analytics', recreate=True, wait=False))
    outcome = lifecycle.apply(adapter, decided, current)
    assert [w['method'] for w in fake.writes()] == ['DELETE', 'POST']
    assert OBS_ID not in fake.sources and outcome.obj['connect_info'] == 'analytics'
    assert outcome.job == {'job_id': list(fake.jobs)[-1]}  # the create's job (the delete's was waited for)


def test_a_plan_made_without_a_client_is_applied_by_the_module_adapter_alike():
    """The role plans with client=None; the module then applies with a client: both see the same plan."""
    fake = FakeDws([obs_source()])
    p = obs_params(agency='NewAgency')
    adapter, current, decided = planned(fake, p)
    offline = plan_for(p, current)
    assert (offline.action, offline.payload, offline.changes) == (decided.action, decided.payload, decided.changes)
    lifecycle.apply(adapter, offline, current)
    assert [w['body'] for w in fake.writes()] == [{'reconfigure': {'reboot': False, 'agency': 'NewAgency'}}]


# ----- ensure, around a job left running --------------------------------------------------------------------------

def test_ensure_waits_out_a_job_left_running_then_writes_only_what_still_differs():
    fake = FakeDws([obs_source()])
    first = obs_params(agency='SecondAgency', wait=False)
    lifecycle.ensure(DwsExtDataSourceResource(client_for(fake, first), first), 'present')
    assert fake.sources[OBS_ID]['configure_status'] == 'UPDATING'
    fake.settle_on_list = True  # the job moves on while the module looks at the listing
    p = obs_params(agency='ThirdAgency')
    result = lifecycle.ensure(DwsExtDataSourceResource(client_for(fake, p), p), 'present', want_diff=True)
    assert [w['body']['reconfigure']['agency'] for w in fake.writes()] == ['SecondAgency', 'ThirdAgency']
    assert all(e['status'] == 200 for e in fake.log)  # never a PUT into the running job (DWS.0011)
    assert result['changed'] is True and result['ext_data_source']['user_name'] == 'ThirdAgency'
    # compared against what the first job left, not against the listing that showed the job running
    assert diff_of(result)['before']['agency'] == 'SecondAgency'


def test_ensure_of_the_change_the_running_job_makes_writes_nothing():
    fake = FakeDws([obs_source()])
    first = obs_params(agency='SecondAgency', wait=False)
    lifecycle.ensure(DwsExtDataSourceResource(client_for(fake, first), first), 'present')
    fake.settle_on_list = True
    p = obs_params(agency='SecondAgency')
    result = lifecycle.ensure(DwsExtDataSourceResource(client_for(fake, p), p), 'present')
    assert len(fake.writes()) == 1 and result['changed'] is False
    assert result['ext_data_source']['user_name'] == 'SecondAgency'


def test_ensure_absent_of_a_source_being_deleted_is_done_without_a_request_more():
    fake = FakeDws([obs_source(configure_status='DELETING')])
    p = params(name='obs_src1', type='OBS', state='absent')
    result = lifecycle.ensure(DwsExtDataSourceResource(client_for(fake, p), p), 'absent')
    assert result['changed'] is False and result['ext_data_source'] == {}
    assert [e['method'] for e in fake.log] == ['GET'] and fake.writes() == []
