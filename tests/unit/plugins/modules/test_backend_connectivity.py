# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.backend_connectivity as Ansible runs it: arguments in, JSON out, exit code - no traceback, no secret."""

import json

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.modules import backend_connectivity
from tests.emulator import presets
from tests.module_runner import run_module

SECRET = presets.TOKEN_VALID


def args_for(emulator, **extra):
    """A token sign-in and a check of the emulator's one channel."""
    check = {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}
    return dict(presets.module_auth("token", emulator.url), **dict(check, **extra))


def test_failed_check_returns_facts_and_is_not_a_failed_task(emulator):
    code, result, _output = run_module(backend_connectivity.main, args_for(emulator))
    assert code == 0 and result["changed"] is False
    assert result["check_result"] == "FAILED" and len(result["failures"]) == 1
    assert result["ansible_facts"]["apig_backend_connectivity"]["failures"] == result["failures"]


def test_batch_with_an_unmade_check_fails_the_task_but_keeps_every_result(emulator):
    checks = [
        {
            "name": "orders",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "vpc_channel",
            "vpc_channel_id": presets.CHANNEL_ID,
        },
        {"name": "ghost", "instance_id": "f" * 32, "backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID},
    ]
    args = args_for(emulator, checks=checks)
    for key in ("instance_id", "backend_type", "vpc_channel_id"):
        del args[key]
    code, result, _output = run_module(backend_connectivity.main, args)
    assert code == 1 and result["failed"] is True
    assert result["msg"].startswith("1 of 2 checks could not be made: ghost: ")
    assert [check["check_result"] for check in result["checks"]] == ["FAILED", "ERROR"]
    assert result["checks"][1]["error_code"] == "APIG.3030"


def test_duplicate_check_names_are_refused(emulator):
    entry = {
        "name": "same",
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "vpc_channel",
        "vpc_channel_id": presets.CHANNEL_ID,
    }
    args = dict(args_for(emulator), checks=[entry, dict(entry)])
    for key in ("instance_id", "backend_type", "vpc_channel_id"):
        del args[key]
    code, result, _output = run_module(backend_connectivity.main, args)
    assert code == 1 and "check names must be unique" in result["msg"]
    assert emulator.requests == []


def batch_args(emulator, checks):
    args = dict(args_for(emulator), checks=checks)
    for key in ("instance_id", "backend_type", "vpc_channel_id"):
        del args[key]
    return args


def channel_check(name, **extra):
    return dict(
        {
            "name": name,
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "vpc_channel",
            "vpc_channel_id": presets.CHANNEL_ID,
        },
        **extra,
    )


def test_an_invalid_check_is_reported_by_name_and_the_valid_ones_are_still_made(emulator):
    checks = [
        channel_check("orders"),
        {
            "name": "billing",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "backend_address",
            "backend_address": "127.0.0.1:99999",
        },
        channel_check("payments", vpc_channel_id="not-a-channel"),
        # no name: it goes by its address
        {"instance_id": presets.INSTANCE_ID, "backend_type": "backend_address", "backend_address": "[::1]:0"},
    ]
    code, result, _output = run_module(backend_connectivity.main, batch_args(emulator, checks))
    assert code == 1 and result["failed"] is True
    assert [check["name"] for check in result["checks"]] == ["orders", "billing", "payments", "[::1]:0"]
    assert [check["check_result"] for check in result["checks"]] == ["FAILED", "ERROR", "ERROR", "ERROR"]
    assert result["errors"] == 3 and "check_result" in result
    orders, billing, payments, unnamed = result["checks"]
    assert orders["request_id"] and orders["failures"]
    assert billing["option"] == "checks[1].backend_address"
    assert billing["msg"] == "billing: backend_address '127.0.0.1:99999': port 99999 is outside 1-65535"
    assert payments["option"] == "checks[2].vpc_channel_id"
    assert payments["msg"] == (
        "payments: vpc_channel_id must be 32 lowercase hexadecimal characters (the ID Huawei Cloud shows for it), "
        "got 'not-a-channel'"
    )
    assert unnamed["option"] == "checks[3].backend_address" and unnamed["msg"].startswith("[::1]:0: backend_address")
    assert all(check["attempts"] == 0 and check["status"] is None for check in (billing, payments, unnamed))
    assert result["msg"].startswith("3 of 4 checks could not be made: billing: backend_address '127.0.0.1:99999'")
    assert "billing: billing" not in result["msg"]
    made = [entry for entry in emulator.requests if entry["path"].endswith("/backend/connectivity/check")]
    assert len(made) == 1, "only the valid check asked the gateway"


def test_a_batch_of_invalid_checks_only_is_refused_before_any_request_with_every_record(emulator):
    checks = [
        channel_check("orders", vpc_channel_id="nope"),
        {"name": "bad\nname", "instance_id": "f" * 31, "backend_type": "backend_address", "backend_address": "x:1"},
    ]
    code, result, _output = run_module(backend_connectivity.main, batch_args(emulator, checks))
    assert code == 1 and "check_result" not in result
    assert result["option"] == "checks[0].vpc_channel_id"
    assert result["msg"].startswith("checks[0].vpc_channel_id must be 32 lowercase hexadecimal characters")
    assert [check["name"] for check in result["checks"]] == ["orders", "checks[1]"]
    assert result["checks"][1]["option"] == "checks[1].instance_id"
    assert result["checks"][1]["msg"].startswith("checks[1].instance_id must be 32 lowercase hexadecimal")
    assert emulator.requests == []


def test_a_name_repeated_by_an_invalid_check_is_refused_before_any_request(emulator):
    checks = [channel_check("orders"), channel_check("orders", vpc_channel_id="nope")]
    code, result, _output = run_module(backend_connectivity.main, batch_args(emulator, checks))
    assert code == 1 and result["msg"] == "check names must be unique; repeated: orders"
    assert emulator.requests == []


def test_unexpected_exception_is_a_clean_failure_without_the_secret(emulator, monkeypatch):
    def explode(client, instance_id, body):
        raise RuntimeError("boom while holding %s" % SECRET)

    monkeypatch.setattr(apig_calls, "check_backend_connectivity", explode)
    code, result, output = run_module(backend_connectivity.main, args_for(emulator))
    assert code == 1
    assert result["msg"].startswith("unexpected RuntimeError: boom while holding ")
    assert SECRET not in output


def test_validate_certs_false_warns(emulator):
    code, result, _output = run_module(backend_connectivity.main, args_for(emulator, validate_certs=False))
    assert code == 0
    assert "validate_certs is false" in json.dumps(result["warnings"])
