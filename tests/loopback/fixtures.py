# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest fixtures over the loopback backends; registered in tests/conftest.py (``pytest_plugins``).

Each fixture closes what it made, however the test ends. ``backend_servers`` is a factory for tests that need
several backends (or backends of several kinds) at once.
"""

import pytest

from tests.loopback.certificates import CertificateAuthority
from tests.loopback.echo_backend import EchoBackend
from tests.loopback.http_backend import HttpBackend
from tests.loopback.listeners import CLOSE, BlackholeListener, ClosedPort, OpenListener, ResetServer
from tests.loopback.sockets import ipv6_loopback_available
from tests.needs import needs

# A platform fact, asked once: some containers have no IPv6 at all (and CI requires it: tests/needs.py).
needs_ipv6 = needs(ipv6_loopback_available(), "no IPv6 loopback (::1) on this machine")


class BackendServers:
    """Makes loopback backends and remembers them for cleanup."""

    def __init__(self):
        self.created = []

    def _keep(self, backend):
        self.created.append(backend)
        return backend

    def open(self, **options):
        """An OpenListener (``options`` as for it: ``host``, ``on_accept``, ``http``, ``body``, ``status``,
        ``ssl_context``)."""
        return self._keep(OpenListener(**options))

    def closed(self, **options):
        """A port that refuses connections (``options``: ``host``, any loopback address, and ``port``)."""
        return self._keep(ClosedPort(**options))

    def blackhole(self):
        """A listener whose connects time out (SYNs dropped)."""
        return self._keep(BlackholeListener())

    def http(self, **options):
        """An HttpBackend with routes (``options`` as for it: ``host``, ``ssl_context``)."""
        return self._keep(HttpBackend(**options))

    def echo(self, **options):
        """An EchoBackend (``options``: ``name``, ``host``, and its settings ``status``, ``body``, ``latency_ms``...)."""
        return self._keep(EchoBackend(**options))

    def close_all(self):
        """Close everything this factory made."""
        while self.created:
            self.created.pop().close()


@pytest.fixture
def backend_servers():
    """Loopback backends on demand: ``.open()``, ``.closed()``, ``.blackhole()``, ``.http()``, ``.echo()``."""
    servers = BackendServers()
    yield servers
    servers.close_all()


@pytest.fixture(scope="session")
def certificate_authority(tmp_path_factory):
    """One throw-away CA per test session."""
    return CertificateAuthority(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def open_listener():
    """A port that accepts and closes every connection at once (a TCP-only backend)."""
    with OpenListener(on_accept=CLOSE) as listener:
        yield listener


@pytest.fixture
def refused_port():
    """A port that refuses connections for the whole test."""
    with ClosedPort() as port:
        yield port


@pytest.fixture
def blackhole():
    """A port whose connects time out."""
    with BlackholeListener(probe_timeout=0.2) as listener:
        yield listener


@pytest.fixture
def reset_server():
    """A port that answers with a RST."""
    with ResetServer() as server:
        yield server


@pytest.fixture
def http_backend():
    """An HTTP server with routes."""
    with HttpBackend() as backend:
        yield backend


@pytest.fixture
def https_backend(certificate_authority):
    """The same over TLS, with a certificate of ``certificate_authority`` for localhost, 127.0.0.1 and ::1."""
    with HttpBackend(ssl_context=certificate_authority.server_context("https-backend")) as backend:
        yield backend
