# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Does a backend's security group let the gateway in? The ingress rules of Huawei Cloud security groups, evaluated.

Longer than 400 lines: reading the rules and evaluating them follow one set of semantics, written once below.

Pure Python, no I/O: the diagnosis reads the rules (VPC API v3, or v1 where v3 is absent), the ports and the
address groups, and hands them here; what comes back names the rule that decided, so the gate can say "denied by
rule <id>" or "no rule of sg-a, sg-b admits TCP 8080 from the gateway".

The semantics, from Huawei Cloud's public documentation:

* Rules come from two APIs (VPC API reference, "Querying Security Group Rules", v3
  https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_apiv3_0017.html and v1
  https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_sg01_0007.html). v3 gives ``multiport`` ("80", "1-30",
  "22,3389,80"; empty means every port), ``action`` (allow or deny), ``priority`` (1-100, 1 first) and ``enabled``;
  v1 gives ``port_range_min``/``port_range_max`` (absent means every port) and neither action nor priority. A v1
  rule allows; since v1 rules never deny, the verdict does not depend on their rank, and they are ranked at
  priority 1 (so that a named rule is the first one listed).
* An empty protocol (null, "" or "any") matches every protocol; ``ethertype`` is IPv4 (the default) or IPv6 and a
  rule only ever matches addresses of its family.
* A rule's remote is one of: ``remote_ip_prefix`` (a CIDR; "0.0.0.0/0" or "::/0" is everyone), ``remote_group_id``
  (the members of that security group), ``remote_address_group_id`` (the addresses of that IP address group,
  "Querying an IP Address Group", v3 ``address_group.ip_set``: CIDRs, addresses and ranges "a-b"). A rule with
  none of them matches everyone of its family.
* Order: by priority, the smallest number first (1-100, "1 represents the highest priority", VPC API reference,
  "Creating a Security Group Rule"); at equal priority a deny rule comes before an allow rule (VPC user guide,
  "Security Group Rules", on how rules are matched). The first rule that matches a packet decides; a packet
  that matches no rule is denied (security groups are whitelists, and the rules of every security group of a port
  are aggregated into one order: "Which Security Group Rule Has a High Priority When Multiple Security Group
  Rules Conflict?", https://support.huaweicloud.com/intl/en-us/usermanual-vpc/vpc_faq_0077.html).
* Disabled rules (``enabled: false``) are skipped.

A *source* is where the gateway's packets come from: a set of addresses (node IPs, the gateway subnet's CIDR, or
APIG's 100.125.0.0/16 for health checks and channel traffic) and the security groups it belongs to (the instance's,
and those of the ports that hold its addresses). Each source gets one verdict: ALLOWED when every address of it is
let in, DENIED when some address meets a deny rule first (the earliest such rule is named), NO_RULE_MATCHES when no
address is denied but some match no rule at all. The evaluation is exact for CIDR sources: it walks the rules in
order and removes from the source what each rule decides, so a /16 source costs no more than a single address.
"""

import ipaddress
import re
from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Tuple

ALLOWED, DENIED, NO_RULE_MATCHES = "allowed", "denied", "no_rule_matches"
ALLOW, DENY = "allow", "deny"
INGRESS = "ingress"
IPV4, IPV6 = "IPv4", "IPv6"
APIG_SOURCE_RANGE = "100.125.0.0/16"  # where APIG's health checks and channel traffic come from (Huawei's guidance)
_ANY_PROTOCOL = ("", "any")
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}
_PORT_ITEM = re.compile(r"\A([0-9]{1,5})(?:-([0-9]{1,5}))?\Z")


class RuleError(ValueError):
    """A rule (or an address group) the API answered cannot be read; the message names the rule and the field."""


@dataclass(frozen=True)
class Rule:
    """One security-group rule, from the v3 or the v1 API, in one shape.

    ``ports`` is None for every port, else a tuple of inclusive ``(first, last)`` ranges; ``priority`` is an
    integer (v1 rules: 1); ``api`` says which API the rule was read from ("v3" or "v1").
    """

    id: str
    security_group_id: Optional[str]
    direction: str
    protocol: Optional[str]
    ethertype: str
    ports: Optional[Tuple[Tuple[int, int], ...]]
    action: str
    priority: int
    remote_ip_prefix: Optional[str]
    remote_group_id: Optional[str]
    remote_address_group_id: Optional[str]
    enabled: bool
    api: str

    def summary(self):
        """A short human description, e.g. ``deny TCP 8080 from 100.125.0.0/16 (priority 1)``."""
        protocol = "any protocol" if self.protocol is None else self.protocol.upper()
        ports = "" if self.ports is None else " " + format_ports(self.ports)
        remote = self.remote_ip_prefix or (
            "security group %s" % self.remote_group_id
            if self.remote_group_id
            else "address group %s" % self.remote_address_group_id
            if self.remote_address_group_id
            else "anywhere"
        )
        return "%s %s%s from %s (priority %d)" % (self.action, protocol, ports, remote, self.priority)


def format_ports(ports):
    """``ports`` as the v3 API writes ``multiport``: ``"22,80-90"``."""
    return ",".join(str(first) if first == last else "%d-%d" % (first, last) for first, last in ports)


def parse_multiport(text, rule_id="?"):
    """``multiport`` as v3 gives it: None for every port, else a tuple of inclusive ``(first, last)`` ranges.

    "80", "1-30", "22,3389,80" and mixtures ("22,80-90"); None or "" (blanks around items allowed) is every port.
    A port outside 1-65535 or a range backwards is a RuleError naming the rule.
    """
    if text is None or not str(text).strip():
        return None
    ranges = []
    for item in str(text).split(","):
        match = _PORT_ITEM.match(item.strip())
        if not match:
            raise RuleError("rule %s: multiport %r is not a port, a range or a comma-separated list" % (rule_id, text))
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if not 1 <= first <= last <= 65535:
            raise RuleError("rule %s: multiport %r holds a port outside 1-65535 or a backwards range" % (rule_id, text))
        ranges.append((first, last))
    return tuple(ranges)


def _v1_ports(data, rule_id):
    """``port_range_min``/``port_range_max`` of a v1 rule as ``ports`` (both absent: every port)."""
    low, high = data.get("port_range_min"), data.get("port_range_max")
    if low is None and high is None:
        return None
    for name, value in (("port_range_min", low), ("port_range_max", high)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise RuleError("rule %s: %s %r is not an integer" % (rule_id, name, value))
    first = 1 if low is None else low
    last = 65535 if high is None else high
    if not 1 <= first <= last <= 65535:
        raise RuleError("rule %s: port range %r-%r is not within 1-65535" % (rule_id, low, high))
    return ((first, last),)


def _text(value):
    """A string field as the rule means it: None for null or blank."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _priority(value, rule_id):
    if value is None or value == "":
        return 1
    if isinstance(value, bool):
        raise RuleError("rule %s: priority %r is not a number" % (rule_id, value))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RuleError("rule %s: priority %r is not a number" % (rule_id, value)) from None
    if not 1 <= number <= 100:
        raise RuleError("rule %s: priority %r is not within 1-100" % (rule_id, value))
    return number


def _ethertype(value, rule_id):
    text = _text(value)
    if text is None:
        return IPV4
    for family in (IPV4, IPV6):
        if text.lower() == family.lower():
            return family
    raise RuleError("rule %s: ethertype %r is neither IPv4 nor IPv6" % (rule_id, value))


def _prefix(value, rule_id):
    text = _text(value)
    if text is None:
        return None
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise RuleError("rule %s: remote_ip_prefix %r is not a CIDR" % (rule_id, value)) from None


def normalise_rule(data):
    """One rule body (a dict from the v3 or the v1 API) as a ``Rule``; a RuleError names what cannot be read.

    A body with ``multiport``, ``action`` or ``priority`` is a v3 rule; one without them is a v1 rule.
    """
    if not isinstance(data, dict):
        raise RuleError("a security group rule must be a JSON object, got %r" % (data,))
    rule_id = _text(data.get("id")) or "?"
    is_v3 = any(key in data for key in ("multiport", "action", "priority"))
    action = (_text(data.get("action")) or ALLOW).lower() if is_v3 else ALLOW
    if action not in (ALLOW, DENY):
        raise RuleError("rule %s: action %r is neither allow nor deny" % (rule_id, data.get("action")))
    protocol = _text(data.get("protocol"))
    enabled = data.get("enabled", True)
    return Rule(
        id=rule_id,
        security_group_id=_text(data.get("security_group_id")),
        direction=(_text(data.get("direction")) or "").lower(),
        protocol=None if protocol is None or protocol.lower() in _ANY_PROTOCOL else protocol.lower(),
        ethertype=_ethertype(data.get("ethertype"), rule_id),
        ports=parse_multiport(data.get("multiport"), rule_id) if is_v3 else _v1_ports(data, rule_id),
        action=action,
        priority=_priority(data.get("priority"), rule_id) if is_v3 else 1,
        remote_ip_prefix=_prefix(data.get("remote_ip_prefix"), rule_id),
        remote_group_id=_text(data.get("remote_group_id")),
        remote_address_group_id=_text(data.get("remote_address_group_id")),
        enabled=enabled is not False,
        api="v3" if is_v3 else "v1",
    )


def normalise_rules(bodies):
    """Every rule body of a listing, as ``Rule`` objects, in the order given."""
    return [normalise_rule(body) for body in bodies]


def address_group_networks(entries, group_id="?"):
    """The networks of an IP address group's ``ip_set``: CIDRs, single addresses and ranges ``a-b``."""
    networks = []
    for entry in entries or ():
        text = str(entry).strip()
        try:
            if "-" in text:
                first, last = (ipaddress.ip_address(part.strip()) for part in text.split("-", 1))
                networks.extend(ipaddress.summarize_address_range(first, last))
            else:
                networks.append(ipaddress.ip_network(text, strict=False))
        except (TypeError, ValueError):
            raise RuleError("address group %s: %r is not an address, a CIDR or a range" % (group_id, entry)) from None
    return networks


@dataclass(frozen=True)
class Source:
    """Where the gateway's packets come from: addresses (CIDRs or single IPs) and the security groups they are in."""

    name: str
    prefixes: Tuple[str, ...]
    security_group_ids: FrozenSet[str] = frozenset()

    def networks(self):
        """The source's addresses as networks (a bare IP is a /32 or /128)."""
        return [ipaddress.ip_network(prefix, strict=False) for prefix in self.prefixes]


def gateway_sources(security_group_id, node_ips=(), subnet_cidr=None, channel_member=False, port_groups=None):
    """The sources a gateway instance reaches a backend from, as ShowDetailsOfInstanceV2 describes the instance.

    One source per node address (``node_ips``: livedata and shubao), each a member of the instance's security
    group and of the groups of the port holding it (``port_groups``: address -> security group ids, from ListPorts);
    without node addresses, the instance's subnet (``subnet_cidr``) stands for them. A channel member is also
    reached from APIG's 100.125.0.0/16 (health checks and traffic), which belongs to no security group of the user.
    """
    groups = frozenset([security_group_id]) if security_group_id else frozenset()
    port_groups = port_groups or {}
    sources = [
        Source("gateway node %s" % ip, (ip,), groups | frozenset(port_groups.get(ip, ())))
        for ip in dict.fromkeys(node_ips or ())
    ]
    if not sources and subnet_cidr:
        sources.append(Source("gateway subnet %s" % subnet_cidr, (subnet_cidr,), groups))
    if channel_member:
        sources.append(Source("APIG health check range %s" % APIG_SOURCE_RANGE, (APIG_SOURCE_RANGE,)))
    return sources


@dataclass(frozen=True)
class SourceVerdict:
    """What the rules say about one source: ALLOWED, DENIED or NO_RULE_MATCHES, and the rule that decided (if any)."""

    source: Source
    outcome: str
    rule: Optional[Rule]


@dataclass
class IngressEvaluation:
    """The verdicts for one TCP port, one per source; ``unresolved_rules`` matched nothing because their address
    group was not given (the diagnosis could not read it), so a verdict beside them is less certain."""

    port: int
    verdicts: List[SourceVerdict]
    unresolved_rules: List[Rule] = field(default_factory=list)

    @property
    def allowed(self):
        """True when every source is let in."""
        return all(verdict.outcome == ALLOWED for verdict in self.verdicts)

    @property
    def denied(self):
        """The sources a deny rule keeps out, each with its rule."""
        return [verdict for verdict in self.verdicts if verdict.outcome == DENIED]

    @property
    def unmatched(self):
        """The sources no rule lets in (and none denies)."""
        return [verdict for verdict in self.verdicts if verdict.outcome == NO_RULE_MATCHES]


def rule_order(rules):
    """The rules in the order they are applied: enabled ones only, by priority, deny before allow, then as given."""
    indexed = [(index, rule) for index, rule in enumerate(rules) if rule.enabled]
    indexed.sort(key=lambda item: (item[1].priority, 0 if item[1].action == DENY else 1, item[0]))
    return [rule for _index, rule in indexed]


def _matches_traffic(rule, protocol, port):
    if rule.direction != INGRESS:
        return False
    if rule.protocol is not None and rule.protocol not in (protocol, _PROTOCOL_NUMBERS.get(protocol)):
        return False
    return rule.ports is None or any(first <= port <= last for first, last in rule.ports)


def _rule_networks(rule, source, address_groups):
    """The networks a rule covers for ``source``, limited to its family; None when its address group is unknown."""
    version = 4 if rule.ethertype == IPV4 else 6
    if rule.remote_group_id:
        if rule.remote_group_id not in source.security_group_ids:
            return []
        return [ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")]
    if rule.remote_ip_prefix:
        networks = [ipaddress.ip_network(rule.remote_ip_prefix)]
    elif rule.remote_address_group_id:
        if rule.remote_address_group_id not in address_groups:
            return None
        networks = address_group_networks(address_groups[rule.remote_address_group_id], rule.remote_address_group_id)
    else:
        networks = [ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")]
    return [network for network in networks if network.version == version]


def _overlap(remaining, covering):
    """The parts of ``remaining`` inside ``covering`` (CIDRs nest or are disjoint, so each part is one of them)."""
    parts = []
    for network in remaining:
        for cover in covering:
            if cover.version != network.version:
                continue
            if network.subnet_of(cover):
                parts.append(network)
                break
            if cover.subnet_of(network):
                parts.append(cover)
    return parts


def _subtract(remaining, taken):
    """``remaining`` without the networks in ``taken`` (each of which lies inside one of ``remaining``)."""
    result = list(remaining)
    for cut in taken:
        next_result = []
        for network in result:
            if network.version != cut.version:
                next_result.append(network)
            elif network.subnet_of(cut):
                continue
            elif cut.subnet_of(network):
                next_result.extend(network.address_exclude(cut))
            else:
                next_result.append(network)
        result = next_result
    return result


def _collapse(networks):
    by_version = {}
    for network in networks:
        by_version.setdefault(network.version, []).append(network)
    collapsed = []
    for version in sorted(by_version):
        collapsed.extend(ipaddress.collapse_addresses(by_version[version]))
    return collapsed


def _verdict(source, ordered, protocol, port, address_groups, unresolved):
    remaining = _collapse(source.networks())
    first_allow = None
    for rule in ordered:
        if not remaining:
            break
        if not _matches_traffic(rule, protocol, port):
            continue
        covering = _rule_networks(rule, source, address_groups)
        if covering is None:
            if rule not in unresolved:
                unresolved.append(rule)
            continue
        hit = _overlap(remaining, _collapse(covering))
        if not hit:
            continue
        if rule.action == DENY:
            return SourceVerdict(source, DENIED, rule)
        first_allow = first_allow or rule
        remaining = _subtract(remaining, hit)
    if remaining:
        return SourceVerdict(source, NO_RULE_MATCHES, None)
    return SourceVerdict(source, ALLOWED, first_allow)


def evaluate_ingress(rules, port, sources, address_groups=None, protocol="tcp"):
    """Whether ``rules`` (``Rule`` objects or raw v3/v1 bodies) let each source in on ``protocol``/``port``.

    ``address_groups`` maps an address group id to its ``ip_set`` (what ShowAddressGroup answered); a rule whose
    group is missing there is skipped and listed in ``unresolved_rules``. Example::

        rules = [{"id": "r1", "direction": "ingress", "protocol": "tcp", "multiport": "8080",
                  "action": "deny", "priority": 1, "remote_ip_prefix": "100.125.0.0/16", "ethertype": "IPv4"},
                 {"id": "r2", "direction": "ingress", "protocol": "tcp", "multiport": "",
                  "action": "allow", "priority": 1, "remote_ip_prefix": "0.0.0.0/0", "ethertype": "IPv4"}]
        result = evaluate_ingress(rules, 8080, gateway_sources("sg-apig", ["192.168.0.10"], channel_member=True))
        result.allowed                    # False
        [(v.source.name, v.outcome, v.rule and v.rule.id) for v in result.verdicts]
        # [('gateway node 192.168.0.10', 'allowed', 'r2'),
        #  ('APIG health check range 100.125.0.0/16', 'denied', 'r1')]
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError("port must be an integer within 1-65535, got %r" % (port,))
    rules = [rule if isinstance(rule, Rule) else normalise_rule(rule) for rule in rules]
    ordered = rule_order(rules)
    address_groups = address_groups or {}
    unresolved = []
    verdicts = [_verdict(source, ordered, protocol.lower(), port, address_groups, unresolved) for source in sources]
    return IngressEvaluation(port=port, verdicts=verdicts, unresolved_rules=unresolved)
