# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""auth.py: the three ways to sign in, seen on the wire by the emulator - headers, token reuse and refresh.

Huawei Cloud IAM API reference, "Obtaining a User Token Through Password Authentication": a password is exchanged
for a token (``X-Subject-Token``), scoped to a project by id or by name (the region); APIG answers an expired
token with 401 APIG.1001 (APIG API reference, "Error Codes"). The collection asks IAM once per module run, shares
that token between the threads of a batch, and re-issues it at most once when APIG says it expired. AK/SK
requests are signed as the "API Request Signing Guide" describes (SDK-HMAC-SHA256), which the emulator verifies.

Every test here drives a real ApigClient against the emulator; the emulator's request log shows what was sent.
"""

import concurrent.futures
import json
import threading

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.auth import (
    AkSkAuth,
    PasswordAuth,
    TokenAuth,
    auth_from_settings,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from tests.emulator import presets
from tests.unit.plugins.module_utils.emulator_client import client_for

TOKENS = "/v3/auth/tokens"
CHANNELS = ["%032x" % (0xC0FFEE00 + index) for index in range(4)]
CHANNEL_BODY = {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}
EXPIRED = {"status": 401, "error_code": "APIG.1001", "error_msg": "Token expired"}


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    up = backend_servers.open()
    members = [{"host": "127.0.0.1", "port": up.port}]
    channels = [{"id": channel, "name": "c%d" % index, "members": members} for index, channel in enumerate(CHANNELS)]
    return emulator_factory(presets.default_config(members=members, channels=channels))


def token_requests(emulator):
    return [entry for entry in emulator.requests if entry["path"] == TOKENS]


def apig_requests(emulator):
    return [entry for entry in emulator.requests if entry["path"].startswith("/v2/")]


def members_of(client, channel):
    return apig_calls.list_backend_instances_v2(client, presets.INSTANCE_ID, channel)


# ---- which sign-in for which settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, kind", [("token", TokenAuth), ("password", PasswordAuth), ("aksk", AkSkAuth), ("temporary_aksk", AkSkAuth)]
)
def test_each_mode_gets_its_sign_in(emulator, mode, kind):
    with client_for(emulator, mode) as client:
        assert client.auth.__class__ is kind  # exactly this class, not a subclass
        assert auth_from_settings(client.settings).__class__ is kind


# ---- token -------------------------------------------------------------------------------------------------------


def test_a_given_token_is_sent_as_x_auth_token_and_never_refreshed(emulator):
    with client_for(emulator, "token") as client:
        members_of(client, presets.CHANNEL_ID)
        assert client.auth.refresh() is False
    (request,) = apig_requests(emulator)
    assert request["headers"]["X-Auth-Token"] == presets.TOKEN_VALID
    assert "Authorization" not in request["headers"]
    assert token_requests(emulator) == []


def test_an_expired_given_token_fails_with_apigs_error_and_is_not_retried(emulator):
    with client_for(emulator, "token", auth_token=presets.TOKEN_EXPIRED) as client:
        with pytest.raises(ApigError) as caught:
            members_of(client, presets.CHANNEL_ID)
    assert (caught.value.status, caught.value.error_code) == (401, "APIG.1001")
    assert len(apig_requests(emulator)) == 1


# ---- password ----------------------------------------------------------------------------------------------------


def test_password_sign_in_sends_the_issued_token(emulator):
    with client_for(emulator, "password") as client:
        members_of(client, presets.CHANNEL_ID)
        (token,) = client.issued_tokens
    (iam,) = token_requests(emulator)
    body = json.loads(iam["body"])
    assert body["auth"]["identity"]["methods"] == ["password"]
    assert body["auth"]["identity"]["password"]["user"] == {
        "name": presets.USER_NAME,
        "password": presets.USER_PASSWORD,
        "domain": {"name": presets.USER_DOMAIN},
    }
    assert body["auth"]["scope"] == {"project": {"id": presets.PROJECT_ID}}
    assert [request["headers"]["X-Auth-Token"] for request in apig_requests(emulator)] == [token]


def test_one_token_per_run_shared_by_every_thread(emulator):
    with client_for(emulator, "password") as client:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            listed = list(pool.map(lambda channel: members_of(client, channel), CHANNELS * 4))
        assert len(client.issued_tokens) == 1
        (token,) = client.issued_tokens
    assert all(len(members) == 1 for members in listed)
    assert len(token_requests(emulator)) == 1
    sent = {request["headers"]["X-Auth-Token"] for request in apig_requests(emulator)}
    assert sent == {token} and len(apig_requests(emulator)) == 16


def test_region_only_takes_the_project_from_the_tokens_scope(emulator):
    with client_for(emulator, "password", project_id=None, region=presets.OTHER_PROJECT_NAME) as client:
        assert client.project_id() == presets.OTHER_PROJECT_ID
        assert client.auth.project_id() == presets.OTHER_PROJECT_ID
    (iam,) = token_requests(emulator)
    assert json.loads(iam["body"])["auth"]["scope"] == {"project": {"name": presets.OTHER_PROJECT_NAME}}


def test_region_only_puts_the_scoped_project_into_apig_paths(emulator):
    with client_for(emulator, "password", project_id=None, region=presets.PROJECT_NAME) as client:
        members_of(client, presets.CHANNEL_ID)
    (request,) = apig_requests(emulator)
    assert request["path"].startswith("/v2/%s/apigw/instances/" % presets.PROJECT_ID)


def test_a_given_project_id_wins_over_the_tokens_scope(emulator):
    auth = PasswordAuth("u", "p", "d", project_id=presets.PROJECT_ID, region=presets.OTHER_PROJECT_NAME)
    assert auth.token_request_body()["auth"]["scope"] == {"project": {"id": presets.PROJECT_ID}}


# ---- refresh after APIG.1001 -------------------------------------------------------------------------------------


def test_an_expired_token_is_reissued_once_and_the_call_retried_with_the_new_one(emulator):
    emulator.add_fault(r"/members$", [dict(EXPIRED, times=1)])
    with client_for(emulator, "password") as client:
        listed = members_of(client, presets.CHANNEL_ID)
        first, second = client.issued_tokens
    assert len(listed) == 1
    assert first != second
    assert len(token_requests(emulator)) == 2
    assert [request["headers"]["X-Auth-Token"] for request in apig_requests(emulator)] == [first, second]


def test_after_the_one_refresh_the_new_token_serves_every_later_call(emulator):
    emulator.add_fault(r"/members$", [dict(EXPIRED, times=1)])
    with client_for(emulator, "password") as client:
        for channel in CHANNELS:
            members_of(client, channel)
        _first, second = client.issued_tokens
    assert len(token_requests(emulator)) == 2
    assert [request["headers"]["X-Auth-Token"] for request in apig_requests(emulator)][1:] == [second] * 4


def test_a_token_that_keeps_expiring_is_reissued_only_once_per_run(emulator):
    """carol's tokens expire on first use: one re-issue, then APIG's error - never a loop of sign-ins."""
    carol = {"user_name": presets.SHORT_TTL_USER, "password": presets.SHORT_TTL_PASSWORD}
    with client_for(emulator, "password", **carol) as client:
        for _call in range(3):
            with pytest.raises(ApigError) as caught:
                members_of(client, presets.CHANNEL_ID)
            assert (caught.value.status, caught.value.error_code) == (401, "APIG.1001")
    assert len(token_requests(emulator)) == 2
    assert len(apig_requests(emulator)) == 4, (
        "the first call is sent again after the one re-issue; after that a refused token fails a call at once"
    )


def test_concurrent_callers_that_saw_the_expiry_share_one_new_token(emulator):
    """Four calls in flight get APIG.1001 at the same moment: one new token, and every retry carries it."""
    for channel in CHANNELS:
        emulator.add_fault(r"/vpc-channels/%s/members$" % channel, [dict(EXPIRED, times=1, delay_ms=300)])
    start = threading.Barrier(len(CHANNELS))

    def call(client, channel):
        start.wait(timeout=5)
        return members_of(client, channel)

    with client_for(emulator, "password") as client:
        with concurrent.futures.ThreadPoolExecutor(len(CHANNELS)) as pool:
            listed = list(pool.map(lambda channel: call(client, channel), CHANNELS))
        first, second = client.issued_tokens
    assert all(len(members) == 1 for members in listed)
    assert len(token_requests(emulator)) == 2
    sent = [request["headers"]["X-Auth-Token"] for request in apig_requests(emulator)]
    assert sorted(sent) == sorted([first] * 4 + [second] * 4)
    assert set(sent[4:]) == {second}, "a retry went out with the expired token"


def test_refresh_reports_whether_a_new_token_can_be_had(emulator):
    with client_for(emulator, "password") as client:
        members_of(client, presets.CHANNEL_ID)
        (first,) = client.issued_tokens
        assert client.auth.refresh(first) is True
        assert client.auth.refresh(first) is True  # a request signed with the old token: share the new one
        (_first, second) = client.issued_tokens
        assert client.auth.refresh(second) is False  # the new token refused too: no second re-issue
        members_of(client, presets.CHANNEL_ID)
        assert len(client.issued_tokens) == 2
    with client_for(emulator, "aksk") as client:
        assert client.auth.refresh(None) is False


def test_the_token_as_apig_received_it_is_compared_by_value(emulator):
    """A caller may hand refresh() the refused token as read back from the wire: an equal string, not the same object."""
    with client_for(emulator, "password") as client:
        members_of(client, presets.CHANNEL_ID)
        (first,) = client.issued_tokens
        (request,) = apig_requests(emulator)
        as_received = request["headers"]["X-Auth-Token"]
        assert as_received == first and as_received is not first
        assert client.auth.refresh(as_received) is True
        assert len(client.issued_tokens) == 2, "the refused token was not replaced"
        assert client.auth.refresh(as_received) is True  # by now replaced: share the new one
        assert len(client.issued_tokens) == 2


# ---- AK/SK ---------------------------------------------------------------------------------------------------------


def test_aksk_requests_are_signed_and_name_the_project(emulator):
    with client_for(emulator, "aksk") as client:
        apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    (request,) = apig_requests(emulator)
    headers = request["headers"]
    assert request["status"] == 201, "the emulator verified the signature"
    assert headers["X-Project-Id"] == presets.PROJECT_ID
    assert "X-Security-Token" not in headers and "X-Auth-Token" not in headers
    assert headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=%s, SignedHeaders=" % presets.AK)
    signed = headers["Authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    assert {"host", "x-sdk-date", "x-project-id", "content-type"} <= set(signed)
    assert presets.SK not in json.dumps(headers)
    assert token_requests(emulator) == []


def test_temporary_credentials_add_a_signed_security_token(emulator):
    with client_for(emulator, "temporary_aksk") as client:
        apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    (request,) = apig_requests(emulator)
    headers = request["headers"]
    assert request["status"] == 201
    assert headers["X-Security-Token"] == presets.SECURITY_TOKEN
    signed = headers["Authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    assert "x-security-token" in signed and "x-project-id" in signed


def test_a_wrong_secret_key_is_refused_by_the_signature_check(emulator):
    with client_for(emulator, "aksk", secret_key="not-the-secret-key") as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert caught.value.status == 401 and caught.value.error_code == "APIG.0301"


def test_aksk_apply_keeps_the_callers_headers_and_adds_the_signature():
    auth = AkSkAuth(presets.AK, presets.SK, security_token="st", project_id="p" * 32)
    given = {"Content-Type": "application/json"}
    headers = auth.apply("GET", "http://127.0.0.1:9/v2/x?a=1", given, None)
    assert given == {"Content-Type": "application/json"}, "the caller's headers were changed"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Project-Id"] == "p" * 32 and headers["X-Security-Token"] == "st"
    assert {"X-Sdk-Date", "Host", "Authorization"} <= set(headers)


def test_password_sign_in_needs_only_the_token_issuer_it_is_given():
    """No client: what a sign-in needs is one callable, asked once per token, with the body IAM documents."""
    asked = []

    def issue_token(body):
        asked.append(body)
        return "token-%d" % len(asked), "a" * 32

    auth = PasswordAuth("u", "p", "d", region="r1", issue_token=issue_token)
    assert auth.apply("GET", "http://127.0.0.1:9/", {}, None) == {"X-Auth-Token": "token-1"}
    assert auth.project_id() == "a" * 32
    assert auth.apply("GET", "http://127.0.0.1:9/", {}, None) == {"X-Auth-Token": "token-1"}
    assert len(asked) == 1 and asked[0]["auth"]["scope"] == {"project": {"name": "r1"}}
    assert auth.refresh("token-1") is True and len(asked) == 2
    assert asked[1]["auth"]["scope"] == {"project": {"id": "a" * 32}}, "a re-issued token keeps the project it had"
    assert auth.apply("GET", "http://127.0.0.1:9/", {}, None) == {"X-Auth-Token": "token-2"}
    assert auth.refresh("token-2") is False and len(asked) == 2
