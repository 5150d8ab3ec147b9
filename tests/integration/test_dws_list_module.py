# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dws_ext_data_sources (the list module) through real ansible-playbook runs against the sandbox.

Every test asserts on what the module returned (changed, results, before/after, diff, messages) AND on the
sandbox's request log: one listing per type the run needs, each write followed by its job polls (writes one
after another: a write during a running job would get DWS.0011), then one listing per type again.
"""

from __future__ import absolute_import, division, print_function

import functools

import pytest

from harness import diff_of, failed_task_result, list_actions, list_config, task_result

__metaclass__ = type

TASK = 'Manage data sources'
PLAYBOOK = 'dws_ext_data_sources'
PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
CLUSTER2 = '22222222-3333-4444-5555-666666666666'
MRS_CLUSTER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
UNKNOWN_ID = '99999999-8888-7777-6666-555555555555'
COLLECTION = '/v1.0/%s/clusters/%s/ext-data-sources' % (PROJECT, CLUSTER)
MRS_PASSWORD = 'List_Mrs_Password_42'
# The password travels in the environment: extra vars are echoed by ansible-playbook at -vvvv.
MRS_ENV = {'DWS_MRS_PASSWORD': MRS_PASSWORD}
PASSWORD_FROM_ENV = "{{ lookup('ansible.builtin.env', 'DWS_MRS_PASSWORD') }}"
OPTIONS = ('id', 'name', 'type', 'agency', 'connect_info', 'mrs_cluster_id', 'user_name', 'description')
# Every type DWS lists: an item without type, overridden and gathered list them all (LAKE_FORMATION too).
ALL_TYPES = ['OBS', 'MRS', 'LAKE_FORMATION']
API_ONLY = ('configure_status', 'status', 'created', 'updated', 'data_source_updated', 'version', 'fail_reason',
            'extend_properties', 'data_source_id', 'user_password', 'user_pwd')


# ----- helpers ---------------------------------------------------------------------------------------------

def ops(entries):
    return [entry['op'] for entry in entries]


def compact(log):
    """The ops of a log, each run of job polls shown once."""
    shown = []
    for op in ops(log):
        if not (op == 'dws.job' and shown and shown[-1] == 'dws.job'):
            shown.append(op)
    return shown


def listed_types(log):
    return [e['query']['type'][0] for e in log if e['op'] == 'dws.list']


def writes(sandbox):
    return [(w['method'], w['path'], w['body'], w['status']) for w in sandbox.writes('dws')]


def item_path(ds_id):
    return '%s/%s' % (COLLECTION, ds_id)


def sources(sandbox, cluster=CLUSTER):
    sandbox.wait_idle(timeout=30)
    return sandbox.state()['dws']['projects'][PROJECT][cluster]['data_sources']


def by_name(sandbox, cluster=CLUSTER):
    return dict((s['name'], s) for s in sources(sandbox, cluster))


def obs(name, agency='DWSAccessOBS', connect_info='gaussdb', **fields):
    return dict(fields, name=name, type='OBS', user_name=agency, connect_info=connect_info)


def mrs(name, user='mrs_user', **fields):
    return dict(fields, name=name, type='MRS', user_name=user, data_source_id=MRS_CLUSTER)


def seed(sandbox, *items, **kwargs):
    """Seed ACTIVE data sources, return them by name; quick jobs; the log starts empty."""
    sandbox.settings(job_duration=kwargs.get('job_duration', 0.2))
    seeded = sandbox.seed_dws(PROJECT, kwargs.get('cluster', CLUSTER), list(items)) if items else []
    sandbox.clear_log()
    return dict((s['name'], s) for s in seeded)


run_ok = functools.partial(task_result, playbook=PLAYBOOK, task=TASK)
run_failing = functools.partial(failed_task_result, playbook=PLAYBOOK, task=TASK)
config, actions = list_config, list_actions


def assert_listings_only(sandbox, types):
    log = sandbox.requests('dws')
    assert ops(log) == ['dws.list'] * len(types), ops(log)
    assert listed_types(log) == list(types)
    assert sandbox.writes('dws') == []


def assert_serialised(sandbox):
    """Every write accepted at once (none met a running job: DWS.0011) and followed by its job polls."""
    log = sandbox.requests('dws')
    assert [e['status'] for e in log if e['write']] == [200] * len([e for e in log if e['write']])
    for position, entry in enumerate(log):
        if entry['write']:
            assert log[position + 1]['op'] == 'dws.job', compact(log)
    assert all(entry['auth_ok'] for entry in log)


def assert_config_items(items):
    for item in items:
        assert set(item) <= set(OPTIONS), item
        assert not set(item) & set(API_ONLY), item


# ----- merged ----------------------------------------------------------------------------------------------

def test_merged_creates_and_updates_with_only_the_given_options_one_after_another(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a', description='Events'), obs('obs_x'), mrs('mrs_a'))
    items = [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'sales',
              'description': 'Sales files'}]
    result = run_ok(run_playbook, config(items))

    assert result['changed'] is True
    log = sandbox.requests('dws')
    # only the type the items give is listed, before and after the writes
    assert compact(log) == ['dws.list', 'dws.update', 'dws.job', 'dws.create', 'dws.job', 'dws.list']
    assert listed_types(log) == ['OBS', 'OBS']
    assert_serialised(sandbox)
    assert writes(sandbox) == [
        ('PUT', item_path(seeded['obs_a']['id']), {'reconfigure': {'reboot': False, 'agency': 'DWSAccessOBS2'}}, 200),
        ('POST', COLLECTION, {'type': 'OBS', 'data_source_name': 'obs_b', 'user_name': 'DWSAccessOBS',
                              'connect_info': 'sales', 'description': 'Sales files'}, 200)]
    now = by_name(sandbox)
    assert (now['obs_a']['user_name'], now['obs_a']['description']) == ('DWSAccessOBS2', 'Events')
    assert now['obs_b']['configure_status'] == 'ACTIVE'
    assert now['obs_x'] == seeded['obs_x'] and now['mrs_a'] == seeded['mrs_a']  # named by no item: untouched

    assert [(r['name'], r['id'], r['action'], r['index']) for r in result['results']] == [
        ('obs_a', seeded['obs_a']['id'], 'updated', 0), ('obs_b', now['obs_b']['id'], 'created', 1)]
    assert result['results'][0]['changes'] == {'agency': {'before': 'DWSAccessOBS', 'after': 'DWSAccessOBS2'}}
    assert result['results'][1]['changes'] == {
        'name': {'before': None, 'after': 'obs_b'}, 'type': {'before': None, 'after': 'OBS'},
        'agency': {'before': None, 'after': 'DWSAccessOBS'}, 'connect_info': {'before': None, 'after': 'sales'},
        'description': {'before': None, 'after': 'Sales files'}}
    assert [i['name'] for i in result['before']] == ['obs_a', 'obs_x']  # the OBS listing
    assert [(i['name'], i['agency']) for i in result['after']] == [
        ('obs_a', 'DWSAccessOBS2'), ('obs_x', 'DWSAccessOBS'), ('obs_b', 'DWSAccessOBS')]
    # the objects as DWS lists them once the jobs are done
    assert [(d['name'], d['configure_status']) for d in result['ext_data_sources']] == [
        ('obs_a', 'ACTIVE'), ('obs_x', 'ACTIVE'), ('obs_b', 'ACTIVE')]

    sandbox.clear_log()
    again = run_ok(run_playbook, config(items))
    assert again['changed'] is False and [r['action'] for r in again['results']] == ['unchanged'] * 2
    assert_listings_only(sandbox, ['OBS'])


def test_an_item_without_type_lists_every_type_and_uses_the_found_one(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a'), mrs('mrs_a'))
    result = run_ok(run_playbook, config([{'name': 'obs_a', 'agency': 'DWSAccessOBS2'}]))
    assert result['changed'] is True
    assert listed_types(sandbox.requests('dws')) == ALL_TYPES + ALL_TYPES
    assert [w[:2] for w in writes(sandbox)] == [('PUT', item_path(seeded['obs_a']['id']))]


def test_recreate_replaces_a_source_whose_create_only_field_differs(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a'), obs('obs_b'))
    items = [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'analytics',
              'recreate': True}]
    result = run_ok(run_playbook, config(items))
    assert [(w[0], w[3]) for w in writes(sandbox)] == [('DELETE', 200), ('POST', 200)]
    assert writes(sandbox)[0][1] == item_path(seeded['obs_a']['id'])
    assert_serialised(sandbox)
    now = by_name(sandbox)
    assert now['obs_a']['connect_info'] == 'analytics' and now['obs_a']['id'] != seeded['obs_a']['id']
    assert actions(result) == [('obs_a', 'recreated', 0)]
    assert result['results'][0]['id'] == now['obs_a']['id']
    assert result['results'][0]['changes'] == {'connect_info': {'before': 'gaussdb', 'after': 'analytics'}}


# ----- overridden ------------------------------------------------------------------------------------------

def test_overridden_writes_first_then_deletes_the_unlisted_of_every_type(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_old'), obs('obs_a'), mrs('mrs_old'))
    seed(sandbox, obs('obs_other_cluster'), cluster=CLUSTER2)
    items = [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'mrs_b', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user',
              'user_password': PASSWORD_FROM_ENV}]
    result = run_ok(run_playbook, config(items, 'overridden'), diff=True, env=MRS_ENV)

    assert result['changed'] is True
    log = sandbox.requests('dws')
    assert compact(log) == ['dws.list'] * 3 + ['dws.update', 'dws.job', 'dws.create', 'dws.job',
                                               'dws.delete', 'dws.job', 'dws.delete', 'dws.job'] + ['dws.list'] * 3
    assert listed_types(log) == ALL_TYPES + ALL_TYPES
    assert_serialised(sandbox)
    made = writes(sandbox)
    assert made[1][2] == {'type': 'MRS', 'data_source_name': 'mrs_b', 'data_source_id': MRS_CLUSTER,
                          'user_name': 'mrs_user', 'user_pwd': '<redacted>'}
    assert [(m, p) for m, p, dummy, dummy2 in made] == [
        ('PUT', item_path(seeded['obs_a']['id'])), ('POST', COLLECTION),
        ('DELETE', item_path(seeded['obs_old']['id'])), ('DELETE', item_path(seeded['mrs_old']['id']))]
    assert MRS_PASSWORD in sandbox.issued_secrets()  # it did go over the wire (the audit looks for it)
    assert actions(result) == [('obs_a', 'updated', 0), ('mrs_b', 'created', 1), ('obs_old', 'deleted', None),
                               ('mrs_old', 'deleted', None)]
    assert sorted(by_name(sandbox)) == ['mrs_b', 'obs_a']
    assert list(by_name(sandbox, CLUSTER2)) == ['obs_other_cluster']  # another cluster is never touched
    assert [i['name'] for i in result['after']] == ['obs_a', 'mrs_b']
    assert diff_of(result) == {'before': result['before'], 'after': result['after']}
    assert_config_items(result['before'] + result['after'])
    assert 'user_pwd' not in str(result['ext_data_sources'])


def test_overridden_and_deleted_refuse_an_empty_config_and_write_nothing(sandbox, run_playbook):
    seed(sandbox, obs('obs_a'), mrs('mrs_a'))
    for state, words in (('overridden', ['config is empty', 'allow_delete_all=true', 'Nothing was written']),
                         ('deleted', ['config is empty', 'never means "delete every external data source'])):
        result = run_failing(run_playbook, config([], state))
        for word in words:
            assert word in result['msg'], (state, result['msg'])
        assert result.get('changed') is False and 'results' not in result
    assert sandbox.requests('dws') == []
    assert sorted(by_name(sandbox)) == ['mrs_a', 'obs_a']


def test_overridden_with_an_empty_config_and_allow_delete_all_deletes_every_one(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a'), mrs('mrs_a'), obs('obs_b'))
    result = run_ok(run_playbook, config([], 'overridden', ds_allow_delete_all=True))
    assert result['changed'] is True
    # the listing's order: OBS first, then MRS
    assert [(w[0], w[1]) for w in writes(sandbox)] == [('DELETE', item_path(seeded[n]['id']))
                                                       for n in ('obs_a', 'obs_b', 'mrs_a')]
    assert_serialised(sandbox)
    assert actions(result) == [(n, 'deleted', None) for n in ('obs_a', 'obs_b', 'mrs_a')]
    assert result['after'] == [] and result['ext_data_sources'] == [] and sources(sandbox) == []


# ----- deleted ---------------------------------------------------------------------------------------------

def test_deleted_by_id_and_by_name_and_a_missing_one_is_already_absent(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a'), mrs('mrs_a'), obs('obs_keep'))
    items = [{'id': seeded['obs_a']['id'], 'type': 'OBS'}, {'name': 'mrs_a', 'type': 'MRS'},
             {'name': 'nowhere', 'type': 'OBS'}]
    result = run_ok(run_playbook, config(items, 'deleted'), diff=True)
    assert result['changed'] is True
    log = sandbox.requests('dws')
    assert compact(log) == ['dws.list', 'dws.list', 'dws.delete', 'dws.job', 'dws.delete', 'dws.job', 'dws.list',
                            'dws.list']
    assert_serialised(sandbox)
    assert [(w[0], w[1]) for w in writes(sandbox)] == [('DELETE', item_path(seeded['obs_a']['id'])),
                                                       ('DELETE', item_path(seeded['mrs_a']['id']))]
    assert [(r['name'], r['id'], r['action'], r['index']) for r in result['results']] == [
        ('obs_a', seeded['obs_a']['id'], 'deleted', 0), ('mrs_a', seeded['mrs_a']['id'], 'deleted', 1),
        ('nowhere', None, 'unchanged', 2)]
    assert list(by_name(sandbox)) == ['obs_keep']
    assert [i['name'] for i in result['after']] == ['obs_keep']
    assert [i['name'] for i in diff_of(result)['before']] == ['obs_a', 'obs_keep', 'mrs_a']

    sandbox.clear_log()
    again = run_ok(run_playbook, config(items, 'deleted'))
    assert again['changed'] is False and [r['action'] for r in again['results']] == ['unchanged'] * 3
    assert_listings_only(sandbox, ['OBS', 'MRS'])


def test_deleted_lists_only_the_type_its_items_give(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a'), mrs('mrs_a'))
    result = run_ok(run_playbook, config([{'name': 'obs_a', 'type': 'OBS'}], 'deleted'))
    assert actions(result) == [('obs_a', 'deleted', 0)]
    assert listed_types(sandbox.requests('dws')) == ['OBS', 'OBS']
    assert list(by_name(sandbox)) == ['mrs_a'] and by_name(sandbox)['mrs_a'] == seeded['mrs_a']


# ----- gathered and the round trips ----------------------------------------------------------------------

def test_gathered_returns_config_items_without_api_fields_or_password(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a', description='Events'), mrs('mrs_a'))
    result = run_ok(run_playbook, {'ds_state': 'gathered'})
    assert result['changed'] is False
    assert_listings_only(sandbox, ALL_TYPES)
    assert result['gathered'] == [
        {'id': seeded['obs_a']['id'], 'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS',
         'connect_info': 'gaussdb', 'description': 'Events'},
        {'id': seeded['mrs_a']['id'], 'name': 'mrs_a', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER,
         'user_name': 'mrs_user'}]
    assert_config_items(result['gathered'])
    assert 'results' not in result and 'ext_data_sources' not in result


@pytest.mark.parametrize('state', ['merged', 'overridden'])
def test_gathered_passed_back_as_config_changes_nothing_and_writes_nothing(sandbox, run_playbook, state):
    """An MRS source's password is never gathered: without it, the item is still no change."""
    seed(sandbox, obs('obs_a', description='Events'), obs('obs_b', connect_info='sales'), mrs('mrs_a'),
         mrs('mrs_b', description='Hive'))
    gathered = run_ok(run_playbook, {'ds_state': 'gathered'})['gathered']
    sandbox.clear_log()
    result = run_ok(run_playbook, config(gathered, state), diff=True)
    assert result['changed'] is False
    assert [(r['name'], r['action'], r['changes']) for r in result['results']] == [
        (name, 'unchanged', {}) for name in ('obs_a', 'obs_b', 'mrs_a', 'mrs_b')]
    assert result['before'] == result['after'] == gathered
    assert diff_of(result)['before'] == diff_of(result)['after'] == gathered
    assert 'warnings' not in result
    # every item gives its type: merged lists those types, overridden every type; no listing after (no write)
    assert_listings_only(sandbox, ['OBS', 'MRS'] if state == 'merged' else ALL_TYPES)


# ----- the whole list is validated before any write ---------------------------------------------------------

ANSIBLE_REJECTS = {
    'bad choice': ({'name': 'obs_c', 'type': 'HDFS'}, 'value of type must be one of: OBS, MRS, LAKE_FORMATION, '
                                                      'got: HDFS found in config'),
    'bad type': ({'name': 'obs_c', 'type': 'OBS', 'recreate': 'perhaps'},
                 "argument 'recreate' is of type str found in 'config'"),
    'unknown option': ({'name': 'obs_c', 'cluster_id': CLUSTER2},
                       'Unsupported parameters for (dsops.cloud.dws_ext_data_sources) module: config.cluster_id.'),
}
OUR_REJECTS = {
    'create-only conflict': ({'name': 'obs_fixed', 'type': 'OBS', 'connect_info': 'analytics'},
                             "config[2] ('obs_fixed'): Cannot change create-only field(s) of DWS external data "
                             "source 'obs_fixed' (id <fixed>) in place: connect_info"),
    'two items for one data source': ({'id': '<a>', 'type': 'OBS', 'agency': 'DWSAccessOBS3'},
                                      "config[2] ('<a>'): config[0] ('obs_a') also manages 'obs_a' (id <a>)"),
    'two items for one new name': ({'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS',
                                    'connect_info': 'x'},
                                   "config[2] ('obs_new'): config[1] ('obs_new') also manages the new 'obs_new'"),
    'unknown id': ({'id': UNKNOWN_ID, 'type': 'OBS', 'agency': 'DWSAccessOBS3'},
                   "config[2] ('%s'): No OBS data source with id %s" % (UNKNOWN_ID, UNKNOWN_ID)),
    'invalid agency': ({'name': 'obs_c', 'type': 'OBS', 'agency': 'x', 'connect_info': 'db'},
                       "config[2] ('obs_c'): agency 'x' is not valid"),
    'options of the other type': ({'name': 'obs_c', 'type': 'OBS', 'mrs_cluster_id': MRS_CLUSTER},
                                  "config[2] ('obs_c'): "),
    'missing create options': ({'name': 'obs_c', 'type': 'OBS'},
                               "config[2] ('obs_c'): To create an OBS data source 'obs_c' these options are required: "
                               "agency, connect_info"),
    'mrs create without password': ({'name': 'mrs_c', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER,
                                     'user_name': 'mrs_user'},
                                    "config[2] ('mrs_c'): To create an MRS data source 'mrs_c' these options are "
                                    "required: user_password"),
    'no type for a new one': ({'name': 'obs_c', 'agency': 'DWSAccessOBS'},
                              "config[2] ('obs_c'): type is required to create data source 'obs_c'"),
}


def seed_for_validation(sandbox):
    return seed(sandbox, obs('obs_a'), obs('obs_fixed'))


def first_two():
    return [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
            {'name': 'obs_new', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'new'}]


@pytest.mark.parametrize('case', sorted(ANSIBLE_REJECTS))
def test_an_item_ansible_rejects_stops_the_task_before_any_request(sandbox, run_playbook, case):
    seed_for_validation(sandbox)
    item, words = ANSIBLE_REJECTS[case]
    result = run_failing(run_playbook, config(first_two() + [item]))
    # Ansible's own argument-spec messages name the list, never the item's position
    assert words in result['msg'] and 'config[' not in result['msg'], result['msg']
    assert sandbox.requests('dws') == []


@pytest.mark.parametrize('case', sorted(OUR_REJECTS))
def test_an_invalid_third_item_is_named_and_nothing_is_written(sandbox, run_playbook, case):
    seeded = seed_for_validation(sandbox)
    item, words = OUR_REJECTS[case]
    marks = {'<a>': seeded['obs_a']['id'], '<fixed>': seeded['obs_fixed']['id']}

    def fill(text):
        for mark, value in marks.items():
            text = text.replace(mark, value)
        return text
    item = dict((k, fill(v) if isinstance(v, str) else v) for k, v in item.items())
    words = fill(words)
    result = run_failing(run_playbook, config(first_two() + [item], 'overridden'))
    assert result['msg'].startswith('1 problem(s) in config (3 item(s)); nothing was written:\n  - '), result['msg']
    assert words in result['msg'], result['msg']
    assert len(result['problems']) == 1 and result['problems'][0].startswith(words)
    assert result.get('changed') is False and 'results' not in result
    assert sandbox.writes('dws') == []
    assert set(ops(sandbox.requests('dws'))) <= {'dws.list'}
    assert by_name(sandbox)['obs_a']['user_name'] == 'DWSAccessOBS'


# ----- a failure part-way ----------------------------------------------------------------------------------

PART_WAY_ITEMS = [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
                  {'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
                  {'name': 'obs_c', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'new'}]


def part_way_seed(sandbox):
    return seed(sandbox, obs('obs_a'), obs('obs_b'), obs('obs_stale'))


def assert_stopped_at_obs_b(result, sandbox, seeded):
    assert result['changed'] is True
    assert result['msg'].startswith("config[1] ('obs_b') failed, so the run stopped there: ")
    assert actions(result) == [('obs_a', 'updated', 0), ('obs_b', 'failed', 1), ('obs_c', 'skipped', 2),
                               ('obs_stale', 'skipped', None)]
    assert result['results'][1]['error'] in result['msg']
    ops_made = [(w['op'], w['path']) for w in sandbox.writes('dws')]
    assert ops_made[0] == ('dws.update', item_path(seeded['obs_a']['id']))
    assert set(ops_made[1:]) == {('dws.update', item_path(seeded['obs_b']['id']))}  # no create, never a delete
    now = by_name(sandbox)
    assert (now['obs_a']['user_name'], now['obs_b']['user_name']) == ('DWSAccessOBS2', 'DWSAccessOBS')
    assert sorted(now) == ['obs_a', 'obs_b', 'obs_stale']


def assert_rerun_converges(sandbox, run_playbook):
    sandbox.clear_faults()
    sandbox.clear_log()
    rerun = run_ok(run_playbook, config(PART_WAY_ITEMS, 'overridden'))
    assert actions(rerun) == [('obs_a', 'unchanged', 0), ('obs_b', 'updated', 1), ('obs_c', 'created', 2),
                              ('obs_stale', 'deleted', None)]
    assert [w['op'] for w in sandbox.writes('dws')] == ['dws.update', 'dws.create', 'dws.delete']
    assert_serialised(sandbox)
    assert sorted(by_name(sandbox)) == ['obs_a', 'obs_b', 'obs_c']
    sandbox.clear_log()
    assert run_ok(run_playbook, config(PART_WAY_ITEMS, 'overridden'))['changed'] is False
    assert_listings_only(sandbox, ALL_TYPES)


def test_a_job_fail_on_the_second_write_stops_the_run_and_a_rerun_converges(sandbox, run_playbook):
    seeded = part_way_seed(sandbox)
    sandbox.inject('job_fail', path=seeded['obs_b']['id'], failed_code='DWS.5555',
                   failed_detail='agency lacks OBS rights')
    result = run_failing(run_playbook, config(PART_WAY_ITEMS, 'overridden'))
    assert_stopped_at_obs_b(result, sandbox, seeded)
    assert 'DWS.5555' in result['msg'] and 'agency lacks OBS rights' in result['msg']
    jobs = sandbox.state()['dws']['jobs']
    assert [j['status'] for j in jobs] == ['SUCCESS', 'FAIL'] and jobs[1]['job_id'] in result['msg']
    assert result['job']['status'] == 'FAIL'
    assert len(sandbox.writes('dws')) == 2  # the accepted write is never sent again
    assert_rerun_converges(sandbox, run_playbook)


def test_a_persistent_500_on_the_second_write_stops_the_run_and_a_rerun_converges(sandbox, run_playbook):
    seeded = part_way_seed(sandbox)
    sandbox.inject('http_error', platform='dws', op='dws.update', path=seeded['obs_b']['id'], status=500, count=20)
    result = run_failing(run_playbook, config(PART_WAY_ITEMS, 'overridden', dws_retries=1))
    assert_stopped_at_obs_b(result, sandbox, seeded)
    assert 'DWS.0005' in result['msg'] and 'HTTP 500' in result['msg']
    log = sandbox.requests('dws')
    put_b = [n for n, e in enumerate(log) if e['path'] == item_path(seeded['obs_b']['id'])][0]
    # a PUT is sent again only after a look shows it did not take; then the run stops: no listing, no write after
    assert [(e['op'], e['status']) for e in log[put_b:]] == [('dws.update', 500), ('dws.list', 200),
                                                             ('dws.update', 500)]
    assert result['written']  # the failed PUT may have applied (see the Feishu test of what written names)
    assert_rerun_converges(sandbox, run_playbook)


# ----- check mode ------------------------------------------------------------------------------------------

def test_check_mode_lists_only_and_predicts_what_the_real_run_does(sandbox, run_playbook):
    seeded = seed(sandbox, obs('obs_a'), obs('obs_old'), mrs('mrs_a'))
    items = [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'},
             {'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS', 'connect_info': 'sales'},
             {'name': 'mrs_a', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER, 'user_name': 'mrs_user'}]
    predicted = run_ok(run_playbook, config(items, 'overridden'), check=True, diff=True)
    assert_listings_only(sandbox, ALL_TYPES)
    assert by_name(sandbox) == seeded

    assert predicted['changed'] is True
    assert actions(predicted) == [('obs_a', 'updated', 0), ('obs_b', 'created', 1), ('mrs_a', 'unchanged', 2),
                                  ('obs_old', 'deleted', None)]
    assert predicted['results'][0]['changes'] == {'agency': {'before': 'DWSAccessOBS', 'after': 'DWSAccessOBS2'}}
    assert predicted['results'][1]['id'] is None
    assert [i['name'] for i in predicted['after']] == ['obs_a', 'mrs_a', 'obs_b']
    assert diff_of(predicted) == {'before': predicted['before'], 'after': predicted['after']}

    sandbox.clear_log()
    done = run_ok(run_playbook, config(items, 'overridden'), diff=True)
    assert [dict(r, id=None) for r in done['results']] == [dict(r, id=None) for r in predicted['results']]
    assert sorted(i['name'] for i in done['after']) == sorted(i['name'] for i in predicted['after'])
    assert [w['op'] for w in sandbox.writes('dws')] == ['dws.update', 'dws.create', 'dws.delete']


# ----- a data source in the middle of a job ----------------------------------------------------------------

BUSY_HOLD = 6  # seconds the first job stays RUNNING: the source is still UPDATING when the next run lists it


def leave_updating(sandbox, run_playbook):
    """Two OBS sources, the second left UPDATING (to agency DWSAccessOBS2) by a run with wait: false."""
    seeded = seed(sandbox, obs('obs_a'), obs('obs_b'), job_duration=0.3)
    sandbox.inject('job_status', status='RUNNING', hold=BUSY_HOLD)
    started = run_ok(run_playbook, config([{'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}],
                                          ds_wait=False))
    assert started['changed'] is True and 'dws.job' not in ops(sandbox.requests('dws'))
    assert by_name(sandbox)['obs_b']['configure_status'] == 'UPDATING'
    sandbox.clear_log()
    return seeded


BUSY_ITEMS = [{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS3'},
              {'name': 'obs_b', 'type': 'OBS', 'agency': 'DWSAccessOBS3'}]


def test_a_source_in_the_middle_of_a_job_is_waited_for_before_it_is_written(sandbox, run_playbook):
    seeded = leave_updating(sandbox, run_playbook)
    result = run_ok(run_playbook, config(BUSY_ITEMS))
    log = sandbox.requests('dws')
    first_write = [i for i, e in enumerate(log) if e['write']][0]
    # before any write: the listing, then looks at the busy source until its job ended
    assert set(ops(log[:first_write])) == {'dws.list'} and first_write >= 3, compact(log)
    assert_serialised(sandbox)
    assert [(w[1], w[2]) for w in writes(sandbox)] == [
        (item_path(seeded[n]['id']), {'reconfigure': {'reboot': False, 'agency': 'DWSAccessOBS3'}})
        for n in ('obs_a', 'obs_b')]
    # planned against what the job left behind
    assert result['results'][1]['changes'] == {'agency': {'before': 'DWSAccessOBS2', 'after': 'DWSAccessOBS3'}}
    assert [s['user_name'] for s in sources(sandbox)] == ['DWSAccessOBS3', 'DWSAccessOBS3']


def test_check_mode_waits_for_a_busy_source_with_reads_only_then_predicts(sandbox, run_playbook):
    leave_updating(sandbox, run_playbook)
    result = run_ok(run_playbook, config(BUSY_ITEMS), check=True)
    log = sandbox.requests('dws')
    assert set(ops(log)) == {'dws.list'} and len(log) >= 3, compact(log)
    assert actions(result) == [('obs_a', 'updated', 0), ('obs_b', 'updated', 1)]
    assert result['results'][1]['changes'] == {'agency': {'before': 'DWSAccessOBS2', 'after': 'DWSAccessOBS3'}}
    assert [(s['user_name'], s['configure_status']) for s in sources(sandbox)] == [
        ('DWSAccessOBS', 'ACTIVE'), ('DWSAccessOBS2', 'ACTIVE')]


def test_wait_false_returns_after_the_writes_without_polling_or_a_final_listing(sandbox, run_playbook):
    seed(sandbox, obs('obs_a'), job_duration=0)
    result = run_ok(run_playbook, config([{'name': 'obs_a', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}],
                                         ds_wait=False))
    assert result['changed'] is True
    assert ops(sandbox.requests('dws')) == ['dws.list', 'dws.update']
    assert result['after'][0]['agency'] == 'DWSAccessOBS2'
