# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""APIG flow control: a sliding one-second window over admitted requests.

A sliding window (rather than fixed one-second buckets) means a burst that
straddles a second boundary is still throttled, which is what a client's
back-off logic has to cope with on the real gateway.
"""

import collections
import threading
import time


class RateLimiter:
    """Admit at most ``limit`` requests in any window of ``window`` seconds."""

    def __init__(self, limit, window=1.0):
        self.limit = limit
        self.window = window
        self._admitted = collections.deque()
        self._lock = threading.Lock()

    def admit(self, now=None):
        """True (and counted) if the request fits in the window, False if it must get 429."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._admitted and self._admitted[0] <= now - self.window:
                self._admitted.popleft()
            if len(self._admitted) >= self.limit:
                return False
            self._admitted.append(now)
            return True
