# Copyright (c) hwcloud.apig developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Target strings: what is accepted, and that bad ones are named before any probe."""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.targets import (
    InvalidTargetError,
    Target,
    format_address,
    parse_target,
    parse_targets,
)


@pytest.mark.parametrize(
    "text, protocol, host, port, path, is_ip",
    [
        ("127.0.0.1:8080", "tcp", "127.0.0.1", 8080, None, True),
        ("localhost:1", "tcp", "localhost", 1, None, False),
        ("backend-1.internal.example:65535", "tcp", "backend-1.internal.example", 65535, None, False),
        ("svc_a.local.:443", "tcp", "svc_a.local.", 443, None, False),
        ("[::1]:443", "tcp", "::1", 443, None, True),
        ("[fe80::1%lo]:22", "tcp", "fe80::1%lo", 22, None, True),
        ("http://127.0.0.1:8080/healthz", "http", "127.0.0.1", 8080, "/healthz", True),
        ("http://localhost", "http", "localhost", 80, None, False),
        ("https://localhost", "https", "localhost", 443, None, False),
        ("https://localhost/", "https", "localhost", 443, "/", False),
        ("HTTPS://localhost:9443/a/b?x=1&y=2", "https", "localhost", 9443, "/a/b?x=1&y=2", False),
        ("http://localhost:81?ready", "http", "localhost", 81, "/?ready", False),
        ("http://[::1]:8080/x", "http", "::1", 8080, "/x", True),
        ("http://[::1]/", "http", "::1", 80, "/", True),
    ],
)
def test_valid_targets(text, protocol, host, port, path, is_ip):
    target = parse_target(text, "tcp")
    assert target == Target(text, protocol, host, port, path, is_ip)
    assert target.text == text


def test_default_protocol_applies_to_host_port_only():
    assert parse_target("127.0.0.1:443", "https").protocol == "https"
    assert parse_target("http://127.0.0.1:443/", "tls").protocol == "http"


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "empty"),
        ("127.0.0.1", "no port"),
        ("127.0.0.1:", "no port"),
        ("localhost", "no port"),
        ("127.0.0.1:0", "port 0 is outside 1-65535"),
        ("127.0.0.1:65536", "port 65536 is outside 1-65535"),
        ("127.0.0.1:99999999", "outside 1-65535"),
        ("127.0.0.1:http", "port 'http' is not a number"),
        ("127.0.0.1:-1", "is not a number"),
        ("127.0.0.1:+80", "is not a number"),
        (":80", "no host"),
        ("::1:80", "IPv6 addresses need brackets"),
        ("[::1]", 'no port after "]"'),
        ("[::1]80", "unexpected '80' after \"]\""),
        ("[::1:80", "unclosed"),
        ("[127.0.0.1]:80", "is not an IPv6 address"),
        ("[nonsense]:80", "is not an IPv6 address"),
        ("999.1.1.1:80", "not a valid IPv4 address"),
        ("1.2.3:80", "not a valid IPv4 address"),
        ("bad host:80", "white space"),
        (" 127.0.0.1:80", "white space"),
        ("127.0.0.1:80\n", "white space"),
        ("-leading-dash:80", "not a valid host name"),
        ("a..b:80", "not a valid host name"),
        ("b\u00fccher.example:80", "xn--"),
        ("%s.example:80" % ("a" * 64), "not a valid host name"),
        ("127.0.0.1:80/health", "a path needs a URL"),
        ("ftp://127.0.0.1:21/", "URL scheme 'ftp'"),
        ("tcp://127.0.0.1:21", "URL scheme 'tcp'"),
        ("http://", "no host in URL"),
        ("http://:80/", "no host"),
        ("http://user:pw@127.0.0.1/", "user info"),
        ("http://127.0.0.1:0/", "port 0"),
        ("http://127.0.0.1:70000/", "outside 1-65535"),
        ("http://::1:80/", "IPv6 addresses need brackets"),
        ("http://[::1]x/", "unexpected"),
        ("!!!", "no port"),
        ("@@@:80", "not a valid host name"),
        (None, "must be a string"),
        (8080, "must be a string"),
    ],
)
def test_invalid_targets_are_named(text, why):
    with pytest.raises(InvalidTargetError) as caught:
        parse_target(text, "tcp")
    assert caught.value.target == text
    assert why in str(caught.value)
    assert repr(text) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_parse_targets_reports_every_bad_target_at_once():
    with pytest.raises(InvalidTargetError) as caught:
        parse_targets(["127.0.0.1:80", "nope", "127.0.0.1:0", "localhost:22"], "tcp")
    assert [target for target, dummy in caught.value.problems] == ["nope", "127.0.0.1:0"]
    assert caught.value.target == "nope"
    assert str(caught.value).startswith("invalid targets ")


def test_parse_targets_caps_the_message_but_keeps_every_problem():
    bad = ["bad%d" % index for index in range(25)]
    with pytest.raises(InvalidTargetError) as caught:
        parse_targets(bad)
    assert len(caught.value.problems) == 25
    assert "and 15 more" in str(caught.value)


def test_parse_targets_rejects_a_bare_string_and_passes_targets_through():
    with pytest.raises(InvalidTargetError):
        parse_targets("127.0.0.1:80")
    parsed = parse_target("127.0.0.1:80")
    assert parse_targets([parsed, "localhost:81"]) == [parsed, parse_target("localhost:81")]


def test_unknown_default_protocol():
    with pytest.raises(ValueError):
        parse_target("127.0.0.1:80", "udp")


@pytest.mark.parametrize(
    "host, port, text", [("127.0.0.1", 80, "127.0.0.1:80"), ("::1", 443, "[::1]:443"), ("localhost", 1, "localhost:1")]
)
def test_format_address(host, port, text):
    assert format_address(host, port) == text
    assert parse_target(text).hostport == text
