# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loading and validating emulator configs."""

import pytest

from tests.emulator import presets
from tests.emulator.config import ConfigError, EmulatorConfig


def minimal(**extra):
    data = {
        "projects": [
            {
                "id": "p1",
                "instances": [
                    {"id": "i1", "vpc_channels": [{"id": "c1", "members": [{"host": "127.0.0.1", "port": 80}]}]}
                ],
            }
        ]
    }
    data.update(extra)
    return data


def test_defaults_are_filled_in():
    config = EmulatorConfig.load(minimal(tokens=[{"value": "t"}]))
    member = config.projects["p1"].instances["i1"].vpc_channels["c1"].members[0]
    api = member.to_api()
    assert len(api["id"]) == 32 and int(api["id"], 16) >= 0
    assert api["weight"] == 1 and api["is_backup"] is False and api["status"] == 1
    assert api["health_status"] == "healthy" and api["vpc_channel_id"] == "c1"
    assert api["create_time"].endswith("Z") and "T" in api["create_time"]
    assert config.tokens[0].project_id == "p1"  # the only project is the default
    assert config.projects["p1"].name == "p1"
    assert config.check_timeout == 2.0 and config.throttle is None
    assert config.hosts["localhost"] == ["127.0.0.1"]


def test_generated_member_ids_are_stable():
    first = EmulatorConfig.load(minimal()).projects["p1"].instances["i1"].vpc_channels["c1"].members[0].id
    second = EmulatorConfig.load(minimal()).projects["p1"].instances["i1"].vpc_channels["c1"].members[0].id
    assert first == second


def test_yaml_file(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("projects:\n  - id: p1\n    name: r1\nthrottle: {max_requests_per_second: 5, retry_after: 2}\n")
    config = EmulatorConfig.load(str(path))
    assert config.project_by_name("r1").id == "p1"
    assert config.throttle.max_requests_per_second == 5 and config.throttle.retry_after == 2


def test_presets_config_is_valid():
    config = EmulatorConfig.load(presets.default_config())
    assert presets.AK in config.aksk and config.aksk[presets.TEMP_AK].security_token == presets.SECURITY_TOKEN


def test_load_copies_the_dict():
    data = minimal()
    EmulatorConfig.load(data)
    assert data == minimal()


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "projects"),
        ({"projects": []}, "at least one"),
        (minimal(unknown=1), "unknown key"),
        (minimal(check_timeout=0), "check_timeout"),
        (minimal(throttle={"max_requests_per_second": 0}), "max_requests_per_second"),
        ({"projects": [{"id": "p1"}, {"id": "p1"}]}, "duplicate"),
        ({"projects": [{"id": "a/b"}]}, "URL path"),
        ({"projects": [{"id": "p1"}, {"id": "p2"}], "tokens": [{"value": "t"}]}, "project_id is required"),
        (
            {
                "projects": [
                    {"id": "p", "instances": [{"id": "i", "vpc_channels": [{"id": "c", "members": [{"host": "h"}]}]}]}
                ]
            },
            "host and port",
        ),
        (
            {
                "projects": [
                    {
                        "id": "p",
                        "instances": [
                            {"id": "i", "vpc_channels": [{"id": "c", "members": [{"host": "h", "port": 65536}]}]}
                        ],
                    }
                ]
            },
            "port",
        ),
        (
            {
                "projects": [
                    {
                        "id": "p",
                        "instances": [{"id": "i", "vpc_channels": [{"id": "c", "members": [{"backend": "nope"}]}]}],
                    }
                ]
            },
            "not defined",
        ),
        (
            {
                "projects": [
                    {
                        "id": "p",
                        "instances": [
                            {
                                "id": "i",
                                "vpc_channels": [
                                    {"id": "c", "members": [{"host": "h", "port": 1, "health_status": "sick"}]}
                                ],
                            }
                        ],
                    }
                ]
            },
            "health_status",
        ),
        (minimal(backends={"x": "teapot"}), "kind"),
        (minimal(hosts={"db": "not-an-ip"}), "IP address"),
        (minimal(blocked_from_gateway=["10.0.0.1:0"]), "blocked_from_gateway"),
        (minimal(users=[{"name": "u"}]), "password"),
        (minimal(tokens=[{"value": "has space"}]), "blanks"),
        (minimal(aksk=[{"ak": "a", "sk": "s", "permitted": "yes"}]), "true or false"),
    ],
)
def test_invalid_configs(data, message):
    with pytest.raises(ConfigError) as info:
        EmulatorConfig.load(data)
    assert message in str(info.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(ConfigError):
        EmulatorConfig.load(str(tmp_path / "missing.yml"))
    bad = tmp_path / "list.yml"
    bad.write_text("- 1\n")
    with pytest.raises(ConfigError):
        EmulatorConfig.load(str(bad))
