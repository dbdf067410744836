# -*- coding: utf-8 -*-
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``host:port`` as APIG writes it: parsed strictly, formatted canonically.

APIG reports unreachable backends as ``host:port`` (``[v6]:port`` for IPv6);
local probes must name the same backends the same way so that the two answers
can be compared, and bad addresses must be refused before any request is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

_HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def is_valid_hostname(host):
    """RFC 1123 host name (ASCII; IDNs must be given in punycode)."""
    if not host or len(host) > 253:
        return False
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    return all(_HOSTNAME_LABEL.match(label) for label in labels)


def parse_host_port(text):
    """(host, port) from ``host:port`` / ``[v6]:port``; ValueError with a reason otherwise."""
    if not isinstance(text, str) or not text:
        raise ValueError("an address must be a non-empty host:port string")
    if text != text.strip() or any(char.isspace() for char in text):
        raise ValueError("%r contains whitespace" % text)
    if text.startswith("["):
        match = re.match(r"^\[([^\]]+)\]:([0-9]{1,5})$", text)
        if not match:
            raise ValueError("%r is not [IPv6]:port" % text)
        host, port_text = match.group(1), match.group(2)
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError("%r is not a valid IPv6 address" % host)
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not host:
            raise ValueError("%r has no port: write host:port" % text)
        if ":" in host:
            raise ValueError("%r looks like a bare IPv6 address: write [address]:port" % text)
        if not port_text.isdigit() or not port_text.isascii():
            raise ValueError("%r has a port that is not a number" % text)
        if re.match(r"^[0-9.]+$", host) and not _is_ipv4(host):
            raise ValueError("%r is not a valid IPv4 address" % host)
        if not _is_ipv4(host) and not is_valid_hostname(host):
            raise ValueError("%r is neither an IPv4 address nor a valid host name" % host)
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError("port %d in %r is outside 1-65535" % (port, text))
    return host, port


def _is_ipv4(host):
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def format_host_port(host, port):
    """``host:port`` the way APIG writes it, brackets around IPv6."""
    if ":" in host and not host.startswith("["):
        return "[%s]:%d" % (host, int(port))
    return "%s:%d" % (host, int(port))
