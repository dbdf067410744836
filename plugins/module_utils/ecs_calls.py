# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ECS call: one plain function per Huawei Cloud ECS operation the diagnosis reads, the run's client first.

ECS has an endpoint of its own (``ecs_endpoint``, else the region's ``https://ecs.<region>.myhuaweicloud.com``),
called through the run's ``ApigClient.call``: signed, proxied, retried and refused exactly as an APIG call is. The
diagnosis asks ECS only for a VPC channel member given by its server (``ecs_id``): which security groups guard it.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError

SERVICE = "ECS"


def ecs_base(client):
    """The ECS endpoint of this run; an ApigError saying what to set when there is none."""
    base = client.settings.ecs_endpoint
    if not base:
        raise ApigError(
            "no ECS endpoint: set ecs_endpoint (HW_ECS_ENDPOINT), or region (HW_REGION_NAME) when APIG's endpoint is "
            "the region's too"
        )
    return base


def nova_list_server_security_groups(client, server_id):
    """NovaListServerSecurityGroups: ``GET /v2.1/{project_id}/servers/{server_id}/os-security-groups``, the security
    groups of an ECS server, each with its ``id`` and ``name``.

    ECS API reference, "Querying Security Groups of a Specified ECS" (native OpenStack API; huaweicloudsdkecs v2
    ``NovaListServerSecurityGroupsResponse``). Its ``rules`` are in Nova's form, which has no action, priority or
    port list: the diagnosis reads the rules themselves from VPC, by the groups' ids.
    """
    path = client.project_path("v2.1", "/servers/%s/os-security-groups", server_id)
    response = client.call(ecs_base(client), "GET", path, service=SERVICE)
    groups = response.json("ECS's answer to NovaListServerSecurityGroups").get("security_groups")
    if not isinstance(groups, list) or not all(isinstance(group, dict) and group.get("id") for group in groups):
        raise ApigError(
            "ECS's answer to NovaListServerSecurityGroups for %s has no 'security_groups' list with ids" % server_id,
            status=response.status,
            request_id=response.request_id,
        )
    return groups
