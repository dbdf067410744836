# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mistakes a new user makes, through real ansible-playbook and ansible runs: what the failed task says.

One playbook makes every mistake that needs no more than the emulator (each task ``ignore_errors``), and the
test checks each message and that none of them sent a request. A misspelled region runs with a resolver that
fails in the module process itself (tests/integration/no_dns: no DNS query is ever made), and the sign-in a run
used is read from the ``-vvv`` output, which must never show a credential.
"""

import json
from pathlib import Path

import pytest

from tests.emulator import presets
from tests.integration.runner import run_adhoc, run_playbook

pytestmark = pytest.mark.integration

NO_DNS = Path(__file__).resolve().parent / "no_dns"

MISTAKES = """
- name: The mistakes a new user makes
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hwcloud.apig.apig: "{{ apig_auth }}"
  vars:
    channel_check: &channel_check
      instance_id: eddc4d25480b4cd6b512f270a1b8b341
      backend_type: vpc_channel
      vpc_channel_id: 3019f57095a94ec885031a16d3156f12
  tasks:
    - name: A URL where an address belongs
      hwcloud.apig.backend_connectivity:
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: backend_address
        backend_address: http://127.0.0.1:45715/
      register: url_address
      ignore_errors: true
    - name: A misspelled option
      hwcloud.apig.backend_connectivity:
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: vpc_channel
        vpc_channel: 3019f57095a94ec885031a16d3156f12
      register: misspelled
      ignore_errors: true
    - name: Checks that is not a list
      hwcloud.apig.backend_connectivity:
        checks: notalist
      register: not_a_list
      ignore_errors: true
    - name: An endpoint with a path
      hwcloud.apig.backend_connectivity:
        <<: *channel_check
        endpoint: "{{ apig_auth.endpoint }}/v2"
      register: endpoint_path
      ignore_errors: true
    - name: An instance ID in upper case
      hwcloud.apig.backend_connectivity:
        <<: *channel_check
        instance_id: EDDC4D25480B4CD6B512F270A1B8B341
      register: uppercase_id
      ignore_errors: true
    - name: A project name where the project ID belongs
      hwcloud.apig.backend_connectivity:
        <<: *channel_check
        project_id: ap-southeast-1
      register: project_name
      ignore_errors: true
    - name: Save what each task said
      ansible.builtin.copy:
        content: "{{ results | to_json }}"
        dest: "{{ result_path }}"
        mode: "0600"
      vars:
        results:
          url_address: "{{ url_address }}"
          misspelled: "{{ misspelled }}"
          not_a_list: "{{ not_a_list }}"
          endpoint_path: "{{ endpoint_path }}"
          uppercase_id: "{{ uppercase_id }}"
          project_name: "{{ project_name }}"
"""

ONE_CHECK = """
- name: One check, connection options from the environment or apig_auth
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hwcloud.apig.apig: "{{ apig_auth | default({}) }}"
  tasks:
    - name: Check the orders channel
      hwcloud.apig.backend_connectivity:
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: vpc_channel
        vpc_channel_id: 3019f57095a94ec885031a16d3156f12
      register: check
      ignore_errors: true
    - name: Save the result
      ansible.builtin.copy:
        content: "{{ check | to_json }}"
        dest: "{{ result_path }}"
        mode: "0600"
"""


GATE_WITH_A_PATH = """
- name: The gate, given an address with the health check's path in it
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hwcloud.apig.apig: "{{ apig_auth }}"
  tasks:
    - name: Gate
      block:
        - name: Run the gate
          ansible.builtin.include_role:
            name: hwcloud.apig.backend_gate
          vars:
            backend_gate_checks:
              - name: orders
                instance_id: eddc4d25480b4cd6b512f270a1b8b341
                backend_type: backend_address
                backend_address: "{{ address }}"
      rescue:
        - name: Save the verdict
          ansible.builtin.copy:
            content: "{{ backend_gate_result | to_json }}"
            dest: "{{ result_path }}"
            mode: "0600"
"""


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    return emulator_factory(
        presets.default_config(members=[{"host": "127.0.0.1", "port": backend_servers.open().port}])
    )


def playbook(tmp_path, text, name="play.yml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_clean(run):
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, run


def test_every_mistake_is_refused_naming_what_is_wrong_and_sends_nothing(emulator, tmp_path):
    auth = presets.module_auth("token", emulator.url, retries=0)
    run = run_playbook(playbook(tmp_path, MISTAKES), tmp_path, {"apig_auth": auth})
    assert run.rc == 0, run
    assert_clean(run)
    said = {name: result["msg"] for name, result in run.result.items()}
    assert all(result.get("failed") for result in run.result.values()), run.result
    assert said["url_address"] == (
        "backend_address 'http://127.0.0.1:45715/': is a URL; give the address as host:port, without scheme or path: "
        "127.0.0.1:45715. Local probes take the protocol from local_probe.protocol (http)"
    )
    assert said["misspelled"].startswith(
        "Unsupported parameters for (hwcloud.apig.backend_connectivity) module: vpc_channel. Supported parameters"
    )
    assert said["misspelled"].endswith("vpc_channel: did you mean vpc_channel_id?")
    assert said["not_a_list"].startswith("Elements value for option 'checks' is of type str"), said["not_a_list"]
    assert said["endpoint_path"] == (
        "endpoint must be a base URL without a path, got '%s/v2': the module adds the API path "
        "(/v2/{project_id}/apigw/..., /v3/auth/tokens) itself; give %s" % (emulator.url, emulator.url)
    )
    assert said["uppercase_id"].startswith("instance_id 'EDDC4D25480B4CD6B512F270A1B8B341' has uppercase letters: ")
    assert said["uppercase_id"].endswith("write %s" % presets.INSTANCE_ID)
    assert said["project_name"].startswith("project_id must be 32 lowercase hexadecimal characters (")
    assert said["project_name"].endswith("got 'ap-southeast-1'")
    assert emulator.requests == []


@pytest.mark.parametrize("address", ["127.0.0.1:18500/health", "http://127.0.0.1:18500/health"])
def test_the_gate_says_where_the_path_of_an_address_goes(emulator, tmp_path, address):
    """The role passes the module's answer on: the same one for a path and for a URL, naming local_probe.path."""
    auth = presets.module_auth("token", emulator.url, retries=0)
    run = run_playbook(playbook(tmp_path, GATE_WITH_A_PATH), tmp_path, {"apig_auth": auth, "address": address})
    assert run.rc == 0, run
    assert_clean(run)
    (check,) = run.result["checks"]
    assert check["check_result"] == "ERROR" and check["option"] == "checks[0].backend_address", check
    assert check["msg"].startswith("orders: backend_address %r: " % address), check["msg"]
    assert "give the address as host:port, without scheme or path: 127.0.0.1:18500. " in check["msg"]
    assert "Local HTTP(S) probes take the path from local_probe.path (/health)" in check["msg"]
    assert emulator.requests == []


def test_checks_that_is_not_a_list_names_checks_ad_hoc(emulator, tmp_path):
    env = {"HW_APIG_ENDPOINT": emulator.url, "HW_PROJECT_ID": presets.PROJECT_ID, "HW_AUTH_TOKEN": presets.TOKEN_VALID}
    run = run_adhoc("hwcloud.apig.backend_connectivity", "checks=notalist", tmp_path, env=env)
    assert run.rc != 0 and run.result is not None, run
    assert run.result["msg"].startswith("Elements value for option 'checks' is of type str"), run.result["msg"]
    assert emulator.requests == []


def test_ad_hoc_output_shows_the_result_once_and_the_verdict_in_brief_as_the_fact(
    emulator_factory, backend_servers, tmp_path
):
    """``ansible -m backend_connectivity -a "... probe=both"`` on a 3-member channel once printed about 230 lines:
    the whole result twice, at the top level and under ansible_facts. The registered result is the one kept full;
    the fact is the verdict in brief, so the second copy costs a few lines whatever the number of members."""
    members = [backend_servers.open(), backend_servers.closed(), backend_servers.closed()]
    world = emulator_factory(presets.default_config(members=[{"host": m.host, "port": m.port} for m in members]))
    env = {"HW_APIG_ENDPOINT": world.url, "HW_PROJECT_ID": presets.PROJECT_ID, "HW_AUTH_TOKEN": presets.TOKEN_VALID}
    args = "instance_id=%s backend_type=vpc_channel vpc_channel_id=%s probe=both" % (
        presets.INSTANCE_ID,
        presets.CHANNEL_ID,
    )
    run = run_adhoc("hwcloud.apig.backend_connectivity", args, tmp_path, env=env)
    assert run.rc == 0 and run.result["check_result"] == "FAILED", run
    shown = run.stdout[run.stdout.index("{") :]
    assert json.loads(shown) == run.result, "ad-hoc prints the one result"
    assert run.result["ansible_facts"] == {
        "apig_backend_connectivity": {key: run.result[key] for key in ("check_result", "failures", "request_id")}
    }
    assert shown.count('"target": ') == len(members), "each member's record is printed once"
    without_facts = json.dumps(dict(run.result, ansible_facts={}), indent=4)
    assert len(shown.splitlines()) - len(without_facts.splitlines()) <= 12, "the fact adds a few lines, not a copy"


def test_https_to_a_plain_http_port_says_use_http_not_set_ca_path(emulator, tmp_path):
    auth = presets.module_auth("token", emulator.url.replace("http://", "https://"), retries=0)
    run = run_playbook(playbook(tmp_path, ONE_CHECK), tmp_path, {"apig_auth": auth})
    assert_clean(run)
    msg = run.result["msg"]
    assert msg.startswith(
        "127.0.0.1:%d does not answer TLS ([SSL: WRONG_VERSION_NUMBER] wrong version number (" % emulator.port
    )
    assert "_ssl.c:" in msg and "):" in msg  # the reason keeps its closing brackets
    assert "the URL should start with http://, not https://" in msg
    assert "ca_path" not in msg


def test_a_misspelled_region_fails_at_once_naming_the_region_and_what_to_check(tmp_path):
    """No endpoint: the region's own host name does not resolve. The module process cannot resolve names here."""
    log = tmp_path / "resolver.log"
    env = {
        "PYTHONPATH": str(NO_DNS),
        "HWCLOUD_APIG_TEST_RESOLVER_LOG": str(log),
        "HW_REGION_NAME": "ap-southeest-1",
        "HW_PROJECT_ID": presets.PROJECT_ID,
        "HW_AUTH_TOKEN": presets.TOKEN_VALID,
    }
    run = run_playbook(playbook(tmp_path, ONE_CHECK), tmp_path, env=env)
    assert_clean(run)
    host = "apig.ap-southeest-1.myhuaweicloud.com"
    assert run.result["msg"] == (
        "region 'ap-southeest-1' gives the APIG endpoint %s, whose name does not resolve ([Errno -3] Temporary "
        "failure in name resolution): check the region name (for example ap-southeast-1; region or HW_REGION_NAME), "
        "or set endpoint (HW_APIG_ENDPOINT) to the endpoint to use" % host
    )
    assert log.read_text().split() == [host]  # one attempt: a name that does not resolve is not retried


def test_the_sign_in_shows_at_vvv_without_a_credential(emulator, tmp_path):
    """-vvv prints each task's result: it names how the run signed in and where the credentials came from."""
    env = {"HW_APIG_ENDPOINT": emulator.url, "HW_PROJECT_ID": presets.PROJECT_ID, "HW_AUTH_TOKEN": presets.TOKEN_VALID}
    from_env = run_playbook(playbook(tmp_path, ONE_CHECK), tmp_path, env=env, args=("-vvv",))
    assert from_env.rc == 0, from_env
    assert '"auth_mode": "token"' in from_env.stdout and '"credentials_source": "environment"' in from_env.stdout
    assert presets.TOKEN_VALID not in from_env.output

    auth = presets.module_auth("temporary_aksk", emulator.url)
    from_options = run_playbook(playbook(tmp_path, ONE_CHECK), tmp_path, {"apig_auth": auth}, args=("-vvv",))
    assert from_options.rc == 0, from_options
    assert '"auth_mode": "aksk"' in from_options.stdout and '"credentials_source": "options"' in from_options.stdout
    for secret in (presets.TEMP_AK, presets.TEMP_SK, presets.SECURITY_TOKEN):
        assert secret not in from_options.output
    assert json.loads(json.dumps(from_options.result))["auth_mode"] == "aksk"


def test_variables_exported_empty_count_as_unset_and_are_named_when_missing(emulator, tmp_path):
    """A CI job exports HW_REGION_NAME= and HW_AUTH_TOKEN= for variables it does not define: with an endpoint and a
    token elsewhere the run works; with nothing else, the message names the empty variable."""
    env = {
        "HW_REGION_NAME": "",
        "HW_APIG_ENDPOINT": emulator.url,
        "HW_PROJECT_ID": presets.PROJECT_ID,
        "HW_AUTH_TOKEN": "",
        "HW_ACCESS_KEY": presets.AK,
        "HW_SECRET_KEY": presets.SK,
    }
    works = run_playbook(playbook(tmp_path, ONE_CHECK), tmp_path, env=env)
    assert_clean(works)
    assert works.result["check_result"] == "SUCCESS" and works.result["auth_mode"] == "aksk", works.result

    env.update(HW_ACCESS_KEY="", HW_SECRET_KEY="")
    emulator.clear_requests()
    missing = run_playbook(playbook(tmp_path, ONE_CHECK), tmp_path, env=env)
    assert_clean(missing)
    assert missing.result["msg"].endswith(
        "; HW_AUTH_TOKEN, HW_ACCESS_KEY and HW_SECRET_KEY are set but empty, which counts as unset"
    ), missing.result["msg"]
    assert emulator.requests == []
