#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action plugin (plugins/action/api_verify_bake.py), which polls from the controller.

DOCUMENTATION = r"""
module: api_verify_bake
short_description: Bake a release against the gateway's own statistics, showing each poll as it happens
version_added: 0.2.0
description:
  - Polls the per-minute statistics of each API (M(hwcloud.apig.api_statistics_info), run on the host once per
    gateway instance at each poll) every O(interval) seconds for O(seconds) seconds - C(ceil(seconds / interval) + 1)
    polls, the first at once and the last at the end - and shows each API's requests, 5xx rate and latency so far
    on the console at every poll.
  - At each poll, an API with traffic whose 5xx rate over the last O(window_minutes) is above O(max_error_rate), or
    whose mean latency (weighted by requests) is above O(max_latency_ms), ends the bake. Its record is V(FAILED),
    naming the figure and the threshold; the others are V(SKIPPED), not judged to the end.
  - At the end, an API with fewer than O(min_requests) requests in its window cannot be judged and is an V(ERROR)
    (never a silent pass); the others are V(SUCCESS).
  - The task fails only when its own options cannot be used; M(hwcloud.apig.api_verify_verdict) decides.
extends_documentation_fragment:
  - hwcloud.apig.connection
  - hwcloud.apig.controller_action.on_the_host
options:
  apis:
    description:
      - The APIs to bake, each with C(instance_id), C(api_id) and C(api_name) (as
        C(verdict.bake_apis) of M(hwcloud.apig.api_verify_verdict) gives them).
    type: list
    elements: dict
    required: true
  seconds:
    description: How long to bake, in seconds. More than 0 and at most 86400 seconds.
    type: float
    required: true
  interval:
    description: Seconds between polls. More than 0 and at most 3600 seconds.
    type: float
    default: 60
  window_minutes:
    description: How many minutes of statistics each poll judges. From 1 to 60 minutes.
    type: int
    default: 5
  max_error_rate:
    description: The highest 5xx rate that passes (V(0.01) is 1%). From 0 to 1.
    type: float
    default: 0.01
  max_latency_ms:
    description: The highest mean latency that passes, in milliseconds; V(0) shows latency without judging it. 0 ms or more.
    type: float
    default: 0
  min_requests:
    description:
      - The fewest requests an API must have in its window at the end for the bake to judge it. The calls of
        M(hwcloud.apig.api_debug) count among them. 0 or more.
    type: int
    default: 20
  concurrency:
    description: How many APIs each poll reads at once. From 1 to 200.
    type: int
    default: 20
attributes:
  connection:
    details: Each poll runs M(hwcloud.apig.api_statistics_info) on the host, through its connection.
seealso:
  - module: hwcloud.apig.api_statistics_info
  - module: hwcloud.apig.api_verify_verdict
"""

EXAMPLES = r"""
- name: Bake one API for ten seconds, polling every five (credentials from HW_* variables)
  hwcloud.apig.api_verify_bake:
    apis:
      - instance_id: eddc4d25480b4cd6b512f270a1b8b341
        api_id: 5f918d104dc84480a75166ba99efff21
        api_name: get-order
    seconds: 10
    interval: 5
    max_error_rate: 0.01
    max_latency_ms: 500
    min_requests: 0
  register: bake

- name: Stop here unless every API was judged and passed
  ansible.builtin.assert:
    that: bake.records | rejectattr('check_result', 'equalto', 'SUCCESS') | list | length == 0
    fail_msg: "{{ bake.records | map(attribute='reason') | join('; ') }}"
"""

RETURN = r"""
records:
  description:
    - One per API, in the order of O(apis) - C(instance_id), C(api_id), C(api_name), C(check_result) (V(SUCCESS),
      V(FAILED), V(ERROR), V(SKIPPED)), C(reason), C(breach) (C(figure), C(value), C(threshold), C(over)) for the one
      that failed, and the figures of its last poll (C(requests), C(errors_5xx), C(error_rate), C(avg_latency_ms),
      C(max_latency_ms), C(window)).
  returned: when the options could be used
  type: list
  elements: dict
polls:
  description: How many polls were made.
  returned: when the options could be used
  type: int
breach:
  description: The breach that ended the bake (C(api), C(figure), C(value), C(threshold), C(over)), or null.
  returned: when the options could be used
  type: dict
msg:
  description: What the bake did, in one line.
  returned: always
  type: str
"""
