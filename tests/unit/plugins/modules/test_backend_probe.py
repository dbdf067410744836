# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.backend_probe as Ansible runs it: arguments in, JSON out, exit code - against loopback backends."""

import time

import pytest

from ansible_collections.hwcloud.apig.plugins.modules import backend_probe
from tests.module_runner import run_module


def probe_module(**args):
    """Run backend_probe with these arguments; return (exit code, result)."""
    run = run_module(backend_probe.main, args)
    return run.code, run.result


def test_success_sets_top_level_values_and_facts(open_listener):
    code, result = probe_module(targets=[open_listener.address])
    assert code == 0
    assert result["changed"] is False
    assert result["check_result"] == "SUCCESS"
    assert result["failures"] == []
    assert result["msg"] == "all 1 targets passed"
    (record,) = result["results"]
    assert record["ok"] is True and record["target"] == open_listener.address
    assert result["ansible_facts"]["backend_probe"] == {"check_result": "SUCCESS", "failures": [], "failed_results": []}


def test_failed_check_does_not_fail_the_task(open_listener, refused_port):
    refused = refused_port.address
    code, result = probe_module(targets=[open_listener.address, refused], timeout=2)
    assert code == 0
    assert not result.get("failed")
    assert result["check_result"] == "FAILED"
    assert result["failures"] == [refused]
    assert [record["reason"] for record in result["results"]] == [None, "refused"]
    assert result["msg"] == "1 of 2 targets failed: %s (connection refused by %s)" % (refused, refused)
    assert result["ansible_facts"]["backend_probe"] == {
        "check_result": "FAILED",
        "failures": [refused],
        "failed_results": [result["results"][1]],
    }


def test_fail_on_failed_fails_the_task_with_the_results(refused_port):
    refused = refused_port.address
    code, result = probe_module(targets=[refused], fail_on_failed=True)
    assert code == 1
    assert result["failed"] is True and result["changed"] is False
    assert result["check_result"] == "FAILED" and result["failures"] == [refused]
    assert "connection refused" in result["msg"]
    assert result["results"][0]["reason"] == "refused"


def test_fail_on_failed_passes_when_all_pass(open_listener):
    code, result = probe_module(targets=[open_listener.address], fail_on_failed=True)
    assert code == 0 and result["check_result"] == "SUCCESS"


def test_check_mode_probes_for_real(open_listener, refused_port):
    code, result = probe_module(targets=[open_listener.address, refused_port.address], _ansible_check_mode=True)
    assert code == 0
    assert result["changed"] is False
    assert [record["ok"] for record in result["results"]] == [True, False]
    time.sleep(0.05)
    assert open_listener.accepted == 1


def test_custom_fact_name(open_listener):
    _dummy, result = probe_module(targets=[open_listener.address], fact_name="gate_probe")
    assert list(result["ansible_facts"]) == ["gate_probe"]
    assert result["ansible_facts"]["gate_probe"]["check_result"] == "SUCCESS"


def test_http_options_reach_the_backend(http_backend):
    _dummy, result = probe_module(
        targets=[http_backend.address, http_backend.url("/status/404")],
        protocol="http",
        path="/status/503",
        method="GET",
        expected_status=[503, "404"],
        headers={"X-Probe": 1},
        body_regex="status",
        timeout=3,
        concurrency=1,
    )
    assert result["check_result"] == "SUCCESS", result
    assert [record["status_code"] for record in result["results"]] == [503, 404]
    assert http_backend.requests[0][2]["X-Probe"] == "1"


def test_apig_status_syntax_string(http_backend):
    _code, result = probe_module(targets=[http_backend.url("/status/201")], expected_status="200,201")
    assert result["check_result"] == "SUCCESS"
    _code, result = probe_module(targets=[http_backend.url("/status/201")], expected_status="200-200")
    assert result["results"][0]["error"] == "expected status 200, got 201"


def test_wait_timeout_reports_attempts(refused_port):
    refused = refused_port.address
    _dummy, result = probe_module(targets=[refused], wait_timeout=0.3, wait_interval=0.1)
    assert result["results"][0]["attempts"] >= 3


@pytest.mark.parametrize(
    "args, option",
    [
        ({"targets": []}, "targets"),
        ({"targets": ["127.0.0.1"]}, "targets"),
        ({"targets": ["127.0.0.1:0"]}, "targets"),
        ({"protocol": "udp"}, "protocol"),
        ({"method": "POST"}, "method"),
        ({"path": "no-slash", "protocol": "http"}, "path"),
        ({"expected_status": "2xx"}, "expected_status"),
        ({"expected_status": "600"}, "expected_status"),
        ({"body_regex": "(unclosed"}, "body_regex"),
        ({"body_regex": "x", "method": "HEAD"}, "body_regex"),
        ({"headers": {"Bad Name": "x"}}, "headers"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 10001}, "concurrency"),
        ({"wait_timeout": -1}, "wait_timeout"),
        ({"wait_interval": 0}, "wait_interval"),
        ({"ca_path": "/nonexistent/ca.pem"}, "ca_path"),
        ({"fact_name": "not a name"}, "fact_name"),
        ({"no_such_option": 1}, "no_such_option"),
    ],
)
def test_bad_input_fails_naming_the_option_and_probes_nothing(open_listener, args, option):
    module_args = {"targets": [open_listener.address]}
    module_args.update(args)
    code, result = probe_module(**module_args)
    assert code == 1
    assert result["failed"] is True
    assert option in result["msg"]
    assert "Traceback" not in result["msg"] and "exception" not in result
    assert "results" not in result
    time.sleep(0.05)
    assert open_listener.accepted == 0


def test_every_bad_target_is_listed(open_listener):
    code, result = probe_module(targets=[open_listener.address, "nope", "[::1]", "x:99999"])
    assert code == 1
    assert result["msg"].startswith("targets: invalid targets ")
    assert result["invalid_targets"] == ["nope", "[::1]", "x:99999"]
    assert open_listener.accepted == 0
