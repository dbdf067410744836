# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The api_verify role's tolerance and bake settings, held to their ranges before any request: each one out of range
named alone with its range and the value given, every one within it silent, a value the bake would refuse refused
here first, and the filter the role calls refusing what it cannot read."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.apig.plugins.filter.api_verify import FilterModule
from ansible_collections.hwcloud.apig.plugins.plugin_utils.bake import Thresholds
from ansible_collections.hwcloud.apig.plugins.plugin_utils.verify_settings import ROLE_RANGES, settings_refusal

DEFAULTS = {
    "api_verify_max_failures": 0,
    "api_verify_bake_seconds": 0,
    "api_verify_bake_interval": 60,
    "api_verify_window_minutes": 5,
    "api_verify_max_error_rate": 0.01,
    "api_verify_max_latency_ms": 0,
    "api_verify_min_requests": 20,
}
refusal = FilterModule().filters()["api_verify_refusal"]


def test_the_role_s_defaults_and_values_given_as_text_are_within_range():
    assert set(DEFAULTS) == set(ROLE_RANGES)
    assert refusal(DEFAULTS) == ""
    assert refusal(dict(DEFAULTS, api_verify_max_failures="2", api_verify_bake_seconds="600")) == ""


@pytest.mark.parametrize(
    "name, value, said",
    [
        ("api_verify_max_failures", -1, "api_verify_max_failures must be a whole number 0 or more, got -1"),
        ("api_verify_max_failures", "-1", "api_verify_max_failures must be a whole number 0 or more, got -1"),
        ("api_verify_bake_seconds", 86401, "api_verify_bake_seconds must be from 0 to 86400 seconds, got 86401"),
        ("api_verify_bake_interval", 0, "api_verify_bake_interval must be more than 0 and at most 3600 seconds, got 0"),
        (
            "api_verify_bake_interval",
            5000,
            "api_verify_bake_interval must be more than 0 and at most 3600 seconds, got 5000",
        ),
        (
            "api_verify_window_minutes",
            61,
            "api_verify_window_minutes must be a whole number from 1 to 60 minutes, got 61",
        ),
        ("api_verify_max_error_rate", 1.5, "api_verify_max_error_rate must be from 0 to 1, got 1.5"),
        ("api_verify_max_latency_ms", -5, "api_verify_max_latency_ms must be 0 ms or more, got -5"),
        ("api_verify_min_requests", -1, "api_verify_min_requests must be a whole number 0 or more, got -1"),
    ],
)
def test_a_setting_out_of_range_is_named_alone_with_its_range(name, value, said):
    assert refusal(dict(DEFAULTS, **{name: value})) == said


def test_several_out_of_range_are_each_named_once_and_nothing_else():
    said = refusal(dict(DEFAULTS, api_verify_max_failures=-1, api_verify_bake_interval=5000))
    assert said.split("; ") == [
        "api_verify_bake_interval must be more than 0 and at most 3600 seconds, got 5000",
        "api_verify_max_failures must be a whole number 0 or more, got -1",
    ]


def test_whatever_the_bake_would_refuse_the_role_refuses_before_any_call():
    """A value Thresholds refuses (after the calls) is refused here first (before them)."""
    for name in ROLE_RANGES:
        if name in ("api_verify_max_failures", "api_verify_bake_seconds"):
            continue
        for value in (-1, 0, 0.5, 61, 3601, 1.5, "x"):
            values = dict(DEFAULTS, api_verify_bake_seconds=60, **{name: value})
            try:
                Thresholds(*(values[key] for key in list(DEFAULTS)[1:]))
            except ValueError:
                assert settings_refusal(values), (name, value)


def test_what_the_filter_cannot_read_is_an_error():
    with pytest.raises(AnsibleFilterError, match="expects a dictionary"):
        refusal(["api_verify_max_failures"])
    with pytest.raises(AnsibleFilterError, match="no range is known for api_verify_bake_secs"):
        refusal({"api_verify_bake_secs": 60})
