"""A backend that comes up late: refuses connections for DELAY seconds, then accepts them until LIFETIME passes.

    python tests/integration/playbooks/backend_gate/late_backend.py STATE_FILE DELAY LIFETIME

Binds 127.0.0.1 on a free port at once (bound but not listening, so connecting is refused, as when a service has
not started yet), writes {"address", "pid"} to STATE_FILE, listens after DELAY seconds, and exits after LIFETIME
seconds or on SIGTERM, removing STATE_FILE.
"""

import json
import os
import signal
import socket
import sys
import threading


def main(state_file, delay, lifetime):
    """Run until LIFETIME passes or SIGTERM arrives."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    tmp = state_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"address": "127.0.0.1:%d" % sock.getsockname()[1], "pid": os.getpid()}, handle)
    os.replace(tmp, state_file)
    try:
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
