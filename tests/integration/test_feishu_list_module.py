# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""feishu_search_data_sources (the list module) through real ansible-playbook runs against the sandbox.

Every test asserts on what the module returned (changed, results, before/after, diff, messages) AND on the
sandbox's request log: one token, the listing pages, then one request per write, in the order the run made them.
"""

from __future__ import absolute_import, division, print_function

import functools

import pytest

from harness import diff_of, failed_task_result, list_actions, list_config, task_result

__metaclass__ = type

TASK = 'Manage data sources'
PLAYBOOK = 'feishu_search_data_sources'
COLLECTION = '/open-apis/search/v2/data_sources'
UNKNOWN_ID = '7999999999999999999'
# the API-only fields a config item never holds
API_ONLY = ('state', 'create_time', 'update_time', 'is_exceed_quota', 'app_id')
OPTIONS = ('id', 'name', 'online', 'description', 'icon_url', 'i18n_name', 'i18n_description', 'enable_answer',
           'connector_param', 'template', 'schema_id', 'searchable_fields', 'connect_type', 'data_source_app_id')
# A data source that uses every option kind: i18n, connector_param, online, create-only fields.
RICH = {'name': 'Wiki', 'description': 'Team wiki', 'state': 0, 'icon_url': 'https://icons.example.com/wiki.png',
        'i18n_name': {'zh_cn': '维基', 'en_us': 'Wiki'}, 'i18n_description': {'en_us': 'The team wiki'},
        'connector_param': {'callback_endpoint': 'https://hooks.example.com/wiki', 'callback_user_id_type': 2},
        'connect_type': 1, 'template': 'search_common_card', 'schema_id': 'wiki_schema',
        'searchable_fields': ['title', 'body'], 'app_id': 'cli_wiki', 'enable_answer': True}


# ----- helpers ---------------------------------------------------------------------------------------------

def ops(entries):
    return [entry['op'] for entry in entries]


def writes(sandbox):
    return [(w['method'], w['path'], w['body']) for w in sandbox.writes('feishu')]


def item_path(ds_id):
    return '%s/%s' % (COLLECTION, ds_id)


def sources(sandbox):
    sandbox.wait_idle(timeout=30)
    return sandbox.state()['feishu']['data_sources']


def by_name(sandbox):
    return dict((s['name'], s) for s in sources(sandbox))


def seed(sandbox, *items):
    """Seed the data sources (name -> fields), return them by name with their ids; the log starts empty."""
    seeded = sandbox.seed_feishu([dict(fields, name=name) for name, fields in items])
    sandbox.clear_log()
    return dict((s['name'], s) for s in seeded)


run_ok = functools.partial(task_result, playbook=PLAYBOOK, task=TASK)
run_failing = functools.partial(failed_task_result, playbook=PLAYBOOK, task=TASK)
config, actions = list_config, list_actions


def assert_reads_only(sandbox, pages=1):
    """One token request, the listing, nothing else: the only non-GET request is the token POST."""
    log = sandbox.requests('feishu')
    assert ops(log) == ['feishu.token'] + ['feishu.list'] * pages, ops(log)
    assert [e['method'] for e in log if e['method'] != 'GET'] == ['POST']
    assert sandbox.writes('feishu') == []


def assert_config_items(items):
    """Config format: option names only, never an API-only field."""
    for item in items:
        assert set(item) <= set(OPTIONS), item
        assert not set(item) & set(API_ONLY), item


# ----- merged ----------------------------------------------------------------------------------------------

def test_merged_creates_and_updates_only_the_given_options_and_leaves_the_others_alone(sandbox, run_playbook):
    seeded = seed(sandbox, ('Alpha', {'description': 'First', 'state': 1, 'i18n_name': {'zh_cn': '甲'},
                                      'schema_id': 'alpha_schema'}),
                  ('Beta', {'description': 'Second', 'state': 0}),
                  ('Delta', {'description': 'Left alone', 'state': 1}))
    alpha, beta, delta = seeded['Alpha'], seeded['Beta'], seeded['Delta']
    items = [{'name': 'Alpha', 'description': 'First, revised', 'i18n_name': {'en_us': 'Alpha'}},
             {'id': beta['id'], 'online': False},
             {'name': 'Gamma', 'description': 'Third', 'online': True}]
    result = run_ok(run_playbook, config(items))

    assert result['changed'] is True
    log = sandbox.requests('feishu')
    assert ops(log) == ['feishu.token', 'feishu.list', 'feishu.patch', 'feishu.patch', 'feishu.create']
    # only the given options are sent; i18n locales are merged with the existing ones
    assert writes(sandbox) == [
        ('PATCH', item_path(alpha['id']), {'description': 'First, revised',
                                           'i18n_name': {'zh_cn': '甲', 'en_us': 'Alpha'}}),
        ('PATCH', item_path(beta['id']), {'state': 1}),
        ('POST', COLLECTION, {'name': 'Gamma', 'description': 'Third', 'state': 0})]
    now = by_name(sandbox)
    gamma_id = now['Gamma']['id']
    assert (now['Alpha']['state'], now['Alpha']['schema_id']) == (1, 'alpha_schema')  # not given: untouched
    assert now['Delta'] == delta  # named by no item: untouched
    assert [(r['name'], r['id'], r['action'], r['index']) for r in result['results']] == [
        ('Alpha', alpha['id'], 'updated', 0), ('Beta', beta['id'], 'updated', 1), ('Gamma', gamma_id, 'created', 2)]
    assert result['results'][0]['changes'] == {
        'description': {'before': 'First', 'after': 'First, revised'},
        'i18n_name': {'before': {'zh_cn': '甲'}, 'after': {'zh_cn': '甲', 'en_us': 'Alpha'}}}
    assert result['results'][1]['changes'] == {'online': {'before': True, 'after': False}}
    assert result['results'][2]['changes']['description'] == {'before': None, 'after': 'Third'}
    assert [i['name'] for i in result['before']] == ['Alpha', 'Beta', 'Delta']
    assert [i['name'] for i in result['after']] == ['Alpha', 'Beta', 'Delta', 'Gamma']
    assert result['after'][0]['description'] == 'First, revised' and result['after'][1]['online'] is False
    assert [d['id'] for d in result['data_sources']] == [alpha['id'], beta['id'], delta['id'], gamma_id]
    assert result['data_sources'][2] == delta
    assert 'gathered' not in result and 'diff' not in result

    sandbox.clear_log()
    again = run_ok(run_playbook, config(items))
    assert again['changed'] is False
    assert [r['action'] for r in again['results']] == ['unchanged'] * 3
    assert all(r['changes'] == {} for r in again['results'])
    assert again['before'] == again['after'] == result['after']
    assert_reads_only(sandbox)


def test_merged_in_diff_mode_shows_the_whole_set_before_and_after(sandbox, run_playbook):
    seed(sandbox, ('Alpha', {'description': 'First'}), ('Beta', {'description': 'Second'}))
    result = run_ok(run_playbook, config([{'name': 'Beta', 'description': 'Changed'}]), diff=True)
    assert diff_of(result) == {'before': result['before'], 'after': result['after']}
    described = [[(i['name'], i['description']) for i in diff_of(result)[side]] for side in ('before', 'after')]
    assert described == [[('Alpha', 'First'), ('Beta', 'Second')], [('Alpha', 'First'), ('Beta', 'Changed')]]
    assert_config_items(diff_of(result)['before'] + diff_of(result)['after'])

    unchanged = run_ok(run_playbook, config([{'name': 'Beta', 'description': 'Changed'}]), diff=True)
    assert unchanged['changed'] is False and diff_of(unchanged)['before'] == diff_of(unchanged)['after']


def test_ansible_prints_the_diff_of_the_set(sandbox, run_playbook):
    """The set is printed as YAML text, item by item (a list side used to print nothing)."""
    seed(sandbox, ('Alpha', {'description': 'First'}))
    run = run_playbook(PLAYBOOK, config([{'name': 'Alpha', 'description': 'Changed'}]), diff=True, verbosity=0)
    assert run.rc == 0, run.output
    assert 'Callback dispatch' not in run.output and "'list' object" not in run.output
    assert '--- before: the Feishu data sources (config)\n' in run.output
    assert '+++ after: the Feishu data sources (config)\n' in run.output
    assert '\n   name: Alpha\n' in run.output
    assert '\n-  description: First\n+  description: Changed\n' in run.output


# ----- overridden ------------------------------------------------------------------------------------------

def test_overridden_creates_and_updates_first_then_deletes_every_unlisted_one(sandbox, run_playbook):
    seeded = seed(sandbox, ('Old one', {'description': 'Stale'}), ('Alpha', {'description': 'First'}),
                  ('Old two', {'description': 'Stale too'}), ('Beta', {'description': 'Second'}))
    items = [{'name': 'Alpha', 'description': 'First, revised'}, {'name': 'Gamma', 'description': 'New'},
             {'name': 'Beta', 'description': 'Second'}]
    result = run_ok(run_playbook, config(items, 'overridden'), diff=True)

    assert result['changed'] is True
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list', 'feishu.patch', 'feishu.create',
                                               'feishu.delete', 'feishu.delete']
    assert [(m, p) for m, p, dummy in writes(sandbox)] == [
        ('PATCH', item_path(seeded['Alpha']['id'])), ('POST', COLLECTION),
        ('DELETE', item_path(seeded['Old one']['id'])), ('DELETE', item_path(seeded['Old two']['id']))]
    assert actions(result) == [('Alpha', 'updated', 0), ('Gamma', 'created', 1), ('Beta', 'unchanged', 2),
                               ('Old one', 'deleted', None), ('Old two', 'deleted', None)]
    deleted = [r for r in result['results'] if r['action'] == 'deleted']
    assert all('index' not in r for r in deleted)
    assert deleted[0]['id'] == seeded['Old one']['id']
    assert deleted[0]['changes']['description'] == {'before': 'Stale', 'after': None}
    assert sorted(by_name(sandbox)) == ['Alpha', 'Beta', 'Gamma']
    assert [i['name'] for i in result['after']] == ['Alpha', 'Beta', 'Gamma']
    assert diff_of(result) == {'before': result['before'], 'after': result['after']}
    assert len(diff_of(result)['before']) == 4

    sandbox.clear_log()
    again = run_ok(run_playbook, config(items, 'overridden'))
    assert again['changed'] is False and [r['action'] for r in again['results']] == ['unchanged'] * 3
    assert_reads_only(sandbox)


def test_overridden_and_deleted_refuse_an_empty_config_and_write_nothing(sandbox, run_playbook):
    seed(sandbox, ('Alpha', {}), ('Beta', {}))
    for state, words in (('overridden', ['config is empty', 'allow_delete_all=true', 'Nothing was written']),
                         ('deleted', ['config is empty', 'never means "delete every Feishu data source"'])):
        result = run_failing(run_playbook, config([], state))
        for word in words:
            assert word in result['msg'], (state, result['msg'])
        assert result.get('changed') is False and 'results' not in result
    assert sandbox.writes('feishu') == [] and 'feishu.list' not in ops(sandbox.requests('feishu'))
    assert sorted(by_name(sandbox)) == ['Alpha', 'Beta']


def test_overridden_with_an_empty_config_and_allow_delete_all_deletes_every_one(sandbox, run_playbook):
    seeded = seed(sandbox, ('Alpha', {}), ('Beta', {}), ('Gamma', {}))
    result = run_ok(run_playbook, config([], 'overridden', ds_allow_delete_all=True))
    assert result['changed'] is True
    assert writes(sandbox) == [('DELETE', item_path(seeded[n]['id']), None) for n in ('Alpha', 'Beta', 'Gamma')]
    assert actions(result) == [(n, 'deleted', None) for n in ('Alpha', 'Beta', 'Gamma')]
    assert result['after'] == [] and result['data_sources'] == [] and sources(sandbox) == []


# ----- deleted ---------------------------------------------------------------------------------------------

def test_deleted_by_id_and_by_name_and_a_missing_one_is_already_absent(sandbox, run_playbook):
    seeded = seed(sandbox, ('Alpha', {}), ('Beta', {}), ('Gamma', {}))
    items = [{'id': seeded['Alpha']['id']}, {'name': 'Beta'}, {'name': 'Nowhere'}]
    result = run_ok(run_playbook, config(items, 'deleted'), diff=True)
    assert result['changed'] is True
    assert writes(sandbox) == [('DELETE', item_path(seeded['Alpha']['id']), None),
                               ('DELETE', item_path(seeded['Beta']['id']), None)]
    assert [(r['name'], r['id'], r['action'], r['index']) for r in result['results']] == [
        ('Alpha', seeded['Alpha']['id'], 'deleted', 0), ('Beta', seeded['Beta']['id'], 'deleted', 1),
        ('Nowhere', None, 'unchanged', 2)]
    assert list(by_name(sandbox)) == ['Gamma']  # not listed: untouched
    assert [i['name'] for i in result['after']] == ['Gamma']
    assert [i['name'] for i in diff_of(result)['before']] == ['Alpha', 'Beta', 'Gamma']

    sandbox.clear_log()
    again = run_ok(run_playbook, config(items, 'deleted'))
    assert again['changed'] is False and [r['action'] for r in again['results']] == ['unchanged'] * 3
    assert_reads_only(sandbox)


# ----- gathered and the round trips ----------------------------------------------------------------------

def test_gathered_returns_config_items_in_option_names_and_reads_only(sandbox, run_playbook):
    seeded = seed(sandbox, ('Wiki', dict((k, v) for k, v in RICH.items() if k != 'name')),
                  ('Tickets', {'description': 'Helpdesk', 'state': 1}))
    result = run_ok(run_playbook, {'ds_state': 'gathered'})
    assert result['changed'] is False
    assert_reads_only(sandbox)
    gathered = result['gathered']
    assert_config_items(gathered)
    assert gathered == [
        {'id': seeded['Wiki']['id'], 'name': 'Wiki', 'description': 'Team wiki', 'online': True,
         'icon_url': 'https://icons.example.com/wiki.png', 'i18n_name': {'zh_cn': '维基', 'en_us': 'Wiki'},
         'i18n_description': {'en_us': 'The team wiki'},
         'connector_param': {'callback_endpoint': 'https://hooks.example.com/wiki', 'callback_user_id_type': 'open_id'},
         'connect_type': 'callback', 'template': 'search_common_card', 'schema_id': 'wiki_schema',
         'searchable_fields': ['title', 'body'], 'data_source_app_id': 'cli_wiki', 'enable_answer': True},
        {'id': seeded['Tickets']['id'], 'name': 'Tickets', 'description': 'Helpdesk', 'online': False,
         'template': 'search_common_card'}]
    assert 'results' not in result and 'before' not in result


def test_gathered_refuses_a_config(sandbox, run_playbook):
    result = run_failing(run_playbook, config([{'name': 'Wiki'}], 'gathered'))
    assert 'config is not used with state=gathered' in result['msg']
    assert sandbox.requests('feishu') == []


@pytest.mark.parametrize('state', ['merged', 'overridden'])
def test_gathered_passed_back_as_config_changes_nothing_and_writes_nothing(sandbox, run_playbook, state):
    seed(sandbox, ('Wiki', dict((k, v) for k, v in RICH.items() if k != 'name')),
         ('Tickets', {'description': 'Helpdesk', 'state': 1, 'i18n_name': {'ja_jp': 'チケット'}}),
         ('Bare', {}))
    gathered = run_ok(run_playbook, {'ds_state': 'gathered'})['gathered']
    sandbox.clear_log()
    result = run_ok(run_playbook, config(gathered, state), diff=True)
    assert result['changed'] is False
    assert [(r['name'], r['action'], r['changes']) for r in result['results']] == [
        ('Wiki', 'unchanged', {}), ('Tickets', 'unchanged', {}), ('Bare', 'unchanged', {})]
    assert result['before'] == result['after'] == gathered
    assert diff_of(result)['before'] == diff_of(result)['after']
    assert_reads_only(sandbox)


# ----- the whole list is validated before any write ---------------------------------------------------------

# third items that cannot be applied; the first two (an update and a create) would write
# Ansible's own argument-spec messages name the list ("found in 'config'", "config.state"), never the item's position.
ANSIBLE_REJECTS = {
    'bad choice': ({'name': 'Gamma', 'connect_type': 'webhook'},
                   "value of connect_type must be one of: default, callback, got: webhook found in config"),
    'bad type': ({'name': 'Gamma', 'online': 'perhaps'}, "argument 'online' is of type str found in 'config'"),
    'unknown option': ({'name': 'Gamma', 'state': 'absent'}, 'Unsupported parameters for '
                       '(dsops.cloud.feishu_search_data_sources) module: config.state.'),
}
OUR_REJECTS = {
    'no id and no name': ({'description': 'Orphan'}, 'config[2]: give id or name'),
    'malformed id': ({'id': 'abc', 'description': 'x'}, "config[2] ('abc'): id must be a Feishu data source id"),
    'unknown id': ({'id': UNKNOWN_ID, 'description': 'x'},
                   "config[2] ('%s'): Feishu data source id %s does not exist" % (UNKNOWN_ID, UNKNOWN_ID)),
    'create-only conflict': ({'name': 'Fixed', 'schema_id': 'other_schema'},
                             "config[2] ('Fixed'): Cannot change create-only field(s) of Feishu data source 'Fixed'"),
    'two items for one data source': ({'id': '<alpha>', 'online': True},
                                      "config[2] ('<alpha>'): config[0] ('Alpha') also manages 'Alpha' (id <alpha>)"),
    'one name, two data sources': ({'name': 'Twin', 'online': True},
                                   "config[2] ('Twin'): 2 Feishu data sources are named 'Twin'"),
    'empty name': ({'name': '  '}, "config[2] ('  '): name must not be empty"),
}


def seed_for_validation(sandbox):
    return seed(sandbox, ('Alpha', {'description': 'First'}), ('Fixed', {'schema_id': 'fixed_schema'}),
                ('Twin', {'description': 'one'}), ('Twin', {'description': 'two'}))


def first_two():
    return [{'name': 'Alpha', 'description': 'Would change'}, {'name': 'Gamma', 'online': True}]


@pytest.mark.parametrize('case', sorted(ANSIBLE_REJECTS))
def test_an_item_ansible_rejects_stops_the_task_before_any_request(sandbox, run_playbook, case):
    seed_for_validation(sandbox)
    item, words = ANSIBLE_REJECTS[case]
    result = run_failing(run_playbook, config(first_two() + [item]))
    assert words in result['msg'] and 'config[' not in result['msg'], result['msg']
    assert sandbox.requests('feishu') == []


@pytest.mark.parametrize('case', sorted(OUR_REJECTS))
def test_an_invalid_third_item_is_named_and_nothing_is_written(sandbox, run_playbook, case):
    seeded = seed_for_validation(sandbox)
    item, words = OUR_REJECTS[case]
    alpha = seeded['Alpha']['id']
    item = dict((k, v.replace('<alpha>', alpha) if isinstance(v, str) else v) for k, v in item.items())
    words = words.replace('<alpha>', alpha)
    result = run_failing(run_playbook, config(first_two() + [item], 'overridden'))
    assert result['msg'].startswith('1 problem(s) in config (3 item(s)); nothing was written:\n  - '), result['msg']
    assert words in result['msg'], result['msg']
    assert len(result['problems']) == 1 and result['problems'][0].startswith(words)
    assert result.get('changed') is False and 'results' not in result
    assert sandbox.writes('feishu') == []
    assert len(sources(sandbox)) == 4


def test_every_problem_of_the_list_is_reported_together(sandbox, run_playbook):
    seed_for_validation(sandbox)
    items = [{'name': 'Twin'}, {'name': 'Alpha', 'description': 'Would change'}, {'id': UNKNOWN_ID},
             {'name': 'Alpha', 'online': True}]
    result = run_failing(run_playbook, config(items))
    assert result['msg'].startswith('3 problem(s) in config (4 item(s)); nothing was written:')
    assert [p.split(':')[0] for p in result['problems']] == [
        "config[0] ('Twin')", "config[2] ('%s')" % UNKNOWN_ID, "config[3] ('Alpha')"]
    assert sandbox.writes('feishu') == []


# ----- a failure part-way ----------------------------------------------------------------------------------

def part_way_seed(sandbox):
    return seed(sandbox, ('Alpha', {'description': 'First'}), ('Beta', {'description': 'Second'}),
                ('Stale', {'description': 'Unlisted'}))


PART_WAY_ITEMS = [{'name': 'Alpha', 'description': 'First, revised'}, {'name': 'Beta', 'description': 'Second, revised'},
                  {'name': 'Gamma', 'description': 'New'}]


def assert_stopped_at_beta(result, sandbox, seeded):
    """Alpha written, Beta failed, Gamma and the unlisted delete skipped; nothing after the failure."""
    assert result['changed'] is True
    assert result['msg'].startswith("config[1] ('Beta') failed, so the run stopped there: ")
    assert actions(result) == [('Alpha', 'updated', 0), ('Beta', 'failed', 1), ('Gamma', 'skipped', 2),
                               ('Stale', 'skipped', None)]
    assert result['results'][1]['error'] in result['msg']
    assert 'error' not in result['results'][0] and 'error' not in result['results'][2]
    assert [w['op'] for w in sandbox.writes('feishu') if w['path'] != item_path(seeded['Beta']['id'])] == \
        ['feishu.patch']  # Alpha's; no create, and never a delete
    now = by_name(sandbox)
    assert (now['Alpha']['description'], now['Beta']['description']) == ('First, revised', 'Second')
    assert sorted(now) == ['Alpha', 'Beta', 'Stale']


def assert_rerun_converges(sandbox, run_playbook, seeded):
    sandbox.clear_faults()
    sandbox.clear_log()
    rerun = run_ok(run_playbook, config(PART_WAY_ITEMS, 'overridden', feishu_retries=1))
    assert actions(rerun) == [('Alpha', 'unchanged', 0), ('Beta', 'updated', 1), ('Gamma', 'created', 2),
                              ('Stale', 'deleted', None)]
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list', 'feishu.patch', 'feishu.create',
                                               'feishu.delete']
    assert sorted(by_name(sandbox)) == ['Alpha', 'Beta', 'Gamma']
    sandbox.clear_log()
    assert run_ok(run_playbook, config(PART_WAY_ITEMS, 'overridden'))['changed'] is False
    assert_reads_only(sandbox)


def test_a_business_error_on_the_second_write_stops_the_run_and_a_rerun_converges(sandbox, run_playbook):
    seeded = part_way_seed(sandbox)
    sandbox.inject('feishu_code', platform='feishu', path=seeded['Beta']['id'], code=1272001, count=5)
    result = run_failing(run_playbook, config(PART_WAY_ITEMS, 'overridden', feishu_retries=1))
    assert_stopped_at_beta(result, sandbox, seeded)
    assert '1272001' in result['msg'] and 'no permission on this data source' in result['msg']
    # refused outright (not ambiguous): sent once, and the run names what it had written
    assert ops(sandbox.requests('feishu')) == ['feishu.token', 'feishu.list', 'feishu.patch', 'feishu.patch']
    assert result['written'] == {'items': ["config[0] ('Alpha')"]}
    assert_rerun_converges(sandbox, run_playbook, seeded)


def test_a_persistent_500_on_the_second_write_stops_the_run_and_a_rerun_converges(sandbox, run_playbook):
    seeded = part_way_seed(sandbox)
    sandbox.inject('http_error', platform='feishu', op='feishu.patch', path=seeded['Beta']['id'], status=500,
                   count=20)
    result = run_failing(run_playbook, config(PART_WAY_ITEMS, 'overridden', feishu_retries=1))
    assert_stopped_at_beta(result, sandbox, seeded)
    assert 'HTTP 500' in result['msg']
    beta = [e for e in sandbox.requests('feishu') if e['path'] == item_path(seeded['Beta']['id'])]
    # a PATCH is sent again only after a look shows it did not apply
    assert ops(beta) == ['feishu.patch', 'feishu.get', 'feishu.patch']
    assert result['written']  # the failed PATCH may have applied: see the test below for what it names
    assert_rerun_converges(sandbox, run_playbook, seeded)


def test_an_ambiguous_failure_part_way_still_names_the_earlier_writes_in_written(sandbox, run_playbook):
    seeded = part_way_seed(sandbox)
    sandbox.inject('http_error', platform='feishu', op='feishu.patch', path=seeded['Beta']['id'], status=500,
                   count=20)
    result = run_failing(run_playbook, config(PART_WAY_ITEMS, 'overridden', feishu_retries=0))
    assert actions(result)[:2] == [('Alpha', 'updated', 0), ('Beta', 'failed', 1)]
    assert result['written'] == {'items': ["config[0] ('Alpha')"], 'outcome': 'unknown'}, result['written']


# ----- check mode ------------------------------------------------------------------------------------------

def test_check_mode_reads_only_and_predicts_what_the_real_run_does(sandbox, run_playbook):
    seeded = seed(sandbox, ('Alpha', {'description': 'First', 'state': 1}), ('Stale', {}),
                  ('Beta', {'description': 'Second'}))
    items = [{'name': 'Alpha', 'online': True, 'i18n_name': {'en_us': 'Alpha'}}, {'name': 'Gamma', 'online': True},
             {'name': 'Beta', 'description': 'Second'}]
    predicted = run_ok(run_playbook, config(items, 'overridden'), check=True, diff=True)
    assert_reads_only(sandbox)
    assert [(s['name'], s['description'] if 'description' in s else None) for s in sources(sandbox)] == [
        ('Alpha', 'First'), ('Stale', None), ('Beta', 'Second')]

    assert predicted['changed'] is True
    assert actions(predicted) == [('Alpha', 'updated', 0), ('Gamma', 'created', 1), ('Beta', 'unchanged', 2),
                                  ('Stale', 'deleted', None)]
    assert predicted['results'][0]['changes'] == {'online': {'before': False, 'after': True},
                                                  'i18n_name': {'before': None, 'after': {'en_us': 'Alpha'}}}
    assert predicted['results'][1]['id'] is None  # not created: no id yet
    assert [i['name'] for i in predicted['after']] == ['Alpha', 'Beta', 'Gamma']
    assert diff_of(predicted) == {'before': predicted['before'], 'after': predicted['after']}
    assert [d.get('id') for d in predicted['data_sources']] == [seeded['Alpha']['id'], seeded['Beta']['id'], None]

    sandbox.clear_log()
    done = run_ok(run_playbook, config(items, 'overridden'), diff=True)
    gamma = by_name(sandbox)['Gamma']['id']
    # the real run does what check mode said, the new id aside
    assert [dict(r, id=None) for r in done['results']] == [dict(r, id=None) for r in predicted['results']]
    assert [dict(i, id=None) for i in done['after']] == [dict(i, id=None) for i in predicted['after']]
    assert done['after'][2]['id'] == gamma and diff_of(done)['before'] == diff_of(predicted)['before']


def test_check_mode_on_a_converged_set_predicts_no_change(sandbox, run_playbook):
    seed(sandbox, ('Alpha', {'description': 'First'}))
    result = run_ok(run_playbook, config([{'name': 'Alpha', 'description': 'First'}], 'overridden'), check=True)
    assert result['changed'] is False and actions(result) == [('Alpha', 'unchanged', 0)]
    assert_reads_only(sandbox)


# ----- requests: one token, every listing page, one request per write ----------------------------------------

def test_a_large_set_is_one_token_every_page_and_one_request_per_write_never_a_get(sandbox, run_playbook):
    count = 120
    seeded = sandbox.seed_feishu([{'name': 'Source %03d' % n, 'description': 'Number %d' % n, 'state': n % 2}
                                  for n in range(count)])
    sandbox.clear_log()
    items = [{'name': 'Source %03d' % n, 'description': 'Number %d' % n, 'online': n % 2 == 0} for n in range(count)]
    items[7]['description'] = 'Seven, changed'
    items[99]['online'] = not items[99]['online']
    items.append({'name': 'Source new', 'online': True})
    result = run_ok(run_playbook, config(items, 'overridden'))

    log = sandbox.requests('feishu')
    pages = (count + 49) // 50
    assert ops(log) == ['feishu.token'] + ['feishu.list'] * pages + ['feishu.patch', 'feishu.patch', 'feishu.create']
    listing = [e for e in log if e['op'] == 'feishu.list']
    assert [e['query'].get('page_size') for e in listing] == [['50']] * pages
    assert 'page_token' not in listing[0]['query'] and all(e['query']['page_token'] for e in listing[1:])
    assert [w[1] for w in writes(sandbox)] == [item_path(seeded[7]['id']), item_path(seeded[99]['id']), COLLECTION]
    counts = {}
    for entry in result['results']:
        counts[entry['action']] = counts.get(entry['action'], 0) + 1
    assert counts == {'unchanged': count - 2, 'updated': 2, 'created': 1}
    assert len(result['before']) == count and len(result['after']) == count + 1

    sandbox.clear_log()
    again = run_ok(run_playbook, config(items, 'overridden'))
    assert again['changed'] is False
    assert_reads_only(sandbox, pages=(count + 1 + 49) // 50)
