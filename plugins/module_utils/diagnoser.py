# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The diagnosis of a batch of checks: each backend the gateway failed, explained, concurrently, never failing.

``Diagnoser(client, concurrency).diagnose(records)`` gives every record of the batch a ``diagnosis`` list: one entry
per ``host:port`` the *gateway* failed in a FAILED check (only those: a backend only this host failed is no
question about the cloud's network, and ``hints`` speak of it), in the order the gateway named them. The targets
are worked on at most ``concurrency`` at a time; the facts come from ``diagnosis_reads.NetworkReads`` (each read
once per run), the conclusions from ``diagnosis.py``. For each target, in the order the gateway's packets meet
them: the route, public egress, the security groups of the port holding the address (or of its ECS server), and
then what else is known - this host's probe (``refine_with_local``) and the channel member's state.

Nothing here raises: a fact that cannot be read, or a bug, is a "not available" entry. The verdicts are untouched.
"""

import ipaddress
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import VPC_CHANNEL
from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis import (
    ADMITS,
    INFERRED,
    PUBLIC,
    ROUTE,
    UNKNOWN,
    Unavailable,
    entry,
    is_private,
    member_view,
    not_available,
    open_network_finding,
    refine_with_local,
    route_finding,
    security_group_finding,
    target_address,
    unaddressable,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis_reads import NetworkReads, failed_itself
from ansible_collections.hwcloud.apig.plugins.module_utils.results import FAILED
from ansible_collections.hwcloud.apig.plugins.module_utils.security_groups import gateway_sources
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import address_key


def gateway_failures(record):
    """The backends the gateway itself failed in a FAILED check, as it named them."""
    remote = record.get("remote") if isinstance(record.get("remote"), dict) else {}
    if record.get("check_result") != FAILED:
        return []
    return [item for item in remote.get("failures") or [] if isinstance(item, str)]


class Diagnoser:
    """Explains the failing backends of a batch, with one run's client and reads."""

    def __init__(self, client, concurrency=20, reads=None):
        self.reads = reads or NetworkReads(client)
        self.concurrency = max(1, int(concurrency))

    def diagnose(self, records):
        """Add ``diagnosis`` to every record (empty when the gateway failed none of its backends); returns them."""
        jobs = [(index, target) for index, record in enumerate(records) for target in gateway_failures(record)]
        if len(jobs) > 1:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(jobs))) as pool:
                found = list(pool.map(lambda job: self.explain(records[job[0]], job[1]), jobs))
        else:
            found = [self.explain(records[index], target) for index, target in jobs]
        for record in records:
            record["diagnosis"] = []
        for (index, _target), item in zip(jobs, found):
            records[index]["diagnosis"].append(item)
        for record in records:
            record["diagnosis"] = refine_with_local(record["diagnosis"], record.get("local"))
        return records

    def explain(self, record, target):
        """One target's entry; whatever goes wrong becomes a "not available" entry, never an exception."""
        try:
            return self._explain(record, target)
        except Exception as exc:  # pylint: disable=broad-except  # a diagnosis must never fail the task
            return not_available(target, Unavailable(failed_itself(exc)))

    def _explain(self, record, target):
        ip, port = target_address(target)
        try:
            ipaddress.ip_address(ip or "")
        except ValueError:
            return unaddressable(target)
        gateway = self.reads.gateway(record.get("instance_id"))
        if isinstance(gateway, Unavailable):
            return not_available(target, gateway)
        channel_member = record.get("backend_type") == VPC_CHANNEL
        evidence = {"gateway": _gateway_evidence(gateway), "channel_member": channel_member}
        member = self._member(record, target) if channel_member else None
        if member is not None:
            evidence["member"] = member_view(member)
        finding, evidence = route_finding(target, ip, gateway, base=evidence)
        if isinstance(finding, dict) and finding["cause"] == ROUTE and is_private(ipaddress.ip_address(ip)):
            subnet = self._subnet_holding(ip)
            if subnet is not None:
                finding, evidence = route_finding(target, ip, gateway, subnet, base=evidence)
        if finding == PUBLIC:
            return open_network_finding(target, port, dict(evidence, network=ADMITS))
        if isinstance(finding, dict):
            return finding
        return self._security_groups(target, ip, port, gateway, member, evidence, channel_member)

    def _member(self, record, target):
        members = self.reads.members(record.get("instance_id"), record.get("vpc_channel_id"))
        return None if isinstance(members, Unavailable) else members.get(address_key(target))

    def _subnet_holding(self, ip):
        """The subnet of the port holding ``ip`` (its ``cidr``, ``vpc_id``), or None when none can be read."""
        ports = self.reads.ports(ip)
        if isinstance(ports, Unavailable):
            return None
        for port in ports:
            for fixed in port.get("fixed_ips") or []:
                if isinstance(fixed, dict) and fixed.get("ip_address") == ip and fixed.get("subnet_id"):
                    subnet = self.reads.subnet(fixed["subnet_id"])
                    return None if isinstance(subnet, Unavailable) else subnet
        return None

    def _groups(self, ip, member, evidence):
        """``(security group ids, evidence)`` guarding ``ip``: its ports' groups, or its ECS server's (a member
        given by ``ecs_id``, or a port whose device is a server and lists no group); an Unavailable when neither can
        be read; ``[]`` when no port of the project holds the address."""
        server = (member or {}).get("ecs_id") or None
        if server:
            groups = self.reads.server_groups(server)
            if not isinstance(groups, Unavailable):
                return groups, dict(evidence, server=server, groups_from="ECS server %s" % server)
        ports = self.reads.ports(ip)
        if isinstance(ports, Unavailable):
            return (groups if server else ports), evidence
        holding = [port for port in ports if isinstance(port, dict)]
        groups = list(dict.fromkeys(group for port in holding for group in port.get("security_groups") or []))
        evidence = dict(evidence, ports=[port.get("id") for port in holding])
        if groups:
            return groups, dict(evidence, groups_from="ports %s" % ", ".join("%s" % p.get("id") for p in holding))
        if not holding:
            return [], evidence
        device = next((port.get("device_id") for port in holding if port.get("device_id")), None)
        if device is None:
            return [], evidence
        groups = self.reads.server_groups(device)
        return groups, dict(evidence, server=device, groups_from="ECS server %s" % device)

    def _security_groups(self, target, ip, port, gateway, member, evidence, channel_member):
        groups, evidence = self._groups(ip, member, evidence)
        if isinstance(groups, Unavailable):
            return not_available(target, groups, evidence)
        if not groups:
            return self._no_group(target, ip, port, evidence)
        sources = _sources(gateway, channel_member)
        if isinstance(sources, Unavailable):
            return not_available(target, sources, evidence)
        rules = {group: self.reads.rules(group) for group in groups}
        wanted = {
            body.get("remote_address_group_id")
            for found in rules.values()
            if not isinstance(found, Unavailable)
            for body in found[1]
            if isinstance(body, dict) and body.get("remote_address_group_id")
        }
        address_groups = {group: self.reads.address_group(group) for group in sorted(wanted)}
        finding = security_group_finding(target, port, groups, rules, address_groups, sources, evidence)
        if isinstance(finding, dict):
            return finding
        return open_network_finding(target, port, finding[1])

    @staticmethod
    def _no_group(target, ip, port, evidence):
        """No port of the project holds the address: across an instance route, no security group of this project
        applies (the network is not the cause as far as it shows); inside the VPC, nothing has the address."""
        evidence = dict(evidence, no_port=True)
        if str(evidence.get("route", "")).startswith("instance route"):
            return open_network_finding(target, port, dict(evidence, network=ADMITS))
        return entry(
            target,
            UNKNOWN,
            "no port of this project holds %s, inside %s: nothing in the VPC has that address"
            % (ip, evidence["route"]),
            evidence,
            "check the address: a server deleted or re-addressed, or a typo in the channel or the API's backend",
            INFERRED,
        )


def _gateway_evidence(gateway):
    shown = {}
    for key in ("instance_id", "vpc_id", "subnet_id", "security_group_id", "node_ips", "nat_eip_address"):
        shown[key] = gateway.get(key)
    return shown


def _sources(gateway, channel_member):
    """Where the gateway's packets come from (``security_groups.gateway_sources``), or an Unavailable."""
    subnet = gateway.get("subnet_cidr")
    if not gateway.get("node_ips") and not isinstance(subnet, str):
        return (
            subnet if isinstance(subnet, Unavailable) else Unavailable("the instance names no node address or subnet")
        )
    return gateway_sources(
        gateway.get("security_group_id"),
        gateway.get("node_ips"),
        subnet if isinstance(subnet, str) else None,
        channel_member=channel_member,
        port_groups=gateway.get("port_groups"),
    )
