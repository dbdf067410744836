# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated cloud's security groups: does a rule set let a source in on a TCP port?

Deliberately written apart from the collection's evaluator (plugins/module_utils/security_groups.py), and by
another method, so that the gateway the tests talk to and the diagnosis that explains it are two opinions, each held
to a brute-force reference (tests/property/test_security_group_rules.py). This one works on integer address
intervals: every rule's remote cuts the source's addresses at its first and one-past-last address; between two cuts
all addresses meet the same rules, so one address per piece decides for the piece.

The semantics are Huawei Cloud's (VPC API reference, "Querying Security Group Rules" v3 and v1; VPC user guide,
"Security Group Rules"): ingress rules only; an empty protocol ("", "any", null) is every protocol; ``multiport``
"80", "1-30", "22,3389,80", empty for every port, or v1's ``port_range_min``/``port_range_max``; ``ethertype``
IPv4 (default) or IPv6; the remote is a CIDR, a security group (its members) or an address group (CIDRs, addresses
and "a-b" ranges), or nothing (everyone of the family); disabled rules are skipped; the smallest priority number
decides first, deny before allow at equal priority, then the order given; v1 rules allow at priority 1; no match
means the packet is dropped.

A verdict is ``(outcome, rule id)``: ``allowed`` when every address is let in (with the earliest rule that let some
in), ``denied`` when some address meets a deny rule first (the earliest such rule), ``no_rule_matches`` otherwise.
"""

import ipaddress

ALLOWED, DENIED, NO_RULE_MATCHES = "allowed", "denied", "no_rule_matches"
ANY_PROTOCOL = (None, "", "any")
TCP = ("tcp", "6")


def _ports(body):
    """The set test for a rule's ports: a function port -> bool."""
    if "multiport" in body or "port_range_min" not in body:
        text = (body.get("multiport") or "").replace(" ", "")
        if not text:
            return lambda port: True
        spans = []
        for item in text.split(","):
            first, _sep, last = item.partition("-")
            spans.append((int(first), int(last or first)))
        return lambda port: any(first <= port <= last for first, last in spans)
    low, high = body.get("port_range_min"), body.get("port_range_max")
    low = 1 if low is None else low
    high = 65535 if high is None else high
    return lambda port: low <= port <= high


def _intervals(entry):
    """``(version, first, last)`` of a CIDR, an address or an ``a-b`` range, as integers."""
    entry = str(entry).strip()
    if "-" in entry:
        first, last = (ipaddress.ip_address(part.strip()) for part in entry.split("-", 1))
        return first.version, int(first), int(last)
    network = ipaddress.ip_network(entry, strict=False)
    return network.version, int(network.network_address), int(network.broadcast_address)


def _everyone(version):
    return (version, 0, 2**32 - 1 if version == 4 else 2**128 - 1)


class _Rule:
    """A rule body read for this evaluation: where it applies and in which order."""

    def __init__(self, index, body, groups, address_groups):
        self.id = body.get("id")
        self.deny = body.get("action") == "deny" if "action" in body else False
        self.key = (int(body.get("priority") or 1) if "priority" in body else 1, 0 if self.deny else 1, index)
        version = 6 if str(body.get("ethertype") or "IPv4").lower() == "ipv6" else 4
        protocol = body.get("protocol")
        self.live = (
            body.get("enabled") is not False
            and body.get("direction") == "ingress"
            and (protocol in ANY_PROTOCOL or str(protocol).lower() in TCP)
        )
        self.ports = _ports(body)
        if body.get("remote_group_id"):
            spans = [_everyone(version)] if body["remote_group_id"] in groups else []
        elif body.get("remote_ip_prefix"):
            spans = [_intervals(body["remote_ip_prefix"])]
        elif body.get("remote_address_group_id"):
            spans = [_intervals(entry) for entry in address_groups.get(body["remote_address_group_id"], ())]
        else:
            spans = [_everyone(version)]
        self.spans = [span for span in spans if span[0] == version]

    def covers(self, version, address):
        return any(span_version == version and first <= address <= last for span_version, first, last in self.spans)


def _pieces(version, first, last, rules):
    """One representative address per piece of ``first..last`` that all rules treat alike."""
    cuts = {first}
    for rule in rules:
        for span_version, span_first, span_last in rule.spans:
            if span_version != version:
                continue
            for cut in (span_first, span_last + 1):
                if first < cut <= last:
                    cuts.add(cut)
    return sorted(cuts)


def ingress_verdict(rule_bodies, port, prefixes, groups=(), address_groups=None):
    """``(outcome, rule id or None)`` for a source (``prefixes``, member of ``groups``) on TCP ``port``."""
    address_groups = address_groups or {}
    rules = [_Rule(index, body, set(groups), address_groups) for index, body in enumerate(rule_bodies)]
    rules = sorted((rule for rule in rules if rule.live and rule.ports(port)), key=lambda rule: rule.key)
    decided = []
    for prefix in prefixes:
        version, first, last = _intervals(prefix)
        for address in _pieces(version, first, last, rules):
            decided.append(next((rule for rule in rules if rule.covers(version, address)), None))
    denying = [rule for rule in decided if rule is not None and rule.deny]
    if denying:
        return DENIED, min(denying, key=lambda rule: rule.key).id
    if any(rule is None for rule in decided):
        return NO_RULE_MATCHES, None
    return ALLOWED, min(decided, key=lambda rule: rule.key).id
