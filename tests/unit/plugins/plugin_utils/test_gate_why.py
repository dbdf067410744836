# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a diagnosis shows in the gate - the WHY column, the JUnit failure text, the halves put together - and that
it never weighs in the one decision.

A 3 a.m. reader sees one line per failing backend with its summary beside it; CI shows why and the fix under each
failing backend. The verdict of a run with a diagnosis is the verdict of the same run without one, word for word.
"""

import copy
import json
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis import ADMITS, open_network_finding
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import decide
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_records import run_records
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import junit_report

CHECKS = [
    {"name": "orders", "instance_id": "i", "backend_type": "vpc_channel", "vpc_channel_id": "c"},
    {"name": "billing", "instance_id": "i", "backend_type": "vpc_channel", "vpc_channel_id": "d"},
]
PAY = {
    "target": "192.168.1.20:8443",
    "cause": "security_group",
    "summary": "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)",
    "evidence": {"security_groups": ["sg-pay"]},
    "fix": "add an inbound rule to sg-pay: allow TCP 8443 from 100.125.0.0/16",
    "confidence": "confirmed",
}
DENY = dict(
    PAY,
    target="192.168.1.30:9000",
    summary="deny rule r-deny-health of sg-deny (priority 1) keeps the gateway (100.125.0.0/16) out of port 9000",
    fix="delete deny rule r-deny-health of sg-deny, or narrow its remote",
)


def run(diagnosis=True):
    """A registered batch: orders passed, billing failed two members, each explained when ``diagnosis``."""
    records = [
        dict(CHECKS[0], probe="remote", check_result="SUCCESS", failures=[], remote={"failures": []}),
        dict(
            CHECKS[1],
            probe="remote",
            check_result="FAILED",
            failures=[PAY["target"], DENY["target"]],
            remote={"check_result": "FAILED", "failures": [PAY["target"], DENY["target"]]},
        ),
    ]
    if diagnosis:
        records[0]["diagnosis"], records[1]["diagnosis"] = [], [PAY, DENY]
    return json.loads(json.dumps({"checks": records}))


def test_the_table_gets_a_why_column_one_row_per_failing_backend():
    verdict = decide(run_records(CHECKS, run=run()))
    assert verdict["lines"][1:] == [
        "CHECK    RESULT   UNREACHABLE / ERROR  WHY",
        "orders   SUCCESS  -",
        "billing  FAILED   192.168.1.20:8443    " + PAY["summary"],
        "                  192.168.1.30:9000    " + DENY["summary"],
    ]


def test_without_a_diagnosis_the_table_is_as_it_always_was():
    verdict = decide(run_records(CHECKS, run=run(diagnosis=False)))
    assert verdict["lines"][1:] == [
        "CHECK    RESULT   UNREACHABLE / ERROR",
        "orders   SUCCESS  -",
        "billing  FAILED   192.168.1.20:8443, 192.168.1.30:9000",
    ]


def test_a_backend_the_diagnosis_does_not_name_has_a_dash_and_an_error_row_keeps_its_text():
    registered = run()
    registered["checks"][1]["diagnosis"] = [PAY]
    registered["checks"][0].update(check_result="ERROR", msg="APIG refused the request: HTTP 503", status=503)
    lines = decide(run_records(CHECKS, run=registered))["lines"]
    assert lines[2] == "orders   ERROR    APIG refused the request: HTTP 503"
    assert lines[4] == "                  192.168.1.30:9000    -"


@pytest.mark.parametrize("max_failures", [0, 1, 2])
@pytest.mark.parametrize("cause", ["security_group", "not_available", "no_listener", "unknown"])
def test_a_diagnosis_never_changes_the_verdict(max_failures, cause):
    with_diagnosis = run()
    for item in with_diagnosis["checks"][1]["diagnosis"]:
        item["cause"] = cause
    plain = decide(run_records(CHECKS, run=run(diagnosis=False)), max_failures)
    explained = decide(run_records(CHECKS, run=with_diagnosis), max_failures)
    for key in ("passed", "msg", "summary", "failures", "backends", "unreachable", "errors", "made", "warnings"):
        assert explained[key] == plain[key], key


def test_the_junit_failure_says_why_and_the_fix_under_each_backend():
    report = ET.fromstring(junit_report(decide(run_records(CHECKS, run=run()))).encode("utf-8"))
    (failure,) = report.iter("failure")
    assert failure.text.splitlines() == [
        "unreachable: 192.168.1.20:8443",
        "  why: " + PAY["summary"],
        "  fix: " + PAY["fix"],
        "unreachable: 192.168.1.30:9000",
        "  why: " + DENY["summary"],
        "  fix: " + DENY["fix"],
    ]


def test_the_gate_halves_carry_the_gateways_diagnosis_and_draw_no_listener_from_this_hosts_probe():
    """The role asks the gateway once (remote) and probes on each host (local): the merged record is diagnosed."""
    target = "127.0.0.2:8080"
    open_network = open_network_finding(target, 8080, {"network": ADMITS, "route": "VPC v (127.0.0.0/24)"})
    checks = [{"name": "app", "instance_id": "i", "backend_type": "backend_address", "backend_address": target}]
    remote = {
        "checks": [
            dict(
                checks[0],
                probe="remote",
                check_result="FAILED",
                failures=[target],
                remote={"check_result": "FAILED", "failures": [target]},
                diagnosis=[open_network],
            )
        ]
    }
    refused = {"target": target, "backend": target, "ok": False, "reason": "refused", "skipped": None}
    local = {
        "checks": [
            dict(
                checks[0],
                probe="local",
                check_result="FAILED",
                failures=[target],
                local={"made": True, "check_result": "FAILED", "failures": [target], "results": [refused]},
                diagnosis=[],
            )
        ]
    }
    (merged,) = run_records(checks, "both", copy.deepcopy(remote), copy.deepcopy(local))
    assert merged["check_result"] == "FAILED"
    assert [item["cause"] for item in merged["diagnosis"]] == ["no_listener"]
    assert "WHY" in decide([merged])["lines"][1]
