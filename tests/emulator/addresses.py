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


def is_ip_literal(host):
    """True for an IPv4 or IPv6 literal (no brackets, no zone)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host):
    """True when ``host`` is an IP literal inside 127.0.0.0/8 or ::1.

    The emulator only ever opens connections to such addresses: that keeps a
    test run from sending a single packet off the machine, whatever a config
    or a request body says.
    """
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def parse_backend_address(text):
    """Split ``host:port`` / ``[v6]:port`` into ``(host, port)``; ValueError when malformed.

    A bare IPv6 address without brackets is rejected because its last group
    cannot be told apart from a port, which is also why APIG wants brackets.
    """
    if not isinstance(text, str) or not text or text != text.strip():
        raise ValueError("backend address must be a non-empty string without surrounding blanks")
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or text[end + 1 : end + 2] != ":":
            raise ValueError("IPv6 address must be written [address]:port")
        host = text[1:end]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError("%r is not an IPv6 address" % host) from None
        return host, parse_port(text[end + 2 :])
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError("backend address must be host:port")
    if ":" in host:
        raise ValueError("IPv6 address must be written [address]:port")
    if _DOTTED_RE.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError("%r is not an IPv4 address" % host) from None
    elif not is_hostname(host):
        raise ValueError("%r is not a valid host name" % host)
    return host, parse_port(port_text)


def format_address(host, port):
    """``host:port``, with brackets around an IPv6 host, exactly as APIG lists failures."""
    if ":" in host:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)
