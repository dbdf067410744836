# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3's figures: backend_probe against ansible.builtin.wait_for, and how it scales.

Everything runs on loopback.  Each figure is a whole `ansible-playbook` run
(what a user waits for) unless it says "module": then it is the module process
alone, run the way Ansible runs it (python module.py args.json), which is also
how its peak memory is read (ru_maxrss of the finished child).

Targets printed as ratios measured in this one run:
  * 60 listening targets: backend_probe >= 10x faster than a wait_for loop
  * 2,000 listening targets cost <= 1.5x what 10 cost
  * 200 SYN-dropping targets (timeout 1, every other option at its default) take <= 1.5 s more than 10 listening
    targets, as a whole playbook and as the module alone: one timeout, because plain TCP connects are bounded by
    file descriptors, not by ``concurrency`` (it was two timeouts with the default concurrency of 100)
"""

import json
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.integration.runner import REPO, ansible_env
from tests.loopback.listeners import BlackholeListener

MODULE = REPO / "plugins" / "modules" / "backend_probe.py"


class ListenerFarm:
    """Many loopback listeners served by one thread that accepts and closes (cheap, like a healthy fleet)."""

    def __init__(self, count):
        self.selector = selectors.DefaultSelector()
        self.sockets = []
        for _index in range(count):
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.bind(("127.0.0.1", 0))
            server.listen(1024)
            server.setblocking(False)
            self.selector.register(server, selectors.EVENT_READ)
            self.sockets.append(server)
        self.targets = ["127.0.0.1:%d" % server.getsockname()[1] for server in self.sockets]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            for key, _events in self.selector.select(timeout=0.1):
                try:
                    conn, _peer = key.fileobj.accept()
                    conn.close()
                except OSError:
                    pass

    def close(self):
        self._stop.set()
        self._thread.join()
        for server in self.sockets:
            self.selector.unregister(server)
            server.close()
        self.selector.close()


PROBE_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Probe every target at once
      hwcloud.apig.backend_probe:
        targets: "{{ targets }}"
        timeout: "{{ probe_timeout }}"
        concurrency: "{{ concurrency | default(omit) }}"
      register: probe
    - name: The answer must be the expected one
      ansible.builtin.assert:
        that: probe.check_result == expected
"""

WAIT_FOR_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: What users run today, one target at a time
      ansible.builtin.wait_for:
        host: "{{ item.split(':')[0] }}"
        port: "{{ item.split(':')[1] | int }}"
        timeout: 5
      loop: "{{ targets }}"
"""


def timed_playbook(work, play, variables):
    """Seconds for one whole ansible-playbook run; raises if it fails."""
    playbook = work / "play.yml"
    playbook.write_text(play)
    vars_file = work / "vars.json"
    vars_file.write_text(json.dumps(variables))
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        "@%s" % vars_file,
        str(playbook),
    ]
    started = time.monotonic()
    completed = subprocess.run(command, env=ansible_env(work), capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        raise SystemExit("playbook failed:\n%s\n%s" % (completed.stdout[-3000:], completed.stderr[-2000:]))
    return elapsed


# Runs the module as its only child, so ru_maxrss of its children is the module's own peak, not a playbook's.
MEASURE = """
import resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
sys.stderr.write("%f %d\\n" % (time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.stdout.write(done.stdout)
"""


def module_run(work, targets, timeout=2, concurrency=None):
    """(seconds, peak RSS in MiB, result) of the module process alone, started as Ansible starts it."""
    args = work / "args.json"
    options = {"targets": targets, "timeout": timeout}
    if concurrency is not None:
        options["concurrency"] = concurrency
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": options}))
    env = ansible_env(work, {"PYTHONPATH": str(REPO / ".collections")})
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, str(MODULE), str(args)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed, peak_kib = completed.stderr.split()[-2:]
    result = json.loads(completed.stdout)
    if result.get("failed"):
        raise SystemExit("module failed: %s" % result.get("msg"))
    return float(elapsed), int(peak_kib) / 1024.0, result


def best_of(runs, function):
    """The fastest of a few runs: the figure least disturbed by whatever else the machine was doing."""
    return min(function() for _run in range(runs))


def main():
    """Measure, print the figures and ratios, exit 1 if a target is missed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-probes-") as tmp:
        work = Path(tmp)
        farm = ListenerFarm(2000)
        blackholes = [BlackholeListener() for _index in range(200)]
        try:

            def probe_run(targets, timeout, concurrency, expected):
                variables = {"targets": targets, "probe_timeout": timeout, "expected": expected}
                if concurrency is not None:
                    variables["concurrency"] = concurrency
                return lambda: timed_playbook(work, PROBE_PLAY, variables)

            t10 = best_of(3, probe_run(farm.targets[:10], 2, 100, "SUCCESS"))
            t60 = best_of(3, probe_run(farm.targets[:60], 2, 100, "SUCCESS"))
            w60 = timed_playbook(work, WAIT_FOR_PLAY, {"targets": farm.targets[:60]})
            t2000 = best_of(3, probe_run(farm.targets, 2, 100, "SUCCESS"))
            dropping = [listener.address for listener in blackholes]
            t200drop = best_of(2, probe_run(dropping, 1, None, "FAILED"))  # defaults: concurrency 100
            m10, _rss10, _result = module_run(work, farm.targets[:10])
            m2000, rss2000, result2000 = module_run(work, farm.targets)
            md200, _rssd, resultd = module_run(work, dropping, timeout=1)
        finally:
            farm.close()
            for listener in blackholes:
                listener.close()
    assert result2000["check_result"] == "SUCCESS" and resultd["check_result"] == "FAILED"
    assert all(record["reason"] == "timeout" for record in resultd["results"])

    def verdict(passed):
        return "ok" if passed else "MISSED"

    speedup = w60 / t60
    scale = t2000 / t10
    extra = t200drop - t10
    print("whole playbook, 10 listening targets:          %6.2f s" % t10)
    print("whole playbook, 60 listening targets:          %6.2f s" % t60)
    print("whole playbook, wait_for loop over the 60:     %6.2f s" % w60)
    print("whole playbook, 2,000 listening targets:       %6.2f s" % t2000)
    print("whole playbook, 200 SYN-dropping (timeout 1, defaults): %6.2f s" % t200drop)
    print("module only: 10 targets %.2f s, 2,000 targets %.2f s, 200 SYN-dropping %.2f s" % (m10, m2000, md200))
    print("module peak memory at 2,000 targets:           %6.1f MiB" % rss2000)
    print(
        "ratio wait_for loop / backend_probe (60):      %6.1fx  (target >= 10x)  %s" % (speedup, verdict(speedup >= 10))
    )
    print("ratio 2,000 / 10 targets:                      %6.2fx  (target <= 1.5x) %s" % (scale, verdict(scale <= 1.5)))
    print(
        "200 SYN-dropping minus 10 listening:           %+6.2f s (target <= 1.5 s) %s" % (extra, verdict(extra <= 1.5))
    )
    module_extra = md200 - m10
    print(
        "module only, 200 SYN-dropping minus 10 listening: %+6.2f s (target <= 1.5 s) %s"
        % (module_extra, verdict(module_extra <= 1.5))
    )
    ok = speedup >= 10 and scale <= 1.5 and extra <= 1.5 and module_extra <= 1.5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
