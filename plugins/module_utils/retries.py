# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""When to retry a call to Huawei Cloud, and how long to wait first.

Huawei advises exponential backoff with jitter for throttling (APIG.0308).  The
list of retryable answers is explicit, as in amazon.aws: throttling and the
server errors a retry can cure.  Other 4xx answers mean the request itself is
wrong; retrying them only delays the failure.

ansible.module_utils.api.generate_jittered_backoff yields whole seconds and a
zero first delay, which would hit a throttled API again at once; here the
delay is "equal jitter" (half fixed, half random) in fractions of a second.
"""

import email.utils
import math
import random
import time

RETRYABLE_STATUSES = frozenset((429, 500, 502, 503, 504))
BASE_DELAY = 0.5
MAX_DELAY = 20.0
RETRY_AFTER_CAP = 60.0


def is_retryable_status(status):
    """True for answers that a later, identical request may get past."""
    return status in RETRYABLE_STATUSES


def backoff_delay(attempt, rng=random):
    """Seconds to wait before retry number ``attempt`` (0-based): in [d/2, d], d = BASE*2**attempt, capped."""
    ceiling = min(MAX_DELAY, BASE_DELAY * (2**attempt))
    return ceiling / 2.0 + rng.uniform(0, ceiling / 2.0)


def parse_retry_after(value, now=None):
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP-date), capped; None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed is None:
            return None
        seconds = parsed.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(0.0, min(seconds, RETRY_AFTER_CAP))


def retry_delay(attempt, retry_after_header=None, rng=random):
    """The wait before a retry: never shorter than the server asked for, never without jitter."""
    delay = backoff_delay(attempt, rng)
    asked = parse_retry_after(retry_after_header)
    if asked is not None:
        delay = max(delay, asked)
    return delay
