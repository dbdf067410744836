# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Never a false pass: where the gate's features meet, green still means "this run checked everything it was asked,
and everything passed".

One test per way the gate was once seen to pass something that was not checked or did not pass, each a real
ansible-playbook run (tests/integration/playbooks/false_pass/caseNN_*.yml) against the emulator and loopback
backends. Each test fails on the collection before these were fixed (the numbers are those of the issue that
listed them).
"""

import json
import re
import uuid
import xml.etree.ElementTree as ET

import pytest

from tests.emulator import presets
from tests.integration.runner import PLAYBOOKS, run_playbook

pytestmark = pytest.mark.integration

CASES = PLAYBOOKS / "false_pass"
PAYMENTS_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"
APIS_PATH = r"/v2/%s/apigw/instances/%s/apis$" % (presets.PROJECT_ID, presets.INSTANCE_ID)
MEMBERS_PATH = r"/vpc-channels/%s/members$" % PAYMENTS_CHANNEL_ID
CHECK_PATH = r"/backend/connectivity/check$"


def catalog(addr):
    """What the instance publishes: group blk (pay, at a backend the gateway cannot reach), group orders in RELEASE
    and staging (get-order's gray policy in RELEASE and list-orders' #ORDERS_HOST# in staging are one closed port),
    group mocks (a MOCK API only), group empty (nothing), and environment bare (nothing published)."""
    return {
        "groups": [{"name": "blk"}, {"name": "orders"}, {"name": "mocks"}, {"name": "empty"}],
        "environments": [{"name": "staging"}, {"name": "bare"}],
        "variables": [
            {"group": "orders", "environment": "RELEASE", "name": "ORDERS_HOST", "value": addr["up2"]},
            {"group": "orders", "environment": "staging", "name": "ORDERS_HOST", "value": addr["down"]},
        ],
        "apis": [
            {"name": "pay", "group": "blk", "backend": {"url_domain": addr["blocked"]}, "published": {"RELEASE": {}}},
            {
                "name": "get-order",
                "group": "orders",
                "backend": {"vpc_channel": presets.CHANNEL_ID},
                "policies": [{"name": "gray", "backend": {"url_domain": addr["down"]}}],
                "published": {"RELEASE": {}, "staging": {"policies": []}},
            },
            {
                "name": "list-orders",
                "group": "orders",
                "backend": {"url_domain": "#ORDERS_HOST#"},
                "published": {"RELEASE": {}, "staging": {}},
            },
            {"name": "mock-only", "group": "mocks", "backend_type": "MOCK", "published": {"RELEASE": {}}},
        ],
    }


class World:
    """The emulator, the backends and the extra vars ``w`` every case playbook takes."""

    def __init__(self, emulator_factory, backend_servers):
        up, up2 = backend_servers.open(), backend_servers.open()
        blocked = backend_servers.open()
        http404 = backend_servers.open(http=True, status=404, body=b"no such page")
        down = backend_servers.closed()
        self.addr = {
            "up": up.address,
            "up2": up2.address,
            "blocked": blocked.address,
            "http404": http404.address,
            "down": down.address,
        }
        config = presets.default_config(
            members=[{"host": "127.0.0.1", "port": server.port} for server in (up, up2)],
            channels=[
                {
                    "id": PAYMENTS_CHANNEL_ID,
                    "name": "payments",
                    "members": [{"host": "127.0.0.1", "port": server.port} for server in (up, down)],
                }
            ],
            blocked_from_gateway=[blocked.address],
            catalog=catalog(self.addr),
        )
        self.emulator = emulator_factory(config)
        self.auth = {
            "endpoint": self.emulator.url,
            "project_id": presets.PROJECT_ID,
            "auth_token": presets.TOKEN_VALID,
            "timeout": 10,
            "retries": 0,
        }

    def extra_vars(self, **more):
        world = {
            "auth": self.auth,
            "instance_id": presets.INSTANCE_ID,
            "addr": self.addr,
            "channel": {
                "all_up": presets.CHANNEL_ID,
                "payments": PAYMENTS_CHANNEL_ID,
                "empty": presets.EMPTY_CHANNEL_ID,
            },
        }
        return dict({"w": world}, **more)


@pytest.fixture
def world(emulator_factory, backend_servers):
    return World(emulator_factory, backend_servers)


def run_case(name, tmp_path, extra_vars, **options):
    run = run_playbook(CASES / name, tmp_path, extra_vars, **options)
    (tmp_path / "ansible-output.txt").write_text(run.output)  # the whole log, for a person debugging a failure
    assert "Traceback" not in run.output, run
    return run


def junit(path):
    """``(suites, {(host, case name): case})`` of a JUnit report."""
    root = ET.parse(str(path)).getroot()
    cases = {}
    for suite in root.findall("testsuite"):
        for case in suite.findall("testcase"):
            cases[(suite.get("hostname"), case.get("name"))] = case
    return root.findall("testsuite"), cases


def properties(suite):
    return {item.get("name"): item.get("value") for item in suite.iter("property")}


# ---- the verdict itself -----------------------------------------------------------------------------------------


def test_case01_a_local_check_never_stands_for_the_gateway_side_of_a_discovered_backend(world, tmp_path):
    run = run_case("case01_local_check_hides_discovered.yml", tmp_path, world.extra_vars())
    assert run.rc == 0, run
    verdict = run.result["verdict"]
    assert run.result["gate_failure"], "the gateway cannot reach pay's backend: the gate must not pass"
    rows = {check["name"]: check for check in verdict["checks"]}
    assert rows["pay"]["check_result"] == "FAILED" and rows["pay"]["probe"] == "remote"
    assert rows["pay from this host"]["check_result"] == "SUCCESS"
    assert verdict["failures"] == ["pay: %s" % world.addr["blocked"]]
    module = run.result["module"]
    assert module["check_result"] == "FAILED", "the module's discover keeps the gateway's question too"
    assert [check["name"] for check in module["checks"]] == ["pay from this host", "pay"]


@pytest.mark.parametrize("variant", ["a", "b"])
def test_case02_a_failure_is_never_turned_into_an_error_and_left_out_under_warn(world, tmp_path, variant):
    if variant == "a":  # the local half of payments cannot be made: its members call answers 503
        world.emulator.add_fault(
            MEMBERS_PATH, [{"status": 503, "error_code": "APIG.9999", "error_msg": "busy", "times": 50}], "GET"
        )
    else:  # billing is FAILED on the first attempt; every re-check answers 503
        world.emulator.add_fault(
            CHECK_PATH, [{"pass": True}, {"status": 503, "error_code": "APIG.9999", "error_msg": "busy", "times": 50}]
        )
    report = tmp_path / "report.xml"
    run = run_case(
        "case02_warn_turns_failed_into_error.yml",
        tmp_path,
        world.extra_vars(variant=variant, junit_path=str(report)),
    )
    assert run.rc == 0, run
    verdict = run.result["verdict"]
    failed = "payments" if variant == "a" else "billing"
    rows = {check["name"]: check for check in verdict["checks"]}
    assert rows[failed]["check_result"] == "FAILED", rows[failed]
    assert rows[failed]["failures"] == [world.addr["down"]]
    assert rows[failed]["incomplete"], "the part that could not be made is kept, and shown"
    assert verdict["passed"] is False and run.result["gate_failure"].startswith("backend gate FAILED")
    (suite,), cases = junit(report)
    assert properties(suite)["passed"] == "false"
    assert cases[("localhost", failed)].find("failure") is not None


def test_case03_the_verdict_filter_never_passes_on_another_run(world, tmp_path):
    run = run_case("case03_filter_takes_another_run.yml", tmp_path, world.extra_vars())
    assert run.rc == 0, run
    verdict = run.result
    assert verdict["passed"] is False
    assert [(check["name"], check["check_result"]) for check in verdict["checks"]] == [("a", "ERROR"), ("b", "ERROR")]
    assert all(check["msg"].startswith("not made") for check in verdict["checks"])


def test_case04_one_dead_backend_behind_two_discoveries_counts_once_and_names_every_api(world, tmp_path):
    run = run_case("case04_discoveries_count_once.yml", tmp_path, world.extra_vars())
    assert run.rc == 0, run
    verdict = run.result["verdict"]
    assert verdict["unreachable"] == 1 and verdict["passed"] is True, verdict["summary"]
    assert run.result["gate_failure"] is None, "one unreachable host:port, max_failures 1"
    (backend,) = verdict["backends"]
    assert backend["backend"] == world.addr["down"]
    assert backend["apis"] == ["get-order [policy gray] @RELEASE", "list-orders @staging"]
    role = sorted(
        (check["name"], check.get("backend_address") or check.get("vpc_channel_id")) for check in verdict["checks"]
    )
    module = run.result["module"]
    made = sorted(
        (check["name"], check.get("backend_address") or check.get("vpc_channel_id")) for check in module["checks"]
    )
    assert role == made, "the module's discover and the role make the same checks"
    assert (
        "get-order [policy gray] @RELEASE, list-orders @staging",
        world.addr["down"],
    ) in role
    assert len(role) == 3, role


def test_case05_a_channel_with_no_backend_is_never_tolerated(world, tmp_path):
    run = run_case("case05_no_backend_tolerated.yml", tmp_path, world.extra_vars())
    assert run.rc == 0, run
    verdict = run.result["verdict"]
    assert verdict["passed"] is False and verdict["no_backend"] == 1 and verdict["unreachable"] == 0
    assert "never tolerated" in run.result["gate_failure"]


@pytest.mark.parametrize(
    "where, contradiction",
    [("empty", False), ("mocks", False), ("bare", False), ("orders", True)],
    ids=["empty-group", "all-mock-group", "nothing-published", "total-1-apis-empty"],
)
def test_case06_a_discovery_that_finds_nothing_is_an_error_beside_other_checks(world, tmp_path, where, contradiction):
    discovery = {"instance_id": presets.INSTANCE_ID, "group": where, "environment": "RELEASE"}
    if where == "bare":
        discovery = {"instance_id": presets.INSTANCE_ID, "group": "orders", "environment": "bare"}
    if contradiction:
        body = json.dumps({"size": 0, "total": 1, "apis": []})
        world.emulator.add_fault(APIS_PATH, [{"status": 200, "body": body, "times": 50}], "GET")
    run = run_case("case06_discovery_finds_nothing.yml", tmp_path, world.extra_vars(discovery=discovery))
    assert run.rc == 0, run
    verdict = run.result["verdict"]
    assert verdict["passed"] is False and run.result["gate_failure"], verdict.get("summary")
    (web, problem) = verdict["checks"]
    assert web["check_result"] == "SUCCESS" and problem["check_result"] == "ERROR"
    assert problem["name"].startswith("discovery of instance %s" % presets.INSTANCE_ID)
    if contradiction:
        assert re.search(r"total.*1", problem["msg"]), problem["msg"]
    else:
        assert problem["msg"].startswith("found no backend to check"), problem["msg"]
    module = run.result["module"]
    assert module["failed"] and module["errors"] == 1, "the module's discover says the same"


def test_case07_a_backend_that_answered_is_never_called_unreachable(world, tmp_path):
    report = tmp_path / "report.xml"
    run = run_case("case07_answer_blamed_on_network.yml", tmp_path, world.extra_vars(junit_path=str(report)))
    assert run.rc == 0, run
    verdict = run.result["verdict"]
    (check,) = verdict["checks"]
    assert check["check_result"] == "FAILED" and verdict["unreachable"] == 0 and verdict["wrong_answers"] == 1
    assert check["failing"][0]["outcome"] == "wrong_answer"
    assert not any("network path (firewall" in hint for hint in check["hints"]), check["hints"]
    assert any("got an answer" in hint for hint in check["hints"]), check["hints"]
    assert "UNREACHABLE / WRONG ANSWER / ERROR" in verdict["lines"][1]
    assert "(wrong answer: " in verdict["lines"][2]
    _suites, cases = junit(report)
    message = cases[("localhost", "site")].find("failure").get("message")
    assert message.startswith("reached, wrong answer: ") and "unreachable" not in message


# ---- the facts and the play ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("b_max_failures", [0, "many"], ids=["discovery", "argument-validation"])
def test_case08_an_earlier_include_s_passing_verdict_never_stands_for_a_later_one(world, tmp_path, b_max_failures):
    run = run_case("case08_result_outlives_include.yml", tmp_path, world.extra_vars(b_max_failures=b_max_failures))
    assert run.rc == 0, run
    assert run.result["a"]["passed"] is True
    assert run.result["b"]["passed"] is False and run.result["b"].get("run_id") != run.result["a"]["run_id"]
    if b_max_failures == "many":  # Ansible's argument validation stops include B before the gate's first task
        assert "backend_gate_max_failures" in run.output and "'many'" in run.output, run
        assert run.result["b"]["msg"].startswith("backend gate FAILED: not decided"), run.result["b"]
    assert run.result["deployed"] is False


def test_case10_tags_never_skip_the_gate(world, tmp_path):
    run = run_case("case10_tags_skip_gate.yml", tmp_path, world.extra_vars(), args=["--tags", "deploy"])
    assert run.rc != 0 and run.result is None, "the deploy ran behind a dead backend"
    assert "backend gate FAILED" in run.output


# ---- the report on disk -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", ["environment", "duplicate"])
def test_case11_a_report_always_describes_the_latest_run(world, tmp_path, stop):
    report = tmp_path / "report.xml"
    first = run_case("case11_stale_report.yml", tmp_path, world.extra_vars(junit_path=str(report), stop="none"))
    assert first.rc == 0 and first.result["verdict"]["passed"], first
    (suite,), _cases = junit(report)
    assert properties(suite)["passed"] == "true"
    second = run_case("case11_stale_report.yml", tmp_path, world.extra_vars(junit_path=str(report), stop=stop))
    assert second.rc == 0 and second.result["gate_failure"], second
    (suite,), _cases = junit(report)
    assert properties(suite)["passed"] == "false"
    assert properties(suite)["run_id"] == second.result["verdict"]["run_id"]
    assert int(suite.get("errors")) >= 1


def test_case12_every_host_of_the_play_is_in_the_report(world, tmp_path, backend_servers):
    report = tmp_path / "report.xml"
    nobody = backend_servers.closed()  # h3's SSH: a closed loopback port, refused at once
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "[gated]\nh1 ansible_connection=local\nh2 ansible_connection=local\n"
        "h3 ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=%d ansible_ssh_timeout=5\n" % nobody.port
    )
    run = run_case(
        "case12_hosts_drop_out.yml", tmp_path, world.extra_vars(junit_path=str(report)), args=["-i", str(inventory)]
    )
    assert run.rc != 0, run
    suites, _cases = junit(report)
    by_host = {suite.get("hostname"): suite for suite in suites}
    assert sorted(by_host) == ["h1", "h2", "h3"], sorted(by_host)
    assert properties(by_host["h1"])["passed"] == "true"
    assert int(by_host["h2"].get("errors")) == 1 and properties(by_host["h2"])["passed"] == "false"
    assert int(by_host["h3"].get("errors")) == 1
    (h3_case,) = by_host["h3"].findall("testcase")
    assert "unreachable before its decision" in h3_case.find("error").get("message")


def test_case13_serial_batches_and_later_plays_add_their_suites(world, tmp_path):
    report = tmp_path / "report.xml"
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[web]\nh1\nh2\nh3\n\n[db]\nd1\n\n[all:vars]\nansible_connection=local\n")
    run = run_case(
        "case13_batches_and_plays.yml", tmp_path, world.extra_vars(junit_path=str(report)), args=["-i", str(inventory)]
    )
    assert run.rc != 0, run
    suites, _cases = junit(report)
    by_host = {suite.get("hostname"): properties(suite) for suite in suites}
    assert sorted(by_host) == ["d1", "h1", "h2", "h3"], sorted(by_host)
    assert by_host["h1"]["passed"] == "false"
    assert [by_host[host]["passed"] for host in ("h2", "h3", "d1")] == ["true", "true", "true"]
    root = ET.parse(str(report)).getroot()
    assert int(root.get("failures")) == 1


def test_case14_a_symlinked_report_path_writes_through_to_its_target(world, tmp_path):
    target = tmp_path / "reports" / "gate.xml"
    target.parent.mkdir()
    target.write_text(
        '<?xml version="1.0"?>\n<testsuites><testsuite name="old" tests="1" failures="0" errors="0">'
        '<properties><property name="passed" value="true"/></properties>'
        '<testcase name="old"/></testsuite></testsuites>\n'
    )
    link = tmp_path / "report.xml"
    link.symlink_to(target)
    run = run_case("case14_symlinked_report.yml", tmp_path, world.extra_vars(junit_path=str(link)))
    assert run.rc != 0, run
    assert link.is_symlink() and link.resolve() == target.resolve()
    (suite,), _cases = junit(target)
    assert properties(suite)["passed"] == "false"


def test_case15_every_run_has_a_uuid_of_its_own(world, tmp_path):
    run = run_case("case15_run_ids.yml", tmp_path, world.extra_vars(runs=12))
    assert run.rc == 0, run
    ids = run.result
    assert len(ids) == 12 and len(set(ids)) == 12, ids
    assert all(str(uuid.UUID(value)) == value for value in ids), ids


def test_a_verdict_given_as_an_extra_variable_never_stands_for_this_run(world, tmp_path):
    """Extra variables rank above set_fact: a backend_gate_result given with -e cannot be replaced by the gate's own
    verdict, and must not pass it."""
    extra = world.extra_vars(backend_gate_result={"passed": True, "decided": True, "msg": "said by hand"})
    run = run_case("case05_no_backend_tolerated.yml", tmp_path, extra)
    assert run.rc == 0, run
    assert "is not the verdict of this run" in (run.result["gate_failure"] or ""), run.result
