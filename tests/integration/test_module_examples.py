# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every module's EXAMPLES block, run as a playbook against the emulator: the docs cannot rot.

Each EXAMPLES block is parsed, its backend addresses rewritten to loopback
backends started here (see module_examples.py; nothing else is ever
connected to), and run with ansible-playbook.  A callback records every task,
and the test asserts what each task returned, that the union of the
scenarios runs every task of the block, and that no secret reaches the output.
"""

import json
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.emulator import presets
from tests.integration.module_examples import examples_playbook, module_examples, task_action
from tests.integration.runner import run_playbook
from tests.loopback.certificates import make_certificates, server_context
from tests.loopback.echo_backend import EchoBackend
from tests.loopback.listeners import ClosedPort, OpenListener

pytestmark = pytest.mark.integration

CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
MODULES = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "plugins" / "modules").glob("*.py")
    if not path.stem.startswith("_")
)
UP_BODY = b'{"status": "UP"}'
EXAMPLE_USER, EXAMPLE_DOMAIN = "deployer", "example-account"  # the IAM user the EXAMPLES sign in as
BAKED_API_ID = "5f918d104dc84480a75166ba99efff21"  # the API api_verify_bake's EXAMPLES bake


class Lab:
    """The emulator, the loopback backends that stand in for the EXAMPLES' addresses, and the secrets."""

    def __init__(self, emulator_factory, tmp_path, down=(), members_down=False):
        self.tmp_path = tmp_path
        # Backend certificates that expire in 10 days, so the EXAMPLES' "expires within 30 days" warning has work.
        ca_path, cert_path, key_path = make_certificates(str(tmp_path), days_valid=10)
        self.ca_path = ca_path
        tls = server_context(cert_path, key_path)
        self.backends = {
            # backend_probe / vpc_channel_member_info
            "127.0.0.1:8080": OpenListener(http=True, body=UP_BODY),
            "127.0.0.1:8081": OpenListener(http=True, body=UP_BODY),
            "127.0.0.1:8082": OpenListener(),
            "localhost:8443": OpenListener(http=True, ssl_context=tls),
            # backend_connectivity
            "orders.internal.example.com:8443": OpenListener(http=True, ssl_context=tls),
            "billing.internal.example.com:443": OpenListener(),
        }
        for address in down:
            self.backends[address].close()
            self.backends[address] = ClosedPort()
        if members_down:
            self.members = [ClosedPort(), ClosedPort()]
        else:
            self.members = [OpenListener(http=True, body=UP_BODY), OpenListener(http=True, body=UP_BODY)]
        self.password = secrets.token_urlsafe(16)
        # api_debug, api_statistics_info, api_verify_*: group shop publishes two APIs to RELEASE whose backend
        # answers what the EXAMPLES expect of an order.
        self.shop = EchoBackend(body='{"id": "42", "status": "UP"}', headers={"Content-Type": "application/json"})
        shop = {"url_domain": self.shop.address, "req_uri": "/v1/orders"}
        # api_backend_info: group orders publishes one API to RELEASE, through the channel of those members.
        catalog = {
            "groups": [{"name": "orders"}, {"name": "shop"}],
            "apis": [
                {
                    "name": "get-order",
                    "group": "orders",
                    "backend": {"vpc_channel": presets.CHANNEL_ID},
                    "published": {"RELEASE": {}},
                },
                {
                    "id": BAKED_API_ID,
                    "name": "get-order",
                    "group": "shop",
                    "req_method": "GET",
                    "req_uri": "/orders/{id}",
                    "backend": shop,
                    "published": {"RELEASE": {}},
                },
                {
                    "name": "list-orders",
                    "group": "shop",
                    "req_method": "GET",
                    "req_uri": "/orders",
                    "backend": shop,
                    "published": {"RELEASE": {}},
                },
            ],
        }
        members = [{"host": "127.0.0.1", "port": member.port} for member in self.members]
        config = presets.default_config(members=members, catalog=catalog)
        config["users"].append({"name": EXAMPLE_USER, "password": self.password, "domain": EXAMPLE_DOMAIN})
        self.emulator = emulator_factory(config)
        self.mapping = {address: backend.address for address, backend in self.backends.items()}
        self.extra_vars = {"vault_hw_password": self.password, "vault_hw_ak": presets.AK, "vault_hw_sk": presets.SK}
        self.secrets = [self.password, presets.SK]

    def close(self):
        for backend in [*self.backends.values(), *self.members, self.shop]:
            backend.close()

    def run(self, module):
        connection = {
            "endpoint": self.emulator.url,
            "iam_endpoint": self.emulator.url + "/v3",
            "timeout": 10,
            "retries": 1,
        }
        env = {"HW_ACCESS_KEY": presets.AK, "HW_SECRET_KEY": presets.SK, "HW_PROJECT_ID": presets.PROJECT_ID}
        play, original, report = examples_playbook(module, self.mapping, connection, env)
        playbook = self.tmp_path / ("examples_%s.yml" % module)
        playbook.write_text(json.dumps(play, indent=1))  # JSON is YAML
        record_path = self.tmp_path / "records.json"
        run = run_playbook(
            playbook,
            self.tmp_path,
            self.extra_vars,
            env={
                "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
                "ANSIBLE_CALLBACKS_ENABLED": "task_record",
                "TASK_RECORD_PATH": str(record_path),
                # The EXAMPLES verify TLS with the system trust store; here that store is the test CA.
                "SSL_CERT_FILE": self.ca_path,
            },
        )
        run.records = json.loads(record_path.read_text()) if record_path.exists() else []
        run.by_name = {record["name"]: record for record in run.records}
        run.original, run.report = original, report
        for secret in self.secrets:
            assert secret not in run.output, "a secret reached the output of the %s EXAMPLES" % module
            assert secret not in json.dumps(run.records), "a secret reached a task result of the %s EXAMPLES" % module
        assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, run
        return run

    def checks_made(self):
        return [
            json.loads(entry["body"])
            for entry in self.emulator.requests
            if entry["path"].endswith("/backend/connectivity/check")
        ]


@pytest.fixture
def lab_factory(emulator_factory, tmp_path):
    labs = []

    def factory(down=(), members_down=False):
        lab = Lab(emulator_factory, tmp_path, down, members_down)
        labs.append(lab)
        return lab

    yield factory
    for lab in labs:
        lab.close()


def ran(run):
    """Names of the tasks that really ran (not skipped; a loop ran at least one item)."""
    return {record["name"] for record in run.records if record["status"] != "skipped" and record["items_run"] != 0}


def test_every_module_has_examples_that_this_file_covers():
    assert MODULES == [
        "api_backend_info",
        "api_debug",
        "api_statistics_info",
        "api_verify_bake",
        "api_verify_verdict",
        "backend_connectivity",
        "backend_gate_report",
        "backend_gate_verdict",
        "backend_probe",
        "vpc_channel_member_info",
    ], "a module was added or removed: give its EXAMPLES a test here"
    for module in MODULES:
        assert module_examples(module), module


def test_backend_connectivity_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("backend_connectivity")
    assert run.rc == 0, run
    assert (
        run.report["rewritten"]
        == run.report["addresses"]
        == {"orders.internal.example.com:8443", "billing.internal.example.com:443"}
    )
    tasks = [task["name"] for task in run.original]
    assert [record["name"] for record in run.records] == tasks and ran(run) == set(tasks), run.records
    assert run.report["env_tasks"] == [tasks[0]], "only the first example takes its credentials from HW_* variables"

    channel, stop1, address, stop2, batch, verdict = (run.by_name[name]["result"] for name in tasks)
    assert all(stop.get("failed") is not True for stop in (stop1, stop2, verdict))
    assert channel["check_result"] == "SUCCESS" and channel["failures"] == []
    assert address["check_result"] == "SUCCESS", address
    assert address["remote"]["check_result"] == "SUCCESS" and address["local"]["check_result"] == "SUCCESS", address
    assert [result["ok"] for result in address["local"]["results"]] == [True]
    assert batch["check_result"] == "SUCCESS" and [check["name"] for check in batch["checks"]] == ["orders", "billing"]
    assert batch["checks"][0]["check_result"] == batch["checks"][1]["check_result"] == "SUCCESS"
    assert verdict.get("failed") is not True

    # What the gateway was asked, and how each example signed in: no address but our loopback backends.
    made = lab.checks_made()
    assert made[:2] == [
        {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID},
        {"backend_type": "backend_address", "backend_address": lab.mapping["orders.internal.example.com:8443"]},
    ]
    assert sorted(made[2:], key=json.dumps) == sorted(
        [  # a batch runs its checks concurrently
            {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID},
            {"backend_type": "backend_address", "backend_address": lab.mapping["billing.internal.example.com:443"]},
        ],
        key=json.dumps,
    )
    modes = [entry["auth_mode"] for entry in lab.emulator.requests if entry["path"].endswith("/check")]
    assert modes == ["aksk", "token", "aksk", "aksk"]
    assert [entry["path"] for entry in lab.emulator.requests].count("/v3/auth/tokens") == 1


def test_backend_connectivity_examples_never_pass_with_a_backend_down(lab_factory):
    """The EXAMPLES' own way to stop a play (a register, then an assert) stops it when a backend an early task
    checks is down - not only when the last task to set the fact saw it (the batch example waits two minutes for a
    late backend, so it is left up here)."""
    lab = lab_factory(down=("orders.internal.example.com:8443",))
    run = lab.run("backend_connectivity")
    assert run.rc != 0, run
    failed = [record["name"] for record in run.records if record["status"] == "failed"]
    assert failed and failed[0].startswith("Stop here"), run.records


@pytest.mark.parametrize(
    "module, down, members_down",
    [
        ("backend_gate_verdict", ["orders.internal.example.com:8443", "billing.internal.example.com:443"], False),
        ("api_backend_info", [], True),
    ],
)
def test_the_gating_examples_stop_the_play_when_their_backends_are_dead(lab_factory, module, down, members_down):
    lab = lab_factory(down=down, members_down=members_down)
    run = lab.run(module)
    assert run.rc != 0, run
    failed = [record["name"] for record in run.records if record["status"] == "failed"]
    assert len(failed) == 1 and failed[0].startswith(("Stop here", "Refuse to go on")), run.records


def test_backend_probe_examples_healthy(lab_factory):
    lab = lab_factory()
    run = lab.run("backend_probe")
    assert run.rc == 0, run
    assert run.report["addresses"] == {"127.0.0.1:8080", "127.0.0.1:8081", "localhost:8443"}
    assert run.report["rewritten"] == run.report["addresses"] | {"127.0.0.1:8082"}, (
        "127.0.0.1:8082 is only built inside a Jinja expression; the rewrite must have caught it too"
    )
    tasks = [task["name"] for task in run.original]
    assert [record["name"] for record in run.records] == tasks
    first, _dummy_why, http, tls, warning, wait = (run.by_name[name] for name in tasks)
    assert first["result"]["check_result"] == "SUCCESS"
    assert http["result"]["check_result"] == "SUCCESS"
    assert [result["status_code"] for result in http["result"]["results"]] == [200, 200]
    assert tls["result"]["check_result"] == "SUCCESS"
    # The test certificate expires in 10 days, so the expiry warning of the EXAMPLES fires.
    assert warning["items_run"] == 1 and "certificate expires in" in json.dumps(warning["result"])
    assert wait["result"]["check_result"] == "SUCCESS"
    assert [result["address"] for result in wait["result"]["results"]] == [
        lab.mapping["127.0.0.1:%d" % port] for port in (8080, 8081, 8082)
    ]
    assert ran(run) == set(tasks) - {tasks[1]}, "with every backend up, only the 'why did it fail' task is skipped"


def test_backend_probe_examples_with_a_backend_down(lab_factory):
    lab = lab_factory(down=["localhost:8443"])
    run = lab.run("backend_probe")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    first, why, _dummy_http, tls, warning, _dummy_wait = (run.by_name[name] for name in tasks)
    down = lab.mapping["localhost:8443"]
    assert first["result"]["check_result"] == "FAILED" and first["result"]["failures"] == [down]
    assert why["items_run"] == 1
    assert "%s: refused" % down in json.dumps(why["result"]), why
    assert tls["result"]["check_result"] == "FAILED"
    assert warning["status"] == "skipped"
    assert ran(run) == set(tasks) - {tasks[4]}, "with the TLS backend down, only the expiry warning is skipped"


def test_api_backend_info_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("api_backend_info")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    assert ran(run) == set(tasks), run.records
    found, nothing_unchecked, checked, reached = (run.by_name[name]["result"] for name in tasks)
    assert nothing_unchecked.get("failed") is not True and reached.get("failed") is not True
    assert [api["name"] for api in found["apis"]] == ["get-order"] and found["problems"] == []
    assert found["checks"] == [
        {
            "name": "get-order",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "vpc_channel",
            "vpc_channel_id": presets.CHANNEL_ID,
        }
    ]
    assert checked["check_result"] == "SUCCESS" and [check["name"] for check in checked["checks"]] == ["get-order"]
    assert lab.checks_made() == [{"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}]


def test_vpc_channel_member_info_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("vpc_channel_member_info")
    assert run.rc == 0, run
    assert run.report["addresses"] == set()
    tasks = [task["name"] for task in run.original]
    assert ran(run) == set(tasks)
    listed, probed = (run.by_name[name]["result"] for name in tasks)
    assert [(member["host"], member["port"]) for member in listed["members"]] == [
        ("127.0.0.1", member.port) for member in lab.members
    ]
    assert probed["check_result"] == "SUCCESS"
    assert [result["target"] for result in probed["results"]] == [member.address for member in lab.members]
    assert all(member.accepted >= 1 for member in lab.members), "the probes really reached the channel's members"


def test_backend_gate_verdict_examples(lab_factory):
    lab = lab_factory(down=["billing.internal.example.com:443"])
    run = lab.run("backend_gate_verdict")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    asked, decided, stop = (run.by_name[name] for name in tasks)
    assert asked["result"]["check_result"] == "FAILED"
    verdict = decided["result"]["verdict"]
    assert decided["result"]["passed"] is True and verdict["unreachable"] == 1, "one unreachable backend tolerated"
    down = lab.mapping["billing.internal.example.com:443"]
    assert verdict["failures"] == ["billing: %s" % down]
    assert verdict["checks"][1]["hints"] == [
        "Neither the gateway nor this host reaches %s: the backend is likely down or not listening." % down
    ]
    assert stop["status"] == "skipped"
    rows = [line.split() for line in run.stdout.splitlines()]
    assert rows.count(["billing", "FAILED", down]) == 1, "the table, once, on the console"


def test_backend_gate_report_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("backend_gate_report")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    assert ran(run) == set(tasks)
    report = lab.tmp_path / "reports" / "backend-gate.xml"
    assert run.by_name[tasks[-1]]["result"]["reports"] == [
        {"path": str(report), "hosts": ["localhost"], "changed": True}
    ]
    suite = ET.parse(str(report)).getroot().find("testsuite")
    assert suite.get("hostname") == "localhost"
    assert [case.get("name") for case in suite.findall("testcase")] == ["orders"]


def debug_bodies(lab):
    return [json.loads(entry["body"]) for entry in lab.emulator.requests if "/apis/debug/" in entry["path"]]


def test_api_debug_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("api_debug")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    assert ran(run) == set(tasks), run.records
    one, stop, many, named = (run.by_name[name]["result"] for name in tasks)
    assert one["verify_result"] == "SUCCESS" and one["calls"][0]["url"].endswith("/orders/42")
    assert stop.get("failed") is not True and named.get("failed") is not True
    assert [(call["name"], call["result"]) for call in many["calls"]] == [
        ("order 7", "SUCCESS"),
        ("draft of get-order", "SUCCESS"),
        ("get-order", "SUCCESS"),
        ("list-orders", "SUCCESS"),
    ]
    sent = debug_bodies(lab)
    assert [(body["mode"], body["path"]) for body in sent[:1]] == [("CONSUMER", "/orders/42")]
    assert sorted(body["path"] for body in sent[1:]) == ["/orders", "/orders/1", "/orders/42", "/orders/7"]
    assert [request["path"] for request in lab.shop.requests].count("/v1/orders") == 5


def test_api_debug_examples_stop_when_the_backend_answers_otherwise(lab_factory):
    lab = lab_factory()
    lab.shop.configure(body='{"id": "41"}')
    run = lab.run("api_debug")
    assert run.rc != 0, run
    failed = [record["name"] for record in run.records if record["status"] == "failed"]
    assert failed == ["Stop here unless it answered as expected"], run.records
    assert run.by_name[failed[0]]["result"]["msg"] == 'JSON id is "41", not "42"'


def test_api_statistics_info_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("api_statistics_info")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    read, stop = (run.by_name[name] for name in tasks)
    assert [(api["api_name"], api["requests"], api["error_rate"]) for api in read["result"]["apis"]] == [
        ("get-order", 0, None),
        ("list-orders", 0, None),
    ]
    assert stop["items_run"] == 2 and stop["status"] != "failed"


def test_api_verify_bake_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("api_verify_bake")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    bake = run.by_name[tasks[0]]["result"]
    assert bake["polls"] == 3 and [record["check_result"] for record in bake["records"]] == ["SUCCESS"]
    assert "api verify bake: 10/10 s, poll 3 of 3, last 5 minutes:" in run.stdout
    asked = [entry for entry in lab.emulator.requests if entry["path"].endswith("/statistics/api/latest")]
    assert [entry["query"]["api_id"] for entry in asked] == [BAKED_API_ID] * 3


def test_api_verify_verdict_examples(lab_factory):
    lab = lab_factory()
    run = lab.run("api_verify_verdict")
    assert run.rc == 0, run
    tasks = [task["name"] for task in run.original]
    _answers, decided, stop = (run.by_name[name] for name in tasks)
    assert decided["result"]["passed"] is True and stop["status"] == "skipped"
    assert "api verify passed: 1 of 1 calls made, 0 failing calls (max_failures 0)" in run.stdout


def test_rewrite_leaves_no_example_address_behind():
    """The guard itself: an address the mapping does not cover stops the run before anything is sent."""
    from tests.integration.module_examples import assert_loopback_only, rewrite_addresses

    tasks = module_examples("backend_probe")
    mapping = {"127.0.0.1:8080": "127.0.0.1:1", "127.0.0.1:8081": "127.0.0.1:2", "localhost:8443": "127.0.0.1:3"}
    rewritten, _dummy_used = rewrite_addresses(tasks, mapping)
    with pytest.raises(AssertionError, match="8082"):
        assert_loopback_only(rewritten, set(mapping.values()))
    with pytest.raises(AssertionError, match=r"orders\.internal\.example\.com"):
        assert_loopback_only([{"x": {"backend_address": "orders.internal.example.com:8443"}}], {"127.0.0.1:1"})
    assert next(task_action(task) for task in tasks) == "hwcloud.apig.backend_probe"
