# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DebugApiV2 calls the API through the data plane's own path and shows both sides as raw HTTP texts."""

import json

import pytest
import requests

from tests.emulator import presets
from tests.unit.emulator.dataplane_helpers import (
    INSTANCE_PATH,
    TIMEOUT,
    api_id,
    debug,
    debug_body,
    response_parts,
)

MIB = 1024 * 1024


@pytest.fixture
def emu(emulator_factory, backend_servers):
    """get-order: draft at echo "draft", RELEASE at "release", staging at "staged"; an unpublished API, one with a
    variable in its backend path, an IAM API, a POST API, one at a closed port and one answering 2 MiB + 10 bytes."""
    echo = {name: backend_servers.echo(name=name) for name in ("draft", "release", "staged")}
    echo["big"] = backend_servers.echo(name="big", body_size=2 * MIB + 10)
    closed = backend_servers.closed()

    def api(name, req_uri, address, **more):
        return dict({"name": name, "group": "orders", "req_uri": req_uri, "backend": {"url_domain": address}}, **more)

    catalog = {
        "groups": [{"name": "orders"}],
        "environments": [{"name": "staging"}],
        "variables": [{"group": "orders", "environment": "RELEASE", "name": "ROOT", "value": "v1"}],
        "apis": [
            {
                "name": "get-order",
                "group": "orders",
                "req_uri": "/orders/{id}",
                "backend": {"url_domain": echo["draft"].address, "req_uri": "/draft/{id}"},
                "published": {
                    "RELEASE": {"backend": {"url_domain": echo["release"].address, "req_uri": "/v1/orders/{id}"}},
                    "staging": {"backend": {"url_domain": echo["staged"].address, "req_uri": "/beta/orders/{id}"}},
                },
            },
            api("unpublished", "/unpublished", echo["release"].address),
            {
                "name": "var-path",
                "group": "orders",
                "req_uri": "/var",
                "backend": {"url_domain": echo["release"].address, "req_uri": "/#ROOT#/var"},
                "published": {"RELEASE": {}},
            },
            api("secure", "/secure", echo["release"].address, auth_type="IAM", published={"RELEASE": {}}),
            api("submit", "/submit", echo["release"].address, req_method="POST", published={"RELEASE": {}}),
            api("dead", "/dead", closed.address, published={"RELEASE": {}}),
            api("big", "/big", echo["big"].address, published={"RELEASE": {}}),
        ],
    }
    emulator = emulator_factory(presets.default_config(catalog=catalog))
    emulator.echo = echo
    return emulator


def test_consumer_mode_returns_the_raw_request_and_response(emu):
    body = debug_body(
        "/orders/7", query={"b": ["2", "3"], "a": ["1"]}, header={"x-MY-hEaDer": ["v1", "v2"]}, stage="RELEASE"
    )
    answer = debug(emu, "get-order", body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert set(result) == {"request", "response", "latency", "log"}
    assert result["request"] == (
        "GET /orders/7?a=1&b=2&b=3 HTTP/1.1\r\n"
        "Host: %s\r\n"
        "User-Agent: APIGatewayDebugClient/1.0\r\n"
        "X-Apig-Mode: debug\r\n"
        "X-My-Header: v1\r\n"
        "X-My-Header: v2\r\n"
        "X-Stage: RELEASE\r\n"
        "\r\n" % emu.group_domain("orders")
    )
    status, headers, text = response_parts(result["response"])
    names = [name for name, _value in headers]
    assert status == 200 and result["response"].startswith("HTTP/1.1 200 OK\r\n")
    assert names[:2] == ["Content-Length", "Connection"] and names[2:] == sorted(names[2:])
    assert {"Date", "Server", "X-Apig-Latency", "X-Apig-Upstream-Latency", "X-Request-Id"} <= set(names)
    assert dict(headers)["Content-Length"] == str(len(text.encode("utf-8")))
    seen = json.loads(text)
    assert (seen["backend"], seen["path"], seen["query"]) == ("release", "/v1/orders/7", "a=1&b=2&b=3")
    assert seen["headers"]["User-Agent"] == "APIGatewayDebugClient/1.0" and seen["headers"]["X-Apig-Mode"] == "debug"
    assert seen["headers"]["X-Request-Id"] == dict(headers)["X-Request-Id"] != answer.headers["X-Request-Id"]
    assert isinstance(result["latency"], int) and result["latency"] >= 0 and result["log"] == ""


def test_developer_mode_calls_the_draft_and_consumer_mode_the_stage(emu):
    draft = debug(emu, "get-order", debug_body("/orders/1", mode="DEVELOPER", stage="staging")).json()
    assert "X-Stage" not in draft["request"]
    assert json.loads(response_parts(draft["response"])[2])["backend"] == "draft"
    staged = debug(emu, "get-order", debug_body("/orders/1", stage="staging")).json()
    assert json.loads(response_parts(staged["response"])[2])["path"] == "/beta/orders/1"


def test_a_body_is_sent_and_shown(emu):
    result = debug(emu, "submit", debug_body("/submit", method="POST", body='{"qty": 1}')).json()
    assert result["request"].endswith('Content-Length: 10\r\nX-Apig-Mode: debug\r\nX-Stage: RELEASE\r\n\r\n{"qty": 1}')
    seen = json.loads(response_parts(result["response"])[2])
    assert (seen["method"], seen["body"]) == ("POST", '{"qty": 1}')


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("unpublished", debug_body("/unpublished")),
        ("get-order", debug_body("/orders/1", stage="no-such-stage")),
        ("get-order", debug_body("/nowhere")),
    ],
    ids=["not-published", "unknown-stage", "other-path"],
)
def test_what_is_not_published_answers_apig_0101_inside_a_200(emu, name, body):
    answer = debug(emu, name, body)
    assert answer.status_code == 200
    status, headers, text = response_parts(answer.json()["response"])
    error = json.loads(text)
    assert (status, error["error_code"], error["request_id"]) == (404, "APIG.0101", dict(headers)["X-Request-Id"])


def test_a_dead_backend_answers_apig_0201_inside_a_200(emu):
    status, headers, text = response_parts(debug(emu, "dead", debug_body("/dead")).json()["response"])
    assert (status, json.loads(text)["error_code"]) == (502, "APIG.0201")
    assert "X-Apig-Upstream-Latency" in dict(headers)


def test_an_iam_api_cannot_be_called_in_consumer_mode_but_can_with_a_token_in_developer_mode(emu):
    consumer = debug(emu, "secure", debug_body("/secure")).json()
    status, _headers, text = response_parts(consumer["response"])
    assert (status, json.loads(text)["error_code"]) == (401, "APIG.0301")
    developer = debug(
        emu, "secure", debug_body("/secure", mode="DEVELOPER", header={"X-Auth-Token": [presets.TOKEN_VALID]})
    ).json()
    assert response_parts(developer["response"])[0] == 200


def test_an_api_whose_backend_path_holds_a_variable_cannot_be_debugged(emu):
    answer = debug(emu, "var-path", debug_body("/var"))
    assert answer.status_code == 400 and answer.json()["error_code"] == "APIG.2011"
    assert "variables" in answer.json()["error_msg"]
    assert emu.echo["release"].requests == []


def test_a_body_over_2_mib_is_cut_and_marked(emu):
    response = debug(emu, "big", debug_body("/big")).json()["response"]
    _status, headers, text = response_parts(response)
    assert dict(headers)["Content-Length"] == str(2 * MIB + 10)
    assert text == "x" * (2 * MIB) + "[TRUNCATED]"


INVALID = [
    ("mode", {"mode": None}),
    ("mode", {"mode": "MARKET"}),
    ("mode", {"mode": "consumer"}),
    ("scheme", {"scheme": "FTP"}),
    ("method", {"method": "TRACE"}),
    ("method", {"method": None}),
    ("path", {"path": "orders"}),
    ("path", {"path": "/" + "a" * 1024}),
    ("path", {"path": "/orders/%zz"}),
    ("path", {"path": "/orders?x=1"}),
    ("path", {"path": 7}),
    ("header", {"header": {"X_Under": ["1"]}}),
    ("header", {"header": {"X-Apig-Mode": ["debug"]}}),
    ("header", {"header": {"x-sdk-date": ["1"]}}),
    ("header", {"header": {"X-Stage": ["RELEASE"]}}),
    ("header", {"header": {"X-Auth-Token": ["t"]}}),
    ("header", {"header": {"Authorization": ["t"]}}),
    ("header", {"header": {"1st": ["a"]}}),
    ("header", {"header": {"X-" + "a" * 31: ["a"]}}),
    ("header", {"header": {"X-Ok": "not-a-list"}}),
    ("header", {"header": ["X-Ok"]}),
    ("query", {"query": {"_x": ["1"]}}),
    ("query", {"query": {"x-stage": ["1"]}}),
    ("query", {"query": {"x": [1]}}),
    ("body", {"body": "x" * (2 * MIB + 1)}),
    ("body", {"body": {"qty": 1}}),
    ("stage", {"stage": "bad\nstage"}),
]


@pytest.mark.parametrize(("name", "change"), INVALID, ids=["%s-%d" % (item[0], i) for i, item in enumerate(INVALID)])
def test_a_bad_field_is_apig_2011_naming_it(emu, name, change):
    body = {key: value for key, value in dict(debug_body("/orders/1"), **change).items() if value is not None}
    answer = debug(emu, "get-order", body)
    assert answer.status_code == 400
    assert answer.json() == {
        "error_code": "APIG.2011",
        "error_msg": "Invalid parameter value,parameterName:%s. Please refer to the support documentation" % name,
    }
    assert all(echo.requests == [] for echo in emu.echo.values())


def test_fields_valid_only_in_developer_mode_or_anywhere_pass(emu):
    body = debug_body(
        "/orders/1",
        mode="DEVELOPER",
        header={"Authorization": ["anything"], "X.Dotted-Name": ["1"]},
        query={"snake_case.name-x": ["1"]},
        app_key="k",
        app_secret="s",
    )
    assert debug(emu, "get-order", body).status_code == 200


def test_the_call_itself_is_authenticated_and_the_api_must_exist(emu):
    assert debug(emu, "get-order", debug_body("/orders/1"), token=None).json()["error_code"] == "APIG.1000"
    unknown = debug(emu, "f" * 32, debug_body("/orders/1"))
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "APIG.3002")
    other_instance = requests.post(
        emu.url + INSTANCE_PATH.replace(presets.INSTANCE_ID, "0" * 32) + "/apis/debug/" + api_id(emu, "get-order"),
        json=debug_body("/orders/1"),
        headers={"X-Auth-Token": presets.TOKEN_VALID},
        timeout=TIMEOUT,
    )
    assert (other_instance.status_code, other_instance.json()["error_code"]) == (404, "APIG.3030")
    wrong_method = requests.get(
        emu.url + INSTANCE_PATH + "/apis/debug/" + api_id(emu, "get-order"),
        headers={"X-Auth-Token": presets.TOKEN_VALID},
        timeout=TIMEOUT,
    )
    assert wrong_method.status_code == 405


def test_a_domain_is_sent_as_the_host_and_routes_the_call(emu):
    result = debug(emu, "get-order", debug_body("/orders/1", domain="api.example.invalid:8443")).json()
    assert "\r\nHost: api.example.invalid:8443\r\n" in result["request"]
    assert json.loads(response_parts(result["response"])[2])["error_code"] == "APIG.0101"
