# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DWS external data sources: module options <-> API fields, input checks and the resource.

Options use Ansible's names (``agency``, ``mrs_cluster_id``, ``user_password``); the
reconcile core works in the names the list call reports (``user_name``,
``data_source_id``), and the create call renames ``name`` to ``data_source_name``.
"""

from __future__ import absolute_import, division, print_function

import copy
import re


from ansible_collections.dsops.cloud.plugins.module_utils.dws.client import (
    BUSY_REFUSAL_CODES, configure_status, is_not_found, run_status)
from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import (
    ApiError, DsopsError, InputError, JobError, after_write, replacing)
from ansible_collections.dsops.cloud.plugins.module_utils.core.reconcile import Field
from ansible_collections.dsops.cloud.plugins.module_utils.core.lifecycle import Outcome, Resource
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import check_range
from ansible_collections.dsops.cloud.plugins.module_utils.dws.connection import validate_identifier

__metaclass__ = type

OBS, MRS, LAKE_FORMATION = 'OBS', 'MRS', 'LAKE_FORMATION'
# Every type the API lists; a lookup without a type searches them all (reference 11.5).
TYPES = (OBS, MRS, LAKE_FORMATION)
# The types this collection can create: LAKE_FORMATION's create fields are UNCONFIRMED, so it is read
# and deleted, never created.
CREATABLE_TYPES = (OBS, MRS)

# Documented rules of CreateDataSource [DOC]; checked before any request.
# \Z, not $: '$' also matches before a final line break, which would let 'name\n' through
NAME_RE = re.compile(r'^[A-Za-z0-9_]{1,64}\Z')
USER_RE = re.compile(r'^[A-Za-z0-9_]{3,20}\Z')
DESCRIPTION_MAX = 256
DESCRIPTION_FORBIDDEN = "!<>'=&"

OBS_ONLY_OPTIONS = ('agency', 'connect_info')
MRS_ONLY_OPTIONS = ('mrs_cluster_id', 'user_name', 'user_password')
OPTIONS_OF_TYPE = {OBS: OBS_ONLY_OPTIONS, MRS: MRS_ONLY_OPTIONS, LAKE_FORMATION: ()}

# The fields the module manages, per type, in the names the list call reports: 'user_name' is the
# OBS agency (the one field changeable in place) or the MRS user; 'data_source_id' is the MRS
# cluster id.  The API shows "not set" as a missing or empty string, so absent reads as ''.
FIELDS_BY_TYPE = {
    OBS: (Field('name', create_only=True, absent_means=''), Field('type', create_only=True, absent_means=''),
          Field('user_name', absent_means=''), Field('connect_info', create_only=True, absent_means=''),
          Field('description', create_only=True, absent_means='')),
    MRS: (Field('name', create_only=True, absent_means=''), Field('type', create_only=True, absent_means=''),
          Field('user_name', create_only=True, absent_means=''),
          Field('data_source_id', create_only=True, absent_means=''),
          Field('description', create_only=True, absent_means=''),
          # write-only: sent on create, never compared, never shown
          Field('user_pwd', compared=False)),
    LAKE_FORMATION: (Field('name', create_only=True, absent_means=''), Field('type', create_only=True, absent_means=''),
                     Field('description', create_only=True, absent_means='')),
}
# API field -> config option, per type ('user_name' is the OBS agency, 'data_source_id' the MRS cluster).
CONFIG_FIELDS = {
    OBS: (('name', 'name'), ('type', 'type'), ('user_name', 'agency'), ('connect_info', 'connect_info'),
          ('description', 'description')),
    MRS: (('name', 'name'), ('type', 'type'), ('data_source_id', 'mrs_cluster_id'), ('user_name', 'user_name'),
          ('description', 'description')),
    LAKE_FORMATION: (('name', 'name'), ('type', 'type'), ('description', 'description')),
}
# Never returned, whatever the API or a prediction holds.
SECRET_FIELDS = ('user_pwd', 'password', 'user_password')
# Transitional states, after which a data source settles (codes are normalised first).
BUSY_STATES = ('CREATING', 'UPDATING', 'DELETING')
WAIT_TIMEOUT_MAX = 86400
ADOPT_HINT = ('Re-run the task later: it looks the data source up by name and adopts it, instead of creating '
              'another.')
REBOOT_HINT = ('A reconfigure with reboot=true is never sent twice. Check the data source\'s agency and the '
               'cluster\'s events in the console, then re-run the task: it writes only if the agency still differs.')


def resource_argument_spec():
    """The options of dws_ext_data_source that describe the data source (the role's items take these)."""
    return dict(
        cluster_id=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        name=dict(type='str'),
        id=dict(type='str'),
        type=dict(type='str', choices=list(TYPES)),
        agency=dict(type='str'),
        connect_info=dict(type='str', aliases=['database']),
        mrs_cluster_id=dict(type='str'),
        user_name=dict(type='str'),
        user_password=dict(type='str', no_log=True),
        description=dict(type='str'),
        reboot=dict(type='bool', default=False),
        recreate=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
        update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
    )


# OBS-only options against MRS-only options
RESOURCE_MUTUALLY_EXCLUSIVE = [[obs, mrs] for obs in ('agency', 'connect_info')
                               for mrs in ('mrs_cluster_id', 'user_name', 'user_password')]


# ----- input checks ------------------------------------------------------------------------------------------

def validate_name(name, option='name'):
    if name is not None and not NAME_RE.match(name):
        raise InputError('%s %r is not valid: use 1 to 64 letters, digits or underscores.' % (option, name))


def validate_user(value, option):
    if value is not None and not USER_RE.match(value):
        raise InputError('%s %r is not valid: use 3 to 20 letters, digits or underscores.' % (option, value))


def validate_description(value):
    if value is None:
        return
    if len(value) > DESCRIPTION_MAX:
        raise InputError('description is %d characters long; at most %d are allowed.' % (len(value), DESCRIPTION_MAX))
    bad = sorted(set(c for c in value if c in DESCRIPTION_FORBIDDEN))
    if bad:
        raise InputError('description must not contain the characters %s (found %s).'
                         % (' '.join(DESCRIPTION_FORBIDDEN), ' '.join(bad)))


def validate_type_options(params, ds_type):
    """Options of another type are refused, so a typo never silently does nothing."""
    for other, options in sorted(OPTIONS_OF_TYPE.items()):
        given = [name for name in options if other != ds_type and params.get(name) is not None]
        if given:
            raise InputError('%s only apply to %s data sources, but this one is %s.' % (', '.join(given), other, ds_type))


def validate_common(params):
    """Checks needing no request: identifiers, names and documented formats."""
    for option in ('cluster_id', 'id'):
        validate_identifier(params.get(option), option)
    if params.get('type') != LAKE_FORMATION:  # its naming rules are UNCONFIRMED; it is never created here
        validate_name(params.get('name'))
    validate_user(params.get('agency'), 'agency')
    validate_user(params.get('user_name'), 'user_name')
    validate_description(params.get('description'))
    check_range('wait_timeout', params.get('wait_timeout'), 1, WAIT_TIMEOUT_MAX, 'seconds')
    if params.get('type'):
        validate_type_options(params, params['type'])
    if params.get('update_password') == 'always' and not params.get('recreate'):
        raise InputError('update_password=always re-creates the MRS data source on every run to apply the '
                         'password (the API never returns it, and cannot change it in place); set recreate=true to '
                         'allow that, or use update_password=on_create.')


def sanitize_data_source(obj):
    """The one sanitiser for returned data: drop every password-like field, name the status codes.

    The API's own ``configure_status`` and ``status`` are kept as they came (numeric codes such as
    "200", or names in older answers); ``configure_status_name`` and ``status_name`` say them in words
    (reference 11.3).
    """
    clean = copy.deepcopy(obj or {})
    for key in SECRET_FIELDS:
        clean.pop(key, None)
    if clean.get('configure_status') not in (None, ''):
        clean['configure_status_name'] = configure_status(clean)
    if clean.get('status') not in (None, ''):
        clean['status_name'] = run_status(clean)
    return clean


def is_deleted(obj):
    return configure_status(obj) == 'DELETED' or run_status(obj) == 'DELETED'


def creation_failed(obj):
    return configure_status(obj) == 'FAILED' or run_status(obj) == 'CREATE_FAILED'


def config_of(obj):
    """A data source in the module's option names (a config item, a diff side): empty values left out, never
    a password."""
    fields = CONFIG_FIELDS.get(obj.get('type'), CONFIG_FIELDS[OBS][:2])
    config = {'id': obj.get('id')}
    for field, option in fields:
        config[option] = obj.get(field)
    return dict((option, value) for option, value in config.items() if value not in (None, ''))


# ----- reading -----------------------------------------------------------------------------------------------

class DataSourceFinder:
    """List calls with ``?type=`` and matching on id or name (there is no get-one call)."""

    def __init__(self, client, cluster_id):
        self.client = client
        self.cluster_id = cluster_id

    def list(self, ds_type):
        items = []
        for item in self.client.list_data_sources(self.cluster_id, ds_type):
            if is_deleted(item):
                continue
            item = dict(item)
            item.setdefault('type', ds_type)
            items.append(item)
        return items

    def search(self, types, ds_id=None, name=None):
        """Every data source of ``types`` matching the given id and/or name."""
        found = []
        for ds_type in types:
            for item in self.list(ds_type):
                if ds_id is not None and str(item.get('id', '')).lower() != ds_id.lower():
                    continue
                if name is not None and ds_id is None and item.get('name') != name:
                    continue
                found.append(item)
            if ds_id is not None and found:
                break  # ids are unique: no need to list the other type
        return found

    def find_one(self, types, ds_id=None, name=None):
        return select(self.search(types, ds_id=ds_id, name=name),
                      {'id': ds_id, 'name': name, 'cluster_id': self.cluster_id})


def select(listing, params):
    """The data source of one cluster's ``listing`` that ``params`` name: by id (any case), else by name, or None.

    Several with that name is an error: which one is meant cannot be guessed.
    """
    ds_id, name, cluster_id, items = params.get('id'), params.get('name'), params.get('cluster_id'), listing
    if ds_id is not None:
        found = [item for item in items if str(item.get('id', '')).lower() == ds_id.lower()]
    else:
        found = [item for item in items if item.get('name') == name]
    if len(found) > 1:
        raise DsopsError('%d data sources named %r were found in cluster %s (%s); give id, or type, to '
                         'choose one.' % (len(found), name, cluster_id,
                                          ', '.join('%s %s' % (i.get('type'), i.get('id')) for i in found)))
    return found[0] if found else None


# ----- the resource -------------------------------------------------------------------------------------------

class DwsExtDataSourceResource(Resource):
    """Plans, reads, creates, reconfigures and deletes one external data source, waiting for its jobs.

    Planning needs no client: the role filters plan against a listing with ``client=None``.
    """

    result_key = 'ext_data_source'
    noun = 'DWS external data source'

    def __init__(self, client, params):
        validate_common(params)
        self.client = client
        self.params = params
        self.cluster_id = params['cluster_id']
        self.finder = DataSourceFinder(client, self.cluster_id)
        self.wait = params.get('wait', True)
        self.wait_timeout = params.get('wait_timeout', 1800)
        # False: a finished write returns the object as predicted instead of listing it again; the list
        # module lists each type once after all its writes instead
        self.read_back = True

    def type_of(self, current):
        """The type of the data source: as listed, else as given (None: not known yet)."""
        return (current or {}).get('type') or self.params.get('type')

    def types_to_read(self):
        return [self.params['type']] if self.params.get('type') else list(TYPES)

    # -- planning

    def fields_for(self, current):
        return FIELDS_BY_TYPE.get(self.type_of(current), FIELDS_BY_TYPE[OBS])

    def managed_view(self, obj):
        # an item whose type is empty has not reported it: it is of the type it is taken to be, never a
        # create-only difference
        return dict(super(DwsExtDataSourceResource, self).managed_view(obj), type=self.type_of(obj) or '')

    def check_target(self, current, state):
        ds_id, name = self.params.get('id'), self.params.get('name')
        if current is None and ds_id and state == 'present':
            raise InputError('No %s data source with id %s in cluster %s; to create one, give name (and type) '
                             'without id.' % (self.params.get('type') or 'any', ds_id, self.cluster_id))
        # Deleting is irreversible: refuse when id and name point at different data sources.
        # (With state=present a differing name is a create-only conflict, reported by the plan.)
        if current is not None and state == 'absent' and ds_id and name is not None and current.get('name') != name:
            raise InputError('%s id %s in cluster %s is named %r, not %r; nothing was deleted. Give the matching '
                             'name, or only the id.' % (self.noun, current.get('id'), self.cluster_id,
                                                        current.get('name'), name))

    def is_busy(self, current):
        """A data source in the middle of a job (another run's, or ours left with wait=false).

        Its list entry does not show what the job is writing (an agency changes only when the job
        succeeds), so planning against it now could send the same write a second time.
        """
        return configure_status(current) in BUSY_STATES

    def busy_hint(self, current):
        return ('%s %s in cluster %s is %s: a job is running on it. The module waits for it (up to wait_timeout) '
                'before it compares and writes.' % (self.noun, self.identify(current), self.cluster_id,
                                                    configure_status(current)))

    def desired(self, current):
        params, ds_type = self.params, self.type_of(current)
        if ds_type is None:
            raise InputError('type is required to create data source %r: no data source of any type with that '
                             'name exists in cluster %s.' % (params.get('name'), self.cluster_id))
        validate_type_options(params, ds_type)
        if current is not None and creation_failed(current):
            raise DsopsError('%s %s exists but its creation failed (configure_status %s, status %s, fail_reason: %s). '
                             'Remove it with state=absent, then run the task again.'
                             % (self.noun, self.identify(current), current.get('configure_status'),
                                current.get('status'), current.get('fail_reason') or 'none'))
        wanted = {'name': params.get('name'), 'type': ds_type, 'description': params.get('description')}
        warnings = []
        if ds_type == OBS:
            wanted.update(user_name=params.get('agency'), connect_info=params.get('connect_info'))
        elif ds_type == MRS:
            wanted.update(user_name=params.get('user_name'), data_source_id=params.get('mrs_cluster_id'),
                          user_pwd=params.get('user_password'))
            if current is not None and params.get('user_password') and not self.must_recreate(current):
                warnings.append(
                    'user_password is sent only when a data source is created (update_password=on_create), and %s '
                    'exists, so the given password was not applied. To apply a new password, run '
                    'dsops.cloud.dws_ext_data_source with update_password=always and recreate=true.'
                    % self.identify(current))
        return wanted, warnings

    def must_recreate(self, current):
        """update_password=always: an existing MRS source is re-created to apply the password, every run."""
        return (current is not None and self.params.get('update_password') == 'always'
                and self.type_of(current) == MRS)

    # -- reading

    def read(self):
        return self.finder.find_one(self.types_to_read(), ds_id=self.params.get('id'), name=self.params.get('name'))

    def settle(self, current):
        """``current`` once its job has ended, waited for up to wait_timeout whatever ``wait`` says.

        One being deleted already is absent for state=absent.
        """
        if configure_status(current) == 'DELETING' and self.params.get('state') == 'absent':
            return None
        ds_type, ds_id = self.type_of(current), current['id']
        done, settled = self.client.waiter.until(lambda: self._read(ds_type, ds_id),
                                                 lambda obj: obj is None or configure_status(obj) not in BUSY_STATES,
                                                 self.wait_timeout)
        if not done:
            raise JobError('%s %s in cluster %s is still %s after %s seconds; nothing was changed.'
                           % (self.noun, self.identify(current), self.cluster_id,
                              configure_status(settled or current), self.wait_timeout),
                           hint='Wait for the running job to finish, or raise wait_timeout.')
        return settled

    # -- writes

    def check_create(self, payload):
        """Fields the API needs to create, reported in option names, before anything is written."""
        if payload.get('type') not in CREATABLE_TYPES:
            raise InputError('%s data source %r cannot be created by this collection: the API lists this type, but '
                             'its create fields are not documented. Create it in the console; the modules can read '
                             'and delete it. Nothing was written.' % (payload.get('type'), payload.get('name')))
        required = [('name', 'name'), ('type', 'type')]
        if payload.get('type') == OBS:
            required += [('user_name', 'agency'), ('connect_info', 'connect_info')]
        else:
            required += [('data_source_id', 'mrs_cluster_id'), ('user_name', 'user_name'),
                         ('user_pwd', 'user_password')]
        missing = [option for field, option in required if not payload.get(field)]
        if missing:
            raise InputError('To create an %s data source %r these options are required: %s.'
                             % (payload.get('type'),
                                payload.get('name'), ', '.join(missing)))

    def create_body(self, payload):
        """The CreateDataSource body: this type's fields, empty values left out (as Terraform does)."""
        ds_type = payload['type']
        body = {'type': ds_type, 'data_source_name': payload['name']}
        keys = ('user_name', 'connect_info', 'description') if ds_type == OBS else \
            ('data_source_id', 'user_name', 'user_pwd', 'description')
        for key in keys:
            if payload.get(key) not in (None, ''):
                body[key] = payload[key]
        # reboot is an action flag: sent on create only when asked for (Terraform never sends it).
        if self.params.get('reboot'):
            body['reboot'] = True
        return body

    def create(self, payload):
        """POST, then wait for the job; returns an Outcome.  (plan() has checked the payload.)"""
        name = payload['name']

        def recheck():
            found = self.finder.find_one([payload['type']], name=name)
            return {'id': found.get('id')} if found else None

        response = self.client.create_data_source(
            self.cluster_id, self.create_body(payload), recheck=recheck, hint=ADOPT_HINT,
            what='The create of %s %r in cluster %s' % (self.noun, name, self.cluster_id))
        ds_id = response.get('id')
        with after_write(id=ds_id, job_id=response.get('job_id')):
            return self._created(payload, response)

    def _created(self, payload, response):
        ds_id, name = response.get('id'), payload['name']
        waited, job, warnings = self._finish(response.get('job_id'), lambda: self._read(payload['type'], ds_id, name),
                                             lambda obj: obj is not None and configure_status(obj) not in BUSY_STATES)
        if not (waited and self.read_back):
            predicted = sanitize_data_source(payload)
            if ds_id:
                predicted['id'] = ds_id
            return Outcome(predicted, job=job, warnings=warnings)
        created = self._read(payload['type'], ds_id, name)
        if created is None:
            raise DsopsError('The create job for %s %r succeeded, but the data source is not listed in cluster %s.'
                             % (self.noun, name, self.cluster_id), hint='Check the cluster in the console.')
        return Outcome(created, job=job, warnings=warnings)

    def update(self, current, payload):
        """PUT the agency; after a busy refusal (DWS.0011, DWS.7023) the source is re-read before a new PUT."""
        agency = payload['user_name']
        retry = self.client.retry
        lost_answer = False  # a PUT of this run whose answer was lost may be the one that applied it
        for attempt in range(retry.retries + 1):
            try:
                response = self._reconfigure(current, agency)
                break
            except ApiError as error:
                if error.code not in BUSY_REFUSAL_CODES or attempt >= retry.retries:
                    raise
                lost_answer = lost_answer or error.written is not None
                retry.sleep(retry.delay_for(attempt, error))
            current = self._reread_settled(current)
            if current.get('user_name') == agency:
                # applied meanwhile: by another run, or by our own PUT whose answer was lost
                return Outcome(current, wrote=lost_answer)
        with after_write(id=current['id'], job_id=response.get('job_id')):
            waited, job, warnings = self._finish(
                response.get('job_id'), lambda: self._read(OBS, current['id']),
                lambda obj: obj is not None and configure_status(obj) not in BUSY_STATES)
            if not (waited and self.read_back):
                predicted = dict(current)
                predicted.update(payload)
                return Outcome(predicted, job=job, warnings=warnings)
            return Outcome(self._read(OBS, current['id']) or {}, job=job, warnings=warnings)

    def _reconfigure(self, current, agency):
        """One PUT.  After a lost answer, a source showing the agency, or a running job, means it took."""
        reconfigure = {'reboot': bool(self.params.get('reboot')), 'agency': agency}

        def recheck():
            found = self._read(OBS, current['id'])
            took = found is not None and (found.get('user_name') == agency or configure_status(found) in BUSY_STATES)
            return {'job_id': None} if took else None

        what = 'The reconfigure of %s %s (agency %r, reboot %s)' % (
            self.noun, self.identify(current), agency, str(reconfigure['reboot']).lower())
        return self.client.reconfigure_data_source(self.cluster_id, current['id'], reconfigure, recheck=recheck,
                                                   hint=REBOOT_HINT, what=what)

    def _reread_settled(self, current):
        found = self._read(OBS, current['id'])
        if found is not None and self.is_busy(found):
            found = self.settle(found)
        if found is None:
            raise DsopsError('%s %s disappeared from cluster %s while it was being updated; nothing was written.'
                             % (self.noun, self.identify(current), self.cluster_id))
        return found

    def delete(self, current, force_wait=False):
        """DELETE, then wait for the job; returns an Outcome (wrote=False: someone else removed it first)."""
        ds_type, ds_id = self.type_of(current), current['id']

        def recheck():
            found = self._read(ds_type, ds_id)
            gone = found is None or configure_status(found) in ('DELETING', 'DELETED')
            return {'job_id': None} if gone else None

        try:
            response = self.client.delete_data_source(self.cluster_id, ds_id, recheck=recheck)
        except ApiError as error:
            if not is_not_found(error):
                raise
            # after an attempt whose answer was lost ('written'), 'not found' is most likely that attempt's doing
            return Outcome(None, wrote=self._confirm_gone(ds_type, ds_id, current, ours=error.written is not None))
        with after_write(id=ds_id, job_id=response.get('job_id')):
            dummy, job, warnings = self._finish(response.get('job_id'), lambda: self._read(ds_type, ds_id),
                                                lambda obj: obj is None, force_wait=force_wait)
        return Outcome(None, job=job, warnings=warnings)

    def _confirm_gone(self, ds_type, ds_id, current, ours=False):
        """The DELETE was answered 'not found': true only if the listing agrees; returns whether this run deleted.

        DWS.0015 means "resource not found or no permission" (reference): a data source
        still listed means the credentials may not delete it, which must not pass as done.
        """
        still = self._read(ds_type, ds_id)
        if still is not None and configure_status(still) not in ('DELETING', 'DELETED'):
            raise DsopsError('DWS answered "not found or no permission" (DWS.0015) to the DELETE of %s %s, but it '
                             'is still listed in cluster %s; nothing was deleted.'
                             % (self.noun, self.identify(current), self.cluster_id),
                             hint='Check that the credentials may delete external data sources (IAM policy of '
                                  'the user or agency) in project %s.' % self.client.project_id)
        # still gone and not after our own attempt: removed by someone else since it was read
        return still is not None or ours

    def recreate(self, current, payload):
        # plan() has checked the payload before this delete, so a missing password never leaves the user with nothing
        deleted = self.delete(current, force_wait=True)  # the name must be free before it is used again
        # even if someone else deleted it meanwhile, the create is this run's write
        try:
            with replacing('%s %s' % (self.noun, self.identify(current)), deleted=current.get('id')):
                created = self.create(payload)
        except DsopsError as error:
            error.warnings = deleted.warnings + error.warnings  # what the delete's job warned of still holds
            raise
        return Outcome(created.obj, job=created.job, warnings=deleted.warnings + created.warnings)

    def _finish(self, job_id, read, settled, force_wait=False):
        """Wait for a write to complete: (waited, job record, warnings); not waited with wait=false.

        Without a job id (the write's response was lost and a re-read showed it had
        taken effect) the data source is re-read until it settles.
        """
        job = {'job_id': job_id} if job_id else None
        if not (self.wait or force_wait):
            return False, job, []
        if job_id:
            job, warnings = self.client.wait_for_job(job_id, self.wait_timeout)
            return True, job, warnings
        done, dummy = self.client.waiter.until(read, settled, self.wait_timeout)
        if not done:
            raise JobError('%s in cluster %s did not settle within %s seconds after a write whose response was '
                           'lost.' % (self.noun, self.cluster_id, self.wait_timeout))
        return True, None, []

    def _read(self, ds_type, ds_id=None, name=None):
        return self.finder.find_one([ds_type], ds_id=ds_id, name=None if ds_id else name)

    # -- check mode, messages, output

    def diff_view(self, view):
        return config_of(view)

    def option_name(self, field, obj):
        return dict(CONFIG_FIELDS.get(self.type_of(obj), ())).get(field, field)

    def identify(self, obj):
        if obj.get('id'):
            return '%r (id %s)' % (obj.get('name'), obj['id'])
        return repr(obj.get('name'))

    def conflict_hint(self):
        return ('These fields can only be set when the data source is created. Set recreate=true to delete and '
                're-create it (an MRS source needs user_password again). Field names are the API\'s: user_name '
                'is the agency (OBS) or the MRS user, data_source_id is mrs_cluster_id.')

    def sanitize(self, obj):
        return sanitize_data_source(obj)


def gather(client, params):
    """The read-only listing behind dws_ext_data_source_info."""
    validate_name(params.get('name'))
    finder = DataSourceFinder(client, params['cluster_id'])
    types = [params['type']] if params.get('type') else list(TYPES)
    found = finder.search(types, ds_id=params.get('id'), name=params.get('name'))
    if params.get('id') and params.get('name'):
        found = [item for item in found if item.get('name') == params['name']]
    return [sanitize_data_source(item) for item in found]
