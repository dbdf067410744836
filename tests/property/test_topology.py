# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Truth of the answer: for random topologies, check_result and failures equal the ground truth of real sockets.

A topology is a few gateway instances holding VPC channels whose members are
real loopback endpoints -- up (accepting), refused (bound, not listening) or
SYN-dropping (accept queue full) -- some of them "blocked from the gateway"
(a security group that does not admit APIG's source range: the gateway fails
them, this host reaches them).  Checks of random channels and addresses run
with random probe modes (remote, local, both).

The module's logic is driven in-process (ConnectionSettings -> ApigClient ->
CheckRunner with the real local prober) against a real in-process emulator:
real HTTP, real sockets, only no Ansible process, so many topologies fit in a
few seconds.  test_real_playbook_runs_tell_the_truth does the same through
ansible-playbook for a few random topologies, one host each.
"""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    check_spec_from_params as check_spec_from_options,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.client import ApigClient
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.hwcloud.apig.plugins.module_utils.connectivity import CheckRunner, local_prober
from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.loopback.listeners import BlackholeListener, ClosedPort, OpenListener

KINDS = ("up", "refused", "dropping")
POOL_SIZE = {"up": 4, "refused": 3, "dropping": 2}
PROBE_TIMEOUT = 0.3
CHECK_TIMEOUT = 0.3


@pytest.fixture(scope="module")
def pool():
    """Loopback endpoints of each kind, made once (a SYN-dropping one takes a probe timeout to prove itself)."""
    made = {
        "up": [OpenListener() for _unused in range(POOL_SIZE["up"])],
        "refused": [ClosedPort() for _unused in range(POOL_SIZE["refused"])],
        "dropping": [BlackholeListener(probe_timeout=0.2) for _unused in range(POOL_SIZE["dropping"])],
    }
    yield made
    for endpoints in made.values():
        for endpoint in endpoints:
            endpoint.close()


def hex_id(rng):
    return "%032x" % rng.getrandbits(128)


# A member: (kind, index in the pool of that kind, blocked from the gateway?)
member = st.tuples(st.sampled_from(KINDS), st.integers(0, 3), st.booleans())
channel = st.lists(member, min_size=1, max_size=4, unique_by=lambda m: (m[0], m[1] % POOL_SIZE[m[0]]))
topology = st.fixed_dictionaries(
    {
        "instances": st.lists(st.lists(channel, min_size=1, max_size=3), min_size=1, max_size=2),
        "addresses": st.lists(member, min_size=0, max_size=2),
        "probes": st.lists(st.sampled_from(("remote", "local", "both")), min_size=8, max_size=8),
        "seed": st.integers(0, 2**32 - 1),
    }
)


class World:
    """A topology made concrete: the emulator config, the checks to run, and what each must answer."""

    def __init__(self, topo, pool):
        rng = random.Random(topo["seed"])
        self.instances, self.checks, self.truth, blocked = [], [], {}, set()
        probes = iter(topo["probes"] * 4)

        def endpoint(spec):
            kind, index, is_blocked = spec
            server = pool[kind][index % len(pool[kind])]
            if is_blocked:
                blocked.add(server.address)
            return kind, server.address, is_blocked

        for channels in topo["instances"]:
            instance = {"id": hex_id(rng), "vpc_channels": []}
            for members in channels:
                endpoints = [endpoint(spec) for spec in members]
                channel_id = hex_id(rng)
                instance["vpc_channels"].append(
                    {
                        "id": channel_id,
                        "members": [
                            {"host": address.rsplit(":", 1)[0], "port": int(address.rsplit(":", 1)[1])}
                            for _kind, address, _blocked in endpoints
                        ],
                    }
                )
                self._add_check(
                    {"instance_id": instance["id"], "backend_type": "vpc_channel", "vpc_channel_id": channel_id},
                    endpoints,
                    next(probes),
                )
            self.instances.append(instance)
        for spec in topo["addresses"]:
            endpoints = [endpoint(spec)]
            self._add_check(
                {
                    "instance_id": self.instances[0]["id"],
                    "backend_type": "backend_address",
                    "backend_address": endpoints[0][1],
                },
                endpoints,
                next(probes),
            )
        self.blocked = sorted(blocked)

    def _add_check(self, options, endpoints, probe):
        name = "check%d" % len(self.checks)
        options = dict(options, name=name, probe=probe, local_probe={"timeout": PROBE_TIMEOUT})
        self.checks.append(options)
        self.truth[name] = (probe, endpoints)

    def config(self):
        return presets.default_config(
            check_timeout=CHECK_TIMEOUT,
            blocked_from_gateway=self.blocked,
            projects=[{"id": presets.PROJECT_ID, "name": presets.PROJECT_NAME, "instances": self.instances}],
        )

    def expected(self, name):
        """(check_result, failures, addresses the hints must call gateway-only) for one check.

        The ground truth, from what each endpoint is -- not from any code under test.  A blocked address is
        blocked for every check that names it (a security group belongs to the backend, not to a channel).
        """
        probe, endpoints = self.truth[name]
        blocked = set(self.blocked)
        remote = [address for kind, address, _b in endpoints if kind != "up" or address in blocked]
        local = [address for kind, address, _b in endpoints if kind != "up"]
        if probe == "remote":
            failures = remote
        elif probe == "local":
            failures = local
        else:
            failures = remote + [address for address in local if address not in remote]
        gateway_only = [address for kind, address, _b in endpoints if kind == "up" and address in blocked]
        return ("FAILED" if failures else "SUCCESS"), failures, (gateway_only if probe == "both" else [])


def settings_for(emulator):
    return ConnectionSettings.from_params(
        {
            "endpoint": emulator.url,
            "project_id": presets.PROJECT_ID,
            "auth_token": presets.TOKEN_VALID,
            "timeout": 5.0,
            "retries": 0,
            "validate_certs": True,
        }
    )


def assert_matches_truth(world, checks):
    for check in checks:
        expected_result, expected_failures, gateway_only = world.expected(check["name"])
        where = "%s (%s, probe %s)" % (check["name"], world.truth[check["name"]][1], check["probe"])
        assert check["check_result"] == expected_result, where
        assert check["failures"] == expected_failures, where
        if gateway_only:
            assert any(
                all(address in hint for address in gateway_only) and "security group" in hint for hint in check["hints"]
            ), (where, check["hints"])
        else:
            assert not any("security group" in hint for hint in check.get("hints") or []), (where, check["hints"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(topo=topology)
def test_check_result_and_failures_equal_the_ground_truth(pool, topo):
    world = World(topo, pool)
    emulator = Emulator(world.config()).start()
    try:
        specs = [check_spec_from_options(dict(options)) for options in world.checks]
        with ApigClient(settings_for(emulator), pool_size=20) as client:
            batch = CheckRunner(client, local_prober, concurrency=20).run_checks(specs)
        assert_matches_truth(world, batch["checks"])
        expected_overall = (
            "SUCCESS" if all(world.expected(c["name"])[0] == "SUCCESS" for c in world.checks) else "FAILED"
        )
        assert batch["check_result"] == expected_overall
        assert batch["errors"] == 0
        assert batch["failures"] == [
            "%s: %s" % (c["name"], f) for c in world.checks for f in world.expected(c["name"])[1]
        ]
        # the gateway was asked exactly for the checks that probe remotely, and nothing else was retried or repeated
        asked = [entry for entry in emulator.requests if entry["path"].endswith("/backend/connectivity/check")]
        assert len(asked) == sum(1 for c in world.checks if c["probe"] in ("remote", "both"))
    finally:
        emulator.stop()
