# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's world stays consistent: what its check reports is what its own APIs explain.

For every channel member, the check's verdict (which really connects, through the network) must equal what the
collection's evaluator concludes from nothing but the emulator's API answers - the instance detail, ListPorts,
ShowSubnet, the v3 rules page by page and the address groups - read over HTTP as the diagnosis will read them.
Every member here answers on a live loopback listener, so a FAILED can only come from the network.
"""

from pathlib import Path

import pytest
import requests

from ansible_collections.hwcloud.apig.plugins.module_utils.security_groups import evaluate_ingress, gateway_sources
from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.unit.emulator.helpers import TIMEOUT, check

EXAMPLE = str(Path(__file__).resolve().parents[3] / "tests" / "emulator" / "example-config.yml")
BILLING = "7b2c3d4e5f60718293a4b5c6d7e8f901"
MEMBERS = [(world.WEB, 8080), (world.PAY, 8443), (world.DENY, 9000), (world.ECS, 8080)]


def api(emu, path, **query):
    response = requests.get(
        emu.url + path, params=query, headers={"X-Auth-Token": presets.TOKEN_VALID}, timeout=TIMEOUT
    )
    response.raise_for_status()
    return response.json()


def explained_as_allowed(emu, ip, port):
    """What the diagnosis would conclude for a channel member, from the emulator's answers alone."""
    project = presets.PROJECT_ID
    instance = api(emu, "/v2/%s/apigw/instances/%s" % (project, presets.INSTANCE_ID))
    subnet = api(emu, "/v1/%s/subnets/%s" % (project, instance["subnet_id"]))["subnet"]
    nodes = instance["node_ips"]["livedata"] + instance["node_ips"]["shubao"]
    port_groups = {
        node: [
            group
            for found in api(emu, "/v1/%s/ports" % project, fixed_ips="ip_address=" + node)["ports"]
            for group in found["security_groups"]
        ]
        for node in nodes
    }
    groups = [
        group
        for found in api(emu, "/v1/%s/ports" % project, fixed_ips="ip_address=" + ip)["ports"]
        for group in found["security_groups"]
    ]
    rules, marker = [], None
    while True:
        query = {"security_group_id": groups, "limit": 2, **({"marker": marker} if marker else {})}
        page = api(emu, "/v3/%s/vpc/security-group-rules" % project, **query)
        rules += page["security_group_rules"]
        marker = page["page_info"].get("next_marker")
        if not marker:
            break
    address_groups = {
        rule["remote_address_group_id"]: api(
            emu, "/v3/%s/vpc/address-groups/%s" % (project, rule["remote_address_group_id"])
        )["address_group"]["ip_set"]
        for rule in rules
        if rule["remote_address_group_id"]
    }
    sources = gateway_sources(instance["security_group_id"], nodes, subnet["cidr"], True, port_groups)
    return evaluate_ingress(rules, port, sources, address_groups=address_groups).allowed


@pytest.fixture
def world_emulator(emulator_factory):
    listeners = {"%s:%d" % member: "web" for member in MEMBERS}
    members = [{"host": ip, "port": port} for ip, port in MEMBERS]
    return emulator_factory(world.network_config(listeners, members=members, backends={"web": "open"}))


def test_every_failure_of_the_check_is_explained_by_the_apis_and_every_success_too(world_emulator):
    result = check(world_emulator, {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}).json()
    explained = ["%s:%d" % member for member in MEMBERS if not explained_as_allowed(world_emulator, *member)]
    assert result["failures"] == explained
    assert explained == [world.PAY + ":8443", world.DENY + ":9000"]  # the world is not trivially open or shut


def test_the_example_configs_billing_channel_fails_for_the_reason_its_apis_give():
    with Emulator(EXAMPLE) as emu:
        result = check(emu, {"backend_type": "vpc_channel", "vpc_channel_id": BILLING}).json()
        assert result == {"check_result": "FAILED", "failures": ["192.168.1.20:8443"]}
        assert explained_as_allowed(emu, "192.168.1.10", 8080)
        assert not explained_as_allowed(emu, "192.168.1.20", 8443)
