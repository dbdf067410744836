# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every gate the documentation shows stops the play when the backends are dead - as written, and with
``--tags deploy``.

A reader copies a pattern from the README, a guide or the role's README and bets a release on it. Each YAML block
that gates (the backend_gate role, by ``roles:`` or ``include_role``) is run against an emulator where every
backend it can name is down: the channels' members, the addresses the docs name (rewritten to refused loopback
ports), the APIs group orders publishes. The play must fail, and the deployment the pattern protects (its
``deploy.yml``, or the quick start's "deploying the release") must never run. The EXAMPLES of the modules get the
same treatment in test_module_examples.py.
"""

import re

import pytest

from tests.emulator import presets
from tests.integration.runner import REPO, run_playbook

pytestmark = pytest.mark.integration

GUIDES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), *sorted((REPO / "roles").glob("*/README.md"))]
PAYMENTS_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"
DOC_ADDRESSES = ("billing.internal.example.com:8443", "billing.internal.example.com:443")
DEPLOY = """- name: Stand-in for the reader's deployment
  ansible.builtin.copy:
    content: deployed
    dest: "{{ playbook_dir }}/deployed"
    mode: "0600"
"""


def gates():
    """``[(where, block)]``: every YAML block of the guides that runs the backend_gate role."""
    found = []
    for guide in GUIDES:
        for index, block in enumerate(re.findall(r"```yaml\n(.*?)```", guide.read_text(), re.S)):
            if re.search(r"role: hwcloud\.apig\.backend_gate\b|name: hwcloud\.apig\.backend_gate\b", block):
                found.append(("%s#%d" % (guide.relative_to(REPO), index), block))
    return found


GATES = gates()


def playable(block):
    """The block as a playbook: a play's ``tasks:`` shown alone gets the play around it."""
    if block.startswith("  tasks:"):
        block = "- name: The play around the guide's tasks\n  hosts: localhost\n  gather_facts: false\n" + block
    return block


@pytest.fixture
def dead_world(emulator_factory, backend_servers):
    """An emulator whose every backend is refused: the channels the docs name, the addresses they name (as
    loopback ports) and group orders' APIs in RELEASE."""
    dead = [backend_servers.closed() for _unused in range(3)]
    members = [{"host": "127.0.0.1", "port": port.port} for port in dead]
    catalog = {
        "groups": [{"name": "orders"}],
        "apis": [
            {
                "name": "get-order",
                "group": "orders",
                "backend": {"vpc_channel": presets.CHANNEL_ID},
                "published": {"RELEASE": {}},
            },
            {
                "name": "list-orders",
                "group": "orders",
                "backend": {"url_domain": dead[2].address},
                "published": {"RELEASE": {}},
            },
        ],
    }
    config = presets.default_config(
        members=members[:2],
        channels=[{"id": PAYMENTS_CHANNEL_ID, "name": "payments", "members": members[1:]}],
        catalog=catalog,
    )
    emulator = emulator_factory(config)
    return emulator, dead[0].address


def test_the_guides_show_gates():
    where = {name.split("#")[0] for name, _block in GATES}
    assert {"README.md", "docs/gate-role.md", "docs/ci-cd.md", "roles/backend_gate/README.md"} <= where, where


@pytest.mark.parametrize("tags", [(), ("--tags", "deploy")], ids=["as-written", "tags-deploy"])
@pytest.mark.parametrize("where, block", GATES, ids=[name for name, _block in GATES])
def test_a_documented_gate_stops_the_play_when_the_backends_are_dead(dead_world, tmp_path, where, block, tags):
    emulator, dead = dead_world
    text = playable(block)
    for address in DOC_ADDRESSES:
        text = text.replace(address, dead)
    assert not re.search(r"\b(?:\d{1,3}\.){3}\d{1,3}\b", text.replace("127.0.0.1", "")), "loopback only"
    (tmp_path / "gate.yml").write_text(text)
    for included in re.findall(r"include_tasks: (\S+)", text):
        (tmp_path / included).write_text(DEPLOY)
    extra = {
        "vault_hw_ak": presets.AK,
        "vault_hw_sk": presets.SK,
        "release_backends": [
            {
                "name": "orders",
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "backend_address",
                "backend_address": dead,
            }
        ],
    }
    if "backend_gate_checks" not in text and "backend_gate_discover" not in text:
        extra["backend_gate_checks"] = extra["release_backends"]  # a fragment that leaves its checks to the reader
    if "wait_timeout" in text:
        extra["backend_gate_wait_timeout"] = 0  # the docs wait minutes for a rollout; dead stays dead
    env = {
        "HW_APIG_ENDPOINT": emulator.url,
        "HW_PROJECT_ID": presets.PROJECT_ID,
        "HW_AUTH_TOKEN": presets.TOKEN_VALID,
        "HW_REGION_NAME": presets.PROJECT_NAME,
    }
    run = run_playbook(tmp_path / "gate.yml", tmp_path, extra, env=env, args=list(tags))
    assert run.rc != 0, run
    assert not (tmp_path / "deployed").exists() and "deploying the release" not in run.stdout, run
    assert "backend gate FAILED" in run.output, run
    assert "Traceback" not in run.output, run
