# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate's decision and JUnit report: fail closed, count every unreachable backend, say why in a table."""

import datetime
import errno
import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.discovered_checks import checks_from
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import DiscoveredApi
from ansible_collections.hwcloud.apig.plugins.module_utils.results import local_part
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import console_text
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import decide as decide_records
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_plan import discovery_plan, gate_plan, with_discovered
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_records import run_records as gate_records
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import (
    junit_document,
    junit_report,
    same_report,
    write_report,
)

CONFIGURED = [
    {"name": "orders", "instance_id": "i", "backend_type": "vpc_channel", "vpc_channel_id": "c"},
    {"name": "billing", "instance_id": "i", "backend_type": "backend_address", "backend_address": "127.0.0.1:9"},
]


def as_handed_over(value):
    """``value`` as Ansible hands it to the gate's plugins: through JSON (a module's registered result, task
    arguments, facts), so its strings are equal to the gate's own constants but are not the same objects."""
    return json.loads(json.dumps(value))


def decide(run, checks, max_failures=0, on_error="fail", probe="remote"):
    """The verdict of a registered run of ``checks``, as the backend_gate_verdict filter decides it."""
    return decide_records(gate_records(checks, probe, run), max_failures, on_error)


def record(name, result, failures=(), **extra):
    """A module's record of the check of CONFIGURED named ``name`` (asked with probe remote), or of a check named
    ``name`` through channel ``c``."""
    identity = next(
        (dict(check, probe="remote") for check in CONFIGURED if check["name"] == name),
        {"name": name, "instance_id": "i", "backend_type": "vpc_channel", "vpc_channel_id": "c", "probe": "remote"},
    )
    return dict(identity, check_result=result, failures=list(failures), **extra)


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
def test_max_failures_counts_backends_not_checks_and_each_backend_once(max_failures, passed):
    checks = [record("orders", "FAILED", ["127.0.0.1:1", "127.0.0.1:2"]), record("billing", "FAILED", ["127.0.0.1:1"])]
    verdict = decide({"checks": checks}, CONFIGURED, max_failures)
    assert verdict["unreachable"] == 2, "127.0.0.1:1 is behind two checks and counts once"
    assert verdict["passed"] is passed
    assert [(backend["backend"], backend["checks"]) for backend in verdict["backends"]] == [
        ("127.0.0.1:1", ["orders", "billing"]),
        ("127.0.0.1:2", ["orders"]),
    ]


@pytest.mark.parametrize("max_failures", [0, 1, 10])
def test_a_failed_check_that_names_no_backend_is_never_tolerated(max_failures):
    checks = [record("orders", "FAILED", []), record("billing", "SUCCESS")]
    verdict = decide({"checks": checks}, CONFIGURED, max_failures)
    assert verdict["passed"] is False and verdict["no_backend"] == 1 and verdict["unreachable"] == 0
    assert "1 check whose gateway listed no backend at all (never tolerated)" in verdict["summary"]
    assert verdict["lines"][2].startswith("orders   FAILED   (the gateway listed no backend")


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
    assert [check["name"] for check in verdict["checks"]] == ["orders", "billing", "chan", "checks[3]"]
    assert all(check["check_result"] == "ERROR" and check["msg"] == run["msg"] for check in verdict["checks"])
    assert verdict["passed"] is False


def test_error_code_is_not_repeated_when_the_message_has_it():
    verdict = decide_records([record("x", "ERROR", msg="timed out", error_code="APIG.9999")])
    assert verdict["lines"][-1].endswith("APIG.9999 timed out")


def test_a_tolerated_unreachable_backend_passes_but_the_table_still_names_it():
    verdict = decide(
        {"checks": [record("orders", "FAILED", ["127.0.0.1:1"]), record("billing", "SUCCESS")]}, CONFIGURED, 1
    )
    assert verdict["passed"] is True
    assert verdict["lines"] == [
        "backend gate passed: 2 of 2 checks made, 1 unreachable backend (max_failures 1)",
        "CHECK    RESULT   UNREACHABLE / ERROR",
        "orders   FAILED   127.0.0.1:1",
        "billing  SUCCESS  -",
    ]


def test_the_table_keeps_its_columns_under_their_headings_when_every_name_is_short():
    verdict = decide_records([record("db", "FAILED", ["127.0.0.1:1"]), record("web", "SUCCESS")])
    assert verdict["lines"][1:] == [
        "CHECK  RESULT   UNREACHABLE / ERROR",
        "db     FAILED   127.0.0.1:1",
        "web    SUCCESS  -",
    ]


def test_the_decision_on_records_and_options_as_ansible_hands_them_over():
    records = as_handed_over(
        [record("orders", "FAILED", ["127.0.0.1:1"]), record("billing", "SUCCESS"), record("gone", "ERROR", **ERROR)]
    )
    verdict = decide_records(records, 1, as_handed_over("warn"))
    assert verdict["passed"] is True and verdict["unreachable"] == 1 and verdict["errors"] == 1
    assert verdict["lines"][2:] == [
        "orders   FAILED   127.0.0.1:1",
        "billing  SUCCESS  -",
        "gone     ERROR    %s (request %s)" % (ERROR["msg"], ERROR["request_id"]),
    ]
    assert len(verdict["warnings"]) == 1 and verdict["warnings"][0].startswith("backend gate: 1 of 3 checks")
    assert decide_records(records, 0, as_handed_over("warn"))["passed"] is False


def test_junit_report_is_valid_xml_with_the_right_counts_and_escaping():
    nasty = "a<b>&\"c'\x01"
    verdict = decide_records(
        [record(nasty, "FAILED", ["127.0.0.1:1"]), record("ok", "SUCCESS"), record("gone", "ERROR", **ERROR)], 0, "warn"
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


# ---- the plan: the remote half once per play, the local half on each host -------------------------------------------

ADDRESS = {"instance_id": "i", "backend_type": "backend_address", "backend_address": "127.0.0.1:8080"}
TARGET = ("instance_id", "backend_type", "backend_address", "vpc_channel_id")


def test_plan_splits_the_checks_in_a_remote_and_a_local_half_in_order():
    checks = [
        dict(ADDRESS, name="web"),
        dict(ADDRESS, name="here", probe="local"),
        dict(ADDRESS, name="both", probe="both"),
        {"instance_id": "i", "backend_type": "vpc_channel", "vpc_channel_id": "c" * 32},
    ]
    plan = gate_plan(checks, "remote")
    assert plan["names"] == ["web", "here", "both", "c" * 32]
    assert [check.get("name") for check in plan["remote"]] == ["web", "both", None]
    assert [check["probe"] for check in plan["remote"]] == ["remote"] * 3
    assert [check["name"] for check in plan["local"]] == ["here", "both"]
    assert [check["probe"] for check in plan["local"]] == ["local"] * 2
    assert plan["remote_names"] == ["web", "both", "c" * 32]
    assert plan["duplicates"] == []


def test_plan_names_repeated_names_including_the_ones_taken_from_an_address():
    checks = [dict(ADDRESS, name="127.0.0.1:8080"), dict(ADDRESS), dict(ADDRESS, name="x"), dict(ADDRESS, name="x")]
    assert gate_plan(checks)["duplicates"] == ["127.0.0.1:8080", "x"]


def test_the_question_key_ignores_secrets_and_the_local_half_but_not_what_is_asked():
    checks = [dict(ADDRESS, name="web"), dict(ADDRESS, name="here", probe="local")]
    key = gate_plan(checks, auth={"endpoint": "http://127.0.0.1:1", "auth_token": "one"})["key"]
    assert gate_plan(checks, auth={"endpoint": "http://127.0.0.1:1", "auth_token": "two"})["key"] == key
    here_elsewhere = [checks[0], dict(checks[1], backend_address="127.0.0.2:1")]
    assert gate_plan(here_elsewhere, auth={"endpoint": "http://127.0.0.1:1"})["key"] == key
    assert gate_plan(checks, auth={"endpoint": "http://127.0.0.1:2"})["key"] != key
    assert (
        gate_plan([dict(checks[0], backend_address="127.0.0.1:9")], auth={"endpoint": "http://127.0.0.1:1"})["key"]
        != gate_plan([checks[0]], auth={"endpoint": "http://127.0.0.1:1"})["key"]
    )
    assert gate_plan(checks, wait_timeout=30)["key"] != gate_plan(checks)["key"]
    # nor the values of local probe headers (never sent to the gateway), though their names count
    with_header = [dict(checks[0], local_probe={"headers": {"Authorization": "Bearer one"}})]
    key = gate_plan(with_header)["key"]
    assert gate_plan([dict(checks[0], local_probe={"headers": {"Authorization": "Bearer two"}})])["key"] == key
    assert gate_plan([dict(checks[0], local_probe={"headers": {"X-Other": "Bearer one"}})])["key"] != key
    assert (
        gate_plan(checks, local_probe={"headers": {"A": "1"}})["key"]
        == gate_plan(checks, local_probe={"headers": {"A": "2"}})["key"]
    )


def test_the_question_key_counts_every_local_probe_option_and_header_names_as_the_module_reads_them():
    checks = [dict(ADDRESS, name="both", probe="both")]
    assert (
        gate_plan(checks, local_probe={"path": "/health"})["key"]
        != gate_plan(checks, local_probe={"path": "/ready"})["key"]
    )
    patient = gate_plan([dict(checks[0], local_probe={"timeout": 30})])["key"]
    assert patient != gate_plan([dict(checks[0], local_probe={"timeout": 5})])["key"]
    # the module takes any header name as text (a YAML key that reads as a number too), so the key does as well
    assert (
        gate_plan(checks, local_probe={"headers": {1: "a"}})["key"]
        == gate_plan(checks, local_probe={"headers": {"1": "b"}})["key"]
    )


def test_the_question_key_never_counts_a_secret_even_under_an_alias_or_in_the_proxy_url():
    checks = [dict(ADDRESS, name="web")]
    key = gate_plan(checks, auth={"ak": "one", "sk": "one"})["key"]
    assert gate_plan(checks, auth={"ak": "two", "sk": "two"})["key"] == key
    proxy = gate_plan(checks, auth={"proxy": "http://user:one@127.0.0.1:3128"})["key"]
    assert gate_plan(checks, auth={"proxy": "http://user:two@127.0.0.1:3128"})["key"] == proxy
    assert gate_plan(checks, auth={"proxy": "http://user:one@127.0.0.1:3129"})["key"] != proxy
    # a key that is no option (the module refuses it) counts by its name, whatever its value
    typo = gate_plan(checks, auth={"secretkey": "one"})["key"]
    assert gate_plan(checks, auth={"secretkey": "two"})["key"] == typo != gate_plan(checks)["key"]


def test_the_question_key_leaves_out_a_proxy_password_but_not_the_proxy():
    checks = [dict(ADDRESS, name="web")]
    key = gate_plan(checks, auth={"proxy": "http://user:first-secret@127.0.0.1:3128"})["key"]
    assert gate_plan(checks, auth={"proxy": "http://user:other-secret@127.0.0.1:3128"})["key"] == key
    assert gate_plan(checks, auth={"proxy": "user:other-secret@127.0.0.1:3128"})["key"] == key  # http:// implied
    assert gate_plan(checks, auth={"proxy": "http://user:first-secret@127.0.0.2:3128"})["key"] != key


def test_hosts_whose_variables_spell_the_same_question_differently_share_one_key():
    checks = [dict(ADDRESS, name="web")]
    auth = {"endpoint": "http://127.0.0.1:1", "region": "r1"}
    key = gate_plan(checks, auth=auth, wait_timeout=30, wait_interval=10)["key"]
    # numbers from the inventory, text from --extra-vars or a template
    assert gate_plan(checks, auth=auth, wait_timeout="30", wait_interval="10")["key"] == key
    # the same options in another order (variables merged from other places)
    reordered, auth_reordered = [dict(reversed(list(checks[0].items())))], dict(reversed(list(auth.items())))
    assert gate_plan(reordered, auth=auth_reordered, wait_timeout=30, wait_interval=10)["key"] == key


def half(name, probe, result, failures=(), **extra):
    record = dict(ADDRESS, name=name, probe=probe, check_result=result, failures=list(failures), attempts=1)
    record.update(hints=[], request_id=None, remote=None, local=None, msg=None, status=None)
    record.update(error_code=None, error_msg=None)
    if probe == "remote" and result in ("SUCCESS", "FAILED"):
        record["remote"] = {"check_result": result, "failures": list(failures), "request_id": "r" * 32}
        record["request_id"] = "r" * 32
    if probe == "local" and result in ("SUCCESS", "FAILED"):
        record["local"] = {
            "check_result": result,
            "failures": list(failures),
            "results": [{"target": "127.0.0.1:8080", "ok": not failures}],
        }
    record.update(extra)
    return record


def test_records_of_two_halves_are_put_back_in_order_and_both_gets_its_hints():
    checks = [dict(ADDRESS, name="web"), dict(ADDRESS, name="here", probe="local"), dict(ADDRESS, name="both")]
    remote_run = {"checks": [half("web", "remote", "SUCCESS"), half("both", "remote", "FAILED", ["127.0.0.1:8080"])]}
    local_run = {"checks": [half("here", "local", "SUCCESS"), half("both", "local", "SUCCESS")]}
    checks[2]["probe"] = "both"
    records = gate_records(checks, "remote", remote_run, local_run)
    assert [(r["name"], r["probe"], r["check_result"]) for r in records] == [
        ("web", "remote", "SUCCESS"),
        ("here", "local", "SUCCESS"),
        ("both", "both", "FAILED"),
    ]
    both = records[2]
    assert both["failures"] == ["127.0.0.1:8080"] and both["request_id"] == "r" * 32
    assert both["remote"]["check_result"] == "FAILED" and both["local"]["check_result"] == "SUCCESS"
    assert len(both["hints"]) == 1 and "security group" in both["hints"][0]


def test_a_half_that_could_not_be_made_makes_its_check_an_error_never_a_pass():
    checks = [dict(ADDRESS, name="both", probe="both")]
    remote_run = {"checks": [half("both", "remote", "ERROR", msg="both: could not get an answer", status=None)]}
    local_run = {"checks": [half("both", "local", "SUCCESS")]}
    (record,) = gate_records(checks, "remote", remote_run, local_run)
    assert record["check_result"] == "ERROR" and record["msg"] == "both: could not get an answer"
    # a run that did not happen, or that holds other checks, makes nothing pass
    (record,) = gate_records(checks, "remote", {}, local_run)
    assert record["check_result"] == "ERROR" and record["msg"] == "the check was not made"
    other = {"checks": [half("other", "remote", "SUCCESS")]}
    (record,) = gate_records(checks, "remote", other, local_run)
    assert record["check_result"] == "ERROR" and record["msg"].startswith("not made: ")


def test_a_local_half_this_host_cannot_probe_leaves_the_verdict_to_the_gateway_as_run_check_does():
    checks = [dict(ADDRESS, name="both", probe="both")]
    not_probed = half("both", "local", "ERROR", msg="both: a microservice channel has no members to probe")
    not_probed["local"] = {"made": False, "reason": "a microservice channel has no members to probe", "results": []}
    for gateway, failures in (("SUCCESS", []), ("FAILED", ["127.0.0.1:8080"])):
        remote_run = {"checks": [half("both", "remote", gateway, failures)]}
        (record,) = gate_records(checks, "remote", remote_run, {"checks": [not_probed]})
        assert (record["check_result"], record["failures"]) == (gateway, failures)
        assert record["local"]["made"] is False and record["msg"] is None
    # a local half that failed for another reason (an error talking to the gateway for the members) is an ERROR
    broken = half("both", "local", "ERROR", msg="both: APIG.0101 the channel does not exist", error_code="APIG.0101")
    (record,) = gate_records(checks, "remote", {"checks": [half("both", "remote", "SUCCESS")]}, {"checks": [broken]})
    assert record["check_result"] == "ERROR" and record["error_code"] == "APIG.0101"


def test_a_refused_check_names_its_option_by_its_place_in_the_checks_as_written():
    checks = [dict(ADDRESS, name="here", probe="local"), dict(ADDRESS, name="web", backend_address="127.0.0.1")]
    refused = half(
        "web", "remote", "ERROR", msg="web: backend_address '127.0.0.1': no port", backend_address="127.0.0.1"
    )
    refused["option"] = "checks[0].backend_address"  # the first of the remote half
    unnamed = half("checks[1]", "remote", "ERROR", msg="checks[1].name must be 1-128 printable characters")
    unnamed["option"] = "checks[1].name"
    checks.append(dict(ADDRESS, name="bad\x01name"))
    local_run = {"checks": [half("here", "local", "SUCCESS")]}
    records = gate_records(checks, "remote", {"checks": [refused, unnamed]}, local_run)
    assert [(r["name"], r.get("option")) for r in records[1:]] == [
        ("web", "checks[1].backend_address"),
        ("checks[2]", "checks[2].name"),
    ]
    assert records[2]["msg"] == "checks[2].name must be 1-128 printable characters"


def test_a_run_that_failed_as_a_whole_gives_each_check_its_error_fields():
    checks = [dict(ADDRESS, name="web"), dict(ADDRESS, name="here", probe="local")]
    failed = {"failed": True, "msg": "endpoint must be an http(s) URL", "option": "endpoint"}
    records = gate_records(checks, "remote", failed, {"checks": [half("here", "local", "SUCCESS")]})
    assert [r["check_result"] for r in records] == ["ERROR", "SUCCESS"]
    assert records[0]["option"] == "endpoint" and records[0]["msg"] == failed["msg"]


def test_a_run_that_could_not_be_made_still_names_each_check_s_backend_in_the_verdict_and_the_report():
    verdict = decide({"failed": True, "msg": "no credentials: set auth_token ..."}, CONFIGURED)
    assert [(check.get("vpc_channel_id"), check.get("backend_address")) for check in verdict["checks"]] == [
        ("c", None),
        (None, "127.0.0.1:9"),
    ]
    cases = ET.fromstring(junit_report(verdict).encode("utf-8")).find("testsuite").findall("testcase")
    assert [case.find("system-out").text.splitlines() for case in cases] == [
        ["check orders: ERROR", "instance_id: i", "backend_type: vpc_channel", "vpc_channel_id: c", "probe: remote"],
        [
            "check billing: ERROR",
            "instance_id: i",
            "backend_type: backend_address",
            "backend_address: 127.0.0.1:9",
            "probe: remote",
        ],
    ]


def test_a_registered_result_of_other_checks_is_never_taken_for_these():
    up = [record("orders", "SUCCESS"), record("billing", "SUCCESS")]
    elsewhere = dict(record("billing", "SUCCESS"), instance_id="j")
    for other, expected in (
        (up[:1], ["SUCCESS", "ERROR"]),  # one check fewer: billing was not made
        ([record("accounts", "SUCCESS"), record("audit", "SUCCESS")], ["ERROR", "ERROR"]),  # named otherwise
        ([up[0], elsewhere], ["SUCCESS", "ERROR"]),  # billing's name, another gateway's question
        ([up[0], dict(up[1], probe="local")], ["SUCCESS", "ERROR"]),  # billing's name, asked from this host only
        ([*up[::-1], record("refunds", "SUCCESS")], ["SUCCESS", "SUCCESS"]),  # these answers among others
    ):
        records = gate_records(CONFIGURED, "remote", {"checks": other})
        assert [(r["name"], r["check_result"]) for r in records] == list(zip(["orders", "billing"], expected))
        assert decide_records(records)["passed"] is (expected == ["SUCCESS", "SUCCESS"])
    (_orders, billing) = gate_records(CONFIGURED, "remote", {"checks": [up[0], elsewhere]})
    assert billing["msg"] == (
        "not made: the registered result's record of billing asks another question (instance_id j, not i)"
    )


def test_a_gate_of_hundreds_of_checks_passes_when_every_backend_is_up():
    # a large gateway, as discovery finds it: one check per backend
    checks = [dict(ADDRESS, name="api-%d" % n, backend_address="127.0.0.1:%d" % (1000 + n)) for n in range(300)]
    run = {
        "checks": [
            half("api-%d" % n, "remote", "SUCCESS", backend_address="127.0.0.1:%d" % (1000 + n)) for n in range(300)
        ]
    }
    verdict = decide_records(gate_records(checks, "remote", run))
    assert verdict["passed"] is True and verdict["made"] == 300


def test_the_records_of_results_and_checks_as_ansible_hands_them_over():
    checks = [
        dict(ADDRESS, name="web", probe="remote"),
        dict(ADDRESS, name="here", probe="local"),
        dict(ADDRESS, name="both", probe="both"),
    ]
    remote_run = {"checks": [half("web", "remote", "SUCCESS"), half("both", "remote", "SUCCESS")]}
    local_run = {"checks": [half("here", "local", "FAILED", ["127.0.0.1:8080"]), half("both", "local", "SUCCESS")]}
    records = gate_records(*as_handed_over([checks, "remote", remote_run, local_run]))
    assert [(r["name"], r["probe"], r["check_result"]) for r in records] == [
        ("web", "remote", "SUCCESS"),
        ("here", "local", "FAILED"),
        ("both", "both", "SUCCESS"),
    ]


def test_a_backend_this_host_saw_failing_fails_the_check_though_the_gateway_half_could_not_be_made():
    checks = [dict(ADDRESS, name="both", probe="both")]
    broken = half("both", "remote", "ERROR", msg="both: APIG.0101 the channel does not exist", error_code="APIG.0101")
    probed = half("both", "local", "FAILED", ["127.0.0.1:8081"])
    probed["local"] = local_part(
        [
            {"target": "127.0.0.1:8080", "ok": True, "skipped": None},
            {"target": "127.0.0.1:8081", "ok": False, "skipped": None},
            {"target": "#HOST#:8082", "ok": False, "skipped": "its address has a variable"},
        ]
    )
    for on_error in ("fail", "warn"):
        verdict = decide_records(
            gate_records(checks, "remote", {"checks": [broken]}, {"checks": [probed]}), on_error=on_error
        )
        assert verdict["passed"] is False, "a definite failure is never turned into an error, then tolerated"
        assert verdict["lines"][-1] == (
            "both   FAILED   127.0.0.1:8081; not made: gateway: APIG.0101 the channel does not exist"
        )
    # Without a failure seen from this host, the check could not be made: an error, with what this host found.
    reached = half("both", "local", "SUCCESS")
    reached["local"] = local_part([{"target": "127.0.0.1:8080", "ok": True, "skipped": None}])
    verdict = decide_records(gate_records(checks, "remote", {"checks": [broken]}, {"checks": [reached]}))
    assert verdict["lines"][-1] == (
        "both   ERROR    APIG.0101 the channel does not exist; this host reached 1 of 1 backends"
    )


def test_invalid_checks_are_named_by_their_name_in_the_table_and_the_report_lists_only_their_fields():
    refused = record(
        "billing",
        "ERROR",
        msg="billing: backend_address '127.0.0.1': a port is needed",
        option="checks[1].backend_address",
        status=None,
        error_code=None,
        error_msg=None,
        request_id=None,
    )
    verdict = decide({"checks": [record("orders", "SUCCESS"), refused]}, CONFIGURED)
    assert verdict["lines"][-1] == "billing  ERROR    backend_address '127.0.0.1': a port is needed"
    assert verdict["msg"].endswith("; not passing: billing (ERROR)")
    case = ET.fromstring(junit_report(verdict).encode("utf-8")).find("testsuite").findall("testcase")[1]
    assert case.find("error").text == "option: checks[1].backend_address"
    assert "None" not in junit_report(verdict)


def test_console_text_shows_the_verdict_once_with_its_host_when_asked():
    verdict = decide(
        {"checks": [record("orders", "FAILED", ["127.0.0.1:1"]), record("billing", "SUCCESS")]}, CONFIGURED
    )
    text = console_text(verdict, "web3")
    assert text.splitlines()[0] == "[web3] " + verdict["summary"]
    assert text.splitlines()[1:] == ["  " + line for line in verdict["lines"][1:]]
    assert console_text(verdict).splitlines()[0] == verdict["summary"]


def test_the_report_has_one_element_per_line_and_one_suite_per_host():
    one = decide({"checks": [record("orders", "FAILED", ["127.0.0.1:1", "127.0.0.1:2"])]}, CONFIGURED[:1])
    two = decide({"checks": [record("orders", "SUCCESS")]}, CONFIGURED[:1])
    xml = junit_document([("web1", one), ("web2", two)], now=datetime.datetime(2026, 1, 2, 3, 4, 5))
    lines = xml.splitlines()
    assert lines[1].startswith("<testsuites ") and lines[-1] == "</testsuites>"
    assert '    <testcase classname="backend_gate.web1.vpc_channel" name="orders">' in lines
    assert "      <failure" in "\n".join(lines)
    root = ET.fromstring(xml.encode("utf-8"))
    assert [suite.get("hostname") for suite in root.findall("testsuite")] == ["web1", "web2"]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")


def test_a_report_that_differs_only_in_its_timestamp_is_the_same_report():
    verdict = decide({"checks": [record("orders", "SUCCESS")]}, CONFIGURED[:1])
    first = junit_report(verdict, now=datetime.datetime(2026, 1, 2, 3, 4, 5))
    later = junit_report(verdict, now=datetime.datetime(2026, 2, 3, 4, 5, 6))
    assert first != later and same_report(first, later)
    failed = decide({"checks": [record("orders", "FAILED", ["127.0.0.1:1"])]}, CONFIGURED[:1])
    assert not same_report(first, junit_report(failed, now=datetime.datetime(2026, 1, 2, 3, 4, 5)))
    assert not same_report(None, first)


def test_a_report_that_says_something_else_is_never_the_same_whichever_was_written_first():
    now = datetime.datetime(2026, 1, 2, 3, 4, 5)
    up = junit_report(decide({"checks": [record("orders", "SUCCESS")]}, CONFIGURED[:1]), now=now)
    down = junit_report(decide({"checks": [record("orders", "FAILED", ["127.0.0.1:1"])]}, CONFIGURED[:1]), now=now)
    assert not same_report(up, down) and not same_report(down, up)


def test_the_report_names_its_suites_by_host_always_and_keeps_the_verdict():
    # By host always: a report gathers suites of several batches and plays, so a suite's name must not depend on
    # how many hosts one write held.
    verdict = dict(decide({"checks": [record("orders", "FAILED", ["127.0.0.1:1"])]}, CONFIGURED[:1]), run_id="r1")
    (suite,) = ET.fromstring(junit_report(verdict, "web1").encode("utf-8")).findall("testsuite")
    assert suite.get("name") == "backend_gate (web1)"
    assert suite.find("testcase").get("classname") == "backend_gate.web1.vpc_channel"
    assert {prop.get("name"): prop.get("value") for prop in suite.find("properties")} == {
        "passed": "false",
        "summary": verdict["summary"],
        "unreachable": "1",
        "wrong_answers": "0",
        "max_failures": "0",
        "on_error": "fail",
        "run_id": "r1",
        "placeholder": "",
        "playbook_run": "r1",
    }
    suites = ET.fromstring(junit_document([("web1", verdict), ("web2", verdict)]).encode("utf-8")).findall("testsuite")
    assert [suite.get("name") for suite in suites] == ["backend_gate (web1)", "backend_gate (web2)"]


def test_the_report_counts_each_failed_check_and_says_what_failed_and_why_a_check_was_not_made():
    verdict = decide_records(
        [
            record("orders", "FAILED", ["127.0.0.1:1", "127.0.0.1:2"]),
            record("billing", "FAILED", ["127.0.0.1:3"]),
            record("ok", "SUCCESS"),
            record("gone", "ERROR", msg="gone: timed out"),
        ]
    )
    root = ET.fromstring(junit_report(verdict).encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "1")
    cases = root.find("testsuite").findall("testcase")
    assert cases[0].find("failure").text == "unreachable: 127.0.0.1:1\nunreachable: 127.0.0.1:2", "one per line"
    assert cases[3].find("error").get("message") == "timed out", "the test case names the check"


def test_the_report_of_verdicts_as_ansible_hands_them_over():
    verdict = decide_records([record("orders", "FAILED", ["127.0.0.1:1"]), record("ok", "SUCCESS")])
    root = ET.fromstring(junit_document(as_handed_over([["web1", verdict]])).encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    down, up = root.find("testsuite").findall("testcase")
    assert down.find("failure").get("message") == "unreachable: 127.0.0.1:1" and down.find("error") is None
    assert up.find("failure") is None and up.find("error") is None


def test_writing_a_report_into_a_directory_and_again(tmp_path):
    verdict = decide({"checks": [record("orders", "SUCCESS")]}, CONFIGURED[:1])
    text = junit_report(verdict, now=datetime.datetime(2026, 1, 2, 3, 4, 5))
    written, changed, before = write_report(str(tmp_path), text)
    assert written == str(tmp_path / "backend-gate.xml") and changed and before is None
    later = junit_report(verdict, now=datetime.datetime(2026, 2, 3, 4, 5, 6))
    written, changed, before = write_report(str(tmp_path / "backend-gate.xml"), later)
    assert not changed and before == text
    assert (tmp_path / "backend-gate.xml").read_text() == later, "rewritten, so that CI sees a fresh report"
    written, changed, _before = write_report(str(tmp_path / "new" / "dir") + "/", text)
    assert written == str(tmp_path / "new" / "dir" / "backend-gate.xml") and changed
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError):
        write_report(str(tmp_path / "file" / "report.xml"), text)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backend-gate.xml", "file", "new"], "no temporary file left"


def test_a_report_cannot_go_under_a_file_and_the_error_names_that_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as raised:
        write_report(str(tmp_path / "file" / "report.xml"), "text")
    assert (raised.value.errno, raised.value.filename) == (errno.ENOTDIR, str(tmp_path / "file"))


def test_the_report_file_is_readable_by_everyone_like_any_report_not_only_by_its_writer(tmp_path):
    written, _changed, _before = write_report(str(tmp_path), "text")
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o644, "CI agents often read reports as another user"


def test_whatever_stands_at_the_report_path_and_cannot_be_read_is_replaced(tmp_path):
    binary = tmp_path / "binary.xml"
    binary.write_bytes(b"\xff\xfe\x00 not UTF-8")
    assert write_report(str(binary), "text")[1:] == (True, "") and binary.read_text() == "text"
    loop = tmp_path / "loop.xml"
    loop.symlink_to(loop)  # a link to itself: opening it fails (ELOOP), yet a report can take its place
    assert write_report(str(loop), "text")[1:] == (True, "") and loop.read_text() == "text"


def test_a_report_that_cannot_be_written_leaves_the_old_one_and_no_temporary_file(tmp_path):
    (tmp_path / "backend-gate.xml").write_text("old")
    with pytest.raises(UnicodeError):
        write_report(str(tmp_path), "a lone surrogate UTF-8 cannot encode: \ud800")
    assert (tmp_path / "backend-gate.xml").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["backend-gate.xml"], "no temporary file left"


def test_a_relative_report_path_is_taken_from_the_working_directory_even_where_no_directory_exists_yet(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    written, changed, before = write_report(os.path.join("new", "dir", "report.xml"), "text")
    assert os.path.isabs(written) and os.path.samefile(written, tmp_path / "new" / "dir" / "report.xml")
    assert changed and before is None
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as raised:
        write_report(os.path.join("file", "report.xml"), "text")
    assert raised.value.errno == errno.ENOTDIR and os.path.samefile(raised.value.filename, tmp_path / "file")


def test_a_check_name_holding_a_lone_surrogate_still_gives_a_report_that_is_written(tmp_path):
    name = json.loads('"orders\\ud800"')  # a JSON escape Ansible passes on; neither XML nor UTF-8 can hold it
    verdict = decide({"checks": [record(name, "FAILED", ["127.0.0.1:1"])]}, [dict(CONFIGURED[0], name=name)])
    written, _changed, _before = write_report(str(tmp_path), junit_report(verdict))
    case = ET.parse(written).getroot().find("testsuite/testcase")
    assert case.get("name") == "orders" and case.find("failure").get("message") == "unreachable: 127.0.0.1:1"


# ---- discovery ---------------------------------------------------------------------------------------------------

INSTANCE = "a" * 32


def found(discovery, apis=None, failed=False, msg=None):
    """One result of the role's api_backend_info loop, as registered: what it found and the checks that calls for,
    derived as the module derives them."""
    result = {"item": discovery, "changed": False}
    if failed:
        result.update(failed=True, msg=msg)
    else:
        where = {key: value for key, value in discovery.items() if key != "key"}
        read = [DiscoveredApi.from_described(entry) for entry in apis]
        result.update(apis=apis, discovered_checks=as_handed_over(checks_from(INSTANCE, read, where)))
    return result


def api(name, *backends, problem=None, skipped=None):
    return {
        "id": name + "-id",
        "name": name,
        "group": {"id": "g", "name": "orders"},
        "backends": list(backends),
        "skipped": skipped,
        "problem": problem,
    }


def backend(address=None, channel=None, policy=None, problem=None):
    return {
        "kind": "policy" if policy else "main",
        "policy": policy,
        "url_domain": address,
        "problem": problem,
        "backend_type": "vpc_channel" if channel else "backend_address",
        "backend_address": address,
        "vpc_channel_id": channel,
    }


def test_what_to_discover_is_validated_and_given_back_as_a_list_each_entry_with_its_key():
    nothing = discovery_plan([])
    assert discovery_plan(None) == nothing and nothing["entries"] == [] and nothing["error"] is None
    key = discovery_plan([{"instance_id": INSTANCE, "group": "orders"}])["key"]
    assert discovery_plan({"instance_id": INSTANCE, "group": "orders"}) == {
        "entries": [{"instance_id": INSTANCE, "group": "orders", "key": key}],
        "error": None,
        "key": key,
    }
    two = discovery_plan(
        [{"instance_id": INSTANCE}, {"instance_id": INSTANCE, "environment": "RELEASE", "apis": ["x"]}]
    )
    assert two["entries"][1] == {"instance_id": INSTANCE, "environment": "RELEASE", "apis": ["x"], "key": two["key"]}
    bad = discovery_plan([{"instance_id": INSTANCE}, {"instance_id": INSTANCE.upper()}])
    assert bad["entries"] == [] and bad["error"].startswith("backend_gate_discover[1].instance_id ")
    assert "enviroment" in discovery_plan({"instance_id": INSTANCE, "enviroment": "RELEASE"})["error"]
    assert discovery_plan("orders")["error"].startswith("backend_gate_discover must be a dictionary")


def test_the_discovery_key_is_what_is_discovered_and_where_never_a_secret():
    orders = {"instance_id": INSTANCE, "group": "orders", "environment": "RELEASE"}
    here = {"endpoint": "http://127.0.0.1:1", "project_id": "p" * 32}
    key = discovery_plan(orders, auth=dict(here, auth_token="one"))["key"]
    assert discovery_plan([orders], auth=dict(here, auth_token="two"))["key"] == key, "another token, the same question"
    assert discovery_plan([orders], auth=dict(here, endpoint="http://127.0.0.1:2"))["key"] != key
    assert discovery_plan([orders], auth=dict(here, region="r2"))["key"] != key
    assert discovery_plan([orders], auth=dict(here, project_id="q" * 32))["key"] != key
    assert discovery_plan([dict(orders, group="shop")], auth=here)["key"] != key
    # nothing to discover is a question of its own, not the first host's: a host asking it never takes that answer
    assert discovery_plan([], auth=here)["key"] not in (key, discovery_plan([orders], auth=here)["key"])
    assert (
        discovery_plan([], auth=here)["key"]
        != discovery_plan([], auth=dict(here, endpoint="http://127.0.0.1:2"))["key"]
    )


def test_the_key_a_discovery_is_asked_with_is_not_kept_in_what_was_discovered():
    discovery = {"instance_id": INSTANCE, "group": "orders"}
    asked = dict(discovery, key=discovery_plan(discovery)["key"])
    merged = with_discovered([], [found(asked, [api("get-order", backend(address="127.0.0.1:2"))])])
    assert [dict(entry, apis=None) for entry in merged["discovered"]] == [dict(discovery, apis=None)]


def test_a_discovery_that_leaves_nothing_to_check_is_an_error_not_a_pass_even_beside_other_checks():
    orders = {"instance_id": INSTANCE, "group": "orders", "environment": "RELEASE"}
    name = "discovery of instance %s, group orders, environment RELEASE" % INSTANCE
    listed = [
        {"name": "web", "instance_id": INSTANCE, "backend_type": "backend_address", "backend_address": "127.0.0.1:1"}
    ]
    for checks in ([], listed):
        for apis, why in (
            ([api("events", skipped="a FUNCTION backend")], "1 API, 1 of them"),
            ([], "0 APIs, 0 of them"),
        ):
            merged = with_discovered(checks, [found(orders, apis)])
            (problem,) = merged["checks"][len(checks) :]
            assert problem["name"] == name
            assert problem["problem"] == (
                "found no backend to check: %s without a backend to check (FUNCTION or MOCK)" % why
            )
            records = gate_records(merged["checks"], "remote", {"checks": [half("web", "remote", "SUCCESS")]})
            assert records[-1]["check_result"] == "ERROR" and decide_records(records)["passed"] is False


def test_discovered_checks_come_after_the_listed_ones_and_problems_stay_errors():
    listed = [
        {"name": "web", "instance_id": INSTANCE, "backend_type": "backend_address", "backend_address": "127.0.0.1:1"}
    ]
    apis = [
        api("get-order", backend(channel="c" * 32), backend(address="127.0.0.1:2", policy="gray")),
        api("list-orders", backend(address="127.0.0.1:1")),  # what web already checks
        api("refunds", backend(problem="variable #R# has no value in environment RELEASE")),
        api("events", skipped="a FUNCTION backend"),
    ]
    merged = with_discovered(listed, [found({"instance_id": INSTANCE, "group": "orders"}, apis)])
    assert [check["name"] for check in merged["checks"]] == ["web", "get-order", "get-order [policy gray]", "refunds"]
    assert merged["checks"][0]["apis"] == ["list-orders"], "web names the API behind the backend it covers"
    assert merged["checks"][3]["problem"].startswith("variable #R#")
    assert merged["discovered"][0]["group"] == "orders" and len(merged["discovered"][0]["apis"]) == 4
    assert merged["summary"].endswith(
        "group orders, environment (drafts): 4 APIs, 1 of them without a backend to check"
    )

    # the plan asks neither half about refunds, and leaves apis out of what the module is given
    planned = gate_plan(merged["checks"], probe="both")
    assert [check["name"] for check in planned["remote"]] == ["web", "get-order", "get-order [policy gray]"]
    assert all("apis" not in check and "problem" not in check for check in planned["remote"] + planned["local"])
    assert planned["remote_names"] == ["web", "get-order", "get-order [policy gray]"]

    # the verdict: refunds is an ERROR that was never asked, the others carry the APIs behind them
    remote = {
        "checks": [
            dict(half(check["name"], "remote", "SUCCESS"), **{key: check.get(key) for key in TARGET})
            for check in planned["remote"]
        ]
    }
    records = gate_records(merged["checks"], "remote", remote, {})
    assert [(r["name"], r["check_result"]) for r in records] == [
        ("web", "SUCCESS"),
        ("get-order", "SUCCESS"),
        ("get-order [policy gray]", "SUCCESS"),
        ("refunds", "ERROR"),
    ]
    assert records[3]["msg"].startswith("variable #R#") and records[3]["attempts"] == 0
    assert records[1]["apis"] == ["get-order"] and records[0]["apis"] == ["list-orders"]
    assert decide_records(records)["passed"] is False
    assert decide_records(records, on_error="warn")["passed"] is True


def test_a_discovery_that_could_not_be_made_is_an_error_not_an_empty_list():
    discovery = {"instance_id": INSTANCE, "group": "ordres", "environment": "RELEASE"}
    merged = with_discovered([], [found(discovery, failed=True, msg="instance x has no API group 'ordres'")])
    (problem,) = merged["checks"]
    assert problem["name"] == "discovery of instance %s, group ordres, environment RELEASE" % INSTANCE
    assert problem["problem"] == "could not be made: instance x has no API group 'ordres'"
    assert merged["discovered"] == [dict(discovery, apis=[], error="instance x has no API group 'ordres'")]
    # a result with no discovered checks at all (not api_backend_info's) is not taken for "nothing found"
    (problem,) = with_discovered([], [{"item": discovery, "apis": []}])["checks"]
    assert problem["problem"] == "could not be made: api_backend_info returned no discovered_checks"


def test_a_discovery_that_could_not_be_made_does_not_hide_the_ones_after_it():
    merged = with_discovered(
        [],
        [
            found({"instance_id": INSTANCE, "group": "ordres"}, failed=True, msg="no API group 'ordres'"),
            found({"instance_id": INSTANCE, "group": "orders"}, [api("get-order", backend(address="127.0.0.1:2"))]),
        ],
    )
    assert [check["name"] for check in merged["checks"]] == [
        "discovery of instance %s, group ordres, environment (drafts)" % INSTANCE,
        "get-order",
    ]
    assert [discovery["group"] for discovery in merged["discovered"]] == ["ordres", "orders"]


def test_one_run_of_every_check_gives_one_record_per_check_in_the_order_written():
    listed = [dict(ADDRESS, name="web"), dict(ADDRESS, name="here", probe="local", backend_address="127.0.0.1:9")]
    refunds = api("refunds", backend(problem="variable #R# has no value in environment RELEASE"))
    checks = with_discovered(listed, [found({"instance_id": INSTANCE}, [refunds])])["checks"]
    run = {
        "checks": [half("web", "remote", "SUCCESS"), half("here", "local", "SUCCESS", backend_address="127.0.0.1:9")]
    }
    records = gate_records(checks, "remote", run)
    assert [(r["name"], r["check_result"], r["attempts"]) for r in records] == [
        ("web", "SUCCESS", 1),
        ("here", "SUCCESS", 1),
        ("refunds", "ERROR", 0),
    ]


def test_the_plan_gives_the_module_every_option_as_written_but_the_apis_behind_a_discovered_check():
    listed = [dict(ADDRESS, name="web"), dict(ADDRESS, Name="typo", backend_address="127.0.0.1:9")]
    merged = with_discovered(listed, [found({"instance_id": INSTANCE}, [api("get-order", backend(channel="c" * 32))])])
    remote = gate_plan(as_handed_over(merged["checks"]))["remote"]
    assert [check.get("name") for check in remote] == ["web", None, "get-order"]
    assert remote[1]["Name"] == "typo", "an option the module does not know reaches it, which refuses it by name"
    assert all("apis" not in check for check in remote)


@pytest.mark.parametrize(
    "answer, why",
    [
        ({"check_result": "MAYBE"}, "its check_result is 'MAYBE'"),
        ({"check_result": "FAILED", "failures": 5}, "its failures are not a list of host:port strings"),
        ({"check_result": "FAILED", "failing": ["127.0.0.1:1"]}, "its failing backends are not a list of backends"),
        ({"check_result": "SUCCESS", "failures": ["127.0.0.1:1"]}, "it says SUCCESS but names failing backends"),
    ],
)
def test_a_malformed_record_is_no_answer_and_never_passes(answer, why):
    (record,) = gate_records(CONFIGURED[:1], "remote", {"checks": [dict(record_of("orders"), **answer)]})
    assert record["check_result"] == "ERROR"
    assert record["msg"] == "the registered record of this check is no answer: " + why
    assert decide_records([record], 5, "fail")["passed"] is False


def record_of(name):
    return record(name, "SUCCESS")


def test_a_host_that_asks_for_a_diagnosis_asks_its_own_question():
    checks = [dict(ADDRESS, name="web")]
    assert gate_plan(checks)["key"] == gate_plan(checks, diagnose=False)["key"]
    assert gate_plan(checks, diagnose=True)["key"] != gate_plan(checks)["key"]


def test_a_verdict_of_nothing_asked_says_so():
    verdict = decide_records([])
    assert verdict["passed"] is False and verdict["summary"].endswith("; nothing was asked")


def test_a_wrong_answer_is_said_once_in_the_report():
    check = record(
        "site",
        "FAILED",
        ["127.0.0.1:1"],
        failing=[{"backend": "127.0.0.1:1", "outcome": "wrong_answer", "detail": "expected status 200-399, got 404"}],
    )
    case = ET.fromstring(junit_report(decide_records([check])).encode("utf-8")).find("testsuite").find("testcase")
    assert case.find("failure").get("message") == (
        "reached, wrong answer: 127.0.0.1:1 (expected status 200-399, got 404)"
    )
