# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a TCP connect can meet, made for real on loopback ports.

* ``OpenListener``: accepts every connection. ``on_accept=CLOSE`` closes each one at once, in the accept thread
  (cheap enough for thousands of connects: the scale tests); ``on_accept=HOLD`` (the default) keeps each one open
  in a thread of its own like a silent TCP service, and with ``http=True`` answers one HTTP request, over TLS with
  ``ssl_context``;
* ``ClosedPort``: bound but not listening, so a connect is refused at once - and the port stays ours, so no other
  process can take it while a test relies on the refusal; ``start_listening()`` turns it into an OpenListener on
  the very same port;
* ``LateListener``: a ClosedPort that starts listening after ``delay`` seconds (a backend that comes up late);
* ``BlackholeListener``: ``listen(0)`` with its accept queue filled, so further SYNs are dropped and a connect
  times out; the constructor proves it, or raises;
* ``ResetServer``: reads what the client sends, then answers with a RST;
* ``GarbageServer``: answers anything with bytes that are not HTTP.

``start_backend(kind)`` makes one by the names the emulator's ``backends:`` config uses.
"""

import socket
import struct
import threading
import time

from tests.loopback.sockets import LOOPBACK, bound_socket, family_of, format_address

CLOSE, HOLD = "close", "hold"


class Endpoint:
    """A loopback port: ``host``, ``port``, ``address`` (``host:port``), ``close()``, and a context manager."""

    host = LOOPBACK
    port = 0

    @property
    def address(self):
        """``host:port`` (``[::1]:port`` for IPv6), as APIG writes it in ``failures`` and as targets are given."""
        return format_address(self.host, self.port)

    def close(self):
        """Release the port (subclasses override)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.address)


class _Server(Endpoint):
    """A listening socket and the thread that accepts on it; ``handle(conn)`` says what to do with a connection.

    ``accepted`` counts connections, so a test can prove a probe really came (or that none did).
    """

    threaded = True  # each connection handled in a thread of its own (else in the accept thread, one at a time)

    def __init__(self, host=LOOPBACK, port=0, backlog=1024, sock=None):
        self._sock = sock if sock is not None else bound_socket(host, port, reuse_address=True)
        self.host = host
        self.port = self._sock.getsockname()[1]
        self.accepted = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._sock.listen(backlog)
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(
            target=self._accept_loop, name="%s-%d" % (type(self).__name__, self.port), daemon=True
        )
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
            if self.threaded:
                threading.Thread(target=self._handle_and_close, args=(conn,), daemon=True).start()
            else:
                self._handle_and_close(conn)

    def _handle_and_close(self, conn):
        try:
            self.handle(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def handle(self, conn):
        """Serve one accepted connection; it is closed afterwards."""

    def wait_accepted(self, count, within=2.0):
        """Whether ``count`` connections were accepted, waiting up to ``within`` seconds: the kernel completes a
        handshake before the accept loop counts it, so a client can be done before ``accepted`` moves."""
        deadline = time.monotonic() + within
        while self.accepted < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.accepted >= count

    def close(self):
        """Stop accepting and release the port."""
        self._closed.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept() at once
        except OSError:
            pass
        self._sock.close()
        self._thread.join(timeout=5)


class OpenListener(_Server):
    """A port that accepts every connection; what happens next is ``on_accept``.

    ``CLOSE``: each connection is closed at once (a peer that sends an HTTP request sees FIN or RST, never an
    answer). ``HOLD``: each connection is held until the peer closes it or ``hold`` seconds pass; with ``http=True``
    one request is read and answered with ``status`` and ``body``; ``ssl_context`` (server side) serves TLS first.
    """

    def __init__(
        self,
        host=LOOPBACK,
        port=0,
        on_accept=HOLD,
        http=False,
        body=b"ok",
        status=200,
        ssl_context=None,
        hold=5.0,
        backlog=1024,
        sock=None,
    ):
        if on_accept not in (CLOSE, HOLD):
            raise ValueError("on_accept must be %r or %r, not %r" % (CLOSE, HOLD, on_accept))
        if on_accept == CLOSE and (http or ssl_context is not None):
            raise ValueError("a listener that closes every connection at once cannot answer HTTP or TLS")
        self.on_accept = on_accept
        self.threaded = on_accept == HOLD
        self.http = http
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.status = status
        self.ssl_context = ssl_context
        self.hold = hold
        super().__init__(host, port, backlog, sock)

    def handle(self, conn):
        if self.on_accept == CLOSE:
            return
        conn.settimeout(self.hold)
        if self.ssl_context is not None:
            conn = self.ssl_context.wrap_socket(conn, server_side=True)
        if self.http:
            self._answer_http(conn)
        else:
            while not self._closed.is_set() and conn.recv(4096):
                pass
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


class ClosedPort(Endpoint):
    """A port bound but not listening: a connect is refused (RST) at once, and no other process can take it."""

    def __init__(self, host=LOOPBACK, port=0):
        self.host = host
        self._sock = bound_socket(host, port)
        self.port = self._sock.getsockname()[1]

    def start_listening(self, **options):
        """An OpenListener (``options`` as for it) on this very port, which never is free in between."""
        sock, self._sock = self._sock, None
        if sock is None:
            raise RuntimeError("%r was closed or is listening already" % self)
        return OpenListener(self.host, sock=sock, **options)

    def close(self):
        """Release the port (unless an OpenListener took it over)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def closed_port(host=LOOPBACK, port=0):
    """A ``ClosedPort`` (function form, reads naturally in tests)."""
    return ClosedPort(host, port)


class LateListener(Endpoint):
    """A port that refuses connections for ``delay`` seconds, then accepts them (``options`` as for OpenListener)."""

    def __init__(self, delay, host=LOOPBACK, **options):
        self._closed_port = ClosedPort(host)
        self.host, self.port = host, self._closed_port.port
        self.listener = None
        self._options = options
        self._lock = threading.Lock()
        self._timer = threading.Timer(delay, self._open)
        self._timer.daemon = True
        self._timer.start()

    def _open(self):
        with self._lock:
            if self._closed_port is not None:
                self.listener = self._closed_port.start_listening(**self._options)
                self._closed_port = None

    def close(self):
        """Cancel the opening if it is still to come, and release the port."""
        self._timer.cancel()
        self._timer.join(5)
        with self._lock:
            if self._closed_port is not None:
                self._closed_port.close()
                self._closed_port = None
            if self.listener is not None:
                self.listener.close()


class BlackholeListener(Endpoint):
    """A listener whose accept queue is full, so new connections time out instead of failing fast.

    The constructor fills the queue and then proves the effect: a further connect must time out within
    ``probe_timeout``, else RuntimeError - so a platform that behaves otherwise fails loudly here rather than
    making a timeout test pass for the wrong reason.
    """

    def __init__(self, host=LOOPBACK, port=0, probe_timeout=0.3, max_fill=16):
        self.host = host
        self._fillers = []
        self._sock = bound_socket(host, port)
        self._sock.listen(0)
        self.port = self._sock.getsockname()[1]
        try:
            self._fill(probe_timeout, max_fill)
        except Exception:
            self.close()
            raise

    def _fill(self, probe_timeout, max_fill):
        for _attempt in range(max_fill):
            client = socket.socket(family_of(self.host), socket.SOCK_STREAM)
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


class ResetServer(_Server):
    """Accepts, reads what the client sends (briefly), then answers with a RST."""

    def handle(self, conn):
        conn.settimeout(0.5)
        try:
            conn.recv(65536)
        except OSError:
            pass
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class StaleKeepAliveServer(_Server):
    """Answers the first request of each connection as HTTP/1.1 keeps a connection open (no ``Connection: close``),
    then closes that connection when a second request arrives on it, without a word.

    That is, deterministically, how a connection the other end has closed since its last answer looks to a client
    that reuses it - tinyproxy closes every client connection after its answer without saying so, and any server may
    close an idle one. ``answered`` and ``dropped`` count the requests each way.
    """

    BODY = b'{"id": "stale-keep-alive"}'

    def __init__(self, *args, **kwargs):
        self.answered = 0
        self.dropped = 0
        super().__init__(*args, **kwargs)

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def handle(self, conn):
        conn.settimeout(5)
        reader = conn.makefile("rb")
        for number in (1, 2):
            head = [reader.readline()]
            while head[-1] not in (b"\r\n", b"\n", b""):
                head.append(reader.readline())
            if head[0] == b"":
                return
            length = [line.split(b":", 1)[1] for line in head if line.lower().startswith(b"content-length:")]
            reader.read(int(length[0]) if length else 0)  # all of it: unread bytes would make the close a reset
            if number == 2:
                with self._lock:
                    self.dropped += 1
                return  # closed by _handle_and_close: no answer at all
            with self._lock:  # counted before the answer leaves, so a client that has it sees the count
                self.answered += 1
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(self.BODY), self.BODY)
            )


class GarbageServer(_Server):
    """Answers anything with bytes that are not HTTP (an SSH banner)."""

    def handle(self, conn):
        conn.settimeout(1)
        conn.recv(4096)
        conn.sendall(b"SSH-2.0-OpenSSH_9.0 not http\r\n\r\n")


KINDS = {
    "open": lambda port: OpenListener(port=port),
    "http": lambda port: OpenListener(http=True, port=port),
    "closed": lambda port: ClosedPort(port=port),
    "blackhole": lambda port: BlackholeListener(port=port),
}


def start_backend(kind, port=0):
    """A backend of the given kind (``open``, ``http``, ``closed``, ``blackhole``); port 0 lets the kernel pick."""
    return KINDS[kind](port)
