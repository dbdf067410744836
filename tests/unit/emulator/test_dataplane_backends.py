# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which backend the data plane sends to, and what it answers when it cannot: real sockets, real backends."""

import time

import pytest
import requests

from tests.emulator import presets
from tests.unit.emulator.dataplane_helpers import TIMEOUT, call

CHANNEL = "c0ffee00c0ffee00c0ffee00c0ffee00"


def one_api(backend, **api):
    """A catalog of group orders with one API ``items`` at GET /items/{id}, published in RELEASE."""
    return {
        "groups": [{"name": "orders"}],
        "apis": [
            dict(
                {"name": "items", "group": "orders", "req_uri": "/items/{id}", "backend": backend},
                published={"RELEASE": {}},
                **api,
            )
        ],
    }


def gateway_error(answer, status, code):
    """The gateway's own error answer: status, code, the request id in the body and the header."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert (body["error_code"], body["request_id"]) == (code, answer.headers["X-Request-Id"])
    return body


def test_environment_variables_fill_the_address_and_the_path(emulator_factory, backend_servers):
    release, staging = backend_servers.echo(name="release"), backend_servers.echo(name="staging")
    catalog = one_api({"url_domain": "#ITEMS_HOST#", "req_uri": "/#ITEMS_ROOT#/{id}"})
    catalog["environments"] = [{"name": "staging"}]
    catalog["apis"][0]["published"]["staging"] = {}
    catalog["variables"] = [
        {"group": "orders", "environment": "RELEASE", "name": "ITEMS_HOST", "value": release.address},
        {"group": "orders", "environment": "RELEASE", "name": "ITEMS_ROOT", "value": "v1"},
        {"group": "orders", "environment": "staging", "name": "ITEMS_HOST", "value": staging.address},
        {"group": "orders", "environment": "staging", "name": "ITEMS_ROOT", "value": "beta"},
    ]
    emu = emulator_factory(presets.default_config(catalog=catalog))
    first, second = call(emu, "/items/5").json(), call(emu, "/items/5", stage="staging").json()
    assert (first["backend"], first["path"]) == ("release", "/v1/5")
    assert (second["backend"], second["path"]) == ("staging", "/beta/5")


def test_policy_conditions_choose_the_backend(emulator_factory, backend_servers):
    echo = {name: backend_servers.echo(name=name) for name in ("main", "canary", "v2", "both", "never")}

    def policy(name, **more):
        return dict({"name": name, "backend": {"url_domain": echo[name].address}}, **more)

    catalog = one_api(
        {"url_domain": echo["main"].address},
        policies=[
            policy(
                "both",
                effect_mode="ALL",
                conditions=[{"path": "id", "value": "42"}, {"query": "debug", "value": "on"}],
            ),
            policy("canary", conditions=[{"header": "X-Canary", "value": "1"}]),
            policy("v2", conditions=[{"query": "version", "value": ["2", "3"]}]),
            policy("never"),
        ],
    )
    emu = emulator_factory(presets.default_config(catalog=catalog))

    def backend(path, **headers):
        return call(emu, path, headers=headers).json()["backend"]

    assert backend("/items/1") == "main"
    assert backend("/items/1", **{"X-Canary": "1"}) == "canary"
    assert backend("/items/1", **{"x-canary": "1"}) == "canary"
    assert backend("/items/1", **{"X-Canary": "0"}) == "main"
    assert backend("/items/1?version=3") == "v2"
    assert backend("/items/1?version=1&version=2") == "v2"
    assert backend("/items/42?debug=on") == "both"
    assert backend("/items/42") == "main"
    assert backend("/items/41?debug=on") == "main"


def channel_config(members, port=80, **extra):
    """One API at the VPC channel CHANNEL, whose members are ``members``."""
    channel = {"id": CHANNEL, "name": "pool", "port": port, "members": members}
    catalog = one_api({"vpc_channel": CHANNEL})
    return presets.default_config(channels=[channel], catalog=catalog, **extra)


def test_channel_members_are_taken_in_turn(emulator_factory, backend_servers):
    echo = [backend_servers.echo(name=name) for name in ("a", "b", "c")]
    emu = emulator_factory(channel_config([{"host": "127.0.0.1", "port": server.port} for server in echo]))
    assert [call(emu, "/items/1").json()["backend"] for _index in range(7)] == ["a", "b", "c", "a", "b", "c", "a"]


def test_unavailable_unhealthy_and_backup_members_are_skipped(emulator_factory, backend_servers):
    echo = {name: backend_servers.echo(name=name) for name in ("up", "down", "sick", "backup", "up2")}
    members = [
        {"host": "127.0.0.1", "port": echo["up"].port},
        {"host": "127.0.0.1", "port": echo["down"].port, "status": 2},
        {"host": "127.0.0.1", "port": echo["sick"].port, "health_status": "unhealthy"},
        {"host": "127.0.0.1", "port": echo["backup"].port, "is_backup": True},
        {"host": "localhost", "port": echo["up2"].port},
    ]
    emu = emulator_factory(channel_config(members))
    assert {call(emu, "/items/1").json()["backend"] for _index in range(6)} == {"up", "up2"}


def test_backup_members_serve_when_no_other_is_left_and_port_0_is_the_channels(emulator_factory, backend_servers):
    backup = backend_servers.echo(name="backup")
    members = [
        {"host": "127.0.0.1", "port": 1, "status": 2},
        {"host": "127.0.0.1", "port": 0, "is_backup": True},
    ]
    emu = emulator_factory(channel_config(members, port=backup.port))
    assert call(emu, "/items/1").json()["backend"] == "backup"


@pytest.mark.parametrize(
    "members",
    [
        [],
        [{"host": "127.0.0.1", "port": 1, "status": 2}, {"host": "127.0.0.1", "port": 2, "health_status": "unhealthy"}],
        [{"host": None, "port": 80, "ecs_id": "vm-1"}],
    ],
    ids=["empty", "all-down", "no-address"],
)
def test_a_channel_without_a_usable_member_is_apig_0610(emulator_factory, members):
    emu = emulator_factory(channel_config(members))
    answer = call(emu, "/items/1")
    gateway_error(answer, 502, "APIG.0610")
    assert "X-Apig-Upstream-Latency" not in answer.headers


def test_a_refused_connection_is_apig_0201_502(emulator_factory, backend_servers):
    emu = emulator_factory(presets.default_config(catalog=one_api({"url_domain": backend_servers.closed().address})))
    answer = call(emu, "/items/1")
    assert gateway_error(answer, 502, "APIG.0201")["error_msg"] == "Backend unavailable."
    assert int(answer.headers["X-Apig-Upstream-Latency"]) >= 0


def test_a_connect_that_never_completes_is_apig_0201_504(emulator_factory, blackhole):
    emu = emulator_factory(presets.default_config(catalog=one_api({"url_domain": blackhole.address, "timeout": 300})))
    answer = call(emu, "/items/1")
    assert gateway_error(answer, 504, "APIG.0201")["error_msg"] == "Backend timeout."


def test_a_backend_slower_than_the_timeout_is_apig_0203_504(emulator_factory, backend_servers):
    slow = backend_servers.echo(name="slow", latency_ms=5000)
    emu = emulator_factory(presets.default_config(catalog=one_api({"url_domain": slow.address, "timeout": 300})))
    answer = call(emu, "/items/1")
    assert gateway_error(answer, 504, "APIG.0203")["error_msg"] == "Backend timeout."
    deadline = time.monotonic() + 5  # the backend logs the request in its own thread: wait for it, never fail early
    while not slow.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(slow.requests) == 1, "the request reached the backend: it connected, then did not answer in time"


@pytest.mark.parametrize("address", ["#UNDEFINED_HOST#", "orders.unknown:8080"])
def test_a_name_outside_the_hosts_table_is_apig_0605(emulator_factory, address):
    emu = emulator_factory(presets.default_config(catalog=one_api({"url_domain": address})))
    answer = call(emu, "/items/1")
    assert gateway_error(answer, 500, "APIG.0605")["error_msg"] == "Domain name resolution failed."
    assert "X-Apig-Upstream-Latency" not in answer.headers


def test_a_name_in_the_hosts_table_is_reached(emulator_factory, backend_servers):
    echo = backend_servers.echo(name="named")
    config = presets.default_config(
        catalog=one_api({"url_domain": "orders.internal:%d" % echo.port}), hosts={"orders.internal": "127.0.0.1"}
    )
    seen = call(emulator_factory(config), "/items/1").json()
    assert (seen["backend"], seen["headers"]["Host"]) == ("named", "orders.internal:%d" % echo.port)


def test_https_to_a_backend_without_tls_is_apig_0202(emulator_factory, backend_servers):
    plain = backend_servers.echo()
    config = presets.default_config(catalog=one_api({"url_domain": plain.address, "req_protocol": "HTTPS"}))
    gateway_error(call(emulator_factory(config), "/items/1"), 502, "APIG.0202")


def test_an_https_backend_is_reached_over_tls(emulator_factory, https_backend):
    config = presets.default_config(
        catalog=one_api({"url_domain": https_backend.address, "req_protocol": "HTTPS", "req_uri": "/body/{id}"})
    )
    answer = call(emulator_factory(config), "/items/secure")
    assert (answer.status_code, answer.text) == (200, "secure")


def test_a_backend_500_is_relayed_and_can_start_mid_run(emulator_factory, backend_servers):
    echo = backend_servers.echo(name="web")
    emu = emulator_factory(presets.default_config(catalog=one_api({"url_domain": echo.address})))
    assert call(emu, "/items/1").status_code == 200
    echo.configure(status=500, body="database down", headers={"X-Backend": "web"})
    answer = call(emu, "/items/1")
    assert (answer.status_code, answer.text, answer.headers["X-Backend"]) == (500, "database down", "web")
    assert "X-Apig-Upstream-Latency" in answer.headers
    echo.reset()
    assert call(emu, "/items/1").status_code == 200


def test_a_config_echo_backend_is_steered_through_python_and_the_admin_endpoint(emulator_factory):
    config = channel_config([{"backend": "web"}], backends={"web": {"kind": "echo", "status": 503}})
    emu = emulator_factory(config)
    assert call(emu, "/items/1").status_code == 503
    emu.configure_backend("web", status=None)
    assert call(emu, "/items/1").json()["backend"] == "web"
    changed = requests.post(emu.url + "/_emulator/backends/web", json={"status": 500, "body": "x"}, timeout=TIMEOUT)
    assert changed.json()["status"] == 500
    assert (call(emu, "/items/1").status_code, call(emu, "/items/1").text) == (500, "x")
    listed = requests.get(emu.url + "/_emulator/backends", timeout=TIMEOUT).json()
    assert listed["web"]["settings"]["status"] == 500 and listed["web"]["address"] == emu.backend_addresses()["web"]
    assert requests.delete(emu.url + "/_emulator/backends/web", timeout=TIMEOUT).json()["status"] is None
    assert call(emu, "/items/1").status_code == 200
    refused = requests.post(emu.url + "/_emulator/backends/web", json={"status": "teapot"}, timeout=TIMEOUT)
    assert refused.status_code == 400 and "status" in refused.json()["error"]
    assert requests.post(emu.url + "/_emulator/backends/nope", json={}, timeout=TIMEOUT).status_code == 404


def test_a_mock_api_answers_its_mock_without_upstream_latency(emulator_factory):
    catalog = one_api(None, backend_type="MOCK", mock={"status": 201, "body": "mocked", "content_type": "text/plain"})
    answer = call(emulator_factory(presets.default_config(catalog=catalog)), "/items/1")
    assert (answer.status_code, answer.text, answer.headers["Content-Type"]) == (201, "mocked", "text/plain")
    assert "X-Apig-Upstream-Latency" not in answer.headers and "X-Apig-Latency" in answer.headers


def test_a_function_api_answers_a_fixed_body(emulator_factory):
    catalog = one_api(None, backend_type="FUNCTION")
    answer = call(emulator_factory(presets.default_config(catalog=catalog)), "/items/1")
    assert answer.status_code == 200 and answer.json()["function_urn"].endswith(":items")
    assert "X-Apig-Upstream-Latency" in answer.headers


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        (None, 401, "APIG.0301"),
        ("not-a-token", 401, "APIG.0301"),
        (presets.TOKEN_EXPIRED, 401, "APIG.0307"),
        (presets.TOKEN_VALID, 200, None),
    ],
)
def test_an_iam_api_wants_a_valid_token(emulator_factory, backend_servers, token, status, code):
    echo = backend_servers.echo()
    emu = emulator_factory(presets.default_config(catalog=one_api({"url_domain": echo.address}, auth_type="IAM")))
    answer = call(emu, "/items/1", headers={"X-Auth-Token": token} if token else {})
    assert answer.status_code == status
    if code:
        gateway_error(answer, status, code)
        assert echo.requests == []
