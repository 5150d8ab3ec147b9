# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module edge: dependency check, secret registration and clean failures."""

from __future__ import absolute_import, division, print_function

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.dsops.cloud.plugins.module_utils.errors import DsopsError
from ansible_collections.dsops.cloud.plugins.module_utils.transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR

__metaclass__ = type


def require_requests(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)


def secret_registrar(module):
    """A callback the clients use to hide runtime secrets (tokens, signatures) in any output.

    Ansible masks the values of ``no_log`` options everywhere in a result; values
    obtained at run time must be added to the same set to get that protection.
    """
    def register(value):
        if value and len(str(value)) >= 4:
            module.no_log_values.add(str(value))
    return register


def run(module, work):
    """Call ``work()`` and exit with its result; a DsopsError becomes one clean fail_json."""
    require_requests(module)
    try:
        result = work()
    except DsopsError as error:
        module.fail_json(**error.fail_kwargs())
    module.exit_json(**result)
