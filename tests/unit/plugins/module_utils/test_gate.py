# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate's decision and JUnit report: fail closed, count every unreachable backend, say why in a table."""

import datetime
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.gate import decide, junit_report

CONFIGURED = [
    {"name": "orders", "instance_id": "i", "backend_type": "vpc_channel", "vpc_channel_id": "c"},
    {"name": "billing", "instance_id": "i", "backend_type": "backend_address", "backend_address": "127.0.0.1:9"},
]


def record(name, result, failures=(), **extra):
    return dict(
        {"name": name, "check_result": result, "failures": list(failures), "backend_type": "vpc_channel"}, **extra
    )


ERROR = dict(
    msg="APIG refused the request: HTTP 404 APIG.3030: The instance does not exist",
    status=404,
    error_code="APIG.3030",
    error_msg="The instance does not exist",
    request_id="ab" * 16,
)


def test_all_up_passes_with_one_line():
    verdict = decide({"checks": [record("orders", "SUCCESS"), record("billing", "SUCCESS")]}, CONFIGURED)
    assert verdict["passed"] is True
    assert verdict["lines"] == ["backend gate passed: 2 of 2 checks made, 0 unreachable backends (max_failures 0)"]
    assert verdict["message"] == verdict["summary"]


def test_one_down_fails_with_a_table_naming_check_and_backend():
    verdict = decide(
        {
            "checks": [record("orders", "FAILED", ["127.0.0.1:1", "[::1]:2"]), record("billing", "SUCCESS")],
            "failures": ["orders: 127.0.0.1:1", "orders: [::1]:2"],
        },
        CONFIGURED,
    )
    assert verdict["passed"] is False and verdict["unreachable"] == 2
    assert verdict["message"] == "\n".join(
        [
            "backend gate FAILED: 2 of 2 checks made, 2 unreachable backends (max_failures 0)",
            "CHECK    RESULT   UNREACHABLE / ERROR",
            "orders   FAILED   127.0.0.1:1, [::1]:2",
            "billing  SUCCESS  -",
        ]
    )
    assert verdict["failures"] == ["orders: 127.0.0.1:1", "orders: [::1]:2"]


@pytest.mark.parametrize("max_failures, passed", [(0, False), (1, False), (2, True), (5, True)])
def test_max_failures_counts_backends_not_checks(max_failures, passed):
    checks = [record("orders", "FAILED", ["127.0.0.1:1"]), record("billing", "FAILED", [])]
    verdict = decide({"checks": checks}, CONFIGURED, max_failures)
    assert verdict["unreachable"] == 2, "a FAILED answer naming no backend still counts one"
    assert verdict["passed"] is passed


def test_unmade_check_fails_closed_by_default():
    verdict = decide({"checks": [record("orders", "SUCCESS"), record("billing", "ERROR", **ERROR)]}, CONFIGURED)
    assert verdict["passed"] is False and verdict["errors"] == 1 and verdict["warnings"] == []
    assert "1 of 2 checks could not be made (on_error fail)" in verdict["summary"]
    assert verdict["lines"][-1] == "billing  ERROR    %s (request %s)" % (ERROR["msg"], ERROR["request_id"])


def test_unmade_check_with_warn_is_left_out_with_a_warning():
    verdict = decide(
        {"checks": [record("orders", "SUCCESS"), record("billing", "ERROR", **ERROR)]}, CONFIGURED, 0, "warn"
    )
    assert verdict["passed"] is True
    assert verdict["warnings"] == [
        "backend gate: 1 of 2 checks could not be made and were left out of the decision "
        "(on_error=warn): billing: %s (request %s)" % (ERROR["msg"], ERROR["request_id"])
    ]


def test_warn_never_passes_when_nothing_was_made():
    verdict = decide({"checks": [record("orders", "ERROR", **ERROR)]}, CONFIGURED[:1], 0, "warn")
    assert verdict["passed"] is False and verdict["warnings"] == []
    assert "and none was made" in verdict["summary"]


def test_module_that_could_not_run_makes_every_check_an_error():
    run = {"failed": True, "msg": "no credentials: set auth_token ..."}
    verdict = decide(
        run, [*CONFIGURED, {"instance_id": "i", "backend_type": "vpc_channel", "vpc_channel_id": "chan"}, {}]
    )
    assert [check["name"] for check in verdict["checks"]] == ["orders", "billing", "chan", "check 4"]
    assert all(check["check_result"] == "ERROR" and check["msg"] == run["msg"] for check in verdict["checks"])
    assert verdict["passed"] is False


def test_error_code_is_not_repeated_when_the_message_has_it():
    verdict = decide({"checks": [record("x", "ERROR", msg="timed out", error_code="APIG.9999")]}, CONFIGURED)
    assert verdict["lines"][-1].endswith("APIG.9999 timed out")


def test_junit_report_is_valid_xml_with_the_right_counts_and_escaping():
    nasty = "a<b>&\"c'\x01"
    verdict = decide(
        {
            "checks": [
                record(nasty, "FAILED", ["127.0.0.1:1"]),
                record("ok", "SUCCESS"),
                record("gone", "ERROR", **ERROR),
            ]
        },
        CONFIGURED,
        0,
        "warn",
    )
    xml = junit_report(verdict, "host<1>", now=datetime.datetime(2026, 1, 2, 3, 4, 5))
    root = ET.fromstring(xml.encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    suite = root.find("testsuite")
    assert suite.get("hostname") == "host<1>" and suite.get("timestamp") == "2026-01-02T03:04:05"
    cases = suite.findall("testcase")
    assert cases[0].get("name") == "a<b>&\"c'"
    assert cases[0].find("failure").get("message") == "unreachable: 127.0.0.1:1"
    assert cases[1].find("failure") is None and cases[1].find("error") is None
    assert cases[2].find("error").get("type") == "APIG.3030"
    assert ERROR["request_id"] in cases[2].find("error").text


FILTER_CHECKS = """
from ansible.errors import AnsibleFilterError
from ansible_collections.hwcloud.apig.plugins.filter.backend_gate import FilterModule
filters = FilterModule().filters()
for args in (("not a result", []), ({}, [], -1), ({}, [], 0, "ignore"), ({}, [], "many")):
    try:
        filters["backend_gate_verdict"](*args)
    except AnsibleFilterError:
        pass
    else:
        raise SystemExit("accepted %r" % (args,))
print(filters["backend_gate_junit"](filters["backend_gate_verdict"]({"checks": []}, []), "h").splitlines()[0])
"""


def test_filters_refuse_bad_arguments():
    # In a process of its own: importing controller code (ansible.errors) switches module warnings in this process
    # to the controller's display, which other tests here rely on not happening.
    done = subprocess.run(
        [sys.executable, "-c", FILTER_CHECKS],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '<?xml version="1.0" encoding="UTF-8"?>'
