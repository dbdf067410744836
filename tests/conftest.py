"""Fixtures shared by every test: the emulator and loopback backends."""

pytest_plugins = ["tests.emulator.fixtures"]

# The proxy variables of the machine that runs the tests must not route their loopback requests: every test that
# wants a proxy sets one itself (tests/unit/plugins/module_utils/test_proxies.py, tests/integration/test_proxy.py).
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY")


def pytest_configure(config):  # pylint: disable=unused-argument
    import os
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
