# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real HTTP proxy for the proxy tests: Debian's tinyproxy, on 127.0.0.1 only, admitting loopback clients only.

``TinyProxy(tmp_path)`` writes a config, starts ``tinyproxy -d`` (foreground) on a free loopback port and waits
until it accepts connections; ``.url`` is ``http://127.0.0.1:PORT`` (with credentials when ``basic_auth`` is
given), ``.requests()`` lists the requests its log shows (``POST http://127.0.0.1:.../check`` for plain HTTP,
``CONNECT 127.0.0.1:PORT`` for HTTPS), ``.stop()`` ends it.  ``allow`` is the client address it admits: the
refusing proxy of the tests admits only 127.0.0.2, so a client on 127.0.0.1 gets its ACL's 403.

Tests that need it call ``require_tinyproxy()``: a skip with the reason when tinyproxy is not installed, a failure
when ``HWCLOUD_APIG_REQUIRE_TOOLS=1`` (CI sets it, so CI cannot skip them).
"""

import re
import shutil
import socket
import subprocess
import time

from tests.needs import missing

REQUEST_LINE = re.compile(r"Request \(file descriptor \d+\): (\S+ \S+)")


def require_tool(name, install_hint):
    """The tool's path; when it is missing, a skip, or a failure when CI requires the tools (tests/needs.py)."""
    path = shutil.which(name)
    if path:
        return path
    missing("%s is not installed (%s)" % (name, install_hint))
    return None


def require_tinyproxy():
    return require_tool("tinyproxy", "apt-get install tinyproxy; .ci/run does")


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TinyProxy:
    """One tinyproxy process with its own config and log under ``directory``."""

    def __init__(self, directory, allow="127.0.0.1", basic_auth=None, binary=None):
        self.binary = binary or require_tinyproxy()
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / "tinyproxy.log"
        self.basic_auth = basic_auth
        self.process = None
        for _attempt in range(5):
            self.port = free_loopback_port()
            if self._start(allow):
                return
        raise RuntimeError("tinyproxy did not start; its log:\n%s" % self.log_text())

    def _start(self, allow):
        lines = [
            "Port %d" % self.port,
            "Listen 127.0.0.1",
            "Timeout 30",
            'LogFile "%s"' % self.log_path,
            "LogLevel Info",
            "MaxClients 50",
            "Allow %s" % allow,
            "DisableViaHeader Yes",
        ]
        if self.basic_auth:
            lines.append("BasicAuth %s %s" % self.basic_auth)
        config = self.directory / "tinyproxy.conf"
        config.write_text("\n".join(lines) + "\n")
        if self.log_path.exists():
            self.log_path.unlink()
        self.process = subprocess.Popen(
            [self.binary, "-d", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=str(self.directory),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    @property
    def url(self):
        if self.basic_auth:
            return "http://%s:%s@%s" % (self.basic_auth[0], self.basic_auth[1], self.address)
        return "http://%s" % self.address

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def requests(self):
        """The requests the proxy's log shows, as 'METHOD target', in order."""
        return REQUEST_LINE.findall(self.log_text())

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()
