# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the diagnosis reads, and how a read that fails never makes a run worse than no diagnosis.

``NetworkReads`` (used by ``diagnoser.py``; ``diagnosis.py`` draws the conclusions) reads each fact once per run,
however many targets need it: the instance, its features, VPC and subnet once per instance; ports once per address;
each security group's rules once (v3, or v1 once v3 answered 404); each address group and ECS server once.
Concurrent callers wait for the first.

A read that fails is an ``Unavailable``, never an exception: a 403 names the permission to grant from the table
below (``PERMISSIONS``; the services' own messages are not relied on); a service that gave no answer at all (a
timeout, no endpoint) is not asked again in the same run. A bug in the diagnosis itself becomes a "not available"
entry too. So the diagnosis never fails the task and never touches a verdict: it only adds ``diagnosis`` lists.
"""

import contextlib
import ipaddress
import json
import threading

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls, ecs_calls, vpc_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.channels import Channel, plan_members
from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis import Unavailable
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import address_key

# The permission each read needs (IAM fine-grained actions). The VPC actions are from the VPC API reference's
# "Permissions and Supported Actions" (v3 ListSecurityGroupRules: vpc:securityGroupRules:list in identity policies,
# vpc:securityGroupRules:get in role-based ones); the APIG and ECS ones are the read actions of those services'
# tables, which docs/diagnosis.md lists with the read-only policy to copy.
PERMISSIONS = {
    "ShowDetailsOfInstanceV2": "apig:instances:get",
    "ListFeaturesV2": "apig:instances:get",
    "ShowVpc": "vpc:vpcs:get",
    "ShowSubnet": "vpc:subnets:get",
    "ListPorts": "vpc:ports:get",
    "ListSecurityGroupRules": "vpc:securityGroupRules:list",
    "ShowAddressGroup": "vpc:addressGroups:get",
    "NovaListServerSecurityGroups": "ecs:cloudServers:get",
}


def failed_itself(exc):
    """What a bug in the diagnosis says in place of the fact it could not produce."""
    return "the diagnosis itself failed (%s: %s); the verdict is unaffected" % (type(exc).__name__, exc)


def _rules_v3_or_none(client, group_id):
    """The v3 rules of a group, or None where the region has no v3 API (it answers 404: read v1 instead)."""
    try:
        return vpc_calls.list_security_group_rules_v3(client, group_id)
    except ApigError as exc:
        if exc.status == 404:
            return None
        raise


class _Once:
    """Each key read once: the first caller reads, concurrent callers wait for its answer."""

    def __init__(self):
        self._lock = threading.Lock()
        self._slots = {}

    def get(self, key, read):
        with self._lock:
            slot = self._slots.get(key)
            first = slot is None
            if first:
                slot = self._slots[key] = [threading.Event(), None]
        if first:
            try:
                slot[1] = read()
            except Exception as exc:  # pylint: disable=broad-except  # a bug must not hang the waiting readers
                slot[1] = Unavailable(failed_itself(exc))
            finally:
                slot[0].set()
        else:
            slot[0].wait()
        return slot[1]


class NetworkReads:
    """The facts of one run, each read once: values, or an Unavailable saying why not."""

    def __init__(self, client):
        self.client = client
        self._once = _Once()
        self._lock = threading.Lock()
        self._silent = {}  # service -> Unavailable: it gave no answer at all, so it is not asked again this run
        self._v3 = None  # whether the region has the v3 rules API (None: not known yet; False: it answered 404)
        self._v3_lock = threading.Lock()

    def _read(self, operation, service, what, call, *args):
        with self._lock:
            silent = self._silent.get(service)
        if silent is not None:
            return silent
        try:
            return call(self.client, *args)
        except ApigError as exc:
            missing = self._unavailable(operation, service, what, exc)
            if exc.status is None:
                with self._lock:
                    self._silent.setdefault(service, missing)
            return missing

    @staticmethod
    def _unavailable(operation, service, what, exc):
        if exc.status is None:  # no answer: no endpoint, a timeout, a refused connection (the message says which)
            return Unavailable(exc.msg)
        code = " %s" % exc.error_code if exc.error_code else ""
        if exc.status == 403:
            return Unavailable(
                "%s refused %s for %s (HTTP 403%s)" % (service, operation, what, code), PERMISSIONS.get(operation)
            )
        if exc.status == 401:
            return Unavailable("%s did not accept the credentials for %s (HTTP 401%s)" % (service, operation, code))
        detail = ": %s" % exc.error_msg if exc.error_msg else ""
        return Unavailable(
            "%s answered %s for %s with HTTP %s%s%s" % (service, operation, what, exc.status, code, detail)
        )

    # ---- the gateway's side, once per instance ---------------------------------------------------------------

    def gateway(self, instance_id):
        """The instance's network facts (``gateway_facts``), or an Unavailable when its detail cannot be read."""
        return self._once.get(("gateway", instance_id), lambda: self._gateway(instance_id))

    def _gateway(self, instance_id):
        what = "instance %s" % instance_id
        detail = self._read(
            "ShowDetailsOfInstanceV2", "APIG", what, apig_calls.show_details_of_instance_v2, instance_id
        )
        if isinstance(detail, Unavailable):
            return detail
        node_ips = detail.get("node_ips") if isinstance(detail.get("node_ips"), dict) else {}
        nodes = [ip for kind in ("livedata", "shubao") for ip in node_ips.get(kind) or [] if isinstance(ip, str)]
        facts = {
            "instance_id": instance_id,
            "vpc_id": detail.get("vpc_id"),
            "subnet_id": detail.get("subnet_id"),
            "security_group_id": detail.get("security_group_id"),
            "node_ips": list(dict.fromkeys(nodes)),
            "nat_eip_address": detail.get("nat_eip_address") or None,
            "user_routes": self._routes(instance_id, what),
            "vpc_cidr": None,
            "subnet_cidr": None,
        }
        if facts["vpc_id"]:
            vpc = self._read("ShowVpc", "VPC", "VPC %s" % facts["vpc_id"], vpc_calls.show_vpc, facts["vpc_id"])
            facts["vpc_cidr"] = vpc if isinstance(vpc, Unavailable) else vpc.get("cidr")
        if facts["subnet_id"] and not facts["node_ips"]:
            subnet = self.subnet(facts["subnet_id"])
            facts["subnet_cidr"] = subnet if isinstance(subnet, Unavailable) else subnet.get("cidr")
        port_groups = {}
        for ip in facts["node_ips"]:
            ports = self.ports(ip)
            if not isinstance(ports, Unavailable):
                port_groups[ip] = [group for port in ports for group in port.get("security_groups") or []]
        facts["port_groups"] = port_groups
        return facts

    def _routes(self, instance_id, what):
        """The instance's ``user_routes`` (the ``route`` feature; none: no routes), or an Unavailable."""
        features = self._read("ListFeaturesV2", "APIG", what, apig_calls.list_features_v2, instance_id)
        if isinstance(features, Unavailable):
            return features
        for feature in features:
            if not isinstance(feature, dict) or feature.get("name") != "route":
                continue
            if feature.get("enable") is False:
                return []
            try:
                config = json.loads(feature.get("config") or "{}")
                routes = config.get("user_routes") or []
                return [str(ipaddress.ip_network(cidr, strict=False)) for cidr in routes]
            except (TypeError, ValueError, AttributeError):
                return Unavailable("the route feature of %s holds a config that cannot be read" % what)
        return []

    # ---- the backend's side ------------------------------------------------------------------------------------

    def ports(self, ip):
        """The ports holding ``ip`` (ListPorts), or an Unavailable."""
        return self._once.get(("ports", ip), lambda: self._read("ListPorts", "VPC", ip, vpc_calls.list_ports, ip))

    def subnet(self, subnet_id):
        """A subnet's detail (ShowSubnet), or an Unavailable."""
        what = "subnet %s" % subnet_id
        return self._once.get(
            ("subnet", subnet_id), lambda: self._read("ShowSubnet", "VPC", what, vpc_calls.show_subnet, subnet_id)
        )

    def server_groups(self, server_id):
        """The security group ids of an ECS server (NovaListServerSecurityGroups), or an Unavailable."""

        def read():
            what = "server %s" % server_id
            groups = self._read(
                "NovaListServerSecurityGroups", "ECS", what, ecs_calls.nova_list_server_security_groups, server_id
            )
            return groups if isinstance(groups, Unavailable) else [group["id"] for group in groups]

        return self._once.get(("server", server_id), read)

    def rules(self, group_id):
        """``(api, rule bodies)`` of one security group - v3, or v1 where v3 answers 404 - or an Unavailable."""
        return self._once.get(("rules", group_id), lambda: self._rules(group_id))

    def _rules(self, group_id):
        what = "security group %s" % group_id
        # Until one answer says whether the region has the v3 API, rule reads go one at a time (a v1-only region
        # answers 404 once, not once per group); from then on they run side by side.
        with self._v3_lock if self._v3 is None else contextlib.nullcontext():
            if self._v3 is not False:
                found = self._read("ListSecurityGroupRules", "VPC", what, _rules_v3_or_none, group_id)
                if found is not None:
                    if not isinstance(found, Unavailable):
                        self._v3 = True
                    return found if isinstance(found, Unavailable) else ("v3", found)
                self._v3 = False
        found = self._read("ListSecurityGroupRules", "VPC", what, vpc_calls.list_security_group_rules_v1, group_id)
        return found if isinstance(found, Unavailable) else ("v1", found)

    def address_group(self, group_id):
        """An IP address group's ``ip_set`` (ShowAddressGroup), or an Unavailable."""

        def read():
            what = "address group %s" % group_id
            found = self._read("ShowAddressGroup", "VPC", what, vpc_calls.show_address_group, group_id)
            return found if isinstance(found, Unavailable) else found["ip_set"]

        return self._once.get(("address_group", group_id), read)

    def members(self, instance_id, channel_id):
        """A channel's members by address key (the gateway's view of each), or an Unavailable."""

        def read():
            try:
                detail = apig_calls.show_details_of_vpc_channel_v2(self.client, instance_id, channel_id)
                channel = Channel.from_api(channel_id, detail)
                listed = apig_calls.list_backend_instances_v2(self.client, instance_id, channel_id)
            except ApigError as exc:
                return Unavailable("the members of channel %s: %s" % (channel_id, exc.msg))
            members = {}
            for planned, raw in zip(plan_members(channel, listed, probe_all=True), listed):
                if planned.backend:
                    members.setdefault(address_key(planned.backend), raw)
            return members

        return self._once.get(("members", instance_id, channel_id), read)
