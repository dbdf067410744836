# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""retries.py: which answers are retried, how long to wait between attempts, and how Retry-After is read.

APIG answers 429 with Retry-After when throttled (APIG API reference, "Error Codes"); a retry storm or an
ignored Retry-After would make the gate slower and the gateway's throttling worse.
"""

import random

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import retries


def test_backoff_grows_with_jitter_and_is_capped():
    rng = random.Random(7)
    delays = [retries.backoff_delay(attempt, rng) for attempt in range(12)]
    for attempt, delay in enumerate(delays):
        ceiling = min(retries.MAX_DELAY, retries.BASE_DELAY * 2**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert len({retries.backoff_delay(2, rng) for _attempt in range(20)}) > 1


@pytest.mark.parametrize(
    "header, expected",
    [
        ("3", 3.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("100000", retries.RETRY_AFTER_CAP),
        ("soon", None),
        (None, None),
        ("nan", None),
    ],
)
def test_retry_after(header, expected):
    assert retries.parse_retry_after(header) == expected


def test_retry_after_http_date():
    assert retries.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412478.0) == 2.0


def test_retry_delay_honours_retry_after():
    assert retries.retry_delay(0, "7") == 7.0
    assert retries.retry_delay(0, None) <= retries.BASE_DELAY


@pytest.mark.parametrize(
    "status, retryable",
    [
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (501, False),
    ],
)
def test_retryable_statuses(status, retryable):
    assert retries.is_retryable_status(status) is retryable
