# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Throw-away certificates: a private CA and the server certificates it signs, written as PEM files.

Clients must be able to verify a loopback server like a real endpoint (``validate_certs: true`` with a CA
bundle), so the CA signs certificates for 127.0.0.1, ::1 and localhost by default. The extensions are the ones
strict verifiers (Python 3.13's VERIFY_X509_STRICT, OpenSSL 3) insist on. The emulator serves HTTPS with
``make_certificates``; probe tests issue valid, short-lived, expired and wrongly named certificates from one
``CertificateAuthority``.
"""

import datetime
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
DAYS_VALID = 30
CA_DAYS_VALID = 3650


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hwcloud.apig tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(cert_sign):
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _alt_name(name):
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class CertificateAuthority:
    """A private CA whose certificate is ``ca_path`` in ``directory``; ``issue`` signs server certificates."""

    def __init__(self, directory):
        self.directory = str(directory)
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        name = _name("hwcloud.apig test CA")
        self._ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=CA_DAYS_VALID))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(self._ski, critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_path = self._write("ca.pem", self.cert.public_bytes(serialization.Encoding.PEM))

    def _write(self, name, data, mode=0o644):
        path = os.path.join(self.directory, name)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as handle:
            handle.write(data)
        return path

    def issue(self, name, names=LOOPBACK_NAMES, days_valid=DAYS_VALID, expired=False):
        """Sign a server certificate for ``names``; returns ``(cert_path, key_path, not_after)``.

        The files are ``<name>.pem`` and ``<name>-key.pem``; ``expired`` makes one that ended two days ago.
        """
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        if expired:
            not_before, not_after = now - datetime.timedelta(days=30), now - datetime.timedelta(days=2)
        else:
            not_before, not_after = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=days_valid)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([_alt_name(alt) for alt in names]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(self._ski), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        cert_path = self._write("%s.pem" % name, cert.public_bytes(serialization.Encoding.PEM))
        key_path = self._write(
            "%s-key.pem" % name,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            mode=0o600,
        )
        return cert_path, key_path, not_after

    def server_context(self, name, **issue_options):
        """A server-side SSLContext (TLS 1.2 or later) with a freshly issued certificate."""
        cert_path, key_path, _not_after = self.issue(name, **issue_options)
        return server_context(cert_path, key_path)


def server_context(cert_path, key_path):
    """A server-side SSLContext (TLS 1.2 or later) serving this certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def make_certificates(directory, days_valid=DAYS_VALID):
    """A new CA and a server certificate for localhost, 127.0.0.1 and ::1 in ``directory``.

    Returns the paths ``(ca.pem, server.pem, server-key.pem)``.
    """
    authority = CertificateAuthority(directory)
    cert_path, key_path, _not_after = authority.issue("server", days_valid=days_valid)
    return authority.ca_path, cert_path, key_path
