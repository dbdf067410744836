# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DebugApiV2 and the statistics calls against the in-process emulator: what each holds its answer to, and what is
retried.

A debug call is one API call: the API's own 5xx is inside a 200 and never retried; a 5xx of the debug call itself
may come after the gateway forwarded the call, so it is retried for GET, HEAD and OPTIONS only, and a POST is never
sent twice - but a 429 (the management API's throttle, before anything ran) and a connection never made are retried
for every method.
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from tests.emulator import presets
from tests.loopback.listeners import ClosedPort
from tests.unit.plugins.module_utils.emulator_client import client_for
from tests.verify_world import verify_config

DEBUG = r"/apis/debug/"


@pytest.fixture
def emulator(emulator_factory):
    dead = ClosedPort()
    yield emulator_factory(verify_config(dead.address))
    dead.close()


def api_id(emulator, name):
    for catalog in emulator.gateway.catalogs:
        for api in catalog.apis.values():
            if api.name == name:
                return api.id
    raise KeyError(name)


def debug_calls(emulator):
    return [entry for entry in emulator.requests if DEBUG in entry["path"]]


def body(method="GET", path="/stock"):
    return {"mode": "CONSUMER", "scheme": "HTTPS", "method": method, "path": path, "stage": "RELEASE"}


def test_a_backend_answering_500_is_inside_a_200_and_never_asked_again(emulator):
    emulator.configure_backend("stock", status=500, body="down")
    with client_for(emulator) as client:
        data, request_id = apig_calls.debug_api_v2(client, presets.INSTANCE_ID, api_id(emulator, "get-stock"), body())
    assert data["response"].startswith("HTTP/1.1 500 ")
    assert request_id and len(debug_calls(emulator)) == 1
    assert len(emulator.backends["stock"].requests) == 1


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_5xx_of_the_debug_call_is_retried_for_a_safe_method(emulator, method):
    emulator.add_fault(DEBUG, [{"status": 503, "error_code": "APIG.9999"}, {"pass": True}])
    with client_for(emulator) as client:
        data, _request_id = apig_calls.debug_api_v2(
            client, presets.INSTANCE_ID, api_id(emulator, "get-stock"), body(method)
        )
    assert data["response"].startswith("HTTP/1.1 ")
    assert [entry["status"] for entry in debug_calls(emulator)] == [503, 200]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_5xx_of_the_debug_call_of_an_unsafe_method_is_never_sent_again(emulator, method):
    emulator.add_fault(DEBUG, [{"status": 500, "error_code": "APIG.9999", "error_msg": "System error"}, {"pass": True}])
    with client_for(emulator) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.debug_api_v2(
                client, presets.INSTANCE_ID, api_id(emulator, "create-order"), body(method, "/orders")
            )
    assert caught.value.status == 500 and caught.value.error_code == "APIG.9999"
    assert len(debug_calls(emulator)) == 1, "an unsafe call that may have reached the backend was sent again"


def test_a_429_of_the_debug_call_is_retried_even_for_an_unsafe_method(emulator):
    emulator.add_fault(DEBUG, [{"status": 429, "error_code": "APIG.0308"}, {"pass": True}])
    with client_for(emulator) as client:
        data, _request_id = apig_calls.debug_api_v2(
            client, presets.INSTANCE_ID, api_id(emulator, "create-order"), body("POST", "/orders")
        )
    assert data["response"].startswith("HTTP/1.1 200 ")
    assert [entry["status"] for entry in debug_calls(emulator)] == [429, 200]
    assert len(emulator.backends["orders"].requests) == 1


def test_an_answer_lost_after_sending_an_unsafe_call_is_not_sent_again(emulator):
    emulator.add_fault(DEBUG, [{"action": "reset", "body_size": 1000}, {"pass": True}])
    with client_for(emulator) as client:
        with pytest.raises(ApigError, match="not sent again"):
            apig_calls.debug_api_v2(
                client, presets.INSTANCE_ID, api_id(emulator, "create-order"), body("POST", "/orders")
            )
    assert len(debug_calls(emulator)) == 1


def test_a_connection_never_made_is_tried_again_for_an_unsafe_call(emulator):
    """Nothing reached anything: the refused port is asked again, as retries says (each attempt refused)."""
    closed = ClosedPort()
    try:
        with client_for(emulator, endpoint="http://" + closed.address, retries=2) as client:
            with pytest.raises(ApigError, match="after 3 attempt"):
                apig_calls.debug_api_v2(client, presets.INSTANCE_ID, "0" * 32, body("POST", "/orders"))
    finally:
        closed.close()


@pytest.mark.parametrize(
    "answer, fragment",
    [
        ('{"request": "GET / HTTP/1.1", "latency": 3}', "no raw 'request' and 'response'"),
        ('{"request": "x", "response": 5}', "no raw 'request' and 'response'"),
        ('{"request": "x", "response": "HTTP/1.1 200 OK", "latency": "fast"}', "latency that is not a number"),
        ("[]", "not an object"),
    ],
)
def test_a_debug_answer_that_is_not_one_is_an_error(emulator, answer, fragment):
    emulator.add_fault(DEBUG, [{"status": 200, "body": answer}])
    with client_for(emulator) as client:
        with pytest.raises(ApigError, match=fragment):
            apig_calls.debug_api_v2(client, presets.INSTANCE_ID, api_id(emulator, "get-stock"), body())


def test_statistics_of_an_api_are_asked_for_by_minutes(emulator):
    with client_for(emulator) as client:
        answer = apig_calls.list_lately_api_statistics_v2(client, presets.INSTANCE_ID, api_id(emulator, "get-stock"), 7)
    assert answer["list"] == [] and answer["end_time"] >= answer["start_time"]
    asked = [entry for entry in emulator.requests if entry["path"].endswith("/statistics/api/latest")]
    assert asked[0]["query"] == {"api_id": api_id(emulator, "get-stock"), "duration": "7m"}


@pytest.mark.parametrize("answer", ['{"list": {"req_count": 1}}', '{"list": [1, 2]}'])
def test_statistics_whose_list_is_not_samples_are_an_error(emulator, answer):
    emulator.add_fault(r"/statistics/", [{"status": 200, "body": answer}])
    with client_for(emulator) as client:
        with pytest.raises(ApigError, match="not a list of samples"):
            apig_calls.list_lately_api_statistics_v2(client, presets.INSTANCE_ID, api_id(emulator, "get-stock"), 5)


def test_statistics_of_a_group(emulator):
    group_id = next(
        group.id for catalog in emulator.gateway.catalogs for group in catalog.groups.values() if group.name == "shop"
    )
    with client_for(emulator) as client:
        answer = apig_calls.list_lately_group_statistics_v2(client, presets.INSTANCE_ID, group_id)
    assert answer["code"] == "APIG.0000" and isinstance(answer["list"], list)
