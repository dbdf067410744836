# -*- coding: utf-8 -*-
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One connectivity check = the gateway's answer + this host's probes → one verdict.

A check asks APIG whether *the gateway* reaches a backend (``remote``), probes
the same backends from *this host* (``local``), or both at once; with both,
mismatches become ``hints`` that say where the problem lies.  A batch runs
many checks concurrently through one client (one HTTP session, one sign-in).

The verdict is fail-closed: ``SUCCESS`` only when every backend was actually
checked and reached.  A check that could not be made is ``ERROR`` with the
error fields, never a SUCCESS, and never hides the other checks' results.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.apig.plugins.module_utils.addresses import format_host_port, parse_host_port
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.probes import ProbeInputError, ProbeSpec, run_probes

SUCCESS, FAILED, ERROR = "SUCCESS", "FAILED", "ERROR"
BACKEND_TYPES = ("backend_address", "vpc_channel")
PROBE_MODES = ("remote", "local", "both")
LOCAL_PROBE_OPTIONS = ("protocol", "path", "method", "expected_status", "body_regex", "headers", "validate_certs",
                       "ca_path", "server_name", "timeout", "concurrency")
GATEWAY_SOURCE_RANGE = "100.125.0.0/16"
_HUAWEI_ID = re.compile(r"\A[0-9a-fA-F]{32}\Z")
_CHECK_NAME = re.compile(r"\A[^\x00-\x1f\x7f]{1,128}\Z")


class CheckSpec(object):
    """A validated check: what to ask the gateway and which targets to probe locally."""

    def __init__(self, name, instance_id, backend_type, backend_address=None, vpc_channel_id=None,
                 probe="remote", local_probe=None):
        self.name = name
        self.instance_id = instance_id
        self.backend_type = backend_type
        self.backend_address = backend_address
        self.vpc_channel_id = vpc_channel_id
        self.probe = probe
        self.local_probe = dict(local_probe or {})
        self.probe_spec, self.probe_concurrency = probe_settings(self.local_probe)

    def request_body(self):
        """The CheckBackendConnectivityReq body (contract §1)."""
        if self.backend_type == "backend_address":
            return {"backend_type": self.backend_type, "backend_address": self.backend_address}
        return {"backend_type": self.backend_type, "vpc_channel_id": self.vpc_channel_id}

    def describe(self):
        """The check's identity as returned to the user."""
        info = {"name": self.name, "instance_id": self.instance_id, "backend_type": self.backend_type, "probe": self.probe}
        if self.backend_type == "backend_address":
            info["backend_address"] = self.backend_address
        else:
            info["vpc_channel_id"] = self.vpc_channel_id
        return info


def _text_option(options, key, where, required=False):
    value = options.get(key)
    if value is None:
        if required:
            raise InputError(where + key, "%s%s is required" % (where, key))
        return None
    if not isinstance(value, str):
        raise InputError(where + key, "%s%s must be a string, got %s" % (where, key, type(value).__name__))
    if not value.strip():
        raise InputError(where + key, "%s%s must not be empty" % (where, key))
    return value


def check_spec_from_options(options, where="", default_name=None):
    """Validate one check's options (module top level, or one entry of ``checks``); InputError names the option."""
    instance_id = _text_option(options, "instance_id", where, required=True)
    if not _HUAWEI_ID.match(instance_id):
        raise InputError(where + "instance_id", "%sinstance_id must be 32 hexadecimal characters, got %r" % (where, instance_id))
    backend_type = _text_option(options, "backend_type", where, required=True)
    if backend_type not in BACKEND_TYPES:
        raise InputError(where + "backend_type", "%sbackend_type must be one of %s, got %r" % (
            where, ", ".join(BACKEND_TYPES), backend_type))
    backend_address = _text_option(options, "backend_address", where)
    vpc_channel_id = _text_option(options, "vpc_channel_id", where)
    if backend_type == "backend_address":
        if backend_address is None:
            raise InputError(where + "backend_address", "%sbackend_address is required when backend_type is backend_address" % where)
        if vpc_channel_id is not None:
            raise InputError(where + "vpc_channel_id", "%svpc_channel_id cannot be used when backend_type is backend_address" % where)
        try:
            parse_host_port(backend_address)
        except ValueError as exc:
            raise InputError(where + "backend_address", "%sbackend_address: %s" % (where, exc))
    else:
        if vpc_channel_id is None:
            raise InputError(where + "vpc_channel_id", "%svpc_channel_id is required when backend_type is vpc_channel" % where)
        if backend_address is not None:
            raise InputError(where + "backend_address", "%sbackend_address cannot be used when backend_type is vpc_channel" % where)
        if not _HUAWEI_ID.match(vpc_channel_id):
            raise InputError(where + "vpc_channel_id", "%svpc_channel_id must be 32 hexadecimal characters, got %r" % (
                where, vpc_channel_id))
    probe = options.get("probe") or "remote"
    if probe not in PROBE_MODES:
        raise InputError(where + "probe", "%sprobe must be one of %s, got %r" % (where, ", ".join(PROBE_MODES), probe))
    local_probe = options.get("local_probe") or {}
    if not isinstance(local_probe, dict):
        raise InputError(where + "local_probe", "%slocal_probe must be a dictionary" % where)
    unknown = sorted(set(local_probe) - set(LOCAL_PROBE_OPTIONS))
    if unknown:
        raise InputError(where + "local_probe", "%slocal_probe has unknown option(s) %s; known: %s" % (
            where, ", ".join(unknown), ", ".join(LOCAL_PROBE_OPTIONS)))
    try:
        probe_settings(local_probe)
    except ProbeInputError as exc:
        raise InputError("%slocal_probe.%s" % (where, exc.option), "%slocal_probe.%s" % (where, exc))
    name = options.get("name")
    if name is None:
        name = default_name or (backend_address or vpc_channel_id)
    if not isinstance(name, str) or not _CHECK_NAME.match(name):
        raise InputError(where + "name", "%sname must be 1-128 printable characters" % where)
    return CheckSpec(name, instance_id, backend_type, backend_address, vpc_channel_id, probe, local_probe)


def probe_settings(local_probe):
    """The ProbeSpec and concurrency for a check's ``local_probe`` options; ProbeInputError if unusable."""
    options = dict(local_probe)
    concurrency = options.pop("concurrency", 100)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 1000:
        raise ProbeInputError("concurrency", "must be an integer from 1 to 1000, not %r" % (concurrency,))
    return ProbeSpec(**options), concurrency


def local_prober(targets, spec):
    """Probe targets that came from APIG (a bad one is a failed record, not an input error).

    If the probes cannot run at all (this host cannot start the threads asked for), the check could not be made.
    """
    try:
        return run_probes(targets, spec.probe_spec, concurrency=spec.probe_concurrency, invalid="record")
    except ProbeInputError as exc:
        raise ApigError("local probes of %s could not run: %s" % (spec.name, exc))


def _error_fields(exc):
    return {"msg": exc.msg, "status": exc.status, "error_code": exc.error_code, "error_msg": exc.error_msg,
            "request_id": exc.request_id}


class CheckRunner(object):
    """Runs checks with one client and one local prober; safe to call from several threads."""

    def __init__(self, client, prober, concurrency=20, clock=time.monotonic, sleep=time.sleep):
        self.client = client
        self.prober = prober
        self.concurrency = max(1, int(concurrency))
        self._clock = clock
        self._sleep = sleep

    # ---- one check --------------------------------------------------------------------------------------

    def run_check(self, spec):
        """One attempt at one check; ApigError becomes an ERROR record, never an exception."""
        result = spec.describe()
        result.update({"check_result": ERROR, "failures": [], "request_id": None, "remote": None, "local": None,
                       "hints": [], "msg": None, "status": None, "error_code": None, "error_msg": None})
        remote_box = {}
        remote_thread = None
        try:
            if spec.probe in ("remote", "both"):
                if spec.probe == "both":
                    remote_thread = threading.Thread(target=self._remote_into, args=(spec, remote_box))
                    remote_thread.daemon = True
                    remote_thread.start()
                else:
                    self._remote_into(spec, remote_box)
            if spec.probe in ("local", "both"):
                result["local"] = self._local(spec)
        except ApigError as exc:
            result.update(_error_fields(exc))
        finally:
            if remote_thread is not None:
                remote_thread.join()
        if "error" in remote_box:
            result.update(_error_fields(remote_box["error"]))
        if result["msg"] is not None:
            return result
        result["remote"] = remote_box.get("answer")
        return _verdict(result)

    def _remote_into(self, spec, box):
        try:
            answer, request_id = self.client.check_backend_connectivity(spec.instance_id, spec.request_body())
            answer["request_id"] = request_id
            box["answer"] = answer
        except ApigError as exc:
            box["error"] = exc

    def _local_targets(self, spec):
        if spec.backend_type == "backend_address":
            return [spec.backend_address]
        members = self.client.list_vpc_channel_members(spec.instance_id, spec.vpc_channel_id)
        targets = []
        for member in members:
            host, port = (member or {}).get("host"), (member or {}).get("port")
            if not isinstance(host, str) or not host or not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
                raise ApigError("VPC channel %s has a member without a usable host and port (%r, %r)" % (spec.vpc_channel_id, host, port))
            targets.append(format_host_port(host, port))
        if not targets:
            raise ApigError("VPC channel %s has no members, so there is nothing to probe from this host" % spec.vpc_channel_id)
        return targets

    def _local(self, spec):
        targets = self._local_targets(spec)
        records = self.prober(targets, spec)
        failures = [record["target"] for record in records if not record.get("ok")]
        return {"check_result": FAILED if failures else SUCCESS, "failures": failures, "results": records}

    # ---- many checks, waiting for late backends ------------------------------------------------------------

    def run_checks(self, specs, wait_timeout=0.0, wait_interval=5.0):
        """Every check concurrently; FAILED ones re-run until they pass or ``wait_timeout`` passes."""
        deadline = self._clock() + max(0.0, wait_timeout)
        results = self._run_batch(specs)
        attempts = [1] * len(specs)
        while True:
            pending = [i for i, result in enumerate(results) if result["check_result"] == FAILED]
            if not pending or self._clock() + wait_interval > deadline:
                break
            self._sleep(wait_interval)
            for index, result in zip(pending, self._run_batch([specs[i] for i in pending])):
                results[index] = result
                attempts[index] += 1
        for result, count in zip(results, attempts):
            result["attempts"] = count
        return summarize(results)

    def _run_batch(self, specs):
        if len(specs) == 1:
            return [self.run_check(specs[0])]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(specs))) as pool:
            return list(pool.map(self.run_check, specs))


def _ordered_union(*lists):
    seen, union = set(), []
    for items in lists:
        for item in items:
            if item not in seen:
                seen.add(item)
                union.append(item)
    return union


def _verdict(result):
    """check_result, failures and hints from the remote and local parts of one check."""
    remote, local = result["remote"], result["local"]
    parts = [part for part in (remote, local) if part is not None]
    result["failures"] = _ordered_union(*[part["failures"] for part in parts])
    result["check_result"] = FAILED if any(part["check_result"] == FAILED for part in parts) else SUCCESS
    if remote is not None:
        result["request_id"] = remote.get("request_id")
    if remote is not None and local is not None:
        result["hints"] = mismatch_hints(remote, local)
    return result


def mismatch_hints(remote, local):
    """Where the problem lies, from what the gateway and this host each reached."""
    local_failed = set(local["failures"])
    local_targets = [record["target"] for record in local["results"]]
    remote_failed = set(remote["failures"])
    if remote["check_result"] == FAILED and not remote_failed:
        remote_failed = set(local_targets)
    hints = []
    gateway_only = [target for target in local_targets if target in remote_failed and target not in local_failed]
    host_only = [target for target in local_targets if target in local_failed and target not in remote_failed]
    both = [target for target in local_targets if target in local_failed and target in remote_failed]
    if gateway_only:
        hints.append("This host reaches %s but the gateway does not: the backend's security group (or network ACL) likely "
                     "does not admit the gateway's source range %s." % (", ".join(gateway_only), GATEWAY_SOURCE_RANGE))
    if host_only:
        hints.append("The gateway reaches %s but this host does not: the problem is on this host's network path "
                     "(firewall, routing, DNS), not on the gateway's." % ", ".join(host_only))
    if both:
        hints.append("Neither the gateway nor this host reaches %s: the backend is likely down or not listening." % ", ".join(both))
    return hints


def summarize(results):
    """The batch verdict: SUCCESS only if every check was made and succeeded."""
    failures = []
    for result in results:
        failures.extend("%s: %s" % (result["name"], failure) for failure in result["failures"])
    errors = [result for result in results if result["check_result"] == ERROR]
    overall = SUCCESS if all(result["check_result"] == SUCCESS for result in results) else FAILED
    return {"check_result": overall, "failures": failures, "checks": results, "errors": len(errors)}
