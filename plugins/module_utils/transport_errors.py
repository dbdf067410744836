# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Why a request to Huawei Cloud got no answer, in one line a user can act on.

``requests`` wraps urllib3's exceptions, which wrap the socket, resolver or TLS error, and their text is mostly
reprs (``HTTPConnectionPool(host=..., port=...): Max retries exceeded ... <urllib3.connection.HTTPConnection object
at 0x...>``). This module digs out the cause - the TLS or resolver error itself, the proxy's answer to CONNECT, the
socket's own words - and words the fixes that fit (http:// instead of https://, ca_path, the region's name).

It imports neither ``requests`` nor urllib3: it reads exception chains by their ``args``, ``reason``,
``__cause__`` and ``__context__``, so it is tested against the chains real requests calls produce on loopback,
whatever versions of them are installed.
"""

import http.client
import re
import socket
import ssl
from urllib.parse import urlsplit

# What urllib3 says when a proxy answered CONNECT with something other than 200 (403, 407, ...).
_TUNNEL_REFUSED = "Tunnel connection failed: "
# urllib3 prefixes its messages with "HTTPConnectionPool(host=..., port=...): ", "HTTPConnection(host=..., port=...): "
# (2.x) or "<...Connection object at 0x...>: " (1.x): the host and port are said by the caller already.
_URLLIB3_PREFIX = re.compile(r"\A(?:\w+Connection(?:Pool)?\([^)]*\)|<[^>]*>): ")
# What an SSL error says when the other end does not speak TLS at all (an https:// URL to a plain-HTTP port).
_NOT_TLS_MARKERS = (
    "WRONG_VERSION_NUMBER",
    "wrong version number",
    "RECORD_LAYER_FAILURE",
    "record layer failure",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
    "UNKNOWN_PROTOCOL",
)
MAX_REASON = 300


def host_of(url):
    """host[:port] of a URL, without any user:password@ it may carry; None when it has no host."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    host = "[%s]" % host if ":" in host else host
    return host if port is None else "%s:%d" % (host, port)


def causes(exc):
    """``exc`` and every exception it wraps (requests wraps urllib3, which wraps the socket or TLS error), outermost
    first: through ``args``, urllib3's ``reason``, and the ``__cause__`` / ``__context__`` chains."""
    found, queue = [], [exc]
    while queue:
        current = queue.pop(0)
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        queue.extend(arg for arg in current.args if isinstance(arg, BaseException))
        queue.extend((getattr(current, "reason", None), current.__cause__, current.__context__))
    return found


def os_error_text(exc):
    """``[Errno N] text`` of a socket or TLS error, as Python prints it, whole."""
    return str(exc) or exc.__class__.__name__


def resolver_error(exc):
    """The resolver's own error (``socket.gaierror``) somewhere in ``exc``'s chain, or None."""
    return next((cause for cause in causes(exc) if isinstance(cause, socket.gaierror)), None)


# urllib3's names for a connection that was never made: nothing of the request can have reached the other end.
_NOT_CONNECTED = ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError")


def never_sent(exc):
    """True when ``exc`` proves the request never left: no connection was made (refused, connect timeout, a name that
    does not resolve). A request that is not safe to repeat may be sent again only then."""
    return any(type(cause).__name__ in _NOT_CONNECTED or isinstance(cause, socket.gaierror) for cause in causes(exc))


def closed_before_answering(exc):
    """True when the server or proxy closed the connection before any byte of an answer (``RemoteDisconnected``).

    On a connection kept open for the next request, that is how one the other end had already closed shows: HTTP/1.1
    lets it close an idle connection at any time, and tinyproxy closes every client connection after its answer
    without saying ``Connection: close``. The request then never reached it."""
    return any(isinstance(cause, http.client.RemoteDisconnected) for cause in causes(exc))


def tunnel_refused(exc):
    """True when a proxy answered CONNECT with a refusal (403, 407): asking it again gets the same answer."""
    return any(_TUNNEL_REFUSED in text for cause in causes(exc) for text in _texts(cause))


def _texts(exc):
    return [arg for arg in exc.args if isinstance(arg, str)]


def _first_text(exc):
    return next(iter(_texts(exc)), "")


def _is_library_error(exc):
    """requests' and urllib3's exceptions are OSErrors too, but their text is a repr, not the socket's words."""
    return type(exc).__module__.startswith(("requests", "urllib3"))


def reason(exc):
    """A one-line cause for a requests exception: the TLS or resolver error itself if there is one, else urllib3's
    words without its object reprs - never a repr cut in the middle of its brackets."""
    chain = causes(exc)
    for cause in chain:
        if isinstance(cause, (ssl.SSLError, socket.gaierror)):
            return os_error_text(cause)[:MAX_REASON]
    for cause in reversed(chain):  # innermost first: the proxy's own words, not a repr that quotes them
        text = _first_text(cause)
        if text.startswith(_TUNNEL_REFUSED):  # the proxy's own answer to CONNECT, e.g. 403 or 407
            return ("it answered CONNECT with " + text.split(_TUNNEL_REFUSED, 1)[1])[:MAX_REASON]
    innermost = next(
        (
            cause
            for cause in reversed(chain)
            if isinstance(cause, OSError) and str(cause) and not _is_library_error(cause)
        ),
        None,
    )
    for cause in chain:
        if type(cause).__module__.startswith("urllib3") and type(cause).__name__ != "MaxRetryError":
            text = _URLLIB3_PREFIX.sub("", _first_text(cause)).strip()
            if text and innermost is not None and innermost is not cause:
                inner = os_error_text(innermost)
                words = innermost.strerror or inner  # "Connection reset by peer", without "[Errno 104] "
                if inner and words not in text:  # "Unable to connect to proxy" says less than its cause
                    text = "%s: %s" % (text, inner)
            if text:
                return text[:MAX_REASON]
    if innermost is not None:
        return os_error_text(innermost)[:MAX_REASON]
    return _first_text(exc).strip()[:MAX_REASON] or exc.__class__.__name__


def tls_failure(where, exc):
    """What went wrong with TLS to ``where``, and the fix that fits: only a certificate problem needs ca_path."""
    why = reason(exc)
    if (
        any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes(exc))
        or "CERTIFICATE_VERIFY_FAILED" in why
    ):
        return (
            "TLS verification of %s failed (%s); set ca_path to the CA that signed it, or validate_certs: false for "
            "a test endpoint" % (where, why)
        )
    if any(marker in why for marker in _NOT_TLS_MARKERS):
        return (
            "%s does not answer TLS (%s): it looks like a plain-HTTP port, so the URL should start with http://, "
            "not https:// - or the port is wrong" % (where, why)
        )
    return "the TLS handshake with %s failed (%s)" % (where, why)


def unresolved_region_endpoint(region, service, host, option, variable, error):
    """The message for a host that does not resolve when ``region`` named it (no ``option`` was given).

    A misspelled region is the usual cause, and the one the user can fix; the endpoint option is the way out when the
    region is right but its default endpoint is not the one to use.
    """
    return (
        "region %r gives the %s endpoint %s, whose name does not resolve (%s): check the region name "
        "(for example ap-southeast-1; region or HW_REGION_NAME), or set %s (%s) to the endpoint to use"
        % (region, service, host, os_error_text(error), option, variable)
    )
