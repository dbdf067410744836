# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""probe_engine.py at scale: many targets in bounded time, bounded sockets, nothing leaked.

A gate over a large fleet probes thousands of targets from one module run; a leak of one descriptor or thread per
target, or a timeout paid per target instead of per wave, would only show at this scale. Threaded probes (names,
TLS, HTTP) hold at most ``concurrency`` sockets; plain TCP connects to IP addresses run on one selector loop, as
many at once as the descriptor limit leaves (``connect_budget``).
"""

import math
import os
import resource
import socket
import threading
import time

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import probe_engine as probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_engine import run_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import ProbeInputError, ProbeSpec
from tests.loopback.listeners import CLOSE, OpenListener
from tests.loopback.sockets import open_fd_count
from tests.needs import needs

needs_proc = needs(os.path.isdir("/proc/self/fd"), "no /proc/self/fd on this machine")


def wait_for_fd_count(expected, within=5.0):
    """Server threads in this process close their side asynchronously: give them a moment."""
    deadline = time.monotonic() + within
    while open_fd_count() > expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return open_fd_count()


def test_300_blackholed_targets_cost_one_timeout_not_300(blackhole):
    started = time.monotonic()
    records = run_probes([blackhole.address] * 300, ProbeSpec(timeout=0.5, concurrency=300))
    elapsed = time.monotonic() - started
    assert {record["reason"] for record in records} == {"timeout"}
    # Sequential would be 150 s; one wave is 0.5 s plus thread start-up.
    assert elapsed < 5.0


def test_threaded_rounds_follow_ceil_targets_over_concurrency(blackhole):
    """A host name takes the threaded path (names may block): ``concurrency`` threads, one socket each."""
    timeout, targets, concurrency = 0.3, 20, 8
    started = time.monotonic()
    records = run_probes(
        ["localhost:%d" % blackhole.port] * targets, ProbeSpec(timeout=timeout, concurrency=concurrency)
    )
    elapsed = time.monotonic() - started
    rounds = math.ceil(targets / concurrency)
    assert all(record["reason"] == "timeout" for record in records)
    assert rounds * timeout * 0.9 <= elapsed < rounds * timeout + 2.0


def test_at_most_concurrency_requests_in_flight(http_backend):
    concurrency, delay, targets = 4, 0.15, 20
    started = time.monotonic()
    records = run_probes(
        [http_backend.url("/slow/%s" % delay)] * targets, ProbeSpec(timeout=5, concurrency=concurrency)
    )
    elapsed = time.monotonic() - started
    assert all(record["ok"] for record in records)
    assert len(http_backend.requests) == targets
    # The server counts requests it is handling at once; each holds one
    # client socket, so this is a lower bound on the client's sockets in flight.
    assert 2 <= http_backend.max_active <= concurrency
    assert elapsed >= (targets / concurrency) * delay * 0.9


class SocketCounter:
    """Counts the probe engine's own sockets: how many were open at once, and which are still open."""

    def __init__(self, monkeypatch):
        self.lock = threading.Lock()
        self.live = set()
        self.peak = 0
        counter, real_socket = self, socket.socket

        class CountingSocket(real_socket):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                with counter.lock:
                    counter.live.add(id(self))
                    counter.peak = max(counter.peak, len(counter.live))

            def close(self):
                with counter.lock:
                    counter.live.discard(id(self))
                super().close()

        monkeypatch.setattr(probes.socket, "socket", CountingSocket)


def test_threaded_sockets_in_flight_never_exceed_concurrency(monkeypatch, blackhole):
    counter = SocketCounter(monkeypatch)  # the blackhole never accepts: every socket counted is a client's
    records = run_probes(["localhost:%d" % blackhole.port] * 50, ProbeSpec(timeout=0.2, concurrency=10))
    monkeypatch.undo()
    assert {record["reason"] for record in records} == {"timeout"}
    assert 2 <= counter.peak <= 10
    assert not counter.live


def test_plain_connects_are_bounded_by_descriptors_not_by_concurrency(monkeypatch, blackhole):
    """200 SYN-dropping IP targets with concurrency 10 are all in flight at once: one timeout, not twenty."""
    counter = SocketCounter(monkeypatch)
    assert probes.connect_budget() >= 200  # the test process's limit leaves room for them (1024 or more)
    records = run_probes([blackhole.address] * 200, ProbeSpec(timeout=0.3, concurrency=10))
    monkeypatch.undo()
    assert {record["reason"] for record in records} == {"timeout"}
    assert counter.peak == 200 and not counter.live


@needs_proc
def test_the_connect_budget_is_the_soft_limit_less_descriptors_in_use_less_headroom(monkeypatch):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = open_fd_count()
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(in_use + 150, hard), hard))
    try:
        assert abs(probes.connect_budget() - (150 - probes.FD_HEADROOM)) <= 2  # a thread may open or close one
        monkeypatch.setattr(probes, "FD_HEADROOM", 200)
        assert probes.connect_budget() == 1  # never nothing: one connect at a time still ends
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@needs_proc
def test_under_a_lowered_soft_limit_connects_wait_for_descriptors_without_emfile(monkeypatch, blackhole):
    """300 SYN-dropping targets, room for about 40 sockets: waves of timeouts, no EMFILE, nothing leaked."""
    counter = SocketCounter(monkeypatch)
    baseline = open_fd_count()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(baseline + probes.FD_HEADROOM + 40, hard), hard))
    try:
        budget = probes.connect_budget()
        records = run_probes([blackhole.address] * 300, ProbeSpec(timeout=0.2, concurrency=5))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        monkeypatch.undo()
    assert 30 <= budget <= 45
    assert [record["reason"] for record in records] == ["timeout"] * 300, {record["error"] for record in records}
    assert 5 < counter.peak <= budget
    assert not counter.live
    assert wait_for_fd_count(baseline) == baseline


@needs_proc
def test_when_descriptors_run_out_anyway_a_connect_waits_instead_of_failing(monkeypatch, blackhole):
    """The count was wrong (other threads opened files meanwhile): EMFILE at socket() defers, it never records."""
    counter = SocketCounter(monkeypatch)
    monkeypatch.setattr(probes, "open_descriptors", lambda: 0)  # the loop believes nothing is open
    monkeypatch.setattr(probes, "FD_HEADROOM", 0)  # and leaves no room: it will try for more than there is
    baseline = open_fd_count()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(baseline + 30, hard), hard))
    try:
        loop = probes._ConnectLoop(probes.parse_targets([blackhole.address] * 200), ProbeSpec(timeout=0.2))
        believed = loop.budget
        records = loop.run()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        monkeypatch.undo()
    assert believed == baseline + 30 and loop.budget < believed  # it shrank to what really fitted
    assert [record["reason"] for record in records] == ["timeout"] * 200, {record["error"] for record in records}
    assert not counter.live
    assert wait_for_fd_count(baseline) == baseline


def test_thread_start_failure_is_reported_against_concurrency(monkeypatch, refused_port):
    def no_threads(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_threads)
    with pytest.raises(ProbeInputError) as caught:
        # a host name takes the threaded path (TCP to IP addresses needs no thread per probe)
        run_probes(["localhost:%d" % refused_port.port], ProbeSpec(concurrency=7))
    assert caught.value.option == "concurrency"
    assert "cannot run 7 probes at once" in str(caught.value)


def test_concurrency_one_is_sequential(http_backend):
    run_probes([http_backend.url("/slow/0.05")] * 5, ProbeSpec(timeout=5, concurrency=1))
    assert http_backend.max_active == 1


@needs_proc
def test_2000_targets_under_a_tight_descriptor_limit(refused_port):
    """2000 targets with the fd limit far below them: no EMFILE, nothing leaked."""
    listener = OpenListener(on_accept=CLOSE, backlog=4096)
    refused = refused_port.address
    targets = [listener.address, refused] * 1000
    baseline = open_fd_count()
    threads = set(threading.enumerate())
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    concurrency = 200
    # Room for the concurrency's client sockets, the listener's accepted
    # sockets (closed at once) and pytest's own descriptors - not for 2000.
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(baseline + concurrency * 2 + 64, hard), hard))
    try:
        started = time.monotonic()
        records = run_probes(targets, ProbeSpec(timeout=5, concurrency=concurrency))
        elapsed = time.monotonic() - started
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        assert [record["ok"] for record in records] == [True, False] * 1000
        assert {record["reason"] for record in records[1::2]} == {"refused"}
        assert elapsed < 20
        # the pool's threads are gone too (threads of earlier tests may end meanwhile: they are not counted)
        assert set(threading.enumerate()) - threads == set()
    finally:
        listener.close()
    assert wait_for_fd_count(baseline - 1) == baseline - 1  # the listener's own socket is gone too


@needs_proc
def test_tls_and_http_probes_close_every_socket(https_backend, http_backend):
    targets = [https_backend.url("/"), http_backend.url("/status/500"), https_backend.url("/body/x")] * 50
    baseline = open_fd_count()
    records = run_probes(targets, ProbeSpec(timeout=5, validate_certs=False, body_regex="hello", concurrency=30))
    assert [record["reason"] for record in records[:3]] == [None, "status", "body"]
    assert wait_for_fd_count(baseline) == baseline
