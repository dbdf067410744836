# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one address model: every address the collection meets is parsed, written and compared here.

Addresses arrive in several forms, and the same backend must be recognised in all of them:

* ``host:port`` and ``[v6]:port``: APIG's ``failures``, the ``backend_address`` option, probe targets;
* a host without a port, the port then coming from the scheme (80 for HTTP, 443 for HTTPS);
* ``http(s)://host[:port][/path]``: probe targets that choose their own protocol and path;
* a backend address as APIG takes it (``backend_api.url_domain``, the check's ``backend_address``): a domain or IP
  with an optional port, where ``#name#`` stands for an environment variable that APIG resolves per environment.

A host is an IPv4 address, a bracketed IPv6 address (with an optional zone, ``[fe80::1%eth0]``), or a DNS name
whose labels may contain ``_`` (service names such as ``my_host.internal`` are common behind gateways).
Nothing here touches the network: a typo fails before any packet is sent, with the offending string named.

Two spellings of one backend (``[2001:DB8::1]:443`` and ``[2001:db8:0::1]:443``, ``Host.Example.:80`` and
``host.example:80``) have the same ``Address.key``, which is what the gateway's answer and the local probes are
compared by.
"""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

PROTOCOLS = ("tcp", "tls", "http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# A backend address without a port is served on 80 (HTTP) or 443 (HTTPS); local probes follow suit.
PROBE_DEFAULT_PORTS = {"tcp": 80, "http": 80, "tls": 443, "https": 443}
MAX_BACKEND_ADDRESS = 255  # APIG's limit for backend_api.url_domain
# An APIG environment variable: 3-32 letters, digits, '-' and '_', starting with a letter; written #name#.
# An environment variable in a backend address, as APIG writes it: #name#, the name 3-32 characters.
VARIABLE = re.compile(r"#([A-Za-z][A-Za-z0-9_-]{2,31})#")
_PORT_VARIABLE = re.compile(r":#[A-Za-z][A-Za-z0-9_-]{2,31}#\Z")
_SHOWN_PROBLEMS = 10
_NO_PORT = "no port (expected host:port, [v6]:port or http(s)://host[:port]/path)"

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(r"\A%s(?:\.%s)*\.?\Z" % (_LABEL, _LABEL))
_DIGITS = re.compile(r"\A[0-9]+\Z")
_DOTTED_NUMBERS = re.compile(r"\A[0-9.]+\Z")


class AddressError(ValueError):
    """A string that is not an address; the message says why, without repeating the string."""


class Address:
    """A host and a port, as parsed: ``host`` without brackets, ``is_ip`` for literals."""

    __slots__ = ("host", "is_ip", "port")

    def __init__(self, host, port, is_ip=False):
        self.host = host
        self.port = port
        self.is_ip = is_ip

    @property
    def hostport(self):
        """``host:port`` with IPv6 bracketed, the way APIG writes addresses."""
        return format_address(self.host, self.port)

    @property
    def key(self):
        """What two spellings of the same backend have in common: the host normalised, and the port."""
        return host_key(self.host), self.port

    def __str__(self):
        return self.hostport

    def __repr__(self):
        return "Address(%r, %r)" % (self.host, self.port)


class Target(Address):
    """A probe target: where to connect and how to talk once connected.

    ``text`` is the string exactly as given (records and ``failures`` carry it unchanged); ``path`` is set only
    when the target was a URL with a path, and then wins over the probe's ``path`` option.
    """

    __slots__ = ("path", "protocol", "text")

    def __init__(self, text, protocol, host, port, path=None, is_ip=False):
        super().__init__(host, port, is_ip)
        self.text = text
        self.protocol = protocol
        self.path = path

    def _fields(self):
        return self.text, self.protocol, self.host, self.port, self.path, self.is_ip

    def __eq__(self, other):
        return isinstance(other, Target) and self._fields() == other._fields()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self):
        return "Target(%r, protocol=%r, host=%r, port=%r, path=%r)" % (
            self.text,
            self.protocol,
            self.host,
            self.port,
            self.path,
        )


class InvalidTargetError(ValueError):
    """One or more target strings cannot be probed.

    ``problems`` is a list of ``(target, why)`` pairs and ``target`` the first offending string, so callers can
    report every bad target at once.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        self.target = self.problems[0][0] if self.problems else None
        shown = ["%r: %s" % (target, why) for target, why in self.problems[:_SHOWN_PROBLEMS]]
        more = len(self.problems) - _SHOWN_PROBLEMS
        if more > 0:
            shown.append("and %d more" % more)
        noun = "target" if len(self.problems) == 1 else "targets"
        super().__init__("invalid %s %s" % (noun, "; ".join(shown)))


# ---- writing and comparing ------------------------------------------------------------------------------------


def format_address(host, port):
    """``host:port``, bracketing IPv6 literals: ``[::1]:443``."""
    if ":" in host and not host.startswith("["):
        return "[%s]:%d" % (host, int(port))
    return "%s:%d" % (host, int(port))


def host_key(host):
    """A host as compared: IP literals in their canonical form, names in lower case without the root dot."""
    address, _sep, zone = host.strip("[]").partition("%")
    try:
        canonical = str(ipaddress.ip_address(address))
    except ValueError:
        return host.rstrip(".").lower()
    return "%s%%%s" % (canonical, zone) if zone else canonical


def address_key(text):
    """The comparison key of an address string (``host:port`` or ``[v6]:port``); the text itself if unparseable.

    APIG's ``failures`` are compared with the addresses probed locally through this, so that a difference in
    spelling never hides (or invents) a mismatch.
    """
    try:
        return parse_address(text).key
    except AddressError:
        return text


# ---- parsing --------------------------------------------------------------------------------------------------


def _is_ip(family, text):
    """Whether ``text`` is an address of ``family``; an IPv6 zone (``fe80::1%eth0``) is for getaddrinfo."""
    try:
        socket.inet_pton(family, text.split("%", 1)[0] if family == socket.AF_INET6 else text)
    except (OSError, ValueError):
        return False
    return True


def parse_host(host):
    """``(host, is_ip)`` for a host without brackets or port; AddressError if it is neither an IP nor a name."""
    if not host:
        raise AddressError("no host")
    if _is_ip(socket.AF_INET, host):
        return host, True
    if _DOTTED_NUMBERS.match(host):
        raise AddressError("%r is not a valid IPv4 address" % host)
    if ":" in host:
        raise AddressError("IPv6 addresses need brackets: [address]:port")
    if len(host) > 253 or not _HOSTNAME.match(host):
        raise AddressError("%r is not a valid host name (use the xn-- form for international names)" % host)
    return host, False


def parse_port(text):
    """A port number from its text: ASCII digits, 1-65535."""
    if not text:
        raise AddressError(_NO_PORT)
    if not _DIGITS.match(text):
        raise AddressError("port %r is not a number" % text)
    port = int(text)
    if not 1 <= port <= 65535:
        raise AddressError("port %d is outside 1-65535" % port)
    return port


def _split_bracketed(text):
    """``[v6]:port`` -> ``(v6, port text)``; ``[v6]`` alone -> ``(v6, None)``."""
    close = text.find("]")
    if close < 0:
        raise AddressError('unclosed "["')
    host, rest = text[1:close], text[close + 1 :]
    if not _is_ip(socket.AF_INET6, host):
        raise AddressError("%r is not an IPv6 address" % host)
    if not rest:
        return host, None
    if not rest.startswith(":"):
        raise AddressError('unexpected %r after "]" (expected [v6]:port)' % rest)
    return host, rest[1:]


def _check_text(text):
    if not isinstance(text, str):
        raise AddressError("an address must be a string, not %s" % type(text).__name__)
    if not text:
        raise AddressError("empty")
    if text != text.strip() or any(char.isspace() for char in text):
        raise AddressError("contains white space")


def parse_address(text, default_port=None):
    """An ``Address`` from ``host:port`` or ``[v6]:port``; without a port, ``default_port`` if one is given.

    URLs are refused with a message that says what to write instead: an address is not a URL.
    """
    _check_text(text)
    if "://" in text:
        raise AddressError("is a URL; give the address as host:port")
    if "/" in text:
        raise AddressError("a path needs a URL: http(s)://host[:port]/path")
    if text.startswith("["):
        host, port_text = _split_bracketed(text)
        is_ip = True
    elif text.count(":") > 1:
        raise AddressError("IPv6 addresses need brackets: [address]:port")
    else:
        host, sep, port_text = text.partition(":")
        port_text = port_text if sep else None
    if port_text is None and default_port is None:
        raise AddressError('no port after "]" (expected [v6]:port)' if text.startswith("[") else _NO_PORT)
    port = default_port if port_text is None else parse_port(port_text)
    if not text.startswith("["):
        host, is_ip = parse_host(host)
    return Address(host, port, is_ip)


def _parse_url(text, scheme):
    parts = urlsplit(text)
    if "@" in parts.netloc:
        raise AddressError("user info in URLs is not supported; use the headers option for credentials")
    if not parts.netloc:
        raise AddressError("no host in URL")
    if not parts.netloc.startswith("[") and parts.netloc.count(":") > 1:
        raise AddressError("IPv6 addresses need brackets: %s://[address]:port/" % scheme)
    address = parse_address(parts.netloc, default_port=DEFAULT_PORTS[scheme])
    path = parts.path or None
    if parts.query:
        path = "%s?%s" % (path or "/", parts.query)
    return Target(text, scheme, address.host, address.port, path, address.is_ip)


def parse_target(text, default_protocol="tcp"):
    """Parse one probe target into a `Target`, or raise `InvalidTargetError` naming it.

    ``default_protocol`` applies to ``host:port`` forms; a URL's scheme chooses its own protocol (and default
    port 80/443).
    """
    if default_protocol not in PROTOCOLS:
        raise ValueError("protocol must be one of %s, not %r" % (", ".join(PROTOCOLS), default_protocol))
    try:
        if not isinstance(text, str):
            raise AddressError("a target must be a string, not %s" % type(text).__name__)
        _check_text(text)
        scheme, sep, _rest = text.partition("://")
        if sep:
            scheme = scheme.lower()
            if scheme not in DEFAULT_PORTS:
                raise AddressError("URL scheme %r is not one of http, https" % scheme)
            return _parse_url(text, scheme)
        address = parse_address(text)
        return Target(text, default_protocol, address.host, address.port, None, address.is_ip)
    except AddressError as exc:
        raise InvalidTargetError([(text, str(exc))]) from None


def parse_targets(texts, default_protocol="tcp"):
    """Parse every target, raising one `InvalidTargetError` that names all bad ones.

    Already-parsed `Target` objects pass through, so callers may mix both.
    """
    if isinstance(texts, (str, bytes)):
        raise InvalidTargetError([(texts, "targets must be a list of strings, not one string")])
    parsed, problems = [], []
    for text in texts:
        if isinstance(text, Target):
            parsed.append(text)
            continue
        try:
            parsed.append(parse_target(text, default_protocol))
        except InvalidTargetError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidTargetError(problems)
    return parsed


# ---- backend addresses as APIG takes them ----------------------------------------------------------------------


class BackendAddress:
    """A backend address as APIG takes it: sent to the gateway exactly as written, probed locally when it can be.

    ``variables`` are the names of the ``#name#`` environment variables it uses; such an address means something
    only in an APIG environment, which resolves them (discovery does; see ``api_backend_info``).
    """

    __slots__ = ("text", "variables")

    def __init__(self, text, variables):
        self.text = text
        self.variables = variables

    def local_address(self, protocol):
        """The ``Address`` local probes connect to: without a port, the protocol's (80, or 443 for TLS/HTTPS)."""
        if self.variables:
            raise AddressError(
                "uses the environment variable%s %s, which only an APIG environment resolves; local probes need "
                "the address itself (api_backend_info resolves variables per environment)"
                % ("s" if len(self.variables) > 1 else "", ", ".join("#%s#" % name for name in self.variables))
            )
        return parse_address(self.text, default_port=PROBE_DEFAULT_PORTS[protocol])


def _where_each_part_goes(text):
    """Advice for a backend address written with a scheme or a path: the ``host:port`` to give instead, and where the
    path (and an http(s) scheme) of local probes go - one answer for either form, never "use a URL" for one and
    "not a URL" for the other. "" when the text names no address."""
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower() if sep else None
    netloc, _slash, path = (rest if sep else text).partition("/")
    path = "/" + path
    try:
        if "@" in netloc or (scheme is not None and scheme not in DEFAULT_PORTS):
            return ""
        address = parse_address(netloc, default_port=DEFAULT_PORTS.get(scheme) or PROBE_DEFAULT_PORTS["tcp"])
    except AddressError:
        return ""
    advice = ", without scheme or path: %s" % (address.hostport if scheme is not None else netloc)
    taken = []
    if path != "/":
        taken.append("the path from local_probe.path (%s)" % path)
    if scheme is not None:
        taken.append("the protocol from local_probe.protocol (%s)" % scheme)
    if taken:
        probes = "HTTP(S) probes" if path != "/" else "probes"
        advice += ". Local %s take %s" % (probes, " and ".join(taken))
    return advice


def parse_backend_address(text):
    """A ``BackendAddress``: a domain or IP with an optional port, ``#name#`` variables allowed; else AddressError."""
    _check_text(text)
    if len(text) > MAX_BACKEND_ADDRESS:
        raise AddressError("is longer than the %d characters APIG accepts" % MAX_BACKEND_ADDRESS)
    if "://" in text:
        raise AddressError("is a URL; give the address as host:port%s" % _where_each_part_goes(text))
    if "/" in text:
        raise AddressError("has a path; give the address as host:port%s" % _where_each_part_goes(text))
    variables = VARIABLE.findall(text)
    if "#" in VARIABLE.sub("", text):
        raise AddressError(
            "has a '#' that does not enclose an environment variable name (#name#: 3-32 letters, digits, '-' or "
            "'_', starting with a letter)"
        )
    # A variable stands for a port when it is all of the port, else for (part of) a host name: the rest of the
    # address is checked with a placeholder of that shape in its place.
    shape = VARIABLE.sub("v", _PORT_VARIABLE.sub(":1", text))
    parse_address(shape, default_port=PROBE_DEFAULT_PORTS["tcp"])
    return BackendAddress(text, variables)
