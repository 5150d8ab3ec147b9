# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles feishu_search_data_sources and dws_ext_data_sources through real ansible-playbook runs.

The roles wrap the list modules: one call per tenant or cluster (merged, or overridden with purge), a second
one for the items marked state: absent.  Every test asserts on the sandbox's request log (what went over the
wire, in which order, to which cluster) and on what the role recorded: the <role>_result fact and the
<role>_summary it publishes with set_stats.
"""

from __future__ import absolute_import, division, print_function

import pytest

from harness import diff_of

__metaclass__ = type

FEISHU_ROLE = 'dsops.cloud.feishu_search_data_sources : '
FEISHU_APPLY = FEISHU_ROLE + 'Apply the list of data sources'
FEISHU_DELETE = FEISHU_ROLE + 'Delete the data sources marked state absent'
DWS_ROLE = 'dsops.cloud.dws_ext_data_sources : '
DWS_CHECK = DWS_ROLE + 'Check that every item names a cluster'
DWS_FIRST = DWS_ROLE + 'Apply the list on the first cluster (on its own, it proves the credentials)'
DWS_OTHERS = DWS_ROLE + 'Apply the list on the other clusters'
DWS_DELETE = DWS_ROLE + 'Delete the data sources marked state absent'
RECORD, PUBLISH = 'Record what the role did', 'Publish the summary (AWX job artifacts)'
PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
CLUSTER2 = '22222222-3333-4444-5555-666666666666'
MRS_CLUSTER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
MRS_PASSWORD = 'Role_Mrs_Password_77'


def ops(entries):
    return [entry['op'] for entry in entries]


def status(run, task):
    for entry in reversed(run.results):
        if entry['task'] == task:
            return entry['status']
    raise KeyError(task)


def did_not_run(run, task):
    """Skipped, or never reached (a failed task ends the role's block for the host)."""
    return all(entry['status'] == 'skipped' for entry in run.results if entry['task'] == task)


def run_ok(run_playbook, playbook, extra_vars, **kwargs):
    run = run_playbook(playbook, extra_vars, **kwargs)
    assert run.rc == 0, run.output
    return run


def run_failing(run_playbook, playbook, extra_vars, **kwargs):
    run = run_playbook(playbook, extra_vars, **kwargs)
    assert run.rc != 0, run.output
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    return run


def recorded(run, role):
    """(the <role>_result fact, the <role>_summary published with set_stats); they must agree."""
    prefix = 'dsops.cloud.%s : ' % role
    fact = run.task(prefix + RECORD)['ansible_facts']['%s_result' % role]
    stats = run.task(prefix + PUBLISH)['ansible_stats']
    assert (stats['per_host'], stats['aggregate']) == (False, False)
    summary = stats['data']['%s_summary' % role]
    assert summary == dict((key, value) for key, value in fact.items()
                           if key not in ('results', 'data_sources', 'ext_data_sources'))
    return fact, summary


def given(config):
    """The config items as the role passed them (Ansible fills every option it leaves out with None)."""
    return [dict((key, value) for key, value in item.items() if value is not None) for item in config]


def actions(fact):
    return [(entry['name'], entry['action']) for entry in fact['results']]


# ----- Feishu --------------------------------------------------------------------------------------------------------

def feishu_seed(count):
    return [{'name': 'Source %02d' % n, 'description': 'Data source number %d' % n, 'state': n % 2}
            for n in range(count)]


def feishu_items(count):
    return [{'name': 'Source %02d' % n, 'description': 'Data source number %d' % n, 'online': n % 2 == 0}
            for n in range(count)]


def feishu_names(sandbox):
    sandbox.wait_idle(timeout=30)
    return [d['name'] for d in sandbox.state()['feishu']['data_sources']]


def feishu_deleted(sandbox):
    return [w['path'].rsplit('/', 1)[-1] for w in sandbox.writes('feishu') if w['method'] == 'DELETE']


def test_feishu_steady_state_on_30_is_one_listing_and_no_write(sandbox, run_playbook):
    sandbox.seed_feishu(feishu_seed(30))
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': feishu_items(30)})
    # one token, one list page (30 < 50 per page), nothing else
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list']
    assert run.task(FEISHU_APPLY)['changed'] is False
    assert status(run, FEISHU_DELETE) == 'skipped'
    fact, summary = recorded(run, 'feishu_search_data_sources')
    assert summary == {'changed': False, 'check_mode': False, 'counts': {'unchanged': 30}, 'changes': []}
    assert len(fact['results']) == 30 and len(fact['data_sources']) == 30


def test_feishu_one_change_in_30_is_exactly_one_patch(sandbox, run_playbook):
    seeded = sandbox.seed_feishu(feishu_seed(30))
    items = feishu_items(30)
    items[7]['description'] = 'Changed description'
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': items})
    assert [(w['method'], w['path'].rsplit('/', 1)[-1], w['body']) for w in sandbox.writes('feishu')] == \
        [('PATCH', seeded[7]['id'], {'description': 'Changed description'})]
    # no per-item read: the list module plans against its one listing
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list', 'feishu.patch']
    fact, summary = recorded(run, 'feishu_search_data_sources')
    assert summary['changed'] is True and summary['counts'] == {'updated': 1, 'unchanged': 29}
    assert summary['changes'] == [{'name': 'Source 07', 'id': seeded[7]['id'], 'action': 'updated'}]
    assert fact['results'][7]['changes'] == {'description': {'before': 'Data source number 7',
                                                             'after': 'Changed description'}}
    assert 'index' not in fact['results'][7]


def test_feishu_check_mode_writes_nothing_and_the_summary_is_the_drift_report(sandbox, run_playbook):
    seeded = sandbox.seed_feishu(feishu_seed(3))
    items = feishu_items(3) + [{'name': 'Brand new', 'online': True}]
    items[1]['online'] = True
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': items, 'feishu_search_data_sources_purge':
                                               True}, check=True, diff=True)
    assert sandbox.writes('feishu') == []
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list']
    fact, summary = recorded(run, 'feishu_search_data_sources')
    assert summary['check_mode'] is True and summary['changed'] is True
    assert summary['counts'] == {'unchanged': 2, 'updated': 1, 'created': 1}
    assert summary['changes'] == [{'name': 'Source 01', 'id': seeded[1]['id'], 'action': 'updated'},
                                  {'name': 'Brand new', 'id': None, 'action': 'created'}]
    applied = run.task(FEISHU_APPLY)
    assert applied['changed'] is True and applied['invocation']['module_args']['state'] == 'overridden'
    assert [d['online'] for d in diff_of(applied)['after'] if d['name'].startswith('Source')] == [True, True, True]
    assert [d['state'] for d in sandbox.state()['feishu']['data_sources']] == [s['state'] for s in seeded]
    assert 'check mode: nothing was written' in run.output


def test_feishu_items_marked_absent_are_deleted_after_the_list_is_applied(sandbox, run_playbook):
    seeded = sandbox.seed_feishu(feishu_seed(3))
    items = [{'name': 'Source 00', 'description': 'Changed'}, {'name': 'Source 01', 'state': 'absent'},
             {'name': 'Never existed', 'state': 'absent'}]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': items})
    # the first call applies the items to keep, the second deletes (without purge nothing else goes)
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list', 'feishu.patch',
                                               'feishu.token', 'feishu.list', 'feishu.delete']
    assert feishu_deleted(sandbox) == [seeded[1]['id']]
    first, second = run.task(FEISHU_APPLY)['invocation']['module_args'], run.task(FEISHU_DELETE)['invocation'][
        'module_args']
    assert (first['state'], given(first['config'])) == ('merged', [items[0]])
    assert (second['state'], given(second['config'])) == ('deleted', [{'name': 'Source 01'}, {'name': 'Never existed'}])
    fact, summary = recorded(run, 'feishu_search_data_sources')
    assert actions(fact) == [('Source 00', 'updated'), ('Source 01', 'deleted'), ('Never existed', 'unchanged')]
    assert summary['counts'] == {'updated': 1, 'deleted': 1, 'unchanged': 1}
    assert feishu_names(sandbox) == ['Source 00', 'Source 02']
    assert [d['name'] for d in fact['data_sources']] == ['Source 00', 'Source 02']

    # only items marked absent: one call, the delete itself
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': [{'name': 'Source 02',
                                                                               'state': 'absent'}]})
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list', 'feishu.delete']
    assert run.task(FEISHU_APPLY)['invocation']['module_args']['state'] == 'deleted'
    assert status(run, FEISHU_DELETE) == 'skipped'
    assert feishu_names(sandbox) == ['Source 00']


def test_feishu_purge_deletes_only_unlisted_data_sources_and_an_empty_list_only_with_purge_empty(
        sandbox, run_playbook):
    seeded = sandbox.seed_feishu(feishu_seed(4))
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': [
        {'name': 'Source 01'}, {'name': 'Source 03', 'state': 'absent'}], 'feishu_search_data_sources_purge': True})
    # one overridden call: what is marked absent is simply not kept
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list'] + ['feishu.delete'] * 3
    assert feishu_deleted(sandbox) == [seeded[0]['id'], seeded[2]['id'], seeded[3]['id']]
    assert status(run, FEISHU_DELETE) == 'skipped'
    assert feishu_names(sandbox) == ['Source 01']
    fact, summary = recorded(run, 'feishu_search_data_sources')
    assert summary['counts'] == {'unchanged': 1, 'deleted': 3}

    sandbox.clear_log()
    run = run_failing(run_playbook, 'role_feishu', {'feishu_search_data_sources': [],
                                                    'feishu_search_data_sources_purge': True})
    assert 'allow_delete_all' in run.task(FEISHU_APPLY)['msg']
    assert sandbox.writes('feishu') == []
    assert feishu_names(sandbox) == ['Source 01']
    fact, summary = recorded(run, 'feishu_search_data_sources')
    assert summary['changed'] is False and summary['counts'] == {}

    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': [],
                                               'feishu_search_data_sources_purge': True,
                                               'feishu_search_data_sources_purge_empty': True})
    assert feishu_names(sandbox) == []
    assert run.task(FEISHU_APPLY)['invocation']['module_args']['allow_delete_all'] is True


def test_feishu_an_empty_list_without_purge_makes_no_request(sandbox, run_playbook):
    sandbox.seed_feishu(feishu_seed(2))
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': []})
    assert sandbox.requests('feishu') == []
    assert status(run, FEISHU_APPLY) == 'skipped'
    fact, summary = recorded(run, 'feishu_search_data_sources')
    assert summary == {'changed': False, 'check_mode': False, 'counts': {}, 'changes': []}


# The data-loss acceptance test of issue 12: a rename done through the list (create 'Helpdesk', delete 'Tickets'),
# where the create fails, must leave 'Tickets' in place; by purge, or by an item marked absent (also when the play
# ignores errors, so that only the role's own guard stands between the failed create and the delete).
@pytest.mark.parametrize('variables', [
    {'feishu_search_data_sources': [{'name': 'Helpdesk', 'online': True}], 'feishu_search_data_sources_purge': True},
    {'feishu_search_data_sources': [{'name': 'Helpdesk', 'online': True}, {'name': 'Tickets', 'state': 'absent'}]},
    {'feishu_search_data_sources': [{'name': 'Helpdesk', 'online': True}, {'name': 'Tickets', 'state': 'absent'}],
     'role_ignore_errors': True},
], ids=['purge', 'state absent', 'state absent, errors ignored'])
def test_feishu_rename_whose_create_fails_never_deletes_the_old_data_source(sandbox, run_playbook, variables):
    seeded = sandbox.seed_feishu([{'name': 'Tickets', 'description': 'Helpdesk tickets'}])
    sandbox.clear_log()
    sandbox.inject('http_error', platform='feishu', op='feishu.create', status=500, count=20)
    variables = dict(variables, feishu_search_data_sources_connection={'retries': 1})
    run = run_playbook('role_feishu', variables)
    sandbox.clear_faults()
    assert (run.rc == 0 and 'ignored=1' in run.output) if variables.get('role_ignore_errors') else run.rc != 0
    assert status(run, FEISHU_APPLY) == 'failed'
    assert "config[0] ('Helpdesk') failed" in run.task(FEISHU_APPLY)['msg']
    assert [w['method'] for w in sandbox.writes('feishu')] == ['POST']  # a create is never sent again blindly
    assert feishu_deleted(sandbox) == []
    assert feishu_names(sandbox) == ['Tickets']
    assert did_not_run(run, FEISHU_DELETE)
    fact, summary = recorded(run, 'feishu_search_data_sources')
    if variables.get('feishu_search_data_sources_purge'):
        assert actions(fact) == [('Helpdesk', 'failed'), ('Tickets', 'skipped')]
        assert summary['counts'] == {'failed': 1, 'skipped': 1}
        assert summary['changes'] == [{'name': 'Helpdesk', 'id': None, 'action': 'failed'},
                                      {'name': 'Tickets', 'id': seeded[0]['id'], 'action': 'skipped'}]
    else:
        assert actions(fact) == [('Helpdesk', 'failed')] and summary['counts'] == {'failed': 1}
    assert 'HTTP 500' in fact['results'][0]['error']


def test_feishu_bad_items_are_rejected_before_any_write(sandbox, run_playbook):
    sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': 'ticket_schema'}])
    sandbox.clear_log()
    # the role's argument_specs: unknown option, wrong choice; no request at all
    run = run_failing(run_playbook, 'role_feishu', {'feishu_search_data_sources': [
        {'name': 'Tickets', 'colour': 'red'}, {'name': 'Wiki', 'connect_type': 'push'}]})
    assert 'colour' in run.output and 'connect_type' in run.output
    assert sandbox.requests('feishu') == []

    # what only the module's checks can see: a create-only difference fails the call, nothing is written
    run = run_failing(run_playbook, 'role_feishu', {'feishu_search_data_sources': [
        {'name': 'Wiki', 'online': True}, {'name': 'Tickets', 'schema_id': 'other_schema'},
        {'name': 'Gone', 'state': 'absent'}]})
    assert "config[1] ('Tickets')" in run.task(FEISHU_APPLY)['msg'] and 'schema_id' in run.task(FEISHU_APPLY)['msg']
    assert did_not_run(run, FEISHU_DELETE)
    assert sandbox.writes('feishu') == []


# ----- DWS -----------------------------------------------------------------------------------------------------------

def obs_item(n, **extra):
    item = {'name': 'obs_src%02d' % n, 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'db%02d' % n,
            'description': 'OBS source %d' % n}
    item.update(extra)
    return item


def dws_seed(sandbox, count, cluster=CLUSTER, first=0):
    records = [dict(obs_item(n), user_name='DWSAccessOBS') for n in range(first, first + count)]
    for record in records:
        record.pop('agency')
    return sandbox.seed_dws(PROJECT, cluster, records)


def dws_names(sandbox, cluster=CLUSTER):
    sandbox.wait_idle(timeout=30)
    return sorted(d['name'] for d in sandbox.state()['dws']['projects'][PROJECT][cluster]['data_sources'])


def to_cluster(entries, cluster):
    return [e for e in entries if '/clusters/%s/' % cluster in e['path']]


def dws_variables(items, **extra):
    variables = {'dws_ext_data_sources': items, 'dws_ext_data_sources_cluster_id': CLUSTER}
    variables.update(extra)
    return variables


def test_dws_steady_state_on_30_is_one_listing_and_no_write(sandbox, run_playbook):
    dws_seed(sandbox, 30)
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables([obs_item(n) for n in range(30)]))
    log = sandbox.requests('dws')
    assert ops(log) == ['dws.list'] and log[0]['query'].get('type') in ('OBS', ['OBS'])
    assert status(run, DWS_OTHERS) == 'skipped' and status(run, DWS_DELETE) == 'skipped'
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary == {'changed': False, 'check_mode': False, 'clusters': [CLUSTER], 'counts': {'unchanged': 30},
                       'changes': []}
    assert len(fact['ext_data_sources']) == 30


def test_dws_one_change_in_30_is_exactly_one_reconfigure(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    seeded = dws_seed(sandbox, 30)
    items = [obs_item(n) for n in range(30)]
    items[11]['agency'] = 'DWSAccessOBS2'
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables(items))
    assert [(w['method'], w['path'].rsplit('/', 1)[-1], w['body']) for w in sandbox.writes('dws')] == \
        [('PUT', seeded[11]['id'], {'reconfigure': {'reboot': False, 'agency': 'DWSAccessOBS2'}})]
    # one listing, the PUT, its job, one listing again for the result
    assert ops(sandbox.requests('dws')) == ['dws.list', 'dws.update', 'dws.job', 'dws.list']
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary['changes'] == [{'cluster_id': CLUSTER, 'name': 'obs_src11', 'id': seeded[11]['id'],
                                   'action': 'updated'}]
    assert summary['counts'] == {'unchanged': 29, 'updated': 1}
    assert fact['results'][11]['changes'] == {'agency': {'before': 'DWSAccessOBS', 'after': 'DWSAccessOBS2'}}


def test_dws_check_mode_writes_nothing_and_the_summary_is_the_drift_report(sandbox, run_playbook):
    seeded = dws_seed(sandbox, 3)
    items = [obs_item(0, agency='DWSAccessOBS2'), obs_item(1), obs_item(5), obs_item(2, state='absent')]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables(items), check=True, diff=True)
    assert sandbox.writes('dws') == []
    assert set(ops(sandbox.requests('dws'))) == {'dws.list'}
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary['check_mode'] is True and summary['changed'] is True
    assert summary['counts'] == {'updated': 1, 'unchanged': 1, 'created': 1, 'deleted': 1}
    assert [(c['name'], c['action']) for c in summary['changes']] == [
        ('obs_src00', 'updated'), ('obs_src05', 'created'), ('obs_src02', 'deleted')]
    applied = run.task(DWS_FIRST)['results'][0]
    assert diff_of(applied)['before'][0]['agency'] == 'DWSAccessOBS'
    assert diff_of(applied)['after'][0]['agency'] == 'DWSAccessOBS2'
    assert dws_names(sandbox) == sorted(s['name'] for s in seeded)
    assert 'check mode: nothing was written' in run.output


def test_dws_mrs_create_and_purge_keep_the_password_out_of_every_output(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    seeded = dws_seed(sandbox, 3)
    items = [obs_item(1),
             {'name': 'mrs_src1', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user',
              'user_password': "{{ lookup('ansible.builtin.env', 'DWS_MRS_PASSWORD') }}"}]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables(items, dws_ext_data_sources_purge=True),
                 env={'DWS_MRS_PASSWORD': MRS_PASSWORD})  # audited: the harness fails the run on any leak
    writes = sandbox.writes('dws')
    assert [(c['body']['data_source_name'], c['body']['user_pwd']) for c in writes if c['op'] == 'dws.create'] == \
        [('mrs_src1', '<redacted>')]
    # the create first, the purge last
    assert ops(writes) == ['dws.create', 'dws.delete', 'dws.delete']
    assert sorted(w['path'].rsplit('/', 1)[-1] for w in writes[1:]) == sorted([seeded[0]['id'], seeded[2]['id']])
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary['counts'] == {'unchanged': 1, 'created': 1, 'deleted': 2}
    assert dws_names(sandbox) == ['mrs_src1', 'obs_src01']
    assert MRS_PASSWORD not in run.output


def test_dws_items_marked_absent_are_deleted_after_every_cluster_was_applied(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    seeded = dws_seed(sandbox, 3)
    seeded2 = dws_seed(sandbox, 2, cluster=CLUSTER2, first=5)
    items = [obs_item(0, agency='DWSAccessOBS2'), obs_item(1, state='absent'),
             obs_item(5, cluster_id=CLUSTER2, state='absent'), obs_item(7, cluster_id=CLUSTER2)]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables(items))
    assert [(w['op'], w['path'].rsplit('/', 1)[-1]) for w in sandbox.writes('dws')] == [
        ('dws.update', seeded[0]['id']), ('dws.create', 'ext-data-sources'), ('dws.delete', seeded[1]['id']),
        ('dws.delete', seeded2[0]['id'])]
    assert [r['invocation']['module_args']['state'] for r in run.task(DWS_DELETE)['results']] == ['deleted'] * 2
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert [(c['cluster_id'], c['name'], c['action']) for c in summary['changes']] == [
        (CLUSTER, 'obs_src00', 'updated'), (CLUSTER2, 'obs_src07', 'created'), (CLUSTER, 'obs_src01', 'deleted'),
        (CLUSTER2, 'obs_src05', 'deleted')]
    assert dws_names(sandbox) == ['obs_src00', 'obs_src02']
    assert dws_names(sandbox, CLUSTER2) == ['obs_src06', 'obs_src07']
    assert sorted(d['name'] for d in fact['ext_data_sources']) == [
        'obs_src00', 'obs_src02', 'obs_src06', 'obs_src07']


def test_dws_several_clusters_one_call_each_and_never_a_cluster_no_item_names(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    dws_seed(sandbox, 2)
    dws_seed(sandbox, 2, cluster=CLUSTER2, first=5)
    items = [obs_item(0), obs_item(5, cluster_id=CLUSTER2), obs_item(1), obs_item(6, cluster_id=CLUSTER2)]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables(items))
    log = sandbox.requests('dws')
    assert ops(to_cluster(log, CLUSTER)) == ['dws.list'] and ops(to_cluster(log, CLUSTER2)) == ['dws.list']
    assert ops(log) == ['dws.list', 'dws.list']  # the first cluster before the second
    assert to_cluster(log[:1], CLUSTER)
    first, others = run.task(DWS_FIRST)['results'], run.task(DWS_OTHERS)['results']
    assert [(r['invocation']['module_args']['cluster_id'], [c['name'] for c in r['invocation']['module_args']['config']])
            for r in first + others] == [(CLUSTER, ['obs_src00', 'obs_src01']), (CLUSTER2, ['obs_src05', 'obs_src06'])]
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary['clusters'] == [CLUSTER, CLUSTER2]
    assert [(r['cluster_id'], r['name']) for r in fact['results']] == [
        (CLUSTER, 'obs_src00'), (CLUSTER, 'obs_src01'), (CLUSTER2, 'obs_src05'), (CLUSTER2, 'obs_src06')]


# The second data-loss acceptance test of issue 12: with purge and a default cluster (group_vars, say), items that
# all name another cluster must leave the default cluster alone: not one request goes to it.
def test_dws_purge_never_touches_the_default_cluster_when_every_item_names_another(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    dws_seed(sandbox, 3)
    seeded2 = dws_seed(sandbox, 2, cluster=CLUSTER2, first=5)
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables(
        [obs_item(5, cluster_id=CLUSTER2)], dws_ext_data_sources_purge=True))
    assert to_cluster(sandbox.requests('dws'), CLUSTER) == []
    assert dws_names(sandbox) == ['obs_src00', 'obs_src01', 'obs_src02']
    # the named cluster is purged
    assert [(w['op'], w['path'].rsplit('/', 1)[-1]) for w in sandbox.writes('dws')] == [('dws.delete',
                                                                                         seeded2[1]['id'])]
    assert dws_names(sandbox, CLUSTER2) == ['obs_src05']
    assert [r['invocation']['module_args']['cluster_id'] for r in run.task(DWS_FIRST)['results']] == [CLUSTER2]
    assert run.task(DWS_OTHERS)['results'] == []
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary['clusters'] == [CLUSTER2]


def test_dws_empty_list_with_purge_targets_the_default_cluster_only_with_purge_empty(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    dws_seed(sandbox, 2)
    dws_seed(sandbox, 1, cluster=CLUSTER2, first=5)
    sandbox.clear_log()
    run = run_failing(run_playbook, 'role_dws', dws_variables([], dws_ext_data_sources_purge=True))
    assert 'allow_delete_all' in run.task(DWS_FIRST)['results'][0]['msg']
    assert sandbox.writes('dws') == []
    assert dws_names(sandbox) == ['obs_src00', 'obs_src01']

    run = run_ok(run_playbook, 'role_dws', dws_variables([], dws_ext_data_sources_purge=True,
                                                         dws_ext_data_sources_purge_empty=True))
    assert dws_names(sandbox) == [] and dws_names(sandbox, CLUSTER2) == ['obs_src05']
    assert to_cluster(sandbox.requests('dws'), CLUSTER2) == []
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary['clusters'] == [CLUSTER] and summary['counts'] == {'deleted': 2}

    # an empty list without purge: no call, no request
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables([]))
    assert sandbox.requests('dws') == []
    assert run.task(DWS_FIRST)['results'] == []


@pytest.mark.parametrize('variables', [
    dws_variables([obs_item(1, name='helpdesk')], dws_ext_data_sources_purge=True),
    dws_variables([obs_item(1, name='helpdesk'), obs_item(0, state='absent')]),
    dws_variables([obs_item(1, name='helpdesk'), obs_item(0, state='absent')], role_ignore_errors=True),
], ids=['purge', 'state absent', 'state absent, errors ignored'])
def test_dws_rename_whose_create_fails_never_deletes_the_old_data_source(sandbox, run_playbook, variables):
    sandbox.settings(job_duration=0)
    seeded = dws_seed(sandbox, 1)
    sandbox.clear_log()
    sandbox.inject('http_error', platform='dws', op='dws.create', status=500, count=20)
    run = run_playbook('role_dws', dict(variables, dws_ext_data_sources_connection={'retries': 1}))
    sandbox.clear_faults()
    assert (run.rc == 0 and 'ignored=1' in run.output) if variables.get('role_ignore_errors') else run.rc != 0
    assert 'Traceback' not in run.output
    assert status(run, DWS_FIRST) == 'failed'
    assert "config[0] ('helpdesk') failed" in run.task(DWS_FIRST)['results'][0]['msg']
    assert [w['op'] for w in sandbox.writes('dws')] == ['dws.create']  # never sent again blindly; no delete
    assert dws_names(sandbox) == ['obs_src00']
    assert did_not_run(run, DWS_DELETE)
    fact, summary = recorded(run, 'dws_ext_data_sources')
    if variables.get('dws_ext_data_sources_purge'):
        assert actions(fact) == [('helpdesk', 'failed'), ('obs_src00', 'skipped')]
        assert summary['counts'] == {'failed': 1, 'skipped': 1}
        assert summary['changes'][1] == {'cluster_id': CLUSTER, 'name': 'obs_src00', 'id': seeded[0]['id'],
                                         'action': 'skipped'}
    else:
        assert actions(fact) == [('helpdesk', 'failed')] and summary['counts'] == {'failed': 1}


def test_dws_a_failed_cluster_stops_every_delete_of_the_run(sandbox, run_playbook):
    """Cluster 1's create fails: cluster 2 is still applied (its own call), but no item marked absent is deleted."""
    sandbox.settings(job_duration=0)
    dws_seed(sandbox, 1)
    dws_seed(sandbox, 1, cluster=CLUSTER2, first=5)
    sandbox.inject('http_error', platform='dws', op='dws.create', status=400, error_code='DWS.0001', count=1,
                   path=CLUSTER2)
    items = [obs_item(0, agency='DWSAccessOBS2'), obs_item(7, cluster_id=CLUSTER2),
             obs_item(5, cluster_id=CLUSTER2, state='absent')]
    sandbox.clear_log()
    run = run_playbook('role_dws', dws_variables(items, role_ignore_errors=True))
    assert run.rc == 0 and 'ignored=1' in run.output
    assert status(run, DWS_OTHERS) == 'failed' and status(run, DWS_DELETE) == 'skipped'
    assert ops(sandbox.writes('dws')) == ['dws.update', 'dws.create']
    assert dws_names(sandbox, CLUSTER2) == ['obs_src05']
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary['changed'] is True and summary['counts'] == {'updated': 1, 'failed': 1}


def test_dws_wait_and_wait_timeout_of_the_items_become_the_calls(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    dws_seed(sandbox, 2)
    dws_seed(sandbox, 2, cluster=CLUSTER2, first=5)
    items = [obs_item(0, agency='DWSAccessOBS2', wait_timeout=600), obs_item(1, agency='DWSAccessOBS2', wait=False),
             obs_item(5, cluster_id=CLUSTER2, agency='DWSAccessOBS2', wait=True, wait_timeout=60),
             obs_item(6, cluster_id=CLUSTER2, wait_timeout=90)]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables(items))
    calls = run.task(DWS_FIRST)['results'] + run.task(DWS_OTHERS)['results']
    assert [(c['invocation']['module_args']['wait'], c['invocation']['module_args']['wait_timeout'])
            for c in calls] == [(False, 600), (True, 90)]
    # cluster 1 does not wait (no job poll, no listing again); cluster 2 does
    assert ops(to_cluster(sandbox.requests('dws'), CLUSTER)) == ['dws.list', 'dws.update', 'dws.update']
    assert ops(to_cluster(sandbox.requests('dws'), CLUSTER2)) == ['dws.list', 'dws.update', 'dws.list']
    assert ops(sandbox.requests('dws')).count('dws.job') == 1  # cluster 2's one job


def test_dws_bad_items_are_rejected_before_any_write(sandbox, run_playbook):
    sandbox.clear_log()
    # the role's argument spec: a wrong choice, before any request
    run = run_failing(run_playbook, 'role_dws', dws_variables([{'name': 'x', 'type': 'HDFS'}]))
    assert 'HDFS' in run.output
    # an item without a cluster: refused before any request
    run = run_failing(run_playbook, 'role_dws', {'dws_ext_data_sources': [
        {'name': 'ok_name', 'type': 'OBS', 'cluster_id': CLUSTER}, {'name': 'other', 'type': 'OBS'}]})
    assert status(run, DWS_CHECK) == 'failed'
    assert 'dws_ext_data_sources items [1] give no cluster_id' in run.task(DWS_CHECK)['msg']
    assert sandbox.requests('dws') == []
    # the module's own checks: every problem of the cluster's items, nothing written
    run = run_failing(run_playbook, 'role_dws', dws_variables([{'name': 'bad-name', 'type': 'OBS'},
                                                               {'name': 'also bad', 'type': 'OBS'}]))
    message = run.task(DWS_FIRST)['results'][0]['msg']
    assert "config[0] ('bad-name'): name 'bad-name' is not valid" in message
    assert "config[1] ('also bad')" in message
    assert sandbox.writes('dws') == []


# ----- a data source in the middle of a job (issue 11) --------------------------------------------------------------
# A data source left UPDATING by a run with wait: false: the list module waits for its job (reading only), then plans
# against what the job left and writes only what still differs.

# How long the sandbox holds the first job in RUNNING: long enough for the role to list the source while it is still
# UPDATING (an ansible-playbook start and two tasks), short enough to wait out.
BUSY_HOLD = 10
DWS_MODULE_TASK = 'Manage DWS data source'


def leave_updating(sandbox, run_playbook, agency):
    """Seed two OBS sources and start an agency change of the second with wait: false; returns the seeded ones."""
    sandbox.settings(job_duration=0.5)
    seeded = dws_seed(sandbox, 2)
    sandbox.inject('job_status', status='RUNNING', hold=BUSY_HOLD)
    first = run_ok(run_playbook, 'dws_ext_data_source', {
        'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src01', 'dws_type': 'OBS', 'dws_agency': agency,
        'dws_wait': False})
    result = first.task(DWS_MODULE_TASK)
    assert result['changed'] is True and list(result['job']) == ['job_id']
    source = dws_source(sandbox, seeded[1]['id'])
    assert (source['configure_status'], source['user_name']) == ('UPDATING', 'DWSAccessOBS')
    return seeded


def dws_source(sandbox, ds_id):
    sandbox.wait_idle(timeout=30)
    sources = sandbox.state()['dws']['projects'][PROJECT][CLUSTER]['data_sources']
    return [source for source in sources if source['id'] == ds_id][0]


def dws_puts(sandbox):
    return [(w['method'], w['path'].rsplit('/', 1)[-1], w['body'], w['status']) for w in sandbox.writes('dws')]


def reconfigure(agency):
    return {'reconfigure': {'reboot': False, 'agency': agency}}


def assert_clean(run):
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    assert 'AttributeError' not in run.output


@pytest.mark.parametrize('agency, puts', [
    ('DWSAccessOBS3', ['DWSAccessOBS2', 'DWSAccessOBS3']),
    ('DWSAccessOBS2', ['DWSAccessOBS2']),
], ids=['another agency', 'the agency the job is applying'])
def test_dws_role_waits_for_a_data_source_left_updating_then_converges(sandbox, run_playbook, agency, puts):
    seeded = leave_updating(sandbox, run_playbook, 'DWSAccessOBS2')
    run = run_ok(run_playbook, 'role_dws', dws_variables([obs_item(0), obs_item(1, agency=agency)]))
    assert_clean(run)
    # exactly the PUTs expected, each accepted: never one into the running job (DWS.0011), never one twice
    assert dws_puts(sandbox) == [('PUT', seeded[1]['id'], reconfigure(a), 200) for a in puts]
    # between the first PUT and the role's: the role's listing, then its looks while waiting
    log = ops(sandbox.requests('dws'))
    first = log.index('dws.update')
    waited = log[first + 1:log.index('dws.update', first + 1)] if len(puts) == 2 else log[first + 1:]
    assert set(waited) == {'dws.list'} and len(waited) >= 3, log
    source = dws_source(sandbox, seeded[1]['id'])
    assert (source['configure_status'], source['user_name']) == ('ACTIVE', agency)
    assert dws_source(sandbox, seeded[0]['id'])['user_name'] == 'DWSAccessOBS'
    fact, summary = recorded(run, 'dws_ext_data_sources')
    expected = 'updated' if len(puts) == 2 else 'unchanged'
    assert actions(fact) == [('obs_src00', 'unchanged'), ('obs_src01', expected)]
    assert summary['changed'] is (len(puts) == 2)
    after = [d for d in fact['ext_data_sources'] if d['id'] == seeded[1]['id']][0]
    assert (after['user_name'], after['configure_status']) == (agency, 'ACTIVE')


def test_dws_role_in_check_mode_against_a_data_source_left_updating_writes_nothing(sandbox, run_playbook):
    seeded = leave_updating(sandbox, run_playbook, 'DWSAccessOBS2')
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', dws_variables([obs_item(0), obs_item(1, agency='DWSAccessOBS3')]),
                 check=True, diff=True)
    assert_clean(run)
    assert sandbox.writes('dws') == []
    assert set(ops(sandbox.requests('dws'))) == {'dws.list'}  # reads only: the listing, then the looks while waiting
    fact, summary = recorded(run, 'dws_ext_data_sources')
    # predicted against the source as the job left it
    assert fact['results'][1]['changes'] == {'agency': {'before': 'DWSAccessOBS2', 'after': 'DWSAccessOBS3'}}
    assert summary['check_mode'] is True and summary['counts'] == {'unchanged': 1, 'updated': 1}
    source = dws_source(sandbox, seeded[1]['id'])
    assert (source['configure_status'], source['user_name']) == ('ACTIVE', 'DWSAccessOBS2')  # the first job's


# ----- connection options: module_defaults of the action groups, or the roles' connection variables ---------------

def connection_env(sandbox_env):
    """The credentials under TEST_* names only: the modules' own variables are removed."""
    env = dict((name, None) for name in sandbox_env if name.startswith(('HW_', 'FEISHU_')))
    for name in ('HW_DWS_ENDPOINT', 'HW_ACCESS_KEY', 'HW_SECRET_KEY', 'HW_PROJECT_ID', 'FEISHU_BASE_URL',
                 'FEISHU_APP_ID', 'FEISHU_APP_SECRET'):
        env['TEST_' + name] = sandbox_env[name]
    return env


def test_module_defaults_of_both_groups_and_the_connection_variables_reach_the_roles(
        sandbox, sandbox_env, run_playbook):
    sandbox.settings(job_duration=0)
    sandbox.seed_feishu([{'name': 'Tickets', 'state': 1}])
    run = run_ok(run_playbook, 'role_connection', {
        'dws_ext_data_sources': [obs_item(1)], 'dws_ext_data_sources_cluster_id': CLUSTER,
        'feishu_search_data_sources': [{'name': 'Tickets', 'online': True}]}, env=connection_env(sandbox_env))
    assert ops(sandbox.writes('dws')) == ['dws.create'] and ops(sandbox.writes('feishu')) == ['feishu.patch']
    assert all(entry['auth_ok'] for entry in sandbox.requests())
    # group defaults (endpoint, app_id) and the role's connection variable (secret, timeout) merged
    for args, key in ((run.task(DWS_FIRST)['results'][0]['invocation']['module_args'], 'endpoint'),
                      (run.task(FEISHU_APPLY)['invocation']['module_args'], 'app_id')):
        assert args[key] and args['timeout'] == 20, key


# ----- a wrong credential: one failed request, not one per cluster or per item -----------------------------------
# Huawei Cloud locks an access key for 5 minutes after 5 failed signatures.

WRONG_SECRET_KEY = 'WrongSecretKey00000000000000000000000000'
WRONG_APP_SECRET = 'wrong-app-secret-000000000000000000000'


def test_dws_wrong_secret_key_sends_one_signed_request_for_six_clusters(sandbox, run_playbook):
    # two clusters of the sandbox and four unknown ones (their signature is checked first); the first
    # cluster's item gives no type, so its listing would be two requests (OBS and MRS)
    clusters = [CLUSTER, CLUSTER2] + ['%08d-0000-4000-8000-000000000000' % n for n in range(4)]
    items = [obs_item(n, cluster_id=cluster) for n, cluster in enumerate(clusters)]
    items += [obs_item(9, cluster_id=CLUSTER2, state='absent')]
    del items[0]['type']
    sandbox.clear_log()
    run = run_failing(run_playbook, 'role_dws', {'dws_ext_data_sources': items},
                      env={'HW_SECRET_KEY': WRONG_SECRET_KEY})
    assert [(e['op'], e['status'], e['auth_ok']) for e in sandbox.requests('dws')] == [('dws.list', 401, False)]
    assert 'APIGW.0301' in run.output
    fact, summary = recorded(run, 'dws_ext_data_sources')
    assert summary == {'changed': False, 'check_mode': False, 'clusters': [CLUSTER], 'counts': {}, 'changes': []}
    assert did_not_run(run, DWS_OTHERS) and did_not_run(run, DWS_DELETE)
    # even when the play ignores errors, the other clusters are not tried
    sandbox.clear_log()
    run = run_playbook('role_dws', {'dws_ext_data_sources': items, 'role_ignore_errors': True},
                       env={'HW_SECRET_KEY': WRONG_SECRET_KEY})
    assert [(e['op'], e['status']) for e in sandbox.requests('dws')] == [('dws.list', 401)]
    assert status(run, DWS_OTHERS) == 'skipped' and status(run, DWS_DELETE) == 'skipped'
    assert sandbox.writes() == []


def test_feishu_wrong_app_secret_sends_one_token_request_for_several_items(sandbox, run_playbook):
    sandbox.seed_feishu(feishu_seed(2))
    items = feishu_items(2) + [{'name': 'New %d' % n, 'online': True} for n in range(3)]
    items[0]['description'] = 'Changed description'
    items.append({'name': 'Source 01', 'state': 'absent'})
    del items[1]
    sandbox.clear_log()
    run = run_failing(run_playbook, 'role_feishu', {'feishu_search_data_sources': items},
                      env={'FEISHU_APP_SECRET': WRONG_APP_SECRET})
    assert [(e['op'], e['auth_ok']) for e in sandbox.requests()] == [('feishu.token', False)]
    assert did_not_run(run, FEISHU_DELETE)
    assert sandbox.writes() == []


# ----- a play over several hosts: the roles act once, not once per host ------------------------------------------
# The harness runs with -i localhost, -c local; a second inventory adds three more hosts, all local.

MORE_HOSTS = ('-i', 'node1,node2,node3,')
ALL_HOSTS = ['localhost', 'node1', 'node2', 'node3']


def facts_on_every_host(run, variable):
    """{host: the role's result fact, as the play's last task saw it on that host}."""
    return dict((e['host'], e['result']['msg'][variable]) for e in run.results
                if e['task'] == 'Show the results of both roles on every host')


def test_feishu_role_in_a_play_over_four_hosts_creates_once(sandbox, run_playbook):
    items = [{'name': 'Shared', 'online': True, 'description': 'Created once'}]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_many_hosts', {'feishu_search_data_sources': items}, check=True,
                 extra_args=MORE_HOSTS)
    assert sandbox.writes() == []
    assert sorted(facts_on_every_host(run, 'feishu')) == ALL_HOSTS
    assert ops(sandbox.requests()) == ['feishu.token', 'feishu.list']

    sandbox.clear_log()
    sandbox.inject('slow', count=len(ALL_HOSTS), op='feishu.create', delay=1.0)  # a cloud's latency: hosts race
    run = run_ok(run_playbook, 'role_many_hosts', {'feishu_search_data_sources': items}, extra_args=MORE_HOSTS)
    assert ops(sandbox.writes()) == ['feishu.create']
    assert [d['name'] for d in sandbox.state()['feishu']['data_sources']] == ['Shared']
    results = facts_on_every_host(run, 'feishu')
    assert sorted(results) == ALL_HOSTS
    assert all(r['changed'] and r['counts'] == {'created': 1} for r in results.values()), results

    sandbox.clear_faults()
    sandbox.clear_log()
    run_ok(run_playbook, 'role_many_hosts', {'feishu_search_data_sources': items}, extra_args=MORE_HOSTS)
    assert ops(sandbox.requests()) == ['feishu.token', 'feishu.list']


def test_dws_role_in_a_play_over_four_hosts_creates_once(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    variables = dws_variables([obs_item(1), obs_item(2, cluster_id=CLUSTER2)])
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_many_hosts', variables, check=True, extra_args=MORE_HOSTS)
    assert sandbox.writes() == []
    assert sorted(facts_on_every_host(run, 'dws')) == ALL_HOSTS
    assert ops(sandbox.requests()) == ['dws.list', 'dws.list']

    sandbox.clear_log()
    sandbox.inject('slow', count=2 * len(ALL_HOSTS), op='dws.create', delay=1.0)  # a cloud's latency: hosts race
    run = run_ok(run_playbook, 'role_many_hosts', variables, extra_args=MORE_HOSTS)
    assert ops(sandbox.writes()) == ['dws.create', 'dws.create']
    assert dws_names(sandbox) == ['obs_src01'] and dws_names(sandbox, CLUSTER2) == ['obs_src02']
    results = facts_on_every_host(run, 'dws')
    assert sorted(results) == ALL_HOSTS
    assert all(r['changed'] and r['counts'] == {'created': 2} and r['clusters'] == [CLUSTER, CLUSTER2]
               for r in results.values()), results

    sandbox.clear_faults()
    sandbox.clear_log()
    run_ok(run_playbook, 'role_many_hosts', variables, extra_args=MORE_HOSTS)
    assert ops(sandbox.requests()) == ['dws.list', 'dws.list']
