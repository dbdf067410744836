# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tokens the emulated IAM knows: pre-issued ones from the config and those it issues.

APIG and IAM share this store, as the real services share IAM: a token the
emulator handed out on ``POST /v3/auth/tokens`` is accepted as ``X-Auth-Token``
by the APIG endpoints until it expires.
"""

import secrets
import threading
import time


class TokenRecord:
    """What a token grants: a project, whether it may call APIG, and until when."""

    def __init__(self, value, project_id, permitted, expires_at, project_name=None, user=None):
        self.value = value
        self.project_id = project_id
        self.project_name = project_name
        self.permitted = permitted
        self.expires_at = expires_at
        self.user = user

    def expired(self, now=None):
        """True once the clock reaches ``expires_at`` (a TTL of 0 is expired on first use)."""
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) >= self.expires_at


class TokenStore:
    """Thread-safe token registry, seeded with the config's pre-issued tokens."""

    def __init__(self, config):
        self._lock = threading.Lock()
        self._tokens = {}
        for spec in config.tokens:
            project = config.projects.get(spec.project_id)
            self._tokens[spec.value] = TokenRecord(
                spec.value,
                spec.project_id,
                spec.permitted,
                0.0 if spec.expired else None,
                project_name=project.name if project else None,
            )

    def issue(self, project, permitted, ttl_seconds, user=None, now=None):
        """Create and register a fresh random token; ``project`` may be None (unscoped token)."""
        now = time.time() if now is None else now
        value = "MII" + secrets.token_urlsafe(96)
        record = TokenRecord(
            value,
            project.id if project else None,
            permitted,
            now + ttl_seconds,
            project_name=project.name if project else None,
            user=user,
        )
        with self._lock:
            self._tokens[value] = record
        return record

    def lookup(self, value):
        """The record for ``value``, or None for a token IAM never issued."""
        with self._lock:
            return self._tokens.get(value)
