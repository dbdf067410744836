# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Under load: 20 hosts with --forks 20 against one throttled emulator, every host gets the right answer.

The inventory is 20 hosts, all ``ansible_connection=local``; each runs one
module call with a batch of two checks -- the channel every host checks, and a
channel (or address) of its own -- signed in four different ways.  The
emulator admits only ``MAX_RPS`` APIG requests in any one-second window and
answers the rest 429 APIG.0308 with ``Retry-After: 1``, so most hosts are
throttled and must back off and retry.  Every host must still report exactly
the ground truth of real loopback sockets.

``run_hosts`` (one ansible-playbook over many local hosts, results per host)
is shared with the fault-matrix and secrets tests.

The figures in docs/load.md come from a real run::

    APIG_LOAD_OUT=/tmp/load.json pytest tests/integration/test_load.py -p no:cacheprovider
    python -m tests.integration.test_load /tmp/load.json > docs/load.md
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.emulator import presets
from tests.integration.runner import BIN, ansible_env

pytestmark = pytest.mark.integration

HOSTS = 20
MAX_RPS = 8
RETRY_AFTER = 1
OUT_ENV = "APIG_LOAD_OUT"

CHECK_KEYS = (
    "instance_id",
    "backend_type",
    "backend_address",
    "vpc_channel_id",
    "probe",
    "local_probe",
    "checks",
    "concurrency",
    "wait_timeout",
    "wait_interval",
    "fact_name",
)

PLAYBOOK = """---
- name: One backend connectivity task per host
  hosts: all
  gather_facts: false
  module_defaults:
    group/hwcloud.apig.apig: "{{ apig_auth | default({}) }}"
  tasks:
    - name: Check backend connectivity
      hwcloud.apig.backend_connectivity:
%s
      ignore_errors: true
""" % "\n".join('        %s: "{{ check_args.%s | default(omit) }}"' % (key, key) for key in CHECK_KEYS)

# Saves each host's result of the task named "Check backend connectivity" (what ``register`` would hold) to
# RESULT_DIR/<host>.json: one task per host instead of a second copy task keeps a 20-fork run short.
SAVE_CALLBACK = """
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "save_results"
    CALLBACK_NEEDS_ENABLED = True

    def _save(self, result, failed):
        if result._task.get_name() != "Check backend connectivity":
            return
        data = dict(result._result)
        if failed:
            data["failed"] = True
        path = os.path.join(os.environ["APIG_TEST_RESULT_DIR"], "%s.json" % result._host.get_name())
        with open(path, "w") as handle:
            json.dump(data, handle, default=str)

    def v2_runner_on_ok(self, result):
        self._save(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._save(result, True)
"""


class HostsRun:
    """What one ansible-playbook over many hosts did: rc, output, wall time, and each host's registered result."""

    def __init__(self, completed, results, wall, results_dir=None):
        self.results_dir = results_dir
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results = results
        self.wall = wall

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return "HostsRun(rc=%s)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.rc,
            self.stdout[-6000:],
            self.stderr[-3000:],
        )


def run_hosts(tmp_path, hosts, forks=None, env=None, args=(), playbook=PLAYBOOK, callback=SAVE_CALLBACK, timeout=300):
    """ansible-playbook over ``hosts`` ({name: host vars}), all local connections, ``--forks`` = every host by default."""
    tmp_path = Path(tmp_path)
    result_dir = tmp_path / "results"
    result_dir.mkdir(parents=True, exist_ok=True)
    inventory = {
        "all": {
            "hosts": {
                name: dict(variables, ansible_connection="local", ansible_python_interpreter=sys.executable)
                for name, variables in hosts.items()
            }
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "playbook.yml").write_text(playbook)
    callbacks = tmp_path / "callback_plugins"
    callbacks.mkdir(exist_ok=True)
    (callbacks / "save_results.py").write_text(callback)
    command = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(tmp_path / "inventory.json"),
        "--forks",
        str(forks or len(hosts)),
        str(tmp_path / "playbook.yml"),
        *list(args),
    ]
    run_env = {
        "ANSIBLE_CALLBACK_PLUGINS": str(callbacks),
        "ANSIBLE_CALLBACKS_ENABLED": "save_results",
        "APIG_TEST_RESULT_DIR": str(result_dir),
    }
    run_env.update(env or {})
    started = time.monotonic()
    completed = subprocess.run(
        command,
        env=ansible_env(tmp_path, run_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(tmp_path),
        check=False,
    )
    wall = time.monotonic() - started
    results = {}
    for name in hosts:
        path = result_dir / ("%s.json" % name)
        results[name] = json.loads(path.read_text()) if path.exists() else None  # (other callbacks write elsewhere)
    return HostsRun(completed, results, wall, result_dir)


# ---- the load test ----------------------------------------------------------------------------------------------------

CHANNELS = {
    # name: (channel id, member kinds)
    "shared": ("11111111111111111111111111111111", ("open", "open")),
    "refused": ("22222222222222222222222222222222", ("open", "closed")),
    "dropping": ("33333333333333333333333333333333", ("open", "blackhole")),
    "down": ("44444444444444444444444444444444", ("closed", "blackhole")),
}
MODES = ("token", "aksk", "temporary_aksk", "password")


def auth_for(mode, emulator, retries):
    return presets.module_auth(mode, emulator.url, timeout=10, retries=retries)


def test_twenty_hosts_with_forks_20_against_a_throttled_gateway(emulator_factory, backend_servers, tmp_path):
    servers = {
        "open": [backend_servers.open(), backend_servers.open()],
        "closed": [backend_servers.closed()],
        "blackhole": [backend_servers.blackhole()],
    }
    channels, truth = [], {}
    for name, (channel_id, kinds) in CHANNELS.items():
        used = {"open": 0, "closed": 0, "blackhole": 0}
        members = []
        for kind in kinds:
            members.append(servers[kind][used[kind] % len(servers[kind])])
            used[kind] += 1
        channels.append(
            {"id": channel_id, "name": name, "members": [{"host": "127.0.0.1", "port": m.port} for m in members]}
        )
        truth[name] = [m.address for m, kind in zip(members, kinds) if kind != "open"]
    emulator = emulator_factory(
        presets.default_config(
            channels=channels,
            check_timeout=0.3,
            throttle={"max_requests_per_second": MAX_RPS, "retry_after": RETRY_AFTER},
        )
    )

    hosts, expected = {}, {}
    own = ["refused", "dropping", "down", "address"]
    for index in range(1, HOSTS + 1):
        name = "host%d" % index
        mine = own[index % len(own)]
        shared = {
            "name": "shared",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "vpc_channel",
            "vpc_channel_id": CHANNELS["shared"][0],
        }
        if mine == "address":
            target = servers["open"][index % 2] if index % 8 else servers["closed"][0]
            second = {
                "name": "address",
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "backend_address",
                "backend_address": target.address,
            }
            second_truth = [] if target in servers["open"] else [target.address]
        else:
            second = {
                "name": mine,
                "instance_id": presets.INSTANCE_ID,
                "backend_type": "vpc_channel",
                "vpc_channel_id": CHANNELS[mine][0],
            }
            second_truth = truth[mine]
        hosts[name] = {
            "apig_auth": auth_for(MODES[index % len(MODES)], emulator, retries=8),
            "check_args": {"checks": [shared, second]},
        }
        expected[name] = (second["name"], second_truth)

    run = run_hosts(tmp_path, hosts, forks=HOSTS)
    assert "Traceback" not in run.output, run

    for name, (second_name, second_truth) in expected.items():
        result = run.results[name]
        assert result is not None and not result.get("failed"), (name, result, run)
        by_name = {check["name"]: check for check in result["checks"]}
        assert by_name["shared"]["check_result"] == "SUCCESS" and by_name["shared"]["failures"] == [], name
        assert by_name[second_name]["check_result"] == ("FAILED" if second_truth else "SUCCESS"), name
        assert by_name[second_name]["failures"] == second_truth, name
        assert result["check_result"] == ("FAILED" if second_truth else "SUCCESS"), name
        assert result["failures"] == ["%s: %s" % (second_name, failure) for failure in second_truth], name

    log = emulator.requests
    checks = [entry for entry in log if entry["path"].endswith("/backend/connectivity/check")]
    throttled = [entry for entry in checks if entry["status"] == 429]
    answered = [entry for entry in checks if entry["status"] == 201]
    iam = [entry for entry in log if entry["path"] == "/v3/auth/tokens"]
    assert len(answered) == 2 * HOSTS, "exactly one answered check per check asked"
    assert len(checks) == len(answered) + len(throttled), "nothing but 201 and 429 was answered"
    assert throttled, "the throttle did not bite: the test proves nothing about retries under load"
    assert len(iam) == sum(1 for index in range(1, HOSTS + 1) if MODES[index % len(MODES)] == "password"), (
        "one IAM token per password-signed module run"
    )
    for entry in throttled:
        assert entry["error_code"] == "APIG.0308"

    figures = {
        "hosts": HOSTS,
        "forks": HOSTS,
        "checks_per_host": 2,
        "max_requests_per_second": MAX_RPS,
        "retry_after": RETRY_AFTER,
        "wall_seconds": round(run.wall, 2),
        "apig_requests": len(checks),
        "answered_201": len(answered),
        "throttled_429": len(throttled),
        "retries": len(checks) - 2 * HOSTS,
        "iam_requests": len(iam),
        "first_to_last_request_seconds": round(checks[-1]["time"] - checks[0]["time"], 2),
        "max_admitted_in_any_second": _max_in_window([entry["time"] for entry in answered]),
        "correct_hosts": sum(1 for name in expected if run.results[name] is not None),
    }
    sys.stdout.write("\nload figures: %s\n" % json.dumps(figures))
    out = os.environ.get(OUT_ENV)
    if out:
        Path(out).write_text(json.dumps(figures, indent=2))


def _max_in_window(times, window=1.0):
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def render(path):
    """docs/load.md from the figures a run saved."""
    figures = json.loads(Path(path).read_text())
    rows = [
        ("hosts (all `ansible_connection=local`)", figures["hosts"]),
        ("`--forks`", figures["forks"]),
        ("checks per host (one module call, `checks` batch)", figures["checks_per_host"]),
        (
            "emulator throttle",
            "%d requests / any 1 s window, `Retry-After: %d`"
            % (figures["max_requests_per_second"], figures["retry_after"]),
        ),
        ("hosts with the right answer", "%d of %d" % (figures["correct_hosts"], figures["hosts"])),
        ("wall time of the ansible-playbook run", "%.2f s" % figures["wall_seconds"]),
        ("first to last check request", "%.2f s" % figures["first_to_last_request_seconds"]),
        ("APIG check requests", figures["apig_requests"]),
        ("answered 201", figures["answered_201"]),
        ("throttled 429 (APIG.0308)", figures["throttled_429"]),
        ("retries (requests beyond one per check)", figures["retries"]),
        ("most checks admitted in any 1 s window", figures["max_admitted_in_any_second"]),
        ("IAM token requests (password-signed hosts, one per module run)", figures["iam_requests"]),
    ]
    lines = [
        "# Under load: 20 hosts, --forks 20, a throttled gateway",
        "",
        "`tests/integration/test_load.py` runs one `ansible-playbook` over an inventory of 20 local hosts with",
        "`--forks 20`. Each host makes one `hwcloud.apig.backend_connectivity` call with two checks: the channel every",
        "host checks (all members up) and one of its own (a channel with a refused member, one with a SYN-dropping",
        "member, one with both, or a backend address), signed in with a token, AK/SK, temporary AK/SK or an IAM",
        "password in turn. The emulator admits at most %d APIG requests in any one-second window and answers the rest"
        % figures["max_requests_per_second"],
        "429 APIG.0308 with `Retry-After: %d`, so most hosts are throttled and must back off." % figures["retry_after"],
        "",
        "Pass/fail is correctness only: every host must report exactly the ground truth of the loopback sockets,",
        "every check must end in exactly one 201, and password sign-in must fetch one token per module run. The",
        "figures below are measurements of one run, not assertions (they vary with the machine):",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines.extend("| %s | %s |" % row for row in rows)
    lines.extend(
        [
            "",
            "Reproduce:",
            "",
            "```",
            "APIG_LOAD_OUT=/tmp/load.json pytest tests/integration/test_load.py -p no:cacheprovider",
            "python -m tests.integration.test_load /tmp/load.json > docs/load.md",
            "```",
            "",
            "Reading the figures: the retries are the 429s (nothing else failed); each retry waited at least",
            "`Retry-After` (the client takes the larger of its jittered backoff and `Retry-After`), which is why the",
            "throttled requests spread over a few seconds instead of hammering the gateway. The wall time includes",
            "Ansible's own start-up and the 20 forked module runs.",
        ]
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(sys.argv[1]))
