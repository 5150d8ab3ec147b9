# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo's screen output: the summary line of each step, the diffs under it, failures in full, the recap.

tests/demo.sh selects it (ANSIBLE_STDOUT_CALLBACK=dsops_demo); it lives outside plugins/ because it is no
part of the collection.  With -v or DSOPS_DEMO_OUTPUT=full, demo.sh keeps Ansible's default output instead.
"""

from __future__ import absolute_import, division, print_function

import json

from ansible import constants as C
from ansible import context
from ansible.plugins.callback import CallbackBase

__metaclass__ = type

DOCUMENTATION = """
    name: dsops_demo
    type: stdout
    short_description: the summary lines of the dsops.cloud demo
    description:
      - Prints the message of each ansible.builtin.debug task, the diff of each task run with diff mode under
        the next such message, every failure in full, and the recap.
      - Every other task runs silently.
"""

INDENT = '   '
FAILURE_NOISE = ('msg', 'changed', 'failed', 'exception', 'invocation')


def _fields(result):
    """The result's dict and task: the public names from ansible-core 2.19, the older ones before."""
    if hasattr(type(result), 'task'):
        return result.result, result.task
    return result._result, result._task  # pylint: disable=protected-access


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'dsops_demo'

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._pending_diffs = []
        self._dry_runs_changed = 0

    def _line(self, text, color=None):
        self._display.display(text, color=color)

    def _flush_diffs(self):
        for diff in self._pending_diffs:
            for line in diff.rstrip('\n').split('\n'):
                self._line(INDENT + line)
        self._pending_diffs = []

    def v2_playbook_on_play_start(self, play):
        name = play.get_name().strip()
        if name:
            self._line(name)

    def v2_runner_on_ok(self, result):
        data, task = _fields(result)
        self._handle_warnings(data)
        if data.get('changed') and (task.check_mode or context.CLIARGS.get('check')):
            self._dry_runs_changed += 1
        if task.action in ('debug', 'ansible.builtin.debug', 'ansible.legacy.debug') and 'msg' in data:
            message = data['msg']
            for line in message if isinstance(message, list) else [message]:
                self._line(str(line))
            self._flush_diffs()

    def v2_on_file_diff(self, result):
        data = _fields(result)[0]
        if data.get('changed') and data.get('diff'):
            self._pending_diffs.append(self._get_diff(data['diff']))

    def v2_runner_on_failed(self, result, ignore_errors=False):
        data, task = _fields(result)
        self._handle_warnings(data)
        if ignore_errors:
            return
        self._flush_diffs()
        self._line('FAILED: %s: %s' % (task.get_name().strip(), data.get('msg', '')), color=C.COLOR_ERROR)
        # What the module returned beside its message (results, problems, written...); the traceback only with -v.
        details = dict((key, value) for key, value in data.items() if key not in FAILURE_NOISE and not key.startswith('_ansible'))
        if details:
            for line in json.dumps(details, indent=2, sort_keys=True, ensure_ascii=False, default=str).split('\n'):
                self._line(INDENT + line, color=C.COLOR_ERROR)
        self._line(INDENT + 'bash tests/demo.sh -v shows the whole output', color=C.COLOR_ERROR)

    def v2_runner_on_unreachable(self, result):
        data, task = _fields(result)
        self._line('UNREACHABLE: %s: %s' % (task.get_name().strip(), data.get('msg', '')), color=C.COLOR_UNREACHABLE)

    def v2_playbook_on_no_hosts_matched(self):
        self._line('no hosts matched', color=C.COLOR_SKIP)

    def v2_playbook_on_stats(self, stats):
        self._flush_diffs()
        for host in sorted(stats.processed.keys()):
            counts = stats.summarize(host)
            dry = ' (%d of them in check mode: would change, wrote nothing)' % self._dry_runs_changed if self._dry_runs_changed else ''
            failed = counts['failures'] or counts['unreachable']
            self._line('recap %s: ok=%d changed=%d%s unreachable=%d failed=%d skipped=%d'
                       % (host, counts['ok'], counts['changed'], dry, counts['unreachable'], counts['failures'], counts['skipped']),
                       color=C.COLOR_ERROR if failed else C.COLOR_OK)
