# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated gateway's view of a backend: a real TCP connect, bounded by a timeout.

The emulator really connects, so a closed port is refused and a SYN-dropping
listener times out exactly as they would from the gateway.  Two deliberate
limits keep every test on the loopback interface:

* addresses outside 127.0.0.0/8 and ::1 are reported unreachable without a
  single packet being sent (a real gateway could not route to them either);
* host names are resolved only through the config's ``hosts`` map (which
  knows ``localhost``), never through DNS; an unknown name is unreachable.

``blocked_from_gateway`` addresses are reported unreachable even when they
accept connections, to stage the classic "reachable from the host, FAILED
from APIG" case (a security group that does not admit 100.125.0.0/16).

An instance with a ``network`` (network.py) reaches modelled addresses too: its routes, public egress and the
backend's security groups decide first, as on the real gateway, and the loopback backend that the project's
``listeners`` name for the address is what gets connected to. A loopback address that a port of the project holds
(a world modelled on 127.0.0.0/8, so that this host's probes and the gateway meet the same listener) goes through
the same decision and is then connected to directly; every other loopback address is connected to as before.
"""

import concurrent.futures
import ipaddress
import logging
import socket
import time

from tests.emulator import network
from tests.emulator.addresses import format_address
from tests.loopback.sockets import is_ip_literal, is_loopback

LOG = logging.getLogger("tests.emulator")


class ReachabilityChecker:
    """Concurrent TCP checks of ``(host, port)`` endpoints."""

    def __init__(self, timeout, hosts=None, blocked=(), max_workers=64):
        self.timeout = timeout
        self.hosts = {name.lower(): list(addrs) for name, addrs in (hosts or {}).items()}
        self.blocked = set(blocked)
        self.max_workers = max_workers

    def resolve(self, host):
        """IP addresses for ``host``: itself if a literal, else from the hosts map (empty if unknown)."""
        if is_ip_literal(host):
            return [host]
        return list(self.hosts.get(host.lower().rstrip("."), []))

    def reachable(self, host, port, instance=None, channel_member=False):
        """True if a TCP connection to ``host:port`` completes within the timeout.

        With an ``instance`` that has a network, a modelled address is reached through it (network.decide);
        ``channel_member`` adds APIG's 100.125.0.0/16 to the sources its security groups must admit.
        """
        if format_address(host, port) in self.blocked:
            return False
        deadline = time.monotonic() + self.timeout
        for address in self.resolve(host):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            target = (address, port) if is_loopback(address) else None
            net = instance.network if instance is not None else None
            if net is not None and (target is None or net.project.ports_with_ip(address)):
                decision = network.decide(net, address, port, channel_member)
                LOG.debug("gateway to %s: %s", format_address(address, port), decision.reason)
                target = decision.target
            if target is not None and self._connect(target[0], target[1], remaining):
                return True
        return False

    @staticmethod
    def _connect(address, port, timeout):
        family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((address, port))
            return True
        except OSError:
            return False
        finally:
            sock.close()

    def failures(self, endpoints, instance=None, channel_member=False):
        """The unreachable endpoints as ``host:port`` strings, in the order given.

        All endpoints are checked at once, so a channel of slow members takes
        one timeout, not one per member.
        """
        endpoints = list(endpoints)
        if not endpoints:
            return []
        workers = min(self.max_workers, len(endpoints))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="emulator-check") as pool:
            results = list(pool.map(lambda endpoint: self.reachable(*endpoint, instance, channel_member), endpoints))
        return [format_address(host, port) for (host, port), ok in zip(endpoints, results) if not ok]
