# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gateway's own answers on the data plane, when it, not the backend, answers a call to an API.

Their body is ``{"error_code", "error_msg", "request_id"}`` (contract §11), unlike the management API's errors
(errors.py), which carry the request id only as a header. Codes, statuses and messages are those of APIG's "Error
Codes" page for API calls (Huawei warns that the messages may change; the codes do not). Which failure gets which
code where that page lists two for one symptom is the emulator's reading, in README.md ("The data plane"):

* a backend that refuses or breaks the connection: 502 APIG.0201 "Backend unavailable.";
* a backend the gateway cannot connect to within the API's timeout: 504 APIG.0201 "Backend timeout.";
* a backend that takes the connection but does not answer within the timeout: 504 APIG.0203 "Backend timeout.";
* HTTPS towards a backend that does not speak TLS: 502 APIG.0202 "Backend unavailable.";
* a backend domain that does not resolve: 500 APIG.0605 "Domain name resolution failed.";
* a VPC channel with no member to send to: 502 APIG.0610 "No backend available.";
* no API at that domain, path and environment: 404 APIG.0101.
"""


class GatewayError(Exception):
    """An answer of the gateway itself: status, APIG code and message; ``detail`` stays in the emulator."""

    def __init__(self, status, code, message, detail=None, upstream=False):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.upstream = upstream  # True when the gateway had tried a backend (it then reports upstream latency)

    def body(self, request_id):
        """The JSON body the gateway answers with."""
        return {"error_code": self.code, "error_msg": self.message, "request_id": request_id}


def not_published():
    """404 APIG.0101: no API at this domain, method and path in this environment."""
    return GatewayError(404, "APIG.0101", "The API does not exist or has not been published in the environment.")


def method_not_found():
    """404 APIG.0101: the path is an API's, the method is not."""
    return GatewayError(404, "APIG.0101", "The API does not exist.")


def bad_request(detail):
    """400 APIG.0201: a request the gateway cannot read."""
    return GatewayError(400, "APIG.0201", "API request error.", detail)


def entity_too_large(detail):
    """413 APIG.0201: a request body over the gateway's limit."""
    return GatewayError(413, "APIG.0201", "Request entity too large.", detail)


def backend_unavailable(detail):
    """502 APIG.0201: the backend refused, reset or closed the connection, or is out of the emulator's reach."""
    return GatewayError(502, "APIG.0201", "Backend unavailable.", detail, upstream=True)


def connect_timeout(detail):
    """504 APIG.0201: no connection to the backend within the API's timeout."""
    return GatewayError(504, "APIG.0201", "Backend timeout.", detail, upstream=True)


def backend_timeout(detail):
    """504 APIG.0203: connected, but no answer from the backend within the API's timeout."""
    return GatewayError(504, "APIG.0203", "Backend timeout.", detail, upstream=True)


def protocol_mismatch(detail):
    """502 APIG.0202: the TLS handshake with the backend failed (HTTPS towards an HTTP backend)."""
    return GatewayError(502, "APIG.0202", "Backend unavailable.", detail, upstream=True)


def name_not_resolved(detail):
    """500 APIG.0605: the backend's domain does not resolve."""
    return GatewayError(500, "APIG.0605", "Domain name resolution failed.", detail)


def no_backend_available(detail):
    """502 APIG.0610: the VPC channel has no member the gateway may send to."""
    return GatewayError(502, "APIG.0610", "No backend available.", detail)


def iam_refused(detail):
    """401 APIG.0301: an IAM-authenticated API called without a valid token."""
    return GatewayError(401, "APIG.0301", "Incorrect IAM authentication information.", detail)


def token_must_be_updated(detail):
    """401 APIG.0307: an IAM-authenticated API called with an expired token."""
    return GatewayError(401, "APIG.0307", "The token must be updated.", detail)
