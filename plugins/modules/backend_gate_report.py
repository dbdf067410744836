#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action plugin (plugins/action/backend_gate_report.py), which runs on the controller.

DOCUMENTATION = r"""
module: backend_gate_report
short_description: Write the JUnit report of backend gate verdicts on the controller
version_added: 0.2.0
description:
  - >-
    Writes the verdicts of M(hwcloud.apig.backend_gate_verdict) as JUnit XML, one test suite per host and gate run,
    named C(backend_gate (<host>)), and one test case per check, with class names C(backend_gate.<host>.<backend_type>)
    (a C(failure) for a FAILED check, whose message says C(unreachable: host:port, ...) and
    C(reached, wrong answer: ...) apart and whose text lists each failing backend, with why and the fix under it when
    the check carries a C(diagnosis); an C(error) with the fields the check has, such as C(option), C(status),
    C(error_code) and C(request_id), for a check that was not made). A verdict of a gate stopped before its decision
    is a suite with one C(error) naming what stopped it.
  - Each suite's properties say C(passed), C(summary), C(unreachable), C(wrong_answers), C(max_failures), C(on_error),
    C(run_id), C(placeholder) and C(playbook_run).
  - >-
    Every host of O(hosts) is in the report - with its verdict of this run, or with an C(error) saying why it has
    none: it failed or became unreachable before its decision (it is not in O(active)), it stopped before its
    decision, or it did not run the gate (a condition or a tag left it out). A host of a later C(serial) batch (not in
    O(batch)) is a placeholder, replaced when its own batch writes its suite.
  - The suites already in the file from the same C(ansible-playbook) run (other C(serial) batches, other plays, other
    includes of the gate) are kept; anything else in the file - a report of an earlier run - is replaced whole, so a
    report is never a mix of two runs.
  - Each verdict's C(junit_path) says where its report goes; verdicts with the same path share one file, however
    it is spelled. A relative path is taken from the playbook's directory, C(~) expanded, as
    M(hwcloud.apig.backend_gate_verdict) resolves it. A path that is a directory (or ends with C(/)) gets
    C(backend-gate.xml) in it. Missing directories are created. A path that is a symbolic link is written through to
    the file it points to, so that the link keeps pointing to the latest report.
  - The file is written one element per line, so C(--diff) shows what changed. It is rewritten on every run (CI
    systems want a fresh report), and reported C(changed) only when something other than its timestamp, C(run_id)
    and C(playbook_run) changed.
  - A report that cannot be written is removed, so that an earlier run's report cannot stand for this one; the task
    fails, naming the path, O(path_variable), the reason and whether the earlier report was removed.
  - Runs once for the play in the P(hwcloud.apig.backend_gate#role) role, after every host has decided.
extends_documentation_fragment:
  - hwcloud.apig.controller_action
options:
  results:
    description:
      - The verdicts (the facts set by M(hwcloud.apig.backend_gate_verdict)), one per host of O(hosts) in the same
        order, or, without O(hosts), each naming its C(host).
      - Optional when O(hosts) is given; without it, each host's C(backend_gate_result) is read, as the play holds it
        when the task runs.
      - Only verdicts that decided or were stopped before their decision count; a host whose verdict does not is a
        host without one.
    type: list
    elements: raw
  hosts:
    description:
      - Every host the report must hold (the role gives C(ansible_play_hosts_all)). A host without a verdict of this
        run is a suite with an C(error) saying why.
      - O(results) or O(hosts) must be given.
    type: list
    elements: str
  active:
    description:
      - The hosts of O(hosts) still in the play (the role gives C(ansible_play_hosts)). A host not among them failed or
        became unreachable before its decision. Defaults to O(hosts).
    type: list
    elements: str
  batch:
    description:
      - The hosts of the current C(serial) batch (the role gives C(ansible_play_batch)). A host of O(hosts) outside it
        that has no verdict yet is written as a placeholder, replaced by its own batch. Defaults to O(hosts).
    type: list
    elements: str
  run_id:
    description:
      - Report only the verdicts with this C(run_id) (those of the hosts that decided together); a host whose verdict
        has another one has no verdict of this run.
    type: str
  path_variable:
    description: The name of the setting the paths came from, for messages.
    type: str
    default: junit_path
  gate:
    description:
      - Whose verdicts these are. V(api_verify) reads each host's C(api_verify_result), names the suites and test
        cases C(api_verify), and puts C(api-verify.xml) in a directory; the P(hwcloud.apig.api_verify#role) role
        reports through this action too.
    type: str
    choices: [backend_gate, api_verify]
    default: backend_gate
attributes:
  check_mode:
    support: full
    details: The report is an artefact of the check, so it is written in check mode too.
  diff_mode:
    support: full
seealso:
  - module: hwcloud.apig.backend_gate_verdict
"""

EXAMPLES = r"""
- name: Ask the gateway (credentials from HW_* variables)
  hwcloud.apig.backend_connectivity:
    checks: &release_checks
      - name: orders
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: vpc_channel
        vpc_channel_id: 3019f57095a94ec885031a16d3156f12
  register: answers
  failed_when: false

- name: Decide, and say where the report goes (a directory gets backend-gate.xml in it)
  hwcloud.apig.backend_gate_verdict:
    checks: *release_checks
    run: "{{ answers }}"
    junit_path: reports/
  register: gate

- name: Keep each host's verdict as backend_gate_result, where the next task reads it for every host
  ansible.builtin.set_fact:
    backend_gate_result: "{{ gate.verdict }}"

- name: Write one report for the play in reports/backend-gate.xml - every host, with its verdict or why it has none
  hwcloud.apig.backend_gate_report:
    hosts: "{{ ansible_play_hosts_all }}"
    active: "{{ ansible_play_hosts }}"
    batch: "{{ ansible_play_batch }}"
  run_once: true
"""

RETURN = r"""
reports:
  description: The files written, each with its C(path), the C(hosts) in it and whether it C(changed).
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/builds/app/reports/backend-gate.xml", "hosts": ["localhost"], "changed": true}]
report_error:
  description:
    - Why a report could not be written, and what became of the earlier report there (the task fails with it as
      C(msg)).
  returned: when a report could not be written
  type: str
  sample: "backend gate: could not write the JUnit report (backend_gate_junit_path=/srv/ci/a-file/report.xml): /srv/ci/a-file: Not a directory"
exception:
  description: >-
    The traceback of an unexpected error (the task then fails with C(<action>: unexpected ...) as C(msg)).
  returned: when the action failed unexpectedly
  type: str
"""
