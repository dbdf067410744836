# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""transport_errors.py against the exception chains that real ``requests`` calls raise on loopback.

Each chain is made here by the installed requests and urllib3, not written by hand: a refused port, an https:// URL
to a plain-HTTP port, a certificate that does not verify, a server that resets, a proxy that refuses CONNECT (and
one that refuses connections), a connect that times out, and a name that does not resolve - made in this process by
replacing ``socket.getaddrinfo``, so no DNS query leaves the machine. If an upgrade of requests or urllib3 changes
how they wrap the socket's error, these tests say so.
"""

import socket
import ssl

import pytest
import requests

from ansible_collections.hwcloud.apig.plugins.module_utils.transport_errors import (
    causes,
    host_of,
    reason,
    resolver_error,
    tls_failure,
    tunnel_refused,
    unresolved_region_endpoint,
)
from tests.loopback.listeners import OpenListener, closed_port

MISSPELLED = "apig.ap-southeest-1.myhuaweicloud.com"


def raised(url, **kwargs):
    """The exception a plain requests GET of ``url`` raises (no environment, no retries, a short timeout)."""
    with requests.Session() as session:
        session.trust_env = False
        with pytest.raises(requests.exceptions.RequestException) as caught:
            session.get(url, timeout=kwargs.pop("timeout", 3), allow_redirects=False, **kwargs)
    return caught.value


def readable(text):
    """One line without an object's repr and with every bracket closed."""
    assert "object at 0x" not in text and "Connection(" not in text and "ConnectionPool(" not in text, text
    assert "\n" not in text, text
    assert all(text.count(opening) == text.count(closing) for opening, closing in ("()", "[]", "<>")), text
    return True


def test_a_refused_port_is_said_in_the_sockets_own_words(refused_port):
    exc = raised("http://%s/" % refused_port.address)
    assert isinstance(exc, requests.exceptions.ConnectionError)
    assert any(isinstance(cause, ConnectionRefusedError) for cause in causes(exc))
    assert reason(exc) == "Failed to establish a new connection: [Errno 111] Connection refused"
    assert readable(reason(exc))
    assert resolver_error(exc) is None and not tunnel_refused(exc)


def test_https_to_a_plain_http_port_is_not_a_certificate_problem(http_backend):
    plain = http_backend
    exc = raised("https://%s/" % plain.address)
    assert isinstance(exc, requests.exceptions.SSLError)
    assert any(isinstance(cause, ssl.SSLError) for cause in causes(exc))
    assert not any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes(exc))
    why = reason(exc)
    assert why.startswith("[SSL: ") and readable(why)
    message = tls_failure(plain.address, exc)
    assert message == (
        "%s does not answer TLS (%s): it looks like a plain-HTTP port, so the URL should start with http://, not "
        "https:// - or the port is wrong" % (plain.address, why)
    )


def test_a_certificate_that_does_not_verify_points_at_ca_path(https_backend):
    exc = raised("https://127.0.0.1:%d/" % https_backend.port)  # the loopback CA is not trusted here
    assert any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes(exc))
    message = tls_failure("127.0.0.1:%d" % https_backend.port, exc)
    assert message.startswith(
        "TLS verification of 127.0.0.1:%d failed ([SSL: CERTIFICATE_VERIFY_FAILED]" % (https_backend.port)
    )
    assert message.endswith("; set ca_path to the CA that signed it, or validate_certs: false for a test endpoint")
    assert readable(message)


def test_a_server_that_resets_is_said_once(reset_server):
    exc = raised("http://%s/" % reset_server.address)
    assert any(isinstance(cause, ConnectionResetError) for cause in causes(exc))
    why = reason(exc)
    assert why.count("Connection reset by peer") == 1, why
    assert why.endswith("[Errno 104] Connection reset by peer") and readable(why)


def test_a_proxy_that_refuses_connect_is_quoted_and_not_worth_asking_again():
    with OpenListener(http=True, status=403, body=b"denied") as proxy:
        exc = raised("https://127.0.0.1:9/", proxies={"https": "http://%s" % proxy.address})
    assert isinstance(exc, requests.exceptions.ProxyError)
    assert tunnel_refused(exc)
    assert reason(exc) == "it answered CONNECT with 403 Error"


def test_a_proxy_that_refuses_connections_says_which_and_why():
    with closed_port() as refusing:
        exc = raised("https://127.0.0.1:9/", proxies={"https": "http://%s" % refusing.address})
    assert isinstance(exc, requests.exceptions.ProxyError)
    assert not tunnel_refused(exc)  # a proxy that is down may be up on the next attempt
    why = reason(exc)
    assert why.startswith("Unable to connect to proxy") and why.endswith("[Errno 111] Connection refused"), why
    assert readable(why)


def test_a_connect_that_times_out_names_the_timeout(blackhole):
    exc = raised("http://%s/" % blackhole.address, timeout=0.3)
    assert isinstance(exc, requests.exceptions.ConnectTimeout)
    why = reason(exc)
    assert "timed out" in why and "0.3" in why and readable(why), why


@pytest.mark.parametrize(
    "code, words",
    [(socket.EAI_NONAME, "Name or service not known"), (socket.EAI_AGAIN, "Temporary failure in name resolution")],
)
def test_a_name_that_does_not_resolve_is_the_resolvers_error(monkeypatch, code, words):
    asked = []

    def getaddrinfo(host, *args, **kwargs):
        asked.append(host)
        raise socket.gaierror(code, words)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    exc = raised("https://%s/" % MISSPELLED)
    assert asked == [MISSPELLED]
    error = resolver_error(exc)
    assert isinstance(error, socket.gaierror) and error.errno == code
    assert reason(exc) == "[Errno %d] %s" % (code, words)
    assert unresolved_region_endpoint("ap-southeest-1", "APIG", MISSPELLED, "endpoint", "HW_APIG_ENDPOINT", error) == (
        "region 'ap-southeest-1' gives the APIG endpoint %s, whose name does not resolve ([Errno %d] %s): check the "
        "region name (for example ap-southeast-1; region or HW_REGION_NAME), or set endpoint (HW_APIG_ENDPOINT) to "
        "the endpoint to use" % (MISSPELLED, code, words)
    )


def test_causes_walks_args_reason_cause_and_context_once_each():
    inner = OSError(104, "Connection reset by peer")
    middle = ValueError("wrapped", inner)

    def wrapping():
        try:
            raise middle
        except ValueError as exc:
            raise RuntimeError("outer") from exc

    with pytest.raises(RuntimeError) as caught:
        wrapping()
    assert causes(caught.value) == [caught.value, middle, inner]


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://user:secret@proxy.example.invalid:3128/x", "proxy.example.invalid:3128"),
        ("https://[::1]:8443/", "[::1]:8443"),
        ("http://127.0.0.2", "127.0.0.2"),
        ("", None),
        (None, None),
        ("/relative/only", None),
        ("http://[::1", None),
        ("http://127.0.0.1:99999/", None),
    ],
)
def test_host_of_keeps_host_and_port_and_drops_credentials(url, expected):
    assert host_of(url) == expected
