# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``Emulator``: config + state + a threaded HTTP(S) server on the loopback interface.

Typical use::

    with Emulator(config) as emu:          # or emu = Emulator(config); emu.start(tls=True)
        requests.post(emu.url + "/v3/auth/tokens", json=...)
        assert emu.requests[-1]["status"] == 201

One thread per connection (daemon threads), so injected latency on one
request never delays another; ``stop()`` shuts every open connection down, so
hung fault connections and idle keep-alive clients cannot hold it up.
"""

import logging
import os
import shutil
import socket
import socketserver
import tempfile
import threading
from http.server import ThreadingHTTPServer

from tests.emulator.addresses import format_address
from tests.emulator.auth import Authenticator
from tests.emulator.clock import Clock
from tests.emulator.config import EmulatorConfig
from tests.emulator.dataplane import DataPlaneRequestHandler
from tests.emulator.faults import FaultBook
from tests.emulator.gateway import Gateway
from tests.emulator.handlers import EmulatorRequestHandler
from tests.emulator.reachability import ReachabilityChecker
from tests.emulator.requestlog import RequestLog
from tests.emulator.routing import subdomain
from tests.emulator.throttle import RateLimiter
from tests.emulator.tokens import TokenStore
from tests.loopback.certificates import make_certificates, server_context
from tests.loopback.echo_backend import EchoBackend
from tests.loopback.listeners import start_backend
from tests.loopback.sockets import is_loopback

LOG = logging.getLogger("tests.emulator")


class EmulatorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that wraps TLS lazily and can drop every open connection."""

    daemon_threads = True
    request_queue_size = 128
    handler_class = EmulatorRequestHandler

    def __init__(self, address, emulator, ssl_context=None):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self.ssl_context = ssl_context
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, self.handler_class)

    def server_bind(self):
        """Bind without HTTPServer's reverse DNS lookup of the address (no traffic off loopback)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        """Accept, and for HTTPS wrap without handshaking: the handler thread does the handshake."""
        conn, peer = super().get_request()
        if self.ssl_context is not None:
            conn = self.ssl_context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, peer

    def track(self, conn):
        """Remember an open connection so ``close_connections`` can end it."""
        with self._connections_lock:
            self._connections.add(conn)

    def untrack(self, conn):
        """Forget a connection its handler has finished with."""
        with self._connections_lock:
            self._connections.discard(conn)

    def close_connections(self):
        """Shut down every open connection; blocked handler threads then return promptly."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                socket.socket.shutdown(conn, socket.SHUT_RDWR)  # the plain-socket call: no TLS state is touched
            except OSError:
                pass

    def handle_error(self, request, client_address):
        """Client disconnects are routine here (faults cause them); keep them out of stderr."""
        LOG.debug("error while serving %s", client_address, exc_info=True)


class DataPlaneHTTPServer(EmulatorHTTPServer):
    """The data plane's listener (dataplane.py): plain HTTP, the same connection handling."""

    handler_class = DataPlaneRequestHandler
    request_queue_size = 1024  # load tests open many connections at once


class Emulator:
    """Huawei Cloud APIG + IAM on 127.0.0.1, configured by a dict or a YAML file."""

    def __init__(self, config):
        self.config = EmulatorConfig.load(config)
        self.tokens = TokenStore(self.config)
        self.authenticator = Authenticator(self.config, self.tokens)
        self.faults = FaultBook()
        self.log = RequestLog()
        self.throttle = RateLimiter(self.config.throttle.max_requests_per_second) if self.config.throttle else None
        self.checker = None
        self.clock = Clock()  # the statistics' time (clock.py): tests advance it instead of waiting minutes
        self.gateway = Gateway(self.config, self.tokens, self.clock)
        self.stop_event = threading.Event()
        self.backends = {}
        self.host = None
        self.port = None
        self.url = None
        self.ca_path = None
        self._server = None
        self._thread = None
        self._tmpdir = None
        self.data_port = None
        self.data_url = None
        self._data_server = None
        self._data_thread = None

    # -- lifecycle ----------------------------------------------------------

    def start(self, tls=False, port=0, host="127.0.0.1", data_port=0):
        """Bind ``host:port`` (0: any free port) and the data plane on ``host:data_port``, serve in background
        threads, return self."""
        if self._server is not None or self.stop_event.is_set():
            raise RuntimeError("an Emulator can be started once")
        if not is_loopback(host):
            raise ValueError("the emulator only binds loopback addresses, not %r" % host)
        try:
            self._start_backends()
            self.checker = ReachabilityChecker(
                self.config.check_timeout, self.config.hosts, self.config.blocked_from_gateway
            )
            context = self._tls_context() if tls else None
            self._server = EmulatorHTTPServer((host, port), self, context)
            self._data_server = DataPlaneHTTPServer((host, data_port), self)
        except Exception:
            if self._server is not None:
                self._server.server_close()
            self._cleanup()
            raise
        self.host = host
        self.port = self._server.server_address[1]
        self.url = "%s://%s:%d" % ("https" if tls else "http", "[%s]" % host if ":" in host else host, self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="emulator-%d" % self.port,
            daemon=True,
        )
        self._thread.start()
        self.data_port = self._data_server.server_address[1]
        self.data_url = "http://%s:%d" % ("[%s]" % host if ":" in host else host, self.data_port)
        self._data_thread = threading.Thread(
            target=self._data_server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="emulator-data-%d" % self.data_port,
            daemon=True,
        )
        self._data_thread.start()
        LOG.debug("emulator listening on %s, data plane on %s", self.url, self.data_url)
        return self

    def _start_backends(self):
        for name, spec in self.config.backends.items():
            if spec.kind == "echo":
                self.backends[name] = EchoBackend(port=spec.port, name=name, **spec.settings)
            else:
                self.backends[name] = start_backend(spec.kind, spec.port)
        for member in self.config.members():
            if member.backend is not None:
                helper = self.backends[member.backend]
                member.host, member.port = helper.host, helper.port
        for project in self.config.projects.values():
            for key, name in project.network.listeners.items() if project.network else ():
                project.network.targets[key] = (self.backends[name].host, self.backends[name].port)

    def _tls_context(self):
        self._tmpdir = tempfile.mkdtemp(prefix="apig-emulator-tls-")
        self.ca_path, cert_path, key_path = make_certificates(self._tmpdir)
        return server_context(cert_path, key_path)

    def stop(self):
        """Stop serving, end open connections, stop helper backends, delete the TLS files. Idempotent."""
        self.stop_event.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._thread.join(timeout=5)
        if self._data_server is not None:
            self._data_server.shutdown()
            self._data_server.close_connections()
            self._data_server.server_close()
            self._data_thread.join(timeout=5)
        self._cleanup()

    def _cleanup(self):
        for helper in self.backends.values():
            helper.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self):
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- observing and steering ----------------------------------------------

    @property
    def requests(self):
        """Logged APIG/IAM requests in arrival order (copies; admin requests are not logged)."""
        return self.log.snapshot()

    def clear_requests(self):
        """Forget the requests logged so far."""
        self.log.clear()

    def add_fault(self, path_regex, responses, method=None):
        """Script the next answers for matching requests (see faults.py); returns the rule id."""
        return self.faults.add(path_regex, responses, method=method)

    def clear_faults(self):
        """Drop all fault rules, used or not."""
        self.faults.clear()

    def backend_addresses(self):
        """``{name: "127.0.0.1:PORT"}`` for the helper backends started from the config."""
        return {name: helper.address for name, helper in self.backends.items()}

    def listener_addresses(self):
        """``{"192.168.1.20:8080": "127.0.0.1:PORT"}``: which loopback backend answers for each modelled address
        of the projects' ``network.listeners`` (a key without a port: the backend answers on every port)."""
        found = {}
        for project in self.config.projects.values():
            for (ip, port), (host, real_port) in project.network.targets.items() if project.network else ():
                modelled = ip if port is None else format_address(ip, port)
                found[modelled] = format_address(host, real_port)
        return found

    def state(self):
        """What the CLI prints and writes to ``--state-file`` (``listeners`` only when a network models any)."""
        state = {
            "url": self.url,
            "ca_path": self.ca_path,
            "pid": os.getpid(),
            "backends": self.backend_addresses(),
            "data_url": self.data_url,
        }
        listeners = self.listener_addresses()
        if listeners:
            state["listeners"] = listeners
        return state

    # -- the data plane (dataplane.py, gateway.py, statistics.py) ------------

    def group_domain(self, group):
        """The subdomain that calls group ``group`` (name or id) on the data plane: the Host header to send."""
        for catalog in self.gateway.catalogs:
            for item in catalog.groups.values():
                if group in (item.id, item.name):
                    return subdomain(item.id, catalog.region)
        raise KeyError("no API group %r in the config" % (group,))

    def configure_backend(self, name, **settings):
        """Change what echo backend ``name`` answers (``status``, ``body`` | ``body_size``, ``headers``,
        ``latency_ms``; None clears one); returns the settings now in force."""
        backend = self.backends.get(name)
        if not isinstance(backend, EchoBackend):
            raise KeyError("no echo backend %r (backends of kind echo: %s)" % (name, ", ".join(self.echo_backends())))
        return backend.configure(**settings)

    def echo_backends(self):
        """The names of the echo backends started from the config."""
        return sorted(name for name, backend in self.backends.items() if isinstance(backend, EchoBackend))
