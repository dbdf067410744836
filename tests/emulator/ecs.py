# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ECS operation the diagnosis reads for a channel member given by ``ecs_id``.

NovaListServerSecurityGroups ``GET /v2.1/{project_id}/servers/{server_id}/os-security-groups`` (ECS API reference,
"Querying Security Groups of a Specified ECS"; huaweicloudsdkecs v2 NovaListServerSecurityGroupsResponse):
``security_groups[]{id, name, description, tenant_id, rules[]}``, each rule in the native OpenStack form
(``parent_group_id``, ``ip_protocol``, ``from_port``, ``to_port``, ``ip_range{cidr}``, ``group{name, tenant_id}``).
That form has no action, priority or port list: it shows the enabled ingress allow rules with one port range, and
the diagnosis reads the rules themselves from the VPC API by the group ids.

This is a native OpenStack API, so its errors are Nova's: ``{"itemNotFound": {"message", "code": 404}}`` and
``{"forbidden": {"message", "code": 403}}``.
"""

import re

from tests.emulator.errors import ApigError

# The IAM action for reading a server (ECS "Permissions and Supported Actions"); the emulator names it in a denial.
ACTION = "ecs:cloudServers:get"
ROUTES = (
    (
        "server_security_groups",
        ("GET",),
        re.compile(r"^/v2\.1/(?P<project_id>[^/]+)/servers/(?P<server_id>[^/]+)/os-security-groups/?$"),
        ACTION,
    ),
)


class NovaError(ApigError):
    """A native OpenStack (Nova) error answer: ``{<kind>: {"message", "code"}}``."""

    def __init__(self, status, kind, message, detail=None):
        super().__init__(status, kind, message, detail=detail)

    def body(self, style="apig"):  # pylint: disable=unused-argument  # Nova has one form, whatever APIG uses
        return {self.code: {"message": self.message, "code": self.status}}


def policy_denied(name, action, request_id):  # pylint: disable=unused-argument  # same signature as vpc's
    """403 for a caller without the permission, in Nova's words."""
    return NovaError(403, "forbidden", "Policy doesn't allow %s to be performed." % action, detail="denied " + action)


def _rule(project_id, group, rule, names):
    """A rule in Nova's form, or None when that form cannot express it."""
    multiport = rule["multiport"].replace(" ", "")
    if rule["direction"] != "ingress" or rule["action"] != "allow" or not rule["enabled"] or "," in multiport:
        return None
    first, _sep, last = multiport.partition("-")
    protocol = rule["protocol"] or None
    if first:
        from_port, to_port = int(first), int(last or first)
    else:
        from_port, to_port = (1, 65535) if protocol in ("tcp", "udp") else (-1, -1)
    remote_group = rule["remote_group_id"]
    return {
        "id": rule["id"],
        "parent_group_id": group.id,
        "ip_protocol": protocol,
        "from_port": from_port,
        "to_port": to_port,
        "ip_range": {"cidr": rule["remote_ip_prefix"]} if rule["remote_ip_prefix"] else {},
        "group": {"name": names.get(remote_group, remote_group), "tenant_id": project_id} if remote_group else {},
    }


def answer(name, project, params, query, request_id):  # pylint: disable=unused-argument
    """``(status, payload)`` of NovaListServerSecurityGroups."""
    net = project.network
    server = net.servers.get(params["server_id"])
    if server is None:
        raise NovaError(404, "itemNotFound", "Instance %s could not be found." % params["server_id"])
    names = {group.id: group.name for group in net.security_groups.values()}
    groups = []
    for group_id in server.security_groups:
        group = net.security_groups[group_id]
        rules = [_rule(project.id, group, rule, names) for rule in group.rules]
        groups.append(
            {
                "id": group.id,
                "name": group.name,
                "description": group.description,
                "tenant_id": project.id,
                "rules": [rule for rule in rules if rule is not None],
            }
        )
    return 200, {"security_groups": groups}
