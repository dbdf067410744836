# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one decision for calls and bakes (api_verify): the same rule as for checks, no new way to pass.

One failing call is one failure for max_failures; a failed bake is never tolerated; a SKIPPED call is neither a pass
nor made; too little traffic to judge is an ERROR that on_error decides; a run where nothing was made fails.
"""

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import decide
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import junit_document


def call(name, result, status=200, code=None, reason=None):
    return {
        "kind": "call",
        "name": name,
        "check_result": result,
        "status": status,
        "apig_error_code": code,
        "reason": reason or ("answered %d" % status),
    }


def bake(name, result, breach=None, reason=None):
    return {"kind": "bake", "name": "bake: %s" % name, "check_result": result, "breach": breach, "reason": reason}


LATENCY = {"figure": "mean latency", "value": "180 ms", "threshold": "150 ms", "over": "100 requests, last 5 minutes"}


def test_calls_that_all_pass_pass_in_one_line():
    verdict = decide([call("a", "SUCCESS"), call("b", "SUCCESS")], gate="api verify")
    assert verdict["passed"] is True
    assert verdict["lines"] == ["api verify passed: 2 of 2 calls made, 0 failing calls (max_failures 0)"]


def test_a_failed_call_s_row_shows_its_status_and_its_apig_code():
    dead = call("legacy", "FAILED", 502, "APIG.0201", "APIG.0201: the backend is unavailable or timed out")
    verdict = decide([call("a", "SUCCESS"), dead], gate="api verify")
    assert verdict["passed"] is False and verdict["failing_calls"] == 1
    assert verdict["lines"][1].split(None, 2) == ["CALL", "RESULT", "STATUS APIG CODE / FIGURE > THRESHOLD / WHY"]
    assert verdict["lines"][3].split(None, 2) == [
        "legacy",
        "FAILED",
        "status 502 APIG.0201: the backend is unavailable or timed out",
    ]
    assert verdict["msg"].endswith("not passing: legacy (FAILED: status 502 APIG.0201)")


@pytest.mark.parametrize("max_failures, passed", [(0, False), (1, False), (2, True)])
def test_each_failing_call_counts_one(max_failures, passed):
    records = [call("a", "FAILED", 500), call("b", "FAILED", 500), call("c", "SUCCESS")]
    assert decide(records, max_failures, gate="api verify")["passed"] is passed


def test_a_failed_bake_is_never_tolerated_and_its_row_shows_figure_and_threshold():
    records = [call("a", "SUCCESS"), bake("a", "FAILED", LATENCY)]
    verdict = decide(records, 10, gate="api verify")
    assert verdict["passed"] is False and verdict["failed_bakes"] == 1
    assert verdict["msg"].endswith("not passing: bake: a (FAILED: mean latency 180 ms > 150 ms)")
    row = next(line for line in verdict["lines"] if line.startswith("bake: a"))
    assert row.split(None, 3)[3] == "mean latency 180 ms > 150 ms (100 requests, last 5 minutes)"


def test_skipped_calls_are_never_a_pass_and_never_made():
    skipped = call("post", "SKIPPED", None, reason="POST is not a safe method")
    verdict = decide([skipped], gate="api verify")
    assert verdict["passed"] is False and verdict["made"] == 0 and verdict["errors"] == 0
    assert "0 of 1 calls made" in verdict["summary"] and "1 skipped (never a pass)" in verdict["summary"]
    beside = decide([call("a", "SUCCESS"), skipped], gate="api verify")
    assert beside["passed"] is True and beside["skipped"] == 1
    assert any(line.split()[:2] == ["post", "SKIPPED"] for line in beside["lines"]), "shown all the same"


@pytest.mark.parametrize("on_error, passed", [("fail", False), ("warn", True)])
def test_too_little_traffic_is_an_error_that_on_error_decides(on_error, passed):
    little = bake("a", "ERROR", reason="too little traffic to judge: 3 requests, fewer than min_requests 20")
    verdict = decide([call("a", "SUCCESS"), little], 0, on_error, gate="api verify")
    assert verdict["passed"] is passed and verdict["errors"] == 1
    assert bool(verdict["warnings"]) is (on_error == "warn")


def test_warn_never_passes_a_run_where_nothing_was_made():
    refused = call("a", "ERROR", 401, "APIG.0301", "APIG.0301: the gateway refused to authenticate the call")
    assert decide([refused], 0, "warn", gate="api verify")["passed"] is False


def test_the_report_has_a_failure_per_failed_call_or_bake_an_error_per_unmade_one_and_skipped_ones_apart():
    records = [
        call("a", "SUCCESS"),
        call("legacy", "FAILED", 502, "APIG.0201", "APIG.0201: dead"),
        call("admin", "ERROR", 401, "APIG.0301", "APIG.0301: refused"),
        call("post", "SKIPPED", None, reason="POST is not a safe method"),
        bake("a", "FAILED", LATENCY),
    ]
    verdict = dict(decide(records, gate="api verify"), gate="api_verify")
    root = ET.fromstring(junit_document([("localhost", verdict)], gate="api_verify"))
    suite = root.find("testsuite")
    assert root.get("name") == "hwcloud.apig.api_verify" and suite.get("name") == "api_verify (localhost)"
    assert [suite.get(key) for key in ("tests", "failures", "errors", "skipped")] == ["5", "2", "1", "1"]
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert cases["legacy"].get("classname") == "api_verify.localhost.call"
    assert "status 502 APIG.0201" in cases["legacy"].find("failure").get("message")
    assert cases["admin"].find("error").get("type") == "APIG.0301"
    assert cases["post"].find("skipped").get("message") == "POST is not a safe method"
    assert "180 ms > 150 ms" in cases["bake: a"].find("failure").get("message")
