# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo's slim virtualenv runs the same ansible-core and requests as the one the tests run."""

from __future__ import absolute_import, division, print_function

import os
import re

__metaclass__ = type

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pins(name):
    with open(os.path.join(TESTS, name)) as handle:
        return dict(re.match(r'^([A-Za-z0-9_.-]+)==(\S+)$', line).groups() for line in handle
                    if line.strip() and not line.startswith('#'))


def test_the_demo_pins_ansible_core_and_requests_only_as_the_tests_do():
    demo, tests = pins('requirements-demo.txt'), pins('requirements.txt')
    assert sorted(demo) == ['ansible-core', 'requests']
    assert demo == dict((name, tests[name]) for name in demo)
