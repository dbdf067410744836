# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The echo backend echoes, or answers what it is set to, and the change takes effect at the next request."""

import pytest
import requests

from tests.loopback.echo_backend import EchoBackend, SettingsError

TIMEOUT = 10


def test_it_echoes_the_request_by_default():
    with EchoBackend(name="web") as echo:
        answer = requests.post(echo.address.join(("http://", "/a/b?x=1")), data=b"hi", timeout=TIMEOUT)
        seen = answer.json()
        assert (seen["backend"], seen["method"], seen["path"], seen["query"], seen["body"]) == (
            "web",
            "POST",
            "/a/b",
            "x=1",
            "hi",
        )
        assert echo.requests == [seen]


def test_configure_sets_status_body_headers_and_reset_echoes_again():
    with EchoBackend(status=503) as echo:
        url = "http://%s/" % echo.address
        assert requests.get(url, timeout=TIMEOUT).status_code == 503
        echo.configure(status=500, body="down", headers={"Retry-After": "3"})
        answer = requests.get(url, timeout=TIMEOUT)
        assert (answer.status_code, answer.text, answer.headers["Retry-After"]) == (500, "down", "3")
        echo.configure(body_size=5)
        assert requests.get(url, timeout=TIMEOUT).text == "xxxxx", "a filler size replaces the body"
        assert requests.head(url, timeout=TIMEOUT).text == ""
        echo.reset()
        assert requests.get(url, timeout=TIMEOUT).json()["method"] == "GET"


@pytest.mark.parametrize(
    "settings",
    [{"status": 99}, {"status": "500"}, {"body": 1}, {"body_size": -1}, {"latency_ms": True}, {"colour": "red"}],
)
def test_bad_settings_are_refused(settings):
    with pytest.raises(SettingsError):
        EchoBackend(**settings)


def test_it_binds_loopback_only():
    with pytest.raises(ValueError):
        EchoBackend(host="0.0.0.0")
