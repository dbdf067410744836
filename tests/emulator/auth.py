# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who is calling APIG: token or AK/SK authentication, and the permission that follows.

The order of checks is the real gateway's (APIG API reference, "Error Codes"): a missing credential (APIG.1000) before
an unknown (1002) or expired (1001) token, an AK/SK signature (0301) before
permission (1005).  Each refusal carries a ``detail`` for the request log.
"""

import datetime

from tests.emulator import errors
from tests.emulator.signature import SignatureError, parse_authorization, verify


def attempted_mode(headers):
    """The credential kind a request tries to use: 'token', 'aksk' or 'none'."""
    if headers.get("X-Auth-Token") is not None:
        return "token"
    if headers.get("Authorization") is not None:
        return "aksk"
    return "none"


def header_values(headers):
    """Lower-case name -> value (first occurrence), with UTF-8 restored.

    http.server decodes header bytes as ISO-8859-1; the SDK sends UTF-8, and
    the signature is over the UTF-8 text, so the bytes are reinterpreted here.
    """
    values = {}
    for name, value in headers.items():
        key = name.lower()
        if key in values:
            continue
        try:
            values[key] = value.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            values[key] = value
    return values


class Authenticator:
    """Checks the credentials of one APIG request against the config and the token store."""

    def __init__(self, config, tokens):
        self.config = config
        self.tokens = tokens

    def authenticate(self, request, project_id, now=None):
        """Return the mode used ('token' or 'aksk') or raise ApigError."""
        token = request.headers.get("X-Auth-Token")
        if token is not None:
            self._check_token(token.strip(), project_id, now)
            return "token"
        if request.headers.get("Authorization") is not None:
            self._check_aksk(request, project_id, now)
            return "aksk"
        raise errors.token_missing()

    def denied_actions(self, request):
        """The IAM actions the (already authenticated) caller of ``request`` lacks: its config's ``denied`` list.

        A token IAM issued carries its user's list; a pre-issued token and an access key carry their own.
        """
        token = request.headers.get("X-Auth-Token")
        if token is not None:
            record = self.tokens.lookup(token.strip())
            user = self.config.users.get(record.user) if record is not None and record.user else None
            if user is not None:
                return user.denied
            spec = next((spec for spec in self.config.tokens if spec.value == token.strip()), None)
            return spec.denied if spec is not None else []
        try:
            access = parse_authorization(header_values(request.headers)["authorization"]).access
        except (KeyError, SignatureError):
            return []
        pair = self.config.aksk.get(access)
        return pair.denied if pair is not None else []

    def _check_token(self, value, project_id, now):
        if not value:
            raise errors.token_missing()
        record = self.tokens.lookup(value)
        if record is None:
            raise errors.token_incorrect()
        if record.expired(None if now is None else now.timestamp()):
            raise errors.token_expired(self.config.token_expired_code)
        if not record.permitted:
            raise errors.no_permission("token is not permitted to call APIG")
        if record.project_id != project_id:
            raise errors.no_permission("token is scoped to project %s, not %s" % (record.project_id, project_id))
        self._check_project(project_id)

    def _check_aksk(self, request, project_id, now):
        headers = header_values(request.headers)
        try:
            authorization = parse_authorization(headers["authorization"])
        except SignatureError as exc:
            raise errors.aksk_failed(str(exc)) from None
        pair = self.config.aksk.get(authorization.access)
        if pair is None:
            raise errors.aksk_failed("unknown access key %s" % authorization.access)
        try:
            verify(
                authorization,
                pair.sk,
                request.method,
                request.raw_path,
                request.query_string,
                headers,
                request.body,
                now=now or datetime.datetime.now(datetime.timezone.utc),
            )
        except SignatureError as exc:
            raise errors.aksk_failed(str(exc)) from None
        self._check_signed_value(authorization, headers, "x-project-id", project_id, "X-Project-Id")
        if pair.security_token is not None:
            self._check_signed_value(
                authorization, headers, "x-security-token", pair.security_token, "X-Security-Token"
            )
        elif "x-security-token" in headers:
            raise errors.aksk_failed("X-Security-Token sent with a permanent access key")
        if project_id not in self.config.projects:
            raise errors.aksk_failed("project %s does not belong to the account of %s" % (project_id, pair.ak))
        if not pair.permitted:
            raise errors.no_permission("access key %s is not permitted to call APIG" % pair.ak)
        if pair.project_ids is not None and project_id not in pair.project_ids:
            raise errors.no_permission("access key %s has no access to project %s" % (pair.ak, project_id))

    @staticmethod
    def _check_signed_value(authorization, headers, name, expected, label):
        if name not in headers:
            raise errors.aksk_failed("%s header is missing" % label)
        if name not in authorization.signed_headers:
            raise errors.aksk_failed("%s is not among SignedHeaders" % label)
        if headers[name].strip() != expected:
            raise errors.aksk_failed("%s %r does not match %r" % (label, headers[name].strip(), expected))

    def _check_project(self, project_id):
        if project_id not in self.config.projects:
            raise errors.no_permission("project %s is unknown" % project_id)
