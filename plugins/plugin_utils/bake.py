# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bake: after the calls passed, the gateway's own statistics of each verified API polled for a while, judged at
every poll, as Flagger and Argo Rollouts judge a rollout by its success rate and latency.

* Polls at 0, ``interval``, 2 ``interval``, ... and at ``seconds``: ``ceil(seconds / interval) + 1`` polls. Each
  poll reads the window of the last ``window_minutes`` of every API (``statistics.window_figures``: the 5xx rate
  over all requests, the mean latency weighted by requests).
* At every poll an API breaches when it has traffic and its 5xx rate is over ``max_error_rate``, or its mean latency
  over ``max_latency_ms`` (0: latency is shown, not judged). The first breach ends the bake: that API's record is
  FAILED naming the figure and the threshold; the others are SKIPPED ("not judged to the end").
* At the end, an API with fewer than ``min_requests`` requests in its window cannot be judged: an ERROR, never a
  silent pass (``on_error`` decides), as Flagger halts an analysis without metrics. The others pass.
* Statistics that cannot be read end the bake: every API is an ERROR saying so.

Plain Python: the caller gives ``read(poll)`` (one poll's figures by API key, or raises ``BakeError``), ``show(text)``
and ``sleep(seconds)``, so that the schedule and the judgement are tested without Ansible or a clock.
"""

import math
import time

from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import BAKE_RANGES
from ansible_collections.hwcloud.apig.plugins.module_utils.results import ERROR, FAILED, SUCCESS
from ansible_collections.hwcloud.apig.plugins.module_utils.statistics import milliseconds, percent

SKIPPED = "SKIPPED"
SHOWN_PER_POLL = 20  # APIs listed on the console at each poll; the rest are summed up in one line


class BakeError(Exception):
    """A poll whose statistics could not be read."""


class Thresholds:
    """What a bake holds each API to; ValueError naming the role variable when a value cannot be one."""

    def __init__(self, seconds, interval, window_minutes, max_error_rate, max_latency_ms, min_requests):
        values = (seconds, interval, window_minutes, max_error_rate, max_latency_ms, min_requests)
        for (name, allowed), value in zip(BAKE_RANGES.items(), values):
            refusal = allowed.refusal(value)
            if refusal:
                raise ValueError("%s %s" % (name, refusal))
        self.seconds, self.interval, self.window_minutes = seconds, interval, window_minutes
        self.max_error_rate, self.max_latency_ms, self.min_requests = max_error_rate, max_latency_ms, min_requests

    def schedule(self):
        """When each poll happens, in seconds from the start: every ``interval``, and at the end."""
        count = math.ceil(self.seconds / self.interval - 1e-9)
        return [min(index * self.interval, self.seconds) for index in range(count + 1)]

    def breach(self, figures):
        """``(figure, value, threshold)`` texts of the first threshold the figures are over, or None."""
        if not figures.get("requests"):
            return None
        if figures["error_rate"] is not None and figures["error_rate"] > self.max_error_rate:
            return "5xx error rate", percent(figures["error_rate"]), percent(self.max_error_rate)
        latency = figures.get("avg_latency_ms")
        if self.max_latency_ms and latency is not None and latency > self.max_latency_ms:
            return "mean latency", milliseconds(latency), milliseconds(self.max_latency_ms)
        return None


def _seconds(value):
    return ("%d" % value) if float(value).is_integer() else ("%.1f" % value)


def progress(target, figures):
    """One API's figures so far, as the console shows them at a poll."""
    return "%s: %d requests, 5xx %s, mean %s (peak %s)" % (
        target["api_name"],
        figures.get("requests") or 0,
        percent(figures.get("error_rate")),
        milliseconds(figures.get("avg_latency_ms")),
        milliseconds(figures.get("max_latency_ms")),
    )


def _record(target, result, reason, figures=None, breach=None):
    record = dict(target, check_result=result, reason=reason, breach=breach)
    for key in ("requests", "errors_5xx", "error_rate", "avg_latency_ms", "max_latency_ms", "window"):
        record[key] = (figures or {}).get(key)
    return record


def key_of(target):
    return "%s/%s" % (target["instance_id"], target["api_id"])


def run_bake(targets, thresholds, read, show, sleep=time.sleep, clock=time.monotonic):
    """Bake ``targets`` (``instance_id``, ``api_id``, ``api_name`` each); returns ``{"records", "polls", "breach"}``."""
    started = clock()
    schedule = thresholds.schedule()
    total = _seconds(thresholds.seconds)
    figures = {}
    for number, at in enumerate(schedule, 1):
        wait = started + at - clock()
        if wait > 0:
            sleep(wait)
        elapsed = _seconds(max(0.0, round(clock() - started, 1)))
        try:
            figures = read(number)
        except BakeError as exc:
            show(
                "api verify bake: poll %d of %d at %s/%s s could not read the statistics: %s"
                % (number, len(schedule), elapsed, total, exc)
            )
            reason = "not judged: the statistics could not be read at poll %d of %d: %s" % (number, len(schedule), exc)
            return {"records": [_record(target, ERROR, reason) for target in targets], "polls": number, "breach": None}
        lines = [progress(target, figures.get(key_of(target)) or {}) for target in targets]
        more = len(lines) - SHOWN_PER_POLL
        shown = lines[:SHOWN_PER_POLL] + (["... and %d more APIs" % more] if more > 0 else [])
        show(
            "api verify bake: %s/%s s, poll %d of %d, last %d minutes:\n  %s"
            % (elapsed, total, number, len(schedule), thresholds.window_minutes, "\n  ".join(shown))
        )
        for target in targets:
            found = figures.get(key_of(target)) or {}
            breach = thresholds.breach(found)
            if breach is None:
                continue
            figure, value, threshold = breach
            over = "%d requests in the last %d minutes, at %s of %s s" % (
                found["requests"],
                thresholds.window_minutes,
                elapsed,
                total,
            )
            text = "%s %s > %s" % (figure, value, threshold)
            show("api verify bake: %s breached: %s (%s)" % (target["api_name"], text, over))
            detail = {"figure": figure, "value": value, "threshold": threshold, "over": over}
            stopped = "not judged to the end: the bake stopped at the first breach (%s, at %s of %s s)" % (
                target["api_name"],
                elapsed,
                total,
            )
            records = [
                _record(other, FAILED, text, found, detail)
                if other is target
                else _record(other, SKIPPED, stopped, figures.get(key_of(other)))
                for other in targets
            ]
            return {"records": records, "polls": number, "breach": dict(detail, api=target["api_name"])}
    records = []
    for target in targets:
        found = figures.get(key_of(target)) or {}
        requests = found.get("requests") or 0
        if requests < thresholds.min_requests:
            reason = "too little traffic to judge: %d requests in the last %d minutes, fewer than min_requests %d" % (
                requests,
                thresholds.window_minutes,
                thresholds.min_requests,
            )
            records.append(_record(target, ERROR, reason, found))
        else:
            records.append(_record(target, SUCCESS, progress(target, found).split(": ", 1)[1], found))
    return {"records": records, "polls": len(schedule), "breach": None}
