# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The statistics' clock: advanced, frozen and unfrozen from Python and over the admin endpoint."""

import pytest
import requests

from tests.emulator.clock import Clock
from tests.unit.emulator.dataplane_helpers import TIMEOUT


class Source:
    """A stand-in for time.time that a test sets (the clock's own logic, apart from the real time)."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_the_clock_follows_the_source_plus_what_it_was_advanced():
    source = Source(1000.0)
    clock = Clock(source)
    assert clock.advance(minutes=2, seconds=5) == 1125.0
    source.now = 1010.0
    assert clock.now() == 1135.0


def test_a_frozen_clock_stays_until_advanced_and_runs_on_from_there_when_unfrozen():
    source = Source(1000.0)
    clock = Clock(source)
    assert clock.freeze(at=1500.0) == 1500.0
    source.now = 1100.0
    assert clock.now() == 1500.0 and clock.describe()["frozen"] is True
    assert clock.advance(minutes=1) == 1560.0
    assert clock.unfreeze() == 1560.0
    source.now = 1110.0
    assert clock.now() == 1570.0


def test_the_clock_never_goes_back():
    clock = Clock(Source(1000.0))
    with pytest.raises(ValueError):
        clock.advance(seconds=-1)
    with pytest.raises(ValueError):
        clock.freeze(at=999.0)


def test_the_admin_endpoint_moves_the_emulators_clock(emu):
    url = emu.url + "/_emulator/clock"
    before = requests.get(url, timeout=TIMEOUT).json()
    frozen = requests.post(url, json={"freeze": True, "at": before["now"] + 600}, timeout=TIMEOUT).json()
    assert frozen["frozen"] is True and frozen["now"] == before["now"] + 600
    moved = requests.post(url, json={"advance_minutes": 2, "advance_seconds": 1}, timeout=TIMEOUT).json()
    assert moved["now"] == before["now"] + 721 == emu.clock.now()
    assert requests.post(url, json={"freeze": False}, timeout=TIMEOUT).json()["frozen"] is False
    for bad in ({"advance_hours": 1}, {"advance_minutes": "1"}, {"at": 5}, {"advance_minutes": -1}, [1]):
        answer = requests.post(url, json=bad, timeout=TIMEOUT)
        assert answer.status_code == 400 and answer.json()["error"]
    assert requests.delete(url, timeout=TIMEOUT).status_code == 405
