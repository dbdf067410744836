# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery's figures: 500 APIs in 3 groups over 60 VPC channels, every emulator call delayed 100 ms.

One ``backend_connectivity`` run with ``discover`` (the three groups, as published in RELEASE) finds every API's
backend and checks each distinct one, through one sign-in and one HTTP session, with the per-API calls and the
checks on ``concurrency`` threads (20, the default). The same run with ``concurrency: 1`` makes the same calls one
after another. Each run is timed as the module task's wall time (``now()`` before and after it,
benchmarks/timed_task.py), and the emulator's request log counts what was asked, by kind.

Targets (exit status 1 if one is missed):
  * discovery plus the checks, concurrently, at least 12x faster than the same calls one after another;
  * one IAM token; at most two calls per API; one check per distinct backend (60).
"""

import sys
import tempfile
from collections import Counter

from benchmarks import targets
from benchmarks.timed_task import run_timed
from tests.emulator import presets
from tests.emulator.catalog import derived_id
from tests.emulator.server import Emulator
from tests.loopback.listeners import CLOSE, OpenListener

APIS, GROUPS, CHANNELS = 500, 3, 60
LATENCY_MS = 100
TARGET_RATIO = 12.0

DISCOVER_TASK = """hwcloud.apig.backend_connectivity:
        discover: "{{ discover }}"
        concurrency: "{{ concurrency }}"
"""


def config(listeners):
    """The emulated instance: CHANNELS channels of one member each, APIS APIs spread over GROUPS groups."""
    channels = [
        {"id": derived_id("bench-channel", str(index)), "members": [{"host": "127.0.0.1", "port": listener.port}]}
        for index, listener in enumerate(listeners)
    ]
    groups = [{"name": "group-%d" % index} for index in range(GROUPS)]
    apis = [
        {
            "name": "api-%03d" % index,
            "group": groups[index % GROUPS]["name"],
            "backend": {"vpc_channel": channels[index % CHANNELS]["id"]},
            "published": {"RELEASE": {}},
        }
        for index in range(APIS)
    ]
    return presets.default_config(
        channels=channels, catalog={"groups": groups, "apis": apis}, latency_ms=LATENCY_MS, check_timeout=2.0
    )


def kind_of(entry):
    """What a request was, for the counts."""
    path = entry["path"]
    if path == "/v3/auth/tokens":
        return "sign-in (IAM token)"
    if path.endswith("/backend/connectivity/check"):
        return "connectivity checks"
    if "/apis/publish/" in path or "/apis/versions/" in path:
        return "per-API calls"
    return "list pages (groups, environments, APIs)"


def main():
    listeners = [OpenListener(on_accept=CLOSE) for _index in range(CHANNELS)]
    emulator = Emulator(config(listeners)).start()
    auth = dict(presets.module_auth("password", emulator.url), timeout=60, retries=3)
    discover = [
        {"instance_id": presets.INSTANCE_ID, "group": "group-%d" % index, "environment": "RELEASE"}
        for index in range(GROUPS)
    ]
    figures = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-discovery-") as tmp:
            for name, concurrency in (("concurrent", 20), ("one_after_another", 1)):
                emulator.clear_requests()
                variables = {"auth": auth, "discover": discover, "concurrency": concurrency}
                seconds, outcome, whole = run_timed(tmp, name, DISCOVER_TASK, variables, timeout=900)
                figures[name] = {
                    "seconds": seconds,
                    "whole": whole,
                    "outcome": outcome,
                    "kinds": Counter(kind_of(entry) for entry in emulator.requests),
                }
    finally:
        emulator.stop()
        for listener in listeners:
            listener.close()

    concurrent, serial = figures["concurrent"], figures["one_after_another"]
    ratio = serial["seconds"] / concurrent["seconds"]
    print(
        "%d APIs in %d groups over %d channels; every emulator call delayed %d ms"
        % (APIS, GROUPS, CHANNELS, LATENCY_MS)
    )
    for name, label in (("concurrent", "concurrency 20 (default)"), ("one_after_another", "concurrency 1")):
        run_figures = figures[name]
        print(
            "  %-26s module task %6.2f s | whole playbook %6.2f s | %s"
            % (
                label + ":",
                run_figures["seconds"],
                run_figures["whole"],
                ", ".join("%s %d" % item for item in sorted(run_figures["kinds"].items())),
            )
        )
    print("  ratio one after another / concurrent: %.1fx" % ratio)

    missed = []
    kinds = concurrent["kinds"]
    outcome = concurrent["outcome"]
    if outcome.get("check_result") != "SUCCESS" or len(outcome.get("checks", [])) != CHANNELS:
        missed.append(
            "expected SUCCESS for %d checks, got %s for %d"
            % (CHANNELS, outcome.get("check_result"), len(outcome.get("checks", [])))
        )
    if ratio < TARGET_RATIO:
        missed.append("ratio %.1fx < %.0fx" % (ratio, TARGET_RATIO))
    if kinds["sign-in (IAM token)"] != 1:
        missed.append("%d IAM tokens, not 1" % kinds["sign-in (IAM token)"])
    if kinds["per-API calls"] > 2 * APIS:
        missed.append("%d per-API calls for %d APIs (at most 2 each)" % (kinds["per-API calls"], APIS))
    if kinds["connectivity checks"] != CHANNELS:
        missed.append("%d checks for %d distinct backends" % (kinds["connectivity checks"], CHANNELS))
    return targets.report(missed)


if __name__ == "__main__":
    sys.exit(main())
