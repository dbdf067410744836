# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which proxy a request takes, how proxy URLs are shown, and that probes never take one.

The decision is plain Python (proxies.py); the routing tests send real requests over loopback: the "proxy" there
is a listener that counts the connections it receives (the real proxy server is in
tests/integration/test_proxy.py).
"""

import time

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.client import ApigClient
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import (
    ConnectionSettings,
    connection_argument_spec,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_engine import run_probes
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import ProbeSpec
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import (
    ProxyConfigError,
    ProxySettings,
    credential_forms,
    masked,
    validated_proxy_url,
)
from tests.emulator import presets
from tests.loopback.listeners import OpenListener, closed_port

CHANNEL_BODY = {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}
PROXY_PASSWORD = "pr0xy-Secret/1"
PROXY_PASSWORD_QUOTED = "pr0xy-Secret%2F1"


def settings_from(environ, option=None):
    return ProxySettings.from_option_or_environment(option, environ)


# ---- the decision ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environ, url, expected",
    [
        ({"HTTPS_PROXY": "http://127.0.0.1:3128"}, "https://apig.example.com", "http://127.0.0.1:3128"),
        (
            {"https_proxy": "http://127.0.0.1:1", "HTTPS_PROXY": "http://127.0.0.1:2"},
            "https://a.example",
            "http://127.0.0.1:1",
        ),
        ({"HTTPS_PROXY": "http://127.0.0.1:3128"}, "http://apig.example.com", None),
        ({"HTTP_PROXY": "http://127.0.0.1:3128"}, "http://apig.example.com", "http://127.0.0.1:3128"),
        ({"HTTP_PROXY": "http://127.0.0.1:3128"}, "https://apig.example.com", None),
        ({"HTTPS_PROXY": "127.0.0.1:3128"}, "https://apig.example.com", "http://127.0.0.1:3128"),
        ({"HTTPS_PROXY": "  "}, "https://apig.example.com", None),
        ({"ALL_PROXY": "http://127.0.0.1:3128"}, "https://apig.example.com", None),
        ({}, "https://apig.example.com", None),
    ],
)
def test_the_proxy_variable_of_the_endpoint_scheme_is_used(environ, url, expected):
    assert settings_from(environ).proxy_for(url) == expected


@pytest.mark.parametrize(
    "no_proxy, url, bypassed",
    [
        ("*", "https://apig.example.com", True),
        ("example.com", "https://apig.example.com", True),
        ("example.com", "https://example.com", True),
        (".example.com", "https://apig.example.com", True),
        ("*.example.com", "https://apig.example.com", True),
        ("example.com", "https://badexample.com", False),
        ("APIG.Example.com", "https://apig.example.COM", True),
        ("apig.example.com:8443", "https://apig.example.com:8443", True),
        ("apig.example.com:8443", "https://apig.example.com", False),
        ("apig.example.com:443", "https://apig.example.com", True),
        ("127.0.0.0/8", "https://127.0.0.5:4443", True),
        ("127.0.0.1", "https://127.0.0.2", False),
        ("::1", "https://[::1]:8443", True),
        ("[::1]:8443", "https://[::1]:8443", True),
        ("[::1]:8443", "https://[::1]:9443", False),
        (" other.example , apig.example.com ", "https://apig.example.com", True),
        ("", "https://apig.example.com", False),
    ],
)
def test_no_proxy_entries(no_proxy, url, bypassed):
    proxy = settings_from({"HTTPS_PROXY": "http://127.0.0.1:3128", "NO_PROXY": no_proxy}).proxy_for(url)
    assert (proxy is None) == bypassed


def test_the_option_wins_over_the_environment_and_no_proxy():
    settings = settings_from({"HTTPS_PROXY": "http://127.0.0.1:1", "NO_PROXY": "*"}, option="http://127.0.0.1:2")
    assert settings.proxy_for("https://apig.example.com") == "http://127.0.0.1:2"
    assert settings.proxy_for("http://127.0.0.1:8080") == "http://127.0.0.1:2"
    assert settings.route_text("https://apig.example.com") == " through the proxy http://127.0.0.1:2 (from proxy)"


@pytest.mark.parametrize(
    "value, words",
    [
        ("socks5://127.0.0.1:1080", "SOCKS"),
        ("ftp://127.0.0.1:21", "http:// or https://"),
        ("http://127.0.0.1:0", "port 0"),
        ("http://127.0.0.1:70000", "not a valid proxy URL"),
        ("http://127.0.0.1:3128/path", "path"),
        ("http://127.0.0.1:3128/?x=1", "query"),
        ("http://", "with a host"),
        ("http://127.0.0.1:3128\t", "control characters"),
    ],
)
def test_unusable_proxy_urls_are_refused_naming_their_source(value, words):
    with pytest.raises(ProxyConfigError) as caught:
        validated_proxy_url(value, "HTTPS_PROXY")
    assert words in str(caught.value) and "HTTPS_PROXY" in str(caught.value)


def test_a_refused_proxy_url_never_shows_its_password():
    with pytest.raises(ProxyConfigError) as caught:
        validated_proxy_url("http://user:%s@127.0.0.1:3128/path" % PROXY_PASSWORD_QUOTED, "proxy")
    assert PROXY_PASSWORD_QUOTED not in str(caught.value) and "user:********@127.0.0.1:3128" in str(caught.value)


@pytest.mark.parametrize(
    "url, shown",
    [
        ("http://user:%s@127.0.0.1:3128" % PROXY_PASSWORD_QUOTED, "http://user:********@127.0.0.1:3128"),
        ("http://tokenonly@127.0.0.1:3128", "http://********@127.0.0.1:3128"),
        ("http://127.0.0.1:3128", "http://127.0.0.1:3128"),
        ("https://u:p@[::1]:3128", "https://u:********@[::1]:3128"),
        (None, None),
    ],
)
def test_masked(url, shown):
    assert masked(url) == shown


def test_credentials_are_secrets_as_written_and_decoded():
    url = "http://user:%s@127.0.0.1:3128" % PROXY_PASSWORD_QUOTED
    assert credential_forms(url) == [PROXY_PASSWORD_QUOTED, PROXY_PASSWORD]
    settings = settings_from({"HTTPS_PROXY": url, "HTTP_PROXY": url})
    assert settings.secrets == [PROXY_PASSWORD_QUOTED, PROXY_PASSWORD]
    assert PROXY_PASSWORD not in repr(settings) and PROXY_PASSWORD_QUOTED not in repr(settings)
    assert credential_forms("http://127.0.0.1:3128") == []


def test_the_credentials_of_a_proxy_written_without_a_scheme_are_secrets_too():
    # requests and curl read "user:password@host:port" as http://, so it is used as one, and must be masked as one
    assert credential_forms("user:%s@127.0.0.1:3128" % PROXY_PASSWORD_QUOTED) == [PROXY_PASSWORD_QUOTED, PROXY_PASSWORD]


# ---- through the connection settings ------------------------------------------------------------------------


def connection_params(**overrides):
    params = dict.fromkeys(connection_argument_spec())
    params.update(
        validate_certs=True,
        timeout=5.0,
        retries=0,
        endpoint="https://apig.example.com",
        project_id=presets.PROJECT_ID,
        auth_token=presets.TOKEN_VALID,
    )
    params.update(overrides)
    return params


def test_connection_settings_read_the_proxy_variables_and_list_the_proxy_password_as_a_secret():
    url = "http://user:%s@127.0.0.1:3128" % PROXY_PASSWORD_QUOTED
    settings = ConnectionSettings.from_params(connection_params(), environ={"HTTPS_PROXY": url})
    assert settings.proxy.proxy_for(settings.endpoint) == url
    assert PROXY_PASSWORD in settings.secrets and PROXY_PASSWORD_QUOTED in settings.secrets


@pytest.mark.parametrize(
    "option, environ",
    [
        ("socks5://127.0.0.1:1080", {}),
        (None, {"HTTPS_PROXY": "socks5h://127.0.0.1:1080"}),
        ("", {}),
    ],
)
def test_a_bad_proxy_is_input_error_on_the_proxy_option(option, environ):
    with pytest.raises(InputError) as caught:
        ConnectionSettings.from_params(connection_params(proxy=option), environ=environ)
    assert caught.value.option == "proxy"


# ---- real requests: the client goes through the proxy it is given, and only then -------------------------------


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    return emulator_factory(
        presets.default_config(members=[{"host": "127.0.0.1", "port": backend_servers.open().port}])
    )


def client_with(emulator, environ, **options):
    params = connection_params(endpoint=emulator.url, **options)
    return ApigClient(ConnectionSettings.from_params(params, environ=environ))


def test_the_client_sends_through_the_proxy_of_the_environment(emulator):
    # The stand-in proxy answers every request with a plain 200 "ok": what a proxy's own page would look like.
    with OpenListener(http=True, body=b"ok") as proxy:
        with client_with(
            emulator, {"HTTP_PROXY": "http://user:%s@%s" % (PROXY_PASSWORD_QUOTED, proxy.address)}
        ) as client:
            with pytest.raises(ApigError) as caught:
                apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
        assert proxy.accepted == 1
    assert emulator.requests == []
    assert "not JSON" in caught.value.msg


def test_a_plain_http_proxy_asking_for_credentials_is_explained(emulator):
    with OpenListener(http=True, body=b"<html>Proxy Authentication Required</html>", status=407) as proxy:
        with client_with(emulator, {"HTTP_PROXY": "http://%s" % proxy.address}) as client:
            with pytest.raises(ApigError) as caught:
                apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert caught.value.status == 407
    assert caught.value.msg == (
        "APIG refused the request: HTTP 407: the proxy wants credentials it was not given or did "
        "not accept (give them in the proxy URL: http://user:password@host:port) through the "
        "proxy http://%s (from HTTP_PROXY)" % proxy.address
    )


def test_no_proxy_sends_directly(emulator):
    with OpenListener(http=True, body=b"ok") as proxy:
        with client_with(emulator, {"HTTP_PROXY": "http://%s" % proxy.address, "NO_PROXY": "127.0.0.1"}) as client:
            answer, _request_id = apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
        assert proxy.accepted == 0
    assert answer["check_result"] == "SUCCESS" and len(emulator.requests) == 1


def test_a_proxy_that_refuses_connections_is_named_with_its_password_masked(emulator):
    with closed_port() as refusing:
        url = "http://user:%s@%s" % (PROXY_PASSWORD_QUOTED, refusing.address)
        with client_with(emulator, {"HTTP_PROXY": url}) as client:
            with pytest.raises(ApigError) as caught:
                apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    message = caught.value.msg
    assert message.startswith(
        "the proxy http://user:********@%s (from HTTP_PROXY) did not take the request to APIG" % refusing.address
    ), message
    assert "refused" in message.lower()
    assert PROXY_PASSWORD not in message and PROXY_PASSWORD_QUOTED not in message
    assert emulator.requests == []


def test_netrc_credentials_are_not_used(emulator, tmp_path, monkeypatch):
    # requests with trust_env would send these as Basic credentials; the client reads no netrc file.
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    with client_with(emulator, {}) as client:
        answer, _request_id = apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert answer["check_result"] == "SUCCESS"
    assert "Authorization" not in emulator.requests[0]["headers"]


def test_a_ca_bundle_from_the_environment_is_not_used(emulator_factory, monkeypatch):
    # REQUESTS_CA_BUNDLE names the emulator's own CA: with trust_env it would make verification pass. Only ca_path
    # may do that, so without it the emulator's certificate is not trusted.
    emulator = emulator_factory(presets.default_config(), tls=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_path)
    monkeypatch.setenv("CURL_CA_BUNDLE", emulator.ca_path)
    with client_with(emulator, {}) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert caught.value.msg.startswith("TLS verification of")
    with client_with(emulator, {}, ca_path=emulator.ca_path) as client:
        answer, _request_id = apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert answer["check_result"] in ("SUCCESS", "FAILED")


# ---- local probes never use a proxy -------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["tcp", "http"])
def test_local_probes_never_go_through_a_proxy_even_with_every_proxy_variable_set(monkeypatch, protocol):
    with OpenListener(http=True, body=b"proxy page", status=200) as proxy, OpenListener(
        http=True, body=b"backend", status=200
    ) as backend:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, "http://%s" % proxy.address)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        records = run_probes(
            [backend.address],
            ProbeSpec(protocol=protocol, body_regex="backend" if protocol == "http" else None, timeout=3),
        )
        assert records[0]["ok"], records[0]
        # A TCP connect completes in the kernel before the listener's thread accepts it: wait for the count.
        deadline = time.monotonic() + 3
        while backend.accepted < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert backend.accepted == 1 and proxy.accepted == 0
