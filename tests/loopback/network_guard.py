# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep the test process on loopback: no connection and no datagram leave 127.0.0.0/8 or ::1, and no name is looked
up (a lookup can send a DNS query).

Tests name addresses such as ``10.1.2.3:8080`` or ``api.example.com`` as text to parse, refuse or compare. This
guard makes sure that none of them is ever reached by mistake, whatever code in the test process tries it: the
collection's modules and probes run in-process by the unit tests, the emulator, requests. ``tests/conftest.py``
installs it for the whole session and fails any test during which something was refused, even when the code
under test caught the error (a probe turns an ``OSError`` into a record). The refusal happens before the socket
call, so not one packet is sent.

Processes started by tests (``ansible-playbook``, the emulator's CLI) are outside this guard. Their addresses are
the tests' own loopback listeners, and the emulator refuses to connect anywhere else by itself
(``tests/emulator/reachability.py``, with ``tests/loopback/sockets.py``'s ``is_loopback``).
"""

import errno
import socket

from tests.loopback.sockets import is_ip_literal, is_loopback


def is_local_name(host):
    """``localhost`` in any case, with or without the final dot: it resolves from /etc/hosts, never through DNS."""
    return isinstance(host, str) and host.rstrip(".").lower() == "localhost"


def allowed_destination(family, address):
    """Whether a socket of ``family`` may connect or send to ``address``: loopback IPs only (Unix sockets are local)."""
    if family not in (socket.AF_INET, socket.AF_INET6):
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return is_loopback(host) or is_local_name(host)


def allowed_lookup(host):
    """Whether looking ``host`` up sends no DNS query: an IP literal, no host at all, or a name of /etc/hosts."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return host is None or host == "" or is_ip_literal(host) or is_local_name(host)


class NetworkGuard:
    """Wraps the socket calls that reach the network; refuses, and records, any that would leave loopback."""

    def __init__(self):
        self.refused = []
        self._originals = {}  # what the wrappers call through to
        self._restore = {}  # what uninstall puts back (the same, unless a test replaced the former)

    def _refuse(self, what):
        self.refused.append(what)
        raise PermissionError(errno.EPERM, "refused by the tests' network guard (loopback only): %s" % what)

    def install(self):
        """Put the guard in front of socket.socket's connect, connect_ex and sendto, and of the name lookups."""
        guard = self
        originals = self._originals
        originals.update(
            connect=socket.socket.connect,
            connect_ex=socket.socket.connect_ex,
            sendto=socket.socket.sendto,
            getaddrinfo=socket.getaddrinfo,
            gethostbyname=socket.gethostbyname,
            gethostbyname_ex=socket.gethostbyname_ex,
        )
        self._restore = dict(originals)

        def connect(sock, address):
            if not allowed_destination(sock.family, address):
                guard._refuse("connect to %r" % (address,))
            return originals["connect"](sock, address)

        def connect_ex(sock, address):
            if not allowed_destination(sock.family, address):
                guard._refuse("connect_ex to %r" % (address,))
            return originals["connect_ex"](sock, address)

        def sendto(sock, data, *flags_and_address):
            if not allowed_destination(sock.family, flags_and_address[-1]):
                guard._refuse("sendto %r" % (flags_and_address[-1],))
            return originals["sendto"](sock, data, *flags_and_address)

        def getaddrinfo(host, *args, **kwargs):
            if not allowed_lookup(host):
                guard._refuse("name lookup of %r" % (host,))
            return originals["getaddrinfo"](host, *args, **kwargs)

        def gethostbyname(host):
            if not allowed_lookup(host):
                guard._refuse("name lookup of %r" % (host,))
            return originals["gethostbyname"](host)

        def gethostbyname_ex(host):
            if not allowed_lookup(host):
                guard._refuse("name lookup of %r" % (host,))
            return originals["gethostbyname_ex"](host)

        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex
        socket.socket.sendto = sendto
        socket.getaddrinfo = getaddrinfo
        socket.gethostbyname = gethostbyname
        socket.gethostbyname_ex = gethostbyname_ex
        return self

    def uninstall(self):
        """Put back what ``install`` wrapped."""
        for name in ("connect", "connect_ex", "sendto"):
            setattr(socket.socket, name, self._restore[name])
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            setattr(socket, name, self._restore[name])
