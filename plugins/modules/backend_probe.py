#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r"""
---
module: backend_probe
short_description: Probe backends over TCP, TLS, HTTP or HTTPS from the managed host
version_added: 0.1.0
description:
  - Checks whether the managed host can reach a list of backends, many at once, and tells why each one that failed did
    (connection refused, timeout, DNS, TLS, HTTP status, body, reset, unreachable).
  - The answer has the same shape as the API Gateway's own connectivity check (C(check_result) and C(failures)), so the two can
    be compared; a backend reachable from this host but not from the gateway usually means its security group does not allow
    the gateway's address range.
  - Needs no cloud credentials and sends nothing to the gateway. Probes are read-only, so the module never reports a change and
    runs the same way in check mode.
  - A failed check does not fail the task unless O(fail_on_failed=true); read C(check_result) or use the
    C(hwcloud.apig.backend_gate) role to stop a play.
author:
  - hwcloud.apig developers (@hwcloud-apig)
requirements:
  - python >= 3.8 (the standard library only)
extends_documentation_fragment:
  - hwcloud.apig.probe
attributes:
  check_mode:
    support: full
    description: Probes only read, so check mode runs them as usual and returns real results.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Uses only the Python standard library on the managed host.
options:
  targets:
    description:
      - Backends to probe, as C(host:port), C([ipv6]:port), or C(http://host[:port]/path) and C(https://host[:port]/path) URLs.
      - Host names are resolved on the managed host; each resolved address is tried in order until one answers.
      - A URL chooses its own protocol and path, overriding O(protocol) and O(path) for that target.
      - Each entry is checked before anything is sent; one malformed entry fails the task and no backend is probed.
    type: list
    elements: str
    required: true
  wait_timeout:
    description:
      - Keep probing the targets that failed, every O(wait_interval) seconds, until all pass or this many seconds have passed.
      - For backends that are still starting during a rollout. V(0) probes once.
      - The results are those of each target's last attempt.
      - From 0 to 3600 seconds.
    type: float
    default: 0
  wait_interval:
    description:
      - Seconds between rounds of re-probing when O(wait_timeout) is set. More than 0 and at most 600 seconds.
    type: float
    default: 1
  fact_name:
    description:
      - Name of the fact under C(ansible_facts) that receives C(check_result), C(failures) and C(failed_results)
        (the records of the failing targets; every target's record is in the return value RV(results)).
    type: str
    default: backend_probe
  fail_on_failed:
    description:
      - Fail the task when any target fails. By default a failed check is reported in C(check_result) and the task succeeds.
    type: bool
    default: false
notes:
  - Probes run on the managed host with the Python standard library; they are never proxied.
  - Host names under the reserved C(.invalid) domain fail with reason C(dns) without a DNS query.
seealso:
  - module: ansible.builtin.wait_for
  - module: ansible.builtin.uri
"""

EXAMPLES = r"""
- name: Can this host reach the backends?
  hwcloud.apig.backend_probe:
    targets:
      - 127.0.0.1:8080
      - localhost:8443
  register: probe

- name: Show why each failing backend failed
  ansible.builtin.debug:
    msg: "{{ item.target }}: {{ item.reason }} ({{ item.error }})"
  loop: "{{ probe.results | rejectattr('ok') }}"

- name: HTTP health check with APIG's status-code syntax and a body check
  hwcloud.apig.backend_probe:
    targets:
      - 127.0.0.1:8080
      - 127.0.0.1:8081
    protocol: http
    path: /healthz
    expected_status: "200,204"
    body_regex: '"status":\s*"UP"'

- name: HTTPS backends with self-signed certificates; warn when they expire soon
  hwcloud.apig.backend_probe:
    targets:
      - https://localhost:8443/ready
    validate_certs: false
  register: tls_backends

- name: Warn about certificates that expire within 30 days
  ansible.builtin.debug:
    msg: "{{ item.target }} certificate expires in {{ item.cert_days_left }} days"
  loop: "{{ tls_backends.results }}"
  when: item.cert_days_left is not none and item.cert_days_left < 30

- name: Wait up to two minutes for freshly started backends, then stop the play if any is still down
  hwcloud.apig.backend_probe:
    targets: "{{ ['8080', '8081', '8082'] | map('regex_replace', '^', '127.0.0.1:') | list }}"
    wait_timeout: 120
    wait_interval: 5
    fail_on_failed: true
"""

RETURN = r"""
check_result:
  description: V(SUCCESS) when every target passed, V(FAILED) otherwise.
  returned: success
  type: str
  sample: FAILED
failures:
  description: Targets that failed, exactly as given in O(targets).
  returned: success
  type: list
  elements: str
  sample: ["127.0.0.1:8081"]
results:
  description: One record per target, in the order of O(targets). Every key is present; those that do not apply are null.
  returned: success
  type: list
  elements: dict
  contains:
    target:
      description: The target exactly as given.
      type: str
      returned: always
      sample: 127.0.0.1:8081
    ok:
      description: Whether the target passed.
      type: bool
      returned: always
      sample: false
    reason:
      description:
        - Why the target failed; null when it passed.
        - V(refused) nothing listens; V(timeout) no answer in time (often a firewall dropping packets); V(dns) the name did not
          resolve; V(tls) handshake or certificate failure; V(status) unexpected HTTP status; V(body) O(body_regex) not found;
          V(unreachable) no route; V(reset) the connection was reset or closed early; V(invalid) the target could not be parsed;
          V(error) anything else.
      type: str
      returned: always
      sample: refused
    error:
      description: What went wrong, in words; null when the target passed.
      type: str
      returned: always
      sample: connection refused by 127.0.0.1:8081
    address:
      description: The C(ip:port) tried last (C([ipv6]:port) for IPv6); null when the name did not resolve.
      type: str
      returned: always
      sample: 127.0.0.1:8081
    attempts:
      description: How many rounds probed this target (more than one only with O(wait_timeout)).
      type: int
      returned: always
      sample: 1
    latency_ms:
      description: Milliseconds the whole (last) probe took.
      type: float
      returned: always
      sample: 0.42
    dns_ms:
      description: Milliseconds spent resolving the host name.
      type: float
      returned: always
      sample: 0.05
    connect_ms:
      description: Milliseconds spent connecting, over all addresses tried.
      type: float
      returned: always
      sample: 0.21
    tls_ms:
      description: Milliseconds the TLS handshake took (V(tls) and V(https)).
      type: float
      returned: always
      sample: 2.5
    ttfb_ms:
      description: Milliseconds from sending the HTTP request to receiving the status line.
      type: float
      returned: always
      sample: 1.8
    transfer_ms:
      description: Milliseconds spent reading the body (only when O(body_regex) is set).
      type: float
      returned: always
      sample: 0.3
    status_code:
      description: HTTP status code received.
      type: int
      returned: always
      sample: 503
    cert_days_left:
      description: Days until the backend's certificate expires (negative when expired), when the handshake succeeded.
      type: float
      returned: always
      sample: 89.52
    cert_not_after:
      description: When the backend's certificate expires, in UTC (ISO 8601).
      type: str
      returned: always
      sample: "2026-03-01T12:00:00Z"
    tls_version:
      description: Negotiated TLS version.
      type: str
      returned: always
      sample: TLSv1.3
ansible_facts:
  description: The same answer as a fact, under the name given by O(fact_name).
  returned: success
  type: dict
  contains:
    backend_probe:
      description: C(check_result) and C(failures) as above, and C(failed_results), the records of the failing targets.
      type: dict
      returned: always
      sample:
        check_result: SUCCESS
        failures: []
        failed_results: []
msg:
  description: One line summing up the check, naming up to five failing targets and why they failed.
  returned: always
  type: str
  sample: "1 of 2 targets failed: 127.0.0.1:8081 (connection refused by 127.0.0.1:8081)"
invalid_targets:
  description: The entries of O(targets) that could not be parsed; nothing was probed.
  returned: failure, when O(targets) has malformed entries
  type: list
  elements: str
  sample: ["127.0.0.1", "localhost:0"]
option:
  description: The option whose value was unusable; nothing was probed.
  returned: failure, when an option value is unusable
  type: str
  sample: expected_status
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import WAIT_RANGES
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_engine import run_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import (
    ProbeInputError,
    ProbeSpec,
    probe_option_spec,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.results import summarize_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import InvalidTargetError, parse_targets

_SHOWN_FAILURES = 5


def _summary_line(records, failures):
    if not failures:
        return "all %d targets passed" % len(records)
    shown = ["%s (%s)" % (record["target"], record["error"]) for record in records if not record["ok"]][
        :_SHOWN_FAILURES
    ]
    more = len(failures) - len(shown)
    return "%d of %d targets failed: %s%s" % (
        len(failures),
        len(records),
        "; ".join(shown),
        " and %d more" % more if more else "",
    )


class BackendProbeModule(ApigModule):
    uses_api = False
    argument_spec = dict(
        probe_option_spec(),
        targets=dict(type="list", elements="str", required=True),
        wait_timeout=dict(type="float", default=0),
        wait_interval=dict(type="float", default=1),
        fact_name=dict(type="str", default="backend_probe"),
        fail_on_failed=dict(type="bool", default=False),
    )
    ranges = WAIT_RANGES

    def validate(self):
        if not self.params["targets"]:
            raise InputError("targets", "targets: at least one target is required")
        self.check_fact_name()
        try:
            self.spec = ProbeSpec.from_params(self.params)
            self.targets = parse_targets(self.params["targets"], self.spec.protocol)
        except InvalidTargetError as exc:
            raise InputError(
                "targets", "targets: %s" % exc, invalid_targets=[target for target, _why in exc.problems]
            ) from None
        except ProbeInputError as exc:
            raise InputError(exc.option, str(exc)) from None

    def run(self, client):
        try:
            records = run_probes(self.targets, self.spec, self.params["wait_timeout"], self.params["wait_interval"])
        except ProbeInputError as exc:
            raise InputError(exc.option, str(exc)) from None
        summary = summarize_probes(records)
        answer = dict(summary, results=records)
        msg = _summary_line(records, summary["failures"])
        if self.params["fail_on_failed"] and summary["failures"]:
            self.fail_task(msg=msg, changed=False, **answer)
        # The fact keeps what later tasks decide on: the verdict and the failing targets' records. The full
        # per-target list stays in the return value: at thousands of targets, a second copy as a host fact would
        # double what Ansible has to carry for the rest of the play.
        fact = dict(summary, failed_results=[record for record in records if not record["ok"]])
        return dict(answer, msg=msg, ansible_facts={self.params["fact_name"]: fact})


def main():
    BackendProbeModule()()


if __name__ == "__main__":
    main()
