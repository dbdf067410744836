# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A VPC channel as the gateway has it, and which of its members this host can probe, on which port, and how.

From Huawei Cloud's APIG API reference ("Querying VPC Channel Details", "Querying Backend Servers of a VPC
Channel") and the huaweicloudsdkapig v2 models (``ShowDetailsOfVpcChannelV2Response``, ``VpcMemberInfo``,
``VpcHealthConfigInfo``):

* a channel has a host ``port`` (1-65535) and a type: ``vpc_channel_type`` ``builtin`` (members are servers),
  ``microservice`` (members come from a service registry) or ``reference`` (it uses another channel's members);
  older answers give only ``type`` (2 server, 3 microservice). Only a built-in channel has members that this host
  can enumerate and probe;
* a member has a ``host`` (an ECS member may have none) and a ``port``, 0 meaning the channel's port;
  ``status`` 1 is available and 2 unavailable; ``is_backup`` members carry traffic only when the others fail;
  ``health_status`` is the gateway's own verdict, often null, which means unknown and never healthy;
* the channel's ``vpc_health_config`` says how the gateway itself probes members (protocol, path, method, port,
  accepted ``http_code``): local probes follow it unless the user chose how to probe.
"""

from dataclasses import dataclass
from typing import Optional

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import format_address

BUILTIN, MICROSERVICE, REFERENCE = "builtin", "microservice", "reference"
CHANNEL_KINDS = (BUILTIN, MICROSERVICE, REFERENCE)
_KIND_OF_TYPE = {2: BUILTIN, 3: MICROSERVICE}  # the older ``type`` field
MEMBER_AVAILABLE, MEMBER_UNAVAILABLE = 1, 2
HEALTH_UNKNOWN = "unknown"
_GATEWAY_VIEW = ("id", "status", "health_status", "is_backup", "weight", "member_group_name", "ecs_id", "ecs_name")
_HEALTH_PROTOCOLS = {"TCP": "tcp", "HTTP": "http", "HTTPS": "https"}


def _port(value):
    """A port as APIG gives it: an integer 1-65535, or None (absent, 0, or not a usable number)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return None
    return value


@dataclass
class Channel:
    """What the collection needs of a channel's detail."""

    id: str
    name: Optional[str]
    port: Optional[int]
    member_type: Optional[str]
    kind: str
    status: Optional[int]
    health_check: Optional[dict]

    @classmethod
    def from_api(cls, channel_id, data):
        """The channel from ``GET .../vpc-channels/{id}``; an ApigError when its type cannot be told."""
        kind = data.get("vpc_channel_type")
        if kind is None:
            kind = _KIND_OF_TYPE.get(data.get("type"), BUILTIN if data.get("type") is None else None)
        if kind not in CHANNEL_KINDS:
            raise ApigError(
                "VPC channel %s has a type this collection does not know (vpc_channel_type %r, type %r)"
                % (channel_id, data.get("vpc_channel_type"), data.get("type"))
            )
        health = data.get("vpc_health_config")
        return cls(
            id=channel_id,
            name=data.get("name"),
            port=_port(data.get("port")),
            member_type=data.get("member_type"),
            kind=kind,
            status=data.get("status"),
            health_check=health if isinstance(health, dict) else None,
        )

    def describe(self):
        """The channel as modules return it."""
        return {
            "id": self.id,
            "name": self.name,
            "port": self.port,
            "member_type": self.member_type,
            "vpc_channel_type": self.kind,
            "status": self.status,
            "health_check": self.health_check,
        }

    def why_members_cannot_be_probed(self):
        """None for a built-in channel; otherwise why this host cannot enumerate the members."""
        if self.kind == MICROSERVICE:
            return (
                "VPC channel %s is a microservice channel: its members come from a service registry that only the "
                "gateway reads, so this host cannot enumerate them to probe" % self.id
            )
        if self.kind == REFERENCE:
            return (
                "VPC channel %s is a reference channel: it uses the members of another channel, which this host "
                "cannot enumerate through it" % self.id
            )
        return None


def gateway_view(member):
    """The gateway's own view of a member, for its result: a null ``health_status`` is reported as unknown."""
    view = {key: member.get(key) for key in _GATEWAY_VIEW}
    view["health_status"] = member.get("health_status") or HEALTH_UNKNOWN
    return view


@dataclass
class PlannedMember:
    """One member: the address APIG names it by (``backend``), and why it is not probed (``skip``), if so.

    ``label`` names the member in results: its address, or for one without an address its ECS name or ID.
    """

    label: str
    backend: Optional[str]
    host: Optional[str]
    port: Optional[int]
    gateway: dict
    skip: Optional[str] = None


def plan_members(channel, members, probe_all=False):
    """Every member with its address; unavailable and backup members are skipped unless ``probe_all``.

    A member without its own port is served on the channel's; a member without a usable address (an ECS member
    with no IP) is skipped with its name, never an error for the whole check.
    """
    planned = []
    for member in members:
        member = member if isinstance(member, dict) else {}
        view = gateway_view(member)
        host, port = member.get("host"), _port(member.get("port")) or channel.port
        if not isinstance(host, str) or not host or port is None:
            who = member.get("ecs_name") or member.get("ecs_id") or member.get("id") or "a member"
            why = "%s has no usable address (host %r, port %r)" % (who, host, port)
            planned.append(PlannedMember(who, None, None, None, view, why))
            continue
        skip = None
        if not probe_all and member.get("status") == MEMBER_UNAVAILABLE:
            skip = "unavailable (status 2): the gateway sends it no traffic; probe_all_members probes it"
        elif not probe_all and member.get("is_backup") is True:
            skip = "backup member: it serves only when the others fail; probe_all_members probes it"
        backend = format_address(host, port)
        planned.append(PlannedMember(backend, backend, host, port, view, skip))
    return planned


def mirrored_probe_options(health_check):
    """The local probe options that make this host probe as the gateway's health check does (empty if none).

    ``port`` is the health check's own port, or None to use each member's.
    """
    if not health_check or health_check.get("protocol") not in _HEALTH_PROTOCOLS:
        return {}
    options = {"protocol": _HEALTH_PROTOCOLS[health_check["protocol"]], "port": _port(health_check.get("port"))}
    if options["protocol"] in ("http", "https"):
        if health_check.get("path"):
            options["path"] = health_check["path"]
        if health_check.get("method") in ("GET", "HEAD"):
            options["method"] = health_check["method"]
        if health_check.get("http_code"):
            options["expected_status"] = health_check["http_code"]
    return options
