# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backend gate's decision and its JUnit report, as plain functions.

The ``backend_gate`` role makes one batch check with ``backend_connectivity``
and hands the registered result here (through the filters in
``plugins/filter/backend_gate.py``).  Keeping the decision in Python rather than
in role Jinja makes it unit-testable and keeps the role's tasks readable.

The gate fails closed: it passes only when at least one check was made, every
check was made (unless ``on_error`` is ``warn``), and the unreachable backends
(every ``host:port``; a FAILED answer that names none counts one) are at most
``max_failures``.
"""

import datetime
import re
import xml.etree.ElementTree as ET

from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    ERROR,
    ERROR_FIELDS,
    FAILED,
    MADE,
    SUCCESS,
    check_record,
)

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def checks_from_run(run, configured_checks):
    """Per-check records; if the module could not run at all, every configured check is an ERROR with its message."""
    checks = (run or {}).get("checks")
    if isinstance(checks, list):
        return checks
    run = run or {}
    records = []
    for index, check in enumerate(configured_checks or [], start=1):
        check = check if isinstance(check, dict) else {}
        name = check.get("name") or check.get("backend_address") or check.get("vpc_channel_id") or "check %d" % index
        record = check_record(
            {"name": name, "instance_id": check.get("instance_id"), "backend_type": check.get("backend_type")}
        )
        record.update((field, run.get(field)) for field in ERROR_FIELDS)
        record["msg"] = record["msg"] or "the check could not be run"
        records.append(record)
    return records


def _local_summary(check):
    """What this host found, for a check whose gateway half failed: the local half is still worth showing."""
    local = check.get("local")
    if not isinstance(local, dict) or not local.get("made"):
        return ""
    probed = [record for record in local.get("results") or [] if not record.get("skipped")]
    reached = sum(1 for record in probed if record.get("ok"))
    return "; this host reached %d of %d backends" % (reached, len(probed))


def _error_detail(check):
    """Why a check was not made: Huawei's code (unless the message already has it), the message, the request id."""
    msg = check.get("msg") or "could not be made"
    code = check.get("error_code")
    text = ("%s %s" % (code, msg)) if code and code not in msg else msg
    if check.get("request_id"):
        text += " (request %s)" % check["request_id"]
    return text + _local_summary(check)


def _detail(check):
    result = check.get("check_result")
    if result == SUCCESS:
        return "-"
    if result == FAILED:
        return ", ".join(check.get("failures") or []) or "(the gateway listed no backend)"
    return _error_detail(check)


def unreachable_count(failed_checks):
    """Every unreachable host:port counts; a FAILED answer that lists no backend still counts one."""
    return sum(len(check.get("failures") or []) or 1 for check in failed_checks)


def decide(run, configured_checks, max_failures=0, on_error="fail"):
    """The gate's verdict (the role's ``backend_gate_result``) from the module's registered result."""
    max_failures = int(max_failures)
    checks = checks_from_run(run, configured_checks)
    made = [check for check in checks if check.get("check_result") in MADE]
    failed = [check for check in checks if check.get("check_result") == FAILED]
    errored = [check for check in checks if check.get("check_result") not in MADE]
    unreachable = unreachable_count(failed)
    passed = bool(made) and (not errored or on_error == "warn") and unreachable <= max_failures

    warnings = []
    if errored and made and on_error == "warn":
        warnings.append(
            "backend gate: %d of %d checks could not be made and were left out of the decision "
            "(on_error=warn): %s"
            % (
                len(errored),
                len(checks),
                "; ".join("%s: %s" % (check.get("name"), _error_detail(check)) for check in errored),
            )
        )

    parts = [
        "%d unreachable backend%s (max_failures %d)" % (unreachable, "" if unreachable == 1 else "s", max_failures)
    ]
    if errored:
        parts.append(
            "%d of %d checks could not be made (on_error %s%s)"
            % (len(errored), len(checks), on_error, "" if made else ", and none was made")
        )
    headline = "backend gate %s: %d of %d checks made, %s" % (
        "passed" if passed else "FAILED",
        len(made),
        len(checks),
        "; ".join(parts),
    )
    lines = [headline]
    if not passed or failed or errored:
        width = max([len(str(check.get("name"))) for check in checks] + [5])
        lines.append("%-*s  %-7s  %s" % (width, "CHECK", "RESULT", "UNREACHABLE / ERROR"))
        lines.extend(
            "%-*s  %-7s  %s" % (width, check.get("name"), check.get("check_result"), _detail(check)) for check in checks
        )
    return {
        "passed": passed,
        "message": "\n".join(lines),
        "summary": headline,
        "lines": lines,
        "checks": checks,
        "failures": (run or {}).get("failures") or [],
        "unreachable": unreachable,
        "errors": len(errored),
        "made": len(made),
        "max_failures": max_failures,
        "on_error": on_error,
        "warnings": warnings,
    }


def _xml_text(value):
    return _XML_FORBIDDEN.sub("", "" if value is None else "%s" % (value,))


def junit_report(result, hostname="localhost", now=None):
    """The verdict as JUnit XML: one test case per check, <failure> for FAILED, <error> for a check not made."""
    checks = result.get("checks") or []
    failed = sum(1 for check in checks if check.get("check_result") == FAILED)
    errors = sum(1 for check in checks if check.get("check_result") not in MADE)
    counts = {"tests": str(len(checks)), "failures": str(failed), "errors": str(errors)}
    root = ET.Element("testsuites", dict(counts, name="hwcloud.apig.backend_gate"))
    timestamp = (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    suite = ET.SubElement(
        root,
        "testsuite",
        dict(counts, name="backend_gate", skipped="0", timestamp=timestamp, hostname=_xml_text(hostname)),
    )
    properties = ET.SubElement(suite, "properties")
    for name in ("passed", "summary", "unreachable", "max_failures", "on_error"):
        value = result.get(name)
        ET.SubElement(
            properties, "property", name=name, value=_xml_text(str(value).lower() if isinstance(value, bool) else value)
        )
    for check in checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="backend_gate.%s" % _xml_text(check.get("backend_type") or "check"),
            name=_xml_text(check.get("name")),
        )
        outcome = check.get("check_result")
        if outcome == FAILED:
            element = ET.SubElement(
                case,
                "failure",
                type=FAILED,
                message=_xml_text(
                    "unreachable: %s" % (", ".join(check.get("failures") or []) or "the gateway listed no backend")
                ),
            )
            element.text = _xml_text("\n".join(check.get("failures") or []))
        elif outcome != SUCCESS:
            element = ET.SubElement(
                case,
                "error",
                type=_xml_text(check.get("error_code") or ERROR),
                message=_xml_text(check.get("msg") or "the check could not be made"),
            )
            element.text = _xml_text(
                "status: %s\nerror_code: %s\nerror_msg: %s\nrequest_id: %s"
                % (check.get("status"), check.get("error_code"), check.get("error_msg"), check.get("request_id"))
            )
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text(
            "%s %s: %s"
            % (
                check.get("instance_id") or "",
                check.get("backend_address") or check.get("vpc_channel_id") or "",
                outcome,
            )
        )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
