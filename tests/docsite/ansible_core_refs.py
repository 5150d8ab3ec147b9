# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx extension: link the ansible-core labels that antsibull-docs' pages cite, without intersphinx.

antsibull-docs writes fixed sentences into every generated site, such as "Common return values are
documented :ref:`here <common_return_values>`". Those labels live in ansible-core's documentation on
docs.ansible.com, which the default intersphinx inventories resolve over the network. The docs site is
built offline, so instead each such label is linked here to the page and anchor it names on
docs.ansible.com. Only the labels listed below are resolved; any other unknown reference stays a warning,
and the build treats warnings as errors.
"""

from __future__ import absolute_import, division, print_function

from docutils import nodes

__metaclass__ = type

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/latest/'

# label -> (page and anchor under ANSIBLE_DOCS, the section title shown when the reference gives no text)
ANSIBLE_CORE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
}


def link_ansible_core_label(app, env, node, contnode):
    """Resolve a missing std:ref to one of ANSIBLE_CORE_LABELS; None leaves Sphinx's warning in place."""
    if node.get('refdomain') != 'std' or node.get('reftype') != 'ref':
        return None
    target = ANSIBLE_CORE_LABELS.get(node.get('reftarget'))
    if target is None:
        return None
    path, title = target
    reference = nodes.reference('', '', internal=False, refuri=ANSIBLE_DOCS + path, classes=['ansible-core-docs'])
    reference += contnode if node.get('refexplicit') else nodes.Text(title)
    return reference


def setup(app):
    app.connect('missing-reference', link_ansible_core_label)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
