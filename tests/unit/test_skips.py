# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No skip can hide in CI: every skip goes through tests/needs.py, which fails instead under
HWCLOUD_APIG_REQUIRE_TOOLS=1.

Read from the source: no file of tests/ but needs.py skips on its own (``pytest.skip``, ``skipif``,
``importorskip``, ``mark.skip``). Run for real: a test marked ``@needs`` and one that calls ``missing`` are skipped
with their reason, and fail with it when the variable is 1.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import REQUIRE_VARIABLE

REPO = Path(__file__).resolve().parents[2]
SKIPPING = re.compile(r"pytest\.skip\(|\bskipif\b|importorskip|mark\.skip\b")
ALLOWED = {REPO / "tests" / "needs.py", Path(__file__).resolve()}


def test_no_test_skips_but_through_needs():
    found = [
        "%s:%d" % (path.relative_to(REPO), number)
        for path in sorted((REPO / "tests").rglob("*.py"))
        if path.resolve() not in ALLOWED
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SKIPPING.search(line)
    ]
    assert not found, "skip through tests/needs.py (needs, missing), which CI turns into failures: %s" % found


NEEDY = """
from tests.needs import missing, needs


@needs(False, "no frobnicator on this machine")
def test_marked():
    pass


def test_found_missing_at_run_time():
    missing("no widget here")


@needs(True, "never said")
def test_that_has_what_it_needs():
    pass
"""


@pytest.mark.parametrize("required", [False, True])
def test_a_missing_need_skips_or_fails_under_the_variable(tmp_path, required):
    (tmp_path / "test_needy.py").write_text(NEEDY)
    env = {key: value for key, value in os.environ.items() if key != REQUIRE_VARIABLE}
    if required:
        env[REQUIRE_VARIABLE] = "1"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-c", str(REPO / "pytest.ini"), "--rootdir", str(REPO)),
            *("-p", "tests.conftest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-rsfE"),
            str(tmp_path / "test_needy.py"),
        ],
        cwd=str(REPO),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if required:
        # A marked test fails in its setup (an error), one that finds its need missing fails itself.
        assert run.returncode != 0 and "1 failed, 1 passed, 1 error" in run.stdout, run.stdout + run.stderr
        assert "no frobnicator on this machine, and %s=1 requires it" % REQUIRE_VARIABLE in run.stdout
        assert "no widget here, and %s=1 requires it" % REQUIRE_VARIABLE in run.stdout
    else:
        assert run.returncode == 0 and "1 passed, 2 skipped" in run.stdout, run.stdout + run.stderr
        assert "no frobnicator on this machine" in run.stdout and "no widget here" in run.stdout
