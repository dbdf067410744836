# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The record of every request the emulator answered, for tests to assert on.

Entries are appended when a request arrives (so the order is arrival order,
even when answers overlap) and completed with the status once answered.
"""

import threading


class RequestLog:
    """Thread-safe, append-only list of request dicts."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def record(self, entry):
        """Append ``entry`` (a dict) and return it so the caller can complete it later."""
        with self._lock:
            self._entries.append(entry)
        return entry

    def complete(self, entry, **fields):
        """Fill in the outcome (status, error_code, ...) of a logged request."""
        with self._lock:
            entry.update(fields)

    def snapshot(self):
        """Copies of all entries, so callers never see a dict change under them."""
        with self._lock:
            return [dict(entry, query=dict(entry["query"]), headers=dict(entry["headers"])) for entry in self._entries]

    def clear(self):
        """Forget everything logged so far."""
        with self._lock:
            del self._entries[:]

    def __len__(self):
        with self._lock:
            return len(self._entries)
