# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python -m tests.emulator``: JSON state line, state file, admin health, clean SIGTERM."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest
import requests

from tests.unit.emulator.helpers import TIMEOUT

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EXAMPLE = os.path.join(ROOT, "tests", "emulator", "example-config.yml")


def start(*args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", *list(args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )


@pytest.fixture
def cli():
    processes = []

    def run(*args):
        process = start(*args)
        processes.append(process)
        return process

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_state_line_health_and_sigterm(cli, tmp_path):
    state_file = str(tmp_path / "state.json")
    process = cli("--config", EXAMPLE, "--state-file", state_file, "--tls")
    state = json.loads(process.stdout.readline())
    assert state["pid"] == process.pid and state["url"].startswith("https://127.0.0.1:")
    assert os.path.exists(state["ca_path"])
    assert set(state["backends"]) == {"web", "web2", "down", "slow"}
    assert state["data_url"].startswith("http://127.0.0.1:") and state["data_url"] != state["url"]
    with open(state_file, encoding="utf-8") as handle:
        assert json.load(handle) == state
    health = requests.get(state["url"] + "/_emulator/health", verify=state["ca_path"], timeout=TIMEOUT)
    assert health.json()["status"] == "ok"
    check = requests.post(
        state["url"] + "/v2/0123456789abcdef0123456789abcdef/apigw/instances/eddc4d25480b4cd6b512f270a1b8b341"
        "/backend/connectivity/check",
        json={"backend_type": "vpc_channel", "vpc_channel_id": "3019f57095a94ec885031a16d3156f12"},
        headers={"X-Auth-Token": "tok-valid"},
        verify=state["ca_path"],
        timeout=TIMEOUT,
    )
    assert check.json() == {"check_result": "SUCCESS", "failures": []}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert not os.path.exists(state_file) and not os.path.exists(state["ca_path"])


def test_sigint_and_fixed_port(cli):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    process = cli("--config", EXAMPLE, "--port", str(port))
    state = json.loads(process.stdout.readline())
    assert state["url"] == "http://127.0.0.1:%d" % port and state["ca_path"] is None
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


def test_bad_config_exits_2(cli, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("projects: []\n")
    process = cli("--config", str(bad))
    assert process.wait(timeout=20) == 2
    assert "at least one project" in process.stderr.read()
