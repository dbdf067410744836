# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation of the local probe options, written once (``module_utils/probe_spec.py`` declares them and
``module_utils/option_ranges.py`` bounds them).

``DOCUMENTATION`` explains each option, as ``backend_probe`` takes them at its top level. ``LOCAL_PROBE`` is built
from it: ``backend_connectivity``'s ``local_probe``, whose suboptions (``local_probe_options()``) are the same
options in the same words, except that the four a VPC channel's health check can supply have no default and say
what applies when they are not set. The ``checks`` fragment documents each check's ``local_probe`` with the same
suboptions, and the gate role's ``meta/argument_specs.yml`` states them once (a YAML anchor for the second use):
``tests/unit/test_option_declarations.py`` holds all of them to the argument spec and to ``local_probe_options()``.
"""

import copy
import json

import yaml


class ModuleDocFragment:
    # The probe options, as backend_probe takes them at its top level.
    DOCUMENTATION = r"""
options:
  protocol:
    description:
      - How to probe C(host:port) targets.
      - V(tcp) connects; V(tls) also completes a TLS handshake; V(http) and V(https) also send one request and check
        the response.
    type: str
    choices: [tcp, tls, http, https]
    default: tcp
  path:
    description:
      - Request path (with an optional query string) for V(http) and V(https) probes of C(host:port) targets.
    type: str
    default: /
  method:
    description:
      - HTTP method. Redirects are not followed.
    type: str
    choices: [GET, HEAD]
    default: GET
  expected_status:
    description:
      - HTTP status codes that count as success.
      - A list of integers, or the API Gateway's own syntax as a string, such as V(200,201), V(200-299) or
        V(200,300-399).
    type: raw
    default: 200-399
  body_regex:
    description:
      - Python regular expression that must be found in the response body (searched, not matched from the start).
      - Only the first 64 KiB of the body are read and searched. Cannot be used with C(method=HEAD).
    type: str
  headers:
    description:
      - Extra HTTP request headers. A C(Host) header given here replaces the one derived from the target.
    type: dict
  validate_certs:
    description:
      - Verify the backend's TLS certificate and host name for V(tls) and V(https) probes.
      - Set to V(false) to probe backends with self-signed certificates; C(cert_days_left) is still reported.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to trust in addition to the system's, for backends with certificates from a
        private CA.
      - The file is read on the managed host.
    type: path
  server_name:
    description:
      - Name to send as TLS SNI, to verify the certificate against, and to put in the C(Host) header.
      - Use it when targets are IP addresses but the certificate names a host. Defaults to each target's host.
    type: str
  timeout:
    description:
      - Seconds one probe of one target may take, from the first connection attempt to the last byte read.
        More than 0 seconds.
    type: float
    default: 5
  concurrency:
    description:
      - How many probes that need a thread of their own run at the same time - those of host names (they are resolved
        first), and V(tls), V(http) and V(https) probes. Each holds at most one socket; N of them that all time out
        take about ceil(N / concurrency) times C(timeout). From 1 to 10000.
      - Plain V(tcp) connects to IP addresses need no thread - one selector loop makes them all, as many at once as the
        limit on open files allows (its soft limit, less the descriptors in use and a headroom of 64), so N unreachable
        IP targets take one C(timeout) as long as they fit.
    type: int
    default: 100
"""


# What applies when an option that a VPC channel's health check can supply is not set (HEALTH_CHECK_OPTIONS of
# module_utils/probe_spec.py); each ends with the option's own default, read from DOCUMENTATION.
_WHEN_NOT_SET = {
    "protocol": [
        "When not set, the members of a VPC channel with a health check are probed as that health check probes them"
        " (its protocol, path, method, port and accepted C(http_code)); otherwise V(%s).",
        "Set it to choose yourself; the health check is then not followed at all.",
    ],
    "path": ["When not set, the health check's path, or V(%s)."],
    "method": ["When not set, the health check's method, or V(%s)."],
    "expected_status": ["When not set, the health check's C(http_code), or V(%s)."],
}


def _listed(description):
    return list(description) if isinstance(description, list) else [description]


def local_probe_options():
    """The suboptions of ``local_probe``: the probe options, where a health check may supply a value without a
    default and saying what applies when it is not set."""
    options = copy.deepcopy(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])
    for name, notes in _WHEN_NOT_SET.items():
        default = options[name].pop("default")
        options[name]["description"] = [*_listed(options[name]["description"]), notes[0] % default, *notes[1:]]
    return options


def _local_probe():
    local_probe = {
        "description": [
            "Options of the local probes of O(probe=local) and O(probe=both), as in M(hwcloud.apig.backend_probe).",
            "Ansible checks and converts each key as the option of the same name there; an unknown key is refused.",
        ],
        "type": "dict",
        "default": {},
        "suboptions": local_probe_options(),
    }
    return json.dumps({"options": {"local_probe": local_probe}}, indent=1)


# backend_connectivity's local_probe (JSON, which YAML reads), made from DOCUMENTATION rather than written twice. It
# is attached after the class: ansible-test's yamllint reads the class body's assignments as literal YAML strings,
# and this one is made, not written.
ModuleDocFragment.LOCAL_PROBE = _local_probe()
