# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate's JUnit report: one test suite per host and gate run, written so that the file on disk always describes
the latest playbook run, all of it.

* Each verdict is a test suite (one test case per check: ``<failure>`` for FAILED - each failing backend, and
  when the check was diagnosed, why and the fix - ``<error>`` for a check not made; for a call or a bake of
  ``api_verify`` the same, and ``<skipped>`` for a call not made on purpose); a gate stopped before its decision is a
  suite with one ``<error>`` naming what stopped it, and a host of the play that has no verdict of this run (it failed
  or became unreachable before, or did not run the gate) is one too.
* Suites carry the run's ``run_id`` and the ``playbook_run`` that wrote them. Writing keeps the suites already in
  the file from the same playbook run (other ``serial`` batches, other plays, other includes of the gate) and
  replaces the file of any other run whole: a report is never a mix of two runs, and never forgets a batch.
* The file is replaced atomically (a temporary file, then ``os.replace``); a path that is a symbolic link is written
  through to the file it points to, so that the link keeps pointing to the latest report.
"""

import datetime
import errno
import hashlib
import os
import re
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis import diagnosis_of
from ansible_collections.hwcloud.apig.plugins.module_utils.results import ERROR, FAILED, MADE, SUCCESS
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import (
    CHECK,
    SKIPPED,
    error_detail,
    failing_entries,
    failing_text,
    not_decided,
    record_kind,
    row_detail,
    row_name,
)

REPORT_NAME = "backend-gate.xml"
# Characters XML 1.0 cannot hold, lone surrogates among them (JSON can carry them as "\ud800" escapes, and no UTF-8
# file can be written with one).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What differs between two runs that found the same: when, and which run (ignored when telling whether a report changed).
_RUN_STAMPS = re.compile(r'\btimestamp="[^"]*"|(name="(?:run_id|playbook_run)" value=)"[^"]*"')
# The fields of an <error> in the JUnit report, in this order, when the check has them.
_ERROR_DETAILS = ("option", "status", "error_code", "error_msg", "request_id")
_IDENTITY_DETAILS = ("instance_id", "backend_type", "backend_address", "vpc_channel_id", "probe")
_SUITE_PROPERTIES = (
    "passed",
    "summary",
    "unreachable",
    "wrong_answers",
    "max_failures",
    "on_error",
    "run_id",
    "placeholder",
)


def playbook_run():
    """An identity of the ``ansible-playbook`` process this runs under, the same for every task of one playbook run
    and different for the next: its process ID with its start time and the machine's boot.

    Action plugins run in worker processes that the playbook's main process starts, so it is the parent's.
    """
    pid = os.getppid()
    parts = ["%d" % pid]
    for path in ("/proc/%d/stat" % pid, "/proc/sys/kernel/random/boot_id"):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError:
            continue
        # /proc/PID/stat: the fields after the command name's closing parenthesis; the 20th is the start time.
        parts.append(text.rsplit(")", 1)[-1].split()[19] if path.endswith("/stat") else text.strip())
    return hashlib.sha256(":".join(parts).encode("utf-8")).hexdigest()[:16]


def no_verdict(host, run_id, why, gate="backend gate"):
    """The verdict of a host of the play that did not reach the gate's decision in this run."""
    msg = "%s: %s has no verdict in this run: %s" % (gate, host, why)
    return not_decided(msg, host=host, run_id=run_id, stopped=msg)


def _xml_text(value):
    return _XML_FORBIDDEN.sub("", "" if value is None else "%s" % (value,))


def _indent(element, level=0):
    """One element per line, two spaces per level (ElementTree.indent is Python 3.9+)."""
    pad = "\n" + "  " * level
    children = list(element)
    if children:
        if not (element.text or "").strip():
            element.text = pad + "  "
        for child in children:
            _indent(child, level + 1)
            child.tail = pad + "  "
        children[-1].tail = pad


def _system_out(check):
    """What a test case was about, one fact per line, for whoever reads a failed test in CI."""
    lines = ["check %s: %s" % (check.get("name"), check.get("check_result"))]
    lines.extend("%s: %s" % (key, check[key]) for key in _IDENTITY_DETAILS if check.get(key) not in (None, ""))
    if check.get("apis"):
        lines.append("routes: %s" % ", ".join("%s" % api for api in check["apis"]))
    lines.extend("hint: %s" % hint for hint in check.get("hints") or [])
    return "\n".join(lines)


def _case(suite, check, classname_prefix):
    kind = record_kind(check)
    case = ET.SubElement(
        suite,
        "testcase",
        classname="%s.%s"
        % (classname_prefix, _xml_text(check.get("backend_type") or "check" if kind == CHECK else kind)),
        name=_xml_text(row_name(check)),
    )
    outcome = check.get("check_result")
    if kind != CHECK and outcome in (FAILED, SKIPPED):  # a call or a bake: its row's words
        tag = "failure" if outcome == FAILED else "skipped"
        element = ET.SubElement(case, tag, message=_xml_text(row_detail(check)))
        if outcome == FAILED:
            element.set("type", FAILED)
            element.text = _xml_text(row_detail(check))
    elif outcome == FAILED:
        element = ET.SubElement(case, "failure", type=FAILED, message=_xml_text(_failure_message(check)))
        element.text = _xml_text("\n".join(_failure_lines(check)))
    elif outcome != SUCCESS:
        element = ET.SubElement(
            case,
            "error",
            type=_xml_text(check.get("error_code") or check.get("apig_error_code") or ERROR),
            message=_xml_text(error_detail(check) if kind == CHECK else row_detail(check)),
        )
        # Only the fields the check has: a refused check has an option and no HTTP status, an API error the reverse.
        details = ["%s: %s" % (field, check[field]) for field in _ERROR_DETAILS if check.get(field) not in (None, "")]
        if details:
            element.text = _xml_text("\n".join(details))
    ET.SubElement(case, "system-out").text = _xml_text(_system_out(check))


def _failure_lines(check):
    """Each failing backend on a line, and under it, when the check was diagnosed, why (the summary) and the fix."""
    lines = []
    for entry in failing_entries(check):
        detail = " (%s)" % entry["detail"] if entry.get("detail") else ""
        lines.append("%s: %s%s" % (entry.get("outcome") or "unreachable", entry["backend"], detail))
        found = diagnosis_of(check, entry["backend"])
        if found:
            lines.append("  why: %s" % found.get("summary"))
            lines.append("  fix: %s" % found.get("fix"))
    return lines


def _failure_message(check):
    entries = failing_entries(check)
    unreachable = [entry["backend"] for entry in entries if entry.get("outcome") != "wrong_answer"]
    wrong = [entry for entry in entries if entry.get("outcome") == "wrong_answer"]
    parts = []
    if unreachable:
        parts.append("unreachable: %s" % ", ".join(unreachable))
    if wrong:
        parts.append(
            "reached, wrong answer: %s"
            % ", ".join(
                "%s (%s)" % (entry["backend"], entry["detail"]) if entry.get("detail") else entry["backend"]
                for entry in wrong
            )
        )
    return "; ".join(parts) or failing_text(check)


def _suite(parent, verdict, hostname, timestamp, classname_prefix, run):
    checks = verdict.get("checks") or []
    stopped = verdict.get("stopped")
    skipped = sum(1 for check in checks if check.get("check_result") == SKIPPED and record_kind(check) != CHECK)
    counts = {
        "tests": str(len(checks) + (1 if stopped else 0)),
        "failures": str(sum(1 for check in checks if check.get("check_result") == FAILED)),
        "errors": str(
            sum(1 for check in checks if check.get("check_result") not in MADE) - skipped + (1 if stopped else 0)
        ),
    }
    suite = ET.SubElement(
        parent,
        "testsuite",
        dict(
            counts,
            name=_xml_text("%s (%s)" % (verdict.get("gate") or "backend_gate", hostname)),
            skipped=str(skipped),
            timestamp=timestamp,
            hostname=_xml_text(hostname),
        ),
    )
    properties = ET.SubElement(suite, "properties")
    for name in _SUITE_PROPERTIES:
        value = verdict.get(name)
        ET.SubElement(
            properties, "property", name=name, value=_xml_text(str(value).lower() if isinstance(value, bool) else value)
        )
    ET.SubElement(properties, "property", name="playbook_run", value=_xml_text(run))
    if stopped:
        gate = (verdict.get("gate") or "backend_gate").replace("_", " ")
        case = ET.SubElement(suite, "testcase", classname="%s.gate" % classname_prefix, name=gate)
        ET.SubElement(case, "error", type="STOPPED", message=_xml_text(stopped)).text = _xml_text(stopped)
    for check in checks:
        _case(suite, check, classname_prefix)
    return suite


def junit_document(suites, now=None, run=None, keep=(), gate="backend_gate"):
    """JUnit XML with one test suite per ``(hostname, verdict)``, after the suites ``keep`` (elements of an earlier
    report of the same playbook run), one element per line (readable with ``--diff``).

    Test cases' class names are ``backend_gate.<host>.<backend_type>`` (``api_verify.<host>.call`` / ``.bake`` for
    ``gate`` api_verify), so that CI systems keep each host's checks apart.
    """
    timestamp = (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name="hwcloud.apig.%s" % gate)
    for element in keep:
        root.append(element)
    for hostname, verdict in suites:
        _suite(
            root,
            dict(verdict, gate=verdict.get("gate") or gate),
            hostname,
            timestamp,
            "%s.%s" % (gate, _xml_text(hostname)),
            run,
        )
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key) or 0) for suite in root.findall("testsuite"))))
    for element in root.iter():
        element.tail = None
        if len(element):
            element.text = None
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_report(verdict, hostname="localhost", now=None):
    """One verdict as JUnit XML: one test case per check, <failure> for FAILED, <error> for a check not made."""
    return junit_document([(hostname, verdict)], now, run=verdict.get("run_id"))


def _suite_key(element):
    properties = {item.get("name"): item.get("value") for item in element.iter("property")}
    return properties.get("playbook_run"), properties.get("run_id"), element.get("hostname")


def suites_to_keep(before, run, replaced):
    """The suites of an earlier report (its text, or None) to keep: those of the same playbook ``run`` that this
    write does not replace (``replaced``: ``(run_id, host)`` pairs). Nothing of another run, or of a file that is
    not such a report."""
    if not before:
        return []
    try:
        root = ET.fromstring(before)
    except ET.ParseError:
        return []
    if root.tag != "testsuites":
        return []
    kept = []
    for element in root.findall("testsuite"):
        playbook, run_id, host = _suite_key(element)
        if playbook == run and (run_id, host) not in replaced:
            kept.append(element)
    return kept


def same_report(old, new):
    """Whether two reports say the same thing (they may differ in when, and by which run, they were written)."""

    def unstamped(text):
        return _RUN_STAMPS.sub(lambda match: (match.group(1) or "timestamp=") + '""', text)

    return old is not None and unstamped(old) == unstamped(new)


def report_file(path):
    """Where a report for ``path`` goes: the path itself, or ``backend-gate.xml`` in it if it is a directory; a
    symbolic link is followed to the file it points to (which need not exist yet)."""
    if os.path.isdir(path) or path.endswith(os.sep):
        path = os.path.join(path, REPORT_NAME)
    path = os.path.abspath(path)
    if os.path.islink(path):
        path = os.path.realpath(path)
    return path


def read_report(path):
    """The text of the report at ``path`` now, or None when there is none (an unreadable file reads as empty)."""
    try:
        with open(report_file(path), encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""


def write_report(path, text):
    """Write ``text`` to ``path`` (a file, or a directory to put ``backend-gate.xml`` in), creating directories.

    Returns ``(file, changed, before)``: ``changed`` is False when only the timestamp differs from what was there
    (the file is rewritten all the same, so CI systems that look at its age see a fresh report). Raises OSError.
    """
    target = report_file(path)
    directory = os.path.dirname(target)
    ancestor = directory
    while not os.path.lexists(ancestor) and os.path.dirname(ancestor) != ancestor:
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), ancestor)
    os.makedirs(directory, exist_ok=True)
    if os.path.isdir(target):
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), target)
    before = read_report(target)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".backend-gate-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return target, not same_report(before, text), before


def remove_report(path):
    """Remove the report at ``path`` (a report that cannot be replaced must not outlive its run); returns the file
    removed, or None when there was none. Raises OSError."""
    target = report_file(path)
    try:
        os.unlink(target)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):  # nothing there: no directory, or a file where one should be
            return None
        raise
    return target
