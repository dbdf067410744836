# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real ansible-playbook and ansible runs of hwcloud.apig.backend_connectivity against the emulator.

The emulator's check really connects to loopback backends (open, refused,
SYN-dropping), so SUCCESS and FAILED here are facts about real sockets.
"""

import pytest

from tests.emulator import presets
from tests.integration.runner import run_adhoc, run_playbook
from tests.loopback.certificates import make_certificates, server_context
from tests.loopback.listeners import OpenListener

pytestmark = pytest.mark.integration

CHECK_PATH = r"/backend/connectivity/check$"
MIXED_CHANNEL_ID = presets.MIXED_CHANNEL_ID
UNKNOWN_ID = "ffffffffffffffffffffffffffffffff"


@pytest.fixture
def topology(emulator_factory, backend_servers):
    """One channel whose members are all up, one with a refused and a SYN-dropping member, and the emulator."""
    up = [backend_servers.open(), backend_servers.open()]
    refused, dropping = backend_servers.closed(), backend_servers.blackhole()
    mixed = [up[0], refused, dropping]
    config = presets.default_config(
        members=[{"host": "127.0.0.1", "port": server.port} for server in up],
        channels=[presets.mixed_channel(*mixed)],
    )
    emulator = emulator_factory(config)

    class Topology:
        pass

    topo = Topology()
    topo.emulator = emulator
    topo.up, topo.refused, topo.dropping = up, refused, dropping
    topo.expected_failures = [refused.address, dropping.address]
    return topo


def auth_for(mode, emulator):
    """Connection options for each way to sign in."""
    return presets.module_auth(mode, emulator.url, timeout=10, retries=1)


def channel_args(channel_id=presets.CHANNEL_ID, **extra):
    return dict(
        {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": channel_id}, **extra
    )


def checks_made(emulator):
    return [entry for entry in emulator.requests if entry["path"].endswith("/backend/connectivity/check")]


def assert_no_traceback(run):
    assert "Traceback" not in run.output, run
    assert "MODULE FAILURE" not in run.output, run


@pytest.mark.parametrize("mode", ["token", "password", "aksk", "temporary_aksk"])
def test_failed_channel_reports_exact_failures_in_every_auth_mode(topology, tmp_path, mode):
    run = run_playbook(
        "run_check.yml",
        tmp_path,
        {"apig_auth": auth_for(mode, topology.emulator), "check_args": channel_args(MIXED_CHANNEL_ID)},
    )
    assert run.rc == 0, run
    check = run.result["check"]
    assert not check.get("failed"), run
    assert check["check_result"] == "FAILED"
    assert check["failures"] == topology.expected_failures
    assert check["changed"] is False
    made = checks_made(topology.emulator)
    assert len(made) == 1
    assert check["request_id"] == made[0]["request_id"]
    assert run.result["fact"] == {
        "check_result": "FAILED",
        "failures": topology.expected_failures,
        "request_id": check["request_id"],
    }, "the fact holds the verdict in brief; the whole result is the registered one"
    assert made[0]["auth_mode"] == ("aksk" if "aksk" in mode else "token")
    if mode == "password":
        assert [entry["path"] for entry in topology.emulator.requests].count("/v3/auth/tokens") == 1
    assert_no_traceback(run)


def test_success_with_backend_address_and_custom_fact_name(topology, tmp_path):
    args = {
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "backend_address",
        "backend_address": topology.up[1].address,
        "fact_name": "orders_gate",
    }
    run = run_playbook(
        "run_check.yml", tmp_path, {"apig_auth": auth_for("token", topology.emulator), "check_args": args}
    )
    assert run.rc == 0, run
    assert run.result["check"]["check_result"] == "SUCCESS"
    assert run.result["check"]["failures"] == []
    assert run.result["fact"]["check_result"] == "SUCCESS"
    assert (
        checks_made(topology.emulator)[0]["body"]
        == '{"backend_address": "%s", "backend_type": "backend_address"}' % topology.up[1].address
    )


def test_success_on_channel_in_check_mode(topology, tmp_path):
    run = run_playbook(
        "run_check.yml",
        tmp_path,
        {"apig_auth": auth_for("aksk", topology.emulator), "check_args": channel_args()},
        args=["--check"],
    )
    assert run.rc == 0, run
    assert run.result["check"]["check_result"] == "SUCCESS"
    assert len(checks_made(topology.emulator)) == 1, "the check is read-only, so check mode really runs it"


def test_adhoc_with_credentials_from_the_environment(topology, tmp_path):
    env = {
        "HW_APIG_ENDPOINT": topology.emulator.url,
        "HW_PROJECT_ID": presets.PROJECT_ID,
        "HUAWEICLOUD_SDK_AK": presets.AK,
        "HUAWEICLOUD_SDK_SK": presets.SK,
    }
    run = run_adhoc(
        "hwcloud.apig.backend_connectivity",
        "instance_id=%s backend_type=vpc_channel vpc_channel_id=%s" % (presets.INSTANCE_ID, MIXED_CHANNEL_ID),
        tmp_path,
        env=env,
    )
    assert run.rc == 0, run
    assert run.result["check_result"] == "FAILED"
    assert run.result["failures"] == topology.expected_failures
    assert run.result["ansible_facts"]["apig_backend_connectivity"]["check_result"] == "FAILED"
    assert presets.SK not in run.output


def test_adhoc_with_terraform_style_password_environment(topology, tmp_path):
    env = {
        "HW_APIG_ENDPOINT": topology.emulator.url,
        "HW_AUTH_URL": topology.emulator.url + "/v3",
        "HW_REGION_NAME": presets.PROJECT_NAME,
        "HW_USER_NAME": presets.USER_NAME,
        "HW_USER_PASSWORD": presets.USER_PASSWORD,
        "HW_DOMAIN_NAME": presets.USER_DOMAIN,
    }
    run = run_adhoc(
        "hwcloud.apig.backend_connectivity",
        "instance_id=%s backend_type=vpc_channel vpc_channel_id=%s" % (presets.INSTANCE_ID, presets.CHANNEL_ID),
        tmp_path,
        env=env,
    )
    assert run.rc == 0, run
    assert run.result["check_result"] == "SUCCESS"
    assert presets.USER_PASSWORD not in run.output


# ---- every error code of APIG's "Error Codes" page: a clear failure with Huawei's fields, no traceback -------------

ERROR_CASES = {
    # name: (auth overrides, check args, fault responses, expected status, expected error_code, expected check calls)
    "expired_token": (dict(auth_token=presets.TOKEN_EXPIRED), {}, None, 401, "APIG.1001", 1),
    "incorrect_token": (dict(auth_token="tok-not-issued-by-anyone"), {}, None, 401, "APIG.1002", 1),
    "missing_token": (
        {},
        {},
        [{"status": 401, "error_code": "APIG.1000", "error_msg": "Token is missing"}],
        401,
        "APIG.1000",
        1,
    ),
    "no_permission": (dict(auth_token=presets.TOKEN_NOPERM), {}, None, 403, "APIG.1005", 1),
    "other_projects_token": (dict(auth_token=presets.TOKEN_OTHER_PROJECT), {}, None, 403, "APIG.1005", 1),
    "bad_signature": (
        dict(auth_token=None, access_key=presets.AK, secret_key="not-the-secret-key-0000"),
        {},
        None,
        401,
        "APIG.0301",
        1,
    ),
    "temporary_key_without_security_token": (
        dict(auth_token=None, access_key=presets.TEMP_AK, secret_key=presets.TEMP_SK),
        {},
        None,
        401,
        "APIG.0301",
        1,
    ),
    "unknown_instance": ({}, dict(instance_id=UNKNOWN_ID), None, 404, "APIG.3030", 1),
    "unknown_channel": ({}, dict(vpc_channel_id=UNKNOWN_ID), None, 404, "APIG.3023", 1),
    "invalid_parameter": (
        {},
        {},
        [
            {
                "status": 400,
                "error_code": "APIG.2012",
                "error_msg": "Invalid parameter value,parameterName:backend_type. Please refer to the support documentation",
            }
        ],
        400,
        "APIG.2012",
        1,
    ),
    "throttled_until_retries_run_out": (
        {},
        {},
        [
            {
                "status": 429,
                "error_code": "APIG.0308",
                "error_msg": "The throttling threshold has been reached",
                "times": 2,
            }
        ],
        429,
        "APIG.0308",
        2,
    ),
    "system_error_until_retries_run_out": (
        {},
        {},
        [{"status": 500, "error_code": "APIG.9999", "error_msg": "System error", "times": 2}],
        500,
        "APIG.9999",
        2,
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_each_error_code_fails_clearly(topology, tmp_path, case):
    auth_overrides, args, fault, status, error_code, calls = ERROR_CASES[case]
    auth = auth_for("token", topology.emulator)
    auth.update(auth_overrides)
    auth = {key: value for key, value in auth.items() if value is not None}
    if fault:
        topology.emulator.add_fault(CHECK_PATH, fault)
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth, "check_args": channel_args(**args)})
    assert run.rc == 0, run
    check = run.result["check"]
    assert check["failed"] is True
    assert check["status"] == status
    assert check["error_code"] == error_code
    assert check["error_msg"]
    assert error_code in check["msg"]
    made = checks_made(topology.emulator)
    assert len(made) == calls
    assert check["request_id"] == made[-1]["request_id"]
    assert "check_result" not in check, "a check that could not be made has no verdict"
    assert run.result["fact"] is None
    assert_no_traceback(run)


def test_iam_refusing_the_password_fails_clearly(topology, tmp_path):
    auth = auth_for("password", topology.emulator)
    auth["password"] = "wrong-password-1234"
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth, "check_args": channel_args()})
    check = run.result["check"]
    assert check["failed"] is True and check["status"] == 401
    assert "IAM refused the sign-in" in check["msg"]
    assert checks_made(topology.emulator) == []
    assert "wrong-password-1234" not in run.output
    assert_no_traceback(run)


# ---- retries ------------------------------------------------------------------------------------------------------


def test_server_errors_are_retried_until_the_real_answer(topology, tmp_path):
    topology.emulator.add_fault(
        CHECK_PATH,
        [
            {"status": 503, "error_code": "APIG.9999", "error_msg": "busy"},
            {"status": 502, "body": "<html>bad gateway</html>", "content_type": "text/html"},
            {"status": 504, "body": ""},
        ],
    )
    auth = dict(auth_for("token", topology.emulator), retries=3)
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth, "check_args": channel_args(MIXED_CHANNEL_ID)})
    check = run.result["check"]
    assert check.get("failed") is not True, run
    assert check["check_result"] == "FAILED" and check["failures"] == topology.expected_failures
    assert [entry["status"] for entry in checks_made(topology.emulator)] == [503, 502, 504, 201]


def test_retry_after_is_honoured(topology, tmp_path):
    topology.emulator.add_fault(
        CHECK_PATH,
        [{"status": 429, "error_code": "APIG.0308", "error_msg": "throttled", "headers": {"Retry-After": "2"}}],
    )
    run = run_playbook(
        "run_check.yml", tmp_path, {"apig_auth": auth_for("token", topology.emulator), "check_args": channel_args()}
    )
    assert run.result["check"]["check_result"] == "SUCCESS", run
    first, second = checks_made(topology.emulator)
    assert second["time"] - first["time"] >= 1.9, "the retry came before Retry-After allowed"


def test_connection_reset_is_retried(topology, tmp_path):
    topology.emulator.add_fault(CHECK_PATH, [{"action": "reset"}])
    run = run_playbook(
        "run_check.yml", tmp_path, {"apig_auth": auth_for("token", topology.emulator), "check_args": channel_args()}
    )
    assert run.result["check"]["check_result"] == "SUCCESS", run
    assert len(checks_made(topology.emulator)) == 2


def test_client_errors_are_never_retried(topology, tmp_path):
    topology.emulator.add_fault(
        CHECK_PATH, [{"status": 400, "error_code": "APIG.2012", "error_msg": "bad", "times": 3}]
    )
    auth = dict(auth_for("token", topology.emulator), retries=3)
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth, "check_args": channel_args()})
    assert run.result["check"]["failed"] is True
    assert len(checks_made(topology.emulator)) == 1


def test_expired_token_with_password_sign_in_reauthenticates_once(topology, tmp_path):
    topology.emulator.add_fault(CHECK_PATH, [{"status": 401, "error_code": "APIG.1001", "error_msg": "Token expired"}])
    run = run_playbook(
        "run_check.yml", tmp_path, {"apig_auth": auth_for("password", topology.emulator), "check_args": channel_args()}
    )
    assert run.result["check"]["check_result"] == "SUCCESS", run
    paths = [entry["path"] for entry in topology.emulator.requests]
    assert paths.count("/v3/auth/tokens") == 2
    assert len(checks_made(topology.emulator)) == 2


def test_token_that_keeps_expiring_fails_after_one_reauthentication(topology, tmp_path):
    auth = dict(
        auth_for("password", topology.emulator), user_name=presets.SHORT_TTL_USER, password=presets.SHORT_TTL_PASSWORD
    )
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth, "check_args": channel_args()})
    check = run.result["check"]
    assert check["failed"] is True and check["error_code"] == "APIG.1001"
    assert [entry["path"] for entry in topology.emulator.requests].count("/v3/auth/tokens") == 2
    assert len(checks_made(topology.emulator)) == 2


def test_expired_user_token_is_not_refreshed(topology, tmp_path):
    run = run_playbook(
        "run_check.yml",
        tmp_path,
        {
            "apig_auth": dict(auth_for("token", topology.emulator), auth_token=presets.TOKEN_EXPIRED),
            "check_args": channel_args(),
        },
    )
    assert run.result["check"]["error_code"] == "APIG.1001"
    assert [entry["path"] for entry in topology.emulator.requests].count("/v3/auth/tokens") == 0


# ---- bad input: a clear error naming the option, and no request at all ---------------------------------------------

BAD_INPUT = {
    "missing_channel_id": ({"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel"}, {}, "vpc_channel_id"),
    "missing_address": ({"instance_id": presets.INSTANCE_ID, "backend_type": "backend_address"}, {}, "backend_address"),
    "bad_backend_type": (channel_args(backend_type="load_balancer"), {}, "backend_type"),
    "empty_instance_id": (channel_args(instance_id=""), {}, "instance_id"),
    "instance_id_not_hex": (channel_args(instance_id="../../etc"), {}, "instance_id"),
    "address_that_is_a_url": (
        {
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "backend_address",
            "backend_address": "http://127.0.0.1:80/",
        },
        {},
        "backend_address",
    ),
    "address_port_zero": (
        {"instance_id": presets.INSTANCE_ID, "backend_type": "backend_address", "backend_address": "127.0.0.1:0"},
        {},
        "backend_address",
    ),
    "two_ways_to_sign_in": (channel_args(), {"access_key": presets.AK, "secret_key": presets.SK}, "access_key"),
    "no_credentials": (channel_args(), {"auth_token": None}, "auth_token"),
    "empty_token": (channel_args(), {"auth_token": ""}, "auth_token"),
    "bad_probe_mode": (channel_args(probe="sideways"), {}, "probe"),
    "bad_local_probe_option": (channel_args(probe="local", local_probe={"protocoll": "tcp"}), {}, "local_probe"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_before_any_request(topology, tmp_path, case):
    args, auth_overrides, option = BAD_INPUT[case]
    auth = dict(auth_for("token", topology.emulator), **auth_overrides)
    auth = {key: value for key, value in auth.items() if value is not None}
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth, "check_args": args})
    check = run.result["check"]
    assert check["failed"] is True, run
    assert option in check["msg"], check["msg"]
    assert topology.emulator.requests == [], "bad input must not send a request"
    assert_no_traceback(run)


# ---- what the two parsers of the past disagreed on (issue: one address model) --------------------------------------


def test_a_host_name_with_an_underscore_is_checked(emulator_factory, backend_servers, tmp_path):
    """``my_host.internal:PORT`` was refused by backend_connectivity while backend_probe accepted it."""
    up = backend_servers.open()
    emulator = emulator_factory(presets.default_config(hosts={"my_host.internal": ["127.0.0.1"]}))
    address = "my_host.internal:%d" % up.port
    args = {"instance_id": presets.INSTANCE_ID, "backend_type": "backend_address", "backend_address": address}
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth_for("token", emulator), "check_args": args})
    assert run.rc == 0, run
    assert run.result["check"]["check_result"] == "SUCCESS", run
    assert [entry["body"] for entry in checks_made(emulator)] == [
        '{"backend_address": "%s", "backend_type": "backend_address"}' % address
    ]
    assert up.accepted == 1, "the emulator's check really connected to the backend the name stands for"


def test_local_probe_validate_certs_given_as_the_string_false_is_false(emulator_factory, tmp_path):
    """``local_probe: {validate_certs: "false"}`` reached bool("false") and turned verification on."""
    _ca_path, cert_path, key_path = make_certificates(str(tmp_path))
    context = server_context(cert_path, key_path)
    with OpenListener(http=True, ssl_context=context) as https_backend:
        emulator = emulator_factory(presets.default_config())
        args = {
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "backend_address",
            "backend_address": https_backend.address,
            "probe": "local",
            "local_probe": {"protocol": "https", "validate_certs": "false", "timeout": 5},
        }
        run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth_for("token", emulator), "check_args": args})
    assert run.rc == 0, run
    check = run.result["check"]
    assert check["check_result"] == "SUCCESS", check
    (record,) = check["local"]["results"]
    assert record["ok"] is True and record["status_code"] == 200, record
    assert record["cert_days_left"] is not None, "the handshake happened, unverified, and read the expiry"
