"""Real ansible-playbook runs of the hwcloud.apig.backend_gate role against the emulator and loopback backends.

Each role variable has its own playbook (tests/integration/playbooks/backend_gate/tests_*.yml, in the style of
linux-system-roles): the playbook runs the role once per case inside block/rescue and asserts the outcome itself,
expected failures included; the test here checks that the playbook's assertions ran and passed, and asserts what
only the outside can see (the emulator's request log, the JUnit file, the console output, the exit code).
"""

import json
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


class GateEnv(object):
    """The emulator, the backends and the extra vars the playbooks take."""

    def __init__(self, emulator, addr):
        self.emulator = emulator
        self.addr = addr
        self.auth = {"endpoint": emulator.url, "project_id": presets.PROJECT_ID, "auth_token": presets.TOKEN_VALID,
                     "timeout": 10, "retries": 0}

    def extra_vars(self, **more):
        env = {"auth": self.auth, "instance_id": presets.INSTANCE_ID, "unknown_id": UNKNOWN_ID,
               "channel": {"all_up": presets.CHANNEL_ID, "two_down": TWO_DOWN_CHANNEL_ID}, "addr": self.addr,
               "emulator_url": self.emulator.url, "iam_url": self.emulator.url + "/v3",
               "user": {"region": presets.PROJECT_NAME, "name": presets.USER_NAME, "password": presets.USER_PASSWORD,
                        "domain": presets.USER_DOMAIN}}
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
        channels=[{"id": TWO_DOWN_CHANNEL_ID, "name": "payments",
                   "members": [{"host": "127.0.0.1", "port": server.port} for server in (up, down, slow)]}],
        blocked_from_gateway=[blocked.address])
    emulator = emulator_factory(config)
    addr = {"up": up.address, "up2": up2.address, "http503": http503.address, "blocked": blocked.address,
            "down": down.address, "slow": slow.address}
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


def test_checks_in_check_mode(gate_env, tmp_path):
    run, cases = run_gate("tests_checks.yml", tmp_path, gate_env.extra_vars(), args=["--check"])
    assert_playbook_passed(run, cases, ["all_up", "one_down"])
    assert len(gate_env.checks_made()) == 5, "the check is read-only, so check mode really makes it"
