# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""certificates.py: the TLS context a run shares, and the expiry read from a peer's certificate.

The expiry is parsed from DER by hand (the standard library only decodes certificates it verified), so it is
compared here with what cryptography reads from the same certificates - in both encodings of a date (UTCTime up
to 2049, GeneralizedTime after) - and fed garbage, which must give "unknown", never an exception.
"""

import datetime
import ssl

import pytest
from cryptography import x509

from ansible_collections.hwcloud.apig.plugins.module_utils.certificates import (
    CertificateSetupError,
    cert_not_after,
    expiry_fields,
    make_tls_context,
)

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def der_of(path):
    with open(path, encoding="ascii") as handle:
        return ssl.PEM_cert_to_DER_cert(handle.read())


def test_cert_not_after_matches_cryptography(certificate_authority):
    cert_path, _key_path, not_after = certificate_authority.issue("parse-me", days_valid=400)
    assert cert_not_after(der_of(cert_path)) == not_after.replace(microsecond=0)
    with open(certificate_authority.ca_path, "rb") as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    assert cert_not_after(der_of(certificate_authority.ca_path)) == ca.not_valid_after_utc


def test_dates_after_2049_are_read_from_generalized_time(certificate_authority):
    cert_path, _key_path, not_after = certificate_authority.issue("far-future", days_valid=365 * 40)
    assert not_after.year > 2050  # written as GeneralizedTime (tag 0x18), not UTCTime
    assert cert_not_after(der_of(cert_path)) == not_after.replace(microsecond=0)


@pytest.mark.parametrize("der", [b"", b"\x30", b"\x30\x82\xff\xff", b"garbage-garbage", b"\x30\x03\x02\x01\x01"])
def test_cert_not_after_tolerates_garbage(der):
    assert cert_not_after(der) is None


def test_expiry_fields_give_the_date_and_the_days_left(certificate_authority):
    cert_path, _key_path, not_after = certificate_authority.issue("fields", days_valid=10)
    now = not_after.replace(microsecond=0) - datetime.timedelta(days=3, hours=12)
    assert expiry_fields(der_of(cert_path), now=now) == {
        "cert_not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cert_days_left": 3.5,
    }


def test_expiry_fields_of_an_expired_certificate_count_down_below_zero(certificate_authority):
    cert_path, _key_path, not_after = certificate_authority.issue("gone", expired=True)
    fields = expiry_fields(der_of(cert_path))
    assert fields["cert_not_after"] == not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert -2.01 <= fields["cert_days_left"] < -1.99


@pytest.mark.parametrize("der", [None, b"", b"not a certificate"])
def test_expiry_fields_of_nothing_readable_are_empty(der):
    assert expiry_fields(der, now=NOW) == {}


def test_unverified_context_checks_nothing():
    context = make_tls_context(validate_certs=False)
    assert context.verify_mode == ssl.CERT_NONE and context.check_hostname is False


def test_verified_context_trusts_the_given_ca_as_well(certificate_authority):
    context = make_tls_context(validate_certs=True, ca_path=certificate_authority.ca_path)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    subjects = [dict(part[0] for part in cert["subject"]) for cert in context.get_ca_certs()]
    assert {"organizationName": "hwcloud.apig tests", "commonName": "hwcloud.apig test CA"} in subjects


def test_a_ca_bundle_that_cannot_be_loaded_names_its_path(tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    with pytest.raises(CertificateSetupError) as caught:
        make_tls_context(validate_certs=True, ca_path=str(bogus))
    assert str(caught.value).startswith("cannot load CA certificates from %r: " % str(bogus))
