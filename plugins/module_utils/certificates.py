# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS for local probes: the one client context a run shares, and when a peer's certificate expires.

The expiry is read from the DER certificate here because the standard library only decodes certificates it
verified, and an unverified peer (``validate_certs: false``) still has an expiry worth reporting.
"""

import ssl
from datetime import datetime, timezone


class CertificateSetupError(ValueError):
    """The CA bundle given to trust could not be loaded."""


def make_tls_context(validate_certs=True, ca_path=None):
    """The one client context a run shares; unverified only when asked.

    ``ca_path`` adds a PEM bundle to the system's trust store, for backends whose certificates come from an
    internal CA.
    """
    if validate_certs:
        context = ssl.create_default_context()
        if ca_path:
            try:
                context.load_verify_locations(cafile=ca_path)
            except (OSError, ssl.SSLError) as exc:
                raise CertificateSetupError("cannot load CA certificates from %r: %s" % (ca_path, exc)) from None
        return context
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _der_element(data, pos):
    """Read one DER TLV at ``pos``: (tag, value start, value end)."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _der_time(tag, text):
    text = text.decode("ascii").rstrip("Z")
    if tag == 0x17:  # UTCTime, YYMMDDHHMM[SS]
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    return datetime.strptime(text[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def cert_not_after(der):
    """A DER certificate's notAfter as an aware UTC datetime, or None if it cannot be read."""
    try:
        _tag, start, _end = _der_element(der, 0)  # Certificate
        _tag, pos, _end = _der_element(der, start)  # TBSCertificate
        if der[pos] == 0xA0:  # [0] version
            pos = _der_element(der, pos)[2]
        for _field in range(3):  # serial, signature, issuer
            pos = _der_element(der, pos)[2]
        _tag, pos, _end = _der_element(der, pos)  # Validity
        pos = _der_element(der, pos)[2]  # notBefore
        tag, start, end = _der_element(der, pos)  # notAfter
        return _der_time(tag, der[start:end])
    except (IndexError, ValueError, TypeError):
        return None


def expiry_fields(der, now=None):
    """``cert_not_after`` (ISO 8601, UTC) and ``cert_days_left`` of a peer certificate; empty if unreadable."""
    not_after = cert_not_after(der or b"")
    if not_after is None:
        return {}
    now = now or datetime.now(timezone.utc)
    return {
        "cert_not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cert_days_left": round((not_after - now).total_seconds() / 86400.0, 2),
    }
