# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One connectivity check = the gateway's answer + this host's probes -> one record with a verdict.

A check asks APIG whether *the gateway* reaches a backend (``remote``), probes the same backends from *this host*
(``local``), or both at once; with both, mismatches become ``hints`` that say where the problem lies. A batch runs
many checks concurrently through one client (one HTTP session, one sign-in), and re-runs FAILED ones while
waiting for late backends.

A check that could not be made is an ERROR record with the error fields, never a SUCCESS, and never hides the
other checks' results (``results.py`` holds the words and shapes).

With ``diagnose``, once the batch is decided, each backend the gateway failed is explained from the cloud's network
configuration (``diagnoser.py``): every record gains a ``diagnosis`` list, and no verdict changes.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.channels import Channel, plan_members
from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import BACKEND_ADDRESS, BOTH, LOCAL, REMOTE
from ansible_collections.hwcloud.apig.plugins.module_utils.diagnoser import Diagnoser
from ansible_collections.hwcloud.apig.plugins.module_utils.diagnosis import refine_with_local
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.hints import mismatch_hints
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_engine import new_record, run_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import ProbeInputError
from ansible_collections.hwcloud.apig.plugins.module_utils.results import (
    ERROR,
    ERROR_FIELDS,
    FAILED,
    GATEWAY,
    MADE,
    SUCCESS,
    THIS_HOST,
    check_record,
    error_record,
    failing_backends,
    local_not_made,
    local_part,
    summarize_checks,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import AddressError, format_address


def local_prober(targets, probe_spec, check_name):
    """Probe targets that came from APIG (a bad one is a failed record, not an input error).

    If the probes cannot run at all (this host cannot start the threads asked for), the check could not be made.
    """
    try:
        return run_probes(targets, probe_spec, invalid="record")
    except ProbeInputError as exc:
        raise ApigError("local probes of %s could not run: %s" % (check_name, exc)) from None


def _how(probe_spec, port, follows):
    """How this host probed, for the result: the protocol and, for HTTP(S), what counted as an answer."""
    how = {"protocol": probe_spec.protocol, "port": port, "follows": follows}
    if probe_spec.protocol in ("http", "https"):
        how.update(path=probe_spec.path, method=probe_spec.method, expected_status=str(probe_spec.expected_status))
    return how


def decide_check(record, errors=()):
    """Fill in ``record``'s verdict from its parts (``remote``, ``local``) and the ``errors`` of the parts that could
    not be made (``(part, error fields)`` pairs, the gateway's first): the one rule for a check, whether it was
    made in one go (``connectivity.CheckRunner.run_check``) or in two halves put together later.

    * A part that says FAILED makes the check FAILED, whatever another part says: a definite failure is never
      replaced by an error. The other part's error is kept in ``incomplete``.
    * Otherwise a part that could not be made makes the check ERROR, with that part's error fields.
    * A local part this host could not probe by its nature (a microservice channel, a ``#name#`` address) leaves
      the verdict to the gateway, and a hint says why; with nothing else asked, the check was not made.
    * Otherwise the check is SUCCESS.
    """
    remote, local = record.get("remote"), record.get("local")
    made = [part for part in (remote, local) if part is not None and part.get("made", True)]
    failed = any(part.get("check_result") == FAILED for part in made)
    record["failing"] = failing_backends(remote, local)
    record["failures"] = [entry["backend"] for entry in record["failing"]]
    if remote is not None:
        record["request_id"] = remote.get("request_id")
    if remote is not None and local is not None:
        record["hints"] = mismatch_hints(remote, local)
    if failed:
        record["check_result"] = FAILED
        record["incomplete"] = [dict(fields, part=part) for part, fields in errors]
        return record
    if errors:
        part, fields = errors[0]
        record.update((key, fields.get(key)) for key in ERROR_FIELDS)
        if fields.get("option"):
            record["option"] = fields["option"]
        record["msg"] = record["msg"] or "the %s part could not be made" % part
        record["check_result"] = ERROR
        return record
    if not made:
        record["check_result"] = ERROR
        reason = local.get("reason") if local is not None else None
        record["msg"] = "%s: %s" % (record.get("name"), reason or "nothing was asked")
        return record
    record["check_result"] = SUCCESS
    return record


IDENTITY = ("name", "instance_id", "backend_type", "backend_address", "vpc_channel_id")


def merge_halves(remote, local):
    """One ``probe: both`` check from its two halves, made apart: ``remote`` (asked with ``probe: remote``, maybe
    once for many hosts) and ``local`` (probed with ``probe: local`` on this host), decided by ``decide_check`` as
    ``run_check`` decides a check made in one go.

    A local half this host could not probe by its nature (a microservice channel, a ``#name#`` address) is not an
    error of the check: the verdict is the gateway's, and a hint says why. The gateway's half's ``diagnosis`` is
    drawn again with this host's probes (``diagnosis.refine_with_local``: a refused port behind an open network is
    ``no_listener``), as ``run_check`` draws it when both sides are asked in one run.
    """
    record = check_record(dict({key: remote[key] for key in IDENTITY if key in remote}, probe=BOTH))
    record["attempts"] = max(remote.get("attempts") or 0, local.get("attempts") or 0)
    record["remote"], record["local"] = remote.get("remote"), local.get("local")
    if isinstance(remote.get("diagnosis"), list):
        record["diagnosis"] = refine_with_local(remote["diagnosis"], record["local"])
    local_not_probed = isinstance(record["local"], dict) and record["local"].get("made") is False
    errors = []
    for part, half in ((GATEWAY, remote), (THIS_HOST, local)):
        if half.get("check_result") in MADE or (half is local and local_not_probed):
            continue
        fields = {key: half.get(key) for key in ERROR_FIELDS}
        fields["msg"] = fields["msg"] or "could not be made"
        if half.get("option"):
            fields["option"] = half["option"]
        errors.append((part, fields))
    return decide_check(record, errors)


class CheckRunner:
    """Runs checks with one client and one local prober; safe to call from several threads."""

    def __init__(self, client, prober, concurrency=20, clock=time.monotonic, sleep=time.sleep, diagnose=False):
        self.client = client
        self.prober = prober
        self.concurrency = max(1, int(concurrency))
        self.diagnose = diagnose
        self._clock = clock
        self._sleep = sleep
        self._channels = {}  # (instance, channel) -> Channel: a channel's detail is read once per run
        self._channels_lock = threading.Lock()

    # ---- one check --------------------------------------------------------------------------------------------

    def run_check(self, spec):
        """One attempt at one check; an ApigError becomes an ERROR record, never an exception.

        With ``probe: both`` the gateway is asked on a thread of its own while this host probes; when one side could
        not be asked, what the other found still counts (``decide_check``): a backend this host saw failing makes the
        check FAILED, otherwise it is an ERROR that still shows what this host found.
        """
        record = check_record(spec.describe())
        if spec.problem is not None:
            record["msg"] = spec.problem
            return record
        remote_box, remote_thread, local_error = {}, None, None
        try:
            if spec.probe == BOTH:
                remote_thread = threading.Thread(target=self._remote_into, args=(spec, remote_box), daemon=True)
                remote_thread.start()
            elif spec.probe == REMOTE:
                self._remote_into(spec, remote_box)
            if spec.probe in (LOCAL, BOTH):
                record["local"] = self._local(spec)
        except ApigError as exc:
            local_error = exc
        finally:
            if remote_thread is not None:
                remote_thread.join()
        record["remote"] = remote_box.get("answer")
        errors = []
        if "error" in remote_box:
            errors.append((GATEWAY, error_record(remote_box["error"])))
        if local_error is not None:
            errors.append((THIS_HOST, error_record(local_error)))
        return decide_check(record, errors)

    def _remote_into(self, spec, box):
        try:
            answer, request_id = apig_calls.check_backend_connectivity(
                self.client, spec.instance_id, spec.request_body()
            )
            box["answer"] = dict(answer, request_id=request_id)
        except ApigError as exc:
            box["error"] = exc

    def _channel(self, spec):
        key = (spec.instance_id, spec.vpc_channel_id)
        with self._channels_lock:
            channel = self._channels.get(key)
        if channel is None:
            channel = Channel.from_api(
                spec.vpc_channel_id, apig_calls.show_details_of_vpc_channel_v2(self.client, *key)
            )
            with self._channels_lock:
                self._channels[key] = channel
        return channel

    def _local(self, spec):
        """This host's half: the backend address, or the channel's members as the gateway lists them."""
        if spec.backend_type == BACKEND_ADDRESS:
            try:
                backend = spec.backend.local_address(spec.probe_spec.protocol).hostport
            except AddressError as exc:
                return local_not_made("backend_address %s %s" % (spec.backend_address, exc))
            records = self.prober([backend], spec.probe_spec, spec.name)
            return local_part(
                [dict(record, backend=backend, gateway=None, skipped=None) for record in records],
                _how(spec.probe_spec, None, "local_probe"),
            )
        channel = self._channel(spec)
        why_not = channel.why_members_cannot_be_probed()
        if why_not:
            return local_not_made(why_not)
        members = apig_calls.list_backend_instances_v2(self.client, spec.instance_id, spec.vpc_channel_id)
        if not members:
            raise ApigError(
                "VPC channel %s has no members, so there is nothing to probe from this host" % spec.vpc_channel_id
            )
        probe_spec, health_port, follows = spec.probe_spec_for(channel.health_check)
        planned = plan_members(channel, members, spec.probe_all_members)
        to_probe = [member for member in planned if not member.skip]
        probed = iter(
            self.prober([format_address(m.host, health_port or m.port) for m in to_probe], probe_spec, spec.name)
        )
        records = []
        for member in planned:
            if member.skip:
                records.append(
                    dict(new_record(member.label), backend=member.backend, gateway=member.gateway, skipped=member.skip)
                )
            else:
                records.append(dict(next(probed), backend=member.backend, gateway=member.gateway, skipped=None))
        return local_part(records, _how(probe_spec, health_port, follows))

    # ---- many checks, waiting for late backends ----------------------------------------------------------------

    def run_checks(self, specs, wait_timeout=0.0, wait_interval=5.0):
        """Every check concurrently; FAILED ones re-run until they pass or ``wait_timeout`` passes.

        A re-check that could not be made does not replace a FAILED record: the backend was seen failing and
        nothing since said otherwise. Its error is kept in the record's ``incomplete``, and the check is asked again
        while time remains.
        """
        deadline = self._clock() + max(0.0, wait_timeout)
        records = self._run_batch(specs)
        attempts = [1] * len(specs)
        while True:
            pending = [index for index, record in enumerate(records) if record["check_result"] == FAILED]
            if not pending or self._clock() + wait_interval > deadline:
                break
            self._sleep(wait_interval)
            for index, record in zip(pending, self._run_batch([specs[index] for index in pending])):
                attempts[index] += 1
                if record["check_result"] in MADE:
                    records[index] = record
                else:
                    error = {key: record.get(key) for key in ERROR_FIELDS}
                    records[index].setdefault("incomplete", []).append(
                        dict(error, part="re-check %d" % attempts[index])
                    )
        for record, count in zip(records, attempts):
            record["attempts"] = count
        if self.diagnose:
            Diagnoser(self.client, self.concurrency).diagnose(records)
        return summarize_checks(records)

    def _run_batch(self, specs):
        if len(specs) == 1:
            return [self.run_check(specs[0])]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(specs))) as pool:
            return list(pool.map(self.run_check, specs))
