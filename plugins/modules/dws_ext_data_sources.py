#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: dws_ext_data_sources
short_description: Manage a whole set of external data sources of a GaussDB(DWS) cluster in one task
version_added: 0.2.0
description:
  - Reconciles a declared list of the external data sources (OBS, MRS, LAKE_FORMATION) of one Huawei Cloud GaussDB(DWS)
    cluster in one task, in the way of Ansible's network resource modules. O(config) lists the data sources and
    O(state) says how the list applies to what exists in the cluster O(cluster_id).
  - Each item of O(config) takes the options of M(dsops.cloud.dws_ext_data_source) that describe a data source,
    with the same types, choices and checks. O(cluster_id), O(wait) and O(wait_timeout) belong to the whole task.
    An item matches an existing data source by O(config[].id) when it gives one, else by O(config[].name), in its
    O(config[].type) when it gives one.
  - V(merged), the default, creates each item that does not exist and reconfigures each one whose OBS agency
    differs. An option left out of an item is not compared. Data sources that no item names are left alone.
  - V(overridden) does what V(merged) does, then deletes every data source of the cluster (of any type) that no item
    matches. An empty O(config) is refused, and nothing is written, unless O(allow_delete_all=true).
  - V(deleted) deletes the data sources the items name. An item whose data source does not exist is already absent
    and is reported as C(unchanged). An empty O(config) is refused; it never means "delete every data source".
  - V(gathered) only reads. It returns every data source of the cluster (of any type) in RV(gathered), in the
    O(config) format (option names such as C(agency) and C(mrs_cluster_id), never API-only fields such as
    C(configure_status), and never a password). O(config) must be left out. Passing RV(gathered) back as O(config)
    with V(merged) or V(overridden) reports no change and makes no write, MRS data sources included although
    their password is missing, so V(gathered) is where adopting existing data sources starts.
  - Only the agency of an OBS data source can be changed in place. Any other difference (the database, the MRS
    cluster or user, the description, a name given with an id) is a problem, unless the item sets
    O(config[].recreate=true), which deletes and re-creates that data source.
  - The whole list is checked before the first write. First every item's options are checked (Ansible's argument
    spec, then the module's own checks, for example a name with characters DWS refuses). Then every item is matched
    and planned against the listings. An unknown O(config[].id), two items for one data source, a create that lacks
    a required option (such as the MRS password), and a create-only difference without O(config[].recreate) are
    all problems. Ansible's argument spec stops the task at the first type, choice or unknown option it meets (its
    message names O(config) but not the item). Then the module's own option checks run on every item, with no
    request made (a name, agency or description DWS would refuse); then the matching and planning. Each of these
    two checks collects every problem it finds and fails the task reporting them together in RV(problems), each
    naming its item by position and name, and nothing is written.
  - A data source in the middle of a job (C(CREATING), C(UPDATING) or C(DELETING), for example after a task with
    O(wait=false)) is waited for, up to O(wait_timeout) and with reads only, before it is planned. One being deleted
    already counts as absent for V(deleted).
  - The writes run one after another, since DWS runs one operation at a time on a cluster, and C(DWS.0011) (another
    operation in progress) is retried. Creates, reconfigurations and re-creations come first, in the order of
    O(config), and the deletes of V(overridden) come last. The first write that fails (once its retries are spent,
    or when its job fails) stops the run. The task fails naming that item; RV(results) tells item by item what
    happened; the items not attempted are C(skipped). A delete therefore never follows a failed write. The writes
    made before the failure stand, and running the task again converges.
  - A task lists the data sources once per type it needs. V(merged) and V(deleted) list the types their items give
    (every type, V(OBS), V(MRS) and V(LAKE_FORMATION), when an item gives no O(config[].type)); V(overridden) and
    V(gathered) list every type. Then each write is sent, and with O(wait=true) its job is polled. When something
    was written and O(wait=true), each type is listed once more, so that RV(after) and RV(ext_data_sources) show
    what DWS reports; if that last listing fails, the writes still count and a warning says so. In a steady state a
    task makes one to three requests whatever the length of O(config), plus one IAM request when the project id is
    found from the region.
  - Check mode makes the same reads and no write. It predicts C(changed), RV(results), RV(after) and the diff.
  - Diff mode returns RV(diff), the whole set before and after, data source by data source, in the O(config)
    format.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
  cluster_id:
    description:
      - ID of the DWS cluster (a UUID) whose data sources the task manages. A task manages one cluster, and
        V(overridden) never touches another.
    type: str
    required: true
  config:
    description:
      - The declared data sources, one dictionary per data source.
      - Each item needs O(config[].id) or O(config[].name).
      - A data source may be named by one item only, and a name to create by one item only.
      - Must be left out with O(state=gathered). May only be empty with O(state=overridden) and
        O(allow_delete_all=true).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description:
          - ID of an existing data source. When given, the item matches by id and O(config[].name) is compared
            rather than used to find it.
          - An id that does not exist is a problem with O(state=merged) or O(state=overridden). With
            O(state=deleted) it is already absent.
          - With O(state=deleted) and a O(config[].name) that is not the data source's name, the task fails and
            deletes nothing.
        type: str
      name:
        description:
          - Name of the data source, 1 to 64 letters, digits or underscores. Needed to create one.
          - Without O(config[].id), the item matches the data source with this name.
        type: str
      type:
        description:
          - Type of the data source. Needed to create one.
          - When an item leaves it out, the item is matched among every type, and every type is listed.
          - V(LAKE_FORMATION) data sources are listed, gathered and deleted, but never created (their create fields
            are not documented); an item that would create one is a problem.
        type: str
        choices: [OBS, MRS, LAKE_FORMATION]
      agency:
        description:
          - O(config[].type=OBS) only. Name of the IAM agency that lets the cluster read OBS, 3 to 20 letters,
            digits or underscores. The API reports it as C(user_name).
          - Needed to create an OBS data source. The only field that is changed in place.
        type: str
      connect_info:
        description:
          - O(config[].type=OBS) only. The database of the cluster in which the OBS connection is made.
          - Needed to create an OBS data source. Create-only.
        type: str
        aliases: [database]
      mrs_cluster_id:
        description:
          - O(config[].type=MRS) only. ID of the MRS cluster, which the API calls C(data_source_id).
          - Needed to create an MRS data source. Create-only.
        type: str
      user_name:
        description:
          - O(config[].type=MRS) only. The MRS user the cluster connects as, 3 to 20 letters, digits or underscores.
            For OBS use O(config[].agency).
          - Needed to create an MRS data source. Create-only.
        type: str
      user_password:
        description:
          - O(config[].type=MRS) only. Password of O(config[].user_name).
          - Needed to create an MRS data source, or to re-create one. DWS never returns it, so it is never compared,
            never returned and never part of RV(gathered).
          - It is sent only when the data source is created. For an existing one it is not applied, and the task
            warns. To change the password of an existing MRS data source use M(dsops.cloud.dws_ext_data_source)
            with O(dsops.cloud.dws_ext_data_source#module:update_password=always).
          - Must be a string (a number is taken as text); a dictionary or a list is refused.
        type: str
      description:
        description:
          - Description, at most 256 characters, without any of the characters C(!<>'=&).
          - Create-only.
        type: str
      reboot:
        description:
          - Whether the cluster reboots to apply the configuration, sent with the create or reconfiguration of this
            item.
          - An action flag, not a property of the data source. It is never compared, so on its own it never changes
            anything.
        type: bool
        default: false
      recreate:
        description:
          - When a create-only field of this item differs, delete the data source and create it again with the
            desired values instead of failing. The results report it as C(recreated).
          - The deletion is always waited for, so that the name is free again. An MRS data source needs
            O(config[].user_password) to be re-created.
        type: bool
        default: false
  state:
    description:
      - How O(config) applies to the data sources of the cluster.
      - V(merged) creates the missing items and reconfigures the others where their agency differs; data sources no
        item names are left alone.
      - V(overridden) does what V(merged) does, then deletes every data source no item matches.
      - V(deleted) deletes the data sources the items name.
      - V(gathered) only reads and returns the data sources in RV(gathered).
    type: str
    choices: [merged, overridden, deleted, gathered]
    default: merged
  allow_delete_all:
    description:
      - Allow O(state=overridden) with an empty O(config), which deletes every data source of the cluster.
      - Without it such a task fails and writes nothing, so that an empty variable cannot wipe a cluster.
      - O(state=deleted) with an empty O(config) fails whatever this says.
    type: bool
    default: false
  wait:
    description:
      - Wait for the DWS job of every create, reconfiguration and delete to finish before the next write.
      - With V(false) the writes are still sent one after another, but the jobs are not followed. DWS may then
        refuse the next write on the cluster while a job runs (C(DWS.0011)), which is retried. RV(after) and
        RV(ext_data_sources) are the prediction, and the next run waits for the data sources still in a job.
      - The deletion of a re-creation (O(config[].recreate)) is always waited for.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each job, from 1 to 86400, and for a data source found in the middle of a job.
        Polling starts after 1 second and backs off up to 15 seconds.
      - On timeout the task fails with the job ID and its last status; the job may still complete.
      - A job status containing C(FAIL), C(ERROR), C(STOP) or C(CANCEL) fails the task at once, with C(failed_code)
        and C(failed_detail) in RV(job).
    type: int
    default: 1800
extends_documentation_fragment:
  - dsops.cloud.dws
  - dsops.cloud.dws.action_group
attributes:
  check_mode:
    description: Can run in check mode and predict the result without writing anything.
    support: full
    details:
      - Only the listings are made (and, for a data source in the middle of a job, the reads that wait for it).
        The result is the predicted one.
  diff_mode:
    description: Returns the whole set before and after in RV(diff).
    support: full
    details:
      - The diff is YAML text in the O(config) format. Without a change both sides are the same.
  platform:
    description: The module talks to the DWS API from the host it runs on, usually the controller.
    support: N/A
    platforms: all
notes:
  - There is no API call that reads one data source, so the module matches the items against the listings of the
    cluster, made once per type.
  - RV(before), RV(after) and the diff hold the types the task listed. A V(merged) task whose items all give
    O(config[].type=OBS) shows only the OBS data sources.
  - RV(gathered) holds each data source's O(config[].id). To adopt existing MRS data sources, keep their items as
    gathered; add O(config[].user_password) only to items that may have to be created again.
  - A write whose answer was lost is re-read before it is repeated, so a data source is never created twice, and a
    reconfiguration with O(config[].reboot=true) never reboots the cluster twice.
  - The module manages remote state, not the host it runs on. Run it once, not once per host, for example in a
    play on C(localhost) or with C(run_once).
seealso:
  - module: dsops.cloud.dws_ext_data_source
    description: Manage one external data source, with C(state=present) or C(state=absent).
  - module: dsops.cloud.dws_ext_data_source_info
    description: List the external data sources of a cluster, as the API reports them.
  - ref: ansible_collections.dsops.cloud.docsite.guide_dws
    description: The DWS scenario guide, including adopting existing data sources.
  - name: CreateDataSource API reference
    description: Huawei Cloud GaussDB(DWS) API to create an external data source.
    link: https://support.huaweicloud.com/intl/en-us/api-dws/CreateDataSource.html
'''

EXAMPLES = r'''
- name: Declare the data sources of the cluster (merged); data sources not listed are left alone
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    config:
      - name: obs_sales
        type: OBS
        agency: DWSAccessOBS
        connect_info: sales
        description: Raw sales files
      - name: mrs_events
        type: MRS
        mrs_cluster_id: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
        user_name: mrs_reader
        user_password: "{{ vault_mrs_password }}"
  register: declared

- name: Name the data sources that changed
  ansible.builtin.debug:
    msg: "{{ declared.results | rejectattr('action', 'equalto', 'unchanged') | map(attribute='name') | list }}"

- name: Point obs_sales at a new agency and reboot the cluster to apply it
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    config:
      - name: obs_sales
        type: OBS
        agency: DWSAccessOBS2
        reboot: true

- name: Move obs_sales to another database, which DWS allows only by re-creating it
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    config:
      - name: obs_sales
        type: OBS
        agency: DWSAccessOBS2
        connect_info: analytics
        recreate: true

- name: Preview making the list the whole set, without writing (check mode with a diff)
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    state: overridden
    config:
      - name: obs_sales
        type: OBS
      - name: mrs_events
        type: MRS
  check_mode: true
  diff: true
  register: preview

- name: Make the list the whole set; every other data source of the cluster is deleted, last
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    state: overridden
    config:
      - name: obs_sales
        type: OBS
      - name: mrs_events
        type: MRS

- name: Delete two data sources
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    state: deleted
    config:
      - name: obs_old
        type: OBS
      - id: 66666666-7777-8888-9999-000000000000

- name: Adopt what a cluster already has, with the connection set once (AWX injects the HW_* variables)
  module_defaults:
    group/dsops.cloud.dws:
      region: cn-north-4
      project_id: 0123456789abcdef0123456789abcdef
  block:
    - name: Read every data source of the cluster in the config format
      dsops.cloud.dws_ext_data_sources:
        cluster_id: 11111111-2222-3333-4444-555555555555
        state: gathered
      register: current

    - name: Keep the declared set in the inventory
      ansible.builtin.copy:
        content: "{{ {'dws_data_sources': current.gathered} | to_nice_yaml }}"
        dest: group_vars/all/dws_data_sources.yml
        mode: "0644"
      delegate_to: localhost

    - name: Apply it back; this reports no change and makes no write, MRS passwords included
      dsops.cloud.dws_ext_data_sources:
        cluster_id: 11111111-2222-3333-4444-555555555555
        state: overridden
        config: "{{ current.gathered }}"

- name: Start the writes without waiting for their jobs
  dsops.cloud.dws_ext_data_sources:
    cluster_id: 11111111-2222-3333-4444-555555555555
    wait: false
    config:
      - name: obs_archive
        type: OBS
        agency: DWSAccessOBS
        connect_info: archive
'''

RETURN = r'''
results:
  description:
    - What happened to each item, in the order of O(config), then one entry for each data source that
      O(state=overridden) deletes because no item matches it.
    - In check mode, what would happen.
  returned: when O(state) is not V(gathered), also when a write failed part-way
  type: list
  elements: dict
  sample:
    - name: obs_sales
      id: 66666666-7777-8888-9999-000000000000
      index: 0
      action: updated
      changes:
        agency:
          before: DWSAccessOBS
          after: DWSAccessOBS2
    - name: mrs_events
      id: 77777777-8888-9999-0000-111111111111
      index: 1
      action: unchanged
      changes: {}
    - name: obs_old
      id: 88888888-9999-0000-1111-222222222222
      action: deleted
      changes:
        name:
          before: obs_old
          after: null
  contains:
    name:
      description: Name of the data source, or V(null) when an item by id names no data source.
      type: str
      sample: obs_sales
    id:
      description: ID of the data source; V(null) for a data source that is not created yet (check mode, C(skipped)).
      type: str
      sample: 66666666-7777-8888-9999-000000000000
    index:
      description: Position of the item in O(config). Missing from the entries of data sources no item matches.
      type: int
      sample: 0
    action:
      description:
        - V(created), V(updated) (the agency was reconfigured), V(recreated) (deleted and created again with
          O(config[].recreate=true)), V(deleted) or V(unchanged).
        - V(failed) for the write that stopped the run, and V(skipped) for the writes not attempted after it.
      type: str
      choices: [created, updated, recreated, deleted, unchanged, failed, skipped]
      sample: updated
    changes:
      description:
        - The options that changed, or would change, each with its C(before) and C(after) value, in option names.
        - V({}) when nothing changes. A created data source shows V(null) before; a deleted one V(null) after. The
          password never shows.
      type: dict
      sample: {"agency": {"before": "DWSAccessOBS", "after": "DWSAccessOBS2"}}
    error:
      description: Why the write failed.
      returned: when RV(results[].action=failed)
      type: str
      sample: "DWS job 2c9081c88418ed420184197c8bc80001 ended with status FAIL: failed_code DWS.5555, failed_detail agency lacks OBS rights."
before:
  description: The data sources of the types the task listed, before the task, in the O(config) format.
  returned: when O(state) is not V(gathered) and the task succeeded
  type: list
  elements: dict
  sample:
    - id: 66666666-7777-8888-9999-000000000000
      name: obs_sales
      type: OBS
      agency: DWSAccessOBS
      connect_info: sales
      description: Raw sales files
after:
  description:
    - The data sources of the types the task listed, after the task, in the O(config) format.
    - As DWS lists them once the jobs are done; in check mode, or with O(wait=false), the prediction. A data source
      the task creates in check mode has no C(id).
  returned: when O(state) is not V(gathered) and the task succeeded
  type: list
  elements: dict
  sample:
    - id: 66666666-7777-8888-9999-000000000000
      name: obs_sales
      type: OBS
      agency: DWSAccessOBS2
      connect_info: sales
      description: Raw sales files
ext_data_sources:
  description:
    - The data sources of the types the task listed, after the task, with the API's field names, as
      RV(dsops.cloud.dws_ext_data_source#module:ext_data_source) returns one.
    - As DWS lists them once the jobs are done; in check mode, or with O(wait=false), the prediction.
    - The MRS password is never returned.
  returned: when O(state) is not V(gathered) and the task succeeded
  type: list
  elements: dict
  sample:
    - id: 66666666-7777-8888-9999-000000000000
      name: obs_sales
      type: OBS
      connect_info: sales
      user_name: DWSAccessOBS2
      version: ""
      configure_status: "200"
      configure_status_name: ACTIVE
      status: "200"
      status_name: AVAILABLE
      data_source_id: ""
      created: "2024-01-01T00:00:00"
      updated: "2024-01-01T00:05:00"
      data_source_updated: "2024-01-01T00:05:00"
      extend_properties: {}
      description: Raw sales files
      fail_reason: ""
  contains:
    id:
      description: ID of the data source.
      type: str
      sample: 66666666-7777-8888-9999-000000000000
    name:
      description: Name of the data source.
      type: str
      sample: obs_sales
    type:
      description: V(OBS), V(MRS) or V(LAKE_FORMATION).
      type: str
      sample: OBS
    user_name:
      description: The agency (OBS) or the MRS user (MRS).
      type: str
      sample: DWSAccessOBS2
    connect_info:
      description: The database an OBS data source is bound to.
      type: str
      sample: sales
    data_source_id:
      description: The MRS cluster ID (MRS).
      type: str
      sample: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
    configure_status:
      description: Configuration status, as the API sends it (a name such as V(ACTIVE) or a code such as V(200)).
      type: str
      sample: "200"
    configure_status_name:
      description: C(configure_status) in words, whichever way the API sent it, for example V(ACTIVE) for C(200).
      type: str
      sample: ACTIVE
    status_name:
      description: C(status) in words, whichever way the API sent it, for example V(AVAILABLE) for C(200).
      type: str
      sample: AVAILABLE
gathered:
  description:
    - Every data source of the cluster in the O(config) format, ready to be passed back as O(config).
    - Empty options are left out, and so is the MRS password, which DWS never returns.
  returned: when O(state=gathered)
  type: list
  elements: dict
  sample:
    - id: 66666666-7777-8888-9999-000000000000
      name: obs_sales
      type: OBS
      agency: DWSAccessOBS
      connect_info: sales
      description: Raw sales files
    - id: 77777777-8888-9999-0000-111111111111
      name: mrs_events
      type: MRS
      mrs_cluster_id: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
      user_name: mrs_reader
diff:
  description:
    - The whole set before and after, each side RV(before) or RV(after) as YAML text (a list in the O(config) format,
      Unicode kept), so that C(--diff) prints a readable unified diff. Without a change both sides are the same.
  returned: in diff mode, when O(state) is not V(gathered) and the task succeeded
  type: dict
  contains:
    before:
      description: RV(before) as YAML text.
      type: str
    after:
      description: RV(after) as YAML text (predicted in check mode).
      type: str
    before_header:
      description: What the set is, for the lines C(--diff) prints above the diff.
      type: str
    after_header:
      description: The same as RV(diff.before_header).
      type: str
  sample:
    before: "- id: 66666666-7777-8888-9999-000000000000\n  name: obs_sales\n  type: OBS\n  agency: DWSAccessOBS\n"
    after: "- id: 66666666-7777-8888-9999-000000000000\n  name: obs_sales\n  type: OBS\n  agency: DWSAccessOBS2\n"
    before_header: "the external data sources of cluster 11111111-2222-3333-4444-555555555555 (config)"
    after_header: "the external data sources of cluster 11111111-2222-3333-4444-555555555555 (config)"
problems:
  description:
    - Every problem found in O(config), one line per problem, each starting with the item's position and name.
      Nothing was written.
    - The message of the task holds the same lines.
  returned: when the task failed because items cannot be applied
  type: list
  elements: str
  sample:
    - "config[0] ('mrs_x'): To create an MRS data source 'mrs_x' these options are required: user_password."
    - "config[2] ('obs_sales'): config[1] ('obs_sales') also manages 'obs_sales' (id 66666666-7777-8888-9999-000000000000); keep one of the two items."
written:
  description:
    - Set when the task failed after a write that DWS accepted, or may have accepted because its answer was lost.
      The task then also reports C(changed=true).
    - What is known of the write that failed, for example the C(id) of the data source and the C(job_id), or
      C(outcome=unknown), or else C(items), the labels of the items written before the failure.
  returned: when a write was made, or may have been made, before the task failed
  type: dict
  sample: {"id": "66666666-7777-8888-9999-000000000000", "job_id": "2c9081c88418ed420184197c8bc80001"}
job:
  description: The DWS job that made the task fail, as the job API reports it.
  returned: when a job failed, stopped or timed out
  type: dict
  sample:
    job_id: 2c9081c88418ed420184197c8bc80001
    job_name: updateExtDataSourceJob
    begin_time: "2024-01-01T00:00:00"
    end_time: "2024-01-01T00:00:40"
    status: FAIL
    failed_code: DWS.5555
    failed_detail: agency lacks OBS rights
    progress: "100%"
error:
  description: The DWS API error that made the task fail.
  returned: when DWS answered with an error
  type: dict
  sample:
    platform: DWS
    http_status: 401
    code: APIGW.0301
    message: "Incorrect IAM authentication information: verify aksk signature fail"
    request_id: 0b4c1e9f7d5a4e0c9a2b3c4d5e6f7a8b
    method: GET
    path: /v1.0/0123456789abcdef0123456789abcdef/clusters/11111111-2222-3333-4444-555555555555/ext-data-sources
'''

from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar
from ansible_collections.dsops.cloud.plugins.module_utils.core.resource_set import STATES, MERGED, reconcile_set
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source_set import (
    DwsDataSourceCatalog, item_argument_spec)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        cluster_id=dict(type='str', required=True),
        config=dict(type='list', elements='dict', default=[], options=item_argument_spec()),
        state=dict(type='str', choices=list(STATES), default=MERGED),
        allow_delete_all=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
    )
    return spec


def main():
    module = new_module(argument_spec=argument_spec(), supports_check_mode=True)

    def work():
        client = build_client(module.params, register_secret=secret_registrar(module))
        catalog = DwsDataSourceCatalog(client, module.params)
        return reconcile_set(catalog, module.params['config'], module.params['state'],
                             check_mode=module.check_mode, want_diff=module._diff,
                             allow_delete_all=module.params['allow_delete_all'])

    run(module, work)


if __name__ == '__main__':
    main()
