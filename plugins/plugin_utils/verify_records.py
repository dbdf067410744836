# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An ``api_verify`` run's records matched to what was asked: one record per call and per API baked, or an ERROR
saying it was not made - the calls' and the bake's side of ``gate_records.py``.

A registered ``api_debug`` result is evidence about the calls it holds, no more. Each call written in
``api_verify_calls`` is looked up by identity - its name, its API as given, its environment and mode, its instance -
and each discovery of ``api_verify_discover`` by where it looked (instance, group, environment, APIs); then every API
that discovery says it found must have its record (a call, SKIPPED, or an ERROR). Anything asked and absent is an
ERROR ("not made"), so a run of other calls, an earlier run, or a run that stopped early can never pass.

The bake is asked for every API whose call passed; an API the bake holds no record of was not judged (an ERROR).
The records come out in the decision's shape (``kind`` call or bake, ``check_result``) for ``gate_decision.decide``.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.call_spec import CONSUMER, RELEASE, call_name
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import discovery_specs_from
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.results import ERROR, FAILED, SUCCESS
from ansible_collections.hwcloud.apig.plugins.plugin_utils.gate_decision import BAKE, CALL, SKIPPED

RESULTS = (SUCCESS, FAILED, ERROR, SKIPPED)


def _decision(record):
    """A module's call record in the decision's shape."""
    return dict(record, kind=CALL, check_result=record.get("result"))


def _not_made(name, reason, **identity):
    """An ERROR record of a call (or discovery) asked for and absent from the run."""
    record = {"kind": CALL, "name": name, "check_result": ERROR, "result": ERROR, "reason": reason, "status": None}
    record.update(apig_error_code=None, api_id=None, instance_id=None, discovered=False)
    record.update(identity)
    return record


def asked_calls(calls):
    """``(name, identity)`` of each call written in ``api_verify_calls``, in order: what its record must say."""
    asked = []
    for index, entry in enumerate(calls or []):
        entry = entry if isinstance(entry, dict) else {}
        mode = entry.get("mode") or CONSUMER
        identity = {
            "api": entry.get("api"),
            "mode": mode,
            "environment": (entry.get("environment") or RELEASE) if mode == CONSUMER else None,
        }
        if entry.get("instance_id"):
            identity["instance_id"] = entry["instance_id"]
        asked.append((call_name(entry) or "calls[%d]" % index, identity))
    return asked


def where(discovery):
    """How a discovery is named: where it looked."""
    return "discovery of instance %s, group %s, environment %s" % (
        discovery.get("instance_id"),
        discovery.get("group") or "(any)",
        discovery.get("environment") or RELEASE,
    )


def asked_discoveries(discover):
    """Each discovery of ``api_verify_discover`` as its record in the module's ``discovered`` says it; an InputError
    when it is not one (the module would refuse it)."""
    described = []
    if not discover:  # the role's default: nothing to discover
        return described
    for spec in discovery_specs_from(discover, "api_verify_discover"):
        found = spec.describe()
        found["environment"] = found["environment"] or RELEASE
        described.append(found)
    return described


def _malformed(record):
    if not isinstance(record, dict) or record.get("result") not in RESULTS or not isinstance(record.get("name"), str):
        return "its result is %r" % (record.get("result") if isinstance(record, dict) else record,)
    return None


def call_records(calls, discover, run):
    """One decision record per call asked (``calls``) and per API each discovery (``discover``) found, in order,
    from the registered ``api_debug`` result ``run``."""
    run = run if isinstance(run, dict) else {}
    asked = asked_calls(calls)
    try:
        discoveries = asked_discoveries(discover)
    except InputError as exc:
        return [_not_made("api_verify_discover", exc.msg)] + [_not_made(name, "not made", **i) for name, i in asked]
    records = run.get("calls")
    if not isinstance(records, list):
        why = run.get("msg") or ("the calls could not be made" if run.get("failed") else "the calls were not made")
        return [_not_made(name, why, **identity) for name, identity in asked] + [
            _not_made(where(found), "could not be made: %s" % why, discovered=True) for found in discoveries
        ]
    unused = [record for record in records if isinstance(record, dict) and not record.get("discovered")]
    decided = []
    for name, identity in asked:
        found = next(
            (
                record
                for record in unused
                if record.get("name") == name and all(record.get(key) == value for key, value in identity.items())
            ),
            None,
        )
        if found is None:
            decided.append(_not_made(name, _why_absent(name, identity, records), **identity))
            continue
        unused.remove(found)
        malformed = _malformed(found)
        decided.append(
            _not_made(name, "the registered record of this call is no answer: %s" % malformed, **identity)
            if malformed
            else _decision(found)
        )
    discovered = [record for record in records if isinstance(record, dict) and record.get("discovered")]
    for found in discoveries:
        decided.extend(_discovered_records(found, run.get("discovered"), discovered))
    return decided


def _why_absent(name, identity, records):
    same = [record for record in records if isinstance(record, dict) and record.get("name") == name]
    if not same:
        return "not made: the registered result holds no record of this call"
    differences = [
        "%s %s, not %s" % (key, same[0].get(key), value) for key, value in identity.items() if same[0].get(key) != value
    ]
    return "not made: the registered result's record of %s asks another question (%s)" % (name, "; ".join(differences))


def _discovered_records(asked, described, records):
    """The records of one discovery asked: its problem, or one per API it says it found."""
    name = where(asked)
    matching = [
        found
        for found in described or []
        if isinstance(found, dict)
        and all(found.get(key) == asked[key] for key in ("instance_id", "group"))
        and found.get("apis_asked") == asked["apis"]
        and (found.get("environment") or RELEASE) == asked["environment"]
    ]
    if not matching:
        return [_not_made(name, "not made: the registered result holds no record of this discovery", discovered=True)]
    found = matching[0]
    problem = [record for record in records if record.get("api") is None and record.get("name", "").startswith(name)]
    if found.get("error") or not found.get("apis"):
        if problem and not _malformed(problem[0]):
            return [_decision(problem[0])]
        why = "could not be made: %s" % found["error"] if found.get("error") else "found no API published there"
        return [_not_made(name, why, discovered=True)]
    decided = []
    for api in found["apis"]:
        record = next(
            (
                record
                for record in records
                if record.get("api_id") == api.get("id")
                and record.get("instance_id") == asked["instance_id"]
                and (record.get("environment") or RELEASE) == asked["environment"]
            ),
            None,
        )
        if record is None or _malformed(record):
            decided.append(
                _not_made(
                    api.get("name") or api.get("id") or name,
                    "not made: discovery found this API, the registered result holds no call of it",
                    api_id=api.get("id"),
                    instance_id=asked["instance_id"],
                    discovered=True,
                )
            )
            continue
        records.remove(record)
        decided.append(_decision(record))
    return decided


def bake_targets(records):
    """The APIs the bake judges: each API whose call passed, once, in the order first called."""
    targets = []
    for record in records:
        if record.get("kind") != CALL or record.get("check_result") != SUCCESS or not record.get("api_id"):
            continue
        key = (record.get("instance_id"), record["api_id"])
        if key not in [(target["instance_id"], target["api_id"]) for target in targets]:
            targets.append(
                {
                    "instance_id": record.get("instance_id"),
                    "api_id": record["api_id"],
                    "api_name": record.get("api_name") or record["api_id"],
                }
            )
    return targets


def bake_records(targets, bake, why_not=None):
    """One decision record per API to bake, from the registered bake result ``bake``; SKIPPED with ``why_not`` when
    the bake was not asked for (the calls did not pass)."""
    if why_not is not None:
        return [_bake_record(target, SKIPPED, why_not) for target in targets]
    bake = bake if isinstance(bake, dict) else {}
    made = bake.get("records")
    if not isinstance(made, list):
        why = bake.get("msg") or "the bake was not made"
        return [_bake_record(target, ERROR, "not judged: %s" % why) for target in targets]
    decided = []
    for target in targets:
        found = next(
            (
                record
                for record in made
                if isinstance(record, dict)
                and record.get("api_id") == target["api_id"]
                and record.get("instance_id") == target["instance_id"]
                and record.get("check_result") in RESULTS
            ),
            None,
        )
        if found is None:
            decided.append(_bake_record(target, ERROR, "not judged: the bake holds no record of this API"))
        else:
            decided.append(dict(found, kind=BAKE, name="bake: %s" % target["api_name"]))
    return decided


def _bake_record(target, result, reason):
    return dict(target, kind=BAKE, name="bake: %s" % target["api_name"], check_result=result, reason=reason)
