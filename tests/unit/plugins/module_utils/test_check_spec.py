# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""check_spec.py: one connectivity check as the user writes it, validated before anything is sent.

IDs go into URL paths (APIG API reference, "Verifying the Backend Connectivity"), so they must be 32 lowercase
hexadecimal characters, as Huawei Cloud writes them (APIG does not find an ID written in another case);
``backend_type`` decides which of ``backend_address`` and ``vpc_channel_id`` is required and which is refused;
every refusal names the option, prefixed by where it is (``checks[3].``).
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    BACKEND_ADDRESS,
    REMOTE,
    VPC_CHANNEL,
    CheckSpec,
    check_option_spec,
    check_spec_from_params,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import probe_option_spec
from tests.emulator import presets


def channel_check(**extra):
    return dict(
        {"instance_id": presets.INSTANCE_ID, "backend_type": VPC_CHANNEL, "vpc_channel_id": presets.CHANNEL_ID},
        **extra,
    )


def address_check(address="127.0.0.1:8080", **extra):
    return dict(
        {"instance_id": presets.INSTANCE_ID, "backend_type": BACKEND_ADDRESS, "backend_address": address}, **extra
    )


@pytest.mark.parametrize(
    "options, option",
    [
        ({"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}, "instance_id"),
        ({"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel"}, "vpc_channel_id"),
        (
            {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": "xyz"},
            "vpc_channel_id",
        ),
        (
            {"instance_id": presets.INSTANCE_ID, "backend_type": "backend_address", "backend_address": "[::1]:0"},
            "backend_address",
        ),
        (
            {
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "backend_address",
                "backend_address": "127.0.0.1:80",
                "vpc_channel_id": presets.CHANNEL_ID,
            },
            "vpc_channel_id",
        ),
        (
            {
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "vpc_channel",
                "vpc_channel_id": presets.CHANNEL_ID,
                "backend_address": "127.0.0.1:80",
            },
            "backend_address",
        ),
        ({"instance_id": 42, "backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}, "instance_id"),
        (
            {
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "vpc_channel",
                "vpc_channel_id": presets.CHANNEL_ID,
                "local_probe": {"timeout": -1},
            },
            "local_probe.timeout",
        ),
        (
            {
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "vpc_channel",
                "vpc_channel_id": presets.CHANNEL_ID,
                "local_probe": {"expected_status": "600-700"},
            },
            "local_probe.expected_status",
        ),
        (
            {
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "vpc_channel",
                "vpc_channel_id": presets.CHANNEL_ID,
                "local_probe": {"concurrency": 0},
            },
            "local_probe.concurrency",
        ),
        (
            {
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "vpc_channel",
                "vpc_channel_id": presets.CHANNEL_ID,
                "name": "bad\nname",
            },
            "name",
        ),
    ],
)
def test_check_options_are_validated_with_the_option_named(options, option):
    with pytest.raises(InputError) as caught:
        check_spec_from_params(options, where="checks[3].")
    assert caught.value.option == "checks[3]." + option
    assert ("checks[3]." + option) in caught.value.msg


def test_a_channel_check_asks_for_the_channel_and_is_named_after_it():
    spec = check_spec_from_params(channel_check())
    assert isinstance(spec, CheckSpec)
    assert spec.request_body() == {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}
    assert spec.name == presets.CHANNEL_ID and spec.probe == REMOTE
    assert spec.describe() == {
        "name": presets.CHANNEL_ID,
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "vpc_channel",
        "probe": "remote",
        "vpc_channel_id": presets.CHANNEL_ID,
    }


def test_an_address_check_asks_for_the_address_and_is_named_after_it():
    spec = check_spec_from_params(address_check("[2001:db8::1]:443", probe="both", name="edge"))
    assert spec.request_body() == {"backend_type": "backend_address", "backend_address": "[2001:db8::1]:443"}
    assert spec.describe() == {
        "name": "edge",
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "backend_address",
        "probe": "both",
        "backend_address": "[2001:db8::1]:443",
    }


@pytest.mark.parametrize("address", ["my_host:8080", "my_host.internal:443", "svc_a.local.:80"])
def test_a_backend_address_may_be_a_name_with_an_underscore(address):
    assert check_spec_from_params(address_check(address)).backend_address == address


@pytest.mark.parametrize(
    "address, inside, advice",
    [
        ("http://127.0.0.1:8080", "127.0.0.1:8080", "Local probes take the protocol from local_probe.protocol (http)"),
        (
            "http://127.0.0.1:45715/",
            "127.0.0.1:45715",
            "Local probes take the protocol from local_probe.protocol (http)",
        ),
        (
            "https://my_host.internal/health",
            "my_host.internal:443",
            "Local HTTP(S) probes take the path from local_probe.path (/health) and the protocol from "
            "local_probe.protocol (https)",
        ),
        (
            "HTTP://[::1]/x?y=1",
            "[::1]:80",
            "Local HTTP(S) probes take the path from local_probe.path (/x?y=1) and the protocol from "
            "local_probe.protocol (http)",
        ),
    ],
)
def test_a_url_as_backend_address_is_refused_naming_the_address_it_holds(address, inside, advice):
    with pytest.raises(InputError) as caught:
        check_spec_from_params(address_check(address), where="checks[0].")
    assert caught.value.option == "checks[0].backend_address"
    assert caught.value.msg == (
        "checks[0].backend_address %r: is a URL; give the address as host:port, without scheme or path: %s. %s"
        % (address, inside, advice)
    )


@pytest.mark.parametrize("address", ["127.0.0.1:18500/health", "http://127.0.0.1:18500/health"])
def test_a_path_and_a_url_get_one_answer_where_the_path_goes(address):
    """A path once drew "a path needs a URL", and the URL then "give the address as host:port": a circle. Both
    forms now say the same thing: the address as host:port, the path in local_probe.path."""
    with pytest.raises(InputError) as caught:
        check_spec_from_params(address_check(address))
    assert caught.value.option == "backend_address"
    assert "give the address as host:port, without scheme or path: 127.0.0.1:18500. " in caught.value.msg
    assert "take the path from local_probe.path (/health)" in caught.value.msg
    assert "needs a URL" not in caught.value.msg


@pytest.mark.parametrize("address", ["ftp://127.0.0.1:21", "http://user@127.0.0.1:80/", "http://:80/"])
def test_a_url_without_a_usable_address_is_refused_without_a_suggestion(address):
    with pytest.raises(InputError) as caught:
        check_spec_from_params(address_check(address))
    assert caught.value.msg == "backend_address %r: is a URL; give the address as host:port" % address


def test_the_local_probe_settings_become_the_checks_probe_spec():
    params = dict.fromkeys(probe_option_spec())
    params.update(protocol="http", path="/health", timeout=1.5)
    spec = check_spec_from_params(channel_check(probe="local", local_probe=params))
    assert (spec.probe_spec.protocol, spec.probe_spec.path, spec.probe_spec.timeout) == ("http", "/health", 1.5)
    assert check_spec_from_params(channel_check()).probe_spec.protocol == "tcp"


@pytest.mark.parametrize("name", ["x" * 128, "orders (eu-west)", "名前"])
def test_check_names_are_up_to_128_printable_characters(name):
    assert check_spec_from_params(channel_check(name=name)).name == name


@pytest.mark.parametrize("name", ["", "x" * 129, "tab\there", "bell\x07", "del\x7f"])
def test_other_check_names_are_refused(name):
    with pytest.raises(InputError) as caught:
        check_spec_from_params(channel_check(name=name), where="checks[2].")
    assert caught.value.option == "checks[2].name"
    assert caught.value.msg == "checks[2].name must be 1-128 printable characters"


def test_the_declaration_requires_the_identity_only_inside_checks():
    top, entry = check_option_spec(), check_option_spec(required=True)
    assert {name for name, option in entry.items() if option.get("required")} == {"instance_id", "backend_type"}
    assert not any(option.get("required") for option in top.values())
    # local_probe leaves what a channel's health check can supply without a default (set or not set is told apart)
    assert top["local_probe"]["options"] == probe_option_spec(mirror_health_check=True)
