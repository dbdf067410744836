# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A ready-made network world for the tests of network.py, the VPC and ECS answers, and the diagnosis built on them.

The gateway (presets.INSTANCE_ID) sits in VPC 192.168.0.0/16, subnet 192.168.0.0/24, security group ``sg-apig``,
nodes 192.168.0.10 and 192.168.0.11, with a route to 10.20.0.0/16 and no public egress. The application subnet
192.168.1.0/24 holds:

==================  ==========  ===========================================================================
address             guarded by  rules
==================  ==========  ===========================================================================
192.168.1.10        sg-web      allow TCP 8080 from sg-apig and from 100.125.0.0/16: open to the gateway
192.168.1.20        sg-pay      allow TCP 8443 from sg-apig only: an address backend passes, a channel
                                member fails (APIG's 100.125.0.0/16 is not let in)
192.168.1.30        sg-deny     deny TCP 9000 from 100.125.0.0/16 at priority 1 over an allow-all at 50
192.168.1.40        (ECS)       server ``ecs-billing``, whose port lists no group: the server's sg-web
==================  ==========  ===========================================================================

Modelled addresses are strings here; ``listeners`` names the loopback backend (``backends:``) that answers.
"""

import copy

from tests.emulator import presets

VPC_ID = "vpc-0a1b2c3d"
APIG_SUBNET_ID = "subnet-apig"
APP_SUBNET_ID = "subnet-app"
APIG_SG, WEB_SG, PAY_SG, DENY_SG = "sg-apig", "sg-web", "sg-pay", "sg-deny"
ADDRESS_GROUP_ID = "ag-offices"
ECS_ID = "ecs-billing"
NODE_IPS = {"livedata": ["192.168.0.10"], "shubao": ["192.168.0.11"]}
WEB, PAY, DENY, ECS, ROUTED = "192.168.1.10", "192.168.1.20", "192.168.1.30", "192.168.1.40", "10.20.0.5"


def rule(rule_id, **fields):
    """An ingress TCP rule (config form); ``fields`` override or add (multiport, remote_*, action, priority...)."""
    return dict({"id": rule_id, "direction": "ingress", "protocol": "tcp", "ethertype": "IPv4"}, **fields)


def project_network(listeners, **overrides):
    """The project's ``network`` section; ``listeners`` maps modelled ``ip[:port]`` to a backend name."""
    network = {
        "vpcs": [{"id": VPC_ID, "name": "vpc-prod", "cidr": "192.168.0.0/16"}],
        "subnets": [
            {"id": APIG_SUBNET_ID, "name": "apig", "cidr": "192.168.0.0/24", "vpc_id": VPC_ID},
            {"id": APP_SUBNET_ID, "name": "app", "cidr": "192.168.1.0/24", "vpc_id": VPC_ID},
        ],
        "security_groups": [
            {"id": APIG_SG, "name": "apig", "rules": [rule("r-apig-self", protocol="", remote_group_id=APIG_SG)]},
            {
                "id": WEB_SG,
                "name": "web",
                "rules": [
                    rule("r-web-apig", multiport="8080", remote_group_id=APIG_SG),
                    rule("r-web-health", multiport="8080", remote_ip_prefix="100.125.0.0/16"),
                    rule("r-web-offices", multiport="22", remote_address_group_id=ADDRESS_GROUP_ID),
                ],
            },
            {
                "id": PAY_SG,
                "name": "payments",
                "rules": [rule("r-pay-apig", multiport="8443", remote_group_id=APIG_SG)],
            },
            {
                "id": DENY_SG,
                "name": "locked",
                "rules": [
                    rule("r-deny-health", multiport="9000", action="deny", remote_ip_prefix="100.125.0.0/16"),
                    rule("r-allow-all", protocol="", priority=50, remote_ip_prefix="0.0.0.0/0"),
                ],
            },
        ],
        "address_groups": [{"id": ADDRESS_GROUP_ID, "name": "offices", "ip_set": ["172.16.0.0/24", "172.16.9.1"]}],
        "ports": [
            {
                "id": "port-apig-1",
                "fixed_ips": [{"ip_address": "192.168.0.10", "subnet_id": APIG_SUBNET_ID}],
                "security_groups": [APIG_SG],
            },
            {
                "id": "port-web",
                "fixed_ips": [{"ip_address": WEB, "subnet_id": APP_SUBNET_ID}],
                "security_groups": [WEB_SG],
            },
            {
                "id": "port-pay",
                "fixed_ips": [{"ip_address": PAY, "subnet_id": APP_SUBNET_ID}],
                "security_groups": [PAY_SG],
            },
            {
                "id": "port-deny",
                "fixed_ips": [{"ip_address": DENY, "subnet_id": APP_SUBNET_ID}],
                "security_groups": [DENY_SG],
            },
            {"id": "port-ecs", "fixed_ips": [{"ip_address": ECS, "subnet_id": APP_SUBNET_ID}], "device_id": ECS_ID},
        ],
        "servers": [{"id": ECS_ID, "name": "billing-vm", "security_groups": [WEB_SG]}],
        "listeners": dict(listeners),
    }
    network.update(copy.deepcopy(overrides))
    return network


def instance_network(**overrides):
    """The instance's ``network`` section (``nat_eip_address`` left out: no public egress)."""
    network = {
        "vpc_id": VPC_ID,
        "subnet_id": APIG_SUBNET_ID,
        "security_group_id": APIG_SG,
        "node_ips": copy.deepcopy(NODE_IPS),
        "ingress_ip": "192.168.0.100",
        "user_routes": ["10.20.0.0/16"],
    }
    network.update(copy.deepcopy(overrides))
    return network


def network_config(listeners, members=None, project_overrides=None, instance_overrides=None, **extra):
    """presets.default_config with the network world: ``members`` for CHANNEL_ID, ``extra`` top-level keys."""
    config = presets.default_config(members=members, **extra)
    project = config["projects"][0]
    project["network"] = project_network(listeners, **(project_overrides or {}))
    project["instances"][0]["network"] = instance_network(**(instance_overrides or {}))
    return config


def loopback_config(refused):
    """A world modelled on loopback, where a probe may really go: the channel's one member ``refused`` (a closed
    loopback port, 127.0.0.2 in a VPC of 127.0.0.0/24) on a VPC port whose security group admits anyone on that port,
    nothing listening there. The gateway's check, the diagnosis and this host's probe all meet the same closed port:
    the network is not the cause."""
    config = presets.default_config(members=[{"host": refused.host, "port": refused.port}])
    project = config["projects"][0]
    project["network"] = {
        "vpcs": [{"id": "vpc-lo", "cidr": "127.0.0.0/24"}],
        "subnets": [{"id": "subnet-lo", "cidr": "127.0.0.0/24", "vpc_id": "vpc-lo"}],
        "security_groups": [
            {"id": "sg-apig", "rules": []},
            {"id": "sg-app", "rules": [rule("r-app-open", multiport=str(refused.port), remote_ip_prefix="0.0.0.0/0")]},
        ],
        "ports": [
            {
                "id": "port-app",
                "fixed_ips": [{"ip_address": refused.host, "subnet_id": "subnet-lo"}],
                "security_groups": ["sg-app"],
            }
        ],
    }
    project["instances"][0]["network"] = {
        "vpc_id": "vpc-lo",
        "subnet_id": "subnet-lo",
        "security_group_id": "sg-apig",
        "node_ips": {"livedata": ["127.0.0.10"]},
    }
    return config
