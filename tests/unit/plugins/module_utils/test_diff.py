# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core.diff: each side of a diff as YAML text, Unicode kept, headers naming the object."""

from __future__ import absolute_import, division, print_function

import json

import yaml

from ansible_collections.dsops.cloud.plugins.module_utils.core import diff

__metaclass__ = type


def test_a_side_is_yaml_text_in_the_given_order_with_the_chinese_kept():
    text = diff.as_text({'name': 'Tickets', 'online': True, 'i18n_name': {'zh_cn': '工单'}})
    assert text == 'name: Tickets\nonline: true\ni18n_name:\n  zh_cn: 工单\n'
    assert '\\u' not in text


def test_an_absent_side_is_empty_text():
    assert diff.as_text({}) == diff.as_text(None) == diff.as_text([]) == ''


def test_a_list_side_is_a_yaml_list():
    assert yaml.safe_load(diff.as_text([{'name': 'a'}, {'name': 'b'}])) == [{'name': 'a'}, {'name': 'b'}]


def test_tuples_and_str_subclasses_are_rendered_not_refused():
    class Tagged(str):
        pass
    assert yaml.safe_load(diff.as_text({'fields': ('a', 'b'), 'name': Tagged('x')})) == {'fields': ['a', 'b'], 'name': 'x'}


def test_long_values_stay_on_one_line():
    assert diff.as_text({'description': 'x ' * 200}).count('\n') == 1


def test_without_pyyaml_a_side_is_json_text_with_the_chinese_kept(monkeypatch):
    monkeypatch.setattr(diff, 'HAS_YAML', False)
    text = diff.as_text({'i18n_name': {'zh_cn': '工单'}})
    assert json.loads(text) == {'i18n_name': {'zh_cn': '工单'}} and '工单' in text


def test_both_headers_name_the_object():
    assert diff.text_diff({}, {'name': 'a'}, "Feishu data source 'a'") == {
        'before': '', 'after': 'name: a\n',
        'before_header': "Feishu data source 'a'", 'after_header': "Feishu data source 'a'"}


def test_a_written_option_both_sides_show_alike_gets_a_note():
    assert diff.unshown_changes(['icon_url', 'name'], {'icon_url': 'https://u:********@h', 'name': 'a'},
                                {'icon_url': 'https://u:********@h', 'name': 'b'}) == ['icon_url: changed (not shown)']


def test_equal_sides_get_one_note_when_no_written_option_is_a_key_of_them():
    nested = {'properties': [{'name': 'title'}]}
    assert diff.unshown_changes(['properties.title.desc'], nested, nested) == ['changed (not shown)']
    assert diff.unshown_changes(['properties.title.desc'], nested, {'properties': []}) == []


def test_notes_end_the_after_side_as_yaml_comments():
    result = diff.text_diff({'name': 'a'}, {'name': 'a'}, 'x', 'y', unshown=['icon_url: changed (not shown)'])
    assert result['after'] == 'name: a\n# icon_url: changed (not shown)\n' and result['after_header'] == 'y'
    assert yaml.safe_load(result['after']) == {'name': 'a'}
