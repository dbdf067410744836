# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run's records matched to the checks asked: one record per planned check, or an ERROR saying it was not made.

A registered ``backend_connectivity`` result is only evidence about the checks it holds. Each planned check is looked
up in it by identity - its name (when it has a usable one), instance, backend type, address or channel ID, and
probe mode - never by position or count alone: a run of other checks, an earlier run kept in a variable, or a run
that stopped early cannot stand in for this one. A check asked for and absent from the run is an ERROR ("not
made"), so it can never pass.
"""

import re

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import LOCAL, REMOTE, check_name
from ansible_collections.hwcloud.apig.plugins.module_utils.connectivity import merge_halves
from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    ERROR,
    ERROR_FIELDS,
    FAILED,
    SUCCESS,
    check_identity,
    check_record,
)
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_plan import asked, plan

_OPTION_INDEX = re.compile(r"\Achecks\[\d+\]\.")
_TARGET_KEYS = ("instance_id", "backend_type", "backend_address", "vpc_channel_id")


def _identity(fields, name, probe):
    """What makes a record the answer to a check: its name (None: not compared), target and probe mode."""
    return (name, *tuple(fields.get(key) for key in _TARGET_KEYS), probe)


def _not_made(item, run, default_msg):
    """An ERROR record for a planned check that a run holds no record of, with the run's error fields if any."""
    record = check_record(check_identity(item["name"], item["entry"], item["probe"]))
    record.update((field, run.get(field)) for field in ERROR_FIELDS)
    if run.get("option"):
        record["option"] = run["option"]
    record["msg"] = record["msg"] or default_msg
    return record


def _why_absent(item, records):
    """Why a planned check has no record in a run: none by its name, or one by its name that asks another question."""
    same_name = [record for record in records if isinstance(record, dict) and record.get("name") == item["name"]]
    if not same_name:
        return "not made: the registered result holds no record of this check"
    record = same_name[0]
    asked_for = dict(item["entry"], probe=item["probe"])
    differences = [
        "%s %s, not %s" % (key, record.get(key), asked_for.get(key))
        for key in (*_TARGET_KEYS, "probe")
        if record.get(key) != asked_for.get(key)
    ]
    return "not made: the registered result's record of %s asks another question (%s)" % (
        item["name"],
        "; ".join(differences),
    )


def _malformed(record):
    """What makes a registered record no answer (a malformed answer is an error, never a verdict), or None."""
    if record.get("check_result") not in (SUCCESS, FAILED, ERROR):
        return "its check_result is %r" % (record.get("check_result"),)
    failures = record.get("failures")
    if failures is not None and not (isinstance(failures, list) and all(isinstance(item, str) for item in failures)):
        return "its failures are not a list of host:port strings"
    failing = record.get("failing")
    if failing is not None and not (
        isinstance(failing, list) and all(isinstance(item, dict) and item.get("backend") for item in failing)
    ):
        return "its failing backends are not a list of backends"
    if record["check_result"] == SUCCESS and (failures or failing):
        return "it says SUCCESS but names failing backends"
    return None


def records_of(run, planned):
    """One record per planned check (each with the ``probe`` mode it was asked with), from a registered
    ``backend_connectivity`` batch result, matched by identity.

    When the run holds no records at all (the module could not run: no credentials, a bad connection option, a task
    that was skipped), every planned check is an ERROR with what the run said.
    """
    run = run if isinstance(run, dict) else {}
    records = run.get("checks")
    if not isinstance(records, list):
        default = "the check could not be run" if run.get("failed") else "the check was not made"
        return [_not_made(item, run, default) for item in planned]
    unused = [record for record in records if isinstance(record, dict)]
    matched = []
    for item in planned:
        usable = check_name(item["entry"]) is not None
        wanted = _identity(item["entry"], item["name"] if usable else None, item["probe"])
        found = next(
            (
                record
                for record in unused
                if _identity(record, record.get("name") if usable else None, record.get("probe")) == wanted
            ),
            None,
        )
        if found is None:
            matched.append(_not_made(item, {}, _why_absent(item, records)))
            continue
        unused.remove(found)
        malformed = _malformed(found)
        if malformed:
            matched.append(_not_made(item, {}, "the registered record of this check is no answer: %s" % malformed))
            continue
        matched.append(dict(found, name=item["name"]))
    return matched


def _problem_record(item):
    """The ERROR record of a discovered check that cannot be made (``problem``): nothing was asked about it."""
    record = check_record(check_identity(item["name"], item["entry"], item["probe"]))
    record.update(msg=item["problem"], attempts=0)
    return record


def gate_records(planned, run=None, local_run=None):
    """One record per planned check (``gate_plan.plan``), in order.

    Without ``local_run``, ``run`` made every check as planned. With it, the checks were asked in two halves:
    ``run`` holds the remote half, ``local_run`` the local half, and a ``both`` check is put back together from the
    two (``connectivity.merge_halves``). A discovered check that carries a ``problem`` was asked of neither: it is
    an ERROR. Each record names the routes behind its check (``routes``, ``apis``) when discovery found any.
    """
    if local_run is None:
        made = iter(records_of(run, [item for item in planned if not item["problem"]]))
        remote = local = None
    else:
        made = None
        remote = iter(records_of(run, [dict(item, probe=REMOTE) for item in asked(planned, REMOTE)]))
        local = iter(records_of(local_run, [dict(item, probe=LOCAL) for item in asked(planned, LOCAL)]))
    records = []
    for index, item in enumerate(planned):
        if item["problem"]:
            record = _problem_record(item)
        elif made is not None:
            record = next(made)
        elif item["probe"] == REMOTE:
            record = next(remote)
        elif item["probe"] == LOCAL:
            record = next(local)
        else:
            record = dict(merge_halves(next(remote), next(local)), name=item["name"])
        for key in ("routes", "apis"):
            if isinstance(item.get(key), list) and item[key]:
                record[key] = item[key]
        # A half numbers its checks among its own; the option of a refused check names it as it was written.
        for key in ("option", "msg"):
            if isinstance(record.get(key), str):
                record[key] = _OPTION_INDEX.sub("checks[%d]." % index, record[key], count=1)
        records.append(record)
    return records


def run_records(checks, probe=REMOTE, run=None, local_run=None):
    """``gate_records`` of the configured ``checks`` (planned here)."""
    return gate_records(plan(checks, probe), run, local_run)
