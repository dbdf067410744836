# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""VPC and ECS on the emulator's own URL: their routes, who may call them, and how they refuse.

One endpoint setting then points a playbook at APIG, VPC and ECS alike. The calls are signed as APIG calls are
(token, IAM password token, AK/SK), checked by the same Authenticator; what differs is the answer when that fails:

* a credential that does not authenticate gets the front door's 401 ``APIGW.0301`` ``Incorrect IAM authentication
  information: ...`` (API Request Signing Guide, "Error Codes") with ``request_id``;
* an identity without the permission the call needs - ``permitted: false``, another project's token, or an
  action (or a whole service, ``vpc``, ``ecs``) in its config's ``denied`` list - gets the service's own refusal:
  VPC 403 ``VPC.2201`` ``Policy doesn't allow vpc:securityGroupRules:list to be performed.``, ECS Nova's 403
  ``forbidden``;
* in a v1-only region (``network.v1_only``) the v3 VPC paths do not exist: 404 ``APIGW.0101``, before any
  authentication, as the front door answers for an API it does not have.

Faults (faults.py) apply to these paths as to every other, before all this; APIG's throttle does not (it is APIG's).
"""

from urllib.parse import parse_qs, unquote

from tests.emulator import ecs, vpc
from tests.emulator.errors import ApigError
from tests.emulator.network import ProjectNetwork

SERVICES = ((vpc, vpc.ROUTES), (ecs, ecs.ROUTES))
AUTH_MESSAGES = {
    "APIG.1000": "Incorrect IAM authentication information: x-auth-token not found",
    "APIG.1001": "Incorrect IAM authentication information: token expires",
    "APIG.0307": "Incorrect IAM authentication information: token expires",
    "APIG.1002": "Incorrect IAM authentication information: decrypt token fail",
    "APIG.0301": "Incorrect IAM authentication information: verify aksk signature fail",
}
_EMPTY_NETWORK = ProjectNetwork("network", {})


class GatewayError(ApigError):
    """An answer of Huawei's API front door itself: ``{"error_code": "APIGW.*", "error_msg", "request_id"}``."""

    def __init__(self, status, code, message, request_id, detail=None):
        super().__init__(status, code, message, detail=detail)
        self.request_id = request_id

    def body(self, style="apig"):  # pylint: disable=unused-argument  # the front door has one form
        return {"error_code": self.code, "error_msg": self.message, "request_id": self.request_id}


def match_route(path):
    """``(service module, name, methods, params, action)`` for a VPC or ECS path, or None."""
    for module, routes in SERVICES:
        for name, methods, pattern, action in routes:
            match = pattern.match(path)
            if match:
                return module, name, methods, {key: unquote(value) for key, value in match.groupdict().items()}, action
    return None


def is_denied(denied, action):
    """True when ``action`` is in ``denied``, or a service or resource of it is (``vpc``, ``vpc:ports``)."""
    return any(action == item or action.startswith(item + ":") for item in denied)


def answer(emulator, request, route):
    """``(status, payload)`` for an authenticated, permitted call; a ServiceError-like ApigError otherwise."""
    module, name, methods, params, action = route
    project = emulator.config.projects.get(params["project_id"])
    if module is vpc and name in vpc.V3_NAMES and project is not None and project.network and project.network.v1_only:
        raise GatewayError(
            404,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment.",
            request.request_id,
        )
    if request.method not in methods:
        raise GatewayError(405, "APIGW.0101", "The API does not exist.", request.request_id)
    try:
        emulator.authenticator.authenticate(request, params["project_id"])
    except ApigError as exc:
        if exc.status == 401:
            raise GatewayError(
                401,
                "APIGW.0301",
                AUTH_MESSAGES.get(exc.code, AUTH_MESSAGES["APIG.1002"]),
                request.request_id,
                exc.detail,
            ) from None
        raise module.policy_denied(name, action, request.request_id) from None
    if is_denied(emulator.authenticator.denied_actions(request), action):
        raise module.policy_denied(name, action, request.request_id)
    if project.network is None:
        project = _Unnetworked(project)
    query = parse_qs(request.query_string, keep_blank_values=True)
    return module.answer(name, project, params, query, request.request_id)


class _Unnetworked:
    """A project whose config models no network: its VPC and ECS hold nothing."""

    def __init__(self, project):
        self.id = project.id
        self.name = project.name
        self.network = _EMPTY_NETWORK
