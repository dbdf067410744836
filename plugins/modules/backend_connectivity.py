#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r"""
module: backend_connectivity
short_description: Ask Huawei Cloud APIG, and this host, whether the backends behind an API are reachable
version_added: 0.1.0
description:
  - Calls APIG's backend connectivity check
    (C(POST /v2/{project_id}/apigw/instances/{instance_id}/backend/connectivity/check)) for a backend address or a
    VPC channel, and/or probes the same backends from the managed host, and returns C(check_result) and C(failures)
    as return values and as facts.
  - A FAILED answer does not fail the task; the P(hwcloud.apig.backend_gate#role) role turns it into a failed play.
    A check that could not be made at all (API error, bad credentials, timeout) fails the task.
  - With O(checks), many checks run concurrently in one module run, through one HTTP session and one sign-in.
author:
  - hwcloud.apig developers (@hwcloud-apig)
extends_documentation_fragment:
  - hwcloud.apig.connection
  - hwcloud.apig.connection.attributes
  - hwcloud.apig.probe.local_probe
options:
  instance_id:
    description:
      - ID of the APIG gateway instance (32 hexadecimal characters).
      - Required unless O(checks) is given.
    type: str
  backend_type:
    description:
      - V(backend_address) checks an address configured directly on an API; V(vpc_channel) checks every member of a
        VPC channel (load-balance channel).
      - Required unless O(checks) is given.
    type: str
    choices: [backend_address, vpc_channel]
  backend_address:
    description:
      - The backend as C(host:port) or C([IPv6]:port). Required when O(backend_type=backend_address).
    type: str
  vpc_channel_id:
    description:
      - ID of the VPC channel (32 hexadecimal characters). Required when O(backend_type=vpc_channel).
    type: str
  probe:
    description:
      - V(remote) asks the gateway; V(local) probes the backends from the managed host (the VPC channel's members,
        read from APIG, or O(backend_address)) without calling the check; V(both) does both at once and explains
        mismatches in C(hints).
    type: str
    choices: [remote, local, both]
    default: remote
  concurrency:
    description:
      - How many checks of O(checks) run at once.
    type: int
    default: 20
  wait_timeout:
    description:
      - Seconds to keep re-running checks that answer FAILED, for backends still coming up during a rollout.
        V(0) answers at once.
    type: float
    default: 0
  wait_interval:
    description:
      - Seconds between re-runs while waiting (see O(wait_timeout)).
    type: float
    default: 5
  fact_name:
    description:
      - Name of the fact the result is also stored under.
    type: str
    default: apig_backend_connectivity
notes:
  - The gateway probes backends from C(100.125.0.0/16). A backend reachable from its own subnet but FAILED by the
    gateway usually has a security group that does not admit that range; O(probe=both) says so in C(hints).
seealso:
  - module: hwcloud.apig.backend_probe
  - module: hwcloud.apig.vpc_channel_member_info
  - name: CheckBackendConnectivity API reference
    description: Huawei Cloud's documentation of the call this module wraps.
    link: https://support.huaweicloud.com/intl/en-us/api-apig/CheckBackendConnectivity.html
"""

EXAMPLES = r"""
- name: Ask the gateway whether it reaches every member of a VPC channel (credentials from HW_* variables)
  hwcloud.apig.backend_connectivity:
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    backend_type: vpc_channel
    vpc_channel_id: 3019f57095a94ec885031a16d3156f12
  register: gateway_view

- name: Check one backend address with an IAM user, from the gateway and from this host
  hwcloud.apig.backend_connectivity:
    region: ap-southeast-1
    user_name: deployer
    password: "{{ vault_hw_password }}"
    domain_name: example-account
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    backend_type: backend_address
    backend_address: "orders.internal.example.com:8443"
    probe: both
    local_probe:
      protocol: https
      path: /healthz
      expected_status: "200-299"

- name: Several checks at once, with AK/SK, waiting up to two minutes for late backends
  hwcloud.apig.backend_connectivity:
    access_key: "{{ vault_hw_ak }}"
    secret_key: "{{ vault_hw_sk }}"
    project_id: 0123456789abcdef0123456789abcdef
    region: ap-southeast-1
    wait_timeout: 120
    wait_interval: 10
    checks:
      - name: orders
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: vpc_channel
        vpc_channel_id: 3019f57095a94ec885031a16d3156f12
      - name: billing
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: backend_address
        backend_address: "billing.internal.example.com:443"

- name: Stop here when the gateway cannot reach the backends
  ansible.builtin.assert:
    that: apig_backend_connectivity.check_result == 'SUCCESS'
    fail_msg: "Unreachable: {{ apig_backend_connectivity.failures | join(', ') }}"
"""

RETURN = r"""
check_result:
  description: V(SUCCESS) when every backend was checked and reached, otherwise V(FAILED).
  returned: success
  type: str
  sample: FAILED
failures:
  description:
    - The unreachable backends as C(host:port) (C([v6]:port) for IPv6), exactly as APIG writes them; with O(probe=both)
      the union of the gateway's and this host's. With O(checks) each entry is prefixed with the name of its check and a colon.
  returned: success
  type: list
  elements: str
  sample: ["127.0.0.1:30003"]
request_id:
  description: C(X-Request-Id) of APIG's answer to the check (quote it to Huawei support). Also returned on failure.
  returned: when the gateway was asked
  type: str
  sample: 05d5ef1e03cb4ec1ab57d6f1aa8c1c4b
remote:
  description: The gateway's own answer (C(check_result), C(failures), C(request_id)).
  returned: when O(probe) is V(remote) or V(both), without O(checks)
  type: dict
local:
  description: This host's probes (C(check_result), C(failures), C(results) with one record per target).
  returned: when O(probe) is V(local) or V(both), without O(checks)
  type: dict
hints:
  description: Where the problem likely lies when the gateway and this host disagree.
  returned: success
  type: list
  elements: str
  sample: ["This host reaches 127.0.0.1:8080 but the gateway does not: ..."]
attempts:
  description: How many times the check ran (more than one only with O(wait_timeout)).
  returned: success
  type: int
checks:
  description:
    - One entry per check of O(checks), in order, each with its C(name), C(check_result) (V(SUCCESS), V(FAILED), or
      V(ERROR) when it could not be made), C(failures), C(request_id), C(remote), C(local), C(hints), C(attempts), and
      C(msg), C(status), C(error_code), C(error_msg) when it could not be made.
    - Each entry is validated on its own. An invalid one is not made and is an V(ERROR) entry whose C(msg) starts with
      its name (its C(name), else its address or channel ID) and whose C(option) names what to fix (for example
      C(checks[1].backend_address)); the valid ones are still made. When no entry is valid, nothing is sent and the
      task fails naming the first invalid option, with these entries.
  returned: when O(checks) is given (also when the task fails because a check could not be made)
  type: list
  elements: dict
errors:
  description: How many checks of O(checks) could not be made (invalid ones included).
  returned: when O(checks) is given
  type: int
status:
  description: HTTP status of the answer that made the check impossible.
  returned: failure
  type: int
  sample: 404
error_code:
  description: Huawei's error code, for example C(APIG.3030).
  returned: failure, when Huawei sent one
  type: str
  sample: APIG.3030
error_msg:
  description: Huawei's error message.
  returned: failure, when Huawei sent one
  type: str
ansible_facts:
  description: The same result, stored as a fact.
  returned: success
  type: dict
  contains:
    apig_backend_connectivity:
      description: C(check_result), C(failures), C(request_id) (and C(checks) with O(checks)); the key is O(fact_name).
      type: dict
      returned: success
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    BACKEND_TYPES,
    PROBE_MODES,
    REMOTE,
    CheckSpec,
    check_name,
    check_option_spec,
    check_spec_from_params,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.connectivity import CheckRunner, local_prober
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import probe_option_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    ERROR,
    input_error_record,
    summarize_checks,
)

CHECK_KEYS = ("instance_id", "backend_type", "backend_address", "vpc_channel_id")


class BackendConnectivityModule(ApigModule):
    argument_spec = dict(
        instance_id=dict(type="str"),
        backend_type=dict(type="str", choices=list(BACKEND_TYPES)),
        backend_address=dict(type="str"),
        vpc_channel_id=dict(type="str"),
        probe=dict(type="str", choices=list(PROBE_MODES), default=REMOTE),
        local_probe=dict(type="dict", options=probe_option_spec(), default={}),
        checks=dict(type="list", elements="dict", options=check_option_spec(required=True)),
        concurrency=dict(type="int", default=20),
        wait_timeout=dict(type="float", default=0),
        wait_interval=dict(type="float", default=5),
        fact_name=dict(type="str", default="apig_backend_connectivity"),
    )
    module_kwargs = dict(
        mutually_exclusive=[("checks", key) for key in CHECK_KEYS],
        required_one_of=[("checks", "instance_id")],
        required_together=[("instance_id", "backend_type")],
        required_if=[
            ("backend_type", "backend_address", ["backend_address"]),
            ("backend_type", "vpc_channel", ["vpc_channel_id"]),
        ],
    )

    def validate(self):
        params = self.params
        self.check_fact_name()
        if not 1 <= params["concurrency"] <= 200:
            raise InputError("concurrency", "concurrency must be between 1 and 200, got %d" % params["concurrency"])
        if not 0 <= params["wait_timeout"] <= 3600:
            raise InputError("wait_timeout", "wait_timeout must be between 0 and 3600 seconds")
        if not 0 < params["wait_interval"] <= 600:
            raise InputError("wait_interval", "wait_interval must be more than 0 and at most 600 seconds")
        defaults = {"probe": params["probe"], "local_probe": params["local_probe"]}
        if params["checks"] is None:
            self.specs = [check_spec_from_params(dict(defaults, **{key: params[key] for key in CHECK_KEYS}))]
            return
        if not params["checks"]:
            raise InputError("checks", "checks must list at least one check")
        # Each entry is validated on its own: an invalid one becomes an ERROR record naming it and its option, and
        # the valid ones are still made. Only when no entry is valid does the task fail here, before any request.
        self.entries = []
        for index, entry in enumerate(params["checks"]):
            options = dict(defaults, **{key: value for key, value in entry.items() if value is not None})
            try:
                self.entries.append(check_spec_from_params(options))
            except InputError as exc:
                self.entries.append(_invalid_entry(index, options, exc))
        self.specs = [entry for entry in self.entries if isinstance(entry, CheckSpec)]
        names = [entry.name if isinstance(entry, CheckSpec) else entry.record["name"] for entry in self.entries]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InputError("checks", "check names must be unique; repeated: %s" % ", ".join(duplicates))
        if not self.specs:
            first = self.entries[0]
            records = [entry.record for entry in self.entries]
            raise InputError(first.option, first.msg, checks=records, errors=len(records))

    def client_pool_size(self):
        return self.params["concurrency"]

    def run(self, client):
        runner = CheckRunner(client, local_prober, concurrency=self.params["concurrency"])
        batch = runner.run_checks(self.specs, self.params["wait_timeout"], self.params["wait_interval"])
        if self.params["checks"] is None:
            return self._single(batch["checks"][0])
        made = iter(batch["checks"])
        batch = summarize_checks(
            [next(made) if isinstance(entry, CheckSpec) else entry.record for entry in self.entries]
        )
        if batch["errors"]:
            failed = [check for check in batch["checks"] if check["check_result"] == ERROR]
            summary = "; ".join(_named(check) for check in failed)
            self.fail_task(
                msg="%d of %d checks could not be made: %s" % (len(failed), len(batch["checks"]), summary), **batch
            )
        facts = {key: batch[key] for key in ("check_result", "failures", "checks")}
        return dict(batch, ansible_facts={self.params["fact_name"]: facts})

    def _single(self, check):
        if check["check_result"] == ERROR:
            self.fail_task(
                **{
                    key: check[key]
                    for key in ("msg", "status", "error_code", "error_msg", "request_id", "remote", "local")
                }
            )
        result = {key: check[key] for key in ("check_result", "failures", "request_id", "hints", "attempts")}
        for part in ("remote", "local"):
            if check[part] is not None:
                result[part] = check[part]
        return dict(result, ansible_facts={self.params["fact_name"]: dict(result)})


class _InvalidEntry:
    """An entry of ``checks`` refused by validation: its ERROR record, and the option and message for the task."""

    def __init__(self, option, msg, record):
        self.option = option
        self.msg = msg
        self.record = record


def _invalid_entry(index, options, exc):
    """The ERROR record of ``checks[index]``, named by its name (or address / channel ID) when it has a usable one."""
    where = "checks[%d]." % index
    name = check_name(options)
    identity = {
        "name": name or "checks[%d]" % index,
        "instance_id": options.get("instance_id"),
        "backend_type": options.get("backend_type"),
        "probe": options.get("probe") or REMOTE,
    }
    for key in ("backend_address", "vpc_channel_id"):
        if options.get(key) is not None:
            identity[key] = options[key]
    # exc.msg names the option without the prefix (check_spec_from_params was called without ``where``).
    msg = "%s: %s" % (name, exc.msg) if name else where + exc.msg
    return _InvalidEntry(where + exc.option, where + exc.msg, input_error_record(identity, where + exc.option, msg))


def _named(check):
    """``name: why`` for the failure message, without saying the name twice."""
    msg = check["msg"] or "could not be made"
    return msg if msg.startswith(check["name"] + ": ") else "%s: %s" % (check["name"], msg)


def main():
    BackendConnectivityModule()()


if __name__ == "__main__":
    main()
