# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a test needs of the machine, and the one rule for when it is missing: the only place a test may skip.

On a developer's machine a test whose need is missing (an IPv6 loopback, Python 3.8, port 80, ``/proc``,
tinyproxy, podman) is skipped with the reason. Under ``HWCLOUD_APIG_REQUIRE_TOOLS=1`` - CI sets it (``.ci/run``,
which installs what it can) - it fails instead, so that a skip cannot hide in CI: the oldest managed-host Python
and the IPv6 paths are claims of the collection, not extras.

* ``missing(reason)``, in a test or a fixture, when the need turns out missing at run time;
* ``@needs(available, reason)`` on a test, for a need known when the tests are collected; the test is marked, and
  ``tests/conftest.py`` calls ``missing`` for it before it runs.

``tests/unit/test_skips.py`` holds every other file of ``tests/`` to this: no ``pytest.skip`` or ``skipif`` of
its own.
"""

import os

import pytest

REQUIRE_VARIABLE = "HWCLOUD_APIG_REQUIRE_TOOLS"
MARKER = "needs"


def required():
    """Whether every need is required here (CI), rather than skipped when missing."""
    return os.environ.get(REQUIRE_VARIABLE) == "1"


def missing(reason):
    """The need is missing: skip with ``reason``, or fail when ``HWCLOUD_APIG_REQUIRE_TOOLS=1`` requires it."""
    if required():
        pytest.fail("%s, and %s=1 requires it" % (reason, REQUIRE_VARIABLE), pytrace=False)
    pytest.skip(reason)


def needs(available, reason):
    """A decorator: the test runs when ``available``; otherwise it is marked with ``reason``, for ``missing``."""
    if available:
        return lambda test: test
    return getattr(pytest.mark, MARKER)(reason=reason)
