# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the emulator's own tests, built on the plugin fixtures of tests.emulator.fixtures
(registered for the whole suite in tests/conftest.py)."""

import pytest

from tests.emulator import presets


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
