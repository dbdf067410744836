# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the module tests: an emulator whose one VPC channel has a reachable and a refusing member."""

import pytest

from tests.emulator import presets


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    """The emulator; CHANNEL_ID's members are an open listener and a closed port, in that order."""
    members = [
        {"host": "127.0.0.1", "port": backend_servers.open().port},
        {"host": "127.0.0.1", "port": backend_servers.closed().port},
    ]
    return emulator_factory(presets.default_config(members=members))


@pytest.fixture
def token_auth(emulator):
    """The connection options that sign in to ``emulator`` with a token (presets.TOKEN_VALID)."""
    return presets.module_auth("token", emulator.url)
