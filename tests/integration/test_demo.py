# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's demo command, run as a newcomer runs it: one line per step, an honest dry run, nothing left."""

from __future__ import absolute_import, division, print_function

import os
import re
import subprocess

__metaclass__ = type

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, 'tests', 'demo.sh')
STEPS = ('1. declare: ', '2. declare the same again: ', '3. dry run (--check --diff): ', '4. adopt (state: gathered): ',
         '5. clean up (state: deleted): ')


def newcomer_environment(tmpdir):
    """This environment without any cloud setting a developer may have, and with its own temporary directory."""
    env = dict((name, value) for name, value in os.environ.items()
               if not re.match(r'^(HW_|HUAWEICLOUD_|FEISHU_|DSOPS_DEMO_|ANSIBLE_)', name))
    env['TMPDIR'] = tmpdir
    return env


def test_the_demo_prints_a_line_per_step_an_honest_dry_run_and_leaves_nothing(tmp_path):
    tmpdir = tmp_path / 'tmp'
    tmpdir.mkdir()
    env = newcomer_environment(str(tmpdir))
    proc = subprocess.run(['bash', DEMO], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
                          check=False)
    output = proc.stdout.decode('utf-8')
    assert proc.returncode == 0, output
    lines = output.splitlines()
    steps = [line for line in lines if re.match(r'^[1-5]\. ', line)]
    assert [step[:len(prefix)] for step, prefix in zip(steps, STEPS)] == list(STEPS) and len(steps) == 5, output
    assert steps[0].startswith('1. declare: DWS created 2; Feishu created 2; schema dsops_demo_tickets written')
    assert 'nothing written' in steps[1] and 'created' not in steps[1]
    # the dry run says what it would do and that it wrote nothing, and the read after it agrees
    assert 'would change 2' in steps[2] and 'wrote nothing' in steps[2] and 'still DWSAccessOBS' in steps[2]
    assert '   +  agency: DWSAccessOBS2' in lines and '   +  online: true' in lines  # the diffs, indented
    assert steps[4].startswith('5. clean up (state: deleted): DWS deleted 2; Feishu deleted 2')
    recap = [line for line in lines if line.startswith('recap ')]
    assert len(recap) == 1 and 'failed=0' in recap[0] and '2 of them in check mode' in recap[0]
    assert 'TASK [' not in output and 'Traceback' not in output and len(lines) < 60
    assert list(tmpdir.iterdir()) == []
    work = os.environ.get('DSOPS_WORK') or os.path.join(os.path.expanduser('~'), '.cache', 'dsops-cloud')
    pid_file = os.path.join(work, 'demo-sandbox.pid')
    assert not os.path.exists(pid_file)
    assert subprocess.run(['pgrep', '-f', pid_file], stdout=subprocess.PIPE, check=False).returncode == 1
