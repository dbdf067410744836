# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The IAM calls: one plain function per Huawei Cloud IAM operation, named as huaweicloudsdkiam names it, taking
the run's ``ApigClient`` first.

Only the client's public methods are used, so this module imports nothing of the transport; the client hands
``keystone_create_user_token_by_password`` to the password sign-in (``auth.py``) as the way to get a token.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError

TOKENS_PATH = "/v3/auth/tokens"


def keystone_create_user_token_by_password(client, body):
    """KeystoneCreateUserTokenByPassword: ``POST {iam}/v3/auth/tokens``; returns (token, project id of its scope).

    Huawei Cloud IAM API reference, "Obtaining a User Token Through Password Authentication": the token is the
    ``X-Subject-Token`` header of a 201, the project it is scoped to is ``token.project.id`` in the body (None
    when the body names none; the caller decides whether that is an error).
    """
    response = client.call(
        client.settings.iam_endpoint,
        "POST",
        TOKENS_PATH,
        body=body,
        expected=(201,),
        service="IAM",
        sign=False,
        refused="IAM refused the sign-in",
        headers={"Content-Type": "application/json;charset=utf8"},
    )
    token = response.headers.get("X-Subject-Token")
    if not token:
        raise ApigError(
            "IAM answered 201 without an X-Subject-Token header", status=201, request_id=response.request_id
        )
    client.record_secret(token)  # before the body is read: whatever happens next, the token is masked
    token_info = response.json("IAM").get("token")
    project = token_info.get("project") if isinstance(token_info, dict) else None
    project_id = project.get("id") if isinstance(project, dict) else None
    return token, (project_id if isinstance(project_id, str) and project_id else None)
