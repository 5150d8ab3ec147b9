# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.dsops.cloud`` importable for plain ``pytest`` and ``ansible-playbook``.

The repository root is the collection, so a checkout usually does not sit under an
``ansible_collections/dsops/cloud`` path.  When it does (ansible-test, CI copies) the
grandparent directory goes on ``sys.path``; otherwise a symlink farm outside the
repository stands in, so nothing is written into the work tree.
"""

from __future__ import absolute_import, division, print_function

import hashlib
import os
import sys
import tempfile

__metaclass__ = type

NAMESPACE = 'dsops'
NAME = 'cloud'
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def _collections_dir():
    parts = COLLECTION_ROOT.split(os.sep)
    if parts[-3:] == ['ansible_collections', NAMESPACE, NAME]:
        return os.sep.join(parts[:-3])
    digest = hashlib.sha256(COLLECTION_ROOT.encode('utf-8')).hexdigest()[:12]
    base = os.path.join(tempfile.gettempdir(), 'dsops-cloud-collections-%s' % digest)
    namespace_dir = os.path.join(base, 'ansible_collections', NAMESPACE)
    link = os.path.join(namespace_dir, NAME)
    try:  # parallel workers may race to create the same farm
        os.makedirs(namespace_dir)
    except OSError:
        pass
    try:
        os.symlink(COLLECTION_ROOT, link)
    except OSError:
        pass
    return base


def make_importable():
    """Put the collection on sys.path and first on ANSIBLE_COLLECTIONS_PATH (for child processes)."""
    collections_dir = _collections_dir()
    if collections_dir not in sys.path:
        sys.path.insert(0, collections_dir)
    paths = [collections_dir] + [p for p in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep)
                                 if p and p != collections_dir]
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(paths)
    return collections_dir
