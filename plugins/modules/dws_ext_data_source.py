#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: dws_ext_data_source
short_description: Manage external data sources (OBS, MRS) of a Huawei Cloud GaussDB(DWS) cluster
version_added: 0.2.0
author:
  - dsops maintainers (@dsops)
description:
  - Creates, reconfigures and deletes an external data source of a GaussDB(DWS) cluster, idempotently.
  - An OBS data source connects a database of the cluster to OBS through an IAM agency; an MRS data source
    connects the cluster to an MRS (Hadoop) cluster.
  - The data source is found by O(id), or else by O(name) (in the given O(type), or in every type).
  - Only the agency of an OBS data source can be changed in place. A difference in any other field fails,
    naming each field with its current and desired value, unless O(recreate=true).
  - Every write starts an asynchronous DWS job; by default the module waits for it.
requirements:
  - requests >= 2.20
options:
  cluster_id:
    description:
      - ID of the DWS cluster (a UUID).
    type: str
    required: true
  state:
    description:
      - V(present) creates the data source, or reconfigures it when its agency differs.
      - V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Name of the data source, 1 to 64 letters, digits or underscores.
      - Identifies the data source when O(id) is not given.
      - Required to create.
    type: str
  id:
    description:
      - ID of an existing data source. When given, O(name) is compared rather than used to find it.
      - With O(state=present) the data source must exist.
      - With O(state=absent) and a O(name) that is not the data source's name, the task fails and deletes nothing.
    type: str
  type:
    description:
      - Type of the data source. Required to create.
      - When not given, the data source is looked up among every type (one list call per type).
      - V(LAKE_FORMATION) data sources are listed by the API, but their create fields are not documented. The module
        can find and delete one (O(state=absent)); creating one fails before any write (after the one listing
        that shows it does not exist).
    type: str
    choices: [OBS, MRS, LAKE_FORMATION]
  agency:
    description:
      - O(type=OBS) only. Name of the IAM agency that lets the cluster access OBS, 3 to 20 letters, digits or
        underscores.
      - The API reports it as RV(ext_data_source.user_name).
      - Required to create an OBS data source. The only field that can be changed in place.
    type: str
  connect_info:
    description:
      - O(type=OBS) only. Database of the cluster in which the OBS connection is created.
      - Required to create an OBS data source. Create-only.
    type: str
    aliases: [database]
  mrs_cluster_id:
    description:
      - O(type=MRS) only. ID of the MRS cluster, sent as C(data_source_id).
      - Required to create an MRS data source. Create-only.
    type: str
  user_name:
    description:
      - O(type=MRS) only. MRS user the cluster connects as, 3 to 20 letters, digits or underscores.
      - Required to create an MRS data source. Create-only. For OBS use O(agency).
    type: str
  user_password:
    description:
      - O(type=MRS) only. Password of O(user_name).
      - Required to create (or re-create) an MRS data source. It cannot be read back, so it is never compared
        and never returned.
      - Must be a string (a number is taken as text); a dictionary or a list is refused.
      - See O(update_password) for what happens when the data source already exists.
    type: str
  update_password:
    description:
      - V(on_create) sends O(user_password) only when the data source is created. For an existing data source the
        password is not applied, and the task warns once that it was given.
      - V(always) applies O(user_password) to an existing MRS data source by deleting and re-creating it, since
        the API can neither read nor change a password. It needs O(recreate=true), and reports C(changed) on
        every run. The deletion drops the data source for a moment.
      - Follows the C(update_password) convention of other Ansible modules.
    type: str
    choices: [on_create, always]
    default: on_create
  description:
    description:
      - Description, at most 256 characters, without any of the characters C(!<>'=&).
      - Create-only.
    type: str
  reboot:
    description:
      - Whether the cluster reboots to apply the configuration, sent with a create or a reconfiguration.
      - An action flag, not a property of the data source. It is never compared, so on its own it never
        changes anything or makes the task changed.
    type: bool
    default: false
  recreate:
    description:
      - When a create-only field differs, delete the data source and create it again with the desired values
        instead of failing.
      - The deletion is always waited for, so that the name is free again.
    type: bool
    default: false
  wait:
    description:
      - Wait for the DWS job of a create, reconfigure or delete to finish.
      - With V(false) the module returns at once with RV(job.job_id); RV(ext_data_source) is then the
        predicted object.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each job, from 1 to 86400. Polling starts after 1 second and backs off up to 15
        seconds.
      - On timeout the task fails with the job ID, its last status and progress; the job may still complete.
      - A job status of V(SUCCESS) is done; any status containing C(FAIL), C(ERROR), C(STOP) or C(CANCEL) fails
        the task at once with C(failed_code) and C(failed_detail). C(INIT), C(WAITING), C(RUNNING) and
        C(DELAY_SCHEDULED) mean running; any other status is taken as running, with a warning.
    type: int
    default: 1800
extends_documentation_fragment:
  - dsops.cloud.dws
  - dsops.cloud.dws.action_group
attributes:
  check_mode:
    description: Only the list call(s) are made; the result is the predicted one.
    support: full
  diff_mode:
    description: Returns the managed fields before and after in RV(diff), as YAML text in the module's option names.
    support: full
notes:
  - There is no API call to read one data source, so the module lists the cluster's data sources of a type
    (C(?type=OBS) or C(?type=MRS)) and matches them. When O(type) is given and nothing changes, a task makes
    exactly one request.
  - 'The reconfiguration call is C(PUT .../ext-data-sources/{id}) with the body C({"reconfigure": {"reboot": ..., "agency": ...}}).'
  - O(reboot=true) is sent on create only when set; the Terraform provider never sends it on create.
  - A data source whose creation failed is reported as an error; remove it with O(state=absent) and run again.
  - If a write's response is lost (HTTP 5xx, timeout, dropped connection), the module re-reads before repeating
    it, so a data source is never created twice.
seealso:
  - module: dsops.cloud.dws_ext_data_source_info
  - name: CreateDataSource API reference
    description: Huawei Cloud GaussDB(DWS) API to create an external data source.
    link: https://support.huaweicloud.com/intl/en-us/api-dws/CreateDataSource.html
  - name: huaweicloud_dws_ext_data_source
    description: The Terraform resource for the same object.
    link: https://registry.terraform.io/providers/huaweicloud/huaweicloud/latest/docs/resources/dws_ext_data_source
'''

EXAMPLES = r'''
- name: Connect the gaussdb database to OBS through an agency
  dsops.cloud.dws_ext_data_source:
    cluster_id: 11111111-2222-3333-4444-555555555555
    name: obs_src1
    type: OBS
    agency: DWSAccessOBS
    connect_info: gaussdb
    description: Raw event files

- name: Manage several DWS resources with the connection set once (AWX injects the HW_* variables)
  module_defaults:
    group/dsops.cloud.dws:
      region: cn-north-4
      project_id: 0123456789abcdef0123456789abcdef
  block:
    - name: Add an MRS data source
      dsops.cloud.dws_ext_data_source:
        cluster_id: 11111111-2222-3333-4444-555555555555
        name: mrs_src1
        type: MRS
        mrs_cluster_id: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
        user_name: mrs_user
        user_password: "{{ vault_mrs_password }}"

    - name: Point the OBS data source at a new agency and reboot the cluster to apply it
      dsops.cloud.dws_ext_data_source:
        cluster_id: 11111111-2222-3333-4444-555555555555
        name: obs_src1
        type: OBS
        agency: DWSAccessOBS2
        reboot: true

- name: Preview a change without making it
  dsops.cloud.dws_ext_data_source:
    cluster_id: 11111111-2222-3333-4444-555555555555
    name: obs_src1
    type: OBS
    agency: DWSAccessOBS2
  check_mode: true
  diff: true
  register: preview

- name: Move the OBS data source to another database (delete and re-create)
  dsops.cloud.dws_ext_data_source:
    cluster_id: 11111111-2222-3333-4444-555555555555
    name: obs_src1
    type: OBS
    agency: DWSAccessOBS
    connect_info: analytics
    recreate: true

- name: Start the deletion and follow the job elsewhere
  dsops.cloud.dws_ext_data_source:
    cluster_id: 11111111-2222-3333-4444-555555555555
    name: mrs_src1
    type: MRS
    state: absent
    wait: false
  register: removal

- name: Use an IAM token instead of AK/SK
  dsops.cloud.dws_ext_data_source:
    auth_token: "{{ iam_token }}"
    endpoint: https://dws.cn-north-4.myhuaweicloud.com
    project_id: 0123456789abcdef0123456789abcdef
    cluster_id: 11111111-2222-3333-4444-555555555555
    name: obs_src1
    state: absent
'''

RETURN = r'''
ext_data_source:
  description:
    - The data source after the task, as the list API reports it (API field names); V({}) when absent.
    - In check mode, or with O(wait=false), the predicted object.
    - The MRS password is never returned.
  returned: always
  type: dict
  sample:
    id: 66666666-7777-8888-9999-000000000000
    name: obs_src1
    type: OBS
    connect_info: gaussdb
    user_name: DWSAccessOBS
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
    description: Raw event files
    fail_reason: ""
  contains:
    id:
      description: ID of the data source.
      type: str
    name:
      description: Name of the data source.
      type: str
    type:
      description: V(OBS) or V(MRS).
      type: str
    user_name:
      description: The agency (OBS) or the MRS user (MRS).
      type: str
    connect_info:
      description: The database the data source is bound to.
      type: str
    data_source_id:
      description: The MRS cluster ID (MRS).
      type: str
    configure_status:
      description:
        - Configuration status, as the API sends it (a name such as V(ACTIVE) or a code such as V(200)).
      type: str
    status:
      description:
        - Running status, as the API sends it (a name such as V(AVAILABLE) or a code such as V(200)).
      type: str
    configure_status_name:
      description:
        - C(configure_status) in words, whichever way the API sent it; for example V(ACTIVE) for C(200).
        - One of V(CREATING), V(ACTIVE), V(FAILED), V(DELETED), V(DELETING), V(UPDATING), V(PENDING_REBOOT); an unknown
          code is shown as it came.
      type: str
      sample: ACTIVE
    status_name:
      description:
        - C(status) in words, whichever way the API sent it; for example V(AVAILABLE) for C(200).
        - One of V(CREATING), V(AVAILABLE), V(FAILED), V(DELETE_FAILED), V(CREATE_FAILED), V(DELETING), V(DELETED),
          V(FROZEN), V(POLICE_FROZEN), V(STOPPED), V(STOPPING), V(STARTING); an unknown code is shown as it came.
      type: str
      sample: AVAILABLE
    description:
      description: Description.
      type: str
    fail_reason:
      description: Why the last operation failed, if it did.
      type: str
job:
  description:
    - The DWS job of the last write, as the job API reports it once finished.
    - With O(wait=false), only RV(job.job_id).
  returned: when a job was started
  type: dict
  sample:
    job_id: 2c9081c88418ed420184197c8bc80001
    job_name: createExtDataSourceJob
    begin_time: "2024-01-01T00:00:00"
    end_time: "2024-01-01T00:00:40"
    status: SUCCESS
    failed_code: ""
    failed_detail: ""
    progress: "100%"
  contains:
    job_id:
      description: ID of the job; follow it with C(GET /v1.0/{project_id}/job/{job_id}).
      type: str
    status:
      description: V(SUCCESS), or the last status seen (V(INIT), V(WAITING), V(RUNNING), ...) when not waited for.
      type: str
    failed_code:
      description: Error code of a failed job.
      type: str
    failed_detail:
      description: Error detail of a failed job.
      type: str
diff:
  description:
    - The fields the task manages, before and after, as YAML text in the module's option names (C(agency), not the
      API's C(user_name)), so that C(--diff) prints a readable unified diff. An absent side is empty text.
    - The MRS password never shows.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The fields before, as YAML text.
      type: str
    after:
      description: The fields after (predicted in check mode), as YAML text.
      type: str
    before_header:
      description: The data source the diff is of, with its ID when it has one.
      type: str
    after_header:
      description: The same as RV(diff.before_header).
      type: str
  sample:
    before: "name: obs_src1\ntype: OBS\nagency: DWSAccessOBS\n"
    after: "name: obs_src1\ntype: OBS\nagency: DWSAccessOBS2\n"
    before_header: "DWS external data source 'obs_src1' (id 66666666-7777-8888-9999-000000000000)"
    after_header: "DWS external data source 'obs_src1' (id 66666666-7777-8888-9999-000000000000)"
conflicts:
  description: The create-only fields that differ, with current and desired values.
  returned: on failure, when a create-only field differs and O(recreate=false)
  type: dict
  sample:
    connect_info:
      current: gaussdb
      desired: analytics
written:
  description:
    - Set when the task failed after a write that the API accepted, or may have accepted (its answer was lost).
      The task then also reports C(changed=true).
    - Holds what is known of that write, for example the C(id) of the data source and the C(job_id) (DWS), or
      C(outcome=unknown) when the answer was lost and the object did not show. A re-run finds and adopts it.
  returned: when a write was made, or may have been made, before the task failed
  type: dict
  sample: {"id": "66666666-7777-8888-9999-000000000000", "job_id": "2c9081c88418ed420184197c8bc80001"}
error:
  description: The API error that made the task fail.
  returned: on failure, when the API answered with an error
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

from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.dws.data_source import (
    RESOURCE_MUTUALLY_EXCLUSIVE, DwsExtDataSourceResource, resource_argument_spec)
from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import ensure


def argument_spec():
    spec = connection_argument_spec()
    spec.update(resource_argument_spec())
    return spec


def main():
    module = new_module(
        argument_spec=argument_spec(),
        required_one_of=[['name', 'id']],
        mutually_exclusive=RESOURCE_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )

    def work():
        client = build_client(module.params, register_secret=secret_registrar(module))
        resource = DwsExtDataSourceResource(client, module.params)
        return ensure(resource, module.params['state'], check_mode=module.check_mode, want_diff=module._diff,
                      allow_recreate=module.params['recreate'])

    run(module, work)


if __name__ == '__main__':
    main()
