# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A process started with this directory on PYTHONPATH cannot resolve names: as on a host whose DNS is down.

Loaded by Python at start-up (``sitecustomize``), in ansible-playbook and in every module process it starts, it
replaces ``socket.getaddrinfo``: IP literals and ``localhost`` (from /etc/hosts) resolve as usual, every other
name fails with EAI_AGAIN ("Temporary failure in name resolution") without a DNS query leaving the process, and
is appended to the file named by ``HWCLOUD_APIG_TEST_RESOLVER_LOG`` (one name per line), so that a test can count
the attempts. Tests use it to make a misspelled region fail to resolve without ever asking a real resolver.
"""

import os
import socket

_real_getaddrinfo = socket.getaddrinfo


def _is_ip_literal(host):
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host.split("%", 1)[0])
            return True
        except (OSError, ValueError):
            continue
    return False


def _getaddrinfo(host, *args, **kwargs):
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
    if name is None or name == "localhost" or _is_ip_literal(name):
        return _real_getaddrinfo(host, *args, **kwargs)
    log = os.environ.get("HWCLOUD_APIG_TEST_RESOLVER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(name + "\n")
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


socket.getaddrinfo = _getaddrinfo
