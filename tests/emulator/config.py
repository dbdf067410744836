# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's configuration: what the emulated cloud holds and who may call it.

A config is a YAML file or a dict (format in README.md).  It is validated
strictly, unknown keys included, because a typo in a test fixture that silently
turns into a default would make a test pass for the wrong reason.
"""

import copy
import datetime
import hashlib

import yaml

from tests.emulator.addresses import parse_backend_address
from tests.emulator.catalog import Catalog
from tests.emulator.network import InstanceNetwork, ProjectNetwork
from tests.emulator.validation import (
    ID_RE,
    NAME_RE,
    ConfigError,
    boolean,
    check_keys,
    choice,
    integer,
    mapping,
    number,
    optional_string,
    sequence,
    string,
    token_value,
)
from tests.loopback.echo_backend import SETTINGS as ECHO_SETTINGS
from tests.loopback.echo_backend import validated_settings
from tests.loopback.sockets import is_ip_literal

HEALTH_STATUSES = ("healthy", "unhealthy", "unknown", None)  # None: answered as null, as real gateways often do
CHANNEL_TYPES = ("builtin", "microservice", "reference")
LEGACY_TYPES = {"builtin": 2, "microservice": 3, "reference": 2}  # the older ``type`` field
MEMBER_TYPES = ("ip", "ecs")
HEALTH_CHECK_KEYS = (
    "protocol",
    "path",
    "method",
    "port",
    "http_code",
    "threshold_normal",
    "threshold_abnormal",
    "time_interval",
    "timeout",
    "status",
    "enable_client_ssl",
)
CHECK_STATUSES = (200, 201)
TOKEN_EXPIRED_CODES = ("APIG.1001", "APIG.0307", "APIG.0301")
ERROR_STYLES = ("apig", "camel", "code", "nested")
BACKEND_KINDS = ("open", "http", "closed", "blackhole", "echo")
DEFAULT_CHECK_TIMEOUT = 2.0
DEFAULT_TOKEN_TTL = 86400
DEFAULT_HOSTS = {"localhost": ["127.0.0.1"]}


def utc_timestamp(moment=None):
    """ISO 8601 in UTC with a ``Z``, the way APIG writes ``create_time``."""
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Member:
    """One VPC channel member: a backend the gateway balances to.

    ``host``/``port`` may be left out in favour of ``backend: <name>``; the
    emulator then fills them in when it starts the named loopback helper.
    ``host: null`` is a member without an address (an ECS member whose IP the
    API does not give); ``port: 0`` is a member served on the channel's port.
    """

    FIELDS = (
        "id",
        "host",
        "port",
        "weight",
        "is_backup",
        "status",
        "health_status",
        "member_group_name",
        "member_group_id",
        "ecs_id",
        "ecs_name",
        "create_time",
    )

    def __init__(self, where, data, channel_id, index, created):
        check_keys(where, data, (*self.FIELDS, "backend"))
        self.backend = data.get("backend")
        if self.backend is not None:
            string(where + ".backend", self.backend)
            if "host" in data or "port" in data:
                raise ConfigError("%s: give either backend or host/port, not both" % where)
            self.host = None
            self.port = None
        else:
            if "host" not in data or "port" not in data:
                raise ConfigError("%s: host and port are required (or backend: <name>)" % where)
            self.host = None if data["host"] is None else token_value(where + ".host", data["host"])
            self.port = integer(where + ".port", data["port"], None, 0, 65535)
        generated = hashlib.sha256(("%s/%d" % (channel_id, index)).encode("utf-8")).hexdigest()[:32]
        self.id = string(where + ".id", data.get("id", generated), ID_RE)
        self.weight = integer(where + ".weight", data.get("weight"), 1, 0, 10000)
        self.is_backup = boolean(where + ".is_backup", data.get("is_backup"), False)
        self.status = integer(where + ".status", data.get("status"), 1, 1, 2)
        self.health_status = data["health_status"] if "health_status" in data else "healthy"
        if self.health_status not in HEALTH_STATUSES:
            raise ConfigError("%s.health_status must be one of healthy, unhealthy, unknown or null" % where)
        self.member_group_name = optional_string(where + ".member_group_name", data.get("member_group_name"))
        self.member_group_id = optional_string(where + ".member_group_id", data.get("member_group_id"))
        self.ecs_id = optional_string(where + ".ecs_id", data.get("ecs_id"))
        self.ecs_name = optional_string(where + ".ecs_name", data.get("ecs_name"))
        self.create_time = optional_string(where + ".create_time", data.get("create_time"), created)
        self.channel_id = channel_id

    def to_api(self):
        """The member as ``GET .../members`` returns it (APIG API reference, "Querying Backend Servers of a VPC Channel")."""
        return {
            "id": self.id,
            "host": self.host,
            "port": self.port,
            "weight": self.weight,
            "is_backup": self.is_backup,
            "status": self.status,
            "health_status": self.health_status,
            "member_group_name": self.member_group_name,
            "member_group_id": self.member_group_id,
            "ecs_id": self.ecs_id,
            "ecs_name": self.ecs_name,
            "vpc_channel_id": self.channel_id,
            "create_time": self.create_time,
        }


class VpcChannel:
    """A load-balance channel: its detail, its members in the order they are listed, its health check.

    ``vpc_channel_type`` ``microservice`` and ``reference`` channels list no members: the gateway reaches the
    service ``instances`` (its registry's, or the referenced channel's) that only it can see. ``legacy_type``
    answers only the older ``type`` field (2 server, 3 microservice), as older gateways do.
    """

    KEYS = (
        "id",
        "name",
        "members",
        "port",
        "member_type",
        "vpc_channel_type",
        "legacy_type",
        "balance_strategy",
        "status",
        "health_check",
        "instances",
    )

    def __init__(self, where, data, created):
        check_keys(where, data, self.KEYS, ("id",))
        self.id = string(where + ".id", data["id"], ID_RE)
        self.name = optional_string(where + ".name", data.get("name"), self.id)
        self.port = integer(where + ".port", data.get("port"), 80, 1, 65535)
        self.member_type = choice(where + ".member_type", data.get("member_type"), MEMBER_TYPES, "ip")
        self.kind = choice(where + ".vpc_channel_type", data.get("vpc_channel_type"), CHANNEL_TYPES, "builtin")
        self.legacy_type = boolean(where + ".legacy_type", data.get("legacy_type"), False)
        self.balance_strategy = integer(where + ".balance_strategy", data.get("balance_strategy"), 1, 1, 4)
        self.status = integer(where + ".status", data.get("status"), 1, 1, 2)
        self.health_check = _health_check(where + ".health_check", data.get("health_check"))
        self.created = created
        self.members = [
            Member("%s.members[%d]" % (where, i), m, self.id, i, created)
            for i, m in enumerate(sequence(where + ".members", data.get("members")))
        ]
        self.instances = [
            Member("%s.instances[%d]" % (where, i), m, self.id, 1000 + i, created)
            for i, m in enumerate(sequence(where + ".instances", data.get("instances")))
        ]
        if self.kind != "builtin" and self.members:
            raise ConfigError("%s: a %s channel lists no members; give its instances" % (where, self.kind))
        ids = [member.id for member in self.members]
        if len(set(ids)) != len(ids):
            raise ConfigError("%s: member ids must be unique" % where)

    def gateway_endpoints(self):
        """``(host, port)`` of everything the gateway reaches through this channel (port 0: the channel's)."""
        servers = self.members if self.kind == "builtin" else self.instances
        return [(server.host, server.port or self.port) for server in servers if server.host]


def _health_check(where, data):
    """A channel's ``vpc_health_config`` as the config gives it (None: the channel has none)."""
    if data is None:
        return None
    check_keys(where, data, HEALTH_CHECK_KEYS, ("protocol",))
    if data["protocol"] not in ("TCP", "HTTP", "HTTPS"):
        raise ConfigError("%s.protocol must be TCP, HTTP or HTTPS" % where)
    return dict(data)


class Instance:
    """A dedicated gateway instance: its VPC channels, and what it publishes (``catalog``: groups, APIs, ...)."""

    def __init__(self, where, data, created, project_network=None):
        keys = ("id", "name", "vpc_channels", "groups", "environments", "variables", "apis", "network")
        check_keys(where, data, keys, ("id",))
        self.id = string(where + ".id", data["id"], ID_RE)
        self.name = optional_string(where + ".name", data.get("name"), "apig-" + self.id[:8])
        self.created = created
        # Where the gateway sits in its project's network (network.py); None: the check connects straight to the backends.
        self.network = None
        if data.get("network") is not None:
            self.network = InstanceNetwork(where + ".network", data["network"], project_network)
        self.vpc_channels = {}
        for i, item in enumerate(sequence(where + ".vpc_channels", data.get("vpc_channels"))):
            channel = VpcChannel("%s.vpc_channels[%d]" % (where, i), item, created)
            if channel.id in self.vpc_channels:
                raise ConfigError("%s: duplicate VPC channel id %s" % (where, channel.id))
            self.vpc_channels[channel.id] = channel
        self.catalog = Catalog(where, data, self.vpc_channels, created)


class Project:
    """A project (IAM scope); its name is the region name, as on Huawei Cloud."""

    def __init__(self, where, data, created):
        check_keys(where, data, ("id", "name", "instances", "network"), ("id",))
        self.id = string(where + ".id", data["id"], ID_RE)
        self.name = optional_string(where + ".name", data.get("name"), self.id)
        # The project's VPC and ECS resources (network.py); None for a config that models no network.
        self.network = None
        if data.get("network") is not None:
            self.network = ProjectNetwork(where + ".network", data["network"])
        self.instances = {}
        for i, item in enumerate(sequence(where + ".instances", data.get("instances"))):
            instance = Instance("%s.instances[%d]" % (where, i), item, created, self.network)
            instance.catalog.region, instance.catalog.project_id = self.name, self.id  # for the groups' subdomains
            if instance.id in self.instances:
                raise ConfigError("%s: duplicate instance id %s" % (where, instance.id))
            self.instances[instance.id] = instance


def denied_actions(where, value):
    """IAM actions an identity lacks (``vpc:securityGroupRules:list``) or whole services and resources (``vpc``,
    ``vpc:ports``): the VPC and ECS calls needing one answer 403 as those services do (services.py)."""
    return [string("%s[%d]" % (where, i), action) for i, action in enumerate(sequence(where, value))]


class TokenSpec:
    """A token handed out before the test starts (as if from an earlier IAM call)."""

    def __init__(self, where, data, default_project):
        check_keys(where, data, ("value", "project_id", "permitted", "expired", "denied"), ("value",))
        self.value = token_value(where + ".value", data["value"])
        project_id = data.get("project_id", default_project)
        if project_id is None:
            raise ConfigError("%s.project_id is required when the config has more than one project" % where)
        self.project_id = string(where + ".project_id", project_id)
        self.permitted = boolean(where + ".permitted", data.get("permitted"), True)
        self.expired = boolean(where + ".expired", data.get("expired"), False)
        self.denied = denied_actions(where + ".denied", data.get("denied"))


class UserSpec:
    """An IAM user who can get a token with a password (IAM API reference, "Obtaining a User Token Through Password Authentication")."""

    def __init__(self, where, data):
        keys = ("name", "password", "domain", "permitted", "token_ttl_seconds", "denied")
        check_keys(where, data, keys, ("name", "password"))
        self.name = string(where + ".name", data["name"])
        self.password = string(where + ".password", data["password"])
        self.domain = data.get("domain")
        if self.domain is not None:
            string(where + ".domain", self.domain)
        self.permitted = boolean(where + ".permitted", data.get("permitted"), True)
        self.denied = denied_actions(where + ".denied", data.get("denied"))
        self.token_ttl_seconds = number(
            where + ".token_ttl_seconds", data.get("token_ttl_seconds"), float(DEFAULT_TOKEN_TTL)
        )


class AkSkSpec:
    """An access key pair; with ``security_token`` it is a temporary credential."""

    def __init__(self, where, data):
        check_keys(where, data, ("ak", "sk", "security_token", "permitted", "project_ids", "denied"), ("ak", "sk"))
        self.ak = token_value(where + ".ak", data["ak"])
        self.sk = string(where + ".sk", data["sk"])
        self.security_token = data.get("security_token")
        if self.security_token is not None:
            token_value(where + ".security_token", self.security_token)
        self.permitted = boolean(where + ".permitted", data.get("permitted"), True)
        self.denied = denied_actions(where + ".denied", data.get("denied"))
        project_ids = data.get("project_ids")
        self.project_ids = None
        if project_ids is not None:
            self.project_ids = [
                string("%s.project_ids[%d]" % (where, i), p)
                for i, p in enumerate(sequence(where + ".project_ids", project_ids))
            ]


class ThrottleSpec:
    """Flow control: at most ``max_requests_per_second`` APIG requests in any 1 s window."""

    def __init__(self, where, data):
        check_keys(where, data, ("max_requests_per_second", "retry_after"), ("max_requests_per_second",))
        self.max_requests_per_second = integer(
            where + ".max_requests_per_second", data["max_requests_per_second"], None, 1
        )
        self.retry_after = integer(where + ".retry_after", data.get("retry_after"), None, 0)


class BackendSpec:
    """A loopback helper backend the emulator starts itself (``open``, ``http``, ``closed``, ``blackhole``, and
    ``echo``, whose answer tests set: ``status``, ``body`` | ``body_size``, ``headers``, ``latency_ms``)."""

    def __init__(self, where, name, data):
        string(where, name, NAME_RE)
        if isinstance(data, str):
            data = {"kind": data}
        check_keys(where, data, ("kind", "port", *ECHO_SETTINGS), ("kind",))
        self.name = name
        self.kind = data["kind"]
        if self.kind not in BACKEND_KINDS:
            raise ConfigError("%s.kind must be one of %s" % (where, ", ".join(BACKEND_KINDS)))
        self.port = integer(where + ".port", data.get("port"), 0, 0, 65535)
        self.settings = {key: data[key] for key in ECHO_SETTINGS if key in data}
        if self.settings and self.kind != "echo":
            raise ConfigError("%s: %s apply to an echo backend only" % (where, ", ".join(sorted(self.settings))))
        try:
            validated_settings(self.settings)
        except ValueError as exc:
            raise ConfigError("%s: %s" % (where, exc)) from None


class EmulatorConfig:
    """The whole validated configuration."""

    TOP_LEVEL = (
        "projects",
        "tokens",
        "users",
        "aksk",
        "throttle",
        "check_timeout",
        "hosts",
        "blocked_from_gateway",
        "backends",
        "check_status",
        "connectivity_check",
        "error_style",
        "token_expired_code",
        "latency_ms",
    )

    def __init__(self, data):
        check_keys("config", data, self.TOP_LEVEL, ("projects",))
        # How this gateway answers: the check's success status (201 in Huawei's reference, 200 in another SDK),
        # whether it offers the check at all (a gateway without it answers 404 APIG.0101), the form of its error
        # bodies, and the code an expired token gets (APIG.1001, or APIG.0307 / APIG.0301 as gateways also say).
        self.check_status = choice("check_status", data.get("check_status"), CHECK_STATUSES, 201)
        self.connectivity_check = boolean("connectivity_check", data.get("connectivity_check"), True)
        self.error_style = choice("error_style", data.get("error_style"), ERROR_STYLES, "apig")
        # Every APIG and IAM answer waits this long first, as a far-away region would (benchmarks).
        self.latency = number("latency_ms", data.get("latency_ms"), 0.0) / 1000.0
        self.token_expired_code = choice(
            "token_expired_code", data.get("token_expired_code"), TOKEN_EXPIRED_CODES, "APIG.1001"
        )
        created = utc_timestamp()
        self.projects = {}
        for i, item in enumerate(sequence("projects", data["projects"])):
            project = Project("projects[%d]" % i, item, created)
            if project.id in self.projects:
                raise ConfigError("projects[%d]: duplicate project id %s" % (i, project.id))
            self.projects[project.id] = project
        if not self.projects:
            raise ConfigError("projects must list at least one project")
        default_project = next(iter(self.projects)) if len(self.projects) == 1 else None
        self.tokens = [
            TokenSpec("tokens[%d]" % i, t, default_project)
            for i, t in enumerate(sequence("tokens", data.get("tokens")))
        ]
        self.users = {}
        for i, item in enumerate(sequence("users", data.get("users"))):
            user = UserSpec("users[%d]" % i, item)
            self.users[user.name] = user
        self.aksk = {}
        for i, item in enumerate(sequence("aksk", data.get("aksk"))):
            pair = AkSkSpec("aksk[%d]" % i, item)
            self.aksk[pair.ak] = pair
        self.throttle = ThrottleSpec("throttle", data["throttle"]) if data.get("throttle") is not None else None
        self.check_timeout = number(
            "check_timeout", data.get("check_timeout"), DEFAULT_CHECK_TIMEOUT, 0.0, exclusive=True
        )
        self.hosts = self._hosts(data.get("hosts"))
        self.blocked_from_gateway = []
        for i, text in enumerate(sequence("blocked_from_gateway", data.get("blocked_from_gateway"))):
            try:
                parse_backend_address(text)
            except ValueError as exc:
                raise ConfigError("blocked_from_gateway[%d]: %s" % (i, exc)) from None
            self.blocked_from_gateway.append(text)
        self.backends = {}
        for name, item in mapping("backends", data.get("backends") or {}).items():
            self.backends[name] = BackendSpec("backends.%s" % name, name, item)
        for project in self.projects.values():
            for key, backend in project.network.listeners.items() if project.network else ():
                if backend not in self.backends:
                    raise ConfigError(
                        "project %s: listener %s refers to backend %r, which is not defined under backends"
                        % (project.id, key[0] if key[1] is None else "%s:%d" % key, backend)
                    )
        for member in self.members():
            if member.backend is not None and member.backend not in self.backends:
                raise ConfigError(
                    "member %s refers to backend %r, which is not defined under backends" % (member.id, member.backend)
                )

    @staticmethod
    def _hosts(data):
        hosts = {name: list(addrs) for name, addrs in DEFAULT_HOSTS.items()}
        for name, value in mapping("hosts", data or {}).items():
            where = "hosts.%s" % name
            string(where, name)
            addrs = [value] if isinstance(value, str) else sequence(where, value)
            for addr in addrs:
                if not isinstance(addr, str) or not is_ip_literal(addr):
                    raise ConfigError("%s: %r is not an IP address" % (where, addr))
            hosts[name.lower().rstrip(".")] = list(addrs)
        return hosts

    def members(self):
        """Every member and service instance of every channel (used to bind ``backend:`` references)."""
        for project in self.projects.values():
            for instance in project.instances.values():
                for channel in instance.vpc_channels.values():
                    yield from channel.members
                    yield from channel.instances

    def project_by_name(self, name):
        """The project whose name (region) is ``name``, or None."""
        for project in self.projects.values():
            if project.name == name:
                return project
        return None

    @classmethod
    def load(cls, source):
        """Build a config from a dict, a YAML/JSON file path, or a config (copied, never shared)."""
        if isinstance(source, EmulatorConfig):
            return copy.deepcopy(source)
        if isinstance(source, dict):
            return cls(copy.deepcopy(source))
        try:
            with open(source, encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError("cannot read config %s: %s" % (source, exc)) from None
        if not isinstance(data, dict):
            raise ConfigError("config %s must hold a mapping at the top level" % source)
        return cls(data)
