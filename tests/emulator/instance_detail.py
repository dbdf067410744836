# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gateway's side of its network, as APIG tells it: the instance detail and the instance's features.

* ``GET /v2/{project_id}/apigw/instances/{instance_id}`` (ShowDetailsOfInstanceV2, "Querying Dedicated Gateway
  Details"): ``vpc_id``, ``subnet_id``, ``security_group_id``, ``ingress_ip``, ``nat_eip_address`` (public egress;
  left out when off), ``node_ips{livedata[], shubao[]}``, ``loadbalancer_provider``;
* ``GET /v2/{project_id}/apigw/instances/{instance_id}/features`` (ListFeaturesV2, "Querying Gateway Features"):
  ``size``, ``total``, ``features[]``, paged by ``offset``/``limit`` (default 20, above 500: 500); the ``route``
  feature's ``config`` is a JSON string ``{"user_routes": [cidr, ...]}``.

An instance without a ``network`` in the config answers the detail without network fields and lists no feature.
Bodies follow huaweicloudsdkapig's ShowDetailsOfInstanceV2Response and ListFeaturesV2Response (tests/contract).
"""

import calendar
import json
import re
import time

from tests.emulator import errors

_INSTANCE = r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)"
ROUTES = (
    ("instance_features", ("GET",), re.compile(_INSTANCE + r"/features/?$")),
    ("instance", ("GET",), re.compile(_INSTANCE + r"/?$")),
)
NAMES = tuple(name for name, _methods, _pattern in ROUTES)
DEFAULT_LIMIT = 20
MAX_LIMIT = 500


def _epoch_ms(created):
    """``create_time`` as the detail gives it: milliseconds since the epoch (an integer)."""
    return calendar.timegm(time.strptime(created, "%Y-%m-%dT%H:%M:%SZ")) * 1000


def instance_body(project, instance):
    """ShowDetailsOfInstanceV2Response for ``instance``."""
    body = {
        "id": instance.id,
        "project_id": project.id,
        "instance_name": instance.name,
        "status": "Running",
        "instance_status": 6,
        "type": "apig",
        "spec": "PROFESSIONAL",
        "create_time": _epoch_ms(instance.created),
        "enterprise_project_id": "0",
        "charging_mode": 0,
        "loadbalancer_provider": "elb",
        "description": "",
        "instance_version": "2.0",
        "available_zone_ids": "[%s-1a]" % project.name,
        "supported_features": ["route"],
        "enable_fullstack_ipv6": False,
        "is_releasable": True,
    }
    net = instance.network
    if net is not None:
        body.update(
            vpc_id=net.vpc.id,
            subnet_id=net.subnet.id,
            virsubnet_id=net.subnet.id,
            security_group_id=net.security_group_id,
            node_ips={"livedata": list(net.node_ips["livedata"]), "shubao": list(net.node_ips["shubao"])},
        )
        if net.ingress_ip is not None:
            body["ingress_ip"] = net.ingress_ip
        if net.nat_eip_address is not None:
            body["nat_eip_address"] = net.nat_eip_address
    return body


def _features(instance):
    """The instance's features: the ``route`` feature when the config gives ``user_routes`` (enabled when any)."""
    net = instance.network
    if net is None or net.user_routes is None:
        return []
    return [
        {
            "id": instance.id[:16] + "726f757465000000",
            "name": "route",
            "enable": bool(net.user_routes),
            "config": json.dumps({"user_routes": list(net.user_routes)}),
            "instance_id": instance.id,
            "update_time": instance.created,
        }
    ]


def _number(query, name, default, minimum):
    if name not in query:
        return default
    text = query[name]
    if not text.isdigit() or not text.isascii() or int(text) < minimum:
        raise errors.invalid_parameter(name)
    return int(text)


def answer(name, project, instance, request):
    """``(status, payload)`` of ShowDetailsOfInstanceV2 or ListFeaturesV2 for ``instance``."""
    if name == "instance":
        return 200, instance_body(project, instance)
    features = _features(instance)
    offset = _number(request.query, "offset", 0, 0)
    limit = min(_number(request.query, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    page = features[offset : offset + limit]
    return 200, {"size": len(page), "total": len(features), "features": page}
