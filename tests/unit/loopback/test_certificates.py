# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The throw-away CA signs certificates that a strict client verifies, for the names and the time asked.

The TLS probe tests and the emulator's HTTPS rest on these certificates; if one were unverifiable for the wrong
reason, a "certificate verify failed" test would pass without testing anything.
"""

import socket
import ssl
import time

import pytest

from tests.loopback.certificates import make_certificates
from tests.loopback.http_backend import HttpBackend


def handshake(address, ca_path, server_name):
    """Verify the server at ``address`` against ``ca_path`` as a strict client would; return the peer's notAfter."""
    context = ssl.create_default_context(cafile=ca_path)
    if hasattr(ssl, "VERIFY_X509_STRICT"):
        context.verify_flags |= ssl.VERIFY_X509_STRICT
    with socket.create_connection(address, timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            return tls.getpeercert()["notAfter"]


@pytest.mark.parametrize("server_name", ["localhost", "127.0.0.1"])
def test_issued_certificates_verify_for_the_loopback_names(certificate_authority, server_name):
    with HttpBackend(ssl_context=certificate_authority.server_context("verify-me", days_valid=7)) as backend:
        not_after = handshake((backend.host, backend.port), certificate_authority.ca_path, server_name)
    assert 6.9 < (ssl.cert_time_to_seconds(not_after) - time.time()) / 86400 <= 7


def test_a_name_the_certificate_does_not_carry_fails(certificate_authority):
    with HttpBackend(ssl_context=certificate_authority.server_context("named")) as backend:
        with pytest.raises(ssl.SSLCertVerificationError, match=r"other\.example"):
            handshake((backend.host, backend.port), certificate_authority.ca_path, "other.example")


def test_an_expired_certificate_fails(certificate_authority):
    with HttpBackend(ssl_context=certificate_authority.server_context("old", expired=True)) as backend:
        with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
            handshake((backend.host, backend.port), certificate_authority.ca_path, "localhost")


def test_make_certificates_writes_a_ca_a_certificate_and_a_private_key(tmp_path):
    ca_path, cert_path, key_path = make_certificates(str(tmp_path), days_valid=3)
    assert [path.rsplit("/", 1)[1] for path in (ca_path, cert_path, key_path)] == [
        "ca.pem",
        "server.pem",
        "server-key.pem",
    ]
    assert (tmp_path / "server-key.pem").stat().st_mode & 0o077 == 0, "the private key is readable by others"
    context = ssl.create_default_context(cafile=ca_path)
    cert = context.get_ca_certs()[0]
    assert cert["subject"][-1][0][1] == "hwcloud.apig test CA"
