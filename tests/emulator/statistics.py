# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the traffic did: per-API, per-minute counts and latencies, and the two APIG calls that report them.

Every answer the data plane gives for an API (gateway.py; DebugApiV2 calls included, since they go through the
gateway like any call) is counted in the minute of the emulated clock (clock.py) it was answered in: requests,
2xx / 4xx / 5xx, total latency (``X-Apig-Latency``), backend latency (``X-Apig-Upstream-Latency``, 0 when no
backend was tried), the gateway's own latency (the difference), and the bytes of the request and answer bodies.

* ``GET .../statistics/api/latest?api_id=&duration=`` (ListLatelyApiStatisticsV2): ``duration`` is ``<n>m`` or
  ``<n>h``; up to 60 minutes, one sample per minute (``cycle`` MINUTE); up to a day, one per hour (HOUR); beyond,
  one per day (DAY).
* ``GET .../statistics/group/latest?group_id=`` (ListLatelyGroupStatisticsV2): the group's APIs summed, one sample
  per minute of the last hour (``StatisticsGroup`` items, which have no inner or backend latency).

As Huawei's reference says, the window ends with the last complete period before the server's time, so a minute
shows only once it is over; a period without traffic is absent. Bodies as Huawei's examples: ``code`` APIG.0000,
``start_time`` / ``end_time`` and ``current_minute`` in epoch seconds, ``req_time`` / ``register_time`` as
``YYYY-MM-DD HH:MM:SS`` (UTC here; Huawei writes the region's local time).
"""

import datetime
import math
import re
import threading

from tests.emulator import errors

ROUTES = (
    (
        "api_statistics",
        ("GET",),
        re.compile(r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)/statistics/api/latest/?$"),
    ),
    (
        "group_statistics",
        ("GET",),
        re.compile(r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)/statistics/group/latest/?$"),
    ),
)
NAMES = tuple(name for name, _methods, _pattern in ROUTES)
DURATION = re.compile(r"^([1-9][0-9]{0,5})([mh])$")
CYCLES = ((60, 60, "MINUTE"), (1440, 3600, "HOUR"), (None, 86400, "DAY"))  # up to N minutes -> period, name


class Sample:
    """One API's (or group's) traffic in one period."""

    def __init__(self):
        self.count = self.count_2xx = self.count_4xx = self.count_5xx = 0
        self.latency_sum = self.latency_max = 0
        self.inner_sum = self.inner_max = 0
        self.backend_sum = self.backend_max = 0
        self.bytes_in = self.bytes_out = 0
        self.last_at = 0.0

    def add(self, status, latency_ms, backend_ms, bytes_in, bytes_out, at):
        """Count one answer; the gateway's own time is the total less the backend's (never below 0)."""
        inner_ms = max(latency_ms - backend_ms, 0)
        self.count += 1
        self.count_2xx += 200 <= status < 300
        self.count_4xx += 400 <= status < 500
        self.count_5xx += 500 <= status < 600
        self.latency_sum += latency_ms
        self.latency_max = max(self.latency_max, latency_ms)
        self.inner_sum += inner_ms
        self.inner_max = max(self.inner_max, inner_ms)
        self.backend_sum += backend_ms
        self.backend_max = max(self.backend_max, backend_ms)
        self.bytes_in += bytes_in
        self.bytes_out += bytes_out
        self.last_at = max(self.last_at, at)

    def merge(self, other):
        """Add another sample's traffic to this one (a group's minute, an API's hour)."""
        for name in ("count", "count_2xx", "count_4xx", "count_5xx", "latency_sum", "inner_sum", "backend_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("latency_max", "inner_max", "backend_max", "last_at"):
            setattr(self, name, max(getattr(self, name), getattr(other, name)))
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out


class StatisticsBook:
    """The samples of every API by minute, kept for as long as the emulator runs."""

    def __init__(self, clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._minutes = {}  # (api id, minute start) -> (group id, Sample)

    def record(self, api_id, group_id, status, latency_ms, backend_ms, bytes_in, bytes_out):
        """Count one answer in the current minute of the emulated clock."""
        now = self.clock.now()
        minute = int(now // 60) * 60
        with self._lock:
            _group, sample = self._minutes.setdefault((api_id, minute), (group_id, Sample()))
            sample.add(status, latency_ms, backend_ms, bytes_in, bytes_out, now)

    def samples(self, start, end, period, api_id=None, group_id=None):
        """``{period start: Sample}`` of one API (or all APIs of one group), for periods within [start, end]."""
        found = {}
        with self._lock:
            for (sample_api, minute), (sample_group, sample) in self._minutes.items():
                if api_id not in (None, sample_api) or group_id not in (None, sample_group):
                    continue
                bucket = minute // period * period
                if start <= bucket <= end:
                    found.setdefault(bucket, Sample()).merge(sample)
        return dict(sorted(found.items()))

    def clear(self):
        """Forget every sample."""
        with self._lock:
            self._minutes.clear()


def window(minutes, now):
    """``(start, end, period, cycle)``: the last ``minutes`` as APIG samples them, ending with the last whole period."""
    _limit, period, cycle = next(item for item in CYCLES if item[0] is None or minutes <= item[0])
    count = math.ceil(minutes * 60 / period)
    end = int(now // period) * period - period
    return end - (count - 1) * period, end, period, cycle


def _stamp(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _average(total, count):
    return round(total / count, 2) if count else 0.0


def _common(sample, start, group_id, provider):
    """What StatisticsAPI and StatisticsGroup share."""
    return {
        "max_latency": sample.latency_max,
        "avg_latency": _average(sample.latency_sum, sample.count),
        "req_count": sample.count,
        "req_count2xx": sample.count_2xx,
        "req_count4xx": sample.count_4xx,
        "req_count5xx": sample.count_5xx,
        "req_count_error": sample.count_4xx + sample.count_5xx,
        "output_throughput": sample.bytes_out,
        "input_throughput": sample.bytes_in,
        "current_minute": start,
        "group_id": group_id,
        "provider": provider,
        "req_time": _stamp(start),
        "register_time": _stamp(sample.last_at),
    }


def _api_item(sample, start, cycle, api, provider):
    """One ``StatisticsAPI``."""
    return dict(
        _common(sample, start, api.group.id, provider),
        max_inner_latency=sample.inner_max,
        avg_inner_latency=_average(sample.inner_sum, sample.count),
        max_backend_latency=sample.backend_max,
        avg_backend_latency=_average(sample.backend_sum, sample.count),
        cycle=cycle,
        api_id=api.id,
        status=1,
    )


def _minutes(query):
    """``duration`` (``<n>m`` or ``<n>h``, n >= 1) in minutes; APIG.2012 naming it otherwise."""
    text = query.get("duration")
    found = DURATION.match(text or "")
    if found is None:
        raise errors.invalid_parameter("duration")
    return int(found.group(1)) * (60 if found.group(2) == "h" else 1)


def answer(name, book, catalog, query):
    """``(status, payload)`` of ListLatelyApiStatisticsV2 (``api_statistics``) or ListLatelyGroupStatisticsV2."""
    now = book.clock.now()
    if name == "api_statistics":
        if not query.get("api_id"):
            raise errors.invalid_parameter("api_id")
        minutes = _minutes(query)
        api = catalog.apis.get(query["api_id"])
        if api is None:
            raise errors.api_definition_not_found(query["api_id"])
        start, end, period, cycle = window(minutes, now)
        samples = book.samples(start, end, period, api_id=api.id)
        items = [_api_item(sample, at, cycle, api, catalog.project_id) for at, sample in samples.items()]
    else:
        if not query.get("group_id"):
            raise errors.invalid_parameter("group_id")
        group = catalog.groups.get(query["group_id"])
        if group is None:
            raise errors.group_not_found(query["group_id"])
        start, end, period, _cycle = window(60, now)
        samples = book.samples(start, end, period, group_id=group.id)
        items = [_common(sample, at, group.id, catalog.project_id) for at, sample in samples.items()]
    return 200, {"code": "APIG.0000", "msg": "Success", "start_time": start, "end_time": end, "list": items}
