# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures shared by every test (the emulator and the loopback backends), the hypothesis profiles, and the network
guard: nothing in a test process connects outside loopback or looks a name up (``tests/loopback/network_guard.py``).

``ci`` (the default) draws the same examples on every run - derandomized, no example database - so a randomised
test cannot fail by chance in CI; a failure prints the blob that reproduces it. ``HYPOTHESIS_PROFILE=dev`` draws
new random examples, more of them, for a developer hunting bugs; tests that state their own ``max_examples``
(because each example runs a playbook or a whole topology) keep that budget in both.
"""

import os

import pytest
from hypothesis import settings

from tests.loopback.network_guard import NetworkGuard
from tests.needs import MARKER, missing

pytest_plugins = ["tests.emulator.fixtures", "tests.loopback.fixtures"]

settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("dev", derandomize=False, max_examples=1000, print_blob=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The proxy variables of the machine that runs the tests must not route their loopback requests: every test that
# wants a proxy sets one itself (tests/unit/plugins/module_utils/test_proxies.py, tests/integration/test_proxy.py).
PROXY_VARIABLES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "no_proxy",
    "NO_PROXY",
    "all_proxy",
    "ALL_PROXY",
)


NETWORK_GUARD = NetworkGuard()


def pytest_configure(config):  # pylint: disable=unused-argument
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    NETWORK_GUARD.install()


def pytest_unconfigure(config):  # pylint: disable=unused-argument
    NETWORK_GUARD.uninstall()


@pytest.fixture(autouse=True)
def loopback_only():
    """Fail the test if anything in this process tried to leave loopback, even if the code under test caught it."""
    already = len(NETWORK_GUARD.refused)
    yield
    refused = NETWORK_GUARD.refused[already:]
    if refused:
        pytest.fail("the network guard refused: %s" % "; ".join(refused), pytrace=False)


@pytest.fixture(autouse=True)
def _needs(request):
    """A test marked by ``tests.needs.needs`` is skipped, or failed under HWCLOUD_APIG_REQUIRE_TOOLS=1, before it runs."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        missing(marker.kwargs["reason"])
