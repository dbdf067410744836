#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action plugin (plugins/action/api_verify_verdict.py), which runs on the controller.

DOCUMENTATION = r"""
module: api_verify_verdict
short_description: Decide whether the APIs of a release are verified, and show why
version_added: 0.2.0
description:
  - Turns the registered results of M(hwcloud.apig.api_debug) (and of M(hwcloud.apig.api_verify_bake)) into the
    decision of the P(hwcloud.apig.api_verify#role) role, on the controller, failing closed, through the same decision
    as P(hwcloud.apig.backend_gate#role).
  - Each call of O(calls) is found in O(run) by its name, API, environment, mode and instance, and each discovery of
    O(discover) by where it looked; every API a discovery found must have its record. A call asked for and absent is
    an error ("not made").
  - It passes only when at least one call was made, every call and bake was made and judged (unless
    O(on_error=warn)), no bake went over a threshold, and the failing calls are at most O(max_failures). A SKIPPED
    call is never a pass.
  - Shows the verdict on the console (a headline, then a table when anything did not pass - a failed call's status
    and APIG code, a failed bake's figure and threshold), returns it, and returns an Ansible warning for what
    O(on_error=warn) left out. The task does not fail when the release is not verified; follow it with
    M(ansible.builtin.fail) on RV(passed), with the one-line RV(msg), as the role does.
extends_documentation_fragment:
  - hwcloud.apig.controller_action
options:
  calls:
    description: The calls written by hand, exactly as given to O(hwcloud.apig.api_debug#module:calls).
    type: list
    elements: dict
    default: []
  discover:
    description: What was discovered, exactly as given to O(hwcloud.apig.api_debug#module:discover).
    type: raw
    default: []
  run:
    description: The registered result of M(hwcloud.apig.api_debug), also when that task failed.
    type: dict
    default: {}
  bake:
    description:
      - The registered result of M(hwcloud.apig.api_verify_bake). With O(bake_seconds) above 0, every API whose call
        passed must have a record there; when the bake was not run because the calls did not pass, leave it out.
    type: dict
  bake_seconds:
    description: How long the bake was asked to run; 0 when there is no bake.
    type: float
    default: 0
  max_failures:
    description: How many failing calls are tolerated (a bake over a threshold never is).
    type: int
    default: 0
  on_error:
    description:
      - V(fail) fails when a call could not be made or an API could not be judged; V(warn) leaves it out of the
        decision with a warning (when nothing at all was made, the verification fails all the same).
    type: str
    choices: [fail, warn]
    default: fail
  junit_path:
    description:
      - Where the JUnit report of this verdict goes (P(hwcloud.apig.backend_gate_report#module) writes it, with
        O(hwcloud.apig.backend_gate_report#module:gate=api_verify)); relative to the playbook's directory. Empty for
        none.
    type: str
    default: ""
  run_id:
    description: An identifier shared by the hosts that decide together, kept in the verdict.
    type: str
  stopped:
    description: Why the verification stopped before its decision; the verdict then says so and does not pass.
    type: str
  quiet:
    description:
      - Decide on the calls alone and show nothing - what the role asks before the bake, to know whether to bake
        and which APIs (C(verdict.bake_apis)).
    type: bool
    default: false
seealso:
  - module: hwcloud.apig.api_debug
  - module: hwcloud.apig.api_verify_bake
  - module: hwcloud.apig.backend_gate_report
"""

EXAMPLES = r"""
- name: Call the release's APIs through the gateway (credentials from HW_* variables)
  hwcloud.apig.api_debug:
    calls: &release_calls
      - name: orders
        instance_id: eddc4d25480b4cd6b512f270a1b8b341
        api: get-order
        group: shop
        path_params:
          id: "1"
  register: answers
  failed_when: false

- name: Decide (the console shows the verdict, and the table if anything did not pass)
  hwcloud.apig.api_verify_verdict:
    calls: *release_calls
    run: "{{ answers }}"
  register: verified

- name: Stop here unless the release is verified
  ansible.builtin.fail:
    msg: "{{ verified.msg }}"
  when: not verified.passed
"""

RETURN = r"""
passed:
  description: Whether the release is verified (also C(verdict.passed)).
  returned: always
  type: bool
msg:
  description: One line, the headline and what did not pass (also C(verdict.msg)).
  returned: always
  type: str
  sample: "api verify FAILED: 3 of 3 calls made, 1 failing call (max_failures 0); not passing: legacy (FAILED)"
verdict:
  description:
    - The verdict, as P(hwcloud.apig.backend_gate_verdict#module) returns it (C(passed), C(msg), C(summary),
      C(message), C(lines), C(errors), C(made), C(max_failures), C(on_error), C(warnings), C(host), C(junit_path),
      C(run_id)), where C(checks) holds one record per call and per API baked (C(kind) V(call) or V(bake),
      C(check_result)), with C(failing_calls), C(failed_bakes), C(skipped), and C(bake_apis) (the APIs whose call
      passed - C(instance_id), C(api_id), C(api_name) - which the bake judges).
  returned: always
  type: dict
"""
