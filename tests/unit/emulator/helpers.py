# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Request builders shared by the emulator tests (token, SDK-signed AK/SK, IAM bodies)."""

from urllib.parse import urlsplit

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from tests.emulator import presets

CHECK_PATH = "/v2/%s/apigw/instances/%s/backend/connectivity/check"
MEMBERS_PATH = "/v2/%s/apigw/instances/%s/vpc-channels/%s/members"
TIMEOUT = 10


def check_path(project_id=presets.PROJECT_ID, instance_id=presets.INSTANCE_ID):
    """Path of the connectivity check."""
    return CHECK_PATH % (project_id, instance_id)


def members_path(channel_id=presets.CHANNEL_ID, project_id=presets.PROJECT_ID, instance_id=presets.INSTANCE_ID):
    """Path of the member listing."""
    return MEMBERS_PATH % (project_id, instance_id, channel_id)


def check(emu, body, token=presets.TOKEN_VALID, path=None, **kwargs):
    """POST a connectivity check with a token; ``body`` is a dict (sent as JSON) or raw str/bytes."""
    url = emu.url + (path or check_path())
    headers = {"X-Auth-Token": token} if token is not None else {}
    if isinstance(body, (str, bytes)):
        headers["Content-Type"] = "application/json"
        return requests.post(url, data=body, headers=headers, timeout=TIMEOUT, **kwargs)
    return requests.post(url, json=body, headers=headers, timeout=TIMEOUT, **kwargs)


def members(emu, params=None, token=presets.TOKEN_VALID, channel_id=presets.CHANNEL_ID, **kwargs):
    """GET one page of members with a token."""
    return requests.get(
        emu.url + members_path(channel_id), params=params, headers={"X-Auth-Token": token}, timeout=TIMEOUT, **kwargs
    )


def sdk_signed(
    emu,
    method,
    path,
    query=None,
    body=b"",
    ak=presets.AK,
    sk=presets.SK,
    project_id=presets.PROJECT_ID,
    security_token=None,
    extra_headers=None,
):
    """Sign with huaweicloudsdkcore exactly as the official SDK does; returns (url, headers, body)."""
    headers = {"Content-Type": "application/json"}
    headers.update(extra_headers or {})
    credentials = BasicCredentials(ak, sk, project_id)
    if security_token is not None:
        credentials.with_security_token(security_token)
    request = SdkRequest(
        method=method,
        schema=urlsplit(emu.url).scheme,
        host=urlsplit(emu.url).netloc,
        resource_path=path,
        query_params=list((query or {}).items()),
        header_params=headers,
        body=body,
    )
    credentials.sign_request(request)
    return emu.url + request.uri, dict(request.header_params), request.body or b""


def send(method, url, headers, body, **kwargs):
    """Send a prepared request unchanged."""
    return requests.request(method, url, headers=headers, data=body, timeout=TIMEOUT, **kwargs)


def iam_body(
    name=presets.USER_NAME,
    password=presets.USER_PASSWORD,
    domain=presets.USER_DOMAIN,
    project_id=presets.PROJECT_ID,
    project_name=None,
):
    """IAM's password-auth body ("Obtaining a User Token Through Password Authentication"), scoped by project id (or name)."""
    scope = {"project": {"name": project_name}} if project_name else {"project": {"id": project_id}}
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": name, "password": password, "domain": {"name": domain}}},
            },
            "scope": scope,
        }
    }
