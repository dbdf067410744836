# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an emulated gateway instance publishes: API groups, environments and their variables, and APIs with their
backends - as drafted, and as published in each environment, which can differ from the draft.

A config's instance may hold ``groups``, ``environments``, ``variables`` and ``apis``: README.md, "What an instance
publishes", documents every key, and ``example-config.yml`` publishes the group the docs' discovery examples gate.

Every reference (a group, an environment, a channel) is checked when the config is loaded.

For the data plane (README.md, "The data plane"), an API may also say how it is called and answered::

        req_method: GET                           # the frontend: method (or ANY) and path, {id} / {rest+}
        req_uri: /orders/{id}
        auth_type: IAM                            # NONE (default) | IAM: a valid X-Auth-Token is required
        mock: {status: 200, body: '{"ok": true}', content_type: application/json}    # what a MOCK API answers
        policies: [{name: gray, backend: {...}, conditions: [{header: X-Canary, value: "1"}], effect_mode: ANY}]
"""

import hashlib

from tests.emulator.conditions import Conditions
from tests.emulator.paths import PathTemplate
from tests.emulator.validation import (
    ConfigError,
    check_keys,
    choice,
    integer,
    mapping,
    optional_string,
    sequence,
    string,
)

RELEASE_ID = "DEFAULT_ENVIRONMENT_RELEASE_ID"
RELEASE = "RELEASE"
API_BACKEND_TYPES = ("HTTP", "FUNCTION", "MOCK")
BACKEND_PROTOCOLS = ("HTTP", "HTTPS")
BACKEND_METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "ANY")
AUTH_TYPES = ("NONE", "IAM")
MOCK_KEYS = ("status", "body", "content_type")


def derived_id(*parts):
    """A stable 32-hex id for something the config names but does not give an id (as APIG's ids look)."""
    return hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()[:32]


class Named:
    """An API group or an environment: an id and a unique name."""

    def __init__(self, where, data, kind, created):
        check_keys(where, data, ("id", "name", "remark"), ("name",))
        self.name = string(where + ".name", data["name"])
        self.id = string(where + ".id", data.get("id") or derived_id(kind, self.name))
        self.remark = optional_string(where + ".remark", data.get("remark"))
        self.created = created


class Backend:
    """Where an API (or one of its policies) sends traffic: an address (``url_domain``) or a VPC channel."""

    def __init__(self, where, data, channels):
        check_keys(where, data, ("url_domain", "vpc_channel", "req_protocol", "req_method", "req_uri", "timeout"))
        self.url_domain = data.get("url_domain")
        self.vpc_channel = data.get("vpc_channel")
        if (self.url_domain is None) == (self.vpc_channel is None):
            raise ConfigError("%s: give url_domain or vpc_channel, exactly one" % where)
        if self.url_domain is not None:
            string(where + ".url_domain", self.url_domain)
        if self.vpc_channel is not None and self.vpc_channel not in channels:
            raise ConfigError("%s.vpc_channel %r is not a channel of this instance" % (where, self.vpc_channel))
        self.req_protocol = choice(where + ".req_protocol", data.get("req_protocol"), BACKEND_PROTOCOLS, "HTTP")
        self.req_method = choice(where + ".req_method", data.get("req_method"), BACKEND_METHODS, "GET")
        self.req_uri = optional_string(where + ".req_uri", data.get("req_uri"), "/")
        self.timeout = integer(where + ".timeout", data.get("timeout"), 5000, 1, 600000)


class Definition:
    """An API's backends, as drafted or as published: the main one and those of its policies."""

    def __init__(self, where, data, channels, backend_type):
        check_keys(where, data, ("backend", "policies"))
        self.backend = None
        if backend_type == "HTTP":
            if data.get("backend") is None:
                raise ConfigError("%s: an HTTP API needs a backend" % where)
            self.backend = Backend(where + ".backend", mapping(where + ".backend", data["backend"]), channels)
        self.policies = []
        self.conditions = {}  # policy id -> Conditions: when the data plane sends a request to that policy's backend
        for index, item in enumerate(sequence(where + ".policies", data.get("policies"))):
            at = "%s.policies[%d]" % (where, index)
            check_keys(at, item, ("id", "name", "backend", "conditions", "effect_mode"), ("name", "backend"))
            name = string(at + ".name", item["name"])
            policy_id = string(at + ".id", item.get("id") or derived_id(where, "policy", name))
            self.conditions[policy_id] = Conditions(at, item.get("conditions"), item.get("effect_mode"))
            self.policies.append(
                (policy_id, name, Backend(at + ".backend", mapping(at + ".backend", item["backend"]), channels))
            )


class Api:
    """One API: its identity, its draft definition and the definition in effect in each environment it is in."""

    KEYS = (
        "id",
        "name",
        "group",
        "backend_type",
        "req_protocol",
        "req_method",
        "req_uri",
        "backend",
        "policies",
        "published",
        "auth_type",
        "mock",
    )

    def __init__(self, where, data, groups, environments, channels, created):
        check_keys(where, data, self.KEYS, ("name", "group"))
        self.name = string(where + ".name", data["name"])
        self.group = _lookup(where + ".group", data["group"], groups)
        self.id = string(where + ".id", data.get("id") or derived_id("api", self.group.id, self.name))
        self.backend_type = choice(where + ".backend_type", data.get("backend_type"), API_BACKEND_TYPES, "HTTP")
        self.req_protocol = choice(
            where + ".req_protocol", data.get("req_protocol"), ("HTTP", "HTTPS", "BOTH"), "HTTPS"
        )
        self.req_method = choice(where + ".req_method", data.get("req_method"), BACKEND_METHODS, "GET")
        self.req_uri = optional_string(where + ".req_uri", data.get("req_uri"), "/" + self.name)
        self.frontend = PathTemplate(where + ".req_uri", self.req_uri)
        self.auth_type = choice(where + ".auth_type", data.get("auth_type"), AUTH_TYPES, "NONE")
        self.mock = _mock(where + ".mock", data.get("mock"))
        self.created = created
        draft = {key: data[key] for key in ("backend", "policies") if key in data}
        self.draft = Definition(where, draft, channels, self.backend_type)
        self.published = {}  # environment id -> (version id, Definition)
        for env_key, override in mapping(where + ".published", data.get("published") or {}).items():
            environment = _lookup("%s.published.%s" % (where, env_key), env_key, environments)
            at = "%s.published.%s" % (where, env_key)
            definition = Definition(at, dict(draft, **mapping(at, override or {})), channels, self.backend_type)
            self.published[environment.id] = (derived_id("version", self.id, environment.id), definition)


def _mock(where, data):
    """What a MOCK API answers: ``{"status", "body", "content_type"}`` (200, ``{}``, JSON when not given)."""
    data = mapping(where, {} if data is None else data)
    check_keys(where, data, MOCK_KEYS)
    return {
        "status": integer(where + ".status", data.get("status"), 200, 100, 599),
        "body": optional_string(where + ".body", data.get("body"), "{}"),
        "content_type": optional_string(where + ".content_type", data.get("content_type"), "application/json"),
    }


def _lookup(where, key, items):
    """An item by id or by name."""
    if key in items:
        return items[key]
    found = [item for item in items.values() if item.name == key]
    if not found:
        raise ConfigError("%s %r names nothing defined in this instance" % (where, key))
    return found[0]


class Catalog:
    """An instance's groups, environments, variables and APIs, and the published versions by id."""

    def __init__(self, where, data, channels, created):
        self.region = None  # set by the project (its name): a group's subdomain is <group id>.apic.<region>...
        self.project_id = None
        self.channels = channels
        self.groups = self._named(where + ".groups", data.get("groups"), "group", created)
        self.environments = {RELEASE_ID: Named(where, {"id": RELEASE_ID, "name": RELEASE}, "env", created)}
        self.environments.update(self._named(where + ".environments", data.get("environments"), "env", created))
        self.variables = []  # (group id, environment id, name, value, id)
        for index, item in enumerate(sequence(where + ".variables", data.get("variables"))):
            at = "%s.variables[%d]" % (where, index)
            check_keys(at, item, ("group", "environment", "name", "value"), ("group", "environment", "name", "value"))
            group = _lookup(at + ".group", item["group"], self.groups)
            environment = _lookup(at + ".environment", item["environment"], self.environments)
            name, value = string(at + ".name", item["name"]), string(at + ".value", item["value"])
            self.variables.append(
                (group.id, environment.id, name, value, derived_id("var", group.id, environment.id, name))
            )
        self.apis = {}
        for index, item in enumerate(sequence(where + ".apis", data.get("apis"))):
            api = Api("%s.apis[%d]" % (where, index), item, self.groups, self.environments, channels, created)
            if api.id in self.apis:
                raise ConfigError("%s: duplicate API id %s" % (where, api.id))
            self.apis[api.id] = api
        self.versions = {
            version_id: (api, env_id, definition)
            for api in self.apis.values()
            for env_id, (version_id, definition) in api.published.items()
        }

    @staticmethod
    def _named(where, items, kind, created):
        found = {}
        for index, item in enumerate(sequence(where, items)):
            named = Named("%s[%d]" % (where, index), item, kind, created)
            if named.id in found or named.name in {other.name for other in found.values()}:
                raise ConfigError("%s: duplicate %s %s" % (where, kind, named.name))
            found[named.id] = named
        return found
