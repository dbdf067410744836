# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the emulated gateway reaches a backend: which one, at which address, and the real HTTP exchange with it.

For a request already matched to an API and an environment:

1. the backend: the first policy whose conditions hold (conditions.py), else the API's main backend;
2. its address: ``url_domain`` with the environment's ``#name#`` variables filled in, or the next member of the VPC
   channel in turn (round robin over the members the gateway may use: status 1, not unhealthy, with an address;
   backup members only when no other is left; a member without its own port is served on the channel's);
3. the name resolved through the config's ``hosts`` table only, never DNS (``localhost`` is built in);
4. a real TCP connection (TLS for an HTTPS backend, certificates not verified, as APIG does by default), the
   request sent, the answer read - all within the API's ``backend.timeout`` (ms).

Every way this can fail is a GatewayError (gateway_errors.py). To keep every test on the loopback interface, an
address outside 127.0.0.0/8 and ::1 is never connected to: it is answered as an unavailable backend at once.
"""

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time

from tests.emulator import gateway_errors
from tests.emulator.addresses import VARIABLE_RE, parse_backend_address
from tests.emulator.paths import fill
from tests.loopback.sockets import is_ip_literal, is_loopback

HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    )
)
MAX_ANSWER = 32 * 1024 * 1024  # the most of a backend's body the emulator relays; beyond, the backend is "unavailable"


class Endpoint:
    """Where one request goes: the host as configured, its port, the address connected to, HTTP or HTTPS."""

    def __init__(self, host, port, address, protocol):
        self.host = host
        self.port = port
        self.address = address
        self.protocol = protocol

    @property
    def host_header(self):
        """``host:port`` (IPv6 bracketed), the Host the backend is sent."""
        return "[%s]:%d" % (self.host, self.port) if ":" in self.host else "%s:%d" % (self.host, self.port)


class BackendAnswer:
    """What the backend answered, and when its headers arrived (``headers_at``, monotonic seconds)."""

    def __init__(self, status, reason, headers, body, started_at, headers_at):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.started_at = started_at
        self.headers_at = headers_at


def substitute(text, variables):
    """``text`` with each ``#name#`` replaced by the environment's value (left as written when it has none)."""
    return VARIABLE_RE.sub(lambda found: variables.get(found.group(0)[1:-1], found.group(0)), text)


def choose_backend(definition, query, headers, path_params):
    """``(policy name or None, Backend)``: the first policy whose conditions hold, else the main backend."""
    for policy_id, name, backend in definition.policies:
        conditions = definition.conditions.get(policy_id)
        if conditions is not None and conditions.hold(query, headers, path_params):
            return name, backend
    return None, definition.backend


def backend_target(backend, variables, path_params, query_string):
    """The request target sent to the backend: its ``req_uri`` with path parameters and variables filled in."""
    path = substitute(fill(backend.req_uri, path_params), variables)
    return path + ("?" + query_string if query_string else "")


def forwarded_headers(headers, endpoint, request_id, client_address):
    """The request's headers as the backend gets them: hop-by-hop ones dropped, Host the backend's own."""
    kept = [(name, value) for name, value in headers if name.lower() not in HOP_BY_HOP]
    return [
        ("Host", endpoint.host_header),
        *kept,
        ("X-Request-Id", request_id),
        ("X-Forwarded-For", client_address),
    ]


class Forwarder:
    """Picks endpoints (remembering each channel's turn) and makes the exchange with a backend."""

    def __init__(self, hosts):
        self.hosts = {name.lower(): list(addresses) for name, addresses in hosts.items()}
        self._turns = {}
        self._lock = threading.Lock()

    def resolve(self, host):
        """The address to connect to for ``host``: itself if an IP literal, else from the ``hosts`` table."""
        if is_ip_literal(host):
            return host
        addresses = self.hosts.get(host.lower().rstrip("."))
        if not addresses:
            raise gateway_errors.name_not_resolved("%s is not in the emulator's hosts table" % host)
        return addresses[0]

    def endpoint(self, backend, channels, variables):
        """The Endpoint a backend's next request goes to."""
        if backend.vpc_channel is not None:
            host, port = self._next_member(channels[backend.vpc_channel])
        else:
            text = substitute(backend.url_domain, variables)
            try:
                host, port = parse_backend_address(text)
            except ValueError as exc:
                raise gateway_errors.name_not_resolved("%r: %s" % (text, exc)) from None
            if backend.req_protocol == "HTTPS" and not re.search(r":[0-9]+$", text):
                port = 443  # no port given: 443 for HTTPS (parse_backend_address assumes 80)
        return Endpoint(host, port, self.resolve(host), backend.req_protocol)

    def _next_member(self, channel):
        """The next usable member of ``channel``, in turn; APIG.0610 when there is none."""
        servers = channel.members if channel.kind == "builtin" else channel.instances
        usable = [
            server
            for server in servers
            if server.host and server.status == 1 and server.health_status != "unhealthy" and server.weight > 0
        ]
        primary = [server for server in usable if not server.is_backup]
        pool = primary or usable
        if not pool:
            raise gateway_errors.no_backend_available("channel %s has no usable member" % channel.id)
        with self._lock:
            turn = self._turns.get(channel.id, 0)
            self._turns[channel.id] = turn + 1
        member = pool[turn % len(pool)]
        return member.host, member.port or channel.port

    def exchange(self, endpoint, method, target, headers, body, timeout):
        """Send the request to ``endpoint`` over a real socket and read the answer, all within ``timeout`` s."""
        if not is_loopback(endpoint.address):
            raise gateway_errors.backend_unavailable(
                "%s is outside the loopback interface; the emulator never connects there" % endpoint.address
            )
        started = time.monotonic()
        deadline = started + timeout
        family = socket.AF_INET6 if ipaddress.ip_address(endpoint.address).version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            try:
                sock.connect((endpoint.address, endpoint.port))
            except socket.timeout:
                raise gateway_errors.connect_timeout("connect to %s timed out" % endpoint.host_header) from None
            except OSError as exc:
                raise gateway_errors.backend_unavailable("connect to %s: %s" % (endpoint.host_header, exc)) from None
            if endpoint.protocol == "HTTPS":
                sock = self._tls(sock, endpoint, deadline)
            return self._http(sock, endpoint, method, target, headers, body, started, deadline)
        finally:
            sock.close()

    @staticmethod
    def _remaining(deadline):
        return max(deadline - time.monotonic(), 0.001)

    def _tls(self, sock, endpoint, deadline):
        """TLS for an HTTPS backend, unverified as APIG's default; a failed handshake is a protocol mismatch (APIG.0202)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock.settimeout(self._remaining(deadline))
        try:
            return context.wrap_socket(sock, server_hostname=None if is_ip_literal(endpoint.host) else endpoint.host)
        except socket.timeout:
            raise gateway_errors.backend_timeout("TLS handshake with %s timed out" % endpoint.host_header) from None
        except (ssl.SSLError, OSError) as exc:
            raise gateway_errors.protocol_mismatch("TLS with %s: %s" % (endpoint.host_header, exc)) from None

    def _http(self, sock, endpoint, method, target, headers, body, started, deadline):
        """Send the request and read the answer; a timeout after connecting is APIG.0203, a broken exchange APIG.0201."""
        connection = http.client.HTTPConnection(endpoint.address, endpoint.port)
        connection.sock = sock  # already connected: http.client never resolves or connects by itself here
        try:
            sock.settimeout(self._remaining(deadline))
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            headers_at = time.monotonic()
            sock.settimeout(self._remaining(deadline))
            content = response.read(MAX_ANSWER + 1)
        except socket.timeout:
            raise gateway_errors.backend_timeout("%s did not answer in time" % endpoint.host_header) from None
        except (http.client.HTTPException, OSError) as exc:
            raise gateway_errors.backend_unavailable("exchange with %s: %r" % (endpoint.host_header, exc)) from None
        finally:
            connection.sock = None
        if len(content) > MAX_ANSWER:
            raise gateway_errors.backend_unavailable(
                "%s answered more than %d bytes" % (endpoint.host_header, MAX_ANSWER)
            )
        kept = [(name, value) for name, value in response.getheaders() if name.lower() not in HOP_BY_HOP]
        return BackendAnswer(response.status, response.reason, kept, content, started, headers_at)
