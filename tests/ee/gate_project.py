# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate as an AWX project would hold it, the emulator it asks, and the credentials it signs in with.

``topology`` starts the emulator on 127.0.0.1 (the containers share the host's network) with two VPC channels:
``orders`` whose members are all up, and ``payments`` with one member up and one that refuses. The gate over
``orders`` passes; over both it fails, naming the refused member.
"""

import json

import pytest

from tests.emulator import presets

PAYMENTS_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"

GATE_PLAYBOOK = """---
- name: Gate the release on the backends APIG must reach
  hosts: localhost
  gather_facts: false
  roles:
    - role: hwcloud.apig.backend_gate
      vars:
        backend_gate_checks: "{{ release_backends }}"
"""


class Topology:
    """The emulator, its backends, and the checks and credentials of a passing and a failing gate."""

    def __init__(self, emulator, up, refused):
        self.emulator = emulator
        self.up = up
        self.refused = refused

    def checks(self, passing):
        orders = {
            "name": "orders",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "vpc_channel",
            "vpc_channel_id": presets.CHANNEL_ID,
        }
        payments = {
            "name": "payments",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "vpc_channel",
            "vpc_channel_id": PAYMENTS_CHANNEL_ID,
        }
        return [orders] if passing else [orders, payments]

    @property
    def credentials(self):
        """The HW_* variables of an AK/SK credential, as an AWX credential type injects them."""
        return {
            "HW_APIG_ENDPOINT": self.emulator.url,
            "HW_PROJECT_ID": presets.PROJECT_ID,
            "HW_ACCESS_KEY": presets.AK,
            "HW_SECRET_KEY": presets.SK,
        }

    @property
    def secrets(self):
        """What must appear in no artifact or output: the access key pair (the module treats both as secret)."""
        return {"HW_ACCESS_KEY": presets.AK, "HW_SECRET_KEY": presets.SK}


@pytest.fixture
def topology(emulator_factory, backend_servers):
    up = [backend_servers.open(), backend_servers.open()]
    refused = backend_servers.closed()
    config = presets.default_config(
        members=[{"host": "127.0.0.1", "port": server.port} for server in up],
        channels=[
            {
                "id": PAYMENTS_CHANNEL_ID,
                "name": "payments",
                "members": [{"host": "127.0.0.1", "port": server.port} for server in (up[0], refused)],
            }
        ],
        check_timeout=0.5,
    )
    return Topology(emulator_factory(config), up, refused)


def write_project(directory, topology, passing, python):
    """project/gate.yml and inventory/hosts.json (localhost, local connection, the checks as host vars)."""
    (directory / "project").mkdir(parents=True, exist_ok=True)
    (directory / "inventory").mkdir(parents=True, exist_ok=True)
    (directory / "project" / "gate.yml").write_text(GATE_PLAYBOOK)
    inventory = {
        "all": {
            "hosts": {
                "localhost": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": python,
                    "release_backends": topology.checks(passing),
                }
            }
        }
    }
    (directory / "inventory" / "hosts.json").write_text(json.dumps(inventory, indent=2))
    return directory
