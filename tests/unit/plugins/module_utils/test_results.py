# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""results.py: the verdict words and shapes every part of the collection reports in, and that they fail closed.

A check that could not be made is ERROR and never counts as SUCCESS; a batch is SUCCESS only when every check was
made and succeeded; failures keep the targets exactly as given and are prefixed by the check's name in a batch.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    ERROR,
    ERROR_FIELDS,
    FAILED,
    MADE,
    SUCCESS,
    check_record,
    error_record,
    summarize_checks,
    summarize_probes,
    verdict,
)


def test_the_words_are_apigs():
    assert (SUCCESS, FAILED, ERROR) == ("SUCCESS", "FAILED", "ERROR")
    assert MADE == (SUCCESS, FAILED), "ERROR is a check not made"


@pytest.mark.parametrize("failures, expected", [([], SUCCESS), (["127.0.0.1:1"], FAILED), ([""], FAILED)])
def test_verdict_is_success_only_without_failures(failures, expected):
    assert verdict(failures) == expected


def test_error_record_carries_huaweis_fields():
    exc = ApigError("APIG refused the request", status=404, error_code="APIG.3030", error_msg="gone", request_id="r1")
    record = error_record(exc)
    assert record == {
        "msg": "APIG refused the request",
        "status": 404,
        "error_code": "APIG.3030",
        "error_msg": "gone",
        "request_id": "r1",
    }
    assert tuple(record) == ERROR_FIELDS


def test_a_check_record_is_an_error_until_a_verdict_says_otherwise():
    record = check_record({"name": "orders", "backend_type": "vpc_channel"})
    assert record["name"] == "orders" and record["backend_type"] == "vpc_channel"
    assert record["check_result"] == ERROR
    assert record["failures"] == [] and record["hints"] == []
    assert set(ERROR_FIELDS) <= set(record)
    assert {"remote", "local"} <= set(record)


def test_a_check_record_does_not_change_the_identity_given():
    identity = {"name": "orders"}
    check_record(identity)["name"] = "changed"
    assert identity == {"name": "orders"}


def test_probe_summaries_keep_failing_targets_exactly_as_given_and_in_order():
    records = [
        {"target": "B.example:1", "ok": False},
        {"target": "a:2", "ok": True},
        {"target": "[2001:DB8::1]:3", "ok": False},
        {"target": "B.example:1", "ok": False},
    ]
    assert summarize_probes(records) == {
        "check_result": FAILED,
        "failures": ["B.example:1", "[2001:DB8::1]:3", "B.example:1"],
    }
    assert summarize_probes(records[1:2]) == {"check_result": SUCCESS, "failures": []}
    assert summarize_probes([]) == {"check_result": SUCCESS, "failures": []}


def check(name, result, failures=()):
    return dict(check_record({"name": name}), check_result=result, failures=list(failures))


def test_batch_failures_are_prefixed_by_check_name():
    summary = summarize_checks([check("a", FAILED, ["x:1", "y:2"]), check("b", SUCCESS), check("c", FAILED, ["z:3"])])
    assert summary["failures"] == ["a: x:1", "a: y:2", "c: z:3"]
    assert summary["check_result"] == FAILED and summary["errors"] == 0
    assert [record["name"] for record in summary["checks"]] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "results, overall, errors",
    [
        ([SUCCESS, SUCCESS], SUCCESS, 0),
        ([SUCCESS, ERROR], FAILED, 1),
        ([ERROR], FAILED, 1),
        ([ERROR, ERROR, FAILED], FAILED, 2),
        ([FAILED], FAILED, 0),
        ([], SUCCESS, 0),
    ],
)
def test_a_batch_is_success_only_if_every_check_was_made_and_succeeded(results, overall, errors):
    summary = summarize_checks([check("c%d" % index, result) for index, result in enumerate(results)])
    assert (summary["check_result"], summary["errors"]) == (overall, errors)


@given(st.lists(st.sampled_from([SUCCESS, FAILED, ERROR]), min_size=1, max_size=12))
def test_an_error_never_yields_success(results):
    summary = summarize_checks([check("c%d" % index, result) for index, result in enumerate(results)])
    assert (summary["check_result"] == SUCCESS) == all(result == SUCCESS for result in results)
    assert summary["errors"] == results.count(ERROR)
