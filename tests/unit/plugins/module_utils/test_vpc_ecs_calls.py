# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""vpc_calls.py, ecs_calls.py and the two APIG reads of the diagnosis, against the in-process emulator.

Each call is made as a run makes it - signed by each sign-in, at the VPC or ECS endpoint of the run - and held to
what its answer must contain: a list of rules read page by page until the last, never a shorter one; a body without
the list or object Huawei documents is an error, never "no rule" or "no port".
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls, ecs_calls, vpc_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.unit.plugins.module_utils.emulator_client import client_for

RULES_V3 = r"/v3/%s/vpc/security-group-rules$" % presets.PROJECT_ID


@pytest.fixture
def emulator(emulator_factory):
    config = world.network_config({world.WEB + ":8080": "web"}, backends={"web": "open"})
    config["tokens"].append(
        {"value": "tok-no-rules", "project_id": presets.PROJECT_ID, "denied": ["vpc:securityGroupRules:list"]}
    )
    return emulator_factory(config)


def client(emulator, mode="token", **overrides):
    return client_for(emulator, mode, vpc_endpoint=emulator.url, ecs_endpoint=emulator.url, **overrides)


@pytest.mark.parametrize("mode", ["token", "password", "aksk", "temporary_aksk"])
def test_each_read_in_each_way_of_signing_in(emulator, mode):
    with client(emulator, mode) as api:
        assert vpc_calls.show_vpc(api, world.VPC_ID)["cidr"] == "192.168.0.0/16"
        assert vpc_calls.show_subnet(api, world.APP_SUBNET_ID)["vpc_id"] == world.VPC_ID
        (port,) = vpc_calls.list_ports(api, world.PAY)
        assert (port["id"], port["security_groups"]) == ("port-pay", [world.PAY_SG])
        assert [rule["id"] for rule in vpc_calls.list_security_group_rules_v3(api, world.PAY_SG)] == ["r-pay-apig"]
        assert [rule["id"] for rule in vpc_calls.list_security_group_rules_v1(api, world.PAY_SG)] == ["r-pay-apig"]
        assert vpc_calls.show_address_group(api, world.ADDRESS_GROUP_ID)["ip_set"] == ["172.16.0.0/24", "172.16.9.1"]
        (group,) = ecs_calls.nova_list_server_security_groups(api, world.ECS_ID)
        assert group["id"] == world.WEB_SG
        detail = apig_calls.show_details_of_instance_v2(api, presets.INSTANCE_ID)
        assert (detail["vpc_id"], detail["security_group_id"]) == (world.VPC_ID, world.APIG_SG)
        (route,) = apig_calls.list_features_v2(api, presets.INSTANCE_ID)
        assert route["name"] == "route"
    assert all(entry["status"] == 200 for entry in emulator.requests if entry["path"] != "/v3/auth/tokens")


def test_v3_rules_are_read_page_by_page_until_the_last(emulator):
    """A first page that names a next_marker is followed by the page after it: every rule, each once."""
    emulator.add_fault(
        RULES_V3,
        [
            {
                "status": 200,
                "body": '{"security_group_rules": [{"id": "r-deny-health"}], '
                '"page_info": {"next_marker": "r-deny-health", "current_count": 1}}',
            }
        ],
    )
    with client(emulator) as api:
        rules = vpc_calls.list_security_group_rules_v3(api, world.DENY_SG)
    assert [rule["id"] for rule in rules] == ["r-deny-health", "r-allow-all"]
    first, second = [entry for entry in emulator.requests if entry["path"].endswith("/security-group-rules")]
    assert "marker" not in first["query"] and second["query"]["marker"] == "r-deny-health"


def test_v1_rules_are_read_page_by_page_while_a_page_is_full(emulator_factory):
    many = [world.rule("r%04d" % index, multiport=str(1000 + index)) for index in range(vpc_calls.RULES_PAGE + 1)]
    network = world.project_network({}, v1_only=True)
    network["security_groups"] = [{"id": "sg-big", "rules": many}, *network["security_groups"][:1]]
    network["ports"] = network["ports"][:1]
    network["servers"] = []
    config = presets.default_config()
    config["projects"][0]["network"] = network
    emu = emulator_factory(config)
    with client(emu) as api:
        rules = vpc_calls.list_security_group_rules_v1(api, "sg-big")
    assert [rule["id"] for rule in rules] == [rule["id"] for rule in many]
    assert len([entry for entry in emu.requests if entry["path"].endswith("/security-group-rules")]) == 2


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("{}", "no 'security_group_rules' list"),
        ('{"security_group_rules": {}}', "no 'security_group_rules' list"),
        ("[]", "not an object"),
    ],
)
def test_a_rule_listing_without_its_list_is_an_error_not_no_rule(emulator, body, fragment):
    emulator.add_fault(RULES_V3, [{"status": 200, "body": body}])
    with client(emulator) as api, pytest.raises(ApigError) as caught:
        vpc_calls.list_security_group_rules_v3(api, world.PAY_SG)
    assert fragment in caught.value.msg


def test_a_v1_only_region_answers_404_to_v3(emulator_factory):
    config = world.network_config({}, project_overrides={"v1_only": True})
    config["projects"][0]["network"]["security_groups"][3]["rules"] = []  # the deny rule v1 cannot hold
    emu = emulator_factory(config)
    with client(emu) as api:
        with pytest.raises(ApigError) as caught:
            vpc_calls.list_security_group_rules_v3(api, world.PAY_SG)
        assert [rule["id"] for rule in vpc_calls.list_security_group_rules_v1(api, world.PAY_SG)] == ["r-pay-apig"]
    assert (caught.value.status, caught.value.error_code) == (404, "APIGW.0101")


def test_a_denied_read_is_a_403_with_the_services_code(emulator):
    with client(emulator, auth_token="tok-no-rules") as api:
        with pytest.raises(ApigError) as caught:
            vpc_calls.list_security_group_rules_v3(api, world.PAY_SG)
        assert vpc_calls.list_ports(api, world.PAY)  # only the denied action is refused
    assert (caught.value.status, caught.value.error_code) == (403, "VPC.2201")


def test_without_a_vpc_or_ecs_endpoint_nothing_is_sent_and_the_error_says_what_to_set(emulator):
    with client_for(emulator) as api:
        with pytest.raises(ApigError) as vpc:
            vpc_calls.list_ports(api, world.PAY)
        with pytest.raises(ApigError) as ecs:
            ecs_calls.nova_list_server_security_groups(api, world.ECS_ID)
    assert "set vpc_endpoint (HW_VPC_ENDPOINT), or region (HW_REGION_NAME)" in vpc.value.msg
    assert "set ecs_endpoint (HW_ECS_ENDPOINT), or region (HW_REGION_NAME)" in ecs.value.msg
    assert emulator.requests == []


def test_an_unknown_server_is_novas_404(emulator):
    with client(emulator) as api, pytest.raises(ApigError) as caught:
        ecs_calls.nova_list_server_security_groups(api, "no-such-server")
    assert caught.value.status == 404 and "could not be found" in caught.value.msg


def test_an_expired_token_at_vpc_is_issued_again_once(emulator):
    """The front door says APIGW.0301 where APIG says APIG.1001: a password sign-in gets a new token all the same."""
    emulator.add_fault(
        r"/ports$",
        [
            {
                "status": 401,
                "body": '{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication '
                'information: token expires", "request_id": "r"}',
            }
        ],
    )
    with client(emulator, "password") as api:
        assert vpc_calls.list_ports(api, world.PAY)[0]["id"] == "port-pay"
    assert len([entry for entry in emulator.requests if entry["path"] == "/v3/auth/tokens"]) == 2
