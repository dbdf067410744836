# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The real gateway's shapes, through real ansible-playbook runs against the emulator and loopback backends.

Channel types and member states, ports and health checks as Huawei Cloud returns them (APIG API reference,
"Querying VPC Channel Details" / "Querying Backend Servers of a VPC Channel"), backend addresses as APIG takes
them, the other error body forms and token codes, and a gateway that does not offer the connectivity check.
"""

import socket

import pytest

from tests.emulator import presets
from tests.integration.runner import PLAYBOOKS, run_playbook
from tests.needs import missing

pytestmark = pytest.mark.integration

CHANNEL = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
CHECK_PATH = r"/backend/connectivity/check$"


def auth_for(emulator, mode="token"):
    return presets.module_auth(mode, emulator.url, timeout=10, retries=1)


def run_check(emulator, tmp_path, auth=None, **check_args):
    args = dict({"instance_id": presets.INSTANCE_ID}, **check_args)
    return run_playbook("run_check.yml", tmp_path, {"apig_auth": auth or auth_for(emulator), "check_args": args})


def channel_check(channel=CHANNEL, **extra):
    return dict(extra, backend_type="vpc_channel", vpc_channel_id=channel)


def checks_made(emulator):
    return [entry for entry in emulator.requests if entry["path"].endswith("/backend/connectivity/check")]


def test_a_member_without_its_own_port_is_probed_on_the_channels_port(emulator_factory, backend_servers, tmp_path):
    up = backend_servers.open()
    channel = {"id": CHANNEL, "port": up.port, "members": [{"host": "127.0.0.1", "port": 0}]}
    emulator = emulator_factory(presets.default_config(channels=[channel]))
    run = run_check(emulator, tmp_path, **channel_check(probe="both"))
    check = run.result["check"]
    assert check["check_result"] == "SUCCESS", run
    (record,) = check["local"]["results"]
    assert record["backend"] == record["target"] == up.address and record["ok"] is True
    assert up.wait_accepted(2), "the gateway's check and this host's probe both connected to the channel's port"


def test_unavailable_and_backup_members_are_skipped_with_a_reason_and_counted(
    emulator_factory, backend_servers, tmp_path
):
    up, down_but_disabled, backup = backend_servers.open(), backend_servers.closed(), backend_servers.closed()
    members = [
        {"host": "127.0.0.1", "port": up.port},
        {"host": "127.0.0.1", "port": down_but_disabled.port, "status": 2, "health_status": None},
        {"host": "127.0.0.1", "port": backup.port, "is_backup": True},
    ]
    emulator = emulator_factory(presets.default_config(channels=[{"id": CHANNEL, "members": members}]))
    run = run_check(emulator, tmp_path, **channel_check(probe="local"))
    local = run.result["check"]["local"]
    assert run.result["check"]["check_result"] == "SUCCESS", run
    assert local["skipped"] == 2
    by_backend = {record["backend"]: record for record in local["results"]}
    assert by_backend[down_but_disabled.address]["skipped"].startswith("unavailable (status 2)")
    assert by_backend[down_but_disabled.address]["gateway"]["health_status"] == "unknown", "null is unknown"
    assert by_backend[backup.address]["skipped"].startswith("backup member")
    assert by_backend[up.address]["skipped"] is None and by_backend[up.address]["ok"] is True

    run = run_check(emulator, tmp_path, **channel_check(probe="local", probe_all_members=True))
    check = run.result["check"]
    assert check["check_result"] == "FAILED" and check["local"]["skipped"] == 0
    assert check["failures"] == [down_but_disabled.address, backup.address]


def test_an_ecs_member_without_an_address_is_skipped_not_an_error(emulator_factory, backend_servers, tmp_path):
    up = backend_servers.open()
    members = [
        {"host": None, "port": 8080, "ecs_id": "5ad1b0c4-ecs", "ecs_name": "billing-vm-1"},
        {"host": "127.0.0.1", "port": up.port, "ecs_id": "5ad1b0c4-ecs2", "ecs_name": "billing-vm-2"},
    ]
    channel = {"id": CHANNEL, "member_type": "ecs", "members": members}
    emulator = emulator_factory(presets.default_config(channels=[channel]))
    run = run_check(emulator, tmp_path, **channel_check(probe="both"))
    check = run.result["check"]
    assert check["check_result"] == "SUCCESS", run
    skipped = [record for record in check["local"]["results"] if record["skipped"]]
    assert [record["target"] for record in skipped] == ["billing-vm-1"]
    assert "billing-vm-1 has no usable address" in skipped[0]["skipped"]


def test_a_microservice_channel_under_probe_both_takes_the_gateways_verdict(
    emulator_factory, backend_servers, tmp_path
):
    down = backend_servers.closed()
    channel = {
        "id": CHANNEL,
        "vpc_channel_type": "microservice",
        "instances": [{"host": "127.0.0.1", "port": down.port}],
    }
    emulator = emulator_factory(presets.default_config(channels=[channel]))
    run = run_check(emulator, tmp_path, **channel_check(probe="both"))
    check = run.result["check"]
    assert check["check_result"] == "FAILED" and check["failures"] == [down.address], run
    assert check["local"]["made"] is False and "microservice channel" in check["local"]["reason"]
    assert any("did not probe" in hint and "gateway's alone" in hint for hint in check["hints"])

    run = run_check(emulator, tmp_path, **channel_check(probe="local"))
    check = run.result["check"]
    assert check["failed"] is True and "microservice channel" in check["msg"]
    assert "check_result" not in check


def test_a_mirrored_http_health_check_fails_locally_on_a_503_from_the_health_path(
    emulator_factory, backend_servers, tmp_path
):
    sick = backend_servers.open(http=True, status=503, body=b"maintenance")
    health = {"protocol": "HTTP", "path": "/health", "method": "GET", "http_code": "200-299"}
    channel = {"id": CHANNEL, "health_check": health, "members": [{"host": "127.0.0.1", "port": sick.port}]}
    emulator = emulator_factory(presets.default_config(channels=[channel]))
    run = run_check(emulator, tmp_path, **channel_check(probe="both"))
    check = run.result["check"]
    assert check["remote"]["check_result"] == "SUCCESS", "the gateway's TCP check reaches it"
    assert check["check_result"] == "FAILED" and check["failures"] == [sick.address], run
    assert check["local"]["probe"] == {
        "protocol": "http",
        "port": None,
        "follows": "health_check",
        "path": "/health",
        "method": "GET",
        "expected_status": "200-299",
    }
    (record,) = check["local"]["results"]
    assert (record["reason"], record["status_code"]) == ("status", 503)
    # It answered: a wrong answer, never blamed on this host's network path.
    assert check["failing"] == [
        {"backend": sick.address, "outcome": "wrong_answer", "seen_by": ["this host"], "detail": record["error"]}
    ]
    assert any("This host reached %s (" % sick.address in hint for hint in check["hints"]), check["hints"]
    assert not any("network path (firewall" in hint for hint in check["hints"]), check["hints"]

    run = run_check(emulator, tmp_path, **channel_check(probe="local", local_probe={"protocol": "tcp"}))
    assert run.result["check"]["check_result"] == "SUCCESS", "a protocol set by the user is followed instead"


@pytest.fixture
def port_80_listener():
    """A listener on 127.0.0.1:80, the port a backend address without one is served on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 80))
    except OSError as exc:
        sock.close()
        missing("cannot listen on 127.0.0.1:80 here (%s): the port-80 default is not exercised" % exc)
    sock.listen(16)
    yield sock
    sock.close()


def test_a_domain_backend_without_a_port_is_checked_on_80(emulator_factory, port_80_listener, tmp_path):
    emulator = emulator_factory(presets.default_config())
    run = run_check(emulator, tmp_path, backend_type="backend_address", backend_address="localhost", probe="both")
    check = run.result["check"]
    assert check["check_result"] == "SUCCESS", run
    assert checks_made(emulator)[0]["body"] == '{"backend_address": "localhost", "backend_type": "backend_address"}'
    (record,) = check["local"]["results"]
    assert (record["backend"], record["ok"]) == ("localhost:80", True)


def test_a_variable_address_goes_to_the_gateway_as_written_and_is_refused_locally(emulator_factory, tmp_path):
    emulator = emulator_factory(presets.default_config())
    run = run_check(emulator, tmp_path, backend_type="backend_address", backend_address="#BACKEND#:8080", probe="both")
    check = run.result["check"]
    assert (
        checks_made(emulator)[0]["body"] == '{"backend_address": "#BACKEND#:8080", "backend_type": "backend_address"}'
    )
    assert check["remote"]["failures"] == ["#BACKEND#:8080"], "the emulated gateway cannot resolve it either"
    assert check["local"]["made"] is False
    assert "#BACKEND#" in check["local"]["reason"] and "environment" in check["local"]["reason"]

    emulator.clear_requests()
    run = run_check(emulator, tmp_path, backend_type="backend_address", backend_address="#BACKEND#:8080", probe="local")
    check = run.result["check"]
    assert check["failed"] is True and check["option"] == "backend_address"
    assert "only an APIG environment resolves" in check["msg"]
    assert emulator.requests == [], "refused before any request"


def test_apig_0307_reissues_the_token_exactly_once(emulator_factory, backend_servers, tmp_path):
    up = backend_servers.open()
    config = presets.default_config(members=[{"host": "127.0.0.1", "port": up.port}], token_expired_code="APIG.0307")
    emulator = emulator_factory(config)
    auth = dict(auth_for(emulator, "password"), user_name=presets.SHORT_TTL_USER, password=presets.SHORT_TTL_PASSWORD)
    run = run_check(emulator, tmp_path, auth=auth, backend_type="vpc_channel", vpc_channel_id=presets.CHANNEL_ID)
    check = run.result["check"]
    assert check["failed"] is True and check["error_code"] == "APIG.0307", run
    assert [entry["path"] for entry in emulator.requests].count("/v3/auth/tokens") == 2, "one re-issue, not more"
    assert len(checks_made(emulator)) == 2

    emulator.clear_requests()
    emulator.add_fault(
        CHECK_PATH, [{"status": 401, "error_code": "APIG.0307", "error_msg": "The token must be updated"}]
    )
    run = run_check(emulator, tmp_path, auth=auth_for(emulator, "password"), **channel_check(presets.CHANNEL_ID))
    assert run.result["check"]["check_result"] == "SUCCESS", run
    assert [entry["path"] for entry in emulator.requests].count("/v3/auth/tokens") == 2


@pytest.mark.parametrize("style", ["camel", "code", "nested"])
def test_other_error_body_forms_are_read(emulator_factory, tmp_path, style):
    emulator = emulator_factory(presets.default_config(error_style=style))
    run = run_check(emulator, tmp_path, **channel_check("f" * 32))
    check = run.result["check"]
    assert check["failed"] is True, run
    assert (check["status"], check["error_code"]) == (404, "APIG.3023")
    assert check["error_msg"].startswith("The VPC channel does not exist")
    assert check["request_id"] == emulator.requests[-1]["request_id"]


def test_a_gateway_without_the_check_fails_the_gate_closed_and_shows_the_local_half(
    emulator_factory, backend_servers, tmp_path
):
    up = backend_servers.open()
    config = presets.default_config(members=[{"host": "127.0.0.1", "port": up.port}], connectivity_check=False)
    emulator = emulator_factory(config)
    gate_checks = [
        {
            "name": "orders",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "vpc_channel",
            "vpc_channel_id": presets.CHANNEL_ID,
        }
    ]
    run = run_playbook(
        PLAYBOOKS / "gateway_shapes" / "gate_without_the_check.yml",
        tmp_path,
        {"apig_auth": auth_for(emulator), "gate_checks": gate_checks},
    )
    assert run.result is not None, run
    gate = run.result["gate"]
    assert gate["passed"] is False and gate["made"] == 0, "fails closed"
    (check,) = gate["checks"]
    assert check["check_result"] == "ERROR" and check["status"] == 404 and check["error_code"] == "APIG.0101"
    assert "does not offer the backend connectivity check" in check["msg"]
    assert "probe: local" in check["msg"] and emulator.url.split("//")[1] in check["msg"]
    assert check["local"]["check_result"] == "SUCCESS", "the local half is still reported"
    assert "this host reached 1 of 1" in gate["message"]
