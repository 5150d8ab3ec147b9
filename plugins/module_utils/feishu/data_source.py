# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Feishu Search v2 data sources: module options <-> API fields, input checks, the resource.

The resource plugs the Feishu client into the shared lifecycle (``core.lifecycle``).
Everything is expressed in the API's own field names; this file is the only place
that knows how an Ansible option maps to one.
"""

from __future__ import absolute_import, division, print_function

import copy
import re

from ansible_collections.dsops.cloud.plugins.module_utils.core import reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import (
    ApiError, ConflictError, DsopsError, InputError, after_write)
from ansible_collections.dsops.cloud.plugins.module_utils.core.reconcile import Field
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import Outcome, Resource
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import URL_USERINFO_RE
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import NO_CHANGE_CODE, NOT_FOUND_CODE

__metaclass__ = type

# API integer enums <-> the names the module offers.
ONLINE, OFFLINE = 0, 1
CONNECT_TYPES = {'default': 0, 'callback': 1}
CALLBACK_USER_ID_TYPES = {'user_id': 1, 'open_id': 2, 'union_id': 3}
I18N_LOCALES = ('zh_cn', 'en_us', 'ja_jp')

# Defaults Feishu applies to a create that leaves them out (reference, create page).
CREATE_DEFAULTS = {'state': OFFLINE, 'template': 'search_common_card'}

FIELDS = (
    Field('name'),
    Field('state'),
    # UNCONFIRMED whether Feishu leaves empty strings and false out of its answers (its Go
    # services usually do): a missing value reads as the empty one, so description "" or
    # enable_answer false on a data source that lacks the key is no change, and a PATCH
    # answered without the key still counts as written.
    Field('description', absent_means=''),
    Field('icon_url', absent_means=''),
    # Locales not mentioned keep their values: the merged whole object is sent, because
    # a PATCH may replace nested objects wholesale (the reference cannot say).
    Field('i18n_name', merge_dict=True),
    Field('i18n_description', merge_dict=True),
    Field('connector_param', merge_dict=True),
    Field('enable_answer', absent_means=False),
    # Absent from the PATCH body in every official SDK: settable only on create.
    Field('template', create_only=True),
    Field('schema_id', create_only=True),
    Field('searchable_fields', create_only=True),
    Field('app_id', create_only=True),
    Field('connect_type', create_only=True),
)

FIELD_BY_NAME = dict((field.name, field) for field in FIELDS)

# Module option -> API field, for the options that map one to one.
PLAIN_OPTIONS = (
    ('name', 'name'),
    ('description', 'description'),
    ('icon_url', 'icon_url'),
    ('enable_answer', 'enable_answer'),
    ('template', 'template'),
    ('schema_id', 'schema_id'),
    ('data_source_app_id', 'app_id'),
)
# Options whose API value reads back as the option's value, though they are not sent one to one
# (locales without their unset keys, searchable fields as a list).
SAME_NAME_OPTIONS = (('i18n_name', 'i18n_name'), ('i18n_description', 'i18n_description'),
                     ('searchable_fields', 'searchable_fields'))
# Which module option sets an API field, for messages.
OPTION_FOR_FIELD = dict((field, option) for option, field in PLAIN_OPTIONS + SAME_NAME_OPTIONS)
OPTION_FOR_FIELD.update({'state': 'online', 'connect_type': 'connect_type', 'connector_param': 'connector_param'})

ID_RE = re.compile(r'^[0-9]{1,32}\Z')  # \Z: '$' would accept a final line break
HTTP_URL_RE = re.compile(r'^https?://[^/\s]+', re.IGNORECASE)
MASK = '********'
URL_FIELDS = ('icon_url',)

ADOPT_HINT = ('Re-run the task later: it looks the data source up by name and adopts it, instead of creating '
              'another.')
CONFLICT_HINT = ('template, schema_id, searchable_fields, connect_type (0 = default, 1 = callback) and app_id (the '
                 'option data_source_app_id) can only be set when a data source is created. Keep the current values, '
                 'or delete the data source (state=absent) and create it again, which drops every item indexed in it.')


# ----- input ---------------------------------------------------------------------------------

def _i18n_spec():
    return dict(type='dict', options=dict((locale, dict(type='str')) for locale in I18N_LOCALES))


def resource_argument_spec():
    """The options of feishu_search_data_source that describe the data source (the role's items take these)."""
    return dict(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        id=dict(type='str', aliases=['data_source_id']),
        name=dict(type='str'),
        online=dict(type='bool'),
        description=dict(type='str'),
        icon_url=dict(type='str'),
        i18n_name=_i18n_spec(),
        i18n_description=_i18n_spec(),
        enable_answer=dict(type='bool'),
        connector_param=dict(type='dict', options=dict(
            callback_endpoint=dict(type='str'),
            callback_user_id_type=dict(type='str', choices=sorted(CALLBACK_USER_ID_TYPES, key=CALLBACK_USER_ID_TYPES.get)),
        )),
        template=dict(type='str'),
        schema_id=dict(type='str'),
        searchable_fields=dict(type='list', elements='str'),
        connect_type=dict(type='str', choices=sorted(CONNECT_TYPES, key=CONNECT_TYPES.get)),
        data_source_app_id=dict(type='str'),
    )


def validate_options(params):
    """Checks beyond the argument spec; raise InputError before any request is made."""
    data_source_id = params.get('id')
    if data_source_id is not None and not ID_RE.match(data_source_id):
        raise InputError('id must be a Feishu data source id, a string of digits such as "7300000000000000000"; '
                         'got %r. Quote it in YAML so it stays a string.' % data_source_id)
    name = params.get('name')
    if name is not None and not name.strip():
        raise InputError('name must not be empty.')
    connector = params.get('connector_param') or {}
    endpoint = connector.get('callback_endpoint')
    if endpoint and not HTTP_URL_RE.match(endpoint):
        raise InputError('connector_param.callback_endpoint must be an http:// or https:// URL that accepts POST; '
                         'got %r.' % endpoint)
    fields = params.get('searchable_fields')
    if fields is not None and any(not item or not item.strip() for item in fields):
        raise InputError('searchable_fields must not contain empty names.')


def _compact(value):
    """A dict option without its unset keys, or None when nothing in it is set."""
    if value is None:
        return None
    compact = dict((k, v) for k, v in value.items() if v is not None)
    return compact or None


def desired_fields(params):
    """The module options in API field names; unset options are left out (not managed)."""
    desired = {}
    for option, field in PLAIN_OPTIONS:
        if params.get(option) is not None:
            desired[field] = params[option]
    if params.get('online') is not None:
        desired['state'] = ONLINE if params['online'] else OFFLINE
    if params.get('searchable_fields') is not None:
        desired['searchable_fields'] = list(params['searchable_fields'])
    if params.get('connect_type') is not None:
        desired['connect_type'] = CONNECT_TYPES[params['connect_type']]
    for option in ('i18n_name', 'i18n_description'):
        value = _compact(params.get(option))
        if value is not None:
            desired[option] = value
    connector = _compact(params.get('connector_param'))
    if connector is not None:
        if 'callback_user_id_type' in connector:
            connector['callback_user_id_type'] = CALLBACK_USER_ID_TYPES[connector['callback_user_id_type']]
        desired['connector_param'] = connector
    return desired


# ----- output --------------------------------------------------------------------------------

def _mask_url_credentials(value):
    if isinstance(value, str):
        return URL_USERINFO_RE.sub(lambda m: m.group(1) + MASK + '@', value)
    return value


def sanitize_data_source(obj):
    """The one sanitiser for returned objects and diffs.

    A data source holds no credentials by design, but a URL may embed some
    (``https://user:pass@host``); those are masked.  Ids stay strings.
    """
    if not isinstance(obj, dict):
        return obj
    clean = copy.deepcopy(obj)
    for field in URL_FIELDS:
        if field in clean:
            clean[field] = _mask_url_credentials(clean[field])
    connector = clean.get('connector_param')
    if isinstance(connector, dict) and 'callback_endpoint' in connector:
        connector['callback_endpoint'] = _mask_url_credentials(connector['callback_endpoint'])
    if clean.get('id') is not None:
        clean['id'] = str(clean['id'])
    return clean


def keep_masked_urls(desired, current):
    """``desired`` with each URL given in its masked form (as returned, e.g. by gathered) read as the current URL.

    The mask stands for credentials the module never shows; sending it back would overwrite them.  A masked URL
    that does not match the current one (or a create) cannot be meant literally and is refused.
    """
    desired = copy.deepcopy(desired)
    holders = [(desired, (current or {}), 'icon_url', 'icon_url')]
    if isinstance(desired.get('connector_param'), dict):
        current_connector = (current or {}).get('connector_param')
        holders.append((desired['connector_param'], current_connector if isinstance(current_connector, dict) else {},
                        'callback_endpoint', 'connector_param.callback_endpoint'))
    for wanted, now, key, option in holders:
        value = wanted.get(key)
        if not isinstance(value, str) or MASK + '@' not in value:
            continue
        if now.get(key) is not None and _mask_url_credentials(now[key]) == value:
            wanted[key] = now[key]
        else:
            raise InputError('%s holds %s in place of the credentials of a URL, as returned results show them. Give '
                             'the real URL; the masked one would replace the credentials Feishu holds.'
                             % (option, MASK))
    return desired


def differences(obj, payload):
    """'field: sent X, now Y' for each field of ``payload`` that ``obj`` does not show."""
    wrong = []
    for name in sorted(payload):  # a plan's payload holds only FIELDS
        now = FIELD_BY_NAME[name].read(obj)
        if not reconcile.values_equal(now, payload[name]):
            wrong.append('%s: sent %r, now %r' % (name, payload[name], now))
    return wrong


def select(listing, params):
    """The data source of ``listing`` that ``params`` name (by id, else by exact name), or None.

    Several with that name is an error: which one is meant cannot be guessed.
    """
    if params.get('id') is not None:
        return next((obj for obj in listing if str(obj.get('id')) == str(params['id'])), None)
    matches = [obj for obj in listing if obj.get('name') == params.get('name')]
    if len(matches) > 1:
        raise InputError('%d Feishu data sources are named %r (ids %s); give id to choose one.'
                         % (len(matches), params.get('name'), ', '.join(str(m.get('id')) for m in matches)))
    return matches[0] if matches else None


def describe(obj):
    if obj.get('id'):
        return '%r (id %s)' % (obj.get('name'), obj['id'])
    return repr(obj.get('name'))


def _name_of(table, value):
    return next((name for name, code in table.items() if code == value), None)


def config_of(obj):
    """A data source in the module's option names (a config item, a diff side): unset values left out,
    URLs' credentials masked."""
    clean = sanitize_data_source(obj)
    # the order a reader looks for: which one, whether it is online, then the rest
    config = {'id': clean.get('id'), 'name': clean.get('name'),
              'online': None if clean.get('state') is None else clean['state'] == ONLINE}
    for option, field in PLAIN_OPTIONS + SAME_NAME_OPTIONS:
        config[option] = clean.get(field)
    if clean.get('connect_type') is not None:
        config['connect_type'] = _name_of(CONNECT_TYPES, clean['connect_type'])
    connector = clean.get('connector_param')
    if isinstance(connector, dict):
        connector = dict(connector)
        if connector.get('callback_user_id_type') is not None:
            connector['callback_user_id_type'] = _name_of(CALLBACK_USER_ID_TYPES, connector['callback_user_id_type'])
        config['connector_param'] = connector
    return dict((option, value) for option, value in config.items() if value not in (None, {}))


# ----- the resource -----------------------------------------------------------------------------

class FeishuDataSourceResource(Resource):
    """Plans, reads, creates, patches and deletes one Search v2 data source (planning needs no client)."""

    result_key = 'data_source'
    noun = 'Feishu data source'

    def __init__(self, client, params):
        validate_options(params)
        self.client = client
        self.params = params
        self.data_source_id = params.get('id')
        self.name = params.get('name')

    # -- planning

    def fields_for(self, current):
        return FIELDS

    def check_target(self, current, state):
        if self.data_source_id is None:
            return
        if current is None and state == 'present':
            raise InputError('Feishu data source id %s does not exist. Feishu assigns ids when it creates a data '
                             'source: leave id out and give name to create one.' % self.data_source_id)
        if current is not None and state == 'absent' and self.name is not None and current.get('name') != self.name:
            # Deleting is irreversible: refuse when id and name point at different things.
            raise InputError('Feishu data source id %s is named %r, not %r; nothing was deleted. Give the matching '
                             'name, or only the id.' % (self.data_source_id, current.get('name'), self.name))

    def desired(self, current):
        return keep_masked_urls(desired_fields(self.params), current), []

    # -- reading

    def read(self):
        if self.data_source_id is not None:
            return self.client.get_data_source(self.data_source_id)
        return select(self.client.list_data_sources(), self.params)

    def matches_by_name(self, name):
        return [obj for obj in self.client.list_data_sources() if obj.get('name') == name]

    # -- writing

    def create(self, payload):
        """Create, never twice; returns an Outcome.

        A failure that leaves it unknown whether Feishu created the data source
        (timeout, dropped connection, 5xx, a success without the object) is followed
        by look-ups by name over a settle window: one match is adopted (and patched if
        it differs); none fails the task, saying that the create may still land.
        """
        created = self.client.retry.call_write(lambda: self.client.create_data_source(payload),
                                               lambda: self._adopt_after_ambiguous_create(payload),
                                               getattr(self.client.transport, 'timeout', 0), resend=False,
                                               what='The create of Feishu data source %r' % payload.get('name'),
                                               hint=ADOPT_HINT)
        return Outcome(created)

    def _adopt_after_ambiguous_create(self, payload):
        matches = self.matches_by_name(payload['name'])
        if not matches:
            return None
        if len(matches) > 1:
            raise DsopsError('A create of Feishu data source %r failed ambiguously and %d data sources with that '
                             'name now exist (ids %s); remove the extra one(s).'
                             % (payload['name'], len(matches), ', '.join(str(m.get('id')) for m in matches)))
        found = matches[0]
        with after_write(id=found.get('id')):
            plan = reconcile.plan_present(FIELDS, payload, self.managed_view(found))
            if plan.conflicts:
                raise ConflictError('Feishu data source %s appeared while creating it, with different create-only '
                                    'fields: %s.' % (describe(found), reconcile.describe_conflicts(plan.conflicts)),
                                    conflicts=plan.conflicts, hint=CONFLICT_HINT)
            if plan.payload:
                return self.update(found, plan.payload).obj
            return found

    def update(self, current, payload):
        """PATCH the differing fields; after a lost answer, re-read before sending it again."""
        ds_id = current['id']

        def applied():
            now = self.client.get_data_source(ds_id)
            return now if now is not None and not differences(now, payload) else None

        try:
            updated = self.client.retry.call_write(lambda: self.client.patch_data_source(ds_id, payload), applied,
                                                   getattr(self.client.transport, 'timeout', 0))
        except ApiError as error:
            if error.code != NO_CHANGE_CODE:
                raise
            if error.written is None:  # the API saw nothing to change
                return Outcome(current, wrote=False)
            # ... after an attempt whose answer was lost ('written'), which may well have applied it
            return Outcome(self.client.get_data_source(ds_id) or current)
        with after_write(id=ds_id):
            self._verify_written(updated, payload)
        return Outcome(updated)

    def _verify_written(self, obj, payload):
        """Fail when Feishu reports values other than the ones just written."""
        wrong = differences(obj, payload)
        if wrong:
            raise DsopsError('Feishu accepted the update of data source %s but reports other values afterwards (%s).'
                             % (describe(obj), '; '.join(wrong)),
                             hint='Run the task again; if it persists, Feishu normalises these values differently.')

    def delete(self, current):
        """DELETE; after a lost answer, re-read before sending it again.

        Gone after an attempt Feishu may have carried out is this run's delete; 'not found'
        at the first answer means someone else removed it since it was read.
        """
        ds_id = current['id']

        def gone():
            return True if self.client.get_data_source(ds_id) is None else None

        try:
            self.client.retry.call_write(lambda: self.client.delete_data_source(ds_id), gone,
                                         getattr(self.client.transport, 'timeout', 0))
        except ApiError as error:
            if error.code != NOT_FOUND_CODE:
                raise
            # after an attempt whose answer was lost ('written'), 'not found' is most likely that attempt's doing
            return Outcome(None, wrote=error.written is not None)
        return Outcome(None)

    # -- presentation

    def predict(self, current, plan):
        predicted = super(FeishuDataSourceResource, self).predict(current, plan)
        if current is None:
            for field, value in CREATE_DEFAULTS.items():
                predicted.setdefault(field, value)
        return predicted

    def diff_view(self, view):
        return config_of(view)

    def option_name(self, field, obj):
        return OPTION_FOR_FIELD.get(field, field)

    def identify(self, obj):
        return describe(obj)

    def conflict_hint(self):
        return CONFLICT_HINT

    def sanitize(self, obj):
        return sanitize_data_source(obj)


# ----- the info module ------------------------------------------------------------------------------

def gather(client, params):
    """Data sources selected by ``id`` or exact ``name``, or all of them; full objects."""
    validate_options(params)
    if params.get('id') is not None:
        obj = client.get_data_source(params['id'])
        found = [obj] if obj is not None else []
        if params.get('name') is not None:
            found = [item for item in found if item.get('name') == params['name']]
    else:
        found = client.list_data_sources()
        if params.get('name') is not None:
            found = [item for item in found if item.get('name') == params['name']]
    return [sanitize_data_source(item) for item in found]
