# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Authentication of APIG requests over HTTP: tokens and SDK-signed AK/SK, every refusal code."""

import datetime
import re

import pytest

from tests.emulator import presets
from tests.emulator.errors import AKSK_FAILED
from tests.unit.emulator.helpers import check, check_path, members_path, sdk_signed, send

BODY = b'{"backend_type": "backend_address", "backend_address": "127.0.0.1:1"}'


def assert_error(response, status, code, message=None):
    assert response.status_code == status, response.text
    assert re.match(r"^[0-9a-f]{32}$", response.headers["X-Request-Id"])
    body = response.json()
    assert set(body) == {"error_code", "error_msg"}
    assert body["error_code"] == code
    if message is not None:
        assert body["error_msg"] == message


def test_valid_token(emu):
    response = check(emu, BODY)
    assert response.status_code == 201
    assert emu.requests[-1]["auth_mode"] == "token"


@pytest.mark.parametrize(
    "token, status, code, message",
    [
        (None, 401, "APIG.1000", "Token is missing"),
        ("", 401, "APIG.1000", "Token is missing"),
        ("no-such-token", 401, "APIG.1002", "Incorrect token or token resolution failed"),
        (presets.TOKEN_EXPIRED, 401, "APIG.1001", "Token expired"),
        (presets.TOKEN_NOPERM, 403, "APIG.1005", "No permissions to request this method"),
        (presets.TOKEN_OTHER_PROJECT, 403, "APIG.1005", "No permissions to request this method"),
    ],
)
def test_token_refusals(emu, token, status, code, message):
    assert_error(check(emu, BODY, token=token), status, code, message)
    entry = emu.requests[-1]
    assert entry["status"] == status and entry["error_code"] == code and entry["detail"]


def test_token_for_unknown_project_path(emu):
    assert_error(check(emu, BODY, path=check_path(project_id="ffffffffffffffffffffffffffffffff")), 403, "APIG.1005")


def test_auth_is_checked_before_the_body(emu):
    assert_error(check(emu, b"not json", token="bogus"), 401, "APIG.1002")


def test_sdk_signed_check_is_accepted(emu):
    url, headers, body = sdk_signed(emu, "POST", check_path(), body=BODY)
    response = send("POST", url, headers, body)
    assert response.status_code == 201, response.text
    assert emu.requests[-1]["auth_mode"] == "aksk"


def test_sdk_signed_get_with_query_is_accepted(emu):
    url, headers, body = sdk_signed(emu, "GET", members_path(), query={"offset": 0, "limit": 500})
    response = send("GET", url, headers, body)
    assert response.status_code == 200, response.text
    assert emu.requests[-1]["query"] == {"limit": "500", "offset": "0"}


def test_sdk_signed_temporary_credentials(emu):
    url, headers, body = sdk_signed(
        emu,
        "POST",
        check_path(),
        body=BODY,
        ak=presets.TEMP_AK,
        sk=presets.TEMP_SK,
        security_token=presets.SECURITY_TOKEN,
    )
    assert send("POST", url, headers, body).status_code == 201


def _signed(emu, **kwargs):
    return sdk_signed(emu, "POST", check_path(), body=BODY, **kwargs)


def _aksk_cases(emu):
    """(description, url, headers, body) for each way an AK/SK request must be refused with APIG.0301."""
    cases = []
    url, headers, body = _signed(emu)
    cases.append(("tampered body", url, headers, body + b" "))
    cases.append(("tampered query", url + "?limit=1", headers, body))
    cases.append(("wrong secret", *_signed(emu, sk="wrong")))
    cases.append(("unknown ak", *_signed(emu, ak="NOSUCHAK")))
    cases.append(("project mismatch", *_signed(emu, project_id=presets.OTHER_PROJECT_ID)))
    cases.append(("no project header", *_signed(emu, project_id=None)))
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    cases.append(("stale date", *_signed(emu, extra_headers={"X-Sdk-Date": old})))
    url, headers, body = _signed(emu)
    cases.append(("date removed", url, {k: v for k, v in headers.items() if k != "X-Sdk-Date"}, body))
    cases.append(("temp creds without token", *_signed(emu, ak=presets.TEMP_AK, sk=presets.TEMP_SK)))
    cases.append(
        ("temp creds wrong token", *_signed(emu, ak=presets.TEMP_AK, sk=presets.TEMP_SK, security_token="other"))
    )
    cases.append(("token with permanent key", *_signed(emu, security_token=presets.SECURITY_TOKEN)))
    url, headers, body = _signed(emu)
    cases.append(("not SDK-HMAC-SHA256", url, dict(headers, Authorization="Basic YWxhZGRpbjpvcGVuc2VzYW1l"), body))
    return cases


def test_aksk_refusals(emu):
    for description, url, headers, body in _aksk_cases(emu):
        response = send("POST", url, headers, body)
        assert response.status_code == 401, description
        assert_error(response, 401, "APIG.0301", AKSK_FAILED)
        assert emu.requests[-1]["detail"], description


def test_signature_over_different_host_header_is_refused(emu):
    url, headers, body = _signed(emu)
    headers["Host"] = "apig.ap-southeast-1.myhuaweicloud.com"
    assert_error(send("POST", url, headers, body), 401, "APIG.0301")


def test_aksk_not_permitted(emu):
    url, headers, body = _signed(emu, ak=presets.NOPERM_AK, sk=presets.NOPERM_SK)
    assert_error(send("POST", url, headers, body), 403, "APIG.1005", "No permissions to request this method")


def test_aksk_project_restriction(emulator_factory):
    config = presets.default_config(
        aksk=[{"ak": presets.AK, "sk": presets.SK, "project_ids": [presets.OTHER_PROJECT_ID]}]
    )
    emu = emulator_factory(config)
    url, headers, body = _signed(emu)
    assert_error(send("POST", url, headers, body), 403, "APIG.1005")


def test_aksk_unknown_project(emu):
    path = check_path(project_id="ffffffffffffffffffffffffffffffff")
    url, headers, body = sdk_signed(emu, "POST", path, body=BODY, project_id="ffffffffffffffffffffffffffffffff")
    assert_error(send("POST", url, headers, body), 401, "APIG.0301")
