# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The result vocabulary: the verdict words, the per-check record, summaries and error records.

The client, the connectivity checks, the local probes and the gate all speak of results in these words and
shapes, so they are spelt here once. The verdict is fail-closed: ``SUCCESS`` only when everything was checked and
reached; a check that could not be made is ``ERROR``, carrying Huawei's error fields, and is never a SUCCESS.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.targets import address_key

SUCCESS, FAILED, ERROR = "SUCCESS", "FAILED", "ERROR"
MADE = (SUCCESS, FAILED)
ERROR_FIELDS = ("msg", "status", "error_code", "error_msg", "request_id")
# How a failing backend failed: it could not be reached at all (connect, TLS, timeout, name), or it was reached and
# answered, but not as expected (an HTTP status or body a local probe did not accept). Only a local HTTP(S) probe
# can tell the second: the gateway's connectivity check only connects.
UNREACHABLE, WRONG_ANSWER = "unreachable", "wrong_answer"
ANSWERED_REASONS = ("status", "body")  # probe_steps.REASONS that mean "it answered"
GATEWAY, THIS_HOST = "gateway", "this host"


def verdict(failures):
    """SUCCESS when nothing failed, FAILED otherwise: the shape of APIG's own answer."""
    return FAILED if failures else SUCCESS


def error_record(exc):
    """The error fields of a check that could not be made, from an ``ApigError``."""
    return {
        "msg": exc.msg,
        "status": exc.status,
        "error_code": exc.error_code,
        "error_msg": exc.error_msg,
        "request_id": exc.request_id,
    }


def check_identity(name, entry, probe):
    """What a record says a check is: its name, instance, backend type and probe mode, and its address or channel ID
    when the entry (an entry of ``checks``, valid or not) gives one."""
    identity = {
        "name": name,
        "instance_id": entry.get("instance_id"),
        "backend_type": entry.get("backend_type"),
        "probe": probe,
    }
    for key in ("backend_address", "vpc_channel_id"):
        if entry.get(key) is not None:
            identity[key] = entry[key]
    return identity


def check_record(identity):
    """A per-check record with every key present, as a check not (yet) made: ERROR until a verdict says otherwise."""
    record = dict(identity)
    record.update(
        check_result=ERROR,
        failures=[],
        failing=[],
        request_id=None,
        remote=None,
        local=None,
        hints=[],
        msg=None,
        status=None,
        error_code=None,
        error_msg=None,
    )
    return record


def input_error_record(identity, option, msg):
    """A check refused for bad input before anything was sent: ERROR, ``option`` naming what to fix, never made."""
    record = check_record(identity)
    record.update(msg=msg, option=option, attempts=0)
    return record


def summarize_probes(records):
    """Probe records as APIG's answer: ``check_result`` and the failing targets exactly as given."""
    failures = [record["target"] for record in records if not record["ok"]]
    return {"check_result": verdict(failures), "failures": failures}


def local_part(records, probe=None):
    """This host's half of a check: every record, its verdict, and the failing backends as APIG names them.

    A record carries the probe engine's fields plus ``backend`` (the address the gateway knows the backend by),
    ``gateway`` (the gateway's view of a channel member, or None) and ``skipped`` (why it was not probed, or None).
    Skipped records are neither failures nor successes; when nothing at all was probed, the half was not made.
    """
    probed = [record for record in records if not record.get("skipped")]
    if not probed:
        reasons = sorted({record["skipped"] for record in records})
        return local_not_made("every backend was skipped: %s" % "; ".join(reasons), records)
    failures = [record.get("backend") or record["target"] for record in probed if not record["ok"]]
    return {
        "made": True,
        "reason": None,
        "check_result": verdict(failures),
        "failures": failures,
        "results": records,
        "skipped": len(records) - len(probed),
        "probe": probe,
    }


def local_not_made(reason, records=()):
    """This host's half of a check when it could not be made, and why (the check's verdict is then not its)."""
    return {
        "made": False,
        "reason": reason,
        "check_result": None,
        "failures": [],
        "results": list(records),
        "skipped": len(records),
        "probe": None,
    }


def failing_backends(remote, local):
    """One entry per failing backend of a check, from the gateway's answer and this host's part (either may be None):
    ``{"backend", "outcome", "seen_by", "detail"}``, in the order they were named.

    Two spellings of one backend (``targets.address_key``) are one entry. A backend that one side could not reach
    is ``unreachable`` even if the other side got an answer from it; ``wrong_answer`` only when every side that
    failed it was answered.
    """
    entries = {}

    def add(backend, outcome, seen_by, detail):
        entry = entries.setdefault(
            address_key(backend), {"backend": backend, "outcome": outcome, "seen_by": [], "detail": None}
        )
        if outcome == UNREACHABLE:
            entry["outcome"] = UNREACHABLE
        if seen_by not in entry["seen_by"]:
            entry["seen_by"].append(seen_by)
        entry["detail"] = entry["detail"] or detail

    if remote is not None:
        for backend in remote.get("failures") or []:
            add(backend, UNREACHABLE, GATEWAY, None)
    if local is not None and local.get("made"):
        for record in local.get("results") or []:
            if record.get("skipped") or record.get("ok"):
                continue
            outcome = WRONG_ANSWER if record.get("reason") in ANSWERED_REASONS else UNREACHABLE
            add(record.get("backend") or record["target"], outcome, THIS_HOST, record.get("error"))
    return list(entries.values())


def summarize_checks(records):
    """The batch verdict: SUCCESS only if every check was made and succeeded; failures prefixed by check name."""
    failures = ["%s: %s" % (record["name"], failure) for record in records for failure in record["failures"]]
    errors = sum(1 for record in records if record["check_result"] == ERROR)
    overall = SUCCESS if all(record["check_result"] == SUCCESS for record in records) else FAILED
    return {"check_result": overall, "failures": failures, "checks": records, "errors": errors}


def single_check_result(check):
    """What ``backend_connectivity`` returns for one check made (a record of ``run_checks``): the verdict, the
    failing backends, the request id, hints and attempts, and the parts it has - remote, local, incomplete,
    diagnosis."""
    result = {key: check[key] for key in ("check_result", "failures", "failing", "request_id", "hints", "attempts")}
    result.update({part: check[part] for part in ("remote", "local") if check[part] is not None})
    if check.get("incomplete"):
        result["incomplete"] = check["incomplete"]
    if "diagnosis" in check:  # asked for: returned even when empty
        result["diagnosis"] = check["diagnosis"]
    return result


def not_made_message(checks):
    """``N of M checks could not be made: name: why; ...``, naming each ERROR of a batch without saying a name
    twice (a refused entry's message already starts with its name)."""
    failed = [check for check in checks if check["check_result"] == ERROR]
    reasons = []
    for check in failed:
        msg = check["msg"] or "could not be made"
        reasons.append(msg if msg.startswith(check["name"] + ": ") else "%s: %s" % (check["name"], msg))
    return "%d of %d checks could not be made: %s" % (len(failed), len(checks), "; ".join(reasons))
