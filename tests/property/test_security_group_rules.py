# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The security-group evaluation agrees with a brute-force reference on generated rule sets.

The collection's evaluator (plugins/module_utils/security_groups.py) removes whole CIDRs from a source as rules
decide them; the reference below knows none of that: it parses each rule body itself and, for every single address
of every source, sorts the matching rules and takes the first. Rule sets are drawn with small priorities (so ties
are common), deny and allow, multiport lists and ranges, every spelling of "any protocol", IPv4 and IPv6 with /0
and host prefixes, remote security groups, address groups (some missing), disabled rules, egress rules and v1
rules. Addresses live in a 64-address corner of each family so that prefixes overlap often and a brute force over
every address stays cheap.

The emulator's own evaluation (tests/emulator/firewall.py, written apart from the collection's on purpose) is held
to the same reference, so the gateway the tests talk to and the diagnosis that explains it cannot drift apart.
"""

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.apig.plugins.module_utils.security_groups import (
    ALLOWED,
    DENIED,
    NO_RULE_MATCHES,
    Source,
    evaluate_ingress,
)
from tests.emulator import firewall

EXAMPLES = 400
BASES = {4: ipaddress.ip_network("10.0.0.0/26"), 6: ipaddress.ip_network("fd00::/122")}
WIDE = {4: ["0.0.0.0/0", "10.0.0.0/8"], 6: ["::/0", "fd00::/8"]}
SOURCE_SHORTEST = {4: (26, 29, 30, 31, 32), 6: (122, 125, 126, 127, 128)}  # mostly a few addresses, sometimes 64
GROUPS = ("sg-a", "sg-b", "sg-c")
ADDRESS_GROUPS = ("ag-1", "ag-2", "ag-missing")
PROTOCOLS = (None, "", "any", "tcp", "tcp", "tcp", "TCP", "6", "udp", "icmp")
PORTS = st.integers(1, 6)


@st.composite
def networks(draw, version, shortest):
    """A network inside the family's corner (prefix length from ``shortest`` to a host), or sometimes a wide one."""
    base = BASES[version]
    if shortest is None and draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(WIDE[version]))
    length = draw(st.integers(shortest or base.prefixlen, base.max_prefixlen))
    offset = draw(st.integers(0, 2 ** (length - base.prefixlen) - 1)) if length > base.prefixlen else 0
    size = 2 ** (base.max_prefixlen - length)
    return str(ipaddress.ip_network((int(base.network_address) + offset * size, length)))


@st.composite
def multiports(draw):
    items = draw(st.lists(st.tuples(PORTS, st.integers(0, 3)), max_size=3))
    text = ",".join(str(first) if span == 0 else "%d-%d" % (first, first + span) for first, span in items)
    if draw(st.integers(0, 2)) == 0:
        return ""
    return text if draw(st.booleans()) else text.replace(",", ", ")


@st.composite
def remotes(draw, version):
    kind = draw(st.sampled_from(("prefix", "prefix", "group", "address_group", "none")))
    remote = {"remote_ip_prefix": None, "remote_group_id": None, "remote_address_group_id": None}
    if kind == "prefix":
        remote["remote_ip_prefix"] = draw(networks(draw(st.sampled_from((version, version, 10 - version))), None))
    elif kind == "group":
        remote["remote_group_id"] = draw(st.sampled_from(GROUPS))
    elif kind == "address_group":
        remote["remote_address_group_id"] = draw(st.sampled_from(ADDRESS_GROUPS))
    return remote


@st.composite
def rule_bodies(draw, index):
    version = draw(st.sampled_from((4, 4, 6)))
    body = {
        "id": "r%d" % index,
        "security_group_id": "sg-backend",
        "direction": draw(st.sampled_from(("ingress", "ingress", "ingress", "egress"))),
        "protocol": draw(st.sampled_from(PROTOCOLS)),
        "ethertype": "IPv4" if version == 4 else "IPv6",
    }
    body.update(draw(remotes(version)))
    if draw(st.integers(0, 4)) == 0:  # a v1 rule: a port range, no action, no priority
        low = draw(st.one_of(st.none(), PORTS))
        body.update(port_range_min=low, port_range_max=None if low is None else low + draw(st.integers(0, 5)))
    else:
        body.update(
            multiport=draw(multiports()),
            action=draw(st.sampled_from(("allow", "deny"))),
            priority=draw(st.integers(1, 3)),
            enabled=draw(st.sampled_from((True, True, True, False))),
        )
    return body


@st.composite
def address_group_entries(draw):
    entries = []
    for _unused in range(draw(st.integers(0, 3))):
        version = draw(st.sampled_from((4, 6)))
        if draw(st.booleans()):
            entries.append(draw(networks(version, BASES[version].prefixlen + 2)))
        else:
            first = int(BASES[version].network_address) + draw(st.integers(0, 60))
            last = first + draw(st.integers(0, 8))
            entries.append("%s-%s" % (ipaddress.ip_address(first), ipaddress.ip_address(last)))
    return entries


@st.composite
def source_prefixes(draw):
    version = draw(st.sampled_from((4, 4, 6)))
    return draw(networks(version, draw(st.sampled_from(SOURCE_SHORTEST[version]))))


@st.composite
def sources(draw, index):
    prefixes = draw(st.lists(source_prefixes(), min_size=1, max_size=2))
    groups = draw(st.frozensets(st.sampled_from(GROUPS)))
    return Source("source %d" % index, tuple(prefixes), groups)


@st.composite
def scenarios(draw):
    count = draw(st.integers(0, 8))
    rules = [draw(rule_bodies(index)) for index in range(count)]
    groups = {"ag-1": draw(address_group_entries()), "ag-2": draw(address_group_entries())}
    source_list = [draw(sources(index)) for index in range(draw(st.integers(1, 3)))]
    return rules, groups, source_list, draw(PORTS)


# -- the reference: every address, every rule, sorted, first match ---------------------------------------------------


def reference_ports(body):
    if "multiport" in body:
        text = body["multiport"].replace(" ", "")
        if not text:
            return None
        allowed = set()
        for item in text.split(","):
            first, _sep, last = item.partition("-")
            allowed.update(range(int(first), int(last or first) + 1))
        return allowed
    low, high = body.get("port_range_min"), body.get("port_range_max")
    if low is None and high is None:
        return None
    return set(range(low if low is not None else 1, (high if high is not None else 65535) + 1))


def reference_in_entry(address, entry):
    if "-" in entry:
        first, last = (ipaddress.ip_address(part) for part in entry.split("-"))
        return first.version == address.version and int(first) <= int(address) <= int(last)
    network = ipaddress.ip_network(entry, strict=False)
    return network.version == address.version and address in network


def reference_matches(body, address, groups, port, address_groups):
    family = "IPv4" if address.version == 4 else "IPv6"
    protocol = body.get("protocol")
    ports = reference_ports(body)
    if body.get("enabled") is False or body["direction"] != "ingress" or body["ethertype"] != family:
        return False
    if protocol not in (None, "", "any") and protocol.lower() not in ("tcp", "6"):
        return False
    if ports is not None and port not in ports:
        return False
    if body["remote_group_id"]:
        return body["remote_group_id"] in groups
    if body["remote_ip_prefix"]:
        return reference_in_entry(address, body["remote_ip_prefix"])
    if body["remote_address_group_id"]:
        return any(
            reference_in_entry(address, entry) for entry in address_groups.get(body["remote_address_group_id"], [])
        )
    return True


def reference_key(index, body):
    deny = body.get("action") == "deny"
    return (body.get("priority", 1), 0 if deny else 1, index)


def reference_verdict(rules, source, port, address_groups):
    firsts = []
    for prefix in source.prefixes:
        for address in ipaddress.ip_network(prefix):
            matching = [
                (reference_key(index, body), body)
                for index, body in enumerate(rules)
                if reference_matches(body, address, source.security_group_ids, port, address_groups)
            ]
            firsts.append(min(matching, key=lambda item: item[0]) if matching else None)
    denied = [first for first in firsts if first is not None and first[1].get("action") == "deny"]
    if denied:
        return DENIED, min(denied, key=lambda item: item[0])[1]["id"]
    if any(first is None for first in firsts):
        return NO_RULE_MATCHES, None
    return ALLOWED, min(firsts, key=lambda item: item[0])[1]["id"]


@settings(max_examples=EXAMPLES)
@given(scenarios())
def test_the_collection_evaluator_agrees_with_the_brute_force_reference(scenario):
    rules, address_groups, source_list, port = scenario
    result = evaluate_ingress(rules, port, source_list, address_groups=address_groups)
    found = [(verdict.outcome, verdict.rule.id if verdict.rule else None) for verdict in result.verdicts]
    expected = [reference_verdict(rules, source, port, address_groups) for source in source_list]
    assert found == expected


@settings(max_examples=EXAMPLES)
@given(scenarios())
def test_the_emulator_evaluation_agrees_with_the_brute_force_reference(scenario):
    rules, address_groups, source_list, port = scenario
    for source in source_list:
        found = firewall.ingress_verdict(rules, port, source.prefixes, source.security_group_ids, address_groups)
        assert found == reference_verdict(rules, source, port, address_groups)
