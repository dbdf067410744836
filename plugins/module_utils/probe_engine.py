# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Local probes of many targets in bounded time, one record each.

The question this answers is "can *this host* reach the backends?", next to APIG's own answer from the gateway.
Every target gets one record that says why it failed and how long each phase took::

    {'target': '127.0.0.1:8443',   # exactly as given
     'ok': False,
     'reason': 'tls',              # None when ok, else one of probe_steps.REASONS
     'error': 'TLS handshake with 127.0.0.1:8443 failed: certificate verify failed: ...',
     'address': '127.0.0.1:8443',  # ip:port tried last ([v6]:port for IPv6)
     'attempts': 1,                # rounds this target was probed (wait_timeout)
     'latency_ms': 3.1,            # whole probe
     'dns_ms': 0.0, 'connect_ms': 0.4, 'tls_ms': 2.5, 'ttfb_ms': None, 'transfer_ms': None,
     'status_code': None,          # HTTP(S) only
     'cert_days_left': None, 'cert_not_after': None, 'tls_version': None}

Every key is always present (``None`` when it does not apply), so playbooks can rely on the shape. Records are
made by ``new_record`` and finished by ``finish_record`` whichever way the probe ran.

Two ways to run, one result: plain TCP connects to IP addresses need no thread each, so one selector loop makes
them all, a socket each - as many at once as file descriptors allow (the soft ``RLIMIT_NOFILE`` less the
descriptors in use and ``FD_HEADROOM``), not ``concurrency``, so N unreachable targets cost one timeout while
N fits; anything that may block outside a socket (name resolution, TLS, HTTP) runs on a thread pool of
``min(concurrency, len(targets))`` workers, each holding at most one socket, and costs about
``ceil(N / concurrency)`` timeouts.
"""

import errno
import os
import selectors
import socket
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows, where modules do not run
    resource = None

from ansible_collections.hwcloud.apig.plugins.module_utils.certificates import CertificateSetupError, make_tls_context
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import (
    MAX_CONCURRENCY,
    ProbeInputError,
    ProbeSpec,
    check_wait,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_steps import (
    connect,
    failure_from,
    handshake,
    http_exchange,
    ms,
    resolve,
    sockaddr_text,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import (
    InvalidTargetError,
    Target,
    parse_target,
    parse_targets,
)

RECORD_KEYS = (
    "target",
    "ok",
    "reason",
    "error",
    "address",
    "attempts",
    "latency_ms",
    "dns_ms",
    "connect_ms",
    "tls_ms",
    "ttfb_ms",
    "transfer_ms",
    "status_code",
    "cert_days_left",
    "cert_not_after",
    "tls_version",
)
_IN_PROGRESS = (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN)
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE)
# Descriptors the selector loop leaves to everything else the process does at the same time (the HTTP client's
# connections, threaded probes of other checks, Ansible's own files).
FD_HEADROOM = 64
# The loop never has more connects in flight than this, however high the limit.
MAX_CONNECTS_IN_FLIGHT = MAX_CONCURRENCY


def open_descriptors():
    """How many file descriptors this process has open, or None where that cannot be read."""
    for directory in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(directory)) - 1  # less the one listdir itself opened
        except OSError:
            continue
    return None


def connect_budget():
    """How many TCP connects the selector loop may have in flight at once: one socket each, so the soft limit on
    open files less the descriptors in use less ``FD_HEADROOM`` (at least 1, at most ``MAX_CONNECTS_IN_FLIGHT``)."""
    if resource is None:
        return 100
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTS_IN_FLIGHT
    in_use = open_descriptors()
    if in_use is None:
        in_use = FD_HEADROOM  # a guess where the count cannot be read; running out is still handled (see below)
    return max(1, min(MAX_CONNECTS_IN_FLIGHT, soft - in_use - FD_HEADROOM))


def new_record(target_text):
    """A record with every key present, as a failed probe that never started."""
    record = dict.fromkeys(RECORD_KEYS)
    record.update(target=target_text, ok=False, attempts=1)
    return record


def finish_record(record, started, failure=None):
    """The one way a record is finished: its latency, and ok or the failure's reason and message."""
    record["latency_ms"] = ms(time.monotonic() - started)
    if failure is None:
        record["ok"] = True
    else:
        record["reason"] = failure.reason
        record["error"] = str(failure)
    return record


def invalid_record(text, why):
    """The record of a target that could not be parsed (when targets come from an API, not from the user)."""
    record = new_record(text)
    record.update(reason="invalid", error="invalid target %r: %s" % (text, why), attempts=0, latency_ms=0.0)
    return record


def probe_once(target, spec, context=None):
    """Probe one parsed `Target` once and return its finished record; never raises.

    ``context`` is the run's shared SSLContext (made here if None and needed).
    """
    record = new_record(target.text)
    started = time.monotonic()
    deadline = started + spec.timeout
    sock, failure = None, None
    phase, where = "connect", target.hostport
    try:
        sock = connect(target, spec, deadline, record)
        where = record["address"]
        if target.protocol in ("tls", "https"):
            phase = "tls"
            sock = handshake(
                sock, target, spec, context or make_tls_context(spec.validate_certs, spec.ca_path), deadline, record
            )
        if target.protocol in ("http", "https"):
            phase = "http"
            http_exchange(sock, target, spec, deadline, record)
    except Exception as exc:  # pylint: disable=broad-except  # a probe ends in a record, never in a raise
        failure = failure_from(exc, phase, where, spec.timeout)
    finally:
        if sock is not None:
            sock.close()
    return finish_record(record, started, failure)


class _ConnectLoop:
    """TCP connects to IP-literal targets, all from one thread, finished by one selector.

    Non-blocking connects are started until ``budget`` are in flight (``connect_budget()``: what the descriptor
    limit leaves, not ``concurrency``, which bounds threads); a connect still pending at its deadline is a
    timeout. With one timeout for every target, the oldest connect in flight is always the first to expire, so
    deadlines are checked from the front of an ordered map. Should descriptors run out all the same (other threads
    of the process took them), the target waits for a connect in flight to end instead of failing with EMFILE, and
    the budget shrinks to what was in flight.
    """

    def __init__(self, targets, spec):
        self.spec = spec
        self.budget = connect_budget()
        self.records = [None] * len(targets)
        self._upcoming = deque(enumerate(targets))
        self._in_flight = OrderedDict()  # socket -> (index, started, connect_started, deadline, where)
        self._selector = selectors.DefaultSelector()

    def run(self):
        """Every target's finished record, in input order."""
        try:
            self._start_more()
            while self._in_flight:
                first_deadline = next(iter(self._in_flight.values()))[3]
                for key, _events in self._selector.select(max(0.0, first_deadline - time.monotonic())):
                    code = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    self._end(key.fileobj, None if code == 0 else OSError(code, os.strerror(code)))
                now = time.monotonic()
                while self._in_flight and next(iter(self._in_flight.values()))[3] <= now:
                    self._end(next(iter(self._in_flight)), socket.timeout("timed out"))
                self._start_more()
        finally:
            for sock in self._in_flight:
                self._selector.unregister(sock)
                sock.close()
            self._selector.close()
        return self.records

    def _finish(self, index, started, connect_started, error, where):
        record = self.records[index]
        record["connect_ms"] = ms(time.monotonic() - connect_started)
        failure = None if error is None else failure_from(error, "connect", where, self.spec.timeout)
        finish_record(record, started, failure)

    def _end(self, sock, error):
        index, started, connect_started, _deadline, where = self._in_flight.pop(sock)
        self._selector.unregister(sock)
        sock.close()
        self._finish(index, started, connect_started, error, where)

    def _start_more(self):
        """Start connects until ``budget`` are in flight or no target is left."""
        while len(self._in_flight) < self.budget and self._upcoming:
            index, target = self._upcoming.popleft()
            record = self.records[index] = new_record(target.text)
            started = time.monotonic()
            try:
                family, socktype, proto, sockaddr = resolve(target.host, target.port, True)[0]
            except Exception as exc:  # pylint: disable=broad-except  # as probe_once: a record, never a raise
                finish_record(record, started, failure_from(exc, "connect", target.hostport, self.spec.timeout))
                continue
            connect_started = time.monotonic()
            record["dns_ms"] = ms(connect_started - started)
            where = record["address"] = sockaddr_text(family, sockaddr)
            try:
                sock = socket.socket(family, socktype, proto)
            except OSError as exc:
                if exc.errno in _OUT_OF_DESCRIPTORS and self._in_flight:
                    # Out of descriptors after all: this target waits for a connect in flight to end.
                    self._upcoming.appendleft((index, target))
                    self.budget = len(self._in_flight)
                    return
                self._finish(index, started, connect_started, exc, where)
                continue
            sock.setblocking(False)
            code = sock.connect_ex(sockaddr)
            if code in _IN_PROGRESS:
                self._selector.register(sock, selectors.EVENT_WRITE)
                self._in_flight[sock] = (index, started, connect_started, connect_started + self.spec.timeout, where)
                continue
            sock.close()
            self._finish(
                index, started, connect_started, None if code == 0 else OSError(code, os.strerror(code)), where
            )


def _parsed(targets, protocol, invalid):
    """``(parsed targets or None, records)``: a bad target raises, or with ``invalid='record'`` gets a record."""
    if invalid == "raise":
        parsed = parse_targets(targets, protocol)
        return parsed, [None] * len(parsed)
    if invalid != "record":
        raise ValueError("invalid must be 'raise' or 'record', not %r" % (invalid,))
    parsed, records = [], []
    for text in targets:
        try:
            parsed.append(text if isinstance(text, Target) else parse_target(text, protocol))
            records.append(None)
        except InvalidTargetError as exc:
            parsed.append(None)
            records.append(invalid_record(text, exc.problems[0][1]))
    return parsed, records


def run_probes(targets, spec=None, wait_timeout=0, wait_interval=1, invalid="raise"):
    """Probe every target; return one record per target, in input order.

    ``targets`` are strings (or `Target` objects). With ``invalid='raise'`` (the default) any unparseable target
    raises `InvalidTargetError` before anything is sent; with ``invalid='record'`` it gets a record with reason
    ``invalid`` and the rest are probed, for callers whose targets come from an API rather than from the user.
    With ``wait_timeout`` > 0 only the failing targets are probed again, every ``wait_interval`` seconds, until
    all pass or the deadline passes.
    """
    spec = spec if spec is not None else ProbeSpec()
    wait_timeout, wait_interval = check_wait(wait_timeout, wait_interval)
    parsed, records = _parsed(list(targets), spec.protocol, invalid)
    pending = [index for index, target in enumerate(parsed) if target is not None]
    if not pending:
        return records
    context = None
    if any(parsed[index].protocol in ("tls", "https") for index in pending):
        try:
            context = make_tls_context(spec.validate_certs, spec.ca_path)
        except CertificateSetupError as exc:
            raise ProbeInputError("ca_path", str(exc)) from None
    wait_deadline = time.monotonic() + wait_timeout
    connects_only = all(parsed[index].protocol == "tcp" and parsed[index].is_ip for index in pending)
    workers = 1 if connects_only else min(spec.concurrency, len(pending))
    attempt = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="backend-probe") as pool:
        while True:
            attempt += 1
            try:
                if connects_only:
                    round_records = _ConnectLoop([parsed[index] for index in pending], spec).run()
                else:
                    round_records = list(pool.map(lambda index: probe_once(parsed[index], spec, context), pending))
            except RuntimeError as exc:
                # "can't start new thread": the host's thread or memory limits are below the requested concurrency.
                raise ProbeInputError(
                    "concurrency", "cannot run %d probes at once on this host (%s); lower it" % (spec.concurrency, exc)
                ) from None
            for index, record in zip(pending, round_records):
                record["attempts"] = attempt
                records[index] = record
            pending = [index for index in pending if not records[index]["ok"]]
            left = wait_deadline - time.monotonic()
            if not pending or left <= 0:
                break
            time.sleep(min(wait_interval, left))
    return records
