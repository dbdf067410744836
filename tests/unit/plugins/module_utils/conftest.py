# Copyright (c) hwcloud.apig developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real loopback backends for probe tests: open, closed, SYN-dropping, HTTP(S), RST.

Everything binds to 127.0.0.1 or ::1 only; nothing here sends a packet
anywhere else.  The plain classes are also imported by the playbook-level
integration test, which runs the same kinds of backends for ansible-playbook.
"""

import datetime
import ipaddress
import os
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

LOOPBACK = "127.0.0.1"


def ipv6_loopback_available():
    """True when ::1 can be bound (some containers have no IPv6 at all)."""
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    try:
        sock.bind(("::1", 0))
        return True
    except OSError:
        return False
    finally:
        sock.close()


def closed_port(host=LOOPBACK):
    """A port that was just bound and closed: connecting is refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


class OpenListener:
    """Accepts every connection and closes it at once (a TCP-only backend)."""

    def __init__(self, host=LOOPBACK, port=0, backlog=1024):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(backlog)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="open-listener", daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stopping:
            try:
                conn, _dummy = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    @property
    def target(self):
        return "[%s]:%d" % (self.host, self.port) if ":" in self.host else "%s:%d" % (self.host, self.port)

    def close(self):
        self._stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)


class BlackholeListener:
    """A port whose SYNs are dropped, so connecting times out.

    listen(0) with the accept queue filled by one connection that is never
    accepted: the kernel drops further SYNs.  ``__init__`` proves it with a
    short connect, so a platform that behaves otherwise fails loudly here
    rather than making a timeout test pass for the wrong reason.
    """

    def __init__(self, host=LOOPBACK):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(0)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self._fillers = []
        for _dummy in range(4):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.settimeout(0.2)
            try:
                probe.connect((host, self.port))
            except (socket.timeout, TimeoutError):
                probe.close()
                break
            self._fillers.append(probe)
        else:
            self.close()
            raise RuntimeError("accept queue of a listen(0) socket never filled; cannot make a SYN-dropping port")

    @property
    def target(self):
        return "%s:%d" % (self.host, self.port)

    def close(self):
        for filler in self._fillers:
            filler.close()
        self.sock.close()


class ResetServer:
    """Accepts, reads what the client sends (briefly), then answers with a RST."""

    def __init__(self, host=LOOPBACK):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="reset-server", daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _dummy = self.sock.accept()
            except OSError:
                return
            conn.settimeout(0.5)
            try:
                conn.recv(65536)
            except OSError:
                pass
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    @property
    def target(self):
        return "%s:%d" % (self.host, self.port)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)


class LateListener:
    """A port that refuses connections until ``delay`` seconds have passed."""

    def __init__(self, delay, host=LOOPBACK):
        self.host = host
        self.port = closed_port(host)
        self.listener = None
        self._timer = threading.Timer(delay, self._open)
        self._timer.daemon = True
        self._timer.start()

    def _open(self):
        self.listener = OpenListener(self.host, self.port)

    @property
    def target(self):
        return "%s:%d" % (self.host, self.port)

    def close(self):
        self._timer.cancel()
        self._timer.join(5)
        if self.listener is not None:
            self.listener.close()


class _Handler(BaseHTTPRequestHandler):
    """Routes: ``/status/<code>``, ``/body/<text>``, ``/slow/<seconds>``, anything else 200."""

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

    def __init__(self, address, family, ssl_context):
        self.address_family = family
        self.ssl_context = ssl_context
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.requests = []
        ThreadingHTTPServer.__init__(self, address, _Handler)

    def finish_request(self, request, client_address):
        # Handshake in the request's own thread, so one bad client never
        # stalls the accept loop.
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
    """A real http.server on loopback; HTTPS when given a server SSLContext.

    ``max_active`` counts requests being handled at once: a client can have at
    least that many sockets in flight, so it bounds concurrency from below.
    """

    def __init__(self, host=LOOPBACK, ssl_context=None):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.server = _Server((host, 0), family, ssl_context)
        self.host = host
        self.port = self.server.server_address[1]
        self.scheme = "https" if ssl_context is not None else "http"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="http-backend", daemon=True
        )
        self._thread.start()

    @property
    def hostport(self):
        return "[%s]:%d" % (self.host, self.port) if ":" in self.host else "%s:%d" % (self.host, self.port)

    def url(self, path="/"):
        return "%s://%s%s" % (self.scheme, self.hostport, path)

    @property
    def max_active(self):
        return self.server.max_active

    @property
    def requests(self):
        return self.server.requests

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


class TlsMaterial:
    """A throw-away CA, and certificates it signs, written as PEM files."""

    def __init__(self, directory):
        # Imported here so only tests that need certificates need cryptography.
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._x509, self._hashes, self._serialization, self._ec, self._oid = x509, hashes, serialization, ec, NameOID
        self.directory = str(directory)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hwcloud.apig test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_path = self._write("ca.pem", self.ca_cert.public_bytes(serialization.Encoding.PEM))

    def _write(self, name, data):
        path = os.path.join(self.directory, name)
        with open(path, "wb") as handle:
            handle.write(data)
        return path

    def issue(self, name, names=("localhost", "127.0.0.1", "::1"), days_valid=30, expired=False):
        """Sign a server certificate; returns ``(cert_path, key_path, not_after)``."""
        x509, hashes, serialization = self._x509, self._hashes, self._serialization
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        if expired:
            not_before, not_after = now - datetime.timedelta(days=30), now - datetime.timedelta(days=2)
        else:
            not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=days_valid)
        alt_names = []
        for alt in names:
            try:
                alt_names.append(x509.IPAddress(ipaddress.ip_address(alt)))
            except ValueError:
                alt_names.append(x509.DNSName(alt))
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(self._oid.COMMON_NAME, names[0])]))
            .issuer_name(self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()), critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        cert_path = self._write("%s.pem" % name, cert.public_bytes(serialization.Encoding.PEM))
        key_path = self._write(
            "%s.key" % name,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
        return cert_path, key_path, not_after

    def server_context(self, name, **kwargs):
        """A server-side SSLContext with a freshly issued certificate."""
        cert_path, key_path, _dummy = self.issue(name, **kwargs)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context


def open_fd_count():
    """Descriptors this process holds now (Linux /proc)."""
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory):
    return TlsMaterial(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def open_listener():
    listener = OpenListener()
    yield listener
    listener.close()


@pytest.fixture
def blackhole():
    listener = BlackholeListener()
    yield listener
    listener.close()


@pytest.fixture
def reset_server():
    server = ResetServer()
    yield server
    server.close()


@pytest.fixture
def http_backend():
    backend = HttpBackend()
    yield backend
    backend.close()


@pytest.fixture
def https_backend(tls_material):
    backend = HttpBackend(ssl_context=tls_material.server_context("https-backend"))
    yield backend
    backend.close()
