# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate through ansible-runner, the engine AWX and AAP run every job with.

A private data directory as AWX lays it out (inventory/, env/envvars with the HW_* credentials, project/gate.yml)
is run with ``ansible-runner run`` twice per gate outcome: with ``--process-isolation`` in the execution
environment image (podman, host network) and without a container (this venv's ansible-core, the collection
installed from a tarball of the checkout). Then the artifacts are read as AWX reads them:

- ``status`` is ``successful`` / ``failed`` and ``rc`` 0 / 2;
- the job events hold the gate's verdict: the ``runner_on_ok`` event of "Decide whether the gate passes" carries
  it (``backend_gate_result``) in its ``event_data.res.verdict``, and the failing gate's ``runner_on_failed``
  event of "Refuse to go on ..." its one-line message; the table is in ``stdout``;
- every file under artifacts/ is scanned for the access key pair.

ansible-runner itself writes the job's environment -- env/envvars included, values and all -- to two artifact
files: ``command`` (always) and ``env.list`` (with a container, as podman's --env-file). Those two are ansible-
runner's record of its input, not output of the job, and they are reported by name; every other file must be
free of secrets. A run that passes the secrets by name only (``--container-option=--env=NAME``, the values in
ansible-runner's own environment) leaves no secret in any artifact file at all, which the last test shows.
"""

import json
import os
import re
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.ee.conftest import IMAGE_PYTHON
from tests.ee.gate_project import write_project
from tests.integration.runner import REPO

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
DECIDING_TASK = "Decide whether the gate passes"
REFUSING_TASK = "Refuse to go on when backends are unreachable"
# ansible-runner's own record of the job's input environment (see the module docstring)
RUNNER_ENVIRONMENT_RECORDS = ("command", "env.list")


@pytest.fixture(scope="module")
def installed_collection(tmp_path_factory):
    """The collection as users install it: a tarball built from the checkout, installed into a fresh path."""
    return install_collection(tmp_path_factory.mktemp("collection"))


def install_collection(work):
    """Build the checkout's tarball in ``work`` and install it there; returns the collections path."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / "none"))
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(work / "dist"), str(REPO)],
        check=True,
        capture_output=True,
        env=env,
    )
    tarball = next((work / "dist").glob("hwcloud-apig-*.tar.gz"))
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(work / "installed"), str(tarball)],
        check=True,
        capture_output=True,
        env=env,
    )
    return work / "installed"


def runner_env():
    """ansible-runner's own environment: without this test run's ANSIBLE_*/HW_* settings, this venv first on PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANSIBLE_", "HW_", "HUAWEICLOUD_", "PYTHON"))
    }
    env["PATH"] = "%s%s%s" % (BIN, os.pathsep, env.get("PATH", ""))
    return env


def run_runner(tmp_path, topology, passing, container_image=None, installed=None, secrets_by_name=False):
    """ansible-runner run on a fresh private data directory; returns (completed process, artifact directory)."""
    private = tmp_path / "private"
    write_project(private, topology, passing, IMAGE_PYTHON if container_image else sys.executable)
    envvars = dict(topology.credentials)
    env = runner_env()
    ident = "gate-%s" % uuid.uuid4().hex[:12]  # also names the container: unique, so that runs can overlap
    command = [str(BIN / "ansible-runner"), "run", str(private), "-p", "gate.yml", "--ident", ident]
    if secrets_by_name:
        for name in topology.secrets:
            env[name] = envvars.pop(name)
            command.append("--container-option=--env=%s" % name)
    if container_image:
        # The host's network, to reach the emulator on loopback; the caller's uid in the container, as
        # ansible-runner does for docker, so the job can write its artifacts into the mounted directory.
        command += [
            "--process-isolation",
            "--process-isolation-executable",
            "podman",
            "--container-image",
            container_image,
            "--container-option=--network=host",
            "--container-option=--user=%d" % os.getuid(),
        ]
    else:
        envvars["ANSIBLE_COLLECTIONS_PATH"] = str(installed)
    (private / "env").mkdir()
    (private / "env" / "envvars").write_text(json.dumps(envvars))
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False, cwd=str(tmp_path)
    )
    return completed, private / "artifacts" / ident


def events(artifacts):
    found = [json.loads(path.read_text()) for path in (artifacts / "job_events").glob("*.json")]
    return sorted(found, key=lambda event: event["counter"])


def task_events(artifacts, task, kind):
    return [
        event
        for event in events(artifacts)
        if event["event"] == kind and event.get("event_data", {}).get("task") == task
    ]


def secrets_in_artifacts(artifacts, secrets):
    """{relative file: [secret names]} for every artifact file holding a secret (bytes, so .pyc files too)."""
    found = {}
    files = [path for path in artifacts.rglob("*") if path.is_file()]
    assert len(files) > 10, files  # status, rc, stdout, command, job_events/*, ...: the scan sees them all
    for path in files:
        data = path.read_bytes()
        names = [name for name, secret in secrets.items() if secret.encode() in data]
        if names:
            found[str(path.relative_to(artifacts))] = names
    return found


def assert_verdict(completed, artifacts, topology, passing):
    assert (artifacts / "status").read_text() == ("successful" if passing else "failed"), completed.stdout[-3000:]
    assert (artifacts / "rc").read_text() == ("0" if passing else "2")
    assert completed.returncode == (0 if passing else 2), completed.stdout[-3000:] + completed.stderr[-2000:]

    deciding = task_events(artifacts, DECIDING_TASK, "runner_on_ok")
    assert len(deciding) == 1, [event["event"] for event in events(artifacts)]
    result = deciding[0]["event_data"]["res"]["verdict"]
    assert result["passed"] is passing
    assert [check["name"] for check in result["checks"]] == [check["name"] for check in topology.checks(passing)]
    if passing:
        assert result["summary"] == "backend gate passed: 1 of 1 checks made, 0 unreachable backends (max_failures 0)"
        assert result["unreachable"] == 0 and task_events(artifacts, REFUSING_TASK, "runner_on_skipped")
    else:
        assert result["summary"] == "backend gate FAILED: 2 of 2 checks made, 1 unreachable backend (max_failures 0)"
        assert result["unreachable"] == 1
        assert [check["failures"] for check in result["checks"] if check["name"] == "payments"] == [
            [topology.refused.address]
        ]
        refused = task_events(artifacts, REFUSING_TASK, "runner_on_failed")
        assert len(refused) == 1
        assert refused[0]["event_data"]["res"]["msg"] == result["msg"]
        assert result["msg"].endswith("; not passing: payments (FAILED)")
        assert re.search(
            r"payments\s+FAILED\s+%s" % re.escape(topology.refused.address), (artifacts / "stdout").read_text()
        )
    stats = [event for event in events(artifacts) if event["event"] == "playbook_on_stats"]
    assert len(stats) == 1 and bool(stats[0]["event_data"]["failures"]) is (not passing)


def assert_secrets_only_in_runner_records(artifacts, topology):
    found = secrets_in_artifacts(artifacts, topology.secrets)
    assert set(found) <= set(RUNNER_ENVIRONMENT_RECORDS), found
    assert "command" in found  # ansible-runner's record of env/envvars: the reason these files are named above
    assert stat.S_IMODE((artifacts / "command").stat().st_mode) == 0o600


@pytest.mark.parametrize("passing", [True, False], ids=["pass", "fail"])
def test_runner_with_process_isolation_in_the_image(ee_image, topology, tmp_path, passing):
    completed, artifacts = run_runner(tmp_path, topology, passing, container_image=ee_image)
    assert_verdict(completed, artifacts, topology, passing)
    # the job ran in the image: the role's origin is the collection installed there
    assert "/usr/share/ansible/collections/ansible_collections/hwcloud/apig" in json.dumps(events(artifacts))
    assert_secrets_only_in_runner_records(artifacts, topology)


@pytest.mark.parametrize("passing", [True, False], ids=["pass", "fail"])
def test_runner_without_a_container(installed_collection, topology, tmp_path, passing):
    completed, artifacts = run_runner(tmp_path, topology, passing, installed=installed_collection)
    assert_verdict(completed, artifacts, topology, passing)
    assert str(installed_collection) in json.dumps(events(artifacts))
    assert_secrets_only_in_runner_records(artifacts, topology)


def test_secrets_passed_by_name_leave_no_secret_in_any_artifact_file(ee_image, topology, tmp_path):
    completed, artifacts = run_runner(tmp_path, topology, False, container_image=ee_image, secrets_by_name=True)
    assert_verdict(completed, artifacts, topology, False)
    assert secrets_in_artifacts(artifacts, topology.secrets) == {}
