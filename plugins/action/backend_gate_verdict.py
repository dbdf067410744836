# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.backend_gate_verdict: the backend gate's decision for one host, on the controller.

The records are matched to the checks asked (plugin_utils/gate_records.py) and decided by the collection's one
decision (plugin_utils/gate_decision.py). This plugin reads its options, shows the verdict on the console once, as
readable lines (every ansible-core from 2.16 escapes a multi-line ``msg`` in its ``fatal:`` JSON, so the table is
never put in one), returns it, and returns real Ansible warnings for ``on_error: warn``.

The verdict is returned under ``verdict`` (not at the top of the result, where its ``unreachable`` count would read
as an unreachable host), and the role keeps it with ``set_fact`` as ``backend_gate_result`` (facts returned by a
plugin would rank below play variables). The task does not fail when the gate does not pass: a failed task's result
sets nothing, and the verdict must be kept whether the gate passes or not (the role fails in a later task, with the
verdict's one-line ``msg``). With ``stopped``, the gate was stopped before it could decide, and the verdict says so.
"""

from ansible import constants as C
from ansible.utils.display import Display

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import PROBE_MODES, REMOTE
from ansible_collections.hwcloud.apig.plugins.plugin_utils.controller_action import (
    ControllerAction,
    json_stdout,
    resolve_path,
)
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import (
    ON_ERROR,
    console_text,
    decide,
    not_decided,
)
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_records import run_records
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import playbook_run

display = Display()

ARGUMENT_SPEC = dict(
    checks=dict(type="list", elements="dict", default=[]),
    probe=dict(type="str", choices=list(PROBE_MODES), default=REMOTE),
    run=dict(type="dict", default={}),
    local_run=dict(type="dict"),
    max_failures=dict(type="int", default=0),
    on_error=dict(type="str", choices=list(ON_ERROR), default="fail"),
    junit_path=dict(type="str", default=""),
    run_id=dict(type="str"),
    stopped=dict(type="str"),
)


class ActionModule(ControllerAction):
    """Decide whether the backend gate passes for this host; return the verdict; warn; show the table."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, result, args, task_vars):
        settings = {"max_failures": args["max_failures"], "on_error": args["on_error"], "decided": False}
        if args["stopped"] is not None:
            msg = "backend gate FAILED: stopped before its decision: %s" % args["stopped"]
            verdict = not_decided(msg, stopped=args["stopped"], **settings)
        elif args["max_failures"] < 0:
            msg = "backend gate FAILED: max_failures must be 0 or more, got %d" % args["max_failures"]
            verdict = not_decided(msg, stopped=msg, **settings)
        else:
            records = run_records(args["checks"], args["probe"], args["run"], args["local_run"])
            verdict = dict(decide(records, args["max_failures"], args["on_error"]), decided=True)
        host = task_vars.get("inventory_hostname") or "localhost"
        verdict.update(
            host=host,
            junit_path=resolve_path(args["junit_path"], task_vars.get("playbook_dir")),
            run_id=args["run_id"],
            playbook_run=playbook_run(),
        )

        # With several hosts in the play, say whose verdict a line is.
        label = host if len(task_vars.get("ansible_play_hosts_all") or []) > 1 else None
        if not json_stdout():
            if not verdict["passed"]:
                color = C.COLOR_ERROR
            elif verdict["errors"] or verdict["unreachable"] or verdict["wrong_answers"]:
                color = C.COLOR_WARN
            else:
                color = C.COLOR_OK
            display.display(console_text(verdict, label), color=color)
        if label:
            verdict["warnings"] = ["[%s] %s" % (label, text) for text in verdict["warnings"]]
        result.update(changed=False, passed=verdict["passed"], msg=verdict["msg"], verdict=verdict)
        if verdict["warnings"]:
            result["warnings"] = verdict["warnings"]
        return result
