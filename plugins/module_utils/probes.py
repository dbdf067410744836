# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.apig developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Local TCP / TLS / HTTP(S) probes: many targets, bounded time, one record each.

The question this answers is "can *this host* reach the backends?", next to
APIG's own answer from the gateway.  A bare yes/no is not enough to act on,
so, as Prometheus' blackbox_exporter does, every target gets one record that
says *why* it failed and how long each phase took::

    {'target': '127.0.0.1:8443',   # exactly as given
     'ok': False,
     'reason': 'tls',              # None when ok, else one of REASONS
     'error': 'TLS handshake with 127.0.0.1:8443 failed: certificate verify failed: ...',
     'address': '127.0.0.1:8443',  # ip:port tried last ([v6]:port for IPv6)
     'attempts': 1,                # rounds this target was probed (wait_timeout)
     'latency_ms': 3.1,            # whole probe
     'dns_ms': 0.0, 'connect_ms': 0.4, 'tls_ms': 2.5,
     'ttfb_ms': None, 'transfer_ms': None,
     'status_code': None,          # HTTP(S) only
     'cert_days_left': None, 'cert_not_after': None,   # TLS/HTTPS when the certificate was read
     'tls_version': None}

Every key is always present (``None`` when it does not apply) so playbooks
and ``json_query`` can rely on the shape.

Public API (stdlib only, Python 3.8+, no ``AnsibleModule``, no side effects
at import)::

    spec = ProbeSpec(protocol='https', path='/healthz', expected_status='200-299',
                     body_regex='ok', validate_certs=True, timeout=5)
    records = run_probes(['127.0.0.1:8443', 'https://localhost:9443/ready'], spec,
                         concurrency=100, wait_timeout=0, wait_interval=1)
    summary = summarize(records)   # {'check_result': 'SUCCESS'|'FAILED', 'failures': [...]}

- `parse_target` / `parse_targets` (``probe_targets``) and
  `parse_expected_status` (``status_codes``) are re-exported here.
- Bad input raises `ProbeInputError` (a ``ValueError`` with ``.option``) or
  `InvalidTargetError` (``.problems``) *before* anything is sent.
- Probes run on a thread pool of ``min(concurrency, len(targets))`` workers.
  Each worker holds at most one socket and closes it before taking the next
  target, so sockets in flight never exceed ``concurrency`` and N targets cost
  at most about ``ceil(N / concurrency)`` timeouts.
- ``timeout`` bounds one probe of one target from the first connect to the
  last byte read (a hostname's addresses are tried in order within it).  Name
  resolution uses the system resolver, which cannot be interrupted; names
  under the reserved ``.invalid`` TLD fail at once without a query (RFC 6761).
- With ``wait_timeout`` > 0 only the failing targets are probed again, every
  ``wait_interval`` seconds, until all pass or the deadline passes; a run
  lasts at most about ``wait_timeout`` plus one round.
- One ``ssl.SSLContext`` serves every TLS target of a run.  HTTP redirects are
  not followed: a 3xx is judged by ``expected_status`` like any status.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import math
import os
import re
import selectors
import socket
import ssl
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

try:
    import http.client as http_client
except ImportError:  # pragma: no cover - Python 2 is not a supported target
    import httplib as http_client  # pylint: disable=import-error

from ansible_collections.hwcloud.apig.plugins.module_utils.probe_targets import (  # noqa: F401 pylint: disable=unused-import
    PROTOCOLS,
    InvalidTargetError,
    Target,
    format_address,
    parse_target,
    parse_targets,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.status_codes import (  # noqa: F401 pylint: disable=unused-import
    DEFAULT_EXPECTED_STATUS,
    StatusCodes,
    parse_expected_status,
)

REASONS = ('refused', 'timeout', 'dns', 'tls', 'status', 'body', 'unreachable', 'reset', 'invalid', 'error')
METHODS = ('GET', 'HEAD')
MAX_CONCURRENCY = 10000
DEFAULT_BODY_LIMIT = 64 * 1024
USER_AGENT = 'hwcloud.apig-backend-probe/1'

_UNREACHABLE_ERRNOS = frozenset(
    getattr(errno, name) for name in ('ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN', 'EAFNOSUPPORT')
    if hasattr(errno, name)
)
# X509_V_ERR_* codes meaning "issuer not trusted here" rather than "certificate bad".
_UNTRUSTED_CODES = frozenset((2, 18, 19, 20, 21))
_RECORD_KEYS = ('target', 'ok', 'reason', 'error', 'address', 'attempts', 'latency_ms', 'dns_ms', 'connect_ms', 'tls_ms',
                'ttfb_ms', 'transfer_ms', 'status_code', 'cert_days_left', 'cert_not_after', 'tls_version')


class ProbeInputError(ValueError):
    """A probe setting is unusable; ``option`` names it as the module calls it."""

    def __init__(self, option, message):
        self.option = option
        super(ProbeInputError, self).__init__('%s: %s' % (option, message))


class ProbeSpec:
    """How to probe: one spec applies to every target of a run.

    All checking happens here, once, so a bad regex or status syntax fails
    before any socket is opened rather than once per target.
    """

    def __init__(self, protocol='tcp', path='/', method='GET', headers=None, expected_status=None, body_regex=None,
                 validate_certs=True, timeout=5.0, server_name=None, ca_path=None, body_limit=DEFAULT_BODY_LIMIT):
        if protocol not in PROTOCOLS:
            raise ProbeInputError('protocol', 'must be one of %s, not %r' % (', '.join(PROTOCOLS), protocol))
        self.protocol = protocol
        path = '/' if path is None else path
        if not isinstance(path, str) or not path.startswith('/') or any(char.isspace() for char in path):
            raise ProbeInputError('path', 'must start with "/" and contain no white space, not %r' % (path,))
        self.path = path
        method = str(method or 'GET').upper()
        if method not in METHODS:
            raise ProbeInputError('method', 'must be one of %s, not %r' % (', '.join(METHODS), method))
        self.method = method
        self.headers = self._check_headers(headers)
        try:
            self.expected_status = parse_expected_status(expected_status)
        except ValueError as exc:
            raise ProbeInputError('expected_status', str(exc))
        self.body_regex = self._compile(body_regex)
        if self.body_regex is not None and method == 'HEAD':
            raise ProbeInputError('body_regex', 'cannot be checked with method HEAD, which has no body')
        self.validate_certs = bool(validate_certs)
        self.timeout = _positive_number('timeout', timeout)
        if server_name is not None and (not isinstance(server_name, str) or not server_name or any(char.isspace() for char in server_name)):
            raise ProbeInputError('server_name', 'must be a host name, not %r' % (server_name,))
        self.server_name = server_name or None
        if ca_path is not None and not os.path.isfile(ca_path):
            raise ProbeInputError('ca_path', 'is not a readable file: %r' % (ca_path,))
        self.ca_path = ca_path or None
        if isinstance(body_limit, bool) or not isinstance(body_limit, int) or body_limit < 1:
            raise ProbeInputError('body_limit', 'must be a positive number of bytes, not %r' % (body_limit,))
        self.body_limit = body_limit

    @staticmethod
    def _check_headers(headers):
        if headers is None:
            return {}
        if not isinstance(headers, dict):
            raise ProbeInputError('headers', 'must be a mapping of header names to values')
        checked = {}
        for name, value in headers.items():
            name = str(name)
            value = '' if value is None else str(value)
            if not name or any(char.isspace() or char == ':' for char in name) or '\r' in value or '\n' in value:
                raise ProbeInputError('headers', 'invalid header %r' % name)
            checked[name] = value
        return checked

    @staticmethod
    def _compile(body_regex):
        if body_regex is None or body_regex == '':
            return None
        try:
            return re.compile(body_regex)
        except (re.error, TypeError) as exc:
            raise ProbeInputError('body_regex', 'is not a valid regular expression (%s): %r' % (exc, body_regex))


def _positive_number(option, value, allow_zero=False):
    if isinstance(value, bool):
        raise ProbeInputError(option, 'must be a number of seconds, not %r' % (value,))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ProbeInputError(option, 'must be a number of seconds, not %r' % (value,))
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise ProbeInputError(option, 'must be %s, not %r' % ('zero or more' if allow_zero else 'greater than zero', value))
    return number


class _Failure(Exception):
    """Ends one probe with a reason from REASONS and a human message."""

    def __init__(self, reason, message):
        super(_Failure, self).__init__(message)
        self.reason = reason


def _ms(seconds):
    return round(seconds * 1000.0, 3)


def new_record(target_text):
    """A record with every key present, as a failed probe that never started."""
    record = dict.fromkeys(_RECORD_KEYS)
    record.update(target=target_text, ok=False, attempts=0)
    return record


def make_tls_context(validate_certs=True, ca_path=None):
    """The one client context a run shares; unverified only when asked.

    ``ca_path`` adds a PEM bundle to the system's trust store, for backends
    whose certificates come from an internal CA.
    """
    if validate_certs:
        context = ssl.create_default_context()
        if ca_path:
            try:
                context.load_verify_locations(cafile=ca_path)
            except (OSError, ssl.SSLError) as exc:
                raise ProbeInputError('ca_path', 'cannot load CA certificates from %r: %s' % (ca_path, exc))
        return context
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _is_reserved_invalid(host):
    name = host.rstrip('.').lower()
    return name == 'invalid' or name.endswith('.invalid')


def resolve(host, port, is_ip=False):
    """Addresses to try, in the resolver's order, without duplicates.

    IP literals never reach a resolver.  Names under ``.invalid`` fail at once,
    as RFC 6761 asks of resolver libraries, so tests and typos never cause a
    DNS query.
    """
    if not is_ip and _is_reserved_invalid(host):
        raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known (reserved .invalid name)')
    flags = socket.AI_NUMERICHOST if is_ip else 0
    seen = set()
    addresses = []
    for family, socktype, proto, dummy, sockaddr in socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, flags):
        key = (family, sockaddr)
        if key not in seen:
            seen.add(key)
            addresses.append((family, socktype, proto, sockaddr))
    return addresses


def _sockaddr_text(family, sockaddr):
    host = sockaddr[0]
    if family == socket.AF_INET6 and len(sockaddr) > 3 and sockaddr[3] and '%' not in host:
        host = '%s%%%d' % (host, sockaddr[3])
    return format_address(host, sockaddr[1])


_PHASES = {
    # key: (verb phrase before an address, noun for "during ...")
    'connect': ('connect to', 'connect'),
    'tls': ('TLS handshake with', 'TLS handshake'),
    'http': ('HTTP exchange with', 'HTTP exchange'),
}


def _remaining(deadline, phase, where):
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Failure('timeout', '%s %s ran out of time' % (_PHASES[phase][0], where))
    return left


def _tls_message(exc, phase, where):
    """Say what went wrong in TLS terms, with the fix when there is an obvious one."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = 'certificate verify failed: %s' % (exc.verify_message or exc.reason)
        if exc.verify_code in _UNTRUSTED_CODES:
            detail += ' (trust its CA with ca_path, or skip validation with validate_certs: false)'
    elif getattr(exc, 'reason', None):
        detail = exc.reason.lower().replace('_', ' ')
        if exc.reason == 'WRONG_VERSION_NUMBER':
            detail += ' (is this port speaking TLS?)'
    else:
        detail = str(exc)
    if phase == 'tls':
        return 'TLS handshake with %s failed: %s' % (where, detail)
    return 'TLS error from %s during %s: %s' % (where, _PHASES[phase][1], detail)


def _failure_from(exc, phase, where, timeout):
    """Map an exception from one phase to a reason, with a message a person can act on."""
    verb, noun = _PHASES[phase]
    # Order matters: SSL errors, timeouts and resets are all OSErrors.
    if isinstance(exc, _Failure):
        return exc
    if isinstance(exc, socket.gaierror):
        return _Failure('dns', 'cannot resolve %s: %s' % (where, exc.strerror or exc))
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return _Failure('timeout', '%s %s timed out (timeout %g s)' % (verb, where, timeout))
    if isinstance(exc, ConnectionRefusedError):
        return _Failure('refused', 'connection refused by %s' % where)
    if isinstance(exc, http_client.RemoteDisconnected):
        return _Failure('reset', '%s closed the connection without an HTTP response' % where)
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return _Failure('reset', 'connection reset by %s during %s' % (where, noun))
    if isinstance(exc, ssl.SSLError):
        return _Failure('tls', _tls_message(exc, phase, where))
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return _Failure('unreachable', '%s is unreachable: %s' % (where, exc.strerror or exc))
    if isinstance(exc, http_client.HTTPException):
        return _Failure('error', 'invalid HTTP response from %s: %s' % (where, exc.__class__.__name__))
    return _Failure('error', '%s %s failed: %s' % (verb, where, exc))


def _connect(target, spec, deadline, record):
    """Resolve, then try each address in order until one accepts.

    Returns the connected socket.  ``record['address']`` is the last address
    tried; when all fail, the reason is the last one's and the message names
    every address tried.
    """
    started = time.monotonic()
    try:
        addresses = resolve(target.host, target.port, target.is_ip)
    except (socket.gaierror, UnicodeError) as exc:
        record['dns_ms'] = _ms(time.monotonic() - started)
        raise _Failure('dns', 'cannot resolve %r: %s' % (target.host, getattr(exc, 'strerror', None) or exc))
    connect_started = time.monotonic()
    record['dns_ms'] = _ms(connect_started - started)
    if not addresses:
        raise _Failure('dns', 'cannot resolve %r: no addresses' % target.host)
    failures = []
    try:
        for family, socktype, proto, sockaddr in addresses:
            where = _sockaddr_text(family, sockaddr)
            record['address'] = where
            sock = None
            try:
                sock = socket.socket(family, socktype, proto)
                sock.settimeout(_remaining(deadline, 'connect', where))
                sock.connect(sockaddr)
                return sock
            except Exception as exc:  # pylint: disable=broad-except
                if sock is not None:
                    sock.close()
                failures.append(_failure_from(exc, 'connect', where, spec.timeout))
                if time.monotonic() >= deadline:
                    break
    finally:
        record['connect_ms'] = _ms(time.monotonic() - connect_started)
    last = failures[-1]
    if len(failures) > 1:
        raise _Failure(last.reason, '; '.join(str(failure) for failure in failures))
    raise last


def _der_element(data, pos):
    """Read one DER TLV at ``pos``: (tag, value start, value end)."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos:pos + count], 'big')
        pos += count
    if pos + length > len(data):
        raise ValueError('truncated DER')
    return tag, pos, pos + length


def _der_time(tag, text):
    text = text.decode('ascii').rstrip('Z')
    if tag == 0x17:  # UTCTime, YYMMDDHHMM[SS]
        year = int(text[:2])
        text = ('19' if year >= 50 else '20') + text
    return datetime.strptime(text[:14].ljust(14, '0'), '%Y%m%d%H%M%S').replace(tzinfo=timezone.utc)


def cert_not_after(der):
    """A DER certificate's notAfter as an aware UTC datetime, or None.

    Parsed here because the stdlib only decodes certificates it verified,
    and an unverified peer (``validate_certs: false``) still has an expiry
    worth reporting.
    """
    try:
        dummy, start, dummy_end = _der_element(der, 0)          # Certificate
        dummy, pos, dummy_end = _der_element(der, start)        # TBSCertificate
        if der[pos] == 0xA0:                                    # [0] version
            pos = _der_element(der, pos)[2]
        for dummy in range(3):                                  # serial, signature, issuer
            pos = _der_element(der, pos)[2]
        dummy, pos, dummy_end = _der_element(der, pos)          # Validity
        pos = _der_element(der, pos)[2]                         # notBefore
        tag, start, end = _der_element(der, pos)                # notAfter
        return _der_time(tag, der[start:end])
    except (IndexError, ValueError, TypeError):
        return None


def _handshake(sock, target, spec, context, deadline, record):
    where = record['address']
    started = time.monotonic()
    tls_sock = context.wrap_socket(sock, server_hostname=spec.server_name or target.host, do_handshake_on_connect=False)
    try:
        tls_sock.settimeout(_remaining(deadline, 'tls', where))
        tls_sock.do_handshake()
    except Exception:
        tls_sock.close()
        raise
    finally:
        record['tls_ms'] = _ms(time.monotonic() - started)
    record['tls_version'] = tls_sock.version()
    not_after = cert_not_after(tls_sock.getpeercert(binary_form=True) or b'')
    if not_after is not None:
        record['cert_not_after'] = not_after.strftime('%Y-%m-%dT%H:%M:%SZ')
        record['cert_days_left'] = round((not_after - datetime.now(timezone.utc)).total_seconds() / 86400.0, 2)
    return tls_sock


def _host_header(target, spec):
    host = spec.server_name or target.host
    if ':' in host:
        host = '[%s]' % host
    if target.port != (443 if target.protocol == 'https' else 80):
        host = '%s:%d' % (host, target.port)
    return host


def _http_exchange(sock, target, spec, deadline, record):
    where = record['address']
    headers = {'Host': _host_header(target, spec), 'User-Agent': USER_AGENT, 'Connection': 'close'}
    lowered = dict((name.lower(), name) for name in headers)
    for name, value in spec.headers.items():
        headers.pop(lowered.get(name.lower(), name), None)
        headers[name] = value
    conn = http_client.HTTPConnection(target.host, target.port)
    conn.sock = sock
    response = None
    try:
        sock.settimeout(_remaining(deadline, 'http', where))
        conn.request(spec.method, target.path or spec.path, headers=headers)
        sent = time.monotonic()
        sock.settimeout(_remaining(deadline, 'http', where))
        response = conn.getresponse()
        received = time.monotonic()
        record['ttfb_ms'] = _ms(received - sent)
        record['status_code'] = response.status
        if response.status not in spec.expected_status:
            raise _Failure('status', 'expected status %s, got %d' % (spec.expected_status, response.status))
        if spec.body_regex is not None:
            sock.settimeout(_remaining(deadline, 'http', where))
            body = response.read(spec.body_limit)
            record['transfer_ms'] = _ms(time.monotonic() - received)
            if not spec.body_regex.search(body.decode('utf-8', 'replace')):
                raise _Failure('body', 'body (first %d bytes) does not match %r' % (spec.body_limit, spec.body_regex.pattern))
    finally:
        # A response holds a reference to the socket's file; close both or
        # the descriptor outlives the probe.
        if response is not None:
            response.close()
        conn.close()


def probe_once(target, spec, context=None):
    """Probe one parsed `Target` once and return its record; never raises.

    ``context`` is the run's shared SSLContext (made here if None and needed).
    """
    record = new_record(target.text)
    record['attempts'] = 1
    started = time.monotonic()
    deadline = started + spec.timeout
    sock = None
    phase, where = 'connect', target.hostport
    try:
        sock = _connect(target, spec, deadline, record)
        where = record['address']
        if target.protocol in ('tls', 'https'):
            phase = 'tls'
            sock = _handshake(sock, target, spec, context or make_tls_context(spec.validate_certs, spec.ca_path), deadline, record)
        if target.protocol in ('http', 'https'):
            phase = 'http'
            _http_exchange(sock, target, spec, deadline, record)
        record['ok'] = True
    except Exception as exc:  # pylint: disable=broad-except
        failure = _failure_from(exc, phase, where, spec.timeout)
        record['reason'] = failure.reason
        record['error'] = str(failure)
    finally:
        if sock is not None:
            sock.close()
        record['latency_ms'] = _ms(time.monotonic() - started)
    return record


def probe_tcp_connects(targets, spec, concurrency):
    """TCP-connect to IP-literal targets from one thread; records as probe_once makes them, in input order.

    Non-blocking connects are started until ``concurrency`` are in flight and finished by one selector; a connect
    still pending at its deadline is a timeout. With one timeout for every target, the oldest connect in flight is
    always the first to expire, so deadlines are checked from the front of an ordered map.
    """
    records = [None] * len(targets)
    upcoming = iter(enumerate(targets))
    in_flight = OrderedDict()  # socket -> (index, started, connect_started, deadline, where)
    selector = selectors.DefaultSelector()

    def finish(index, started, connect_started, error, where):
        record = records[index]
        record['connect_ms'] = _ms(time.monotonic() - connect_started)
        record['latency_ms'] = _ms(time.monotonic() - started)
        if error is None:
            record['ok'] = True
        else:
            failure = _failure_from(error, 'connect', where, spec.timeout)
            record['reason'] = failure.reason
            record['error'] = str(failure)

    def start_next():
        """Start connects until ``concurrency`` are in flight or no target is left."""
        while len(in_flight) < concurrency:
            try:
                index, target = next(upcoming)
            except StopIteration:
                return
            record = records[index] = new_record(target.text)
            record['attempts'] = 1
            started = time.monotonic()
            try:
                family, socktype, proto, sockaddr = resolve(target.host, target.port, True)[0]
            except Exception as exc:  # pylint: disable=broad-except  # as probe_once: a record, never a raise
                failure = _failure_from(exc, 'connect', target.hostport, spec.timeout)
                record.update(reason=failure.reason, error=str(failure), latency_ms=_ms(time.monotonic() - started))
                continue
            connect_started = time.monotonic()
            record['dns_ms'] = _ms(connect_started - started)
            where = record['address'] = _sockaddr_text(family, sockaddr)
            try:
                sock = socket.socket(family, socktype, proto)
            except OSError as exc:
                finish(index, started, connect_started, exc, where)
                continue
            sock.setblocking(False)
            code = sock.connect_ex(sockaddr)
            if code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
                selector.register(sock, selectors.EVENT_WRITE)
                in_flight[sock] = (index, started, connect_started, connect_started + spec.timeout, where)
                continue
            sock.close()
            finish(index, started, connect_started, None if code == 0 else OSError(code, os.strerror(code)), where)

    try:
        start_next()
        while in_flight:
            first_deadline = next(iter(in_flight.values()))[3]
            for key, dummy in selector.select(max(0.0, first_deadline - time.monotonic())):
                sock = key.fileobj
                index, started, connect_started, dummy_deadline, where = in_flight.pop(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                selector.unregister(sock)
                sock.close()
                finish(index, started, connect_started, None if code == 0 else OSError(code, os.strerror(code)), where)
            now = time.monotonic()
            while in_flight and next(iter(in_flight.values()))[3] <= now:
                sock, (index, started, connect_started, dummy_deadline, where) = in_flight.popitem(last=False)
                selector.unregister(sock)
                sock.close()
                finish(index, started, connect_started, socket.timeout('timed out'), where)
            start_next()
    finally:
        for sock in in_flight:
            selector.unregister(sock)
            sock.close()
        selector.close()
    return records


def _invalid_record(text, why):
    record = new_record(text)
    record.update(reason='invalid', error='invalid target %r: %s' % (text, why), latency_ms=0.0)
    return record


def _check_run_options(concurrency, wait_timeout, wait_interval, invalid):
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ProbeInputError('concurrency', 'must be an integer from 1 to %d, not %r' % (MAX_CONCURRENCY, concurrency))
    if invalid not in ('raise', 'record'):
        raise ProbeInputError('invalid', "must be 'raise' or 'record', not %r" % (invalid,))
    return _positive_number('wait_timeout', wait_timeout, allow_zero=True), _positive_number('wait_interval', wait_interval)


def run_probes(targets, spec=None, concurrency=100, wait_timeout=0, wait_interval=1, invalid='raise'):
    """Probe every target; return one record per target, in input order.

    ``targets`` are strings (or `Target` objects).  With ``invalid='raise'``
    (the default) any unparseable target raises `InvalidTargetError` before
    anything is sent; with ``invalid='record'`` it gets a record with reason
    ``invalid`` and the rest are probed - for callers whose targets come from
    an API rather than from the user.
    """
    spec = spec if spec is not None else ProbeSpec()
    wait_timeout, wait_interval = _check_run_options(concurrency, wait_timeout, wait_interval, invalid)
    targets = list(targets)
    if invalid == 'raise':
        parsed = parse_targets(targets, spec.protocol)
        records = [None] * len(parsed)
    else:
        parsed, records = [], []
        for text in targets:
            try:
                parsed.append(text if isinstance(text, Target) else parse_target(text, spec.protocol))
                records.append(None)
            except InvalidTargetError as exc:
                parsed.append(None)
                records.append(_invalid_record(text, exc.problems[0][1]))
    pending = [index for index, target in enumerate(parsed) if target is not None]
    if not pending:
        return records
    context = None
    if any(parsed[index].protocol in ('tls', 'https') for index in pending):
        context = make_tls_context(spec.validate_certs, spec.ca_path)
    wait_deadline = time.monotonic() + wait_timeout

    def probe(index):
        return probe_once(parsed[index], spec, context)

    # Plain TCP connects to IP addresses need no thread each: one selector loop does them faster and with fewer
    # resources. Anything that may block outside a socket (name resolution, TLS, HTTP) runs on the thread pool.
    connects_only = all(parsed[index].protocol == 'tcp' and parsed[index].is_ip for index in pending)
    attempt = 0
    with ThreadPoolExecutor(max_workers=1 if connects_only else min(concurrency, len(pending)),
                            thread_name_prefix='backend-probe') as pool:
        while True:
            attempt += 1
            try:
                if connects_only:
                    round_records = probe_tcp_connects([parsed[index] for index in pending], spec, concurrency)
                else:
                    round_records = list(pool.map(probe, pending))
            except RuntimeError as exc:
                # "can't start new thread": the host's thread or memory limits
                # are below the requested concurrency.
                raise ProbeInputError('concurrency', 'cannot run %d probes at once on this host (%s); lower it' % (concurrency, exc))
            for index, record in zip(pending, round_records):
                record['attempts'] = attempt
                records[index] = record
            pending = [index for index in pending if not records[index]['ok']]
            left = wait_deadline - time.monotonic()
            if not pending or left <= 0:
                break
            time.sleep(min(wait_interval, left))
    return records


def summarize(records):
    """APIG's own answer shape: ``check_result`` and the failing targets as given."""
    failures = [record['target'] for record in records if not record['ok']]
    return {'check_result': 'FAILED' if failures else 'SUCCESS', 'failures': failures}
