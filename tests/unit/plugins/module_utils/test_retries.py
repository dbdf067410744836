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


class _Draws:
    """An rng whose uniform(a, b) always draws the lowest (``at=0``) or the highest (``at=1``) value allowed."""

    def __init__(self, at):
        self.at = at

    def uniform(self, low, high):
        return low + (high - low) * self.at


@pytest.mark.parametrize(
    "attempt, shortest, longest",
    [(0, 0.25, 0.5), (1, 0.5, 1.0), (2, 1.0, 2.0), (5, 8.0, 16.0), (6, 10.0, 20.0), (10, 10.0, 20.0)],
)
def test_backoff_spans_half_to_all_of_a_ceiling_that_starts_at_half_a_second_and_stops_at_twenty(
    attempt, shortest, longest
):
    """The documented backoff (docs/fault-matrix.md): from 0.5 s, doubling, never past 20 s; jitter fills [d/2, d]."""
    assert retries.backoff_delay(attempt, _Draws(0)) == shortest
    assert retries.backoff_delay(attempt, _Draws(1)) == longest


@pytest.mark.parametrize("header, expected", [("59.5", 59.5), ("60", 60.0), ("60.5", 60.0), ("61", 60.0)])
def test_retry_after_is_honoured_up_to_sixty_seconds(header, expected):
    """A server asking for more than a minute is waited for a minute (docs/fault-matrix.md), not longer."""
    assert retries.parse_retry_after(header) == expected
    assert retries.retry_delay(0, header, _Draws(1)) == expected


def test_a_retry_after_date_already_past_asks_for_no_wait():
    """An HTTP-date before now (a server clock behind ours) means "retry now", not the 60 s cap."""
    assert retries.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retries.parse_retry_after("Thu, 01 Jan 1998 00:00:00 GMT") == 0.0
    assert retries.parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT") == retries.RETRY_AFTER_CAP
