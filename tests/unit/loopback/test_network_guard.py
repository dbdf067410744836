# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tests' network guard: what it lets through, and that it refuses before the socket call.

The guard under test is put in front of the session's guard with recorders in place of the real socket calls,
so even a broken guard could not send a packet anywhere from these tests.
"""

import socket

import pytest

from tests.loopback.network_guard import NetworkGuard, allowed_destination, allowed_lookup


@pytest.mark.parametrize(
    "family, address",
    [
        (socket.AF_INET, ("127.0.0.1", 80)),
        (socket.AF_INET, ("127.8.9.10", 1)),
        (socket.AF_INET, ("localhost", 80)),
        (socket.AF_INET6, ("::1", 80, 0, 0)),
        (socket.AF_INET6, ("::ffff:127.0.0.1", 80, 0, 0)),
        (socket.AF_UNIX, "/run/some.sock"),
    ],
)
def test_loopback_destinations_are_let_through(family, address):
    assert allowed_destination(family, address)


@pytest.mark.parametrize(
    "family, address",
    [
        (socket.AF_INET, ("10.1.2.3", 8080)),
        (socket.AF_INET, ("10.0.0.1", 80)),
        (socket.AF_INET, ("192.0.2.1", 80)),
        (socket.AF_INET, ("0.0.0.0", 80)),
        (socket.AF_INET, ("api.example.com", 443)),
        (socket.AF_INET6, ("::", 80, 0, 0)),
        (socket.AF_INET6, ("2001:db8::1", 443, 0, 0)),
        (socket.AF_INET6, ("::ffff:10.0.0.1", 80, 0, 0)),
    ],
)
def test_every_other_destination_is_refused(family, address):
    assert not allowed_destination(family, address)


def test_only_lookups_that_send_no_dns_query_are_let_through():
    assert allowed_lookup("127.0.0.1") and allowed_lookup("10.1.2.3") and allowed_lookup("::1")  # numeric
    assert allowed_lookup(None) and allowed_lookup("localhost") and allowed_lookup("LOCALHOST")
    assert not allowed_lookup("api.example.com") and not allowed_lookup("my_host.internal")


@pytest.fixture
def guarded():
    """A guard in front of the session's, whose 'real' socket calls only record that they were reached."""
    guard = NetworkGuard().install()
    reached = []
    for name in ("connect", "connect_ex", "sendto", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        guard._originals[name] = lambda *args, _name=name: reached.append((_name, args[-1])) or 0
    try:
        yield guard, reached
    finally:
        guard.uninstall()


def test_a_connection_outside_loopback_is_refused_before_the_socket_call_and_recorded_even_when_caught(guarded):
    guard, reached = guarded
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(PermissionError, match="loopback only"):
            sock.connect(("10.1.2.3", 8080))
        try:
            sock.connect_ex(("192.0.2.1", 80))
        except OSError:
            pass  # as a probe would: the refusal is still recorded, and the session's guard fails such a test
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(PermissionError):
            sock.sendto(b"x", ("10.0.0.1", 53))
    for lookup in (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex):
        with pytest.raises(PermissionError):
            lookup("api.example.com")
    assert reached == []
    assert guard.refused == [
        "connect to ('10.1.2.3', 8080)",
        "connect_ex to ('192.0.2.1', 80)",
        "sendto ('10.0.0.1', 53)",
        "name lookup of 'api.example.com'",
        "name lookup of 'api.example.com'",
        "name lookup of 'api.example.com'",
    ]


def test_loopback_connections_go_through(guarded):
    guard, reached = guarded
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.connect(("127.0.0.1", 9))
    assert reached == [("connect", ("127.0.0.1", 9))] and guard.refused == []


def test_the_session_runs_under_the_guard():
    assert socket.socket.connect.__qualname__ == "NetworkGuard.install.<locals>.connect"
    # ansible-core, once imported, wraps getaddrinfo in its own patch (for int subclasses as ports): the guard is
    # what that patch calls
    lookup = getattr(socket.getaddrinfo, "unpatched_implementation", socket.getaddrinfo)
    assert lookup.__qualname__ == "NetworkGuard.install.<locals>.getaddrinfo"
