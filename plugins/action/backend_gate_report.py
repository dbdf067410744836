# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hwcloud.apig.backend_gate_report: the JUnit report of a backend gate run, written on the controller.

Every host of the play is in it (``hosts``, the role passes ``ansible_play_hosts_all``): with its verdict of this
run, or with an error saying why it has none - it failed or became unreachable before its decision, or it did not
run the gate; a host of a later ``serial`` batch is a placeholder until its own batch writes its suite. Suites of
earlier writes by the same playbook run (other batches, plays and gate includes) are kept; anything else in the file
is replaced (plugin_utils/gate_report.py). The role runs this once per gate run, after every host has decided.

The file is rewritten on every run (CI systems want a fresh report), but ``changed`` only when something other than
its timestamp changed; ``--diff`` shows the change line by line. A report that cannot be written is removed, so that
an earlier run's report cannot stand for this one.

The ``api_verify`` role writes its report through this same action (``gate: api_verify``: its verdicts are read from
``api_verify_result``, a directory gets ``api-verify.xml``), so one report path serves every gate.
"""

import os

from ansible_collections.hwcloud.apig.plugins.plugin_utils.controller_action import ControllerAction, resolve_path
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_report import (
    junit_document,
    no_verdict,
    playbook_run,
    read_report,
    remove_report,
    report_file,
    suites_to_keep,
    write_report,
)

ARGUMENT_SPEC = dict(
    results=dict(type="list", elements="raw"),
    hosts=dict(type="list", elements="str"),
    active=dict(type="list", elements="str"),
    batch=dict(type="list", elements="str"),
    run_id=dict(type="str"),
    path_variable=dict(type="str", default="junit_path"),
    gate=dict(type="str", choices=["backend_gate", "api_verify"], default="backend_gate"),
)
REPORT_NAMES = {"backend_gate": "backend-gate.xml", "api_verify": "api-verify.xml"}


def _final(verdict):
    """Whether a verdict is a gate's last word: decided, or stopped before the decision."""
    return isinstance(verdict, dict) and bool(verdict.get("decided") or verdict.get("stopped"))


def _verdicts_of(hosts, task_vars, variable="backend_gate_result"):
    """Each host's ``backend_gate_result`` as the play holds it now (None for a host that has none)."""
    hostvars = task_vars.get("hostvars")  # not `or {}`: with only the implicit localhost, HostVars is empty, i.e. false
    if hostvars is None:
        hostvars = {}
    found = []
    for host in hosts:
        try:
            found.append(hostvars[host].get(variable))
        except (KeyError, AttributeError):
            found.append(None)
    return found


def suites_by_path(args, run, task_vars):
    """``{path: [(host, verdict, placeholder)]}``: this run's verdicts under their report paths (one that did not
    decide is an error saying so), and the hosts of the play without one under every path of this run."""
    gate = args.get("gate") or "backend_gate"
    given = args["results"] if args["results"] is not None else _verdicts_of(args["hosts"], task_vars, gate + "_result")
    results = [verdict if isinstance(verdict, dict) else None for verdict in given]
    hosts = args["hosts"]
    if hosts is None:  # only the verdicts given: each names its host
        hosts = [verdict.get("host") or "localhost" for verdict in results if verdict]
        results = [verdict for verdict in results if verdict]
    by_host = dict(zip(hosts, results))
    active = set(args["active"] if args["active"] is not None else hosts)
    batch = set(args["batch"] if args["batch"] is not None else hosts)
    ours = {
        host: verdict
        for host, verdict in by_host.items()
        if _final(verdict) and (args["run_id"] is None or verdict.get("run_id") == args["run_id"])
    }
    by_path = {}
    for host, verdict in ours.items():
        if verdict.get("junit_path"):
            path = resolve_path(verdict["junit_path"], task_vars.get("playbook_dir"))
            if gate != "backend_gate" and (os.path.isdir(path) or path.endswith(os.sep)):
                path = os.path.join(path, REPORT_NAMES[gate])
            by_path.setdefault(path, []).append((host, verdict, False))
    for host in hosts:
        verdict = by_host.get(host)
        if host in ours or (_final(verdict) and verdict.get("playbook_run") == run):
            continue  # in this run, or decided in an earlier batch or gate of this playbook run (in the file already)
        started = isinstance(verdict, dict) and args["run_id"] is not None and verdict.get("run_id") == args["run_id"]
        if host not in active:
            why, placeholder = "it failed or became unreachable before its decision", False
        elif started:
            why, placeholder = "it stopped before its decision", False
        elif host not in batch:
            why, placeholder = "it is in a later serial batch, not gated yet", True
        else:
            why, placeholder = "it did not run the gate (a condition or a tag left it out)", False
        for path in by_path:
            by_path[path].append((host, no_verdict(host, args["run_id"], why, gate.replace("_", " ")), placeholder))
    return by_path


class ActionModule(ControllerAction):
    """Write one JUnit file per distinct report path of this run's verdicts."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, result, args, task_vars):
        if args["results"] is None and args["hosts"] is None:
            return dict(
                result,
                failed=True,
                msg="backend_gate_report needs the verdicts (results), the hosts whose verdicts to read (hosts), or both",
            )
        run = playbook_run()
        reports, diffs, changed = [], [], False
        for path, entries in suites_by_path(args, run, task_vars).items():
            real = {(verdict.get("run_id"), host) for host, verdict, placeholder in entries if not placeholder}
            gated = {host for host, _verdict, placeholder in entries if not placeholder}
            keep = [
                element
                for element in suites_to_keep(read_report(path), run, real)
                if not (_is_placeholder(element) and element.get("hostname") in gated)
            ]
            suites = [(host, dict(verdict, placeholder=placeholder)) for host, verdict, placeholder in entries]
            text = junit_document(suites, run=run, keep=keep, gate=args["gate"])
            try:
                written, file_changed, before = write_report(path, text)
            except OSError as exc:
                error = "%s: could not write the JUnit report (%s=%s): %s: %s" % (
                    args["gate"].replace("_", " "),
                    args["path_variable"],
                    path,
                    exc.filename or report_file(path),
                    exc.strerror or exc,
                )
                error += _removed(path)
                return dict(result, failed=True, changed=changed, reports=reports, msg=error, report_error=error)
            hosts = [host for host, _verdict, _placeholder in entries]
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


def _is_placeholder(element):
    return any(item.get("name") == "placeholder" and item.get("value") == "true" for item in element.iter("property"))


def _removed(path):
    """What became of the earlier report at ``path``: an earlier run's report must not stand for this one."""
    try:
        removed = remove_report(path)
    except OSError as exc:
        return "; the earlier report there could not be removed either (%s): it does not describe this run" % (
            exc.strerror or exc
        )
    return "; the earlier report %s was removed" % removed if removed else ""
