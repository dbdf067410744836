# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 20's "Done when", each as a real ansible-playbook run against the emulator: the diagnosis says why.

The emulator models the cloud's network (tests/emulator/network_presets.py) and its own connectivity check applies
it, so every FAILED here is the network's verdict, and the diagnosis must explain it from nothing but the APIG, VPC
and ECS answers the module reads over HTTP. Modelled addresses (192.168.1.20, 172.16.0.5, 203.0.113.7) are only
ever checked by the gateway (probe: remote): a local probe would leave this machine. The one case that needs this
host's probe - a refused port behind an open security group - is modelled on loopback instead (VPC 127.0.0.0/24,
the backend's port at 127.0.0.2), where the gateway's check, the diagnosis and this host meet the same closed port.

One endpoint setting points a run at APIG, VPC and ECS alike: the emulator serves all three on its own URL.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.integration.proxy_server import TinyProxy
from tests.integration.runner import PLAYBOOKS, run_playbook

pytestmark = pytest.mark.integration

PLAYS = PLAYBOOKS / "diagnosis"
ECS_CHANNEL_ID = "e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0"
LISTENERS = {
    world.WEB + ":8080": "web",
    world.PAY + ":8443": "web",
    world.DENY + ":9000": "web",
    world.ECS + ":8080": "web",
    "172.16.0.5:8080": "down",
}
NO_RULES_TOKEN = "tok-no-rules"


def emulator_config(**overrides):
    """The preset world: the orders channel holds a member of each kind of trouble; an ECS channel holds the
    billing VM on a port its server's security group does not admit."""
    ecs_channel = {
        "id": ECS_CHANNEL_ID,
        "name": "billing-vm",
        "member_type": "ecs",
        "members": [{"host": world.ECS, "port": 8081, "ecs_id": world.ECS_ID, "ecs_name": "billing-vm"}],
    }
    config = world.network_config(
        LISTENERS,
        members=[
            {"host": world.WEB, "port": 8080},
            {"host": world.PAY, "port": 8443},
            {"host": world.DENY, "port": 9000},
        ],
        channels=[ecs_channel],
        backends={"web": "open", "down": "closed"},
        **overrides,
    )
    config["tokens"].append(
        {"value": NO_RULES_TOKEN, "project_id": presets.PROJECT_ID, "denied": ["vpc:securityGroupRules:list"]}
    )
    return config


def auth(emulator, mode="token", **options):
    """Sign-in to the emulator for APIG, VPC and ECS: one URL for all three."""
    return presets.module_auth(
        mode, emulator.url, vpc_endpoint=emulator.url, ecs_endpoint=emulator.url, timeout=10, retries=0, **options
    )


def channel(channel_id=presets.CHANNEL_ID, name="orders"):
    return {
        "name": name,
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "vpc_channel",
        "vpc_channel_id": channel_id,
    }


def address(target, name=None):
    return {
        "name": name or target,
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "backend_address",
        "backend_address": target,
    }


def diagnose(emulator, tmp_path, checks, mode="token", **variables):
    """One module run over ``checks`` with diagnose: true; the registered result."""
    extra = dict({"apig_auth": auth(emulator, mode), "checks": checks}, **variables)
    run = run_playbook(PLAYS / "check.yml", tmp_path, extra)
    assert run.rc == 0 and run.result is not None, run
    result = run.result["check"]
    assert result.get("failed") is not True, result  # a diagnosis never fails the task
    assert "Traceback" not in run.output
    return run, result


def by_target(check):
    return {item["target"]: item for item in check["diagnosis"]}


@pytest.fixture
def emulator(emulator_factory):
    return emulator_factory(emulator_config())


def test_a_missing_rule_is_named_by_security_group_and_port(emulator, tmp_path):
    _run, result = diagnose(emulator, tmp_path, [channel()])
    (check,) = result["checks"]
    assert (check["check_result"], check["failures"]) == ("FAILED", [world.PAY + ":8443", world.DENY + ":9000"])
    found = by_target(check)[world.PAY + ":8443"]
    assert found["cause"] == "security_group" and found["confidence"] == "confirmed"
    assert found["summary"] == "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)"
    assert found["fix"] == "add an inbound rule to sg-pay: allow TCP 8443 from 100.125.0.0/16"
    assert found["evidence"]["security_groups"] == [world.PAY_SG]


def test_a_deny_rule_that_overrides_an_allow_rule_is_named_by_its_id(emulator, tmp_path):
    _run, result = diagnose(emulator, tmp_path, [channel(), address(world.DENY + ":9000", "deny-as-address")])
    member, as_address = result["checks"]
    found = by_target(member)[world.DENY + ":9000"]
    assert found["cause"] == "security_group"
    assert found["summary"] == (
        "deny rule r-deny-health of sg-deny (priority 1) keeps the gateway (100.125.0.0/16) out of port 9000"
    )
    assert found["evidence"]["rule"]["id"] == "r-deny-health"
    # The allow rule it overrides is there and works: the gateway's own nodes reach the same address.
    assert as_address["check_result"] == "SUCCESS" and as_address["diagnosis"] == []
    allowed = {item["source"]: item["rule"] for item in found["evidence"]["sources"] if item["outcome"] == "allowed"}
    assert set(allowed.values()) == {"r-allow-all"}


def test_a_v1_only_region_is_read_through_the_v1_api(emulator_factory, tmp_path):
    network = world.project_network(LISTENERS)
    network["security_groups"][3]["rules"] = [world.rule("r-deny-v1", multiport="9000", remote_ip_prefix="10.0.0.0/8")]
    emu = emulator_factory(
        emulator_config(project_overrides={"v1_only": True, "security_groups": network["security_groups"]})
    )
    _run, result = diagnose(emu, tmp_path, [channel()])
    found = by_target(result["checks"][0])
    assert found[world.PAY + ":8443"]["summary"] == (
        "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)"
    )
    assert found[world.PAY + ":8443"]["evidence"]["rules_api"] == {world.PAY_SG: "v1"}
    assert found[world.DENY + ":9000"]["evidence"]["rules_api"] == {world.DENY_SG: "v1"}
    v3 = [entry["status"] for entry in emu.requests if entry["path"].endswith("/vpc/security-group-rules")]
    v1 = [entry["status"] for entry in emu.requests if re.search(r"^/v1/[^/]+/security-group-rules$", entry["path"])]
    assert v3 == [404] and v1 == [200, 200]


def test_a_backend_outside_the_vpc_without_a_route_and_the_same_backend_with_one(emulator_factory, tmp_path):
    """Without a route the cause is the route, naming the CIDRs; with one the same backend still fails (nothing
    listens there), and the diagnosis says the network is not the cause."""
    backend = address("172.16.0.5:8080", "db")
    _run, result = diagnose(emulator_factory(emulator_config()), tmp_path, [backend])
    (no_route,) = result["checks"][0]["diagnosis"]
    assert no_route["cause"] == "route"
    assert no_route["summary"] == (
        "172.16.0.5 is outside VPC vpc-0a1b2c3d (192.168.0.0/16) and every instance route (10.20.0.0/16)"
    )
    routed = emulator_factory(emulator_config(instance_overrides={"user_routes": ["10.20.0.0/16", "172.16.0.0/24"]}))
    _run, result = diagnose(routed, tmp_path, [backend])
    assert result["checks"][0]["check_result"] == "FAILED"
    (with_route,) = result["checks"][0]["diagnosis"]
    assert with_route["cause"] == "unknown"
    assert with_route["summary"].startswith(
        "the network admits the gateway on port 8080 (via instance route 172.16.0.0/24"
    )


def test_a_public_backend_without_public_egress(emulator, tmp_path):
    _run, result = diagnose(emulator, tmp_path, [address("203.0.113.7:443", "public")])
    (found,) = result["checks"][0]["diagnosis"]
    assert found["cause"] == "public_egress"
    assert found["summary"] == (
        "203.0.113.7 is a public address and the instance has no public egress (no nat_eip_address)"
    )


def test_a_403_on_the_vpc_api_is_not_available_naming_the_permission_and_the_verdict_is_unchanged(emulator, tmp_path):
    _run, permitted = diagnose(emulator, tmp_path, [channel()])
    denied_auth = dict(auth(emulator), auth_token=NO_RULES_TOKEN)
    run = run_playbook(PLAYS / "check.yml", tmp_path, {"apig_auth": denied_auth, "checks": [channel()]})
    denied = run.result["check"]
    assert run.rc == 0 and denied.get("failed") is not True, run
    for key in ("check_result", "failures", "errors"):
        assert denied[key] == permitted[key], key
    for found in denied["checks"][0]["diagnosis"]:
        assert found["cause"] == "not_available"
        assert found["summary"].startswith("not available: VPC refused ListSecurityGroupRules for security group sg-")
        assert found["summary"].endswith("(HTTP 403 VPC.2201); grant vpc:securityGroupRules:list")
        assert "grant vpc:securityGroupRules:list" in found["fix"]


def test_an_ecs_member_is_explained_by_its_servers_security_groups(emulator, tmp_path):
    _run, result = diagnose(emulator, tmp_path, [channel(ECS_CHANNEL_ID, "billing-vm")])
    (found,) = result["checks"][0]["diagnosis"]
    assert found["target"] == world.ECS + ":8081"
    assert found["summary"] == (
        "security group sg-web (port 8081) admits nothing from the gateway (192.168.0.10, 192.168.0.11, 100.125.0.0/16)"
    )
    assert found["evidence"]["server"] == world.ECS_ID
    assert found["evidence"]["member"]["ecs_id"] == world.ECS_ID
    nova = "/v2.1/%s/servers/%s/os-security-groups" % (presets.PROJECT_ID, world.ECS_ID)
    assert [entry["status"] for entry in emulator.requests if entry["path"] == nova] == [200]


def test_aksk_signs_the_vpc_and_ecs_reads_and_no_secret_is_shown(emulator, tmp_path):
    run, result = diagnose(emulator, tmp_path, [channel(), channel(ECS_CHANNEL_ID, "billing-vm")], mode="aksk")
    assert [len(check["diagnosis"]) for check in result["checks"]] == [2, 1]
    assert all(item["cause"] == "security_group" for check in result["checks"] for item in check["diagnosis"])
    reads = [entry for entry in emulator.requests if entry["path"].startswith(("/v1/", "/v3/", "/v2.1/"))]
    assert reads and all(entry["auth_mode"] == "aksk" and entry["status"] == 200 for entry in reads)
    assert presets.SK not in run.output + json.dumps(run.result)


def test_the_vpc_and_ecs_reads_go_through_the_proxy_as_the_apig_calls_do(emulator, tmp_path):
    """A proxy of the environment (HTTP_PROXY) carries the diagnosis's reads too: one proxy setting for the run."""
    with TinyProxy(tmp_path / "proxy") as proxy:
        extra = {"apig_auth": auth(emulator, "password"), "checks": [channel(ECS_CHANNEL_ID, "billing-vm")]}
        run = run_playbook(PLAYS / "check.yml", tmp_path, extra, env={"HTTP_PROXY": proxy.url})
        seen = proxy.requests()
    assert run.rc == 0 and run.result["check"]["checks"][0]["diagnosis"][0]["cause"] == "security_group", run
    # tinyproxy closes each connection after its answer without saying so: no read may be lost to a stale one.
    assert "not available" not in json.dumps(run.result["check"]["checks"][0]["diagnosis"]), run.result
    paths = [target.split(emulator.url.split("://", 1)[1], 1)[1] for target in (line.split(" ", 1)[1] for line in seen)]
    for wanted in ("/v3/auth/tokens", "/ports", "/vpc/security-group-rules", "/os-security-groups", "/features"):
        assert any(path.split("?", 1)[0].endswith(wanted) for path in paths), (wanted, seen)
    assert len(seen) == len(emulator.requests)  # every request of the run, and nothing around the proxy


# ---- a refused port behind an open security group, modelled on loopback --------------------------------------------


@pytest.fixture
def loopback_world(emulator_factory, backend_servers):
    """The backend's port 127.0.0.2 in a VPC of 127.0.0.0/24, its security group open on the port, nothing
    listening there: the gateway's check is refused, and so is this host's probe."""
    refused = backend_servers.closed(host="127.0.0.2")
    return emulator_factory(world.loopback_config(refused)), refused


def test_a_refused_port_behind_an_open_security_group_is_no_listener(loopback_world, tmp_path):
    emu, refused = loopback_world
    _run, result = diagnose(emu, tmp_path, [channel()], probe="both", local_probe={"timeout": 2})
    (found,) = result["checks"][0]["diagnosis"]
    assert found["cause"] == "no_listener"
    assert found["summary"] == (
        "nothing listens on %s: this host was refused there, and the network admits the gateway" % refused.address
    )
    assert found["evidence"]["security_groups"] == ["sg-app"]


def gate(emulator_url, tmp_path, checks, env=None, **variables):
    extra = dict(
        {
            "backend_gate_checks": checks,
            "backend_gate_auth": {"project_id": presets.PROJECT_ID, "auth_token": presets.TOKEN_VALID, "retries": 0},
            "backend_gate_junit_path": str(tmp_path / "report.xml"),
        },
        **variables,
    )
    env = dict({"HW_APIG_ENDPOINT": emulator_url}, **(env or {}))
    run = run_playbook(PLAYS / "gate.yml", tmp_path, extra, env=env)
    assert run.rc == 0 and run.result is not None, run
    assert "Traceback" not in run.output
    return run


def test_the_gates_halves_find_no_listener_as_one_run_does(loopback_world, tmp_path):
    """The role asks the gateway once (remote, where the diagnosis runs) and probes on the host (local); the
    decision puts them together and draws no_listener from this host's refused probe."""
    emu, refused = loopback_world
    run = gate(
        emu.url,
        tmp_path,
        [channel()],
        env={"HW_VPC_ENDPOINT": emu.url, "HW_ECS_ENDPOINT": emu.url},
        backend_gate_probe="both",
        backend_gate_local_probe={"timeout": 2},
    )
    (check,) = run.result["result"]["checks"]
    assert check["check_result"] == "FAILED" and run.result["failure"]
    assert [item["cause"] for item in check["diagnosis"]] == ["no_listener"]
    assert "nothing listens on %s" % refused.address in run.output


def test_the_gates_table_has_a_why_column_and_the_junit_report_the_fix(emulator, tmp_path):
    """VPC and ECS endpoints from the HW_* variables, as a CI job sets them; the diagnosis is on by default."""
    run = gate(
        emulator.url,
        tmp_path,
        [channel(), address(world.WEB + ":8080", "web")],
        env={"HW_VPC_ENDPOINT": emulator.url, "HW_ECS_ENDPOINT": emulator.url},
    )
    verdict = run.result["result"]
    assert verdict["passed"] is False and run.result["failure"].startswith("backend gate FAILED")
    pay_summary = "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)"
    assert verdict["lines"][1] == "CHECK   RESULT   UNREACHABLE / ERROR  WHY"
    assert verdict["lines"][2] == "orders  FAILED   %s:8443    %s" % (world.PAY, pay_summary)
    assert verdict["lines"][3].startswith("                 %s:9000    deny rule r-deny-health" % world.DENY)
    assert verdict["lines"][4] == "web     SUCCESS  -"
    assert re.search(r"^\s*CHECK\s+RESULT\s+UNREACHABLE / ERROR\s+WHY$", run.stdout, re.M), run.stdout[-3000:]
    assert pay_summary in run.stdout
    orders = verdict["checks"][0]
    assert {item["cause"] for item in orders["diagnosis"]} == {"security_group"}
    assert set(orders["diagnosis"][0]) == {"target", "cause", "summary", "evidence", "fix", "confidence"}
    failure = ET.parse(str(tmp_path / "report.xml")).getroot().find(".//failure")
    assert "  why: %s" % pay_summary in failure.text
    assert "  fix: add an inbound rule to sg-pay: allow TCP 8443 from 100.125.0.0/16" in failure.text


def test_the_gate_without_the_diagnosis_shows_no_why_and_reads_nothing_but_the_check(emulator, tmp_path):
    run = gate(emulator.url, tmp_path, [channel()], backend_gate_diagnose=False)
    verdict = run.result["result"]
    assert verdict["lines"][1] == "CHECK   RESULT   UNREACHABLE / ERROR"
    assert "diagnosis" not in verdict["checks"][0]
    assert {entry["path"].rsplit("/", 1)[-1] for entry in emulator.requests} == {"check"}
