# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Why the gateway cannot reach a backend, from the cloud's own network configuration: the reasoning.

Pure Python (3.8), no I/O: ``diagnosis_reads.py`` reads the facts, once per run, and hands them to the steps here,
in the order the gateway's packets meet them (apig-contract.md section 13; Huawei's guidance):

1. ``route_finding``: a private backend outside the instance's VPC and every instance route (the ``route`` feature)
   has no way there (``route``); a public one needs the instance's public egress, ``nat_eip_address``
   (``public_egress``); a loopback address names the gateway itself (``route``);
2. ``security_group_finding``: the rules of the backend's security groups, evaluated by ``security_groups.py`` for
   the TCP port from each of the gateway's sources - no rule admits one (``security_group``, naming the groups and
   the port) or a deny rule keeps one out (``security_group``, naming the rule);
3. ``open_network_finding``: the route and the rules let the gateway in, so the network is not the cause; then this
   host's probe refused -> ``no_listener``; the channel's member disabled or unhealthy -> ``member``; else
   ``unknown``, with the evidence.

Each entry (``entry``) has ``target``, ``cause``, a one-line ``summary`` (the gate's WHY column), ``evidence`` (the
facts read), ``fix`` (one concrete step) and ``confidence``: ``confirmed`` when read from the configuration,
``inferred`` otherwise. A fact that could not be read is an ``Unavailable``: when the conclusion needs it, the entry
says "not available: <why>", naming the permission to grant (cause ``not_available``). A diagnosis never touches the
verdict of its check.

``no_listener`` needs this host's probe, which the gate role makes apart from the gateway's check (the gateway's half
once per play, with ``probe: remote``; this host's half on every host). So the gateway's half records, in the
evidence, that the network admits the gateway (``evidence["network"]``), and ``refine_with_local`` - the one
function for both paths: ``probe: both`` in one module run, and ``connectivity.merge_halves`` in the gate - draws the
conclusion again with this host's probe of the same backend.
"""

import ipaddress

from ansible_collections.hwcloud.apig.plugins.module_utils.security_groups import (
    RuleError,
    evaluate_ingress,
    normalise_rule,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import AddressError, address_key, parse_address

ROUTE, PUBLIC_EGRESS, SECURITY_GROUP = "route", "public_egress", "security_group"
NO_LISTENER, MEMBER, UNKNOWN, NOT_AVAILABLE = "no_listener", "member", "unknown", "not_available"
CAUSES = (ROUTE, PUBLIC_EGRESS, SECURITY_GROUP, NO_LISTENER, MEMBER, UNKNOWN, NOT_AVAILABLE)
CONFIRMED, INFERRED = "confirmed", "inferred"
ADMITS = "admits the gateway"  # evidence["network"] when the route and the rules let the gateway in
ROUTED, PUBLIC = "routed", "public"  # route_finding: a way there (security groups next), or through public egress
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(cidr)
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_GRANT = "docs/diagnosis.md has a read-only policy to copy; diagnose: false turns the diagnosis off"


class Unavailable:
    """A fact the diagnosis could not read: why (one line), and the permission that would let it (or None)."""

    __slots__ = ("permission", "why")

    def __init__(self, why, permission=None):
        self.why = why
        self.permission = permission

    def text(self):
        """``not available: <why>; grant <permission>`` for a summary."""
        grant = "; grant %s" % self.permission if self.permission else ""
        return "not available: %s%s" % (self.why, grant)

    def __repr__(self):
        return "Unavailable(%r, %r)" % (self.why, self.permission)


def entry(target, cause, summary, evidence, fix, confidence):
    """One diagnosis entry, every key present."""
    return {
        "target": target,
        "cause": cause,
        "summary": summary,
        "evidence": evidence,
        "fix": fix,
        "confidence": confidence,
    }


def not_available(target, missing, evidence=None):
    """The entry of a target whose conclusion needs a fact that could not be read (``missing``, an Unavailable)."""
    if missing.permission:
        fix = "grant %s to the credentials the gate runs with (%s)" % (missing.permission, _GRANT)
    else:
        fix = "make the read possible, then run again (%s)" % _GRANT
    evidence = dict(evidence or {}, not_available=missing.why)
    if missing.permission:
        evidence["permission"] = missing.permission
    return entry(target, NOT_AVAILABLE, missing.text(), evidence, fix, INFERRED)


def target_address(target):
    """``(ip, port)`` of a ``host:port`` as APIG names it; ``ip`` is None for a name (or an address with a variable)."""
    try:
        address = parse_address(target)
    except AddressError:
        return None, None
    return (address.host if address.is_ip else None), address.port


def unaddressable(target):
    """A target whose host is a name: the diagnosis reads addresses and never resolves a name."""
    host = target.rsplit(":", 1)[0] if ":" in target else target
    missing = Unavailable(
        "%s is a name, and the diagnosis reads IP addresses only (it never resolves names)" % host, None
    )
    result = not_available(target, missing)
    result["fix"] = (
        "find the address APIG's DNS gives %s (a private DNS zone of the gateway's VPC), and check that address" % host
    )
    return result


def _shown(fact):
    """A fact as the evidence shows it: an Unavailable as its ``not available: ...`` text."""
    return fact.text() if isinstance(fact, Unavailable) else fact


def is_private(address):
    """Inside RFC 1918, 100.64.0.0/10 (carrier-grade NAT, where APIG's 100.125.0.0/16 lies) or fc00::/7."""
    return any(address.version == net.version and address in net for net in PRIVATE_RANGES)


def _inside(address, cidrs):
    for cidr in cidrs:
        network = ipaddress.ip_network(cidr, strict=False)
        if address.version == network.version and address in network:
            return cidr
    return None


def route_finding(target, ip, gateway, port_subnet=None, base=None):
    """Step 1: ``(finding, evidence)``. ``finding`` is an entry (``route``, ``public_egress``, or not available),
    ``ROUTED`` (the gateway has a way there: go on to the security groups), or ``PUBLIC`` (through public egress:
    no security group of the project guards it).

    ``gateway`` is what ``diagnosis_reads.gateway_facts`` read: ``vpc_id``, ``vpc_cidr``, ``user_routes``,
    ``nat_eip_address`` (Unavailable where they could not be read). ``port_subnet``: the subnet of the port that
    holds the address (its ``cidr`` and ``vpc_id``), when one was found, which tells a VPC's secondary CIDR.
    ``base``: the evidence gathered so far, which the finding's evidence extends.
    """
    address = ipaddress.ip_address(ip)
    vpc_cidr, routes = gateway.get("vpc_cidr"), gateway.get("user_routes")
    evidence = dict(base or {}, vpc_id=gateway.get("vpc_id"), vpc_cidr=_shown(vpc_cidr), user_routes=_shown(routes))
    known = [cidr for cidr in [vpc_cidr] + (routes if isinstance(routes, list) else []) if isinstance(cidr, str)]
    via = _inside(address, known)
    if via is not None:
        where = "VPC %s (%s)" % (gateway.get("vpc_id"), via) if via == vpc_cidr else "instance route %s" % via
        return ROUTED, dict(evidence, route=where)
    if port_subnet and port_subnet.get("vpc_id") == gateway.get("vpc_id"):
        # a subnet of the instance's own VPC, in a CIDR the VPC's answer did not list (a secondary CIDR)
        return ROUTED, dict(evidence, route="VPC %s (subnet %s)" % (gateway.get("vpc_id"), port_subnet.get("cidr")))
    if address.is_loopback:
        return entry(
            target,
            ROUTE,
            "%s is a loopback address: from the gateway it names the gateway itself" % ip,
            evidence,
            "give the backend's address in the VPC (or a name APIG resolves) instead of %s" % ip,
            CONFIRMED,
        ), evidence
    for fact in (vpc_cidr, routes):
        if isinstance(fact, Unavailable):
            return not_available(target, fact, evidence), evidence
    if vpc_cidr is None:
        return not_available(target, Unavailable("the instance detail names no VPC CIDR"), evidence), evidence
    if not is_private(address):
        nat = gateway.get("nat_eip_address")
        if nat:
            return PUBLIC, dict(evidence, nat_eip_address=nat)
        return entry(
            target,
            PUBLIC_EGRESS,
            "%s is a public address and the instance has no public egress (no nat_eip_address)" % ip,
            dict(evidence, nat_eip_address=None),
            "enable public outbound access (an EIP for egress) on the gateway instance, or use the backend's "
            "private address",
            CONFIRMED,
        ), evidence
    where = ""
    if port_subnet and port_subnet.get("cidr"):
        evidence["backend_subnet"] = dict(port_subnet)
        where = " (its subnet %s is in VPC %s)" % (port_subnet["cidr"], port_subnet.get("vpc_id"))
    network = port_subnet.get("cidr") if port_subnet and port_subnet.get("cidr") else "%s (or its subnet's CIDR)" % ip
    return entry(
        target,
        ROUTE,
        "%s is outside VPC %s (%s) and every instance route (%s)%s"
        % (ip, gateway.get("vpc_id"), vpc_cidr, ", ".join(routes) or "none", where),
        evidence,
        "add a route to %s on the gateway instance (APIG console: the gateway's Routes; feature 'route'), with a "
        "VPC peering or connection to the backend's VPC" % network,
        CONFIRMED,
    ), evidence


def _prefixes(verdicts):
    return ", ".join(prefix for verdict in verdicts for prefix in verdict.source.prefixes)


def security_group_finding(target, port, groups, rules, address_groups, sources, evidence):
    """Step 2: an entry when the security groups keep the gateway out (or their rules cannot all be read), else
    None with ``evidence`` completed (the network admits the gateway).

    ``groups``: the ids guarding the backend, in order; ``rules``: group id -> ``(api, [rule bodies])`` or an
    Unavailable; ``address_groups``: id -> ``ip_set`` or an Unavailable; ``sources``: ``security_groups.Source``s.
    """
    evidence = dict(evidence, security_groups=list(groups))
    bodies, apis = [], {}
    for group in groups:
        found = rules.get(group)
        if isinstance(found, Unavailable) or found is None:
            return not_available(target, found or Unavailable("the rules of %s were not read" % group), evidence)
        apis[group] = found[0]
        bodies.extend(found[1])
    evidence["rules_api"] = apis
    try:
        parsed = [normalise_rule(body) for body in bodies]
    except RuleError as exc:
        return not_available(target, Unavailable("VPC answered a rule that cannot be read: %s" % exc), evidence)
    readable = {key: value for key, value in address_groups.items() if not isinstance(value, Unavailable)}
    try:
        result = evaluate_ingress(parsed, port, sources, readable)
    except RuleError as exc:
        return not_available(target, Unavailable("an address group cannot be read: %s" % exc), evidence)
    evidence["sources"] = [
        {"source": v.source.name, "outcome": v.outcome, "rule": v.rule.id if v.rule else None} for v in result.verdicts
    ]
    unresolved = sorted({rule.remote_address_group_id for rule in result.unresolved_rules})
    confidence = CONFIRMED
    if unresolved:
        evidence["unresolved_address_groups"] = {
            key: address_groups[key].why for key in unresolved if isinstance(address_groups.get(key), Unavailable)
        }
        confidence = INFERRED
    if result.denied:
        verdict = result.denied[0]
        rule = verdict.rule
        evidence["rule"] = {"id": rule.id, "security_group_id": rule.security_group_id, "rule": rule.summary()}
        keeps_out = _prefixes(result.denied)
        if rule.priority > 1:
            beat = "or add an allow rule for TCP %d from %s at a priority number below %d" % (
                port,
                keeps_out,
                rule.priority,
            )
        else:
            beat = "at priority 1 no allow rule can come before it"
        return entry(
            target,
            SECURITY_GROUP,
            "deny rule %s of %s (priority %d) keeps the gateway (%s) out of port %d"
            % (rule.id, rule.security_group_id, rule.priority, keeps_out, port),
            evidence,
            "delete deny rule %s of %s, or narrow its remote; %s" % (rule.id, rule.security_group_id, beat),
            confidence,
        )
    if result.unmatched:
        return entry(
            target,
            SECURITY_GROUP,
            "security group%s %s (port %d) admit%s nothing from the gateway (%s)"
            % (
                "s" if len(groups) > 1 else "",
                ", ".join(groups),
                port,
                "" if len(groups) > 1 else "s",
                _prefixes(result.unmatched),
            ),
            evidence,
            _admit_fix(groups, port, result.unmatched),
            confidence,
        )
    evidence["network"] = ADMITS
    return None, evidence


def _admit_fix(groups, port, unmatched):
    """One concrete step: the inbound rule(s) to add, from the instance's security group where a source has one."""
    remotes = []
    for verdict in unmatched:
        own = sorted(verdict.source.security_group_ids)
        text = "security group %s" % own[0] if own else ", ".join(verdict.source.prefixes)
        if text not in remotes:
            remotes.append(text)
    where = groups[0] if len(groups) == 1 else "%s (or any of %s: their rules add up)" % (groups[0], ", ".join(groups))
    return "add an inbound rule to %s: allow TCP %d from %s" % (where, port, " and from ".join(remotes))


def member_view(member):
    """What the evidence keeps of a channel member as the gateway lists it."""
    keys = ("id", "status", "health_status", "is_backup", "ecs_id", "ecs_name")
    return {key: member.get(key) for key in keys} if isinstance(member, dict) else None


def open_network_finding(target, port, evidence, this_host=None):
    """Step 3: the network admits the gateway (``evidence["network"]``); what else is known decides the cause.

    ``this_host`` is this host's probe record of the same backend (``reason``, ``target``, ``error``), or None;
    ``evidence["member"]`` the gateway's view of a channel member, or None.
    """
    evidence = dict(evidence)
    member = evidence.get("member")
    if this_host is not None:
        evidence["this_host"] = {key: this_host.get(key) for key in ("target", "ok", "reason", "error")}
    if this_host is not None and this_host.get("reason") == "refused":
        probed = this_host.get("target") or target
        return entry(
            target,
            NO_LISTENER,
            "nothing listens on %s: this host was refused there, and the network admits the gateway" % probed,
            evidence,
            "start the service on %s, or fix the port it listens on (ss -ltn on the server)" % probed,
            INFERRED,
        )
    if isinstance(member, dict) and member.get("status") == 2:
        return entry(
            target,
            MEMBER,
            "member %s is disabled in the channel (status 2); the network admits the gateway" % target,
            evidence,
            "enable the member in the VPC channel, or remove it",
            CONFIRMED,
        )
    if isinstance(member, dict) and member.get("health_status") == "unhealthy":
        return entry(
            target,
            MEMBER,
            "the channel's health check marks member %s unhealthy; the network admits the gateway" % target,
            evidence,
            "make the service on the member answer the channel's health check (port, path, status)",
            CONFIRMED,
        )
    how = "through public egress" if evidence.get("nat_eip_address") else "via %s" % evidence.get("route")
    return entry(
        target,
        UNKNOWN,
        "the network admits the gateway on port %d (%s%s), so the cause is on the backend"
        % (port, how, _groups_text(evidence)),
        evidence,
        "check the service itself: does it listen on %s, and does a host firewall drop the gateway? probe: both "
        "tells a refused port from a dropped one" % target,
        INFERRED,
    )


def _groups_text(evidence):
    groups = evidence.get("security_groups")
    if groups:
        return "; security groups %s admit it" % ", ".join(groups)
    if evidence.get("no_port"):
        return "; no port of this project holds it, so no security group of it applies"
    return ""


def refine_with_local(entries, local):
    """``entries`` with each conclusion about an open network drawn again with this host's probe of its target.

    ``local`` is a check's local part (``results.local_part``). The one way ``no_listener`` is found, whether the
    two sides were asked in one module run (``probe: both``) or apart and put together (``merge_halves``).
    """
    if not entries or not isinstance(local, dict) or not local.get("made"):
        return entries
    probed = {}
    for record in local.get("results") or []:
        if isinstance(record, dict) and not record.get("skipped") and record.get("backend"):
            probed.setdefault(address_key(record["backend"]), record)
    refined = []
    for item in entries:
        record = probed.get(address_key(item.get("target") or ""))
        evidence = item.get("evidence") if isinstance(item.get("evidence"), dict) else {}
        if record is None or evidence.get("network") != ADMITS:
            refined.append(item)
            continue
        _ip, port = target_address(item["target"])
        refined.append(open_network_finding(item["target"], port, evidence, record))
    return refined


def diagnosis_of(check, backend):
    """The entry of ``check``'s diagnosis about ``backend`` (two spellings of one address are one), or None."""
    wanted = address_key(backend)
    for item in check.get("diagnosis") or []:
        if isinstance(item, dict) and item.get("target") and address_key(item["target"]) == wanted:
            return item
    return None
