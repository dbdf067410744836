# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connectivity check: parameter validation, and real TCP checks against loopback backends."""

import socket
import time

import pytest

from tests.emulator import presets
from tests.emulator.errors import INVALID_PARAMETER
from tests.emulator.reachability import ReachabilityChecker
from tests.loopback.fixtures import needs_ipv6
from tests.unit.emulator.helpers import check, check_path


def check_channel(emu, channel_id=presets.CHANNEL_ID):
    return check(emu, {"backend_type": "vpc_channel", "vpc_channel_id": channel_id})


def check_address(emu, address):
    return check(emu, {"backend_type": "backend_address", "backend_address": address})


def test_open_listener_succeeds(emu, backend_servers):
    listener = backend_servers.open()
    response = check_address(emu, listener.address)
    assert response.status_code == 201
    assert response.json() == {"check_result": "SUCCESS", "failures": []}
    deadline = time.monotonic() + 2
    while listener.accepted == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listener.accepted == 1  # the emulator really connected


def test_closed_port_fails(emu, backend_servers):
    closed = backend_servers.closed()
    assert check_address(emu, closed.address).json() == {"check_result": "FAILED", "failures": [closed.address]}


def test_blackhole_fails_after_the_timeout(emu, backend_servers):
    hole = backend_servers.blackhole()
    started = time.monotonic()
    assert check_address(emu, hole.address).json() == {"check_result": "FAILED", "failures": [hole.address]}
    assert 0.4 <= time.monotonic() - started < 2.0  # check_timeout is 0.5 s in the presets


def test_channel_reports_failures_in_member_order_and_checks_concurrently(emu_with_backends):
    _listener, closed, hole = emu_with_backends.helpers
    started = time.monotonic()
    response = check_channel(emu_with_backends)
    elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert response.json() == {"check_result": "FAILED", "failures": [closed.address, hole.address]}
    assert elapsed < 1.5


def test_channel_all_reachable(emulator_factory, backend_servers):
    first, second = backend_servers.open(), backend_servers.open(http=True)
    emu = emulator_factory(
        presets.default_config(
            members=[{"host": first.host, "port": first.port}, {"host": "localhost", "port": second.port}]
        )
    )
    assert check_channel(emu).json() == {"check_result": "SUCCESS", "failures": []}


def test_many_slow_members_take_one_timeout(emulator_factory, backend_servers):
    hole = backend_servers.blackhole()
    emu = emulator_factory(
        presets.default_config(members=[{"host": "127.0.0.1", "port": hole.port, "id": "m%02d" % i} for i in range(20)])
    )
    started = time.monotonic()
    assert len(check_channel(emu).json()["failures"]) == 20
    assert time.monotonic() - started < 2.0


def test_empty_channel_is_failed(emu):
    assert check_channel(emu, presets.EMPTY_CHANNEL_ID).json() == {"check_result": "FAILED", "failures": []}


@needs_ipv6
def test_ipv6_failures_are_bracketed(emu):
    probe = socket.socket(socket.AF_INET6)
    probe.bind(("::1", 0))
    port = probe.getsockname()[1]
    try:
        assert check_address(emu, "[::1]:%d" % port).json() == {
            "check_result": "FAILED",
            "failures": ["[::1]:%d" % port],
        }
        probe.listen(8)
        assert check_address(emu, "[::1]:%d" % port).json()["check_result"] == "SUCCESS"
    finally:
        probe.close()


def test_hostnames_resolve_only_through_the_hosts_map(emulator_factory, backend_servers):
    listener = backend_servers.open()
    emu = emulator_factory(presets.default_config(hosts={"orders.internal": "127.0.0.1"}))
    assert check_address(emu, "localhost:%d" % listener.port).json()["check_result"] == "SUCCESS"
    assert check_address(emu, "orders.internal:%d" % listener.port).json()["check_result"] == "SUCCESS"
    unknown = "api.example.invalid:%d" % listener.port
    assert check_address(emu, unknown).json() == {"check_result": "FAILED", "failures": [unknown]}


def test_non_loopback_addresses_fail_without_a_connection(emu, monkeypatch):
    # The guard is what keeps every test on loopback, so this test must not depend on it: connects are recorded,
    # never made. (198.18.0.0/15 is the benchmarking range; no packet is sent to it either way.)
    attempts = []
    monkeypatch.setattr(
        ReachabilityChecker, "_connect", staticmethod(lambda address, port, timeout: attempts.append(address))
    )
    response = check_address(emu, "198.18.0.1:80")
    assert response.json() == {"check_result": "FAILED", "failures": ["198.18.0.1:80"]}
    assert attempts == []


def test_blocked_from_gateway(emulator_factory, backend_servers):
    listener = backend_servers.open()
    emu = emulator_factory(presets.default_config(blocked_from_gateway=[listener.address]))
    assert check_address(emu, listener.address).json() == {"check_result": "FAILED", "failures": [listener.address]}
    assert listener.accepted == 0


def test_backends_started_by_the_emulator(emulator_factory):
    config = presets.default_config(
        members=[{"backend": "web"}, {"backend": "down"}], backends={"web": "http", "down": {"kind": "closed"}}
    )
    emu = emulator_factory(config)
    addresses = emu.backend_addresses()
    assert check_channel(emu).json() == {"check_result": "FAILED", "failures": [addresses["down"]]}
    assert check_address(emu, addresses["web"]).json()["check_result"] == "SUCCESS"


def _error(response, status, code, message):
    assert response.status_code == status, response.text
    assert response.json() == {"error_code": code, "error_msg": message}


@pytest.mark.parametrize(
    "body, parameter",
    [
        (b"not json", "backend_type"),
        (b"[]", "backend_type"),
        (b"", "backend_type"),
        ({}, "backend_type"),
        ({"backend_type": "ip"}, "backend_type"),
        ({"backend_type": None}, "backend_type"),
        ({"backend_type": "backend_address"}, "backend_address"),
        ({"backend_type": "backend_address", "backend_address": "127.0.0.1:"}, "backend_address"),
        ({"backend_type": "backend_address", "backend_address": "127.0.0.1:70000"}, "backend_address"),
        ({"backend_type": "backend_address", "backend_address": "2001:db8::1:443"}, "backend_address"),
        ({"backend_type": "backend_address", "backend_address": 8080}, "backend_address"),
        ({"backend_type": "vpc_channel"}, "vpc_channel_id"),
        ({"backend_type": "vpc_channel", "vpc_channel_id": ""}, "vpc_channel_id"),
        ({"backend_type": "vpc_channel", "vpc_channel_id": 5}, "vpc_channel_id"),
    ],
)
def test_invalid_parameters(emu, body, parameter):
    _error(check(emu, body), 400, "APIG.2012", INVALID_PARAMETER % parameter)


def test_unknown_instance(emu):
    response = check(
        emu,
        {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID},
        path=check_path(instance_id="00000000000000000000000000000000"),
    )
    _error(response, 404, "APIG.3030", "The instance does not exist;id:00000000000000000000000000000000")


def test_unknown_instance_comes_before_body_validation(emu):
    _error(
        check(emu, b"garbage", path=check_path(instance_id="nope")),
        404,
        "APIG.3030",
        "The instance does not exist;id:nope",
    )


def test_unknown_channel(emu):
    _error(
        check_channel(emu, "ffffffffffffffffffffffffffffffff"),
        404,
        "APIG.3023",
        "The VPC channel does not exist;id:ffffffffffffffffffffffffffffffff",
    )
