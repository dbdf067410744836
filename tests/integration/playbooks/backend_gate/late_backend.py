# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A backend that comes up late: refuses connections for DELAY seconds, then accepts them until LIFETIME passes.

    python tests/integration/playbooks/backend_gate/late_backend.py STATE_FILE DELAY LIFETIME

Binds 127.0.0.1 on a free port at once (bound but not listening, so connecting is refused, as when a service has
not started yet), writes {"address", "pid"} to STATE_FILE, listens DELAY seconds later, and exits after LIFETIME
seconds or on SIGTERM, removing STATE_FILE.

DELAY counts from the moment the gate first asks about this backend, not from the start, when an emulator's state
file (``emulator.json``, written by ``python -m tests.emulator --state-file``) lies beside STATE_FILE: the
emulator's request log (``GET /_emulator/requests``, on loopback) shows when a check first names the address. So
the first attempt fails however slowly ansible-playbook gets there on a busy machine; without an emulator the
delay counts from the start.
"""

import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.request

FIRST_CHECK_WAIT = 60.0  # seconds to wait for the gate's first check before counting DELAY anyway


def emulator_state(state_file):
    """The emulator's state beside STATE_FILE ({"url", "ca_path", ...}), or None."""
    path = os.path.join(os.path.dirname(os.path.abspath(state_file)), "emulator.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def asked_about(state, address):
    """True once a request logged by the emulator names ``address``."""
    context = ssl.create_default_context(cafile=state["ca_path"]) if state.get("ca_path") else None
    try:
        with urllib.request.urlopen(state["url"] + "/_emulator/requests", timeout=2, context=context) as answer:
            return any(address in (entry.get("body") or "") for entry in json.load(answer))
    except (OSError, ValueError):
        return False


def wait_for_first_check(stop, state, address):
    deadline = time.monotonic() + FIRST_CHECK_WAIT
    while not stop.is_set() and time.monotonic() < deadline:
        if asked_about(state, address):
            return
        stop.wait(0.05)


def main(state_file, delay, lifetime):
    """Run until LIFETIME passes or SIGTERM arrives."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    address = "127.0.0.1:%d" % sock.getsockname()[1]
    state = emulator_state(state_file)
    tmp = state_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"address": address, "pid": os.getpid()}, handle)
    os.replace(tmp, state_file)
    try:
        if state is not None and state.get("url", "").startswith(("http://127.", "https://127.")):
            wait_for_first_check(stop, state, address)
        if not stop.wait(delay):
            sock.listen(64)
            sock.settimeout(0.2)
            deadline = threading.Timer(lifetime, stop.set)
            deadline.daemon = True
            deadline.start()
            while not stop.is_set():
                try:
                    sock.accept()[0].close()
                except socket.timeout:
                    pass
    finally:
        sock.close()
        os.remove(state_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
