# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for something asynchronous to finish (a job, an object leaving a busy state)."""

from __future__ import absolute_import, division, print_function

import time

from ansible_collections.dsops.cloud.plugins.module_utils.core.retry import backoff_delays

__metaclass__ = type


class Waiter:
    """Polls with a quick start (1 s) and backs off by 1.5 up to 15 s, unlike Terraform's fixed 30 s."""

    def __init__(self, sleep=None, clock=None):
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic

    def until(self, fetch, is_done, timeout):
        """Call ``fetch()`` until ``is_done(value)`` or ``timeout`` seconds have passed.

        Returns (done, last value fetched or None).
        """
        deadline = self.clock() + timeout
        last = None
        for delay in backoff_delays():
            remaining = deadline - self.clock()
            if remaining <= 0:
                return False, last
            self.sleep(min(delay, remaining))
            last = fetch()
            if is_done(last):
                return True, last
        return False, last  # pragma: no cover (backoff_delays never ends)
