# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a Huawei Cloud service answered: the status, headers and body the client keeps, and the error fields in
every form Huawei services write them.

Kept apart from the transport (``client.py``) because endpoint calls read answers too: a body that is not the JSON
object Huawei documents is an ``ApigError``, never a verdict.
"""

import json

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError

# The request id a Huawei service answers with: APIG's, IAM's, and the OpenStack-style one some services use.
REQUEST_ID_HEADERS = ("X-Request-Id", "X-IAM-Trace-Id", "X-Openstack-Request-Id")


class Response:
    """What the client keeps of an HTTP answer: status, headers, capped body, and how many attempts it took."""

    def __init__(self, status, headers, body, sent_token=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.sent_token = sent_token  # the X-Auth-Token the request carried, for the sign-in's refresh()
        self.attempts = 1

    @property
    def request_id(self):
        return next((self.headers[name] for name in REQUEST_ID_HEADERS if self.headers.get(name)), None)

    def json(self, what):
        """The body as a JSON object, or an ApigError that says the answer was not what Huawei documents."""
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            snippet = self.body[:120].decode("utf-8", "replace").replace("\n", " ")
            raise ApigError(
                "%s answered HTTP %s with a body that is not JSON: %r" % (what, self.status, snippet),
                status=self.status,
                request_id=self.request_id,
            ) from None
        if not isinstance(data, dict):
            raise ApigError(
                "%s answered HTTP %s with JSON that is not an object" % (what, self.status),
                status=self.status,
                request_id=self.request_id,
            )
        return data

    def json_or_none(self):
        """The body as JSON, or None when it is not JSON (for reading an error body that may be anything)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


_ERROR_FORMS = (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message"))


def huawei_error_fields(data):
    """``(error_code, error_msg)`` from any of the forms Huawei services answer with, or ``(None, None)``.

    APIG writes ``error_code``/``error_msg``; other services ``errorCode``/``errorMsg`` or ``code``/``message``,
    at the top level or nested (IAM: ``{"error": {"code", "message"}}``) - the forms huaweicloudsdkcore's
    exception handler reads, in its order.
    """
    if not isinstance(data, dict):
        return None, None
    for code_key, msg_key in _ERROR_FORMS:
        if code_key in data or msg_key in data:
            code = data.get(code_key)
            return (None if code is None else str(code)), data.get(msg_key)
    for value in data.values():
        if isinstance(value, dict):
            found = huawei_error_fields(value)
            if found != (None, None):
                return found
    return None, None
