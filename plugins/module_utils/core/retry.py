# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy: what is repeated after a failure, and how a write whose answer was lost is settled.

Only errors the caller marks transient are repeated; a write that is not idempotent is repeated
only when the server provably did not act on it, and never blindly after a lost answer: the
caller's ``recheck`` looks first (see ``RetryPolicy.call_write``).
"""

from __future__ import absolute_import, division, print_function

import random
import time

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import (
    ApiError, DsopsError, TransportError, after_write)

__metaclass__ = type


class RetryPolicy:
    """Capped exponential backoff with full jitter.

    ``retries`` is the number of repeats after the first attempt.  A server-given
    wait (``retry_after`` on the error, e.g. Feishu's x-ogw-ratelimit-reset) is
    honoured, capped at ``max_delay``.
    """

    def __init__(self, retries=5, base_delay=0.5, max_delay=30.0, sleep=None, rand=None):
        self.retries = max(0, int(retries))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep or time.sleep
        self.rand = rand or random.random

    def delay_for(self, attempt, error):
        server_wait = getattr(error, 'retry_after', None)
        if server_wait is not None:
            # a little jitter above the server's figure spreads parallel forks
            return min(self.max_delay, float(server_wait) + self.rand() * self.base_delay)
        ceiling = min(self.max_delay, self.base_delay * (2 ** attempt))
        return self.rand() * ceiling

    def call(self, attempt_fn, idempotent=True):
        """Run ``attempt_fn`` until it succeeds, fails permanently or the budget is spent."""
        attempt = 0
        while True:
            try:
                return attempt_fn()
            except (TransportError, ApiError) as error:
                if attempt >= self.retries or not self.is_retryable(error, idempotent):
                    raise
                self.sleep(self.delay_for(attempt, error))
                attempt += 1

    def call_write(self, send, recheck, request_timeout=0, resend=True, what='The write', hint=None):
        """Run the write ``send()``; after an ambiguous failure, look before anything else.

        ``send`` retries what provably did not reach the server itself.  After a failure
        that may have been acted on (5xx, timeout, reset), ``recheck()`` looks: it returns
        the write's result (the write took effect) or None (no sign of it).

        ``resend`` is for writes that are harmless twice (a delete, setting a value):
        after a look that finds nothing they are sent again, within the ``retries``
        budget.  Any other write (a create, a reboot) is never sent again: the look is
        repeated over a settle window, since a backend may finish seconds after its
        gateway gave up, and a write that does not show is reported as unconfirmed.

        An error raised once an attempt's answer was lost (that attempt's own, when the
        budget is spent, or a later one's) carries ``written``: the write may have happened.
        """
        looks = 0
        while True:
            try:
                return send()
            except (ApiError, TransportError) as error:
                ambiguous = is_ambiguous(error)
                if ambiguous and not resend:
                    return self._settle(recheck, error, request_timeout, what, hint)
                if not ambiguous or looks >= self.retries:
                    if (ambiguous or looks) and error.written is None:
                        error.written = {'outcome': 'unknown'}
                    raise
                self.sleep(self.settle_delay(looks, error, request_timeout))
                looks += 1
            found = _look(recheck)
            if found is not None:
                return found

    def _settle(self, recheck, error, request_timeout, what, hint):
        """Look for the result of a write that is never sent twice, until the settle window ends."""
        window = self.settle_window(request_timeout)
        waited = 0.0
        for delay in backoff_delays(first=self.base_delay, factor=2.0, cap=8.0):
            step = min(delay, window - waited)
            if step <= 0:
                break
            self.sleep(step)
            waited += step
            found = _look(recheck)
            if found is not None:
                return found
        raise DsopsError('%s may have been carried out: %s It did not show within %d seconds, and it was not sent '
                         'again, so that it cannot happen twice.' % (what, error.summary(), window),
                         hint=hint, written={'outcome': 'unknown'})

    @staticmethod
    def settle_window(request_timeout):
        """How long to look for a write whose answer was lost: as long as the request itself
        could take (the timeout), at least SETTLE_MIN and at most SETTLE_MAX seconds."""
        return min(SETTLE_MAX, max(SETTLE_MIN, float(request_timeout or 0)))

    def settle_delay(self, attempt, error, request_timeout):
        """How long to wait before looking for the result of an ambiguous write.

        A server that answered (5xx) is done with the request, so the usual backoff
        will do.  Without an answer (timeout, dropped connection) the request may still
        be in progress: it gets as long again as it already had (the request timeout),
        so a merely slow write is found by the look instead of being sent twice.
        """
        wait = self.delay_for(attempt, error)
        if isinstance(error, TransportError):
            wait = max(wait, float(request_timeout or 0))
        return wait

    @staticmethod
    def is_retryable(error, idempotent):
        if not getattr(error, 'transient', False):
            return False
        return idempotent or not getattr(error, 'maybe_processed', True)


SETTLE_MIN, SETTLE_MAX = 5.0, 60.0


def _look(recheck):
    """A look after a write whose answer was lost: a failure in it still says the write may have happened."""
    with after_write(outcome='unknown'):
        return recheck()


def backoff_delays(first=1.0, factor=1.5, cap=15.0):
    delay = first
    while True:
        yield delay
        delay = min(delay * factor, cap)


def is_ambiguous(error):
    """A transient failure after which a write may or may not have happened."""
    return getattr(error, 'transient', False) and getattr(error, 'maybe_processed', True)
