# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo` is the first thing a new reader runs: it must keep working, so CI runs it as a reader would.

The demo judges each of its steps itself (a gate that should refuse must refuse, a deployment behind it must not
run) and exits non-zero when any step did not end as expected; this test runs it whole and reads its verdicts.
"""

import os
import subprocess
import sys

import pytest

from tests.integration.runner import REPO

pytestmark = pytest.mark.integration


def test_make_demo_runs_every_step_as_expected():
    completed = subprocess.run(
        [sys.executable, "-m", "examples.demo"],
        cwd=str(REPO),
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=900,
        check=False,
    )
    output = completed.stdout.decode("utf-8", "replace")
    assert completed.returncode == 0, output[-4000:]
    verdicts = [line for line in output.splitlines() if line in ("-> as expected", "-> NOT as expected")]
    assert verdicts == ["-> as expected"] * 6, output[-4000:]
    assert "-> check_backends.yml exited 0 (as expected)" in output
    # the discovered gate names the API and the policy behind the backend that was stopped
    assert "get-order [policy gray]  FAILED" in output
    # the whole release: verified and baked, then a backend that starts answering 500s once live, caught by the bake
    assert "-> release.yml (verified) exited 0; deployed: yes; verified and announced: yes" in output
    assert "-> release.yml (stock-500s) exited 2; deployed: yes; verified and announced: no" in output
    assert "not passing: bake: get-stock (FAILED: 5xx error rate " in output
    assert "Traceback" not in output
