# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ranges of the collection's numeric options, each declared once and checked from here.

An argument spec types an option but cannot bound it, so each bound lives here, by name, and is used wherever the
option is taken: ``WAIT_TIMEOUT`` by ``backend_probe`` and ``backend_connectivity`` alike (one rule, not one
module's cap), ``API_CONCURRENCY`` by every module that calls APIG on threads. A module lists its top-level ones in
``ApigModule.ranges``, which are checked before anything else; the connection options (``CONNECTION_RANGES``) and
the probe options (``PROBE_RANGES``) are checked where those options are read, because they also arrive nested
(``local_probe``, each entry of ``checks``) or from a VPC channel's health check.

What the user reads is said in the words of ``Range.text``: ``ansible-doc`` states it in the option's description
(``tests/unit/test_option_declarations.py`` holds every documented description to it) and a refusal says
``concurrency must be from 1 to 200, got 500``.
"""

import math


class Range:
    """The values a number option may take: from ``low`` (or more than it, when ``low_excluded``) to ``high``."""

    def __init__(self, low, high=None, low_excluded=False, integer=False, unit=""):
        self.low = low
        self.high = high
        self.low_excluded = low_excluded
        self.integer = integer
        self.unit = unit

    @property
    def text(self):
        """The range in words, as the documentation and the messages say it: ``from 1 to 200``."""
        unit = " " + self.unit if self.unit else ""
        if self.high is None:
            return ("more than %s%s" if self.low_excluded else "%s%s or more") % (self.low, unit)
        if self.low_excluded:
            return "more than %s and at most %s%s" % (self.low, self.high, unit)
        return "from %s to %s%s" % (self.low, self.high, unit)

    @property
    def sentence(self):
        """The sentence an option's description ends with: ``From 1 to 200.``."""
        return self.text[0].upper() + self.text[1:] + "."

    def refusal(self, value):
        """Why ``value`` is out of range (``must be from 1 to 200, got 500``), or None when it is within."""
        kind = "a whole number " if self.integer else ""
        wrong = "must be %s%s, got %s" % (kind, self.text, _shown(value))
        if isinstance(value, bool):
            return wrong
        if self.integer and not isinstance(value, int):
            return wrong
        try:
            number = float(value)
        except (TypeError, ValueError):
            return wrong
        if not math.isfinite(number) or number < self.low or (self.low_excluded and number == self.low):
            return wrong
        if self.high is not None and number > self.high:
            return wrong
        return None


def _shown(value):
    """A value as the user wrote it: Ansible makes ``601`` a float for a float option; say ``601``, not ``601.0``."""
    if isinstance(value, float) and value.is_integer():
        return "%d" % value
    return repr(value)


# The connection to APIG and IAM (doc_fragments/connection.py): one request's wait, and the retries after it.
REQUEST_TIMEOUT = Range(0, 600, low_excluded=True, unit="seconds")
RETRIES = Range(0, 10, integer=True)
CONNECTION_RANGES = {"timeout": REQUEST_TIMEOUT, "retries": RETRIES}

# How many APIG calls (checks, or the API reads of a discovery) a module makes at once: each holds a thread and
# one pooled HTTP connection of the run's one client.
API_CONCURRENCY = Range(1, 200, integer=True)

# Waiting for backends that are still coming up: re-run what failed every wait_interval, for up to wait_timeout.
WAIT_TIMEOUT = Range(0, 3600, unit="seconds")
WAIT_INTERVAL = Range(0, 600, low_excluded=True, unit="seconds")
WAIT_RANGES = {"wait_timeout": WAIT_TIMEOUT, "wait_interval": WAIT_INTERVAL}

# Local probes (doc_fragments/probe.py): one probe of one target, and the probes that hold a thread at once.
PROBE_TIMEOUT = Range(0, low_excluded=True, unit="seconds")
PROBE_CONCURRENCY = Range(1, 10000, integer=True)
PROBE_RANGES = {"timeout": PROBE_TIMEOUT, "concurrency": PROBE_CONCURRENCY}

# The gateway's statistics (api_statistics_info): one sample per minute, within the last hour.
STATISTICS_MINUTES = Range(1, 60, integer=True, unit="minutes")

# The api_verify role's bake (plugin_utils/bake.py): how long, how often, over what window, and its thresholds.
BAKE_RANGES = {
    "api_verify_bake_seconds": Range(0, 86400, low_excluded=True, unit="seconds"),
    "api_verify_bake_interval": Range(0, 3600, low_excluded=True, unit="seconds"),
    "api_verify_window_minutes": STATISTICS_MINUTES,
    "api_verify_max_error_rate": Range(0, 1),
    "api_verify_max_latency_ms": Range(0, unit="ms"),
    "api_verify_min_requests": Range(0, integer=True),
}
# The role's own api_verify_bake_seconds: 0 is no bake at all (the role validates it before any request).
ROLE_BAKE_SECONDS = Range(0, 86400, unit="seconds")

# How many failing checks or calls a gate tolerates.
MAX_FAILURES = Range(0)  # the roles type it int; "0 or more" says the rest
