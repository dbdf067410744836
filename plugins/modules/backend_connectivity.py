#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module backend_connectivity: options, examples and return values documented below, the logic in module_utils.

Longer than 400 lines: its RETURN documentation (about 170 lines) cannot come from a doc fragment, as its options do.
"""

DOCUMENTATION = r"""
module: backend_connectivity
short_description: Ask Huawei Cloud APIG, and this host, whether the backends behind an API are reachable
version_added: 0.1.0
description:
  - Calls APIG's backend connectivity check,
    L(CheckBackendConnectivity,https://support.huaweicloud.com/intl/en-us/api-apig/CheckBackendConnectivity.html)
    (C(POST /v2/{project_id}/apigw/instances/{instance_id}/backend/connectivity/check)) for a backend address or a
    VPC channel, and/or probes the same backends from the managed host, and returns C(check_result) and C(failures)
    (and the verdict in brief as a fact, see O(fact_name)).
  - A FAILED answer does not fail the task; the P(hwcloud.apig.backend_gate#role) role turns it into a failed play.
    A check that could not be made at all (API error, bad credentials, timeout) fails the task.
  - With O(checks), many checks run concurrently in one module run, through one HTTP session and one sign-in.
extends_documentation_fragment:
  - hwcloud.apig.connection
  - hwcloud.apig.checks
  - hwcloud.apig.probe.local_probe
options:
  concurrency:
    description:
      - How many checks (of O(checks) and discovered ones) and API reads of O(discover) run at once. From 1 to 200.
    type: int
    default: 20
  wait_timeout:
    description:
      - Seconds to keep re-running checks that answer FAILED, for backends still coming up during a rollout.
        V(0) answers at once. From 0 to 3600 seconds.
    type: float
    default: 0
  wait_interval:
    description:
      - Seconds between re-runs while waiting (see O(wait_timeout)). More than 0 and at most 600 seconds.
    type: float
    default: 5
  diagnose:
    description:
      - Explain each backend the gateway could not reach, from the cloud's own network configuration - the
        instance's VPC, subnet, security group, node addresses, public egress and routes; the backend's port (or ECS
        server) and the rules of its security groups - and return the explanation in C(diagnosis).
      - Only backends the gateway failed are explained, each fact is read once per run (every security group
        once), and the reads run concurrently under O(concurrency).
      - It reads APIG, VPC (O(vpc_endpoint)) and ECS (O(ecs_endpoint)) with the same sign-in. A read that is refused
        (HTTP 403), absent, or unanswered makes the explanation say C(not available) and name the permission to
        grant; it never changes a verdict and never fails the task.
    type: bool
    default: false
    version_added: 0.2.0
  fact_name:
    description:
      - Name of the fact the verdict in brief (C(check_result), C(failures), and C(request_id) without O(checks)) is
        also stored under. V("") stores no fact.
      - A fact is one variable of the host, shared by every task and loop item that sets it, so it holds only the
        last one's verdict. To decide on several checks, give them all in O(checks) (one verdict for all) or
        C(register) each task; never assert on a fact set in a loop.
    type: str
    default: apig_backend_connectivity
notes:
  - The permissions the diagnosis needs, the causes it names and a read-only custom policy to copy are in the
    collection's C(docs/diagnosis.md).
  - The gateway probes backends from C(100.125.0.0/16). A backend reachable from its own subnet but FAILED by the
    gateway usually has a security group that does not admit that range; O(probe=both) says so in C(hints).
seealso:
  - module: hwcloud.apig.backend_probe
  - module: hwcloud.apig.vpc_channel_member_info
"""

EXAMPLES = r"""
- name: Ask the gateway whether it reaches every member of a VPC channel (credentials from HW_* variables)
  hwcloud.apig.backend_connectivity:
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    backend_type: vpc_channel
    vpc_channel_id: 3019f57095a94ec885031a16d3156f12
  register: gateway_view

- name: Stop here when the gateway cannot reach them (a FAILED answer does not fail the task above)
  ansible.builtin.assert:
    that: gateway_view.check_result == 'SUCCESS'
    fail_msg: "Unreachable: {{ gateway_view.failures | join(', ') }}"

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
  register: both_views

- name: Stop here when either side fails, saying where the problem lies
  ansible.builtin.assert:
    that: both_views.check_result == 'SUCCESS'
    fail_msg: "{{ both_views.failures | join(', ') }}: {{ both_views.hints | join(' ') }}"

# Several backends: one batch, one verdict for all of them (not a loop: a loop's items would each replace the
# apig_backend_connectivity fact, so an assert on it would see only the last item).
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

- name: Stop here when the gateway cannot reach every backend of the batch just run
  ansible.builtin.assert:
    that: apig_backend_connectivity.check_result == 'SUCCESS'
    fail_msg: "Unreachable: {{ apig_backend_connectivity.failures | join(', ') }}"
"""

RETURN = r"""
auth_mode:
  description: How this run signed in, V(token), V(password) or V(aksk) (see the notes); never a credential.
  returned: once the connection options are valid, also on failure
  type: str
check_result:
  description:
    - V(SUCCESS) when every backend was checked and reached (and, for a local HTTP(S) probe, answered as expected),
      otherwise V(FAILED). A check that could not be made fails the task instead.
    - With O(probe=both), V(FAILED) when either side found a backend failing, also when the other side could not be
      made (that side is then in C(incomplete)); a failure is never turned into an error.
  returned: success
  type: str
  sample: FAILED
failures:
  description:
    - The failing backends as C(host:port) (C([v6]:port) for IPv6), exactly as APIG writes them - unreachable, or
      reached with a wrong answer (C(failing) says which); with O(probe=both) the union of the gateway's and this
      host's. With O(checks) each entry is prefixed with the name of its check and a colon.
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
  description: This host's probes.
  returned: when O(probe) is V(local) or V(both), without O(checks)
  type: dict
  contains:
    made:
      description:
        - Whether this host probed at all. It cannot for a microservice or reference VPC channel (whose members
          only the gateway can enumerate), for an address with a C(#name#) variable, or when every member is
          skipped; C(reason) then says why, and with O(probe=both) the verdict is the gateway's.
      type: bool
    reason:
      description: Why this host did not probe, when C(made) is false.
      type: str
    check_result:
      description: V(SUCCESS) or V(FAILED) from this host's probes; null when C(made) is false.
      type: str
    failures:
      description:
        - The backends this host found failing (not reached, or an HTTP(S) answer its probe did not accept), as APIG
          names them (C(host:port), the member's own port or the channel's).
      type: list
      elements: str
    skipped:
      description: How many members were not probed (unavailable, backup, or without an address).
      type: int
    probe:
      description:
        - How this host probed - C(protocol), C(port) (the health check's own, or null for each member's port),
          C(follows) (V(health_check) when the channel's own health check was followed, else V(local_probe)), and for
          HTTP(S) C(path), C(method) and C(expected_status).
      type: dict
    results:
      description:
        - One record per backend, with every key of M(hwcloud.apig.backend_probe)'s C(results), and C(backend) (the
          address APIG names it by), C(gateway) (the gateway's view of a channel member - C(id), C(status),
          C(health_status) with null reported as V(unknown), C(is_backup), C(weight), C(member_group_name),
          C(ecs_id), C(ecs_name) - or null) and C(skipped) (why it was not probed, or null).
      type: list
      elements: dict
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
    - One entry per check of O(checks), in order, then the discovered ones, each with its C(name), C(instance_id),
      C(backend_type), C(backend_address) or C(vpc_channel_id), C(probe), C(check_result) (V(SUCCESS), V(FAILED), or
      V(ERROR) when it could not be made), C(failures), C(failing), C(request_id), C(remote), C(local), C(hints),
      C(attempts), C(incomplete) for a FAILED check with a part not made, C(msg), C(status), C(error_code),
      C(error_msg) when it could not be made, and C(routes) and C(apis) for a check that discovery found routes to.
    - Each entry is validated on its own. An invalid one is not made and is an V(ERROR) entry whose C(msg) starts with
      its name (its C(name), else its address or channel ID) and whose C(option) names what to fix (for example
      C(checks[1].backend_address)); the valid ones are still made. When no entry is valid, nothing is sent and the
      task fails naming the first invalid option, with these entries.
  returned: when O(checks) or O(discover) is given (also when the task fails because a check could not be made)
  type: list
  elements: dict
credentials_source:
  description: Where the credentials came from, V(options) or V(environment) (see the notes).
  returned: once the connection options are valid, also on failure
  type: str
discovered:
  description:
    - With O(discover), what each discovery found - its C(instance_id), C(group), C(environment), C(apis) - with every
      API as M(hwcloud.apig.api_backend_info) returns it (C(id), C(name), C(group), C(backends), C(skipped),
      C(problem)), and C(error) when it could not be made. Each discovered check in C(checks) also names the
      C(routes) behind it (C(api), C(api_id), C(policy), C(group), C(environment)) and their labels, C(apis).
  returned: when O(discover) is given
  type: list
  elements: dict
errors:
  description: How many checks (of O(checks), and discovered ones) could not be made, invalid ones included.
  returned: when O(checks) or O(discover) is given
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
  description: The verdict in brief, stored as a fact (none when O(fact_name) is empty).
  returned: success
  type: dict
  contains:
    apig_backend_connectivity:
      description:
        - C(check_result) and C(failures), and C(request_id) without O(checks) or O(discover); the key is
          O(fact_name). The whole result (C(checks), C(remote), C(local), C(hints)) is the registered one.
      type: dict
      returned: success
failing:
  description:
    - Each failing backend once (two spellings of one address are one), with C(backend) (C(host:port)),
      C(outcome) - V(unreachable) (no connection, TLS, timeout, name) or V(wrong_answer) (reached, but a local
      HTTP(S) probe did not accept its status or body) - C(seen_by) (V(gateway), V(this host)) and C(detail).
      Also in each entry of C(checks).
  returned: in each entry of C(checks), and without O(checks)
  type: list
  elements: dict
diagnosis:
  description:
    - With O(diagnose), why the gateway could not reach each backend it failed, in the order it named them (also in
      each entry of C(checks); empty when it failed none). Each entry has C(target) (C(host:port)), C(cause) -
      V(route) (no route from the gateway's VPC), V(public_egress) (a public backend, no public egress),
      V(security_group) (no rule admits the gateway, or a deny rule keeps it out), V(no_listener) (the network
      admits the gateway and this host's probe was refused), V(member) (the channel member is disabled or
      unhealthy), V(unknown) (the network admits the gateway, so the cause is on the backend), or V(not_available)
      (a fact could not be read; the C(summary) says why and the permission to grant) - a one-line C(summary),
      C(evidence) (the facts read - CIDRs, routes, security groups, rule IDs, the sources of the gateway), C(fix) (one
      concrete step) and C(confidence) (V(confirmed) when read from the configuration, V(inferred) otherwise).
  returned: when O(diagnose) is true
  type: list
  elements: dict
  sample:
    - target: "192.168.1.20:8443"
      cause: security_group
      summary: "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)"
      fix: "add an inbound rule to sg-pay: allow TCP 8443 from 100.125.0.0/16"
      confidence: confirmed
      evidence: {security_groups: [sg-pay], rules_api: {sg-pay: v3}}
incomplete:
  description:
    - The parts of a FAILED check that could not be made (the other half of O(probe=both), a re-check while
      waiting), each with C(part) and the error fields. A definite failure is never turned into an error by them.
  returned: when a FAILED check had a part that could not be made
  type: list
  elements: dict
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    BACKEND_TYPES,
    PROBE_MODES,
    REMOTE,
    CheckSpec,
    check_entries,
    check_option_spec,
    check_spec_from_params,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.connectivity import CheckRunner, local_prober
from ansible_collections.hwcloud.apig.plugins.module_utils.discovered_checks import run_discoveries, specs_for_run
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import Discovery, discovery_specs_from
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import API_CONCURRENCY, WAIT_RANGES
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import probe_option_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    ERROR,
    not_made_message,
    single_check_result,
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
        local_probe=dict(type="dict", options=probe_option_spec(mirror_health_check=True), default={}),
        probe_all_members=dict(type="bool", default=False),
        checks=dict(type="list", elements="dict", options=check_option_spec(required=True)),
        discover=dict(type="raw"),
        concurrency=dict(type="int", default=20),
        wait_timeout=dict(type="float", default=0),
        wait_interval=dict(type="float", default=5),
        diagnose=dict(type="bool", default=False),
        fact_name=dict(type="str", default="apig_backend_connectivity"),
    )
    ranges = dict(WAIT_RANGES, concurrency=API_CONCURRENCY)
    module_kwargs = dict(
        mutually_exclusive=[(batch, key) for batch in ("checks", "discover") for key in CHECK_KEYS],
        required_one_of=[("checks", "instance_id", "discover")],
        required_together=[("instance_id", "backend_type")],
        required_if=[
            ("backend_type", "backend_address", ["backend_address"]),
            ("backend_type", "vpc_channel", ["vpc_channel_id"]),
        ],
    )

    def validate(self):
        params = self.params
        if self.params["fact_name"]:
            self.check_fact_name()
        self.defaults = {key: params[key] for key in ("probe", "local_probe", "probe_all_members")}
        self.discoveries = discovery_specs_from(params["discover"])
        if params["checks"] is None and not self.discoveries:
            self.specs = [check_spec_from_params(dict(self.defaults, **{key: params[key] for key in CHECK_KEYS}))]
            return
        if params["checks"] is not None and not params["checks"]:
            raise InputError("checks", "checks must list at least one check")
        self.entries = check_entries(params["checks"] or [], self.defaults)
        self.specs = [entry for entry in self.entries if isinstance(entry, CheckSpec)]

    def client_pool_size(self):
        return self.params["concurrency"]

    def run(self, client):
        discovered, found = run_discoveries(Discovery(client, self.params["concurrency"]), self.discoveries)
        specs = specs_for_run(self.specs, found, self.defaults)
        runner = CheckRunner(
            client, local_prober, concurrency=self.params["concurrency"], diagnose=self.params["diagnose"]
        )
        batch = runner.run_checks(specs, self.params["wait_timeout"], self.params["wait_interval"])
        if self.discoveries:
            batch["discovered"] = discovered
        if self.params["checks"] is None and not self.discoveries:
            return self._single(batch["checks"][0])
        made = iter(batch["checks"])
        records = [next(made) if isinstance(entry, CheckSpec) else entry.record for entry in self.entries]
        batch.update(summarize_checks(records + list(made)))  # the discovered checks come after
        if batch["errors"]:
            self.fail_task(msg=not_made_message(batch["checks"]), **batch)
        return dict(batch, **self.facts({key: batch[key] for key in ("check_result", "failures")}))

    def _single(self, check):
        if check["check_result"] == ERROR:
            self.fail_task(
                **{
                    key: check[key]
                    for key in ("msg", "status", "error_code", "error_msg", "request_id", "remote", "local")
                }
            )
        return dict(
            single_check_result(check),
            **self.facts({key: check[key] for key in ("check_result", "failures", "request_id")}),
        )

    def facts(self, values):
        """``ansible_facts`` holding the verdict in brief under ``fact_name`` (none when it is empty): the whole
        result is the registered one, and a fact is shared by every task and loop item that sets it."""
        name = self.params["fact_name"]
        return {"ansible_facts": {name: values}} if name else {}


def main():
    BackendConnectivityModule()()


if __name__ == "__main__":
    main()
