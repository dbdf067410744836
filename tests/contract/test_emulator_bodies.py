# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every body the emulator answers reads through the official huaweicloudsdkapig response model, strictly.

The emulator stands in for Huawei Cloud, so its answers are held to code no one here wrote: each JSON body, fetched
over real HTTP, must have no key the SDK model lacks, every value of the model's type, every field the model
requires, and then build through the SDK's own deserializer. The connectivity check left the SDK after 3.0.68, so
its answer is read by that release, in a subprocess (the two releases share a package name).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import huaweicloudsdkapig.v2.model as models
import pytest
import requests

from tests.contract.sdk_models import build, problems
from tests.emulator import presets
from tests.emulator.server import Emulator

SDK_WITH_CHECK = os.environ.get("HWCLOUD_APIG_SDK_WITH_CHECK", "")
HEALTH_CHANNEL = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
ECS_CHANNEL = "b1b2c3d4e5f60718293a4b5c6d7e8f90"
MICROSERVICE_CHANNEL = "c1b2c3d4e5f60718293a4b5c6d7e8f90"
REFERENCE_CHANNEL = "d1b2c3d4e5f60718293a4b5c6d7e8f90"
LEGACY_CHANNEL = "e1b2c3d4e5f60718293a4b5c6d7e8f90"

CHANNELS = [
    {
        "id": HEALTH_CHANNEL,
        "name": "orders",
        "port": 8080,
        "health_check": {"protocol": "HTTP", "path": "/health", "method": "GET", "http_code": "200-299", "port": 0},
        "members": [
            {"host": "127.0.0.1", "port": 0, "health_status": None},
            {"host": "127.0.0.1", "port": 9, "status": 2, "health_status": "unhealthy"},
            {"host": "127.0.0.1", "port": 10, "is_backup": True, "weight": 5, "member_group_name": "blue"},
        ],
    },
    {
        "id": ECS_CHANNEL,
        "member_type": "ecs",
        "members": [
            {"host": None, "port": 80, "ecs_id": "9b1b2c3d-ecs", "ecs_name": "billing-vm-1"},
            {"host": "127.0.0.1", "port": 81, "ecs_id": "9b1b2c3d-ecs2", "ecs_name": "billing-vm-2"},
        ],
    },
    {"id": MICROSERVICE_CHANNEL, "vpc_channel_type": "microservice", "instances": [{"host": "127.0.0.1", "port": 9}]},
    {"id": REFERENCE_CHANNEL, "vpc_channel_type": "reference", "instances": [{"host": "127.0.0.1", "port": 9}]},
    {"id": LEGACY_CHANNEL, "legacy_type": True, "members": [{"host": "127.0.0.1", "port": 9}]},
]
ALL_CHANNELS = [presets.CHANNEL_ID, presets.EMPTY_CHANNEL_ID] + [channel["id"] for channel in CHANNELS]
CATALOG = {
    "groups": [{"name": "orders"}, {"name": "billing", "remark": "payments"}],
    "environments": [{"name": "staging"}],
    "variables": [{"group": "orders", "environment": "RELEASE", "name": "ORDERS_HOST", "value": "127.0.0.1:9"}],
    "apis": [
        {
            "name": "get-order",
            "group": "orders",
            "backend": {"vpc_channel": presets.CHANNEL_ID, "req_protocol": "HTTPS", "req_uri": "/orders/{id}"},
            "policies": [{"name": "gray", "backend": {"url_domain": "#ORDERS_HOST#"}}],
            "published": {"RELEASE": {}, "staging": {"backend": {"url_domain": "127.0.0.1:10"}, "policies": []}},
        },
        {"name": "events", "group": "orders", "backend_type": "FUNCTION", "published": {"RELEASE": {}}},
        {"name": "stub", "group": "billing", "backend_type": "MOCK"},
    ],
}


@pytest.fixture(scope="module")
def emulator():
    config = presets.default_config(members=[{"host": "127.0.0.1", "port": 9}], channels=CHANNELS, catalog=CATALOG)
    emu = Emulator(config).start()
    yield emu
    emu.stop()


def get(emulator, path, **query):
    base = "%s/v2/%s/apigw/instances/%s" % (emulator.url, presets.PROJECT_ID, presets.INSTANCE_ID)
    response = requests.get(base + path, params=query, headers={"X-Auth-Token": presets.TOKEN_VALID}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def assert_reads_as(body, type_name):
    assert problems(body, type_name, models) == []
    assert type(build(body, type_name)).__name__ == type_name


@pytest.mark.parametrize("channel_id", ALL_CHANNELS)
def test_channel_detail_is_a_show_details_of_vpc_channel_v2_response(emulator, channel_id):
    body = get(emulator, "/vpc-channels/%s" % channel_id)
    assert_reads_as(body, "ShowDetailsOfVpcChannelV2Response")


@pytest.mark.parametrize("channel_id", ALL_CHANNELS)
def test_member_pages_are_list_backend_instances_v2_responses(emulator, channel_id):
    body = get(emulator, "/vpc-channels/%s/members" % channel_id, offset=0, limit=500)
    assert_reads_as(body, "ListBackendInstancesV2Response")


def test_the_detail_carries_every_shape_the_collection_reads(emulator):
    """Not only valid, but exercised: null health, port 0, the older type field, a health check, ECS members."""
    health = get(emulator, "/vpc-channels/%s" % HEALTH_CHANNEL)
    assert health["vpc_health_config"]["path"] == "/health" and health["port"] == 8080
    assert [member["port"] for member in health["members"]] == [0, 9, 10]
    assert health["members"][0]["health_status"] is None
    assert "vpc_channel_type" not in get(emulator, "/vpc-channels/%s" % LEGACY_CHANNEL)
    micro = get(emulator, "/vpc-channels/%s" % MICROSERVICE_CHANNEL)
    assert (micro["vpc_channel_type"], micro["type"], micro["members"]) == ("microservice", 3, [])
    assert get(emulator, "/vpc-channels/%s" % ECS_CHANNEL)["members"][0]["host"] is None


def test_groups_environments_and_variables_read_as_their_list_responses(emulator):
    groups = get(emulator, "/api-groups", limit=500)
    assert_reads_as(groups, "ListApiGroupsV2Response")
    assert [group["name"] for group in groups["groups"]] == ["orders", "billing"]
    envs = get(emulator, "/envs")
    assert_reads_as(envs, "ListEnvironmentsV2Response")
    assert [env["name"] for env in envs["envs"]] == ["RELEASE", "staging"]
    variables = get(emulator, "/env-variables", group_id=groups["groups"][0]["id"])
    assert_reads_as(variables, "ListEnvironmentVariablesV2Response")
    assert variables["variables"][0]["variable_name"] == "ORDERS_HOST"


def test_every_api_list_detail_version_list_and_version_detail_reads_as_its_response(emulator):
    listed = get(emulator, "/apis", limit=500)
    assert_reads_as(listed, "ListApisV2Response")
    assert sorted(api["backend_type"] for api in listed["apis"]) == ["FUNCTION", "HTTP", "MOCK"]
    assert "backend_api" not in listed["apis"][0], "ListApisV2 items carry no backend details"
    versions_seen = 0
    for api in listed["apis"]:
        assert_reads_as(get(emulator, "/apis/%s" % api["id"]), "ShowDetailsOfApiV2Response")
        versions = get(emulator, "/apis/publish/%s" % api["id"])
        assert_reads_as(versions, "ListApiVersionsV2Response")
        for version in versions["api_versions"]:
            detail = get(emulator, "/apis/versions/%s" % version["version_id"])
            assert_reads_as(detail, "ListApiVersionDetailV2Response")
            versions_seen += 1
    assert versions_seen == 3


def test_the_api_bodies_carry_every_shape_discovery_reads(emulator):
    """Not only valid, but exercised: a channel and a policy backend, a published version unlike its draft."""
    (api,) = get(emulator, "/apis", name="get-order")["apis"]
    draft = get(emulator, "/apis/%s" % api["id"])
    assert draft["backend_api"]["vpc_channel_status"] == 1
    assert draft["backend_api"]["vpc_channel_info"]["vpc_channel_id"] == presets.CHANNEL_ID
    assert [(policy["name"], policy["url_domain"]) for policy in draft["policy_https"]] == [("gray", "#ORDERS_HOST#")]
    staging = get(emulator, "/envs", name="staging")["envs"][0]["id"]
    (version,) = get(emulator, "/apis/publish/%s" % api["id"], env_id=staging)["api_versions"]
    published = get(emulator, "/apis/versions/%s" % version["version_id"])
    assert (published["backend_api"]["url_domain"], published["policy_https"]) == ("127.0.0.1:10", [])
    assert api["run_env_name"] == "RELEASE|staging"


def read_with_sdk_that_has_the_check(body):
    """The problems the 3.0.68 model finds in a check answer (subprocess: it cannot share a process with 3.1)."""
    if not os.path.isdir(os.path.join(SDK_WITH_CHECK, "huaweicloudsdkapig")):
        pytest.fail("huaweicloudsdkapig 3.0.68 is not installed at %r (make venv installs it)" % SDK_WITH_CHECK)
    repo = str(Path(__file__).resolve().parents[2])
    completed = subprocess.run(
        [sys.executable, "-m", "tests.contract.sdk_models", "CheckBackendConnectivityResponse"],
        input=json.dumps(body),
        capture_output=True,
        text=True,
        cwd=repo,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([SDK_WITH_CHECK, repo])),
        timeout=60,
        check=True,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("check_status", [200, 201])
def test_check_answers_read_through_the_last_sdk_that_had_the_check(emulator_factory, backend_servers, check_status):
    up, down = backend_servers.open(), backend_servers.closed()
    members = [{"host": "127.0.0.1", "port": up.port}, {"host": "127.0.0.1", "port": down.port}]
    emu = emulator_factory(presets.default_config(members=members, check_status=check_status))
    url = "%s/v2/%s/apigw/instances/%s/backend/connectivity/check" % (emu.url, presets.PROJECT_ID, presets.INSTANCE_ID)
    bodies = [
        {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID},
        {"backend_type": "backend_address", "backend_address": up.address},
    ]
    for request_body in bodies:
        response = requests.post(url, json=request_body, headers={"X-Auth-Token": presets.TOKEN_VALID}, timeout=10)
        assert response.status_code == check_status
        read = read_with_sdk_that_has_the_check(response.json())
        assert read == {"version": "3.0.68", "problems": [], "built": "CheckBackendConnectivityResponse"}


def test_the_strict_reading_finds_what_the_sdk_would_silently_drop():
    """The checker itself: a renamed key, a string port and a boolean weight are each found."""
    member = {"host": "127.0.0.1", "port": "8080", "weight": True, "member_port": 1}
    found = problems({"size": 1, "total": 1, "members": [member]}, "ListBackendInstancesV2Response", models)
    assert sorted(found) == [
        "$.members[0].member_port: VpcMemberInfo has no such field",
        "$.members[0].port: expected int, got str '8080'",
        "$.members[0].weight: expected int, got bool True",
    ]
