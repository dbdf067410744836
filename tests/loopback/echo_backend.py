# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An HTTP backend whose answer a test sets, and changes while traffic flows: "now start answering 500s".

By default it echoes each request as JSON - ``{"backend", "method", "path", "query", "headers", "body"}`` - so a
test sees what the gateway forwarded (path with its parameters filled in, query, headers). ``configure()`` replaces
that with a fixed ``status``, ``body`` (or ``body_size`` bytes of filler), extra ``headers`` and a ``latency_ms``
before answering; ``reset()`` returns to echoing. Every method is answered (the gateway forwards them all), and
``requests`` logs what arrived. The emulator starts these for ``backends: {name: {kind: echo, ...}}`` and lets
tests and playbooks reconfigure them over ``POST /_emulator/backends/<name>``.
"""

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.loopback.sockets import LOOPBACK, family_of, format_address, is_loopback

SETTINGS = ("status", "body", "body_size", "headers", "latency_ms")
MAX_BODY = 16 * 1024 * 1024


class SettingsError(ValueError):
    """A setting of the echo backend has the wrong type or range."""


def validated_settings(settings):
    """The settings, checked: unknown keys, wrong types and ranges raise SettingsError (a ValueError)."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise SettingsError("unknown setting(s) %s (allowed: %s)" % (", ".join(unknown), ", ".join(SETTINGS)))
    checked = {}
    for key, value in settings.items():
        if value is None:
            checked[key] = None
        elif key == "status" and not (isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599):
            raise SettingsError("status must be an integer within 100-599")
        elif key == "body" and not isinstance(value, str):
            raise SettingsError("body must be a string")
        elif key == "body_size" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            raise SettingsError("body_size must be an integer >= 0")
        elif key == "headers" and not (
            isinstance(value, dict)
            and all(isinstance(k, str) and isinstance(v, str) and "\n" not in k + v for k, v in value.items())
        ):
            raise SettingsError("headers must map names to strings")
        elif key == "latency_ms" and not (
            isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 600000
        ):
            raise SettingsError("latency_ms must be a number within 0-600000")
        else:
            checked[key] = value
    if checked.get("body") is not None and checked.get("body_size") is not None:
        raise SettingsError("body and body_size are alternatives, give one")
    return checked


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "echo-backend"

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            return b""
        return self.rfile.read(min(int(length), MAX_BODY))

    def _answer(self):
        """Log the request, take the settings in force at that moment, wait ``latency_ms``, answer."""
        backend = self.server.backend
        body = self._read_body()
        path, _sep, query = self.path.partition("?")
        seen = {
            "backend": backend.name,
            "method": self.command,
            "path": path,
            "query": query,
            "headers": dict(self.headers.items()),
            "body": body.decode("utf-8", "replace"),
        }
        settings = backend.record(seen)
        if settings["latency_ms"] and backend.closed.wait(settings["latency_ms"] / 1000.0):
            self.close_connection = True
            return
        status = settings["status"] or 200
        if settings["body_size"] is not None:
            content = b"x" * settings["body_size"]
            content_type = "text/plain"
        elif settings["body"] is not None:
            content = settings["body"].encode("utf-8")
            content_type = "application/json" if settings["body"][:1] in ("{", "[") else "text/plain"
        else:
            content = json.dumps(seen).encode("utf-8")
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        for name, value in (settings["headers"] or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address, backend):
        self.address_family = family_of(address[0])
        self.backend = backend
        ThreadingHTTPServer.__init__(self, address, _Handler)

    def server_bind(self):
        """Bind without HTTPServer's reverse DNS lookup of the address (no traffic off loopback)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        pass


class EchoBackend:
    """A real HTTP server on loopback that echoes requests, or answers what ``configure()`` last set."""

    def __init__(self, host=LOOPBACK, port=0, name="echo", **settings):
        if not is_loopback(host):
            raise ValueError("test backends bind loopback addresses only, not %r" % (host,))
        self.name = name
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._settings = dict.fromkeys(SETTINGS)
        self._settings.update(validated_settings(settings))
        self._requests = []
        self.server = _Server((host, port), self)
        self.host = host
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="echo-backend", daemon=True
        )
        self._thread.start()

    @property
    def address(self):
        """``host:port`` (IPv6 bracketed)."""
        return format_address(self.host, self.port)

    def configure(self, **settings):
        """Change the answer from the next request on (``status``, ``body`` | ``body_size``, ``headers``,
        ``latency_ms``; None clears one); returns the settings now in force."""
        checked = validated_settings(settings)
        with self._lock:
            merged = dict(self._settings, **checked)
            for key, other in (("body", "body_size"), ("body_size", "body")):
                if checked.get(key) is not None:
                    merged[other] = None  # a new body replaces a filler size, and the other way round
            self._settings = merged
            return dict(self._settings)

    def reset(self):
        """Echo again, at once."""
        with self._lock:
            self._settings = dict.fromkeys(SETTINGS)
            return dict(self._settings)

    def settings(self):
        """The settings in force."""
        with self._lock:
            return dict(self._settings)

    def record(self, seen):
        """Log one request; returns the settings it is answered with (taken together, so a change is atomic)."""
        with self._lock:
            self._requests.append(seen)
            return dict(self._settings)

    @property
    def requests(self):
        """What arrived, in order: ``{"backend", "method", "path", "query", "headers", "body"}`` each (copies)."""
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def close(self):
        """Stop serving (a delayed answer is dropped at once) and release the port."""
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return "<EchoBackend %s %s>" % (self.name, self.address)
