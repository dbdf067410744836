# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real ansible-playbook runs of the hwcloud.apig.backend_gate role against the emulator and loopback backends.

Each role variable has its own playbook (tests/integration/playbooks/backend_gate/tests_*.yml, in the style of
linux-system-roles): the playbook runs the role once per case inside block/rescue and asserts the outcome itself,
expected failures included; the test here checks that the playbook's assertions ran and passed, and asserts what
only the outside can see (the emulator's request log, the JUnit file, the console output, the exit code).
"""

import socket
import threading
import xml.etree.ElementTree as ET

import pytest

from tests.emulator import presets
from tests.integration.runner import PLAYBOOKS, run_playbook

pytestmark = pytest.mark.integration

GATE = PLAYBOOKS / "backend_gate"
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
    assert cases["one_down"]["msg"].splitlines()[3].split() == ["billing", "FAILED", gate_env.addr["down"]]
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
    assert_playbook_passed(run, cases, ["default_zero", "two_tolerated", "three_tolerated", "errors_not_tolerated"])
    assert not cases["three_tolerated"]["failed"] and cases["two_tolerated"]["failed"]


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
    warnings = [line for line in run.stdout.splitlines() if "WARNING: backend gate:" in line]
    assert len(warnings) == 3, run  # warn, warn_and_unreachable, api_unreachable_warn (none when nothing was made)
    assert "elsewhere: APIG refused the request" in warnings[0]


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
    extra = gate_env.extra_vars(junit_failed=str(failed_xml), junit_passed=str(passed_xml))
    run, cases = run_gate("tests_junit.yml", tmp_path, extra, args=["--check"])
    assert_playbook_passed(run, cases, ["failing", "passing"])
    assert len(gate_env.checks_made()) == 5, "check mode made every check for real"

    suites, suite, testcases = parse_junit(failed_xml)
    for element in (suites, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == ("4", "2", "1")
    odd_name = "web <main> & \"edge\" 'one'"
    assert sorted(testcases) == sorted([odd_name, "billing", "payments", "elsewhere"])
    assert list(testcases[odd_name]) == [testcases[odd_name].find("system-out")]  # a pass: no failure, no error
    billing = testcases["billing"].find("failure")
    assert billing.get("message") == "unreachable: %s" % gate_env.addr["down"]
    assert billing.text.split() == [gate_env.addr["down"]]
    assert testcases["payments"].find("failure").text.split() == [gate_env.addr["down"], gate_env.addr["slow"]]
    error = testcases["elsewhere"].find("error")
    assert error.get("type") == "APIG.3030" and "APIG.3030" in error.get("message")
    assert "request_id: " in error.text
    props = {prop.get("name"): prop.get("value") for prop in suite.find("properties")}
    assert props["passed"] == "false" and props["unreachable"] == "3"

    suites, suite, testcases = parse_junit(passed_xml)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    assert list(testcases) == ["web"]


# ---- the play stops --------------------------------------------------------------------------------------------------


def test_failing_gate_stops_the_play_with_a_readable_table(gate_env, tmp_path):
    marker = tmp_path / "deployed"
    run, _cases = run_gate("tests_stops_play.yml", tmp_path, gate_env.extra_vars(marker=str(marker)))
    assert run.rc == 2, run
    assert not marker.exists(), "the task after the failing gate ran"
    assert "failed=1" in run.stdout
    table = [line.split() for line in run.output.splitlines()]
    assert ["billing", "FAILED", gate_env.addr["down"]] in table
    assert ["web", "SUCCESS", "-"] in table
    assert ["CHECK", "RESULT", "UNREACHABLE", "/", "ERROR"] in table


# ---- meta/argument_specs.yml ------------------------------------------------------------------------------------------


def test_bad_variables_fail_before_any_request(gate_env, tmp_path):
    run, cases = run_gate("tests_argument_specs.yml", tmp_path, gate_env.extra_vars())
    assert run.rc == 0, run
    assert all(case["failed"] and not case["deployed"] for case in cases.values()), cases
    assert gate_env.emulator.requests == [], "bad variables must not send a request"
    assert "hunter2-Secret" not in run.output
    by_task = {name: case["failed_task"] for name, case in cases.items()}
    assert by_task["check_not_made_by_module"] == "Refuse to go on when backends are unreachable", by_task
    assert "backend_address" in cases["check_not_made_by_module"]["msg"]
