# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated cloud's network: VPCs, subnets, security groups, address groups, ports, ECS servers, and where each
gateway instance sits among them - and, from all of it, whether the gateway reaches a modelled address.

A project's ``network`` holds what Huawei's VPC and ECS APIs answer for it; an instance's ``network`` holds what
ShowDetailsOfInstanceV2 and its ``route`` feature say (format in README.md, "The network world"). Modelled
addresses (``192.168.1.20``, ``10.20.0.5``, ``203.0.113.7``) are only ever parsed and compared: the project's
``listeners`` table says which loopback backend really answers for one, and that backend is what the connectivity
check connects to, once the network has let the gateway through:

1. route: an address inside the instance's VPC or one of its ``user_routes`` is routed; a private address
   (RFC 1918, 100.64.0.0/10, fc00::/7) outside them is not; a public one needs the instance's ``nat_eip_address``;
2. security groups (routed addresses only): the rules of every security group of the port that holds the address
   (or of its ECS server) must let in each of the gateway's sources (tests/emulator/firewall.py): every node
   address - a member of the instance's security group - or the instance's subnet when it lists none, and, for
   a channel member, 100.125.0.0/16;
3. a listener: ``listeners["ip:port"]`` or ``listeners["ip"]`` (any port) names the backend; no entry, nothing
   listens. A loopback address that a port holds needs no listener: it is connected to itself.
"""

import ipaddress
import re
from dataclasses import dataclass
from typing import Optional, Tuple

from tests.emulator import firewall
from tests.emulator.validation import (
    ConfigError,
    boolean,
    check_keys,
    choice,
    integer,
    mapping,
    optional_string,
    sequence,
    string,
)

APIG_SOURCE_RANGE = "100.125.0.0/16"
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(cidr)
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
RULE_KEYS = (
    "id",
    "description",
    "direction",
    "protocol",
    "ethertype",
    "multiport",
    "action",
    "priority",
    "remote_ip_prefix",
    "remote_group_id",
    "remote_address_group_id",
    "enabled",
)
_MULTIPORT = re.compile(r"\A\s*[0-9]{1,5}(\s*-\s*[0-9]{1,5})?(\s*,\s*[0-9]{1,5}(\s*-\s*[0-9]{1,5})?)*\s*\Z")
_PROTOCOLS = ("tcp", "udp", "icmp", "icmpv6", "gre", "any", "")


def _network(where, value):
    try:
        return ipaddress.ip_network(string(where, value), strict=False)
    except ValueError:
        raise ConfigError("%s %r is not a CIDR" % (where, value)) from None


def _address(where, value):
    try:
        return ipaddress.ip_address(string(where, value))
    except ValueError:
        raise ConfigError("%s %r is not an IP address" % (where, value)) from None


def _unique(where, items, what):
    found = {}
    for item in items:
        if item.id in found:
            raise ConfigError("%s: duplicate %s id %s" % (where, what, item.id))
        found[item.id] = item
    return found


@dataclass
class Vpc:
    id: str
    name: str
    cidr: str


@dataclass
class Subnet:
    id: str
    name: str
    cidr: str
    vpc_id: str


class SecurityGroup:
    """A security group and its rules, kept as the v3 API answers them (ListSecurityGroupRules)."""

    def __init__(self, where, data):
        check_keys(where, data, ("id", "name", "description", "rules"), ("id",))
        self.id = string(where + ".id", data["id"])
        self.name = optional_string(where + ".name", data.get("name"), self.id)
        self.description = optional_string(where + ".description", data.get("description"))
        self.rules = [
            _rule("%s.rules[%d]" % (where, i), r, self.id) for i, r in enumerate(sequence(where, data.get("rules")))
        ]


def _rule(where, data, group_id):
    """A v3 rule body from the config, every field present (defaults: ingress, any protocol and port, IPv4, allow,
    priority 1, enabled)."""
    check_keys(where, data, RULE_KEYS, ("id",))
    protocol = optional_string(where + ".protocol", data.get("protocol"))
    if protocol.lower() not in _PROTOCOLS and not protocol.isdigit():
        raise ConfigError("%s.protocol must be tcp, udp, icmp, icmpv6, gre, a protocol number, any or empty" % where)
    multiport = optional_string(where + ".multiport", data.get("multiport"))
    if multiport.strip() and not _MULTIPORT.match(multiport):
        raise ConfigError('%s.multiport must be "80", "1-30", "22,3389,80" or empty' % where)
    for item in multiport.replace(" ", "").split(",") if multiport.strip() else ():
        first, _sep, last = item.partition("-")
        if not 1 <= int(first) <= int(last or first) <= 65535:
            raise ConfigError("%s.multiport %r holds a port outside 1-65535 or a backwards range" % (where, multiport))
    remotes = [key for key in ("remote_ip_prefix", "remote_group_id", "remote_address_group_id") if data.get(key)]
    if len(remotes) > 1:
        raise ConfigError("%s: give at most one of remote_ip_prefix, remote_group_id, remote_address_group_id" % where)
    ethertype = choice(where + ".ethertype", data.get("ethertype"), ("IPv4", "IPv6"), "IPv4")
    if data.get("remote_ip_prefix"):
        prefix = _network(where + ".remote_ip_prefix", data["remote_ip_prefix"])
        if "IPv%d" % prefix.version != ethertype:
            raise ConfigError("%s.remote_ip_prefix is not an %s prefix" % (where, ethertype))
    return {
        "id": string(where + ".id", data["id"]),
        "description": optional_string(where + ".description", data.get("description")),
        "security_group_id": group_id,
        "direction": choice(where + ".direction", data.get("direction"), ("ingress", "egress"), "ingress"),
        "protocol": protocol,
        "ethertype": ethertype,
        "multiport": multiport,
        "action": choice(where + ".action", data.get("action"), ("allow", "deny"), "allow"),
        "priority": integer(where + ".priority", data.get("priority"), 1, 1, 100),
        "remote_ip_prefix": data.get("remote_ip_prefix") or "",
        "remote_group_id": optional_string(where + ".remote_group_id", data.get("remote_group_id")),
        "remote_address_group_id": optional_string(
            where + ".remote_address_group_id", data.get("remote_address_group_id")
        ),
        "enabled": boolean(where + ".enabled", data.get("enabled"), True),
    }


class AddressGroup:
    """An IP address group: CIDRs, addresses and ``a-b`` ranges of one IP version."""

    def __init__(self, where, data):
        check_keys(where, data, ("id", "name", "description", "ip_set"), ("id", "ip_set"))
        self.id = string(where + ".id", data["id"])
        self.name = optional_string(where + ".name", data.get("name"), self.id)
        self.description = optional_string(where + ".description", data.get("description"))
        self.ip_set = []
        versions = set()
        for i, entry in enumerate(sequence(where + ".ip_set", data["ip_set"])):
            at = "%s.ip_set[%d]" % (where, i)
            text = string(at, entry)
            parts = text.split("-", 1)
            if len(parts) == 2:
                first, last = (_address(at, part.strip()) for part in parts)
                if first.version != last.version or first > last:
                    raise ConfigError("%s %r is not a range a-b" % (at, text))
                versions.add(first.version)
            else:
                versions.add(_network(at, text).version)
            self.ip_set.append(text)
        if len(versions) > 1:
            raise ConfigError("%s: an address group holds addresses of one IP version" % where)
        self.ip_version = versions.pop() if versions else 4


class Port:
    """A VPC port (a NIC): its fixed IPs with their subnets, its security groups, the device it belongs to."""

    def __init__(self, where, data):
        check_keys(where, data, ("id", "name", "fixed_ips", "security_groups", "device_id", "device_owner"), ("id",))
        self.id = string(where + ".id", data["id"])
        self.name = optional_string(where + ".name", data.get("name"))
        self.fixed_ips = []
        for i, item in enumerate(sequence(where + ".fixed_ips", data.get("fixed_ips"))):
            at = "%s.fixed_ips[%d]" % (where, i)
            check_keys(at, item, ("ip_address", "subnet_id"), ("ip_address", "subnet_id"))
            self.fixed_ips.append(
                (str(_address(at + ".ip_address", item["ip_address"])), string(at, item["subnet_id"]))
            )
        self.security_groups = [
            string("%s.security_groups[%d]" % (where, i), group)
            for i, group in enumerate(sequence(where + ".security_groups", data.get("security_groups")))
        ]
        self.device_id = optional_string(where + ".device_id", data.get("device_id"))
        default_owner = "compute:ap-southeast-1a" if self.device_id else ""
        self.device_owner = optional_string(where + ".device_owner", data.get("device_owner"), default_owner)


class Server:
    """An ECS server and its security groups (NovaListServerSecurityGroups)."""

    def __init__(self, where, data):
        check_keys(where, data, ("id", "name", "security_groups"), ("id",))
        self.id = string(where + ".id", data["id"])
        self.name = optional_string(where + ".name", data.get("name"), self.id)
        self.security_groups = [
            string("%s.security_groups[%d]" % (where, i), group)
            for i, group in enumerate(sequence(where + ".security_groups", data.get("security_groups")))
        ]


def listener_key(where, text):
    """``(ip, port)`` of a ``listeners`` key, ``port`` None for ``"ip"`` (any port); ``[v6]:port`` for IPv6."""
    if not isinstance(text, str):
        raise ConfigError("%s: a listener key must be a string" % where)
    match = re.match(r"\A\[([^\]]+)\](?::([0-9]{1,5}))?\Z", text) or re.match(r"\A([^:]+)(?::([0-9]{1,5}))?\Z", text)
    host, port = (match.group(1), match.group(2)) if match else (text, None)
    address = _address(where, host)
    if address.is_loopback:
        raise ConfigError(
            "%s: %s is a loopback address, reached directly; listeners map modelled addresses" % (where, text)
        )
    return str(address), None if port is None else integer(where, int(port), None, 1, 65535)


class ProjectNetwork:
    """A project's VPC and ECS resources, and which loopback backend answers for which modelled address."""

    KEYS = ("v1_only", "vpcs", "subnets", "security_groups", "address_groups", "ports", "servers", "listeners")

    def __init__(self, where, data):
        check_keys(where, data, self.KEYS)
        # A region without the v3 security-group API: v3 paths answer 404, rules are read through v1.
        self.v1_only = boolean(where + ".v1_only", data.get("v1_only"), False)
        self.vpcs = _unique(
            where + ".vpcs",
            [self._vpc("%s.vpcs[%d]" % (where, i), v) for i, v in enumerate(sequence(where, data.get("vpcs")))],
            "VPC",
        )
        self.subnets = _unique(
            where + ".subnets",
            [
                self._subnet("%s.subnets[%d]" % (where, i), s)
                for i, s in enumerate(sequence(where, data.get("subnets")))
            ],
            "subnet",
        )
        self.security_groups = _unique(
            where + ".security_groups",
            [
                SecurityGroup("%s.security_groups[%d]" % (where, i), g)
                for i, g in enumerate(sequence(where, data.get("security_groups")))
            ],
            "security group",
        )
        self.address_groups = _unique(
            where + ".address_groups",
            [
                AddressGroup("%s.address_groups[%d]" % (where, i), g)
                for i, g in enumerate(sequence(where, data.get("address_groups")))
            ],
            "address group",
        )
        self.ports = list(
            _unique(
                where + ".ports",
                [Port("%s.ports[%d]" % (where, i), p) for i, p in enumerate(sequence(where, data.get("ports")))],
                "port",
            ).values()
        )
        self.servers = _unique(
            where + ".servers",
            [Server("%s.servers[%d]" % (where, i), s) for i, s in enumerate(sequence(where, data.get("servers")))],
            "server",
        )
        self.listeners = {}
        for key, backend in mapping(where + ".listeners", data.get("listeners") or {}).items():
            self.listeners[listener_key("%s.listeners.%s" % (where, key), key)] = string(
                "%s.listeners.%s" % (where, key), backend
            )
        self.targets = {}  # listener key -> (loopback host, port), filled in when the emulator starts its backends
        self._check_references(where)

    @staticmethod
    def _vpc(where, data):
        check_keys(where, data, ("id", "name", "cidr"), ("id", "cidr"))
        vpc_id = string(where + ".id", data["id"])
        return Vpc(
            vpc_id,
            optional_string(where + ".name", data.get("name"), vpc_id),
            str(_network(where + ".cidr", data["cidr"])),
        )

    @staticmethod
    def _subnet(where, data):
        check_keys(where, data, ("id", "name", "cidr", "vpc_id"), ("id", "cidr", "vpc_id"))
        subnet_id = string(where + ".id", data["id"])
        cidr = str(_network(where + ".cidr", data["cidr"]))
        return Subnet(
            subnet_id,
            optional_string(where + ".name", data.get("name"), subnet_id),
            cidr,
            string(where + ".vpc_id", data["vpc_id"]),
        )

    def _check_references(self, where):
        for subnet in self.subnets.values():
            vpc = self.vpcs.get(subnet.vpc_id)
            if vpc is None:
                raise ConfigError(
                    "%s: subnet %s names VPC %r, which is not defined" % (where, subnet.id, subnet.vpc_id)
                )
            if not ipaddress.ip_network(subnet.cidr).subnet_of(ipaddress.ip_network(vpc.cidr)):
                raise ConfigError(
                    "%s: subnet %s (%s) is not inside VPC %s (%s)" % (where, subnet.id, subnet.cidr, vpc.id, vpc.cidr)
                )
        for group in self.security_groups.values():
            for rule in group.rules:
                if rule["remote_group_id"] and rule["remote_group_id"] not in self.security_groups:
                    raise ConfigError(
                        "%s: rule %s names security group %r, which is not defined"
                        % (where, rule["id"], rule["remote_group_id"])
                    )
                if rule["remote_address_group_id"] and rule["remote_address_group_id"] not in self.address_groups:
                    raise ConfigError(
                        "%s: rule %s names address group %r, which is not defined"
                        % (where, rule["id"], rule["remote_address_group_id"])
                    )
                if self.v1_only and (
                    rule["action"] != "allow"
                    or rule["priority"] != 1
                    or "," in rule["multiport"]
                    or not rule["enabled"]
                ):
                    raise ConfigError(
                        "%s: rule %s: a v1-only region has enabled allow rules with one port range and no priority"
                        % (where, rule["id"])
                    )
        for port in self.ports:
            for ip, subnet_id in port.fixed_ips:
                subnet = self.subnets.get(subnet_id)
                if subnet is None:
                    raise ConfigError("%s: port %s names subnet %r, which is not defined" % (where, port.id, subnet_id))
                if ipaddress.ip_address(ip) not in ipaddress.ip_network(subnet.cidr):
                    raise ConfigError(
                        "%s: port %s: %s is not inside subnet %s (%s)" % (where, port.id, ip, subnet.id, subnet.cidr)
                    )
            for group in port.security_groups:
                if group not in self.security_groups:
                    raise ConfigError(
                        "%s: port %s names security group %r, which is not defined" % (where, port.id, group)
                    )
        for server in self.servers.values():
            for group in server.security_groups:
                if group not in self.security_groups:
                    raise ConfigError(
                        "%s: server %s names security group %r, which is not defined" % (where, server.id, group)
                    )

    def ports_with_ip(self, ip):
        """The ports holding ``ip`` as a fixed IP (ListPorts ``fixed_ips=ip_address=<ip>``)."""
        return [port for port in self.ports if any(fixed == ip for fixed, _subnet in port.fixed_ips)]

    def groups_of(self, ip):
        """The security groups guarding ``ip``: those of the ports holding it, or of their ECS server."""
        groups = []
        for port in self.ports_with_ip(ip):
            server = self.servers.get(port.device_id)
            for group in port.security_groups or (server.security_groups if server else []):
                if group not in groups:
                    groups.append(group)
        return groups

    def target(self, ip, port):
        """The loopback ``(host, port)`` answering for a modelled ``ip:port``, or None when nothing listens there."""
        return self.targets.get((ip, port)) or self.targets.get((ip, None))


class InstanceNetwork:
    """Where a gateway instance sits: ShowDetailsOfInstanceV2's network fields and its ``route`` feature."""

    KEYS = ("vpc_id", "subnet_id", "security_group_id", "node_ips", "ingress_ip", "nat_eip_address", "user_routes")

    def __init__(self, where, data, project_network):
        check_keys(where, data, self.KEYS, ("vpc_id", "subnet_id", "security_group_id"))
        if project_network is None:
            raise ConfigError("%s: the project has no network section for the instance to sit in" % where)
        self.vpc = project_network.vpcs.get(string(where + ".vpc_id", data["vpc_id"]))
        if self.vpc is None:
            raise ConfigError("%s.vpc_id %r is not a VPC of the project" % (where, data["vpc_id"]))
        self.subnet = project_network.subnets.get(string(where + ".subnet_id", data["subnet_id"]))
        if self.subnet is None or self.subnet.vpc_id != self.vpc.id:
            raise ConfigError("%s.subnet_id %r is not a subnet of VPC %s" % (where, data["subnet_id"], self.vpc.id))
        self.security_group_id = string(where + ".security_group_id", data["security_group_id"])
        if self.security_group_id not in project_network.security_groups:
            raise ConfigError(
                "%s.security_group_id %r is not a security group of the project" % (where, self.security_group_id)
            )
        node_ips = mapping(where + ".node_ips", data.get("node_ips") or {})
        check_keys(where + ".node_ips", node_ips, ("livedata", "shubao"))
        self.node_ips = {}
        for kind in ("livedata", "shubao"):
            addresses = []
            for i, text in enumerate(sequence("%s.node_ips.%s" % (where, kind), node_ips.get(kind))):
                address = _address("%s.node_ips.%s[%d]" % (where, kind, i), text)
                if address not in ipaddress.ip_network(self.subnet.cidr):
                    raise ConfigError(
                        "%s.node_ips.%s[%d] %s is not inside subnet %s" % (where, kind, i, text, self.subnet.cidr)
                    )
                addresses.append(str(address))
            self.node_ips[kind] = addresses
        self.ingress_ip = (
            None if data.get("ingress_ip") is None else str(_address(where + ".ingress_ip", data["ingress_ip"]))
        )
        self.nat_eip_address = (
            None
            if data.get("nat_eip_address") is None
            else str(_address(where + ".nat_eip_address", data["nat_eip_address"]))
        )
        self.user_routes = None  # None: the instance has no ``route`` feature; a list: its routes
        if "user_routes" in data:
            self.user_routes = [
                str(_network("%s.user_routes[%d]" % (where, i), cidr))
                for i, cidr in enumerate(sequence(where + ".user_routes", data["user_routes"]))
            ]
        self.project = project_network


@dataclass(frozen=True)
class Decision:
    """Whether the gateway reaches a modelled address, the loopback endpoint to connect to, and why not."""

    target: Optional[Tuple[str, int]]
    reason: str


def is_private(address):
    """Inside RFC 1918, 100.64.0.0/10 (carrier-grade NAT, where 100.125.0.0/16 lies) or fc00::/7."""
    return any(address.version == network.version and address in network for network in PRIVATE_RANGES)


def gateway_sources(instance, channel_member):
    """``(name, prefixes, groups)`` the gateway's packets come from (see the module docstring, step 2)."""
    project = instance.project
    nodes = list(dict.fromkeys(instance.node_ips["livedata"] + instance.node_ips["shubao"]))
    sources = [
        ("gateway node %s" % ip, [ip], {instance.security_group_id, *project.groups_of(ip)}) for ip in nodes
    ] or [("gateway subnet %s" % instance.subnet.cidr, [instance.subnet.cidr], {instance.security_group_id})]
    if channel_member:
        sources.append(("APIG health check range", [APIG_SOURCE_RANGE], set()))
    return sources


def decide(instance, ip, port, channel_member):
    """The gateway's way to ``ip:port`` (a modelled address, or a loopback one that a port holds) through
    ``instance``'s network."""
    project = instance.project
    address = ipaddress.ip_address(ip)
    routes = [instance.vpc.cidr, *(instance.user_routes or [])]
    routed = any(address.version == net.version and address in net for net in map(ipaddress.ip_network, routes))
    if not routed and is_private(address):
        return Decision(
            None, "%s is outside VPC %s and every instance route (%s)" % (ip, instance.vpc.cidr, ", ".join(routes))
        )
    if not routed and instance.nat_eip_address is None:
        return Decision(None, "%s is a public address and the instance has no public egress (nat_eip_address)" % ip)
    if routed:
        groups = project.groups_of(ip)
        rules = [rule for group in groups for rule in project.security_groups[group].rules]
        address_groups = {group.id: group.ip_set for group in project.address_groups.values()}
        for name, prefixes, members in gateway_sources(instance, channel_member) if groups else ():
            outcome, rule_id = firewall.ingress_verdict(rules, port, prefixes, members, address_groups)
            if outcome != firewall.ALLOWED:
                why = "denied by rule %s" % rule_id if rule_id else "no rule admits it"
                return Decision(
                    None, "security groups %s keep %s out of TCP %d: %s" % (", ".join(groups), name, port, why)
                )
    target = (ip, port) if address.is_loopback else project.target(ip, port)
    if target is None:
        return Decision(None, "nothing listens at %s:%d (no listener)" % (ip, port))
    return Decision(target, "reached through %s:%d" % target)
