# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``diff`` a module returns, as ``--diff`` prints it.

ansible-core serialises a dict side as JSON with every non-ASCII character escaped, and prints
nothing for a list side. Text is diffed line by line as it is. So each side is rendered here
as YAML text in the module's option names, with Unicode kept (Feishu names are often Chinese),
and the headers name the object, giving a unified diff that reads like the task the user wrote.
"""

from __future__ import absolute_import, division, print_function

import json

try:
    import yaml
    HAS_YAML = True
except ImportError:  # PyYAML comes with ansible-core on the controller, not always on a managed host
    HAS_YAML = False

__metaclass__ = type


def as_text(view):
    """One side of a diff as YAML text; an absent side (None, {} or []) is the empty text."""
    if not view:
        return ''
    # API values may hold tuples or str subclasses that PyYAML's safe dumper refuses; JSON's types it takes
    plain = json.loads(json.dumps(view))
    if HAS_YAML:
        return yaml.safe_dump(plain, allow_unicode=True, default_flow_style=False, sort_keys=False, width=1000)
    return json.dumps(plain, ensure_ascii=False, indent=2) + '\n'  # JSON is YAML too


def text_diff(before, after, header):
    """The module's ``diff``: both sides as text, each header naming the object."""
    return {'before': as_text(before), 'after': as_text(after), 'before_header': header, 'after_header': header}
