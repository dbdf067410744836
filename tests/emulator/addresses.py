# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Backend addresses: parsing ``host:port`` the way APIG accepts it, and writing it back.

APIG reports unreachable backends as ``host:port`` (``[v6]:port`` for IPv6)
and rejects a malformed ``backend_address`` with APIG.2012; the emulator needs
the same parser for the request body, for the ``blocked_from_gateway`` config
list and for formatting ``failures``, so it lives here once.
"""

import ipaddress
import re

_PORT_RE = re.compile(r"^[0-9]{1,5}$")
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_DOTTED_RE = re.compile(r"^[0-9.]+$")


def is_hostname(host):
    """True for a DNS host name: dotted labels of letters, digits, hyphens and underscores (service names)."""
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253 or _DOTTED_RE.match(name):
        return False
    return all(_LABEL_RE.match(label) for label in name.split("."))


def parse_port(text):
    """Parse a decimal port 1-65535; ValueError otherwise."""
    if not _PORT_RE.match(text):
        raise ValueError("port must be a decimal number")
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError("port must be within 1-65535")
    return port


VARIABLE_RE = re.compile(r"#[A-Za-z][A-Za-z0-9_-]{2,31}#")
DEFAULT_PORT = 80  # a backend address without a port is served on 80 (HTTP)


def has_variable(text):
    """True when ``text`` uses an environment variable written ``#name#`` (APIG resolves them per environment)."""
    return isinstance(text, str) and bool(VARIABLE_RE.search(text))


def parse_backend_address(text):
    """Split a backend address as APIG takes it into ``(host, port)``; ValueError when malformed.

    A domain or IP with an optional port (80 when absent), ``[v6]`` or ``[v6]:port`` for IPv6. A bare IPv6
    address without brackets is rejected because its last group cannot be told apart from a port, which is
    also why APIG wants brackets. ``#name#`` variables stand for a host or a port and are checked for shape only.
    """
    if not isinstance(text, str) or not text or text != text.strip() or len(text) > 255:
        raise ValueError(
            "backend address must be a non-empty string without surrounding blanks, at most 255 characters"
        )
    shape = VARIABLE_RE.sub("1", text) if re.search(r":#[^#]+#$", text) else text
    shape = VARIABLE_RE.sub("v", shape)
    if "#" in shape:
        raise ValueError("'#' must enclose a variable name")
    if shape.startswith("["):
        end = shape.find("]")
        rest = shape[end + 1 :] if end >= 0 else None
        if rest is None or (rest and not rest.startswith(":")):
            raise ValueError("IPv6 address must be written [address] or [address]:port")
        host = shape[1:end]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError("%r is not an IPv6 address" % host) from None
        return host, parse_port(rest[1:]) if rest else DEFAULT_PORT
    host, sep, port_text = shape.rpartition(":")
    if not sep:
        host, port_text = shape, None
    if not host:
        raise ValueError("backend address has no host")
    if ":" in host:
        raise ValueError("IPv6 address must be written [address]:port")
    if _DOTTED_RE.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError("%r is not an IPv4 address" % host) from None
    elif not is_hostname(host):
        raise ValueError("%r is not a valid host name" % host)
    return host, DEFAULT_PORT if port_text is None else parse_port(port_text)


def format_address(host, port):
    """``host:port``, with brackets around an IPv6 host, exactly as APIG lists failures."""
    if ":" in host:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)
