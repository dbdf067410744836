# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated IAM: password tokens, their errors, and using the issued token on APIG."""

import datetime
import re

import pytest
import requests

from tests.emulator import presets
from tests.unit.emulator.helpers import TIMEOUT, check, iam_body

BODY = {"backend_type": "backend_address", "backend_address": "127.0.0.1:1"}


def post_token(emu, body, path="/v3/auth/tokens"):
    if isinstance(body, (bytes, str)):
        return requests.post(emu.url + path, data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    return requests.post(emu.url + path, json=body, timeout=TIMEOUT)


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_password_token_by_project_id(emu):
    response = post_token(emu, iam_body())
    assert response.status_code == 201, response.text
    token = response.headers["X-Subject-Token"]
    body = response.json()["token"]
    assert body["project"] == {"id": presets.PROJECT_ID, "name": presets.PROJECT_NAME}
    assert body["methods"] == ["password"]
    assert body["user"] == {"name": presets.USER_NAME, "domain": {"name": presets.USER_DOMAIN}}
    lifetime = parse_time(body["expires_at"]) - parse_time(body["issued_at"])
    assert lifetime == datetime.timedelta(hours=24)
    assert check(emu, BODY, token=token).status_code == 201
    assert [entry["auth_mode"] for entry in emu.requests] == ["iam", "token"]


def test_password_token_by_project_name_and_v3_prefix_tolerance(emu):
    response = post_token(emu, iam_body(project_name=presets.PROJECT_NAME), path="/v3/auth/tokens/")
    assert response.status_code == 201
    assert response.json()["token"]["project"]["id"] == presets.PROJECT_ID


def test_tokens_are_unique(emu):
    first = post_token(emu, iam_body()).headers["X-Subject-Token"]
    second = post_token(emu, iam_body()).headers["X-Subject-Token"]
    assert first != second


@pytest.mark.parametrize(
    "kwargs",
    [
        {"password": "wrong"},
        {"name": "mallory"},
        {"domain": "other-domain"},
    ],
)
def test_wrong_credentials(emu, kwargs):
    response = post_token(emu, iam_body(**kwargs))
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}
    }
    assert "X-Subject-Token" not in response.headers


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        {"auth": {}},
        {"auth": {"identity": {"methods": ["token"], "token": {"id": "x"}}}},
        {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "alice", "password": "x"}}}}},
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "alice", "password": "x", "domain": {"name": "acme"}}},
                },
                "scope": {"project": {}},
            }
        },
    ],
)
def test_malformed_bodies(emu, body):
    response = post_token(emu, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400 and error["title"] == "Bad Request" and error["message"]


def test_unknown_project(emu):
    by_id = post_token(emu, iam_body(project_id="ffffffffffffffffffffffffffffffff"))
    assert by_id.status_code == 401 and by_id.json()["error"]["code"] == 401
    by_name = post_token(emu, iam_body(project_name="xx-nowhere-1"))
    assert by_name.status_code == 400


def test_wrong_password_does_not_reveal_projects(emu):
    response = post_token(emu, iam_body(password="wrong", project_id="ffffffffffffffffffffffffffffffff"))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The username or password is wrong."


def test_zero_ttl_token_is_expired_on_first_use(emu):
    response = post_token(emu, iam_body(name=presets.SHORT_TTL_USER, password=presets.SHORT_TTL_PASSWORD))
    assert response.status_code == 201
    refused = check(emu, BODY, token=response.headers["X-Subject-Token"])
    assert refused.status_code == 401 and refused.json()["error_code"] == "APIG.1001"


def test_not_permitted_user_gets_a_token_that_is_refused(emu):
    response = post_token(emu, iam_body(name=presets.NOPERM_USER, password=presets.NOPERM_PASSWORD))
    refused = check(emu, BODY, token=response.headers["X-Subject-Token"])
    assert refused.status_code == 403 and refused.json()["error_code"] == "APIG.1005"


def test_token_scoped_to_other_project_is_refused(emu):
    response = post_token(emu, iam_body(project_id=presets.OTHER_PROJECT_ID))
    refused = check(emu, BODY, token=response.headers["X-Subject-Token"])
    assert refused.status_code == 403


def test_unscoped_token(emu):
    body = iam_body()
    del body["auth"]["scope"]
    response = post_token(emu, body)
    assert response.status_code == 201 and "project" not in response.json()["token"]
    assert check(emu, BODY, token=response.headers["X-Subject-Token"]).status_code == 403


def test_wrong_method(emu):
    response = requests.get(emu.url + "/v3/auth/tokens", timeout=TIMEOUT)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert re.match(r"^[0-9a-f]{32}$", response.headers["X-IAM-Trace-Id"]), "IAM names its request id so"
