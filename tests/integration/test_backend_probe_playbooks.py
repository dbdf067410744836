# Copyright (c) hwcloud.apig developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hwcloud.apig.backend_probe through real ansible-playbook runs against loopback backends.

The playbooks under playbooks/backend_probe/ assert outcomes themselves; this
test starts the backends, runs ansible-playbook as a user would, and checks
the exit code and the results the playbook saved.
"""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.loopback.certificates import CertificateAuthority
from tests.loopback.http_backend import HttpBackend
from tests.loopback.listeners import CLOSE, BlackholeListener, ClosedPort, OpenListener, ResetServer
from tests.needs import needs

pytestmark = pytest.mark.integration

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(REPO_ROOT, "tests", "integration", "playbooks", "backend_probe")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def collections_path(scratch):
    """A directory holding ansible_collections/hwcloud/apig that is this checkout.

    The checkout's own .collections symlink tree when it is there (``make``
    creates it), else a fresh symlink in ``scratch`` - so a bare clone works too.
    """
    own = os.path.join(REPO_ROOT, ".collections")
    link = os.path.join(own, "ansible_collections", "hwcloud", "apig")
    if os.path.isdir(link) and os.path.samefile(link, REPO_ROOT):
        return own
    made = os.path.join(str(scratch), "collections")
    os.makedirs(os.path.join(made, "ansible_collections", "hwcloud"))
    os.symlink(REPO_ROOT, os.path.join(made, "ansible_collections", "hwcloud", "apig"))
    return made


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    tls = CertificateAuthority(tmp_path_factory.mktemp("tls"))
    started = dict(
        open=OpenListener(on_accept=CLOSE),
        closed=ClosedPort(),
        blackhole=BlackholeListener(),
        http=HttpBackend(),
        reset=ResetServer(),
        https=HttpBackend(ssl_context=tls.server_context("integration")),
    )
    yield dict(
        open_target=started["open"].address,
        closed_target=started["closed"].address,
        blackhole_target=started["blackhole"].address,
        tls_target=started["https"].address,
        http_base=started["http"].url("").rstrip("/"),
        https_base=started["https"].url("").rstrip("/"),
        reset_target=started["reset"].address,
        listeners=started,
    )
    for backend in started.values():
        backend.close()


def run_playbook(name, backends, tmp_path, interpreter=None):
    """ansible-playbook against localhost with a local connection; returns (process, saved results or None)."""
    results_file = tmp_path / "results.json"
    extra = {key: value for key, value in backends.items() if key != "listeners"}
    extra["results_file"] = str(results_file)
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra))
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(tmp_path),
        ANSIBLE_PYTHON_INTERPRETER=interpreter or sys.executable,
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.tree",
        ANSIBLE_CALLBACK_TREE_DIR=str(tmp_path / "tree"),
        ANSIBLE_DEPRECATION_WARNINGS="0",
    )
    for key in ("ANSIBLE_CONFIG", "ANSIBLE_STDOUT_CALLBACK"):
        env.pop(key, None)
    process = subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "-e", "@%s" % vars_file, os.path.join(PLAYBOOKS, name)],
        env=env,
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    saved = json.loads(results_file.read_text()) if results_file.exists() and name != "fail_on_failed.yml" else None
    return process, saved


def test_probe_outcomes_playbook(backends, tmp_path):
    process, saved = run_playbook("probe_outcomes.yml", backends, tmp_path)
    assert process.returncode == 0, process.stdout
    assert "failed=0" in process.stdout, process.stdout
    tcp = saved["tcp"]
    assert tcp["check_result"] == "FAILED"
    assert [record["reason"] for record in tcp["results"]] == [None, "refused", "timeout", "dns"]
    assert tcp["results"][1]["error"] == "connection refused by %s" % backends["closed_target"]
    assert tcp["results"][2]["error"].startswith("connect to %s timed out" % backends["blackhole_target"])
    assert saved["tls_verified"]["results"][0]["reason"] == "tls"
    assert saved["tls_unverified"]["results"][0]["ok"] is True
    assert [record["reason"] for record in saved["http"]["results"]] == [None, "status", "body", None, "reset"]
    assert saved["bad_input"]["invalid_targets"] == ["127.0.0.1"]
    # The malformed-target task sent nothing; the two other tasks that name
    # the open target each connected once.
    assert backends["listeners"]["open"].accepted == 2


def test_fail_on_failed_exits_non_zero(backends, tmp_path):
    process, _dummy = run_playbook("fail_on_failed.yml", backends, tmp_path)
    assert process.returncode != 0, process.stdout
    assert "failed=1" in process.stdout, process.stdout
    assert not (tmp_path / "results.json").exists(), "the task after the failed probe ran"
    # The tree callback saves the failed task's result (without Ansible's own 'failed' flag).
    with open(str(tmp_path / "tree" / "localhost")) as handle:
        result = json.load(handle)
    assert result["check_result"] == "FAILED"
    assert result["failures"] == [backends["closed_target"]]
    assert "1 of 2 targets failed" in result["msg"]


def python38():
    """A Python 3.8 interpreter that really runs (pyenv's, or one on PATH), or None."""
    candidates = [os.environ.get("PYTHON38")]  # as .ci/quality/lib.sh's find_python reads it, and .ci/run sets it
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3.8")))
    candidates.append(shutil.which("python3.8"))
    for candidate in filter(None, candidates):
        try:
            version = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            ).stdout.strip()
        except OSError:
            continue
        if version == "(3, 8)":
            return candidate
    return None


PY38 = python38()


@needs(PY38 is not None, "no working Python 3.8 interpreter (looked at PYTHON38, in ~/.pyenv/versions and on PATH)")
def test_oldest_supported_managed_host_python(backends, tmp_path):
    """The module and its module_utils run on Python 3.8, the oldest target Python of ansible-core 2.19."""
    process, _dummy = run_playbook("fail_on_failed.yml", backends, tmp_path, interpreter=PY38)
    with open(str(tmp_path / "tree" / "localhost")) as handle:
        result = json.load(handle)
    assert result["failures"] == [backends["closed_target"]], process.stdout
    assert [record["reason"] for record in result["results"]] == [None, "refused"]
