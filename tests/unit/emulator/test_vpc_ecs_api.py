# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""VPC and ECS on the emulator's URL: signed like APIG, refused as those services refuse, paged, filtered, faulted.

The diagnosis must say "not available: grant vpc:securityGroupRules:list" when that permission is missing and fall
back to v1 where v3 is absent; these tests pin the answers it will meet, over real HTTP.
"""

import pytest
import requests

from tests.emulator import network_presets as world
from tests.emulator import presets
from tests.unit.emulator.helpers import TIMEOUT, iam_body, sdk_signed, send

P = presets.PROJECT_ID
RULES_V3 = "/v3/%s/vpc/security-group-rules" % P
RULES_V1 = "/v1/%s/security-group-rules" % P
PORTS = "/v1/%s/ports" % P
SERVER_GROUPS = "/v2.1/%s/servers/%s/os-security-groups" % (P, world.ECS_ID)
DENIED_TOKEN, NO_VPC_TOKEN = "tok-no-rules", "tok-no-vpc"


def config(**project_overrides):
    data = world.network_config({}, project_overrides=project_overrides)
    data["tokens"] += [
        {"value": DENIED_TOKEN, "project_id": P, "denied": ["vpc:securityGroupRules:list"]},
        {"value": NO_VPC_TOKEN, "project_id": P, "denied": ["vpc", "ecs"]},
    ]
    data["users"].append({"name": "dave", "password": "dave-Secret-1", "denied": ["vpc:ports"]})
    data["aksk"].append({"ak": "EMULATORNOVPCAK00001", "sk": "no-vpc-secret", "denied": ["vpc"]})
    return data


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(config())


def get(emu, path, token=presets.TOKEN_VALID, **query):
    headers = {"X-Auth-Token": token} if token is not None else {}
    return requests.get(emu.url + path, params=query, headers=headers, timeout=TIMEOUT)


# -- who may call -------------------------------------------------------------------------------------------------


def test_a_missing_permission_gets_vpcs_own_refusal_naming_the_action(emu):
    response = get(emu, RULES_V3, token=DENIED_TOKEN, security_group_id=world.WEB_SG)
    assert response.status_code == 403
    assert response.json() == {
        "request_id": response.headers["X-Request-Id"],
        "error_code": "VPC.2201",
        "error_msg": "Policy doesn't allow vpc:securityGroupRules:list to be performed.",
    }
    v1 = get(emu, RULES_V1, token=DENIED_TOKEN)
    assert (v1.status_code, v1.json()) == (
        403,
        {"code": "VPC.2201", "message": "Policy doesn't allow vpc:securityGroupRules:list to be performed."},
    )
    assert get(emu, PORTS, token=DENIED_TOKEN).status_code == 200  # only that action is missing


def test_a_whole_service_can_be_denied_and_ecs_refuses_in_novas_words(emu):
    assert get(emu, "/v1/%s/vpcs/%s" % (P, world.VPC_ID), token=NO_VPC_TOKEN).json()["code"] == "VPC.2201"
    response = get(emu, SERVER_GROUPS, token=NO_VPC_TOKEN)
    assert response.status_code == 403
    assert response.json() == {
        "forbidden": {"message": "Policy doesn't allow ecs:cloudServers:get to be performed.", "code": 403}
    }


def test_a_password_users_token_carries_the_users_denials(emu):
    issued = requests.post(
        emu.url + "/v3/auth/tokens", json=iam_body(name="dave", password="dave-Secret-1"), timeout=TIMEOUT
    )
    token = issued.headers["X-Subject-Token"]
    assert get(emu, PORTS, token=token).json()["code"] == "VPC.2201"
    assert get(emu, RULES_V3, token=token).status_code == 200


def test_aksk_signed_by_the_sdk_reads_vpc_and_a_denied_key_is_refused(emu):
    url, headers, body = sdk_signed(emu, "GET", RULES_V3, query={"security_group_id": world.WEB_SG})
    response = send("GET", url, headers, body)
    assert response.status_code == 200
    assert {rule["security_group_id"] for rule in response.json()["security_group_rules"]} == {world.WEB_SG}
    url, headers, body = sdk_signed(emu, "GET", PORTS, ak="EMULATORNOVPCAK00001", sk="no-vpc-secret")
    assert send("GET", url, headers, body).json()["code"] == "VPC.2201"


@pytest.mark.parametrize(
    "token, message",
    [
        (None, "x-auth-token not found"),
        ("tok-unknown", "decrypt token fail"),
        (presets.TOKEN_EXPIRED, "token expires"),
    ],
)
def test_a_credential_that_does_not_authenticate_gets_the_front_doors_401(emu, token, message):
    response = get(emu, PORTS, token=token)
    assert response.status_code == 401
    assert response.json() == {
        "error_code": "APIGW.0301",
        "error_msg": "Incorrect IAM authentication information: " + message,
        "request_id": response.headers["X-Request-Id"],
    }


def test_a_bad_signature_is_the_front_doors_401(emu):
    url, headers, body = sdk_signed(emu, "GET", PORTS, sk="not-the-secret")
    response = send("GET", url, headers, body)
    assert (response.status_code, response.json()["error_msg"]) == (
        401,
        "Incorrect IAM authentication information: verify aksk signature fail",
    )


def test_a_token_not_permitted_or_of_another_project_lacks_every_vpc_permission(emu):
    assert get(emu, PORTS, token=presets.TOKEN_NOPERM).json()["code"] == "VPC.2201"
    assert get(emu, PORTS, token=presets.TOKEN_OTHER_PROJECT).json()["code"] == "VPC.2201"


# -- v1-only regions ------------------------------------------------------------------------------------------------


def v1_groups():
    """The preset's security groups, with the locked group's deny rule (which v1 cannot express) left out."""
    groups = world.project_network({})["security_groups"]
    locked = next(group for group in groups if group["id"] == world.DENY_SG)
    locked["rules"] = [rule for rule in locked["rules"] if rule.get("action") != "deny"]
    for group in groups:
        for rule in group["rules"]:
            rule.pop("priority", None)
    return groups


def test_a_v1_only_region_has_no_v3_api_but_answers_v1(emulator_factory):
    emu = emulator_factory(config(v1_only=True, security_groups=v1_groups()))
    for path in (RULES_V3, "/v3/%s/vpc/address-groups/%s" % (P, world.ADDRESS_GROUP_ID)):
        response = get(emu, path, token=None)  # 404 before authentication: the API is not there at all
        assert (response.status_code, response.json()["error_code"]) == (404, "APIGW.0101")
    v1 = get(emu, RULES_V1, security_group_id=world.PAY_SG)
    assert [rule["id"] for rule in v1.json()["security_group_rules"]] == ["r-pay-apig"]


def test_a_v1_only_region_refuses_rules_v1_cannot_express(emulator_factory):
    from tests.emulator.config import ConfigError  # pylint: disable=import-outside-toplevel

    with pytest.raises(ConfigError, match="r-deny-health: a v1-only region"):
        emulator_factory(config(v1_only=True))


def test_v1_leaves_out_what_it_cannot_express(emu):
    ids = [rule["id"] for rule in get(emu, RULES_V1, security_group_id=world.DENY_SG).json()["security_group_rules"]]
    assert ids == ["r-allow-all"]  # the deny rule has no v1 form


# -- reading --------------------------------------------------------------------------------------------------------


def test_v3_pages_walk_every_rule_once_by_marker(emu):
    seen, marker = [], None
    while True:
        query = {"limit": 2, **({"marker": marker} if marker else {})}
        body = get(emu, RULES_V3, **query).json()
        seen += [rule["id"] for rule in body["security_group_rules"]]
        assert body["page_info"]["current_count"] == len(body["security_group_rules"])
        marker = body["page_info"].get("next_marker")
        if marker is None:
            break
    everything = [rule["id"] for rule in get(emu, RULES_V3).json()["security_group_rules"]]
    assert seen == everything and len(everything) == 7


def test_several_security_group_ids_filter_together(emu):
    response = requests.get(
        emu.url + RULES_V3 + "?security_group_id=%s&security_group_id=%s" % (world.PAY_SG, world.DENY_SG),
        headers={"X-Auth-Token": presets.TOKEN_VALID},
        timeout=TIMEOUT,
    )
    assert [rule["id"] for rule in response.json()["security_group_rules"]] == [
        "r-pay-apig",
        "r-deny-health",
        "r-allow-all",
    ]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 2001}, {"limit": "x"}, {"marker": "r-none"}])
def test_bad_paging_is_a_400(emu, query):
    response = get(emu, RULES_V3, **query)
    assert (response.status_code, response.json()["error_code"]) == (400, "VPC.0101")


def test_ports_are_found_by_fixed_ip_and_by_device(emu):
    assert [port["id"] for port in get(emu, PORTS, fixed_ips="ip_address=" + world.PAY).json()["ports"]] == ["port-pay"]
    assert get(emu, PORTS, fixed_ips="ip_address=192.168.1.99").json() == {"ports": []}
    assert [port["id"] for port in get(emu, PORTS, device_id=world.ECS_ID).json()["ports"]] == ["port-ecs"]
    assert get(emu, PORTS, fixed_ips="mac=1").status_code == 400


def test_unknown_resources_are_404_in_each_services_form(emu):
    assert get(emu, "/v1/%s/vpcs/vpc-none" % P).json() == {"code": "VPC.0003", "message": "VPC does not exist."}
    assert get(emu, "/v1/%s/subnets/subnet-none" % P).status_code == 404
    assert get(emu, "/v3/%s/vpc/address-groups/ag-none" % P).json()["error_code"] == "VPC.0003"
    response = get(emu, "/v2.1/%s/servers/ecs-none/os-security-groups" % P)
    assert (response.status_code, response.json()) == (
        404,
        {"itemNotFound": {"message": "Instance ecs-none could not be found.", "code": 404}},
    )


def test_a_project_without_network_has_an_empty_vpc(emulator_factory):
    emu = emulator_factory(presets.default_config())
    assert get(emu, PORTS).json() == {"ports": []}
    assert get(emu, RULES_V3).json()["security_group_rules"] == []


def test_faults_apply_to_vpc_and_ecs_before_authentication(emu):
    emu.add_fault(r"/security-group-rules$", [{"status": 503, "error_code": "VPC.0500"}, {"pass": True}])
    assert get(emu, RULES_V3, token=None).status_code == 503
    assert get(emu, RULES_V3).status_code == 200
    emu.add_fault(r"/os-security-groups$", [{"action": "reset"}])
    with pytest.raises(requests.RequestException):
        get(emu, SERVER_GROUPS)
    assert [entry["fault"] for entry in emu.requests if entry["fault"]] == ["status 503", "pass", "reset"]


def test_the_requests_are_logged_with_their_auth_mode(emu):
    get(emu, PORTS)
    assert (emu.requests[-1]["path"], emu.requests[-1]["auth_mode"], emu.requests[-1]["status"]) == (
        PORTS,
        "token",
        200,
    )


def test_apigs_throttle_does_not_apply_to_vpc(emulator_factory):
    emu = emulator_factory(dict(config(), throttle={"max_requests_per_second": 1}))
    assert [get(emu, PORTS).status_code for _unused in range(3)] == [200, 200, 200]
