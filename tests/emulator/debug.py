# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DebugApiV2: the gateway calls one of its APIs on the caller's behalf and shows both sides as raw HTTP.

``POST /v2/{project_id}/apigw/instances/{instance_id}/apis/debug/{api_id}`` (huaweicloudsdkapig ``ApiDebugInfo`` ->
``DebugApiV2Response``; contract §11). The call goes through the very path of the data plane (gateway.py): the
same routing, backends, timeouts and errors, and it is counted in the statistics like any call.

* Body: ``mode`` (CONSUMER: the API as published in ``stage``, default RELEASE; DEVELOPER: the draft, with the
  RELEASE environment's variables; MARKET is refused), ``scheme`` (HTTP | HTTPS), ``method``, ``path`` (from ``/``,
  at most 1024 characters, percent-encoding that decodes), ``query`` and ``header`` (name -> list of values; names of
  at most 32 bytes starting with a letter - query: letters, digits, ``.``, ``_``, ``-``; header: letters, digits,
  ``.``, ``-`` as Huawei's reference says - never ``X-Apig-*``, ``X-Sdk-*`` or ``X-Stage``; in CONSUMER mode no
  ``X-Auth-Token`` nor ``Authorization`` header), ``body`` (at most 2 MiB), ``stage``, ``domain`` (default: the
  group's subdomain), ``app_key`` / ``app_secret`` (accepted, unused: APP authentication is not emulated). A bad
  field is 400 APIG.2011 naming it; an unknown API 404 APIG.3002.
* An API whose backend request path holds an environment variable cannot be debugged (Huawei's console says so):
  400 APIG.2011, the emulator's choice of code, naming the reason.
* 200 ``{"request", "response", "latency", "log"}``: the request as the gateway sent it (``User-Agent:
  APIGatewayDebugClient/1.0``, ``X-Apig-Mode: debug``, ``X-Stage`` in CONSUMER mode, header names canonical), the
  answer as the gateway gave it (status line, headers, blank line, body; a body over 2 MiB cut there, followed by
  ``[TRUNCATED]``), the whole call's latency in ms, and an empty log. When the gateway, not the backend, answered -
  not published in that stage (APIG.0101), a dead backend (APIG.0201), an IAM-authenticated API in CONSUMER mode,
  which cannot carry a token (APIG.0301) - its JSON error is inside ``response``: the debug call itself succeeded.
"""

import json
import re
import time
import uuid
from urllib.parse import unquote, urlencode

from tests.emulator import errors, routing
from tests.emulator.addresses import has_variable
from tests.emulator.catalog import RELEASE
from tests.emulator.gateway import GatewayRequest, canonical

ROUTES = (
    (
        "debug",
        ("POST",),
        re.compile(
            r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)/apis/debug/(?P<api_id>[^/]+)/?$"
        ),
    ),
)
NAMES = ("debug",)
MODES = ("DEVELOPER", "CONSUMER")
SCHEMES = ("HTTP", "HTTPS")
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")
MAX_BODY = 2 * 1024 * 1024
MAX_PATH = 1024
QUERY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
HEADER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9.-]*$")
FORBIDDEN_PREFIXES = ("x-apig-", "x-sdk-")
CONSUMER_FORBIDDEN = ("x-auth-token", "authorization")
GATEWAY_SET = ("host", "user-agent", "content-length")  # the gateway writes these itself
USER_AGENT = "APIGatewayDebugClient/1.0"
TIMEOUT_CAP_MS = 60000  # "backend timeout capped at 60 s" while debugging
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _text(data, name, required=False, limit=None):
    """A string field of the body (None when absent): its type, its size in bytes, no control characters but in body."""
    value = data.get(name)
    if value is None:
        if required:
            raise errors.invalid_debug_parameter(name)
        return None
    if not isinstance(value, str) or (limit is not None and len(value.encode("utf-8")) > limit):
        raise errors.invalid_debug_parameter(name)
    if any(ord(char) < 32 or ord(char) == 127 for char in value) and name != "body":
        raise errors.invalid_debug_parameter(name)
    return value


def _choice(data, name, allowed):
    """A required field that must be one of ``allowed``, in upper case as Huawei's enumerations are."""
    value = _text(data, name, required=True)
    if value not in allowed:
        raise errors.invalid_debug_parameter(name)
    return value


def _path(data):
    """The request path: from /, within 1024 characters, no query or fragment, percent-encoding that decodes."""
    path = _text(data, "path", required=True, limit=MAX_PATH)
    if not path.startswith("/") or any(char in path for char in "?# ") or _BAD_PERCENT.search(path):
        raise errors.invalid_debug_parameter("path")
    try:
        unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise errors.invalid_debug_parameter("path") from None
    return path


def _multimap(data, field, pattern, forbidden=()):
    """``{name: [values]}`` of ``query`` or ``header``, every name checked against Huawei's rules."""
    value = data.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.invalid_debug_parameter(field)
    for name, values in value.items():
        lowered = name.lower()  # JSON object keys are always strings
        if (
            not pattern.match(name)
            or len(name.encode("utf-8")) > 32
            or lowered.startswith(FORBIDDEN_PREFIXES)
            or lowered == "x-stage"
            or lowered in forbidden
            or not isinstance(values, list)
            or not all(isinstance(item, str) and "\r" not in item and "\n" not in item for item in values)
        ):
            raise errors.invalid_debug_parameter(field)
    return value


class DebugCall:
    """A validated DebugApiV2 body."""

    def __init__(self, body):
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise errors.invalid_debug_parameter("mode") from None
        if not isinstance(data, dict):
            raise errors.invalid_debug_parameter("mode")
        self.mode = _choice(data, "mode", MODES)
        self.scheme = _choice(data, "scheme", SCHEMES)
        self.method = _choice(data, "method", METHODS)
        self.path = _path(data)
        self.query = _multimap(data, "query", QUERY_NAME)
        forbidden = CONSUMER_FORBIDDEN if self.mode == "CONSUMER" else ()
        self.header = _multimap(data, "header", HEADER_NAME, forbidden)
        self.body = _text(data, "body", limit=MAX_BODY) or ""
        self.stage = _text(data, "stage", limit=64) or RELEASE
        self.domain = _text(data, "domain", limit=255)
        if self.domain is not None and (not self.domain or " " in self.domain):
            raise errors.invalid_debug_parameter("domain")
        for name in ("app_key", "app_secret"):
            _text(data, name, limit=1024)


def _request_headers(call, domain):
    """The headers the gateway sends, in its order: Host, User-Agent, Content-Length, then the others by name."""
    others = [("X-Apig-Mode", "debug")]
    if call.mode == "CONSUMER":
        others.append(("X-Stage", call.stage))
    for name, values in call.header.items():
        if name.lower() not in GATEWAY_SET:
            others.extend((canonical(name), value) for value in values)
    first = [("Host", domain), ("User-Agent", USER_AGENT)]
    if call.body:
        first.append(("Content-Length", str(len(call.body.encode("utf-8")))))
    return first + sorted(others, key=lambda header: header[0].lower())


def render_request(method, target, headers, body):
    """The raw request text, as DebugApiV2's ``request`` shows it."""
    head = "%s %s HTTP/1.1\r\n" % (method, target) + "".join("%s: %s\r\n" % header for header in headers)
    return head + "\r\n" + body


def render_response(answer):
    """The raw answer text, as DebugApiV2's ``response`` shows it: the body cut at 2 MiB, then ``[TRUNCATED]``."""
    head = "HTTP/1.1 %d %s\r\n" % (answer.status, answer.reason)
    head += "".join("%s: %s\r\n" % header for header in answer.wire_headers())
    body = answer.body
    if len(body) > MAX_BODY:
        return head + "\r\n" + body[:MAX_BODY].decode("utf-8", "replace") + "[TRUNCATED]"
    return head + "\r\n" + body.decode("utf-8", "replace")


def _debuggable(definition):
    """False when a backend's request path holds an environment variable (Huawei's console refuses those)."""
    backends = [definition.backend] + [backend for _id, _name, backend in definition.policies]
    return not any(backend is not None and has_variable(backend.req_uri) for backend in backends)


def answer(gateway, catalog, request, params):
    """``(status, payload)`` of DebugApiV2 for an authenticated caller."""
    call = DebugCall(request.body)
    api = catalog.apis.get(params["api_id"])
    if api is None:
        raise errors.api_definition_not_found(params["api_id"])
    if call.mode == "DEVELOPER":
        definition = api.draft
    else:
        environment = routing.environment_named(catalog, call.stage)
        published = api.published.get(environment.id) if environment is not None else None
        definition = published[1] if published is not None else None
    if definition is not None and not _debuggable(definition):
        raise errors.debug_refused(
            "The API %s cannot be debugged: its backend request path holds environment variables" % api.id
        )
    domain = call.domain or routing.subdomain(api.group.id, catalog.region)
    query = urlencode(sorted(call.query.items()), doseq=True)
    target = call.path + ("?" + query if query else "")
    headers = _request_headers(call, domain)
    started = time.monotonic()
    served = gateway.serve(
        GatewayRequest(call.method, target, headers, call.body.encode("utf-8"), uuid.uuid4().hex),
        draft=(catalog, api) if call.mode == "DEVELOPER" else None,
        timeout_cap_ms=TIMEOUT_CAP_MS,
    )
    latency = int((time.monotonic() - started) * 1000)
    return 200, {
        "request": render_request(call.method, target, headers, call.body),
        "response": render_response(served),
        "latency": latency,
        "log": "",
    }
