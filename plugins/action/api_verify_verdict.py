# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.api_verify_verdict: the api_verify role's decision for one host, on the controller.

The records of ``api_debug`` (and of the bake) are matched to what was asked (plugins/plugin_utils/verify_records.py)
and decided by the collection's one decision (plugins/plugin_utils/gate_decision.py), as the backend gate's are: a new
kind of check brings no new way to pass. This plugin hands the verdict back as backend_gate_verdict does
(plugins/plugin_utils/verdict_action.py): it shows it once, as readable lines, returns it under ``verdict`` (the role
keeps it as ``api_verify_result``), and returns real Ansible warnings for ``on_error: warn``.

With ``quiet``, it decides on the calls alone and shows nothing: the role asks so before the bake, which it starts
only when the calls passed, and takes from it the APIs to bake (``bake_apis``). With ``bake_seconds`` above 0, every
API whose call passed must have a bake record: one the bake holds no record of was not judged (an ERROR), and when
the calls did not pass the bake is SKIPPED for each. With ``stopped``, the verification was stopped before it could
decide, and the verdict says so.
"""

from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import decide, not_decided
from ansible_collections.hwcloud.apig.plugins.plugin_utils.verdict_action import VerdictAction
from ansible_collections.hwcloud.apig.plugins.plugin_utils.verify_records import (
    bake_records,
    bake_targets,
    call_records,
)


class ActionModule(VerdictAction):
    """Decide whether the release is verified for this host; return the verdict; warn; show the table (not with
    ``quiet``, the role's question before the bake)."""

    GATE = "api verify"
    ARGUMENT_SPEC = dict(
        VerdictAction.OPTIONS,
        calls=dict(type="list", elements="dict", default=[]),
        discover=dict(type="raw", default=[]),
        bake=dict(type="dict"),
        bake_seconds=dict(type="float", default=0),
        quiet=dict(type="bool", default=False),
    )

    def verdict(self, args):
        """The verdict, named for the report (``gate``), which tells the two gates' verdicts apart by it."""
        return dict(self._decide(args), gate="api_verify")

    def _decide(self, args):
        """The verdict from the validated options (plain Python: the action's whole decision)."""
        stopped = self.stopped_before_decision(args, bake_apis=[])
        if stopped is not None:
            return stopped
        if not args["calls"] and not args["discover"]:
            msg = "%s FAILED: nothing to verify: give api_verify_calls or api_verify_discover" % self.GATE
            return not_decided(msg, stopped=msg, bake_apis=[])
        records = call_records(args["calls"], args["discover"], args["run"])
        targets = bake_targets(records)
        if args["bake_seconds"] > 0 and not args["quiet"]:
            calls_passed = decide(records, args["max_failures"], args["on_error"], self.GATE)["passed"]
            if args["bake"] is None and not calls_passed:
                records += bake_records(targets, None, why_not="not baked: the calls did not pass")
            else:
                records += bake_records(targets, args["bake"])
        verdict = decide(records, args["max_failures"], args["on_error"], self.GATE)
        verdict.update(decided=not args["quiet"], bake_apis=targets)
        return verdict

    def shown(self, args):
        return not args["quiet"]
