"""The two APIG operations the collection calls, as pure functions of config and request.

* ``POST /v2/{project_id}/apigw/instances/{instance_id}/backend/connectivity/check``
  (APIG API reference, "Verifying the Backend Connectivity")
* ``GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members``
  (APIG API reference, "Querying Backend Servers of a VPC Channel")

They know nothing about HTTP plumbing, faults or throttling; the handler has
already authenticated the caller for ``project_id`` when they run.
"""

import json
import re
from urllib.parse import unquote

from tests.emulator import errors
from tests.emulator.addresses import parse_backend_address

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


def check_connectivity(config, checker, params, body):
    """The connectivity check: validate the body, connect for real, report failures.

    A channel without members cannot carry traffic, so it is FAILED with an
    empty ``failures`` list (a case clients must not mistake for SUCCESS).
    """
    instance = _instance(config, params)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise errors.invalid_parameter("backend_type") from None
    if not isinstance(data, dict) or data.get("backend_type") not in BACKEND_TYPES:
        raise errors.invalid_parameter("backend_type")
    if data["backend_type"] == "backend_address":
        try:
            endpoints = [parse_backend_address(data.get("backend_address"))]
        except ValueError:
            raise errors.invalid_parameter("backend_address") from None
    else:
        channel_id = data.get("vpc_channel_id")
        if not isinstance(channel_id, str) or not channel_id:
            raise errors.invalid_parameter("vpc_channel_id")
        channel = _channel(instance, channel_id)
        endpoints = [(member.host, member.port) for member in channel.members]
    failures = checker.failures(endpoints)
    result = "FAILED" if failures or not endpoints else "SUCCESS"
    return 201, {"check_result": result, "failures": failures}


def _paging_value(query, name, default, minimum, maximum=None):
    if name not in query:
        return default
    text = query[name]
    if not text.isdigit() or not text.isascii():
        raise errors.invalid_parameter(name)
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        raise errors.invalid_parameter(name)
    return value


def list_members(config, params, query):
    """One page of a channel's members: ``offset`` (>= 0) and ``limit`` (1-500, default 20)."""
    instance = _instance(config, params)
    channel = _channel(instance, params["vpc_channel_id"])
    offset = _paging_value(query, "offset", 0, 0)
    limit = _paging_value(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    page = [member.to_api() for member in channel.members[offset : offset + limit]]
    return 200, {"size": len(page), "total": len(channel.members), "members": page}
