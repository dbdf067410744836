# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SDK-HMAC-SHA256 verifier against huaweicloudsdkcore's Signer, and against tampering."""

import datetime

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from tests.emulator import signature
from tests.emulator.signature import SignatureError, parse_authorization, verify

AK, SK = "AKEXAMPLE", "sk-example"
HOST = "127.0.0.1:8443"


def sdk_sign(
    method="POST",
    path="/v2/p1/apigw/instances/i1/backend/connectivity/check",
    query=None,
    body=b'{"a": 1}',
    headers=None,
    project_id="p1",
):
    params = {"Content-Type": "application/json"}
    params.update(headers or {})
    request = SdkRequest(
        method=method,
        schema="https",
        host=HOST,
        resource_path=path,
        query_params=list((query or {}).items()),
        header_params=params,
        body=body,
    )
    BasicCredentials(AK, SK, project_id).sign_request(request)
    raw_path, _sep, query_string = request.uri.partition("?")
    lower = {k.lower(): v for k, v in request.header_params.items()}
    return method, raw_path, query_string, lower, request.body or b""


def run_verify(method, raw_path, query_string, headers, body, secret=SK, now=None):
    verify(
        parse_authorization(headers["authorization"]), secret, method, raw_path, query_string, headers, body, now=now
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {
            "method": "GET",
            "path": "/v2/p1/apigw/instances/i1/vpc-channels/c1/members",
            "query": {"offset": 0, "limit": 500},
            "body": b"",
        },
        {"method": "GET", "path": "/v2/p1/x", "query": {"b": "x y", "a": "~tilde/slash", "z": "ü"}, "body": b""},
        {"path": "/v2/p1/odd path/ä"},
        {"headers": {"X-Custom": "  padded  ", "x_underscored": "not signed"}},
        {"body": "ünïcode body".encode()},
    ],
)
def test_accepts_what_the_official_sdk_signs(kwargs):
    run_verify(*sdk_sign(**kwargs))


def test_sdk_unsigned_payload_is_honoured():
    method, raw_path, query, headers, body = sdk_sign(
        headers={"Content-Type": "application/octet-stream"}, body=b"\x00\x01"
    )
    assert headers["x-sdk-content-sha256"] == "UNSIGNED-PAYLOAD"
    run_verify(method, raw_path, query, headers, body)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: (r[0], r[1], r[2], r[3], r[4] + b" "),  # body
        lambda r: ("PUT", r[1], r[2], r[3], r[4]),  # method
        lambda r: (r[0], r[1] + "x", r[2], r[3], r[4]),  # path
        lambda r: (r[0], r[1], "limit=1", r[3], r[4]),  # query
        lambda r: (r[0], r[1], r[2], dict(r[3], host="127.0.0.1:9999"), r[4]),  # Host
        lambda r: (r[0], r[1], r[2], dict(r[3], **{"x-project-id": "p2"}), r[4]),  # signed header value
    ],
)
def test_rejects_tampering(tamper):
    with pytest.raises(SignatureError):
        run_verify(*tamper(sdk_sign()))


def test_rejects_wrong_secret():
    with pytest.raises(SignatureError, match="mismatch"):
        run_verify(*sdk_sign(), secret="other")


def test_clock_skew_limit():
    request = sdk_sign()
    signed_at = datetime.datetime.strptime(request[3]["x-sdk-date"], signature.DATE_FORMAT).replace(
        tzinfo=datetime.timezone.utc
    )
    run_verify(*request, now=signed_at + datetime.timedelta(minutes=14))
    with pytest.raises(SignatureError, match="away from the server clock"):
        run_verify(*request, now=signed_at + datetime.timedelta(minutes=16))
    with pytest.raises(SignatureError, match="away from the server clock"):
        run_verify(*request, now=signed_at - datetime.timedelta(minutes=16))


def _resign(headers, signed, secret=SK, method="GET", path="/p/", query="", body=b""):
    """Sign by hand with an arbitrary SignedHeaders list (to reach checks the SDK never trips)."""
    padded = dict(dict.fromkeys(signed, ""), **headers)  # lets a test sign a header it then leaves out
    canonical = signature.canonical_request(method, path, query, padded, signed, body)
    sig = signature.compute_signature(secret, signature.string_to_sign(headers["x-sdk-date"], canonical))
    headers["authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (AK, ";".join(signed), sig)
    return "GET", path, query, headers, body


def _now_headers():
    return {
        "host": HOST,
        "x-sdk-date": datetime.datetime.now(datetime.timezone.utc).strftime(signature.DATE_FORMAT),
        "x-a": "1",
    }


@pytest.mark.parametrize(
    "signed, message",
    [
        (["x-sdk-date"], "host must be among SignedHeaders"),
        (["host"], "x-sdk-date must be among SignedHeaders"),
        (["x-sdk-date", "host"], "sorted"),
        (["host", "x-a", "x-b", "x-sdk-date"], "not in the request"),
    ],
)
def test_signed_headers_rules(signed, message):
    headers = _now_headers()
    request = _resign(headers, signed)
    with pytest.raises(SignatureError, match=message):
        run_verify(*request)


def test_correct_hand_signature_passes_and_needs_date_header():
    run_verify(*_resign(_now_headers(), ["host", "x-a", "x-sdk-date"]))
    headers = _now_headers()
    request = _resign(headers, ["host", "x-sdk-date"])
    del request[3]["x-sdk-date"]
    with pytest.raises(SignatureError, match="X-Sdk-Date header is missing"):
        run_verify(*request)


def test_bad_date_format():
    headers = _now_headers()
    headers["x-sdk-date"] = "2024-01-01T00:00:00Z"
    with pytest.raises(SignatureError, match="YYYYMMDD"):
        run_verify(*_resign(headers, ["host", "x-sdk-date"]))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Bearer abc",
        "SDK-HMAC-SHA256 Access=a, Signature=00",
        "SDK-HMAC-SM3 Access=a, SignedHeaders=host, Signature=00",
        "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=zz",
    ],
)
def test_malformed_authorization(value):
    with pytest.raises(SignatureError):
        parse_authorization(value)


def test_canonical_forms_follow_the_signing_guide():
    assert signature.canonical_uri("/v2/a%20b/c") == "/v2/a%20b/c/"
    assert signature.canonical_uri("/v2/x/") == "/v2/x/"
    assert signature.canonical_uri("/a~b/c d") == "/a~b/c%20d/"
    assert signature.canonical_query("limit=500&offset=0") == "limit=500&offset=0"
    assert signature.canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2"
    assert signature.canonical_query("q=a+b&r=%7E") == "q=a%20b&r=~"
    assert signature.canonical_query("") == ""
    assert signature.payload_hash(b"", {}, ()) == signature.EMPTY_BODY_SHA256
