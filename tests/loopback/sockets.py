# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loopback sockets only: the one place where a test backend binds, and the platform facts tests ask about.

``bound_socket`` refuses any host that is not an IP literal in 127.0.0.0/8 or ::1, so no backend of the test
suite can ever listen on (or be reached from) another interface, whatever a caller passes.
"""

import ipaddress
import os
import socket

LOOPBACK = "127.0.0.1"
LOOPBACK6 = "::1"


def is_ip_literal(host):
    """True for an IPv4 or IPv6 literal (no brackets)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host):
    """True for an IP literal inside 127.0.0.0/8, ``::1``, or such an IPv4 address mapped into IPv6.

    The one test of "loopback" for every test backend, the emulator's own connections and the tests' network guard:
    what passes it cannot leave the machine.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def family_of(host):
    """AF_INET6 for an IPv6 literal, AF_INET otherwise."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bound_socket(host, port=0, reuse_address=False):
    """A TCP socket bound to ``host:port`` (port 0: any free one); ValueError for a host that is not loopback.

    ``reuse_address`` (SO_REUSEADDR) is for listeners that may re-bind a port just closed; a port held bound but not
    listening must not set it, or a second such socket could bind the same port.
    """
    if not is_loopback(host):
        raise ValueError("test backends bind loopback addresses only, not %r" % (host,))
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    try:
        if reuse_address:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def format_address(host, port):
    """``host:port``, IPv6 in brackets: the way APIG writes backends and the way targets are given."""
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def ipv6_loopback_available():
    """True when ::1 can be bound (some containers have no IPv6 at all)."""
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    try:
        sock.bind((LOOPBACK6, 0))
        return True
    except OSError:
        return False
    finally:
        sock.close()


def open_fd_count():
    """Descriptors this process holds now (Linux /proc)."""
    return len(os.listdir("/proc/self/fd"))
