"""pytest fixtures for the emulator; registered with ``pytest_plugins = ["tests.emulator.fixtures"]``.

* ``emulator_factory(config, tls=False, port=0)`` starts an Emulator and stops
  it at teardown, however the test ends;
* ``backend_servers`` makes loopback backends (``.open()``, ``.closed()``,
  ``.blackhole()``) and closes them at teardown.
"""

import pytest

from tests.emulator.backends import BlackholeListener, ClosedPort, OpenListener
from tests.emulator.server import Emulator


class BackendServers:
    """Factory for loopback backends that remembers them for cleanup."""

    def __init__(self):
        self.created = []

    def _keep(self, backend):
        self.created.append(backend)
        return backend

    def open(self, http=False, body=b"ok", status=200, ssl_context=None):
        """A listener that accepts (``http=True``: answers ``status`` with ``body``)."""
        return self._keep(OpenListener(http=http, body=body, status=status, ssl_context=ssl_context))

    def closed(self):
        """A port that refuses connections."""
        return self._keep(ClosedPort())

    def blackhole(self):
        """A listener whose connects time out (SYNs dropped)."""
        return self._keep(BlackholeListener())

    def close_all(self):
        """Close everything this factory made."""
        while self.created:
            self.created.pop().close()


@pytest.fixture
def emulator_factory():
    """Start emulators from config dicts (or YAML paths); all are stopped after the test."""
    started = []

    def factory(config, tls=False, port=0):
        emulator = Emulator(config)
        started.append(emulator)
        return emulator.start(tls=tls, port=port)

    yield factory
    for emulator in started:
        emulator.stop()


@pytest.fixture
def backend_servers():
    """Loopback backends: ``backend_servers.open()``, ``.closed()``, ``.blackhole()``."""
    servers = BackendServers()
    yield servers
    servers.close_all()
