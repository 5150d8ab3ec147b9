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

#: what stands for a value written but not shown (it holds a secret)
UNSHOWN = '(not shown)'
#: the note on an object deleted and created again, which its sides show as one object
RECREATED = 'deleted and created again (recreate)'


def as_text(view):
    """One side of a diff as YAML text; an absent side (None, {} or []) is the empty text."""
    if not view:
        return ''
    # API values may hold tuples or str subclasses that PyYAML's safe dumper refuses; JSON's types it takes
    plain = json.loads(json.dumps(view))
    if HAS_YAML:
        return yaml.safe_dump(plain, allow_unicode=True, default_flow_style=False, sort_keys=False, width=float('inf'))
    return json.dumps(plain, ensure_ascii=False, indent=2) + '\n'  # JSON is YAML too


def text_diff(before, after, before_header, after_header=None, unshown=()):
    """The module's ``diff``: both sides as text, each header naming its object.

    ``unshown`` notes what was written that neither side can show (a value masked because it holds a
    secret, a re-create): they end the after side as YAML comments, so a write never prints as no diff.
    """
    notes = ''.join('# %s\n' % note for note in unshown)
    return {'before': as_text(before), 'after': as_text(after) + notes,
            'before_header': before_header, 'after_header': after_header or before_header}


def unshown_changes(options, before, after):
    """Notes on the options written whose shown values are the same on both sides (masked).

    An option that is not a key of either side (a schema's nested property field) is shown, or not, by the
    sides' structure: when the sides are equal all the same, one note says that something was written.
    """
    notes = ['%s: changed %s' % (option, UNSHOWN) for option in sorted(set(options))
             if (option in before or option in after) and before.get(option) == after.get(option)]
    if not notes and before == after:
        notes.append('changed %s' % UNSHOWN)
    return notes
