# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module edge: dependency check, secret registration and clean failures."""

from __future__ import absolute_import, division, print_function

import decimal

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.validation import check_type_dict
from ansible.module_utils.six import string_types

from ansible_collections.dsops.cloud.plugins.module_utils.core.errors import DsopsError
from ansible_collections.dsops.cloud.plugins.module_utils.core.transport import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR, SecretMask, url_credentials)

try:  # the raw task arguments, read the way AnsibleModule reads them
    from ansible.module_utils.basic import _load_params
except ImportError:  # pragma: no cover
    _load_params = None

__metaclass__ = type

NON_STRING_NAMES = {dict: 'dictionary', list: 'list', bool: 'boolean'}


def require_requests(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)


def secret_registrar(module):
    """The SecretMask the clients use to hide runtime secrets (tokens, signatures) in any output.

    Ansible masks the values of ``no_log`` options everywhere in a result; values
    obtained at run time must be added to the same set to get that protection.  The
    no_log options' own values are registered again, so their escaped forms (JSON,
    repr) are masked too; so is a ``user:password@`` in any URL among the options (an
    icon URL, a callback endpoint, a mistyped base URL), which would otherwise show in
    ``invocation``.
    """
    secrets = SecretMask(sink=module.no_log_values.add, values=list(module.no_log_values))
    for text in _strings(module.params):
        for secret in url_credentials(text):
            secrets.register(secret)
    return secrets


def _strings(value):
    """Every string inside an option value (dicts and lists walked)."""
    if isinstance(value, string_types):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _strings(item)]
    return []


def run(module, work):
    """Call ``work()`` and exit with its result; a DsopsError becomes one clean fail_json."""
    require_requests(module)
    try:
        result = work()
    except DsopsError as error:
        module.fail_json(**_warned(module, error.fail_kwargs()))
    module.exit_json(**_warned(module, result))


def _warned(module, result):
    """``result`` without its ``warnings``, each given to ``module.warn``.

    ansible-core 2.19 deprecates ``warnings`` passed to exit_json and fail_json (removed in 2.23);
    AnsibleModule still returns what ``warn`` collected under the same key.
    """
    result = dict(result)
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    return result


def new_module(argument_spec, **kwargs):
    """An AnsibleModule, after refusing cleanly the values ansible-core's own validation cannot handle.

    ansible-core (2.19) mishandles a few values (found by tests/unit/plugins/modules/test_fuzz_modules.py):

    * a dict option with suboptions given a boolean or a number makes its validator raise (MODULE
      FAILURE, with a traceback); given a string it cannot read as a dict, the validator stops before
      collecting the no_log values, so its failure echoes every secret of the task in ``invocation``;
    * an int option given an infinite number (``.inf`` in YAML, or the string ``inf``) raises
      OverflowError, and a string such as ``1e99999999`` makes it build a hundred-million-digit integer;
    * a list of dicts with suboptions (a list module's ``config``) has the same weaknesses as a dict,
      for itself and inside each item.

    Those options are relaxed to ``raw`` in a first module, which collects the no_log values and checks
    everything else, and the task fails with a plain message instead.
    """
    wrong = _values_core_mishandles(argument_spec)
    if wrong:
        relaxed = dict(argument_spec)
        for name in wrong:
            relaxed[name] = _relaxed(argument_spec[name])
        module = AnsibleModule(argument_spec=relaxed, **kwargs)
        secret_registrar(module)  # URL credentials anywhere in the options, masked in invocation too
        module.fail_json(msg=' '.join('%s %s' % (name, wrong[name]) for name in sorted(wrong)))
    return AnsibleModule(argument_spec=argument_spec, **kwargs)


def _relaxed(spec):
    """``spec`` as a raw option; one holding secrets in its suboptions is no_log as a whole, since raw has none."""
    relaxed = dict((key, value) for key, value in spec.items() if key not in ('options', 'elements'))
    relaxed['type'] = 'raw'
    if _holds_secrets(spec):
        relaxed['no_log'] = True
    return relaxed


def _holds_secrets(spec):
    return any(sub.get('no_log') or _holds_secrets(sub) for sub in (spec.get('options') or {}).values())


def _values_core_mishandles(argument_spec):
    """{option: what is wrong} for the raw task arguments that ansible-core cannot validate safely."""
    if _load_params is None:
        return {}
    try:
        params = _load_params()
    except Exception:  # pylint: disable=broad-except
        return {}  # unreadable arguments: AnsibleModule reports them itself
    if not isinstance(params, dict):
        return {}  # e.g. argument-spec introspection by ansible-test, which passes no arguments
    wrong = {}
    for name, spec in argument_spec.items():
        for key in [name] + list(spec.get('aliases') or []):
            if key in params:
                problem = _mishandled(spec, params[key])
                if problem:
                    wrong[name] = problem
    return wrong


def _mishandled(spec, value):
    """What is wrong with ``value`` for the option ``spec`` that ansible-core cannot report itself, or None."""
    if spec.get('no_log') and isinstance(value, (dict, list, bool)):
        # AnsibleModule would send its Python text form ("{'pw': ...}", "True") as the secret
        return 'must be a string (a number is fine); got a %s. The value is not shown.' % NON_STRING_NAMES[type(value)]
    if spec.get('type') == 'dict' and spec.get('options') and not _reads_as_dict(value):
        return 'must be a dictionary with the keys %s; got a value of type %s.' % (
            ', '.join(spec['options']), type(value).__name__)
    if spec.get('type') == 'dict' and spec.get('options') and value is not None:
        # a string that reads as a dict (JSON, key=value) is validated as that dict
        return _mishandled_suboption(spec['options'], value if isinstance(value, dict) else check_type_dict(value))
    if spec.get('type') == 'int' and _unreasonable_number(value):
        return 'must be a whole number of a sensible size; got %s.' % _short(value)
    if spec.get('type') == 'list' and spec.get('elements') == 'dict' and spec.get('options'):
        return _mishandled_list(spec['options'], value)
    return None


def _mishandled_list(options, value):
    # like a dict with suboptions, a list of them that fails validation stops it before the no_log values are in
    if value is None:
        return None
    if not isinstance(value, list):
        return 'must be a list of dictionaries; got a value of type %s.' % type(value).__name__
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            return 'must be a list of dictionaries; item %d is of type %s.' % (index, type(item).__name__)
    return _mishandled_item(options, value)


def _mishandled_item(options, items):
    """The first item of a list of dicts holding a value ansible-core mishandles, named by its position."""
    for index, item in enumerate(items):
        problem = _mishandled_suboption(options, item)
        if problem:
            return 'item %d: %s' % (index, problem)
    return None


def _mishandled_suboption(options, value):
    """'<suboption> <what is wrong>' for the first suboption of the dict ``value`` ansible-core mishandles."""
    for name, spec in options.items():
        for key in [name] + list(spec.get('aliases') or []):
            problem = _mishandled(spec, value[key]) if key in value else None
            if problem:
                return '%s %s' % (name, problem)
    return None


def _reads_as_dict(value):
    """What AnsibleModule accepts for a dict: None, a dict, or a string of JSON or key=value pairs."""
    if value is None or isinstance(value, dict):
        return True
    if not isinstance(value, string_types):
        return False
    try:
        return isinstance(check_type_dict(value), dict)
    except (TypeError, ValueError):
        return False


def _unreasonable_number(value):
    """An infinite number, or one with more than a thousand digits before the decimal point."""
    if isinstance(value, bool) or not isinstance(value, (float,) + string_types):
        return False
    try:
        number = decimal.Decimal(value.strip() if isinstance(value, string_types) else value)
    except (decimal.DecimalException, ValueError):
        return False  # not a number at all: AnsibleModule says so itself
    if number.is_nan():
        return False  # AnsibleModule refuses it cleanly
    return number.is_infinite() or number.adjusted() > 1000


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'
