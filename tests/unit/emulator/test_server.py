# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Emulator lifecycle, the request log, admin endpoints and generic HTTP behaviour."""

import concurrent.futures
import re
import socket
import time

import pytest
import requests

from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.loopback.fixtures import needs_ipv6
from tests.unit.emulator.helpers import TIMEOUT, check, members

BODY = {"backend_type": "backend_address", "backend_address": "127.0.0.1:1"}


def test_context_manager_and_url(tmp_path):
    config_file = tmp_path / "emu.yml"
    config_file.write_text("projects:\n  - id: p1\n")
    with Emulator(str(config_file)) as emu:
        assert re.match(r"^http://127\.0\.0\.1:\d+$", emu.url) and emu.ca_path is None
        assert requests.get(emu.url + "/_emulator/health", timeout=TIMEOUT).json()["status"] == "ok"
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(emu.url + "/_emulator/health", timeout=TIMEOUT)


def test_start_once_and_loopback_only():
    emu = Emulator(presets.default_config())
    with pytest.raises(ValueError):
        emu.start(host="0.0.0.0")
    emu.start()
    try:
        with pytest.raises(RuntimeError):
            emu.start()
    finally:
        emu.stop()
        emu.stop()  # idempotent


@needs_ipv6
def test_ipv6_loopback_bind():
    emu = Emulator(presets.default_config())
    emu.start(host="::1")
    try:
        assert emu.url.startswith("http://[::1]:")
        assert requests.get(emu.url + "/_emulator/health", timeout=TIMEOUT).status_code == 200
    finally:
        emu.stop()


def test_request_log(emu):
    check(emu, BODY)
    members(emu, {"limit": 5})
    requests.get(emu.url + "/_emulator/health", timeout=TIMEOUT)
    log = emu.requests
    assert [entry["method"] for entry in log] == ["POST", "GET"]  # admin requests are not logged
    first, second = log
    assert first["path"].endswith("/backend/connectivity/check") and first["query"] == {}
    assert first["headers"]["X-Auth-Token"] == presets.TOKEN_VALID  # original header case
    assert '"backend_type"' in first["body"] and first["status"] == 201 and first["auth_mode"] == "token"
    assert second["query"] == {"limit": "5"} and second["body"] == ""
    assert first["time"] <= second["time"] and re.match(r"^[0-9a-f]{32}$", first["request_id"])
    emu.clear_requests()
    assert emu.requests == []


def test_admin_request_endpoints(emu):
    check(emu, BODY)
    listed = requests.get(emu.url + "/_emulator/requests", timeout=TIMEOUT).json()
    assert len(listed) == 1 and listed[0]["status"] == 201
    assert requests.delete(emu.url + "/_emulator/requests", timeout=TIMEOUT).status_code == 200
    assert emu.requests == []
    assert requests.put(emu.url + "/_emulator/requests", timeout=TIMEOUT).status_code == 405
    assert requests.get(emu.url + "/_emulator/nothing", timeout=TIMEOUT).status_code == 404
    health = requests.get(emu.url + "/_emulator/health", timeout=TIMEOUT).json()
    assert health["url"] == emu.url and health["requests"] == 0 and health["pid"] > 0


def test_unknown_path_and_wrong_method(emu):
    unknown = requests.get(emu.url + "/v2/nothing/here", headers={"X-Auth-Token": presets.TOKEN_VALID}, timeout=TIMEOUT)
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "APIG.0101"
    assert re.match(r"^[0-9a-f]{32}$", unknown.headers["X-Request-Id"])
    wrong = requests.get(
        emu.url + "/v2/%s/apigw/instances/%s/backend/connectivity/check" % (presets.PROJECT_ID, presets.INSTANCE_ID),
        headers={"X-Auth-Token": presets.TOKEN_VALID},
        timeout=TIMEOUT,
    )
    assert (
        wrong.status_code == 405
        and wrong.headers["Allow"] == "POST"
        and set(wrong.json()) == {"error_code", "error_msg"}
    )
    assert (
        requests.delete(emu.url + "/v2/x/apigw/instances/y/vpc-channels/z/members", timeout=TIMEOUT).status_code == 405
    )


def test_every_answer_has_a_request_id_and_server_header(emu):
    for response in (check(emu, BODY), check(emu, BODY, token=None), members(emu)):
        assert re.match(r"^[0-9a-f]{32}$", response.headers["X-Request-Id"])
        assert response.headers["Server"] == "api-gateway"
    ids = {check(emu, BODY).headers["X-Request-Id"] for _attempt in range(5)}
    assert len(ids) == 5


def test_chunked_request_body(emu):
    def chunks():
        yield b'{"backend_type": '
        yield b'"backend_address", "backend_address": "127.0.0.1:1"}'

    response = requests.post(
        emu.url + "/v2/%s/apigw/instances/%s/backend/connectivity/check" % (presets.PROJECT_ID, presets.INSTANCE_ID),
        data=chunks(),
        headers={"X-Auth-Token": presets.TOKEN_VALID},
        timeout=TIMEOUT,
    )
    assert response.status_code == 201
    assert emu.requests[-1]["body"].startswith('{"backend_type": "backend_address"')


def test_oversized_and_bad_length_bodies(emu):
    response = requests.post(
        emu.url + "/v3/auth/tokens", headers={"Content-Length": str(64 * 1024 * 1024)}, data=b"", timeout=TIMEOUT
    )
    assert response.status_code == 413 and response.json()["error_code"] == "APIG.0201"
    assert emu.requests[-1]["status"] == 413 and emu.requests[-1]["body"] == ""
    with socket.create_connection((emu.host, emu.port), timeout=TIMEOUT) as sock:
        sock.sendall(b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400")


def test_many_concurrent_clients(emu_with_backends):
    listener = emu_with_backends.helpers[0]
    body = {"backend_type": "backend_address", "backend_address": listener.address}
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = list(pool.map(lambda _index: check(emu_with_backends, body).json()["check_result"], range(100)))
    assert results == ["SUCCESS"] * 100
    assert time.monotonic() - started < 10
    assert len(emu_with_backends.requests) == 100


def test_keep_alive_session(emu):
    started = time.monotonic()
    with requests.Session() as session:
        for _attempt in range(20):
            response = session.get(
                emu.url
                + "/v2/%s/apigw/instances/%s/vpc-channels/%s/members"
                % (presets.PROJECT_ID, presets.INSTANCE_ID, presets.CHANNEL_ID),
                headers={"X-Auth-Token": presets.TOKEN_VALID},
                timeout=TIMEOUT,
            )
            assert response.status_code == 200
    assert time.monotonic() - started < 1.0  # no Nagle/delayed-ACK stalls between header and body writes


def test_an_emulator_bug_answers_500_system_error(emu, monkeypatch):
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr("tests.emulator.apig.check_connectivity", broken)
    response = check(emu, BODY)
    assert response.status_code == 500 and response.json() == {"error_code": "APIG.9999", "error_msg": "System error"}
    assert "boom" in emu.requests[-1]["detail"]
    assert members(emu).status_code == 200  # the server is still fine
