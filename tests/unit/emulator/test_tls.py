# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTPS: the generated CA verifies the emulator; slow handshakes do not block others."""

import os
import socket
import ssl

import pytest
import requests

from tests.emulator import presets
from tests.unit.emulator.helpers import TIMEOUT, check, iam_body

BODY = {"backend_type": "backend_address", "backend_address": "127.0.0.1:1"}


@pytest.fixture
def tls_emu(emulator_factory):
    return emulator_factory(presets.default_config(), tls=True)


def test_verified_https_for_iam_and_apig(tls_emu):
    assert tls_emu.url.startswith("https://127.0.0.1:")
    token = requests.post(tls_emu.url + "/v3/auth/tokens", json=iam_body(), verify=tls_emu.ca_path, timeout=TIMEOUT)
    assert token.status_code == 201
    assert check(tls_emu, BODY, token=token.headers["X-Subject-Token"], verify=tls_emu.ca_path).status_code == 201


def test_localhost_name_is_in_the_certificate(tls_emu):
    response = requests.get(
        "https://localhost:%d/_emulator/health" % tls_emu.port, verify=tls_emu.ca_path, timeout=TIMEOUT
    )
    assert response.json()["status"] == "ok"


def test_strict_verification_accepts_the_chain(tls_emu):
    context = ssl.create_default_context(cafile=tls_emu.ca_path)
    context.verify_flags |= getattr(ssl, "VERIFY_X509_STRICT", 0)
    with socket.create_connection(("127.0.0.1", tls_emu.port), timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_unknown_ca_is_refused(tls_emu):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_emu.url + "/_emulator/health", timeout=TIMEOUT)


def test_a_silent_client_does_not_block_the_accept_loop(tls_emu):
    with socket.create_connection(("127.0.0.1", tls_emu.port), timeout=TIMEOUT):
        response = requests.get(tls_emu.url + "/_emulator/health", verify=tls_emu.ca_path, timeout=TIMEOUT)
        assert response.status_code == 200


def test_reset_fault_over_tls(tls_emu):
    tls_emu.add_fault(r"/check$", [{"action": "reset"}])
    with pytest.raises(requests.exceptions.RequestException):
        check(tls_emu, BODY, verify=tls_emu.ca_path).json()


def test_stop_removes_the_certificates(emulator_factory):
    emu = emulator_factory(presets.default_config(), tls=True)
    path = emu.ca_path
    assert os.path.exists(path)
    emu.stop()
    assert not os.path.exists(path)
