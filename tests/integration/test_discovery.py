# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery through real ansible-playbook runs: the gateway's own configuration says what to check.

An emulated instance publishes two API groups with APIs whose backends are addresses (some through ``#name#``
variables) and VPC channels, API policies with backends of their own, versions published in RELEASE and staging
that differ from the drafts, and FUNCTION and MOCK APIs. Every backend is a real loopback socket.
"""

import pytest

from tests.emulator import presets
from tests.integration.runner import run_playbook

pytestmark = pytest.mark.integration

POLICY_CHANNEL = "b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"


class World:
    """The emulator and the backends behind each API, by role."""

    def __init__(self, emulator_factory, backend_servers):
        self.orders_up = backend_servers.open()
        self.policy_down = backend_servers.closed()
        self.release_backend = backend_servers.open()
        self.staging_backend = backend_servers.open()
        self.draft_backend = backend_servers.closed()
        self.published_backend = backend_servers.open()
        catalog = {
            "groups": [{"name": "orders"}, {"name": "billing"}],
            "environments": [{"name": "staging"}],
            "variables": [
                {
                    "group": "orders",
                    "environment": "RELEASE",
                    "name": "ORDERS_HOST",
                    "value": self.release_backend.address,
                },
                {
                    "group": "orders",
                    "environment": "staging",
                    "name": "ORDERS_HOST",
                    "value": self.staging_backend.address,
                },
            ],
            "apis": [
                {
                    "name": "get-order",
                    "group": "orders",
                    "backend": {"vpc_channel": presets.CHANNEL_ID},
                    "policies": [{"name": "gray", "backend": {"vpc_channel": POLICY_CHANNEL}}],
                    "published": {"RELEASE": {}, "staging": {}},
                },
                {
                    "name": "list-orders",
                    "group": "orders",
                    "backend": {"url_domain": "#ORDERS_HOST#"},
                    "published": {"RELEASE": {}, "staging": {}},
                },
                {
                    "name": "order-events",
                    "group": "orders",
                    "backend_type": "FUNCTION",
                    "published": {"RELEASE": {}},
                },
                {"name": "order-mock", "group": "orders", "backend_type": "MOCK", "published": {"RELEASE": {}}},
                {
                    "name": "legacy-orders",
                    "group": "orders",
                    "backend": {"url_domain": "#LEGACY_HOST#:8080"},
                    "published": {"staging": {}},
                },
                {
                    "name": "pay",
                    "group": "billing",
                    "backend": {"url_domain": self.draft_backend.address},
                    "published": {"RELEASE": {"backend": {"url_domain": self.published_backend.address}}},
                },
            ],
        }
        channels = [{"id": POLICY_CHANNEL, "members": [{"host": "127.0.0.1", "port": self.policy_down.port}]}]
        members = [{"host": "127.0.0.1", "port": self.orders_up.port}]
        self.emulator = emulator_factory(presets.default_config(members=members, channels=channels, catalog=catalog))
        self.auth = presets.module_auth("token", self.emulator.url, timeout=10, retries=1)

    def discover(self, tmp_path, **discover):
        discover.setdefault("instance_id", presets.INSTANCE_ID)
        return run_playbook("run_check.yml", tmp_path, {"apig_auth": self.auth, "check_args": {"discover": discover}})

    def checks_made(self):
        return [entry for entry in self.emulator.requests if entry["path"].endswith("/backend/connectivity/check")]


@pytest.fixture
def world(emulator_factory, backend_servers):
    return World(emulator_factory, backend_servers)


def by_name(batch):
    return {check["name"]: check for check in batch["checks"]}


def test_a_gate_by_group_and_environment_fails_on_a_policy_backend_alone_and_names_it(world, tmp_path):
    run = world.discover(tmp_path, group="orders", environment="RELEASE")
    batch = run.result["check"]
    assert batch["check_result"] == "FAILED", run
    checks = by_name(batch)
    assert set(checks) == {"get-order", "get-order [policy gray]", "list-orders"}
    assert checks["get-order [policy gray]"]["failures"] == [world.policy_down.address]
    assert checks["get-order [policy gray]"]["apis"] == ["get-order [policy gray]"]
    assert checks["get-order"]["check_result"] == checks["list-orders"]["check_result"] == "SUCCESS"
    assert batch["failures"] == ["get-order [policy gray]: %s" % world.policy_down.address]
    assert len(world.checks_made()) == 3


def test_staging_and_release_resolve_the_same_variable_to_different_backends(world, tmp_path):
    bodies = {}
    for environment in ("RELEASE", "staging"):
        world.emulator.clear_requests()
        run = world.discover(tmp_path, group="orders", environment=environment, apis=["list-orders"])
        (check,) = run.result["check"]["checks"]
        assert check["check_result"] == "SUCCESS", run
        bodies[environment] = check["backend_address"]
        assert [entry["body"] for entry in world.checks_made()] == [
            '{"backend_address": "%s", "backend_type": "backend_address"}' % check["backend_address"]
        ]
    assert bodies == {"RELEASE": world.release_backend.address, "staging": world.staging_backend.address}


def test_a_published_version_is_checked_as_published_not_as_drafted(world, tmp_path):
    run = world.discover(tmp_path, group="billing", environment="RELEASE")
    (check,) = run.result["check"]["checks"]
    assert (check["name"], check["backend_address"]) == ("pay", world.published_backend.address), run
    assert check["check_result"] == "SUCCESS"
    drafts = world.discover(tmp_path, group="billing")
    (check,) = drafts.result["check"]["checks"]
    assert check["backend_address"] == world.draft_backend.address, "without an environment: the draft"
    assert check["check_result"] == "FAILED"


def test_function_and_mock_apis_are_reported_skipped(world, tmp_path):
    run = run_playbook(
        "run_api_backend_info.yml",
        tmp_path,
        {
            "apig_auth": world.auth,
            "info_args": {"instance_id": presets.INSTANCE_ID, "group": "orders", "environment": "RELEASE"},
        },
    )
    info = run.result["info"]
    apis = {api["name"]: api for api in info["apis"]}
    assert apis["order-events"]["skipped"] == "FUNCTION API: it sends no traffic to a backend"
    assert apis["order-mock"]["skipped"] == "MOCK API: it sends no traffic to a backend"
    assert apis["order-events"]["backends"] == [] and apis["get-order"]["skipped"] is None
    assert [backend["kind"] for backend in apis["get-order"]["backends"]] == ["main", "policy"]
    assert {check["name"] for check in info["checks"]} == {"get-order", "get-order [policy gray]", "list-orders"}
    assert info["problems"] == []
    assert world.checks_made() == [], "api_backend_info only reads"


@pytest.mark.parametrize(
    "where, message",
    [
        ({"group": "ordres"}, "has no API group 'ordres' (there: billing, orders)"),
        ({"group": "orders", "environment": "prod"}, "has no environment 'prod' (there: RELEASE, staging)"),
    ],
)
def test_a_wrong_group_or_environment_fails_clearly_before_any_check(world, tmp_path, where, message):
    run = world.discover(tmp_path, **where)
    check = run.result["check"]
    assert check["failed"] is True and message in check["msg"], run
    assert world.checks_made() == []
    assert not [entry for entry in world.emulator.requests if "/apis" in entry["path"]], "no API was read"


def test_a_variable_without_a_value_and_an_unpublished_api_are_errors_named_by_api(world, tmp_path):
    run = world.discover(tmp_path, group="orders", environment="staging", apis=["list-orders", "legacy-orders", "nope"])
    batch = run.result["check"]
    assert batch["failed"] is True, run
    checks = by_name(batch)
    assert checks["legacy-orders"]["check_result"] == "ERROR"
    assert "variable #LEGACY_HOST# has no value in environment staging" in checks["legacy-orders"]["msg"]
    assert checks["nope"]["check_result"] == "ERROR"
    assert "not found in group orders among the APIs published in environment staging" in checks["nope"]["msg"]
    assert checks["list-orders"]["check_result"] == "SUCCESS"

    world.emulator.clear_requests()
    run = world.discover(tmp_path, group="billing", environment="staging")
    assert run.result["check"]["failed"] is True
    assert "found no backend to check" in run.result["check"]["msg"], "nothing to check is not a pass"
    (problem,) = run.result["check"]["checks"]
    assert problem["check_result"] == "ERROR" and problem["name"].startswith("discovery of instance ")
