# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every body of the emulator's network world reads strictly through the official SDK models.

APIG's instance detail and features through huaweicloudsdkapig, VPC's answers through huaweicloudsdkvpc (v1 paths
are modelled in its ``v2`` package, v3 paths in ``v3``), ECS's through huaweicloudsdkecs: no key the model lacks,
every value of the model's type, every field the model requires, then a build by the SDK's own deserializer
(sdk_models.py). Each body is fetched over real HTTP from an emulator holding the whole network world
(network_presets.py), and also checked to carry the shapes the diagnosis reads, so that a valid but empty answer
cannot pass for a tested one.
"""

import huaweicloudsdkapig.v2.model as apig_models
import huaweicloudsdkecs.v2.model as ecs_models
import huaweicloudsdkvpc.v2.model as vpc_v1_models
import huaweicloudsdkvpc.v3.model as vpc_v3_models
import pytest
import requests

from tests.contract.sdk_models import build, problems
from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.emulator.server import Emulator

MODELS = {
    "huaweicloudsdkapig.v2": apig_models,
    "huaweicloudsdkvpc.v2": vpc_v1_models,
    "huaweicloudsdkvpc.v3": vpc_v3_models,
    "huaweicloudsdkecs.v2": ecs_models,
}
PROJECT = presets.PROJECT_ID
INSTANCE = "/v2/%s/apigw/instances/%s" % (PROJECT, presets.INSTANCE_ID)


@pytest.fixture(scope="module")
def emulator():
    config = world.network_config({world.WEB + ":8080": "web"}, backends={"web": "open"})
    config["projects"][0]["instances"].append({"id": "0" * 31 + "1"})  # an instance that models no network
    emu = Emulator(config).start()
    yield emu
    emu.stop()


def get(emulator, path, **query):
    response = requests.get(
        emulator.url + path, params=query, headers={"X-Auth-Token": presets.TOKEN_VALID}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def assert_reads_as(body, type_name, package):
    assert problems(body, type_name, MODELS[package]) == []
    assert type(build(body, type_name, package)).__name__ == type_name


def test_the_instance_detail_is_a_show_details_of_instance_v2_response(emulator):
    body = get(emulator, INSTANCE)
    assert_reads_as(body, "ShowDetailsOfInstanceV2Response", "huaweicloudsdkapig.v2")
    assert (body["vpc_id"], body["subnet_id"], body["security_group_id"]) == (
        world.VPC_ID,
        world.APIG_SUBNET_ID,
        world.APIG_SG,
    )
    assert body["node_ips"] == world.NODE_IPS and "nat_eip_address" not in body


def test_an_instance_without_network_answers_a_detail_without_network_fields(emulator):
    body = get(emulator, "/v2/%s/apigw/instances/%s" % (PROJECT, "0" * 31 + "1"))
    assert_reads_as(body, "ShowDetailsOfInstanceV2Response", "huaweicloudsdkapig.v2")
    assert "vpc_id" not in body and "node_ips" not in body


def test_the_features_are_a_list_features_v2_response_with_the_route_config_as_json_text(emulator):
    body = get(emulator, INSTANCE + "/features", offset=0, limit=500)
    assert_reads_as(body, "ListFeaturesV2Response", "huaweicloudsdkapig.v2")
    (route,) = body["features"]
    assert (route["name"], route["config"]) == ("route", '{"user_routes": ["10.20.0.0/16"]}')


def test_vpc_and_subnet_read_as_show_vpc_and_show_subnet_responses(emulator):
    vpc = get(emulator, "/v1/%s/vpcs/%s" % (PROJECT, world.VPC_ID))
    assert_reads_as(vpc, "ShowVpcResponse", "huaweicloudsdkvpc.v2")
    assert vpc["vpc"]["cidr"] == "192.168.0.0/16"
    subnet = get(emulator, "/v1/%s/subnets/%s" % (PROJECT, world.APIG_SUBNET_ID))
    assert_reads_as(subnet, "ShowSubnetResponse", "huaweicloudsdkvpc.v2")
    assert (subnet["subnet"]["cidr"], subnet["subnet"]["vpc_id"]) == ("192.168.0.0/24", world.VPC_ID)


@pytest.mark.parametrize(
    "ip, groups, device", [(world.PAY, [world.PAY_SG], ""), (world.ECS, [world.WEB_SG], world.ECS_ID)]
)
def test_ports_found_by_ip_read_as_list_ports_responses(emulator, ip, groups, device):
    body = get(emulator, "/v1/%s/ports" % PROJECT, fixed_ips="ip_address=%s" % ip)
    assert_reads_as(body, "ListPortsResponse", "huaweicloudsdkvpc.v2")
    (port,) = body["ports"]
    assert (port["security_groups"], port["device_id"], port["fixed_ips"][0]["ip_address"]) == (groups, device, ip)


def test_v3_rule_pages_read_as_the_v3_list_security_group_rules_response(emulator):
    body = get(emulator, "/v3/%s/vpc/security-group-rules" % PROJECT, security_group_id=world.DENY_SG, limit=1)
    assert_reads_as(body, "ListSecurityGroupRulesResponse", "huaweicloudsdkvpc.v3")
    (rule,) = body["security_group_rules"]
    assert (rule["id"], rule["action"], rule["priority"], rule["multiport"]) == ("r-deny-health", "deny", 1, "9000")
    assert body["page_info"] == {"previous_marker": "r-deny-health", "current_count": 1, "next_marker": "r-deny-health"}
    last = get(
        emulator, "/v3/%s/vpc/security-group-rules" % PROJECT, security_group_id=world.DENY_SG, marker="r-deny-health"
    )
    assert_reads_as(last, "ListSecurityGroupRulesResponse", "huaweicloudsdkvpc.v3")
    assert [rule["id"] for rule in last["security_group_rules"]] == ["r-allow-all"]
    assert "next_marker" not in last["page_info"]


def test_v1_rules_read_as_the_v1_list_security_group_rules_response(emulator):
    body = get(emulator, "/v1/%s/security-group-rules" % PROJECT, security_group_id=world.WEB_SG)
    assert_reads_as(body, "ListSecurityGroupRulesResponse", "huaweicloudsdkvpc.v2")
    first = body["security_group_rules"][0]
    assert (first["port_range_min"], first["port_range_max"], first["remote_group_id"]) == (8080, 8080, world.APIG_SG)
    assert "action" not in first and "priority" not in first


def test_an_address_group_reads_as_a_show_address_group_response(emulator):
    body = get(emulator, "/v3/%s/vpc/address-groups/%s" % (PROJECT, world.ADDRESS_GROUP_ID))
    assert_reads_as(body, "ShowAddressGroupResponse", "huaweicloudsdkvpc.v3")
    assert body["address_group"]["ip_set"] == ["172.16.0.0/24", "172.16.9.1"]


def test_server_security_groups_read_as_a_nova_list_server_security_groups_response(emulator):
    body = get(emulator, "/v2.1/%s/servers/%s/os-security-groups" % (PROJECT, world.ECS_ID))
    assert_reads_as(body, "NovaListServerSecurityGroupsResponse", "huaweicloudsdkecs.v2")
    (group,) = body["security_groups"]
    assert group["id"] == world.WEB_SG
    assert [(rule["from_port"], rule["ip_range"]) for rule in group["rules"]][:2] == [
        (8080, {}),
        (8080, {"cidr": "100.125.0.0/16"}),
    ]


def test_the_strict_reading_finds_a_v3_rule_the_sdk_would_silently_accept():
    """The checker on these models: a string priority, a boolean port and a v1 field in a v3 rule are each found."""
    rule = {"id": "r", "priority": "1", "multiport": "80", "port_range_min": 80}
    found = problems({"security_group_rules": [rule]}, "ListSecurityGroupRulesResponse", vpc_v3_models)
    assert "$.security_group_rules[0].priority: expected int, got str '1'" in found
    assert "$.security_group_rules[0].port_range_min: SecurityGroupRule has no such field" in found
