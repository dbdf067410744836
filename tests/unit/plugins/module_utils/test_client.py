# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""client.py, the transport, against the in-process emulator: real HTTP, real retries, Huawei's error fields.

The calls go through ``apig_calls`` (the transport has no call of its own); what an operation checks of its answer
is tested in test_apig_calls.py."""

from pathlib import Path

import pytest
import yaml

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils import client as client_module
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from tests.emulator import presets
from tests.loopback.listeners import CLOSE, StaleKeepAliveServer
from tests.unit.plugins.module_utils.emulator_client import client_for

CHECK = r"/backend/connectivity/check$"
CHANNEL_BODY = {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    members = [{"host": "127.0.0.1", "port": backend_servers.open().port}]
    return emulator_factory(presets.default_config(members=members))


def calls(emulator, suffix):
    return [entry for entry in emulator.requests if entry["path"].endswith(suffix)]


@pytest.mark.parametrize("mode", ["token", "password", "aksk"])
def test_check_in_each_mode(emulator, mode):
    with client_for(emulator, mode) as client:
        answer, request_id = apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert answer == {"check_result": "SUCCESS", "failures": []}
    assert request_id == calls(emulator, "/check")[0]["request_id"]


def test_password_sign_in_asks_iam_once_for_many_calls(emulator):
    with client_for(emulator, "password") as client:
        for _attempt in range(5):
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert len(calls(emulator, "/v3/auth/tokens")) == 1
    assert len(calls(emulator, "/check")) == 5


def test_retryable_answers_are_retried_with_growing_delays(emulator):
    emulator.add_fault(CHECK, [{"status": 503, "error_code": "APIG.9999", "error_msg": "x", "times": 3}])
    sleeps = []
    with client_for(emulator, sleeps=sleeps) as client:
        answer, _request_id = apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert answer["check_result"] == "SUCCESS"
    assert len(sleeps) == 3 and sleeps[0] < sleeps[2]


def test_retries_exhausted_reports_the_last_answer(emulator):
    emulator.add_fault(
        CHECK,
        [
            {
                "status": 429,
                "error_code": "APIG.0308",
                "error_msg": "The throttling threshold has been reached",
                "times": 2,
                "headers": {"Retry-After": "3"},
            }
        ],
    )
    sleeps = []
    with client_for(emulator, sleeps=sleeps, retries=1) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert (caught.value.status, caught.value.error_code) == (429, "APIG.0308")
    assert sleeps == [3.0]


def test_retries_zero_means_one_attempt(emulator):
    emulator.add_fault(CHECK, [{"status": 502, "body": "", "times": 1}])
    with client_for(emulator, retries=0) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert caught.value.status == 502 and "no Huawei error body" in caught.value.msg
    assert len(calls(emulator, "/check")) == 1


def test_unreachable_endpoint_is_a_clear_error(backend_servers):
    closed = backend_servers.closed()

    class Nowhere:
        url = "http://%s" % closed.address

    sleeps = []
    with client_for(Nowhere, sleeps=sleeps, retries=2) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert "could not get an answer from APIG at %s after 3 attempt(s)" % closed.address in caught.value.msg
    assert len(sleeps) == 2


def test_redirects_are_not_followed(emulator):
    emulator.add_fault(CHECK, [{"status": 307, "headers": {"Location": "http://127.0.0.2:9/elsewhere"}, "body": ""}])
    with client_for(emulator) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert "redirect to 127.0.0.2:9, which is not followed" in caught.value.msg


def test_ids_cannot_escape_their_path_segment(emulator):
    with client_for(emulator) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, "../../v3/auth", CHANNEL_BODY)
    assert (caught.value.status, caught.value.error_code) == (404, "APIG.3030")
    assert [entry["path"] for entry in emulator.requests if "auth" in entry["path"]] == [
        "/v2/%s/apigw/instances/..%%2F..%%2Fv3%%2Fauth/backend/connectivity/check" % presets.PROJECT_ID
    ]


def test_user_agent_names_the_released_version():
    galaxy = yaml.safe_load((Path(__file__).resolve().parents[4] / "galaxy.yml").read_text())
    assert client_module.COLLECTION_VERSION == galaxy["version"]
    assert client_module.USER_AGENT == "hwcloud.apig/%s" % galaxy["version"]


def test_another_services_endpoint_is_called_with_the_same_signing_and_retries(emulator_factory, backend_servers):
    """VPC and ECS have endpoints of their own: call() takes the base URL and keeps everything else of the run."""
    members = [{"host": "127.0.0.1", "port": backend_servers.open().port}]
    apig = emulator_factory(presets.default_config(members=members))
    other = emulator_factory(presets.default_config(members=members))
    other.add_fault(r"/vpc-channels/%s$" % presets.CHANNEL_ID, [{"status": 503, "body": ""}])
    sleeps = []
    with client_for(apig, "aksk", sleeps=sleeps) as client:
        path = client.instance_path(presets.INSTANCE_ID, "/vpc-channels/%s", presets.CHANNEL_ID)
        response = client.call(other.url, "GET", path, service="VPC")
        assert response.json("VPC")["id"] == presets.CHANNEL_ID and response.attempts == 2
        with pytest.raises(ApigError) as caught:
            missing = client.instance_path(presets.INSTANCE_ID, "/vpc-channels/%s", "f" * 32)
            client.call(other.url, "GET", missing, service="VPC")
    assert apig.requests == []
    retried, answered, _missing = other.requests
    assert (retried["status"], answered["status"]) == (503, 200), "the emulator verified the signature"
    assert answered["headers"]["Authorization"].startswith("SDK-HMAC-SHA256 Access=%s, " % presets.AK)
    assert len(sleeps) == 1
    assert caught.value.msg.startswith("VPC refused the request: HTTP 404 APIG.3023: ")
    assert caught.value.msg.endswith("(GET %s%s)" % (other.url, missing))


@pytest.fixture
def stale_keep_alive():
    server = StaleKeepAliveServer()
    yield server
    server.close()


def test_a_read_whose_kept_open_connection_was_closed_is_sent_again_at_once_not_retried(stale_keep_alive):
    """The second read goes out on the connection the first one left open, which the server closes without a word
    (as tinyproxy does after every answer): it is sent once more on a new connection, even with retries=0, without
    a backoff - the server is not failing, the connection was stale."""
    sleeps = []
    with client_for(stale_keep_alive, sleeps=sleeps, retries=0) as client:
        first = client.call(stale_keep_alive.url, "GET", "/first", service="VPC")
        second = client.call(stale_keep_alive.url, "GET", "/second", service="VPC")
    assert first.json("VPC") == second.json("VPC") == {"id": "stale-keep-alive"}
    assert (stale_keep_alive.answered, stale_keep_alive.dropped, stale_keep_alive.accepted) == (2, 1, 2)
    assert second.attempts == 1 and sleeps == []


def test_a_call_that_must_not_be_repeated_is_not_sent_again_on_a_closed_connection(stale_keep_alive):
    """A request that may act beyond the service is never sent twice on a guess: the answer was lost, so it says so."""
    with client_for(stale_keep_alive, retries=0) as client:
        client.call(stale_keep_alive.url, "GET", "/first", service="VPC")
        with pytest.raises(ApigError) as caught:
            client.call(stale_keep_alive.url, "POST", "/act", body={}, service="APIG", repeatable=False)
    assert (stale_keep_alive.answered, stale_keep_alive.dropped) == (1, 1)
    assert "could not get an answer from APIG" in caught.value.msg
    assert "Remote end closed connection without response" in caught.value.msg


def test_a_server_that_hangs_up_before_ever_answering_is_asked_once_with_retries_0(backend_servers):
    """Nothing answered there yet, so no connection was kept open: the hang-up is the server's, and retries=0 holds."""
    silent = backend_servers.open(on_accept=CLOSE)

    class Silent:
        url = "http://%s" % silent.address

    with client_for(Silent, retries=0) as client:
        with pytest.raises(ApigError) as caught:
            client.call(Silent.url, "GET", "/x", service="VPC")
    assert "could not get an answer from VPC at %s after 1 attempt(s)" % silent.address in caught.value.msg
    assert silent.accepted == 1
