"""Fixtures for the emulator's own tests.

The emulator fixtures are imported here until tests/conftest.py registers
``tests.emulator.fixtures`` as a plugin for the whole suite; a conftest
definition simply takes precedence over the plugin's, so both can coexist.
"""

import pytest

from tests.emulator import presets
from tests.emulator.fixtures import backend_servers, emulator_factory

__all__ = ["backend_servers", "emulator_factory", "emu", "emu_with_backends"]


@pytest.fixture
def emu(emulator_factory):
    """An emulator with the default config and no channel members."""
    return emulator_factory(presets.default_config())


@pytest.fixture
def emu_with_backends(emulator_factory, backend_servers):
    """An emulator whose main channel has an open, a closed and a blackhole member, in that order."""
    listener, closed, blackhole = backend_servers.open(), backend_servers.closed(), backend_servers.blackhole()
    members = [{"host": b.host, "port": b.port} for b in (listener, closed, blackhole)]
    emulator = emulator_factory(presets.default_config(members=members))
    emulator.helpers = (listener, closed, blackhole)
    return emulator
