"""The loopback backend helpers behave as their names promise."""

import socket
import time

import pytest
import requests

from tests.emulator.backends import BlackholeListener, ClosedPort, OpenListener, closed_port, start_backend


def test_open_listener_accepts_and_counts():
    with OpenListener() as listener:
        assert listener.address == "127.0.0.1:%d" % listener.port
        socket.create_connection((listener.host, listener.port), timeout=2).close()
        deadline = time.monotonic() + 2
        while listener.accepted < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert listener.accepted == 1


def test_http_listener_answers():
    with OpenListener(http=True, body="hello", status=200) as listener:
        response = requests.get("http://%s/" % listener.address, timeout=5)
        assert response.status_code == 200 and response.text == "hello"


def test_closed_port_refuses():
    with closed_port() as closed:
        assert isinstance(closed, ClosedPort)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((closed.host, closed.port), timeout=2)


def test_blackhole_times_out():
    with BlackholeListener() as hole:
        started = time.monotonic()
        with pytest.raises(socket.timeout):
            socket.create_connection((hole.host, hole.port), timeout=0.3)
        assert time.monotonic() - started >= 0.25


def test_start_backend_kinds():
    for kind in ("open", "http", "closed", "blackhole"):
        helper = start_backend(kind)
        try:
            assert helper.port > 0 and repr(helper).endswith("%s>" % helper.address)
        finally:
            helper.close()


def test_fixture_factory(backend_servers):
    listener, closed, hole = backend_servers.open(http=True), backend_servers.closed(), backend_servers.blackhole()
    assert len({listener.port, closed.port, hole.port}) == 3
    assert requests.get("http://%s/" % listener.address, timeout=5).text == "ok"
