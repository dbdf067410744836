# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The same truth through real ansible-playbook runs, and the gate role's verdict.

A few random topologies (see test_topology.py), one local host each against
its own emulator, in one ansible-playbook run:

* the module, with every check of the topology in one ``checks`` batch and
  random probe modes, answers exactly the ground truth;
* roles/backend_gate over the same checks passes exactly when the number of
  unreachable backends is within ``backend_gate_max_failures``.

Hypothesis draws the seeds; each seed expands into a whole topology.
"""

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.emulator.server import Emulator
from tests.integration.runner import REPO
from tests.integration.test_load import run_hosts
from tests.integration.test_secrets import SAVE_ALL_CALLBACK
from tests.property.test_topology import KINDS, World, pool  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.integration

GATE_ROLE = REPO / "roles" / "backend_gate"
HOSTS = 4

PLAYBOOK = """---
- name: Random topologies, the module and the gate
  hosts: all
  gather_facts: false
  module_defaults:
    group/hwcloud.apig.apig: "{{ apig_auth }}"
  tasks:
    - name: Check backend connectivity
      hwcloud.apig.backend_connectivity:
        checks: "{{ checks }}"
      ignore_errors: true
%s
"""

GATE_TASKS = """
    - name: The gate
      block:
        - name: Run the gate
          ansible.builtin.include_role:
            name: hwcloud.apig.backend_gate
          vars:
            backend_gate_auth: "{{ apig_auth }}"
            backend_gate_checks: "{{ gate_checks }}"
            backend_gate_max_failures: "{{ max_failures }}"
      rescue:
        - name: The gate failed the play
          ansible.builtin.debug:
            msg: gate failed

    - name: Gate verdict
      ansible.builtin.debug:
        msg: "{{ backend_gate_result.passed | bool }}"
"""


def random_topology(rng):
    """What the ``topology`` strategy of test_topology.py draws, from one seed."""

    def member():
        return (rng.choice(KINDS), rng.randrange(4), rng.random() < 0.3)

    def channel():
        members, seen = [], set()
        for _unused in range(rng.randint(1, 3)):
            candidate = member()
            if (candidate[0], candidate[1] % 2) not in seen:
                seen.add((candidate[0], candidate[1] % 2))
                members.append((candidate[0], candidate[1] % 2, candidate[2]))
        return members

    return {
        "instances": [[channel() for _unused in range(rng.randint(1, 2))] for _unused in range(rng.randint(1, 2))],
        "addresses": [member() for _unused in range(rng.randint(0, 1))],
        "probes": [rng.choice(("remote", "local", "both")) for _unused in range(8)],
        "seed": rng.getrandbits(32),
    }


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_real_playbook_runs_tell_the_truth_and_the_gate_agrees(pool, tmp_path_factory, seed):  # noqa: F811
    rng = random.Random(seed)
    worlds, emulators, hosts = {}, {}, {}
    try:
        for number in range(HOSTS):
            name = "topology%d" % number
            world = worlds[name] = World(random_topology(rng), pool)
            emulator = emulators[name] = Emulator(world.config()).start()
            auth = {
                "endpoint": emulator.url,
                "project_id": "0123456789abcdef0123456789abcdef",
                "auth_token": "tok-valid",
                "timeout": 5,
                "retries": 0,
            }
            gate_checks = [
                {key: value for key, value in check.items() if key not in ("probe", "local_probe")}
                for check in world.checks
            ]
            hosts[name] = {
                "apig_auth": auth,
                "checks": world.checks,
                "gate_checks": gate_checks,
                "max_failures": rng.randint(0, 3),
            }
        run = run_hosts(
            tmp_path_factory.mktemp("truth"),
            hosts,
            callback=SAVE_ALL_CALLBACK,
            playbook=PLAYBOOK % GATE_TASKS,
        )
        assert "Traceback" not in run.output, run
        for name, world in worlds.items():
            records = [json.loads(line) for line in (run.results_dir / ("%s.jsonl" % name)).read_text().splitlines()]
            by_task = {record["task"]: record["result"] for record in records}
            module = by_task["Check backend connectivity"]
            where = "seed %d, %s: %s" % (seed, name, world.truth)
            assert not module.get("failed"), (where, module)
            assert [check["name"] for check in module["checks"]] == [check["name"] for check in world.checks]
            for check in module["checks"]:
                expected_result, expected_failures, _hints = world.expected(check["name"])
                assert (check["check_result"], check["failures"]) == (expected_result, expected_failures), (
                    where,
                    check,
                )
            # the gate asks the gateway (probe remote) for every check
            unreachable = sum(len(_remote_failures(world, check["name"])) for check in world.checks)
            should_pass = unreachable <= hosts[name]["max_failures"]
            passed = str(by_task["Gate verdict"]["msg"]).lower() == "true"
            assert passed == should_pass, (
                where,
                "unreachable %d, max_failures %d, gate passed %s" % (unreachable, hosts[name]["max_failures"], passed),
            )
    finally:
        for emulator in emulators.values():
            emulator.stop()


def _remote_failures(world, name):
    """The gateway's failures for a check, whatever its probe mode (the gate asks the gateway)."""
    _probe, endpoints = world.truth[name]
    blocked = set(world.blocked)
    return [address for kind, address, _b in endpoints if kind != "up" or address in blocked]
