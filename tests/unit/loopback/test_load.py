# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The load generator sends exactly what its bounds allow, to loopback only, and reports what came back."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loopback.echo_backend import EchoBackend
from tests.loopback.load import LoadGenerator, Target

REPO = str(Path(__file__).resolve().parents[3])


@pytest.fixture
def echo():
    with EchoBackend() as backend:
        yield backend


def test_it_sends_max_requests_over_concurrent_connections(echo):
    report = LoadGenerator(
        "http://" + echo.address, [Target("/a", "one.example"), Target("/b?x=1", "two.example")], 40, 4, 30
    ).run()
    assert (report.sent, report.statuses, report.transport_errors) == (40, {200: 40}, 0)
    paths = [(seen["path"], seen["headers"]["Host"]) for seen in echo.requests]
    assert sorted(set(paths)) == [("/a", "one.example"), ("/b", "two.example")] and len(paths) == 40


def test_it_stops_at_max_seconds(echo):
    echo.configure(latency_ms=50)
    report = LoadGenerator("http://" + echo.address, [Target("/", "h")], 1_000_000, 2, 0.3).run()
    assert report.sent < 1_000_000 and report.sent == sum(report.statuses.values()) + report.transport_errors


def test_it_reads_the_gateways_error_codes(echo):
    echo.configure(status=502, body='{"error_code": "APIG.0201", "error_msg": "Backend unavailable."}')
    report = LoadGenerator("http://" + echo.address, [Target("/", "h")], 3, 1, 30).run()
    assert (report.statuses, report.error_codes) == ({502: 3}, {"APIG.0201": 3})


def test_a_closed_port_counts_transport_errors(refused_port):
    report = LoadGenerator("http://" + refused_port.address, [Target("/", "h")], 3, 1, 30).run()
    assert (report.sent, report.transport_errors, sum(report.statuses.values())) == (3, 3, 0)


@pytest.mark.parametrize(
    ("url", "bounds"),
    [
        ("http://0.0.0.0:80", (1, 1, 1)),
        ("http://[::]:80", (1, 1, 1)),
        ("http://example.invalid:80", (1, 1, 1)),
        ("https://127.0.0.1:443", (1, 1, 1)),
        ("http://127.0.0.1", (1, 1, 1)),
        ("http://127.0.0.1:80", (0, 1, 1)),
        ("http://127.0.0.1:80", (1, 0, 1)),
        ("http://127.0.0.1:80", (1, 257, 1)),
        ("http://127.0.0.1:80", (1, 1, 0)),
        ("http://127.0.0.1:80", (1, 1, 3601)),
    ],
)
def test_it_refuses_other_addresses_and_unbounded_runs_before_sending(url, bounds):
    with pytest.raises(ValueError):
        LoadGenerator(url, [Target("/", "h")], *bounds)


def test_the_command_prints_its_report(echo):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.loopback.load",
            "--url",
            "http://" + echo.address,
            "--host",
            "h",
            "--path",
            "/x",
            "--requests",
            "5",
            "--concurrency",
            "2",
            "--seconds",
            "30",
            "--header",
            "X-Canary: 1",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    report = json.loads(completed.stdout)
    assert (report["sent"], report["statuses"]) == (5, {"200": 5})
    assert {seen["headers"]["X-Canary"] for seen in echo.requests} == {"1"}
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.loopback.load",
            "--url",
            "http://0.0.0.0:80",
            "--host",
            "h",
            "--path",
            "/",
            "--requests",
            "1",
            "--seconds",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2 and "loopback" in refused.stderr
