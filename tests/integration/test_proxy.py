# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""APIG and IAM calls through a real HTTP proxy (Debian's tinyproxy on 127.0.0.1), with real ansible-playbook runs.

What is shown: the proxy's own log lists the API requests (plain HTTP) or the CONNECT tunnels (HTTPS), IAM's
too; NO_PROXY sends them past it; the ``proxy`` option and the gate role's ``backend_gate_auth.proxy`` work the
same; local probes never reach the proxy; a proxy that refuses the connection, denies the client by its ACL or
refuses the credentials gives an error naming the proxy, with nothing sent to APIG; and the proxy's password is
in no output, log or result, at -vvvv.
"""

import json
import re

import pytest

from tests.emulator import presets
from tests.integration.proxy_server import TinyProxy, require_tinyproxy
from tests.integration.runner import run_playbook
from tests.loopback.listeners import closed_port

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("tinyproxy_installed")]

MIXED_CHANNEL_ID = presets.MIXED_CHANNEL_ID
PROXY_USER, PROXY_PASSWORD = "gateuser", "Pr0xy-Pass-7a9c"
CHECK_SUFFIX = "/backend/connectivity/check"


@pytest.fixture
def tinyproxy_installed():
    require_tinyproxy()


@pytest.fixture
def backends(backend_servers):
    return backend_servers.open(http=True), backend_servers.closed()


def make_emulator(emulator_factory, backends, tls):
    up, refused = backends
    return emulator_factory(
        presets.default_config(
            channels=[presets.mixed_channel(up, refused)],
            check_timeout=0.3,
        ),
        tls=tls,
    )


@pytest.fixture(params=["http", "https"])
def emulator(request, emulator_factory, backends):
    return make_emulator(emulator_factory, backends, tls=request.param == "https")


@pytest.fixture
def https_emulator(emulator_factory, backends):
    return make_emulator(emulator_factory, backends, tls=True)


@pytest.fixture
def proxy(tmp_path):
    with TinyProxy(tmp_path / "proxy") as server:
        yield server


@pytest.fixture
def auth_proxy(tmp_path):
    with TinyProxy(tmp_path / "auth-proxy", basic_auth=(PROXY_USER, PROXY_PASSWORD)) as server:
        yield server


def auth(emulator, mode="password", **options):
    return presets.module_auth(mode, emulator.url, timeout=10, retries=0, ca_path=emulator.ca_path, **options)


def check(emulator, tmp_path, env, probe="remote", **options):
    """One channel check (password sign-in: IAM, then APIG) with ``env`` as the run's environment."""
    check_args = {
        "instance_id": presets.INSTANCE_ID,
        "backend_type": "vpc_channel",
        "vpc_channel_id": MIXED_CHANNEL_ID,
        "probe": probe,
    }
    return run_playbook(
        "run_check.yml",
        tmp_path,
        {"apig_auth": auth(emulator, **options), "check_args": check_args},
        env=env,
        args=["-vvvv"],
    )


def assert_no_password(run, *secrets):
    texts = {"output": run.output, "result": json.dumps(run.result)}
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, "%s holds the proxy password" % where
    assert "Traceback" not in run.output


def test_api_and_iam_requests_go_through_the_proxy_of_the_environment(emulator, proxy, tmp_path):
    scheme = emulator.url.split(":", 1)[0]
    variable = "HTTPS_PROXY" if scheme == "https" else "HTTP_PROXY"
    run = check(emulator, tmp_path, {variable: proxy.url}, probe="both")
    result = run.result["check"]
    assert run.rc == 0 and result.get("failed") is not True, run
    assert result["check_result"] == "FAILED", result  # one member refuses: a real answer, through the proxy

    seen = proxy.requests()
    host_port = emulator.url.split("://", 1)[1]
    if scheme == "http":
        # the proxy saw every API request itself: IAM's token, the member list (probe: both), the check
        paths = [target.split(host_port, 1)[1] for _method, target in (line.split(" ", 1) for line in seen)]
        assert any(path == "/v3/auth/tokens" for path in paths), seen
        assert any(path.endswith(CHECK_SUFFIX) for path in paths), seen
        assert any("/members" in path for path in paths), seen
        assert len(seen) == len(emulator.requests)
    else:
        # HTTPS: the proxy carried tunnels to the emulator, and nothing else
        assert seen and set(seen) == {"CONNECT %s" % host_port}, seen
    # The local probes of both members went straight to them (one reached): no proxy log line names a backend.
    probed = {record["target"]: record["ok"] for record in result["local"]["results"]}
    assert sorted(probed.values()) == [False, True], result["local"]
    for line in seen:
        assert all(address not in line for address in probed), line


def test_no_proxy_bypasses_the_proxy(emulator, proxy, tmp_path):
    run = check(
        emulator, tmp_path, {"HTTPS_PROXY": proxy.url, "HTTP_PROXY": proxy.url, "NO_PROXY": "localhost,127.0.0.1"}
    )
    assert run.rc == 0 and run.result["check"]["check_result"] == "FAILED", run
    assert proxy.requests() == []
    assert any(entry["path"].endswith(CHECK_SUFFIX) for entry in emulator.requests)


def test_the_proxy_option_with_credentials_works_and_its_password_is_masked_everywhere(
    https_emulator, auth_proxy, tmp_path
):
    log_path = tmp_path / "ansible.log"
    run = check(https_emulator, tmp_path, {"ANSIBLE_LOG_PATH": str(log_path)}, proxy=auth_proxy.url)
    result = run.result["check"]
    assert run.rc == 0 and result["check_result"] == "FAILED", run
    assert auth_proxy.requests() and set(auth_proxy.requests()) == {
        "CONNECT %s" % https_emulator.url.split("://", 1)[1]
    }
    # -vvvv prints the module's arguments: the proxy URL is there, its password masked
    assert '"proxy": "http://%s:********@%s"' % (PROXY_USER, auth_proxy.address) in run.output, run
    assert_no_password(run, PROXY_PASSWORD)
    assert PROXY_PASSWORD not in log_path.read_text()


def test_a_proxy_port_that_refuses_gives_an_error_naming_the_proxy(https_emulator, tmp_path):
    with closed_port() as refusing:
        url = "http://%s:%s@%s" % (PROXY_USER, PROXY_PASSWORD, refusing.address)
        run = check(https_emulator, tmp_path, {"HTTPS_PROXY": url})
    result = run.result["check"]
    assert result["failed"] is True
    assert result["msg"].startswith(
        "the proxy http://%s:********@%s (from HTTPS_PROXY) did not take the request to IAM"
        % (PROXY_USER, refusing.address)
    ), result["msg"]
    assert "Connection refused" in result["msg"]
    assert https_emulator.requests == []
    assert_no_password(run, PROXY_PASSWORD)


def test_a_proxy_whose_acl_denies_this_client_gives_an_error_naming_the_proxy(https_emulator, tmp_path):
    with TinyProxy(tmp_path / "denying", allow="127.0.0.2") as denying:  # admits 127.0.0.2 only; we come from .1
        run = check(https_emulator, tmp_path, {"HTTPS_PROXY": denying.url})
    result = run.result["check"]
    assert result["failed"] is True
    assert result["msg"] == (
        "the proxy %s (from HTTPS_PROXY) did not take the request to IAM at %s after 1 attempt(s): "
        "it answered CONNECT with 403 Access denied" % (denying.url, https_emulator.url.split("://", 1)[1])
    )
    assert https_emulator.requests == []


def test_wrong_proxy_credentials_give_an_error_naming_the_proxy_without_the_password(
    https_emulator, auth_proxy, tmp_path
):
    wrong = "http://%s:%s@%s" % (PROXY_USER, PROXY_PASSWORD + "-wrong", auth_proxy.address)
    run = check(https_emulator, tmp_path, {"HTTPS_PROXY": wrong})
    result = run.result["check"]
    assert result["failed"] is True
    assert "the proxy http://%s:********@%s (from HTTPS_PROXY)" % (PROXY_USER, auth_proxy.address) in result["msg"]
    assert "answered CONNECT with 401" in result["msg"] or "answered CONNECT with 407" in result["msg"], result["msg"]
    assert https_emulator.requests == []
    assert_no_password(run, PROXY_PASSWORD, PROXY_PASSWORD + "-wrong")


def test_an_unusable_proxy_variable_is_bad_input_and_nothing_is_sent(https_emulator, proxy, tmp_path):
    run = check(
        https_emulator, tmp_path, {"HTTPS_PROXY": "socks5://%s:%s@%s" % (PROXY_USER, PROXY_PASSWORD, proxy.address)}
    )
    result = run.result["check"]
    assert result["failed"] is True and result["option"] == "proxy"
    assert "SOCKS" in result["msg"] and "HTTPS_PROXY" in result["msg"]
    assert https_emulator.requests == [] and proxy.requests() == []
    assert_no_password(run, PROXY_PASSWORD)


GATE_PLAYBOOK = """---
- name: The gate through a proxy
  hosts: localhost
  gather_facts: false
  roles:
    - role: hwcloud.apig.backend_gate
      vars:
        backend_gate_auth: "{{ apig_auth }}"
        backend_gate_checks:
          - {name: mixed, instance_id: "%s", backend_type: vpc_channel, vpc_channel_id: "%s"}
""" % (presets.INSTANCE_ID, MIXED_CHANNEL_ID)


def test_the_gate_role_passes_its_proxy_and_masks_its_password(https_emulator, backends, auth_proxy, tmp_path):
    playbook = tmp_path / "gate.yml"
    playbook.write_text(GATE_PLAYBOOK)
    log_path = tmp_path / "ansible.log"
    run = run_playbook(
        playbook,
        tmp_path,
        {"apig_auth": auth(https_emulator, proxy=auth_proxy.url)},
        env={"ANSIBLE_LOG_PATH": str(log_path)},
        args=["-vvvv"],
    )
    assert run.rc == 2, run  # the gate fails: one member is refused
    assert re.search(r"mixed\s+FAILED\s+%s" % re.escape(backends[1].address), run.output), run
    assert set(auth_proxy.requests()) == {"CONNECT %s" % https_emulator.url.split("://", 1)[1]}
    assert_no_password(run, PROXY_PASSWORD)
    assert PROXY_PASSWORD not in log_path.read_text()
