# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A failure after a write says changed=true and what was written (issue 10, point 3)."""

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.dsops.cloud.plugins.module_utils.core import errors
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import ApiError, DsopsError, JobError

__metaclass__ = type


def test_a_failure_inside_after_write_carries_the_keys_that_have_a_value():
    with pytest.raises(ApiError) as info:
        with errors.after_write(id='ds-1', job_id='job-9', deleted=None, other=''):
            raise ApiError('DWS', 'no such job', http_status=404, code='DWS.0015')
    assert info.value.written == {'id': 'ds-1', 'job_id': 'job-9'}
    failure = info.value.fail_kwargs()
    assert failure['changed'] is True and failure['written'] == {'id': 'ds-1', 'job_id': 'job-9'}
    assert 'DWS.0015' in failure['msg'] and failure['error']['code'] == 'DWS.0015'


def test_what_an_error_already_says_was_written_is_kept_and_completed():
    with pytest.raises(DsopsError) as info:
        with errors.after_write(id='outer'):
            with errors.after_write(id='inner', job_id='j1'):
                raise DsopsError('may have been carried out', written={'outcome': 'unknown'})
    # the innermost value of a key wins; what the outer writes add is kept (e.g. a delete before a create)
    assert info.value.written == {'outcome': 'unknown', 'id': 'inner', 'job_id': 'j1'}
    assert info.value.fail_kwargs()['written'] == {'outcome': 'unknown', 'id': 'inner', 'job_id': 'j1'}


def test_a_recreate_whose_create_fails_still_says_the_old_object_was_deleted():
    with pytest.raises(JobError) as info:
        with errors.after_write(deleted='old-id'):
            with errors.after_write(id='new-id', job_id='j2'):
                raise JobError('DWS job j2 ended with status FAIL', job={'job_id': 'j2'})
    failure = info.value.fail_kwargs()
    assert failure['written'] == {'deleted': 'old-id', 'id': 'new-id', 'job_id': 'j2'}
    assert failure['job'] == {'job_id': 'j2'}


def test_a_failure_without_a_write_is_not_changed():
    failure = DsopsError('nothing written').fail_kwargs()
    assert 'changed' not in failure and 'written' not in failure
    with pytest.raises(DsopsError) as info:
        with errors.after_write():  # nothing known about the write: still a write
            raise DsopsError('x')
    assert info.value.written == {} and info.value.fail_kwargs()['changed'] is True


def test_other_exceptions_pass_through_untouched():
    with pytest.raises(KeyError):
        with errors.after_write(id='ds-1'):
            raise KeyError('x')


def test_a_job_error_carries_its_warnings_into_the_failed_result():
    failure = JobError('timed out', job={'job_id': 'j'}, warnings=['status QUEUED unknown']).fail_kwargs()
    assert failure['warnings'] == ['status QUEUED unknown'] and failure['job'] == {'job_id': 'j'}
    assert 'warnings' not in JobError('failed').fail_kwargs()
