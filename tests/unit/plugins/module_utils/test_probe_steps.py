# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""probe_steps.py: every failure reason of every protocol, produced by a real loopback backend.

Each reason (REASONS) is what a user reads when a backend is not healthy, so each is caused for real - a refused
port, a SYN-dropping one, a RST, a wrong certificate, a wrong status or body - never by a mock; only name
resolution is patched, so that no test resolves a real DNS name.
"""

import errno
import socket
import time

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import probe_engine as probes
from ansible_collections.hwcloud.apig.plugins.module_utils.status_codes import parse_expected_status
from tests.loopback.fixtures import needs_ipv6
from tests.loopback.http_backend import HttpBackend
from tests.loopback.listeners import GarbageServer, OpenListener, closed_port
from tests.unit.plugins.module_utils.probing import assert_failed, assert_ok, probe

# --- TCP -------------------------------------------------------------------


def test_tcp_open(open_listener):
    record = probe(open_listener.address)
    assert_ok(record)
    assert record["target"] == open_listener.address
    assert record["address"] == open_listener.address
    assert record["attempts"] == 1
    assert record["latency_ms"] >= record["connect_ms"] >= 0
    assert record["status_code"] is None and record["tls_ms"] is None


def test_tcp_refused(refused_port):
    port = refused_port.port
    record = probe(refused_port.address)
    assert_failed(record, "refused", "connection refused by 127.0.0.1:%d" % port)
    assert record["address"] == "127.0.0.1:%d" % port


def test_tcp_timeout_on_a_syn_dropping_port(blackhole):
    started = time.monotonic()
    record = probe(blackhole.address, timeout=0.5)
    elapsed = time.monotonic() - started
    assert_failed(record, "timeout", "connect to %s timed out" % blackhole.address)
    assert 0.4 <= elapsed < 2.0
    assert record["latency_ms"] >= 400


def test_dns_failure_for_the_reserved_invalid_tld(monkeypatch):
    def no_resolver(*args, **kwargs):
        raise AssertionError("a .invalid name must never reach the resolver")

    monkeypatch.setattr(probes.socket, "getaddrinfo", no_resolver)
    record = probe("backend.invalid:443")
    assert_failed(record, "dns", "cannot resolve 'backend.invalid'")
    assert record["address"] is None and record["dns_ms"] is not None


def test_dns_failure_from_the_resolver(monkeypatch):
    def failing(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(probes.socket, "getaddrinfo", failing)
    assert_failed(probe("backend.example:443"), "dns", "Name or service not known")


def test_unreachable(monkeypatch):
    class Unreachable(socket.socket):
        def connect(self, address):  # the threaded path (names, TLS, HTTP)
            raise OSError(errno.ENETUNREACH, "Network is unreachable")

        def connect_ex(self, address):  # the selector path (TCP to IP addresses)
            return errno.ENETUNREACH

    monkeypatch.setattr(probes.socket, "socket", Unreachable)
    assert_failed(probe("127.0.0.1:9"), "unreachable", "127.0.0.1:9 is unreachable")
    assert_failed(probe("localhost:9"), "unreachable", "is unreachable")


def test_unexpected_exceptions_become_reason_error(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(probes, "connect", broken)  # the threaded path
    assert_failed(probe("localhost:9"), "error", "boom")
    monkeypatch.setattr(probes, "resolve", broken)  # the selector path
    assert_failed(probe("127.0.0.1:9"), "error", "boom")


@needs_ipv6
def test_ipv6_literal():
    listener = OpenListener("::1")
    try:
        record = probe(listener.address)
        assert_ok(record)
        assert record["address"] == "[::1]:%d" % listener.port
    finally:
        listener.close()
    with closed_port("::1") as refused:
        assert_failed(probe(refused.address), "refused", "refused by [::1]:%d" % refused.port)


def test_localhost_resolves_without_dns(open_listener):
    record = probe("localhost:%d" % open_listener.port)
    assert_ok(record)
    assert record["address"].endswith(":%d" % open_listener.port)


def fake_addresses(monkeypatch, *hosts):
    """Make every name resolve to ``hosts`` in this order (all loopback)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in ("127.0.0.1", "::1"):
            return real(host, port, *args, **kwargs)
        found = []
        for address in hosts:
            found.extend(real(address, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST))
        return found

    monkeypatch.setattr(probes.socket, "getaddrinfo", fake)


def test_hostname_tries_every_address_in_order(monkeypatch, open_listener):
    # 127.0.0.2 is loopback too, but nothing listens there: refused, then the
    # second address answers.
    fake_addresses(monkeypatch, "127.0.0.2", "127.0.0.1", "127.0.0.1")
    record = probe("backend.example:%d" % open_listener.port)
    assert_ok(record)
    assert record["address"] == "127.0.0.1:%d" % open_listener.port


def test_hostname_all_addresses_failing_names_each(monkeypatch, refused_port):
    port = refused_port.port
    fake_addresses(monkeypatch, "127.0.0.2", "127.0.0.1")
    record = probe("backend.example:%d" % port)
    assert_failed(record, "refused", "refused by 127.0.0.2:%d; connection refused by 127.0.0.1:%d" % (port, port))
    assert record["address"] == "127.0.0.1:%d" % port


@needs_ipv6
def test_hostname_falls_back_from_ipv6_to_ipv4(monkeypatch, open_listener):
    fake_addresses(monkeypatch, "::1", "127.0.0.1")
    record = probe("dual-stack.example:%d" % open_listener.port)
    assert_ok(record)
    assert record["address"] == "127.0.0.1:%d" % open_listener.port


def test_timeout_is_one_deadline_for_all_addresses(monkeypatch, blackhole):
    fake_addresses(monkeypatch, "127.0.0.1", "127.0.0.1")
    # Same (blackholed) address twice is deduplicated; the deadline bounds it.
    started = time.monotonic()
    record = probe("slow.example:%d" % blackhole.port, timeout=0.4)
    assert_failed(record, "timeout")
    assert time.monotonic() - started < 1.5


# --- TLS ---------------------------------------------------------------------


def test_tls_rejects_an_untrusted_certificate_by_default(https_backend):
    record = probe(https_backend.address, protocol="tls")
    assert_failed(record, "tls", "certificate verify failed")
    assert record["cert_days_left"] is None


def test_tls_without_validation_reports_certificate_expiry(https_backend):
    record = probe(https_backend.address, protocol="tls", validate_certs=False)
    assert_ok(record)
    assert 29 < record["cert_days_left"] <= 30
    assert record["cert_not_after"].endswith("Z")
    assert record["tls_version"].startswith("TLS")
    assert record["tls_ms"] is not None and record["status_code"] is None


def test_tls_with_a_private_ca(https_backend, certificate_authority):
    record = probe("localhost:%d" % https_backend.port, protocol="tls", ca_path=certificate_authority.ca_path)
    assert_ok(record)
    assert record["cert_days_left"] > 29


def test_tls_hostname_mismatch(https_backend, certificate_authority):
    record = probe(
        https_backend.address, protocol="tls", ca_path=certificate_authority.ca_path, server_name="other.example"
    )
    assert_failed(record, "tls", "certificate verify failed", "other.example")


def test_tls_expired_certificate(certificate_authority):
    backend = HttpBackend(ssl_context=certificate_authority.server_context("expired", expired=True))
    try:
        assert_failed(probe(backend.address, protocol="tls", ca_path=certificate_authority.ca_path), "tls", "expired")
        record = probe(backend.address, protocol="tls", validate_certs=False)
        assert_ok(record)
        assert -3 < record["cert_days_left"] < -1
    finally:
        backend.close()


def test_tls_against_a_plain_http_server(http_backend):
    assert_failed(probe(http_backend.address, protocol="tls", validate_certs=False), "tls", "is this port speaking TLS")


def test_tls_handshake_reset(reset_server):
    assert_failed(probe(reset_server.address, protocol="tls", validate_certs=False), "reset", "during TLS handshake")


def test_tls_handshake_timeout(blackhole):
    # The accept-queue filler is connected but never accepted: a handshake can
    # start and never finish - on this port, though, new SYNs are dropped, so
    # this is a connect timeout; see test_http_timeout_waiting_for_response
    # for a timeout after connect.
    assert_failed(probe(blackhole.address, protocol="tls", timeout=0.3), "timeout", "connect to")


# --- HTTP(S) ---------------------------------------------------------------------


def test_http_ok_with_phase_timings(http_backend):
    record = probe(http_backend.url("/healthz"))
    assert_ok(record)
    assert record["status_code"] == 200
    for key in ("dns_ms", "connect_ms", "ttfb_ms", "latency_ms"):
        assert isinstance(record[key], float), key
    assert http_backend.requests[-1][1] == "/healthz"


def test_http_host_port_uses_the_path_option(http_backend):
    assert_ok(probe(http_backend.address, protocol="http", path="/ready?full=1"))
    method, path, headers = http_backend.requests[-1]
    assert (method, path) == ("GET", "/ready?full=1")
    assert headers["Host"] == http_backend.address
    assert headers["User-Agent"].startswith("hwcloud.apig")


def test_url_path_overrides_the_path_option(http_backend):
    assert_ok(probe(http_backend.url("/from-url"), protocol="tcp", path="/from-option"))
    assert http_backend.requests[-1][1] == "/from-url"


def test_http_head_and_custom_headers(http_backend):
    assert_ok(
        probe(http_backend.address, protocol="http", method="HEAD", headers={"X-Probe": "yes", "host": "api.example"})
    )
    method, _dummy, headers = http_backend.requests[-1]
    assert method == "HEAD"
    assert headers["X-Probe"] == "yes"
    assert headers["host"] == "api.example"


@pytest.mark.parametrize(
    "path, expected, ok",
    [
        ("/status/200", "200-399", True),
        ("/status/302", None, True),
        ("/status/503", "200-299", False),
        ("/status/503", "200,500-503", True),
        ("/status/404", [200, 404], True),
        ("/status/201", "200", False),
    ],
)
def test_http_expected_status(http_backend, path, expected, ok):
    record = probe(http_backend.url(path), expected_status=expected)
    assert record["ok"] is ok
    assert record["status_code"] == int(path.rsplit("/", 1)[1])
    if not ok:
        assert_failed(
            record, "status", "expected status %s, got %s" % (parse_expected_status(expected), record["status_code"])
        )


def test_http_body_regex(http_backend):
    assert_ok(probe(http_backend.url("/body/all-systems-go"), body_regex="systems-go$"))
    record = probe(http_backend.url("/body/degraded"), body_regex="^all-systems-go")
    assert_failed(record, "body", "does not match '^all-systems-go'")
    assert record["status_code"] == 200 and record["transfer_ms"] is not None


def test_http_body_read_is_capped(http_backend):
    # The needle sits after 1 MiB of padding: never read, so not found.
    assert_failed(probe(http_backend.url("/big"), body_regex="needle"), "body", "first 65536 bytes")
    assert_ok(probe(http_backend.url("/big"), body_regex="needle", body_limit=2 * 1024 * 1024))


def test_http_status_is_checked_before_the_body(http_backend):
    assert_failed(probe(http_backend.url("/status/500"), body_regex="status"), "status")


def test_http_timeout_waiting_for_response(http_backend):
    started = time.monotonic()
    record = probe(http_backend.url("/slow/3"), timeout=0.5)
    assert_failed(record, "timeout", "HTTP exchange with %s timed out" % http_backend.address)
    assert time.monotonic() - started < 2


def test_http_reset(reset_server):
    assert_failed(probe("http://%s/" % reset_server.address), "reset", reset_server.address)


def test_http_closed_without_response(open_listener):
    # The listener closes at once: a clean FIN ("without an HTTP response") or,
    # when the request lands after the close, a RST - both are reason reset.
    record = probe("http://%s/" % open_listener.address)
    assert_failed(record, "reset", open_listener.address)
    assert "without an HTTP response" in record["error"] or "connection reset by" in record["error"]


def test_http_garbage_response():
    with GarbageServer() as server:
        assert_failed(probe("http://%s/" % server.address), "error", "invalid HTTP response")


def test_http_refused(refused_port):
    record = probe("http://%s/" % refused_port.address)
    assert_failed(record, "refused")
    assert record["status_code"] is None


def test_https_verified_with_private_ca(https_backend, certificate_authority):
    record = probe(
        "https://localhost:%d/healthz" % https_backend.port, ca_path=certificate_authority.ca_path, body_regex="backend"
    )
    assert_ok(record)
    assert record["status_code"] == 200 and record["cert_days_left"] > 29
    assert https_backend.requests[-1][2]["Host"] == "localhost:%d" % https_backend.port


def test_https_untrusted_then_unverified(https_backend):
    assert_failed(probe(https_backend.url("/")), "tls", "certificate verify failed")
    record = probe(https_backend.url("/status/503"), validate_certs=False)
    assert_failed(record, "status", "got 503")
    assert record["cert_days_left"] > 29


def test_https_host_port_with_protocol_option(https_backend):
    assert_ok(probe(https_backend.address, protocol="https", validate_certs=False))


def test_plain_http_to_a_tls_port(https_backend):
    record = probe("http://%s/" % https_backend.address)
    assert record["ok"] is False and record["reason"] in ("reset", "error"), record


@needs_ipv6
def test_http_over_ipv6():
    backend = HttpBackend("::1")
    try:
        record = probe(backend.url("/status/204"))
        assert_ok(record)
        assert record["address"] == backend.address
        assert backend.requests[-1][2]["Host"] == backend.address
    finally:
        backend.close()
