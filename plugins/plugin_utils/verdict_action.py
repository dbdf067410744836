# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How a verdict leaves its action: what the two verdict actions (``backend_gate_verdict``, ``api_verify_verdict``)
share once each has decided in its own way.

The verdict names its host, its JUnit path (resolved as the roles document it) and its run. It is shown on the
console once, as readable lines - ``[host]`` first when the play has several hosts - unless the stdout callback is
JSON, and its warnings become real Ansible warnings. The task never fails on a verdict that does not pass: the result
carries ``passed`` and the one-line ``msg``, and the role fails in a later task, so that the verdict is kept either
way. A gate stopped before its decision, or given a negative ``max_failures``, has a verdict too, one that does not
pass (``stopped_before_decision``).
"""

from ansible import constants as C
from ansible.utils.display import Display

from ansible_collections.hwcloud.apig.plugins.plugin_utils.controller_action import (
    ControllerAction,
    json_stdout,
    resolve_path,
)
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import ON_ERROR, console_text, not_decided
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import playbook_run

display = Display()

# A verdict that passes with any of these is shown as a warning: something was tolerated or left out.
_TOLERATED = ("errors", "unreachable", "wrong_answers", "failing_calls", "skipped")


def verdict_color(verdict):
    """The console's color for a verdict: an error when it does not pass, a warning when it passes with something
    tolerated, else ok."""
    if not verdict["passed"]:
        return C.COLOR_ERROR
    return C.COLOR_WARN if any(verdict.get(figure) for figure in _TOLERATED) else C.COLOR_OK


class VerdictAction(ControllerAction):
    """An action that decides one host's verdict (``verdict``) and hands it back; ``shown`` says whether it is shown
    and warned of. ``GATE`` names the gate in the verdict's messages; ``ARGUMENT_SPEC`` is ``OPTIONS`` and the
    options the gate's records come from."""

    GATE = None
    OPTIONS = dict(
        run=dict(type="dict", default={}),
        max_failures=dict(type="int", default=0),
        on_error=dict(type="str", choices=list(ON_ERROR), default="fail"),
        junit_path=dict(type="str", default=""),
        run_id=dict(type="str"),
        stopped=dict(type="str"),
    )

    def verdict(self, args):
        """The verdict, from the validated options."""
        raise NotImplementedError

    def shown(self, args):
        """Whether the verdict is shown on the console and its warnings returned (not for a question the role asks
        before it decides, ``api_verify_verdict``'s ``quiet``)."""
        return True

    def stopped_before_decision(self, args, **fields):
        """The verdict of a gate that cannot decide - stopped (``stopped`` says by what) or given a negative
        ``max_failures`` - keeping ``fields``; None when it can decide."""
        if args["stopped"] is not None:
            msg = "%s FAILED: stopped before its decision: %s" % (self.GATE, args["stopped"])
            return not_decided(msg, stopped=args["stopped"], **fields)
        if args["max_failures"] < 0:
            msg = "%s FAILED: max_failures must be 0 or more, got %d" % (self.GATE, args["max_failures"])
            return not_decided(msg, stopped=msg, **fields)
        return None

    def act(self, result, args, task_vars):
        verdict = self.verdict(args)
        host = task_vars.get("inventory_hostname") or "localhost"
        verdict.update(
            host=host,
            junit_path=resolve_path(args["junit_path"], task_vars.get("playbook_dir")),
            run_id=args["run_id"],
            playbook_run=playbook_run(),
        )
        # With several hosts in the play, say whose verdict a line is.
        label = host if len(task_vars.get("ansible_play_hosts_all") or []) > 1 else None
        shown = self.shown(args)
        if shown and not json_stdout():
            display.display(console_text(verdict, label), color=verdict_color(verdict))
        if label:
            verdict["warnings"] = ["[%s] %s" % (label, text) for text in verdict["warnings"]]
        result.update(changed=False, passed=verdict["passed"], msg=verdict["msg"], verdict=verdict)
        if verdict["warnings"] and shown:
            result["warnings"] = verdict["warnings"]
        return result
