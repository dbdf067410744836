# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the problem lies, when the gateway and this host disagree about a backend.

The gateway's ``failures`` and the backends probed here are compared by ``targets.address_key``, so that two
spellings of one backend (IPv6 forms, case, a trailing dot) are the same backend. When the gateway names an
address this host did not probe (a domain's resolved IP, say), the hint says so instead of guessing.

A backend that answered this host, but not as its probe expected (an HTTP status or body), was reached: the network
path is not the problem, and the hint says to look at the answer instead.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.results import ANSWERED_REASONS, FAILED
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import address_key

# The gateway probes backends from this range; a security group that does not admit it is the classic cause of
# "works from the host, FAILED from APIG" (Huawei Cloud APIG user guide, "VPC Channel" health checks).
GATEWAY_SOURCE_RANGE = "100.125.0.0/16"


def mismatch_hints(remote, local):
    """Sentences that say where the problem lies, from what the gateway and this host each reached."""
    if not local.get("made", True):
        return ["This host did not probe: %s. The verdict is the gateway's alone." % local["reason"]]
    records = [record for record in local["results"] if not record.get("skipped")]
    probed = [record.get("backend") or record["target"] for record in records]
    probed_keys = {address_key(backend) for backend in probed}
    answered = {
        address_key(record.get("backend") or record["target"]): record.get("error") or record.get("reason")
        for record in records
        if not record.get("ok") and record.get("reason") in ANSWERED_REASONS
    }
    local_failed = {address_key(backend) for backend in local["failures"]} - set(answered)
    remote_failed = {address_key(failure) for failure in remote["failures"]}
    if remote["check_result"] == FAILED and not remote_failed:
        remote_failed = set(probed_keys)
    gateway_only, host_only, both, wrong = [], [], [], []
    for backend in probed:
        key = address_key(backend)
        if key in answered and key not in remote_failed:
            wrong.append("%s (%s)" % (backend, answered[key]))
        elif key in remote_failed and key in local_failed:
            both.append(backend)
        elif key in remote_failed:
            gateway_only.append(backend)
        elif key in local_failed:
            host_only.append(backend)
    untried = [failure for failure in remote["failures"] if address_key(failure) not in probed_keys]
    hints = []
    if gateway_only:
        hints.append(
            "This host reaches %s but the gateway does not: the backend's security group (or network ACL) likely "
            "does not admit the gateway's source range %s." % (", ".join(gateway_only), GATEWAY_SOURCE_RANGE)
        )
    if host_only:
        hints.append(
            "The gateway reaches %s but this host does not: the problem is on this host's network path "
            "(firewall, routing, DNS), not on the gateway's." % ", ".join(host_only)
        )
    if wrong:
        hints.append(
            "This host reached %s and got an answer, but not the one its probe expects: the network path is fine; "
            "check the backend's answer, or local_probe's path, expected_status and body_regex." % ", ".join(wrong)
        )
    if both:
        hints.append(
            "Neither the gateway nor this host reaches %s: the backend is likely down or not listening."
            % ", ".join(both)
        )
    if untried:
        hints.append(
            "The gateway could not reach %s, an address this host did not probe (it probed %s): compare the two "
            "names, for example a domain and the address it resolves to, before drawing a conclusion."
            % (", ".join(untried), ", ".join(probed) or "nothing")
        )
    return hints
