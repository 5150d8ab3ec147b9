# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX readiness: the job-template playbooks run through ansible-runner, credential types, the EE.

* The credential types' injectors are rendered the way AWX renders them (a sandboxed Jinja
  environment over the credential's inputs, so a field left blank becomes an empty string),
  and they must inject exactly environment variables the modules read, secrets marked secret.
* Each job-template playbook runs through ansible-runner (what AWX runs underneath) with that
  environment, twice: the second run must change nothing and write nothing; no secret may
  appear anywhere in the runner's artifacts.
* ``ansible-builder create`` on the example execution environment, and the builder's own
  introspection of the collection it installs, must yield our Python requirement.

Which runner files are checked for secrets: everything under the private data directory
(stdout, stderr, job_events/*.json, fact_cache, status, rc, inventory, project) except the
``env`` key of ``artifacts/<id>/command``.  That key is the runner's record of the environment
it was given (file mode 0600), i.e. the credential injection itself, which AWX keeps only in the
job's private data directory and deletes with it; everything AWX stores and shows (stdout, job
events, facts) must be clean.  ``suppress_env_files=True`` keeps the runner from also writing
``env/envvars``; the test checks that it did not.
"""

from __future__ import absolute_import, division, print_function

import glob
import json
import os
import stat
import subprocess
import sys

import ansible_runner
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.dsops.cloud.plugins.module_utils.dws import connection as dws_connection
from ansible_collections.dsops.cloud.plugins.module_utils.feishu import connection as feishu_connection

__metaclass__ = type

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPES = os.path.join(REPO, 'extensions', 'awx', 'credential_types')
PROJECT = '0123456789abcdef0123456789abcdef'
CLUSTER = '11111111-2222-3333-4444-555555555555'
MODULE_ENV_PREFIXES = ('HW_', 'HUAWEICLOUD_', 'FEISHU_')


def load_credential_type(name):
    with open(os.path.join(CREDENTIAL_TYPES, name)) as handle:
        return yaml.safe_load(handle)


def render_injectors(credential_type, inputs):
    """The environment AWX injects for a credential with these inputs.

    AWX renders each injector template with a sandboxed Jinja environment over the inputs the
    credential holds; a field left blank is simply missing, and renders as an empty string.
    """
    env = ImmutableSandboxedEnvironment()
    return dict((name, env.from_string(template).render(**inputs))
                for name, template in credential_type['injectors']['env'].items())


def env_options(spec):
    """environment variable -> (option, no_log) for every env fallback in an argument spec."""
    found = {}
    for option, settings in spec.items():
        fallback = settings.get('fallback')
        if fallback:
            for name in fallback[1]:
                found[name] = (option, settings.get('no_log', False))
    return found


MODULE_SPECS = {
    'huawei_cloud_dws.yml': dws_connection.connection_argument_spec(),
    'feishu_app.yml': feishu_connection.connection_argument_spec(),
}


# ----- the credential types ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('name', sorted(MODULE_SPECS))
def test_credential_types_inject_only_variables_the_modules_read_with_secrets_marked(name):
    credential_type = load_credential_type(name)
    readable = env_options(MODULE_SPECS[name])
    fields = dict((field['id'], field) for field in credential_type['inputs']['fields'])
    env = credential_type['injectors']['env']
    assert set(env) <= set(readable), 'injected but read by no module: %s' % sorted(set(env) - set(readable))
    assert not any(var.startswith('ANSIBLE_') for var in env)  # reserved by AWX
    for var, template in env.items():
        option, no_log = readable[var]
        # each variable carries exactly one input field, the one named like the module option
        assert template == '{{ %s }}' % option, var
        assert bool(fields[option].get('secret')) == bool(no_log), '%s: secret must match no_log' % option
    assert set(credential_type['inputs']['required']) <= set(fields)


def test_a_blank_optional_field_means_unset_to_the_modules(monkeypatch):
    """AWX injects '' for a blank field: the modules must read that as 'not set'."""
    feishu_env = render_injectors(load_credential_type('feishu_app.yml'), {'app_id': 'cli_x', 'app_secret': 's3'})
    assert feishu_env['FEISHU_BASE_URL'] == ''
    dws_env = render_injectors(load_credential_type('huawei_cloud_dws.yml'),
                               {'auth_token': 'iam-token', 'project_id': PROJECT, 'region': 'cn-north-4'})
    assert dws_env['HW_ACCESS_KEY'] == dws_env['HW_SECRET_KEY'] == dws_env['HW_DWS_ENDPOINT'] == ''
    for name, value in list(feishu_env.items()) + list(dws_env.items()):
        monkeypatch.setenv(name, value)

    params = ArgumentSpecValidator(feishu_connection.connection_argument_spec()).validate({}).validated_parameters
    client = feishu_connection.build_client(params, register_secret=None)
    assert client.base_url == feishu_connection.DEFAULT_BASE_URL

    params = ArgumentSpecValidator(dws_connection.connection_argument_spec()).validate({}).validated_parameters
    client = dws_connection.build_client(params)
    assert client.auth_token == 'iam-token' and not client.access_key
    assert client.endpoint == 'https://dws.cn-north-4.myhuaweicloud.com'


# ----- job templates through ansible-runner --------------------------------------------------------------------------

def run_job_template(private_data_dir, playbook, credential_env, extravars, verbosity, cmdline=None):
    """One job, as AWX launches it: runner, injected environment, extra vars, localhost inventory."""
    os.makedirs(str(private_data_dir))
    return ansible_runner.run(
        cmdline=cmdline,
        private_data_dir=str(private_data_dir),
        playbook=os.path.join(REPO, 'playbooks', playbook),
        inventory='localhost ansible_connection=local ansible_python_interpreter=%s' % sys.executable,
        envvars=dict(credential_env, ANSIBLE_LOCALHOST_WARNING='false'),
        extravars=extravars,
        verbosity=verbosity,
        suppress_env_files=True,
        quiet=True,
    )


def leaks_in_artifacts(private_data_dir, secrets):
    """(file, secret) for every secret found in the runner's files, bar the input record noted above."""
    found = []
    for path in glob.glob(os.path.join(str(private_data_dir), '**', '*'), recursive=True):
        if not os.path.isfile(path):
            continue
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8', 'replace')
        if os.path.basename(path) == 'command' and os.path.basename(os.path.dirname(os.path.dirname(path))) == \
                'artifacts':
            record = json.loads(text)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            text = json.dumps({'command': record['command'], 'cwd': record['cwd']})
        found += [(os.path.relpath(path, str(private_data_dir)), secret) for secret in secrets if secret in text]
    return found


def artifacts(runner):
    """What AWX shows as the job's artifacts (and passes down a workflow): the set_stats data of the run."""
    stats = [event for event in runner.events if event['event'] == 'playbook_on_stats']
    assert len(stats) == 1
    return stats[0]['event_data'].get('artifact_data') or {}


def changed_tasks(runner):
    return [event['event_data'].get('task') for event in runner.events
            if event['event'] in ('runner_on_ok', 'runner_item_on_ok')
            and event['event_data'].get('res', {}).get('changed')]


@pytest.fixture
def clean_environ(monkeypatch):
    """No module variable from the developer's shell: only the credential injects them."""
    for name in list(os.environ):
        if name.startswith(MODULE_ENV_PREFIXES):
            monkeypatch.delenv(name)
    # ansible-runner finds ansible-playbook on PATH: the one beside this Python, even without an activated venv
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))


def check_job(runner, private_data_dir, secrets, injected_secret):
    assert runner.status == 'successful' and runner.rc == 0, runner.stdout.read()
    assert not os.path.exists(os.path.join(str(private_data_dir), 'env', 'envvars'))
    job_events = glob.glob(os.path.join(str(private_data_dir), 'artifacts', '*', 'job_events', '*.json'))
    assert job_events, 'the runner wrote no job events'
    # the scan sees real data: the injected secret is in the runner's record of its input, and only there
    with open(glob.glob(os.path.join(str(private_data_dir), 'artifacts', '*', 'command'))[0]) as handle:
        assert injected_secret in json.load(handle)['env'].values()
    assert leaks_in_artifacts(private_data_dir, secrets) == []


def test_dws_job_template_via_ansible_runner(sandbox, sandbox_env, tmp_path, clean_environ):
    sandbox.settings(job_duration=0)
    credential_type = load_credential_type('huawei_cloud_dws.yml')
    ak_sk = render_injectors(credential_type, {
        'access_key': sandbox_env['HW_ACCESS_KEY'], 'secret_key': sandbox_env['HW_SECRET_KEY'],
        'project_id': PROJECT, 'endpoint': sandbox_env['HW_DWS_ENDPOINT']})
    iam_token = render_injectors(credential_type, {
        'auth_token': sandbox.credentials()['dws']['iam_token'], 'project_id': PROJECT,
        'endpoint': sandbox_env['HW_DWS_ENDPOINT']})
    # survey-style extra vars: the list as textarea YAML, purge as a multiple-choice string
    extravars = {'dws_ext_data_sources_cluster_id': CLUSTER, 'dws_ext_data_sources_purge': 'false',
                 'dws_ext_data_sources_yaml': (
                     '- {name: awx_obs_events, type: OBS, agency: DWSAccessOBS, connect_info: gaussdb}\n'
                     '- {name: awx_obs_logs, type: OBS, agency: DWSAccessOBS, connect_info: logs}\n')}

    first = run_job_template(tmp_path / 'job1', 'dws_ext_data_sources.yml', ak_sk, extravars, verbosity=4)
    check_job(first, tmp_path / 'job1', sandbox_env.secrets + sandbox.issued_secrets(), ak_sk['HW_SECRET_KEY'])
    assert [w['op'] for w in sandbox.writes('dws')] == ['dws.create', 'dws.create']
    assert all(entry['auth_ok'] for entry in sandbox.requests('dws'))
    summary = artifacts(first)['dws_ext_data_sources_summary']
    assert (summary['changed'], summary['counts'], summary['clusters']) == (True, {'created': 2}, [CLUSTER])
    assert [(c['name'], c['action']) for c in summary['changes']] == [('awx_obs_events', 'created'),
                                                                      ('awx_obs_logs', 'created')]

    # the second job authenticates with the IAM token: the blank AK/SK fields arrive as ''
    sandbox.clear_log()
    second = run_job_template(tmp_path / 'job2', 'dws_ext_data_sources.yml', iam_token, extravars, verbosity=4)
    check_job(second, tmp_path / 'job2', sandbox_env.secrets + sandbox.issued_secrets(), iam_token['HW_AUTH_TOKEN'])
    assert sandbox.writes('dws') == [] and [e['op'] for e in sandbox.requests('dws')] == ['dws.list']
    assert 'X-Auth-Token' in json.dumps(sandbox.requests('dws')[0]['headers'])
    assert changed_tasks(second) == [] and second.stats['changed'] == {}
    assert artifacts(second) == {'dws_ext_data_sources_summary': {
        'changed': False, 'check_mode': False, 'clusters': [CLUSTER], 'counts': {'unchanged': 2}, 'changes': []}}


def test_feishu_job_template_via_ansible_runner(sandbox, sandbox_env, tmp_path, clean_environ):
    credential_env = render_injectors(load_credential_type('feishu_app.yml'), {
        'app_id': sandbox_env['FEISHU_APP_ID'], 'app_secret': sandbox_env['FEISHU_APP_SECRET'],
        'base_url': sandbox_env['FEISHU_BASE_URL']})
    extravars = {'feishu_search_data_sources': [
        {'name': 'AWX tickets', 'online': True, 'description': 'Helpdesk tickets'},
        {'name': 'AWX wiki', 'i18n_name': {'en_us': 'Wiki', 'zh_cn': '维基'}}]}

    first = run_job_template(tmp_path / 'job1', 'feishu_search_data_sources.yml', credential_env, extravars,
                             verbosity=4)
    check_job(first, tmp_path / 'job1', sandbox_env.secrets + sandbox.issued_secrets(),
              credential_env['FEISHU_APP_SECRET'])
    assert [w['op'] for w in sandbox.writes('feishu')] == ['feishu.create', 'feishu.create']
    summary = artifacts(first)['feishu_search_data_sources_summary']
    assert (summary['changed'], summary['counts']) == (True, {'created': 2})

    sandbox.clear_log()
    second = run_job_template(tmp_path / 'job2', 'feishu_search_data_sources.yml', credential_env, extravars,
                              verbosity=1)
    check_job(second, tmp_path / 'job2', sandbox_env.secrets + sandbox.issued_secrets(),
              credential_env['FEISHU_APP_SECRET'])
    assert [e['op'] for e in sandbox.requests('feishu')] == ['feishu.token', 'feishu.list']
    assert changed_tasks(second) == [] and second.stats['changed'] == {}
    assert artifacts(second) == {'feishu_search_data_sources_summary': {
        'changed': False, 'check_mode': False, 'counts': {'unchanged': 2}, 'changes': []}}

    # job type "Check" with a change pending: a drift report in the artifacts, nothing written
    sandbox.clear_log()
    drift = dict(extravars, feishu_search_data_sources=[dict(extravars['feishu_search_data_sources'][0], online=False),
                                                        extravars['feishu_search_data_sources'][1]])
    third = run_job_template(tmp_path / 'job3', 'feishu_search_data_sources.yml', credential_env, drift, verbosity=1,
                             cmdline='--check --diff')
    check_job(third, tmp_path / 'job3', sandbox_env.secrets + sandbox.issued_secrets(),
              credential_env['FEISHU_APP_SECRET'])
    assert sandbox.writes('feishu') == []
    summary = artifacts(third)['feishu_search_data_sources_summary']
    assert (summary['check_mode'], summary['changed'], summary['counts']) == (True, True, {'updated': 1,
                                                                                           'unchanged': 1})
    assert [(c['name'], c['action']) for c in summary['changes']] == [('AWX tickets', 'updated')]


# ----- the execution environment -------------------------------------------------------------------------------------

def test_ansible_builder_create_makes_a_context_that_installs_our_requirement(tmp_path):
    """No container build: the context is created, then its galaxy and introspection steps are replayed."""
    workdir = tmp_path / 'ee'
    subprocess.check_call(['cp', '-r', os.path.join(REPO, 'extensions', 'ee'), str(workdir)])
    bindir = os.path.dirname(sys.executable)
    subprocess.check_call([os.path.join(bindir, 'ansible-galaxy'), 'collection', 'build', '--force',
                           '--output-path', str(workdir / 'collections'), REPO], stdout=subprocess.DEVNULL)
    subprocess.check_call([os.path.join(bindir, 'ansible-builder'), 'create', '-f', 'execution-environment.yml',
                           '-c', 'context'], cwd=str(workdir), stdout=subprocess.DEVNULL)

    context = workdir / 'context'
    containerfile = [p for p in (context / 'Containerfile', context / 'Dockerfile') if p.exists()][0].read_text()
    tarballs = glob.glob(str(context / '_build' / 'collections' / 'dsops-cloud-*.tar.gz'))
    assert len(tarballs) == 1
    assert 'ansible-galaxy collection install --offline -p /usr/share/ansible/collections ' \
           '/build/collections/*.tar.gz' in containerfile
    assert 'introspect.py introspect' in containerfile

    # the galaxy stage: install the tarball where the builder stage will look
    collections = tmp_path / 'usr-share-ansible-collections'
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections))
    subprocess.check_call([os.path.join(bindir, 'ansible-galaxy'), 'collection', 'install', '--offline', '-p',
                           str(collections), tarballs[0]], env=env, stdout=subprocess.DEVNULL)
    # the builder stage: the builder's own introspection script, from the generated context
    pip_file, bindep_file = tmp_path / 'requirements.txt', tmp_path / 'bindep.txt'
    subprocess.check_call([sys.executable, str(context / '_build' / 'scripts' / 'introspect.py'), 'introspect',
                           '--write-pip=%s' % pip_file, '--write-bindep=%s' % bindep_file, str(collections)],
                          stdout=subprocess.DEVNULL)
    assert 'requests>=2.20.0  # from collection dsops.cloud' in pip_file.read_text().splitlines()
    assert any(line.startswith('ca-certificates') and 'dsops.cloud' in line
               for line in bindep_file.read_text().splitlines())
