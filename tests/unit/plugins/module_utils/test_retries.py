"""host:port parsing as APIG writes it, and the retry delays."""

import random

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import retries
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import format_address as format_host_port
from ansible_collections.hwcloud.apig.plugins.module_utils.targets import parse_address


@pytest.mark.parametrize(
    "text, expected",
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("api.example.com:443", ("api.example.com", 443)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
        ("[::1]:1", ("::1", 1)),
        ("localhost:65535", ("localhost", 65535)),
    ],
)
def test_parse_good(text, expected):
    address = parse_address(text)
    assert (address.host, address.port) == expected
    assert format_host_port(*expected) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "host",
        "host:",
        ":80",
        "host:0",
        "host:65536",
        "host:-1",
        "host:8o",
        "2001:db8::1:443",
        "[2001:db8::zz]:1",
        "[::1]",
        "[::1]:",
        " host:80",
        "ho st:80",
        "host:80 ",
        "-bad-.com:80",
        "a..b:80",
        "999.1.1.1:80",
        "1.2.3:80",
        "host:٣",
        "x" * 300 + ":80",
        "ünïcode.example:80",
    ],
)
def test_parse_bad(text):
    with pytest.raises(ValueError):
        parse_address(text)


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
