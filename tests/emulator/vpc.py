# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The VPC operations the diagnosis reads, as pure functions of a project's network (network.py) and a request.

From Huawei Cloud's VPC API reference, each body shaped as the huaweicloudsdkvpc model named (tests/contract):

* ShowVpc ``GET /v1/{project_id}/vpcs/{vpc_id}`` (v2 ShowVpcResponse) and ShowSubnet
  ``GET /v1/{project_id}/subnets/{subnet_id}`` (v2 ShowSubnetResponse);
* ListPorts ``GET /v1/{project_id}/ports?fixed_ips=ip_address=<ip>`` (v2 ListPortsResponse; also ``device_id``,
  ``id``, ``limit``/``marker``);
* ListSecurityGroupRules v3 ``GET /v3/{project_id}/vpc/security-group-rules?security_group_id=&limit=&marker=``
  (v3 ListSecurityGroupRulesResponse: ``page_info{previous_marker, current_count, next_marker}``; ``limit``
  1-2000, default 2000; ``marker`` the id of the last rule already read) and v1
  ``GET /v1/{project_id}/security-group-rules?security_group_id=`` (v2 ListSecurityGroupRulesResponse:
  ``port_range_min``/``port_range_max``, no action, no priority);
* ShowAddressGroup ``GET /v3/{project_id}/vpc/address-groups/{address_group_id}`` (v3 ShowAddressGroupResponse).

Errors: v1 paths answer ``{"code", "message"}`` and v3 paths ``{"request_id", "error_code", "error_msg"}`` (VPC API
reference, "Error Codes"). A v1-only region (``network.v1_only``) has no v3 API: its v3 paths answer as the front
door answers an API it does not have (404 APIGW.0101).
"""

import ipaddress
import re

from tests.emulator.errors import ApigError

ROUTES = (
    ("vpc", ("GET",), re.compile(r"^/v1/(?P<project_id>[^/]+)/vpcs/(?P<vpc_id>[^/]+)/?$"), "vpc:vpcs:get"),
    ("subnet", ("GET",), re.compile(r"^/v1/(?P<project_id>[^/]+)/subnets/(?P<subnet_id>[^/]+)/?$"), "vpc:subnets:get"),
    ("ports", ("GET",), re.compile(r"^/v1/(?P<project_id>[^/]+)/ports/?$"), "vpc:ports:get"),
    (
        "rules_v3",
        ("GET",),
        re.compile(r"^/v3/(?P<project_id>[^/]+)/vpc/security-group-rules/?$"),
        "vpc:securityGroupRules:list",
    ),
    (
        "rules_v1",
        ("GET",),
        re.compile(r"^/v1/(?P<project_id>[^/]+)/security-group-rules/?$"),
        "vpc:securityGroupRules:list",
    ),
    (
        "address_group",
        ("GET",),
        re.compile(r"^/v3/(?P<project_id>[^/]+)/vpc/address-groups/(?P<address_group_id>[^/]+)/?$"),
        "vpc:addressGroups:get",
    ),
)
V3_NAMES = ("rules_v3", "address_group")
CREATED = "2024-01-01T00:00:00Z"  # resources of the emulated VPC have no history; one fixed time stands for it
MAX_LIMIT = 2000


class VpcError(ApigError):
    """A VPC error answer in the shape of its path's API version (v1 ``code``/``message``, v3 ``error_*``)."""

    def __init__(self, status, code, message, v3, request_id, detail=None):
        super().__init__(status, code, message, detail=detail)
        self.v3 = v3
        self.request_id = request_id

    def body(self, style="apig"):  # pylint: disable=unused-argument  # VPC has its own forms, whatever APIG uses
        if self.v3:
            return {"request_id": self.request_id, "error_code": self.code, "error_msg": self.message}
        return {"code": self.code, "message": self.message}


def policy_denied(name, action, request_id):
    """403 VPC.2201, the VPC's answer to a caller without the fine-grained permission (VPC "Error Codes")."""
    message = "Policy doesn't allow %s to be performed." % action
    return VpcError(403, "VPC.2201", message, name in V3_NAMES, request_id, detail="denied " + action)


def _bad_parameter(name, what, request_id):
    return VpcError(400, "VPC.0101", "Param is invalid. %s" % what, name in V3_NAMES, request_id)


def _not_found(name, what, request_id):
    # VPC.0003 is the documented "VPC does not exist."; Huawei's table names no code of its own for the other
    # resources' absence, so they share it, with a message naming the resource.
    return VpcError(404, "VPC.0003", "%s does not exist." % what, name in V3_NAMES, request_id)


def _vpc(project_id, vpc):
    return {
        "id": vpc.id,
        "name": vpc.name,
        "cidr": vpc.cidr,
        "description": "",
        "routes": [],
        "status": "OK",
        "enterprise_project_id": "0",
        "tenant_id": project_id,
        "created_at": CREATED,
        "updated_at": CREATED,
        "block_service_endpoint_states": "off",
        "enable_network_address_usage_metrics": False,
    }


def _subnet(project_id, subnet):
    network = ipaddress.ip_network(subnet.cidr)
    return {
        "id": subnet.id,
        "name": subnet.name,
        "description": "",
        "cidr": subnet.cidr,
        "gateway_ip": str(network.network_address + 1),
        "ipv6_enable": False,
        "cidr_v6": "",
        "gateway_ip_v6": "",
        "dhcp_enable": True,
        "primary_dns": "100.125.1.250",
        "secondary_dns": "100.125.21.250",
        "dnsList": ["100.125.1.250", "100.125.21.250"],
        "availability_zone": "",
        "vpc_id": subnet.vpc_id,
        "status": "ACTIVE",
        "neutron_network_id": subnet.id,
        "neutron_subnet_id": subnet.id,
        "neutron_subnet_id_v6": "",
        "extra_dhcp_opts": [],
        "scope": "center",
        "tenant_id": project_id,
        "created_at": CREATED,
        "updated_at": CREATED,
        "enable_network_address_usage_metrics": False,
        "available_ip_address_count": max(network.num_addresses - 3, 0),
    }


def _port(project_id, net, port):
    server = net.servers.get(port.device_id)
    groups = port.security_groups or (server.security_groups if server else [])
    network_id = port.fixed_ips[0][1] if port.fixed_ips else ""
    return {
        "id": port.id,
        "name": port.name,
        "network_id": network_id,
        "admin_state_up": True,
        "mac_address": "fa:16:3e:%02x:%02x:%02x" % tuple(port.id.encode("utf-8")[:3].ljust(3, b"\0")),
        "fixed_ips": [{"ip_address": ip, "subnet_id": subnet_id} for ip, subnet_id in port.fixed_ips],
        "device_id": port.device_id,
        "device_owner": port.device_owner,
        "tenant_id": project_id,
        "status": "ACTIVE" if port.device_id else "DOWN",
        "security_groups": list(groups),
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "binding:vnic_type": "normal",
        "dns_assignment": [],
        "dns_name": "",
        "binding:vif_details": {"primary_interface": True},
        "binding:profile": {},
        "instance_id": port.device_id,
        "instance_type": "ecs" if server else "",
        "port_security_enabled": True,
        "zone_id": "",
        "enable_efi": False,
        "ipv6_bandwidth_id": "",
    }


def rule_v3(project_id, rule):
    """A rule as v3 answers it (``SecurityGroupRule``): absent remotes are null."""
    body = dict(rule, created_at=CREATED, updated_at=CREATED, project_id=project_id)
    for key in ("remote_ip_prefix", "remote_group_id", "remote_address_group_id"):
        body[key] = body[key] or None
    return body


def rule_v1(project_id, rule):
    """A rule as v1 answers it, or None when v1 cannot express it (deny, a port list, disabled)."""
    multiport = rule["multiport"].replace(" ", "")
    if rule["action"] != "allow" or "," in multiport or not rule["enabled"]:
        return None
    first, _sep, last = multiport.partition("-")
    return {
        "id": rule["id"],
        "description": rule["description"],
        "security_group_id": rule["security_group_id"],
        "direction": rule["direction"],
        "ethertype": rule["ethertype"],
        "protocol": rule["protocol"] or None,
        "port_range_min": int(first) if first else None,
        "port_range_max": int(last or first) if first else None,
        "remote_ip_prefix": rule["remote_ip_prefix"] or None,
        "remote_group_id": rule["remote_group_id"] or None,
        "remote_address_group_id": rule["remote_address_group_id"] or None,
        "tenant_id": project_id,
    }


def _page(name, items, query, request_id):
    """``limit`` (1-2000, default 2000) items after the one whose id is ``marker``; ``(page, more?)``."""
    text = query.get("limit", [str(MAX_LIMIT)])[-1]
    if not text.isdigit() or not text.isascii() or not 1 <= int(text) <= MAX_LIMIT:
        raise _bad_parameter(name, "limit must be within 1-%d" % MAX_LIMIT, request_id)
    start = 0
    if query.get("marker"):
        ids = [item["id"] for item in items]
        marker = query["marker"][-1]
        if marker not in ids:
            raise _bad_parameter(name, "marker %s is not a resource of this listing" % marker, request_id)
        start = ids.index(marker) + 1
    page = items[start : start + int(text)]
    return page, start + len(page) < len(items)


def _fixed_ip_filters(values, request_id):
    """``fixed_ips=ip_address=<ip>`` / ``fixed_ips=subnet_id=<id>`` as ``(key, value)`` pairs (all must match)."""
    filters = []
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or key not in ("ip_address", "subnet_id"):
            raise _bad_parameter("ports", "fixed_ips must be ip_address=<ip> or subnet_id=<id>", request_id)
        filters.append((key, wanted))
    return filters


def answer(name, project, params, query, request_id):
    """``(status, payload)`` of a VPC operation; ``query`` maps each parameter to all its values."""
    net = project.network
    if name == "vpc":
        vpc = net.vpcs.get(params["vpc_id"])
        if vpc is None:
            raise _not_found(name, "VPC", request_id)
        return 200, {"vpc": _vpc(project.id, vpc)}
    if name == "subnet":
        subnet = net.subnets.get(params["subnet_id"])
        if subnet is None:
            raise _not_found(name, "Subnet %s" % params["subnet_id"], request_id)
        return 200, {"subnet": _subnet(project.id, subnet)}
    if name == "ports":
        filters = _fixed_ip_filters(query.get("fixed_ips", []), request_id)
        ports = [
            _port(project.id, net, port)
            for port in net.ports
            if all(any(fixed[key] == wanted for fixed in _fixed(port)) for key, wanted in filters)
            and all(port.device_id == wanted for wanted in query.get("device_id", []))
            and (not query.get("id") or port.id in query["id"])
        ]
        page, _more = _page(name, ports, query, request_id)
        return 200, {"ports": page}
    if name == "address_group":
        group = net.address_groups.get(params["address_group_id"])
        if group is None:
            raise _not_found(name, "Address group %s" % params["address_group_id"], request_id)
        return 200, {"request_id": request_id, "address_group": _address_group(project.id, group)}
    wanted = query.get("security_group_id", [])
    rules = [rule for group in net.security_groups.values() for rule in group.rules]
    rules = [rule for rule in rules if not wanted or rule["security_group_id"] in wanted]
    if name == "rules_v1":
        bodies = [body for body in (rule_v1(project.id, rule) for rule in rules) if body is not None]
        page, _more = _page(name, bodies, query, request_id)
        return 200, {"security_group_rules": page}
    page, more = _page(name, [rule_v3(project.id, rule) for rule in rules], query, request_id)
    page_info = {"previous_marker": page[0]["id"] if page else "", "current_count": len(page)}
    if more:
        page_info["next_marker"] = page[-1]["id"]
    return 200, {"request_id": request_id, "security_group_rules": page, "page_info": page_info}


def _fixed(port):
    return [{"ip_address": ip, "subnet_id": subnet_id} for ip, subnet_id in port.fixed_ips]


def _address_group(project_id, group):
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "max_capacity": max(20, len(group.ip_set)),
        "ip_set": list(group.ip_set),
        "ip_version": group.ip_version,
        "created_at": CREATED,
        "updated_at": CREATED,
        "tenant_id": project_id,
        "enterprise_project_id": "0",
        "tags": [],
        "status": "NORMAL",
        "status_message": "",
        "ip_extra_set": [{"ip": entry, "remarks": ""} for entry in group.ip_set],
    }
