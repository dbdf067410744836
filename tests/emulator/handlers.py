# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP side of the emulator: one handler class for APIG, IAM and the admin endpoints.

Order of work for each request, which tests rely on:

1. read the whole body (so faults and logs see it, and a reset never races an
   unread request);
2. ``/_emulator/...`` admin requests are answered at once, unlogged, unauthenticated;
3. everything else is logged on arrival, then a matching fault (if any) is
   applied *before* authentication, then IAM or the APIG route runs:
   throttle, route (404/405), authentication (401/403), the operation.

Every answer carries its request id (32 hex) - ``X-Request-Id`` from APIG, ``X-IAM-Trace-Id`` from IAM, as the
real services name it - and ``Server: api-gateway``.
"""

import email.utils
import json
import logging
import os
import select
import socket
import ssl
import struct
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from tests.emulator import apig, dataplane_admin, errors, iam, services
from tests.emulator.auth import attempted_mode
from tests.emulator.faults import FaultError

LOG = logging.getLogger("tests.emulator")

ADMIN_PREFIX = "/_emulator/"
IAM_TOKENS_PATH = "/v3/auth/tokens"
JSON_TYPE = "application/json"
MAX_BODY = 16 * 1024 * 1024
FILLER_CHUNK = 64 * 1024
PARTIAL_DEFAULT = 1024


def filler_chunks(size, chunk=FILLER_CHUNK):
    """Yield exactly ``size`` bytes of JSON-looking filler without building it in memory."""
    head, tail = b'{"filler":"', b'"}'
    if size < len(head) + len(tail):
        if size:
            yield b"x" * size
        return
    yield head
    left = size - len(head) - len(tail)
    block = b"x" * chunk
    while left > 0:
        piece = block if left >= chunk else block[:left]
        left -= len(piece)
        yield piece
    yield tail


class Request:
    """What the APIG/IAM code needs to know about one request."""

    def __init__(self, method, raw_path, query_string, headers, body, request_id):
        self.method = method
        self.raw_path = raw_path
        self.query_string = query_string
        self.query = dict(parse_qsl(query_string, keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.request_id = request_id


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Serves APIG, IAM and admin requests for ``self.server.emulator``."""

    protocol_version = "HTTP/1.1"
    server_version = "api-gateway"
    timeout = 120  # idle keep-alive connections are dropped after this; stop() drops them at once

    def handle(self):
        """Finish the TLS handshake here, in the connection's own thread, not in the accept loop."""
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                LOG.debug("TLS handshake with %s failed: %s", self.client_address, exc)
                return
        try:
            super().handle()
        except OSError as exc:
            LOG.debug("connection with %s ended: %s", self.client_address, exc)

    def setup(self):
        super().setup()
        self._entry = None
        self._extra_headers = {}
        self._request_id = uuid.uuid4().hex
        self._request_id_header = "X-Request-Id"
        self.server.track(self.connection)
        try:
            self.connection.setsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
            )  # headers and body are separate writes
        except OSError:
            pass

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.untrack(self.connection)

    def version_string(self):
        """``Server: api-gateway``, as the real gateway answers (no Python version)."""
        return self.server_version

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Route http.server's access log to logging instead of stderr."""
        LOG.debug("%s %s", self.address_string(), format % args)

    def do_GET(self):
        """All methods share one dispatcher; routes decide what is allowed."""
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    # -- request flow -------------------------------------------------------

    def _dispatch(self):
        emulator = self.server.emulator
        arrival = time.time()
        self._entry = None
        self._extra_headers = {}
        self._request_id = uuid.uuid4().hex
        self._request_id_header = "X-Request-Id"
        target = self.path.split("#", 1)[0]
        raw_path, _sep, query_string = target.partition("?")
        body, body_error = b"", None
        try:
            body = self._read_body()
        except errors.ApigError as exc:
            body_error = exc
            self.close_connection = True  # the rest of the body is unread; this connection cannot be reused
        if raw_path.startswith(ADMIN_PREFIX):
            if body_error is not None:
                self._send_json(body_error.status, body_error.body(), body_error.headers)
            else:
                self._admin(raw_path[len(ADMIN_PREFIX) :].strip("/"), body)
            return
        request = Request(self.command, raw_path, query_string, self.headers, body, self._request_id)
        is_iam = raw_path.rstrip("/") == IAM_TOKENS_PATH
        self._request_id_header = "X-IAM-Trace-Id" if is_iam else "X-Request-Id"
        self._entry = emulator.log.record(
            {
                "method": self.command,
                "path": raw_path,
                "query": dict(request.query),
                "headers": dict(self.headers.items()),
                "body": body.decode("utf-8", "replace"),
                "status": None,
                "auth_mode": "iam" if is_iam else attempted_mode(self.headers),
                "time": arrival,
                "request_id": self._request_id,
                "error_code": None,
                "fault": None,
                "detail": None,
            }
        )
        if body_error is not None:
            emulator.log.complete(self._entry, error_code=body_error.code, detail=body_error.detail)
            self._send_json(body_error.status, body_error.body(), body_error.headers)
            return
        fault = emulator.faults.take(self.command, raw_path)
        if fault is not None:
            emulator.log.complete(self._entry, fault=fault.label())
            self._extra_headers = dict(fault.headers)
            if fault.retry_after_date_in is not None:
                self._extra_headers["Retry-After"] = email.utils.formatdate(
                    int(arrival) + fault.retry_after_date_in, usegmt=True
                )
            if fault.delay and emulator.stop_event.wait(fault.delay):
                self.close_connection = True
                return
            if fault.answers:
                self._answer_fault(fault)
                return
        self._answer(request, is_iam)

    def _answer(self, request, is_iam):
        latency = self.server.emulator.config.latency
        if latency and self.server.emulator.stop_event.wait(latency):
            self.close_connection = True
            return
        try:
            status, payload, headers = self._iam(request) if is_iam else self._apig(request)
        except (errors.ApigError, errors.IamError) as exc:
            status, payload, headers = exc.status, exc.body(self.server.emulator.config.error_style), exc.headers
            self.server.emulator.log.complete(
                self._entry, error_code=getattr(exc, "code", None), detail=getattr(exc, "detail", None)
            )
        except Exception as exc:  # the emulator must answer 500 like APIG, not drop the connection
            LOG.exception("emulator bug while answering %s %s", request.method, request.raw_path)
            error = errors.system_error(repr(exc))
            status, payload, headers = error.status, error.body(self.server.emulator.config.error_style), error.headers
            self.server.emulator.log.complete(self._entry, error_code=error.code, detail=error.detail)
        self._send_json(status, payload, headers)

    def _iam(self, request):
        if request.method != "POST":
            raise errors.IamError(405, "The method is not allowed for the requested URL.", headers={"Allow": "POST"})
        emulator = self.server.emulator
        return iam.issue_token(emulator.config, emulator.tokens, request.body, time.time())

    def _apig(self, request):
        emulator = self.server.emulator
        service_route = services.match_route(request.raw_path)  # VPC and ECS, on the same URL (services.py)
        if service_route is not None:
            status, payload = services.answer(emulator, request, service_route)
            return status, payload, {}
        throttle = emulator.config.throttle
        if emulator.throttle is not None and not emulator.throttle.admit():
            raise errors.throttled(throttle.max_requests_per_second, throttle.retry_after)
        route = apig.match_route(request.raw_path)
        if route is None:
            raise errors.api_not_found(request.raw_path)
        name, methods, params = route
        if request.method not in methods:
            raise errors.method_not_allowed(methods)
        emulator.authenticator.authenticate(request, params["project_id"])
        status, payload = apig.answer(name, emulator.config, emulator.checker, request, params, emulator.gateway)
        return status, payload, {}

    # -- reading ------------------------------------------------------------

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            raise errors.bad_request("Content-Length %r" % length)
        size = int(length)
        if size > MAX_BODY:
            raise errors.body_too_large(MAX_BODY)
        return self._read_exact(size)

    def _read_exact(self, size):
        data = self.rfile.read(size) if size else b""
        if len(data) != size:
            raise ConnectionError("client closed the connection before sending the whole body")
        return data

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise errors.bad_request("bad chunk size line %r" % line) from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise errors.body_too_large(MAX_BODY)
            parts.append(self._read_exact(size))
            self.rfile.readline(1024)

    # -- writing ------------------------------------------------------------

    def _head(self, status, content_type, length, headers=None):
        """Status line and headers (always the request id), without the body."""
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header(self._request_id_header, self._request_id)
        for name, value in list((headers or {}).items()) + list(self._extra_headers.items()):
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self._entry is not None:
            self.server.emulator.log.complete(self._entry, status=status)

    def _send_raw(self, status, data, content_type=JSON_TYPE, headers=None):
        self._head(status, content_type if data else None, len(data), headers)
        if data:
            self.wfile.write(data)

    def _send_json(self, status, payload, headers=None):
        self._send_raw(status, json.dumps(payload).encode("utf-8"), JSON_TYPE, headers)

    # -- faults -------------------------------------------------------------

    def _fault_content(self, fault):
        if fault.error_code is not None:
            message = fault.error_msg if fault.error_msg is not None else "Injected fault"
            return json.dumps({"error_code": fault.error_code, "error_msg": message}).encode("utf-8")
        if fault.body is not None:
            return fault.body.encode("utf-8")
        return b""

    def _answer_fault(self, fault):
        if fault.error_code is not None:
            self.server.emulator.log.complete(self._entry, error_code=fault.error_code)
        if fault.action == "hang":
            self._hang()
            return
        status = fault.status or 200
        content_type = fault.content_type or JSON_TYPE
        if fault.action in ("reset", "truncate"):
            self._broken_answer(fault, status, content_type)
        elif fault.body_size is not None:
            self._head(status, content_type, fault.body_size)
            for piece in filler_chunks(fault.body_size):
                self.wfile.write(piece)
        else:
            content = self._fault_content(fault)
            self._send_raw(status, content, content_type if content else None)

    def _broken_answer(self, fault, status, content_type):
        """Promise a full body, send half of it, then close: with RST (reset) or FIN (truncate)."""
        if fault.body_size is not None:
            declared = fault.body_size
        else:
            content = self._fault_content(fault) or b"".join(filler_chunks(PARTIAL_DEFAULT))
            declared = len(content)
        self.close_connection = True
        self._head(status, content_type, declared)
        sent = 0
        for piece in filler_chunks(declared) if fault.body_size is not None else [content]:
            piece = piece[: max(0, declared // 2 - sent)]
            if not piece:
                break
            self.wfile.write(piece)
            sent += len(piece)
        self.wfile.flush()
        if fault.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # drop makefile's reference so close() really closes and sends RST now
            self.connection.close()

    def _hang(self):
        """Never answer: wait until the client gives up or the emulator stops."""
        self.close_connection = True
        emulator = self.server.emulator
        while not emulator.stop_event.is_set():
            try:
                readable, _w, _x = select.select([self.connection], [], [], 0.1)
                if readable and not self.connection.recv(4096):
                    return
            except ssl.SSLWantReadError:
                continue
            except (OSError, ValueError):
                return

    # -- admin --------------------------------------------------------------

    def _admin(self, route, body):
        emulator = self.server.emulator
        method = self.command
        steered = dataplane_admin.answer(emulator, method, route, body)  # the clock and the echo backends
        if steered is not None:
            self._send_json(*steered)
            return
        if route == "health" and method == "GET":
            self._send_json(
                200, {"status": "ok", "url": emulator.url, "pid": os.getpid(), "requests": len(emulator.log)}
            )
        elif route == "requests" and method == "GET":
            self._send_json(200, emulator.requests)
        elif route == "requests" and method == "DELETE":
            emulator.clear_requests()
            self._send_json(200, {"cleared": True})
        elif route == "faults" and method == "GET":
            self._send_json(200, emulator.faults.pending())
        elif route == "faults" and method == "POST":
            self._admin_add_fault(body)
        elif route == "faults" and method == "DELETE":
            emulator.clear_faults()
            self._send_json(200, {"cleared": True})
        elif route in ("health", "requests", "faults"):
            self._send_json(405, {"error": "method %s not allowed on /_emulator/%s" % (method, route)})
        else:
            self._send_json(404, {"error": "unknown admin endpoint /_emulator/%s" % route})

    def _admin_add_fault(self, body):
        try:
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict):
                raise FaultError("the body must be a JSON object")
            unknown = sorted(set(data) - {"path_regex", "method", "responses"})
            if unknown:
                raise FaultError("unknown key(s) %s" % ", ".join(unknown))
            rule_id = self.server.emulator.add_fault(
                data.get("path_regex"), data.get("responses"), method=data.get("method")
            )
        except (UnicodeDecodeError, ValueError) as exc:  # FaultError is a ValueError, as is bad JSON
            self._send_json(400, {"error": str(exc)})
            return
        self._send_json(201, {"id": rule_id})
