# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 4's batch acceptance, through a real ansible-playbook run of backend_connectivity with `checks`.

One module run, six checks of every kind (address up, address down, a channel with two dead members, a local
probe, both probes, an unknown gateway instance), password sign-in: IAM is asked once, every check has its own
verdict, failures carry their check's name, and the one check that could not be made fails the task without
hiding the others' results.
"""

import pytest

from tests.emulator import presets
from tests.integration.runner import run_playbook

pytestmark = pytest.mark.integration

TWO_DOWN_CHANNEL_ID = "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"


def test_batch_one_sign_in_per_check_verdicts_and_an_error_hides_nothing(emulator_factory, backend_servers, tmp_path):
    up, down, slow = backend_servers.open(), backend_servers.closed(), backend_servers.blackhole()
    emulator = emulator_factory(
        presets.default_config(
            channels=[
                {
                    "id": TWO_DOWN_CHANNEL_ID,
                    "name": "payments",
                    "members": [{"host": "127.0.0.1", "port": server.port} for server in (up, down, slow)],
                }
            ]
        )
    )

    def check(name, **spec):
        return dict(
            {
                "name": name,
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "backend_address",
                "backend_address": up.address,
            },
            **spec,
        )

    checks = [
        check("web"),
        check("billing", backend_address=down.address),
        check("payments", backend_type="vpc_channel", backend_address=None, vpc_channel_id=TWO_DOWN_CHANNEL_ID),
        check("web-local", probe="local", local_probe={"timeout": 2}),
        check("web-both", probe="both"),
        check("ghost", instance_id="f" * 32),
    ]
    checks = [{key: value for key, value in entry.items() if value is not None} for entry in checks]
    auth = {
        "endpoint": emulator.url,
        "iam_endpoint": emulator.url + "/v3",
        "region": presets.PROJECT_NAME,
        "user_name": presets.USER_NAME,
        "password": presets.USER_PASSWORD,
        "domain_name": presets.USER_DOMAIN,
        "retries": 0,
    }
    run = run_playbook("run_check.yml", tmp_path, {"apig_auth": auth, "check_args": {"checks": checks}})
    assert "Traceback" not in run.output and presets.USER_PASSWORD not in run.output, run
    result = run.result["check"]

    assert result["failed"] is True
    assert result["msg"].startswith("1 of 6 checks could not be made: ghost: ")
    assert result["errors"] == 1 and result["check_result"] == "FAILED"
    by_name = {entry["name"]: entry for entry in result["checks"]}
    assert [entry["name"] for entry in result["checks"]] == [entry["name"] for entry in checks]
    assert {name: entry["check_result"] for name, entry in by_name.items()} == {
        "web": "SUCCESS",
        "billing": "FAILED",
        "payments": "FAILED",
        "web-local": "SUCCESS",
        "web-both": "SUCCESS",
        "ghost": "ERROR",
    }
    assert by_name["payments"]["failures"] == [down.address, slow.address]
    assert by_name["ghost"]["error_code"] == "APIG.3030" and by_name["ghost"]["status"] == 404
    assert by_name["ghost"]["request_id"]
    assert result["failures"] == ["billing: " + down.address, "payments: " + down.address, "payments: " + slow.address]

    log = emulator.requests
    assert [entry["path"] for entry in log].count("/v3/auth/tokens") == 1, "one sign-in for the whole batch"
    made = [entry for entry in log if entry["path"].endswith("/backend/connectivity/check")]
    assert len(made) == 5, "every check but the local-only one asked the gateway"
