# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module edge: the secret registrar a module hands to the clients."""

from __future__ import absolute_import, division, print_function

import json

from ansible_collections.dsops.cloud.plugins.module_utils.core import module_edge

__metaclass__ = type

ODD_SECRET = 'pa"ss\\w\u00e9rd-42'


class StubModule(object):
    """What secret_registrar reads of an AnsibleModule: the no_log values and the params."""

    def __init__(self, no_log_values=(), params=None):
        self.no_log_values = set(no_log_values)
        self.params = params or {}


def test_the_registrar_registers_the_escaped_forms_of_the_existing_no_log_values():
    module = StubModule([ODD_SECRET, 'xy'])
    registrar = module_edge.secret_registrar(module)
    assert json.dumps(ODD_SECRET)[1:-1] in module.no_log_values
    assert json.dumps(ODD_SECRET, ensure_ascii=False)[1:-1] in module.no_log_values
    assert repr(ODD_SECRET)[1:-1] in module.no_log_values
    registrar('t-runtime-token-value')  # a value found at run time reaches Ansible's set too
    assert 't-runtime-token-value' in module.no_log_values
    assert registrar.mask(json.dumps({'echo': ODD_SECRET})) == '{"echo": "********"}'
    assert registrar.mask(repr({'echo': ODD_SECRET})) == "{'echo': '********'}"


def test_credentials_inside_url_options_are_registered():
    """Issue 10, point 8: icon_url and connector_param.callback_endpoint are not no_log, but their user:password@ is."""
    module = StubModule(params={
        'name': 'Tickets',
        'icon_url': 'https://user:pw1234@host.example/x.png',
        'connector_param': {'callback_endpoint': 'https://cbuser:cb-pass-99@cb.example/hook',
                            'callback_user_id_type': None},
        'description': 'no URL here: user:nothing',
    })
    registrar = module_edge.secret_registrar(module)
    for secret in ('user:pw1234', 'pw1234', 'cbuser:cb-pass-99', 'cb-pass-99'):
        assert secret in module.no_log_values
    assert 'user' not in module.no_log_values and 'nothing' not in module.no_log_values
    shown = registrar.mask('icon https://user:pw1234@host.example/x.png and https://cb.example/?p=cb-pass-99')
    assert 'pw1234' not in shown and 'cb-pass-99' not in shown
