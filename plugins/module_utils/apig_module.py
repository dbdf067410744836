# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ApigModule: the one base class of the collection's modules.

As in openstack.cloud, a module is a small subclass with ``argument_spec``, ``module_kwargs``, ``validate()``
and ``run(client)``; ``main()`` is one line. Errors are turned into results in exactly one place, ``__call__``:
bad input fails before any request, a check that could not be made fails with Huawei's own error fields, and an
unexpected exception fails with its type and message, its traceback in ``exception`` (as amazon.aws's
``fail_json_aws`` keeps it, for the bug nobody foresaw; Ansible shows it when tracebacks are asked for) - never a
secret (every no_log value is masked by AnsibleModule, and the secrets in use are scrubbed from the message and
the traceback once more here).

A module that talks to APIG (``uses_api``, the default) needs ``requests`` (``missing_required_lib`` says so
when it is missing), gets the connection options and a ready ``ApigClient``; one that does not
(``backend_probe``) needs only Python and gets neither, but the same error handling.

This is the only module_utils file that knows AnsibleModule; the logic it drives is plain Python.
"""

import copy
import json
import os
import re
import traceback
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import NoLogError, UnsupportedError

from ansible_collections.hwcloud.apig.plugins.module_utils.client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, ApigClient
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import (
    ConnectionSettings,
    connection_argument_spec,
    is_loopback_host,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.environment import secrets_in_reach
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.option_errors import did_you_mean
from ansible_collections.hwcloud.apig.plugins.module_utils.results import error_record

MASK = "********"
_FACT_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")


class _AnsibleModule(AnsibleModule):
    """AnsibleModule whose refusal of the arguments names the option the user got wrong.

    Ansible reports the first of the errors its validation collects, and it looks for unknown options last: a typo
    (``vpc_channel`` for ``vpc_channel_id``) is reported as the ``required_if`` option it left missing, never by its
    own name; a ``checks`` that is not a list of mappings first fails the scan for no_log values, whose message
    names no option. Here an unknown option comes first, with the known options closest to it, and an error that
    names no option comes last.
    """

    def __init__(self, *args, uses_api=False, **kwargs):
        self._arguments_checked = False
        self._uses_api = uses_api
        super().__init__(*args, **kwargs)
        self._arguments_checked = True

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ  # 2.21 adds a keyword-only exception
        # Also when the arguments are refused, before ApigModule could say what to mask: the invocation Ansible
        # echoes holds the options as given, a proxy URL's password among them.
        if self._uses_api and hasattr(self, "no_log_values"):
            self.no_log_values.update(secrets_in_reach(getattr(self, "params", None) or {}, os.environ))
        result = getattr(self, "validation_result", None)
        if result is not None and not self._arguments_checked and result.errors.errors:
            msg = self._clearest_argument_error(result) or msg
        super().fail_json(msg=msg, **kwargs)

    def _clearest_argument_error(self, result):
        errors = result.errors.errors
        unsupported = [error for error in errors if isinstance(error, UnsupportedError)]
        if unsupported and not getattr(self, "_ignore_unknown_opts", False):
            hints = did_you_mean(result)
            return "Unsupported parameters for (%s) module: %s%s" % (
                self._name,
                unsupported[0].msg,
                (" " + " ".join(hints)) if hints else "",
            )
        named = [error for error in errors if not isinstance(error, NoLogError)]
        return (named or errors)[0].msg


class ApigModule:
    """Subclasses set ``argument_spec``, ``module_kwargs`` and ``ranges``, and implement ``validate()`` and ``run()``.

    ``ranges`` bounds the module's own numeric options (``{option: option_ranges.Range}``): checked before
    ``validate()``, and stated in the option's documentation in the same words.
    """

    argument_spec = {}
    module_kwargs = {}
    ranges = {}
    uses_api = True

    def __init__(self):
        spec = connection_argument_spec() if self.uses_api else {}
        # A copy: AnsibleModule fills suboption values into a dict default ({} of local_probe) in place.
        spec.update(copy.deepcopy(self.argument_spec))
        kwargs = dict(supports_check_mode=True)
        kwargs.update(self.module_kwargs)
        self.ansible = _AnsibleModule(argument_spec=spec, uses_api=self.uses_api, **kwargs)
        if self.uses_api and not HAS_REQUESTS:
            self.ansible.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.ansible.params
        self._secrets = []
        self._client = None
        self._settings = None

    def validate(self):
        """Check the module's own options; raise InputError. Runs before anything is sent."""

    def _check_ranges(self):
        for option, allowed in self.ranges.items():
            refusal = None if self.params[option] is None else allowed.refusal(self.params[option])
            if refusal:
                raise InputError(option, "%s %s" % (option, refusal))

    def run(self, client):
        """Do the work (with a ready client, or None when not ``uses_api``) and return the result dict."""
        raise NotImplementedError

    def client_pool_size(self):
        """HTTP connections the client may keep open at once."""
        return 10

    def __call__(self):
        if self.uses_api:
            # Before anything can fail: a refusal of bad input, and the invocation Ansible echoes, are masked too.
            self._secrets = secrets_in_reach(self.params, os.environ)
            self.ansible.no_log_values.update(self._secrets)
        expected = None
        try:
            self._check_ranges()
            self.validate()
            if self.uses_api:
                result = self._run_with_client()
            else:
                result = self.run(None)
        except InputError as exc:
            expected = dict(exc.details, msg=exc.msg, option=exc.option)
        except ApigError as exc:
            expected = error_record(exc)
        except Exception as exc:  # pylint: disable=broad-except  # the one place that stops a traceback reaching the user
            self.ansible.fail_json(
                msg=self.scrub("unexpected %s: %s" % (type(exc).__name__, exc)),
                exception=self.scrub(traceback.format_exc()),
                **self.sign_in(),
            )
        if expected is not None:
            # Failed outside the except block: an error the module expected needs no traceback, and ansible-core 2.19
            # would attach the pending exception's (its message unscrubbed) when tracebacks are asked for.
            self.fail_task(**expected)
        result["changed"] = False
        self.ansible.exit_json(**self.scrub_result(dict(self.sign_in(), **result)))

    def sign_in(self):
        """How this run signed in, once known: ``auth_mode`` and ``credentials_source`` - never a credential."""
        if self._settings is None:
            return {}
        return {"auth_mode": self._settings.auth_mode, "credentials_source": self._settings.credentials_source}

    def _run_with_client(self):
        settings = self._settings = ConnectionSettings.from_params(self.params)
        self._secrets = sorted(set(self._secrets) | set(settings.secrets))
        # Credentials read from the environment are in no option, so AnsibleModule does not know to mask them.
        self.ansible.no_log_values.update(secret for secret in settings.secrets if secret)
        self._warn_about_transport(settings)
        with ApigClient(settings, pool_size=self.client_pool_size()) as client:
            self._client = client
            return self.run(client)

    def fail_task(self, **fields):
        """Fail the task with these return values (``msg`` among them), every secret scrubbed."""
        msg = fields.pop("msg")
        self.ansible.fail_json(msg=self.scrub(msg), **self.scrub_result(dict(self.sign_in(), **fields)))

    def check_fact_name(self, option="fact_name"):
        """A fact name must be a plain variable name, and not one of Ansible's own."""
        name = self.params[option]
        if not _FACT_NAME.match(name) or name.startswith("ansible_"):
            raise InputError(
                option, "%s must be a valid variable name not starting with ansible_, got %r" % (option, name)
            )
        return name

    def _warn_about_transport(self, settings):
        if not settings.validate_certs:
            self.ansible.warn(
                "validate_certs is false: the identity of APIG and IAM is not verified, so a machine in the "
                "middle could read the credentials. Use ca_path instead outside of tests."
            )
        for url in (settings.endpoint, settings.iam_endpoint, settings.vpc_endpoint, settings.ecs_endpoint):
            if url and urlsplit(url).scheme == "http" and not is_loopback_host(urlsplit(url).hostname):
                self.ansible.warn(
                    "%s is plain HTTP: credentials and answers travel unencrypted." % urlsplit(url).netloc
                )

    def secrets(self):
        """The secrets to mask: the credentials given and any token IAM issued during this run.

        An issued token is in no option, so AnsibleModule's no_log masking does not know it: it is added to
        ``no_log_values`` here, so that exit_json/fail_json mask it as well.
        """
        secrets = list(self._secrets)
        if self._client is not None:
            issued = [token for token in self._client.issued_tokens if token]
            self.ansible.no_log_values.update(issued)
            secrets.extend(issued)
        return secrets

    def scrub(self, text):
        """Mask every secret in use (belt and braces: AnsibleModule masks no_log values too)."""
        if not isinstance(text, str):
            return text
        for secret in self.secrets():
            if secret and len(secret) >= 4:
                # also the forms a secret takes inside a JSON body or a repr() (quotes, backslashes, non-ASCII)
                for form in sorted({secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]}, key=len, reverse=True):
                    text = text.replace(form, MASK)
        return text

    def scrub_result(self, value):
        """``scrub`` applied through nested results."""
        if isinstance(value, dict):
            return {key: self.scrub_result(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub_result(item) for item in value]
        return self.scrub(value)
