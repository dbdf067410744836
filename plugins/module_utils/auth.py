# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The three ways to sign in to APIG, behind one small interface.

Each sign-in turns an outgoing request into the headers that authenticate it:
a token is sent as ``X-Auth-Token``; IAM user/password is exchanged for a token
once per module run (never once per request); AK/SK signs every request with
``SDK-HMAC-SHA256``.  ``refresh`` lets the client recover from a token APIG
refuses as expired or invalid when, and only when, a fresh one can be had: once
per run, shared by every request that saw the same refusal.

A sign-in knows nothing of the transport: the password sign-in is given the one
thing it needs, ``issue_token(body) -> (token, project_id)``, when the client
builds it (``auth_from_settings``), so this module imports nothing of the client
and calls nothing on it.
"""

import threading

from ansible_collections.hwcloud.apig.plugins.module_utils.connection import AUTH_AKSK, AUTH_TOKEN
from ansible_collections.hwcloud.apig.plugins.module_utils.signer import sign_request


class TokenAuth:
    """A token the user already has: nothing to refresh it with."""

    def __init__(self, token):
        self._token = token

    def apply(self, method, url, headers, body):  # pylint: disable=unused-argument
        """The headers to send: the given ones plus the token."""
        return dict(headers, **{"X-Auth-Token": self._token})

    def refresh(self, used_token=None):  # pylint: disable=unused-argument
        """A given token cannot be renewed here."""
        return False


class PasswordAuth:
    """IAM user/password: one token per run, re-issued at most once if APIG says it expired.

    ``issue_token(body)`` sends the token request and returns ``(token, project id of its scope)``.
    """

    def __init__(self, user_name, password, domain_name, project_id=None, region=None, issue_token=None):
        self._user_name = user_name
        self._password = password
        self._domain_name = domain_name
        self._project_id = project_id
        self._region = region
        self._issue_token = issue_token
        self._token = None
        self._refreshed = False
        self._lock = threading.Lock()

    def token_request_body(self):
        """The body of ``POST /v3/auth/tokens``, scoped to the project or else the region.

        Huawei Cloud IAM API reference, "Obtaining a User Token Through Password Authentication".
        """
        scope = {"project": {"id": self._project_id}} if self._project_id else {"project": {"name": self._region}}
        return {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self._user_name,
                            "password": self._password,
                            "domain": {"name": self._domain_name},
                        }
                    },
                },
                "scope": scope,
            }
        }

    def _ensure_token(self):
        with self._lock:
            if self._token is None:
                if self._issue_token is None:
                    raise ValueError("password sign-in was built without a way to issue a token")
                self._token, project_id = self._issue_token(self.token_request_body())
                if self._project_id is None:
                    self._project_id = project_id
            return self._token

    def project_id(self):
        """The project the token is scoped to (needed when only the region was given)."""
        self._ensure_token()
        return self._project_id

    def apply(self, method, url, headers, body):  # pylint: disable=unused-argument
        """The headers to send: the given ones plus this run's token."""
        return dict(headers, **{"X-Auth-Token": self._ensure_token()})

    def refresh(self, used_token=None):
        """Whether a request refused with ``used_token`` may be sent again, with a newer token.

        True when the token was already replaced since that request was signed (concurrent callers that saw the
        same refusal share one new token), or when it is replaced now: at most once per run, so a token that keeps
        being refused fails the call instead of looping through sign-ins.
        """
        with self._lock:
            if used_token is not None and self._token is not None and used_token != self._token:
                return True
            if self._refreshed:
                return False
            self._refreshed = True
            self._token = None
        self._ensure_token()
        return True


class AkSkAuth:
    """Access key / secret key: every request signed; temporary credentials add X-Security-Token."""

    def __init__(self, access_key, secret_key, security_token=None, project_id=None):
        self._access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token
        self._project_id = project_id

    def apply(self, method, url, headers, body):
        """The headers to send, all of them signed, with X-Sdk-Date, Host and Authorization added."""
        headers = dict(headers)
        if self._project_id:
            headers["X-Project-Id"] = self._project_id
        if self._security_token:
            headers["X-Security-Token"] = self._security_token
        return sign_request(method, url, headers, body, self._access_key, self._secret_key)

    def refresh(self, used_token=None):  # pylint: disable=unused-argument
        """Signed requests have no token to renew."""
        return False


def auth_from_settings(settings, issue_token=None):
    """The sign-in object for validated ConnectionSettings; ``issue_token`` is what a password sign-in calls."""
    creds = settings.credentials
    if settings.auth_mode == AUTH_TOKEN:
        return TokenAuth(creds["auth_token"])
    if settings.auth_mode == AUTH_AKSK:
        return AkSkAuth(creds["access_key"], creds["secret_key"], creds.get("security_token"), settings.project_id)
    return PasswordAuth(
        creds["user_name"], creds["password"], creds["domain_name"], settings.project_id, settings.region, issue_token
    )
