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
    P(hwcloud.apig.backend_gate#role) role, on the controller, failing closed. The role, this action and the
    P(hwcloud.apig.backend_gate_verdict#filter) filter decide the same way, in one place of the collection.
  - >-
    Each check of O(checks) is looked up in the registered result by what it asks - its name (its C(name), else its
    address or channel ID), C(instance_id), C(backend_type), C(backend_address) or C(vpc_channel_id), and probe
    mode - never by position. A check that the result holds no record of (a run of other checks, a run kept from
    earlier, a run that stopped early) is an ERROR, C(not made: ...); a record that is no answer (a C(check_result)
    other than SUCCESS, FAILED or ERROR, C(failures) that are not C(host:port) strings, a SUCCESS that names
    failing backends) is an ERROR too.
  - The gate passes only when at least one check was made; every check was made (unless O(on_error=warn), which
    leaves the checks not made out of the decision with a warning); no FAILED check names no backend at all (a
    VPC channel the gateway lists no member of - O(max_failures) never tolerates it); and the failing backends are
    at most O(max_failures).
  - A failing backend is a C(host:port) that could not be reached (no connection, TLS, timeout, name), or that was
    reached and gave the wrong answer (a local HTTP(S) probe's status or body). Each counts once across all the
    checks, however many checks, APIs, discoveries and environments name it; RV(verdict.backends) lists each with the
    checks and APIs behind it. The table and the message keep the two apart.
  - Shows the verdict on the console as readable lines (a headline, then a table of every check when anything did
    not pass; with several hosts in the play the headline starts with C([host])), returns it, and returns an Ansible
    warning for the checks left out under O(on_error=warn).
  - Register the result to keep the verdict, RV(verdict) (the role keeps it as C(backend_gate_result)). The task
    does not fail when the gate does not pass, so that the verdict is kept either way; follow it with
    M(ansible.builtin.fail) on RV(passed), with the one-line RV(msg), as the role does.
  - >-
    With O(stopped), nothing is decided: the verdict says that the gate was stopped before its decision, and why.
    The role uses it to keep whatever stopped it early (an invalid value, a repeated name, a task that failed) as a
    verdict that does not pass, so that the report and the failure still say what happened.
  - >-
    An unexpected error fails the task with C(<action>: unexpected <exception>: ...), the traceback kept in
    C(exception).
extends_documentation_fragment:
  - hwcloud.apig.controller_action
options:
  checks:
    description:
      - The checks that were asked for, exactly as given to O(hwcloud.apig.backend_connectivity#module:checks) (in the
        role, with the discovered checks after them, as P(hwcloud.apig.backend_gate_with_discovered#filter) gives
        them). A discovered check that carries a C(problem) was asked of nobody; it is an ERROR with that problem.
      - Each check's C(name) (else its address or channel ID, else C(checks[N])) names it in the verdict.
      - With no checks, nothing was checked, and the gate does not pass.
    type: list
    elements: dict
    default: []
  probe:
    description:
      - >-
        The probe mode of the checks that do not set their own, as given to the module. It is part of what a check
        asks: a record made with another probe mode is not this check's answer.
    type: str
    choices: [remote, local, both]
    default: remote
  run:
    description:
      - >-
        The registered result of M(hwcloud.apig.backend_connectivity) with O(checks), also when that task failed.
        When it holds no records at all (the module could not run: no credentials, a bad connection option, a
        skipped task), every check is an ERROR with what the run said.
      - Without O(local_run), the run of every check of O(checks). With it, the run of the remote half of
        P(hwcloud.apig.backend_gate_plan#filter).
    type: dict
    default: {}
  local_run:
    description:
      - The registered result of the local half of P(hwcloud.apig.backend_gate_plan#filter), made on this host.
        A C(probe=both) check is put back together from its two halves, C(hints) included. When one half FAILED and
        the other could not be made, the check is FAILED, and the half not made is kept in its C(incomplete).
    type: dict
  max_failures:
    description:
      - How many failing backends are tolerated, C(host:port)s that were unreachable or reached with a wrong answer,
        each counted once however many checks name it.
      - A FAILED check that names no backend at all (a VPC channel with no member) is never tolerated, and neither is
        a check that could not be made (that is O(on_error)'s).
      - Must be V(0) or more; a negative value stops the gate before its decision.
    type: int
    default: 0
  on_error:
    description:
      - V(fail) fails the gate when a check could not be made; V(warn) leaves it out of the decision with a warning
        (when no check at all was made, the gate fails all the same).
      - A FAILED check is never turned into a check that could not be made, whatever part of it could not be made.
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
    description:
      - An identifier shared by the hosts that decide together (the role makes a UUID per gate run), kept in the
        verdict; P(hwcloud.apig.backend_gate_report#module) reports the verdicts of one C(run_id).
    type: str
  stopped:
    description:
      - >-
        Why the gate was stopped before its decision. Given, O(checks), O(run) and O(local_run) are not read: the
        verdict does not pass, and says C(backend gate FAILED: stopped before its decision: <stopped>).
    type: str
seealso:
  - module: hwcloud.apig.backend_connectivity
  - module: hwcloud.apig.backend_gate_report
  - plugin: hwcloud.apig.backend_gate_plan
    plugin_type: filter
  - plugin: hwcloud.apig.backend_gate_verdict
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

- name: Decide, tolerating one failing backend (the console shows the verdict, and the table if any)
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
  description:
    - One line, the headline and the checks that did not pass, separated by C(; ) (also RV(verdict.msg)). A name that
      holds a C(,) or a C(;) is quoted.
  returned: always
  type: str
  sample: >-
    backend gate FAILED: 3 of 4 checks made, 2 unreachable backends (max_failures 0); 1 of 4 checks could not be made
    (on_error fail); not passing: payments (FAILED); reporting (ERROR)
exception:
  description: >-
    The traceback of an unexpected error (the task then fails with C(<action>: unexpected ...) as RV(msg)).
  returned: when the action failed unexpectedly
  type: str
verdict:
  description: The verdict.
  returned: always
  type: dict
  contains:
    passed:
      description: Whether the gate passes.
      returned: always
      type: bool
    decided:
      description: V(true) when the gate decided; absent from a verdict of a gate stopped before its decision.
      returned: when the gate decided
      type: bool
    stopped:
      description: What stopped the gate before its decision (O(stopped), or a negative O(max_failures)).
      returned: when the gate was stopped before its decision
      type: str
    msg:
      description: One line, the headline and the checks that did not pass.
      returned: always
      type: str
    summary:
      description: The headline.
      returned: always
      type: str
      sample: "backend gate FAILED: 1 of 1 checks made, 0 unreachable backends, 1 backend with a wrong answer (max_failures 0)"
    message:
      description:
        - The headline and, when anything did not pass, a table of every check, as the console shows them.
        - >-
          The table's last column is C(UNREACHABLE / ERROR), or C(UNREACHABLE / WRONG ANSWER / ERROR) when a backend
          gave a wrong answer; a row names each failing backend (C(127.0.0.1:8080 (wrong answer: expected status
          200-399, got 404)) for one that answered), then C(; not made: ...) for a part of a FAILED check that could
          not be made. A check that names routes its name does not already say shows them, C(name (routes: ...)).
        - >-
          When a FAILED check carries a C(diagnosis) (see
          O(hwcloud.apig.backend_connectivity#module:diagnose)), the table gets a C(WHY) column and one row per
          failing backend of that check, with the backend's one-line summary. The diagnosis is shown, never weighed:
          the verdict is the same without it.
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
          (C(name), C(probe), C(check_result), C(failures), C(failing), C(request_id), C(remote), C(local), C(hints),
          C(attempts), C(incomplete), and the error fields C(msg), C(status), C(error_code), C(error_msg), and
          C(option) for a check refused as invalid), with C(routes) and C(apis) for a check that discovery found
          routes to, and C(diagnosis) for a check that was diagnosed.
        - A check the registered result holds no record of is an ERROR whose C(msg) starts with C(not made:).
      returned: always
      type: list
      elements: dict
    failures:
      description: "Every failing backend of every FAILED check, as C(check-name: host:port)."
      returned: always
      type: list
      elements: str
    backends:
      description:
        - Each failing C(host:port) of the run once, in the order first named, with C(backend), C(outcome)
          (V(unreachable) when any check found it so, else V(wrong_answer)), C(detail) (the wrong answer, or null),
          C(checks) (the names of the checks that found it failing) and C(apis) (the routes behind them).
      returned: always
      type: list
      elements: dict
      sample: [{"backend": "127.0.0.1:47221", "outcome": "unreachable", "detail": null,
                "checks": ["get-order [policy gray] @RELEASE, list-orders @staging"],
                "apis": ["get-order [policy gray] @RELEASE", "list-orders @staging"]}]
    unreachable:
      description: How many failing backends were unreachable (each counted once).
      returned: always
      type: int
    wrong_answers:
      description: How many failing backends were reached and gave a wrong answer (each counted once).
      returned: always
      type: int
    no_backend:
      description: How many FAILED checks name no backend at all (never tolerated by O(max_failures)).
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
      returned: when the gate decided
      type: int
    on_error:
      description: O(on_error).
      returned: when the gate decided
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
    playbook_run:
      description:
        - An identity of the C(ansible-playbook) run the verdict was made in, the same for every task of one playbook
          run (P(hwcloud.apig.backend_gate_report#module) keeps the suites of the same playbook run in a report).
      returned: always
      type: str
"""
