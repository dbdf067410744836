# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: run the emulator as its own process (integration playbooks, ``make demo``).

    python -m tests.emulator --config FILE [--port N] [--data-port N] [--host 127.0.0.1] [--tls] [--state-file PATH]

Once listening it prints one JSON line on stdout, ``{"url", "ca_path", "pid",
"backends", "data_url"}``, and writes the same JSON to ``--state-file`` (removed again on a
clean stop), so a parent process knows where to point its clients.  SIGTERM
and SIGINT stop it cleanly with exit status 0.
"""

import argparse
import json
import logging
import os
import signal
import sys
import threading

from tests.emulator.config import ConfigError
from tests.emulator.server import Emulator


def parse_args(argv):
    """The CLI options."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator", description="Huawei Cloud APIG + IAM emulator on the loopback interface."
    )
    parser.add_argument("--config", required=True, help="YAML config file (format: tests/emulator/README.md)")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    parser.add_argument("--data-port", type=int, default=0, help="TCP port of the data plane (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (127.0.0.1 or ::1)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a freshly generated CA (path in ca_path)")
    parser.add_argument("--state-file", help="also write the JSON state line to this file")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def write_state(path, state):
    """Write the state atomically, so a reader never sees half a file."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    """Run until SIGTERM/SIGINT; return the exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(message)s",
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    try:
        emulator = Emulator(args.config).start(tls=args.tls, port=args.port, host=args.host, data_port=args.data_port)
    except (ConfigError, ValueError, OSError) as exc:
        sys.stderr.write("emulator: %s\n" % exc)
        return 2
    try:
        state = emulator.state()
        if args.state_file:
            write_state(args.state_file, state)
        sys.stdout.write(json.dumps(state) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
        if args.state_file and os.path.exists(args.state_file):
            os.remove(args.state_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
