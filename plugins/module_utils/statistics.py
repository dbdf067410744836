# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A window of the gateway's per-minute statistics as one set of figures: what a bake judges.

ListLatelyApiStatisticsV2 answers one sample per minute (``StatisticsAPI``: ``req_count``, ``req_count4xx``,
``req_count5xx``, ``avg_latency``, ``max_latency``, ``avg_backend_latency``, ...), and a minute without traffic may be
absent. Over the window (contract §12):

* the error rate is the 5xx answers over the requests, Σ``req_count5xx`` / Σ``req_count`` - a minute of 1 request
  weighs 1, not as much as a minute of 1,000;
* the mean latency is weighted by requests, Σ(``avg_latency`` · ``req_count``) / Σ``req_count`` (the backend's
  the same way); the peak is the largest ``max_latency``.

No request at all gives no rate and no mean (None), never 0: nothing was measured. A sample whose figures are not
numbers is no answer (ValueError), never read as zero.
"""

COUNTS = ("req_count", "req_count2xx", "req_count4xx", "req_count5xx")


def _number(sample, key, integer=False):
    value = sample.get(key, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("sample %s has %s %r, not a number of 0 or more" % (sample.get("current_minute"), key, value))
    if integer and value != int(value):
        raise ValueError("sample %s has %s %r, not a whole number" % (sample.get("current_minute"), key, value))
    return int(value) if integer else float(value)


def window_figures(samples, start=None, end=None):
    """The figures of a window of samples (``start`` / ``end``: the window as the gateway gave it, epoch seconds)."""
    requests = errors_5xx = errors_4xx = 0
    latency_sum = backend_sum = 0.0
    peak = None
    for sample in samples:
        count = _number(sample, "req_count", integer=True)
        requests += count
        errors_5xx += _number(sample, "req_count5xx", integer=True)
        errors_4xx += _number(sample, "req_count4xx", integer=True)
        latency_sum += _number(sample, "avg_latency") * count
        backend_sum += _number(sample, "avg_backend_latency") * count
        if count:
            peak = max(peak or 0, _number(sample, "max_latency", integer=True))
    if errors_5xx > requests or errors_4xx > requests:
        raise ValueError("the samples count more errors than requests (%d requests)" % requests)
    return {
        "requests": requests,
        "errors_5xx": errors_5xx,
        "errors_4xx": errors_4xx,
        "error_rate": round(errors_5xx / requests, 6) if requests else None,
        "avg_latency_ms": round(latency_sum / requests, 2) if requests else None,
        "max_latency_ms": peak,
        "avg_backend_latency_ms": round(backend_sum / requests, 2) if requests else None,
        "window": {"start": start, "end": end, "minutes": len(samples)},
    }


def percent(rate):
    """An error rate as people read it: ``2.5%``; ``-`` when nothing was measured."""
    return "-" if rate is None else "%.1f%%" % (rate * 100)


def milliseconds(value):
    """A latency as people read it: ``23 ms``; ``-`` when nothing was measured."""
    return "-" if value is None else "%d ms" % round(value)
