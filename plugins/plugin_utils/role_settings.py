# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate roles' bounded variables, validated before any request, in the words of ``option_ranges``.

A role's argument specs type its variables but cannot bound them. A module refuses a value out of range before its
own requests, but a role calls several: the backend gate discovers before it checks, the verification calls before
it bakes. So each role holds every bounded variable to its range first, and stops naming it: a
``backend_gate_wait_timeout`` of 5000 never lets a discovery reach APIG, an ``api_verify_bake_interval`` of 5000
never lets a call reach a backend. Each variable out of range is named alone, with its range and the value given: a
message that lists every variable would read as if they were all wrong.

Ranges are given by path: a variable, or a key of a dictionary variable (``backend_gate_auth.timeout``). A value
that is not given (absent, or None) is not checked here: the module's own default, or the play's ``module_defaults``,
applies to it. What is inside a check of ``backend_gate_checks`` (its ``local_probe`` among it) is not the role's to
refuse: an invalid check is not made and is an ERROR under its own name, while the other checks are made
(docs/gate-role.md, "A check with an invalid value").
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.validation import check_type_float, check_type_int

from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import (
    BAKE_RANGES,
    CONNECTION_RANGES,
    MAX_FAILURES,
    PROBE_RANGES,
    ROLE_BAKE_SECONDS,
    WAIT_INTERVAL,
    WAIT_TIMEOUT,
)

GATE_RANGES = {
    ("backend_gate_max_failures",): MAX_FAILURES,
    ("backend_gate_wait_timeout",): WAIT_TIMEOUT,
    ("backend_gate_wait_interval",): WAIT_INTERVAL,
}
GATE_RANGES.update({("backend_gate_local_probe", name): allowed for name, allowed in PROBE_RANGES.items()})
GATE_RANGES.update({("backend_gate_auth", name): allowed for name, allowed in CONNECTION_RANGES.items()})

VERIFY_RANGES = {(name,): allowed for name, allowed in BAKE_RANGES.items()}
VERIFY_RANGES[("api_verify_bake_seconds",)] = ROLE_BAKE_SECONDS
VERIFY_RANGES[("api_verify_max_failures",)] = MAX_FAILURES
VERIFY_RANGES.update({("api_verify_auth", name): allowed for name, allowed in CONNECTION_RANGES.items()})

ROLE_RANGES = {"backend_gate": GATE_RANGES, "api_verify": VERIFY_RANGES}


def _typed(value, allowed):
    """The value as the role's argument spec types it (an extra variable may still be text), or as given."""
    try:
        return check_type_int(value) if allowed.integer else check_type_float(value)
    except (TypeError, ValueError):
        return value


def _found(value, path, name):
    """``(name, value)`` of every value at ``path`` under ``value``, named as the user wrote it."""
    if not path:
        if value is not None:
            yield name, value
        return
    step, rest = path[0], path[1:]
    if isinstance(value, dict) and step in value:
        yield from _found(value[step], rest, "%s.%s" % (name, step))


def settings_refusal(settings, role):
    """``""`` when every bounded setting of ``role`` in ``settings`` (its variables, by name) is within its range;
    otherwise each one that is not, as ``backend_gate_wait_timeout must be from 0 to 3600 seconds, got 5000``,
    joined by ``"; "``, in the order of the variables' names."""
    ranges = ROLE_RANGES[role]
    unknown = sorted(set(settings) - {path[0] for path in ranges})
    if unknown:
        raise ValueError("no range is known for %s" % ", ".join(unknown))
    refusals = []
    for path, allowed in sorted(ranges.items()):
        if path[0] not in settings:
            continue
        for name, value in _found(settings[path[0]], path[1:], path[0]):
            refusal = allowed.refusal(_typed(value, allowed))
            if refusal:
                refusals.append("%s %s" % (name, refusal))
    return "; ".join(refusals)


def refusal_filter(role):
    """The ``<role>_refusal`` filter: ``settings_refusal`` for ``role``, refusing what it cannot read as a filter
    error."""
    name = "%s_refusal" % role

    def refusal(settings):
        if not isinstance(settings, dict):
            raise AnsibleFilterError("%s expects a dictionary of the %s role's settings" % (name, role))
        try:
            return settings_refusal(settings, role)
        except ValueError as exc:
            raise AnsibleFilterError("%s: %s" % (name, exc)) from None

    refusal.__name__ = name
    return refusal
