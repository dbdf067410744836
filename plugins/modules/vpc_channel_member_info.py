#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r"""
module: vpc_channel_member_info
short_description: List the members (backend servers) of a Huawei Cloud APIG VPC channel
version_added: 0.1.0
description:
  - Reads a VPC channel's detail (type, port, member type, health check) and every member of it, paging through
    C(GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members) until C(total).
  - These are the backends that local probes target for O(hwcloud.apig.backend_connectivity#module:backend_type=vpc_channel).
extends_documentation_fragment:
  - hwcloud.apig.connection
  - hwcloud.apig.connection.instance
options:
  vpc_channel_id:
    description: ID of the VPC channel (32 lowercase hexadecimal characters).
    type: str
    required: true
seealso:
  - module: hwcloud.apig.backend_connectivity
  - module: hwcloud.apig.backend_probe
"""

EXAMPLES = r"""
- name: List the members of a VPC channel
  hwcloud.apig.vpc_channel_member_info:
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    vpc_channel_id: 3019f57095a94ec885031a16d3156f12
  register: channel

- name: Probe every member from this host over HTTP
  hwcloud.apig.backend_probe:
    targets: "{{ channel.members | map(attribute='host') | zip(channel.members | map(attribute='port')) | map('join', ':') | list }}"
    protocol: http
    path: /healthz
"""

RETURN = r"""
members:
  description: Every member of the channel, with the fields APIG returns.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Member ID.
      type: str
    host:
      description: IP address or host name of the backend.
      type: str
    port:
      description: Port the channel forwards to; C(0) means the channel's port.
      type: int
    weight:
      description: Load-balancing weight.
      type: int
    is_backup:
      description: Whether the member is a backup.
      type: bool
    status:
      description: C(1) available, C(2) unavailable.
      type: int
    health_status:
      description:
        - C(healthy), C(unhealthy) or C(unknown), from the channel's own health check, as APIG returns it
          (often null, which means unknown - never healthy).
      type: str
    member_group_name:
      description: Name of the member group.
      type: str
    member_group_id:
      description: ID of the member group.
      type: str
    ecs_id:
      description: ECS server ID, when the member is a server.
      type: str
    ecs_name:
      description: ECS server name.
      type: str
    vpc_channel_id:
      description: The channel.
      type: str
    create_time:
      description: When the member was added.
      type: str
  sample:
    - id: 8f2f8a5bf5a84b6d8a1a7b1c3d3c9a11
      host: 127.0.0.1
      port: 8080
      weight: 1
      is_backup: false
      status: 1
      health_status: healthy
      vpc_channel_id: 3019f57095a94ec885031a16d3156f12
channel:
  description:
    - The channel's detail, as the collection reads it from
      C(GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}).
  returned: success
  type: dict
  contains:
    id:
      description: Channel ID.
      type: str
    name:
      description: Channel name.
      type: str
    port:
      description: The channel's host port; a member whose own C(port) is 0 is served on it.
      type: int
    member_type:
      description: V(ip) or V(ecs).
      type: str
    vpc_channel_type:
      description:
        - V(builtin) (members are servers), V(microservice) (members come from a service registry) or V(reference)
          (it uses another channel's members). From the older C(type) field (2 server, 3 microservice) when APIG
          gives only that.
      type: str
    status:
      description: C(1) normal, C(2) abnormal.
      type: int
    health_check:
      description:
        - The channel's own health check (C(vpc_health_config)) as APIG returns it - C(protocol), C(path),
          C(method), C(port), C(http_code), C(threshold_normal), C(threshold_abnormal), C(time_interval),
          C(timeout), C(status) - or null when it has none.
      type: dict
  sample:
    id: 3019f57095a94ec885031a16d3156f12
    name: orders
    port: 8080
    member_type: ip
    vpc_channel_type: builtin
    status: 1
    health_check:
      protocol: HTTP
      path: /health
      method: GET
      port: 0
      http_code: "200-299"
total:
  description: Number of members.
  returned: success
  type: int
  sample: 1
"""

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.channels import Channel
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import check_huawei_id


class VpcChannelMemberInfoModule(ApigModule):
    argument_spec = dict(
        instance_id=dict(type="str", required=True),
        vpc_channel_id=dict(type="str", required=True),
    )

    def validate(self):
        for option in ("instance_id", "vpc_channel_id"):
            check_huawei_id(option, self.params[option])

    def run(self, client):
        key = (self.params["instance_id"], self.params["vpc_channel_id"])
        channel = Channel.from_api(key[1], apig_calls.show_details_of_vpc_channel_v2(client, *key))
        members = apig_calls.list_backend_instances_v2(client, *key)
        return {"channel": channel.describe(), "members": members, "total": len(members)}


def main():
    VpcChannelMemberInfoModule()()


if __name__ == "__main__":
    main()
