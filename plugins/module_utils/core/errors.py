# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Structured failures shared by every layer.

Each layer raises one of these; only the module edge turns them into ``fail_json``.
They carry the platform's own identifiers (error code, request/log id) so a user can
quote them to support, and never the request's credentials.
"""

from __future__ import absolute_import, division, print_function

from contextlib import contextmanager

__metaclass__ = type


class DsopsError(Exception):
    """Base class: a failure the module reports cleanly instead of a traceback.

    ``written`` is None when the run wrote nothing before failing; otherwise what it
    wrote, or may have written (ids, job id), so the failed result says changed=true.
    """

    def __init__(self, message, hint=None, written=None, warnings=None):
        super(DsopsError, self).__init__(message)
        self.message = message
        self.hint = hint
        self.written = written
        self.warnings = list(warnings or [])

    def details(self):
        """Structured fields returned next to ``msg`` in the failed result."""
        return {}

    def __str__(self):
        if self.hint:
            return '%s Hint: %s' % (self.summary(), self.hint)
        return self.summary()

    def summary(self):
        """The message without the hint."""
        return self.message

    def fail_kwargs(self):
        kwargs = dict(self.details())
        kwargs['msg'] = str(self)
        if self.written is not None:
            kwargs.update(changed=True, written=self.written)
        if self.warnings:
            kwargs['warnings'] = self.warnings
        return kwargs


@contextmanager
def after_write(**written):
    """Failures inside come after a write the server accepted, or may have: they carry ``written``.

    The keys with a value (an id, a job id) say what was written.
    """
    try:
        yield
    except DsopsError as error:
        # merged into what the failure already says it wrote (a lost answer's 'outcome', say), never lost
        known = error.written or {}
        error.written = dict((key, value) for key, value in written.items() if value and key not in known)
        error.written.update(known)
        raise


@contextmanager
def replacing(description, **written):
    """The create of a re-create, after ``description`` was deleted: a failure says that the old one is gone."""
    try:
        with after_write(**written):
            yield
    except DsopsError as error:
        gone = '%s was deleted to be re-created, so it does not exist until a create succeeds: run the task again.' % (
            description)
        error.hint = ' '.join(text for text in (gone, error.hint) if text)
        raise


class InputError(DsopsError):
    """Invalid or contradictory options; detected before anything is written."""


class ProblemsFound(InputError):
    """Every problem found in the options at once, before any request: a user fixes them in one go."""

    def __init__(self, problems, where, outcome='nothing was written'):
        super(ProblemsFound, self).__init__('%d problem(s) in %s; %s:\n  - %s'
                                            % (len(problems), where, outcome, '\n  - '.join(problems)))
        self.problems = problems

    def details(self):
        return {'problems': self.problems}


class ConflictError(DsopsError):
    """Desired state cannot be reached in place (for example a create-only field differs)."""

    def __init__(self, message, conflicts=None, hint=None):
        super(ConflictError, self).__init__(message, hint=hint)
        self.conflicts = conflicts or {}

    def details(self):
        return {'conflicts': self.conflicts}


class TransportError(DsopsError):
    """No usable HTTP response: connection refused, reset, TLS failure or timeout.

    ``maybe_processed`` tells whether the server could have acted on the request
    (the request was sent before the failure), which decides whether a
    non-idempotent write may be repeated.
    """

    def __init__(self, message, method=None, path=None, maybe_processed=True, hint=None, transient=True):
        super(TransportError, self).__init__(message, hint=hint)
        self.method = method
        self.path = path
        self.maybe_processed = maybe_processed
        self.transient = transient
        self.retry_after = None

    def details(self):
        return {'error': {'kind': 'transport', 'method': self.method, 'path': self.path}}


class ApiError(DsopsError):
    """The platform answered with an error (HTTP status and/or a business code)."""

    def __init__(self, platform, message, http_status=None, code=None, request_id=None,
                 method=None, path=None, transient=False, maybe_processed=True,
                 retry_after=None, hint=None):
        super(ApiError, self).__init__(message, hint=hint)
        self.platform = platform
        self.http_status = http_status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.path = path
        self.transient = transient
        self.maybe_processed = maybe_processed
        self.retry_after = retry_after
        self.api_message = message

    def summary(self):
        parts = ['%s API error' % self.platform]
        if self.code not in (None, ''):
            parts.append(str(self.code))
        if self.http_status is not None:
            parts.append('(HTTP %s)' % self.http_status)
        text = ' '.join(parts)
        if self.method and self.path:
            text += ' on %s %s' % (self.method, self.path)
        text += ': %s' % (self.api_message or 'no message')
        if self.request_id:
            text += ' [request id: %s]' % self.request_id
        return text

    def details(self):
        return {'error': {
            'platform': self.platform,
            'http_status': self.http_status,
            'code': self.code,
            'message': self.api_message,
            'request_id': self.request_id,
            'method': self.method,
            'path': self.path,
        }}


class JobError(DsopsError):
    """An asynchronous job ended badly or did not end in time."""

    def __init__(self, message, job=None, hint=None, warnings=None):
        super(JobError, self).__init__(message, hint=hint, warnings=warnings)
        self.job = job or {}

    def details(self):
        return {'job': self.job}
