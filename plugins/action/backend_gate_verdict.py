# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.backend_gate_verdict: the backend gate's decision for one host, on the controller.

The records are matched to the checks asked (plugin_utils/gate_records.py) and decided by the collection's one
decision (plugin_utils/gate_decision.py). This plugin reads its options and hands the verdict back as
api_verify_verdict does (plugin_utils/verdict_action.py): it shows it on the console once, as readable lines (every
ansible-core from 2.16 escapes a multi-line ``msg`` in its ``fatal:`` JSON, so the table is never put in one),
returns it, and returns real Ansible warnings for ``on_error: warn``.

The verdict is returned under ``verdict`` (not at the top of the result, where its ``unreachable`` count would read
as an unreachable host), and the role keeps it with ``set_fact`` as ``backend_gate_result`` (facts returned by a
plugin would rank below play variables). The task does not fail when the gate does not pass: a failed task's result
sets nothing, and the verdict must be kept whether the gate passes or not (the role fails in a later task, with the
verdict's one-line ``msg``). With ``stopped``, the gate was stopped before it could decide, and the verdict says so.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import PROBE_MODES, REMOTE
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import decide
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_records import run_records
from ansible_collections.hwcloud.apig.plugins.plugin_utils.verdict_action import VerdictAction


class ActionModule(VerdictAction):
    """Decide whether the backend gate passes for this host; return the verdict; warn; show the table."""

    GATE = "backend gate"
    ARGUMENT_SPEC = dict(
        VerdictAction.OPTIONS,
        checks=dict(type="list", elements="dict", default=[]),
        probe=dict(type="str", choices=list(PROBE_MODES), default=REMOTE),
        local_run=dict(type="dict"),
    )

    def verdict(self, args):
        settings = {"max_failures": args["max_failures"], "on_error": args["on_error"], "decided": False}
        stopped = self.stopped_before_decision(args, **settings)
        if stopped is not None:
            return stopped
        records = run_records(args["checks"], args["probe"], args["run"], args["local_run"])
        return dict(decide(records, args["max_failures"], args["on_error"]), decided=True)
