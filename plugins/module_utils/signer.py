# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Huawei Cloud ``SDK-HMAC-SHA256`` (AK/SK) request signing, standard library only.

Why this exists instead of ``huaweicloudsdkcore``: the code runs inside Ansible
modules on managed hosts, where we cannot assume the Huawei SDK (or any
third-party package) is installed, and it must work on Python 3.8.

The algorithm follows the collection contract (docs: apig-contract.md, section 5)
and mirrors ``huaweicloudsdkcore/signer/signer.py`` so that a request signed
here verifies wherever one signed by the official SDK does:

1. ``X-Sdk-Date`` and ``Host`` are added to the headers; every header whose
   name has no ``_`` is signed.
2. ``CanonicalRequest = METHOD \\n CanonicalURI \\n CanonicalQuery \\n
   CanonicalHeaders \\n SignedHeaders \\n hex(sha256(body))``.
3. ``StringToSign = SDK-HMAC-SHA256 \\n X-Sdk-Date \\n hex(sha256(CanonicalRequest))``.
4. ``Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=hex(hmac_sha256(SK, StringToSign))``.

The secret key is used only as the HMAC key in :func:`compute_signature`; it
is never logged, stored, returned or placed in an exception message.
"""

import datetime
import hashlib
import hmac
from urllib.parse import quote, unquote, unquote_plus, urlsplit

SIGNING_ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

HEADER_DATE = "X-Sdk-Date"
HEADER_HOST = "Host"
HEADER_AUTHORIZATION = "Authorization"
HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"

# sha256(b"") -- what the SDK signs for an absent or empty body.
EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

_UTF8 = "utf-8"


def _to_bytes(value):
    """Encode str as UTF-8 (the SDK's choice) and leave bytes alone, so callers may pass either."""
    if isinstance(value, bytes):
        return value
    return str(value).encode(_UTF8)


def _url_encode(text):
    """Percent-encode everything except RFC 3986 unreserved characters.

    ``quote(..., safe='~')`` is exactly what the SDK uses: ``/`` *is* encoded
    (segments and query parts are encoded one at a time), ``~`` is not.
    """
    return quote(text, safe="~")


def format_sdk_date(now=None):
    """Return the ``X-Sdk-Date`` value (``YYYYMMDDTHHMMSSZ``, UTC) for ``now``.

    A naive datetime is taken to be UTC already (that is what ``utcnow()``
    returns and what the SDK assumes); an aware one is converted to UTC so a
    caller passing local time cannot produce a date the server rejects as skewed.
    """
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    if now.tzinfo is not None and now.utcoffset() is not None:
        now = now.astimezone(datetime.timezone.utc)
    return now.strftime(SDK_DATE_FORMAT)


def canonical_uri(path):
    """Return the CanonicalURI for a URL path.

    The path is percent-decoded first and each ``/``-separated segment is then
    re-encoded, so ``/a%20b`` and ``/a b`` sign identically -- the server sees
    whichever form the HTTP client put on the wire and must reach the same
    string. The result always ends with ``/`` because the SDK (and the APIG
    verifier) do so even for paths without a trailing slash.
    """
    if not path:
        path = "/"
    encoded = "/".join(_url_encode(segment) for segment in unquote(path).split("/"))
    if not encoded.endswith("/"):
        encoded += "/"
    return encoded


def parse_query_string(query):
    """Split a raw URL query string into decoded ``(key, value)`` pairs.

    This is ``urllib.parse.parse_qsl(query, keep_blank_values=True)``
    spelled out, because that function's separator handling changed across
    Python 3.8 patch releases (``;`` used to split too) and the signature must
    not depend on the managed host's patch level. Only ``&`` separates pairs;
    ``+`` means space, as in every common server-side query parser; a bare
    ``key`` becomes ``(key, "")``.
    """
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _dummy, value = part.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def _query_value_to_text(value):
    """Render one query value the way the SDK does (booleans lower-case, everything else ``str()``)."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def canonical_query_string(query):
    """Return the CanonicalQuery: ``key=value`` pairs sorted, encoded with ``safe='~'``, joined by ``&``.

    ``query`` is either a raw query string (as found after ``?`` in a URL) or
    an iterable of ``(key, value)`` pairs / a mapping, where a list or tuple
    value stands for a repeated key (like the SDK's query parameter lists).
    Pairs are sorted on the *decoded* key and then value, as the SDK sorts
    them before encoding; repeated keys therefore keep a stable order no matter
    how the caller ordered them.

    The result is also a valid query string: building the request URL as
    ``path + '?' + canonical_query_string(pairs)`` is what the SDK itself sends
    on the wire, and removes any doubt about how the server decodes it.
    """
    if query is None:
        return ""
    if isinstance(query, bytes):
        query = query.decode(_UTF8)
    if isinstance(query, str):
        items = parse_query_string(query)
    elif hasattr(query, "items"):
        items = list(query.items())
    else:
        items = list(query)

    pairs = []
    for key, value in items:
        if isinstance(value, (list, tuple)):
            pairs.extend((str(key), _query_value_to_text(one)) for one in value)
        else:
            pairs.append((str(key), _query_value_to_text(value)))
    pairs.sort()
    return "&".join("%s=%s" % (_url_encode(key), _url_encode(value)) for key, value in pairs)


def signed_headers(headers):
    """Return the sorted, lower-cased names of the headers that get signed.

    A header whose name contains ``_`` is left out, as the SDK does: many
    proxies drop such headers, so signing them would make the signature
    depend on the path the request took.
    """
    return sorted(name.lower() for name in headers if "_" not in name)


def canonical_headers(headers, names=None):
    """Return the CanonicalHeaders block: ``name:value\\n`` for every signed header, in ``names`` order.

    Values are ``str()``-ed and stripped of surrounding whitespace because HTTP
    servers strip it before the verifier ever sees it.
    """
    if names is None:
        names = signed_headers(headers)
    values = {name.lower(): str(value).strip() for name, value in headers.items()}
    return "".join("%s:%s\n" % (name, values[name]) for name in names)


def payload_hash(body, headers=None):
    """Return the hex SHA-256 of the body, which is the last line of the CanonicalRequest.

    An empty or absent body hashes as the empty string. If the caller set
    ``X-Sdk-Content-Sha256`` (normally ``UNSIGNED-PAYLOAD``, for large
    non-JSON uploads) and there is a body, that value is used instead, as the
    SDK and the APIG verifier do.
    """
    if not body:
        return EMPTY_BODY_SHA256
    if headers:
        for name, value in headers.items():
            if name.lower() == HEADER_CONTENT_SHA256.lower() and value:
                return str(value)
    return hashlib.sha256(_to_bytes(body)).hexdigest()


def canonical_request(method, path, query, headers, body_sha256, names=None):
    """Assemble the CanonicalRequest text from its parts (see the module docstring for the layout)."""
    if names is None:
        names = signed_headers(headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query_string(query),
            canonical_headers(headers, names),
            ";".join(names),
            body_sha256,
        ]
    )


def string_to_sign(canonical_request_text, sdk_date):
    """Return the StringToSign: algorithm, the exact ``X-Sdk-Date`` value, and the hex SHA-256 of the CanonicalRequest."""
    return "%s\n%s\n%s" % (
        SIGNING_ALGORITHM,
        sdk_date,
        hashlib.sha256(_to_bytes(canonical_request_text)).hexdigest(),
    )


def compute_signature(secret_key, string_to_sign_text):
    """Return hex(HMAC-SHA256(secret_key, StringToSign)) -- the only place the secret key is used."""
    return hmac.new(_to_bytes(secret_key), _to_bytes(string_to_sign_text), hashlib.sha256).hexdigest()


def authorization_header(access_key, names, signature):
    """Format the ``Authorization`` value exactly as the SDK does (the server parses it with a strict pattern)."""
    return "%s Access=%s, SignedHeaders=%s, Signature=%s" % (SIGNING_ALGORITHM, access_key, ";".join(names), signature)


def _find_header(headers, name):
    """Return the key under which ``name`` is present in ``headers`` (case-insensitively), or None."""
    wanted = name.lower()
    for key in headers:
        if key.lower() == wanted:
            return key
    return None


def _wire_value(value):
    """Return the header value as the SDK hands it to ``requests``: UTF-8 bytes spelled as a latin-1 str.

    ``http.client`` encodes header values as latin-1; re-spelling the UTF-8
    bytes that way makes non-ASCII values reach the server as the UTF-8 the
    signature was computed over, instead of raising ``UnicodeEncodeError``.
    ASCII values (all the ones this collection sends) are unchanged.
    """
    return value.encode(_UTF8).decode("iso-8859-1")


def sign_request(method, url, headers, body, access_key, secret_key, now=None):
    """Return a NEW dict of headers: the given ``headers`` plus ``X-Sdk-Date``, ``Host`` and ``Authorization``.

    ``url`` is the absolute URL that will be requested, query string included;
    its path and query are what gets signed, so pass exactly the URL you send.
    ``body`` is bytes, str (signed as UTF-8) or None. ``now`` is the signing
    time (UTC datetime; default: the current time); when ``now`` is None and
    ``headers`` already carries an ``X-Sdk-Date``, that date is kept (the SDK
    does the same), otherwise any ``X-Sdk-Date`` given is replaced.

    Callers add ``X-Project-Id`` / ``X-Security-Token`` / ``Content-Type`` to
    ``headers`` *before* calling, so they are signed. ``Host`` is taken from
    the URL's netloc verbatim (port included when the URL has one), exactly as
    the SDK does, unless the caller already set it. Because the returned dict
    always carries ``Host`` explicitly, ``requests`` and ``urllib``/``open_url``
    send that very value instead of computing their own (they would otherwise
    lower-case the host and drop an explicit default port such as ``:443``),
    so what is signed is what the server receives.

    Header values are returned stripped (servers strip them anyway); headers
    whose value is None are dropped (``requests`` would not send them); any
    ``Authorization`` passed in is replaced, never signed. ``headers`` itself
    is not modified.

    Raises ValueError for a missing key, a URL without a host, a URL carrying
    user info (``requests`` would replace our ``Authorization`` with Basic
    auth built from it) or headers that repeat a name in different case.
    """
    if not access_key:
        raise ValueError("AK/SK signing needs an access key")
    if not secret_key:
        raise ValueError("AK/SK signing needs a secret key")

    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise ValueError(
            "the request URL must not contain user info (user:password@); it would replace the AK/SK Authorization header"
        )

    result = {}
    seen = {}
    for name, value in (headers or {}).items():
        if value is None or name.lower() == HEADER_AUTHORIZATION.lower():
            continue
        lower = name.lower()
        if lower in seen:
            raise ValueError("header %r is given twice (as %r and %r)" % (lower, seen[lower], name))
        seen[lower] = name
        result[name] = str(value).strip()

    date_key = _find_header(result, HEADER_DATE)
    if now is None and date_key is not None:
        sdk_date = result[date_key]
    else:
        if date_key is not None:
            del result[date_key]
        sdk_date = format_sdk_date(now)
        result[HEADER_DATE] = sdk_date

    if _find_header(result, HEADER_HOST) is None:
        if not parts.netloc:
            raise ValueError("cannot sign a request to a URL without a host: %r" % (url,))
        result[HEADER_HOST] = parts.netloc

    names = signed_headers(result)
    text = canonical_request(method, parts.path, parts.query, result, payload_hash(body, result), names)
    signature = compute_signature(secret_key, string_to_sign(text, sdk_date))

    signed = {name: _wire_value(value) for name, value in result.items()}
    signed[HEADER_AUTHORIZATION] = authorization_header(access_key, names, signature)
    return signed
