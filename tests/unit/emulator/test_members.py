# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Listing VPC channel members: fields, paging and parameter errors."""

import pytest

from tests.emulator import presets
from tests.emulator.errors import INVALID_PARAMETER
from tests.unit.emulator.helpers import members

FIELDS = {
    "id",
    "host",
    "port",
    "weight",
    "is_backup",
    "status",
    "health_status",
    "member_group_name",
    "member_group_id",
    "ecs_id",
    "ecs_name",
    "vpc_channel_id",
    "create_time",
}


@pytest.fixture
def emu45(emulator_factory):
    member_list = [{"host": "127.0.0.%d" % (i + 1), "port": 8000 + i} for i in range(45)]
    member_list[1].update(
        {
            "is_backup": True,
            "status": 2,
            "health_status": "unhealthy",
            "weight": 7,
            "member_group_name": "blue",
            "member_group_id": "g1",
            "ecs_id": "ecs-1",
            "ecs_name": "vm-1",
            "id": "custom-id",
            "create_time": "2020-07-23T07:24:33Z",
        }
    )
    return emulator_factory(presets.default_config(members=member_list))


def test_default_page_is_20(emu45):
    body = members(emu45).json()
    assert body["size"] == 20 and body["total"] == 45 and len(body["members"]) == 20
    first = body["members"][0]
    assert set(first) == FIELDS
    assert first["host"] == "127.0.0.1" and first["port"] == 8000 and first["vpc_channel_id"] == presets.CHANNEL_ID
    assert body["members"][1] == {
        "id": "custom-id",
        "host": "127.0.0.2",
        "port": 8001,
        "weight": 7,
        "is_backup": True,
        "status": 2,
        "health_status": "unhealthy",
        "member_group_name": "blue",
        "member_group_id": "g1",
        "ecs_id": "ecs-1",
        "ecs_name": "vm-1",
        "vpc_channel_id": presets.CHANNEL_ID,
        "create_time": "2020-07-23T07:24:33Z",
    }


def test_paging_until_offset_reaches_total(emu45):
    seen, offset = [], 0
    while True:
        body = members(emu45, {"offset": offset, "limit": 20}).json()
        seen.extend(member["port"] for member in body["members"])
        offset += body["size"]
        if offset >= body["total"]:
            break
    assert seen == [8000 + i for i in range(45)]


def test_a_limit_above_500_is_clamped_to_500_not_refused(emulator_factory):
    emu = emulator_factory(presets.default_config(members=[{"host": "127.0.0.1", "port": 1 + i} for i in range(600)]))
    body = members(emu, {"limit": 1000}).json()
    assert (body["size"], body["total"]) == (500, 600)
    assert members(emu, {"offset": 500, "limit": 501}).json()["size"] == 100


def test_limit_500_and_offset_past_the_end(emu45):
    assert members(emu45, {"limit": 500}).json()["size"] == 45
    assert members(emu45, {"offset": 45}).json() == {"size": 0, "total": 45, "members": []}
    assert members(emu45, {"offset": 1000, "limit": 1}).json()["size"] == 0


def test_empty_channel(emu):
    assert members(emu, channel_id=presets.EMPTY_CHANNEL_ID).json() == {"size": 0, "total": 0, "members": []}


@pytest.mark.parametrize(
    "params, name",
    [
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"offset": "1.5"}, "offset"),
    ],
)
def test_bad_paging_parameters(emu, params, name):
    response = members(emu, params)
    assert response.status_code == 400
    assert response.json() == {"error_code": "APIG.2012", "error_msg": INVALID_PARAMETER % name}


def test_unknown_channel_and_instance(emu):
    response = members(emu, channel_id="nope")
    assert response.status_code == 404 and response.json()["error_code"] == "APIG.3023"
    assert response.json()["error_msg"] == "The VPC channel does not exist;id:nope"


def test_members_need_auth(emu):
    response = members(emu, token="bogus")
    assert response.status_code == 401 and response.json()["error_code"] == "APIG.1002"
