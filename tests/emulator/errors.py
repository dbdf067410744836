# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The APIG and IAM error answers, worded and shaped as the real services do.

Every error the emulator produces goes through this module so that the HTTP
status, the ``error_code`` and the ``error_msg`` always agree with the "Error
Codes" page of Huawei Cloud's APIG API reference (and IAM's for IAM answers;
docs/error-codes.md lists the ones the collection meets); tests of the
collection compare against these exact strings.
"""

INVALID_PARAMETER = "Invalid parameter value,parameterName:%s. Please refer to the support documentation"

# The forms of an error body that Huawei services answer with (huaweicloudsdkcore's exception handler reads all):
# APIG's own, camelCase, code/message, and nested under "error" (IAM's shape).
ERROR_STYLES = ("apig", "camel", "code", "nested")
AKSK_FAILED = "Incorrect IAM authentication information: verify aksk signature fail"


class ApigError(Exception):
    """An APIG error answer: ``{"error_code": ..., "error_msg": ...}`` with a status.

    ``detail`` is never sent to the client (real APIG does not explain why a
    signature failed either); it is kept in the request log so a failing test
    can tell which check refused the request.
    """

    def __init__(self, status, code, message, headers=None, detail=None):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.detail = detail

    def body(self, style="apig"):
        """The JSON body in one of ``ERROR_STYLES``; APIG's own is ``{"error_code", "error_msg"}``."""
        if style == "camel":
            return {"errorCode": self.code, "errorMsg": self.message}
        if style == "code":
            return {"code": self.code, "message": self.message}
        if style == "nested":
            return {"error": {"code": self.code, "message": self.message}}
        return {"error_code": self.code, "error_msg": self.message}


class IamError(Exception):
    """An IAM (Keystone-style) error answer: ``{"error": {"code", "message", "title"}}``."""

    TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}

    def __init__(self, status, message, headers=None):
        super().__init__("%s: %s" % (status, message))
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def body(self, style=None):  # pylint: disable=unused-argument  # IAM has one form, whatever style APIG uses
        """The JSON body IAM sends with an error."""
        return {"error": {"code": self.status, "message": self.message, "title": self.TITLES.get(self.status, "Error")}}


def invalid_parameter(name):
    """400 APIG.2012 naming the offending parameter, as in the seed document."""
    return ApigError(400, "APIG.2012", INVALID_PARAMETER % name)


def token_missing():
    """401 APIG.1000: neither X-Auth-Token nor Authorization was sent."""
    return ApigError(401, "APIG.1000", "Token is missing", detail="no X-Auth-Token and no Authorization header")


EXPIRED_TOKEN_ANSWERS = {
    "APIG.1001": "Token expired",
    "APIG.0307": "The token must be updated",
    "APIG.0301": "Incorrect IAM authentication information: decrypt token fail",
}


def token_expired(code="APIG.1001"):
    """401 for a token past its expiry: APIG.1001, or as gateways also say it, APIG.0307 or APIG.0301."""
    return ApigError(401, code, EXPIRED_TOKEN_ANSWERS[code], detail="token expired")


def token_incorrect(detail="unknown token"):
    """401 APIG.1002: the token is not one the emulated IAM issued."""
    return ApigError(401, "APIG.1002", "Incorrect token or token resolution failed", detail=detail)


def aksk_failed(detail):
    """401 APIG.0301: any AK/SK verification failure (the reason stays server-side)."""
    return ApigError(401, "APIG.0301", AKSK_FAILED, detail=detail)


def no_permission(detail="not permitted"):
    """403 APIG.1005: authenticated, but not allowed to call this API in this project."""
    return ApigError(403, "APIG.1005", "No permissions to request this method", detail=detail)


def instance_not_found(instance_id):
    """404 APIG.3030 for an unknown gateway instance."""
    return ApigError(404, "APIG.3030", "The instance does not exist;id:%s" % instance_id)


def vpc_channel_not_found(channel_id):
    """404 APIG.3023 for an unknown VPC channel."""
    return ApigError(404, "APIG.3023", "The VPC channel does not exist;id:%s" % channel_id)


def api_definition_not_found(api_id):
    """404 APIG.3002 for an unknown API (or API version)."""
    return ApigError(404, "APIG.3002", "The API does not exist;id:%s" % api_id)


def group_not_found(group_id):
    """404 APIG.3001 for an unknown API group (as the statistics reference words it)."""
    return ApigError(404, "APIG.3001", "API group %s does not exist" % group_id)


def debug_refused(message):
    """400 APIG.2011: a DebugApiV2 call the gateway will not make (README.md, "DebugApiV2")."""
    return ApigError(400, "APIG.2011", message)


def invalid_debug_parameter(name):
    """400 APIG.2011 naming the offending field of a DebugApiV2 body, as Huawei's reference shows it."""
    return ApigError(400, "APIG.2011", INVALID_PARAMETER % name)


def throttled(limit, retry_after=None):
    """429 APIG.0308, worded like the gateway's own flow-control answer."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    message = "The throttling threshold has been reached: policy user over ratelimit,limit:%d,time:1 second" % limit
    return ApigError(429, "APIG.0308", message, headers=headers)


def api_not_found(path):
    """404 APIG.0101: no API at this path (what the gateway says for an unknown URL)."""
    return ApigError(
        404, "APIG.0101", "The API does not exist or has not been published in the environment.", detail=path
    )


def method_not_allowed(allowed):
    """405 for a known path called with another method; ``Allow`` lists the right one."""
    return ApigError(405, "APIG.0101", "The API does not exist.", headers={"Allow": ", ".join(allowed)})


def body_too_large(limit):
    """413 APIG.0201: the emulator refuses request bodies above ``limit`` bytes."""
    return ApigError(413, "APIG.0201", "Request entity too large", detail="limit %d bytes" % limit)


def bad_request(detail):
    """400 APIG.0201 for a request the HTTP layer cannot read (bad Content-Length, chunking)."""
    return ApigError(400, "APIG.0201", "API request error.", detail=detail)


def system_error(detail=None):
    """500 APIG.9999, also the answer when the emulator itself hits a bug."""
    return ApigError(500, "APIG.9999", "System error", detail=detail)
