# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The api_verify role's tolerance and bake, validated before any request, in the words of ``option_ranges``.

The role's argument specs type its variables but cannot bound them, and a value the bake would refuse must stop the
role before its calls reach a single backend, not after (``bake.Thresholds`` refuses it too, for the action's own
callers). Each variable out of range is named alone, with its range and the value given: a message that lists every
variable would read as if they were all wrong.
"""

from ansible.module_utils.common.validation import check_type_float, check_type_int

from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import (
    BAKE_RANGES,
    MAX_FAILURES,
    ROLE_BAKE_SECONDS,
)

ROLE_RANGES = dict(BAKE_RANGES, api_verify_bake_seconds=ROLE_BAKE_SECONDS, api_verify_max_failures=MAX_FAILURES)


def _typed(value, allowed):
    """The value as the role's argument spec types it (an extra variable may still be text), or as given."""
    try:
        return check_type_int(value) if allowed.integer else check_type_float(value)
    except (TypeError, ValueError):
        return value


def settings_refusal(settings):
    """``""`` when every setting is within its range; otherwise each one that is not, as
    ``api_verify_max_failures must be a whole number 0 or more, got -1``, joined by ``"; "``."""
    unknown = sorted(set(settings) - set(ROLE_RANGES))
    if unknown:
        raise ValueError("no range is known for %s" % ", ".join(unknown))
    refusals = []
    for name, allowed in ROLE_RANGES.items():
        if name in settings:
            refusal = allowed.refusal(_typed(settings[name], allowed))
            if refusal:
                refusals.append("%s %s" % (name, refusal))
    return "; ".join(refusals)
