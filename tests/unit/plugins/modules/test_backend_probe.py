# Copyright (c) hwcloud.apig developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hwcloud.apig.backend_probe as Ansible runs it: arguments in, JSON out, exit code."""

import json
import time

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hwcloud.apig.plugins.modules import backend_probe
from tests.unit.plugins.module_utils.conftest import HttpBackend, OpenListener, closed_port


def run_module(capsys, **args):
    """Run the module's main(); return (exit code, parsed JSON result)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit) as caught:
            backend_probe.main()
    out = capsys.readouterr().out
    return caught.value.code, json.loads(out)


@pytest.fixture
def listener():
    backend = OpenListener()
    yield backend
    backend.close()


@pytest.fixture
def web():
    backend = HttpBackend()
    yield backend
    backend.close()


def test_success_sets_top_level_values_and_facts(capsys, listener):
    code, result = run_module(capsys, targets=[listener.target])
    assert code == 0
    assert result["changed"] is False
    assert result["check_result"] == "SUCCESS"
    assert result["failures"] == []
    assert result["msg"] == "all 1 targets passed"
    (record,) = result["results"]
    assert record["ok"] is True and record["target"] == listener.target
    assert result["ansible_facts"]["backend_probe"] == {"check_result": "SUCCESS", "failures": [], "failed_results": []}


def test_failed_check_does_not_fail_the_task(capsys, listener):
    refused = "127.0.0.1:%d" % closed_port()
    code, result = run_module(capsys, targets=[listener.target, refused], timeout=2)
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


def test_fail_on_failed_fails_the_task_with_the_results(capsys):
    refused = "127.0.0.1:%d" % closed_port()
    code, result = run_module(capsys, targets=[refused], fail_on_failed=True)
    assert code == 1
    assert result["failed"] is True and result["changed"] is False
    assert result["check_result"] == "FAILED" and result["failures"] == [refused]
    assert "connection refused" in result["msg"]
    assert result["results"][0]["reason"] == "refused"


def test_fail_on_failed_passes_when_all_pass(capsys, listener):
    code, result = run_module(capsys, targets=[listener.target], fail_on_failed=True)
    assert code == 0 and result["check_result"] == "SUCCESS"


def test_check_mode_probes_for_real(capsys, listener):
    code, result = run_module(
        capsys, targets=[listener.target, "127.0.0.1:%d" % closed_port()], _ansible_check_mode=True
    )
    assert code == 0
    assert result["changed"] is False
    assert [record["ok"] for record in result["results"]] == [True, False]
    time.sleep(0.05)
    assert listener.accepted == 1


def test_custom_fact_name(capsys, listener):
    _dummy, result = run_module(capsys, targets=[listener.target], fact_name="gate_probe")
    assert list(result["ansible_facts"]) == ["gate_probe"]
    assert result["ansible_facts"]["gate_probe"]["check_result"] == "SUCCESS"


def test_http_options_reach_the_backend(capsys, web):
    _dummy, result = run_module(
        capsys,
        targets=[web.hostport, web.url("/status/404")],
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
    assert web.requests[0][2]["X-Probe"] == "1"


def test_apig_status_syntax_string(capsys, web):
    _code, result = run_module(capsys, targets=[web.url("/status/201")], expected_status="200,201")
    assert result["check_result"] == "SUCCESS"
    _code, result = run_module(capsys, targets=[web.url("/status/201")], expected_status="200-200")
    assert result["results"][0]["error"] == "expected status 200, got 201"


def test_wait_timeout_reports_attempts(capsys):
    refused = "127.0.0.1:%d" % closed_port()
    _dummy, result = run_module(capsys, targets=[refused], wait_timeout=0.3, wait_interval=0.1)
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
def test_bad_input_fails_naming_the_option_and_probes_nothing(capsys, listener, args, option):
    module_args = {"targets": [listener.target]}
    module_args.update(args)
    code, result = run_module(capsys, **module_args)
    assert code == 1
    assert result["failed"] is True
    assert option in result["msg"]
    assert "Traceback" not in result["msg"] and "exception" not in result
    assert "results" not in result
    time.sleep(0.05)
    assert listener.accepted == 0


def test_every_bad_target_is_listed(capsys, listener):
    code, result = run_module(capsys, targets=[listener.target, "nope", "[::1]", "x:99999"])
    assert code == 1
    assert result["msg"].startswith("targets: invalid targets ")
    assert result["invalid_targets"] == ["nope", "[::1]", "x:99999"]
    assert listener.accepted == 0
