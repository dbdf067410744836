# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bodies post-deploy verification reads - DebugApiV2 and both statistics calls - read through huaweicloudsdkapig
3.1's own models, strictly (sdk_models.py), and every error body of theirs reads through huaweicloudsdkcore's
exception handler as Huawei's own: the code, the message and the request id the SDK reports are the emulator's.

The gateway's errors inside a debug ``response`` (APIG.0101, APIG.0201, ...) are held to the same handler, read
from the raw text as an HTTP answer, with the ``request_id`` of their body equal to their ``X-Request-Id``.
"""

import json

import huaweicloudsdkapig.v2.model as models
import pytest
import requests
from huaweicloudsdkcore.exceptions.exception_handler import DefaultExceptionHandler
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from requests.structures import CaseInsensitiveDict

from tests.contract.sdk_models import build, problems
from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.loopback.echo_backend import EchoBackend

BASE = "/v2/%s/apigw/instances/%s" % (presets.PROJECT_ID, presets.INSTANCE_ID)
HEADERS = {"X-Auth-Token": presets.TOKEN_VALID}
TIMEOUT = 10


@pytest.fixture(scope="module")
def emulator():
    """Group orders: items at an echo backend that is fast, then slow, then answers 500; a MOCK API; a dead API."""
    with EchoBackend(name="web") as web:
        catalog = {
            "groups": [{"name": "orders"}],
            "apis": [
                {
                    "name": "items",
                    "group": "orders",
                    "req_uri": "/items/{id}",
                    "backend": {"url_domain": web.address, "req_uri": "/items/{id}"},
                    "published": {"RELEASE": {}},
                },
                {"name": "stub", "group": "orders", "backend_type": "MOCK", "published": {"RELEASE": {}}},
                {
                    "name": "dead",
                    "group": "orders",
                    "backend": {"url_domain": "unknown.internal"},
                    "published": {"RELEASE": {}},
                },
            ],
        }
        emu = Emulator(presets.default_config(catalog=catalog)).start()
        emu.web = web
        emu.ids = {api.name: api.id for api in emu.gateway.catalogs[0].apis.values()}
        emu.group = next(iter(emu.gateway.catalogs[0].groups), None)
        domain = emu.group_domain("orders")
        emu.clock.freeze(at=(emu.clock.now() // 60 + 1) * 60 + 5)  # each burst below in a minute of its own
        for settings in ({}, {"latency_ms": 20}, {"status": 500, "body": "down"}):
            web.configure(**settings)
            for path in ("/items/1", "/stub", "/items/2"):
                requests.get(emu.data_url + path, headers={"Host": domain}, timeout=TIMEOUT)
            emu.clock.advance(minutes=1)
        yield emu
        emu.stop()


def assert_reads_as(body, type_name):
    assert problems(body, type_name, models) == []
    assert type(build(body, type_name)).__name__ == type_name


def sdk_error(response):
    """What huaweicloudsdkcore makes of an error answer: (status, code, message, request id)."""
    with pytest.raises(ServiceResponseException) as raised:
        DefaultExceptionHandler().handle_exception(None, response)
    error = raised.value
    return error.status_code, error.error_code, error.error_msg, error.request_id


def debug(emulator, name, **body):
    call = dict({"mode": "CONSUMER", "scheme": "HTTPS", "method": "GET", "path": "/items/1"}, **body)
    return requests.post(
        emulator.url + BASE + "/apis/debug/" + emulator.ids.get(name, name), json=call, headers=HEADERS, timeout=TIMEOUT
    )


@pytest.mark.parametrize(
    ("name", "body"),
    [("items", {}), ("stub", {"path": "/stub"}), ("dead", {"path": "/dead"}), ("items", {"path": "/nowhere"})],
    ids=["relayed", "mock", "gateway-error", "not-published"],
)
def test_debug_answers_read_as_debug_api_v2_response(emulator, name, body):
    answer = debug(emulator, name, **body)
    assert answer.status_code == 200
    assert_reads_as(answer.json(), "DebugApiV2Response")


def raw_answer(text):
    """The raw ``response`` text of a debug answer as an HTTP answer object (status, headers, body)."""
    head, _blank, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    response = requests.Response()
    response.status_code = int(lines[0].split(" ")[1])
    response.headers = CaseInsensitiveDict(line.split(": ", 1) for line in lines[1:])
    response._content = body.encode("utf-8")  # pylint: disable=protected-access
    return response


@pytest.mark.parametrize(
    ("name", "path", "status", "code"),
    [("dead", "/dead", 500, "APIG.0605"), ("items", "/nowhere", 404, "APIG.0101")],
)
def test_the_gateways_errors_inside_a_debug_answer_read_as_huaweis(emulator, name, path, status, code):
    response = raw_answer(debug(emulator, name, path=path).json()["response"])
    body = response.json()
    assert set(body) == {"error_code", "error_msg", "request_id"} and all(isinstance(v, str) for v in body.values())
    assert sdk_error(response) == (status, code, body["error_msg"], body["request_id"])


def test_api_statistics_read_as_list_lately_api_statistics_v2_response(emulator):
    for duration, cycle, count in (("5m", "MINUTE", 3), ("1m", "MINUTE", 1)):
        answer = requests.get(
            emulator.url + BASE + "/statistics/api/latest",
            params={"api_id": emulator.ids["items"], "duration": duration},
            headers=HEADERS,
            timeout=TIMEOUT,
        )
        body = answer.json()
        assert_reads_as(body, "ListLatelyApiStatisticsV2Response")
        assert [item["cycle"] for item in body["list"]] == [cycle] * count


def test_the_statistics_carry_every_shape_the_bake_reads(emulator):
    """Not only valid, but exercised: 2xx and 5xx, a backend latency, the MOCK API without one."""
    items = requests.get(
        emulator.url + BASE + "/statistics/api/latest",
        params={"api_id": emulator.ids["items"], "duration": "5m"},
        headers=HEADERS,
        timeout=TIMEOUT,
    ).json()["list"]
    assert [(item["req_count2xx"], item["req_count5xx"]) for item in items] == [(2, 0), (2, 0), (0, 2)]
    assert isinstance(items[0]["avg_latency"], float) and isinstance(items[0]["max_latency"], int)


def test_group_statistics_read_as_list_lately_group_statistics_v2_response(emulator):
    answer = requests.get(
        emulator.url + BASE + "/statistics/group/latest",
        params={"group_id": emulator.group},
        headers=HEADERS,
        timeout=TIMEOUT,
    )
    body = answer.json()
    assert_reads_as(body, "ListLatelyGroupStatisticsV2Response")
    assert [item["req_count"] for item in body["list"]] == [3, 3, 3]


def test_hourly_samples_read_as_list_lately_api_statistics_v2_response(emulator_factory):
    catalog = {"groups": [{"name": "g"}], "apis": [{"name": "m", "group": "g", "backend_type": "MOCK"}]}
    catalog["apis"][0]["published"] = {"RELEASE": {}}
    emu = emulator_factory(presets.default_config(catalog=catalog))
    requests.get(emu.data_url + "/m", headers={"Host": emu.group_domain("g")}, timeout=TIMEOUT)
    emu.clock.advance(minutes=60)
    api = next(iter(emu.gateway.catalogs[0].apis))
    body = requests.get(
        emu.url + BASE + "/statistics/api/latest",
        params={"api_id": api, "duration": "3h"},
        headers=HEADERS,
        timeout=TIMEOUT,
    ).json()
    assert_reads_as(body, "ListLatelyApiStatisticsV2Response")
    assert [item["cycle"] for item in body["list"]] == ["HOUR"]


def test_empty_statistics_read_as_their_responses(emulator):
    answer = requests.get(
        emulator.url + BASE + "/statistics/api/latest",
        params={"api_id": emulator.ids["dead"] + "", "duration": "1m"},
        headers=HEADERS,
        timeout=TIMEOUT,
    )
    assert_reads_as(answer.json(), "ListLatelyApiStatisticsV2Response")


ERRORS = [
    ("post", "/apis/debug/ITEMS", {"json": {"mode": "MARKET"}}, 400, "APIG.2011"),
    ("post", "/apis/debug/" + "f" * 32, {"json": {"mode": "CONSUMER"}}, 400, "APIG.2011"),
    (
        "post",
        "/apis/debug/" + "f" * 32,
        {"json": {"mode": "CONSUMER", "scheme": "HTTP", "method": "GET", "path": "/"}},
        404,
        "APIG.3002",
    ),
    ("get", "/statistics/api/latest", {"params": {"duration": "5m"}}, 400, "APIG.2012"),
    ("get", "/statistics/api/latest", {"params": {"api_id": "f" * 32, "duration": "5m"}}, 404, "APIG.3002"),
    ("get", "/statistics/group/latest", {"params": {}}, 400, "APIG.2012"),
    ("get", "/statistics/group/latest", {"params": {"group_id": "e" * 32}}, 404, "APIG.3001"),
]


@pytest.mark.parametrize(("method", "path", "options", "status", "code"), ERRORS)
def test_error_bodies_read_through_the_sdks_exception_handler(emulator, method, path, options, status, code):
    path = path.replace("ITEMS", emulator.ids["items"])
    answer = requests.request(method, emulator.url + BASE + path, headers=HEADERS, timeout=TIMEOUT, **options)
    body = answer.json()
    assert set(body) == {"error_code", "error_msg"} and all(isinstance(value, str) for value in body.values())
    assert sdk_error(answer) == (status, code, body["error_msg"], answer.headers["X-Request-Id"])


def test_the_strict_reading_finds_a_statistics_body_gone_wrong():
    """The checker on these models: a latency as a string, an API sample in a group list, an unknown field."""
    found = problems(
        {"code": "APIG.0000", "list": [{"avg_latency": "4.1", "api_id": "x", "minute": 1}]},
        "ListLatelyGroupStatisticsV2Response",
        models,
    )
    assert sorted(found) == [
        "$.list[0].api_id: StatisticsGroup has no such field",
        "$.list[0].avg_latency: expected float, got str '4.1'",
        "$.list[0].minute: StatisticsGroup has no such field",
    ]
    assert json.dumps(found)
