# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""verification.py, call_spec.py and statistics.py as plain Python: the debug body, the raw answer read back, who
answered, the expectations, and a window's figures.

The rule under test: a backend-side gateway code or a 5xx is FAILED naming the code; any other code of the gateway
(not published, authentication, throttling, unknown) is an ERROR that is never a pass and never the backend's fault.
"""

import json

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.call_spec import (
    CallSpec,
    call_spec_from_params,
    expectation_from,
    fill_path,
    parse_status,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.statistics import percent, window_figures
from ansible_collections.hwcloud.apig.plugins.module_utils.verification import (
    BACKEND_CODES,
    RawResponseError,
    debug_body,
    judge,
    parse_raw_response,
    summarize_calls,
)

INSTANCE = "eddc4d25480b4cd6b512f270a1b8b341"


def raw(status=200, body="{}", headers=None, reason="OK"):
    head = {"Content-Type": "application/json", "X-Request-Id": "r1"}
    head.update(headers or {})
    return "HTTP/1.1 %d %s\r\n%s\r\n%s" % (status, reason, "".join("%s: %s\r\n" % item for item in head.items()), body)


def answer(status=200, body="{}", headers=None, latency=12):
    request = "GET /stock HTTP/1.1\r\nHost: g.apic.example\r\nUser-Agent: APIGatewayDebugClient/1.0\r\n\r\n"
    return {"request": request, "response": raw(status, body, headers), "latency": latency, "log": ""}


def spec(**options):
    params = dict(api="get-stock", group="shop")
    params.update(options)
    made = call_spec_from_params(params, INSTANCE)
    made.api_id = "a" * 32
    return made


def gateway_body(code, msg="x"):
    return json.dumps({"error_code": code, "error_msg": msg, "request_id": "r1"})


def test_a_backend_answer_below_500_passes_without_expect():
    record = judge(spec(), "GET", "/stock", answer(404, "nothing"), "d1")
    assert (record["result"], record["status"], record["answered_by"]) == ("SUCCESS", 404, "backend")
    assert record["url"] == "https://g.apic.example/stock" and record["debug_request_id"] == "d1"
    assert record["request_id"] == "r1" and record["latency_ms"] == 12


def test_a_5xx_from_the_backend_fails_naming_it():
    record = judge(spec(), "GET", "/stock", answer(503, "busy", {"X-Apig-Upstream-Latency": "4"}), "d1")
    assert record["result"] == "FAILED" and record["reason"] == "the backend answered 503"
    assert record["apig_error_code"] is None


@pytest.mark.parametrize("code", sorted(BACKEND_CODES))
def test_a_backend_side_code_of_the_gateway_fails_naming_the_code(code):
    record = judge(spec(), "GET", "/stock", answer(502, gateway_body(code), {"X-Apig-Upstream-Latency": "3"}), "d1")
    assert record["result"] == "FAILED" and record["apig_error_code"] == code
    assert record["reason"].startswith(code) and record["answered_by"] == "gateway"


@pytest.mark.parametrize(
    "code, status, fragment",
    [
        ("APIG.0101", 404, "no such API in environment RELEASE"),
        ("APIG.0308", 429, "throttled"),
        ("APIG.0999", 500, "the gateway itself answered"),
        ("APIG.0302", 401, "refused to authenticate"),
    ],
)
def test_a_gateway_side_code_is_an_error_never_the_backend_s_fault(code, status, fragment):
    """Whatever the status - a 5xx included - when the gateway's own code says it did not get to the backend."""
    record = judge(spec(expect={"status": [status]}), "GET", "/stock", answer(status, gateway_body(code)), "d1")
    assert record["result"] == "ERROR" and record["apig_error_code"] == code
    assert fragment in record["reason"]


def test_an_iam_api_in_consumer_mode_gets_told_what_to_do():
    made = spec()
    made.definition.auth_type = "IAM"
    record = judge(made, "GET", "/admin", answer(401, gateway_body("APIG.0301")), "d1")
    assert record["result"] == "ERROR" and "mode: DEVELOPER and an X-Auth-Token header" in record["reason"]


def test_a_backend_body_shaped_like_the_gateway_s_error_is_the_backend_s_when_a_backend_answered():
    body = gateway_body("APIG.0101")
    record = judge(spec(), "GET", "/stock", answer(404, body, {"X-Apig-Upstream-Latency": "2"}), "d1")
    assert record["result"] == "SUCCESS" and record["answered_by"] == "backend"


def test_a_response_text_that_is_not_http_is_an_error():
    record = judge(spec(), "GET", "/stock", dict(answer(), response="garbage"), "d1")
    assert record["result"] == "ERROR" and "not an HTTP answer" in record["reason"]


def test_the_raw_response_keeps_headers_and_the_body_and_sees_the_2_mib_cut():
    status, reason, headers, body, truncated = parse_raw_response(raw(201, "abc[TRUNCATED]", reason="Created"))
    assert (status, reason, body, truncated) == (201, "Created", "abc", True)
    assert headers["X-Request-Id"] == "r1"
    with pytest.raises(RawResponseError):
        parse_raw_response("HTTP/1.1 2000 OK\r\n\r\n")


def test_a_body_is_kept_up_to_64_kib():
    record = judge(spec(), "GET", "/stock", answer(200, "x" * (70 * 1024)), "d1")
    assert len(record["body"]) == 64 * 1024 and record["body_truncated"] is True


@pytest.mark.parametrize(
    "expect, status, body, latency, reason",
    [
        ({"status": "2xx"}, 302, "{}", 1, "status 302 is not 200-299"),
        ({"status": [200, "404"]}, 500, "{}", 1, "status 500 is not 200,404"),
        ({"body_contains": "ready"}, 200, "not yet", 1, "the body does not contain 'ready'"),
        ({"body_regex": "^v[0-9]+$"}, 200, "version", 1, "the body does not match '^v[0-9]+$'"),
        (
            {"json": {"data.items.1.id": 7}},
            200,
            '{"data": {"items": [{"id": 1}, {"id": 8}]}}',
            1,
            "JSON data.items.1.id is 8, not 7",
        ),
        ({"json": {"data.missing": 1}}, 200, '{"data": {}}', 1, "JSON data.missing is absent (no 'missing')"),
        ({"json": {"a": 1}}, 200, "not json", 1, "the body is not JSON"),
        ({"max_latency_ms": 100}, 200, "{}", 250, "latency 250 ms is over max_latency_ms 100"),
    ],
)
def test_each_expectation_that_is_not_met_is_named(expect, status, body, latency, reason):
    record = judge(spec(expect=expect), "GET", "/stock", answer(status, body, latency=latency), "d1")
    assert record["result"] == "FAILED" and record["reason"] == reason


def test_expectations_that_are_met_pass_a_5xx_included_when_asked_for():
    expect = {"status": [503], "body_contains": "busy", "json": {"state": "busy"}, "max_latency_ms": 50}
    record = judge(spec(expect=expect), "GET", "/stock", answer(503, '{"state": "busy"}', latency=5), "d1")
    assert record["result"] == "SUCCESS"


@pytest.mark.parametrize(
    "options, option",
    [
        ({"api": "get-stock", "group": None}, "group"),
        ({"api": " get-stock"}, "api"),
        ({"path": "orders"}, "path"),
        ({"path": "/orders?id=1"}, "path"),
        ({"headers": {"X-Auth-Token": "t"}}, "headers"),
        ({"headers": {"X-Apig-Mode": "x"}}, "headers"),
        ({"headers": {"bad name": "x"}}, "headers"),
        ({"query": {"q": {"nested": 1}}}, "query"),
        ({"expect": {"status": "abc"}}, "expect.status"),
        ({"expect": {"body_regex": "("}}, "expect.body_regex"),
        ({"expect": {"json": {"a..b": 1}}}, "expect.json"),
        ({"expect": {"max_latency_ms": 0}}, "expect.max_latency_ms"),
        ({"body": 12}, "body"),
        ({"path_params": {"id": [1]}}, "path_params"),
    ],
)
def test_bad_call_options_are_refused_naming_the_option(options, option):
    params = dict(api="get-stock", group="shop")
    params.update(options)
    with pytest.raises(InputError) as caught:
        call_spec_from_params(params, INSTANCE, where="calls[1].")
    assert caught.value.option == "calls[1]." + option


def test_an_api_given_by_id_needs_no_group_and_a_token_header_is_fine_in_developer_mode():
    made = call_spec_from_params({"api": "a" * 32, "mode": "DEVELOPER", "headers": {"X-Auth-Token": "t"}}, INSTANCE)
    assert made.group is None and made.headers == {"X-Auth-Token": ["t"]}


def test_the_debug_body_says_stage_only_in_consumer_mode_and_sends_a_dict_body_as_json():
    made = spec(query={"q": ["a", "b"], "n": 1}, headers={"X-Canary": "1"}, body={"b": 1, "a": 2}, scheme="HTTP")
    assert debug_body(made, "POST", "/orders") == {
        "mode": "CONSUMER",
        "scheme": "HTTP",
        "method": "POST",
        "path": "/orders",
        "stage": "RELEASE",
        "query": {"q": ["a", "b"], "n": ["1"]},
        "header": {"X-Canary": ["1"]},
        "body": '{"a": 2, "b": 1}',
    }
    assert "stage" not in debug_body(spec(mode="DEVELOPER"), "GET", "/x")


def test_path_variables_are_filled_encoded_and_the_first_missing_one_named():
    assert fill_path("/orders/{id}/items/{rest+}", {"id": "a b/c", "rest": "x/y z"}) == (
        "/orders/a%20b%2Fc/items/x/y%20z",
        None,
    )
    assert fill_path("/orders/{id}/{line}", {"line": "1"}) == (None, "id")
    assert fill_path("/orders", {}) == ("/orders", None)


def test_status_classes_and_ranges():
    assert parse_status("2xx")[1] == "200-299"
    assert parse_status([200, "3xx", "404-405"])[1] == "200,300-399,404-405"
    assert expectation_from(None).status is None


def test_the_batch_verdict_never_passes_with_nothing_made_or_an_error():
    one = CallSpec("a", INSTANCE, "x")
    made = judge(one, "GET", "/", answer(), "d")
    skipped = dict(made, result="SKIPPED", name="b")
    error = dict(made, result="ERROR", name="c")
    assert summarize_calls([made, skipped])["verify_result"] == "SUCCESS"
    assert summarize_calls([skipped])["verify_result"] == "FAILED"
    verdict = summarize_calls([made, skipped, error])
    assert verdict["verify_result"] == "FAILED" and verdict["failures"] == ["c"]
    assert verdict["counts"] == {"SUCCESS": 1, "FAILED": 0, "ERROR": 1, "SKIPPED": 1}


# ---- statistics -----------------------------------------------------------------------------------------------------


def sample(count, count_5xx=0, avg=10.0, peak=20, backend=5.0, count_4xx=0):
    return {
        "req_count": count,
        "req_count5xx": count_5xx,
        "req_count4xx": count_4xx,
        "avg_latency": avg,
        "max_latency": peak,
        "avg_backend_latency": backend,
    }


def test_a_window_s_error_rate_and_latency_are_weighted_by_requests():
    figures = window_figures([sample(90, 0, 10.0, 30), sample(10, 5, 200.0, 900, 190.0)], 60, 120)
    assert figures["requests"] == 100 and figures["errors_5xx"] == 5
    assert figures["error_rate"] == 0.05, "5 of 100, not the mean of 0% and 50%"
    assert figures["avg_latency_ms"] == 29.0, "(90*10 + 10*200) / 100, not (10 + 200) / 2"
    assert figures["max_latency_ms"] == 900 and figures["avg_backend_latency_ms"] == 23.5
    assert figures["window"] == {"start": 60, "end": 120, "minutes": 2}
    assert percent(figures["error_rate"]) == "5.0%"


def test_a_window_without_traffic_measures_nothing_rather_than_zero():
    figures = window_figures([])
    assert figures["requests"] == 0 and figures["error_rate"] is None and figures["avg_latency_ms"] is None
    assert figures["max_latency_ms"] is None and percent(None) == "-"


@pytest.mark.parametrize(
    "bad",
    [
        {"req_count": "10"},
        {"req_count": -1},
        {"req_count": 1.5},
        {"req_count": True},
        {"req_count": 1, "avg_latency": "fast"},
        {"req_count": 1, "req_count5xx": 2},
    ],
)
def test_samples_whose_figures_are_not_numbers_are_no_answer(bad):
    with pytest.raises(ValueError):
        window_figures([bad])
