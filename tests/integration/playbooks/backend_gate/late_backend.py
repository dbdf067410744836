# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A backend that comes up late: refuses connections for DELAY seconds, then accepts them until LIFETIME passes.

    python tests/integration/playbooks/backend_gate/late_backend.py STATE_FILE DELAY LIFETIME [EMULATOR_URL]

Binds 127.0.0.1 on a free port at once (bound but not listening, so connecting is refused, as when a service has
not started yet), writes {"address", "pid"} to STATE_FILE, listens after DELAY seconds, and exits after LIFETIME
seconds or on SIGTERM, removing STATE_FILE.

With EMULATOR_URL (a loopback APIG emulator), the DELAY starts only once the emulator has been asked about this
backend (its /_emulator/requests log names the address): the first check always finds it down, however slowly the
playbook gets there.
"""

import json
import os
import signal
import socket
import sys
import threading
import urllib.request


def asked_about(emulator_url, address):
    """Whether the emulator's request log has a request that names ``address``."""
    with urllib.request.urlopen(emulator_url.rstrip("/") + "/_emulator/requests", timeout=5) as answer:
        return any(address in (entry.get("body") or "") for entry in json.loads(answer.read().decode("utf-8")))


def main(state_file, delay, lifetime, emulator_url=None):
    """Run until LIFETIME passes or SIGTERM arrives."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    address = "127.0.0.1:%d" % sock.getsockname()[1]
    tmp = state_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"address": address, "pid": os.getpid()}, handle)
    os.replace(tmp, state_file)
    try:
        if emulator_url:
            while not stop.wait(0.1) and not asked_about(emulator_url, address):
                pass
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
    sys.exit(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), *sys.argv[4:5]))
