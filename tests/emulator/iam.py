# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated IAM endpoint: ``POST /v3/auth/tokens`` with password credentials.

IAM API reference, "Obtaining a User Token Through Password Authentication".

Only what the collection uses is emulated: password authentication scoped to
a project by id or by name (region).  Credentials are checked before the
scope, so that a wrong password never reveals whether a project exists.
"""

import datetime
import json
import secrets

from tests.emulator.errors import IamError

WRONG_CREDENTIALS = "The username or password is wrong."
IAM_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(IAM_TIME_FORMAT)


def _field(data, key, kind, where):
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind) or (kind is str and not value):
        raise IamError(400, "The request body is invalid: %s is missing or has the wrong type." % where)
    return value


def _parse(body):
    """Extract (user name, password, domain name, scope project dict or None) or raise 400."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IamError(400, "The request body is invalid: it is not JSON.") from None
    auth = _field(data, "auth", dict, "auth")
    identity = _field(auth, "identity", dict, "auth.identity")
    methods = _field(identity, "methods", list, "auth.identity.methods")
    if "password" not in methods:
        raise IamError(400, "The request body is invalid: only the password method is supported here.")
    password = _field(identity, "password", dict, "auth.identity.password")
    user = _field(password, "user", dict, "auth.identity.password.user")
    name = _field(user, "name", str, "auth.identity.password.user.name")
    secret = _field(user, "password", str, "auth.identity.password.user.password")
    domain = _field(user, "domain", dict, "auth.identity.password.user.domain")
    domain_name = _field(domain, "name", str, "auth.identity.password.user.domain.name")
    scope = auth.get("scope")
    if scope is None:
        return name, secret, domain_name, None
    if not isinstance(scope, dict):
        raise IamError(400, "The request body is invalid: auth.scope must be an object.")
    project = scope.get("project")
    if project is None:
        return name, secret, domain_name, None
    if not isinstance(project, dict) or not (
        isinstance(project.get("id"), str) or isinstance(project.get("name"), str)
    ):
        raise IamError(400, "The request body is invalid: auth.scope.project needs an id or a name.")
    return name, secret, domain_name, project


def _scope(config, project):
    if project is None:
        return None
    if isinstance(project.get("id"), str):
        found = config.projects.get(project["id"])
        if found is None:
            raise IamError(401, "The project ID is invalid or the user has no access to it: %s" % project["id"])
        return found
    found = config.project_by_name(project["name"])
    if found is None:
        raise IamError(400, "Invalid project name: %s" % project["name"])
    return found


def issue_token(config, store, body, now):
    """Handle one token request; returns (status, payload, headers) or raises IamError."""
    name, secret, domain_name, scope = _parse(body)
    user = config.users.get(name)
    if (
        user is None
        or not secrets.compare_digest(user.password.encode("utf-8"), secret.encode("utf-8"))
        or (user.domain is not None and user.domain != domain_name)
    ):
        raise IamError(401, WRONG_CREDENTIALS)
    project = _scope(config, scope)
    record = store.issue(project, user.permitted, user.token_ttl_seconds, user=user.name, now=now)
    token = {
        "expires_at": _iso(record.expires_at),
        "issued_at": _iso(now),
        "methods": ["password"],
        "user": {"name": user.name, "domain": {"name": domain_name}},
    }
    if project is not None:
        token["project"] = {"id": project.id, "name": project.name}
    return 201, {"token": token}, {"X-Subject-Token": record.value}
