# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""diagnosis.py, the reasoning alone: from facts already read to the entry an engineer reads at 3 a.m.

Each step (route, public egress, security groups, what else is known) is fed the facts directly, so every cause
and every "not available" is shown by an example whose expected words are the ones the WHY column prints. The same
steps against the emulator's answers are in test_diagnoser.py, and as real playbook runs in
tests/integration/test_diagnosis.py.
"""

import json

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis import (
    ADMITS,
    CONFIRMED,
    INFERRED,
    MEMBER,
    NO_LISTENER,
    NOT_AVAILABLE,
    PUBLIC,
    PUBLIC_EGRESS,
    ROUTE,
    ROUTED,
    SECURITY_GROUP,
    UNKNOWN,
    Unavailable,
    diagnosis_of,
    open_network_finding,
    refine_with_local,
    route_finding,
    security_group_finding,
    target_address,
    unaddressable,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.security_groups import gateway_sources

GATEWAY = {
    "vpc_id": "vpc-prod",
    "vpc_cidr": "192.168.0.0/16",
    "user_routes": ["10.20.0.0/16"],
    "nat_eip_address": None,
}
KEYS = {"target", "cause", "summary", "evidence", "fix", "confidence"}


def rule(rule_id, group="sg-pay", action="allow", priority=1, multiport="8443", **remote):
    return dict(
        {
            "id": rule_id,
            "security_group_id": group,
            "direction": "ingress",
            "protocol": "tcp",
            "ethertype": "IPv4",
            "multiport": multiport,
            "action": action,
            "priority": priority,
            "enabled": True,
        },
        **remote,
    )


SOURCES = gateway_sources("sg-apig", ["192.168.0.10"], channel_member=True)


# ---- route and public egress -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip, route",
    [("192.168.1.20", "VPC vpc-prod (192.168.0.0/16)"), ("10.20.0.5", "instance route 10.20.0.0/16")],
)
def test_an_address_inside_the_vpc_or_an_instance_route_is_routed(ip, route):
    finding, evidence = route_finding(ip + ":80", ip, GATEWAY)
    assert finding == ROUTED
    assert evidence["route"] == route


def test_a_private_backend_outside_the_vpc_and_every_route_is_a_route_cause_naming_the_cidrs():
    finding, _evidence = route_finding("172.16.0.5:8080", "172.16.0.5", GATEWAY)
    assert finding["cause"] == ROUTE and finding["confidence"] == CONFIRMED
    assert finding["summary"] == (
        "172.16.0.5 is outside VPC vpc-prod (192.168.0.0/16) and every instance route (10.20.0.0/16)"
    )
    assert "add a route to 172.16.0.5" in finding["fix"] and "peering" in finding["fix"]
    assert finding["evidence"]["vpc_cidr"] == "192.168.0.0/16"
    assert finding["evidence"]["user_routes"] == ["10.20.0.0/16"]


def test_the_backends_own_subnet_names_the_route_to_add_or_shows_a_secondary_cidr():
    other = {"id": "subnet-db", "cidr": "172.16.4.0/24", "vpc_id": "vpc-db"}
    finding, _evidence = route_finding("172.16.4.9:5432", "172.16.4.9", GATEWAY, other)
    assert finding["cause"] == ROUTE
    assert "(its subnet 172.16.4.0/24 is in VPC vpc-db)" in finding["summary"]
    assert finding["fix"].startswith("add a route to 172.16.4.0/24 ")
    secondary = {"id": "subnet-2", "cidr": "172.16.4.0/24", "vpc_id": "vpc-prod"}
    assert route_finding("172.16.4.9:5432", "172.16.4.9", GATEWAY, secondary)[0] == ROUTED


def test_a_public_backend_needs_public_egress():
    finding, _evidence = route_finding("203.0.113.7:443", "203.0.113.7", GATEWAY)
    assert finding["cause"] == PUBLIC_EGRESS
    assert (
        finding["summary"]
        == "203.0.113.7 is a public address and the instance has no public egress (no nat_eip_address)"
    )
    egress = dict(GATEWAY, nat_eip_address="198.51.100.20")
    finding, evidence = route_finding("203.0.113.7:443", "203.0.113.7", egress)
    assert finding == PUBLIC and evidence["nat_eip_address"] == "198.51.100.20"


def test_a_loopback_backend_names_the_gateway_itself_even_when_the_vpc_cannot_be_read():
    blind = dict(GATEWAY, vpc_cidr=Unavailable("VPC refused ShowVpc", "vpc:vpcs:get"))
    finding, _evidence = route_finding("127.0.0.1:8080", "127.0.0.1", blind)
    assert finding["cause"] == ROUTE
    assert finding["summary"] == "127.0.0.1 is a loopback address: from the gateway it names the gateway itself"


def test_a_loopback_world_modelled_as_a_vpc_is_routed():
    """The emulator's loopback world (VPC 127.0.0.0/24) is routed like any VPC, so its rules decide."""
    finding, _evidence = route_finding("127.0.0.2:80", "127.0.0.2", dict(GATEWAY, vpc_cidr="127.0.0.0/24"))
    assert finding == ROUTED


def test_an_unreadable_vpc_makes_the_route_not_available_naming_the_permission():
    blind = dict(GATEWAY, vpc_cidr=Unavailable("VPC refused ShowVpc for VPC vpc-prod (HTTP 403)", "vpc:vpcs:get"))
    finding, _evidence = route_finding("172.16.0.5:8080", "172.16.0.5", blind)
    assert finding["cause"] == NOT_AVAILABLE and finding["confidence"] == INFERRED
    assert finding["summary"] == "not available: VPC refused ShowVpc for VPC vpc-prod (HTTP 403); grant vpc:vpcs:get"
    assert finding["evidence"]["permission"] == "vpc:vpcs:get"
    assert "vpc:vpcs:get" in finding["fix"]


def test_a_name_is_never_resolved():
    assert target_address("orders.internal:8080") == (None, 8080)
    found = unaddressable("orders.internal:8080")
    assert found["cause"] == NOT_AVAILABLE
    assert "orders.internal is a name" in found["summary"] and "never resolves" in found["summary"]


# ---- security groups ---------------------------------------------------------------------------------------------


def test_no_rule_admitting_the_gateway_names_the_group_the_port_and_the_sources():
    rules = {"sg-pay": ("v3", [rule("r-pay-apig", remote_group_id="sg-apig")])}
    found = security_group_finding("192.168.1.20:8443", 8443, ["sg-pay"], rules, {}, SOURCES, {})
    assert found["cause"] == SECURITY_GROUP and found["confidence"] == CONFIRMED
    assert found["summary"] == "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)"
    assert found["fix"] == "add an inbound rule to sg-pay: allow TCP 8443 from 100.125.0.0/16"
    assert found["evidence"]["rules_api"] == {"sg-pay": "v3"}


def test_nodes_left_out_are_admitted_by_the_instances_security_group_in_the_fix():
    rules = {"sg-a": ("v3", []), "sg-b": ("v1", [])}
    found = security_group_finding("192.168.1.20:8443", 8443, ["sg-a", "sg-b"], rules, {}, SOURCES, {})
    assert found["summary"] == (
        "security groups sg-a, sg-b (port 8443) admit nothing from the gateway (192.168.0.10, 100.125.0.0/16)"
    )
    assert found["fix"] == (
        "add an inbound rule to sg-a (or any of sg-a, sg-b: their rules add up): allow TCP 8443 from security group "
        "sg-apig and from 100.125.0.0/16"
    )


def test_a_deny_rule_that_overrides_an_allow_is_named_by_its_id():
    rules = {
        "sg-pay": (
            "v3",
            [
                rule("r-allow-all", priority=50, multiport="", remote_ip_prefix="0.0.0.0/0"),
                rule("r-deny-health", action="deny", priority=10, remote_ip_prefix="100.125.0.0/16"),
            ],
        )
    }
    found = security_group_finding("192.168.1.20:8443", 8443, ["sg-pay"], rules, {}, SOURCES, {})
    assert found["cause"] == SECURITY_GROUP
    assert found["summary"] == (
        "deny rule r-deny-health of sg-pay (priority 10) keeps the gateway (100.125.0.0/16) out of port 8443"
    )
    assert "at a priority number below 10" in found["fix"]
    assert found["evidence"]["rule"]["id"] == "r-deny-health"


def test_rules_that_admit_every_source_leave_the_network_open():
    rules = {
        "sg-pay": (
            "v3",
            [rule("r1", remote_group_id="sg-apig"), rule("r2", remote_ip_prefix="100.125.0.0/16")],
        )
    }
    found, evidence = security_group_finding("192.168.1.20:8443", 8443, ["sg-pay"], rules, {}, SOURCES, {})
    assert found is None and evidence["network"] == ADMITS
    assert [item["outcome"] for item in evidence["sources"]] == ["allowed", "allowed"]


def test_an_unreadable_group_makes_the_verdict_not_available():
    """A group that cannot be read may hold the allow rule that wins: nothing is concluded without it."""
    missing = Unavailable("VPC refused ListSecurityGroupRules for security group sg-b (HTTP 403 VPC.2201)")
    missing.permission = "vpc:securityGroupRules:list"
    rules = {"sg-a": ("v3", []), "sg-b": missing}
    found = security_group_finding("192.168.1.20:8443", 8443, ["sg-a", "sg-b"], rules, {}, SOURCES, {})
    assert found["cause"] == NOT_AVAILABLE
    assert found["summary"].endswith("; grant vpc:securityGroupRules:list")


def test_an_unreadable_address_group_lowers_the_confidence_and_says_which():
    rules = {"sg-pay": ("v3", [rule("r-offices", remote_address_group_id="ag-1")])}
    groups = {"ag-1": Unavailable("VPC refused ShowAddressGroup", "vpc:addressGroups:get")}
    found = security_group_finding("192.168.1.20:8443", 8443, ["sg-pay"], rules, groups, SOURCES, {})
    assert found["cause"] == SECURITY_GROUP and found["confidence"] == INFERRED
    assert found["evidence"]["unresolved_address_groups"] == {"ag-1": "VPC refused ShowAddressGroup"}


def test_a_rule_that_cannot_be_read_is_not_available_not_a_guess():
    rules = {"sg-pay": ("v3", [rule("r-bad", multiport="0-99999")])}
    found = security_group_finding("192.168.1.20:8443", 8443, ["sg-pay"], rules, {}, SOURCES, {})
    assert found["cause"] == NOT_AVAILABLE and "r-bad" in found["summary"]


# ---- when the network admits the gateway -------------------------------------------------------------------------

OPEN = {"network": ADMITS, "route": "VPC vpc-prod (192.168.0.0/16)", "security_groups": ["sg-web"]}


def test_an_open_network_without_more_is_unknown_with_the_evidence():
    found = open_network_finding("192.168.1.10:8080", 8080, OPEN)
    assert found["cause"] == UNKNOWN and found["confidence"] == INFERRED
    assert found["summary"] == (
        "the network admits the gateway on port 8080 (via VPC vpc-prod (192.168.0.0/16); security groups sg-web "
        "admit it), so the cause is on the backend"
    )


@pytest.mark.parametrize(
    "member, fragment",
    [
        ({"status": 2, "health_status": "unknown"}, "is disabled in the channel (status 2)"),
        ({"status": 1, "health_status": "unhealthy"}, "health check marks member 192.168.1.10:8080 unhealthy"),
    ],
)
def test_a_disabled_or_unhealthy_member_is_the_member_cause(member, fragment):
    found = open_network_finding("192.168.1.10:8080", 8080, dict(OPEN, member=member))
    assert found["cause"] == MEMBER and found["confidence"] == CONFIRMED
    assert fragment in found["summary"]


def local_part(*records):
    return {"made": True, "results": list(records)}


def test_refused_from_this_host_behind_an_open_network_is_no_listener():
    gateway_half = [open_network_finding("127.0.0.2:8080", 8080, OPEN)]
    refused = {"backend": "127.0.0.2:8080", "target": "127.0.0.2:8080", "ok": False, "reason": "refused"}
    (found,) = refine_with_local(gateway_half, local_part(refused))
    assert found["cause"] == NO_LISTENER
    assert found["summary"] == (
        "nothing listens on 127.0.0.2:8080: this host was refused there, and the network admits the gateway"
    )
    assert found["evidence"]["this_host"]["reason"] == "refused"


def test_no_listener_ranks_before_an_unhealthy_member():
    gateway_half = [open_network_finding("127.0.0.2:8080", 8080, dict(OPEN, member={"health_status": "unhealthy"}))]
    assert gateway_half[0]["cause"] == MEMBER
    refused = {"backend": "127.0.0.2:8080", "target": "127.0.0.2:8080", "ok": False, "reason": "refused"}
    assert refine_with_local(gateway_half, local_part(refused))[0]["cause"] == NO_LISTENER


def test_a_timeout_from_this_host_is_kept_as_evidence_and_stays_unknown():
    gateway_half = [open_network_finding("127.0.0.2:8080", 8080, OPEN)]
    timeout = {"backend": "127.0.0.2:8080", "target": "127.0.0.2:8080", "ok": False, "reason": "timeout"}
    (found,) = refine_with_local(gateway_half, local_part(timeout))
    assert found["cause"] == UNKNOWN and found["evidence"]["this_host"]["reason"] == "timeout"


def test_a_closed_network_is_never_turned_into_no_listener():
    rules = {"sg-pay": ("v3", [])}
    closed = [security_group_finding("127.0.0.2:8443", 8443, ["sg-pay"], rules, {}, SOURCES, {})]
    refused = {"backend": "127.0.0.2:8443", "target": "127.0.0.2:8443", "ok": False, "reason": "refused"}
    assert refine_with_local(closed, local_part(refused)) == closed
    assert refine_with_local(closed, {"made": False, "results": []}) == closed


def test_entries_are_json_and_have_every_key():
    found = [
        route_finding("172.16.0.5:80", "172.16.0.5", dict(GATEWAY, user_routes=Unavailable("no", "apig:x")))[0],
        unaddressable("a.example:1"),
        open_network_finding("192.168.1.10:8080", 8080, OPEN),
    ]
    for item in found:
        assert set(item) == KEYS
    json.dumps(found)


def test_the_entry_of_a_backend_is_found_by_any_spelling_of_its_address():
    check = {"diagnosis": [open_network_finding("[2001:db8::1]:443", 443, OPEN)]}
    assert diagnosis_of(check, "[2001:DB8:0::1]:443")["cause"] == UNKNOWN
    assert diagnosis_of(check, "[2001:db8::2]:443") is None
    assert diagnosis_of({}, "1.2.3.4:5") is None
