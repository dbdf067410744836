# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""security_groups.py: each rule of Huawei's security-group semantics, with an example that shows it.

The diagnosis will tell an engineer "denied by rule r-deny" or "no rule admits TCP 8080"; a wrong answer here sends
them to the wrong console, so each rule of the semantics (order, deny at equal priority, multiport, protocol,
ethertype, the three kinds of remote, disabled rules, v1 rules) has its own example. The property test
(tests/property/test_security_group_rules.py) compares the evaluator with a brute-force reference.
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.security_groups import (
    ALLOWED,
    APIG_SOURCE_RANGE,
    DENIED,
    NO_RULE_MATCHES,
    RuleError,
    Source,
    address_group_networks,
    evaluate_ingress,
    format_ports,
    gateway_sources,
    normalise_rule,
    parse_multiport,
    rule_order,
)

NODE = Source("node", ("192.168.0.10",), frozenset(["sg-apig"]))
OUTSIDER = Source("outsider", ("172.16.5.5",))


def v3(rule_id, action="allow", priority=1, multiport="8080", protocol="tcp", **remote):
    """A v3 ingress rule body as ListSecurityGroupRules answers it (remote: one of the remote_* keys)."""
    body = {
        "id": rule_id,
        "security_group_id": "sg-backend",
        "direction": "ingress",
        "protocol": protocol,
        "ethertype": remote.pop("ethertype", "IPv4"),
        "multiport": multiport,
        "action": action,
        "priority": priority,
        "remote_ip_prefix": None,
        "remote_group_id": None,
        "remote_address_group_id": None,
        "enabled": remote.pop("enabled", True),
    }
    body.update(remote)
    return body


def v1(rule_id, low=8080, high=8080, protocol="tcp", **remote):
    """A v1 rule body: port_range_min/max, no action, no priority."""
    body = {
        "id": rule_id,
        "security_group_id": "sg-backend",
        "direction": "ingress",
        "protocol": protocol,
        "ethertype": "IPv4",
        "port_range_min": low,
        "port_range_max": high,
        "remote_ip_prefix": None,
        "remote_group_id": None,
        "remote_address_group_id": None,
        "tenant_id": "0123",
    }
    body.update(remote)
    return body


def outcome(rules, source=NODE, port=8080, **kwargs):
    (verdict,) = evaluate_ingress(rules, port, [source], **kwargs).verdicts
    return verdict.outcome, verdict.rule.id if verdict.rule else None


# -- multiport and v1 port ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, ports",
    [
        ("80", ((80, 80),)),
        ("1-30", ((1, 30),)),
        ("22,3389,80", ((22, 22), (3389, 3389), (80, 80))),
        ("22, 80-90", ((22, 22), (80, 90))),
        ("", None),
        (None, None),
        ("  ", None),
    ],
)
def test_multiport_is_a_port_a_range_or_a_list_and_empty_is_every_port(text, ports):
    assert parse_multiport(text) == ports


@pytest.mark.parametrize("text", ["0", "65536", "30-1", "80,", "a", "1-2-3", "-5"])
def test_a_multiport_outside_1_to_65535_or_malformed_names_the_rule(text):
    with pytest.raises(RuleError, match="rule r9: multiport"):
        parse_multiport(text, "r9")


def test_format_ports_writes_multiport_back():
    assert format_ports(((22, 22), (80, 90))) == "22,80-90"


def test_a_port_inside_a_range_or_list_matches_and_one_outside_does_not():
    rules = [v3("r-list", multiport="22,8000-8100,9090", remote_ip_prefix="0.0.0.0/0")]
    assert outcome(rules, port=8080) == (ALLOWED, "r-list")
    assert outcome(rules, port=9090) == (ALLOWED, "r-list")
    assert outcome(rules, port=8101) == (NO_RULE_MATCHES, None)


def test_v1_port_range_min_max_and_none_meaning_every_port():
    assert outcome([v1("r1", 8000, 8100, remote_ip_prefix="0.0.0.0/0")]) == (ALLOWED, "r1")
    assert outcome([v1("r1", 8081, 8100, remote_ip_prefix="0.0.0.0/0")]) == (NO_RULE_MATCHES, None)
    assert outcome([v1("r1", None, None, remote_ip_prefix="0.0.0.0/0")], port=1) == (ALLOWED, "r1")


# -- what a rule is -----------------------------------------------------------------------------------------------


def test_a_v1_rule_is_allow_with_priority_1_and_says_so():
    rule = normalise_rule(v1("r1"))
    assert (rule.api, rule.action, rule.priority, rule.ports) == ("v1", "allow", 1, ((8080, 8080),))


def test_a_v3_rule_keeps_action_priority_and_its_normalised_prefix():
    rule = normalise_rule(v3("r3", action="deny", priority=7, remote_ip_prefix="10.1.2.3/8"))
    assert (rule.api, rule.action, rule.priority, rule.remote_ip_prefix) == ("v3", "deny", 7, "10.0.0.0/8")
    assert rule.summary() == "deny TCP 8080 from 10.0.0.0/8 (priority 7)"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"action": "reject"}, "action"),
        ({"priority": 0}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"ethertype": "IPX"}, "ethertype"),
        ({"remote_ip_prefix": "10.0.0.300/8"}, "remote_ip_prefix"),
    ],
)
def test_an_unreadable_rule_is_a_rule_error_naming_the_rule_and_field(change, message):
    body = dict(v3("r-bad"), **change)
    with pytest.raises(RuleError, match="rule r-bad: %s" % message):
        normalise_rule(body)


# -- protocol, direction, ethertype ------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [None, "", "any", "tcp", "TCP", "6"])
def test_an_empty_any_or_tcp_protocol_matches_tcp(protocol):
    assert outcome([v3("r", protocol=protocol, remote_ip_prefix="0.0.0.0/0")]) == (ALLOWED, "r")


@pytest.mark.parametrize("protocol", ["udp", "icmp", "17"])
def test_another_protocol_does_not_match_tcp(protocol):
    assert outcome([v3("r", protocol=protocol, remote_ip_prefix="0.0.0.0/0")]) == (NO_RULE_MATCHES, None)


def test_egress_rules_say_nothing_about_ingress():
    rules = [dict(v3("r-out", remote_ip_prefix="0.0.0.0/0"), direction="egress")]
    assert outcome(rules) == (NO_RULE_MATCHES, None)


def test_a_rule_matches_only_addresses_of_its_ethertype():
    everyone_v6 = v3("r6", remote_ip_prefix="::/0", ethertype="IPv6")
    assert outcome([everyone_v6]) == (NO_RULE_MATCHES, None)
    assert outcome([everyone_v6], source=Source("v6 node", ("fd00::10",))) == (ALLOWED, "r6")
    no_remote_v4 = v3("r4")
    assert outcome([no_remote_v4], source=Source("v6 node", ("fd00::10",))) == (NO_RULE_MATCHES, None)


# -- remotes --------------------------------------------------------------------------------------------------------


def test_remote_ip_prefix_admits_addresses_inside_it_and_slash_zero_admits_everyone():
    assert outcome([v3("r", remote_ip_prefix="192.168.0.0/24")]) == (ALLOWED, "r")
    assert outcome([v3("r", remote_ip_prefix="192.168.1.0/24")]) == (NO_RULE_MATCHES, None)
    assert outcome([v3("r", remote_ip_prefix="0.0.0.0/0")], source=OUTSIDER) == (ALLOWED, "r")


def test_remote_group_id_admits_members_of_that_group_only():
    rules = [v3("r-grp", remote_group_id="sg-apig")]
    assert outcome(rules) == (ALLOWED, "r-grp")
    assert outcome(rules, source=OUTSIDER) == (NO_RULE_MATCHES, None)


def test_a_rule_without_remote_admits_everyone_of_its_family():
    assert outcome([v3("r-open")], source=OUTSIDER) == (ALLOWED, "r-open")


def test_remote_address_group_admits_its_cidrs_addresses_and_ranges():
    rules = [v3("r-ag", remote_address_group_id="ag-1")]
    groups = {"ag-1": ["10.9.0.0/16", "172.16.5.5", "192.168.0.8-192.168.0.12"]}
    assert outcome(rules, address_groups=groups) == (ALLOWED, "r-ag")
    assert outcome(rules, source=OUTSIDER, address_groups=groups) == (ALLOWED, "r-ag")
    assert outcome(rules, source=Source("far", ("10.10.0.1",)), address_groups=groups) == (NO_RULE_MATCHES, None)


def test_an_address_group_not_given_matches_nothing_and_is_listed_as_unresolved():
    rules = [v3("r-ag", action="deny", remote_address_group_id="ag-missing"), v3("r-all", remote_ip_prefix="0.0.0.0/0")]
    result = evaluate_ingress(rules, 8080, [NODE])
    assert [(v.outcome, v.rule.id) for v in result.verdicts] == [(ALLOWED, "r-all")]
    assert [rule.id for rule in result.unresolved_rules] == ["r-ag"]


def test_address_group_ranges_become_networks():
    assert [str(n) for n in address_group_networks(["10.0.0.0-10.0.0.3", "10.0.0.9"])] == ["10.0.0.0/30", "10.0.0.9/32"]
    with pytest.raises(RuleError, match="address group ag-x"):
        address_group_networks(["not-an-address"], "ag-x")


# -- order ------------------------------------------------------------------------------------------------------------


def test_the_smaller_priority_number_decides_first():
    rules = [v3("r-deny", action="deny", priority=2, remote_ip_prefix="0.0.0.0/0"), v3("r-allow", priority=1)]
    assert outcome(rules) == (ALLOWED, "r-allow")
    rules = [v3("r-deny", action="deny", priority=1, remote_ip_prefix="0.0.0.0/0"), v3("r-allow", priority=2)]
    assert outcome(rules) == (DENIED, "r-deny")


def test_deny_beats_allow_at_equal_priority_whatever_their_order():
    allow, deny = v3("r-allow", priority=5), v3("r-deny", action="deny", priority=5, remote_group_id="sg-apig")
    assert outcome([allow, deny]) == (DENIED, "r-deny")
    assert outcome([deny, allow]) == (DENIED, "r-deny")


def test_disabled_rules_are_skipped():
    rules = [v3("r-deny", action="deny", enabled=False), v3("r-allow", priority=50)]
    assert outcome(rules) == (ALLOWED, "r-allow")
    assert rule_order([normalise_rule(rule) for rule in rules])[0].id == "r-allow"


def test_no_matching_rule_means_the_packet_is_dropped():
    assert outcome([]) == (NO_RULE_MATCHES, None)
    assert outcome([v3("r-other-port", multiport="443")]) == (NO_RULE_MATCHES, None)


def test_v1_rules_only_ever_allow():
    assert outcome([v1("r1", remote_group_id="sg-apig")]) == (ALLOWED, "r1")


# -- ranges as sources -----------------------------------------------------------------------------------------------


def test_a_range_is_allowed_only_when_all_of_it_is():
    half = [v3("r-half", remote_ip_prefix="100.125.0.0/17")]
    source = Source("apig", (APIG_SOURCE_RANGE,))
    assert outcome(half, source=source) == (NO_RULE_MATCHES, None)
    both_halves = [*half, v3("r-other-half", priority=9, remote_ip_prefix="100.125.128.0/17")]
    assert outcome(both_halves, source=source) == (ALLOWED, "r-half")


def test_a_deny_of_part_of_a_range_keeps_the_range_out_unless_an_earlier_allow_took_that_part():
    source = Source("apig", (APIG_SOURCE_RANGE,))
    deny_part = v3("r-deny", action="deny", priority=5, remote_ip_prefix="100.125.7.0/24")
    allow_all = v3("r-allow", priority=10, remote_ip_prefix="0.0.0.0/0")
    assert outcome([deny_part, allow_all], source=source) == (DENIED, "r-deny")
    allow_part_first = v3("r-first", priority=1, remote_ip_prefix="100.125.0.0/20")
    assert outcome([deny_part, allow_all, allow_part_first], source=source) == (ALLOWED, "r-first")


# -- the gateway's sources ------------------------------------------------------------------------------------------


def test_gateway_sources_are_its_nodes_in_its_group_and_for_channel_members_apig_range():
    sources = gateway_sources(
        "sg-apig", ["192.168.0.10", "192.168.0.11"], "192.168.0.0/24", True, {"192.168.0.11": ["sg-extra"]}
    )
    assert [(s.name, s.prefixes, sorted(s.security_group_ids)) for s in sources] == [
        ("gateway node 192.168.0.10", ("192.168.0.10",), ["sg-apig"]),
        ("gateway node 192.168.0.11", ("192.168.0.11",), ["sg-apig", "sg-extra"]),
        ("APIG health check range 100.125.0.0/16", ("100.125.0.0/16",), []),
    ]


def test_without_node_addresses_the_subnet_stands_for_them():
    (source,) = gateway_sources("sg-apig", [], "192.168.0.0/24")
    assert (source.prefixes, source.security_group_ids) == (("192.168.0.0/24",), frozenset(["sg-apig"]))


def test_the_classic_case_a_channel_member_open_to_the_gateway_group_but_not_to_100_125():
    rules = [v3("r-same-group", remote_group_id="sg-apig")]
    result = evaluate_ingress(rules, 8080, gateway_sources("sg-apig", ["192.168.0.10"], channel_member=True))
    assert not result.allowed
    assert [(v.source.name, v.outcome) for v in result.unmatched] == [
        ("APIG health check range 100.125.0.0/16", NO_RULE_MATCHES)
    ]
    assert result.denied == []


@pytest.mark.parametrize("port", [0, 65536, "80", True])
def test_the_port_must_be_a_tcp_port(port):
    with pytest.raises(ValueError, match="port"):
        evaluate_ingress([], port, [NODE])
