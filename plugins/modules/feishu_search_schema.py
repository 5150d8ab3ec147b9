#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: feishu_search_schema
short_description: Manage Feishu / Lark Search schemas
version_added: 0.2.0
description:
  - Create, update, re-create and delete a Search v2 schema (数据范式) on the Feishu or Lark Open Platform.
  - A schema declares the fields of the items of a Search data source and how the result card shows them. A data
    source is bound to a schema when it is created, through its O(dsops.cloud.feishu_search_data_source#module:schema_id).
  - The schema is read by O(schema_id) and only what differs is written. Properties are matched by name; their order
    never counts.
  - Only O(display) and the O(properties[].desc) and O(properties[].answer_option) of a property change in place.
    Any other difference (a property added or removed, a type, a flag, the sort, search or filter options, the type
    definitions) fails the task, naming each property and field with its current and desired value, unless
    O(recreate=true).
  - The platform's documented rules are checked before any request, and every violation is reported at once.
author:
  - dsops maintainers (@dsops)
requirements:
  - requests >= 2.20
options:
  schema_id:
    description:
      - ID of the schema, chosen by the caller. It identifies the schema, so the module is idempotent on it.
      - At most 40 characters; it starts with a letter and holds letters, digits, V(-) and V(_).
    type: str
    required: true
  state:
    description:
      - V(present) creates the schema if it does not exist and updates what can change in place.
      - V(absent) deletes it if it exists. A schema that data sources are bound to is not deleted; the task fails
        and names them.
    type: str
    choices: [present, absent]
    default: present
  recreate:
    description:
      - Whether a difference that cannot change in place deletes the schema and creates it again.
      - Before the delete the module lists the data sources and fails, naming them, if any is bound to the
        schema, since the O(dsops.cloud.feishu_search_data_source#module:schema_id) of a data source cannot change.
      - Before the delete Feishu also checks the new definition in a dry run (C(validate_only), under the schema_id
        C(dryrun_<schema_id>), since a schema_id in use is refused), so a definition it refuses never costs the old
        schema.
      - What the task does not declare of the current schema (O(display), a property's O(properties[].desc) or
        O(properties[].answer_option)) is carried over to the new one.
    type: bool
    default: false
  properties:
    description:
      - The fields of the items, all of them. Required with O(state=present).
      - A property of the schema that is not in this list is a difference (a removed property), and so is a
        property in this list that the schema lacks (an added property).
      - Unset flags are V(false) and unset option objects are empty. Feishu may leave false and empty values out of
        its answers, so an absent value reads as false or empty.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the field, at most 20 characters, unique in the schema.
          - Names starting with V(_) are reserved; only V(_title), V(_create_time), V(_update_time) and
            V(_item_id) may be declared.
        type: str
        required: true
      type:
        description:
          - Type of the field. V(tinytext) is a short text (under 140 characters); V(timestamp) is in Unix seconds.
        type: str
        required: true
        choices: [text, int, tag, timestamp, double, tinytext]
      is_searchable:
        description:
          - Whether the field is searched. Only V(text) and V(tinytext) fields can be searchable, never together
            with O(properties[].is_sortable).
          - A searchable field needs O(properties[].search_options) and O(properties[].is_returnable=true).
        type: bool
        default: false
      is_sortable:
        description:
          - Whether results can be sorted by the field. Only V(int), V(double) and V(timestamp) fields can be
            sortable.
          - A sortable field needs O(properties[].sort_options).
        type: bool
        default: false
      is_returnable:
        description:
          - Whether the field is returned with results. A field shown on the card through O(display) must be
            returnable.
        type: bool
        default: false
      is_filterable:
        description:
          - Whether results can be filtered by the field; see O(properties[].filter_options).
        type: bool
        default: false
      sort_options:
        description:
          - How a sortable field sorts.
        type: dict
        suboptions:
          priority:
            description:
              - Sort priority from V(0) (highest) to V(4) (lowest).
            type: int
            required: true
          order:
            description:
              - Sort order.
            type: str
            required: true
            choices: [asc, desc]
      search_options:
        description:
          - How a searchable field matches. Flags not set are V(false).
        type: dict
        suboptions:
          enable_semantic_match:
            description: Semantic match.
            type: bool
          enable_exact_match:
            description: Exact match.
            type: bool
          enable_prefix_match:
            description: Prefix match.
            type: bool
          enable_number_suffix_match:
            description: Match of a number suffix.
            type: bool
          enable_camel_match:
            description: Match of camel-case parts.
            type: bool
      filter_options:
        description:
          - How a filterable field is offered as a filter.
          - The values Feishu accepts for O(properties[].filter_options.option_mode),
            O(properties[].filter_options.associated_smart_filter) and O(properties[].filter_options.filter_type)
            are not settled by the reference the module follows, so any string is passed on and Feishu judges it.
        type: dict
        suboptions:
          display_name:
            description: Name of the filter.
            type: str
          i18n_display_name:
            description: Localised names of the filter.
            type: dict
            suboptions:
              zh_cn:
                description: Chinese name.
                type: str
              en_us:
                description: English name.
                type: str
              ja_jp:
                description: Japanese name.
                type: str
          option_mode:
            description: Whether one or several values can be chosen, for example V(single) or V(multiple).
            type: str
          associated_smart_filter:
            description: The built-in filter this one maps to, for example V(from) or V(date).
            type: str
          filter_type:
            description: Kind of filter, for example V(user), V(time), V(searchable) or V(predefine_enum).
            type: str
          predefine_enum_values:
            description: The values of a predefined enumeration filter.
            type: list
            elements: dict
            suboptions:
              name:
                description: Key of the value, unique in the list.
                type: str
                required: true
              text:
                description: Text shown for the value.
                type: str
                required: true
          enable_client_filter:
            description: Whether the filter is offered in the client.
            type: bool
          reference_datasource_id:
            description: ID of the data source a searchable filter refers to.
            type: str
      type_definitions:
        description:
          - Definitions that some types need. A V(tag) field needs O(properties[].type_definitions.tag).
        type: dict
        suboptions:
          tag:
            description: The tag values of a V(tag) field.
            type: list
            elements: dict
            suboptions:
              name:
                description: Value of the tag, as items carry it.
                type: str
                required: true
              color:
                description: Colour of the tag on the card.
                type: str
                required: true
                choices: [red, green, blue, grey, yellow]
              text:
                description: Text shown on the tag.
                type: str
                required: true
          user_ids:
            description: Settings of a field that holds user IDs.
            type: dict
            suboptions:
              id_type:
                description: Kind of user ID, for example V(open_id), V(union_id) or V(user_id).
                type: str
      answer_option:
        description:
          - How the Q&A (问答) service uses the field. Changes in place.
          - Flags not set keep their current values; when set, the whole object is sent.
          - When not set, it is not compared.
        type: dict
        suboptions:
          is_searchable:
            description: Whether Q&A searches the field.
            type: bool
          is_returnable:
            description: Whether Q&A returns the field.
            type: bool
      desc:
        description:
          - Description of the field. Changes in place. When not set, it is not compared.
        type: str
  display:
    description:
      - The result card. Changes in place; when it differs, the whole object is sent.
      - When not set, it is not compared.
    type: dict
    suboptions:
      card_key:
        description:
          - The card template.
        type: str
        default: search_common_card
      fields_mapping:
        description:
          - Which fields the card shows where. Their order does not count.
          - V(tag1), V(tag2) and V(tag3) show V(tag) fields only, and name at least one.
          - Every field a template names must be declared and returnable, except the reserved fields V(_title),
            V(_create_time), V(_update_time) and V(_item_id), which exist without being declared.
        type: list
        elements: dict
        suboptions:
          display_field:
            description:
              - The place on the card.
            type: str
            required: true
            choices: [summary, footer, icon_url, tag1, tag2, tag3]
          data_field:
            description:
              - A template of field references such as V(${title}); templates may be concatenated, as in
                V(${owner} ${created}).
            type: str
            required: true
extends_documentation_fragment:
  - dsops.cloud.feishu
  - dsops.cloud.feishu.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Check mode sends only reads (including the listing of data sources before a delete or a re-create) and
      returns the predicted schema.
  diff_mode:
    support: full
    details: The diff holds the managed part of the schema before and after as YAML text in option names, with the
      properties sorted by name and false or empty values left out; an absent schema is empty text.
  platform:
    platforms: all
notes:
  - A create is never repeated blindly; after a timeout or a server error the module reads the schema by its
    O(schema_id) and adopts it if it appeared.
  - There is no call that lists schemas; M(dsops.cloud.feishu_search_schema_info) finds those in use through the
    data sources.
seealso:
  - module: dsops.cloud.feishu_search_schema_info
  - module: dsops.cloud.feishu_search_data_source
  - name: Feishu Search schema API
    description: Create, get, patch and delete Search v2 schemas.
    link: https://open.feishu.cn/document/server-docs/search-v2/open-search/schema/create
'''

EXAMPLES = r'''
- name: Manage a Feishu Search schema and its data source
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/dsops.cloud.feishu:
      app_id: "{{ feishu_app_id }}"
      app_secret: "{{ feishu_app_secret }}"
  tasks:
    - name: Ensure the ticket schema exists
      dsops.cloud.feishu_search_schema:
        schema_id: ticket_schema
        properties:
          - name: title
            type: text
            is_searchable: true
            is_returnable: true
            search_options:
              enable_semantic_match: true
              enable_exact_match: true
            desc: Ticket title
          - name: priority
            type: tag
            is_returnable: true
            is_filterable: true
            type_definitions:
              tag:
                - name: p0
                  color: red
                  text: P0
                - name: p1
                  color: yellow
                  text: P1
          - name: created
            type: timestamp
            is_sortable: true
            is_returnable: true
            sort_options:
              priority: 0
              order: desc
        display:
          fields_mapping:
            - display_field: summary
              data_field: "${title}"
            - display_field: tag1
              data_field: "${priority}"

    - name: Bind a data source to it
      dsops.cloud.feishu_search_data_source:
        name: Tickets
        schema_id: ticket_schema
        online: true

    - name: Preview a change of the card
      dsops.cloud.feishu_search_schema:
        schema_id: ticket_schema
        properties: "{{ ticket_properties }}"
        display:
          fields_mapping:
            - display_field: summary
              data_field: "${title} ${created}"
      check_mode: true
      diff: true

    - name: Re-create an unbound schema with another type for a field
      dsops.cloud.feishu_search_schema:
        schema_id: draft_schema
        recreate: true
        properties:
          - name: score
            type: double
            is_sortable: true
            is_returnable: true
            sort_options:
              priority: 1
              order: desc

    - name: Remove a schema no data source uses
      dsops.cloud.feishu_search_schema:
        schema_id: draft_schema
        state: absent
'''

RETURN = r'''
schema:
  description:
    - The schema after the run, with the API's field names; the prediction in check mode.
    - V({}) when it is absent.
  returned: success
  type: dict
  sample:
    schema_id: ticket_schema
    properties:
      - name: title
        type: text
        is_searchable: true
        is_returnable: true
        search_options:
          enable_semantic_match: true
          enable_exact_match: true
        desc: Ticket title
      - name: created
        type: timestamp
        is_sortable: true
        is_returnable: true
        sort_options:
          priority: 0
          order: desc
    display:
      card_key: search_common_card
      fields_mapping:
        - display_field: summary
          data_field: "${title}"
  contains:
    schema_id:
      description: ID of the schema.
      type: str
      sample: ticket_schema
    properties:
      description: The fields, each with C(name), C(type), the C(is_*) flags and their options, C(desc) and C(answer_option).
      type: list
      elements: dict
      sample:
        - name: title
          type: text
          is_searchable: true
          is_returnable: true
    display:
      description: The result card, with C(card_key) and C(fields_mapping).
      type: dict
      sample: {"card_key": "search_common_card", "fields_mapping": [{"display_field": "summary", "data_field": "${title}"}]}
diff:
  description:
    - The managed part of the schema before and after, as YAML text in option names, so that C(--diff) prints a
      readable unified diff; an absent side is empty text.
    - Properties are sorted by name, and false or empty values are left out.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The schema before, as YAML text.
      type: str
    after:
      description: The schema after (predicted in check mode), as YAML text.
      type: str
    before_header:
      description: The schema the diff is of.
      type: str
    after_header:
      description: The same as RV(diff.before_header).
      type: str
  sample:
    before: "schema_id: ticket_schema\nproperties:\n- name: title\n  type: text\n  desc: Title\n"
    after: "schema_id: ticket_schema\nproperties:\n- name: title\n  type: text\n  desc: Ticket title\n"
    before_header: "Feishu search schema 'ticket_schema'"
    after_header: "Feishu search schema 'ticket_schema'"
conflicts:
  description:
    - The differences that cannot change in place, by C(properties.<name>.<field>) (or C(properties.<name>) for a
      property on one side only), each with its current and desired value.
  returned: when the task fails because of them
  type: dict
  sample: {"properties.priority.type": {"current": "tag", "desired": "text"}}
bound_data_sources:
  description: The data sources bound to the schema, when a delete or a re-create is refused because of them.
  returned: when the task fails because data sources are bound to the schema
  type: list
  elements: dict
  sample: [{"id": "7300000000000000000", "name": "Tickets"}]
problems:
  description: Every rule the options break, when the task fails before any request because of them.
  returned: when the options break the platform's documented rules
  type: list
  elements: str
  sample: ["properties[0] ('title'): a property cannot be both searchable and sortable (is_searchable and is_sortable are both true)."]
written:
  description:
    - Set when the task failed after a write that Feishu accepted, or may have accepted (its answer was lost). The
      task then also reports C(changed=true).
    - Holds what is known of that write, for example C(schema_id), C(deleted) (a re-create whose delete was done),
      or C(outcome=unknown).
  returned: when a write was made, or may have been made, before the task failed
  type: dict
  sample: {"deleted": "draft_schema"}
error:
  description: Details of a failed Feishu call.
  returned: when Feishu answered with an error
  type: dict
  contains:
    code:
      description: Feishu error code.
      type: int
      sample: 1274004
    message:
      description: Feishu error message.
      type: str
      sample: field cannot be both searchable and sortable
    log_id:
      description: Feishu log id of the failed request, for support.
      type: str
      sample: 20240101120000ABCDEF0123456789ABCD
    http_status:
      description: HTTP status of the answer.
      type: int
      sample: 400
  sample:
    platform: Feishu
    code: 1274004
    message: field cannot be both searchable and sortable
    log_id: 20240101120000ABCDEF0123456789ABCD
    request_id: 20240101120000ABCDEF0123456789ABCD
    http_status: 400
    method: POST
    path: /open-apis/search/v2/schemas
'''

from ansible_collections.dsops.cloud.plugins.module_utils.feishu.connection import build_client, connection_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import ensure
from ansible_collections.dsops.cloud.plugins.module_utils.feishu.schema import FeishuSchemaResource, resource_argument_spec
from ansible_collections.dsops.cloud.plugins.module_utils.core.module_edge import new_module, run, secret_registrar


def argument_spec():
    spec = connection_argument_spec()
    spec.update(resource_argument_spec())
    return spec


def main():
    module = new_module(
        argument_spec=argument_spec(),
        # the credentials are checked by build_client, where a blank variable counts as not set
        required_if=[('state', 'present', ('properties',))],
        supports_check_mode=True,
    )

    def work():
        # both constructors validate their options; neither sends a request
        client = build_client(module.params, secret_registrar(module))
        resource = FeishuSchemaResource(client, module.params)
        return ensure(resource, module.params['state'], check_mode=module.check_mode, want_diff=module._diff,
                      allow_recreate=module.params['recreate'])

    run(module, work)


if __name__ == '__main__':
    main()
