# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests of the reconcile core and the adapters' option mapping, with hostile values.

The current object comes from an API we do not control, so it may hold anything JSON can carry (wrong
types, nulls, unicode, huge strings, nested objects where strings were expected).  The desired side is
what the adapters build from validated options.  For every combination:

* planning never raises;
* a create sends exactly the desired fields; an update sends only fields that differ, each of them a
  change (never a create-only field: those are conflicts, and they alone can make a recreate);
* planning again against the object as the plan leaves it finds nothing to do: one run converges,
  so a second run never writes (no duplicate write);
* the options-to-fields mapping of both platforms and the Feishu sanitiser never raise.
"""

from __future__ import absolute_import, division, print_function

import copy
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.dsops.cloud.plugins.module_utils.core import reconcile
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import InputError
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.data_source import (
    FIELDS as FEISHU_FIELDS, desired_fields, sanitize_data_source, validate_options)
from ansible_collections.dsops.cloud.plugins.module_utils.core.reconcile import Field

__metaclass__ = type

pytest_plugins = [__name__]

FUZZ_STATS = {'plans': 0, 'mappings': 0}
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get('DSOPS_FUZZ_EXAMPLES', '300')), deadline=None, database=None,
    derandomize=not os.environ.get('DSOPS_FUZZ_RANDOM'), print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def pytest_terminal_summary(terminalreporter):
    if FUZZ_STATS['plans'] or FUZZ_STATS['mappings']:
        terminalreporter.write_line('fuzzing: %(plans)d reconcile plans and %(mappings)d option mappings from '
                                    'hypothesis cases, all converging in one run' % FUZZ_STATS)


# NaN is left out on purpose: it is not equal to itself, and no JSON the APIs send can hold it.
huge_text = st.builds(lambda unit, times: unit * times, st.text(min_size=1, max_size=3), st.integers(200, 3000))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 64, max_value=2 ** 64),
                    st.floats(allow_nan=False), st.text(max_size=12), huge_text)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                           max_leaves=8)
FIELD_NAMES = ['name', 'state', 'description', 'i18n_name', 'template', 'user_pwd', 'x\x00y', '名']


@st.composite
def field_sets(draw):
    names = draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=len(FIELD_NAMES), unique=True))
    fields = []
    for name in names:
        kind = draw(st.sampled_from(['plain', 'create_only', 'merge_dict', 'write_only']))
        fields.append(Field(name, create_only=kind == 'create_only', merge_dict=kind == 'merge_dict',
                            compared=kind != 'write_only'))
    return fields


@st.composite
def planning_cases(draw):
    fields = draw(field_sets())
    desired = {}
    for field in fields:
        if draw(st.booleans()):
            # the adapters always build a dict (or nothing) for a merge_dict field
            desired[field.name] = draw(st.dictionaries(st.text(max_size=6), st.one_of(st.none(), scalars),
                                                       max_size=3) if field.merge_dict else json_values)
    extra = draw(st.dictionaries(st.text(max_size=6), json_values, max_size=2))  # fields nobody manages
    current = draw(st.one_of(st.none(), st.fixed_dictionaries(
        {}, optional=dict((f.name, json_values) for f in fields))))
    if current is not None:
        current.update(extra)
    return fields, desired, current, draw(st.booleans())


def applied(plan, current):
    """The object as the API holds it after the plan's write."""
    if plan.action == reconcile.CREATE or plan.action == reconcile.RECREATE:
        return copy.deepcopy(plan.payload)
    after = copy.deepcopy(current)
    after.update(copy.deepcopy(plan.payload))
    return after


def managed_view(fields, obj):
    return dict((f.name, obj.get(f.name)) for f in fields if f.name in obj)


@FUZZ_SETTINGS
@given(planning_cases())
def test_a_plan_converges_in_one_run_and_writes_only_what_differs(case):
    fields, desired, current, allow_recreate = case
    FUZZ_STATS['plans'] += 1
    view = managed_view(fields, current) if current is not None else None
    plan = reconcile.plan_present(fields, copy.deepcopy(desired), view, allow_recreate)
    wanted = dict((k, v) for k, v in desired.items() if v is not None)
    create_only = set(f.name for f in fields if f.create_only)

    if current is None:
        assert plan.action == reconcile.CREATE and plan.payload == wanted
    elif plan.conflicts:
        assert set(plan.conflicts) <= create_only
        assert plan.action == (reconcile.RECREATE if allow_recreate else
                               reconcile.UPDATE if plan.changes else reconcile.NONE)
    else:
        assert set(plan.payload) == set(plan.changes) and not set(plan.payload) & create_only
        assert plan.action == (reconcile.UPDATE if plan.payload else reconcile.NONE)
    assert plan.diff()['before'] is not None and plan.diff()['after'] is not None

    if plan.conflicts and not allow_recreate:
        return  # the caller refuses before any write
    after = applied(plan, current if current is not None else {})
    again = reconcile.plan_present(fields, copy.deepcopy(desired), managed_view(fields, after), allow_recreate)
    assert again.action == reconcile.NONE and again.payload == {} and again.conflicts == {}, (plan.payload, again)


@FUZZ_SETTINGS
@given(st.one_of(st.none(), st.dictionaries(st.text(max_size=6), json_values, max_size=4)), field_sets())
def test_absent_deletes_exactly_what_exists(current, fields):
    FUZZ_STATS['plans'] += 1
    plan = reconcile.plan_absent(fields, current)
    assert plan.action == (reconcile.NONE if current is None else reconcile.DELETE)
    assert plan.payload == {}


FEISHU_OPTION_VALUES = {
    'name': st.one_of(st.none(), st.text(max_size=10)),
    'id': st.one_of(st.none(), st.text(max_size=22)),
    'online': st.one_of(st.none(), st.booleans()),
    'description': st.one_of(st.none(), st.text(max_size=10)),
    'icon_url': st.one_of(st.none(), st.text(max_size=30)),
    'enable_answer': st.one_of(st.none(), st.booleans()),
    'template': st.one_of(st.none(), st.text(max_size=10)),
    'schema_id': st.one_of(st.none(), st.text(max_size=10)),
    'data_source_app_id': st.one_of(st.none(), st.text(max_size=10)),
    'searchable_fields': st.one_of(st.none(), st.lists(st.text(max_size=6), max_size=3)),
    'connect_type': st.one_of(st.none(), st.sampled_from(['default', 'callback'])),
    'i18n_name': st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        'zh_cn': st.one_of(st.none(), st.text(max_size=6)), 'en_us': st.one_of(st.none(), st.text(max_size=6))})),
    'connector_param': st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        'callback_endpoint': st.one_of(st.none(), st.text(max_size=30)),
        'callback_user_id_type': st.one_of(st.none(), st.sampled_from(['user_id', 'open_id', 'union_id']))})),
}


@FUZZ_SETTINGS
@given(st.fixed_dictionaries(FEISHU_OPTION_VALUES), st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_feishu_options_map_to_fields_and_api_objects_sanitise_without_raising(params, api_object):
    """Validated Feishu options become API fields (or a clean InputError); any API object can be sanitised."""
    FUZZ_STATS['mappings'] += 1
    try:
        validate_options(params)
    except InputError as error:
        assert str(error)
    else:
        desired = desired_fields(params)
        assert set(desired) <= set(f.name for f in FEISHU_FIELDS)
        assert all(value is not None for value in desired.values())
    clean = sanitize_data_source(api_object)
    assert set(clean) == set(api_object)
    hostile = dict(api_object, icon_url='https://user:pw-zz9@example.com/x.png',
                   connector_param={'callback_endpoint': 'http://u:pw-zz9@cb.example.com/'})
    assert 'pw-zz9' not in repr(sanitize_data_source(hostile))  # credentials inside URLs are masked
