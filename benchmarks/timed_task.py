# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One module task timed as a user waits for it, in a real ``ansible-playbook`` run (the benchmarks' shared method).

The playbook records ``now()`` in a set_fact task right before and right after the task; the difference is the
task's wall time (module process start, sign-in, the work, the result, plus the tiny set_fact bookkeeping, so it
errs high). No callback plugin is needed. The task's registered result comes back with it, and the whole run's
time, ``ansible-playbook`` start-up included.
"""

import json
import subprocess
import time
from pathlib import Path

from tests.integration.runner import BIN, ansible_env

PLAYBOOK = """---
- name: Time one task
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hwcloud.apig.apig: "{{ auth }}"
  tasks:
    - name: Start the clock
      ansible.builtin.set_fact:
        started: "{{ now().timestamp() }}"

    - name: The timed task
      %(task)s
      register: outcome

    - name: Stop the clock
      ansible.builtin.set_fact:
        finished: "{{ now().timestamp() }}"

    - name: Save the figures
      ansible.builtin.copy:
        content: "{{ {'seconds': finished | float - started | float, 'outcome': outcome} | to_json }}"
        dest: "{{ result_path }}"
        mode: "0600"
"""


def run_timed(tmp, name, task, variables, timeout=600):
    """Run ``task`` (YAML of the module call, indented for the play) with ``variables`` (``auth`` among them) in a
    directory ``name`` under ``tmp``; returns (seconds of the task, its registered result, whole-run seconds)."""
    directory = Path(tmp) / name
    directory.mkdir()
    playbook = directory / "playbook.yml"
    playbook.write_text(PLAYBOOK % {"task": task})
    result_path = directory / "result.json"
    extra = directory / "vars.json"
    extra.write_text(json.dumps(dict(variables, result_path=str(result_path))))
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "@%s" % extra, str(playbook)]
    started = time.monotonic()
    completed = subprocess.run(
        command,
        env=ansible_env(directory),
        capture_output=True,
        text=True,
        check=False,
        cwd=str(directory),
        timeout=timeout,
    )
    elapsed = time.monotonic() - started
    if completed.returncode != 0 or not result_path.exists():
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-15:])
        raise RuntimeError("%s: ansible-playbook exited %d\n%s" % (name, completed.returncode, tail))
    figures = json.loads(result_path.read_text())
    return figures["seconds"], figures["outcome"], elapsed
