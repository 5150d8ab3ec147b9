# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles feishu_search_data_sources and dws_ext_data_sources through real ansible-playbook runs.

Every test asserts on the sandbox's request log (what went over the wire) and on the
recorded task results (whether the resource module ran, and for which items).
"""

from __future__ import absolute_import, division, print_function

import pytest

__metaclass__ = type

FEISHU_ROLE = 'dsops.cloud.feishu_search_data_sources : '
DWS_ROLE = 'dsops.cloud.dws_ext_data_sources : '
READ, PLAN, APPLY = 'Read the current %s', 'Decide which data sources need a change', 'Apply the pending changes'
FEISHU_READ = FEISHU_ROLE + READ % 'Feishu search data sources (one listing)'
DWS_READ = DWS_ROLE + READ % 'external data sources (the first listing, which proves the credentials)'
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


def run_ok(run_playbook, playbook, extra_vars, **kwargs):
    run = run_playbook(playbook, extra_vars, **kwargs)
    assert run.rc == 0, run.output
    return run


def module_calls(run, role):
    """The items the resource module ran for (none when the apply loop was skipped)."""
    return [item['item']['label'] for item in run.task(role + APPLY).get('results', [])]


# ----- Feishu --------------------------------------------------------------------------------------------------------

def feishu_seed(count):
    return [{'name': 'Source %02d' % n, 'description': 'Data source number %d' % n, 'state': n % 2}
            for n in range(count)]


def feishu_items(count):
    return [{'name': 'Source %02d' % n, 'description': 'Data source number %d' % n, 'online': n % 2 == 0}
            for n in range(count)]


def test_feishu_steady_state_on_30_is_one_listing_no_write_and_no_module_call(sandbox, run_playbook):
    sandbox.seed_feishu(feishu_seed(30))
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': feishu_items(30)})
    # one token, one list page (30 < 50 per page), nothing else
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list']
    assert sandbox.writes('feishu') == []
    assert status(run, FEISHU_ROLE + APPLY) == 'skipped'
    assert module_calls(run, FEISHU_ROLE) == []
    assert run.task(FEISHU_ROLE + PLAN)['ansible_facts']['feishu_search_data_sources__plan']['counts'] == \
        {'unchanged': 30}
    assert run.task(FEISHU_ROLE + 'Record what the role did')['ansible_facts'][
        'feishu_search_data_sources_result']['changed'] is False


def test_feishu_one_change_in_30_is_exactly_one_patch(sandbox, run_playbook):
    seeded = sandbox.seed_feishu(feishu_seed(30))
    items = feishu_items(30)
    items[7]['description'] = 'Changed description'
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': items})
    writes = sandbox.writes('feishu')
    assert [(w['method'], w['path'].rsplit('/', 1)[-1], w['body']) for w in writes] == \
        [('PATCH', seeded[7]['id'], {'description': 'Changed description'})]
    # the module got the matched id, so it read one object instead of listing again
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list', 'feishu.token', 'feishu.get',
                                               'feishu.patch']
    assert module_calls(run, FEISHU_ROLE) == ["update 'Source 07' (id %s): description" % seeded[7]['id']]


def test_feishu_check_mode_and_diff_through_the_role_write_nothing(sandbox, run_playbook):
    seeded = sandbox.seed_feishu(feishu_seed(3))
    items = feishu_items(3) + [{'name': 'Brand new', 'online': True}]
    items[1]['online'] = True
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': items}, check=True, diff=True)
    assert sandbox.writes('feishu') == []
    results = run.task(FEISHU_ROLE + APPLY)['results']
    assert [r['item']['action'] for r in results] == ['update', 'create']
    assert results[0]['diff'] == {
        'before': {'name': 'Source 01', 'description': 'Data source number 1', 'state': 1},
        'after': {'name': 'Source 01', 'description': 'Data source number 1', 'state': 0}}
    assert results[1]['diff']['before'] == {} and results[1]['diff']['after'] == {'name': 'Brand new', 'state': 0}
    assert all(r['changed'] for r in results)
    assert [d['state'] for d in sandbox.state()['feishu']['data_sources']] == [s['state'] for s in seeded]
    assert 'to change (check mode: nothing was written)' in run.output


def test_feishu_purge_deletes_only_unlisted_data_sources_and_never_on_an_empty_list(sandbox, run_playbook):
    seeded = sandbox.seed_feishu(feishu_seed(3))
    run = run_ok(run_playbook, 'role_feishu', {'feishu_search_data_sources': [{'name': 'Source 01'}],
                                               'feishu_search_data_sources_purge': True})
    deleted = [w['path'].rsplit('/', 1)[-1] for w in sandbox.writes('feishu') if w['method'] == 'DELETE']
    assert deleted == [seeded[0]['id'], seeded[2]['id']]
    assert [d['name'] for d in sandbox.state()['feishu']['data_sources']] == ['Source 01']
    assert module_calls(run, FEISHU_ROLE) == [
        "delete 'Source %02d' (id %s): not in the list (purge)" % (n, seeded[n]['id']) for n in (0, 2)]

    sandbox.clear_log()
    run = run_playbook('role_feishu', {'feishu_search_data_sources': [], 'feishu_search_data_sources_purge': True})
    assert run.rc != 0
    assert 'feishu_search_data_sources_purge_empty' in run.output
    assert sandbox.requests('feishu') == []  # refused before any request
    assert [d['name'] for d in sandbox.state()['feishu']['data_sources']] == ['Source 01']


def test_feishu_bad_items_are_rejected_before_any_request_or_write(sandbox, run_playbook):
    sandbox.seed_feishu([{'name': 'Tickets', 'schema_id': 'ticket_schema'}])
    sandbox.clear_log()
    # the role's argument_specs: unknown option, wrong choice
    run = run_playbook('role_feishu', {'feishu_search_data_sources': [
        {'name': 'Tickets', 'colour': 'red'}, {'name': 'Wiki', 'connect_type': 'push'}]})
    assert run.rc != 0
    assert 'colour' in run.output and 'connect_type' in run.output
    assert sandbox.requests('feishu') == []

    # what only the module's checks can see: a create-only difference fails the plan, nothing is written
    run = run_playbook('role_feishu', {'feishu_search_data_sources': [
        {'name': 'Wiki', 'online': True}, {'name': 'Tickets', 'schema_id': 'other_schema'}]})
    assert run.rc != 0
    assert status(run, FEISHU_ROLE + PLAN) == 'failed'
    assert "item 1 ('Tickets'): Cannot change create-only field(s)" in run.output
    assert sandbox.writes('feishu') == []


# ----- DWS -----------------------------------------------------------------------------------------------------------

def obs_item(n, **extra):
    item = {'name': 'obs_src%02d' % n, 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'db%02d' % n,
            'description': 'OBS source %d' % n}
    item.update(extra)
    return item


def dws_seed(sandbox, count):
    records = [dict(obs_item(n), user_name='DWSAccessOBS') for n in range(count)]
    for record in records:
        record.pop('agency')
    return sandbox.seed_dws(PROJECT, CLUSTER, records)


def dws_writes(sandbox):
    return [(w['method'], w['op']) for w in sandbox.writes('dws')]


def test_dws_steady_state_on_30_is_one_listing_no_write_and_no_module_call(sandbox, run_playbook):
    dws_seed(sandbox, 30)
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', {'dws_ext_data_sources': [obs_item(n) for n in range(30)],
                                            'dws_ext_data_sources_cluster_id': CLUSTER})
    log = sandbox.requests('dws')
    assert ops(log) == ['dws.list'] and log[0]['query'].get('type') in ('OBS', ['OBS'])
    assert sandbox.writes('dws') == []
    assert status(run, DWS_ROLE + APPLY) == 'skipped'
    assert module_calls(run, DWS_ROLE) == []
    assert run.task(DWS_ROLE + PLAN)['ansible_facts']['dws_ext_data_sources__plan']['counts'] == {'unchanged': 30}


def test_dws_one_change_in_30_is_exactly_one_reconfigure(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    seeded = dws_seed(sandbox, 30)
    items = [obs_item(n) for n in range(30)]
    items[11]['agency'] = 'DWSAccessOBS2'
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', {'dws_ext_data_sources': items,
                                            'dws_ext_data_sources_cluster_id': CLUSTER})
    writes = sandbox.writes('dws')
    assert [(w['method'], w['path'].rsplit('/', 1)[-1], w['body']) for w in writes] == \
        [('PUT', seeded[11]['id'], {'reconfigure': {'reboot': False, 'agency': 'DWSAccessOBS2'}})]
    assert module_calls(run, DWS_ROLE) == ["update 'obs_src11' (id %s): user_name" % seeded[11]['id']]
    # the role listed once; the module listed one type (it got the id and type), reconfigured, followed the job
    assert ops(sandbox.requests('dws'))[:3] == ['dws.list', 'dws.list', 'dws.update']


def test_dws_check_mode_and_diff_through_the_role_write_nothing(sandbox, run_playbook):
    seeded = dws_seed(sandbox, 2)
    items = [obs_item(0, agency='DWSAccessOBS2'), obs_item(1), obs_item(5)]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', {'dws_ext_data_sources': items, 'dws_ext_data_sources_cluster_id': CLUSTER},
                 check=True, diff=True)
    assert sandbox.writes('dws') == []
    results = run.task(DWS_ROLE + APPLY)['results']
    assert [r['item']['action'] for r in results] == ['update', 'create']
    assert results[0]['diff']['before']['user_name'] == 'DWSAccessOBS'
    assert results[0]['diff']['after']['user_name'] == 'DWSAccessOBS2'
    assert results[1]['diff']['before'] == {} and results[1]['diff']['after']['name'] == 'obs_src05'
    names = [d['name'] for d in sandbox.state()['dws']['projects'][PROJECT][CLUSTER]['data_sources']]
    assert names == [s['name'] for s in seeded]


def test_dws_mrs_create_and_purge_keep_the_password_out_of_every_output(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    seeded = dws_seed(sandbox, 3)
    items = [obs_item(1),
             {'name': 'mrs_src1', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user',
              'user_password': "{{ lookup('ansible.builtin.env', 'DWS_MRS_PASSWORD') }}"}]
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', {'dws_ext_data_sources': items, 'dws_ext_data_sources_cluster_id': CLUSTER,
                                            'dws_ext_data_sources_purge': True},
                 env={'DWS_MRS_PASSWORD': MRS_PASSWORD})  # audited: the harness fails the run on any leak
    creates = [w for w in sandbox.writes('dws') if w['op'] == 'dws.create']
    assert [(c['body']['data_source_name'], c['body']['user_pwd']) for c in creates] == [('mrs_src1', '<redacted>')]
    deleted = sorted(w['path'].rsplit('/', 1)[-1] for w in sandbox.writes('dws') if w['op'] == 'dws.delete')
    assert deleted == sorted([seeded[0]['id'], seeded[2]['id']])
    assert [r['item']['action'] for r in run.task(DWS_ROLE + APPLY)['results']] == ['create', 'delete', 'delete']
    names = sorted(d['name'] for d in sandbox.state()['dws']['projects'][PROJECT][CLUSTER]['data_sources'])
    assert names == ['mrs_src1', 'obs_src01']
    assert MRS_PASSWORD not in run.output


def test_dws_bad_items_are_rejected_before_any_request(sandbox, run_playbook):
    sandbox.clear_log()
    run = run_playbook('role_dws', {'dws_ext_data_sources': [{'name': 'x', 'type': 'HDFS'}],
                                    'dws_ext_data_sources_cluster_id': CLUSTER})
    assert run.rc != 0 and 'HDFS' in run.output
    # the module's own checks, before the listing: the name rule, a missing cluster
    run = run_playbook('role_dws', {'dws_ext_data_sources': [{'name': 'bad-name', 'type': 'OBS', 'cluster_id': CLUSTER},
                                                             {'name': 'ok_name', 'type': 'OBS'}]})
    assert run.rc != 0
    assert "item 0 ('bad-name'): name 'bad-name' is not valid" in run.output
    assert "item 1 ('ok_name'): cluster_id is missing" in run.output
    assert sandbox.requests('dws') == []


# ----- a data source in the middle of a job (issue 11) --------------------------------------------------------------
# A data source left UPDATING by a run with wait: false: the old plan filter replayed the module against stand-in
# clients and raised AttributeError: 'DwsSnapshot' object has no attribute 'poll'.  Now the plan shows the item as
# busy, and the module waits for the job before it compares and writes.

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


def busy_plan(run, seeded):
    """The role's plan: the busy item pending as busy (a label naming the status), the other one unchanged."""
    decided = run.task(DWS_ROLE + PLAN)['ansible_facts']['dws_ext_data_sources__plan']
    assert [(entry['index'], entry['action']) for entry in decided['pending']] == [(1, 'busy')], \
        'the role listed the source after its job had ended: raise BUSY_HOLD (%s)' % decided['summary']
    label = decided['pending'][0]['label']
    assert label.startswith("busy 'obs_src01' (id %s): " % seeded[1]['id'])
    assert 'is UPDATING: a job is running on it' in label
    assert decided['counts'] == {'busy': 1, 'unchanged': 1}
    return label


def assert_clean(run):
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output
    assert 'AttributeError' not in run.output


@pytest.mark.parametrize('agency, puts', [
    ('DWSAccessOBS3', ['DWSAccessOBS2', 'DWSAccessOBS3']),
    ('DWSAccessOBS2', ['DWSAccessOBS2']),
], ids=['another agency', 'the agency the job is applying'])
def test_dws_role_waits_for_a_data_source_left_updating_then_converges(sandbox, run_playbook, agency, puts):
    seeded = leave_updating(sandbox, run_playbook, 'DWSAccessOBS2')
    run = run_ok(run_playbook, 'role_dws', {'dws_ext_data_sources': [obs_item(0), obs_item(1, agency=agency)],
                                            'dws_ext_data_sources_cluster_id': CLUSTER})
    assert_clean(run)
    label = busy_plan(run, seeded)
    assert module_calls(run, DWS_ROLE) == [label]
    applied = run.task(DWS_ROLE + APPLY)['results'][0]
    # the module waited for the running job, compared against what it left, and wrote only what still differed
    assert applied['changed'] is (len(puts) == 2)
    assert applied['ext_data_source']['user_name'] == agency
    assert applied['ext_data_source']['configure_status'] == 'ACTIVE'
    if len(puts) == 2:
        assert applied['job']['status'] == 'SUCCESS'
    # exactly the PUTs expected, each accepted: never one into the running job (DWS.0011), never one twice
    assert dws_puts(sandbox) == [('PUT', seeded[1]['id'], reconfigure(a), 200) for a in puts]
    # between the first PUT and the role's: the role's listing, the module's look, then its looks while waiting
    log = ops(sandbox.requests('dws'))
    first = log.index('dws.update')
    waited = log[first + 1:log.index('dws.update', first + 1)] if len(puts) == 2 else log[first + 1:]
    assert set(waited) == {'dws.list'} and len(waited) >= 3, log
    source = dws_source(sandbox, seeded[1]['id'])
    assert (source['configure_status'], source['user_name']) == ('ACTIVE', agency)
    assert dws_source(sandbox, seeded[0]['id'])['user_name'] == 'DWSAccessOBS'
    role_result = run.task(DWS_ROLE + 'Record what the role did')['ansible_facts']['dws_ext_data_sources_result']
    assert role_result['counts'] == {'busy': 1, 'unchanged': 1}


def test_dws_role_in_check_mode_against_a_data_source_left_updating_writes_nothing(sandbox, run_playbook):
    seeded = leave_updating(sandbox, run_playbook, 'DWSAccessOBS2')
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_dws', {'dws_ext_data_sources': [obs_item(0), obs_item(1, agency='DWSAccessOBS3')],
                                            'dws_ext_data_sources_cluster_id': CLUSTER}, check=True, diff=True)
    assert_clean(run)
    label = busy_plan(run, seeded)
    assert module_calls(run, DWS_ROLE) == [label]
    assert sandbox.writes('dws') == []
    assert set(ops(sandbox.requests('dws'))) == {'dws.list'}  # reads only: the listing, then the module's looks
    applied = run.task(DWS_ROLE + APPLY)['results'][0]
    # predicted against the source as the job left it
    assert applied['changed'] is True and 'job' not in applied
    assert applied['diff']['before']['user_name'] == 'DWSAccessOBS2'
    assert applied['diff']['after']['user_name'] == 'DWSAccessOBS3'
    assert 'to change (check mode: nothing was written)' in run.output
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
    # group defaults (endpoint, app_id) and the role's connection variable (secret, timeout) merged,
    # for the info module and for the resource module alike
    for task, key in ((DWS_READ, 'endpoint'), (DWS_ROLE + APPLY, 'endpoint'), (FEISHU_READ, 'app_id'),
                      (FEISHU_ROLE + APPLY, 'app_id')):
        result = run.task(task)
        args = (result['results'][0] if 'results' in result else result)['invocation']['module_args']
        assert args[key] and args['timeout'] == 20, task


# ----- a wrong credential: one failed request, not one per listing or per item -----------------------------------
# Huawei Cloud locks an access key for 5 minutes after 5 failed signatures.

WRONG_SECRET_KEY = 'WrongSecretKey00000000000000000000000000'
WRONG_APP_SECRET = 'wrong-app-secret-000000000000000000000'


def test_dws_wrong_secret_key_sends_one_signed_request_for_six_clusters(sandbox, run_playbook):
    # two clusters of the sandbox and four unknown ones (their signature is checked first); the first
    # cluster's item gives no type, so its listing would be two requests (OBS and MRS)
    clusters = [CLUSTER, CLUSTER2] + ['%08d-0000-4000-8000-000000000000' % n for n in range(4)]
    items = [obs_item(n, cluster_id=cluster) for n, cluster in enumerate(clusters)]
    del items[0]['type']
    sandbox.clear_log()
    run = run_playbook('role_dws', {'dws_ext_data_sources': items}, env={'HW_SECRET_KEY': WRONG_SECRET_KEY})
    assert run.rc != 0
    assert [(e['op'], e['status'], e['auth_ok']) for e in sandbox.requests('dws')] == [('dws.list', 401, False)]
    assert 'APIGW.0301' in run.output
    assert sandbox.writes() == []


def test_feishu_wrong_app_secret_sends_one_token_request_for_several_items(sandbox, run_playbook):
    sandbox.seed_feishu(feishu_seed(2))
    items = feishu_items(2) + [{'name': 'New %d' % n, 'online': True} for n in range(3)]
    items[0]['description'] = 'Changed description'
    sandbox.clear_log()
    run = run_playbook('role_feishu', {'feishu_search_data_sources': items},
                       env={'FEISHU_APP_SECRET': WRONG_APP_SECRET})
    assert run.rc != 0
    assert [(e['op'], e['auth_ok']) for e in sandbox.requests()] == [('feishu.token', False)]
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
    check_mode_requests = ops(sandbox.requests())

    sandbox.clear_log()
    sandbox.inject('slow', count=len(ALL_HOSTS), op='feishu.create', delay=1.0)  # a cloud's latency: hosts race
    run = run_ok(run_playbook, 'role_many_hosts', {'feishu_search_data_sources': items}, extra_args=MORE_HOSTS)
    assert ops(sandbox.writes()) == ['feishu.create']
    assert [d['name'] for d in sandbox.state()['feishu']['data_sources']] == ['Shared']
    results = facts_on_every_host(run, 'feishu')
    assert sorted(results) == ALL_HOSTS
    assert all(r['changed_count'] == 1 and r['counts'] == {'create': 1, 'unchanged': 0}
               for r in results.values()), results
    # check mode read once too: the role's listing, then the module's own look-up for the create it checks
    assert check_mode_requests == ['feishu.token', 'feishu.list'] * 2

    sandbox.clear_faults()
    sandbox.clear_log()
    run_ok(run_playbook, 'role_many_hosts', {'feishu_search_data_sources': items}, extra_args=MORE_HOSTS)
    assert ops(sandbox.requests()) == ['feishu.token', 'feishu.list']


def test_dws_role_in_a_play_over_four_hosts_creates_once(sandbox, run_playbook):
    sandbox.settings(job_duration=0)
    variables = {'dws_ext_data_sources': [obs_item(1), obs_item(2, cluster_id=CLUSTER2)],
                 'dws_ext_data_sources_cluster_id': CLUSTER}
    sandbox.clear_log()
    run = run_ok(run_playbook, 'role_many_hosts', variables, check=True, extra_args=MORE_HOSTS)
    assert sandbox.writes() == []
    assert sorted(facts_on_every_host(run, 'dws')) == ALL_HOSTS
    check_mode_requests = ops(sandbox.requests())

    sandbox.clear_log()
    sandbox.inject('slow', count=2 * len(ALL_HOSTS), op='dws.create', delay=1.0)  # a cloud's latency: hosts race
    run = run_ok(run_playbook, 'role_many_hosts', variables, extra_args=MORE_HOSTS)
    assert ops(sandbox.writes()) == ['dws.create', 'dws.create']
    projects = sandbox.state()['dws']['projects'][PROJECT]
    assert [d['name'] for d in projects[CLUSTER]['data_sources']] == ['obs_src01']
    assert [d['name'] for d in projects[CLUSTER2]['data_sources']] == ['obs_src02']
    results = facts_on_every_host(run, 'dws')
    assert sorted(results) == ALL_HOSTS
    assert all(r['changed_count'] == 2 and r['counts'] == {'create': 2, 'unchanged': 0}
               for r in results.values()), results
    # check mode read once too: the role's listing of each cluster, then the module's own for each create
    assert check_mode_requests == ['dws.list'] * 4

    sandbox.clear_faults()
    sandbox.clear_log()
    run_ok(run_playbook, 'role_many_hosts', variables, extra_args=MORE_HOSTS)
    assert ops(sandbox.requests()) == ['dws.list', 'dws.list']
