# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parsing and formatting of backend addresses (what APIG accepts in backend_address)."""

import pytest

from tests.emulator.addresses import format_address, is_hostname, parse_backend_address
from tests.loopback.sockets import is_loopback


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10.1.2.3:8080", ("10.1.2.3", 8080)),
        ("10.1.2.3", ("10.1.2.3", 80)),
        ("api.example.com", ("api.example.com", 80)),
        ("[2001:db8::1]", ("2001:db8::1", 80)),
        ("api.example.com:443", ("api.example.com", 443)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
        ("[::1]:1", ("::1", 1)),
        ("localhost:65535", ("localhost", 65535)),
        ("backend-1:80", ("backend-1", 80)),
    ],
)
def test_valid_addresses(text, expected):
    assert parse_backend_address(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "10.1.2.3:",
        ":80",
        "10.1.2.3:0",
        "10.1.2.3:65536",
        "10.1.2.3:80a",
        "10.1.2.3:-1",
        "2001:db8::1:443",
        "[2001:db8::1]443",
        "#NO#:80",
        "host:#B#",
        "x" * 250 + ".example",
        "[not-v6]:80",
        "999.1.1.1:80",
        "1.2.3:80",
        "http://10.1.2.3:80",
        "host name:80",
        " 10.1.2.3:80",
        "-bad.example.com:80",
        "a..b:80",
        None,
        8080,
    ],
)
def test_invalid_addresses(text):
    with pytest.raises(ValueError):
        parse_backend_address(text)


def test_format_brackets_ipv6_only():
    assert format_address("10.0.0.1", 80) == "10.0.0.1:80"
    assert format_address("::1", 443) == "[::1]:443"
    assert format_address("api.example.com", 8443) == "api.example.com:8443"


def test_loopback_and_hostname_predicates():
    assert is_loopback("127.0.0.1") and is_loopback("127.8.9.10") and is_loopback("::1")
    assert not is_loopback("10.0.0.1") and not is_loopback("localhost") and not is_loopback("::")
    assert is_hostname("a.example.com") and is_hostname("example.com.") and is_hostname("my_host.internal")
    assert not is_hostname("1.2.3.4") and not is_hostname("-a.example.com") and not is_hostname("x" * 64 + ".com")
