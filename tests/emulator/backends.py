"""Loopback stand-ins for backends: one that answers, one that refuses, one that never answers.

These are the three things a connectivity check can meet, produced for real
on 127.0.0.1 so that both the emulator's check and the collection's local
probes see genuine socket behaviour:

* ``OpenListener``: accepts connections (optionally answering HTTP, optionally over TLS);
* ``ClosedPort``: a port bound but not listening, so connecting is refused at once
  (kept bound, so no other process can grab the port while a test uses it);
* ``BlackholeListener``: ``listen(0)`` with its accept queue filled by connections
  it never accepts, so further SYNs are dropped and a connect times out.

Each has ``host``, ``port``, ``address`` (``"127.0.0.1:PORT"``) and ``close()``,
and is a context manager.
"""

import socket
import threading
import time

from tests.emulator.addresses import format_address

LOOPBACK = "127.0.0.1"


class _Endpoint:
    """Common address bookkeeping and context-manager support."""

    host = LOOPBACK
    port = 0

    @property
    def address(self):
        """``host:port`` as APIG would write it in ``failures``."""
        return format_address(self.host, self.port)

    def close(self):
        """Release the port (subclasses override)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.address)


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class OpenListener(_Endpoint):
    """A listener that accepts every connection.

    With ``http=True`` it reads one request per connection and answers
    ``status`` with ``body``; otherwise it holds the connection until the
    peer closes it (or ``hold`` seconds pass), like a silent TCP service.
    ``ssl_context`` (a server-side ``ssl.SSLContext``) serves TLS on top.
    ``accepted`` counts connections, so a test can prove a probe really came.
    """

    def __init__(self, http=False, body=b"ok", status=200, host=LOOPBACK, port=0, ssl_context=None, hold=5.0):
        self.host = host
        self.http = http
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.status = status
        self.ssl_context = ssl_context
        self.hold = hold
        self.accepted = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._sock = socket.socket(_family(host), socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="open-listener-%d" % self.port, daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self._closed.is_set():
            try:
                conn, _peer = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            conn.settimeout(self.hold)
            if self.ssl_context is not None:
                conn = self.ssl_context.wrap_socket(conn, server_side=True)
            if self.http:
                self._answer_http(conn)
            else:
                while not self._closed.is_set() and conn.recv(4096):
                    pass
        except OSError:
            pass
        finally:
            conn.close()

    def _answer_http(self, conn):
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        head = "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (
            self.status,
            "OK" if self.status < 400 else "Error",
            len(self.body),
        )
        conn.sendall(head.encode("ascii") + (b"" if data.startswith(b"HEAD ") else self.body))

    def close(self):
        """Stop accepting and release the port."""
        self._closed.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() at once
        except OSError:
            pass
        self._sock.close()
        self._thread.join(timeout=2)


class ClosedPort(_Endpoint):
    """A port nobody listens on: connecting to it is refused (RST) immediately."""

    def __init__(self, host=LOOPBACK, port=0):
        self.host = host
        self._sock = socket.socket(_family(host), socket.SOCK_STREAM)
        self._sock.bind((host, port))  # bound, never listening: the port stays ours and refuses connections
        self.port = self._sock.getsockname()[1]

    def close(self):
        """Release the port."""
        self._sock.close()


def closed_port(host=LOOPBACK, port=0):
    """A ``ClosedPort`` (function form, reads naturally in tests)."""
    return ClosedPort(host, port)


class BlackholeListener(_Endpoint):
    """A listener whose accept queue is full, so new connections time out instead of failing fast.

    The constructor fills the queue and then proves the effect: a further
    connect must time out within ``probe_timeout``, else RuntimeError.
    """

    def __init__(self, host=LOOPBACK, port=0, probe_timeout=0.3, max_fill=16):
        self.host = host
        self._fillers = []
        self._sock = socket.socket(_family(host), socket.SOCK_STREAM)
        self._sock.bind((host, port))
        self._sock.listen(0)
        self.port = self._sock.getsockname()[1]
        try:
            self._fill(probe_timeout, max_fill)
        except Exception:
            self.close()
            raise

    def _fill(self, probe_timeout, max_fill):
        for _attempt in range(max_fill):
            client = socket.socket(_family(self.host), socket.SOCK_STREAM)
            client.settimeout(probe_timeout)
            started = time.monotonic()
            try:
                client.connect((self.host, self.port))
            except socket.timeout:
                client.close()
                if time.monotonic() - started >= probe_timeout * 0.9:
                    return  # the queue is full: SYNs are being dropped
                raise RuntimeError("connect to %s gave up early instead of timing out" % self.address) from None
            except OSError as exc:
                client.close()
                raise RuntimeError("cannot fill the accept queue of %s: %s" % (self.address, exc)) from None
            self._fillers.append(client)
        raise RuntimeError("the accept queue of %s never filled after %d connections" % (self.address, max_fill))

    def close(self):
        """Drop the queued connections and the listener."""
        for client in self._fillers:
            client.close()
        del self._fillers[:]
        self._sock.close()


KINDS = {
    "open": lambda port: OpenListener(port=port),
    "http": lambda port: OpenListener(http=True, port=port),
    "closed": lambda port: ClosedPort(port=port),
    "blackhole": lambda port: BlackholeListener(port=port),
}


def start_backend(kind, port=0):
    """Start a helper of the given kind (``open``, ``http``, ``closed``, ``blackhole``); port 0 lets the kernel pick."""
    return KINDS[kind](port)
