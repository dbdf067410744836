# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent verifier of ``SDK-HMAC-SHA256`` request signatures (Huawei Cloud "API Request Signing Guide").

It is written from that guide, not from the collection's signer, on purpose:
if both sides shared code, a mistake in the canonical form would sign and
verify happily in tests and fail only against the real gateway.  The unit
tests cross-check it against huaweicloudsdkcore's own Signer instead.

It is strict where the guide is precise (sorted lower-case SignedHeaders,
Host and X-Sdk-Date signed, 15 minutes of clock skew) so that a client that
drifts from what the SDK sends is caught here rather than in production.
"""

import collections
import datetime
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW_SECONDS = 15 * 60
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
CONTENT_HASH_HEADER = "x-sdk-content-sha256"
REQUIRED_SIGNED = ("host", "x-sdk-date")

_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$"
)

Authorization = collections.namedtuple("Authorization", "access signed_headers signature")


class SignatureError(Exception):
    """The request is not validly signed; the message says which check failed."""


def parse_authorization(value):
    """Split an ``Authorization`` header into access key, signed header names and signature."""
    match = _AUTH_RE.match(value or "")
    if not match:
        raise SignatureError("Authorization is not 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
    return Authorization(match.group(1), tuple(match.group(2).split(";")), match.group(3).lower())


def canonical_uri(raw_path):
    """Percent-decode the path, re-encode each segment with ``safe='~'``, end with ``/``."""
    uri = "/".join(quote(segment, safe="~") for segment in unquote(raw_path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query_string):
    """Sorted ``key=value`` pairs, both encoded with ``safe='~'``, joined by ``&``."""
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return "&".join("%s=%s" % (quote(key, safe="~"), quote(value, safe="~")) for key, value in pairs)


def canonical_headers(headers, signed_headers):
    """``name:value\\n`` for each signed header, value trimmed; ``headers`` is keyed by lower-case name."""
    return "".join("%s:%s\n" % (name, headers[name].strip()) for name in signed_headers)


def payload_hash(body, headers, signed_headers):
    """hex(sha256(body)); as in the SDK, an empty body always hashes as empty and a signed
    ``X-Sdk-Content-Sha256`` (``UNSIGNED-PAYLOAD``) stands in for the hash of a non-empty one."""
    if not body:
        return EMPTY_BODY_SHA256
    if CONTENT_HASH_HEADER in signed_headers and headers.get(CONTENT_HASH_HEADER):
        return headers[CONTENT_HASH_HEADER].strip()
    return hashlib.sha256(body).hexdigest()


def canonical_request(method, raw_path, query_string, headers, signed_headers, body):
    """The six-line CanonicalRequest of the "API Request Signing Guide"."""
    return "\n".join(
        (
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query_string),
            canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash(body, headers, signed_headers),
        )
    )


def string_to_sign(sdk_date, canonical):
    """``SDK-HMAC-SHA256\\n<X-Sdk-Date>\\nhex(sha256(CanonicalRequest))``."""
    return "%s\n%s\n%s" % (ALGORITHM, sdk_date, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def compute_signature(secret, text):
    """hex(hmac_sha256(SK, StringToSign))."""
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_signed_headers(signed_headers, headers):
    if list(signed_headers) != sorted(set(signed_headers)):
        raise SignatureError("SignedHeaders must be sorted and without duplicates: %s" % ";".join(signed_headers))
    for name in signed_headers:
        if not name or name != name.lower():
            raise SignatureError("SignedHeaders names must be lower-case: %r" % name)
        if "_" in name:
            raise SignatureError("a header whose name contains '_' is never signed: %r" % name)
        if name not in headers:
            raise SignatureError("signed header %r is not in the request" % name)
    for name in REQUIRED_SIGNED:
        if name not in signed_headers:
            raise SignatureError("%s must be among SignedHeaders" % name)


def _check_date(value, now):
    try:
        moment = datetime.datetime.strptime(value.strip(), DATE_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise SignatureError("X-Sdk-Date %r is not YYYYMMDDTHHMMSSZ" % value) from None
    skew = abs((now - moment).total_seconds())
    if skew > MAX_SKEW_SECONDS:
        raise SignatureError("X-Sdk-Date is %d s away from the server clock (limit %d s)" % (skew, MAX_SKEW_SECONDS))


def verify(authorization, secret, method, raw_path, query_string, headers, body, now=None):
    """Raise SignatureError unless ``authorization`` is a valid signature of this request by ``secret``.

    ``headers`` maps lower-case names to the values as received; ``body`` is bytes.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if "x-sdk-date" not in headers:
        raise SignatureError("X-Sdk-Date header is missing")
    _check_signed_headers(authorization.signed_headers, headers)
    _check_date(headers["x-sdk-date"], now)
    canonical = canonical_request(method, raw_path, query_string, headers, authorization.signed_headers, body)
    expected = compute_signature(secret, string_to_sign(headers["x-sdk-date"].strip(), canonical))
    if not hmac.compare_digest(expected, authorization.signature):
        raise SignatureError("signature mismatch (canonical request was %r)" % canonical)
