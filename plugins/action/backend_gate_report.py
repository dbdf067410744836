# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.backend_gate_report: the JUnit report of backend gate verdicts, written on the controller.

Hosts whose verdicts name the same ``junit_path`` share one file, one test suite per host; the role runs this once
for the play, after every host has decided. The file is rewritten on every run (CI systems want a fresh report),
but ``changed`` only when something other than its timestamp changed; ``--diff`` shows the change line by line.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.gate import junit_document, report_file, write_report
from ansible_collections.hwcloud.apig.plugins.plugin_utils.controller_action import ControllerAction, resolve_path

ARGUMENT_SPEC = dict(
    results=dict(type="list", elements="dict", required=True),
    run_id=dict(type="str"),
    path_variable=dict(type="str", default="junit_path"),
)


class ActionModule(ControllerAction):
    """Write one JUnit file per distinct junit_path of the verdicts given."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, result, args, task_vars):
        by_path = {}
        for verdict in args["results"]:
            if args["run_id"] is not None and verdict.get("run_id") != args["run_id"]:
                continue  # a verdict of an earlier run of the gate, by a host that did not take part in this one
            if verdict.get("junit_path"):
                # One file per path however it is spelled (a verdict's path is already resolved; one given here
                # may not be).
                path = resolve_path(verdict["junit_path"], task_vars.get("playbook_dir"))
                by_path.setdefault(path, []).append(verdict)
        reports, diffs, changed = [], [], False
        for path, verdicts in by_path.items():
            hosts = [verdict.get("host") or "localhost" for verdict in verdicts]
            text = junit_document(list(zip(hosts, verdicts)))
            try:
                written, file_changed, before = write_report(path, text)
            except OSError as exc:
                error = "backend gate: could not write the JUnit report (%s=%s): %s: %s" % (
                    args["path_variable"],
                    path,
                    exc.filename or report_file(path),
                    exc.strerror or exc,
                )
                return dict(result, failed=True, changed=changed, reports=reports, msg=error, report_error=error)
            reports.append({"path": written, "hosts": hosts, "changed": file_changed})
            if file_changed:
                changed = True
                if self._task.diff:
                    diffs.append(
                        {
                            "before": before or "",
                            "after": text,
                            "before_header": written if before is not None else "%s (absent)" % written,
                            "after_header": written,
                        }
                    )
        result.update(changed=changed, reports=reports)
        if diffs:
            result["diff"] = diffs
        return result
