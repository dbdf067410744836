#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action plugin (plugins/action/backend_gate_verdict.py), which runs on the controller.

DOCUMENTATION = r"""
module: backend_gate_verdict
short_description: Decide whether a backend gate passes, and show why
version_added: 0.2.0
description:
  - Turns the registered results of M(hwcloud.apig.backend_connectivity) into the decision of the
    P(hwcloud.apig.backend_gate#role) role, on the controller, failing closed.
  - The gate passes only when at least one check was made, every check was made (unless O(on_error=warn)), and the
    unreachable backends (every C(host:port); a FAILED answer that names none counts one) are at most
    O(max_failures). A check that is not in the results, or was refused as invalid, was not made.
  - Shows the verdict on the console as readable lines (a headline, then a table of every check when anything did
    not pass; with several hosts in the play the headline starts with C([host])), returns it, and returns an Ansible
    warning for the checks left out under O(on_error=warn).
  - Register the result to keep the verdict, RV(verdict) (the role keeps it as C(backend_gate_result)). The task
    does not fail when the gate does not pass, so that the verdict is kept either way; follow it with
    M(ansible.builtin.fail) on RV(passed), with the one-line RV(msg), as the role does.
options:
  checks:
    description:
      - The checks that were asked for, exactly as given to O(hwcloud.apig.backend_connectivity#module:checks).
      - Each check's C(name) (else its address or channel ID, else C(check N)) names it in the verdict.
    type: list
    elements: dict
    required: true
  probe:
    description: The probe mode of the checks that do not set their own, as given to the module.
    type: str
    choices: [remote, local, both]
    default: remote
  run:
    description:
      - The registered result of M(hwcloud.apig.backend_connectivity) with O(checks), also when that task failed.
      - Without O(local_run), the run of every check of O(checks). With it, the run of the remote half of
        P(hwcloud.apig.backend_gate_plan#filter).
    type: dict
    default: {}
  local_run:
    description:
      - The registered result of the local half of P(hwcloud.apig.backend_gate_plan#filter), made on this host.
        A C(probe=both) check is put back together from its two halves, C(hints) included.
    type: dict
  max_failures:
    description: How many unreachable backends are tolerated.
    type: int
    default: 0
  on_error:
    description:
      - V(fail) fails the gate when a check could not be made; V(warn) leaves it out of the decision with a warning
        (when no check at all was made, the gate fails all the same).
    type: str
    choices: [fail, warn]
    default: fail
  junit_path:
    description:
      - Where the JUnit report of this verdict goes (P(hwcloud.apig.backend_gate_report#module) writes it), kept in
        the verdict as an absolute path. Relative paths are relative to the playbook's directory; C(~) is expanded.
        Empty for none.
    type: str
    default: ""
  run_id:
    description: An identifier shared by the hosts that decide together, kept in the verdict.
    type: str
extends_documentation_fragment:
  - action_common_attributes
  - action_common_attributes.conn
  - action_common_attributes.flow
  - hwcloud.apig.controller_action
seealso:
  - module: hwcloud.apig.backend_connectivity
  - module: hwcloud.apig.backend_gate_report
  - plugin: hwcloud.apig.backend_gate_plan
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Ask the gateway and this host about the release's backends (credentials from HW_* variables)
  hwcloud.apig.backend_connectivity:
    probe: both
    checks: &release_checks
      - name: orders
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: backend_address
        backend_address: orders.internal.example.com:8443
      - name: billing
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        backend_type: backend_address
        backend_address: billing.internal.example.com:443
  register: answers
  failed_when: false

- name: Decide, tolerating one unreachable backend (the console shows the verdict, and the table if any)
  hwcloud.apig.backend_gate_verdict:
    checks: *release_checks
    probe: both
    run: "{{ answers }}"
    max_failures: 1
  register: gate

- name: Stop here unless the gate passed
  ansible.builtin.fail:
    msg: "{{ gate.msg }}"
  when: not gate.passed
"""

RETURN = r"""
passed:
  description: Whether the gate passes (also RV(verdict.passed)).
  returned: always
  type: bool
msg:
  description: One line, the headline and the checks that did not pass (also RV(verdict.msg)).
  returned: always
  type: str
  sample: "backend gate FAILED: 2 of 2 checks made, 1 unreachable backend (max_failures 0); not passing: billing (FAILED)"
verdict:
  description: The verdict.
  returned: always
  type: dict
  contains:
    passed:
      description: Whether the gate passes.
      returned: always
      type: bool
    msg:
      description: One line, the headline and the checks that did not pass.
      returned: always
      type: str
    summary:
      description: The headline.
      returned: always
      type: str
      sample: "backend gate FAILED: 2 of 2 checks made, 1 unreachable backend (max_failures 0)"
    message:
      description: The headline and, when anything did not pass, a table of every check, as the console shows them.
      returned: always
      type: str
    lines:
      description: The lines of RV(verdict.message).
      returned: always
      type: list
      elements: str
    checks:
      description:
        - One record per check, in the order of O(checks), as M(hwcloud.apig.backend_connectivity) returns them
          (C(name), C(check_result), C(failures), C(request_id), C(remote), C(local), C(hints), C(attempts), and the
          error fields C(msg), C(status), C(error_code), C(error_msg), and C(option) for a check refused as invalid).
      returned: always
      type: list
      elements: dict
    failures:
      description: "Every unreachable backend, as C(check-name: host:port)."
      returned: always
      type: list
      elements: str
    unreachable:
      description: How many backends count as unreachable.
      returned: always
      type: int
    made:
      description: How many checks were made.
      returned: always
      type: int
    errors:
      description: How many checks could not be made.
      returned: always
      type: int
    max_failures:
      description: O(max_failures).
      returned: always
      type: int
    on_error:
      description: O(on_error).
      returned: always
      type: str
    warnings:
      description: The warnings shown for the checks left out under O(on_error=warn).
      returned: always
      type: list
      elements: str
    host:
      description: The host the verdict is for.
      returned: always
      type: str
    junit_path:
      description: The absolute O(junit_path), or an empty string.
      returned: always
      type: str
    run_id:
      description: O(run_id).
      returned: always
      type: str
"""
