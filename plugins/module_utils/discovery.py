# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery: every backend the gateway really routes to, found from its own configuration.

From an instance, an API group and an environment (or the draft definitions), to the APIs published there, to their
backends - the main one and each policy's (``policy_https``), as published in that environment, ``#name#``
variables resolved with that environment's values - and from those to a de-duplicated list of checks, each named by
the APIs (and policies) behind it. Huawei Cloud's APIG API reference: ListApiGroupsV2, ListEnvironmentsV2,
ListApisV2 (no backends in its items), ShowDetailsOfApiV2 (the draft), ListApiVersionsV2 and
ListApiVersionDetailV2 (as published), ListEnvironmentVariablesV2.

Calls: the group and environment listings, the API list (paged by 500), one variable listing per group, then at
most two calls per API (the version in effect, then its detail; or the draft's detail) on ``concurrency``
threads of the run's one client (one sign-in, one HTTP session, throttling handled by its retries).

What cannot be found for one API (a variable without a value in the environment, an API not published there) is
that API's ``problem``, never a crash: it becomes a check that could not be made, which the gate treats as any
other (``on_error``). A channel that no longer exists is the gateway's own answer to that check (APIG.3023).
What the APIs found call for - the checks - is ``discovered_checks.py``'s.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import List, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    BACKEND_ADDRESS,
    VPC_CHANNEL,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import check_huawei_id
from ansible_collections.hwcloud.apig.plugins.module_utils.option_errors import did_you_mean
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import VARIABLE, AddressError, parse_backend_address

RELEASE = "RELEASE"
ROUTED_BACKEND_TYPES = ("HTTP",)  # FUNCTION and MOCK APIs send no traffic to a backend this can check
_CHANNEL_ROUTED = 1  # vpc_channel_status: 1 through a VPC channel, 2 to url_domain
FRONTEND_KEYS = ("req_method", "req_uri", "req_protocol", "auth_type")


def discovery_option_spec():
    """What to discover: an instance, a group, an environment (none: the drafts), and optionally some APIs."""
    return dict(
        instance_id=dict(type="str", required=True),
        group=dict(type="str"),
        environment=dict(type="str"),
        apis=dict(type="list", elements="str"),
    )


@dataclass
class DiscoverySpec:
    """A validated discovery request."""

    instance_id: str
    group: Optional[str] = None
    environment: Optional[str] = None
    apis: Optional[List[str]] = None

    @classmethod
    def from_params(cls, params, where=""):
        """From converted options; InputError names what is wrong before anything is sent."""
        instance_id = check_huawei_id(where + "instance_id", params.get("instance_id"))
        for option in ("group", "environment"):
            value = params.get(option)
            if value is not None and (not value.strip() or value != value.strip()):
                raise InputError(
                    where + option, "%s%s must be a name or an ID without surrounding blanks" % (where, option)
                )
        apis = params.get("apis")
        if apis is not None and (not apis or not all(isinstance(api, str) and api.strip() for api in apis)):
            raise InputError(where + "apis", "%sapis must list API names or IDs" % where)
        return cls(instance_id, params.get("group"), params.get("environment"), list(apis) if apis else None)

    def describe(self):
        return {
            "instance_id": self.instance_id,
            "group": self.group,
            "environment": self.environment,
            "apis": self.apis,
        }


@dataclass
class Backend:
    """One backend of one API: the main one, or a policy's."""

    api_id: str
    api_name: str
    policy: Optional[str]
    backend_type: Optional[str] = None
    backend_address: Optional[str] = None
    vpc_channel_id: Optional[str] = None
    url_domain: Optional[str] = None
    problem: Optional[str] = None

    @property
    def label(self):
        """How checks and the gate's table name it: the API, and the policy when it is a policy's."""
        return self.api_name if self.policy is None else "%s [policy %s]" % (self.api_name, self.policy)

    @classmethod
    def from_described(cls, api_id, api_name, described):
        """Back from ``describe()`` (as a module returned it), for the API ``api_id`` named ``api_name``."""
        return cls(
            api_id,
            api_name,
            described.get("policy"),
            described.get("backend_type"),
            described.get("backend_address"),
            described.get("vpc_channel_id"),
            described.get("url_domain"),
            described.get("problem"),
        )

    def describe(self):
        found = {"kind": "main" if self.policy is None else "policy", "policy": self.policy}
        found.update(backend_type=self.backend_type, url_domain=self.url_domain, problem=self.problem)
        found.update(backend_address=self.backend_address, vpc_channel_id=self.vpc_channel_id)
        return found


@dataclass
class DiscoveredApi:
    """An API and its backends, or why it has none to check."""

    id: str
    name: str
    group: dict
    backends: list = field(default_factory=list)
    skipped: Optional[str] = None
    problem: Optional[str] = None
    # How the API is called (``req_method``, ``req_uri``, ``req_protocol``, ``auth_type``), as listed and then as
    # published: what a call through the gateway (``api_debug``) needs, and not part of ``describe()``.
    frontend: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_described(cls, described):
        """Back from ``describe()``: what ``api_backend_info`` returned is enough to derive the checks again."""
        return cls(
            described.get("id"),
            described.get("name"),
            described.get("group") or {},
            [
                Backend.from_described(described.get("id"), described.get("name"), backend)
                for backend in described.get("backends") or []
            ],
            described.get("skipped"),
            described.get("problem"),
        )

    def describe(self):
        return {
            "id": self.id,
            "name": self.name,
            "group": self.group,
            "backends": [backend.describe() for backend in self.backends],
            "skipped": self.skipped,
            "problem": self.problem,
        }


def _pick(items, wanted, what, where):
    """The one item whose id or name is ``wanted``; an ApigError listing what there is, when none is."""
    found = [item for item in items if wanted in (item.get("id"), item.get("name"))]
    if len(found) == 1:
        return found[0]
    names = ", ".join(sorted(str(item.get("name")) for item in items)) or "none"
    if not found:
        raise ApigError("%s has no %s %r (there: %s)" % (where, what, wanted, names))
    raise ApigError("%s has %d %ss named %r: give its ID" % (where, len(found), what, wanted))


def resolve_variables(text, values, environment):
    """``text`` with every ``#name#`` replaced by its value; an error naming the first variable without one."""
    missing = [name for name in VARIABLE.findall(text or "") if name not in values]
    if missing:
        raise ValueError("variable #%s# has no value in environment %s" % (missing[0], environment))
    return VARIABLE.sub(lambda match: values[match.group(1)], text)


def _address(url_domain, protocol):
    """A resolved backend address with its port (APIG's 80 for HTTP, 443 for HTTPS when it gives none)."""
    backend = parse_backend_address(url_domain)
    return backend.local_address("https" if protocol == "HTTPS" else "http").hostport


class Discovery:
    """Discovers with one client, the per-API calls on up to ``concurrency`` threads."""

    def __init__(self, client, concurrency=20):
        self.client = client
        self.concurrency = max(1, int(concurrency))
        self._listed = {}  # (what, instance) -> the instance's groups or environments, read once per run

    def _listing(self, what, instance_id):
        key = (what, instance_id)
        if key not in self._listed:
            read = apig_calls.list_api_groups_v2 if what == "groups" else apig_calls.list_environments_v2
            self._listed[key] = read(self.client, instance_id)
        return self._listed[key]

    def run(self, spec):
        """The ``DiscoveredApi`` records of one DiscoverySpec; an ApigError before any API is read when the group or
        environment is not found."""
        instance = "instance %s" % spec.instance_id
        group = None
        if spec.group is not None:
            group = _pick(self._listing("groups", spec.instance_id), spec.group, "API group", instance)
        environment = None
        if spec.environment is not None:
            environment = _pick(self._listing("envs", spec.instance_id), spec.environment, "environment", instance)
        listed = apig_calls.list_apis_v2(
            self.client, spec.instance_id, group["id"] if group else None, environment["id"] if environment else None
        )
        apis = self._selected(spec, listed, group, environment)
        values = self._variables(spec, apis, environment)
        readable = [api for api in apis if api.problem is None and api.skipped is None]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(readable)))) as pool:
            list(pool.map(lambda api: self._read(spec, api, environment, values), readable))
        return apis

    def _selected(self, spec, listed, group, environment):
        """The APIs asked for: all listed, or those of ``apis``; one asked for but not listed is a problem."""
        apis = [
            DiscoveredApi(
                item.get("id"), item.get("name"), {"id": item.get("group_id"), "name": item.get("group_name")}
            )
            for item in listed
        ]
        for api, item in zip(apis, listed):
            api.frontend = {key: item.get(key) for key in FRONTEND_KEYS}
            if not isinstance(api.id, str) or not api.id:
                api.problem = "APIG lists this API without an id, so its backends cannot be read"
            elif item.get("backend_type") not in ROUTED_BACKEND_TYPES:
                api.skipped = "%s API: it sends no traffic to a backend" % item.get("backend_type")
        if spec.apis is None:
            return apis
        chosen = []
        for wanted in spec.apis:
            matches = [api for api in apis if wanted in (api.id, api.name)]
            if matches:
                chosen.extend(api for api in matches if api not in chosen)
                continue
            where = "group %s" % group["name"] if group else "instance %s" % spec.instance_id
            why = "not found in %s" % where
            if environment is not None:
                why += " among the APIs published in environment %s" % environment["name"]
            chosen.append(
                DiscoveredApi(
                    wanted,
                    wanted,
                    {"id": group["id"] if group else None, "name": group["name"] if group else None},
                    problem=why,
                )
            )
        return chosen

    def _variables(self, spec, apis, environment):
        """``{group id: {name: value}}`` of the environment, for the groups of the APIs read (none: drafts)."""
        if environment is None:
            return {}
        groups = sorted({api.group["id"] for api in apis if api.problem is None and api.group.get("id")})
        return {
            group_id: {
                item.get("variable_name"): item.get("variable_value")
                for item in apig_calls.list_environment_variables_v2(
                    self.client, spec.instance_id, group_id, environment["id"]
                )
            }
            for group_id in groups
        }

    def _read(self, spec, api, environment, values):
        """The API's definition (as published, or the draft) and its backends; a failure is the API's problem."""
        try:
            if environment is None:
                definition = apig_calls.show_details_of_api_v2(self.client, spec.instance_id, api.id)
            else:
                versions = apig_calls.list_api_versions_v2(self.client, spec.instance_id, api.id, environment["id"])
                current = [version for version in versions if version.get("status") == 1]
                if not current:
                    api.problem = "not published in environment %s" % environment["name"]
                    return
                version_id = current[0].get("version_id")
                if not isinstance(version_id, str) or not version_id:
                    api.problem = "APIG names no version_id for its version in effect in %s" % environment["name"]
                    return
                definition = apig_calls.list_api_version_detail_v2(self.client, spec.instance_id, version_id)
        except ApigError as exc:
            api.problem = exc.msg
            return
        api.frontend.update((key, definition[key]) for key in FRONTEND_KEYS if definition.get(key) is not None)
        group_values = values.get(api.group.get("id"), {})
        env_name = environment["name"] if environment else "(draft)"
        api.backends = [
            self._backend(api, None, definition.get("backend_api"), group_values, env_name, environment is None)
        ] + [
            self._backend(api, policy.get("name"), policy, group_values, env_name, environment is None)
            for policy in definition.get("policy_https") or []
        ]

    @staticmethod
    def _backend(api, policy, data, values, env_name, draft):
        backend = Backend(api.id, api.name, policy)
        data = data if isinstance(data, dict) else {}
        if data.get("vpc_channel_status") == _CHANNEL_ROUTED:
            backend.backend_type = VPC_CHANNEL
            backend.vpc_channel_id = (data.get("vpc_channel_info") or {}).get("vpc_channel_id")
            if not backend.vpc_channel_id:
                backend.problem = "goes through a VPC channel that APIG does not name"
            return backend
        backend.backend_type = BACKEND_ADDRESS
        backend.url_domain = data.get("url_domain")
        if not isinstance(backend.url_domain, str):
            backend.problem = "APIG gives no backend address (url_domain) and no VPC channel"
            return backend
        try:
            resolved = backend.url_domain if draft else resolve_variables(backend.url_domain, values, env_name)
            backend.backend_address = _address(resolved, data.get("req_protocol"))
        except (ValueError, AddressError) as exc:
            backend.problem = "backend %r: %s" % (backend.url_domain, exc)
        return backend


def discovery_specs_from(value, option="discover"):
    """DiscoverySpecs from the ``discover`` option: one dict, or a list of them, each checked as Ansible checks options.

    The option is ``raw`` because it takes either form; each entry is then converted and validated by Ansible's own
    argument spec validator against ``discovery_option_spec()``, so its conversions are Ansible's, and an unknown
    key is named as a module's unknown option is (``option_errors``), with the key it is closest to.
    """
    if value is None:
        return []
    if isinstance(value, list) and not value:
        raise InputError(option, "%s must list at least one discovery (a dictionary: %s)" % (option, _DISCOVERY_KEYS))
    entries = value if isinstance(value, list) else [value]
    specs = []
    for index, entry in enumerate(entries):
        where = "%s[%d]" % (option, index) if isinstance(value, list) else option
        if not isinstance(entry, dict):
            raise InputError(
                where,
                "%s must be a dictionary (%s)%s, got %s"
                % (where, _DISCOVERY_KEYS, "" if isinstance(value, list) else " or a list of them", _kind(entry)),
            )
        result = ArgumentSpecValidator(discovery_option_spec()).validate(entry)
        if result.unsupported_parameters:
            raise InputError(
                where,
                "Unsupported parameters in %s: %s. Supported parameters include: %s.%s"
                % (
                    where,
                    ", ".join(sorted(result.unsupported_parameters)),
                    ", ".join(sorted(discovery_option_spec())),
                    "".join(" " + hint for hint in did_you_mean(result, where + ".")),
                ),
            )
        if result.error_messages:
            raise InputError(where, "%s: %s" % (where, "; ".join(result.error_messages)))
        specs.append(DiscoverySpec.from_params(result.validated_parameters, where + "."))
    return specs


_DISCOVERY_KEYS = "instance_id, and optionally group, environment and apis"


def _kind(value):
    """What a value is, in the words of a YAML user: a string, a number, a list..."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "a %s" % type(value).__name__
