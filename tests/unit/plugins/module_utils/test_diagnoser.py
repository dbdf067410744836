# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The diagnosis of a batch against the in-process emulator: what it reads, how often, and how it never fails.

The emulator's network world (tests/emulator/network_presets.py) answers every read over real HTTP, and its own
connectivity check decides the verdicts, so each FAILED here is the network's and the diagnosis must explain it from
the answers alone. Counting the emulator's request log shows each fact read once per run; refusals, a v1-only
region, a silent VPC endpoint and a bug in a read show that the diagnosis says "not available" and leaves the
verdict as it was.
"""

import json
from collections import Counter

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import check_spec_from_params
from ansible_collections.hwcloud.apig.plugins.module_utils.connectivity import CheckRunner, local_prober, merge_halves
from ansible_collections.hwcloud.apig.plugins.module_utils.diagnoser import Diagnoser
from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis_reads import NetworkReads
from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.loopback.listeners import CLOSE
from tests.unit.plugins.module_utils.emulator_client import client_for

LISTENERS = {
    world.WEB + ":8080": "web",
    world.PAY + ":8443": "web",
    world.DENY + ":9000": "web",
    world.ECS + ":8080": "web",
}
MEMBERS = [
    {"host": world.WEB, "port": 8080},
    {"host": world.PAY, "port": 8443},
    {"host": world.DENY, "port": 9000},
    {"host": world.ECS, "port": 8081, "ecs_id": world.ECS_ID},
]
DENIED_TOKENS = {
    "tok-no-rules": ["vpc:securityGroupRules:list"],
    "tok-no-vpc": ["vpc"],
    "tok-no-ecs": ["ecs"],
}


def start(emulator_factory, members=None, **overrides):
    members = MEMBERS if members is None else members
    config = world.network_config(LISTENERS, members=members, backends={"web": "open"}, **overrides)
    for token, denied in DENIED_TOKENS.items():
        config["tokens"].append({"value": token, "project_id": presets.PROJECT_ID, "denied": denied})
    return emulator_factory(config)


def spec(name, **options):
    return check_spec_from_params(dict({"name": name, "instance_id": presets.INSTANCE_ID}, **options))


CHANNEL = spec("billing", backend_type="vpc_channel", vpc_channel_id=presets.CHANNEL_ID)


def address(name, target):
    return spec(name, backend_type="backend_address", backend_address=target)


def run(emu, specs, concurrency=20, **client_options):
    options = dict({"vpc_endpoint": emu.url, "ecs_endpoint": emu.url}, **client_options)
    with client_for(emu, **options) as client:
        runner = CheckRunner(client, local_prober, concurrency=concurrency, diagnose=True)
        return {record["name"]: record for record in runner.run_checks(specs)["checks"]}


def causes(record):
    return {item["target"]: item["cause"] for item in record["diagnosis"]}


def reads(emu):
    """How often each read was asked, by path and query."""
    return Counter(
        (entry["path"], json.dumps(entry["query"], sort_keys=True))
        for entry in emu.requests
        if not entry["path"].endswith("/connectivity/check")
    )


def test_each_failing_member_is_explained_and_the_verdict_is_the_gateways(emulator_factory):
    emu = start(emulator_factory)
    record = run(emu, [CHANNEL])["billing"]
    assert record["check_result"] == "FAILED"
    assert record["failures"] == [world.PAY + ":8443", world.DENY + ":9000", world.ECS + ":8081"]
    assert [item["target"] for item in record["diagnosis"]] == record["failures"]
    pay, deny, ecs = record["diagnosis"]
    assert pay["summary"] == "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)"
    assert deny["evidence"]["rule"]["id"] == "r-deny-health"
    assert ecs["cause"] == "security_group" and ecs["evidence"]["groups_from"] == "ECS server ecs-billing"
    assert ecs["evidence"]["member"]["ecs_id"] == world.ECS_ID
    json.dumps(record["diagnosis"])


def test_each_fact_is_read_once_per_run_however_many_targets_need_it(emulator_factory):
    """Four checks naming the same failing backends, two of them twice: every read is asked exactly once."""
    emu = start(emulator_factory)
    checks = [
        CHANNEL,
        address("pay", world.PAY + ":8444"),
        address("pay-again", world.PAY + ":8445"),
        address("deny", world.DENY + ":9001"),
    ]
    records = run(emu, checks, concurrency=8)
    assert all(record["check_result"] == "FAILED" for record in records.values())
    asked = reads(emu)
    assert asked and max(asked.values()) == 1, asked
    groups = sorted(json.loads(query)["security_group_id"] for path, query in asked if path.endswith("rules"))
    assert groups == [world.DENY_SG, world.PAY_SG, world.WEB_SG]


def test_only_backends_the_gateway_failed_are_diagnosed(emulator_factory):
    emu = start(emulator_factory, members=MEMBERS[:1])
    records = run(emu, [CHANNEL, address("web", world.WEB + ":8080")])
    assert [record["diagnosis"] for record in records.values()] == [[], []]
    assert reads(emu) == Counter()


def test_a_v1_only_region_reads_v3_once_then_every_group_through_v1(emulator_factory):
    network = world.project_network(LISTENERS, v1_only=True)
    network["security_groups"][3]["rules"] = [world.rule("r-deny-ok", multiport="9000", remote_ip_prefix="10.0.0.0/8")]
    emu = start(emulator_factory, project_overrides={"v1_only": True, "security_groups": network["security_groups"]})
    record = run(emu, [CHANNEL, address("pay", world.PAY + ":8446")], concurrency=8)["billing"]
    assert causes(record) == {
        world.PAY + ":8443": "security_group",
        world.DENY + ":9000": "security_group",
        world.ECS + ":8081": "security_group",
    }
    assert {
        item["evidence"]["rules_api"][group] for item in record["diagnosis"] for group in item["evidence"]["rules_api"]
    } == {"v1"}
    v3 = [
        entry for entry in emu.requests if entry["path"].startswith("/v3/") and "security-group-rules" in entry["path"]
    ]
    assert [entry["status"] for entry in v3] == [404]


def test_a_refused_rules_read_is_not_available_naming_the_permission_and_the_verdict_stands(emulator_factory):
    emu = start(emulator_factory)
    record = run(emu, [CHANNEL], auth_token="tok-no-rules")["billing"]
    assert record["check_result"] == "FAILED" and len(record["failures"]) == 3
    for item in record["diagnosis"]:
        assert item["cause"] == "not_available"
        assert item["summary"].startswith("not available: VPC refused ListSecurityGroupRules for security group ")
        assert item["summary"].endswith("(HTTP 403 VPC.2201); grant vpc:securityGroupRules:list")
        assert item["evidence"]["permission"] == "vpc:securityGroupRules:list"


def test_a_route_cause_needs_no_security_group_read(emulator_factory):
    """Without any VPC permission beyond the VPC itself the route is still told: it needs only the CIDRs."""
    emu = start(emulator_factory)
    record = run(emu, [address("db", "172.16.0.5:5432")], auth_token="tok-no-rules")["db"]
    (found,) = record["diagnosis"]
    assert found["cause"] == "route" and found["confidence"] == "confirmed"


def test_without_any_vpc_permission_the_route_is_not_available_and_names_vpcs_get(emulator_factory):
    emu = start(emulator_factory)
    (found,) = run(emu, [address("db", "172.16.0.5:5432")], auth_token="tok-no-vpc")["db"]["diagnosis"]
    assert found["cause"] == "not_available" and found["summary"].endswith("grant vpc:vpcs:get")


def test_an_ecs_member_whose_server_cannot_be_read_is_found_by_its_port(emulator_factory):
    emu = start(emulator_factory, members=[MEMBERS[3]])
    (found,) = run(emu, [CHANNEL], auth_token="tok-no-ecs")["billing"]["diagnosis"]
    assert found["cause"] == "security_group" and found["evidence"]["ports"] == ["port-ecs"]


def test_without_a_vpc_endpoint_the_diagnosis_says_what_to_set_and_the_check_is_made(emulator_factory):
    emu = start(emulator_factory)
    record = run(emu, [CHANNEL], vpc_endpoint=None, ecs_endpoint=None)["billing"]
    assert record["check_result"] == "FAILED"
    for item in record["diagnosis"]:
        assert item["cause"] == "not_available"
        assert "set vpc_endpoint (HW_VPC_ENDPOINT), or region (HW_REGION_NAME)" in item["summary"]


def test_a_vpc_endpoint_that_does_not_answer_is_asked_once_per_run(emulator_factory, backend_servers):
    """A VPC endpoint that hangs up without an answer: three targets need VPC, it is asked once, and each says so."""
    emu = start(emulator_factory)
    silent = backend_servers.open(on_accept=CLOSE)
    record = run(emu, [CHANNEL], vpc_endpoint="http://%s" % silent.address, ecs_endpoint=None, retries=0)["billing"]
    assert record["check_result"] == "FAILED" and len(record["diagnosis"]) == 3
    assert {item["cause"] for item in record["diagnosis"]} == {"not_available"}
    assert all("could not get an answer from VPC" in item["summary"] for item in record["diagnosis"])
    assert silent.accepted == 1


@pytest.mark.parametrize("broken", ["ports", "rules"])
def test_a_bug_in_a_read_is_a_not_available_entry_never_an_exception(emulator_factory, broken):
    """Broken in the gateway's facts (ports of its nodes) or in a target's own (rules): the same honest entry."""
    emu = start(emulator_factory)

    def boom(_self, key):
        raise RuntimeError("boom at %s" % key)

    reads_class = type("BrokenReads", (NetworkReads,), {broken: boom})
    records = [
        {
            "name": "x",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "backend_address",
            "check_result": "FAILED",
            "remote": {"failures": [world.PAY + ":8443"]},
        }
    ]
    with client_for(emu, vpc_endpoint=emu.url, ecs_endpoint=emu.url) as client:
        Diagnoser(client, reads=reads_class(client)).diagnose(records)
    (found,) = records[0]["diagnosis"]
    assert found["cause"] == "not_available"
    assert "the diagnosis itself failed (RuntimeError: boom at " in found["summary"]
    assert records[0]["check_result"] == "FAILED"


@pytest.mark.parametrize("target, cause", [("10.20.0.5:81", "unknown"), ("192.168.1.99:80", "unknown")])
def test_an_address_no_port_holds(emulator_factory, target, cause):
    """Across an instance route no security group of the project applies; inside the VPC nothing has the address."""
    emu = start(emulator_factory)
    (found,) = run(emu, [address("x", target)])["x"]["diagnosis"]
    assert found["cause"] == cause and found["evidence"]["no_port"] is True
    if target.startswith("10.20."):
        assert found["summary"].startswith("the network admits the gateway on port 81 (via instance route 10.20.0.0/16")
    else:
        assert found["summary"].startswith("no port of this project holds 192.168.1.99, inside VPC vpc-0a1b2c3d")


# ---- no_listener: the same conclusion whether both sides are asked in one run or in two halves -------------------


def loopback_world(emulator_factory, refused):
    """The network modelled on loopback (VPC 127.0.0.0/24): the port holding 127.0.0.2 admits the gateway on the
    refused port, so the gateway's check, the diagnosis and this host's probe all meet the same closed port."""
    return emulator_factory(world.loopback_config(refused))


def loopback_check(refused, probe):
    return spec(
        "app",
        backend_type="backend_address",
        backend_address=refused.address,
        probe=probe,
        local_probe={"timeout": 1},
    )


def test_a_refused_port_behind_an_open_security_group_is_no_listener_in_one_run(emulator_factory, backend_servers):
    refused = backend_servers.closed(host="127.0.0.2")
    emu = loopback_world(emulator_factory, refused)
    record = run(emu, [loopback_check(refused, "both")])["app"]
    assert record["check_result"] == "FAILED"
    (found,) = record["diagnosis"]
    assert found["cause"] == "no_listener"
    assert found["summary"] == (
        "nothing listens on %s: this host was refused there, and the network admits the gateway" % refused.address
    )
    assert found["evidence"]["security_groups"] == ["sg-app"]


def test_the_gate_halves_put_together_reach_the_same_no_listener(emulator_factory, backend_servers):
    """The gate asks the gateway once (remote, diagnosing) and probes on each host (local); merge_halves, the
    gate's way of putting them together, draws the same conclusion as the one run of probe: both."""
    refused = backend_servers.closed(host="127.0.0.2")
    emu = loopback_world(emulator_factory, refused)
    remote = run(emu, [loopback_check(refused, "remote")])["app"]
    assert remote["diagnosis"][0]["cause"] == "unknown"  # the gateway's half alone cannot know
    local = run(emu, [loopback_check(refused, "local")])["app"]
    merged = merge_halves(remote, local)
    one_run = run(emu, [loopback_check(refused, "both")])["app"]
    assert merged["check_result"] == one_run["check_result"] == "FAILED"
    assert merged["diagnosis"] == one_run["diagnosis"]
    assert merged["diagnosis"][0]["cause"] == "no_listener"
