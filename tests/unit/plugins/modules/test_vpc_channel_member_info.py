# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.vpc_channel_member_info as Ansible runs it, against the emulator's member listing.

APIG API reference, "Querying Backend Servers of a VPC Channel": every member with its documented fields; a bad
channel ID is refused before any request, an unknown channel fails with Huawei's own error fields.
"""

from ansible_collections.hwcloud.apig.plugins.modules import vpc_channel_member_info
from tests.emulator import presets
from tests.module_runner import run_module

SECRET = presets.TOKEN_VALID


def args_for(token_auth, **extra):
    """A token sign-in and the emulator's one channel."""
    return dict(token_auth, **dict({"instance_id": presets.INSTANCE_ID, "vpc_channel_id": presets.CHANNEL_ID}, **extra))


def test_member_info_lists_every_member_as_apig_returns_it(emulator, token_auth):
    code, result, _output = run_module(vpc_channel_member_info.main, args_for(token_auth))
    assert code == 0 and result["changed"] is False and result["total"] == 2
    emulated = [member.to_api() for member in emulator.config.members() if member.channel_id == presets.CHANNEL_ID]
    assert result["members"] == emulated
    assert {"id", "host", "port", "weight", "status", "vpc_channel_id"} <= set(result["members"][0])


def test_member_info_refuses_bad_channel_id(emulator, token_auth):
    args = args_for(token_auth, vpc_channel_id="not-hex")
    code, result, _output = run_module(vpc_channel_member_info.main, args)
    assert code == 1 and "vpc_channel_id" in result["msg"]
    assert emulator.requests == []


def test_member_info_of_an_unknown_channel_fails_with_huaweis_error_fields(emulator, token_auth):
    args = args_for(token_auth, vpc_channel_id="f" * 32)
    code, result, output = run_module(vpc_channel_member_info.main, args)
    assert code == 1 and result["failed"] is True
    assert result["error_code"] == "APIG.3023" and result["status"] == 404
    assert result["request_id"] and "APIG.3023" in result["msg"]
    assert "unexpected" not in result["msg"]
    assert SECRET not in output
