# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain ``pytest`` from a checkout: make ``ansible_collections.dsops.cloud`` importable.

Under ``ansible-test units`` the collection is already importable and this is a no-op.
"""

from __future__ import absolute_import, division, print_function

import os
import sys

__metaclass__ = type

_TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

import collection_path  # noqa: E402  pylint: disable=wrong-import-position

collection_path.make_importable()
