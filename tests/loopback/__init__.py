# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real backends on the loopback interface, for every test, the emulator, the demo and the benchmarks.

One idea per module:

* ``sockets``: binding loopback addresses only (127.0.0.0/8, ::1), ``host:port`` formatting, platform facts;
* ``listeners``: what a TCP connect can meet - an open port, a refused one, a SYN-dropping one, one that resets,
  one that answers garbage, one that opens late;
* ``http_backend``: a real HTTP(S) server with routes (``/status/<code>``, ``/body/<text>``, ``/slow/<s>``, ``/big``);
* ``certificates``: a throw-away CA and the server certificates it signs;
* ``fixtures``: the pytest fixtures over all of these (a pytest plugin, registered in tests/conftest.py).

Every backend has ``host``, ``port``, ``address`` (``host:port``, IPv6 bracketed), ``close()`` and is a context
manager. Nothing here binds or connects to anything but a loopback address.
"""
