# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets never leave: no token, password, secret key or security token in anything a run leaves behind.

For each way to sign in (token, IAM password, AK/SK, AK/SK + security token) one
host runs, at ``-vvvv`` with ``ANSIBLE_DEBUG=1`` and ``ANSIBLE_LOG_PATH`` on:
a check that succeeds, one the API refuses (404), bad input, an unexpected
exception in the HTTP library whose message carries the request's headers and
body (a worst case: a library that quotes what it was sending), and the gate
role (roles/backend_gate) writing a JUnit report.  Then
stdout, stderr, the log, every registered result and the JUnit reports are
scanned for every secret, including the token IAM issued during the run
(read from the emulator's request log): zero occurrences allowed.

The emulator is checked too: none of its error answers to a bad credential
quotes the credential (the module prints ``error_msg``).
"""

import json
import re

import pytest
import requests

from tests.emulator import presets
from tests.emulator.server import Emulator
from tests.integration.runner import REPO
from tests.integration.test_load import CHECK_KEYS, run_hosts

pytestmark = pytest.mark.integration

MIXED_CHANNEL_ID = presets.MIXED_CHANNEL_ID
UNKNOWN_ID = "ffffffffffffffffffffffffffffffff"
GATE_ROLE = REPO / "roles" / "backend_gate"
MODES = ("token", "password", "aksk", "temporary_aksk")

# Imported by the module's interpreter (PYTHONPATH) when a task sets APIG_TEST_RAISE: the HTTP library then fails
# with a message quoting the request's method, URL, headers and body, as a careless library might.
SITECUSTOMIZE = """
import os

if os.environ.get("APIG_TEST_RAISE"):
    import requests.sessions

    _original = requests.sessions.Session.request

    def _request(self, method, url, headers=None, data=None, **kwargs):
        where = os.environ["APIG_TEST_RAISE"]
        if where == "any" or (where == "apig" and "/apigw/" in url):
            raise RuntimeError("simulated library bug while sending %s %s with headers %r and body %r"
                               % (method, url, headers, data))
        return _original(self, method, url, headers=headers, data=data, **kwargs)

    requests.sessions.Session.request = _request
"""

# Saves every task result of every host (what ``register`` would hold) as one JSON line.
SAVE_ALL_CALLBACK = """
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "save_results"
    CALLBACK_NEEDS_ENABLED = True

    def _save(self, result, status):
        path = os.path.join(os.environ["APIG_TEST_RESULT_DIR"], "%s.jsonl" % result._host.get_name())
        with open(path, "a") as handle:
            handle.write(json.dumps({"task": result._task.get_name(), "status": status, "result": result._result},
                                    default=str) + "\\n")

    def v2_runner_on_ok(self, result):
        self._save(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._save(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._save(result, "skipped")
"""


def module_task(name, args, environment=None):
    lines = ["    - name: %s" % name, "      hwcloud.apig.backend_connectivity:"]
    for key in CHECK_KEYS:
        if key in args:
            lines.append("        %s: %s" % (key, json.dumps(args[key])))
    if environment:
        lines.append("      environment: %s" % json.dumps(environment))
    lines.append("      ignore_errors: true")
    return "\n".join(lines)


def playbook():
    channel = {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": MIXED_CHANNEL_ID}
    tasks = [
        module_task("Check that succeeds", channel),
        module_task("Check the API refuses", dict(channel, instance_id=UNKNOWN_ID)),
        module_task(
            "Check with bad input",
            {"instance_id": presets.INSTANCE_ID, "backend_type": "backend_address", "backend_address": "127.0.0.1:0"},
        ),
        module_task("Check with bad input in a connection option", dict(channel, concurrency=0)),
        module_task("Check that meets an unexpected exception on the APIG call", channel, {"APIG_TEST_RAISE": "apig"}),
        module_task("Check that meets an unexpected exception on the first call", channel, {"APIG_TEST_RAISE": "any"}),
    ]
    text = [
        "---",
        "- name: Every outcome, every sign-in mode",
        "  hosts: all",
        "  gather_facts: false",
        "  module_defaults:",
        '    group/hwcloud.apig.apig: "{{ apig_auth }}"',
        "  tasks:",
        *tasks,
    ]
    text.append(
        """    - name: The gate role, with a JUnit report
      block:
        - name: Run the gate
          ansible.builtin.include_role:
            name: hwcloud.apig.backend_gate
          vars:
            backend_gate_auth: "{{ apig_auth }}"
            backend_gate_junit_path: "{{ junit_dir }}/{{ inventory_hostname }}.xml"
            backend_gate_checks:
              - {name: mixed, instance_id: "%s", backend_type: vpc_channel, vpc_channel_id: "%s"}
              - {name: missing, instance_id: "%s", backend_type: vpc_channel, vpc_channel_id: "%s"}
      rescue:
        - name: The gate failed, as it must
          ansible.builtin.debug:
            msg: gate failed"""
        % (presets.INSTANCE_ID, MIXED_CHANNEL_ID, UNKNOWN_ID, MIXED_CHANNEL_ID)
    )
    return "\n".join(text) + "\n"


def auth_for(mode, emulator):
    return presets.module_auth(mode, emulator.url, timeout=5, retries=0)


STATIC_SECRETS = {
    "token": presets.TOKEN_VALID,
    "IAM password": presets.USER_PASSWORD,
    "SK": presets.SK,
    "temporary SK": presets.TEMP_SK,
    "security token": presets.SECURITY_TOKEN,
}


# ansible-core's own debug line that prints a module's arguments before no_log masking (ansible/plugins/action/
# __init__.py: display.debug("done with _execute_module (%s, %s)")). Ansible documents ANSIBLE_DEBUG as showing
# "secret information despite no_log settings"; no module can mask what the controller prints before running it.
CORE_DEBUG_ARGS_LINE = re.compile(
    r"^\s*\d+ \d+\.\d+: done with _execute_module \(hwcloud\.apig\.backend_connectivity, \{"
)


def occurrences(texts, secrets, allowed_line=None):
    """[(where, secret name, context)] for every secret found in any text (lines matching ``allowed_line`` aside)."""
    found = []
    for where, text in texts.items():
        for line in text.splitlines():
            for name, secret in secrets.items():
                at = line.find(secret)
                if at >= 0 and not (allowed_line is not None and allowed_line.match(line)):
                    found.append((where, name, line[max(0, at - 150) : at + len(secret) + 50]))
    return found


def issued_tokens(emulator):
    """Every token IAM issued during the run: as APIG received them (the request log) and, for the runs that
    failed before using theirs, from the emulator's token store."""
    seen = {
        entry["headers"]["X-Auth-Token"]
        for entry in emulator.requests
        if entry["headers"].get("X-Auth-Token", "").startswith("MII")
    }
    assert seen, "no IAM-issued token reached APIG: the scan would not know what to look for"
    stored = {record.value for record in emulator.tokens._tokens.values() if record.user}  # pylint: disable=protected-access
    assert seen <= stored
    return stored


@pytest.fixture
def mixed_emulator(emulator_factory, backend_servers):
    up, refused = backend_servers.open(), backend_servers.closed()
    return emulator_factory(
        presets.default_config(
            channels=[presets.mixed_channel(up, refused)],
            check_timeout=0.3,
        )
    )


def test_no_secret_in_any_output_log_result_or_report_at_vvvv(mixed_emulator, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    junit_dir, log_path = tmp_path / "junit", tmp_path / "ansible.log"
    junit_dir.mkdir()
    hosts = {mode: {"apig_auth": auth_for(mode, mixed_emulator), "junit_dir": str(junit_dir)} for mode in MODES}
    run = run_hosts(
        tmp_path / "run",
        hosts,
        playbook=playbook(),
        args=["-vvvv"],
        callback=SAVE_ALL_CALLBACK,
        env={"ANSIBLE_DEBUG": "1", "ANSIBLE_LOG_PATH": str(log_path), "PYTHONPATH": str(site)},
    )

    # -- the run did what it was meant to: every outcome happened, in every mode ------------------------------
    results = {}
    for mode in MODES:
        lines = (tmp_path / "run" / "results" / ("%s.jsonl" % mode)).read_text().splitlines()
        results[mode] = [json.loads(line) for line in lines]
        by_task = {item["task"]: item for item in results[mode]}
        ok = by_task["Check that succeeds"]
        assert ok["status"] == "ok" and ok["result"]["check_result"] == "FAILED", (mode, ok)
        assert by_task["Check the API refuses"]["result"].get("error_code") == "APIG.3030", mode
        assert by_task["Check with bad input"]["result"].get("option") == "backend_address", mode
        assert by_task["Check with bad input in a connection option"]["result"].get("option") == "concurrency", mode
        for task in (
            "Check that meets an unexpected exception on the APIG call",
            "Check that meets an unexpected exception on the first call",
        ):
            assert "unexpected RuntimeError: simulated library bug" in by_task[task]["result"]["msg"], (
                mode,
                by_task[task],
            )
        # the simulated bug did quote the request: the masking, not luck, kept the secrets out
        quoted = by_task["Check that meets an unexpected exception on the APIG call"]["result"]["msg"]
        assert "X-Auth-Token" in quoted or "Authorization" in quoted, quoted
        assert "********" in quoted, quoted
    assert "Traceback" not in run.stdout, run

    # -- the secrets, including every token IAM issued during the run ----------------------------------------
    secrets = dict(STATIC_SECRETS)
    issued = issued_tokens(mixed_emulator)
    # one per module run of the password host that got as far as signing in: success, refused, exception on the
    # APIG call, and the gate's run
    assert len(issued) == 4, issued
    for number, token in enumerate(sorted(issued)):
        secrets["IAM-issued token %d" % number] = token

    (tmp_path / "stdout.txt").write_text(run.stdout)  # kept for a human to read when the scan fails
    (tmp_path / "stderr.txt").write_text(run.stderr)
    texts = {"stdout": run.stdout, "stderr": run.stderr, "ANSIBLE_LOG_PATH": log_path.read_text()}
    assert "<localhost>" in texts["stdout"] or "ESTABLISH LOCAL CONNECTION" in texts["stdout"], "not a -vvvv run"
    assert texts["ANSIBLE_LOG_PATH"], "the log is empty"
    for mode in MODES:
        texts["registered results of %s" % mode] = json.dumps(results[mode])
    reports = sorted(junit_dir.glob("*.xml"))
    assert len(reports) == len(MODES), "the gate wrote no JUnit report"
    for report in reports:
        texts["JUnit %s" % report.name] = report.read_text()
    leaks = occurrences(texts, secrets, allowed_line=CORE_DEBUG_ARGS_LINE)
    assert leaks == [], "secrets leaked:\n" + "\n".join("%s: %s in ...%s..." % leak for leak in leaks)
    # The one exception is ansible-core's ANSIBLE_DEBUG line with the raw module arguments: make sure it is only
    # that (so the allowance hides nothing else), and that a secret no option holds -- the IAM-issued token -- is
    # not even there.
    core_lines = [line for text in texts.values() for line in text.splitlines() if CORE_DEBUG_ARGS_LINE.match(line)]
    assert core_lines, "ANSIBLE_DEBUG was not on"
    assert (
        occurrences(
            {"ansible-core debug lines": "\n".join(core_lines)},
            {name: value for name, value in secrets.items() if name.startswith("IAM-issued")},
        )
        == []
    )


ENV_PLAYBOOK = """---
- name: Credentials from the controller's environment only
  hosts: all
  gather_facts: false
  module_defaults:
    group/hwcloud.apig.apig: "{{ apig_options }}"
  tasks:
%s
""" % "\n".join(
    [
        module_task(
            "Check that succeeds",
            {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": MIXED_CHANNEL_ID},
        ),
        module_task(
            "Check the API refuses",
            {"instance_id": UNKNOWN_ID, "backend_type": "vpc_channel", "vpc_channel_id": MIXED_CHANNEL_ID},
        ),
        module_task(
            "Check that meets an unexpected exception on the APIG call",
            {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": MIXED_CHANNEL_ID},
            {"APIG_TEST_RAISE": "apig"},
        ),
    ]
)

ENV_CREDENTIALS = {
    "password": {
        "HW_REGION_NAME": presets.PROJECT_NAME,
        "HW_USER_NAME": presets.USER_NAME,
        "HW_USER_PASSWORD": presets.USER_PASSWORD,
        "HW_DOMAIN_NAME": presets.USER_DOMAIN,
    },
    "temporary_aksk": {
        "HW_PROJECT_ID": presets.PROJECT_ID,
        "HW_ACCESS_KEY": presets.TEMP_AK,
        "HW_SECRET_KEY": presets.TEMP_SK,
        "HW_SECURITY_TOKEN": presets.SECURITY_TOKEN,
    },
}


@pytest.mark.parametrize("mode", sorted(ENV_CREDENTIALS))
def test_credentials_from_the_environment_never_appear_even_with_ansible_debug(mixed_emulator, tmp_path, mode):
    """The way to keep secrets out even of ANSIBLE_DEBUG output: HW_* variables of the controller, not module options."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log_path = tmp_path / "ansible.log"
    options = {"endpoint": mixed_emulator.url, "timeout": 5, "retries": 0}
    if mode == "password":
        options["iam_endpoint"] = mixed_emulator.url + "/v3"
    env = dict(ENV_CREDENTIALS[mode], ANSIBLE_DEBUG="1", ANSIBLE_LOG_PATH=str(log_path), PYTHONPATH=str(site))
    run = run_hosts(
        tmp_path / "run",
        {"localhost": {"apig_options": options}},
        playbook=ENV_PLAYBOOK,
        args=["-vvvv"],
        callback=SAVE_ALL_CALLBACK,
        env=env,
    )
    lines = (tmp_path / "run" / "results" / "localhost.jsonl").read_text().splitlines()
    results = {item["task"]: item for item in map(json.loads, lines)}
    assert results["Check that succeeds"]["result"]["check_result"] == "FAILED", run
    assert results["Check the API refuses"]["result"]["error_code"] == "APIG.3030"
    assert (
        "simulated library bug" in results["Check that meets an unexpected exception on the APIG call"]["result"]["msg"]
    )
    secrets = {name: value for name, value in STATIC_SECRETS.items() if value in ENV_CREDENTIALS[mode].values()}
    if mode == "password":
        for number, token in enumerate(sorted(issued_tokens(mixed_emulator))):
            secrets["IAM-issued token %d" % number] = token
    assert len(secrets) == (1 + 3 if mode == "password" else 2), (
        "the password and one IAM token per module run: %s" % secrets
    )
    texts = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "ANSIBLE_LOG_PATH": log_path.read_text(),
        "registered results": "\n".join(lines),
    }
    assert any(CORE_DEBUG_ARGS_LINE.match(line) for line in run.stdout.splitlines()), "ANSIBLE_DEBUG was not on"
    leaks = occurrences(texts, secrets)
    assert leaks == [], "secrets leaked:\n" + "\n".join("%s: %s in ...%s..." % leak for leak in leaks)


def test_emulator_error_answers_never_quote_a_credential():
    """Each refusal of a bad credential, read raw: the body the module would print holds no secret."""
    emulator = Emulator(presets.default_config()).start()
    try:
        path = "/v2/%s/apigw/instances/%s/vpc-channels/%s/members" % (
            presets.PROJECT_ID,
            presets.INSTANCE_ID,
            presets.CHANNEL_ID,
        )
        wrong_token = "tok-wrong-but-looks-plausible-0001"
        answers = {
            "unknown token": requests.get(emulator.url + path, headers={"X-Auth-Token": wrong_token}, timeout=5),
            "expired token": requests.get(
                emulator.url + path, headers={"X-Auth-Token": presets.TOKEN_EXPIRED}, timeout=5
            ),
            "wrong password": requests.post(
                emulator.url + "/v3/auth/tokens",
                timeout=5,
                json={
                    "auth": {
                        "identity": {
                            "methods": ["password"],
                            "password": {
                                "user": {
                                    "name": presets.USER_NAME,
                                    "password": "wrong-Secret-9",
                                    "domain": {"name": presets.USER_DOMAIN},
                                }
                            },
                        }
                    }
                },
            ),
        }
        signer = _signer()
        for label, (ak, sk, token) in {
            "wrong SK": (presets.AK, "wrong-secret-key-000000001", None),
            "temporary key without its token": (presets.TEMP_AK, presets.TEMP_SK, None),
            "wrong security token": (presets.TEMP_AK, presets.TEMP_SK, "wrong-security-token-01"),
            "security token with a permanent key": (presets.AK, presets.SK, presets.SECURITY_TOKEN),
        }.items():
            headers = {"X-Project-Id": presets.PROJECT_ID}
            if token:
                headers["X-Security-Token"] = token
            signed = signer(emulator.url + path, headers, ak, sk)
            answers[label] = requests.get(emulator.url + path, headers=signed, timeout=5)
        secrets = dict(
            STATIC_SECRETS,
            **{
                "wrong token": wrong_token,
                "wrong password": "wrong-Secret-9",
                "wrong SK": "wrong-secret-key-000000001",
                "wrong security token": "wrong-security-token-01",
                "expired token": presets.TOKEN_EXPIRED,
            },
        )
        for label, answer in answers.items():
            assert answer.status_code in (401, 403), (label, answer.status_code, answer.text)
        texts = {
            "%s (HTTP %d)" % (label, answer.status_code): answer.text + json.dumps(dict(answer.headers))
            for label, answer in answers.items()
        }
        assert occurrences(texts, secrets) == []
    finally:
        emulator.stop()


def test_secrets_are_masked_in_their_escaped_forms_too():
    """A password with quotes, backslashes or non-ASCII is masked also as it appears inside JSON or a repr()."""
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.hwcloud.apig.plugins.modules.backend_connectivity import BackendConnectivityModule

    password = 'pa"ss\\w\u00f6rd-1'
    with patch_module_args(
        {
            "endpoint": "http://127.0.0.1:1",
            "region": presets.PROJECT_NAME,
            "user_name": "u",
            "password": password,
            "domain_name": "d",
            "instance_id": presets.INSTANCE_ID,
            "backend_type": "backend_address",
            "backend_address": "127.0.0.1:1",
        }
    ):
        module = BackendConnectivityModule()
    module._secrets = [password]  # pylint: disable=protected-access  # what __call__ sets from the settings
    for text in (password, json.dumps({"password": password}), repr({"password": password})):
        scrubbed = module.scrub("failed while sending %s" % text)
        assert "********" in scrubbed, scrubbed
        for form in (password, json.dumps(password)[1:-1], repr(password)[1:-1]):
            assert form not in scrubbed, (form, scrubbed)


def _signer():
    from ansible_collections.hwcloud.apig.plugins.module_utils.signer import sign_request

    def sign(url, headers, ak, sk):
        return sign_request("GET", url, dict(headers), None, ak, sk)

    return sign


def test_the_gate_role_writes_the_junit_report_the_scan_reads():
    """The scan above reads the reports the gate role writes to backend_gate_junit_path: that option must exist."""
    assert "backend_gate_junit_path" in (GATE_ROLE / "defaults" / "main.yml").read_text()
