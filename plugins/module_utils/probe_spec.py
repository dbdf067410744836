# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How to probe: the local probe options, declared once, and the validated ``ProbeSpec`` they become.

``probe_option_spec()`` is the single declaration of the options. ``backend_probe`` takes them at its top level,
``backend_connectivity`` as the typed suboptions of ``local_probe`` and ``checks[].local_probe``, and the gate
role's ``meta/argument_specs.yml`` is held equal to it by a test; Ansible therefore converts and checks every
type and choice (``validate_certs: "false"`` is false, an unknown key is refused by name). ``ProbeSpec`` checks
only what an argument spec cannot express, once per run, so that a bad regex or status syntax fails before any
socket is opened rather than once per target.
"""

import os
import re

from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import (
    PROBE_CONCURRENCY,
    PROBE_TIMEOUT,
    WAIT_RANGES,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.status_codes import (
    DEFAULT_EXPECTED_STATUS,
    parse_expected_status,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import PROTOCOLS

METHODS = ("GET", "HEAD")
MAX_CONCURRENCY = PROBE_CONCURRENCY.high
DEFAULT_CONCURRENCY = 100
DEFAULT_TIMEOUT = 5.0
DEFAULT_BODY_LIMIT = 64 * 1024


class ProbeInputError(ValueError):
    """A probe setting is unusable; ``option`` names it as the module calls it."""

    def __init__(self, option, message):
        self.option = option
        super().__init__("%s: %s" % (option, message))


# How a VPC channel's own health check probes (protocol, path, method, accepted codes): where local probes may
# follow it, these options have no default, so that "not set" can be told from "set to the default".
HEALTH_CHECK_OPTIONS = ("protocol", "path", "method", "expected_status")


def probe_option_spec(mirror_health_check=False):
    """The argument spec of the local probe options (documented in ``backend_probe`` and the role).

    ``mirror_health_check``: the spec of ``backend_connectivity``'s ``local_probe``, where the options that a
    channel's health check can supply have no default (``ProbeSpec`` applies the same defaults later).
    """
    spec = dict(
        protocol=dict(type="str", choices=list(PROTOCOLS), default="tcp"),
        path=dict(type="str", default="/"),
        method=dict(type="str", choices=list(METHODS), default="GET"),
        expected_status=dict(type="raw", default=DEFAULT_EXPECTED_STATUS),
        body_regex=dict(type="str"),
        headers=dict(type="dict"),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        server_name=dict(type="str"),
        timeout=dict(type="float", default=DEFAULT_TIMEOUT),
        concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
    )
    if mirror_health_check:
        for name in HEALTH_CHECK_OPTIONS:
            del spec[name]["default"]
    return spec


def _within(option, value, allowed):
    """``value`` when ``allowed`` (an option_ranges.Range) admits it; else ProbeInputError naming ``option``."""
    refusal = allowed.refusal(value)
    if refusal:
        raise ProbeInputError(option, refusal)
    return value


def check_wait(wait_timeout, wait_interval):
    """``(wait_timeout, wait_interval)`` as seconds, each within its range (``option_ranges.WAIT_RANGES``)."""
    return tuple(
        float(_within(option, value, WAIT_RANGES[option]))
        for option, value in (("wait_timeout", wait_timeout), ("wait_interval", wait_interval))
    )


class ProbeSpec:
    """How to probe: one spec applies to every target of a run."""

    def __init__(
        self,
        protocol="tcp",
        path="/",
        method="GET",
        headers=None,
        expected_status=None,
        body_regex=None,
        validate_certs=True,
        timeout=DEFAULT_TIMEOUT,
        server_name=None,
        ca_path=None,
        concurrency=DEFAULT_CONCURRENCY,
        body_limit=DEFAULT_BODY_LIMIT,
    ):
        if protocol not in PROTOCOLS:
            raise ProbeInputError("protocol", "must be one of %s, not %r" % (", ".join(PROTOCOLS), protocol))
        self.protocol = protocol
        path = "/" if path is None else path
        if not isinstance(path, str) or not path.startswith("/") or any(char.isspace() for char in path):
            raise ProbeInputError("path", 'must start with "/" and contain no white space, not %r' % (path,))
        self.path = path
        if method not in METHODS:
            raise ProbeInputError("method", "must be one of %s, not %r" % (", ".join(METHODS), method))
        self.method = method
        self.headers = _checked_headers(headers)
        try:
            self.expected_status = parse_expected_status(expected_status)
        except ValueError as exc:
            raise ProbeInputError("expected_status", str(exc)) from None
        self.body_regex = _compiled(body_regex)
        if self.body_regex is not None and method == "HEAD":
            raise ProbeInputError("body_regex", "cannot be checked with method HEAD, which has no body")
        if not isinstance(validate_certs, bool):
            raise ProbeInputError("validate_certs", "must be true or false, not %r" % (validate_certs,))
        self.validate_certs = validate_certs
        self.timeout = float(_within("timeout", timeout, PROBE_TIMEOUT))
        if server_name is not None and (not server_name or any(char.isspace() for char in server_name)):
            raise ProbeInputError("server_name", "must be a host name, not %r" % (server_name,))
        self.server_name = server_name or None
        if ca_path is not None and not os.path.isfile(ca_path):
            raise ProbeInputError("ca_path", "is not a readable file: %r" % (ca_path,))
        self.ca_path = ca_path or None
        self.concurrency = _within("concurrency", concurrency, PROBE_CONCURRENCY)
        if isinstance(body_limit, bool) or not isinstance(body_limit, int) or body_limit < 1:
            raise ProbeInputError("body_limit", "must be a positive number of bytes, not %r" % (body_limit,))
        self.body_limit = body_limit

    @classmethod
    def from_params(cls, params):
        """The spec for the options of ``probe_option_spec()`` as Ansible has converted them."""
        return cls(**{name: params.get(name) for name in probe_option_spec() if params.get(name) is not None})


def _checked_headers(headers):
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        raise ProbeInputError("headers", "must be a mapping of header names to values")
    checked = {}
    for name, value in headers.items():
        name = str(name)
        value = "" if value is None else str(value)
        if not name or any(char.isspace() or char == ":" for char in name) or "\r" in value or "\n" in value:
            raise ProbeInputError("headers", "invalid header %r" % name)
        checked[name] = value
    return checked


def _compiled(body_regex):
    if body_regex is None or body_regex == "":
        return None
    try:
        return re.compile(body_regex)
    except (re.error, TypeError) as exc:
        raise ProbeInputError("body_regex", "is not a valid regular expression (%s): %r" % (exc, body_regex)) from None
