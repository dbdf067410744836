# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bake's schedule and judgement, and an api_debug run's records matched to what was asked, as plain Python.

The bake polls bake/interval + 1 times, stops at the first breach naming API, figure and threshold, passes an API
only with min_requests, and never passes what it could not read; a run's records stand for the calls asked only by
identity - an absent or differently-asked call, and an API a discovery found without a record, are not made.
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.plugin_utils.bake import BakeError, Thresholds, key_of, run_bake
from ansible_collections.hwcloud.apig.plugins.plugin_utils.verify_records import (
    bake_records,
    bake_targets,
    call_records,
)

INSTANCE = "eddc4d25480b4cd6b512f270a1b8b341"
TARGETS = [
    {"instance_id": INSTANCE, "api_id": "a" * 32, "api_name": "get-order"},
    {"instance_id": INSTANCE, "api_id": "b" * 32, "api_name": "get-stock"},
]


def thresholds(seconds=60, interval=20, window=5, rate=0.01, latency=0, minimum=20):
    return Thresholds(seconds, interval, window, rate, latency, minimum)


def figures(requests, errors=0, latency=10.0, peak=30):
    return {
        "requests": requests,
        "errors_5xx": errors,
        "error_rate": errors / requests if requests else None,
        "avg_latency_ms": latency if requests else None,
        "max_latency_ms": peak if requests else None,
        "window": {"start": 0, "end": 60, "minutes": 1},
    }


class Clock:
    """A clock that moves only when slept on."""

    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 3))
        self.now += seconds


def bake(polls, limits, shown=None):
    """Run a bake whose poll N reads ``polls[N - 1]`` (figures by API name, or an exception to raise)."""
    clock = Clock()
    shown = [] if shown is None else shown

    def read(number):
        answer = polls[min(number, len(polls)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return {key_of(target): answer.get(target["api_name"], {}) for target in TARGETS}

    return run_bake(TARGETS, limits, read, shown.append, sleep=clock.sleep, clock=clock), clock, shown


@pytest.mark.parametrize("seconds, interval, polls", [(60, 20, 4), (60, 60, 2), (3, 1, 4), (50, 20, 4), (1, 5, 2)])
def test_the_bake_polls_at_once_every_interval_and_at_the_end(seconds, interval, polls):
    limits = thresholds(seconds, interval, minimum=0)
    assert len(limits.schedule()) == polls and limits.schedule()[-1] == seconds
    baked, clock, shown = bake([{"get-order": figures(5), "get-stock": figures(5)}], limits)
    assert baked["polls"] == polls and round(clock.now - 100.0, 3) == seconds
    assert len([text for text in shown if "poll " in text]) == polls
    assert [record["check_result"] for record in baked["records"]] == ["SUCCESS", "SUCCESS"]


def test_each_poll_shows_elapsed_and_total_time_and_every_api_s_figures_so_far():
    _baked, _clock, shown = bake([{"get-order": figures(40, 0, 12.5, 30)}], thresholds(40, 20, minimum=0))
    assert shown[0].splitlines() == [
        "api verify bake: 0/40 s, poll 1 of 3, last 5 minutes:",
        "  get-order: 40 requests, 5xx 0.0%, mean 12 ms (peak 30 ms)",
        "  get-stock: 0 requests, 5xx -, mean - (peak -)",
    ]
    assert shown[1].startswith("api verify bake: 20/40 s, poll 2 of 3")


def test_the_first_breach_ends_the_bake_naming_api_figure_and_threshold():
    polls = [
        {"get-order": figures(20), "get-stock": figures(20)},
        {"get-order": figures(40), "get-stock": figures(40, 10)},
    ]
    baked, _clock, shown = bake(polls, thresholds(60, 20))
    assert baked["polls"] == 2, "stopped at the breach, not at the end"
    failed, skipped = baked["records"][1], baked["records"][0]
    assert failed["check_result"] == "FAILED" and failed["reason"] == "5xx error rate 25.0% > 1.0%"
    assert failed["breach"]["over"] == "40 requests in the last 5 minutes, at 20 of 60 s"
    assert skipped["check_result"] == "SKIPPED" and "stopped at the first breach (get-stock" in skipped["reason"]
    assert shown[-1] == (
        "api verify bake: get-stock breached: 5xx error rate 25.0% > 1.0% (40 requests in the last 5 minutes, at 20 of "
        "60 s)"
    )


def test_latency_is_judged_on_the_weighted_mean_only_when_a_threshold_is_set():
    slow = [{"get-order": figures(30, 0, 180.0, 900), "get-stock": figures(30)}]
    assert bake(slow, thresholds(20, 20))[0]["breach"] is None, "0: shown, not judged"
    baked = bake(slow, thresholds(20, 20, latency=150))[0]
    assert baked["breach"]["api"] == "get-order" and baked["records"][0]["reason"] == "mean latency 180 ms > 150 ms"


def test_too_little_traffic_by_the_end_is_an_error_never_a_pass():
    baked, _clock, _shown = bake([{"get-order": figures(25), "get-stock": figures(3)}], thresholds(20, 20))
    assert [record["check_result"] for record in baked["records"]] == ["SUCCESS", "ERROR"]
    assert baked["records"][1]["reason"] == (
        "too little traffic to judge: 3 requests in the last 5 minutes, fewer than min_requests 20"
    )


def test_statistics_that_cannot_be_read_end_the_bake_with_every_api_not_judged():
    baked, _clock, _shown = bake([{"get-order": figures(30)}, BakeError("HTTP 403")], thresholds(60, 20, minimum=0))
    assert baked["polls"] == 2
    assert all(
        record["check_result"] == "ERROR" and "poll 2 of 4: HTTP 403" in record["reason"] for record in baked["records"]
    )


@pytest.mark.parametrize(
    "values, variable",
    [
        ((0, 20, 5, 0.01, 0, 20), "api_verify_bake_seconds"),
        ((60, 0, 5, 0.01, 0, 20), "api_verify_bake_interval"),
        ((60, 20, 61, 0.01, 0, 20), "api_verify_window_minutes"),
        ((60, 20, 5, 1.5, 0, 20), "api_verify_max_error_rate"),
        ((60, 20, 5, 0.01, -1, 20), "api_verify_max_latency_ms"),
        ((60, 20, 5, 0.01, 0, -1), "api_verify_min_requests"),
    ],
)
def test_thresholds_that_cannot_be_are_refused_naming_the_variable(values, variable):
    with pytest.raises(ValueError, match=variable):
        Thresholds(*values)


# ---- a run's records matched to what was asked ------------------------------------------------------------------------


def record(name, result="SUCCESS", **more):
    found = {"name": name, "api": name, "api_id": more.pop("api_id", None), "instance_id": INSTANCE}
    found.update(environment="RELEASE", mode="CONSUMER", discovered=False, result=result, reason="r", status=200)
    found.update(more)
    return found


CALLS = [{"name": "orders", "api": "get-order", "group": "shop", "instance_id": INSTANCE}]


def test_a_call_asked_is_found_by_its_identity():
    decided = call_records(CALLS, [], {"calls": [record("orders", api="get-order", api_id="a" * 32)]})
    assert [(item["name"], item["kind"], item["check_result"]) for item in decided] == [("orders", "call", "SUCCESS")]


@pytest.mark.parametrize(
    "run, why",
    [
        ({"calls": []}, "holds no record of this call"),
        ({"calls": [record("orders", api="get-stock")]}, "asks another question (api get-stock, not get-order)"),
        ({"calls": [record("orders", api="get-order", environment="staging")]}, "environment staging, not RELEASE"),
        ({"calls": [record("orders", "MAYBE", api="get-order")]}, "no answer: its result is 'MAYBE'"),
        ({"failed": True, "msg": "no credentials"}, "no credentials"),
        ({}, "the calls were not made"),
    ],
)
def test_a_call_absent_from_the_run_or_asked_otherwise_is_not_made(run, why):
    decided = call_records(CALLS, [], run)
    assert decided[0]["check_result"] == "ERROR" and why in decided[0]["reason"]


def test_every_api_a_discovery_found_must_have_its_record():
    discover = {"instance_id": INSTANCE, "group": "shop"}
    found = {"instance_id": INSTANCE, "group": "shop", "environment": "RELEASE", "apis_asked": None}
    apis = [{"id": "a" * 32, "name": "get-order"}, {"id": "b" * 32, "name": "get-stock"}]
    run = {"calls": [record("get-order", api_id="a" * 32, discovered=True)], "discovered": [dict(found, apis=apis)]}
    decided = call_records([], discover, run)
    assert [(item["name"], item["check_result"]) for item in decided] == [
        ("get-order", "SUCCESS"),
        ("get-stock", "ERROR"),
    ]
    assert "holds no call of it" in decided[1]["reason"]
    other = call_records([], dict(discover, group="other"), run)
    assert other[0]["check_result"] == "ERROR" and "holds no record of this discovery" in other[0]["reason"]


def test_the_bake_judges_each_api_whose_call_passed_once_and_one_without_a_record_is_not_judged():
    decided = call_records(
        [
            *CALLS,
            dict(CALLS[0], name="again"),
            {"name": "stock", "api": "get-stock", "group": "shop", "instance_id": INSTANCE},
        ],
        [],
        {
            "calls": [
                record("orders", api="get-order", api_id="a" * 32, api_name="get-order"),
                record("again", api="get-order", api_id="a" * 32, api_name="get-order"),
                record("stock", "FAILED", api="get-stock", api_id="b" * 32),
            ]
        },
    )
    targets = bake_targets(decided)
    assert targets == [{"instance_id": INSTANCE, "api_id": "a" * 32, "api_name": "get-order"}]
    assert bake_records(targets, {"records": []})[0]["reason"] == "not judged: the bake holds no record of this API"
    assert bake_records(targets, None, why_not="not baked")[0]["check_result"] == "SKIPPED"
    judged = bake_records(targets, {"records": [dict(targets[0], check_result="SUCCESS", reason="ok")]})
    assert judged[0]["kind"] == "bake" and judged[0]["name"] == "bake: get-order"
