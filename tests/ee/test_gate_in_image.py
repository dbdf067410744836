# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate playbook in the execution environment image (podman run, host network) against the emulator on loopback.

The image must hold this checkout's collection and its dependencies: the gate passes (exit 0) when every backend
is reachable and fails (exit 2) with the table naming the refused backend otherwise, running the role installed
in the image (its task origin is under /usr/share/ansible/collections). Through a real proxy too: with
HTTPS_PROXY set in the container, the proxy's log shows the API requests.
"""

import hashlib
import os
import re
import subprocess

import pytest

from tests.ee.conftest import IMAGE_PYTHON
from tests.ee.gate_project import write_project
from tests.emulator import presets
from tests.integration.proxy_server import TinyProxy
from tests.integration.runner import REPO

pytestmark = pytest.mark.integration

INSTALLED = "/usr/share/ansible/collections/ansible_collections/hwcloud/apig"


def podman_run(podman, image, mounts, env, command, timeout=300):
    """podman run --rm --network host, as the image's own user, with ``env`` passed by name only."""
    args = [podman, "run", "--rm", "--network", "host"]
    for source, target in mounts:
        args += ["-v", "%s:%s:ro" % (source, target)]
    for name in sorted(env):
        args += ["--env", name]  # by name: the value comes from podman's environment, never its command line
    completed = subprocess.run(
        [*args, image, *command],
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return completed


def readable_project(tmp_path, topology, passing):
    project = write_project(tmp_path / "job", topology, passing, IMAGE_PYTHON)
    for path in [project, *list(project.rglob("*"))]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the image runs as uid 1000
    return project


def run_gate(podman, ee_image, tmp_path, topology, passing, extra_env=None):
    project = readable_project(tmp_path, topology, passing)
    env = dict(topology.credentials, **(extra_env or {}))
    return podman_run(
        podman,
        ee_image,
        [(project, "/runner/job")],
        env,
        ["ansible-playbook", "-i", "/runner/job/inventory/hosts.json", "/runner/job/project/gate.yml"],
    )


def test_the_image_holds_this_checkouts_collection(podman, ee_image):
    command = [
        "sh",
        "-c",
        "sha256sum %s/plugins/module_utils/*.py %s/roles/backend_gate/tasks/*.yml; "
        "ansible-doc hwcloud.apig.backend_connectivity | grep -c 'proxy'; "
        "python3 -c 'import requests, ansible_runner; print(\"imports ok\")'" % (INSTALLED, INSTALLED),
    ]
    completed = podman_run(podman, ee_image, [], {}, command)
    assert completed.returncode == 0, completed.stderr
    sums = {
        line.split()[1][len(INSTALLED) + 1 :]: line.split()[0]
        for line in completed.stdout.splitlines()
        if line.startswith(tuple("0123456789abcdef")) and INSTALLED in line
    }
    expected = {
        str(path.relative_to(REPO)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(REPO.glob("plugins/module_utils/*.py")) + sorted(REPO.glob("roles/backend_gate/tasks/*.yml"))
    }
    assert sums == expected
    assert "imports ok" in completed.stdout


def test_the_gate_passes_in_the_image(podman, ee_image, topology, tmp_path):
    completed = run_gate(podman, ee_image, tmp_path, topology, passing=True)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert "backend gate passed: 1 of 1 checks made, 0 unreachable backends (max_failures 0)" in completed.stdout
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", completed.stdout)
    checks = [entry for entry in topology.emulator.requests if entry["path"].endswith("/backend/connectivity/check")]
    assert len(checks) == 1 and checks[0]["auth_mode"] == "aksk" and checks[0]["status"] == 201


def test_the_gate_fails_in_the_image_with_the_table(podman, ee_image, topology, tmp_path):
    completed = run_gate(podman, ee_image, tmp_path, topology, passing=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 2, output[-4000:]
    assert "backend gate FAILED: 2 of 2 checks made, 1 unreachable backend (max_failures 0)" in output
    assert re.search(r"^\s*CHECK\s+RESULT\s+UNREACHABLE / ERROR\s+WHY", output, re.M), output[-3000:]
    assert re.search(r"^\s*orders\s+SUCCESS\s+-", output, re.M), output[-3000:]
    # the WHY column, the gate's diagnosis (on by default): a loopback backend names the gateway itself
    assert re.search(r"^\s*payments\s+FAILED\s+%s\s+\S" % re.escape(topology.refused.address), output, re.M), output[
        -3000:
    ]
    assert "Origin: %s/roles/backend_gate/tasks/main.yml" % INSTALLED in output
    for secret in topology.secrets.values():
        assert secret not in output


def test_the_gate_in_the_image_goes_through_the_proxy_of_its_environment(podman, ee_image, topology, tmp_path):
    with TinyProxy(tmp_path / "proxy") as proxy:
        completed = run_gate(podman, ee_image, tmp_path, topology, passing=True, extra_env={"HTTP_PROXY": proxy.url})
        seen = proxy.requests()
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert seen == [
        "POST %s/v2/%s/apigw/instances/%s/backend/connectivity/check"
        % (topology.emulator.url, presets.PROJECT_ID, presets.INSTANCE_ID)
    ]
