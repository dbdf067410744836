# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated gateway's statistics clock: real time, moved forward or frozen on request.

A bake judges one-minute samples, and a minute only shows in ListLatelyApiStatisticsV2 once it is over. Tests
cannot wait minutes for that, so the statistics read the time from this clock, which a test can advance ("five
minutes later") or freeze (so that every request of a burst lands in the same minute). Only the statistics use it:
tokens, AK/SK signature dates and timeouts keep real time, so moving the clock never expires a credential.
"""

import threading
import time


class Clock:
    """``now()`` is real time plus an offset; frozen, it stays put until advanced or unfrozen."""

    def __init__(self, source=time.time):
        self._source = source
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at = None

    def now(self):
        """The emulated time, in epoch seconds."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._source() + self._offset

    def advance(self, seconds=0.0, minutes=0.0):
        """Move the emulated time forward (never back: recorded minutes would otherwise be in the future)."""
        step = float(seconds) + 60.0 * float(minutes)
        if step < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += step
            self._offset += step
        return self.now()

    def freeze(self, at=None):
        """Stop the emulated time at ``at`` (epoch seconds, not before now) or at the current emulated time."""
        with self._lock:
            current = self._frozen_at if self._frozen_at is not None else self._source() + self._offset
            target = current if at is None else float(at)
            if target < current:
                raise ValueError("the clock only moves forward")
            self._frozen_at = target
            self._offset = target - self._source()
        return target

    def unfreeze(self):
        """Let the emulated time run again from where it stands."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None
        return self.now()

    def describe(self):
        """What ``GET /_emulator/clock`` answers."""
        with self._lock:
            frozen = self._frozen_at is not None
            now = self._frozen_at if frozen else self._source() + self._offset
            return {"now": now, "offset_seconds": self._offset, "frozen": frozen}
