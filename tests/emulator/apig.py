# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The APIG operations the collection calls, as pure functions of config and request.

* ``POST /v2/{project_id}/apigw/instances/{instance_id}/backend/connectivity/check``
  (APIG API reference, "Verifying the Backend Connectivity")
* ``GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members``
  (APIG API reference, "Querying Backend Servers of a VPC Channel")
* ``GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}``
  (APIG API reference, "Querying VPC Channel Details"; body per ``ShowDetailsOfVpcChannelV2Response``)

They know nothing about HTTP plumbing, faults or throttling; the handler has
already authenticated the caller for ``project_id`` when they run.
"""

import hashlib
import json
import re
from urllib.parse import unquote

from tests.emulator import debug, discovery, errors, instance_detail, statistics
from tests.emulator.addresses import has_variable, parse_backend_address
from tests.emulator.config import LEGACY_TYPES

BACKEND_TYPES = ("backend_address", "vpc_channel")
DEFAULT_LIMIT = 20
MAX_LIMIT = 500

ROUTES = (
    (
        "check",
        ("POST",),
        re.compile(r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)/backend/connectivity/check/?$"),
    ),
    (
        "members",
        ("GET",),
        re.compile(
            r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)"
            r"/vpc-channels/(?P<vpc_channel_id>[^/]+)/members/?$"
        ),
    ),
    *discovery.ROUTES,
    *debug.ROUTES,
    *statistics.ROUTES,
    *instance_detail.ROUTES,
    (
        "channel",
        ("GET",),
        re.compile(
            r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)/vpc-channels/(?P<vpc_channel_id>[^/]+)/?$"
        ),
    ),
)


def match_route(path):
    """``(name, allowed_methods, path_params)`` for an APIG path, or None."""
    for name, methods, pattern in ROUTES:
        match = pattern.match(path)
        if match:
            return name, methods, {key: unquote(value) for key, value in match.groupdict().items()}
    return None


def _instance(config, params):
    project = config.projects[params["project_id"]]
    instance = project.instances.get(params["instance_id"])
    if instance is None:
        raise errors.instance_not_found(params["instance_id"])
    return instance


def _channel(instance, channel_id):
    channel = instance.vpc_channels.get(channel_id)
    if channel is None:
        raise errors.vpc_channel_not_found(channel_id)
    return channel


def answer(name, config, checker, request, params, gateway=None):
    """``(status, payload)`` of the operation a route names, for an authenticated caller (``gateway``: the
    emulated gateway's data plane, which DebugApiV2 calls and whose statistics the statistics calls read)."""
    if name == "check":
        if not config.connectivity_check:
            raise errors.api_not_found(request.raw_path)  # a gateway that does not offer the check
        return check_connectivity(config, checker, params, request.body)
    if name == "members":
        return list_members(config, params, request.query)
    if name in discovery.NAMES:
        return discovery.answer(name, _instance(config, params), params, request.query)
    if name in debug.NAMES:
        return debug.answer(gateway, _instance(config, params).catalog, request, params)
    if name in statistics.NAMES:
        return statistics.answer(name, gateway.statistics, _instance(config, params).catalog, request.query)
    if name in instance_detail.NAMES:
        return instance_detail.answer(name, config.projects[params["project_id"]], _instance(config, params), request)
    return show_channel(config, params)


def check_connectivity(config, checker, params, body):
    """The connectivity check: validate the body, connect for real, report failures.

    A channel without members cannot carry traffic, so it is FAILED with an
    empty ``failures`` list (a case clients must not mistake for SUCCESS). A
    member without its own port is checked on the channel's; a member without
    an address is not checked (the emulated gateway cannot know one). An
    address with an environment variable (``#name#``) cannot be resolved
    without an environment: it is reported unreachable, as written.
    """
    instance = _instance(config, params)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise errors.invalid_parameter("backend_type") from None
    if not isinstance(data, dict) or data.get("backend_type") not in BACKEND_TYPES:
        raise errors.invalid_parameter("backend_type")
    unresolved = []
    if data["backend_type"] == "backend_address":
        address = data.get("backend_address")
        try:
            endpoint = parse_backend_address(address)
        except ValueError:
            raise errors.invalid_parameter("backend_address") from None
        endpoints = [] if has_variable(address) else [endpoint]
        unresolved = [address] if has_variable(address) else []
    else:
        channel_id = data.get("vpc_channel_id")
        if not isinstance(channel_id, str) or not channel_id:
            raise errors.invalid_parameter("vpc_channel_id")
        endpoints = _channel(instance, channel_id).gateway_endpoints()
    channel_member = data["backend_type"] == "vpc_channel"
    failures = unresolved + checker.failures(endpoints, instance, channel_member)
    result = "FAILED" if failures or not (endpoints or unresolved) else "SUCCESS"
    return config.check_status, {"check_result": result, "failures": failures}


def _paging_value(query, name, default, minimum):
    if name not in query:
        return default
    text = query[name]
    if not text.isdigit() or not text.isascii():
        raise errors.invalid_parameter(name)
    value = int(text)
    if value < minimum:
        raise errors.invalid_parameter(name)
    return value


def list_members(config, params, query):
    """One page of a channel's members: ``offset`` (>= 0) and ``limit`` (default 20; above 500, 500)."""
    instance = _instance(config, params)
    channel = _channel(instance, params["vpc_channel_id"])
    offset = _paging_value(query, "offset", 0, 0)
    limit = min(_paging_value(query, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    page = [member.to_api() for member in channel.members[offset : offset + limit]]
    return 200, {"size": len(page), "total": len(channel.members), "members": page}


def _health_config(channel):
    """``vpc_health_config`` as ``VpcHealthConfigInfo``: the config's keys over the gateway's defaults."""
    if channel.health_check is None:
        return None
    health = {
        "protocol": "TCP",
        "path": "",
        "method": "GET",
        "port": 0,
        "threshold_normal": 2,
        "threshold_abnormal": 5,
        "time_interval": 10,
        "http_code": "",
        "enable_client_ssl": False,
        "status": 1,
        "timeout": 5,
        "vpc_channel_id": channel.id,
        "id": hashlib.sha256(("health/" + channel.id).encode("utf-8")).hexdigest()[:32],
        "create_time": channel.created,
    }
    health.update(channel.health_check)
    return health


def _microservice_info(channel):
    """``microservice_info`` of a microservice channel (a CSE service), None for the other kinds."""
    if channel.kind != "microservice":
        return None
    return {
        "id": hashlib.sha256(("ms/" + channel.id).encode("utf-8")).hexdigest()[:32],
        "instance_id": "",
        "service_type": "CSE",
        "cse_info": {
            "engine_id": "cse-engine-0001",
            "service_id": "service-" + channel.id[:8],
            "engine_name": "cse-emulated",
            "service_name": channel.name,
            "register_address": "",
            "cse_app_id": "default",
            "version": "1.0.0",
        },
        "cce_info": None,
        "cce_service_info": None,
        "nacos_info": None,
        "create_time": channel.created,
        "update_time": channel.created,
    }


def show_channel(config, params):
    """A channel's detail as ``ShowDetailsOfVpcChannelV2Response``; ``legacy_type`` leaves out the newer type field."""
    channel = _channel(_instance(config, params), params["vpc_channel_id"])
    detail = {
        "id": channel.id,
        "name": channel.name,
        "port": channel.port,
        "balance_strategy": channel.balance_strategy,
        "member_type": channel.member_type,
        "type": LEGACY_TYPES[channel.kind],
        "vpc_channel_type": channel.kind,
        "dict_code": "",
        "create_time": channel.created,
        "status": channel.status,
        "member_groups": [],
        "microservice_info": _microservice_info(channel),
        "members": [member.to_api() for member in channel.members],
        "vpc_health_config": _health_config(channel),
    }
    if channel.legacy_type:
        del detail["vpc_channel_type"]
    return 200, detail
