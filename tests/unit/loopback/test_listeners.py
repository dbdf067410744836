# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The loopback listeners behave as their names promise: every probe and emulator test relies on it.

A listener that does not refuse, drop or reset as it claims would make a probe test pass for the wrong reason,
so each behaviour is shown here with plain sockets, independently of the code under test.
"""

import socket
import time

import pytest
import requests

from tests.loopback.listeners import (
    CLOSE,
    HOLD,
    BlackholeListener,
    ClosedPort,
    GarbageServer,
    LateListener,
    OpenListener,
    ResetServer,
    StaleKeepAliveServer,
    closed_port,
    start_backend,
)
from tests.loopback.sockets import bound_socket, format_address


def wait_for(predicate, within=2.0):
    deadline = time.monotonic() + within
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_open_listener_accepts_and_counts():
    with OpenListener() as listener:
        assert listener.address == "127.0.0.1:%d" % listener.port
        socket.create_connection((listener.host, listener.port), timeout=2).close()
        assert wait_for(lambda: listener.accepted == 1)
        assert listener.wait_accepted(1) and not listener.wait_accepted(2, within=0.1)


def test_a_stale_kept_open_connection_is_closed_without_an_answer():
    """The first request of a connection is answered as if it stayed open; the next one on it gets nothing."""
    server = StaleKeepAliveServer()
    try:
        with socket.create_connection((server.host, server.port), timeout=2) as conn:
            conn.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(StaleKeepAliveServer.BODY):
                chunk = conn.recv(4096)
                assert chunk, answer
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection" not in answer
            conn.sendall(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.recv(4096) == b""
        assert wait_for(lambda: (server.answered, server.dropped) == (1, 1))
    finally:
        server.close()


def test_open_listener_that_holds_keeps_the_connection_open():
    with OpenListener(on_accept=HOLD) as listener:
        with socket.create_connection((listener.host, listener.port), timeout=2) as client:
            client.settimeout(0.3)
            with pytest.raises(socket.timeout):
                client.recv(1)  # nothing comes, and the connection is not closed either


def test_open_listener_that_closes_ends_each_connection_at_once():
    with OpenListener(on_accept=CLOSE) as listener:
        with socket.create_connection((listener.host, listener.port), timeout=2) as client:
            client.settimeout(2)
            try:
                assert client.recv(1) == b""  # FIN
            except ConnectionResetError:
                pass  # or RST: either way the peer is gone at once


def test_a_listener_that_closes_at_once_cannot_answer_http():
    with pytest.raises(ValueError):
        OpenListener(on_accept=CLOSE, http=True)
    with pytest.raises(ValueError):
        OpenListener(on_accept="linger")


def test_http_listener_answers():
    with OpenListener(http=True, body="hello", status=200) as listener:
        response = requests.get("http://%s/" % listener.address, timeout=5)
        assert response.status_code == 200 and response.text == "hello"


def test_closed_port_refuses():
    with closed_port() as closed:
        assert isinstance(closed, ClosedPort)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((closed.host, closed.port), timeout=2)


def test_closed_port_keeps_its_port_and_can_start_listening_on_it():
    closed = ClosedPort()
    try:
        with pytest.raises(OSError):
            bound_socket(closed.host, closed.port)  # the port is ours: nobody else can bind it
        listener = closed.start_listening(on_accept=CLOSE)
    finally:
        closed.close()
    with listener:
        assert listener.port == closed.port
        socket.create_connection((listener.host, listener.port), timeout=2).close()
        assert wait_for(lambda: listener.accepted == 1)
    with pytest.raises(RuntimeError):
        closed.start_listening()


def test_late_listener_refuses_then_accepts():
    with LateListener(delay=0.5, on_accept=CLOSE) as late:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((late.host, late.port), timeout=2)
        assert wait_for(lambda: late.listener is not None, within=3)
        socket.create_connection((late.host, late.port), timeout=2).close()


def test_blackhole_times_out():
    with BlackholeListener() as hole:
        started = time.monotonic()
        with pytest.raises(socket.timeout):
            socket.create_connection((hole.host, hole.port), timeout=0.3)
        assert time.monotonic() - started >= 0.25


def test_reset_server_answers_with_a_reset():
    with ResetServer() as server:
        with socket.create_connection((server.host, server.port), timeout=2) as client:
            client.sendall(b"GET / HTTP/1.1\r\n\r\n")
            client.settimeout(2)
            with pytest.raises(ConnectionResetError):
                client.recv(1)


def test_garbage_server_answers_something_that_is_not_http():
    with GarbageServer() as server:
        with socket.create_connection((server.host, server.port), timeout=2) as client:
            client.sendall(b"GET / HTTP/1.1\r\n\r\n")
            client.settimeout(2)
            assert client.recv(100).startswith(b"SSH-2.0-")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "localhost", "::"])
def test_nothing_binds_outside_loopback(host):
    with pytest.raises(ValueError, match="loopback addresses only"):
        bound_socket(host)
    with pytest.raises(ValueError, match="loopback addresses only"):
        OpenListener(host)


def test_addresses_bracket_ipv6():
    assert format_address("::1", 80) == "[::1]:80"
    assert format_address("127.0.0.1", 80) == "127.0.0.1:80"


def test_start_backend_kinds():
    for kind in ("open", "http", "closed", "blackhole"):
        helper = start_backend(kind)
        try:
            assert helper.port > 0 and repr(helper).endswith("%s>" % helper.address)
        finally:
            helper.close()


def test_fixture_factory(backend_servers):
    listener, closed, hole = backend_servers.open(http=True), backend_servers.closed(), backend_servers.blackhole()
    web = backend_servers.http()
    assert len({listener.port, closed.port, hole.port, web.port}) == 4
    assert requests.get("http://%s/" % listener.address, timeout=5).text == "ok"
    assert requests.get(web.url("/status/418"), timeout=5).status_code == 418
