# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One connectivity check as the user writes it: its options, declared once, and the validated ``CheckSpec``.

``check_option_spec()`` declares a check's options for the module's top level, for each entry of ``checks`` and
(held equal by a test) for the gate role's ``backend_gate_checks``. Ansible converts and checks their types and
choices; ``check_spec_from_params`` checks only what an argument spec cannot express: ID formats, the address,
which options go with which ``backend_type``, and the local probe settings. It raises ``InputError`` naming the
option, before anything is sent.
"""

from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.hwcloud.apig.plugins.module_utils.channels import mirrored_probe_options
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import check_huawei_id
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import (
    ProbeInputError,
    ProbeSpec,
    probe_option_spec,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.record_names import usable_name
from ansible_collections.hwcloud.apig.plugins.module_utils.results import check_identity, input_error_record
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import (
    AddressError,
    BackendAddress,
    parse_backend_address,
)

BACKEND_ADDRESS, VPC_CHANNEL = "backend_address", "vpc_channel"
BACKEND_TYPES = (BACKEND_ADDRESS, VPC_CHANNEL)
REMOTE, LOCAL, BOTH = "remote", "local", "both"
PROBE_MODES = (REMOTE, LOCAL, BOTH)


def check_option_spec(required=False):
    """One check's options; ``required`` for an entry of ``checks``, where the check has no other source."""
    return dict(
        name=dict(type="str"),
        instance_id=dict(type="str", required=required),
        backend_type=dict(type="str", choices=list(BACKEND_TYPES), required=required),
        backend_address=dict(type="str"),
        vpc_channel_id=dict(type="str"),
        probe=dict(type="str", choices=list(PROBE_MODES)),
        local_probe=dict(type="dict", options=probe_option_spec(mirror_health_check=True)),
        probe_all_members=dict(type="bool"),
    )


def check_name(params):
    """The name a check goes by: its ``name``, else its address or channel ID; None when none is usable.

    The same rule as ``check_spec_from_params``, also for a check that is not valid, so that it can be reported
    by the name the user knows it by.
    """
    name = params.get("name")
    if name is None:
        backend_type = params.get("backend_type")
        if backend_type == BACKEND_ADDRESS:
            name = params.get("backend_address")
        elif backend_type == VPC_CHANNEL:
            name = params.get("vpc_channel_id")
    return usable_name(name)


@dataclass
class CheckSpec:
    """A validated check: what to ask the gateway and how to probe its backends from this host.

    A discovered check also names the ``routes`` behind it (and their labels, ``apis``); one whose ``problem`` is
    already known (an API whose backend could not be found) cannot be made, and is an ERROR without any request.
    """

    name: str
    instance_id: str
    backend_type: str
    backend_address: Optional[str] = None
    vpc_channel_id: Optional[str] = None
    probe: str = REMOTE
    probe_options: dict = field(default_factory=dict)
    probe_all_members: bool = False
    backend: Optional[BackendAddress] = None
    apis: Optional[list] = None
    routes: Optional[list] = None
    problem: Optional[str] = None

    def __post_init__(self):
        self.probe_spec = ProbeSpec.from_params(self.probe_options)
        if self.backend is None and self.backend_address is not None:
            self.backend = parse_backend_address(self.backend_address)

    def probe_spec_for(self, health_check=None):
        """How to probe this check's members: as the user said, or else as the channel's health check does.

        Returns ``(ProbeSpec, port, follows)``: ``port`` is the health check's own port, or None for each member's;
        ``follows`` says whose choice it is (``health_check`` or ``local_probe``). A protocol the user set means the
        user chose how to probe: the health check is then not followed at all.
        """
        mirrored = {} if self.probe_options.get("protocol") else mirrored_probe_options(health_check)
        port = mirrored.pop("port", None)
        follows = "health_check" if mirrored else "local_probe"
        try:
            return ProbeSpec.from_params(dict(mirrored, **self.probe_options)), port, follows
        except ProbeInputError as exc:
            raise ApigError(
                "the health check of VPC channel %s cannot be followed by local probes (%s); set local_probe.protocol"
                % (self.vpc_channel_id, exc)
            ) from None

    def request_body(self):
        """The body of the connectivity check (``CheckBackendConnectivityReq``)."""
        if self.backend_type == BACKEND_ADDRESS:
            return {"backend_type": self.backend_type, "backend_address": self.backend_address}
        return {"backend_type": self.backend_type, "vpc_channel_id": self.vpc_channel_id}

    def describe(self):
        """The check's identity as returned to the user."""
        info = {
            "name": self.name,
            "instance_id": self.instance_id,
            "backend_type": self.backend_type,
            "probe": self.probe,
        }
        if self.backend_type == BACKEND_ADDRESS:
            info["backend_address"] = self.backend_address
        else:
            info["vpc_channel_id"] = self.vpc_channel_id
        if self.apis is not None:
            info["apis"] = list(self.apis)
        if self.routes is not None:
            info["routes"] = list(self.routes)
        return info


def _backend(params, where):
    """``(backend_address, vpc_channel_id, parsed address)``: exactly the one that ``backend_type`` asks for, valid."""
    wanted, unwanted = ("backend_address", "vpc_channel_id")
    if params["backend_type"] == VPC_CHANNEL:
        wanted, unwanted = unwanted, wanted
    if params.get(wanted) is None:
        raise InputError(
            where + wanted, "%s%s is required when backend_type is %s" % (where, wanted, params["backend_type"])
        )
    if params.get(unwanted) is not None:
        raise InputError(
            where + unwanted, "%s%s cannot be used when backend_type is %s" % (where, unwanted, params["backend_type"])
        )
    if wanted == "vpc_channel_id":
        return None, check_huawei_id(where + wanted, params[wanted]), None
    try:
        backend = parse_backend_address(params[wanted])
        if params.get("probe") == LOCAL:
            backend.local_address((params.get("local_probe") or {}).get("protocol") or "tcp")
    except AddressError as exc:
        raise InputError(where + wanted, "%s%s %r: %s" % (where, wanted, params[wanted], exc)) from None
    return params[wanted], None, backend


def check_spec_from_params(params, where=""):
    """A ``CheckSpec`` from one check's converted options (top level, or one entry of ``checks``).

    ``where`` prefixes option names in messages (``checks[1].``); ``probe`` and ``local_probe`` must already be
    resolved against the module-level defaults.
    """
    for option in ("instance_id", "backend_type"):
        if params.get(option) is None:
            raise InputError(where + option, "%s%s is required" % (where, option))
    instance_id = check_huawei_id(where + "instance_id", params["instance_id"])
    backend_address, vpc_channel_id, backend = _backend(params, where)
    name = check_name(params)
    if name is None:
        raise InputError(where + "name", "%sname must be 1-128 printable characters" % where)
    probe_options = {key: value for key, value in (params.get("local_probe") or {}).items() if value is not None}
    try:
        return CheckSpec(
            name,
            instance_id,
            params["backend_type"],
            backend_address,
            vpc_channel_id,
            params.get("probe") or REMOTE,
            probe_options,
            bool(params.get("probe_all_members")),
            backend,
        )
    except ProbeInputError as exc:
        raise InputError("%slocal_probe.%s" % (where, exc.option), "%slocal_probe.%s" % (where, exc)) from None


class InvalidEntry:
    """An entry of ``checks`` refused by validation: its ERROR record, and the option and message for the task."""

    def __init__(self, option, msg, record):
        self.option = option
        self.msg = msg
        self.record = record


def _invalid_entry(index, options, exc):
    """The ERROR record of ``checks[index]``, named by its name (or address / channel ID) when it has a usable one."""
    where = "checks[%d]." % index
    name = check_name(options)
    identity = check_identity(name or "checks[%d]" % index, options, options.get("probe") or REMOTE)
    # exc.msg names the option without the prefix (check_spec_from_params was called without ``where``).
    msg = "%s: %s" % (name, exc.msg) if name else where + exc.msg
    return InvalidEntry(where + exc.option, where + exc.msg, input_error_record(identity, where + exc.option, msg))


def check_entries(entries, defaults):
    """Each entry of ``checks`` as a ``CheckSpec``, or an ``InvalidEntry`` where it is not valid.

    ``defaults`` are the module-level ``probe``, ``local_probe`` and ``probe_all_members``. Each entry is validated
    on its own, so that an invalid one becomes an ERROR record naming it and its option while the valid ones are
    still made; InputError only for what concerns them all: a name repeated, or no entry valid (with the records).
    """
    checked = []
    for index, entry in enumerate(entries):
        options = dict(defaults, **{key: value for key, value in entry.items() if value is not None})
        try:
            checked.append(check_spec_from_params(options))
        except InputError as exc:
            checked.append(_invalid_entry(index, options, exc))
    names = [entry.name if isinstance(entry, CheckSpec) else entry.record["name"] for entry in checked]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputError("checks", "check names must be unique; repeated: %s" % ", ".join(duplicates))
    if checked and not any(isinstance(entry, CheckSpec) for entry in checked):
        records = [entry.record for entry in checked]
        raise InputError(checked[0].option, checked[0].msg, checks=records, errors=len(records))
    return checked
