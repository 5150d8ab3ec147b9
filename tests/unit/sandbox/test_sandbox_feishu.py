"""Feishu token and Search v2 data-source emulation."""

import time

import pytest

from sbx_api import FeishuApi, http_call


def code_of(result):
    body = result.json
    assert body['error']['log_id'] == result.headers['x-tt-logid']
    return result.status, body['code']


def test_token_is_reused_while_it_has_thirty_minutes_left(feishu):
    first = feishu.fetch_token()
    assert first.status == 200 and first.headers['x-tt-logid']
    body = first.json
    assert (body['code'], body['msg'], body['expire']) == (0, 'ok', 7200) and body['tenant_access_token'].startswith('t-')
    second = feishu.fetch_token().json
    assert second['tenant_access_token'] == body['tenant_access_token'] and second['expire'] < 7200


def test_new_token_when_less_than_thirty_minutes_left_and_old_stays_valid(sandbox, feishu):
    sandbox.settings(token_lifetime=1700)
    old = feishu.fetch_token().json['tenant_access_token']
    new = feishu.fetch_token().json['tenant_access_token']
    assert new != old
    assert feishu.call('GET', feishu.SOURCES_PATH, token=new).status == 200
    assert feishu.call('GET', feishu.SOURCES_PATH, token=old).status == 200


def test_token_expires_after_its_lifetime(sandbox, feishu):
    sandbox.settings(token_lifetime=1)
    token = feishu.refresh_token()
    assert feishu.fetch_token().json['expire'] == 1
    time.sleep(1.05)
    assert code_of(feishu.call('GET', feishu.SOURCES_PATH, token=token)) == (400, 99991663)


@pytest.mark.parametrize('app_id, app_secret', [('cli_sandbox00000001', 'wrong'), ('cli_unknown', 'sandbox-app-secret-0000000000000000')])
def test_bad_app_credentials(feishu, app_id, app_secret):
    result = feishu.fetch_token(app_id, app_secret)
    assert (result.status, result.json['code'], result.json['msg']) == (400, 10014, 'app secret invalid')


def test_malformed_token_request(feishu):
    result = http_call(feishu.base_url, 'POST', feishu.TOKEN_PATH, '{"app_id": 1}', {'Content-Type': 'application/json'})
    assert (result.status, result.json['code']) == (400, 10003)


@pytest.mark.parametrize('authorization, code', [
    (None, 99991661), ('t-abc', 99991661), ('Bearer ', 99991661), ('Bearer t-unknown', 99991663), ('bearer t-unknown', 99991661),
])
def test_data_source_calls_need_a_live_tenant_token(feishu, authorization, code):
    headers = {'Authorization': authorization} if authorization is not None else {}
    result = http_call(feishu.base_url, 'GET', feishu.SOURCES_PATH, headers=headers)
    assert code_of(result) == (400, code)
    if code == 99991663:
        assert result.json['msg'] == 'Invalid access token for authorization. Please make a request with token attached.'


def test_create_minimal_sets_defaults(feishu):
    result = feishu.create({'name': 'Tickets'})
    assert result.status == 200 and (result.json['code'], result.json['msg']) == (0, 'success')
    source = result.json['data']['data_source']
    assert isinstance(source['id'], str) and source['id'].isdigit() and int(source['id']) > 2 ** 53
    assert (source['name'], source['state'], source['template'], source['is_exceed_quota']) == ('Tickets', 1, 'search_common_card', False)
    assert source['create_time'].isdigit() and source['update_time'] == source['create_time']
    assert feishu.get(source['id']).json['data']['data_source'] == source


FULL = {
    'name': 'Tickets', 'state': 0, 'description': 'Helpdesk tickets', 'icon_url': 'https://example.com/icon.png',
    'template': 'search_common_card', 'searchable_fields': ['title'], 'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'},
    'i18n_description': {'en_us': 'Search helpdesk tickets'}, 'schema_id': 'ticket_schema', 'app_id': 'cli_a1306bed4738d01b',
    'connect_type': 1, 'connector_param': {'callback_user_id_type': 2, 'callback_endpoint': 'https://example.com/search'},
    'enable_answer': True,
}


def test_create_full_round_trips(feishu):
    source = feishu.create(FULL).json['data']['data_source']
    assert {key: source[key] for key in FULL} == FULL


INVALID_CREATES = [
    ('no name', {'state': 1}),
    ('empty name', {'name': ''}),
    ('unknown key', {'name': 'a', 'colour': 'red'}),
    ('read-only id', {'name': 'a', 'id': '1'}),
    ('state 2', {'name': 'a', 'state': 2}),
    ('state bool', {'name': 'a', 'state': True}),
    ('state string', {'name': 'a', 'state': '1'}),
    ('connect_type 2', {'name': 'a', 'connect_type': 2}),
    ('user id type 4', {'name': 'a', 'connector_param': {'callback_user_id_type': 4}}),
    ('endpoint not string', {'name': 'a', 'connector_param': {'callback_endpoint': 5}}),
    ('connector unknown key', {'name': 'a', 'connector_param': {'url': 'x'}}),
    ('i18n bad locale', {'name': 'a', 'i18n_name': {'fr_fr': 'x'}}),
    ('i18n non-string', {'name': 'a', 'i18n_name': {'en_us': 1}}),
    ('i18n not object', {'name': 'a', 'i18n_description': 'x'}),
    ('enable_answer string', {'name': 'a', 'enable_answer': 'true'}),
    ('searchable_fields string', {'name': 'a', 'searchable_fields': 'title'}),
    ('searchable_fields ints', {'name': 'a', 'searchable_fields': [1]}),
    ('null value', {'name': 'a', 'description': None}),
    ('not an object', ['a']),
]


@pytest.mark.parametrize('label, body', INVALID_CREATES, ids=[case[0] for case in INVALID_CREATES])
def test_invalid_create_is_1270002_without_effect(feishu, label, body):
    assert code_of(feishu.create(body)) == (400, 1270002)
    assert feishu.list().json['data']['items'] == []


@pytest.mark.parametrize('content_type, body', [
    ('application/json', '{not json'), ('application/x-www-form-urlencoded', '{"name": "a"}'), (None, '{"name": "a"}'),
])
def test_non_json_content_is_1270002(feishu, content_type, body):
    headers = {'Authorization': 'Bearer ' + feishu.refresh_token()}
    if content_type:
        headers['Content-Type'] = content_type
    assert code_of(http_call(feishu.base_url, 'POST', feishu.SOURCES_PATH, body, headers)) == (400, 1270002)


def test_names_are_not_unique(feishu):
    first = feishu.create({'name': 'Same'}).json['data']['data_source']['id']
    second = feishu.create({'name': 'Same'}).json['data']['data_source']['id']
    assert first != second


def test_get_and_delete_missing(feishu):
    assert code_of(feishu.get('7000000000000000001')) == (400, 1270004)
    assert code_of(feishu.delete('7000000000000000001')) == (400, 1270004)
    assert code_of(feishu.get('abc')) == (400, 1270002)


def test_delete(feishu):
    ds_id = feishu.create({'name': 'Gone'}).json['data']['data_source']['id']
    assert feishu.delete(ds_id).json == {'code': 0, 'msg': 'success', 'data': {}}
    assert code_of(feishu.get(ds_id)) == (400, 1270004)


def walk(feishu, **query):
    ids, pages, token = [], [], ''
    while True:
        if token:
            query['page_token'] = token
        data = feishu.list(**query).json['data']
        pages.append(len(data['items']))
        ids += [item['id'] for item in data['items']]
        if not data['has_more']:
            assert data['page_token'] == ''
            return ids, pages
        token = data['page_token']
        assert token


def test_pagination_walks_every_item_exactly_once(sandbox, feishu):
    seeded = sandbox.seed_feishu([{'name': 'ds_%02d' % index} for index in range(23)])
    ids, pages = walk(feishu, page_size=5)
    assert ids == [item['id'] for item in seeded]
    assert pages == [5, 5, 5, 5, 3]
    assert walk(feishu)[1] == [10, 10, 3]


def test_pagination_is_stable_when_items_change_mid_walk(sandbox, feishu):
    seeded = [item['id'] for item in sandbox.seed_feishu([{'name': 'ds_%d' % index} for index in range(6)])]
    first = feishu.list(page_size=3).json['data']
    feishu.delete(seeded[0])
    added = feishu.create({'name': 'late'}).json['data']['data_source']['id']
    rest = feishu.list(page_size=3, page_token=first['page_token']).json['data']
    assert [item['id'] for item in first['items'] + rest['items']] == seeded[:6]
    assert rest['has_more']
    assert [item['id'] for item in feishu.list(page_size=3, page_token=rest['page_token']).json['data']['items']] == [added]


def test_basic_view_has_id_name_state_only(sandbox, feishu):
    sandbox.seed_feishu([FULL])
    assert set(feishu.list(view=1).json['data']['items'][0]) == {'id', 'name', 'state'}
    assert set(feishu.list(view=0).json['data']['items'][0]) >= set(FULL)


@pytest.mark.parametrize('query', [{'page_size': 51}, {'page_size': 0}, {'page_size': 'x'}, {'view': 2}, {'page_token': 'bogus'}])
def test_bad_list_parameters(feishu, query):
    assert code_of(feishu.list(**query)) == (400, 1270002)


def test_max_page_size_is_a_setting(sandbox, feishu):
    assert feishu.list(page_size=50).status == 200
    sandbox.settings(max_page_size=5)
    assert code_of(feishu.list(page_size=6)) == (400, 1270002)
    assert feishu.list(page_size=5).status == 200


@pytest.fixture(name='patchable')
def patchable_fixture(feishu):
    body = {'name': 'Tickets', 'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'},
            'connector_param': {'callback_user_id_type': 2, 'callback_endpoint': 'https://example.com/a'}}
    return feishu.create(body).json['data']['data_source']


def test_patch_with_no_change_is_1271003(feishu, patchable):
    assert code_of(feishu.patch(patchable['id'], {'name': 'Tickets', 'state': 1})) == (400, 1271003)
    assert code_of(feishu.patch(patchable['id'], {})) == (400, 1271003)
    same_nested = {'i18n_name': {'en_us': 'Tickets', 'zh_cn': '工单'}}
    assert code_of(feishu.patch(patchable['id'], same_nested)) == (400, 1271003)


@pytest.mark.parametrize('body', [{'template': 'other'}, {'schema_id': 'x'}, {'connect_type': 0}, {'app_id': 'cli_x'},
                                  {'searchable_fields': []}, {'id': '1'}, {'update_time': '1'}, {'state': 3}])
def test_patch_rejects_non_patchable_or_invalid_fields(feishu, patchable, body):
    assert code_of(feishu.patch(patchable['id'], body)) == (400, 1270002)
    assert feishu.get(patchable['id']).json['data']['data_source'] == patchable


def test_patch_replaces_nested_objects_whole(feishu, patchable):
    result = feishu.patch(patchable['id'], {'i18n_name': {'ja_jp': 'チケット'}, 'connector_param': {'callback_user_id_type': 3}})
    source = result.json['data']['data_source']
    assert source['i18n_name'] == {'ja_jp': 'チケット'}
    assert source['connector_param'] == {'callback_user_id_type': 3}
    assert int(source['update_time']) >= int(patchable['update_time'])
    assert feishu.get(patchable['id']).json['data']['data_source'] == source


def test_patch_changes_scalars(feishu, patchable):
    source = feishu.patch(patchable['id'], {'name': 'Renamed', 'state': 0, 'enable_answer': False}).json['data']['data_source']
    assert (source['name'], source['state'], source['enable_answer'], source['template']) == ('Renamed', 0, False, 'search_common_card')


def test_patch_missing_is_1270004(feishu):
    assert code_of(feishu.patch('7000000000000000001', {'name': 'x'})) == (400, 1270004)


def test_unknown_feishu_route_is_plain_404(feishu):
    result = feishu.call('GET', '/open-apis/search/v2/schemas')
    assert result.status == 404 and result.headers['x-tt-logid']


def test_every_response_has_a_log_id(feishu, creds):
    other = FeishuApi(feishu.base_url, creds)
    for result in (other.fetch_token(), other.list(), other.get('1'), other.fetch_token('x', 'y')):
        assert result.headers['x-tt-logid']
