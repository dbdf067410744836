# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate's one decision: from one record per check asked, whether the gate passes, and the table that says why.

``decide`` is the only place a gate passes. The ``backend_gate_verdict`` action, the ``backend_gate_verdict`` filter
and the role all come here with records matched to the checks asked (``gate_records.py``); ``backend_connectivity``'s
own ``check_result`` follows the same rule for ``max_failures: 0`` and ``on_error: fail`` (SUCCESS only when every
check was made and succeeded, ``results.summarize_checks``).

It fails closed. It passes only when

* at least one check was made, and every check was made - unless ``on_error`` is ``warn``, which leaves the checks
  that could not be made out of the decision, with a warning each;
* no FAILED check names no backend at all (a channel the gateway lists no member of is no backend that is down,
  it is an API with nowhere to send traffic: ``max_failures`` never tolerates it);
* the failing backends are at most ``max_failures``. Each failing ``host:port`` counts once across the whole run
  (every check, discovery and environment that names it), whether it was unreachable (no connection, TLS, timeout,
  name) or reached with a wrong answer (a local HTTP(S) probe's status or body) - both are backends that cannot
  serve. The two are told apart everywhere they are shown.

Records of other kinds (``kind``; a record without one is a check) are decided by the same rule, so that no new kind
of check brings a new way to pass (``api_verify``):

* ``call`` - a call through the gateway (``api_debug``): each FAILED call is one failure for ``max_failures``; its row
  shows its status and the gateway's APIG code. A SKIPPED call (not made on purpose) is never a pass and never made:
  it is shown, counted apart, and a run where nothing was made fails;
* ``bake`` - one API's traffic judged against the bake's thresholds: a FAILED bake is never tolerated by
  ``max_failures`` (its thresholds are the tolerance); its row shows the figure and the threshold. Too little
  traffic to judge is an ERROR, which ``on_error`` decides like any record that was not made.

A check's ``diagnosis`` (why the gateway cannot reach a backend) is shown, never weighed: the table gets a WHY column
with each diagnosed backend's one-line summary, and nothing of it reaches the verdict.

Longer than 400 lines: the one decision of every kind of record, and its words, must stay one place (issue 17).
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis import diagnosis_of
from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    FAILED,
    MADE,
    SUCCESS,
    UNREACHABLE,
    WRONG_ANSWER,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import address_key

ON_ERROR = ("fail", "warn")
NOT_DECIDED = "backend gate: not decided yet"
SKIPPED = "SKIPPED"
CHECK, CALL, BAKE = "check", "call", "bake"


def record_kind(record):
    """What a record is a verdict on: a connectivity ``check`` (the default), a ``call`` or a ``bake``."""
    return record.get("kind") or CHECK


def _call_detail(record):
    """A call's row: its status and the gateway's APIG code, then why (or what was not made)."""
    parts = []
    if record.get("status") is not None:
        parts.append("status %s" % record["status"])
    if record.get("apig_error_code"):
        parts.append(record["apig_error_code"])
    reason = record.get("reason") or record.get("msg") or "not made"
    code = record.get("apig_error_code")
    if code and reason.startswith(code + ": "):
        reason = reason[len(code) + 2 :]
    return ("%s: %s" % (" ".join(parts), reason)) if parts else reason


def _short(record):
    """A record's result in the one-line message: a failed call's status and APIG code, a failed bake's figure over
    its threshold."""
    result = "%s" % record.get("check_result")
    breach = record.get("breach")
    if record_kind(record) == BAKE and result == FAILED and isinstance(breach, dict):
        return "%s: %s %s > %s" % (result, breach.get("figure"), breach.get("value"), breach.get("threshold"))
    if record_kind(record) == CALL and (record.get("status") is not None or record.get("apig_error_code")):
        said = [("status %s" % record["status"]) if record.get("status") is not None else None]
        return "%s: %s" % (result, " ".join(part for part in [*said, record.get("apig_error_code")] if part))
    return result


def _bake_detail(record):
    """A bake's row: the figure against its threshold when it failed, else its figures (or why it could not judge)."""
    breach = record.get("breach")
    if record.get("check_result") == FAILED and isinstance(breach, dict):
        return "%s %s > %s (%s)" % (
            breach.get("figure"),
            breach.get("value"),
            breach.get("threshold"),
            breach.get("over"),
        )
    return record.get("reason") or record.get("msg") or "-"


def failing_entries(record):
    """The failing backends a record names (``failing``; from ``failures`` for a record made before it had them)."""
    if isinstance(record.get("failing"), list):
        return [entry for entry in record["failing"] if isinstance(entry, dict) and entry.get("backend")]
    return [{"backend": backend, "outcome": UNREACHABLE} for backend in record.get("failures") or []]


def failing_backends(records):
    """Each failing ``host:port`` of the run once, in the order first named: ``backend``, ``outcome`` (unreachable
    when any check found it so), ``detail``, and the ``checks`` and ``apis`` behind it."""
    backends = {}
    for record in records:
        if record.get("check_result") != FAILED:
            continue
        for entry in failing_entries(record):
            backend = backends.setdefault(
                address_key(entry["backend"]),
                {"backend": entry["backend"], "outcome": WRONG_ANSWER, "detail": None, "checks": [], "apis": []},
            )
            if entry.get("outcome") != WRONG_ANSWER:
                backend["outcome"] = UNREACHABLE
            backend["detail"] = backend["detail"] or entry.get("detail")
            if record.get("name") not in backend["checks"]:
                backend["checks"].append(record.get("name"))
            backend["apis"].extend(api for api in record.get("apis") or [] if api not in backend["apis"])
    return list(backends.values())


def _plural(count, word, plural=None):
    return "%d %s" % (count, word if count == 1 else (plural or word + "s"))


def _local_summary(check):
    """What this host found, for a check whose gateway half could not be made: still worth showing."""
    local = check.get("local")
    if not isinstance(local, dict) or not local.get("made"):
        return ""
    probed = [record for record in local.get("results") or [] if not record.get("skipped")]
    reached = sum(1 for record in probed if record.get("ok"))
    return "; this host reached %d of %d backends" % (reached, len(probed))


def _error_text(fields, name):
    """Huawei's code (unless the message already has it), the message without the check's name, the request id."""
    msg = fields.get("msg") or "could not be made"
    if msg.startswith("%s: " % name):
        msg = msg[len("%s: " % name) :]
    code = fields.get("error_code")
    text = ("%s %s" % (code, msg)) if code and code not in msg else msg
    if fields.get("request_id"):
        text += " (request %s)" % fields["request_id"]
    return text


def error_detail(check):
    """Why a check was not made, and what this host found all the same."""
    return _error_text(check, check.get("name")) + _local_summary(check)


def _incomplete(check):
    """The parts of a FAILED check that could not be made: shown, never allowed to turn it into an error."""
    parts = [
        "%s: %s" % (part.get("part"), _error_text(part, check.get("name")))
        for part in check.get("incomplete") or []
        if isinstance(part, dict)
    ]
    return ("; not made: %s" % "; ".join(parts)) if parts else ""


def failing_text(check):
    """The failing backends of a FAILED check as the table and the JUnit report show them."""
    entries = failing_entries(check)
    if not entries:
        return "(the gateway listed no backend: nothing to send traffic to)"
    texts = []
    for entry in entries:
        if entry.get("outcome") == WRONG_ANSWER:
            texts.append("%s (wrong answer: %s)" % (entry["backend"], entry.get("detail") or "not as expected"))
        else:
            texts.append(entry["backend"])
    return ", ".join(texts)


def row_detail(record):
    """What a record's row says after its result: the table's last column, and the JUnit report's message."""
    return _detail(record)


def _detail(check):
    result = check.get("check_result")
    if record_kind(check) == CALL and result != SUCCESS:
        return _call_detail(check)
    if record_kind(check) == BAKE:
        return _bake_detail(check)
    if result == SUCCESS:
        return "-"
    if result == FAILED:
        return failing_text(check) + _incomplete(check)
    return error_detail(check)


def row_name(check):
    """A check's name in the table, with the routes behind it when its name does not already say them (a check
    written by hand that discovery found routes to)."""
    name = "%s" % check.get("name")
    apis = [api for api in check.get("apis") or [] if api not in name]
    return "%s (routes: %s)" % (name, ", ".join(apis)) if apis else name


def _quoted(name):
    """A name as one item of a list: quoted when it holds the list's separators."""
    return "'%s'" % name if any(mark in name for mark in ",;") else name


def decide(records, max_failures=0, on_error="fail", gate="backend gate"):
    """The gate's verdict (the role's ``backend_gate_result``, or ``api_verify_result``) from one record per check,
    call or bake asked; ``gate`` names it in its messages. One rule and one shape for every kind of record: only the
    words differ (``_worded_for_checks``, ``_worded_for_calls``)."""
    max_failures = int(max_failures)
    checks = [record for record in records if record_kind(record) == CHECK]
    made = [check for check in records if check.get("check_result") in MADE]
    failed = [check for check in records if check.get("check_result") == FAILED]
    skipped = [record for record in records if record.get("check_result") == SKIPPED and record_kind(record) != CHECK]
    errored = [check for check in records if check.get("check_result") not in MADE and check not in skipped]
    backends = failing_backends(checks)
    unreachable = [backend for backend in backends if backend["outcome"] == UNREACHABLE]
    wrong = [backend for backend in backends if backend["outcome"] == WRONG_ANSWER]
    no_backend = [check for check in failed if record_kind(check) == CHECK and not failing_entries(check)]
    failing_calls = [record for record in failed if record_kind(record) == CALL]
    failed_bakes = [record for record in failed if record_kind(record) == BAKE]
    passed = (
        bool(made)
        and (not errored or on_error == "warn")
        and not no_backend
        and not failed_bakes
        and len(backends) + len(failing_calls) <= max_failures
    )
    found = dict(made=made, failed=failed, errored=errored, skipped=skipped, passed=passed, max_failures=max_failures)
    if len(checks) == len(records):
        found.update(unreachable=unreachable, wrong=wrong, no_backend=no_backend)
        headline, lines, warnings, failures = _worded_for_checks(records, found, on_error)
        figures = dict(
            backends=backends, unreachable=len(unreachable), wrong_answers=len(wrong), no_backend=len(no_backend)
        )
    else:  # calls and bakes (api_verify): the same figures, worded for them
        found.update(failing_calls=failing_calls, failed_bakes=failed_bakes)
        headline, lines, warnings, failures = _worded_for_calls(records, found, on_error, gate)
        figures = dict(backends=[], unreachable=0, wrong_answers=0, no_backend=0)
        figures.update(failing_calls=len(failing_calls), failed_bakes=len(failed_bakes), skipped=len(skipped))
    not_passing = ["%s (%s)" % (_quoted("%s" % record.get("name")), _short(record)) for record in failed + errored]
    return dict(
        passed=passed,
        msg=headline + ("; not passing: %s" % "; ".join(not_passing) if not_passing else ""),
        message="\n".join(lines),
        summary=headline,
        lines=lines,
        checks=records,
        failures=failures,
        **figures,
        errors=len(errored),
        made=len(made),
        max_failures=max_failures,
        on_error=on_error,
        warnings=warnings,
    )


def _worded_for_checks(records, found, on_error):
    """``(headline, lines, warnings, failures)`` of a run of connectivity checks (``decide``'s figures in
    ``found``): the failing backends counted, and a table of every check when anything did not pass."""
    made, failed, errored, passed = found["made"], found["failed"], found["errored"], found["passed"]
    unreachable, wrong, no_backend = found["unreachable"], found["wrong"], found["no_backend"]
    warnings = []
    if errored and made and on_error == "warn":
        warnings.append(
            "backend gate: %d of %d checks could not be made and were left out of the decision (on_error=warn): %s"
            % (
                len(errored),
                len(records),
                "; ".join("%s: %s" % (check.get("name"), error_detail(check)) for check in errored),
            )
        )

    counted = _plural(len(unreachable), "unreachable backend")
    if wrong:
        counted += ", %s" % _plural(len(wrong), "backend with a wrong answer", "backends with a wrong answer")
    parts = ["%s (max_failures %d)" % (counted, found["max_failures"])]
    if no_backend:
        parts.append(
            "%s no backend at all (never tolerated)"
            % _plural(len(no_backend), "check whose gateway listed", "checks whose gateway listed")
        )
    if not records:
        parts.append("nothing was asked")
    if errored:
        parts.append(
            "%d of %d checks could not be made (on_error %s%s)"
            % (len(errored), len(records), on_error, "" if made else ", and none was made")
        )
    headline = "backend gate %s: %d of %d checks made, %s" % (
        "passed" if passed else "FAILED",
        len(made),
        len(records),
        "; ".join(parts),
    )
    lines = [headline]
    if not passed or failed or errored:
        names = [row_name(check) for check in records]
        width = max([len(name) for name in names] + [5])
        header = "UNREACHABLE / WRONG ANSWER / ERROR" if wrong else "UNREACHABLE / ERROR"
        lines.extend(_table(width, names, records, header))
    failures = [
        "%s: %s" % (check.get("name"), entry["backend"]) for check in failed for entry in failing_entries(check)
    ]
    return headline, lines, warnings, failures


def _worded_for_calls(records, found, on_error, gate):
    """``(headline, lines, warnings, failures)`` of a run of calls and bakes (``decide``'s figures in ``found``): the
    failing calls counted, what the bake judged, and a table of every record when anything did not pass."""
    made, errored, skipped = found["made"], found["errored"], found["skipped"]
    failing_calls, failed_bakes, passed = found["failing_calls"], found["failed_bakes"], found["passed"]
    calls = [record for record in records if record_kind(record) == CALL]
    bakes = [record for record in records if record_kind(record) == BAKE]
    warnings = []
    if errored and made and on_error == "warn":
        warnings.append(
            "%s: %d of %d could not be made or judged and were left out of the decision (on_error=warn): %s"
            % (gate, len(errored), len(records), "; ".join("%s: %s" % (r.get("name"), _detail(r)) for r in errored))
        )
    parts = ["%s (max_failures %d)" % (_plural(len(failing_calls), "failing call"), found["max_failures"])]
    if bakes:
        parts.append(
            "bake: %d of %d APIs judged, %d over a threshold (never tolerated)"
            % (sum(1 for record in bakes if record.get("check_result") in MADE), len(bakes), len(failed_bakes))
        )
    if skipped:
        parts.append("%d skipped (never a pass)" % len(skipped))
    if errored:
        parts.append(
            "%d of %d could not be made or judged (on_error %s%s)"
            % (len(errored), len(records), on_error, "" if made else ", and none was made")
        )
    headline = "%s %s: %d of %d calls made, %s" % (
        gate,
        "passed" if passed else "FAILED",
        sum(1 for record in calls if record.get("check_result") in MADE),
        len(calls),
        "; ".join(parts),
    )
    lines = [headline]
    if not passed or found["failed"] or errored or skipped:
        names = [row_name(record) for record in records]
        width = max([len(name) for name in names] + [5])
        lines.append("%-*s  %-7s  %s" % (width, "CALL", "RESULT", "STATUS APIG CODE / FIGURE > THRESHOLD / WHY"))
        lines.extend(
            "%-*s  %-7s  %s" % (width, name, record.get("check_result"), _detail(record))
            for name, record in zip(names, records)
        )
    failures = ["%s: %s" % (record.get("name"), _detail(record)) for record in found["failed"]]
    return headline, lines, warnings, failures


def not_decided(msg=NOT_DECIDED, **fields):
    """A verdict that is not (yet) a pass: what the role holds before it decides, and what it keeps when something
    stopped it before the decision (``stopped``)."""
    verdict = {
        "passed": False,
        "msg": msg,
        "message": msg,
        "summary": msg,
        "lines": [msg],
        "checks": [],
        "failures": [],
        "backends": [],
        "unreachable": 0,
        "wrong_answers": 0,
        "no_backend": 0,
        "errors": 0,
        "made": 0,
        "warnings": [],
    }
    verdict.update(fields)
    return verdict


def console_text(verdict, host=None):
    """The verdict as the console shows it: the headline (after ``[host]`` when given), then the table, indented."""
    lines = verdict.get("lines") or [verdict.get("summary") or ""]
    head = ("[%s] " % host if host else "") + lines[0]
    return "\n".join([head] + ["  " + line for line in lines[1:]])


def _table(width, names, records, header):
    """The table under the headline: CHECK, RESULT and what failed, one row per check; and when a check carries a
    diagnosis, a WHY column, one row per backend it failed, each with that backend's one-line summary."""
    rows = [("CHECK", "RESULT", header, None)]
    for name, check in zip(names, records):
        result, entries = check.get("check_result"), failing_entries(check)
        if result != FAILED or not check.get("diagnosis") or not entries:
            rows.append((name, result, _detail(check), None))
            continue
        for index, entry in enumerate(entries):
            found = diagnosis_of(check, entry["backend"]) or {}
            text = failing_text(dict(check, failing=[entry])) + (
                _incomplete(check) if index == len(entries) - 1 else ""
            )
            rows.append((name if index == 0 else "", result if index == 0 else "", text, found.get("summary") or "-"))
    if all(why is None for _name, _result, _text, why in rows[1:]):
        return ["%-*s  %-7s  %s" % (width, name, result, text) for name, result, text, _why in rows]
    rows[0] = ("CHECK", "RESULT", header, "WHY")
    wide = max(len(text) for _name, _result, text, why in rows if why is not None)
    return [
        "%-*s  %-7s  %s" % (width, name, result, text)
        if why is None
        else "%-*s  %-7s  %-*s  %s" % (width, name, result, wide, text, why)
        for name, result, text, why in rows
    ]
