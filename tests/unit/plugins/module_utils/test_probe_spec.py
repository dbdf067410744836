# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""probe_spec.py: the probe options, declared once, and the ``ProbeSpec`` that checks what an argument spec cannot.

A bad option must be named (``option``) and refused once per run, before any socket is opened; the declared
defaults and the spec's own defaults must be the same, or a probe from ``backend_probe`` and one from
``backend_connectivity``'s ``local_probe`` would behave differently.
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    MAX_CONCURRENCY,
    ProbeInputError,
    ProbeSpec,
    check_wait,
    probe_option_spec,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.status_codes import parse_expected_status


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"protocol": "udp"}, "protocol"),
        ({"path": "health"}, "path"),
        ({"path": "/a b"}, "path"),
        ({"method": "POST"}, "method"),
        ({"headers": ["X-A: 1"]}, "headers"),
        ({"headers": {"X A": "1"}}, "headers"),
        ({"headers": {"X-A": "a\r\nInjected: 1"}}, "headers"),
        ({"expected_status": "2xx"}, "expected_status"),
        ({"body_regex": "(unclosed"}, "body_regex"),
        ({"body_regex": "ok", "method": "HEAD"}, "body_regex"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"server_name": ""}, "server_name"),
        ({"ca_path": "/nonexistent/ca.pem"}, "ca_path"),
        ({"body_limit": 0}, "body_limit"),
    ],
)
def test_probe_spec_names_the_bad_option(kwargs, option):
    with pytest.raises(ProbeInputError) as caught:
        ProbeSpec(**kwargs)
    assert caught.value.option == option
    assert str(caught.value).startswith(option + ": ")


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 10001}, "concurrency"),
        ({"concurrency": True}, "concurrency"),
        ({"concurrency": 2.5}, "concurrency"),
    ],
)
def test_concurrency_is_checked_by_the_spec(kwargs, option):
    with pytest.raises(ProbeInputError) as caught:
        ProbeSpec(**kwargs)
    assert caught.value.option == option


def test_the_declared_defaults_are_the_specs_defaults():
    declared = {name: option.get("default") for name, option in probe_option_spec().items()}
    from_declaration = ProbeSpec(**{name: value for name, value in declared.items() if value is not None})
    plain = ProbeSpec()
    for name in declared:
        assert getattr(from_declaration, name) == getattr(plain, name), name
    assert (plain.protocol, plain.path, plain.method, plain.timeout, plain.concurrency) == (
        "tcp",
        "/",
        "GET",
        DEFAULT_TIMEOUT,
        DEFAULT_CONCURRENCY,
    )
    assert plain.expected_status == parse_expected_status("200-399")


def test_from_params_takes_options_as_ansible_converted_them():
    params = dict.fromkeys(probe_option_spec())
    params.update(protocol="https", timeout=2.5, headers={"X-Count": 3, "X-Empty": None}, validate_certs=False)
    spec = ProbeSpec.from_params(params)
    assert (spec.protocol, spec.timeout, spec.validate_certs) == ("https", 2.5, False)
    assert spec.headers == {"X-Count": "3", "X-Empty": ""}
    assert spec.path == "/" and spec.body_regex is None and spec.server_name is None


def test_an_empty_body_regex_is_no_body_check():
    assert ProbeSpec(body_regex="").body_regex is None
    assert ProbeSpec(body_regex="^ok$").body_regex.pattern == "^ok$"


def test_a_timeout_given_as_text_is_a_number():
    assert ProbeSpec(timeout="0.25").timeout == 0.25


def test_concurrency_limits_are_inclusive():
    assert ProbeSpec(concurrency=1).concurrency == 1
    assert ProbeSpec(concurrency=MAX_CONCURRENCY).concurrency == MAX_CONCURRENCY


@pytest.mark.parametrize(
    "wait_timeout, wait_interval, option",
    [
        (-0.1, 1, "wait_timeout"),
        (float("inf"), 1, "wait_timeout"),
        ("soon", 1, "wait_timeout"),
        (0, 0, "wait_interval"),
    ],
)
def test_wait_options_name_the_bad_one(wait_timeout, wait_interval, option):
    with pytest.raises(ProbeInputError) as caught:
        check_wait(wait_timeout, wait_interval)
    assert caught.value.option == option
    assert str(caught.value).startswith(option + ": ")


def test_no_wait_is_zero_seconds():
    assert check_wait(0, 0.5) == (0.0, 0.5)
