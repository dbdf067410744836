# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verdicts, hints, batches and waiting: connectivity.CheckRunner against the emulator and real loopback sockets.

The gateway's vantage point differs from this host's only in the real cloud; to
show the mismatch hints, a fault makes the emulator answer what a gateway behind
a security group would answer, while the local probes really connect.
"""

import json
import threading
import time

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    check_spec_from_params as check_spec_from_options,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.connectivity import CheckRunner, local_prober
from tests.emulator import presets
from tests.unit.plugins.module_utils.emulator_client import client_for

CHECK = r"/backend/connectivity/check$"
OTHER_CHANNEL = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"


def spec(probe="remote", channel=presets.CHANNEL_ID, **extra):
    options = {
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "vpc_channel",
        "vpc_channel_id": channel,
        "probe": probe,
        "local_probe": {"timeout": 0.5},
    }
    options.update(extra)
    return check_spec_from_options(options)


@pytest.fixture
def world(emulator_factory, backend_servers):
    up = backend_servers.open()
    down = backend_servers.closed()
    config = presets.default_config(
        members=[{"host": "127.0.0.1", "port": up.port}],
        channels=[
            {
                "id": OTHER_CHANNEL,
                "name": "half",
                "members": [{"host": "127.0.0.1", "port": up.port}, {"host": "127.0.0.1", "port": down.port}],
            }
        ],
    )
    emulator = emulator_factory(config)
    return emulator, up, down


def run(emulator, specs, mode="token", **kwargs):
    with client_for(emulator, mode) as client:
        return CheckRunner(client, local_prober, concurrency=kwargs.pop("concurrency", 20)).run_checks(specs, **kwargs)


@pytest.mark.parametrize("probe", ["remote", "local", "both"])
def test_each_probe_mode_finds_the_dead_member(world, probe):
    emulator, _up, down = world
    result = run(emulator, [spec(probe, OTHER_CHANNEL)])["checks"][0]
    assert result["check_result"] == "FAILED"
    assert result["failures"] == [down.address]
    assert (result["remote"] is not None) == (probe != "local")
    assert (result["local"] is not None) == (probe != "remote")
    checks = [entry for entry in emulator.requests if entry["path"].endswith("/check")]
    assert len(checks) == (0 if probe == "local" else 1)


def test_local_only_reads_members_and_never_calls_the_check(world):
    emulator, up, _down = world
    result = run(emulator, [spec("local")])["checks"][0]
    assert result["check_result"] == "SUCCESS"
    assert [record["target"] for record in result["local"]["results"]] == [up.address]
    assert [entry["path"].rsplit("/", 1)[1] for entry in emulator.requests] == [presets.CHANNEL_ID, "members"]


def test_gateway_failed_but_host_ok_points_at_the_security_group(world):
    emulator, up, _down = world
    emulator.add_fault(
        CHECK,
        [
            {
                "status": 201,
                "content_type": "application/json",
                "body": json.dumps({"check_result": "FAILED", "failures": [up.address]}),
            }
        ],
    )
    result = run(emulator, [spec("both")])["checks"][0]
    assert result["check_result"] == "FAILED"
    assert result["remote"]["check_result"] == "FAILED" and result["local"]["check_result"] == "SUCCESS"
    assert len(result["hints"]) == 1
    assert (
        "security group" in result["hints"][0]
        and "100.125.0.0/16" in result["hints"][0]
        and up.address in result["hints"][0]
    )


def test_gateway_ok_but_host_failed_points_at_this_host(world):
    emulator, _up, down = world
    emulator.add_fault(
        CHECK,
        [
            {
                "status": 201,
                "content_type": "application/json",
                "body": json.dumps({"check_result": "SUCCESS", "failures": []}),
            }
        ],
    )
    result = run(emulator, [spec("both", OTHER_CHANNEL)])["checks"][0]
    assert result["check_result"] == "FAILED" and result["failures"] == [down.address]
    assert result["hints"] == [
        "The gateway reaches %s but this host does not: the problem is on this host's network path "
        "(firewall, routing, DNS), not on the gateway's." % down.address
    ]


def test_both_failing_says_the_backend_is_down(world):
    emulator, _up, down = world
    result = run(emulator, [spec("both", OTHER_CHANNEL)])["checks"][0]
    assert result["hints"] == [
        "Neither the gateway nor this host reaches %s: the backend is likely down or not listening." % down.address
    ]


def test_batch_uses_one_sign_in_and_one_erroring_check_hides_nothing(world):
    emulator, _up, down = world
    specs = [
        check_spec_from_options(
            {
                "name": "c%d" % index,
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "vpc_channel",
                "vpc_channel_id": OTHER_CHANNEL if index % 2 else presets.CHANNEL_ID,
            }
        )
        for index in range(8)
    ]
    specs.append(
        check_spec_from_options(
            {
                "name": "ghost",
                "instance_id": "f" * 32,
                "backend_type": "vpc_channel",
                "vpc_channel_id": presets.CHANNEL_ID,
            }
        )
    )
    batch = run(emulator, specs, mode="password")
    assert [check["check_result"] for check in batch["checks"]] == ["SUCCESS", "FAILED"] * 4 + ["ERROR"]
    assert batch["checks"][-1]["error_code"] == "APIG.3030" and batch["checks"][-1]["status"] == 404
    assert batch["check_result"] == "FAILED" and batch["errors"] == 1
    assert batch["failures"] == ["c%d: %s" % (index, down.address) for index in (1, 3, 5, 7)]
    assert [entry["path"] for entry in emulator.requests].count("/v3/auth/tokens") == 1


def test_a_batch_of_only_successes_is_success(world):
    emulator, _up, _down = world
    batch = run(emulator, [spec(name="a"), spec(name="b")])
    assert batch["check_result"] == "SUCCESS" and batch["failures"] == [] and batch["errors"] == 0


def test_errors_alone_are_never_success(world):
    emulator, _up, _down = world
    batch = run(emulator, [spec(name="x", instance_id="f" * 32)])
    assert batch["check_result"] == "FAILED" and batch["checks"][0]["check_result"] == "ERROR"


def test_an_empty_channel_cannot_be_probed_locally(world):
    emulator, _up, _down = world
    result = run(emulator, [spec("local", presets.EMPTY_CHANNEL_ID)])["checks"][0]
    assert result["check_result"] == "ERROR" and "has no members" in result["msg"]


def test_waiting_for_a_backend_that_comes_up(world):
    emulator, _up, down = world
    holder = []
    starter = threading.Timer(0.6, lambda: holder.append(down.start_listening()))
    starter.start()
    try:
        result = run(emulator, [spec("remote", OTHER_CHANNEL)], wait_timeout=5, wait_interval=0.3)["checks"][0]
    finally:
        starter.join()
        for listener in holder:
            listener.close()
    assert result["check_result"] == "SUCCESS"
    assert result["attempts"] >= 2


def test_waiting_gives_up_at_the_deadline(world):
    emulator, _up, down = world
    started = time.monotonic()
    result = run(emulator, [spec("remote", OTHER_CHANNEL)], wait_timeout=0.7, wait_interval=0.2)["checks"][0]
    assert result["check_result"] == "FAILED" and result["failures"] == [down.address]
    assert result["attempts"] >= 2
    assert time.monotonic() - started < 10
