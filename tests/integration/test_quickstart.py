# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/quickstart.md, run as a new user runs it: its own commands, in a fresh virtualenv, from the built tarball.

The commands are read from the page (each ``bash`` block after a ``<!-- quickstart: NAME -->`` marker) and run as
written, with ``HOME`` a temporary directory, so ``~/apig-venv`` and ``~/.ansible/collections`` are fresh; the only
change is the emulator's port (18080 on the page, a free one here). What a user would not see is set around them:
the tarball is built from this checkout with ansible-galaxy and put where step 1 installs it from, and pip installs
ansible-core and requests at the versions requirements-dev.txt pins (a constraints file: the page's ``pip install``
is unchanged) from the wheels ``make venv`` downloaded to .cache/wheelhouse, with no index and none of this machine's
pip configuration: the test never reaches a package index, or any name. No dev tool is installed, and nothing but
loopback is contacted.

The first terminal is one bash process that each step is sourced into, as a person types into a terminal (the
variables step 3 exports are still set in step 4); the emulator runs in a second one.
"""

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.integration.runner import BIN, REPO
from tests.needs import missing

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUICKSTART = REPO / "docs" / "quickstart.md"
FIRST_GATE = REPO / "docs" / "examples" / "first-gate.yml"
DOC_PORT = "18080"
WHEELHOUSE = REPO / ".cache" / "wheelhouse"
DEV_TOOLS = ("pytest", "hypothesis", "ruff", "ansible-lint", "molecule", "antsibull-changelog", "huaweicloudsdkcore")


def quickstart_blocks():
    """``{name: text}`` of every block that follows a ``<!-- quickstart: NAME -->`` marker."""
    found = re.findall(r"<!-- quickstart: ([\w.-]+) -->\n```(\w+)\n(.*?)```\n", QUICKSTART.read_text(), re.S)
    return {name: text for name, _language, text in found}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def pinned_constraints(path):
    """ansible-core and requests (and what they pull in) at the versions of requirements-dev.txt / the dev venv."""
    pins = [line.split("#")[0].strip() for line in (REPO / "requirements-dev.txt").read_text().splitlines()]
    pins = [pin for pin in pins if "==" in pin]
    pinned = {re.split(r"[=<>!~]", pin)[0].lower() for pin in pins}
    frozen = subprocess.run(
        [str(BIN / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    pins += [line for line in frozen if "==" in line and line.split("==")[0].lower() not in pinned]
    path.write_text("\n".join(pins) + "\n")
    return path


def base_python(shims):
    """A ``python3`` on PATH that is the interpreter this venv was made from (not the venv, whose tools it has)."""
    shims.mkdir()
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (shims / "python3").symlink_to(base)
    return shims


class Terminal:
    """One bash process that each step is sourced into: variables, the working directory and the activated venv
    carry over from step to step, as in a terminal."""

    def __init__(self, env, cwd, work):
        self.work = work
        self.log = open(work / "terminal.log", "w", encoding="utf-8")
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(cwd),
            text=True,
            start_new_session=True,
        )

    def run(self, name, script, timeout):
        """``(exit status of the step's last command, everything it printed)``."""
        step, out, status = (self.work / ("%s.%s" % (name, suffix)) for suffix in ("sh", "out", "rc"))
        step.write_text(script)
        self.process.stdin.write(
            ". %s > %s 2>&1 < /dev/null; echo $? > %s.tmp; mv %s.tmp %s\n" % (step, out, status, status, status)
        )
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        while not status.exists():
            assert self.process.poll() is None, "the terminal's bash ended"
            assert time.monotonic() < deadline, "step %s did not end within %d s:\n%s" % (
                name,
                timeout,
                out.read_text(),
            )
            time.sleep(0.1)
        return int(status.read_text()), out.read_text()

    def close(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()


class Background:
    """The second terminal: the emulator, started from the page's block; its first line is the JSON state."""

    def __init__(self, script, env, cwd):
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(cwd),
            text=True,
            start_new_session=True,
        )

    def first_line(self, timeout):
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout)
        selector.close()
        if not ready:
            return None
        return self.process.stdout.readline()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.stderr.read()


def test_the_quickstart_blocks_are_the_files_they_show():
    blocks = quickstart_blocks()
    assert set(blocks) == {
        "install",
        "emulator",
        "adhoc",
        "adhoc-both",
        "first-gate.yml",
        "gate-fails",
        "gate-passes",
        "why",
    }
    assert blocks["first-gate.yml"] == FIRST_GATE.read_text()
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    assert "ansible-galaxy collection install hwcloud-apig-%s.tar.gz" % version in blocks["install"]
    assert "pip install ansible-core requests\n" in blocks["install"]  # only what a user needs


def test_the_quickstart_from_pip_install_to_a_failing_and_a_passing_gate(tmp_path):
    blocks = quickstart_blocks()
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    # The release tarball, where step 1 installs it from (the user's working directory: ~).
    built = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(home), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ, HOME=str(home)),
    )
    assert built.returncode == 0, built.stdout + built.stderr
    if not (WHEELHOUSE / ".downloaded").is_file():
        missing("the quickstart's wheels are not in %s (make venv downloads them)" % WHEELHOUSE)
    env = {key: value for key, value in os.environ.items() if key.startswith(("LANG", "LC_", "TERM"))}
    env.update(
        HOME=str(home),
        PATH="%s:/usr/local/bin:/usr/bin:/bin" % base_python(tmp_path / "shims"),
        # Offline: these wheels and nothing else, whatever pip.conf or PIP_* this machine has.
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELHOUSE),
        PIP_CONSTRAINT=str(pinned_constraints(tmp_path / "constraints.txt")),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        ANSIBLE_NOCOLOR="1",
    )
    terminal = Terminal(env, home, tmp_path)
    emulator = None
    try:
        status, out = terminal.run("install", blocks["install"], timeout=600)
        assert status == 0, out
        assert "calls apig's backend connectivity check" in out.lower(), out  # ansible-doc read the installed copy
        installed = home / ".ansible" / "collections" / "ansible_collections" / "hwcloud" / "apig"
        assert (installed / "MANIFEST.json").is_file()
        frozen = subprocess.run(
            [str(home / "apig-venv" / "bin" / "pip"), "freeze"], capture_output=True, text=True, check=True, env=env
        ).stdout.lower()
        assert "ansible-core==" in frozen and "requests==" in frozen
        assert not [tool for tool in DEV_TOOLS if tool in frozen], frozen

        emulator = Background(blocks["emulator"].replace(DOC_PORT, port), env, home)
        line = emulator.first_line(timeout=60)
        assert line, "the emulator printed nothing: %s" % emulator.stop()
        assert json.loads(line)["url"] == "http://127.0.0.1:%s" % port

        status, out = terminal.run("adhoc", blocks["adhoc"].replace(DOC_PORT, port), timeout=180)
        assert status == 0, out
        assert '"check_result": "SUCCESS"' in out and '"failures": []' in out, out
        assert '"auth_mode": "token"' in out and '"credentials_source": "environment"' in out, out

        status, out = terminal.run("adhoc-both", blocks["adhoc-both"], timeout=180)
        assert status == 0, out
        assert '"check_result": "FAILED"' in out and '"reason": "refused"' in out and '"reason": "timeout"' in out, out

        status, out = terminal.run("gate-fails", blocks["gate-fails"], timeout=300)
        assert status == 2, out
        assert "backend gate FAILED" in out and "payments" in out, out
        assert "deploying the release" not in out, out
        assert (home / "apig-gate" / "reports" / "backend-gate.xml").is_file()

        status, out = terminal.run("gate-passes", blocks["gate-passes"], timeout=300)
        assert status == 0, out
        assert "deploying the release" in out, out

        status, out = terminal.run("why", blocks["why"].replace(DOC_PORT, port), timeout=300)
        assert status == 2, out
        assert re.search(r"^\s*CHECK\s+RESULT\s+UNREACHABLE / ERROR\s+WHY$", out, re.M), out
        why = "security group sg-pay (port 8443) admits nothing from the gateway (100.125.0.0/16)"
        assert re.search(r"^\s*billing\s+FAILED\s+192\.168\.1\.20:8443\s+" + re.escape(why) + "$", out, re.M), out
        report = (home / "apig-gate" / "reports" / "backend-gate.xml").read_text()
        assert "fix: add an inbound rule to sg-pay: allow TCP 8443 from 100.125.0.0/16" in report
        assert "Traceback" not in (tmp_path / "terminal.log").read_text()
    finally:
        terminal.close()
        if emulator is not None:
            stderr = emulator.stop()
            assert "Traceback" not in stderr, stderr
