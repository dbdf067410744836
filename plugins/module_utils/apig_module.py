# -*- coding: utf-8 -*-
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ApigModule: the one base class for "a module that talks to APIG".

As in openstack.cloud, a module is a small subclass with ``argument_spec``,
``module_kwargs`` and a ``run(client)``; ``main()`` is one line.  Errors are
turned into results in exactly one place, ``__call__``: bad input fails before
any request, a check that could not be made fails with Huawei's own error
fields, and an unexpected exception fails with its type and message — never a
traceback, never a secret (every no_log value is masked by AnsibleModule, and
the secrets in use are scrubbed from messages once more here).

This is the only module_utils file that knows AnsibleModule; the logic it
drives (connection, client, connectivity, probes) is plain Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.hwcloud.apig.plugins.module_utils.client import ApigClient
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import (
    LOOPBACK_HOSTS, ConnectionSettings, connection_argument_spec)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError

MASK = "********"


class ApigModule(object):
    """Subclasses set ``argument_spec`` / ``module_kwargs`` and implement ``validate()`` and ``run(client)``."""

    argument_spec = {}
    module_kwargs = {}

    def __init__(self):
        spec = connection_argument_spec()
        spec.update(self.argument_spec)
        kwargs = dict(supports_check_mode=True)
        kwargs.update(self.module_kwargs)
        self.ansible = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.ansible.params
        self._secrets = []
        self._client = None

    def validate(self):
        """Check the module's own options; raise InputError. Runs before anything is sent."""

    def run(self, client):
        """Do the work with a ready client and return the result dict (without ``changed``)."""
        raise NotImplementedError

    def client_pool_size(self):
        """HTTP connections the client may keep open at once."""
        return 10

    def __call__(self):
        try:
            self.validate()
            settings = ConnectionSettings.from_params(self.params)
            self._secrets = settings.secrets
            # Credentials read from the environment are in no option, so AnsibleModule does not know to mask them.
            self.ansible.no_log_values.update(secret for secret in settings.secrets if secret)
            self._warn_about_transport(settings)
            with ApigClient(settings, pool_size=self.client_pool_size()) as client:
                self._client = client
                result = self.run(client)
        except InputError as exc:
            self.ansible.fail_json(msg=self.scrub(exc.msg), option=exc.option)
        except ApigError as exc:
            self.fail(exc)
        except Exception as exc:  # pylint: disable=broad-except  # the one place that stops a traceback reaching the user
            self.ansible.fail_json(msg=self.scrub("unexpected %s: %s" % (type(exc).__name__, exc)))
        result["changed"] = False
        self.ansible.exit_json(**self.scrub_result(result))

    def fail(self, exc, **extra):
        """Fail the task with Huawei's error fields."""
        fields = exc.to_result()
        fields.update(extra)
        self.ansible.fail_json(msg=self.scrub(exc.msg), **self.scrub_result(fields))

    def _warn_about_transport(self, settings):
        if not settings.validate_certs:
            self.ansible.warn("validate_certs is false: the identity of APIG and IAM is not verified, so a machine in the "
                              "middle could read the credentials. Use ca_path instead outside of tests.")
        for url in (settings.endpoint, settings.iam_endpoint):
            if url and urlsplit(url).scheme == "http" and urlsplit(url).hostname not in LOOPBACK_HOSTS:
                self.ansible.warn("%s is plain HTTP: credentials and answers travel unencrypted." % urlsplit(url).netloc)

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
                for form in sorted(set((secret, json.dumps(secret)[1:-1], repr(secret)[1:-1])), key=len, reverse=True):
                    text = text.replace(form, MASK)
        return text

    def scrub_result(self, value):
        """``scrub`` applied through nested results."""
        if isinstance(value, dict):
            return dict((key, self.scrub_result(item)) for key, item in value.items())
        if isinstance(value, list):
            return [self.scrub_result(item) for item in value]
        return self.scrub(value)
