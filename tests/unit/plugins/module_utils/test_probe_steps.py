# Copyright (c) hwcloud.apig developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The probe engine against real loopback backends: one test per failure reason and per protocol."""

import errno
import socket
import ssl
import threading
import time

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import probe_engine as probes
from ansible_collections.hwcloud.apig.plugins.module_utils.certificates import cert_not_after
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_engine import new_record, probe_once, run_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import ProbeInputError, ProbeSpec
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_steps import REASONS
from ansible_collections.hwcloud.apig.plugins.module_utils.results import summarize_probes as summarize
from ansible_collections.hwcloud.apig.plugins.module_utils.status_codes import parse_expected_status
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import InvalidTargetError, parse_target
from tests.unit.plugins.module_utils.conftest import HttpBackend, OpenListener, closed_port, ipv6_loopback_available

needs_ipv6 = pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback (::1) here")


def probe(target, **spec):
    """Probe one target string with a short default timeout; return its record."""
    spec.setdefault("timeout", 2)
    (record,) = run_probes([target], ProbeSpec(**spec))
    return record


def assert_failed(record, reason, *fragments):
    assert record["ok"] is False, record
    assert record["reason"] == reason, record
    assert reason in REASONS
    for fragment in fragments:
        assert fragment in record["error"], record


def assert_ok(record):
    assert record["ok"] is True, record
    assert record["reason"] is None and record["error"] is None, record


class GarbageServer:
    """Answers anything with bytes that are not HTTP."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _dummy = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(1)
                conn.recv(4096)
                conn.sendall(b"SSH-2.0-OpenSSH_9.0 not http\r\n\r\n")
            except OSError:
                pass
            finally:
                conn.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


# --- TCP -------------------------------------------------------------------


def test_tcp_open(open_listener):
    record = probe(open_listener.target)
    assert_ok(record)
    assert record["target"] == open_listener.target
    assert record["address"] == open_listener.target
    assert record["attempts"] == 1
    assert record["latency_ms"] >= record["connect_ms"] >= 0
    assert record["status_code"] is None and record["tls_ms"] is None


def test_tcp_refused():
    port = closed_port()
    record = probe("127.0.0.1:%d" % port)
    assert_failed(record, "refused", "connection refused by 127.0.0.1:%d" % port)
    assert record["address"] == "127.0.0.1:%d" % port


def test_tcp_timeout_on_a_syn_dropping_port(blackhole):
    started = time.monotonic()
    record = probe(blackhole.target, timeout=0.5)
    elapsed = time.monotonic() - started
    assert_failed(record, "timeout", "connect to %s timed out" % blackhole.target)
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
        record = probe(listener.target)
        assert_ok(record)
        assert record["address"] == "[::1]:%d" % listener.port
    finally:
        listener.close()
    assert_failed(probe("[::1]:%d" % closed_port("::1")), "refused", "refused by [::1]:")


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


def test_hostname_all_addresses_failing_names_each(monkeypatch):
    port = closed_port()
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
    record = probe(https_backend.hostport, protocol="tls")
    assert_failed(record, "tls", "certificate verify failed")
    assert record["cert_days_left"] is None


def test_tls_without_validation_reports_certificate_expiry(https_backend):
    record = probe(https_backend.hostport, protocol="tls", validate_certs=False)
    assert_ok(record)
    assert 29 < record["cert_days_left"] <= 30
    assert record["cert_not_after"].endswith("Z")
    assert record["tls_version"].startswith("TLS")
    assert record["tls_ms"] is not None and record["status_code"] is None


def test_tls_with_a_private_ca(https_backend, tls_material):
    record = probe("localhost:%d" % https_backend.port, protocol="tls", ca_path=tls_material.ca_path)
    assert_ok(record)
    assert record["cert_days_left"] > 29


def test_tls_hostname_mismatch(https_backend, tls_material):
    record = probe(https_backend.hostport, protocol="tls", ca_path=tls_material.ca_path, server_name="other.example")
    assert_failed(record, "tls", "certificate verify failed", "other.example")


def test_tls_expired_certificate(tls_material):
    backend = HttpBackend(ssl_context=tls_material.server_context("expired", expired=True))
    try:
        assert_failed(probe(backend.hostport, protocol="tls", ca_path=tls_material.ca_path), "tls", "expired")
        record = probe(backend.hostport, protocol="tls", validate_certs=False)
        assert_ok(record)
        assert -3 < record["cert_days_left"] < -1
    finally:
        backend.close()


def test_tls_against_a_plain_http_server(http_backend):
    assert_failed(
        probe(http_backend.hostport, protocol="tls", validate_certs=False), "tls", "is this port speaking TLS"
    )


def test_tls_handshake_reset(reset_server):
    assert_failed(probe(reset_server.target, protocol="tls", validate_certs=False), "reset", "during TLS handshake")


def test_tls_handshake_timeout(blackhole):
    # The accept-queue filler is connected but never accepted: a handshake can
    # start and never finish - on this port, though, new SYNs are dropped, so
    # this is a connect timeout; see test_http_timeout_waiting_for_response
    # for a timeout after connect.
    assert_failed(probe(blackhole.target, protocol="tls", timeout=0.3), "timeout", "connect to")


def test_one_ssl_context_per_run(monkeypatch, https_backend):
    made = []
    real = probes.make_tls_context

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(probes, "make_tls_context", counting)
    records = run_probes(
        [https_backend.hostport] * 20, ProbeSpec(protocol="tls", validate_certs=False, timeout=2, concurrency=5)
    )
    assert all(record["ok"] for record in records)
    assert len(made) == 1


# --- HTTP(S) ---------------------------------------------------------------------


def test_http_ok_with_phase_timings(http_backend):
    record = probe(http_backend.url("/healthz"))
    assert_ok(record)
    assert record["status_code"] == 200
    for key in ("dns_ms", "connect_ms", "ttfb_ms", "latency_ms"):
        assert isinstance(record[key], float), key
    assert http_backend.requests[-1][1] == "/healthz"


def test_http_host_port_uses_the_path_option(http_backend):
    assert_ok(probe(http_backend.hostport, protocol="http", path="/ready?full=1"))
    method, path, headers = http_backend.requests[-1]
    assert (method, path) == ("GET", "/ready?full=1")
    assert headers["Host"] == http_backend.hostport
    assert headers["User-Agent"].startswith("hwcloud.apig")


def test_url_path_overrides_the_path_option(http_backend):
    assert_ok(probe(http_backend.url("/from-url"), protocol="tcp", path="/from-option"))
    assert http_backend.requests[-1][1] == "/from-url"


def test_http_head_and_custom_headers(http_backend):
    assert_ok(
        probe(http_backend.hostport, protocol="http", method="HEAD", headers={"X-Probe": "yes", "host": "api.example"})
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
    assert_failed(record, "timeout", "HTTP exchange with %s timed out" % http_backend.hostport)
    assert time.monotonic() - started < 2


def test_http_reset(reset_server):
    assert_failed(probe("http://%s/" % reset_server.target), "reset", reset_server.target)


def test_http_closed_without_response(open_listener):
    # The listener closes at once: a clean FIN ("without an HTTP response") or,
    # when the request lands after the close, a RST - both are reason reset.
    record = probe("http://%s/" % open_listener.target)
    assert_failed(record, "reset", open_listener.target)
    assert "without an HTTP response" in record["error"] or "connection reset by" in record["error"]


def test_http_garbage_response():
    server = GarbageServer()
    try:
        assert_failed(probe("http://127.0.0.1:%d/" % server.port), "error", "invalid HTTP response")
    finally:
        server.close()


def test_http_refused():
    port = closed_port()
    record = probe("http://127.0.0.1:%d/" % port)
    assert_failed(record, "refused")
    assert record["status_code"] is None


def test_https_verified_with_private_ca(https_backend, tls_material):
    record = probe(
        "https://localhost:%d/healthz" % https_backend.port, ca_path=tls_material.ca_path, body_regex="backend"
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
    assert_ok(probe(https_backend.hostport, protocol="https", validate_certs=False))


def test_plain_http_to_a_tls_port(https_backend):
    record = probe("http://%s/" % https_backend.hostport)
    assert record["ok"] is False and record["reason"] in ("reset", "error"), record


@needs_ipv6
def test_http_over_ipv6():
    backend = HttpBackend("::1")
    try:
        record = probe(backend.url("/status/204"))
        assert_ok(record)
        assert record["address"] == backend.hostport
        assert backend.requests[-1][2]["Host"] == backend.hostport
    finally:
        backend.close()


# --- input checking, records, summaries --------------------------------------------


def test_invalid_targets_raise_before_anything_is_sent(open_listener):
    with pytest.raises(InvalidTargetError) as caught:
        run_probes([open_listener.target, "127.0.0.1", "x:0"], ProbeSpec())
    assert [text for text, dummy in caught.value.problems] == ["127.0.0.1", "x:0"]
    time.sleep(0.1)
    assert open_listener.accepted == 0


def test_invalid_targets_can_be_recorded_instead(open_listener):
    records = run_probes(["nonsense", open_listener.target], ProbeSpec(timeout=1), invalid="record")
    assert_failed(records[0], "invalid", "invalid target 'nonsense'", "no port")
    assert records[0]["attempts"] == 0
    assert_ok(records[1])
    assert run_probes(["nonsense"], invalid="record")[0]["reason"] == "invalid"


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"protocol": "udp"}, "protocol"),
        ({"path": "health"}, "path"),
        ({"path": "/a b"}, "path"),
        ({"method": "POST"}, "method"),
        ({"headers": ["X-A: 1"]}, "headers"),
        ({"headers": {"X A": "1"}}, "headers"),
        ({"headers": {"X-A": "a\r\nInjected: 1"}}, "headers"),
        ({"expected_status": "2xx"}, "expected_status"),
        ({"body_regex": "(unclosed"}, "body_regex"),
        ({"body_regex": "ok", "method": "HEAD"}, "body_regex"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"server_name": ""}, "server_name"),
        ({"ca_path": "/nonexistent/ca.pem"}, "ca_path"),
        ({"body_limit": 0}, "body_limit"),
    ],
)
def test_probe_spec_names_the_bad_option(kwargs, option):
    with pytest.raises(ProbeInputError) as caught:
        ProbeSpec(**kwargs)
    assert caught.value.option == option
    assert str(caught.value).startswith(option + ": ")


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 10001}, "concurrency"),
        ({"concurrency": True}, "concurrency"),
        ({"concurrency": 2.5}, "concurrency"),
    ],
)
def test_concurrency_is_checked_by_the_spec(kwargs, option):
    with pytest.raises(ProbeInputError) as caught:
        ProbeSpec(**kwargs)
    assert caught.value.option == option


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"wait_timeout": -1}, "wait_timeout"),
        ({"wait_interval": 0}, "wait_interval"),
    ],
)
def test_run_options_are_checked_before_probing(kwargs, option):
    with pytest.raises(ProbeInputError) as caught:
        run_probes(["127.0.0.1:%d" % closed_port()], **kwargs)
    assert caught.value.option == option


def test_unknown_invalid_policy_is_a_programming_error():
    with pytest.raises(ValueError):
        run_probes(["127.0.0.1:%d" % closed_port()], invalid="ignore")


def test_ca_path_that_is_not_a_certificate(tmp_path, https_backend):
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("not a certificate\n")
    with pytest.raises(ProbeInputError) as caught:
        run_probes([https_backend.hostport], ProbeSpec(protocol="tls", ca_path=str(bogus)))
    assert caught.value.option == "ca_path"


def test_records_keep_input_order_and_shape(open_listener):
    closed = "127.0.0.1:%d" % closed_port()
    targets = [closed, open_listener.target, closed, "x.invalid:1"]
    records = run_probes(targets, ProbeSpec(timeout=1, concurrency=2))
    assert [record["target"] for record in records] == targets
    assert [record["ok"] for record in records] == [False, True, False, False]
    assert all(set(record) == set(new_record("x")) for record in records)
    assert summarize(records) == {"check_result": "FAILED", "failures": [closed, closed, "x.invalid:1"]}
    assert summarize(records[1:2]) == {"check_result": "SUCCESS", "failures": []}


def test_empty_target_list():
    assert not run_probes([], ProbeSpec())
    assert summarize([]) == {"check_result": "SUCCESS", "failures": []}


def test_probe_once_never_raises():
    record = probe_once(parse_target("127.0.0.1:%d" % closed_port()), ProbeSpec(timeout=1))
    assert record["reason"] == "refused" and record["attempts"] == 1


def test_cert_not_after_matches_cryptography(tls_material):
    from cryptography import x509

    cert_path, _dummy, not_after = tls_material.issue("parse-me", days_valid=400)
    with open(cert_path, "rb") as handle:
        der = ssl.PEM_cert_to_DER_cert(handle.read().decode("ascii"))
    assert cert_not_after(der) == not_after.replace(microsecond=0)
    with open(tls_material.ca_path, "rb") as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    assert (
        cert_not_after(ssl.PEM_cert_to_DER_cert(open(tls_material.ca_path).read())).year == ca.not_valid_after_utc.year
    )


@pytest.mark.parametrize("der", [b"", b"\x30", b"\x30\x82\xff\xff", b"garbage-garbage", b"\x30\x03\x02\x01\x01"])
def test_cert_not_after_tolerates_garbage(der):
    assert cert_not_after(der) is None
