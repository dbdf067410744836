"""hwcloud.apig.backend_connectivity as Ansible runs it: arguments in, JSON out, exit code — no traceback, no secret."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hwcloud.apig.plugins.module_utils import client as client_module
from ansible_collections.hwcloud.apig.plugins.modules import backend_connectivity, vpc_channel_member_info
from tests.emulator import presets

SECRET = "tok-valid"


def run_module(capsys, module, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as caught:
            module.main()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return caught.value.code, json.loads(captured.out), captured.out + captured.err


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    members = [
        {"host": "127.0.0.1", "port": backend_servers.open().port},
        {"host": "127.0.0.1", "port": backend_servers.closed().port},
    ]
    return emulator_factory(presets.default_config(members=members))


def args_for(emulator, **extra):
    args = {
        "endpoint": emulator.url,
        "project_id": presets.PROJECT_ID,
        "auth_token": SECRET,
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "vpc_channel",
        "vpc_channel_id": presets.CHANNEL_ID,
    }
    args.update(extra)
    return args


def test_failed_check_returns_facts_and_is_not_a_failed_task(capsys, emulator):
    code, result, _output = run_module(capsys, backend_connectivity, args_for(emulator))
    assert code == 0 and result["changed"] is False
    assert result["check_result"] == "FAILED" and len(result["failures"]) == 1
    assert result["ansible_facts"]["apig_backend_connectivity"]["failures"] == result["failures"]


def test_batch_with_an_unmade_check_fails_the_task_but_keeps_every_result(capsys, emulator):
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
    code, result, _output = run_module(capsys, backend_connectivity, args)
    assert code == 1 and result["failed"] is True
    assert result["msg"].startswith("1 of 2 checks could not be made: ghost: ")
    assert [check["check_result"] for check in result["checks"]] == ["FAILED", "ERROR"]
    assert result["checks"][1]["error_code"] == "APIG.3030"


def test_duplicate_check_names_are_refused(capsys, emulator):
    entry = {
        "name": "same",
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "vpc_channel",
        "vpc_channel_id": presets.CHANNEL_ID,
    }
    args = dict(args_for(emulator), checks=[entry, dict(entry)])
    for key in ("instance_id", "backend_type", "vpc_channel_id"):
        del args[key]
    code, result, _output = run_module(capsys, backend_connectivity, args)
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


def test_an_invalid_check_is_reported_by_name_and_the_valid_ones_are_still_made(capsys, emulator):
    checks = [
        channel_check("orders"),
        {
            "name": "billing",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "backend_address",
            "backend_address": "127.0.0.1",
        },
        channel_check("payments", vpc_channel_id="not-a-channel"),
        # no name: it goes by its address
        {"instance_id": presets.INSTANCE_ID, "backend_type": "backend_address", "backend_address": "[::1]:0"},
    ]
    code, result, _output = run_module(capsys, backend_connectivity, batch_args(emulator, checks))
    assert code == 1 and result["failed"] is True
    assert [check["name"] for check in result["checks"]] == ["orders", "billing", "payments", "[::1]:0"]
    assert [check["check_result"] for check in result["checks"]] == ["FAILED", "ERROR", "ERROR", "ERROR"]
    assert result["errors"] == 3 and "check_result" in result
    orders, billing, payments, unnamed = result["checks"]
    assert orders["request_id"] and orders["failures"]
    assert billing["option"] == "checks[1].backend_address"
    assert billing["msg"].startswith("billing: backend_address '127.0.0.1'")
    assert payments["option"] == "checks[2].vpc_channel_id"
    assert payments["msg"] == "payments: vpc_channel_id must be 32 hexadecimal characters, got 'not-a-channel'"
    assert unnamed["option"] == "checks[3].backend_address" and unnamed["msg"].startswith("[::1]:0: backend_address")
    assert all(check["attempts"] == 0 and check["status"] is None for check in (billing, payments, unnamed))
    assert result["msg"].startswith("3 of 4 checks could not be made: billing: backend_address '127.0.0.1'")
    assert "billing: billing" not in result["msg"]
    made = [entry for entry in emulator.requests if entry["path"].endswith("/backend/connectivity/check")]
    assert len(made) == 1, "only the valid check asked the gateway"


def test_a_batch_of_invalid_checks_only_is_refused_before_any_request_with_every_record(capsys, emulator):
    checks = [
        channel_check("orders", vpc_channel_id="nope"),
        {"name": "bad\nname", "instance_id": "f" * 31, "backend_type": "backend_address", "backend_address": "x:1"},
    ]
    code, result, _output = run_module(capsys, backend_connectivity, batch_args(emulator, checks))
    assert code == 1 and "check_result" not in result
    assert result["option"] == "checks[0].vpc_channel_id"
    assert result["msg"] == "checks[0].vpc_channel_id must be 32 hexadecimal characters, got 'nope'"
    assert [check["name"] for check in result["checks"]] == ["orders", "checks[1]"]
    assert result["checks"][1]["option"] == "checks[1].instance_id"
    assert result["checks"][1]["msg"].startswith("checks[1].instance_id must be 32 hexadecimal characters")
    assert emulator.requests == []


def test_a_name_repeated_by_an_invalid_check_is_refused_before_any_request(capsys, emulator):
    checks = [channel_check("orders"), channel_check("orders", vpc_channel_id="nope")]
    code, result, _output = run_module(capsys, backend_connectivity, batch_args(emulator, checks))
    assert code == 1 and result["msg"] == "check names must be unique; repeated: orders"
    assert emulator.requests == []


def test_unexpected_exception_is_a_clean_failure_without_the_secret(capsys, emulator, monkeypatch):
    def explode(self, instance_id, body):
        raise RuntimeError("boom while holding %s" % SECRET)

    monkeypatch.setattr(client_module.ApigClient, "check_backend_connectivity", explode)
    code, result, output = run_module(capsys, backend_connectivity, args_for(emulator))
    assert code == 1
    assert result["msg"].startswith("unexpected RuntimeError: boom while holding ")
    assert SECRET not in output


def test_validate_certs_false_warns(capsys, emulator):
    code, result, _output = run_module(capsys, backend_connectivity, args_for(emulator, validate_certs=False))
    assert code == 0
    assert "validate_certs is false" in json.dumps(result["warnings"])


def test_member_info_lists_members(capsys, emulator):
    args = args_for(emulator)
    del args["backend_type"]
    code, result, _output = run_module(capsys, vpc_channel_member_info, args)
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


def test_member_info_refuses_bad_channel_id(capsys, emulator):
    args = args_for(emulator, vpc_channel_id="not-hex")
    del args["backend_type"]
    code, result, _output = run_module(capsys, vpc_channel_member_info, args)
    assert code == 1 and "vpc_channel_id" in result["msg"]
    assert emulator.requests == []


def test_member_info_of_an_unknown_channel_fails_with_huaweis_error_fields(capsys, emulator):
    args = {key: value for key, value in args_for(emulator).items() if key != "backend_type"}
    args["vpc_channel_id"] = "f" * 32
    code, result, output = run_module(capsys, vpc_channel_member_info, args)
    assert code == 1 and result["failed"] is True
    assert result["error_code"] == "APIG.3023" and result["status"] == 404
    assert result["request_id"] and "APIG.3023" in result["msg"]
    assert "unexpected" not in result["msg"]
    assert SECRET not in output
