# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network sections of the config are read as strictly as the rest: a typo or a dangling reference is an error
naming the key, never a silently open (or closed) security group that makes a test pass for the wrong reason."""

import copy

import pytest
import requests

from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.emulator.config import ConfigError, EmulatorConfig
from tests.unit.emulator.helpers import TIMEOUT


def with_change(change, listeners=None):
    """A network config, ``change(project_network, instance_network)`` applied to it."""
    config = world.network_config(listeners or {}, backends={"web": "open"})
    project = config["projects"][0]
    change(project["network"], project["instances"][0]["network"])
    return config


def first_rule(network, group_id=world.WEB_SG):
    return next(group for group in network["security_groups"] if group["id"] == group_id)["rules"][0]


CASES = [
    (lambda p, i: p.update(firewall=True), r"network: unknown key\(s\) firewall"),
    (lambda p, i: i.update(vpc="x"), r"instances\[0\].network: unknown key\(s\) vpc"),
    (lambda p, i: first_rule(p).update(multiport="80-"), "multiport must be"),
    (lambda p, i: first_rule(p).update(multiport="0"), "outside 1-65535"),
    (lambda p, i: first_rule(p).update(multiport="90-80"), "backwards range"),
    (lambda p, i: first_rule(p).update(priority=101), r"priority must be within 1-100"),
    (lambda p, i: first_rule(p).update(action="reject"), "action must be one of allow, deny"),
    (lambda p, i: first_rule(p).update(protocol="sctp-ish"), "protocol must be"),
    (lambda p, i: first_rule(p).update(remote_ip_prefix="10.0.0.0/8"), "at most one of remote_ip_prefix"),
    (lambda p, i: first_rule(p).update(remote_group_id="sg-none"), "names security group 'sg-none'"),
    (
        lambda p, i: first_rule(p, world.PAY_SG).update(remote_group_id=None, remote_ip_prefix="::/0"),
        "not an IPv4 prefix",
    ),
    (lambda p, i: p["address_groups"][0]["ip_set"].append("fd00::/64"), "one IP version"),
    (lambda p, i: p["address_groups"][0]["ip_set"].append("10.0.0.9-10.0.0.1"), "is not a range"),
    (lambda p, i: p["subnets"][1].update(cidr="10.9.0.0/24"), "is not inside VPC"),
    (lambda p, i: p["ports"][1]["fixed_ips"][0].update(ip_address="192.168.0.77"), "is not inside subnet subnet-app"),
    (lambda p, i: p["ports"][1].update(security_groups=["sg-none"]), "port port-web names security group"),
    (lambda p, i: p["servers"][0].update(security_groups=["sg-none"]), "server ecs-billing names security group"),
    (lambda p, i: p["vpcs"].append(dict(p["vpcs"][0])), "duplicate VPC id"),
    (lambda p, i: i.update(subnet_id=world.APP_SUBNET_ID, node_ips={}), None),  # another subnet of the VPC is fine
    (lambda p, i: i.update(security_group_id="sg-none"), "security_group_id 'sg-none'"),
    (lambda p, i: i.update(vpc_id="vpc-none"), "vpc_id 'vpc-none'"),
    (lambda p, i: i["node_ips"]["livedata"].append("192.168.1.5"), r"node_ips.livedata\[1\] 192.168.1.5 is not inside"),
    (lambda p, i: i.update(nat_eip_address="not-an-ip"), "nat_eip_address 'not-an-ip' is not an IP address"),
    (lambda p, i: i.update(user_routes=["10.0.0.0/33"]), r"user_routes\[0\] '10.0.0.0/33' is not a CIDR"),
    (lambda p, i: p.update(listeners={"127.0.0.1:80": "web"}), "is a loopback address"),
    (lambda p, i: p.update(listeners={"192.168.1.10:99999": "web"}), "within 1-65535"),
    (lambda p, i: p.update(listeners={"192.168.1.10:80": "nope"}), "listener 192.168.1.10:80 refers to backend 'nope'"),
]


@pytest.mark.parametrize("change, message", CASES)
def test_each_mistake_is_named(change, message):
    config = with_change(change)
    if message is None:
        EmulatorConfig.load(config)
        return
    with pytest.raises(ConfigError, match=message):
        EmulatorConfig.load(config)


def test_an_instance_network_needs_its_projects_network():
    config = world.network_config({})
    del config["projects"][0]["network"]
    with pytest.raises(ConfigError, match="the project has no network section"):
        EmulatorConfig.load(config)


def test_identities_may_list_denied_actions_and_nothing_else_there():
    config = presets.default_config()
    config["tokens"][0]["denied"] = "vpc"
    with pytest.raises(ConfigError, match=r"tokens\[0\].denied must be a list"):
        EmulatorConfig.load(config)
    config["tokens"][0]["denied"] = ["vpc", "ecs:cloudServers:get"]
    assert EmulatorConfig.load(config).tokens[0].denied == ["vpc", "ecs:cloudServers:get"]


def test_a_config_without_network_is_read_as_before():
    loaded = EmulatorConfig.load(presets.default_config())
    project = loaded.projects[presets.PROJECT_ID]
    assert project.network is None and project.instances[presets.INSTANCE_ID].network is None


def test_the_state_line_names_each_listeners_loopback_backend_only_when_there_are_listeners(emulator_factory):
    emu = emulator_factory(
        world.network_config({world.WEB + ":8080": "web", world.ROUTED: "web"}, backends={"web": "open"})
    )
    backend = emu.backend_addresses()["web"]
    assert emu.state()["listeners"] == {world.WEB + ":8080": backend, world.ROUTED: backend}
    assert "listeners" not in emulator_factory(presets.default_config()).state()


def test_rules_take_huaweis_defaults_and_are_answered_with_them(emulator_factory):
    config = world.network_config({})
    config["projects"][0]["network"]["security_groups"][0]["rules"] = [{"id": "r-min"}]
    emu = emulator_factory(config)
    response = requests.get(
        emu.url + "/v3/%s/vpc/security-group-rules" % presets.PROJECT_ID,
        params={"security_group_id": world.APIG_SG},
        headers={"X-Auth-Token": presets.TOKEN_VALID},
        timeout=TIMEOUT,
    )
    (rule,) = response.json()["security_group_rules"]
    expected = {"direction": "ingress", "protocol": "", "ethertype": "IPv4", "multiport": "", "action": "allow"}
    assert {key: rule[key] for key in expected} == expected
    assert (rule["priority"], rule["enabled"], rule["remote_ip_prefix"]) == (1, True, None)


def test_the_features_page_like_every_apig_list(emulator_factory):
    emu = emulator_factory(world.network_config({}))
    base = emu.url + "/v2/%s/apigw/instances/%s/features" % (presets.PROJECT_ID, presets.INSTANCE_ID)
    headers = {"X-Auth-Token": presets.TOKEN_VALID}
    assert requests.get(base, params={"offset": 1}, headers=headers, timeout=TIMEOUT).json() == {
        "size": 0,
        "total": 1,
        "features": [],
    }
    bad = requests.get(base, params={"limit": "x"}, headers=headers, timeout=TIMEOUT)
    assert (bad.status_code, bad.json()["error_code"]) == (400, "APIG.2012")


def test_a_config_is_not_changed_by_loading(emulator_factory):
    config = world.network_config({world.WEB + ":8080": "web"}, backends={"web": "open"})
    kept = copy.deepcopy(config)
    emulator_factory(config)
    assert config == kept
