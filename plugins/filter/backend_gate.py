# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the backend gate: its plan and discovery (plugin_utils/gate_plan.py), its verdict and report by the
same decision as the role's (plugin_utils/gate_records.py, gate_decision.py, gate_report.py), and its bounded
variables held to their ranges before any request (plugin_utils/role_settings.py)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import PROBE_MODES
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import ON_ERROR, decide
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_plan import discovery_plan, gate_plan, with_discovered
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_records import run_records
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import junit_report
from ansible_collections.hwcloud.apig.plugins.plugin_utils.role_settings import refusal_filter


def _probe(probe):
    if probe not in PROBE_MODES:
        raise AnsibleFilterError("probe must be remote, local or both, got %r" % (probe,))
    return probe


def backend_gate_verdict(run, checks, max_failures=0, on_error="fail", probe="remote"):
    """The gate's verdict from a registered hwcloud.apig.backend_connectivity batch run of ``checks``: each check
    asked is looked up in the run by identity, and one absent from it was not made."""
    if not isinstance(run, dict):
        raise AnsibleFilterError(
            "backend_gate_verdict expects the registered result of hwcloud.apig.backend_connectivity"
        )
    if not isinstance(checks, list):
        raise AnsibleFilterError("backend_gate_verdict expects the list of checks that were asked for")
    if on_error not in ON_ERROR:
        raise AnsibleFilterError("on_error must be fail or warn, got %r" % (on_error,))
    try:
        max_failures = int(max_failures)
    except (TypeError, ValueError):
        raise AnsibleFilterError("max_failures must be an integer, got %r" % (max_failures,)) from None
    if max_failures < 0:
        raise AnsibleFilterError("max_failures must be 0 or more, got %d" % max_failures)
    return dict(decide(run_records(checks, _probe(probe), run), max_failures, on_error), decided=True)


def backend_gate_junit(verdict, hostname="localhost"):
    """The verdict of backend_gate_verdict as a JUnit XML document."""
    if not isinstance(verdict, dict):
        raise AnsibleFilterError("backend_gate_junit expects the result of backend_gate_verdict")
    return junit_report(verdict, hostname)


def backend_gate_plan(
    checks, probe="remote", local_probe=None, auth=None, wait_timeout=0, wait_interval=5, diagnose=False
):
    """Which checks are asked of the gateway (once for every host with the same question) and which are probed here."""
    if not isinstance(checks, list):
        raise AnsibleFilterError("backend_gate_plan expects the list of checks")
    if local_probe is not None and not isinstance(local_probe, dict):
        raise AnsibleFilterError("local_probe must be a dictionary")
    if auth is not None and not isinstance(auth, dict):
        raise AnsibleFilterError("auth must be a dictionary")
    return gate_plan(checks, _probe(probe), local_probe, auth, wait_timeout, wait_interval, diagnose)


def backend_gate_discoveries(value, option="backend_gate_discover", auth=None):
    """What to discover, validated: ``entries`` (a list), ``error`` (None, or what is wrong and where) and ``key`` (a
    digest of the entries and of the connection options in ``auth`` that are not secrets)."""
    if auth is not None and not isinstance(auth, dict):
        raise AnsibleFilterError("auth must be a dictionary")
    return discovery_plan(value, option, auth)


def backend_gate_with_discovered(checks, found, probe="remote"):
    """The checks and the checks that discovery found (the registered loop of hwcloud.apig.api_backend_info)."""
    if not isinstance(checks, list):
        raise AnsibleFilterError("backend_gate_with_discovered expects the list of checks")
    if not isinstance(found, list):
        raise AnsibleFilterError("backend_gate_with_discovered expects the results of hwcloud.apig.api_backend_info")
    return with_discovered(checks, found, _probe(probe))


class FilterModule:
    """The backend gate's filters: its plan, discovery, verdict and report, and its settings' ranges."""

    def filters(self):
        return {
            "backend_gate_verdict": backend_gate_verdict,
            "backend_gate_junit": backend_gate_junit,
            "backend_gate_plan": backend_gate_plan,
            "backend_gate_discoveries": backend_gate_discoveries,
            "backend_gate_with_discovered": backend_gate_with_discovered,
            "backend_gate_refusal": refusal_filter("backend_gate"),
        }
