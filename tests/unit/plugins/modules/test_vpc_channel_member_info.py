# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.vpc_channel_member_info as Ansible runs it, against the emulator's member listing.

APIG API reference, "Querying Backend Servers of a VPC Channel": every member with its documented fields; a bad
channel ID is refused before any request, an unknown channel fails with Huawei's own error fields.
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.modules import vpc_channel_member_info
from tests.emulator import presets
from tests.module_runner import run_module

SECRET = presets.TOKEN_VALID


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    members = [
        {"host": "127.0.0.1", "port": backend_servers.open().port},
        {"host": "127.0.0.1", "port": backend_servers.closed().port},
    ]
    return emulator_factory(presets.default_config(members=members))


def args_for(emulator, **extra):
    """The module's arguments: a token sign-in and the emulator's one channel."""
    args = {
        "endpoint": emulator.url,
        "project_id": presets.PROJECT_ID,
        "auth_token": SECRET,
        "instance_id": presets.INSTANCE_ID,
        "vpc_channel_id": presets.CHANNEL_ID,
    }
    args.update(extra)
    return args


def test_member_info_lists_members(emulator):
    args = args_for(emulator)
    code, result, _output = run_module(vpc_channel_member_info.main, args)
    assert code == 0 and result["changed"] is False and result["total"] == 2
    assert set(result["members"][0]) >= {
        "id",
        "host",
        "port",
        "weight",
        "is_backup",
        "status",
        "health_status",
        "vpc_channel_id",
        "create_time",
    }


def test_member_info_refuses_bad_channel_id(emulator):
    args = args_for(emulator, vpc_channel_id="not-hex")
    code, result, _output = run_module(vpc_channel_member_info.main, args)
    assert code == 1 and "vpc_channel_id" in result["msg"]
    assert emulator.requests == []


def test_member_info_of_an_unknown_channel_fails_with_huaweis_error_fields(emulator):
    args = args_for(emulator, vpc_channel_id="f" * 32)
    code, result, output = run_module(vpc_channel_member_info.main, args)
    assert code == 1 and result["failed"] is True
    assert result["error_code"] == "APIG.3023" and result["status"] == 404
    assert result["request_id"] and "APIG.3023" in result["msg"]
    assert "unexpected" not in result["msg"]
    assert SECRET not in output
