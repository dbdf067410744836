# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Flow control: the sliding window and the 429 APIG.0308 answer."""

import requests

from tests.emulator import presets
from tests.emulator.throttle import RateLimiter
from tests.unit.emulator.helpers import TIMEOUT, members


def test_sliding_window():
    limiter = RateLimiter(2)
    assert limiter.admit(10.0) and limiter.admit(10.5)
    assert not limiter.admit(10.9)
    assert limiter.admit(11.01)  # the request at 10.0 left the window
    assert not limiter.admit(11.2)
    assert limiter.admit(11.6)


def test_throttled_requests_get_429_with_retry_after(emulator_factory):
    emu = emulator_factory(presets.default_config(throttle={"max_requests_per_second": 3, "retry_after": 1}))
    statuses = [members(emu) for _attempt in range(5)]
    assert [r.status_code for r in statuses[:3]] == [200, 200, 200]
    throttled = statuses[3]
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.json() == {
        "error_code": "APIG.0308",
        "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:3,time:1 second",
    }
    assert statuses[4].status_code == 429


def test_retry_after_only_when_configured(emulator_factory):
    emu = emulator_factory(presets.default_config(throttle={"max_requests_per_second": 1}))
    assert members(emu).status_code == 200
    throttled = members(emu)
    assert throttled.status_code == 429 and "Retry-After" not in throttled.headers


def test_iam_is_not_throttled(emulator_factory):
    emu = emulator_factory(presets.default_config(throttle={"max_requests_per_second": 1}))
    for _attempt in range(3):
        assert requests.post(emu.url + "/v3/auth/tokens", data=b"{}", timeout=TIMEOUT).status_code == 400
