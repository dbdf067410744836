# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.api_verify_verdict: the api_verify role's decision for one host, on the controller.

The records of ``api_debug`` (and of the bake) are matched to what was asked (plugins/plugin_utils/verify_records.py)
and decided by the collection's one decision (plugins/plugin_utils/gate_decision.py), as the backend gate's are: a new
kind of check brings no new way to pass. This plugin shows the verdict once, as readable lines, returns it under
``verdict`` (the role keeps it as ``api_verify_result``), and returns real Ansible warnings for ``on_error: warn``.

With ``quiet``, it decides on the calls alone and shows nothing: the role asks so before the bake, which it starts
only when the calls passed, and takes from it the APIs to bake (``bake_apis``). With ``bake_seconds`` above 0, every
API whose call passed must have a bake record: one the bake holds no record of was not judged (an ERROR), and when
the calls did not pass the bake is SKIPPED for each. With ``stopped``, the verification was stopped before it could
decide, and the verdict says so.
"""

from ansible import constants as C
from ansible.utils.display import Display

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
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import playbook_run
from ansible_collections.hwcloud.apig.plugins.plugin_utils.verify_records import (
    bake_records,
    bake_targets,
    call_records,
)

display = Display()
GATE = "api verify"

ARGUMENT_SPEC = dict(
    calls=dict(type="list", elements="dict", default=[]),
    discover=dict(type="raw", default=[]),
    run=dict(type="dict", default={}),
    bake=dict(type="dict"),
    bake_seconds=dict(type="float", default=0),
    max_failures=dict(type="int", default=0),
    on_error=dict(type="str", choices=list(ON_ERROR), default="fail"),
    junit_path=dict(type="str", default=""),
    run_id=dict(type="str"),
    stopped=dict(type="str"),
    quiet=dict(type="bool", default=False),
)


def verdict_of(args):
    """The verdict, from the validated options (plain Python: the action's whole decision)."""
    if args["stopped"] is not None:
        msg = "%s FAILED: stopped before its decision: %s" % (GATE, args["stopped"])
        return not_decided(msg, stopped=args["stopped"], bake_apis=[])
    if args["max_failures"] < 0:
        msg = "%s FAILED: max_failures must be 0 or more, got %d" % (GATE, args["max_failures"])
        return not_decided(msg, stopped=msg, bake_apis=[])
    if not args["calls"] and not args["discover"]:
        msg = "%s FAILED: nothing to verify: give api_verify_calls or api_verify_discover" % GATE
        return not_decided(msg, stopped=msg, bake_apis=[])
    records = call_records(args["calls"], args["discover"], args["run"])
    targets = bake_targets(records)
    if args["bake_seconds"] > 0 and not args["quiet"]:
        calls_passed = decide(records, args["max_failures"], args["on_error"], GATE)["passed"]
        if args["bake"] is None and not calls_passed:
            records += bake_records(targets, None, why_not="not baked: the calls did not pass")
        else:
            records += bake_records(targets, args["bake"])
    verdict = decide(records, args["max_failures"], args["on_error"], GATE)
    verdict.update(decided=not args["quiet"], bake_apis=targets)
    return verdict


class ActionModule(ControllerAction):
    """Decide whether the release is verified for this host; return the verdict; warn; show the table."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, result, args, task_vars):
        verdict = verdict_of(args)
        host = task_vars.get("inventory_hostname") or "localhost"
        verdict.update(
            gate="api_verify",
            host=host,
            junit_path=resolve_path(args["junit_path"], task_vars.get("playbook_dir")),
            run_id=args["run_id"],
            playbook_run=playbook_run(),
        )
        label = host if len(task_vars.get("ansible_play_hosts_all") or []) > 1 else None
        if not args["quiet"] and not json_stdout():
            if not verdict["passed"]:
                color = C.COLOR_ERROR
            elif verdict.get("errors") or verdict.get("failing_calls") or verdict.get("skipped"):
                color = C.COLOR_WARN
            else:
                color = C.COLOR_OK
            display.display(console_text(verdict, label), color=color)
        if label:
            verdict["warnings"] = ["[%s] %s" % (label, text) for text in verdict["warnings"]]
        result.update(changed=False, passed=verdict["passed"], msg=verdict["msg"], verdict=verdict)
        if verdict["warnings"] and not args["quiet"]:
            result["warnings"] = verdict["warnings"]
        return result
