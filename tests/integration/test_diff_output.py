# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``--diff`` prints, read from ansible-playbook's own output (no -v): every resource and list module.

The diff speaks the user's language: the modules' option names (``online``, ``agency``), YAML text
with the Chinese as written, and headers naming the object.
"""

from __future__ import absolute_import, division, print_function

import copy

__metaclass__ = type

PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
MRS_CLUSTER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
MRS_PASSWORD = 'Mrs_Password_Never_Shown_42'
SID = 'ticket_schema'
TITLE = {'name': 'title', 'type': 'text', 'is_searchable': True, 'is_returnable': True, 'desc': 'Title',
         'search_options': {'enable_exact_match': True}}


def printed_diff(run_playbook, playbook, extra_vars, check=False):
    """The output of a --diff run at the default verbosity, which must succeed."""
    run = run_playbook(playbook, extra_vars, diff=True, check=check, verbosity=0)
    assert run.rc == 0, run.output
    assert '\\u' not in run.output  # no escaped character anywhere
    return run.output


def hunk_lines(output):
    """The lines of the printed diff: those starting with '-', '+' or a space after a '@@' line."""
    lines, in_hunk = [], False
    for line in output.splitlines():
        if line.startswith('@@'):
            in_hunk = True
        elif in_hunk and line[:1] in ('-', '+', ' ') and not line.startswith(('---', '+++')):
            lines.append(line)
        else:
            in_hunk = False
    return lines


def test_a_feishu_data_source_change_prints_its_chinese_name_and_option_names(sandbox, run_playbook):
    seeded = sandbox.seed_feishu([{'name': 'Tickets', 'state': 1, 'description': 'Helpdesk tickets',
                                   'i18n_name': {'zh_cn': '工单', 'en_us': 'Tickets'}}])[0]
    output = printed_diff(run_playbook, 'feishu_search_data_source', {
        'ds_name': 'Tickets', 'ds_online': True, 'ds_i18n_name': {'zh_cn': '工单系统'}})
    header = "Feishu data source 'Tickets' (id %s)" % seeded['id']
    assert '--- before: %s\n+++ after: %s\n' % (header, header) in output
    assert hunk_lines(output) == [
        ' name: Tickets', '-online: false', '+online: true', ' i18n_name:', '-  zh_cn: 工单', '+  zh_cn: 工单系统',
        '   en_us: Tickets']  # what the task manages: the description it left out is neither compared nor shown
    assert 'state:' not in output  # the API's field; the user wrote online
    assert sandbox.state()['feishu']['data_sources'][0]['i18n_name']['zh_cn'] == '工单系统'


def test_the_feishu_list_module_prints_the_chinese_of_each_item(sandbox, run_playbook):
    sandbox.seed_feishu([{'name': 'Tickets', 'state': 1, 'i18n_name': {'zh_cn': '工单'}}])
    output = printed_diff(run_playbook, 'feishu_search_data_sources', {'ds_config': [
        {'name': 'Tickets', 'i18n_name': {'zh_cn': '工单系统'}}, {'name': 'Wiki', 'i18n_name': {'zh_cn': '维基'}}]})
    assert '--- before: the Feishu data sources (config)\n' in output
    lines = hunk_lines(output)
    assert '-    zh_cn: 工单' in lines and '+    zh_cn: 工单系统' in lines
    assert '+  name: Wiki' in lines and '+  online: false' in lines and '+    zh_cn: 维基' in lines


def test_a_dws_agency_change_prints_agency_not_user_name(sandbox, run_playbook):
    seeded = sandbox.seed_dws(PROJECT, CLUSTER, [{'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS',
                                                  'connect_info': 'gaussdb'}])[0]
    output = printed_diff(run_playbook, 'dws_ext_data_source', {
        'dws_cluster_id': CLUSTER, 'dws_name': 'obs_src1', 'dws_type': 'OBS', 'dws_agency': 'DWSAccessOBS2'})
    header = "DWS external data source 'obs_src1' (id %s)" % seeded['id']
    assert '--- before: %s\n+++ after: %s\n' % (header, header) in output
    assert hunk_lines(output) == [' name: obs_src1', ' type: OBS', '-agency: DWSAccessOBS', '+agency: DWSAccessOBS2']
    assert 'user_name' not in output


def test_the_dws_list_module_check_mode_prints_the_would_be_set(sandbox, run_playbook):
    sandbox.seed_dws(PROJECT, CLUSTER, [{'name': 'obs_src1', 'type': 'OBS', 'user_name': 'DWSAccessOBS',
                                         'connect_info': 'gaussdb'}])
    output = printed_diff(run_playbook, 'dws_ext_data_sources', {'ds_config': [
        {'name': 'obs_src1', 'type': 'OBS', 'agency': 'DWSAccessOBS2'}]}, check=True)
    assert '--- before: the external data sources of cluster %s (config)\n' % CLUSTER in output
    lines = hunk_lines(output)
    assert '-  agency: DWSAccessOBS' in lines and '+  agency: DWSAccessOBS2' in lines
    assert 'user_name' not in output
    assert sandbox.writes('dws') == []


def test_a_schema_change_prints_the_property_by_name(sandbox, run_playbook):
    sandbox.seed_feishu_schemas([{'schema_id': SID, 'properties': [copy.deepcopy(TITLE)]}])
    output = printed_diff(run_playbook, 'feishu_search_schema', {
        'schema_id': SID, 'schema_properties': [dict(TITLE, desc='工单标题')]})
    assert "--- before: Feishu search schema '%s'\n" % SID in output
    # three lines of context, as ansible-core prints them: the property's fields in the order of the reference
    assert hunk_lines(output) == ['   is_returnable: true', '   search_options:', '     enable_exact_match: true',
                                  '-  desc: Title', '+  desc: 工单标题']


def test_writes_the_sides_cannot_show_are_noted_never_printed(sandbox, run_playbook):
    """A re-applied MRS password and a rotated URL credential change nothing either side shows: a note says so."""
    mrs = sandbox.seed_dws(PROJECT, CLUSTER, [{'name': 'mrs_src1', 'type': 'MRS', 'user_name': 'mrs_user',
                                               'data_source_id': MRS_CLUSTER}])[0]
    run = run_playbook('dws_ext_data_source', {
        'dws_cluster_id': CLUSTER, 'dws_name': 'mrs_src1', 'dws_type': 'MRS', 'dws_mrs_cluster_id': MRS_CLUSTER,
        'dws_user_name': 'mrs_user', 'dws_password_from_env': True, 'dws_update_password': 'always',
        'dws_recreate': True}, diff=True, verbosity=0, env={'DWS_MRS_PASSWORD': MRS_PASSWORD})
    assert run.rc == 0, run.output
    sandbox.wait_idle(timeout=30)
    listed = sandbox.state()['dws']['projects'][PROJECT][CLUSTER]['data_sources']
    new = [s for s in listed if s['name'] == 'mrs_src1'][0]
    assert new['id'] != mrs['id']
    assert "--- before: DWS external data source 'mrs_src1' (id %s)\n" % mrs['id'] in run.output
    assert "+++ after: DWS external data source 'mrs_src1' (id %s)\n" % new['id'] in run.output
    assert '+# deleted and created again (recreate)' in hunk_lines(run.output)
    assert MRS_PASSWORD not in run.output

    sandbox.seed_feishu([{'name': 'Tickets', 'state': 1, 'icon_url': 'https://robot:old-pass@icons.example.com/t.png'}])
    output = printed_diff(run_playbook, 'feishu_search_data_sources', {'ds_config': [
        {'name': 'Tickets', 'icon_url': 'https://robot:new-pass@icons.example.com/t.png'}]})
    assert "+# config[0] 'Tickets': icon_url changed (not shown)" in hunk_lines(output)
    assert 'old-pass' not in output and 'new-pass' not in output
