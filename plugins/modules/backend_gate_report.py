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
  - Writes the verdicts of M(hwcloud.apig.backend_gate_verdict) as JUnit XML, one test suite per host and one test
    case per check (a C(failure) listing the unreachable C(host:port)s of a FAILED check, an C(error) with the fields
    the check has, such as C(option), C(status), C(error_code) and C(request_id), for a check that was not made).
  - Each verdict's C(junit_path) says where its report goes; verdicts with the same path share one file, however
    it is spelled. A relative path is taken from the playbook's directory, C(~) expanded, as
    M(hwcloud.apig.backend_gate_verdict) resolves it. A path that is a directory (or ends with C(/)) gets
    C(backend-gate.xml) in it. Missing directories are created.
  - The file is written one element per line, so C(--diff) shows what changed. It is rewritten on every run (CI
    systems want a fresh report), and reported C(changed) only when something other than its timestamp changed.
  - Fails, naming the path and O(path_variable), when a report cannot be written.
  - Runs once for the play in the P(hwcloud.apig.backend_gate#role) role, after every host has decided.
options:
  results:
    description: The verdicts (the facts set by M(hwcloud.apig.backend_gate_verdict)) of the hosts to report on.
    type: list
    elements: dict
    required: true
  run_id:
    description: Report only the verdicts with this C(run_id) (those of the hosts that decided together).
    type: str
  path_variable:
    description: The name of the setting the paths came from, for messages.
    type: str
    default: junit_path
extends_documentation_fragment:
  - action_common_attributes
  - action_common_attributes.conn
  - action_common_attributes.flow
  - hwcloud.apig.controller_action
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

- name: Keep each host's verdict, where the next task reads it for every host
  ansible.builtin.set_fact:
    backend_gate_result: "{{ gate.verdict }}"

- name: Write one report for the play, one test suite per host, in reports/backend-gate.xml
  hwcloud.apig.backend_gate_report:
    results: "{{ ansible_play_batch | map('extract', hostvars, 'backend_gate_result') | list }}"
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
  description: Why a report could not be written (the task fails with it as C(msg)).
  returned: when a report could not be written
  type: str
"""
