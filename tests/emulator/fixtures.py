# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest fixtures for the emulator; registered with ``pytest_plugins = ["tests.emulator.fixtures"]``.

``emulator_factory(config, tls=False, port=0)`` starts an Emulator and stops it at teardown, however the test
ends. The loopback backends' fixtures (``backend_servers`` and the rest) are in tests/loopback/fixtures.py.
"""

import pytest

from tests.emulator.server import Emulator


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
