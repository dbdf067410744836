# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backend gate as plain functions: its plan, its decision, and its JUnit report.

The ``backend_gate`` role asks its questions with ``backend_connectivity`` in two halves and decides here, on the
controller (through ``plugins/action/backend_gate_verdict.py``, ``plugins/action/backend_gate_report.py`` and the
filters in ``plugins/filter/backend_gate.py``):

* the *remote* half (checks with ``probe: remote``, and the gateway's side of ``probe: both``) is the same question
  for every host of a play, so it is asked once; ``gate_plan`` says which checks it holds and gives the question a
  key, so hosts whose question differs ask their own;
* the *local* half (``probe: local``, and this host's side of ``both``) is probed on every host;
* ``gate_records`` puts each host's two halves back together, in the order the checks were written
  (``connectivity.merge_halves`` for ``both``), and ``decide_records`` decides.

The gate fails closed: it passes only when at least one check was made, every check was made (unless ``on_error``
is ``warn``), and the unreachable backends (every ``host:port``; a FAILED answer that names none counts one) are at
most ``max_failures``.
"""

import datetime
import errno
import hashlib
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    BOTH,
    LOCAL,
    PROBE_MODES,
    REMOTE,
    check_name,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.connectivity import merge_halves
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import (
    DISCOVERED_APIS,
    DISCOVERY_PROBLEM,
    DiscoveredApi,
    check_options,
    checks_from,
    describe_discovered,
    describe_where,
    discovery_specs_from,
    merge_discovered,
    nothing_to_check,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import masked, with_scheme
from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    ERROR,
    ERROR_FIELDS,
    FAILED,
    MADE,
    SUCCESS,
    check_identity,
    check_record,
)

ON_ERROR = ("fail", "warn")
# Keys a discovered check carries besides a check's options: the APIs behind it, and why it cannot be made.
# The key the role's discovery loop gives each entry it asks about (``discovery_key``): not an option, not kept.
DISCOVERY_KEY = "key"
REPORT_NAME = "backend-gate.xml"
# Characters XML 1.0 cannot hold, lone surrogates among them (JSON can carry them as "\ud800" escapes, and no UTF-8
# file can be written with one).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TIMESTAMP = re.compile(r'\btimestamp="[^"]*"')
_OPTION_INDEX = re.compile(r"\Achecks\[\d+\]\.")
# The fields of an <error> in the JUnit report, in this order, when the check has them.
_ERROR_DETAILS = ("option", "status", "error_code", "error_msg", "request_id")


# ---- the plan: which check is asked where ---------------------------------------------------------------------


def plan(checks, probe=REMOTE):
    """One entry per configured check, in order: its name, its probe mode and the check as written.

    The name is the module's (``check_name``: the ``name``, else the address or channel ID), or ``check N`` (1-based)
    for a check that has no usable one. A probe mode the module would refuse counts as ``remote``: the module says
    what is wrong with it.
    """
    planned = []
    for index, entry in enumerate(checks or []):
        entry = entry if isinstance(entry, dict) else {}
        mode = entry.get("probe") or probe
        planned.append(
            {
                "name": check_name(entry) or "check %d" % (index + 1),
                "probe": mode if mode in PROBE_MODES else REMOTE,
                "entry": entry,
                "problem": entry.get(DISCOVERY_PROBLEM),
            }
        )
    return planned


def _asked(planned, mode):
    """The planned checks of one half: those with that probe mode, leaving out discovered ones that cannot be made."""
    wanted = (REMOTE, BOTH) if mode == REMOTE else (LOCAL, BOTH)
    return [item for item in planned if item["probe"] in wanted and not item["problem"]]


def _half(planned, mode):
    """The checks of one half, as entries for ``backend_connectivity``'s ``checks`` with ``probe`` set to ``mode``
    (without ``apis``, which only discovery gives and the module does not take)."""
    return [dict(check_options(item["entry"]), probe=mode) for item in _asked(planned, mode)]


def _without_header_values(local_probe):
    """Local probe options with only the names of the headers: their values may be credentials."""
    if not isinstance(local_probe, dict) or not isinstance(local_probe.get("headers"), dict):
        return local_probe or {}
    return dict(local_probe, headers=sorted("%s" % name for name in local_probe["headers"]))


def _public_connection(auth):
    """The connection options of ``auth`` without a secret: every option but those that are secrets (under their
    aliases too), the proxy URL with its password masked, and only the name of a key that is no option at all (the
    module refuses it; its value may be anything)."""
    spec = connection_argument_spec()
    secret = set()
    for name, option in spec.items():
        if option.get("no_log"):
            secret.update([name, *option.get("aliases", [])])
    public = {}
    for key, value in (auth or {}).items():
        if key in secret:
            continue
        if key not in spec:
            public[key] = "(not an option)"
        elif key == "proxy" and isinstance(value, str):
            public[key] = masked(with_scheme(value))
        else:
            public[key] = value
    return public


def _digest(question):
    return hashlib.sha256(json.dumps(question, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def question_key(remote_checks, auth=None, local_probe=None, wait_timeout=0, wait_interval=5):
    """A digest of the remote half's question: two hosts with the same key may share one answer.

    Secrets are left out (credentials say who asks, not what is asked, a proxy's password among them; the values of
    local probe headers are not asked of the gateway at all), so the key is safe to show and keep.
    """
    public = _public_connection(auth)
    checks = [
        dict(check, local_probe=_without_header_values(check.get("local_probe"))) if isinstance(check, dict) else check
        for check in remote_checks
    ]
    question = [checks, public, _without_header_values(local_probe), "%s" % wait_timeout, "%s" % wait_interval]
    return _digest(question)


def discovery_key(found, auth=None):
    """A digest of what a host discovers (the entries of ``discoveries``) and of the connection options it asks
    with that are not secrets, as ``question_key``: two hosts with the same key may share one discovery."""
    return _digest(["discover", found, _public_connection(auth)])


def gate_plan(checks, probe=REMOTE, local_probe=None, auth=None, wait_timeout=0, wait_interval=5):
    """What the role asks: the two halves, the remote question's key, and the names (with any repeated one)."""
    planned = plan(checks, probe)
    names = [item["name"] for item in planned]
    remote = _half(planned, REMOTE)
    return {
        "names": names,
        "duplicates": sorted({name for name in names if names.count(name) > 1}),
        "remote": remote,
        "remote_names": [item["name"] for item in _asked(planned, REMOTE)],
        "local": _half(planned, LOCAL),
        "key": question_key(remote, auth, local_probe, wait_timeout, wait_interval),
    }


# ---- the records: a registered result back into one record per check --------------------------------------------


def _not_made(item, run, default_msg):
    """An ERROR record for a planned check that a run holds no record of, with the run's error fields if any."""
    record = check_record(check_identity(item["name"], item["entry"], item["probe"]))
    record.update((field, run.get(field)) for field in ERROR_FIELDS)
    if run.get("option"):
        record["option"] = run["option"]
    record["msg"] = record["msg"] or default_msg
    return record


def records_from_run(run, planned):
    """One record per planned check, from a registered ``backend_connectivity`` batch result of exactly those checks.

    The module returns its records in the order of ``checks``. When the run holds none (the module could not run at
    all: no credentials, a bad connection option, a task that was skipped) or not these checks, every planned check
    is an ERROR with what the run said: a check that was not made never passes.
    """
    run = run if isinstance(run, dict) else {}
    records = run.get("checks")
    if isinstance(records, list) and len(records) == len(planned) and all(isinstance(r, dict) for r in records):
        named = [item["name"] for item in planned]
        if all(
            check_name(item["entry"]) is None or record.get("name") == name
            for item, name, record in zip(planned, named, records)
        ):
            return [dict(record, name=name) for name, record in zip(named, records)]
        return [_not_made(item, {}, "the registered result is not the result of these checks") for item in planned]
    default = "the check could not be run" if run.get("failed") else "the check was not made"
    return [_not_made(item, run, default) for item in planned]


def checks_from_run(run, configured_checks):
    """Per-check records of a run of ``configured_checks`` (every probe mode in that one run), as the
    ``backend_gate_verdict`` filter has always read them: the run's own records if it has any."""
    checks = (run or {}).get("checks") if isinstance(run, dict) else None
    if isinstance(checks, list):
        return checks
    return records_from_run(run, plan(configured_checks))


def _problem_record(item):
    """The ERROR record of a discovered check that cannot be made (``problem``): nothing was asked about it."""
    record = check_record(check_identity(item["name"], item["entry"], item["probe"]))
    record.update(msg=item["problem"], attempts=0)
    return record


def gate_records(checks, probe=REMOTE, run=None, local_run=None):
    """One record per configured check, in order.

    Without ``local_run``, ``run`` made every check as written. With it, the checks were asked in two halves
    (``gate_plan``): ``run`` holds the remote half, ``local_run`` the local half, and a ``both`` check is put back
    together from the two. A discovered check that carries a ``problem`` was asked of neither: it is an ERROR.
    """
    planned = plan(checks, probe)
    if local_run is None:
        made, remote, local = iter(records_from_run(run, [item for item in planned if not item["problem"]])), None, None
    else:
        made = None
        remote = iter(records_from_run(run, [dict(item, probe=REMOTE) for item in _asked(planned, REMOTE)]))
        local = iter(records_from_run(local_run, [dict(item, probe=LOCAL) for item in _asked(planned, LOCAL)]))
    records = []
    for index, item in enumerate(planned):
        if item["problem"]:
            record = _problem_record(item)
        elif local_run is None:
            record = next(made)
        elif item["probe"] == REMOTE:
            record = next(remote)
        elif item["probe"] == LOCAL:
            record = next(local)
        else:
            record = dict(merge_halves(next(remote), next(local)), name=item["name"])
        if isinstance(item["entry"].get(DISCOVERED_APIS), list):
            record[DISCOVERED_APIS] = item["entry"][DISCOVERED_APIS]
        # A half numbers its checks among its own; the option of a refused check names it as it was written.
        for key in ("option", "msg"):
            if isinstance(record.get(key), str):
                record[key] = _OPTION_INDEX.sub("checks[%d]." % index, record[key], count=1)
        records.append(record)
    return records


# ---- discovery: the checks that backend_gate_discover adds ---------------------------------------------------------


def discoveries(value, option="backend_gate_discover", auth=None):
    """``{"discoveries": [...], "error": None, "key": ...}`` from the role's ``backend_gate_discover`` (one dict, a
    list of them, or nothing), each entry validated as ``api_backend_info``'s options and given back with only the
    options it sets; ``error`` names the first invalid entry instead (the role fails with it before any request).
    ``key`` is the question's ``discovery_key`` (with ``auth``, the connection options it is asked with): hosts with
    the same key may share one discovery, a host whose key differs - nothing to discover included - asks its own."""
    if value in (None, "", [], {}):
        return {"discoveries": [], "error": None, "key": discovery_key([], auth)}
    try:
        specs = discovery_specs_from(value, option)
    except InputError as exc:
        return {"discoveries": [], "error": exc.msg, "key": discovery_key([], auth)}
    found = [{key: val for key, val in spec.describe().items() if val is not None} for spec in specs]
    return {"discoveries": found, "error": None, "key": discovery_key(found, auth)}


def with_discovered(checks, found):
    """``checks`` and, after them, what the role's discovery ``found`` (the registered loop of ``api_backend_info``,
    one result per discovery): ``{"checks", "discovered", "errors", "summary"}``.

    The discovered checks are derived from each result's ``apis`` as ``backend_connectivity``'s ``discover`` derives
    them (``checks_from``, ``merge_discovered``): one per backend, named by the APIs behind it, none for a backend
    a check of ``checks`` already covers, and those with a ``problem`` kept (they are ERRORs in the verdict). A
    discovery that could not be made is an entry of ``errors``: with it, nobody knows what should be checked; so is
    finding nothing to check at all.
    """
    explicit = [dict(check, name=check_name(check)) for check in checks if isinstance(check, dict)]
    derived, discovered, errors = [], [], []
    for result in found or []:
        result = result if isinstance(result, dict) else {}
        discovery = result.get("item") if isinstance(result.get("item"), dict) else {}
        discovery = {key: value for key, value in discovery.items() if key != DISCOVERY_KEY}
        apis = result.get("apis")
        if result.get("failed") or not isinstance(apis, list):
            errors.append(
                "discovery in %s could not be made: %s"
                % (describe_where(discovery), result.get("msg") or "api_backend_info returned no apis")
            )
            continue
        apis = [DiscoveredApi.from_described(api) for api in apis if isinstance(api, dict)]
        discovered.append(dict(discovery, apis=[api.describe() for api in apis]))
        derived.extend(checks_from(discovery.get("instance_id"), apis))
    combined = list(checks) + merge_discovered(derived, explicit)
    if not combined and not errors:
        errors.append(nothing_to_check(discovered))
    return {
        "checks": combined,
        "discovered": discovered,
        "errors": errors,
        "summary": describe_discovered(discovered),
    }


def _local_summary(check):
    """What this host found, for a check whose gateway half failed: the local half is still worth showing."""
    local = check.get("local")
    if not isinstance(local, dict) or not local.get("made"):
        return ""
    probed = [record for record in local.get("results") or [] if not record.get("skipped")]
    reached = sum(1 for record in probed if record.get("ok"))
    return "; this host reached %d of %d backends" % (reached, len(probed))


# ---- the decision -------------------------------------------------------------------------------------------------


def _error_detail(check):
    """Why a check was not made: Huawei's code (unless the message already has it), the message, the request id."""
    msg = check.get("msg") or "could not be made"
    name = "%s" % check.get("name")
    if msg.startswith(name + ": "):
        msg = msg[len(name) + 2 :]
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


def decide_records(checks, max_failures=0, on_error="fail"):
    """The gate's verdict (the role's ``backend_gate_result``) from one record per check."""
    max_failures = int(max_failures)
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
    not_passing = ["%s (%s)" % (check.get("name"), check.get("check_result")) for check in failed + errored]
    return {
        "passed": passed,
        "msg": headline + ("; not passing: %s" % ", ".join(not_passing) if not_passing else ""),
        "message": "\n".join(lines),
        "summary": headline,
        "lines": lines,
        "checks": checks,
        "failures": [
            "%s: %s" % (check.get("name"), failure) for check in checks for failure in check.get("failures") or []
        ],
        "unreachable": unreachable,
        "errors": len(errored),
        "made": len(made),
        "max_failures": max_failures,
        "on_error": on_error,
        "warnings": warnings,
    }


def decide(run, configured_checks, max_failures=0, on_error="fail"):
    """The verdict from one registered ``backend_connectivity`` batch run of ``configured_checks``."""
    return decide_records(checks_from_run(run, configured_checks), max_failures, on_error)


def console_text(verdict, host=None):
    """The verdict as the console shows it: the headline (after ``[host]`` when given), then the table, indented."""
    lines = verdict.get("lines") or [verdict.get("summary") or ""]
    head = ("[%s] " % host if host else "") + lines[0]
    return "\n".join([head] + ["  " + line for line in lines[1:]])


# ---- the JUnit report ---------------------------------------------------------------------------------------------


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


def _suite(parent, verdict, hostname, timestamp, classname_prefix):
    checks = verdict.get("checks") or []
    counts = {
        "tests": str(len(checks)),
        "failures": str(sum(1 for check in checks if check.get("check_result") == FAILED)),
        "errors": str(sum(1 for check in checks if check.get("check_result") not in MADE)),
    }
    suite = ET.SubElement(
        parent,
        "testsuite",
        dict(
            counts,
            name=_xml_text("backend_gate" if classname_prefix == "backend_gate" else "backend_gate (%s)" % hostname),
            skipped="0",
            timestamp=timestamp,
            hostname=_xml_text(hostname),
        ),
    )
    properties = ET.SubElement(suite, "properties")
    for name in ("passed", "summary", "unreachable", "max_failures", "on_error"):
        value = verdict.get(name)
        ET.SubElement(
            properties, "property", name=name, value=_xml_text(str(value).lower() if isinstance(value, bool) else value)
        )
    for check in checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="%s.%s" % (classname_prefix, _xml_text(check.get("backend_type") or "check")),
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
            # Only the fields the check has: a refused check has an option and no HTTP status, an API error the
            # reverse.
            details = [
                "%s: %s" % (field, check[field]) for field in _ERROR_DETAILS if check.get(field) not in (None, "")
            ]
            if details:
                element.text = _xml_text("\n".join(details))
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text(
            "%s %s: %s"
            % (
                check.get("instance_id") or "",
                check.get("backend_address") or check.get("vpc_channel_id") or "",
                outcome,
            )
        )
    return counts


def junit_document(suites, now=None):
    """JUnit XML with one test suite per ``(hostname, verdict)``, one element per line (readable with ``--diff``).

    With one host the test cases' class names are ``backend_gate.<backend_type>``; with several,
    ``backend_gate.<host>.<backend_type>``, so that CI systems keep each host's checks apart.
    """
    timestamp = (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name="hwcloud.apig.backend_gate")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for hostname, verdict in suites:
        prefix = "backend_gate" if len(suites) == 1 else "backend_gate.%s" % _xml_text(hostname)
        counts = _suite(root, verdict, hostname, timestamp, prefix)
        for key in totals:
            totals[key] += int(counts[key])
    for key, value in totals.items():
        root.set(key, str(value))
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_report(result, hostname="localhost", now=None):
    """One verdict as JUnit XML: one test case per check, <failure> for FAILED, <error> for a check not made."""
    return junit_document([(hostname, result)], now)


def same_report(old, new):
    """Whether two reports say the same thing (they may differ in when they were written)."""
    return old is not None and _TIMESTAMP.sub('timestamp=""', old) == _TIMESTAMP.sub('timestamp=""', new)


def report_file(path):
    """Where a report for ``path`` goes: the path itself, or ``backend-gate.xml`` in it if it is a directory."""
    if os.path.isdir(path) or path.endswith(os.sep):
        return os.path.join(path, REPORT_NAME)
    return path


def write_report(path, text):
    """Write ``text`` to ``path`` (a file, or a directory to put ``backend-gate.xml`` in), creating directories.

    Returns ``(file, changed, before)``: ``changed`` is False when only the timestamp differs from what was there
    (the file is rewritten all the same, so CI systems that look at its age see a fresh report). Raises OSError.
    """
    # Absolute first: the walk up to an existing ancestor below must end at "/", not at "".
    target = os.path.abspath(report_file(path))
    directory = os.path.dirname(target)
    ancestor = directory
    while not os.path.lexists(ancestor) and os.path.dirname(ancestor) != ancestor:
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), ancestor)
    os.makedirs(directory, exist_ok=True)
    if os.path.isdir(target):
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), target)
    try:
        with open(target, encoding="utf-8") as handle:
            before = handle.read()
    except FileNotFoundError:
        before = None
    except (OSError, UnicodeDecodeError):
        before = ""
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
