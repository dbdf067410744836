# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate roles' bounded variables, held to their ranges before any request: each one out of range named alone with
its range and the value given (nested ones by their path), every one within it - or not given - silent, a value the
bake or a module would refuse refused here first, and the filters the roles call refusing what they cannot read."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.apig.plugins.filter.api_verify import FilterModule
from ansible_collections.hwcloud.apig.plugins.filter.backend_gate import FilterModule as GateFilters
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import CONNECTION_RANGES, PROBE_RANGES
from ansible_collections.hwcloud.apig.plugins.modules.backend_connectivity import BackendConnectivityModule
from ansible_collections.hwcloud.apig.plugins.plugin_utils.bake import Thresholds
from ansible_collections.hwcloud.apig.plugins.plugin_utils.role_settings import (
    GATE_RANGES,
    VERIFY_RANGES,
    settings_refusal,
)

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
gate_refusal = GateFilters().filters()["backend_gate_refusal"]


def test_the_role_s_defaults_and_values_given_as_text_are_within_range():
    assert set(DEFAULTS) | {"api_verify_auth"} == {path[0] for path in VERIFY_RANGES}
    assert refusal(DEFAULTS) == ""
    assert refusal(dict(DEFAULTS, api_verify_max_failures="2", api_verify_bake_seconds="600")) == ""


@pytest.mark.parametrize(
    "name, value, said",
    [
        ("api_verify_max_failures", -1, "api_verify_max_failures must be 0 or more, got -1"),
        ("api_verify_max_failures", "-1", "api_verify_max_failures must be 0 or more, got -1"),
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
        "api_verify_max_failures must be 0 or more, got -1",
    ]


def test_whatever_the_bake_would_refuse_the_role_refuses_before_any_call():
    """A value Thresholds refuses (after the calls) is refused here first (before them)."""
    for name in DEFAULTS:
        if name in ("api_verify_max_failures", "api_verify_bake_seconds"):
            continue
        for value in (-1, 0, 0.5, 61, 3601, 1.5, "x"):
            values = dict(DEFAULTS, api_verify_bake_seconds=60, **{name: value})
            try:
                Thresholds(*(values[key] for key in list(DEFAULTS)[1:]))
            except ValueError:
                assert settings_refusal(values, "api_verify"), (name, value)


def test_what_the_filter_cannot_read_is_an_error():
    with pytest.raises(AnsibleFilterError, match="expects a dictionary"):
        refusal(["api_verify_max_failures"])
    with pytest.raises(AnsibleFilterError, match="no range is known for api_verify_bake_secs"):
        refusal({"api_verify_bake_secs": 60})


# ---- the backend gate -----------------------------------------------------------------------------------------------

GATE_DEFAULTS = {
    "backend_gate_max_failures": 0,
    "backend_gate_wait_timeout": 0,
    "backend_gate_wait_interval": 5,
    "backend_gate_local_probe": {},
    "backend_gate_auth": {},
}
CHECK = {"name": "web", "instance_id": "i", "backend_type": "backend_address", "backend_address": "127.0.0.1:80"}


def test_the_gate_s_defaults_and_options_not_given_are_silent():
    assert gate_refusal(GATE_DEFAULTS) == ""
    given = dict(
        GATE_DEFAULTS,
        backend_gate_local_probe={"timeout": None, "concurrency": 50},
        backend_gate_auth={"timeout": "30", "retries": 2, "password": "p-secret"},
    )
    assert gate_refusal(given) == ""


@pytest.mark.parametrize(
    "more, said",
    [
        ({"backend_gate_max_failures": -1}, "backend_gate_max_failures must be 0 or more, got -1"),
        ({"backend_gate_wait_timeout": 5000}, "backend_gate_wait_timeout must be from 0 to 3600 seconds, got 5000"),
        (
            {"backend_gate_wait_interval": 0},
            "backend_gate_wait_interval must be more than 0 and at most 600 seconds, got 0",
        ),
        (
            {"backend_gate_local_probe": {"concurrency": 0}},
            "backend_gate_local_probe.concurrency must be a whole number from 1 to 10000, got 0",
        ),
        (
            {"backend_gate_auth": {"timeout": 700, "password": "p-secret"}},
            "backend_gate_auth.timeout must be more than 0 and at most 600 seconds, got 700",
        ),
        (
            {"backend_gate_auth": {"retries": 11}},
            "backend_gate_auth.retries must be a whole number from 0 to 10, got 11",
        ),
    ],
)
def test_a_gate_setting_out_of_range_is_named_alone_by_its_path(more, said):
    assert gate_refusal(dict(GATE_DEFAULTS, **more)) == said


def test_the_gate_holds_every_variable_it_passes_on_to_the_module_s_range():
    """The role's variables reach backend_connectivity's options: the same ranges, so the role refuses no less."""
    module = BackendConnectivityModule.ranges
    assert GATE_RANGES[("backend_gate_wait_timeout",)] is module["wait_timeout"]
    assert GATE_RANGES[("backend_gate_wait_interval",)] is module["wait_interval"]
    for name, allowed in PROBE_RANGES.items():
        assert GATE_RANGES[("backend_gate_local_probe", name)] is allowed
    for name, allowed in CONNECTION_RANGES.items():
        assert GATE_RANGES[("backend_gate_auth", name)] is allowed
        assert VERIFY_RANGES[("api_verify_auth", name)] is allowed


def test_what_is_inside_a_check_is_left_to_the_check():
    """An invalid check is an ERROR under its own name while the other checks are made (docs/gate-role.md)."""
    assert not [path for path in GATE_RANGES if path[0] == "backend_gate_checks"]
    with pytest.raises(AnsibleFilterError, match="no range is known for backend_gate_checks"):
        gate_refusal(dict(GATE_DEFAULTS, backend_gate_checks=[dict(CHECK, local_probe={"timeout": -1})]))


def test_a_secret_beside_a_bounded_option_is_never_in_the_refusal():
    said = gate_refusal(dict(GATE_DEFAULTS, backend_gate_auth={"timeout": -1, "password": "p-secret"}))
    assert said and "p-secret" not in said


def test_what_the_gate_filter_cannot_read_is_an_error():
    with pytest.raises(AnsibleFilterError, match="expects a dictionary"):
        gate_refusal("backend_gate_wait_timeout=5000")
    with pytest.raises(AnsibleFilterError, match="no range is known for backend_gate_probe"):
        gate_refusal({"backend_gate_probe": "remote"})
