# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backend gate and api_verify as AWX ships a job to an execution node: ansible-runner's stream.

``ansible-runner transmit`` packs the private data directory (project, inventory, env/envvars with the HW_*
credentials) into a stream; ``ansible-runner worker`` runs it elsewhere from that stream alone - here in a directory
of its own, with this venv's ansible-core and the collection installed from a tarball, or in the execution
environment image (``--process-isolation`` given to ``transmit``, as AWX's container groups do) - and streams the
events back; ``ansible-runner process`` rebuilds the artifacts from them, as the controller does. Then they are read
as AWX reads them: ``status`` and ``rc``, and the verdict in the job events - the ``runner_on_ok`` event of the
deciding task carries it in ``event_data.res.verdict``, and a failing run's ``runner_on_failed`` event its one line.
For api_verify the bake runs too, through the worker: each of its polls runs a module on the node, and its
progress is in the job's events as it was shown.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.ee.conftest import IMAGE_PYTHON
from tests.ee.gate_project import write_project
from tests.ee.test_runner import (
    DECIDING_TASK,
    REFUSING_TASK,
    RUNNER_ENVIRONMENT_RECORDS,
    events,
    install_collection,
    runner_env,
    secrets_in_artifacts,
    task_events,
)
from tests.emulator import presets
from tests.loopback.listeners import ClosedPort
from tests.verify_world import GROUP, verify_config

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
VERIFY_DECIDING = "Decide whether the release is verified"
VERIFY_REFUSING = "Refuse to go on when the release is not verified"
VERIFY_PLAYBOOK = """---
- name: Verify the release through the gateway, then bake it
  hosts: localhost
  gather_facts: false
  roles:
    - role: hwcloud.apig.api_verify
      vars:
        api_verify_calls: "{{ release_calls }}"
        api_verify_bake_seconds: 1
        api_verify_bake_interval: 1
        api_verify_min_requests: 0
"""
SECRETS = {"HW_ACCESS_KEY": presets.AK, "HW_SECRET_KEY": presets.SK}


@pytest.fixture(scope="module")
def installed_collection(tmp_path_factory):
    """The collection as users install it, from a tarball of the checkout (as test_runner.py installs it)."""
    return install_collection(tmp_path_factory.mktemp("collection"))


@pytest.fixture
def verify_emulator(emulator_factory):
    dead = ClosedPort()
    yield emulator_factory(verify_config(dead.address))
    dead.close()


def write_verify_project(directory, passing, python):
    """project/verify.yml and inventory/hosts.json: get-order, and the dead legacy API when not ``passing``."""
    (directory / "project").mkdir(parents=True, exist_ok=True)
    (directory / "inventory").mkdir(parents=True, exist_ok=True)
    (directory / "project" / "verify.yml").write_text(VERIFY_PLAYBOOK)
    calls = [{"instance_id": presets.INSTANCE_ID, "api": "list-orders", "group": GROUP}]
    if not passing:
        calls.append({"instance_id": presets.INSTANCE_ID, "api": "legacy", "group": GROUP})
    host = {"ansible_connection": "local", "ansible_python_interpreter": python, "release_calls": calls}
    inventory = {"all": {"hosts": {"localhost": host}}}
    (directory / "inventory" / "hosts.json").write_text(json.dumps(inventory, indent=2))


def streamed(tmp_path, playbook, envvars, container_image=None, installed=None):
    """transmit | worker | process; returns (the three processes' exit codes and stderr, the rebuilt artifacts)."""
    private, worker_dir, controller = tmp_path / "private", tmp_path / "worker", tmp_path / "controller"
    worker_dir.mkdir()
    controller.mkdir()
    envvars = dict(envvars)
    if installed is not None:
        envvars["ANSIBLE_COLLECTIONS_PATH"] = str(installed)
    (private / "env").mkdir()
    (private / "env" / "envvars").write_text(json.dumps(envvars))
    ident = "stream-%s" % uuid.uuid4().hex[:12]
    transmit = [str(BIN / "ansible-runner"), "transmit", str(private), "-p", playbook, "--ident", ident]
    if container_image:
        # transmit takes no isolation flags: as AWX's container groups do, the job's own settings say where it runs
        # (env/settings travels in the stream), and the worker starts the container.
        settings = {
            "process_isolation": True,
            "process_isolation_executable": "podman",
            "container_image": container_image,
            "container_options": ["--network=host", "--user=%d" % os.getuid()],
        }
        (private / "env" / "settings").write_text(json.dumps(settings))
    env = runner_env()
    sent = subprocess.run(transmit, env=env, capture_output=True, timeout=120, check=False, cwd=str(tmp_path))
    worked = subprocess.run(
        [str(BIN / "ansible-runner"), "worker", "--private-data-dir", str(worker_dir)],
        input=sent.stdout,
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
        cwd=str(tmp_path),
    )
    processed = subprocess.run(
        [str(BIN / "ansible-runner"), "process", str(controller), "--ident", ident],
        input=worked.stdout,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
        cwd=str(tmp_path),
    )
    codes = (sent.returncode, worked.returncode, processed.returncode)
    errors = b"".join(part.stderr[-2000:] for part in (sent, worked, processed)).decode("utf-8", "replace")
    return codes, errors, controller / "artifacts" / ident


def assert_outcome(codes, errors, artifacts, passing):
    assert codes == (0, 0 if passing else 2, 0), errors  # the worker exits with the job's status, as AWX reads it
    assert (artifacts / "status").read_text() == ("successful" if passing else "failed"), errors
    assert (artifacts / "rc").read_text() == ("0" if passing else "2")
    found = secrets_in_artifacts(artifacts, SECRETS)
    assert set(found) <= set(RUNNER_ENVIRONMENT_RECORDS), found


def run_variants(request, tmp_path):
    """(container image, installed collection, interpreter) of the parametrised variant."""
    if request.param == "image":
        return request.getfixturevalue("ee_image"), None, IMAGE_PYTHON
    return None, request.getfixturevalue("installed_collection"), sys.executable


@pytest.fixture(params=["worker", "image"])
def variant(request, tmp_path):
    return run_variants(request, tmp_path)


@pytest.mark.parametrize("passing", [True, False], ids=["pass", "fail"])
def test_the_gate_streamed_to_a_worker_keeps_its_verdict_in_the_job_events(topology, tmp_path, variant, passing):
    image, installed, python = variant
    write_project(tmp_path / "private", topology, passing, python)
    codes, errors, artifacts = streamed(tmp_path, "gate.yml", topology.credentials, image, installed)
    assert_outcome(codes, errors, artifacts, passing)
    deciding = task_events(artifacts, DECIDING_TASK, "runner_on_ok")
    assert len(deciding) == 1, [event["event"] for event in events(artifacts)]
    verdict = deciding[0]["event_data"]["res"]["verdict"]
    assert verdict["passed"] is passing
    assert [check["name"] for check in verdict["checks"]] == [check["name"] for check in topology.checks(passing)]
    if not passing:
        refused = task_events(artifacts, REFUSING_TASK, "runner_on_failed")
        assert len(refused) == 1 and refused[0]["event_data"]["res"]["msg"] == verdict["msg"]
        assert verdict["msg"].endswith("; not passing: payments (FAILED)")


@pytest.mark.parametrize("passing", [True, False], ids=["pass", "fail"])
def test_api_verify_streamed_to_a_worker_keeps_its_verdict_and_the_bake_s_polls_in_the_job_events(
    verify_emulator, tmp_path, variant, passing
):
    image, installed, python = variant
    write_verify_project(tmp_path / "private", passing, python)
    credentials = dict(SECRETS, HW_APIG_ENDPOINT=verify_emulator.url, HW_PROJECT_ID=presets.PROJECT_ID)
    codes, errors, artifacts = streamed(tmp_path, "verify.yml", credentials, image, installed)
    assert_outcome(codes, errors, artifacts, passing)
    deciding = task_events(artifacts, VERIFY_DECIDING, "runner_on_ok")
    assert len(deciding) == 1, [event["event"] for event in events(artifacts)]
    verdict = deciding[0]["event_data"]["res"]["verdict"]
    assert verdict["passed"] is passing
    stdout = (artifacts / "stdout").read_text()
    if passing:
        assert [(check["name"], check["check_result"]) for check in verdict["checks"]] == [
            ("list-orders", "SUCCESS"),
            ("bake: list-orders", "SUCCESS"),
        ]
        assert "api verify bake: 0/1 s, poll 1 of 2" in stdout and "poll 2 of 2" in stdout
        polls = [entry for entry in verify_emulator.requests if entry["path"].endswith("/statistics/api/latest")]
        assert len(polls) == 2 and {entry["auth_mode"] for entry in polls} == {"aksk"}
    else:
        refused = task_events(artifacts, VERIFY_REFUSING, "runner_on_failed")
        assert len(refused) == 1 and refused[0]["event_data"]["res"]["msg"] == verdict["msg"]
        assert verdict["msg"].endswith("not passing: legacy (FAILED: status 502 APIG.0201)")
