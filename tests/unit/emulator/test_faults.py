# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: each kind of scripted answer, sequencing, and rule validation."""

import concurrent.futures
import socket
import time

import pytest
import requests

from tests.emulator.faults import FaultBook, FaultError
from tests.unit.emulator.helpers import TIMEOUT, check, members

CHECK = r"/backend/connectivity/check$"
BODY = {"backend_type": "backend_address", "backend_address": "127.0.0.1:1"}


def raw_exchange(emu, path="/v2/p/apigw/instances/i/backend/connectivity/check", timeout=5):
    """Send a bare HTTP request and collect bytes until EOF or an error; returns (data, error)."""
    sock = socket.create_connection((emu.host, emu.port), timeout=timeout)
    data, error = b"", None
    try:
        sock.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}" % path).encode("ascii"))
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        error = exc
    finally:
        sock.close()
    return data, error


def test_error_answer_then_normal_handling(emu):
    emu.add_fault(CHECK, [{"status": 500, "error_code": "APIG.9999", "error_msg": "System error"}])
    first = check(emu, BODY)
    assert first.status_code == 500 and first.json() == {"error_code": "APIG.9999", "error_msg": "System error"}
    assert len(first.headers["X-Request-Id"]) == 32
    assert check(emu, BODY).status_code == 201
    assert [entry["fault"] for entry in emu.requests] == ["status 500", None]
    assert emu.requests[0]["error_code"] == "APIG.9999"


def test_fail_twice_then_pass_then_normal(emu):
    emu.add_fault(
        CHECK,
        [
            {"status": 503, "error_code": "APIG.9999"},
            {"status": 503, "body": "<html>busy</html>", "content_type": "text/html"},
            {"pass": True},
        ],
    )
    responses = [check(emu, BODY) for _attempt in range(4)]
    assert [r.status_code for r in responses] == [503, 503, 201, 201]
    assert responses[0].json() == {"error_code": "APIG.9999", "error_msg": "Injected fault"}
    assert responses[1].text == "<html>busy</html>" and responses[1].headers["Content-Type"] == "text/html"
    assert [entry["fault"] for entry in emu.requests] == ["status 503", "status 503", "pass", None]


def test_headers_and_empty_body(emu):
    emu.add_fault(
        CHECK,
        [
            {"status": 429, "headers": {"Retry-After": 2}},
            {"status": 302, "headers": {"Location": "http://127.0.0.1:9/x"}},
        ],
    )
    throttled = check(emu, BODY)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2" and throttled.content == b""
    moved = check(emu, BODY, allow_redirects=False)
    assert moved.status_code == 302 and moved.headers["Location"] == "http://127.0.0.1:9/x"


def test_faults_apply_before_auth(emu):
    emu.add_fault(CHECK, [{"status": 502, "body": "bad gateway"}])
    response = check(emu, BODY, token=None)
    assert response.status_code == 502 and response.text == "bad gateway"
    assert emu.requests[-1]["auth_mode"] == "none"


def test_method_filter_and_path_regex(emu):
    emu.add_fault(r"/members$", [{"status": 500, "error_code": "APIG.9999"}], method="post")
    assert members(emu).status_code == 200
    emu.add_fault(r"/members$", [{"status": 500, "error_code": "APIG.9999"}], method="GET")
    assert check(emu, BODY).status_code == 201
    assert members(emu).status_code == 500
    emu.clear_faults()
    assert members(emu).status_code == 200


def test_pure_latency_repeats_and_does_not_serialize(emu):
    emu.add_fault(CHECK, [{"delay_ms": 300, "times": 8, "headers": {"X-Injected": "yes"}}])
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _index: check(emu, BODY), range(8)))
    elapsed = time.monotonic() - started
    assert [r.status_code for r in responses] == [201] * 8
    assert all(r.headers["X-Injected"] == "yes" for r in responses)
    assert 0.3 <= elapsed < 1.5
    quick = time.monotonic()
    assert check(emu, BODY).status_code == 201 and time.monotonic() - quick < 0.3


def test_delayed_error_and_repeat_synonym(emu):
    emu.add_fault(CHECK, [{"delay_ms": 200, "status": 504, "error_code": "APIG.9999", "repeat": 2}])
    started = time.monotonic()
    assert [check(emu, BODY).status_code for _attempt in range(3)] == [504, 504, 201]
    assert time.monotonic() - started >= 0.4


def test_reset_mid_body(emu):
    emu.add_fault(
        CHECK,
        [
            {"action": "reset"},
            {"action": "reset", "status": 201, "body": '{"check_result": "SUCCESS", "failures": []}'},
        ],
    )
    data, error = raw_exchange(emu)
    assert data.startswith(b"HTTP/1.1 200") and b"Content-Length: 1024" in data
    assert isinstance(error, ConnectionResetError)
    with pytest.raises(requests.exceptions.RequestException, match="reset"):
        check(emu, BODY)
    assert check(emu, BODY).status_code == 201


def test_truncate(emu):
    emu.add_fault(
        CHECK,
        [
            {"action": "truncate", "status": 201, "body": '{"check_result": "SUCCESS", "failures": []}'},
            {"action": "truncate"},
        ],
    )
    data, error = raw_exchange(emu)
    head, _sep, body = data.partition(b"\r\n\r\n")
    assert error is None and b"Content-Length: 43" in head and body == b'{"check_result": "SUC'
    with pytest.raises(requests.exceptions.RequestException):
        check(emu, BODY).json()


def test_hang_until_client_gives_up(emu):
    emu.add_fault(CHECK, [{"action": "hang"}])
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(emu.url + "/v2/p/apigw/instances/i/backend/connectivity/check", json=BODY, timeout=(2, 0.3))
    assert time.monotonic() - started < 1.5
    assert check(emu, BODY).status_code == 201  # the next request is handled normally
    assert emu.requests[0]["status"] is None and emu.requests[0]["fault"] == "hang"


def test_stop_is_prompt_with_hung_and_idle_connections(emu):
    emu.add_fault(CHECK, [{"action": "hang", "times": 3}])
    emu.add_fault(r"/slow$", [{"delay_ms": 60000}])
    idle = requests.Session()
    assert (
        idle.get(emu.url + "/_emulator/health", timeout=TIMEOUT).status_code == 200
    )  # leaves a keep-alive connection open
    pool = concurrent.futures.ThreadPoolExecutor(4)
    futures = [
        pool.submit(
            requests.post, emu.url + "/v2/p/apigw/instances/i/backend/connectivity/check", json=BODY, timeout=30
        )
        for _attempt in range(3)
    ]
    futures.append(pool.submit(requests.get, emu.url + "/slow", timeout=30))
    time.sleep(0.3)
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 2.0
    for future in futures:
        with pytest.raises(requests.exceptions.ConnectionError):
            future.result(timeout=5)
    pool.shutdown()
    idle.close()


def test_large_streamed_body(emu):
    size = 50 * 1024 * 1024
    emu.add_fault(r"/members$", [{"body_size": size}])
    response = requests.get(emu.url + "/v2/p/apigw/instances/i/vpc-channels/c/members", stream=True, timeout=TIMEOUT)
    assert response.status_code == 200 and int(response.headers["Content-Length"]) == size
    total, first, last = 0, b"", b""
    for chunk in response.iter_content(1024 * 1024):
        first = first or chunk[:11]
        last = chunk[-2:]
        total += len(chunk)
    assert total == size and first == b'{"filler":"' and last == b'"}'


def test_small_body_size_and_reset_with_body_size(emu):
    emu.add_fault(CHECK, [{"body_size": 5, "status": 201}, {"body_size": 0}, {"body_size": 100000, "action": "reset"}])
    small = check(emu, BODY)
    assert small.status_code == 201 and small.content == b"xxxxx"
    assert check(emu, BODY).content == b""
    with pytest.raises(requests.exceptions.RequestException):
        check(emu, BODY).json()


@pytest.mark.parametrize(
    "path_regex, responses, method",
    [
        ("(", [{"status": 500}], None),
        (5, [{"status": 500}], None),
        ("x", [], None),
        ("x", "not a list", None),
        ("x", [{"status": 99}], None),
        ("x", [{"status": "500"}], None),
        ("x", [{"error_code": "APIG.9999"}], None),
        ("x", [{"status": 500, "error_msg": "m"}], None),
        ("x", [{"status": 500, "body": "b", "error_code": "c"}], None),
        ("x", [{"action": "explode"}], None),
        ("x", [{"action": "hang", "status": 500}], None),
        ("x", [{"pass": True, "status": 500}], None),
        ("x", [{"delay_ms": -1}], None),
        ("x", [{"times": 0}], None),
        ("x", [{"times": 2, "repeat": 2}], None),
        ("x", [{"headers": {"X": "a\r\nb"}}], None),
        ("x", [{"bogus": 1}], None),
        ("x", [{"status": 500}], ""),
    ],
)
def test_invalid_rules(path_regex, responses, method):
    with pytest.raises(FaultError):
        FaultBook().add(path_regex, responses, method=method)


def test_rules_are_consumed_in_order():
    book = FaultBook()
    book.add("a", [{"status": 500}, {"status": 501, "times": 2}])
    book.add("a", [{"status": 502}])
    assert book.pending()[0]["pending"] == [
        {"response": "status 500", "times": 1},
        {"response": "status 501", "times": 2},
    ]
    assert [book.take("GET", "/a").status for _attempt in range(4)] == [500, 501, 501, 502]
    assert book.take("GET", "/a") is None and book.pending() == []


def test_admin_fault_endpoints(emu):
    added = requests.post(
        emu.url + "/_emulator/faults",
        json={"path_regex": CHECK, "method": "POST", "responses": [{"status": 500}]},
        timeout=TIMEOUT,
    )
    assert added.status_code == 201 and isinstance(added.json()["id"], int)
    assert requests.get(emu.url + "/_emulator/faults", timeout=TIMEOUT).json()[0]["path_regex"] == CHECK
    assert check(emu, BODY).status_code == 500
    requests.post(
        emu.url + "/_emulator/faults", json={"path_regex": CHECK, "responses": [{"status": 500}]}, timeout=TIMEOUT
    )
    assert requests.delete(emu.url + "/_emulator/faults", timeout=TIMEOUT).status_code == 200
    assert check(emu, BODY).status_code == 201
    for bad in (
        b"nope",
        b"[]",
        b'{"path_regex": "x", "responses": [], "extra": 1}',
        b'{"path_regex": "x", "responses": [{"status": 1}]}',
    ):
        response = requests.post(emu.url + "/_emulator/faults", data=bad, timeout=TIMEOUT)
        assert response.status_code == 400 and response.json()["error"]
