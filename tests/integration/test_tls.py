# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS: verification is on by default, a private CA is trusted only through ca_path, and turning it off warns.

The emulator serves HTTPS with a certificate signed by its own, freshly made
CA (``Emulator.start(tls=True)``, ``emu.ca_path``).  One ansible-playbook run
covers every case, one local host per case, each against its own emulator so
that "nothing was sent" can be read from that emulator's log.
"""

import pytest

from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.integration.test_load import run_hosts

pytestmark = pytest.mark.integration

CHANNEL = {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}


def token_auth(emulator, **extra):
    return dict(
        {
            "endpoint": emulator.url,
            "project_id": presets.PROJECT_ID,
            "auth_token": presets.TOKEN_VALID,
            "timeout": 5,
            "retries": 1,
        },
        **extra,
    )


def password_auth(emulator, **extra):
    return dict(
        {
            "endpoint": emulator.url,
            "iam_endpoint": emulator.url + "/v3",
            "region": presets.PROJECT_NAME,
            "user_name": presets.USER_NAME,
            "password": presets.USER_PASSWORD,
            "domain_name": presets.USER_DOMAIN,
            "timeout": 5,
            "retries": 1,
        },
        **extra,
    )


CASES = {
    # case: (auth options given the emulator, expected outcome)
    "default_verification": (token_auth, "tls_failure"),
    "default_verification_password": (password_auth, "tls_failure"),
    "ca_path": (lambda emu: token_auth(emu, ca_path=emu.ca_path), "success"),
    "ca_path_password": (lambda emu: password_auth(emu, ca_path=emu.ca_path), "success"),
    "validate_certs_false": (lambda emu: token_auth(emu, validate_certs=False), "success_with_warning"),
    "ca_path_missing": (lambda emu: token_auth(emu, ca_path=emu.ca_path + ".missing"), "refused"),
}


def test_tls_verification(tmp_path):
    emulators = {}
    try:
        for case in CASES:
            emulators[case] = Emulator(
                presets.default_config(members=[{"host": "127.0.0.1", "port": 1}], check_timeout=0.3)
            ).start(tls=True)
        hosts = {case: {"apig_auth": CASES[case][0](emulators[case]), "check_args": CHANNEL} for case in CASES}
        run = run_hosts(tmp_path, hosts)
        assert "Traceback" not in run.output, run
        for case, (_auth, expected) in CASES.items():
            emulator, result = emulators[case], run.results[case]
            assert result is not None, (case, run)
            sent = emulator.requests
            if expected == "tls_failure":
                assert result.get("failed") is True, (case, result)
                assert "check_result" not in result
                assert "TLS verification of 127.0.0.1:%d failed" % emulator.port in result["msg"], (case, result["msg"])
                assert "certificate verify failed" in result["msg"], (case, result["msg"])
                assert "set ca_path" in result["msg"]
                assert sent == [], "%s: a request (and its credentials) got through an unverified TLS connection" % case
            elif expected == "refused":
                assert result.get("failed") is True and result.get("option") == "ca_path", (case, result)
                assert "does not exist" in result["msg"]
                assert sent == [], case
            else:
                assert not result.get("failed"), (case, result)
                assert result["check_result"] == "FAILED" and result["failures"] == ["127.0.0.1:1"], (case, result)
                assert any(entry["path"].endswith("/backend/connectivity/check") for entry in sent), case
                warnings = " ".join(result.get("warnings") or [])
                if expected == "success_with_warning":
                    assert "validate_certs is false" in warnings, (case, result)
                else:
                    assert "validate_certs" not in warnings, (case, result)
        assert (
            "[WARNING]: validate_certs is false" in run.stdout.replace("\n", " ").replace("  ", " ")
            or "validate_certs is false" in run.output
        ), "the warning is shown to the user, not only in the result"
    finally:
        for emulator in emulators.values():
            emulator.stop()
