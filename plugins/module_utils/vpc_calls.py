# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The VPC calls: one plain function per Huawei Cloud VPC operation the diagnosis reads, the run's client first.

VPC has an endpoint of its own (``vpc_endpoint``, else the region's ``https://vpc.<region>.myhuaweicloud.com``);
each call goes through the run's ``ApigClient.call`` with it, so it is signed, proxied, retried and refused exactly
as an APIG call is. Each function is named after the operation as huaweicloudsdkvpc names it, and its docstring
names the page of Huawei's VPC API reference. What a call checks of the answer is here: a body without the list
or object it documents is an ApigError, never an empty answer that would read as "no rule", "no port".
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError

SERVICE = "VPC"
RULES_PAGE = 2000  # the most v3 and v1 list per page (VPC API reference: limit 0-2000, default 2000)
MAX_PAGES = 100


def vpc_base(client):
    """The VPC endpoint of this run; an ApigError saying what to set when there is none."""
    base = client.settings.vpc_endpoint
    if not base:
        raise ApigError(
            "no VPC endpoint: set vpc_endpoint (HW_VPC_ENDPOINT), or region (HW_REGION_NAME) when APIG's endpoint is "
            "the region's too"
        )
    return base


def _get(client, operation, path, query=None):
    response = client.call(vpc_base(client), "GET", path, query=query, service=SERVICE)
    return response.json("VPC's answer to %s" % operation), response


def _field(data, response, operation, key, kind):
    value = data.get(key)
    if not isinstance(value, kind):
        raise ApigError(
            "VPC's answer to %s has no %r %s" % (operation, key, "list" if kind is list else "object"),
            status=response.status,
            request_id=response.request_id,
        )
    return value


def show_vpc(client, vpc_id):
    """ShowVpc: ``GET /v1/{project_id}/vpcs/{vpc_id}``, the VPC and its ``cidr``.

    VPC API reference, "Querying VPC Details" (huaweicloudsdkvpc v2 ``ShowVpcResponse``).
    """
    data, response = _get(client, "ShowVpc", client.project_path("v1", "/vpcs/%s", vpc_id))
    return _field(data, response, "ShowVpc", "vpc", dict)


def show_subnet(client, subnet_id):
    """ShowSubnet: ``GET /v1/{project_id}/subnets/{subnet_id}``, the subnet's ``cidr`` and ``vpc_id``.

    VPC API reference, "Querying Subnet Details" (huaweicloudsdkvpc v2 ``ShowSubnetResponse``).
    """
    data, response = _get(client, "ShowSubnet", client.project_path("v1", "/subnets/%s", subnet_id))
    return _field(data, response, "ShowSubnet", "subnet", dict)


def list_ports(client, ip_address):
    """ListPorts: ``GET /v1/{project_id}/ports?fixed_ips=ip_address=<ip>``, the ports (NICs) holding an address,
    each with its ``security_groups``, ``device_id`` (an ECS server) and ``fixed_ips``.

    VPC API reference, "Querying Ports" (huaweicloudsdkvpc v2 ``ListPortsResponse``).
    """
    query = {"fixed_ips": "ip_address=%s" % ip_address}
    data, response = _get(client, "ListPorts", client.project_path("v1", "/ports"), query)
    return _field(data, response, "ListPorts", "ports", list)


def list_security_group_rules_v3(client, security_group_id):
    """ListSecurityGroupRules (v3): ``GET /v3/{project_id}/vpc/security-group-rules?security_group_id=``, every
    rule of one security group, paged by ``marker`` until ``page_info`` names no ``next_marker``.

    VPC API reference, "Querying Security Group Rules" (API V3; huaweicloudsdkvpc v3
    ``ListSecurityGroupRulesResponse``): ``multiport``, ``action``, ``priority``, ``enabled``, remotes. A region
    without the v3 API answers 404 (the caller reads v1 then).
    """
    path = client.project_path("v3", "/vpc/security-group-rules")
    return _all_rules(client, "ListSecurityGroupRules", path, security_group_id, _v3_next_marker)


def _v3_next_marker(data, page, marker):
    """Where the next v3 page starts: ``page_info.next_marker``, None after the last page."""
    page_info = data.get("page_info") if isinstance(data.get("page_info"), dict) else {}
    next_marker = page_info.get("next_marker")
    if not next_marker or not page:
        return None
    if next_marker == marker:
        raise ApigError("VPC's answer to ListSecurityGroupRules names the same next_marker %r twice" % marker)
    return next_marker


def list_security_group_rules_v1(client, security_group_id):
    """ListSecurityGroupRules (v1): ``GET /v1/{project_id}/security-group-rules?security_group_id=``, every rule of
    one security group, paged by ``marker`` (the last rule's id) while a page is full.

    VPC API reference, "Querying Security Group Rules" (API V1; huaweicloudsdkvpc v2
    ``ListSecurityGroupRulesResponse``): ``port_range_min``/``port_range_max``, no action, priority or state.
    """
    path = client.project_path("v1", "/security-group-rules")
    return _all_rules(client, "ListSecurityGroupRules (v1)", path, security_group_id, _v1_next_marker)


def _v1_next_marker(_data, page, marker):
    """Where the next v1 page starts: after the last rule of a full page, None after the last page."""
    last = page[-1].get("id") if page and isinstance(page[-1], dict) else None
    if len(page) < RULES_PAGE or not last or last == marker:
        return None
    return last


def _all_rules(client, operation, path, security_group_id, next_marker):
    """Every rule of one security group, page after page: ``next_marker(data, page, marker)`` says where the next
    page starts (v3 and v1 say it differently), or None after the last; MAX_PAGES bounds a list that never ends."""
    rules, marker = [], None
    for _page in range(MAX_PAGES):
        query = {"security_group_id": security_group_id, "limit": RULES_PAGE}
        if marker:
            query["marker"] = marker
        data, response = _get(client, operation, path, query)
        page = _field(data, response, operation, "security_group_rules", list)
        rules.extend(page)
        marker = next_marker(data, page, marker)
        if marker is None:
            return rules
    raise ApigError("VPC's answer to %s did not end after %d pages" % (operation, MAX_PAGES))


def show_address_group(client, address_group_id):
    """ShowAddressGroup: ``GET /v3/{project_id}/vpc/address-groups/{id}``, an IP address group and its ``ip_set``.

    VPC API reference, "Querying an IP Address Group" (huaweicloudsdkvpc v3 ``ShowAddressGroupResponse``).
    """
    path = client.project_path("v3", "/vpc/address-groups/%s", address_group_id)
    data, response = _get(client, "ShowAddressGroup", path)
    group = _field(data, response, "ShowAddressGroup", "address_group", dict)
    if not isinstance(group.get("ip_set"), list):
        raise ApigError(
            "VPC's answer to ShowAddressGroup for %s has no 'ip_set' list" % address_group_id,
            status=response.status,
            request_id=response.request_id,
        )
    return group
