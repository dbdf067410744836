# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What ApigClient says when a call cannot be made: the cause a new user has to act on, not a misleading one.

Each case is a mistake users make - https:// to a plain-HTTP port, a misspelled region, a wrong project, a URL
that does not exist - against the in-process emulator or a loopback socket. Name resolution is never real here:
a misspelled region is a resolver failure made in this process (``socket.getaddrinfo`` replaced), so no DNS
query leaves the machine.
"""

import socket
import struct
import threading
import time

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from tests.emulator import presets
from tests.unit.plugins.module_utils.emulator_client import client_for

CHANNEL_BODY = {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}
IAM_PATH = r"^/v3/auth/tokens$"


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    members = [{"host": "127.0.0.1", "port": backend_servers.open().port}]
    return emulator_factory(presets.default_config(members=members))


def balanced(text):
    """Every bracket that opens in ``text`` closes: a reason cut at its length limit must not cut a repr in half."""
    return all(text.count(opening) == text.count(closing) for opening, closing in ("()", "[]"))


def failure(call):
    with pytest.raises(ApigError) as caught:
        call()
    return caught.value


# ---- TLS ---------------------------------------------------------------------------------------------------------


def test_https_to_a_plain_http_port_says_so_and_not_to_set_ca_path(emulator):
    """WRONG_VERSION_NUMBER is no certificate problem: ca_path would not help, http:// would."""
    plain = emulator.url.replace("http://", "https://")
    sleeps = []
    with client_for(emulator, endpoint=plain, sleeps=sleeps) as client:
        error = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    where = "127.0.0.1:%d" % emulator.port
    assert error.msg.startswith("%s does not answer TLS ([SSL: WRONG_VERSION_NUMBER] wrong version number" % where)
    assert "it looks like a plain-HTTP port, so the URL should start with http://, not https://" in error.msg
    assert "ca_path" not in error.msg and "certificate" not in error.msg
    assert balanced(error.msg), error.msg
    assert sleeps == []  # not retried: a port that speaks HTTP will not start speaking TLS


def test_a_certificate_that_does_not_verify_still_points_at_ca_path(emulator_factory):
    emulator = emulator_factory(presets.default_config(), tls=True)
    with client_for(emulator) as client:  # the emulator's CA is not trusted
        error = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert error.msg.startswith(
        "TLS verification of 127.0.0.1:%d failed ([SSL: CERTIFICATE_VERIFY_FAILED]" % emulator.port
    )
    assert "set ca_path to the CA that signed it" in error.msg
    assert balanced(error.msg), error.msg


def test_connection_errors_keep_their_closing_brackets(backend_servers):
    closed = backend_servers.closed()

    class Nowhere:
        url = "http://%s" % closed.address

    with client_for(Nowhere, retries=0) as client:
        error = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert error.msg.startswith("could not get an answer from APIG at %s after 1 attempt(s): " % closed.address)
    assert error.msg.endswith("[Errno 111] Connection refused"), error.msg
    assert balanced(error.msg) and "object at 0x" not in error.msg, error.msg


@pytest.mark.parametrize("ending", ["reset", "fin"])
def test_a_body_cut_short_is_said_once_without_reprs(ending):
    """urllib3 already quotes the reset ("Connection broken: ConnectionResetError(104, ...)"): the cause is not
    appended a second time; a body cut by FIN is an IncompleteRead, said once, not followed by a tuple's repr."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def answer_half_then_reset():
        conn, _peer = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
        time.sleep(0.3)  # most likely, the client has read what there is and waits for the rest
        if ending == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
        else:
            # FIN only: unread request bytes at close() would make the kernel send RST instead
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(5)
            while conn.recv(65536):
                pass
        conn.close()

    thread = threading.Thread(target=answer_half_then_reset, daemon=True)
    thread.start()

    class HalfThenReset:
        url = "http://127.0.0.1:%d" % server.getsockname()[1]

    try:
        with client_for(HalfThenReset, retries=0) as client:
            error = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    finally:
        thread.join(5)
        server.close()
    if ending == "reset":  # mid-body, or (on a slow machine) before the headers were read: said once either way
        assert error.msg.count("Connection reset by peer") == 1, error.msg
    else:
        assert error.msg.endswith("Connection broken: IncompleteRead(1 bytes read, 199 more expected)"), error.msg
        assert error.msg.count("Connection broken") == 1, error.msg
    assert balanced(error.msg), error.msg


# ---- a region that does not resolve --------------------------------------------------------------------------------


class Resolver:
    """``socket.getaddrinfo`` for this process: IP literals and localhost as usual, every other name fails the way
    a resolver without an answer does, and is recorded."""

    def __init__(self, monkeypatch, error=socket.EAI_AGAIN, message="Temporary failure in name resolution"):
        self.asked = []
        real = socket.getaddrinfo

        def getaddrinfo(host, *args, **kwargs):
            text = host.decode() if isinstance(host, bytes) else host
            try:
                socket.inet_pton(socket.AF_INET6 if ":" in (text or "") else socket.AF_INET, text or "")
                return real(host, *args, **kwargs)
            except (OSError, TypeError):
                pass
            if text == "localhost":
                return real(host, *args, **kwargs)
            self.asked.append(text)
            raise socket.gaierror(error, message)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def region_client(emulator, sleeps, mode="token", **overrides):
    """A client whose endpoints come from a misspelled region (no endpoint / iam_endpoint given)."""
    return client_for(
        emulator, mode, sleeps=sleeps, endpoint=None, iam_endpoint=None, region="ap-southeest-1", **overrides
    )


@pytest.mark.parametrize(
    "error, message",
    [(socket.EAI_AGAIN, "Temporary failure in name resolution"), (socket.EAI_NONAME, "Name or service not known")],
)
def test_a_misspelled_region_fails_at_once_naming_the_region_and_the_host(emulator, monkeypatch, error, message):
    resolver = Resolver(monkeypatch, error, message)
    sleeps = []
    with region_client(emulator, sleeps) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    host = "apig.ap-southeest-1.myhuaweicloud.com"
    assert failed.msg == (
        "region 'ap-southeest-1' gives the APIG endpoint %s, whose name does not resolve ([Errno %d] %s): check the "
        "region name (for example ap-southeast-1; region or HW_REGION_NAME), or set endpoint (HW_APIG_ENDPOINT) to "
        "the endpoint to use" % (host, error, message)
    )
    assert resolver.asked == [host]  # asked once: no retries, no waiting
    assert sleeps == []


def test_a_misspelled_region_with_password_sign_in_names_the_iam_endpoint(emulator, monkeypatch):
    resolver = Resolver(monkeypatch)
    sleeps = []
    with region_client(emulator, sleeps, mode="password", project_id=None) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg.startswith(
        "region 'ap-southeest-1' gives the IAM endpoint iam.ap-southeest-1.myhuaweicloud.com, whose name does not resolve"
    )
    assert "or set iam_endpoint (HW_AUTH_URL)" in failed.msg
    assert resolver.asked == ["iam.ap-southeest-1.myhuaweicloud.com"] and sleeps == []


def test_an_endpoint_that_was_given_keeps_its_retries(emulator, monkeypatch):
    """Only the region's own name is known to be a typo when it does not resolve; a given endpoint is retried."""
    resolver = Resolver(monkeypatch)
    sleeps = []
    with client_for(
        emulator, sleeps=sleeps, retries=2, endpoint="http://apig.example.invalid:%d" % emulator.port
    ) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg.startswith(
        "could not get an answer from APIG at apig.example.invalid:%d after 3 attempt(s): " % emulator.port
    )
    assert "Temporary failure in name resolution" in failed.msg and balanced(failed.msg)
    assert len(resolver.asked) == 3 and len(sleeps) == 2


# ---- answers that are errors ---------------------------------------------------------------------------------------


def test_a_404_names_the_url_that_was_requested(emulator):
    unknown = "f" * 32
    with client_for(emulator) as client:
        failed = failure(lambda: apig_calls.list_backend_instances_v2(client, presets.INSTANCE_ID, unknown))
    url = "%s/v2/%s/apigw/instances/%s/vpc-channels/%s/members?limit=500&offset=0" % (
        emulator.url,
        presets.PROJECT_ID,
        presets.INSTANCE_ID,
        unknown,
    )
    assert (
        failed.msg
        == "APIG refused the request: HTTP 404 APIG.3023: The VPC channel does not exist;id:%s (GET %s)"
        % (
            unknown,
            url,
        )
    )


def test_a_gateway_without_the_check_is_named_with_the_whole_url(emulator):
    emulator.add_fault(r"/connectivity/check$", [{"status": 404, "error_code": "APIG.0101", "error_msg": "No API"}])
    with client_for(emulator) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    url = "%s/v2/%s/apigw/instances/%s/backend/connectivity/check" % (
        emulator.url,
        presets.PROJECT_ID,
        presets.INSTANCE_ID,
    )
    assert "does not offer the backend connectivity check: POST %s answered HTTP 404 APIG.0101" % url in failed.msg


def test_a_403_for_another_projects_credentials_names_project_id(emulator):
    """A token of another project gets APIG.1005 "No permissions": the project is as likely the cause as a grant."""
    with client_for(emulator, auth_token=presets.TOKEN_OTHER_PROJECT) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert (failed.status, failed.error_code) == (403, "APIG.1005")
    assert failed.msg.startswith("APIG refused the request: HTTP 403 APIG.1005: ")
    assert (
        "Either these credentials may not use APIG in project %s, or that is not their project: project_id must be "
        "the ID of the project (region) the token or access key belongs to" % presets.PROJECT_ID
    ) in failed.msg


@pytest.mark.parametrize("code", [400, "400"])
def test_iams_error_code_that_repeats_the_status_is_printed_once(emulator, code):
    """IAM nests ``{"error": {"code": 400, ...}}``: the status is not printed twice ("HTTP 400 400:")."""
    body = '{"error": {"code": %s, "message": "Request body is invalid.", "title": "Bad Request"}}' % (
        code if isinstance(code, int) else '"%s"' % code
    )
    emulator.add_fault(IAM_PATH, [{"status": 400, "body": body}])
    with client_for(emulator, "password") as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg == "IAM refused the sign-in: HTTP 400: Request body is invalid."
    assert (failed.status, failed.error_code, failed.error_msg) == (400, "400", "Request body is invalid.")


def test_an_iam_code_of_its_own_is_kept(emulator):
    body = '{"error": {"code": "IAM.0011", "message": "Request parameter error.", "title": "Bad Request"}}'
    emulator.add_fault(IAM_PATH, [{"status": 400, "body": body}])
    with client_for(emulator, "password") as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg == "IAM refused the sign-in: HTTP 400 IAM.0011: Request parameter error."


# ---- retried answers -----------------------------------------------------------------------------------------------


def test_an_answer_that_was_retried_says_how_often_it_was_asked(emulator):
    """Five 503s with retries=2: "HTTP 503" alone reads like a one-off; the user must see it was tried 3 times."""
    emulator.add_fault(
        r"/connectivity/check$", [{"status": 503, "error_code": "APIG.9999", "error_msg": "x", "times": 5}]
    )
    sleeps = []
    with client_for(emulator, sleeps=sleeps, retries=2) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg == "APIG refused the request: HTTP 503 APIG.9999: x, after 3 attempts (retries=2)"
    assert (failed.status, failed.error_code) == (503, "APIG.9999")
    assert len(emulator.requests) == 3 and len(sleeps) == 2


def test_an_answer_not_retried_because_retries_is_zero_says_so(emulator):
    emulator.add_fault(r"/connectivity/check$", [{"status": 429, "error_code": "APIG.0308", "error_msg": "x"}])
    with client_for(emulator, retries=0) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg == "APIG refused the request: HTTP 429 APIG.0308: x, after 1 attempt (retries=0)"


def test_iams_retried_answer_says_how_often_it_was_asked_too(emulator):
    emulator.add_fault(IAM_PATH, [{"status": 500, "body": "", "times": 2}])
    with client_for(emulator, "password", retries=1) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg == "IAM refused the sign-in: HTTP 500 with no Huawei error body, after 2 attempts (retries=1)"


def test_an_answer_that_is_never_retried_says_nothing_of_attempts(emulator):
    emulator.add_fault(r"/connectivity/check$", [{"status": 400, "error_code": "APIG.2012", "error_msg": "bad"}])
    with client_for(emulator, retries=2) as client:
        failed = failure(lambda: apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY))
    assert failed.msg == "APIG refused the request: HTTP 400 APIG.2012: bad"
    assert len(emulator.requests) == 1
