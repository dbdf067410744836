# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real ansible-playbook runs of the hwcloud.apig.backend_gate role against the emulator and loopback backends.

Each role variable has its own playbook (tests/integration/playbooks/backend_gate/tests_*.yml, in the style of
linux-system-roles): the playbook runs the role once per case inside block/rescue and asserts the outcome itself,
expected failures included; the test here checks that the playbook's assertions ran and passed, and asserts what
only the outside can see (the emulator's request log, the JUnit file, the console output, the exit code).
"""

import json
import re
import socket
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.emulator import presets
from tests.integration.runner import PLAYBOOKS, REPO, ansible_env, run_playbook

pytestmark = pytest.mark.integration

GATE = PLAYBOOKS / "backend_gate"
# What the gate's diagnosis (on by default) says of the loopback backends these tests stand up: the emulator reaches
# them, a real gateway would not (tests/integration/test_diagnosis.py shows each cause on a modelled network).
LOOPBACK = "127.0.0.1 is a loopback address: from the gateway it names the gateway itself"
FIX = "give the backend's address in the VPC (or a name APIG resolves) instead of 127.0.0.1"
TWO_DOWN_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"
UNKNOWN_ID = "ffffffffffffffffffffffffffffffff"


class GateEnv:
    """The emulator, the backends and the extra vars the playbooks take."""

    def __init__(self, emulator, addr):
        self.emulator = emulator
        self.addr = addr
        self.auth = {
            "endpoint": emulator.url,
            "project_id": presets.PROJECT_ID,
            "auth_token": presets.TOKEN_VALID,
            "timeout": 10,
            "retries": 0,
        }

    def extra_vars(self, **more):
        env = {
            "auth": self.auth,
            "instance_id": presets.INSTANCE_ID,
            "unknown_id": UNKNOWN_ID,
            "channel": {"all_up": presets.CHANNEL_ID, "two_down": TWO_DOWN_CHANNEL_ID},
            "addr": self.addr,
            "emulator_url": self.emulator.url,
            "iam_url": self.emulator.url + "/v3",
            "user": {
                "region": presets.PROJECT_NAME,
                "name": presets.USER_NAME,
                "password": presets.USER_PASSWORD,
                "domain": presets.USER_DOMAIN,
            },
        }
        env.update(more)
        return {"gate_env": env}

    def checks_made(self):
        return [entry for entry in self.emulator.requests if entry["path"].endswith("/backend/connectivity/check")]

    def sign_ins(self):
        return [entry for entry in self.emulator.requests if entry["path"] == "/v3/auth/tokens"]


def discovery_catalog(up2, down):
    """What the instance publishes, for backend_gate_discover: group orders in RELEASE - get-order through the
    all-up channel with a gray policy to a down backend, list-orders at #ORDERS_HOST# (up2), refunds at a variable
    with no value there - group shop (cart, at up2, as list-orders) and group mocks (a MOCK API only)."""
    return {
        "groups": [{"name": "orders"}, {"name": "shop"}, {"name": "mocks"}],
        "variables": [{"group": "orders", "environment": "RELEASE", "name": "ORDERS_HOST", "value": up2.address}],
        "apis": [
            {
                "name": "get-order",
                "group": "orders",
                "backend": {"vpc_channel": presets.CHANNEL_ID},
                "policies": [{"name": "gray", "backend": {"url_domain": down.address}}],
                "published": {"RELEASE": {}},
            },
            {
                "name": "list-orders",
                "group": "orders",
                "backend": {"url_domain": "#ORDERS_HOST#"},
                "published": {"RELEASE": {}},
            },
            {
                "name": "refunds",
                "group": "orders",
                "backend": {"url_domain": "#REFUNDS_HOST#"},
                "published": {"RELEASE": {}},
            },
            {"name": "cart", "group": "shop", "backend": {"url_domain": up2.address}, "published": {"RELEASE": {}}},
            {"name": "mock-only", "group": "mocks", "backend_type": "MOCK", "published": {"RELEASE": {}}},
        ],
    }


@pytest.fixture
def gate_env(emulator_factory, backend_servers):
    """Up: two listeners and an HTTP server answering 503; down: a refused port and a SYN-dropping one; blocked: up
    but refused by the gateway (a security group without 100.125.0.0/16); a channel all up and one with two dead."""
    up, up2 = backend_servers.open(), backend_servers.open()
    http503 = backend_servers.open(http=True, status=503, body=b"maintenance")
    blocked = backend_servers.open()
    down, slow = backend_servers.closed(), backend_servers.blackhole()
    config = presets.default_config(
        members=[{"host": "127.0.0.1", "port": server.port} for server in (up, up2)],
        channels=[
            {
                "id": TWO_DOWN_CHANNEL_ID,
                "name": "payments",
                "members": [{"host": "127.0.0.1", "port": server.port} for server in (up, down, slow)],
            }
        ],
        blocked_from_gateway=[blocked.address],
        catalog=discovery_catalog(up2, down),
    )
    emulator = emulator_factory(config)
    addr = {
        "up": up.address,
        "up2": up2.address,
        "http503": http503.address,
        "blocked": blocked.address,
        "down": down.address,
        "slow": slow.address,
    }
    return GateEnv(emulator, addr)


def run_gate(playbook, tmp_path, extra_vars, env=None, args=()):
    """Run one tests_*.yml playbook; return the run and the outcome of each case it recorded."""
    run = run_playbook(GATE / playbook, tmp_path, extra_vars, env=env, args=args)
    (tmp_path / "ansible-output.txt").write_text(run.output)  # the whole log, for a person debugging a failure
    assert "Traceback" not in run.output, run
    assert "MODULE FAILURE" not in run.output, run
    return run, run.result


def assert_playbook_passed(run, cases, expected_cases):
    """Every case ran and every assertion in the playbook held (a failed assert would stop the play, rc 2)."""
    assert run.rc == 0, run
    assert "failed=0" in run.stdout, run
    assert sorted(cases) == sorted(expected_cases), run


# ---- backend_gate_checks --------------------------------------------------------------------------------------------


def test_checks_all_up_passes_and_one_down_fails_naming_check_and_backend(gate_env, tmp_path):
    run, cases = run_gate("tests_checks.yml", tmp_path, gate_env.extra_vars())
    assert_playbook_passed(run, cases, ["all_up", "one_down"])
    row = cases["one_down"]["result"]["lines"][3]
    assert row.split()[:3] == ["billing", "FAILED", gate_env.addr["down"]] and row.endswith("  " + LOOPBACK)
    # one module task per gate: 2 checks, then 3 checks, all in one run each (one sign-in: the token given)
    assert len(gate_env.checks_made()) == 5
    assert "backend gate passed: 2 of 2 checks made" in run.stdout


def test_checks_with_credentials_from_the_environment(gate_env, tmp_path):
    env = {
        "HW_APIG_ENDPOINT": gate_env.emulator.url,
        "HW_PROJECT_ID": presets.PROJECT_ID,
        "HW_ACCESS_KEY": presets.AK,
        "HW_SECRET_KEY": presets.SK,
    }
    extra = gate_env.extra_vars()
    extra["gate_env"]["auth"] = {"retries": 0}
    run, cases = run_gate("tests_checks.yml", tmp_path, extra, env=env)
    assert_playbook_passed(run, cases, ["all_up", "one_down"])
    assert {entry["auth_mode"] for entry in gate_env.checks_made()} == {"aksk"}
    assert presets.SK not in run.output


def test_invalid_checks_are_named_and_the_valid_ones_still_made(gate_env, tmp_path):
    report = tmp_path / "invalid.xml"
    run, cases = run_gate("tests_invalid_checks.yml", tmp_path, gate_env.extra_vars(junit_invalid=str(report)))
    assert_playbook_passed(run, cases, ["invalid_fail", "invalid_warn"])
    made = gate_env.checks_made()
    assert len(made) == 2 and all(gate_env.addr["up"] in entry["body"] for entry in made), "the valid check, each time"
    table = [line.split()[:3] for line in run.stdout.splitlines()]
    assert ["billing", "ERROR", "backend_address"] in table and ["payments", "ERROR", "vpc_channel_id"] in table
    assert "[WARNING]: backend gate: 2 of 3 checks could not be made" in run.output
    _suites, suite, testcases = parse_junit(report)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "0", "2")
    assert testcases["billing"].find("error").text == "option: checks[1].backend_address"
    billing = testcases["billing"].find("error").get("message")
    assert billing == "backend_address '127.0.0.1:99999': port 99999 is outside 1-65535"
    assert testcases["payments"].find("error").text == "option: checks[2].vpc_channel_id"
    assert "None" not in report.read_text()


# ---- backend_gate_auth ----------------------------------------------------------------------------------------------


def test_auth_from_role_variable_module_defaults_or_both(gate_env, tmp_path):
    wrong = "wrong-Password-7311"
    extra = gate_env.extra_vars(expired_token=presets.TOKEN_EXPIRED, wrong_password=wrong)
    run, cases = run_gate("tests_auth.yml", tmp_path, extra, args=["-v"])
    assert_playbook_passed(
        run, cases, ["password_in_auth", "module_defaults_only", "auth_overrides_defaults", "wrong_password"]
    )
    # one token per gate run with password sign-in: one for the good password, one refused attempt for the bad one
    assert len(gate_env.sign_ins()) == 2
    assert [entry["status"] for entry in gate_env.sign_ins()] == [201, 401]
    for secret in (presets.USER_PASSWORD, wrong, presets.TOKEN_VALID):
        assert secret not in run.output, "a secret reached the console"


# ---- backend_gate_probe / backend_gate_local_probe ------------------------------------------------------------------


def test_probe_remote_local_both_and_local_probe_options(gate_env, tmp_path):
    run, cases = run_gate("tests_probe.yml", tmp_path, gate_env.extra_vars())
    assert_playbook_passed(run, cases, ["remote", "local", "both", "per_check_probe", "local_http_probe"])
    assert len(gate_env.checks_made()) == 2, "only the remote and both cases ask the gateway"


# ---- backend_gate_max_failures -----------------------------------------------------------------------------------


def test_max_failures_counts_every_unreachable_backend(gate_env, tmp_path):
    run, cases = run_gate("tests_max_failures.yml", tmp_path, gate_env.extra_vars())
    assert_playbook_passed(run, cases, ["default_zero", "one_tolerated", "two_tolerated", "errors_not_tolerated"])
    assert not cases["two_tolerated"]["failed"] and cases["one_tolerated"]["failed"]


# ---- backend_gate_wait_timeout / backend_gate_wait_interval -------------------------------------------------------


class LateBackend:
    """A port that refuses connections (bound, not listening) until ``delay`` seconds after the emulator was first
    asked to check it, then accepts: the first attempt always fails, however slowly ansible-playbook starts."""

    def __init__(self, emulator, delay):
        self.emulator = emulator
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._come_up_late, daemon=True)
        self.thread.start()

    def _come_up_late(self):
        while not self.stop.wait(0.05):
            if any(self.address in entry["body"] for entry in self.emulator.requests):
                if not self.stop.wait(self.delay):
                    self.sock.listen(64)
                return

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def test_wait_timeout_and_interval(gate_env, tmp_path):
    late = LateBackend(gate_env.emulator, delay=2.0)
    try:
        extra = gate_env.extra_vars()
        extra["gate_env"]["addr"] = dict(gate_env.addr, late=late.address)
        run, cases = run_gate("tests_wait.yml", tmp_path, extra)
    finally:
        late.close()
    assert_playbook_passed(run, cases, ["late_backend", "gives_up", "interval_longer_than_wait"])
    late_checks = [entry for entry in gate_env.checks_made() if late.address in entry["body"]]
    assert len(late_checks) >= 2


# ---- backend_gate_on_error ----------------------------------------------------------------------------------------


def test_on_error_fail_warn_and_api_unreachable(gate_env, tmp_path):
    extra = gate_env.extra_vars(dead_endpoint="http://" + gate_env.addr["down"])
    run, cases = run_gate("tests_on_error.yml", tmp_path, extra)
    assert_playbook_passed(
        run,
        cases,
        [
            "fail_by_default",
            "warn",
            "warn_and_unreachable",
            "warn_nothing_made",
            "api_unreachable",
            "api_unreachable_warn",
            "api_unreachable_warn_nothing_made",
        ],
    )
    # Real Ansible warnings (not debug output): warn, warn_and_unreachable, api_unreachable_warn (none when nothing was
    # made).
    warnings = [line for line in run.output.splitlines() if line.startswith("[WARNING]: backend gate:")]
    assert len(warnings) == 3, run
    assert "elsewhere: APIG refused the request" in warnings[0]
    assert "web-from-gateway: could not get an answer from APIG" in warnings[2]
    assert "WARNING: backend gate" not in run.stdout, "a warning printed as task output"


# ---- backend_gate_junit_path --------------------------------------------------------------------------------------


def parse_junit(path):
    suites = ET.parse(str(path)).getroot()
    assert suites.tag == "testsuites"
    suite = suites.find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    return suites, suite, cases


def test_junit_report_and_check_mode(gate_env, tmp_path):
    """In check mode (the gate is read-only, so it really checks; the report is written all the same)."""
    failed_xml, passed_xml = tmp_path / "junit-failed.xml", tmp_path / "reports" / "ci" / "junit-passed.xml"
    junit_dir, a_file = tmp_path / "reports-dir", tmp_path / "a-file"
    junit_dir.mkdir()
    a_file.write_text("not a directory")
    extra = gate_env.extra_vars(
        junit_failed=str(failed_xml),
        junit_passed=str(passed_xml),
        junit_dir=str(junit_dir),
        junit_unwritable=str(a_file / "report.xml"),
    )
    run, cases = run_gate("tests_junit.yml", tmp_path, extra, args=["--check"])
    assert_playbook_passed(run, cases, ["failing", "passing", "into_directory", "unwritable"])
    assert len(gate_env.checks_made()) == 7, "check mode made every check for real"

    # A directory gets backend-gate.xml in it: a path that is a directory must not fail a passing gate.
    _suites, suite, testcases = parse_junit(junit_dir / "backend-gate.xml")
    assert list(testcases) == ["web"] and suite.get("failures") == "0"
    # An unwritable path: the verdict is shown first, then the play fails naming backend_gate_junit_path.
    lines = run.stdout.splitlines()
    unwritable = next(
        i for i, line in enumerate(lines) if line.startswith("PLAY [A report path that cannot be written]")
    )
    verdict = lines.index(
        "backend gate passed: 1 of 1 checks made, 0 unreachable backends (max_failures 0)", unwritable
    )
    failure = next(i for i, line in enumerate(lines) if i > unwritable and "backend_gate_junit_path=" in line)
    assert verdict < failure, run
    assert "Not a directory" in cases["unwritable"]["msg"], cases["unwritable"]
    assert "can not use content with a dir" not in run.output

    suites, suite, testcases = parse_junit(failed_xml)
    for element in (suites, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == ("4", "2", "1")
    odd_name = "web <main> & \"edge\" 'one'"
    assert sorted(testcases) == sorted([odd_name, "billing", "payments", "elsewhere"])
    assert list(testcases[odd_name]) == [testcases[odd_name].find("system-out")]  # a pass: no failure, no error
    billing = testcases["billing"].find("failure")
    assert billing.get("message") == "unreachable: %s" % gate_env.addr["down"]
    # Each failing backend on a line, and under it why and the fix (the role diagnoses by default).
    assert billing.text.splitlines() == [
        "unreachable: %s" % gate_env.addr["down"],
        "  why: " + LOOPBACK,
        "  fix: " + FIX,
    ]
    payments = [line for line in testcases["payments"].find("failure").text.splitlines() if line.startswith("unr")]
    assert payments == ["unreachable: %s" % gate_env.addr["down"], "unreachable: %s" % gate_env.addr["slow"]]
    error = testcases["elsewhere"].find("error")
    assert error.get("type") == "APIG.3030" and "APIG.3030" in error.get("message")
    assert "request_id: " in error.text
    props = {prop.get("name"): prop.get("value") for prop in suite.find("properties")}
    assert props["passed"] == "false" and props["unreachable"] == "2", "the down backend of two checks counts once"

    suites, suite, testcases = parse_junit(passed_xml)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    assert list(testcases) == ["web"]


def unstamped(report):
    """A report without what differs between two runs that found the same: when, and which run."""
    report = re.sub('timestamp="[^"]*"', "", report)
    return re.sub('(name="(?:run_id|playbook_run)" value=)"[^"]*"', r'\1""', report)


def report_task_output(run):
    """The lines the task "Write the JUnit report" printed."""
    lines = run.stdout.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith("TASK [hwcloud.apig.backend_gate : Write the JUnit")
    )
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(("TASK [", "PLAY RECAP")))
    return lines[start + 1 : end]


def test_report_rewritten_unchanged_and_diff_readable(gate_env, tmp_path):
    report = tmp_path / "reports" / "backend-gate.xml"
    extra = gate_env.extra_vars(junit_rerun=str(report))
    first, _cases = run_gate("tests_junit_rerun.yml", tmp_path, extra, args=["--diff"])
    assert first.rc == 0, first
    written = report.read_text()
    shown = report_task_output(first)
    assert "changed: [localhost]" in shown, shown
    # --diff shows the report element by element, one per line, so a reviewer sees which test case changed
    assert "+<testsuites " in "\n".join(shown) and any(line.startswith("+    <testcase ") for line in shown), shown
    assert len(written.splitlines()) > 8 and all(len(line) < 400 for line in written.splitlines())

    # As if the first run had been a while ago: the same report but for its timestamp.
    old = re.sub('timestamp="[^"]*"', 'timestamp="2001-02-03T04:05:06"', written)
    assert old != written
    report.write_text(old)
    second, _cases = run_gate("tests_junit_rerun.yml", tmp_path, extra, args=["--diff"])
    assert second.rc == 0, second
    shown = report_task_output(second)
    assert shown == ["ok: [localhost]", ""], shown
    rewritten = report.read_text()
    assert "2001-02-03T04:05:06" not in rewritten, "the report is rewritten (fresh for CI), only its timestamp differs"
    assert unstamped(rewritten) == unstamped(written)
    assert 'name="run_id"' in rewritten and 'name="playbook_run"' in rewritten


# ---- many hosts ----------------------------------------------------------------------------------------------------


def test_many_hosts_ask_the_gateway_once_and_probe_from_each_host(emulator_factory, backend_servers, tmp_path):
    hosts = ["gate%02d" % number for number in range(20)]
    remote_only, local_only, both, special, discovered = (backend_servers.open() for _dummy in range(5))
    down = backend_servers.closed()
    catalog = {
        "groups": [{"name": "shop"}],
        "apis": [
            {
                "name": "cart",
                "group": "shop",
                "backend": {"url_domain": discovered.address},
                "published": {"RELEASE": {}},
            }
        ],
    }
    emulator = emulator_factory(presets.default_config(catalog=catalog))
    env = GateEnv(emulator, {})
    junit_dir = tmp_path / "reports"
    junit_dir.mkdir()
    extra = env.extra_vars(
        addr={
            name: server.address
            for name, server in zip(
                ("remote_only", "local_only", "both", "special", "down", "discovered"),
                (remote_only, local_only, both, special, down, discovered),
            )
        },
        junit_dir=str(junit_dir),
    )
    inventory = tmp_path / "hosts.ini"
    lines = ["[gate_hosts]", *hosts, "", "[gate_hosts:vars]", "ansible_connection=local"]
    lines[1 + 7] += " local_down=true"  # gate07: its own probe fails, and only its gate
    lines[1 + 13] += " special=true"  # gate13: one more remote check, so a question of its own
    inventory.write_text("\n".join(lines) + "\n")
    run, results = run_gate("tests_many_hosts.yml", tmp_path, extra, args=["-i", str(inventory), "-f", "10"])
    assert run.rc == 0, run
    assert sorted(results) == hosts, run
    outcome = {host: results[host]["many_hosts"] for host in hosts}
    assert [host for host in hosts if outcome[host]["failed"]] == ["gate07"]
    assert outcome["gate07"]["result"]["checks"][1]["check_result"] == "FAILED"
    assert [check["name"] for check in outcome["gate13"]["result"]["checks"]][-2:] == ["special", "cart"]

    # Discovery was asked once for the play: one listing of the groups, one of the APIs, not 20 of each.
    discovery = [
        entry["path"] for entry in emulator.requests if "/api-groups" in entry["path"] or "/apis" in entry["path"]
    ]
    assert sum(path.endswith("/api-groups") for path in discovery) == 1, discovery
    assert sum(path.endswith("/apis") for path in discovery) == 1, discovery
    # The gateway was asked once for the 19 hosts with the same question (gateway-only, both-ways, cart), and once
    # more for gate13's own (gateway-only, both-ways, special, cart): 7 checks, not 3 x 20.
    made = env.checks_made()
    assert len(made) == 7, made
    assert sum(remote_only.address in entry["body"] for entry in made) == 2
    assert sum(special.address in entry["body"] for entry in made) == 1
    assert discovered.accepted == 2, "the discovered backend asked of the gateway twice (probe remote)"
    # The backends count who connected: the gateway (the emulator connects for real) and each host's probes.
    assert remote_only.accepted == 2, "asked of the gateway only, twice"
    assert local_only.accepted == 19, "probed from each host but gate07"
    assert both.accepted == 2 + 20, "asked of the gateway twice, probed from every host"
    assert special.accepted == 1
    assert run.stdout.count("TASK [hwcloud.apig.backend_gate : Ask the gateway, once for every host with the same") == 1
    assert "ok: [gate00] => (item=gateway-only, both-ways, cart)" in run.stdout

    # One JUnit file for the play, one test suite per host.
    suites = ET.parse(str(junit_dir / "backend-gate.xml")).getroot()
    assert [suite.get("hostname") for suite in suites.findall("testsuite")] == hosts
    assert (suites.get("tests"), suites.get("failures")) == (str(20 * 4 + 1), "1")


# ---- the play stops --------------------------------------------------------------------------------------------------


def assert_table_once_and_readable(output, addr):
    """The verdict's table is printed once, one row per line, before the one-line failure; never escaped in JSON."""
    rows = [line.split() for line in output.splitlines()]
    assert rows.count(["CHECK", "RESULT", "UNREACHABLE", "/", "ERROR", "WHY"]) == 1, output
    assert rows.count(["billing", "FAILED", addr["down"], *LOOPBACK.split()]) == 1, output
    assert rows.count(["web", "SUCCESS", "-"]) == 1, output
    assert "\\nCHECK" not in output and "\\nbilling" not in output, "the table escaped inside JSON"
    one_line = (
        "backend gate FAILED: 2 of 2 checks made, 1 unreachable backend (max_failures 0); not passing: billing (FAILED)"
    )
    fatal = [line for line in output.splitlines() if line.startswith("fatal: [localhost]: FAILED!")]
    assert len(fatal) == 1 and json.loads(fatal[0].split(" => ", 1)[1])["msg"] == one_line, fatal
    assert rows.index(["CHECK", "RESULT", "UNREACHABLE", "/", "ERROR", "WHY"]) < output.splitlines().index(fatal[0])


def test_failing_gate_stops_the_play_with_a_readable_table(gate_env, tmp_path):
    marker = tmp_path / "deployed"
    run, _cases = run_gate("tests_stops_play.yml", tmp_path, gate_env.extra_vars(marker=str(marker)))
    assert run.rc == 2, run
    assert not marker.exists(), "the task after the failing gate ran"
    assert "failed=1" in run.stdout
    assert_table_once_and_readable(run.stdout, gate_env.addr)


JSON_STDOUT = """
import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "json"

    def __init__(self):
        super().__init__()
        self.failed = []

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.failed.append(result._result.get("msg"))

    def v2_playbook_on_stats(self, stats):
        self._display.display(json.dumps({"failed": self.failed}))
"""


def test_a_json_stdout_callback_gets_no_extra_lines(gate_env, tmp_path):
    """With a machine-readable stdout (a callback named json, as ansible.posix.json), the table is not printed."""
    callbacks = tmp_path / "callbacks"
    callbacks.mkdir()
    (callbacks / "json.py").write_text(JSON_STDOUT)
    env = {"ANSIBLE_CALLBACK_PLUGINS": str(callbacks), "ANSIBLE_STDOUT_CALLBACK": "json"}
    run = run_playbook(
        GATE / "tests_stops_play.yml", tmp_path, gate_env.extra_vars(marker=str(tmp_path / "x")), env=env
    )
    assert run.rc == 2, run
    assert json.loads(run.stdout) == {
        "failed": [
            "backend gate FAILED: 2 of 2 checks made, 1 unreachable backend (max_failures 0); not passing: billing (FAILED)"
        ]
    }, run


PLUGIN_ERRORS = """---
- name: The gate's plugins given what no module returns
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A verdict of a run whose failures are not a list
      hwcloud.apig.backend_gate_verdict:
        checks: [{name: x, instance_id: eddc4d25480b4cd6b512f270a1b8b341, backend_type: backend_address,
                  backend_address: "127.0.0.1:1"}]
        run: {checks: [{name: x, instance_id: eddc4d25480b4cd6b512f270a1b8b341, backend_type: backend_address,
                        backend_address: "127.0.0.1:1", probe: remote, check_result: FAILED, failures: 5}]}
      register: verdict
      ignore_errors: true

    - name: A report of a verdict whose checks are not a list
      hwcloud.apig.backend_gate_report:
        results: [{host: localhost, junit_path: "{{ playbook_dir }}/r.xml", decided: true, checks: 5}]
      register: report
      ignore_errors: true

    - name: Save
      ansible.builtin.copy:
        content: "{{ {'verdict': verdict, 'report': report} | to_json }}"
        dest: "{{ result_path }}"
        mode: "0600"
"""


def test_the_plugins_fail_cleanly_on_what_no_module_returns(tmp_path):
    playbook = tmp_path / "plugin_errors.yml"
    playbook.write_text(PLUGIN_ERRORS)
    run = run_playbook(playbook, tmp_path)
    assert run.rc == 0 and "Traceback" not in run.output, run
    # A malformed record is no answer: the check was not made, and the gate fails closed.
    verdict = run.result["verdict"]["verdict"]
    assert not run.result["verdict"]["failed"] and not verdict["passed"], run
    assert verdict["checks"][0]["check_result"] == "ERROR"
    assert verdict["checks"][0]["msg"].endswith("no answer: its failures are not a list of host:port strings")
    report = run.result["report"]
    assert report["failed"] and report["msg"].startswith("hwcloud.apig.backend_gate_report: unexpected "), run
    assert "exception" in report, "the traceback is kept (shown with ANSIBLE_DISPLAY_TRACEBACK=error)"


REPORT_PATHS = """---
- name: Verdicts whose report paths are spelled differently, written by backend_gate_report
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A verdict
      hwcloud.apig.backend_gate_verdict:
        checks: [{name: x, instance_id: eddc4d25480b4cd6b512f270a1b8b341, backend_type: backend_address,
                  backend_address: "127.0.0.1:1"}]
        run: {checks: [{name: x, check_result: SUCCESS, failures: []}]}
        run_id: this-run
      register: gate

    - name: One report for three hosts whose paths name the same file (relative to the playbook's directory, or ~)
      hwcloud.apig.backend_gate_report:
        results:
          - "{{ gate.verdict | combine({'host': 'one', 'junit_path': '../reports/../out.xml'}) }}"
          - "{{ gate.verdict | combine({'host': 'two', 'junit_path': './../out.xml'}) }}"
          - "{{ gate.verdict | combine({'host': 'three', 'junit_path': '~/out.xml'}) }}"
          - "{{ gate.verdict | combine({'host': 'stale', 'junit_path': '../out.xml', 'run_id': 'an-earlier-run'}) }}"
        run_id: this-run
      register: report

    - name: Save
      ansible.builtin.copy:
        content: "{{ report | to_json }}"
        dest: "{{ result_path }}"
        mode: "0600"
"""


def test_the_report_resolves_relative_paths_as_the_verdict_does(tmp_path):
    """A path given to backend_gate_report is taken from the playbook's directory, ~ expanded, and normalised, as
    the verdict's junit_path is: three spellings of one file are one report with every host, not one report written
    over another; a verdict of another run (run_id) is left out. HOME is the test's own directory."""
    plays = tmp_path / "plays"
    plays.mkdir()
    playbook = plays / "report_paths.yml"
    playbook.write_text(REPORT_PATHS)
    run = run_playbook(playbook, tmp_path, env={"HOME": str(tmp_path)})
    assert run.rc == 0, run
    report = tmp_path / "out.xml"
    assert run.result["reports"] == [{"path": str(report), "hosts": ["one", "two", "three"], "changed": True}], run
    assert not (tmp_path / "reports").exists()
    suites = ET.parse(str(report)).getroot()
    assert [suite.get("hostname") for suite in suites.findall("testsuite")] == ["one", "two", "three"]


# The oldest and the newest ansible-core this collection supports, from the venvs of `make sanity-oldest` and
# `make sanity-newest` (.ci/quality/sanity.sh): the same pins, made here if they are not there yet.
OTHER_CORES = {"2.16": "3.11", "2.21": "3.12"}


def core_bin(release):
    script = (
        'source .ci/quality/lib.sh && quality_venv sanity-%s requirements-quality-sanity-%s.txt "$(find_python %s)"'
    )
    done = subprocess.run(
        ["bash", "-c", script % (release, release, OTHER_CORES[release])],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, "no ansible-core %s to run with: %s" % (release, done.stderr[-2000:])
    return Path(done.stdout.strip().splitlines()[-1]) / "bin"


@pytest.mark.parametrize("release", sorted(OTHER_CORES))
def test_failing_gate_reads_the_same_on_the_oldest_and_newest_core(gate_env, tmp_path, release):
    bin_dir = core_bin(release)
    vars_file = tmp_path / "extra_vars.json"
    vars_file.write_text(json.dumps(gate_env.extra_vars(marker=str(tmp_path / "deployed"))))
    command = [str(bin_dir / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "@%s" % vars_file]
    done = subprocess.run(
        [*command, str(GATE / "tests_stops_play.yml")],
        env=ansible_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(tmp_path),
        check=False,
    )
    (tmp_path / "ansible-output.txt").write_text(done.stdout + done.stderr)
    version = subprocess.run([str(bin_dir / "ansible"), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("ansible [core %s." % release), version.stdout
    assert done.returncode == 2, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "deployed").exists()
    assert_table_once_and_readable(done.stdout, gate_env.addr)


# ---- backend_gate_discover ---------------------------------------------------------------------------------------


def test_discovered_backends_are_gated_and_discovery_is_asked_once(gate_env, tmp_path):
    run, cases = run_gate("tests_discover.yml", tmp_path, gate_env.extra_vars())
    assert_playbook_passed(
        run, cases, ["discovered_down", "beside_checks_warn", "probe_both", "missing_group", "nothing_found"]
    )
    asked = [json.loads(entry["body"] or "{}") for entry in gate_env.checks_made()]
    # discovered_down: the channel, the policy's address and list-orders' (refunds cannot be checked: not asked);
    # beside_checks_warn: cart-by-hand only (it covers cart and list-orders); probe_both: cart; missing_group: web
    # (the discovery that could not be made is an error, the other check is still made); nothing_found: no check at
    # all. The checks of one run are concurrent: compared in order of their target.
    targets = sorted(body.get("backend_address") or body.get("vpc_channel_id") for body in asked)
    up, up2, down = gate_env.addr["up"], gate_env.addr["up2"], gate_env.addr["down"]
    assert targets == sorted([presets.CHANNEL_ID, down, up2, up2, up2, up]), asked
    listings = [entry for entry in gate_env.emulator.requests if entry["path"].endswith("/api-groups")]
    assert len(listings) == 6, "each discovery lists the groups once (two in beside_checks_warn)"
    table = [line.split() for line in run.stdout.splitlines()]
    assert (
        "refunds ERROR backend '#REFUNDS_HOST#': variable #REFUNDS_HOST# has no value in environment RELEASE".split()
        in table
    )


def shop_catalog(cart):
    """Group shop with one API, cart, published to RELEASE at ``cart`` (a backend's address)."""
    return {
        "groups": [{"name": "shop"}],
        "apis": [{"name": "cart", "group": "shop", "backend": {"url_domain": cart}, "published": {"RELEASE": {}}}],
    }


def test_a_host_that_discovers_something_else_is_gated_on_its_own_checks_only(
    emulator_factory, backend_servers, tmp_path
):
    """The first host's discovery is shared only with the hosts that ask the same: not with a host that discovers
    nothing (gate_b: its own check only), nor with one that asks another gateway the same (gate_c)."""
    own, cart_here, cart_there = (backend_servers.open() for _dummy in range(3))
    here = emulator_factory(presets.default_config(catalog=shop_catalog(cart_here.address)))
    there = emulator_factory(presets.default_config(catalog=shop_catalog(cart_there.address)))
    env = GateEnv(here, {"own": own.address})
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[gate_hosts]\ngate_a\ngate_b\ngate_c\n\n[gate_hosts:vars]\nansible_connection=local\n")
    extra = env.extra_vars(other_endpoint=there.url)
    run, results = run_gate("tests_discover_hosts.yml", tmp_path, extra, args=["-i", str(inventory)])
    assert run.rc == 0, run
    outcome = {host: results[host]["discover_hosts"] for host in ("gate_a", "gate_b", "gate_c")}
    assert [host for host, case in outcome.items() if case["failed"]] == [], outcome
    gated_on = {
        host: [(check["name"], check["backend_address"]) for check in case["result"]["checks"]]
        for host, case in outcome.items()
    }
    assert gated_on == {
        "gate_a": [("cart", cart_here.address)],
        "gate_b": [("own", own.address)],
        "gate_c": [("cart", cart_there.address)],
    }, gated_on
    assert "discovered" not in outcome["gate_b"]["result"], "gate_b discovers nothing"
    # Each gateway was asked for what it routes to once, by the host that asks it: gate_a here, gate_c there.
    for emulator in (here, there):
        listings = [entry for entry in emulator.requests if entry["path"].endswith("/api-groups")]
        assert len(listings) == 1, emulator.requests
    # And each gateway checked the backends of the hosts that asked it.
    asked_here = sorted(json.loads(entry["body"])["backend_address"] for entry in env.checks_made())
    assert asked_here == sorted([cart_here.address, own.address])
    asked_there = [
        json.loads(entry["body"])["backend_address"]
        for entry in there.requests
        if entry["path"].endswith("/backend/connectivity/check")
    ]
    assert asked_there == [cart_there.address]


# ---- meta/argument_specs.yml ------------------------------------------------------------------------------------------


def test_bad_variables_fail_before_any_request(gate_env, tmp_path):
    run, cases = run_gate("tests_argument_specs.yml", tmp_path, gate_env.extra_vars())
    assert run.rc == 0, run
    assert all(case["failed"] and not case["deployed"] for case in cases.values()), cases
    assert gate_env.emulator.requests == [], "bad variables must not send a request"
    assert "hunter2-Secret" not in run.output
    # Whatever stops the gate before its decision is kept as its verdict (stopped), reported, then failed on in the
    # one last task - never a pass, never a stale report.
    by_task = {name: case["failed_task"] for name, case in cases.items()}
    assert all(
        task == "Refuse to go on when backends are unreachable"
        or task.startswith("Validating arguments against arg spec 'main'")
        for task in by_task.values()
    ), by_task
    stopped = "backend gate FAILED: stopped before its decision: "
    # Repeated names are refused before any request, naming the name (a check without one goes by its address).
    assert cases["duplicate_names"]["msg"] == (
        stopped + "the names in backend_gate_checks must be unique (a check without a name goes by"
        " its backend_address or vpc_channel_id); repeated: web"
    )
    assert cases["duplicate_names"]["result"]["stopped"].endswith("repeated: web")
    assert cases["duplicate_default_names"]["msg"].endswith("repeated: " + gate_env.addr["up"])
    # What to discover is validated as api_backend_info's options, before any request, naming the entry.
    assert cases["discover_unknown_key"]["msg"].startswith(
        stopped + "Unsupported parameters in backend_gate_discover: enviroment. Supported parameters include: "
    )
    assert cases["discover_unknown_key"]["msg"].endswith("backend_gate_discover.enviroment: did you mean environment?")
    assert cases["discover_uppercase_id"]["msg"].startswith(
        stopped + "backend_gate_discover[1].instance_id '%s' has uppercase letters" % presets.INSTANCE_ID.upper()
    )
    assert cases["discover_not_a_dict"]["msg"] == (
        stopped + "backend_gate_discover must be a dictionary (instance_id, and optionally group, environment and "
        "apis) or a list of them, got a string"
    )
    # A negative tolerance is refused on its own, not in a message that also speaks of the checks.
    assert cases["negative_max_failures"]["msg"] == stopped + "backend_gate_max_failures must be 0 or more, got -1"
    # What only a later module would refuse is refused before the discovery, naming the role's variable, each alone.
    assert cases["wait_timeout_before_discovery"]["msg"] == (
        stopped + "backend_gate_wait_timeout must be from 0 to 3600 seconds, got 5000"
    )
    assert cases["probe_and_auth_before_discovery"]["msg"] == stopped + (
        "backend_gate_auth.timeout must be more than 0 and at most 600 seconds, got 700; "
        "backend_gate_local_probe.timeout must be more than 0 seconds, got -1"
    )
    assert cases["no_checks"]["msg"] == stopped + (
        "backend_gate_checks must list at least one check, or backend_gate_discover say what to discover"
    )
    refused = cases["check_not_made_by_module"]["result"]["checks"][0]
    assert refused["name"] == "x" and refused["option"] == "checks[0].backend_address", refused
    assert cases["check_not_made_by_module"]["msg"].endswith("not passing: x (ERROR)")
