# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The molecule scenarios of roles/backend_gate, run by real `molecule test` (default driver, unmanaged localhost).

Each scenario's prepare starts the APIG emulator (``python -m tests.emulator``) with its loopback backends, and its
cleanup stops every process the scenario started; this test checks that nothing is left running even when a
scenario fails (its pid files live in the ephemeral directory this test gives molecule).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.runner import REPO, ansible_env

pytestmark = pytest.mark.integration

ROLE = REPO / "roles" / "backend_gate"
MOLECULE = Path(sys.executable).parent / "molecule"
SCENARIOS = sorted(path.parent.name for path in (ROLE / "molecule").glob("*/molecule.yml"))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _stop_leftovers(ephemeral):
    """Stop what a failed scenario left running: only the pids recorded in this run's own state files."""
    left = []
    for state in ephemeral.glob("*.json"):
        try:
            pid = json.loads(state.read_text())["pid"]
        except (OSError, ValueError, KeyError):
            continue
        if _alive(pid):
            left.append(state.name)
            os.kill(pid, signal.SIGTERM)
            for _attempt in range(50):
                if not _alive(pid):
                    break
                time.sleep(0.1)
    return left


def test_scenarios_are_found():
    assert SCENARIOS == ["api_unreachable", "default"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario, tmp_path):
    assert MOLECULE.exists(), "molecule is a development requirement (requirements-dev.txt): run make venv"
    ephemeral = tmp_path / "ephemeral"
    env = ansible_env(
        tmp_path,
        {
            "MOLECULE_EPHEMERAL_DIRECTORY": str(ephemeral),
            "NO_COLOR": "1",
            "PY_COLORS": "0",
        },
    )
    try:
        completed = subprocess.run(
            [str(MOLECULE), "test", "-s", scenario],
            cwd=str(ROLE),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        left = _stop_leftovers(ephemeral) if ephemeral.exists() else []
    output = completed.stdout + completed.stderr
    (tmp_path / "molecule-output.txt").write_text(output)
    assert completed.returncode == 0, output[-8000:]
    for step in ("prepare", "converge", "verify", "cleanup"):
        assert re.search(r"\b%s \S+ %s: Executed: Successful" % (scenario, step), output), output[-4000:]
    assert "Molecule executed 1 scenario (1 successful)" in output
    assert "Traceback" not in output
    assert left == [], "the scenario's cleanup left %s running" % left
    shutil.rmtree(ephemeral, ignore_errors=True)
