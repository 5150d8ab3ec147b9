# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Feishu Search v2 schemas (数据范式): options, local checks, the managed view, the resource.

Facts follow ``feishu-search-schema-api.md`` (the team's API reference).

The managed view is flat, so that ``core.reconcile.plan_present`` compares schemas field by
field with a Field list made for each run (``fields_for``):

* ``schema_id`` (create-only) and ``display`` (the whole object; changes in place);
* for a property declared by the task and present in the schema, one key per field:
  ``properties.<name>.type``, ``.is_searchable`` ... ``.type_definitions`` (create-only) and
  ``properties.<name>.desc``, ``.answer_option`` (change in place);
* for a property on one side only, one create-only key ``properties.<name>``: the property's
  definition on the side that has it, ``'not declared'`` on the other.

Properties are matched by name, so their order never counts; a difference names the property
and the field.  ``diff_view`` turns a view back into a schema for the diff, and the same
conversion builds the body of a create, so what is shown is what is sent.

UNCONFIRMED (as for data sources): whether Feishu leaves empty values out of its answers.
Values are compared with false, empty strings, empty lists and objects left out, so an absent
flag reads as false and an absent ``desc`` as ''.
"""

from __future__ import absolute_import, division, print_function

import copy
import re

from ansible_collections.dsops.cloud.plugins.module_utils.core import reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import (
    ApiError, ConflictError, DsopsError, InputError, ProblemsFound, after_write, replacing)
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import Outcome, Resource
from ansible_collections.dsops.cloud.plugins.module_utils.core.reconcile import Field
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.client import SCHEMA_NOT_FOUND_CODE

__metaclass__ = type

TYPES = ('text', 'int', 'tag', 'timestamp', 'double', 'tinytext')
SEARCHABLE_TYPES = ('text', 'tinytext')
SORTABLE_TYPES = ('int', 'double', 'timestamp')
DISPLAY_FIELDS = ('summary', 'footer', 'icon_url', 'tag1', 'tag2', 'tag3')
TAG_DISPLAY_FIELDS = ('tag1', 'tag2', 'tag3')
TAG_COLORS = ('red', 'green', 'blue', 'grey', 'yellow')
SORT_ORDERS = ('asc', 'desc')
MIN_PRIORITY, MAX_PRIORITY = 0, 4
SEARCH_FLAGS = ('enable_semantic_match', 'enable_exact_match', 'enable_prefix_match', 'enable_number_suffix_match',
                'enable_camel_match')
RESERVED_NAMES = ('_title', '_create_time', '_update_time', '_item_id')
I18N_LOCALES = ('zh_cn', 'en_us', 'ja_jp')
DEFAULT_CARD_KEY = 'search_common_card'
SCHEMA_ID_RE = re.compile(r'^[a-zA-Z][a-zA-Z0-9_-]*\Z')  # \Z: '$' would accept a final line break
MAX_SCHEMA_ID, MAX_PROPERTY_NAME = 40, 20
TEMPLATE_RE = re.compile(r'\$\{([^}]*)\}')

FLAGS = ('is_searchable', 'is_sortable', 'is_returnable', 'is_filterable')
OPTION_OBJECTS = ('sort_options', 'search_options', 'filter_options', 'type_definitions')
CREATE_ONLY = ('type',) + FLAGS + OPTION_OBJECTS
IN_PLACE = ('desc', 'answer_option')
PROPERTY_FIELDS = CREATE_ONLY + IN_PLACE
ANSWER_FLAGS = ('is_searchable', 'is_returnable')
NOT_DECLARED = 'not declared'
DRY_RUN_PREFIX = 'dryrun_'

CONFLICT_HINT = ('Only display and the desc and answer_option of a property can change in place. Keep the current '
                 'values, or set recreate=true to delete the schema and create it again; that is refused while a '
                 'data source is bound to the schema, since a data source\'s schema_id cannot change.')
ADOPT_HINT = 'Run the task again: it reads the schema by its schema_id and adopts it instead of creating it twice.'
IN_USE_HINT = ('Delete those data sources first (dsops.cloud.feishu_search_data_source with state=absent), or bind '
               'new data sources to a schema with another schema_id.')


# ----- input ---------------------------------------------------------------------------------

def _property_spec():
    flag = dict(type='bool', default=False)
    return dict(
        name=dict(type='str', required=True),
        type=dict(type='str', required=True, choices=list(TYPES)),
        is_searchable=flag, is_sortable=flag, is_returnable=flag, is_filterable=flag,
        # priority 0..4 is checked by validate_options, so that the message names the property
        sort_options=dict(type='dict', options=dict(
            priority=dict(type='int', required=True),
            order=dict(type='str', required=True, choices=list(SORT_ORDERS)),
        )),
        search_options=dict(type='dict', options=dict((name, dict(type='bool')) for name in SEARCH_FLAGS)),
        # UNCONFIRMED: the value sets of option_mode, associated_smart_filter and filter_type are not in the
        # reference, so any string is accepted and Feishu judges it.  i18n_display_name is the SDK's, not the
        # reference's.
        filter_options=dict(type='dict', options=dict(
            display_name=dict(type='str'),
            i18n_display_name=dict(type='dict', options=dict((locale, dict(type='str')) for locale in I18N_LOCALES)),
            option_mode=dict(type='str'),
            associated_smart_filter=dict(type='str'),
            filter_type=dict(type='str'),
            predefine_enum_values=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                text=dict(type='str', required=True),
            )),
            enable_client_filter=dict(type='bool'),
            reference_datasource_id=dict(type='str'),
        )),
        type_definitions=dict(type='dict', options=dict(
            tag=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                color=dict(type='str', required=True, choices=list(TAG_COLORS)),
                text=dict(type='str', required=True),
            )),
            # UNCONFIRMED: the reference names id_type without its values
            user_ids=dict(type='dict', options=dict(id_type=dict(type='str'))),
        )),
        answer_option=dict(type='dict', options=dict((name, dict(type='bool')) for name in ANSWER_FLAGS)),
        desc=dict(type='str'),
    )


def resource_argument_spec():
    """The options of feishu_search_schema that describe the schema."""
    return dict(
        schema_id=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        recreate=dict(type='bool', default=False),
        properties=dict(type='list', elements='dict', options=_property_spec()),
        display=dict(type='dict', options=dict(
            card_key=dict(type='str', default=DEFAULT_CARD_KEY, no_log=False),  # a card template name, no secret
            fields_mapping=dict(type='list', elements='dict', options=dict(
                display_field=dict(type='str', required=True, choices=list(DISPLAY_FIELDS)),
                data_field=dict(type='str', required=True),
            )),
        )),
    )


def schema_id_problems(schema_id):
    if not isinstance(schema_id, str) or not schema_id:
        return ['schema_id must not be empty.']
    problems = []
    if len(schema_id) > MAX_SCHEMA_ID:
        problems.append('schema_id %r has %d characters; at most %d are allowed.'
                        % (schema_id, len(schema_id), MAX_SCHEMA_ID))
    if not SCHEMA_ID_RE.match(schema_id):
        problems.append('schema_id %r must start with a letter and hold only letters, digits, "-" and "_" '
                        '(pattern ^[a-zA-Z][a-zA-Z0-9-_]*$).' % schema_id)
    return problems


def validate_options(params):
    """Apply the platform's documented rules; raise ProblemsFound naming every violation at once."""
    problems = schema_id_problems(params.get('schema_id'))
    if (params.get('state') or 'present') == 'present':
        properties = params.get('properties')
        if properties is None:
            problems.append('properties is required with state=present: a schema is created with every property '
                            'it declares.')
        else:
            problems += _property_problems(properties)
            problems += _display_problems(params.get('display'), properties)
    if problems:
        raise ProblemsFound(problems, 'the schema options', 'nothing was sent')


def _label(index, prop):
    return 'properties[%d] (%r)' % (index, prop.get('name'))


def _property_problems(properties):
    problems, first_index = [], {}
    for index, prop in enumerate(properties):
        label = _label(index, prop)
        name = prop.get('name') or ''
        if name in first_index:
            problems.append('%s: the name is declared more than once (first at properties[%d]); property names '
                            'must be unique.' % (label, first_index[name]))
        first_index.setdefault(name, index)
        problems += ['%s: %s' % (label, text) for text in _name_problems(name) + _rule_problems(prop)]
    return problems


def _name_problems(name):
    if not name:
        return ['the name must not be empty.']
    problems = []
    if len(name) > MAX_PROPERTY_NAME:
        problems.append('the name has %d characters; at most %d are allowed.' % (len(name), MAX_PROPERTY_NAME))
    if name.startswith('_') and name not in RESERVED_NAMES:
        problems.append('names starting with "_" are reserved; only %s may be declared.' % ', '.join(RESERVED_NAMES))
    return problems


def _rule_problems(prop):
    """The searchable / sortable / tag rules of one property."""
    kind, searchable, sortable = prop.get('type'), prop.get('is_searchable'), prop.get('is_sortable')
    problems = []
    if searchable and sortable:
        problems.append('a property cannot be both searchable and sortable (is_searchable and is_sortable are '
                        'both true).')
    if kind == 'tag':
        if searchable or sortable:
            problems.append('a tag property can be neither searchable nor sortable.')
        if not ((prop.get('type_definitions') or {}).get('tag')):
            problems.append('a tag property needs type_definitions.tag, the list of its tag values.')
    else:
        if searchable and kind not in SEARCHABLE_TYPES:
            problems.append('only text and tinytext properties can be searchable; this one is %s.' % kind)
        if sortable and kind not in SORTABLE_TYPES:
            problems.append('only int, double and timestamp properties can be sortable; this one is %s.' % kind)
    # what a searchable or sortable property needs, once its type allows it (else the rule above says enough)
    if searchable and kind in SEARCHABLE_TYPES:
        if not prop.get('search_options'):
            problems.append('a searchable property needs search_options.')
        if not prop.get('is_returnable'):
            problems.append('a searchable property must be returnable too (is_returnable: true).')
    if sortable and kind in SORTABLE_TYPES and not prop.get('sort_options'):
        problems.append('a sortable property needs sort_options (priority and order).')
    priority = (prop.get('sort_options') or {}).get('priority')
    if priority is not None and not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        problems.append('sort_options.priority must be between %d and %d; got %s.'
                        % (MIN_PRIORITY, MAX_PRIORITY, priority))
    return problems


def _display_problems(display, properties):
    """tag1..tag3 show tag properties only; every ${field} of a data_field names a returnable property."""
    declared = {}
    for prop in properties:
        declared.setdefault(prop.get('name'), prop)
    problems = []
    for index, mapping in enumerate((display or {}).get('fields_mapping') or []):
        slot = mapping.get('display_field')
        label = 'display.fields_mapping[%d] (%s)' % (index, slot)
        problems += ['%s: %s' % (label, text) for text in _mapping_problems(slot, mapping.get('data_field') or '',
                                                                            declared)]
    return problems


def _mapping_problems(slot, template, declared):
    problems = []
    if not template:
        problems.append('data_field must not be empty.')
    if TEMPLATE_RE.sub('', template).count('${'):
        problems.append('the data_field %r opens a "${" that no "}" closes.' % template)
    names = TEMPLATE_RE.findall(template)
    if slot in TAG_DISPLAY_FIELDS and template and not names:
        problems.append('tag1, tag2 and tag3 show tag properties; name one as ${name}.')
    for name in names:
        prop = declared.get(name)
        if prop is None and name not in RESERVED_NAMES:  # the reserved fields exist without being declared
            problems.append('${%s} names no declared property.' % name)
            continue
        if prop is not None and not prop.get('is_returnable'):
            problems.append('${%s} names a property that is not returnable; a property shown on the card needs '
                            'is_returnable: true.' % name)
        if slot in TAG_DISPLAY_FIELDS and (prop or {}).get('type') != 'tag':
            problems.append('tag1, tag2 and tag3 may show only tag properties; ${%s} is %s.'
                            % (name, 'of type %s' % prop.get('type') if prop else 'a reserved field'))
    return problems


# ----- normal forms ------------------------------------------------------------------------------

def _is_empty(value):
    return value is None or value is False or (isinstance(value, (str, list, dict)) and not value)


def prune(value):
    """``value`` without unset, false and empty entries in its objects (list items are all kept)."""
    if isinstance(value, dict):
        pruned = {}
        for key, item in value.items():
            item = prune(item)
            if not _is_empty(item):
                pruned[key] = item
        return pruned
    if isinstance(value, list):
        return [prune(item) for item in value]
    return value


def normal_field(field, value):
    """One field of a property (from the API or from the options) in the form that is compared."""
    if field in FLAGS:
        return bool(value)
    if field == 'desc':
        return '' if value is None else value
    if field == 'answer_option':
        value = value if isinstance(value, dict) else {}
        return dict((flag, bool(value.get(flag))) for flag in ANSWER_FLAGS)
    if field in OPTION_OBJECTS:
        value = prune(value) if isinstance(value, dict) else {}
        if field == 'sort_options' and value:
            # a zero may be left out of an answer like any empty value
            value = dict([('priority', value.pop('priority', 0))] + sorted(value.items()))
        return value
    return value


def property_entry(prop):
    """A property's definition without its name: every field in normal form, empty ones left out."""
    return prune(dict((field, normal_field(field, prop.get(field))) for field in PROPERTY_FIELDS))


def normal_display(display, like=None):
    """``display`` as compared: card_key and fields_mapping.

    The mapping has no meaningful order, so it is put in the order of ``like`` (the task's mapping):
    the same entries in another order compare equal, and what is sent keeps the task's order.
    """
    if not isinstance(display, dict):
        return None
    mapping = [dict(display_field=item.get('display_field') or '', data_field=item.get('data_field') or '')
               for item in display.get('fields_mapping') or [] if isinstance(item, dict)]
    wanted = [_mapping_key(item) for item in (like or {}).get('fields_mapping') or []]

    def position(item):  # a stable sort: entries the task does not name keep their order, after the others
        key = _mapping_key(item)
        return wanted.index(key) if key in wanted else len(wanted)
    mapping.sort(key=position)
    return {'card_key': display.get('card_key') or '', 'fields_mapping': mapping}


def _mapping_key(item):
    return (str(item.get('display_field') or ''), str(item.get('data_field') or ''))


def properties_of(obj):
    """{name: property} of an API object, in its order; malformed entries are skipped."""
    found = {}
    properties = (obj or {}).get('properties')
    for prop in properties if isinstance(properties, list) else []:
        if isinstance(prop, dict) and isinstance(prop.get('name'), str) and prop['name'] not in found:
            found[prop['name']] = prop
    return found


def patched(obj, body):
    """``obj`` as a PATCH ``body`` leaves it: display replaced, desc and answer_option set by name."""
    result = copy.deepcopy(obj)
    if 'display' in body:
        result['display'] = copy.deepcopy(body['display'])
    current = properties_of(result)
    for change in body.get('properties') or []:
        prop = current.get(change['name'])
        if prop is not None:
            prop.update(copy.deepcopy(dict((k, v) for k, v in change.items() if k != 'name')))
    return result


def bound_data_sources(listing, schema_id):
    """[{id, name}] of the listed data sources whose schema_id is ``schema_id``."""
    return [{'id': ds.get('id'), 'name': ds.get('name')} for ds in listing if ds.get('schema_id') == schema_id]


def _describe_bound(bound):
    return ', '.join('%r (id %s)' % (ds.get('name'), ds.get('id')) for ds in bound)


class SchemaInUse(ConflictError):
    """A delete or re-create refused because data sources are bound to the schema."""

    def __init__(self, message, bound, conflicts=None):
        super(SchemaInUse, self).__init__(message, conflicts=conflicts, hint=IN_USE_HINT)
        self.bound = bound

    def details(self):
        details = {'bound_data_sources': self.bound}
        if self.conflicts:
            details['conflicts'] = self.conflicts
        return details


# ----- the resource -----------------------------------------------------------------------------

class FlatKeys:
    """The flat keys of properties, and which (name, field) each one stands for."""

    def __init__(self):
        self.parts = {}

    def key(self, name, field=None):
        text = 'properties.%s' % name if field is None else 'properties.%s.%s' % (name, field)
        known = self.parts.setdefault(text, (name, field))
        if known != (name, field):
            raise InputError('The property names %r and %r cannot be told apart in messages and diffs (%s); rename '
                             'one of them.' % (known[0], name, text))
        return text


class FeishuSchemaResource(Resource):
    """Plans, reads, creates, patches, re-creates and deletes one Search v2 schema."""

    result_key = 'schema'
    noun = 'Feishu search schema'

    def __init__(self, client, params):
        validate_options(params)
        self.client = client
        self.params = params
        self.schema_id = params['schema_id']
        present = (params.get('state') or 'present') == 'present'
        # name -> the property's options, in the task's order (a repeated name is refused above)
        self.declared = dict((prop['name'], prop) for prop in (params.get('properties') or [])) if present else {}
        self.keys = FlatKeys()

    # -- planning

    def _names(self, current):
        existing = properties_of(current)
        return list(self.declared) + [name for name in existing if name not in self.declared], existing

    def fields_for(self, current):
        names, existing = self._names(current)
        fields = [Field('schema_id', create_only=True), Field('display')]
        for name in names:
            if name in existing and name in self.declared:
                fields += [Field(self.keys.key(name, field), create_only=field in CREATE_ONLY)
                           for field in PROPERTY_FIELDS]
            else:
                fields.append(Field(self.keys.key(name), create_only=True))
        return fields

    def managed_view(self, obj):
        view = {'schema_id': obj.get('schema_id') or self.schema_id}
        display = normal_display(obj.get('display'), like=self.params.get('display'))
        if display is not None:
            view['display'] = display
        names, existing = self._names(obj)
        for name in names:
            if name not in existing:
                view[self.keys.key(name)] = NOT_DECLARED
            elif name in self.declared:
                for field in PROPERTY_FIELDS:
                    view[self.keys.key(name, field)] = normal_field(field, existing[name].get(field))
            else:
                view[self.keys.key(name)] = property_entry(existing[name])
        return view

    def desired(self, current):
        wanted = {'schema_id': self.schema_id}
        display = self.params.get('display')
        if display is not None:
            # a null or empty card_key is the default, as an absent one is
            display = dict(display, card_key=display.get('card_key') or DEFAULT_CARD_KEY)
            wanted['display'] = normal_display(display, like=display)
        names, existing = self._names(current)
        for name in names:
            if name not in self.declared:
                wanted[self.keys.key(name)] = NOT_DECLARED
            elif name in existing:
                wanted.update(self._declared_fields(name, existing[name]))
            else:
                wanted[self.keys.key(name)] = property_entry(self.declared[name])
        return wanted, []

    def _declared_fields(self, name, current):
        """The flat keys of a declared property that exists: all create-only fields, and the in-place ones given."""
        given = self.declared[name]
        wanted = dict((self.keys.key(name, field), normal_field(field, given.get(field))) for field in CREATE_ONLY)
        if given.get('desc') is not None:
            wanted[self.keys.key(name, 'desc')] = given['desc']
        answer = dict((k, v) for k, v in (given.get('answer_option') or {}).items() if v is not None)
        if answer:
            merged = normal_field('answer_option', current.get('answer_option'))
            merged.update(answer)  # flags not given keep their values; the whole object is sent
            wanted[self.keys.key(name, 'answer_option')] = merged
        return wanted

    def diff_view(self, view):
        return self.schema_from_view(view, sorted) if view else {}

    def schema_from_view(self, view, order=None):
        """The schema a view describes, as the API writes it: the body of a create, and the diff."""
        properties = {}
        for key, value in view.items():
            name, field = self.keys.parts.get(key, (None, None))
            if name is None:
                continue
            if field is None:
                if isinstance(value, dict):  # NOT_DECLARED: not in this schema
                    properties[name] = dict(value, name=name)
            else:
                properties.setdefault(name, {'name': name})[field] = value
        names = (order or self._ordered)(properties)
        schema = {'schema_id': view.get('schema_id') or self.schema_id,
                  'properties': [_in_field_order(prune(properties[name])) for name in names]}
        if view.get('display') is not None:
            schema['display'] = copy.deepcopy(view['display'])
        return schema

    def _ordered(self, names):
        """The task's order of properties, then any others by name."""
        return [name for name in self.declared if name in names] + sorted(n for n in names if n not in self.declared)

    def patch_body(self, payload):
        """The PATCH body of an update plan: display if it differs, and each differing property's changed keys."""
        body = {}
        if 'display' in payload:
            body['display'] = copy.deepcopy(payload['display'])
        changes = {}
        for key, value in payload.items():
            name, field = self.keys.parts.get(key, (None, None))
            if field in IN_PLACE:
                changes.setdefault(name, {'name': name})[field] = copy.deepcopy(value)
        if changes:
            body['properties'] = [changes[name] for name in self._ordered(changes)]
        return body

    def predict(self, current, plan):
        if current is None:
            return self.schema_from_view(plan.payload)
        return patched(current, self.patch_body(plan.payload))

    def identify(self, obj):
        return repr(self.schema_id)

    def conflict_hint(self):
        return CONFLICT_HINT

    # -- reading

    def read(self):
        return self.client.get_schema(self.schema_id)

    def check_plan(self, current, decided):
        """A delete or a re-create is refused while data sources are bound to the schema (one listing)."""
        if decided.action not in (reconcile.DELETE, reconcile.RECREATE):
            return
        bound = bound_data_sources(self.client.list_data_sources(), self.schema_id)
        if not bound:
            return
        if decided.action == reconcile.DELETE:
            raise SchemaInUse('%s %r is bound to %d data source(s): %s. It was not deleted: a data source\'s '
                              'schema_id cannot change, and deleting its schema would strand its items.'
                              % (self.noun, self.schema_id, len(bound), _describe_bound(bound)), bound)
        raise SchemaInUse('Cannot re-create %s %r to change create-only field(s) (%s): it is bound to %d data '
                          'source(s): %s. Nothing was changed.'
                          % (self.noun, self.schema_id, reconcile.describe_conflicts(decided.conflicts), len(bound),
                             _describe_bound(bound)), bound, conflicts=decided.conflicts)

    # -- writing

    def _timeout(self):
        return getattr(self.client.transport, 'timeout', 0)

    def create(self, payload):
        """POST the schema, never twice: after a lost answer, read it by schema_id and adopt it."""
        schema = self.schema_from_view(payload)
        created = self.client.retry.call_write(lambda: self.client.create_schema(schema), self._adopt,
                                               self._timeout(), resend=False,
                                               what='The create of %s %r' % (self.noun, self.schema_id),
                                               hint=ADOPT_HINT)
        return Outcome(created)

    def _adopt(self):
        found = self.client.get_schema(self.schema_id)
        if found is None:
            return None
        with after_write(schema_id=self.schema_id):
            wanted, dummy = self.desired(found)
            decided = reconcile.plan_present(self.fields_for(found), wanted, self.managed_view(found))
            if decided.conflicts:
                raise ConflictError('%s %r appeared while it was being created, with other create-only fields: %s.'
                                    % (self.noun, self.schema_id, reconcile.describe_conflicts(decided.conflicts)),
                                    conflicts=decided.conflicts, hint=CONFLICT_HINT)
            if decided.payload:
                return self.update(found, decided.payload).obj
            return found

    def update(self, current, payload):
        """PATCH what differs; after a lost answer, re-read before sending it again."""
        body = self.patch_body(payload)

        def applied():
            now = self.client.get_schema(self.schema_id)
            return now if now is not None and not self.differences(now, payload) else None

        updated = self.client.retry.call_write(lambda: self.client.patch_schema(self.schema_id, body), applied,
                                               self._timeout())
        with after_write(schema_id=self.schema_id):
            if updated is None:
                raise DsopsError('%s %r was patched but cannot be read back: it was deleted meanwhile.'
                                 % (self.noun, self.schema_id))
            wrong = self.differences(updated, payload)
            if wrong:
                raise DsopsError('Feishu accepted the update of %s %r but reports other values afterwards (%s).'
                                 % (self.noun, self.schema_id, '; '.join(wrong)),
                                 hint='Run the task again; if it persists, Feishu normalises these values '
                                      'differently.')
        return Outcome(updated)

    def differences(self, obj, payload):
        """'key: sent X, now Y' for each key of ``payload`` that ``obj`` does not show."""
        view = self.managed_view(obj)
        return ['%s: sent %r, now %r' % (key, payload[key], view.get(key)) for key in sorted(payload)
                if not reconcile.values_equal(view.get(key), payload[key])]

    def delete(self, current):
        """DELETE; after a lost answer, re-read before sending it again. 'Not found' first: someone else did it."""
        def gone():
            return True if self.client.get_schema(self.schema_id) is None else None

        try:
            self.client.retry.call_write(lambda: self.client.delete_schema(self.schema_id), gone, self._timeout())
        except ApiError as error:
            if error.code != SCHEMA_NOT_FOUND_CODE:
                raise
            return Outcome(None, wrote=error.written is not None)
        return Outcome(None)

    def recreate(self, current, payload):
        """Validate the new schema on the server (validate_only), then DELETE and POST.

        The dry run uses another schema_id (DRY_RUN_PREFIX + schema_id): a create of an id in use is
        refused (the sandbox does so, even with validate_only; UNCONFIRMED for Feishu), and this one is.
        """
        dry_run = dict(self.schema_from_view(payload), schema_id=(DRY_RUN_PREFIX + self.schema_id)[:MAX_SCHEMA_ID])
        try:
            self.client.validate_schema(dry_run)
        except ApiError as error:
            error.hint = ' '.join(text for text in (error.hint, 'Feishu refused the new definition in a dry run '
                                                    '(validate_only), so the schema was not deleted.') if text)
            raise
        deleted = self.delete(current)
        with replacing('Schema %r' % self.schema_id, deleted=self.schema_id):
            created = self.create(payload)
        return Outcome(created.obj, warnings=deleted.warnings + created.warnings)


def _in_field_order(prop):
    """A property with name first, then the fields in the API's documented order."""
    ordered = dict(name=prop.get('name'))
    ordered.update((field, prop[field]) for field in PROPERTY_FIELDS if field in prop)
    return ordered


# ----- the info module ------------------------------------------------------------------------------

def gather(client, params):
    """(schemas, warnings): the schemas named by ``schema_id``, or (``bound``) those the data sources are bound to.

    One listing of the data sources, then one GET per schema; each schema gets ``data_sources``
    (id and name) bound to it.  A missing schema is left out (with a warning when data sources name it).
    """
    ids = params.get('schema_id')
    if ids is not None:
        problems = [problem for schema_id in ids for problem in schema_id_problems(schema_id)]
        if problems:
            raise ProblemsFound(problems, 'the schema options', 'nothing was sent')
    listing = client.list_data_sources()
    if ids is None:
        ids = [ds['schema_id'] for ds in listing if isinstance(ds.get('schema_id'), str) and ds['schema_id']]
    schemas, warnings = [], []
    for schema_id in _unique(ids):
        bound = bound_data_sources(listing, schema_id)
        if schema_id_problems(schema_id):
            # Feishu cannot hold a schema by that id; asking for it may be answered as a bad parameter
            warnings.append('Data source(s) %s are bound to %r, which is not a valid schema_id.'
                            % (_describe_bound(bound), schema_id))
            continue
        obj = client.get_schema(schema_id)
        if obj is None:
            if bound:
                warnings.append('Data source(s) %s are bound to schema %r, which does not exist.'
                                % (_describe_bound(bound), schema_id))
            continue
        obj = dict(obj)
        obj['data_sources'] = bound
        schemas.append(obj)
    return schemas, warnings


def _unique(values):
    seen, unique = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            unique.append(value)
    return unique
