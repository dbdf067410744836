# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verification's figures: 500 APIs in 3 groups called through the gateway by discovery, every emulator answer
delayed 100 ms.

1. One ``api_debug`` run with ``discover`` (the three groups, as published in RELEASE) finds every API and calls each
   through the gateway (DebugApiV2), through one sign-in and one HTTP session, on ``concurrency`` threads (20, the
   default); the same run with ``concurrency: 1`` makes the same calls one after another. Each run is timed as the
   module task's wall time (benchmarks/timed_task.py); the emulator's request log counts what was asked, by kind.
2. The ``api_verify`` role on the same 500 APIs with a bake of 4 s polled every 2 s: the statistics calls each API
   got are the bake's polls.

Targets (exit status 1 if one is missed):
  * the calls concurrently at least 12x faster than one after another, every call a SUCCESS;
  * one IAM token for the 500 calls (and their discovery);
  * statistics polls = bake / interval + 1 (3), every API polled that often.
"""

import sys
import tempfile
from collections import Counter

from benchmarks import targets
from benchmarks.timed_task import run_timed
from tests.emulator import presets
from tests.emulator.server import Emulator

APIS, GROUPS = 500, 3
LATENCY_MS = 100
TARGET_RATIO = 12.0
BAKE_SECONDS, BAKE_INTERVAL = 4, 2
CHANNEL_ID = "7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b"

DEBUG_TASK = """hwcloud.apig.api_debug:
        discover: "{{ discover }}"
        concurrency: "{{ concurrency }}"
"""

ROLE_TASK = """ansible.builtin.include_role:
        name: hwcloud.apig.api_verify
      vars:
        api_verify_discover: "{{ discover }}"
        api_verify_bake_seconds: %d
        api_verify_bake_interval: %d
        api_verify_min_requests: 0
""" % (BAKE_SECONDS, BAKE_INTERVAL)


def config():
    """The emulated instance: APIS GET APIs over GROUPS groups, all through one channel to an echo backend."""
    groups = [{"name": "group-%d" % index} for index in range(GROUPS)]
    apis = [
        {
            "name": "api-%03d" % index,
            "group": groups[index % GROUPS]["name"],
            "req_method": "GET",
            "req_uri": "/api-%03d" % index,
            "backend": {"vpc_channel": CHANNEL_ID, "req_uri": "/echo"},
            "published": {"RELEASE": {}},
        }
        for index in range(APIS)
    ]
    channel = {"id": CHANNEL_ID, "name": "echo", "members": [{"backend": "echo"}]}
    return presets.default_config(
        channels=[channel],
        catalog={"groups": groups, "apis": apis},
        backends={"echo": {"kind": "echo"}},
        latency_ms=LATENCY_MS,
    )


def kind_of(entry):
    """What a request was, for the counts."""
    path = entry["path"]
    if path == "/v3/auth/tokens":
        return "sign-in (IAM token)"
    if "/apis/debug/" in path:
        return "debug calls"
    if path.endswith("/statistics/api/latest"):
        return "statistics"
    if "/apis/publish/" in path or "/apis/versions/" in path:
        return "per-API reads"
    return "list pages (groups, environments, APIs, variables)"


def main():
    emulator = Emulator(config()).start()
    auth = dict(presets.module_auth("password", emulator.url), timeout=60, retries=3)
    discover = [
        {"instance_id": presets.INSTANCE_ID, "group": "group-%d" % index, "environment": "RELEASE"}
        for index in range(GROUPS)
    ]
    figures = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
            for name, task, concurrency in (
                ("concurrent", DEBUG_TASK, 20),
                ("one_after_another", DEBUG_TASK, 1),
                ("role_with_bake", ROLE_TASK, 20),
            ):
                emulator.clear_requests()
                variables = {"auth": auth, "discover": discover, "concurrency": concurrency}
                seconds, outcome, whole = run_timed(tmp, name, task, variables, timeout=1800)
                statistics = Counter(
                    entry["query"].get("api_id")
                    for entry in emulator.requests
                    if entry["path"].endswith("/statistics/api/latest")
                )
                figures[name] = {
                    "seconds": seconds,
                    "whole": whole,
                    "outcome": outcome,
                    "kinds": Counter(kind_of(entry) for entry in emulator.requests),
                    "polls": sorted(set(statistics.values())),
                }
    finally:
        emulator.stop()

    concurrent, serial, role = figures["concurrent"], figures["one_after_another"], figures["role_with_bake"]
    ratio = serial["seconds"] / concurrent["seconds"]
    print("%d APIs in %d groups, called by discovery; every emulator answer delayed %d ms" % (APIS, GROUPS, LATENCY_MS))
    for name, label in (
        ("concurrent", "api_debug, concurrency 20:"),
        ("one_after_another", "api_debug, concurrency 1:"),
        ("role_with_bake", "api_verify, bake %d s / %d s:" % (BAKE_SECONDS, BAKE_INTERVAL)),
    ):
        run_figures = figures[name]
        print(
            "  %-30s task %6.2f s | whole playbook %6.2f s | %s"
            % (
                label,
                run_figures["seconds"],
                run_figures["whole"],
                ", ".join("%s %d" % item for item in sorted(run_figures["kinds"].items())),
            )
        )
    expected_polls = BAKE_SECONDS // BAKE_INTERVAL + 1
    print("  ratio one after another / concurrent: %.1fx" % ratio)
    print("  statistics polls per API in the bake: %s (bake / interval + 1 = %d)" % (role["polls"], expected_polls))

    missed = []
    outcome = concurrent["outcome"]
    if outcome.get("verify_result") != "SUCCESS" or outcome.get("counts", {}).get("SUCCESS") != APIS:
        missed.append("expected %d calls SUCCESS, got %s" % (APIS, outcome.get("counts")))
    if ratio < TARGET_RATIO:
        missed.append("ratio %.1fx < %.0fx" % (ratio, TARGET_RATIO))
    for name in ("concurrent", "one_after_another"):
        if figures[name]["kinds"]["sign-in (IAM token)"] != 1:
            missed.append("%s: %d IAM tokens, not 1" % (name, figures[name]["kinds"]["sign-in (IAM token)"]))
        if figures[name]["kinds"]["debug calls"] != APIS:
            missed.append("%s: %d debug calls for %d APIs" % (name, figures[name]["kinds"]["debug calls"], APIS))
    if role["polls"] != [expected_polls] or role["kinds"]["statistics"] != APIS * expected_polls:
        missed.append("bake: polls per API %s, statistics calls %d" % (role["polls"], role["kinds"]["statistics"]))
    return targets.report(missed)


if __name__ == "__main__":
    sys.exit(main())
