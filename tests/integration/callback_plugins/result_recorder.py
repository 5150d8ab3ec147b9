# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

DOCUMENTATION = '''
name: result_recorder
type: aggregate
short_description: Record every task result as a JSON line (integration tests only)
description:
  - Appends one JSON object per task result to the file named by the
    E(DSOPS_RESULTS_FILE) environment variable, so tests can assert on exactly what each
    task returned while the normal output stays on stdout.
requirements:
  - enable in ansible.cfg or with E(ANSIBLE_CALLBACKS_ENABLED)
'''

import json
import os

from ansible.plugins.callback import CallbackBase

__metaclass__ = type


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'result_recorder'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status, result):
        path = os.environ.get('DSOPS_RESULTS_FILE')
        if not path:
            return
        recorded = dict(result._result)
        if status == 'failed':
            # ansible-core 2.19 no longer keeps 'failed' in the result it hands to callbacks
            recorded.setdefault('failed', True)
        entry = {
            'task': result._task.get_name(),
            'host': result._host.get_name(),
            'status': status,
            'result': recorded,
        }
        with open(path, 'a') as handle:
            handle.write(json.dumps(entry, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)
