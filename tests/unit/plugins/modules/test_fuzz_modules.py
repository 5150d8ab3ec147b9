# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based fuzzing of the modules' argument handling, end to end in-process.

Each case runs a module's ``main()`` with arguments drawn by hypothesis: valid values mixed with hostile
ones (wrong types, huge strings, unicode, control characters, template and path tricks, empty dicts,
unknown keys, ids as numbers, missing or contradictory credentials), in check mode or not, with diff or
not.  HTTP goes to the in-memory fakes of the unit tests (only ``requests.Session`` is replaced).

Every case must end in ``exit_json`` or ``fail_json`` (a JSON result and SystemExit), never another
exception, and:

* a failure carries a message and no traceback; a failure that is not the API's answer (bad options,
  create-only conflicts) happened before any write, and no failure leaves a write behind;
* check mode never writes, info modules never write;
* no credential or token appears in the output;
* a successful run repeated with the same arguments changes nothing and writes nothing (idempotency);
* a list module that fails without ``results`` wrote nothing; one that fails part-way says ``changed``
  exactly when an earlier item was written.

The examples are derandomised (the same cases on every run) so that CI cannot flake; set
DSOPS_FUZZ_RANDOM=1 to explore new ones and DSOPS_FUZZ_EXAMPLES=N to run more.  The end of the pytest
run prints how many cases ran.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import io
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dsops.cloud.plugins.module_utils.core import transport
from ansible_collections.dsops.cloud.plugins.modules import (
    dws_ext_data_source, dws_ext_data_source_info, dws_ext_data_sources, feishu_search_data_source,
    feishu_search_data_source_info, feishu_search_data_sources, feishu_search_schema, feishu_search_schema_info)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.dws_fake_api import (
    AK, CLUSTER, MRS_CLUSTER, PROJECT, SK, FakeDws)
from ansible_collections.dsops.cloud.tests.unit.plugins.module_utils.test_feishu_fake_api import (
    APP_ID, APP_SECRET, FakeFeishu)

try:
    from unittest import mock
except ImportError:  # pragma: no cover
    import mock

__metaclass__ = type

# This module is also a pytest plugin, for the count printed at the end of the run.
pytest_plugins = [__name__]

FUZZ_STATS = {}
FEISHU_ID = '7300000000000000001'
FEISHU_OTHER_ID = '7300000000000000002'
DWS_OBS_ID = '66666666-7777-8888-9999-000000000000'
DWS_MRS_ID = '66666666-7777-8888-9999-000000000001'
MRS_PASSWORD = 'Fuzz_Mrs_Password_1'
MODULE_ENV = ('FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_TENANT_ACCESS_TOKEN', 'FEISHU_BASE_URL',
              'HW_ACCESS_KEY', 'HUAWEICLOUD_SDK_AK', 'HW_SECRET_KEY', 'HUAWEICLOUD_SDK_SK', 'HW_SECURITY_TOKEN',
              'HW_AUTH_TOKEN', 'HW_PROJECT_ID', 'HW_REGION_NAME', 'HW_DWS_ENDPOINT', 'HUAWEICLOUD_SDK_IAM_ENDPOINT')
DWS_ENV = {'HW_ACCESS_KEY': AK, 'HW_SECRET_KEY': SK, 'HW_PROJECT_ID': PROJECT,
           'HW_DWS_ENDPOINT': 'https://dws.example.test'}

FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get('DSOPS_FUZZ_EXAMPLES', '300')), deadline=None, database=None,
    derandomize=not os.environ.get('DSOPS_FUZZ_RANDOM'), print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


def pytest_terminal_summary(terminalreporter):
    if FUZZ_STATS:
        total = sum(stats['cases'] for stats in FUZZ_STATS.values())
        terminalreporter.write_line('fuzzing: %d module runs from hypothesis cases, no exception, no write on invalid '
                                    'input (%s)' % (total, '; '.join(
                                        '%s: %d cases (%d all valid, %d with one hostile value, %d hostile), %d ok, '
                                        '%d clean failures, %d idempotent re-runs'
                                        % (name, s['cases'], s.get('valid', 0), s.get('one hostile', 0),
                                           s.get('hostile', 0), s['ok'], s['failed'], s['reruns'])
                                        for name, s in sorted(FUZZ_STATS.items()))))


# ----- hostile values -------------------------------------------------------------------------------------

CONTROL_CHARACTERS = ''.join(chr(code) for code in range(32)) + '\x7f\x85\u2028\u2029\u200b\u202e\ufeff'
TRICKY_STRINGS = ['', ' ', '\t\n', '\x00', 'null', 'None', 'true', '0', '-1', '1e400', '{{ 7 * 7 }}', '{% raw %}',
                  "'; DROP TABLE data_sources; --", '../../../etc/passwd', '%s%s%n', '\\', '"', 'é' * 64,
                  '工单' * 40, '\U0001f600', 'a' * 100000, 'http://', 'https://user:pass@host/x', 'Bearer x',
                  'inf', '-Infinity', 'NaN', '1e99999999', '{"zh_cn": 1}', 'zh_cn=x']

hostile_text = st.one_of(
    st.sampled_from(TRICKY_STRINGS),
    st.text(max_size=40),
    st.text(alphabet=CONTROL_CHARACTERS, min_size=1, max_size=8),
    st.builds(lambda unit, times: unit * times, st.text(min_size=1, max_size=3), st.integers(100, 3000)),
)
hostile_value = st.one_of(
    hostile_text,
    st.none(),
    st.booleans(),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just({}), st.just([]),
    st.lists(hostile_text, max_size=3),
    st.dictionaries(st.text(max_size=8), hostile_text, max_size=3),
)
unknown_options = st.one_of(
    st.just({}), st.just({}), st.just({}),
    st.dictionaries(st.sampled_from(['colour', 'data', 'State', 'ID', 'name ', 'app-secret', '工单']),
                    hostile_value, min_size=1, max_size=2),
)


def small_text(max_size=20):
    return st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2fff), min_size=1, max_size=max_size)


def i18n():
    return st.fixed_dictionaries({}, optional=dict((locale, small_text()) for locale in ('zh_cn', 'en_us', 'ja_jp')))


# Valid values per option (valid for the argument spec; the module may still refuse them, e.g. an unknown id).
FEISHU_CONNECTION = {'app_id': st.just(APP_ID), 'app_secret': st.just(APP_SECRET), 'base_url': st.just('http://fake')}
FEISHU_CONNECTION_OPTIONAL = {
    'validate_certs': st.booleans(),
    'timeout': st.integers(min_value=1, max_value=60),
    'retries': st.integers(min_value=0, max_value=3),
}
FEISHU_OPTIONS = {
    'state': st.sampled_from(['present', 'absent']),
    'id': st.one_of(st.sampled_from([FEISHU_ID, FEISHU_OTHER_ID, '7999999999999999999']),
                    st.integers(min_value=0, max_value=10 ** 20)),  # an id as a number
    'name': st.one_of(st.sampled_from(['Tickets', 'Wiki', 'Dup']), small_text()),
    'online': st.booleans(),
    'description': small_text(60),
    'icon_url': st.sampled_from(['https://example.com/i.png', 'https://u:p@example.com/i.png']),
    'i18n_name': i18n(),
    'i18n_description': i18n(),
    'enable_answer': st.booleans(),
    'connector_param': st.fixed_dictionaries({}, optional={
        'callback_endpoint': st.sampled_from(['https://cb.example.com/feishu', 'ftp://x', '']),
        'callback_user_id_type': st.sampled_from(['user_id', 'open_id', 'union_id'])}),
    'template': st.sampled_from(['search_common_card', 'other_card']),
    'schema_id': st.sampled_from(['ticket_schema', 'other_schema']),
    'searchable_fields': st.lists(small_text(), max_size=3),
    'connect_type': st.sampled_from(['default', 'callback']),
    'data_source_app_id': small_text(),
}
FEISHU_INFO_OPTIONS = {'id': FEISHU_OPTIONS['id'], 'name': FEISHU_OPTIONS['name']}
# Options given only as hostile values (a valid token would need a real one).
FEISHU_HOSTILE_ONLY = ('tenant_access_token',)

DWS_CONNECTION_OPTIONAL = {
    'project_id': st.just(PROJECT),
    'region': st.sampled_from(['cn-north-4', 'eu-west-101']),
    'endpoint': st.sampled_from(['https://dws.example.test'] * 3 + ['dws.example.test']),
    'iam_endpoint': st.sampled_from(['https://iam.example.test', '', 'iam.example.test']),
    'validate_certs': st.booleans(),
    'timeout': st.integers(min_value=1, max_value=60),
    'retries': st.integers(min_value=0, max_value=3),
}
DWS_HOSTILE_ONLY = ('access_key', 'secret_key', 'security_token', 'auth_token')
DWS_COMMON = {
    'state': st.sampled_from(['present', 'absent']),
    'name': st.one_of(st.sampled_from(['obs_src1', 'mrs_src1', 'new_src']),
                      st.text(alphabet='abcXYZ019_', min_size=1, max_size=70)),
    'id': st.one_of(st.sampled_from([DWS_OBS_ID, DWS_MRS_ID, DWS_OBS_ID.upper(), '00000000-0000-0000-0000-000000000000']),
                    st.integers(min_value=0, max_value=10 ** 12)),
    'description': st.one_of(st.sampled_from(['demo', 'Raw event files', 'x' * 257, "a'b"]), small_text()),
    'reboot': st.booleans(),
    'recreate': st.booleans(),
    'update_password': st.sampled_from(['on_create', 'always', 'sometimes']),
    'wait': st.booleans(),
    'wait_timeout': st.integers(min_value=0, max_value=10 ** 6),
}
DWS_OBS = {'type': st.just('OBS'), 'agency': st.sampled_from(['DWSAccessOBS', 'DWSAccessOBS2', 'ab']),
           'connect_info': st.sampled_from(['gaussdb', 'analytics'])}
DWS_MRS = {'type': st.just('MRS'), 'mrs_cluster_id': st.just(MRS_CLUSTER),
           'user_name': st.sampled_from(['mrs_user', 'mrs_reader']), 'user_password': st.just(MRS_PASSWORD)}
DWS_OPTIONS = dict(DWS_COMMON, **DWS_OBS)
DWS_OPTIONS.update(DWS_MRS)
DWS_INFO_OPTIONS = {'name': DWS_COMMON['name'], 'id': DWS_COMMON['id'], 'type': st.sampled_from(['OBS', 'MRS'])}
DWS_REQUIRED = {'cluster_id': st.sampled_from([CLUSTER, CLUSTER.upper()])}

MODES = ('valid', 'valid', 'one hostile', 'one hostile', 'hostile')

LIST_STATES = st.sampled_from(['merged', 'merged', 'overridden', 'deleted', 'gathered'])


def list_item_of(valid):
    """``valid`` items, some with one hostile value (or an unknown key) mixed in."""
    def spoiled(item, key, value):
        item = dict(item)
        item[key] = value
        return item

    return st.one_of(valid, valid, st.builds(spoiled, valid, st.sampled_from(['name', 'type', 'sort_options',
                                                                              'type_definitions', 'colour']),
                                             hostile_value))


def list_item(options):
    """A config item: valid options, or valid ones with one hostile value (or unknown key) mixed in."""
    valid = st.fixed_dictionaries({}, optional=options)

    def spoiled(item, key, value):
        item = dict(item)
        item[key] = value
        return item

    return st.one_of(valid, valid, st.builds(spoiled, valid, st.sampled_from(sorted(options) + ['colour']),
                                             hostile_value))


def list_options(item_options):
    return {'config': st.lists(list_item(item_options), max_size=3), 'state': LIST_STATES,
            'allow_delete_all': st.booleans()}


FEISHU_LIST_OPTIONS = list_options(dict((k, v) for k, v in FEISHU_OPTIONS.items() if k != 'state'))
DWS_ITEM_OPTIONS = dict((k, v) for k, v in DWS_OPTIONS.items()
                        if k not in ('state', 'wait', 'wait_timeout', 'update_password'))
DWS_LIST_OPTIONS = dict(list_options(DWS_ITEM_OPTIONS), wait=DWS_COMMON['wait'],
                        wait_timeout=DWS_COMMON['wait_timeout'])

SCHEMA_ID = 'ticket_schema'
SCHEMA_PROPERTY = st.fixed_dictionaries(
    {'name': st.sampled_from(['title', 'priority', 'created', '_title', 'bad-name', 'x' * 21]),
     'type': st.sampled_from(['text', 'int', 'tag', 'timestamp', 'double', 'tinytext'])},
    optional={
        'is_searchable': st.booleans(), 'is_sortable': st.booleans(), 'is_returnable': st.booleans(),
        'is_filterable': st.booleans(),
        'sort_options': st.fixed_dictionaries({'priority': st.integers(-1, 5), 'order': st.sampled_from(['asc', 'desc'])}),
        'search_options': st.fixed_dictionaries({}, optional={'enable_semantic_match': st.booleans(),
                                                              'enable_exact_match': st.booleans()}),
        'filter_options': st.fixed_dictionaries({}, optional={'display_name': small_text(), 'filter_type': small_text()}),
        'type_definitions': st.fixed_dictionaries({}, optional={'tag': st.lists(st.fixed_dictionaries(
            {'name': st.sampled_from(['p0', 'p1']), 'color': st.sampled_from(['red', 'green']), 'text': small_text()}),
            max_size=2)}),
        'answer_option': st.fixed_dictionaries({}, optional={'is_searchable': st.booleans(),
                                                             'is_returnable': st.booleans()}),
        'desc': small_text(),
    })
# Properties valid on their own, so that many drawn schemas pass the local checks and reach the API.
VALID_PROPERTIES = [
    {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
     'search_options': {'enable_exact_match': True}, 'desc': 'Title'},
    {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
     'search_options': {'enable_exact_match': True}, 'desc': 'Another title', 'answer_option': {'is_searchable': True}},
    {'name': 'created', 'type': 'timestamp', 'is_sortable': True, 'is_returnable': True,
     'sort_options': {'priority': 0, 'order': 'desc'}},
    {'name': 'priority', 'type': 'tag', 'is_returnable': True, 'is_filterable': True,
     'type_definitions': {'tag': [{'name': 'p0', 'color': 'red', 'text': 'P0'}]}},
]
SCHEMA_OPTIONS = {
    'schema_id': st.one_of(st.just(SCHEMA_ID), st.sampled_from(['other_schema', '1bad', 'x' * 41])),
    'state': st.sampled_from(['present', 'present', 'absent']),
    'recreate': st.booleans(),
    'properties': st.one_of(
        st.lists(st.sampled_from(VALID_PROPERTIES), min_size=1, max_size=3, unique_by=lambda prop: prop['name']),
        st.lists(list_item_of(SCHEMA_PROPERTY), max_size=4)),
    'display': st.fixed_dictionaries({}, optional={
        'card_key': st.sampled_from(['search_common_card', '']),
        'fields_mapping': st.lists(st.fixed_dictionaries({
            'display_field': st.sampled_from(['summary', 'footer', 'tag1']),
            'data_field': st.sampled_from(['${title}', '${priority}', '${missing}', '${title'])}), max_size=2)}),
}
SCHEMA_INFO_OPTIONS = {
    'schema_id': st.one_of(st.just(SCHEMA_ID), st.lists(st.sampled_from([SCHEMA_ID, 'other', '1bad']), max_size=3)),
    'bound': st.booleans()}


@st.composite
def module_args(draw, variants, hostile_only=()):
    """(arguments, mode): valid arguments, the same with one hostile value, or hostile values throughout.

    ``variants`` are (required, optional) pairs of option strategies, one of which is drawn.
    """
    required, optional = draw(st.sampled_from(variants))
    args = draw(st.fixed_dictionaries(required, optional=optional))
    mode = draw(st.sampled_from(MODES))
    names = sorted(set(required) | set(optional) | set(hostile_only))
    if mode == 'one hostile':
        args[draw(st.sampled_from(names))] = draw(hostile_value)
    elif mode == 'hostile':
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=6, unique=True)):
            args[name] = draw(hostile_value)
    if mode != 'valid':
        args.update(draw(unknown_options))
    return args, mode


module_flags = st.fixed_dictionaries({'_ansible_check_mode': st.booleans(), '_ansible_diff': st.booleans()})


def variants(connection, connection_optional, options, keys=()):
    """One variant per key made required (the modules need a name or an id), plus one with none."""
    found = [(dict(connection, **dict((key, options[key]) for key in [required] if key in options)),
              dict(connection_optional, **dict((k, v) for k, v in options.items() if k != required)))
             for required in keys]
    return found + [(dict(connection), dict(connection_optional, **options))]


def feishu_args(options, keys=()):
    return st.tuples(module_args(variants(FEISHU_CONNECTION, FEISHU_CONNECTION_OPTIONAL, options, keys),
                                 FEISHU_HOSTILE_ONLY), module_flags)


def dws_args(option_sets, keys=()):
    found = []
    for options in option_sets:
        found += variants(DWS_REQUIRED, DWS_CONNECTION_OPTIONAL, options, keys)
    return st.tuples(module_args(found, DWS_HOSTILE_ONLY), module_flags)


# ----- running a module in-process --------------------------------------------------------------------------

class StatusRecorder:
    """Wraps a fake session: keeps each request's method, path and answer status."""

    def __init__(self, fake):
        self.fake = fake
        self.sent = []

    def request(self, method, url, **kwargs):
        entry = {'method': method, 'url': url, 'status': None}
        self.sent.append(entry)
        response = self.fake.request(method, url, **kwargs)
        entry['status'] = response.status_code
        return response

    def writes(self, successful=False):
        return [e for e in self.sent if e['method'] in ('POST', 'PUT', 'PATCH', 'DELETE')
                and '/auth/v3/' not in e['url'] and (not successful or 200 <= (e['status'] or 0) < 300)]


def run_main(module, args, env, session):
    """Run ``module.main()``; return (exit code, result, raw output).  Any other exception propagates."""
    out = io.StringIO()
    code = None
    environment = dict((k, v) for k, v in os.environ.items() if k not in MODULE_ENV)
    environment.update(env)
    with mock.patch.dict(os.environ, environment, clear=True), \
            mock.patch.object(transport.requests, 'Session', lambda: session), \
            mock.patch('time.sleep', lambda seconds: None), \
            patch_module_args(args), contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit as exit_info:
            code = exit_info.code
        else:
            raise AssertionError('main() returned without exit_json or fail_json')
    raw = out.getvalue()
    return code, json.loads(raw), raw


def replaced_by_id(args, result):
    """The task named an object by id and replaced it (recreate): running it again rightly finds no such id."""
    returned = [value for value in result.values() if isinstance(value, dict) and 'name' in value]
    return args.get('id') is not None and bool(returned) and str(returned[0].get('id', '')).lower() != str(
        args['id']).lower()


def check_case(name, module, drawn, env, session, secrets_of, writes_module=True):
    """Run one drawn case and check every property; returns the result."""
    (options, mode), flags = drawn
    args = dict(options)
    args.update(flags)
    stats = FUZZ_STATS.setdefault(name, {'cases': 0, 'ok': 0, 'failed': 0, 'reruns': 0})
    stats['cases'] += 1
    stats[mode] = stats.get(mode, 0) + 1
    code, result, raw = run_main(module, args, env, session)
    assert code in (0, 1), (code, result)
    for secret in secrets_of(session):
        assert secret not in raw, 'a secret in the output'
    if code == 1:
        stats['failed'] += 1
        assert result.get('failed') is True and isinstance(result.get('msg'), str) and result['msg'], result
        assert 'Traceback' not in result['msg'] and 'exception' not in result, result
        if 'results' in result:  # a list module stopped part-way: earlier items' writes stand
            written = [r for r in result['results'] if r['action'] not in ('unchanged', 'failed', 'skipped')]
            assert bool(result.get('changed')) == bool(written or result.get('written')), result
            return result
        assert session.writes(successful=True) == [], 'a failed run left a write behind: %s' % result['msg']
        if 'error' not in result:  # refused by the module itself: nothing may have been sent
            assert session.writes() == [], 'invalid input reached the API: %s' % result['msg']
        return result
    stats['ok'] += 1
    assert result.get('failed') is not True and isinstance(result.get('changed'), bool), result
    if flags['_ansible_check_mode'] or not writes_module:
        assert session.writes() == []
    if not writes_module:
        assert result['changed'] is False
    recreated = any(r.get('action') == 'recreated' for r in result.get('results', []))
    if writes_module and not flags['_ansible_check_mode'] and not replaced_by_id(args, result) and not recreated:
        stats['reruns'] += 1
        before = len(session.writes())
        again_code, again, dummy = run_main(module, args, env, session)
        assert again_code == 0 and again.get('changed') is False, again
        assert len(session.writes()) == before, 'the same task wrote again'
    return result


# ----- the four modules -------------------------------------------------------------------------------------

def feishu_session():
    return StatusRecorder(FakeFeishu([
        {'id': FEISHU_ID, 'name': 'Tickets', 'state': 1, 'description': 'Helpdesk', 'i18n_name': {'zh_cn': '工单'},
         'schema_id': 'ticket_schema'},
        {'id': FEISHU_OTHER_ID, 'name': 'Dup'}, {'name': 'Dup'},
    ]))


def feishu_secrets(session):
    """The app secret and every tenant token the fake issued (and 'Bearer <token>')."""
    return [APP_SECRET] + sorted(session.fake.tokens)


def dws_secrets(session):
    return [SK, MRS_PASSWORD]


def dws_session():
    return StatusRecorder(settling(FakeDws([
        {'id': DWS_OBS_ID, 'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS', 'connect_info': 'gaussdb',
         'description': 'demo'},
        {'id': DWS_MRS_ID, 'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user', 'data_source_id': MRS_CLUSTER},
    ])))


def settling(fake):
    """Jobs move on with every list call too, as real ones move on with time (nothing here sleeps)."""
    fake.settle_on_list = True
    return fake


@FUZZ_SETTINGS
@given(feishu_args(FEISHU_OPTIONS, keys=('name', 'name', 'id')))
def test_feishu_search_data_source_survives_hostile_arguments(drawn):
    check_case('feishu_search_data_source', feishu_search_data_source, drawn, {}, feishu_session(), feishu_secrets)


@FUZZ_SETTINGS
@given(feishu_args(FEISHU_INFO_OPTIONS))
def test_feishu_search_data_source_info_survives_hostile_arguments(drawn):
    check_case('feishu_search_data_source_info', feishu_search_data_source_info, drawn, {}, feishu_session(),
               feishu_secrets, writes_module=False)


@FUZZ_SETTINGS
@given(dws_args([dict(DWS_COMMON, **DWS_OBS), dict(DWS_COMMON, **DWS_MRS), DWS_COMMON], keys=('name', 'name', 'id')))
def test_dws_ext_data_source_survives_hostile_arguments(drawn):
    check_case('dws_ext_data_source', dws_ext_data_source, drawn, DWS_ENV, dws_session(), dws_secrets)


@FUZZ_SETTINGS
@given(dws_args([DWS_INFO_OPTIONS]))
def test_dws_ext_data_source_info_survives_hostile_arguments(drawn):
    check_case('dws_ext_data_source_info', dws_ext_data_source_info, drawn, DWS_ENV, dws_session(), dws_secrets,
               writes_module=False)


@FUZZ_SETTINGS
@given(feishu_args(FEISHU_LIST_OPTIONS))
def test_feishu_search_data_sources_survives_hostile_arguments(drawn):
    check_case('feishu_search_data_sources', feishu_search_data_sources, drawn, {}, feishu_session(),
               feishu_secrets)


@FUZZ_SETTINGS
@given(dws_args([DWS_LIST_OPTIONS]))
def test_dws_ext_data_sources_survives_hostile_arguments(drawn):
    check_case('dws_ext_data_sources', dws_ext_data_sources, drawn, DWS_ENV, dws_session(), dws_secrets)


def schema_session():
    return StatusRecorder(FakeFeishu([{'id': FEISHU_ID, 'name': 'Tickets', 'schema_id': 'other_schema'}], schemas=[
        {'schema_id': SCHEMA_ID, 'properties': [
            {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
             'search_options': {'enable_exact_match': True}, 'desc': 'Title'}],
         'display': {'card_key': 'search_common_card', 'fields_mapping': [{'display_field': 'summary',
                                                                           'data_field': '${title}'}]}}]))


@FUZZ_SETTINGS
@given(feishu_args(SCHEMA_OPTIONS, keys=('schema_id',)))
def test_feishu_search_schema_survives_hostile_arguments(drawn):
    check_case('feishu_search_schema', feishu_search_schema, drawn, {}, schema_session(), feishu_secrets)


@FUZZ_SETTINGS
@given(feishu_args(SCHEMA_INFO_OPTIONS))
def test_feishu_search_schema_info_survives_hostile_arguments(drawn):
    check_case('feishu_search_schema_info', feishu_search_schema_info, drawn, {}, schema_session(), feishu_secrets,
               writes_module=False)


@pytest.mark.parametrize('option,value', [
    ('sort_options', {'priority': float('inf'), 'order': 'asc'}),
    ('sort_options', {'priority': '1e99999999', 'order': 'asc'}),
    ('type_definitions', {'user_ids': 3}), ('type_definitions', {'tag': 'not a list'}),
])
def test_values_ansible_core_mishandles_deep_inside_options_fail_cleanly(option, value):
    session = schema_session()
    prop = {'name': 'created', 'type': 'timestamp', 'is_sortable': True, option: value}
    args = {'app_id': APP_ID, 'app_secret': APP_SECRET, 'base_url': 'http://fake', 'schema_id': SCHEMA_ID,
            'properties': [prop]}
    code, result, raw = run_main(feishu_search_schema, args, {}, session)
    assert code == 1 and result['msg'].startswith('properties item 0: %s ' % option), result
    assert APP_SECRET not in raw and session.sent == []


@pytest.mark.parametrize('module,options', [(feishu_search_data_source, FEISHU_OPTIONS),
                                            (dws_ext_data_source, DWS_OPTIONS),
                                            (feishu_search_data_sources, FEISHU_LIST_OPTIONS),
                                            (dws_ext_data_sources, DWS_LIST_OPTIONS),
                                            (feishu_search_schema, SCHEMA_OPTIONS),
                                            (feishu_search_schema_info, SCHEMA_INFO_OPTIONS)])
def test_every_option_of_the_module_is_fuzzed(module, options):
    """A new option must be added to the strategies above, or it would escape the fuzzing."""
    covered = set(options) | set(FEISHU_CONNECTION) | set(FEISHU_CONNECTION_OPTIONAL) | set(FEISHU_HOSTILE_ONLY)
    covered |= set(DWS_CONNECTION_OPTIONAL) | set(DWS_HOSTILE_ONLY) | set(DWS_REQUIRED)
    assert sorted(set(module.argument_spec()) - covered) == []


@pytest.mark.parametrize('module,item_options', [
    (feishu_search_data_sources, FEISHU_LIST_OPTIONS), (dws_ext_data_sources, DWS_ITEM_OPTIONS)])
def test_every_config_option_of_the_list_module_is_fuzzed(module, item_options):
    item_spec = module.argument_spec()['config']['options']
    covered = set(item_options) if module is dws_ext_data_sources else set(FEISHU_OPTIONS)
    assert sorted(set(item_spec) - covered) == []


def test_a_secret_of_the_wrong_type_inside_config_fails_cleanly_without_showing_it():
    session = dws_session()
    args = {'cluster_id': CLUSTER, 'config': [{'name': 'mrs_src2', 'type': 'MRS', 'mrs_cluster_id': MRS_CLUSTER,
                                               'user_name': 'mrs_user', 'user_password': {'pw': MRS_PASSWORD}}]}
    code, result, raw = run_main(dws_ext_data_sources, args, DWS_ENV, session)
    assert code == 1 and result['msg'].startswith('config item 0: user_password must be a string'), result
    assert MRS_PASSWORD not in raw and session.sent == []


# ----- what the fuzzing found, kept as plain regression tests ------------------------------------------------

@pytest.mark.parametrize('option,value', [
    ('i18n_name', False), ('i18n_name', 0), ('i18n_name', ''), ('connector_param', 'not a dict'),
    ('timeout', float('inf')), ('retries', '-Infinity'), ('timeout', '1e99999999'),
])
def test_values_ansible_core_mishandles_fail_cleanly_without_secrets(option, value):
    """ansible-core 2.19 crashes, hangs, or drops the no_log masking on these; the modules refuse them first."""
    session = feishu_session()
    args = {'app_id': APP_ID, 'app_secret': APP_SECRET, 'base_url': 'http://fake', 'name': 'Tickets', option: value}
    code, result, raw = run_main(feishu_search_data_source, args, {}, session)
    assert code == 1 and result['msg'].startswith(option + ' must be'), result
    assert APP_SECRET not in raw and session.sent == []


def test_running_a_wait_false_task_again_does_not_repeat_its_write():
    """The first run leaves the data source UPDATING; the second waits for it instead of sending the PUT again."""
    session = dws_session()
    args = {'cluster_id': CLUSTER, 'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2', 'wait': False}
    code, first, dummy = run_main(dws_ext_data_source, args, DWS_ENV, session)
    assert code == 0 and first['changed'] is True and len(session.writes()) == 1
    code, again, dummy = run_main(dws_ext_data_source, args, DWS_ENV, session)
    assert code == 0 and again['changed'] is False and len(session.writes()) == 1
    deleting = dict(args, state='absent')
    run_main(dws_ext_data_source, deleting, DWS_ENV, session)
    code, gone, dummy = run_main(dws_ext_data_source, deleting, DWS_ENV, session)
    assert code == 0 and gone['changed'] is False and len(session.writes()) == 2  # being deleted counts as absent


def test_a_dict_given_as_json_text_is_checked_like_the_dict():
    session = schema_session()
    prop = {'name': 'created', 'type': 'timestamp', 'is_sortable': True,
            'sort_options': '{"priority": Infinity, "order": "asc"}'}
    args = {'app_id': APP_ID, 'app_secret': APP_SECRET, 'base_url': 'http://fake', 'schema_id': SCHEMA_ID,
            'properties': [prop]}
    code, result, raw = run_main(feishu_search_schema, args, {}, session)
    assert code == 1 and result['msg'].startswith('properties item 0: sort_options priority must be'), result
    assert session.sent == []


def test_url_credentials_stay_masked_when_a_mishandled_value_is_refused():
    session = feishu_session()
    args = {'app_id': APP_ID, 'app_secret': APP_SECRET, 'base_url': 'http://fake', 'config': [
        {'name': 'A', 'connector_param': {'callback_endpoint': 'https://bot:S3cretPw@cb.example.com/x'}},
        {'name': 'B', 'i18n_name': 5}]}
    code, result, raw = run_main(feishu_search_data_sources, args, {}, session)
    assert code == 1 and result['msg'].startswith('config item 1: i18n_name must be'), result
    assert 'S3cretPw' not in raw and APP_SECRET not in raw and session.sent == []
