# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real HTTP(S) server on loopback, with routes that produce each answer an HTTP probe must judge.

Routes: ``/status/<code>`` answers that status, ``/body/<text>`` that body, ``/slow/<seconds>`` answers after a
delay, ``/big`` sends 1 MiB of padding before the word ``needle``; anything else is 200 ``hello from the
backend``. ``requests`` logs ``(method, path, headers)``; ``max_active`` is the most requests handled at once.
"""

import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.loopback.sockets import LOOPBACK, family_of, format_address, is_loopback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def _answer(self, send_body):
        server = self.server
        with server.lock:
            server.active += 1
            server.max_active = max(server.max_active, server.active)
            server.requests.append((self.command, self.path, dict(self.headers)))
        try:
            parts = self.path.split("?", 1)[0].strip("/").split("/")
            status, body = 200, b"hello from the backend\n"
            if parts[0] == "status" and len(parts) > 1:
                status, body = int(parts[1]), ("status %s\n" % parts[1]).encode()
            elif parts[0] == "body" and len(parts) > 1:
                body = parts[1].encode()
            elif parts[0] == "big":
                body = b"x" * (1024 * 1024) + b"needle"
            elif parts[0] == "slow" and len(parts) > 1:
                time.sleep(float(parts[1]))
        finally:
            with server.lock:
                server.active -= 1
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if send_body:
            try:
                self.wfile.write(body)
            except OSError:
                pass

    def do_GET(self):  # pylint: disable=invalid-name
        self._answer(True)

    def do_HEAD(self):  # pylint: disable=invalid-name
        self._answer(False)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address, ssl_context):
        self.address_family = family_of(address[0])
        self.ssl_context = ssl_context
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.requests = []
        ThreadingHTTPServer.__init__(self, address, _Handler)

    def server_bind(self):
        """Bind without HTTPServer's reverse DNS lookup of the address (no traffic off loopback)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        # The TLS handshake in the request's own thread, so one bad client never stalls the accept loop.
        if self.ssl_context is not None:
            try:
                request.settimeout(5)
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                return
        ThreadingHTTPServer.finish_request(self, request, client_address)

    def handle_error(self, request, client_address):
        pass


class HttpBackend:
    """A real http.server on ``host`` (loopback only); HTTPS when given a server-side SSLContext.

    ``max_active`` counts requests being handled at once: a client can have at least that many sockets in flight,
    so it bounds the client's concurrency from below.
    """

    def __init__(self, host=LOOPBACK, ssl_context=None):
        if not is_loopback(host):
            raise ValueError("test backends bind loopback addresses only, not %r" % (host,))
        self.server = _Server((host, 0), ssl_context)
        self.host = host
        self.port = self.server.server_address[1]
        self.scheme = "https" if ssl_context is not None else "http"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="http-backend", daemon=True
        )
        self._thread.start()

    @property
    def address(self):
        """``host:port`` (IPv6 bracketed)."""
        return format_address(self.host, self.port)

    def url(self, path="/"):
        """``http(s)://host:port`` followed by ``path``."""
        return "%s://%s%s" % (self.scheme, self.address, path)

    @property
    def max_active(self):
        return self.server.max_active

    @property
    def requests(self):
        """``(method, path, headers)`` of every request, in arrival order."""
        return self.server.requests

    def close(self):
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return "<HttpBackend %s>" % self.url("")
