# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The discovery examples of README.md and docs/, run as written against the emulator the docs point to.

A new user who starts ``python -m tests.emulator --config tests/emulator/example-config.yml`` (docs/quickstart.md,
step 2) and copies a discovery example (``group: orders``, ``environment: RELEASE``) must see it work. Each YAML
block of the README and the guides that discovers is written to a playbook unchanged and run with the quick
start's ``HW_*`` variables; a task file it includes (the README's ``deploy.yml``) is the reader's own, so a
stand-in is written beside it. The gate must pass, having asked the gateway about every backend group ``orders``
routes to in RELEASE - the channel behind get-order and list-orders, and the address a variable gives the
policy "gray".
"""

import json
import re
import subprocess

import pytest

from tests.emulator import presets
from tests.integration.runner import BIN, REPO, ansible_env

pytestmark = pytest.mark.integration

EXAMPLE_CONFIG = REPO / "tests" / "emulator" / "example-config.yml"
GUIDES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
ORDERS_CHANNEL = "3019f57095a94ec885031a16d3156f12"
GRAY_IN_RELEASE = "192.168.1.10:8080"  # example-config.yml: #GRAY_HOST# in RELEASE
DEPLOY = "- name: Stand-in for the reader's deployment\n  ansible.builtin.debug:\n    msg: deploying\n"


def discovery_examples():
    """``[(guide, block)]``: every YAML block of a guide that discovers group orders."""
    found = []
    for guide in GUIDES:
        for block in re.findall(r"```yaml\n(.*?)```", guide.read_text(), re.S):
            if re.search(r"\bdiscover\b|backend_gate_discover", block) and "group: orders" in block:
                found.append((guide.relative_to(REPO), block))
    return found


EXAMPLES = discovery_examples()


def test_the_examples_are_found():
    assert {str(guide) for guide, _block in EXAMPLES} >= {"README.md", "docs/discovery.md"}


@pytest.mark.parametrize("guide, block", EXAMPLES, ids=["%s-%d" % (g, i) for i, (g, _b) in enumerate(EXAMPLES)])
def test_a_discovery_example_works_as_written_against_the_example_config(emulator_factory, tmp_path, guide, block):
    emulator = emulator_factory(str(EXAMPLE_CONFIG))
    (tmp_path / "play.yml").write_text(block)
    for included in re.findall(r"include_tasks: (\S+)", block):
        (tmp_path / included).write_text(DEPLOY)
    env = ansible_env(
        tmp_path,
        {"HW_APIG_ENDPOINT": emulator.url, "HW_PROJECT_ID": presets.PROJECT_ID, "HW_AUTH_TOKEN": presets.TOKEN_VALID},
    )
    run = _playbook(tmp_path, env)
    assert run.returncode == 0, "%s: %s%s" % (guide, run.stdout, run.stderr)
    assert "backend gate passed: 2 of 2 checks made" in run.stdout, run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    asked = [
        json.loads(entry["body"])
        for entry in emulator.requests
        if entry["path"].endswith("/backend/connectivity/check")
    ]
    assert {body.get("vpc_channel_id") or body.get("backend_address") for body in asked} == {
        ORDERS_CHANNEL,
        GRAY_IN_RELEASE,
    }, asked


def test_in_staging_the_gray_policy_fails_as_docs_discovery_says(emulator_factory, tmp_path):
    """docs/discovery.md: with environment staging, where #GRAY_HOST# names an address nothing listens on, the gate
    fails on get-order [policy gray]."""
    emulator = emulator_factory(str(EXAMPLE_CONFIG))
    (_guide, block) = next(example for example in EXAMPLES if str(example[0]) == "docs/discovery.md")
    assert "environment: RELEASE" in block
    (tmp_path / "play.yml").write_text(block.replace("environment: RELEASE", "environment: staging"))
    env = ansible_env(
        tmp_path,
        {"HW_APIG_ENDPOINT": emulator.url, "HW_PROJECT_ID": presets.PROJECT_ID, "HW_AUTH_TOKEN": presets.TOKEN_VALID},
    )
    run = _playbook(tmp_path, env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "backend gate FAILED: 2 of 2 checks made, 1 unreachable backend" in run.stdout, run.stdout
    assert re.search(r"get-order \[policy gray\] +FAILED +192\.168\.1\.30:8080", run.stdout), run.stdout


def _playbook(cwd, env):
    """``ansible-playbook play.yml`` on localhost, in the directory the example and its included files are in."""
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "play.yml"],
        env=env,
        cwd=str(cwd),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
