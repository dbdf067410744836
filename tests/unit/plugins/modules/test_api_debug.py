# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""api_debug and api_statistics_info run in-process against the emulator: calls written by hand and discovered, what
is skipped and why, one sign-in for a whole run, what fails the task, what is never sent, and the statistics of real
traffic through the data plane.
"""

import json

import pytest

from ansible_collections.hwcloud.apig.plugins.modules import api_debug, api_statistics_info
from tests.emulator import presets
from tests.loopback.listeners import ClosedPort
from tests.loopback.load import LoadGenerator, Target
from tests.module_runner import run_module
from tests.verify_world import GROUP, verify_config

DISCOVER = {"instance_id": presets.INSTANCE_ID, "group": GROUP}


@pytest.fixture
def emulator(emulator_factory):
    dead = ClosedPort()
    yield emulator_factory(verify_config(dead.address))
    dead.close()


def debug(emulator, sign_in="token", **args):
    return run_module(api_debug.main, dict(presets.module_auth(sign_in, emulator.url, retries=0), **args))


def debug_calls(emulator):
    return [entry for entry in emulator.requests if "/apis/debug/" in entry["path"]]


def by_name(result):
    return {record["name"]: record for record in result["calls"]}


def test_discovery_calls_every_safe_api_and_says_why_the_others_were_not(emulator):
    code, result, _output = debug(emulator, "password", discover=DISCOVER, path_params={"id": "42"})
    assert code == 0, result
    calls = by_name(result)
    assert {name: record["result"] for name, record in calls.items()} == {
        "get-order": "SUCCESS",
        "list-orders": "SUCCESS",
        "create-order": "SKIPPED",
        "get-stock": "SUCCESS",
        "legacy": "FAILED",
        "health": "SKIPPED",
        "admin": "ERROR",
    }
    assert "allow_unsafe_methods: true" in calls["create-order"]["reason"]
    assert calls["health"]["reason"] == "MOCK API: it sends no traffic to a backend"
    assert calls["legacy"]["apig_error_code"] == "APIG.0201" and calls["legacy"]["status"] == 502
    assert calls["get-order"]["url"].endswith("/orders/42")
    assert json.loads(calls["get-order"]["body"])["path"] == "/v1/orders/42", "path_params filled the path"
    assert result["verify_result"] == "FAILED" and result["failures"] == ["legacy", "admin"]
    assert result["counts"] == {"SUCCESS": 3, "FAILED": 1, "ERROR": 1, "SKIPPED": 2}
    assert [entry["path"] for entry in emulator.requests].count("/v3/auth/tokens") == 1, "one sign-in per run"
    assert len(debug_calls(emulator)) == 5, "nothing skipped was sent"
    assert [api["name"] for api in result["discovered"][0]["apis"]][:2] == ["get-order", "list-orders"]


def test_a_path_variable_without_a_value_is_skipped_naming_it_and_unsafe_methods_are_opt_in(emulator):
    code, result, _output = debug(
        emulator, discover=dict(DISCOVER, apis=["get-order", "create-order"]), allow_unsafe_methods=True
    )
    assert code == 0, result
    calls = by_name(result)
    assert calls["get-order"]["result"] == "SKIPPED"
    assert calls["get-order"]["reason"] == "path variable {id} of /orders/{id} has no value: give it in path_params"
    assert calls["create-order"]["result"] == "SUCCESS" and calls["create-order"]["method"] == "POST"
    assert [entry["method"] for entry in emulator.backends["orders"].requests] == ["POST"]


def test_calls_written_by_hand_take_the_api_s_own_method_and_path_and_their_own_expectations(emulator):
    calls = [
        {
            "name": "one",
            "api": "get-order",
            "group": GROUP,
            "path_params": {"id": "7"},
            "expect": {"json": {"path": "/v1/orders/7"}},
        },
        {"name": "wrong", "api": "get-stock", "group": GROUP, "expect": {"body_contains": "nope"}},
        {"name": "no id", "api": "get-order", "group": GROUP},
        {"name": "elsewhere", "api": "get-stock", "group": GROUP, "environment": "staging"},
    ]
    code, result, _output = debug(emulator, instance_id=presets.INSTANCE_ID, calls=calls)
    assert code == 0, result
    records = by_name(result)
    assert records["one"]["result"] == "SUCCESS" and records["one"]["method"] == "GET"
    assert records["wrong"]["result"] == "FAILED" and records["wrong"]["reason"] == "the body does not contain 'nope'"
    assert records["no id"]["result"] == "ERROR" and "{id}" in records["no id"]["reason"]
    assert (
        records["elsewhere"]["result"] == "ERROR"
        and "not published in environment staging" in records["elsewhere"]["reason"]
    )
    assert len(debug_calls(emulator)) == 2


def test_a_backend_that_answers_500_fails_the_call_and_is_asked_once(emulator):
    emulator.configure_backend("stock", status=500, body="broken")
    code, result, _output = debug(emulator, instance_id=presets.INSTANCE_ID, api="get-stock", group=GROUP)
    assert code == 0 and result["verify_result"] == "FAILED"
    record = result["calls"][0]
    assert (record["result"], record["status"], record["reason"]) == ("FAILED", 500, "the backend answered 500")
    assert len(emulator.backends["stock"].requests) == 1


def test_nothing_that_could_be_called_fails_the_task(emulator):
    code, result, _output = debug(emulator, discover=dict(DISCOVER, apis=["create-order", "health"]))
    assert code == 1 and result["failed"]
    assert result["msg"].startswith("no call could be made: create-order: POST is not a safe method")
    assert result["counts"]["SKIPPED"] == 2 and debug_calls(emulator) == []


def test_a_discovery_of_a_group_that_does_not_exist_is_an_error_named_by_where_it_looked(emulator):
    code, result, _output = debug(emulator, discover=dict(DISCOVER, group="nope"))
    assert code == 1
    assert result["calls"][0]["name"].startswith("discovery of instance %s, group nope" % presets.INSTANCE_ID)
    assert "has no API group 'nope'" in result["calls"][0]["reason"]


def test_check_mode_never_sends_an_unsafe_method(emulator):
    calls = [
        {"name": "post", "api": "create-order", "group": GROUP},
        {"name": "get", "api": "list-orders", "group": GROUP},
    ]
    args = dict(
        presets.module_auth("token", emulator.url),
        instance_id=presets.INSTANCE_ID,
        calls=calls,
        _ansible_check_mode=True,
    )
    code, result, _output = run_module(api_debug.main, args)
    assert code == 0 and by_name(result)["post"]["result"] == "SKIPPED"
    assert by_name(result)["get"]["result"] == "SUCCESS"
    assert [entry["method"] for entry in emulator.backends["orders"].requests] == ["GET"]


def test_a_token_sent_as_a_header_is_masked_even_where_the_backend_echoes_it(emulator):
    token = "developer-token-%s" % ("7" * 12)
    code, result, output = debug(
        emulator,
        instance_id=presets.INSTANCE_ID,
        api="get-stock",
        group=GROUP,
        mode="DEVELOPER",
        headers={"X-Auth-Token": token},
    )
    assert code == 0 and result["verify_result"] == "SUCCESS"
    echoed = json.loads(result["calls"][0]["body"])["headers"]
    assert echoed["X-Auth-Token"] == "********", "the backend echoed the header, masked on the way out"
    assert token not in output


@pytest.mark.parametrize(
    "args, option",
    [
        ({"api": "get-stock"}, "instance_id"),
        ({"api": "get-stock", "instance_id": presets.INSTANCE_ID}, "group"),
        (
            {"calls": [{"api": "x", "group": "g"}, {"api": "x", "group": "g"}], "instance_id": presets.INSTANCE_ID},
            "calls",
        ),
        ({"discover": DISCOVER, "concurrency": 0}, "concurrency"),
        ({"discover": DISCOVER, "headers": {"Authorization": "x"}}, "headers"),
        ({"discover": {"group": GROUP}}, "discover"),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator, args, option):
    code, result, _output = debug(emulator, **args)
    assert code == 1 and result.get("option") == option, result
    assert emulator.requests == []


def test_options_that_belong_to_one_call_are_refused_without_it(emulator):
    code, result, _output = debug(emulator, discover=DISCOVER, path="/x")
    assert code == 1 and "path" in result["msg"] and emulator.requests == []


# ---- api_statistics_info ----------------------------------------------------------------------------------------------


def test_statistics_of_real_traffic_weighted_by_requests(emulator):
    emulator.clock.freeze()
    host = emulator.group_domain(GROUP)
    report = LoadGenerator(
        emulator.data_url, [Target("/stock", host)], max_requests=30, concurrency=3, max_seconds=30
    ).run()
    assert report.statuses == {200: 30}
    emulator.configure_backend("stock", status=503)
    emulator.clock.advance(minutes=1)
    LoadGenerator(emulator.data_url, [Target("/stock", host)], max_requests=10, concurrency=2, max_seconds=30).run()
    emulator.clock.advance(minutes=1)
    args = dict(
        presets.module_auth("token", emulator.url),
        instance_id=presets.INSTANCE_ID,
        group=GROUP,
        apis=["get-stock"],
        minutes=5,
    )
    code, result, _output = run_module(api_statistics_info.main, args)
    assert code == 0, result
    stock = result["apis"][0]
    assert (stock["api_name"], stock["requests"], stock["errors_5xx"]) == ("get-stock", 40, 10)
    assert stock["error_rate"] == 0.25
    samples = stock["samples"]
    weighted = sum(item["avg_latency"] * item["req_count"] for item in samples) / sum(
        item["req_count"] for item in samples
    )
    assert stock["avg_latency_ms"] == round(weighted, 2)
    assert stock["max_latency_ms"] == max(item["max_latency"] for item in samples)
    assert stock["window"]["minutes"] == 2


def test_statistics_of_every_api_of_a_group_and_of_an_unknown_name(emulator):
    args = dict(presets.module_auth("token", emulator.url), instance_id=presets.INSTANCE_ID, group=GROUP)
    code, result, _output = run_module(api_statistics_info.main, args)
    assert code == 0 and len(result["apis"]) == 7
    assert all(api["requests"] == 0 and api["error_rate"] is None for api in result["apis"])
    code, result, _output = run_module(api_statistics_info.main, dict(args, apis=["nope"]))
    assert code == 1 and "has no API named 'nope'" in result["msg"]


def test_statistics_refuse_bad_input_before_any_request(emulator):
    base = dict(presets.module_auth("token", emulator.url), instance_id=presets.INSTANCE_ID)
    for args, option in (
        ({"group": GROUP, "minutes": 61}, "minutes"),
        ({"apis": ["get-stock"]}, "group"),
        ({"apis": [" x"], "group": GROUP}, "apis"),
    ):
        code, result, _output = run_module(api_statistics_info.main, dict(base, **args))
        assert code == 1 and result["option"] == option, result
    assert emulator.requests == []
