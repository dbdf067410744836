# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Statistics are counted per API per minute from real data-plane traffic, on a clock tests can move."""

import pytest

from tests.emulator import presets
from tests.unit.emulator.dataplane_helpers import (
    api_id,
    api_statistics,
    call,
    debug,
    debug_body,
    group_id,
    group_statistics,
)


@pytest.fixture
def emu(emulator_factory, backend_servers):
    """Group orders (items, at echo "web"; a MOCK API) and group shop (cart, at the same echo); the clock frozen
    5 seconds into a minute, so every burst of a test lands in one minute."""
    web = backend_servers.echo(name="web")
    catalog = {
        "groups": [{"name": "orders"}, {"name": "shop"}],
        "apis": [
            {
                "name": "items",
                "group": "orders",
                "req_method": "ANY",
                "req_uri": "/items/{id}",
                "backend": {"url_domain": web.address},
                "published": {"RELEASE": {}},
            },
            {"name": "stub", "group": "orders", "backend_type": "MOCK", "published": {"RELEASE": {}}},
            {"name": "cart", "group": "shop", "backend": {"url_domain": web.address}, "published": {"RELEASE": {}}},
        ],
    }
    emulator = emulator_factory(presets.default_config(catalog=catalog))
    emulator.web = web
    now = emulator.clock.now()
    emulator.clock.freeze(at=(now // 60 + 1) * 60 + 5)
    return emulator


def samples(emu, name="items", duration="5m"):
    answer = api_statistics(emu, {"api_id": api_id(emu, name), "duration": duration})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_minute_is_reported_once_it_is_over_with_its_counts(emu):
    for status in (None, None, 404, 500):
        emu.web.configure(status=status)
        call(emu, "/items/1")
    call(emu, "/not-an-api")  # no API: not counted anywhere
    assert samples(emu)["list"] == [], "the current minute is not over"
    minute = int(emu.clock.now() // 60 * 60)
    emu.clock.advance(minutes=1)
    body = samples(emu)
    assert body["code"] == "APIG.0000" and body["end_time"] == minute and body["start_time"] == minute - 4 * 60
    (sample,) = body["list"]
    assert sample["current_minute"] == minute and sample["cycle"] == "MINUTE"
    counts = [sample[key] for key in ("req_count", "req_count2xx", "req_count4xx", "req_count5xx", "req_count_error")]
    assert counts == [4, 2, 1, 1, 2]
    assert (sample["api_id"], sample["group_id"]) == (api_id(emu, "items"), group_id(emu, "orders"))
    assert sample["provider"] == presets.PROJECT_ID and sample["status"] == 1


def test_latencies_are_the_ones_the_answers_carried(emu):
    """avg/max of X-Apig-Latency, X-Apig-Upstream-Latency and their difference (the gateway's own time)."""
    latencies, upstream = [], []
    for delay in (0, 40, 0, 25, 60):
        emu.web.configure(latency_ms=delay)
        answer = call(emu, "/items/1")
        latencies.append(int(answer.headers["X-Apig-Latency"]))
        upstream.append(int(answer.headers["X-Apig-Upstream-Latency"]))
    emu.clock.advance(minutes=1)
    (sample,) = samples(emu)["list"]
    inner = [total - backend for total, backend in zip(latencies, upstream)]
    assert sample["avg_latency"] == round(sum(latencies) / 5, 2) and sample["max_latency"] == max(latencies)
    assert sample["avg_backend_latency"] == round(sum(upstream) / 5, 2)
    assert sample["max_backend_latency"] == max(upstream)
    assert sample["avg_inner_latency"] == round(sum(inner) / 5, 2) and sample["max_inner_latency"] == max(inner)


def test_minutes_without_traffic_are_absent_and_the_window_follows_the_duration(emu):
    first = int(emu.clock.now() // 60 * 60)
    call(emu, "/items/1")
    emu.clock.advance(minutes=2)  # a minute without traffic in between
    for _index in range(3):
        call(emu, "/items/1")
    emu.clock.advance(minutes=1)
    assert [(item["current_minute"], item["req_count"]) for item in samples(emu)["list"]] == [
        (first, 1),
        (first + 120, 3),
    ]
    assert [item["current_minute"] for item in samples(emu, duration="2m")["list"]] == [first + 120]
    emu.clock.advance(minutes=10)
    assert samples(emu)["list"] == [] and len(samples(emu, duration="1h")["list"]) == 2


def test_a_weighted_mean_over_minutes_comes_out_of_the_samples(emu):
    """What a bake computes: Σ(avg·count)/Σcount equals the mean of every answer's latency."""
    latencies = []
    for delays in ((0, 0, 30), (50,)):
        for delay in delays:
            emu.web.configure(latency_ms=delay)
            latencies.append(int(call(emu, "/items/1").headers["X-Apig-Latency"]))
        emu.clock.advance(minutes=1)
    items = samples(emu)["list"]
    assert [item["req_count"] for item in items] == [3, 1]
    weighted = sum(item["avg_latency"] * item["req_count"] for item in items) / sum(i["req_count"] for i in items)
    assert weighted == pytest.approx(sum(latencies) / len(latencies), abs=0.01)
    assert max(item["max_latency"] for item in items) == max(latencies)


def test_throughput_counts_the_bodies_in_and_out(emu):
    emu.web.configure(body="0123456789")
    call(emu, "/items/1", method="POST", data=b"abc")
    call(emu, "/items/1", method="POST", data=b"defgh")
    emu.clock.advance(minutes=1)
    (sample,) = samples(emu)["list"]
    assert (sample["input_throughput"], sample["output_throughput"]) == (8, 20)


def test_gateway_answers_count_as_the_api_s_errors(emu):
    emu.web.close()  # the backend is gone: APIG.0201 502 for items
    call(emu, "/items/1")
    call(emu, "/stub")
    emu.clock.advance(minutes=1)
    (items,) = samples(emu)["list"]
    assert (items["req_count"], items["req_count5xx"]) == (1, 1)
    (stub,) = samples(emu, "stub")["list"]
    assert (stub["req_count2xx"], stub["max_backend_latency"]) == (1, 0)


def test_debug_calls_are_counted_like_any_call(emu):
    assert debug(emu, "items", debug_body("/items/3")).status_code == 200
    call(emu, "/items/3")
    emu.clock.advance(minutes=1)
    assert samples(emu)["list"][0]["req_count"] == 2


def test_the_group_sums_its_apis_per_minute(emu):
    call(emu, "/items/1")
    call(emu, "/stub")
    call(emu, "/cart", group="shop")
    emu.clock.advance(minutes=1)
    answer = group_statistics(emu, {"group_id": group_id(emu, "orders")})
    assert answer.status_code == 200
    body = answer.json()
    (sample,) = body["list"]
    assert (sample["req_count"], sample["group_id"]) == (2, group_id(emu, "orders"))
    assert body["end_time"] - body["start_time"] == 59 * 60
    assert "api_id" not in sample and "avg_inner_latency" not in sample


def test_durations_over_an_hour_are_sampled_by_hour(emu):
    call(emu, "/items/1")
    emu.clock.advance(minutes=60)
    body = samples(emu, duration="2h")
    (sample,) = body["list"]
    assert sample["cycle"] == "HOUR" and sample["current_minute"] % 3600 == 0
    assert body["end_time"] - body["start_time"] == 3600


@pytest.mark.parametrize(
    ("params", "status", "code", "name"),
    [
        ({"duration": "5m"}, 400, "APIG.2012", "api_id"),
        ({"api_id": "API", "duration": "5s"}, 400, "APIG.2012", "duration"),
        ({"api_id": "API", "duration": "0m"}, 400, "APIG.2012", "duration"),
        ({"api_id": "API"}, 400, "APIG.2012", "duration"),
        ({"api_id": "f" * 32, "duration": "5m"}, 404, "APIG.3002", None),
    ],
)
def test_api_statistics_refuse_bad_queries(emu, params, status, code, name):
    params = {key: api_id(emu, "items") if value == "API" else value for key, value in params.items()}
    answer = api_statistics(emu, params)
    assert (answer.status_code, answer.json()["error_code"]) == (status, code)
    if name:
        assert "parameterName:%s." % name in answer.json()["error_msg"]


def test_group_statistics_refuse_bad_queries(emu):
    missing = group_statistics(emu, {})
    assert (missing.status_code, missing.json()["error_code"]) == (400, "APIG.2012")
    unknown = group_statistics(emu, {"group_id": "e" * 32})
    assert unknown.json() == {"error_code": "APIG.3001", "error_msg": "API group %s does not exist" % ("e" * 32)}
