# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connectivity check through an instance's network: what the real gateway would report, with real sockets.

Every modelled address below is answered by one loopback listener the emulator started (``backends: web``), so
each FAILED is the network's verdict, not a dead backend: the same listener is reached whenever the network lets
the gateway through, which the listener's own count of accepted connections confirms.
"""

import time

from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.unit.emulator.helpers import check

LISTENERS = {
    world.WEB + ":8080": "web",
    world.PAY + ":8443": "web",
    world.DENY + ":9000": "web",
    world.ECS + ":8080": "web",
    world.ROUTED: "web",  # any port
    "172.16.0.5:8080": "web",
    "203.0.113.7:443": "web",
}


def start(emulator_factory, members=None, **overrides):
    config = world.network_config(LISTENERS, members=members, backends={"web": "open"}, **overrides)
    return emulator_factory(config)


def check_address(emu, address):
    return check(emu, {"backend_type": "backend_address", "backend_address": address}).json()


def check_channel(emu):
    return check(emu, {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}).json()


def accepted_after(emu, action):
    """How many connections the listener behind every modelled address accepted during ``action``."""
    listener = emu.backends["web"]
    before = listener.accepted
    result = action()
    deadline = time.monotonic() + 2
    while listener.accepted == before and time.monotonic() < deadline and result["check_result"] == "SUCCESS":
        time.sleep(0.01)
    return result, listener.accepted - before


def test_an_admitted_modelled_address_is_reached_through_its_loopback_listener(emulator_factory):
    emu = start(emulator_factory)
    result, accepted = accepted_after(emu, lambda: check_address(emu, world.WEB + ":8080"))
    assert result == {"check_result": "SUCCESS", "failures": []}
    assert accepted == 1


def test_a_channel_member_whose_group_does_not_admit_100_125_fails_where_the_same_address_backend_passes(
    emulator_factory,
):
    emu = start(emulator_factory, members=[{"host": world.WEB, "port": 8080}, {"host": world.PAY, "port": 8443}])
    assert check_channel(emu) == {"check_result": "FAILED", "failures": [world.PAY + ":8443"]}
    assert check_address(emu, world.PAY + ":8443") == {"check_result": "SUCCESS", "failures": []}


def test_a_deny_rule_at_a_higher_priority_overrides_an_allow_all(emulator_factory):
    emu = start(emulator_factory, members=[{"host": world.DENY, "port": 9000}])
    result, accepted = accepted_after(emu, lambda: check_channel(emu))
    assert (result, accepted) == ({"check_result": "FAILED", "failures": [world.DENY + ":9000"]}, 0)
    assert check_address(emu, world.DENY + ":9000")["check_result"] == "SUCCESS"  # the nodes are not denied


def test_the_same_deny_rule_disabled_lets_the_member_in(emulator_factory):
    network = world.project_network(LISTENERS)
    locked = next(group for group in network["security_groups"] if group["id"] == world.DENY_SG)
    locked["rules"][0]["enabled"] = False
    emu = start(
        emulator_factory,
        members=[{"host": world.DENY, "port": 9000}],
        project_overrides={"security_groups": network["security_groups"]},
    )
    assert check_channel(emu) == {"check_result": "SUCCESS", "failures": []}


def test_an_ecs_member_is_guarded_by_its_servers_groups(emulator_factory):
    emu = start(emulator_factory, members=[{"host": world.ECS, "port": 8080, "ecs_id": world.ECS_ID}])
    assert check_channel(emu) == {"check_result": "SUCCESS", "failures": []}
    network = world.project_network(LISTENERS)
    network["servers"][0]["security_groups"] = [world.PAY_SG]
    emu = start(
        emulator_factory,
        members=[{"host": world.ECS, "port": 8080, "ecs_id": world.ECS_ID}],
        project_overrides={"servers": network["servers"]},
    )
    assert check_channel(emu) == {"check_result": "FAILED", "failures": [world.ECS + ":8080"]}


def test_a_private_address_outside_the_vpc_needs_a_route(emulator_factory):
    emu = start(emulator_factory)
    assert check_address(emu, "172.16.0.5:8080") == {"check_result": "FAILED", "failures": ["172.16.0.5:8080"]}
    assert check_address(emu, world.ROUTED + ":8080") == {"check_result": "SUCCESS", "failures": []}
    routed = start(emulator_factory, instance_overrides={"user_routes": ["10.20.0.0/16", "172.16.0.0/24"]})
    assert check_address(routed, "172.16.0.5:8080") == {"check_result": "SUCCESS", "failures": []}


def test_without_the_route_feature_the_routed_address_is_unreachable(emulator_factory):
    network = world.instance_network()
    del network["user_routes"]
    config = world.network_config(LISTENERS, backends={"web": "open"})
    config["projects"][0]["instances"][0]["network"] = network
    emu = emulator_factory(config)
    assert check_address(emu, world.ROUTED + ":8080")["check_result"] == "FAILED"


def test_a_public_backend_needs_the_instances_public_egress(emulator_factory):
    emu = start(emulator_factory)
    assert check_address(emu, "203.0.113.7:443") == {"check_result": "FAILED", "failures": ["203.0.113.7:443"]}
    egress = start(emulator_factory, instance_overrides={"nat_eip_address": "198.51.100.20"})
    assert check_address(egress, "203.0.113.7:443") == {"check_result": "SUCCESS", "failures": []}


def test_a_modelled_address_without_a_listener_has_nothing_listening(emulator_factory):
    emu = start(emulator_factory)
    assert check_address(emu, world.WEB + ":8081") == {"check_result": "FAILED", "failures": [world.WEB + ":8081"]}


def test_a_listener_that_refuses_is_a_refused_port_behind_an_open_group(emulator_factory):
    config = world.network_config({world.WEB + ":8080": "down"}, backends={"down": "closed"})
    emu = emulator_factory(config)
    assert check_address(emu, world.WEB + ":8080") == {"check_result": "FAILED", "failures": [world.WEB + ":8080"]}


def test_a_name_resolving_to_a_modelled_address_goes_through_the_network(emulator_factory):
    emu = start(emulator_factory, hosts={"web.internal": world.WEB, "pay.internal": world.PAY})
    assert check_address(emu, "web.internal:8080")["check_result"] == "SUCCESS"
    assert check_address(emu, "pay.internal:8080")["check_result"] == "FAILED"  # no listener on 8080 there


def test_loopback_members_of_a_networked_instance_are_connected_to_as_before(emulator_factory, backend_servers):
    up, down = backend_servers.open(), backend_servers.closed()
    emu = start(
        emulator_factory, members=[{"host": "127.0.0.1", "port": up.port}, {"host": "127.0.0.1", "port": down.port}]
    )
    assert check_channel(emu) == {"check_result": "FAILED", "failures": [down.address]}


def test_without_a_network_a_modelled_address_is_unreachable_as_before(emulator_factory):
    emu = emulator_factory(presets.default_config(backends={"web": "open"}))
    assert check_address(emu, world.WEB + ":8080") == {"check_result": "FAILED", "failures": [world.WEB + ":8080"]}


def test_the_subnet_stands_for_the_nodes_when_the_instance_lists_none(emulator_factory):
    network = world.project_network(LISTENERS)
    pay = next(group for group in network["security_groups"] if group["id"] == world.PAY_SG)
    pay["rules"] = [world.rule("r-pay-nodes", multiport="8443", remote_ip_prefix="192.168.0.0/28")]
    groups = {"security_groups": network["security_groups"]}
    emu = start(emulator_factory, project_overrides=groups)
    assert check_address(emu, world.PAY + ":8443")["check_result"] == "SUCCESS"  # nodes .10 and .11 are inside
    no_nodes = start(emulator_factory, project_overrides=groups, instance_overrides={"node_ips": {}})
    assert check_address(no_nodes, world.PAY + ":8443")["check_result"] == "FAILED"  # the /24 is not


def test_a_node_outside_the_admitted_prefix_keeps_an_address_backend_out(emulator_factory):
    network = world.project_network(LISTENERS)
    pay = next(group for group in network["security_groups"] if group["id"] == world.PAY_SG)
    pay["rules"] = [world.rule("r-pay-node", multiport="8443", remote_ip_prefix="192.168.0.10/32")]
    emu = start(emulator_factory, project_overrides={"security_groups": network["security_groups"]})
    assert check_address(emu, world.PAY + ":8443")["check_result"] == "FAILED"  # node 192.168.0.11 is not let in
    single = start(
        emulator_factory,
        project_overrides={"security_groups": network["security_groups"]},
        instance_overrides={"node_ips": {"livedata": ["192.168.0.10"]}},
    )
    assert check_address(single, world.PAY + ":8443")["check_result"] == "SUCCESS"


def loopback_world(rules):
    """A project modelled on loopback: VPC 127.0.0.0/24, the gateway's nodes at .10 and .11 in sg-apig, and a port
    holding 127.0.0.2 guarded by sg-app with ``rules`` - the world where this host and the gateway meet one listener."""
    return {
        "vpcs": [{"id": "vpc-lo", "cidr": "127.0.0.0/24"}],
        "subnets": [{"id": "subnet-lo", "cidr": "127.0.0.0/24", "vpc_id": "vpc-lo"}],
        "security_groups": [{"id": world.APIG_SG, "rules": []}, {"id": "sg-app", "rules": rules}],
        "ports": [
            {
                "id": "port-app",
                "fixed_ips": [{"ip_address": "127.0.0.2", "subnet_id": "subnet-lo"}],
                "security_groups": ["sg-app"],
            }
        ],
    }


def start_loopback_world(emulator_factory, rules, members):
    config = presets.default_config(members=members)
    config["projects"][0]["network"] = loopback_world(rules)
    config["projects"][0]["instances"][0]["network"] = {
        "vpc_id": "vpc-lo",
        "subnet_id": "subnet-lo",
        "security_group_id": world.APIG_SG,
        "node_ips": {"livedata": ["127.0.0.10"], "shubao": ["127.0.0.11"]},
    }
    return emulator_factory(config)


def test_a_loopback_address_that_a_port_holds_goes_through_its_security_groups(emulator_factory, backend_servers):
    app = backend_servers.open(host="127.0.0.2")
    unmodelled = backend_servers.open()  # 127.0.0.1: no port holds it
    members = [{"host": "127.0.0.2", "port": app.port}, {"host": "127.0.0.1", "port": unmodelled.port}]
    shut = start_loopback_world(emulator_factory, [], members)
    assert check_channel(shut) == {"check_result": "FAILED", "failures": [app.address]}
    admitted = [
        world.rule("r-app-apig", multiport=str(app.port), remote_group_id=world.APIG_SG),
        world.rule("r-app-health", multiport=str(app.port), remote_ip_prefix="100.125.0.0/16"),
    ]
    open_world = start_loopback_world(emulator_factory, admitted, members)
    before = app.accepted
    assert check_channel(open_world) == {"check_result": "SUCCESS", "failures": []}
    assert app.wait_accepted(before + 1)  # connected to itself, with no listener entry


def test_a_refused_loopback_port_behind_an_open_group_is_failed_by_the_connect(emulator_factory, backend_servers):
    refused = backend_servers.closed(host="127.0.0.2")
    admitted = [world.rule("r-app-all", multiport=str(refused.port), remote_ip_prefix="0.0.0.0/0")]
    emu = start_loopback_world(emulator_factory, admitted, [{"host": "127.0.0.2", "port": refused.port}])
    assert check_channel(emu) == {"check_result": "FAILED", "failures": [refused.address]}
