# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A bounded load generator for the emulator's data plane, so a bake judges real traffic.

It sends HTTP requests to one loopback address (the data plane's ``data_url``), cycling through ``targets`` - each
a method, a path, the Host header that names the API group, headers and a body - from ``concurrency`` threads,
each on a keep-alive connection of its own, until ``max_requests`` were sent or ``max_seconds`` passed, optionally
paced to ``rate`` requests per second in total. Every bound is required and capped, and the address must be a
loopback IP (or ``localhost``, taken as 127.0.0.1 without a lookup): it refuses anything else before sending a byte.

In Python::

    report = LoadGenerator(emu.data_url, [Target("/orders/1", host=emu.group_domain("orders"))],
                           max_requests=200, concurrency=4, max_seconds=10).run()
    report.statuses   # {200: 190, 502: 10}

or in the background (``start()``, then ``stop()`` / ``wait()``), or as a command that prints the report as JSON::

    python -m tests.loopback.load --url http://127.0.0.1:PORT --host <group subdomain> --path /orders/1 \\
        --requests 200 --concurrency 4 --seconds 10 [--rate 20] [--method GET] [--header 'X-Canary: 1']
"""

import argparse
import collections
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit

from tests.loopback.sockets import is_loopback

MAX_REQUESTS = 1_000_000
MAX_CONCURRENCY = 256
MAX_SECONDS = 3600.0
REQUEST_TIMEOUT = 30.0


class Target:
    """One kind of request: ``method`` ``path`` (with its query) to the group whose subdomain is ``host``."""

    def __init__(self, path, host, method="GET", headers=None, body=b""):
        if not path.startswith("/"):
            raise ValueError("path must start with /: %r" % (path,))
        self.path = path
        self.host = host
        self.method = method.upper()
        self.headers = dict(headers or {})
        self.body = body.encode("utf-8") if isinstance(body, str) else body


class LoadReport:
    """What a run did: requests sent, answers by status, transport errors, and each answer's gateway latency."""

    def __init__(self):
        self.sent = 0
        self.statuses = collections.Counter()
        self.error_codes = collections.Counter()  # the gateway's own APIG codes, read from its error bodies
        self.transport_errors = 0
        self.latencies_ms = []  # X-Apig-Latency of each answer, in the order answered
        self.elapsed = 0.0

    def as_dict(self):
        """The report as JSON-ready data (the command prints this)."""
        return {
            "sent": self.sent,
            "answered": sum(self.statuses.values()),
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "error_codes": dict(sorted(self.error_codes.items())),
            "transport_errors": self.transport_errors,
            "elapsed_seconds": round(self.elapsed, 3),
        }


def _loopback_address(url):
    """``(address, port)`` of a plain-HTTP loopback URL; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        raise ValueError("the load generator takes http://<loopback IP>:<port>, not %r" % (url,))
    host = "127.0.0.1" if parts.hostname.lower() == "localhost" else parts.hostname
    if not is_loopback(host):
        raise ValueError("the load generator only sends to loopback addresses (127.0.0.0/8, ::1), not %r" % host)
    return host, parts.port


def _bounded(name, value, low, high, kind):
    if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
        raise ValueError("%s must be within %s-%s, got %r" % (name, low, high, value))
    return value


class LoadGenerator:
    """Sends bounded traffic to one loopback HTTP address; ``run()`` in the caller's thread, or ``start()``."""

    def __init__(self, url, targets, max_requests, concurrency, max_seconds, rate=None):
        self.address, self.port = _loopback_address(url)
        self.targets = list(targets)
        if not self.targets:
            raise ValueError("give at least one target")
        self.max_requests = _bounded("max_requests", max_requests, 1, MAX_REQUESTS, int)
        self.concurrency = _bounded("concurrency", concurrency, 1, MAX_CONCURRENCY, int)
        self.max_seconds = float(_bounded("max_seconds", max_seconds, 0.001, MAX_SECONDS, (int, float)))
        self.rate = None if rate is None else float(_bounded("rate", rate, 0.001, 1e6, (int, float)))
        self.report = LoadReport()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._next = 0
        self._threads = []
        self._started = None

    def _take(self):
        """The number of the next request to send, or None when the run is over."""
        with self._lock:
            if self._stop.is_set() or self._next >= self.max_requests or self._over():
                return None
            number, self._next = self._next, self._next + 1
            return number

    def _over(self):
        return time.monotonic() - self._started >= self.max_seconds

    def _pace(self, number):
        """Wait until request ``number`` is due at ``rate``; False when the run ends first."""
        if self.rate is None:
            return True
        due = self._started + number / self.rate
        wait = due - time.monotonic()
        deadline_left = self._started + self.max_seconds - time.monotonic()
        if wait > deadline_left:
            return False
        return wait <= 0 or not self._stop.wait(wait)

    def _connection(self):
        return http.client.HTTPConnection(self.address, self.port, timeout=REQUEST_TIMEOUT)

    def _worker(self):
        """One thread: take request numbers until the bounds say stop, on one keep-alive connection."""
        connection = self._connection()
        try:
            while True:
                number = self._take()
                if number is None or not self._pace(number):
                    return
                connection = self._send(connection, self.targets[number % len(self.targets)])
        finally:
            connection.close()

    def _send(self, connection, target):
        """One request and its answer; a broken connection is counted and replaced."""
        headers = dict(target.headers, Host=target.host)
        if target.body or target.method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(target.body))
        with self._lock:
            self.report.sent += 1
        try:
            connection.request(target.method, target.path, body=target.body or None, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            with self._lock:
                self.report.transport_errors += 1
            return self._connection()
        code = None
        if response.status >= 400 and content[:1] == b"{":
            try:
                code = json.loads(content.decode("utf-8")).get("error_code")
            except (UnicodeDecodeError, ValueError, AttributeError):
                code = None
        latency = response.getheader("X-Apig-Latency")
        with self._lock:
            self.report.statuses[response.status] += 1
            if code:
                self.report.error_codes[code] += 1
            if latency is not None and latency.isdigit():
                self.report.latencies_ms.append(int(latency))
        return connection

    def start(self):
        """Start sending in background threads; returns self."""
        if self._started is not None:
            raise RuntimeError("a LoadGenerator runs once")
        self._started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._worker, name="load-%d" % index, daemon=True)
            for index in range(self.concurrency)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def wait(self):
        """Wait for the run to end by its bounds; returns the report."""
        for thread in self._threads:
            thread.join()
        self.report.elapsed = time.monotonic() - self._started
        return self.report

    def stop(self):
        """End the run early (requests under way finish); returns the report."""
        self._stop.set()
        return self.wait()

    def run(self):
        """Send everything and return the report."""
        return self.start().wait()


def _header(text):
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError("a header is 'Name: value', got %r" % text)
    return name.strip(), value.strip()


def main(argv=None):
    """The command line: run once, print the report as one JSON line; exit 2 on bad arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.loopback.load", description=__doc__.split("\n", maxsplit=1)[0]
    )
    parser.add_argument("--url", required=True, help="the data plane, http://127.0.0.1:PORT")
    parser.add_argument("--host", required=True, help="the Host header: the API group's subdomain")
    parser.add_argument("--path", action="append", required=True, help="a path (with query); repeat to cycle")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", type=_header, default=[], help="'Name: value', repeatable")
    parser.add_argument("--body", default="")
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--rate", type=float, help="requests per second in total (default: as fast as answered)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        targets = [Target(path, args.host, args.method, dict(args.header), args.body) for path in args.path]
        generator = LoadGenerator(args.url, targets, args.requests, args.concurrency, args.seconds, args.rate)
    except ValueError as exc:
        parser.error(str(exc))
    print(json.dumps(generator.run().as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
