# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The steps of one probe: resolve, connect, TLS handshake, HTTP exchange, and why a step failed.

Each step fills its phase timing into the target's record and raises ``ProbeFailure`` (or lets an OSError
through) when it fails; ``failure_from`` turns whatever a step raised into one of ``REASONS`` with a message a
person can act on, as Prometheus' blackbox_exporter does. Every step works within one deadline, so a probe of
one target never outlasts its ``timeout``.
"""

import errno
import http.client
import socket
import ssl
import time

from ansible_collections.hwcloud.apig.plugins.module_utils.certificates import expiry_fields
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import format_address

REASONS = ("refused", "timeout", "dns", "tls", "status", "body", "unreachable", "reset", "invalid", "error")
USER_AGENT = "hwcloud.apig-backend-probe/1"

_UNREACHABLE_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENETUNREACH", "EHOSTUNREACH", "EADDRNOTAVAIL", "ENETDOWN", "EHOSTDOWN", "EAFNOSUPPORT")
    if hasattr(errno, name)
)
# X509_V_ERR_* codes meaning "issuer not trusted here" rather than "certificate bad".
_UNTRUSTED_CODES = frozenset((2, 18, 19, 20, 21))
_PHASES = {
    # phase: (verb phrase before an address, noun for "during ...")
    "connect": ("connect to", "connect"),
    "tls": ("TLS handshake with", "TLS handshake"),
    "http": ("HTTP exchange with", "HTTP exchange"),
}


class ProbeFailure(Exception):
    """Ends one probe with a reason from REASONS and a human message."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def ms(seconds):
    """Milliseconds, as records carry timings."""
    return round(seconds * 1000.0, 3)


def _is_reserved_invalid(host):
    name = host.rstrip(".").lower()
    return name == "invalid" or name.endswith(".invalid")


def resolve(host, port, is_ip=False):
    """Addresses to try, in the resolver's order, without duplicates.

    IP literals never reach a resolver. Names under ``.invalid`` fail at once, as RFC 6761 asks of resolver
    libraries, so tests and typos never cause a DNS query.
    """
    if not is_ip and _is_reserved_invalid(host):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (reserved .invalid name)")
    flags = socket.AI_NUMERICHOST if is_ip else 0
    seen, addresses = set(), []
    for family, socktype, proto, _canonname, sockaddr in socket.getaddrinfo(
        host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, flags
    ):
        if (family, sockaddr) not in seen:
            seen.add((family, sockaddr))
            addresses.append((family, socktype, proto, sockaddr))
    return addresses


def sockaddr_text(family, sockaddr):
    """``ip:port`` of a socket address, with the IPv6 zone when there is one."""
    host = sockaddr[0]
    if family == socket.AF_INET6 and len(sockaddr) > 3 and sockaddr[3] and "%" not in host:
        host = "%s%%%d" % (host, sockaddr[3])
    return format_address(host, sockaddr[1])


def remaining(deadline, phase, where):
    """Seconds left before ``deadline``; a timeout failure when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise ProbeFailure("timeout", "%s %s ran out of time" % (_PHASES[phase][0], where))
    return left


def _tls_message(exc, phase, where):
    """Say what went wrong in TLS terms, with the fix when there is an obvious one."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = "certificate verify failed: %s" % (exc.verify_message or exc.reason)
        if exc.verify_code in _UNTRUSTED_CODES:
            detail += " (trust its CA with ca_path, or skip validation with validate_certs: false)"
    elif getattr(exc, "reason", None):
        detail = exc.reason.lower().replace("_", " ")
        if exc.reason == "WRONG_VERSION_NUMBER":
            detail += " (is this port speaking TLS?)"
    else:
        detail = str(exc)
    if phase == "tls":
        return "TLS handshake with %s failed: %s" % (where, detail)
    return "TLS error from %s during %s: %s" % (where, _PHASES[phase][1], detail)


def failure_from(exc, phase, where, timeout):
    """Map an exception from one phase to a ``ProbeFailure`` with a reason and a message."""
    verb, noun = _PHASES[phase]
    # Order matters: SSL errors, timeouts and resets are all OSErrors.
    if isinstance(exc, ProbeFailure):
        return exc
    if isinstance(exc, socket.gaierror):
        return ProbeFailure("dns", "cannot resolve %s: %s" % (where, exc.strerror or exc))
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return ProbeFailure("timeout", "%s %s timed out (timeout %g s)" % (verb, where, timeout))
    if isinstance(exc, ConnectionRefusedError):
        return ProbeFailure("refused", "connection refused by %s" % where)
    if isinstance(exc, http.client.RemoteDisconnected):
        return ProbeFailure("reset", "%s closed the connection without an HTTP response" % where)
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return ProbeFailure("reset", "connection reset by %s during %s" % (where, noun))
    if isinstance(exc, ssl.SSLError):
        return ProbeFailure("tls", _tls_message(exc, phase, where))
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return ProbeFailure("unreachable", "%s is unreachable: %s" % (where, exc.strerror or exc))
    if isinstance(exc, http.client.HTTPException):
        return ProbeFailure("error", "invalid HTTP response from %s: %s" % (where, exc.__class__.__name__))
    return ProbeFailure("error", "%s %s failed: %s" % (verb, where, exc))


def connect(target, spec, deadline, record):
    """Resolve, then try each address in order until one accepts; returns the connected socket.

    ``record['address']`` is the last address tried; when all fail, the reason is the last one's and the message
    names every address tried.
    """
    started = time.monotonic()
    try:
        addresses = resolve(target.host, target.port, target.is_ip)
    except (socket.gaierror, UnicodeError) as exc:
        record["dns_ms"] = ms(time.monotonic() - started)
        raise ProbeFailure(
            "dns", "cannot resolve %r: %s" % (target.host, getattr(exc, "strerror", None) or exc)
        ) from None
    connect_started = time.monotonic()
    record["dns_ms"] = ms(connect_started - started)
    if not addresses:
        raise ProbeFailure("dns", "cannot resolve %r: no addresses" % target.host)
    failures = []
    try:
        for family, socktype, proto, sockaddr in addresses:
            where = record["address"] = sockaddr_text(family, sockaddr)
            sock = None
            try:
                sock = socket.socket(family, socktype, proto)
                sock.settimeout(remaining(deadline, "connect", where))
                sock.connect(sockaddr)
                return sock
            except Exception as exc:  # pylint: disable=broad-except  # every failure of one address is a reason, never a raise
                if sock is not None:
                    sock.close()
                failures.append(failure_from(exc, "connect", where, spec.timeout))
                if time.monotonic() >= deadline:
                    break
    finally:
        record["connect_ms"] = ms(time.monotonic() - connect_started)
    last = failures[-1]
    if len(failures) > 1:
        raise ProbeFailure(last.reason, "; ".join(str(failure) for failure in failures))
    raise last


def handshake(sock, target, spec, context, deadline, record):
    """The TLS handshake on a connected socket; records the version and the certificate's expiry."""
    where = record["address"]
    started = time.monotonic()
    tls_sock = context.wrap_socket(sock, server_hostname=spec.server_name or target.host, do_handshake_on_connect=False)
    try:
        tls_sock.settimeout(remaining(deadline, "tls", where))
        tls_sock.do_handshake()
    except Exception:
        tls_sock.close()
        raise
    finally:
        record["tls_ms"] = ms(time.monotonic() - started)
    record["tls_version"] = tls_sock.version()
    record.update(expiry_fields(tls_sock.getpeercert(binary_form=True)))
    return tls_sock


def _host_header(target, spec):
    host = spec.server_name or target.host
    if ":" in host:
        host = "[%s]" % host
    if target.port != (443 if target.protocol == "https" else 80):
        host = "%s:%d" % (host, target.port)
    return host


def http_exchange(sock, target, spec, deadline, record):
    """One request on a connected (TLS) socket; the status and, with ``body_regex``, the body are checked."""
    where = record["address"]
    headers = {"Host": _host_header(target, spec), "User-Agent": USER_AGENT, "Connection": "close"}
    lowered = {name.lower(): name for name in headers}
    for name, value in spec.headers.items():
        headers.pop(lowered.get(name.lower(), name), None)
        headers[name] = value
    conn = http.client.HTTPConnection(target.host, target.port)
    conn.sock = sock
    response = None
    try:
        sock.settimeout(remaining(deadline, "http", where))
        conn.request(spec.method, target.path or spec.path, headers=headers)
        sent = time.monotonic()
        sock.settimeout(remaining(deadline, "http", where))
        response = conn.getresponse()
        received = time.monotonic()
        record["ttfb_ms"] = ms(received - sent)
        record["status_code"] = response.status
        if response.status not in spec.expected_status:
            raise ProbeFailure("status", "expected status %s, got %d" % (spec.expected_status, response.status))
        if spec.body_regex is not None:
            sock.settimeout(remaining(deadline, "http", where))
            body = response.read(spec.body_limit)
            record["transfer_ms"] = ms(time.monotonic() - received)
            if not spec.body_regex.search(body.decode("utf-8", "replace")):
                raise ProbeFailure(
                    "body", "body (first %d bytes) does not match %r" % (spec.body_limit, spec.body_regex.pattern)
                )
    finally:
        # A response holds a reference to the socket's file; close both or the descriptor outlives the probe.
        if response is not None:
            response.close()
        conn.close()
