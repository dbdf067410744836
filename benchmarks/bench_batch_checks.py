# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 4's figures: 50 checks in one backend_connectivity run (`checks`) against the same 50 as a loop of tasks.

The emulator delays every connectivity check by 200 ms (a fault with ``delay_ms: 200``), so 50 checks made one
after another would take 10 s; the batch runs them concurrently through one HTTP session and one sign-in.
Sign-in is IAM user/password, so the emulator's request log shows how often IAM was asked for a token.

Method: benchmarks/timed_task.py times the module task as a user waits for it (``now()`` before and after it); the
loop is timed the same way around the one looping task. The emulator's log also gives the span from the first check request's
arrival to the last one's, which excludes process start-up.

Targets (exit status 1 if one is missed):
  * the batch's module time <= 1.5 s (serial would be 50 x 200 ms = 10 s), with concurrency 50 (all at once);
    the same batch with the default concurrency (20, so three waves of 200 ms) is printed too
  * IAM is asked for a token exactly once in the batch run
Printed, not targeted: the loop's time and how many tokens it fetched, and loop/batch as a ratio.
"""

import sys
import tempfile

from benchmarks import targets
from benchmarks.timed_task import run_timed
from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.loopback.listeners import OpenListener

CHECKS = 50
DELAY_MS = 200
TARGET_BATCH_SECONDS = 1.5
CHECK_PATH = r"/backend/connectivity/check$"

BATCH_TASK = """hwcloud.apig.backend_connectivity:
        checks: "{{ checks }}"
        concurrency: %d
"""

LOOP_TASK = """hwcloud.apig.backend_connectivity:
        instance_id: "{{ item.instance_id }}"
        backend_type: "{{ item.backend_type }}"
        backend_address: "{{ item.backend_address }}"
      loop: "{{ checks }}"
      loop_control:
        label: "{{ item.name }}"
"""


def checks_span(emulator):
    """Seconds from the first check request's arrival to the last one's, and how many there were."""
    times = [entry["time"] for entry in emulator.requests if entry["path"].endswith("/backend/connectivity/check")]
    return (max(times) - min(times) if times else 0.0), len(times)


def token_requests(emulator):
    return sum(1 for entry in emulator.requests if entry["path"] == "/v3/auth/tokens")


def main():
    """Run both, print the figures, return 0 if the targets are met."""
    listeners = [OpenListener() for _index in range(10)]
    emulator = Emulator(presets.default_config(check_timeout=1.0)).start()
    try:
        checks = [
            {
                "name": "check-%02d" % index,
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "backend_address",
                "backend_address": listeners[index % len(listeners)].address,
            }
            for index in range(CHECKS)
        ]
        auth = {
            "endpoint": emulator.url,
            "iam_endpoint": emulator.url + "/v3",
            "region": presets.PROJECT_NAME,
            "user_name": presets.USER_NAME,
            "password": presets.USER_PASSWORD,
            "domain_name": presets.USER_DOMAIN,
            "timeout": 30,
            "retries": 0,
        }
        variables = {"auth": auth, "checks": checks}
        with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
            figures = {}
            runs = (("batch", BATCH_TASK % CHECKS), ("batch_default_concurrency", BATCH_TASK % 20), ("loop", LOOP_TASK))
            for name, task in runs:
                emulator.clear_requests()
                emulator.clear_faults()
                emulator.add_fault(CHECK_PATH, [{"delay_ms": DELAY_MS, "times": CHECKS}])
                seconds, outcome, whole = run_timed(tmp, name, task, variables)
                span, made = checks_span(emulator)
                figures[name] = {
                    "seconds": seconds,
                    "whole": whole,
                    "span": span,
                    "made": made,
                    "tokens": token_requests(emulator),
                    "outcome": outcome,
                }
    finally:
        emulator.stop()
        for listener in listeners:
            listener.close()

    batch, loop = figures["batch"], figures["loop"]
    serial = CHECKS * DELAY_MS / 1000.0
    print("%d checks, each delayed %d ms by the emulator (one after another: %.1f s)" % (CHECKS, DELAY_MS, serial))
    labels = (
        ("batch", "one task, checks, concurrency %d" % CHECKS),
        ("batch_default_concurrency", "one task, checks, concurrency 20"),
        ("loop", "a loop of %d tasks" % CHECKS),
    )
    for name, label in labels:
        run = figures[name]
        print(
            "  %-34s module task %5.2f s | checks span %5.2f s | %d checks | %2d IAM token request(s) | whole playbook %5.2f s"
            % (label + ":", run["seconds"], run["span"], run["made"], run["tokens"], run["whole"])
        )
    print(
        "  ratio loop / batch: %.1fx (module task time); serial / batch: %.1fx"
        % (loop["seconds"] / batch["seconds"], serial / batch["seconds"])
    )

    missed = []
    if batch["outcome"].get("check_result") != "SUCCESS" or len(batch["outcome"].get("checks", [])) != CHECKS:
        missed.append("the batch did not answer SUCCESS for all %d checks" % CHECKS)
    made = [figures[name]["made"] for name in ("batch", "batch_default_concurrency", "loop")]
    if made != [CHECKS] * 3:
        missed.append("expected %d check requests per run, saw %s" % (CHECKS, made))
    if batch["seconds"] > TARGET_BATCH_SECONDS:
        missed.append("batch module time %.2f s > %.1f s" % (batch["seconds"], TARGET_BATCH_SECONDS))
    if batch["tokens"] != 1:
        missed.append("IAM was asked for %d tokens in the batch run, not 1" % batch["tokens"])
    return targets.report(missed)


if __name__ == "__main__":
    sys.exit(main())
