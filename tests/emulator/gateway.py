# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated gateway answering a call to an API: one path for the data-plane listener and for DebugApiV2.

``Gateway.serve`` takes one request and gives one answer, in this order: find the API (routing.py: domain, X-Stage,
method, path - or, for a DEVELOPER-mode debug, the API's draft), check its authentication (``auth_type: IAM``: a
valid ``X-Auth-Token`` of the emulated IAM), then answer - a MOCK API its ``mock``, a FUNCTION API a fixed body, an
HTTP API whatever its backend answers over a real socket (forwarding.py) - and count the answer in the statistics
(statistics.py) when it belongs to an API.

Every answer carries ``X-Request-Id`` and ``X-Apig-Latency`` (ms from the request to the backend's headers, or to
the gateway's own answer); ``X-Apig-Upstream-Latency`` (ms from the connection attempt to the backend's headers, or
to the failure) whenever the gateway tried a backend, so never for MOCK APIs. The gateway's own errors are
``{"error_code", "error_msg", "request_id"}`` (gateway_errors.py).
"""

import email.utils
import http
import json
import time
from urllib.parse import parse_qs

from tests.emulator import gateway_errors, routing
from tests.emulator.catalog import RELEASE_ID
from tests.emulator.forwarding import Forwarder, backend_target, choose_backend, forwarded_headers
from tests.emulator.statistics import StatisticsBook

JSON_TYPE = "application/json"
DROPPED_ANSWER_HEADERS = frozenset(("server", "date", "x-request-id", "x-apig-latency", "x-apig-upstream-latency"))


def canonical(name):
    """A header name as the gateway writes it: ``x-MY-hEaDer`` -> ``X-My-Header``."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


class GatewayRequest:
    """One call to an API: method, target (path and query, as sent), headers as ``(name, value)``s, body."""

    def __init__(self, method, target, headers, body, request_id, client_address="127.0.0.1"):
        self.method = method
        self.target = target
        self.path, _sep, self.query_string = target.split("#", 1)[0].partition("?")
        self.headers = list(headers)
        self.body = body
        self.request_id = request_id
        self.client_address = client_address
        self.query = parse_qs(self.query_string, keep_blank_values=True)

    def header(self, name):
        """The first value of header ``name`` (any case), or None."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class GatewayAnswer:
    """What the gateway answers: status, reason, headers (without the framing ones), body; and what it learnt."""

    def __init__(self, status, reason, headers, body, request_id):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.request_id = request_id
        self.api = None  # the API that answered (None: no API matched)
        self.error_code = None  # the gateway's own APIG code, when it answered itself
        self.detail = None  # why, for a person reading a failing test (never sent)
        self.latency_ms = 0
        self.upstream_ms = None  # None: no backend was tried

    def wire_headers(self, keep_alive=True, date=None):
        """Every header as sent, in the gateway's order: framing first, then the others sorted by name."""
        others = [
            *self.headers,
            ("Date", date or email.utils.formatdate(usegmt=True)),
            ("Server", "api-gateway"),
        ]
        framing = [("Content-Length", str(len(self.body))), ("Connection", "keep-alive" if keep_alive else "close")]
        return framing + sorted(others, key=lambda header: header[0].lower())


class Gateway:
    """Routes, authenticates, answers and counts calls to the APIs of every instance in the config."""

    def __init__(self, config, tokens, clock):
        self.catalogs = [
            instance.catalog for project in config.projects.values() for instance in project.instances.values()
        ]
        self.tokens = tokens
        self.forwarder = Forwarder(config.hosts)
        self.statistics = StatisticsBook(clock)

    def serve(self, request, draft=None, timeout_cap_ms=None):
        """The answer to ``request``; ``draft=(catalog, api)`` calls that API's draft (DEVELOPER-mode debug).

        ``timeout_cap_ms`` bounds the API's backend timeout (the debug console's 60 s).
        """
        started = time.monotonic()
        api = attempt = None
        try:
            if draft is None:
                catalog, api, env_id, definition, params = routing.route(
                    self.catalogs, request.header("Host"), request.method, request.path, request.header("X-Stage")
                )
            else:
                catalog, env_id = draft[0], RELEASE_ID
                api, params = routing.match_api([draft[1]], request.method, request.path)
                definition = api.draft
            self._authenticate(api, request)
            if api.backend_type == "MOCK":
                answer = self._mock(api, request)
                answer.latency_ms = _ms(time.monotonic() - started)
            elif api.backend_type == "FUNCTION":
                attempt = time.monotonic()
                answer = self._function(api, request)
                done = time.monotonic()
                answer.latency_ms, answer.upstream_ms = _ms(done - started), _ms(done - attempt)
            else:
                attempt = time.monotonic()
                received = self._forward(catalog, api, definition, env_id, params, request, timeout_cap_ms)
                answer = self._relayed(received, request)
                answer.latency_ms = _ms(received.headers_at - started)
                answer.upstream_ms = _ms(received.headers_at - received.started_at)
        except gateway_errors.GatewayError as exc:
            now = time.monotonic()
            answer = self.refusal(exc, request.request_id)
            answer.latency_ms = _ms(now - started)
            answer.upstream_ms = _ms(now - attempt) if exc.upstream and attempt is not None else None
        answer.api = api
        answer.headers += [("X-Request-Id", request.request_id), ("X-Apig-Latency", str(answer.latency_ms))]
        if answer.upstream_ms is not None:
            answer.headers.append(("X-Apig-Upstream-Latency", str(answer.upstream_ms)))
        if api is not None:
            self.statistics.record(
                api.id,
                api.group.id,
                answer.status,
                answer.latency_ms,
                answer.upstream_ms or 0,
                len(request.body),
                len(answer.body),
            )
        return answer

    @staticmethod
    def refusal(error, request_id):
        """The gateway's own answer for a GatewayError."""
        body = json.dumps(error.body(request_id)).encode("utf-8")
        answer = GatewayAnswer(
            error.status, http.HTTPStatus(error.status).phrase, [("Content-Type", JSON_TYPE)], body, request_id
        )
        answer.error_code, answer.detail = error.code, error.detail
        return answer

    def unreadable(self, error, request_id):
        """The answer to a request the gateway could not read (no API known, so nothing is counted)."""
        answer = self.refusal(error, request_id)
        answer.headers += [("X-Request-Id", request_id), ("X-Apig-Latency", "0")]
        return answer

    def _authenticate(self, api, request):
        """``auth_type: IAM``: the call needs a token the emulated IAM issued, not expired (any project of it)."""
        if api.auth_type != "IAM":
            return
        token = (request.header("X-Auth-Token") or "").strip()
        if not token:
            raise gateway_errors.iam_refused("no X-Auth-Token on a call to an IAM-authenticated API")
        record = self.tokens.lookup(token)
        if record is None:
            raise gateway_errors.iam_refused("unknown token")
        if record.expired():
            raise gateway_errors.token_must_be_updated("token expired")

    @staticmethod
    def _mock(api, request):
        """A MOCK API's configured answer (no backend, so no upstream latency)."""
        mock = api.mock
        body = mock["body"].encode("utf-8") if request.method != "HEAD" else b""
        return GatewayAnswer(
            mock["status"],
            _phrase(mock["status"]),
            [("Content-Type", mock["content_type"])],
            body,
            request.request_id,
        )

    @staticmethod
    def _function(api, request):
        """A FUNCTION API answers a fixed body naming its function (the emulator runs no code)."""
        urn = "urn:fss:emulated:function:default:" + api.name  # as discovery.py reports func_info.function_urn
        body = json.dumps({"function_urn": urn, "result": "emulated function invoked"}).encode("utf-8")
        return GatewayAnswer(200, "OK", [("Content-Type", JSON_TYPE)], body, request.request_id)

    def _forward(self, catalog, api, definition, env_id, params, request, timeout_cap_ms):
        """The backend's answer (forwarding.BackendAnswer), from the backend the request's policy chooses."""
        variables = {
            name: value
            for group_id, variable_env, name, value, _id in catalog.variables
            if group_id == api.group.id and variable_env == env_id
        }
        _policy, backend = choose_backend(definition, request.query, request.headers, params)
        endpoint = self.forwarder.endpoint(backend, catalog.channels, variables)
        target = backend_target(backend, variables, params, request.query_string)
        headers = forwarded_headers(request.headers, endpoint, request.request_id, request.client_address)
        timeout_ms = backend.timeout if timeout_cap_ms is None else min(backend.timeout, timeout_cap_ms)
        return self.forwarder.exchange(endpoint, request.method, target, headers, request.body, timeout_ms / 1000)

    @staticmethod
    def _relayed(received, request):
        """The backend's answer as the gateway relays it: its own Server, Date and latency headers replace the
        backend's, names written canonically."""
        kept = [
            (canonical(name), value) for name, value in received.headers if name.lower() not in DROPPED_ANSWER_HEADERS
        ]
        return GatewayAnswer(received.status, received.reason, kept, received.body, request.request_id)


def _ms(seconds):
    return int(seconds * 1000)


def _phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
