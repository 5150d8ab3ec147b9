# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small in-memory Feishu Open Platform behind a fake ``requests`` session.

It replaces only the network: ``HttpTransport(session=FakeFeishu())`` sends real
request bytes to it and gets real status codes, headers and bodies back, so the
client, the adapter and the shared reconcile core all run unmodified.  It follows
the API reference (token at top level, ``data.data_source``, 1270004 for a missing
id, 1271003 for a PATCH that changes nothing, nested objects replaced on PATCH,
``has_more``/``page_token`` pagination with a maximum page size of 50), and the schema
endpoints of ``feishu-search-schema-api.md`` (get, create with ``validate_only``, patch of
``display`` and the properties' ``desc``/``answer_option`` only, delete; 1273004 with HTTP 400
for a missing schema; some of the 1274xxx validation failures).  Schemas are answered with
empty values left out, as the modules assume Feishu may do (UNCONFIRMED).

The tests at the bottom check the fake itself against those facts.
"""

from __future__ import absolute_import, division, print_function

import copy
import json
import re

from ansible.module_utils.six.moves.urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests

__metaclass__ = type

APP_ID = 'cli_unit_test_app'
APP_SECRET = 'unit-test-app-secret-value'
TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal'
COLLECTION = '/open-apis/search/v2/data_sources'
ITEM_RE = re.compile(r'^/open-apis/search/v2/data_sources/([^/]+)$')
SCHEMAS = '/open-apis/search/v2/schemas'
SCHEMA_RE = re.compile(r'^/open-apis/search/v2/schemas/([^/]+)$')
SCHEMA_PATCHABLE = ('display', 'properties')
SCHEMA_PROPERTY_PATCHABLE = ('name', 'desc', 'answer_option')
RESERVED = ('_title', '_create_time', '_update_time', '_item_id')
PATCHABLE = ('name', 'state', 'description', 'icon_url', 'i18n_name', 'i18n_description', 'connector_param',
             'enable_answer')
MAX_PAGE_SIZE = 50


class FakeResponse:
    """What requests returns, as far as the transport reads it (it streams the body)."""

    def iter_content(self, chunk_size=1):
        for start in range(0, len(self.content), chunk_size):
            yield self.content[start:start + chunk_size]

    def close(self):
        pass

    def __init__(self, status, payload=None, headers=None, raw=None):
        self.status_code = status
        self.headers = dict(headers or {})
        if raw is not None:
            self.content = raw
        else:
            self.content = json.dumps(payload, ensure_ascii=False).encode('utf-8')
            self.headers.setdefault('Content-Type', 'application/json; charset=utf-8')


class Sent:
    """One request as the fake received it."""

    def __init__(self, method, url, headers, data):
        parsed = urlparse(url)
        self.method = method
        self.path = parsed.path
        self.query = dict((k, v[0]) for k, v in parse_qs(parsed.query).items())
        self.headers = dict(headers or {})
        self.body = json.loads(data.decode('utf-8')) if data else None

    @property
    def write(self):
        return self.method in ('POST', 'PATCH', 'DELETE') and self.path != TOKEN_PATH

    def __repr__(self):
        return '%s %s %s' % (self.method, self.path, self.body or '')


class FakeFeishu:
    """Stateful fake ``requests.Session`` for the Feishu endpoints the modules use."""

    def __init__(self, data_sources=None, schemas=None):
        self.data_sources = {}
        self.schemas = {}
        self.log = []
        self.faults = []
        self.tokens = set()
        self.token_counter = 0
        self.id_counter = 7300000000000000000
        for item in data_sources or []:
            self.seed(item)
        for schema in schemas or []:
            self.seed_schema(schema)

    # ----- test controls -------------------------------------------------------------------

    def seed(self, item):
        obj = {'state': 1, 'template': 'search_common_card', 'create_time': '1700000000',
               'update_time': '1700000000', 'is_exceed_quota': False}
        obj.update(copy.deepcopy(item))
        obj.setdefault('id', self._new_id())
        self.data_sources[obj['id']] = obj
        return obj

    def seed_schema(self, schema):
        self.schemas[schema['schema_id']] = copy.deepcopy(schema)
        return schema

    def fail(self, method, path_pattern, response=None, exception=None, count=1, apply=False, effect=None):
        """The next ``count`` matching requests get ``response`` (or raise ``exception``).

        ``response`` may be a function of the request (a ``Sent``).
        ``apply=True`` carries the request out first (a server that acted, then failed to
        answer); ``effect`` is called instead, for a server that did something else.
        """
        self.faults.append({'method': method, 'path': re.compile(path_pattern), 'response': response,
                            'exception': exception, 'count': count, 'apply': apply, 'effect': effect})

    def expire_tokens(self):
        self.tokens.clear()

    def requests_to(self, method=None, path_prefix=COLLECTION):
        return [s for s in self.log if (method is None or s.method == method) and s.path.startswith(path_prefix)]

    @property
    def writes(self):
        return [s for s in self.log if s.write]

    @property
    def token_calls(self):
        return [s for s in self.log if s.path == TOKEN_PATH]

    # ----- the requests.Session surface ----------------------------------------------------

    def request(self, method, url, headers=None, data=None, timeout=None, verify=None, allow_redirects=None,
                **kwargs):
        sent = Sent(method, url, headers, data)
        self.log.append(sent)
        fault = self._claim_fault(sent)
        if fault is not None:
            if fault['apply']:
                self._handle(sent)
            if fault['effect'] is not None:
                fault['effect']()
            if fault['exception'] is not None:
                raise fault['exception']
            if callable(fault['response']):
                return fault['response'](sent)
            return fault['response']
        return self._handle(sent)

    def _claim_fault(self, sent):
        for fault in self.faults:
            if fault['method'] == sent.method and fault['path'].search(sent.path):
                fault['count'] -= 1
                if fault['count'] <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # ----- the emulated API ----------------------------------------------------------------

    def _handle(self, sent):
        if sent.path == TOKEN_PATH:
            return self._token(sent)
        auth = sent.headers.get('Authorization', '')
        if not auth.startswith('Bearer '):
            return error(400, 99991661, 'missing access token')
        if auth[len('Bearer '):] not in self.tokens:
            return error(400, 99991663, 'Invalid access token for authorization.')
        if sent.path == SCHEMAS or SCHEMA_RE.match(sent.path):
            return self._schema_call(sent)
        if sent.path == COLLECTION:
            return self._list(sent) if sent.method == 'GET' else self._create(sent)
        match = ITEM_RE.match(sent.path)
        obj = self.data_sources.get(match.group(1)) if match else None
        if obj is None:
            return error(400, 1270004, 'data source not found')
        if sent.method == 'GET':
            return ok({'data_source': copy.deepcopy(obj)})
        if sent.method == 'DELETE':
            del self.data_sources[obj['id']]
            return ok({})
        return self._patch(obj, sent)

    def _token(self, sent):
        body = sent.body or {}
        if body.get('app_id') != APP_ID or body.get('app_secret') != APP_SECRET:
            return FakeResponse(400, {'code': 10014, 'msg': 'app secret invalid'})
        self.token_counter += 1
        token = 't-unit-token-%04d' % self.token_counter
        self.tokens.add(token)
        return FakeResponse(200, {'code': 0, 'msg': 'ok', 'tenant_access_token': token, 'expire': 7200})

    def _new_id(self):
        self.id_counter += 1
        return str(self.id_counter)

    def _create(self, sent):
        obj = self.seed(sent.body)
        return ok({'data_source': copy.deepcopy(obj)})

    def _patch(self, obj, sent):
        unknown = sorted(set(sent.body) - set(PATCHABLE))
        if unknown:
            return error(400, 1270002, 'field(s) not allowed: %s' % ', '.join(unknown))
        updated = dict(obj)
        updated.update(copy.deepcopy(sent.body))  # nested objects replaced whole
        if updated == obj:
            return error(400, 1271003, 'no change')
        updated['update_time'] = '1700000300'
        self.data_sources[obj['id']] = updated
        return ok({'data_source': copy.deepcopy(updated)})

    def _list(self, sent):
        size = int(sent.query.get('page_size', '10'))
        if size > MAX_PAGE_SIZE:
            return error(400, 1270002, 'page_size too large')
        start = int(sent.query.get('page_token', 'p0')[1:])
        items = list(self.data_sources.values())
        page = items[start:start + size]
        more = start + size < len(items)
        if sent.query.get('view') == '1':
            page = [dict((k, o[k]) for k in ('id', 'name', 'state') if k in o) for o in page]
        return ok({'items': copy.deepcopy(page), 'has_more': more, 'page_token': 'p%d' % (start + size) if more else ''})

    # ----- schemas -----------------------------------------------------------------------------

    def _schema_call(self, sent):
        if sent.path == SCHEMAS:
            return self._create_schema(sent) if sent.method == 'POST' else error(404, 404, 'not found')
        schema = self.schemas.get(unquote(SCHEMA_RE.match(sent.path).group(1)))
        if schema is None:
            return error(400, 1273004, 'schema not exist')
        if sent.method == 'GET':
            return ok({'schema': omit_empty(schema)})
        if sent.method == 'DELETE':
            del self.schemas[schema['schema_id']]
            return ok({})
        return self._patch_schema(schema, sent)

    def _create_schema(self, sent):
        body = sent.body or {}
        refusal = schema_refusal(body)
        if refusal is not None:
            return refusal
        if body['schema_id'] in self.schemas:
            # UNCONFIRMED: the code Feishu gives for a schema_id in use (the sandbox's choice), validate_only too
            return error(400, 1270002, 'schema_id already exists')
        if sent.query.get('validate_only') == 'true':
            return ok({'schema': omit_empty(body)})
        self.seed_schema(body)
        return ok({'schema': omit_empty(body)})

    def _patch_schema(self, schema, sent):
        body = sent.body or {}
        unknown = sorted(set(body) - set(SCHEMA_PATCHABLE))
        unknown += sorted(set(key for prop in body.get('properties') or [] for key in prop)
                          - set(SCHEMA_PROPERTY_PATCHABLE))
        if unknown:
            return error(400, 1270002, 'field(s) not allowed: %s' % ', '.join(unknown))
        updated = copy.deepcopy(schema)
        if 'display' in body:
            updated['display'] = copy.deepcopy(body['display'])
        by_name = dict((prop['name'], prop) for prop in updated['properties'])
        for change in body.get('properties') or []:
            if change.get('name') not in by_name:
                return error(400, 1270002, 'property %s not found' % change.get('name'))
            by_name[change['name']].update(copy.deepcopy(change))
        self.schemas[schema['schema_id']] = updated
        return ok({'schema': omit_empty(updated)})


def schema_refusal(body):
    """Some of the platform's validation failures, with the codes of the reference; None if none applies."""
    if not re.match(r'^[a-zA-Z][a-zA-Z0-9-_]{0,39}\Z', body.get('schema_id') or ''):
        return error(400, 1274010, 'schema_id is illegal')
    properties = body.get('properties')
    if not properties:
        return error(400, 1270002, 'properties is required')
    names = [prop.get('name') for prop in properties]
    if len(set(names)) != len(names):
        return error(400, 1274002, 'duplicate property name')
    for prop in properties:
        if prop['name'].startswith('_') and prop['name'] not in RESERVED:
            return error(400, 1274001, 'property name %s is reserved' % prop['name'])
        if prop.get('is_searchable') and prop.get('is_sortable'):
            return error(400, 1274004, 'property %s: searchable and sortable' % prop['name'])
        if prop.get('is_searchable') and prop.get('type') not in ('text', 'tinytext'):
            return error(400, 1274005, 'property %s: type cannot be searchable' % prop['name'])
        if prop.get('type') == 'tag' and not (prop.get('type_definitions') or {}).get('tag'):
            return error(400, 1274006, 'property %s: tag type definition missing' % prop['name'])
        if prop.get('is_searchable') and not prop.get('is_returnable'):
            return error(400, 1274009, 'property %s: search behaviour conflict' % prop['name'])
    return None


def omit_empty(value):
    """``value`` as a server that leaves out empty fields answers it (false, 0, '', [], {} and null)."""
    if isinstance(value, dict):
        kept = dict((key, omit_empty(item)) for key, item in value.items())
        return dict((key, item) for key, item in kept.items() if item not in (None, False, 0, '', [], {}))
    if isinstance(value, list):
        return [omit_empty(item) for item in value]
    return value


def ok(data):
    return FakeResponse(200, {'code': 0, 'msg': 'success', 'data': data}, headers={'X-Tt-Logid': 'log-ok'})


def error(status, code, msg, headers=None, log_id='log-err-1'):
    all_headers = {'X-Tt-Logid': log_id}
    all_headers.update(headers or {})
    return FakeResponse(status, {'code': code, 'msg': msg, 'error': {'log_id': log_id}}, headers=all_headers)


def gateway_page(status=502):
    return FakeResponse(status, raw=b'<html><body><h1>502 Bad Gateway</h1></body></html>',
                        headers={'Content-Type': 'text/html'})


def read_timeout():
    return requests.exceptions.ReadTimeout('read timed out')


# ----- the fake checked against the reference ----------------------------------------------------

def _token(fake):
    resp = fake.request('POST', 'http://fake' + TOKEN_PATH,
                        data=json.dumps({'app_id': APP_ID, 'app_secret': APP_SECRET}).encode())
    return json.loads(resp.content)['tenant_access_token']


def _call(fake, method, path, body=None):
    headers = {'Authorization': 'Bearer %s' % _token(fake)}
    data = json.dumps(body).encode() if body is not None else None
    return json.loads(fake.request(method, 'http://fake' + path, headers=headers, data=data).content)


def test_fake_answers_1271003_when_a_patch_changes_nothing():
    fake = FakeFeishu([{'id': '1', 'name': 'A'}])
    assert _call(fake, 'PATCH', COLLECTION + '/1', {'name': 'A'})['code'] == 1271003


def test_fake_replaces_nested_objects_on_patch():
    fake = FakeFeishu([{'id': '1', 'name': 'A', 'i18n_name': {'zh_cn': 'x'}}])
    answer = _call(fake, 'PATCH', COLLECTION + '/1', {'i18n_name': {'en_us': 'y'}})
    assert answer['data']['data_source']['i18n_name'] == {'en_us': 'y'}


@pytest.mark.parametrize('method', ['GET', 'DELETE', 'PATCH'])
def test_fake_reports_a_missing_id_as_1270004(method):
    assert _call(FakeFeishu(), method, COLLECTION + '/42', {} if method == 'PATCH' else None)['code'] == 1270004


def test_fake_rejects_page_sizes_above_50():
    assert _call(FakeFeishu(), 'GET', COLLECTION + '?page_size=51')['code'] == 1270002


def test_fake_answers_1273004_with_http_400_for_a_missing_schema():
    fake = FakeFeishu()
    for method in ('GET', 'PATCH', 'DELETE'):
        resp = fake.request(method, 'http://fake' + SCHEMAS + '/nope',
                            headers={'Authorization': 'Bearer %s' % _token(fake)},
                            data=b'{}' if method == 'PATCH' else None)
        assert resp.status_code == 400 and json.loads(resp.content)['code'] == 1273004


SCHEMA = {'schema_id': 'ticket_schema', 'properties': [
    {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True,
     'search_options': {'enable_exact_match': True, 'enable_prefix_match': False}},
    {'name': 'created', 'type': 'timestamp', 'is_sortable': True, 'sort_options': {'priority': 0, 'order': 'desc'}}],
    'display': {'card_key': 'search_common_card', 'fields_mapping': []}}


def test_fake_creates_a_schema_and_answers_it_without_empty_values():
    fake = FakeFeishu()
    answer = _call(fake, 'POST', SCHEMAS, SCHEMA)
    assert answer['code'] == 0 and fake.schemas['ticket_schema'] == SCHEMA
    created = answer['data']['schema']
    assert created['properties'][0]['search_options'] == {'enable_exact_match': True}
    assert created['properties'][1]['sort_options'] == {'order': 'desc'}  # priority 0 left out
    assert created['display'] == {'card_key': 'search_common_card'}
    assert _call(fake, 'GET', SCHEMAS + '/ticket_schema')['data']['schema'] == created


def test_fake_validate_only_checks_and_creates_nothing():
    fake = FakeFeishu()
    assert _call(fake, 'POST', SCHEMAS + '?validate_only=true', SCHEMA)['code'] == 0
    assert fake.schemas == {}
    bad = copy.deepcopy(SCHEMA)
    bad['properties'][0]['is_sortable'] = True
    assert _call(fake, 'POST', SCHEMAS + '?validate_only=true', bad)['code'] == 1274004
    fake.seed_schema(SCHEMA)
    assert _call(fake, 'POST', SCHEMAS + '?validate_only=true', SCHEMA)['code'] == 1270002  # the id is in use


@pytest.mark.parametrize('change, code', [
    ({'schema_id': '1abc'}, 1274010),
    ({'properties': [{'name': '_secret', 'type': 'text'}]}, 1274001),
    ({'properties': [{'name': 'a', 'type': 'text'}, {'name': 'a', 'type': 'int'}]}, 1274002),
    ({'properties': [{'name': 'n', 'type': 'int', 'is_searchable': True, 'is_returnable': True}]}, 1274005),
    ({'properties': [{'name': 'p', 'type': 'tag'}]}, 1274006),
    ({'properties': [{'name': 't', 'type': 'text', 'is_searchable': True}]}, 1274009),
])
def test_fake_refuses_schemas_that_break_the_rules(change, code):
    body = dict(copy.deepcopy(SCHEMA), **change)
    assert _call(FakeFeishu(), 'POST', SCHEMAS, body)['code'] == code


def test_fake_patches_only_display_desc_and_answer_option():
    fake = FakeFeishu(schemas=[SCHEMA])
    assert _call(fake, 'PATCH', SCHEMAS + '/ticket_schema',
                 {'properties': [{'name': 'title', 'type': 'int'}]})['code'] == 1270002
    answer = _call(fake, 'PATCH', SCHEMAS + '/ticket_schema',
                   {'properties': [{'name': 'title', 'desc': 'Title'}], 'display': {'card_key': 'search_common_card'}})
    assert answer['code'] == 0
    assert fake.schemas['ticket_schema']['properties'][0]['desc'] == 'Title'
    assert fake.schemas['ticket_schema']['display'] == {'card_key': 'search_common_card'}
    assert _call(fake, 'DELETE', SCHEMAS + '/ticket_schema')['code'] == 0 and fake.schemas == {}
