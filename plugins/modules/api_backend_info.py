#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: api_backend_info
short_description: Find every backend a Huawei Cloud APIG gateway routes an API group's traffic to
version_added: 0.2.0
description:
  - Reads the gateway's own configuration - the APIs of an API group, as published in an environment (or as
    drafted), with their main backend and the backend of every policy (C(policy_https)) - and returns each API with
    its backends and a de-duplicated list of C(checks) ready for M(hwcloud.apig.backend_connectivity).
  - Backend addresses are returned with their C(#name#) environment variables resolved with the environment's
    values, and with their port (80 for HTTP, 443 for HTTPS when APIG gives none).
  - FUNCTION and MOCK APIs send no traffic to a backend; they are listed with C(skipped) saying so.
  - What cannot be found for one API (a variable without a value in the environment, an API not published there)
    is that API's C(problem) and is left out of C(checks) (listed in C(problems)); it never fails the task. So is a
    discovery that finds nothing to check (an empty group, only FUNCTION or MOCK APIs, nothing published).
  - C(discovered_checks) holds every check the discovery calls for, those with a C(problem) included, with the routes
    behind each. The O(hwcloud.apig.backend_connectivity#module:discover) option of
    M(hwcloud.apig.backend_connectivity) and the P(hwcloud.apig.backend_gate#role) role build their checks from it
    the same way, and count a check with a C(problem) as a check that could not be made, so a gate fails closed on
    it (unless its C(on_error) is V(warn)). Feeding C(checks) to a gate by hand leaves C(problems) out.
  - A group or environment that does not exist fails the task, naming what there is; so does a listing that
    contradicts its own C(total). The gate role keeps such a failure as a check that could not be made, named by
    where the discovery looked.
extends_documentation_fragment:
  - hwcloud.apig.connection
  - hwcloud.apig.connection.instance
options:
  group:
    description:
      - The API group, by name or ID. Without it, every API of the instance.
    type: str
  environment:
    description:
      - The environment, by name or ID (C(RELEASE) is the one every instance has). Its published versions are read,
        which can differ from the drafts, and its variables resolve C(#name#) in backend addresses.
      - Without it, the draft definitions are read and their variables are left unresolved.
    type: str
  apis:
    description:
      - Only these APIs, by name or ID. One that is not found (or not published in O(environment)) is listed with
        its C(problem).
    type: list
    elements: str
  concurrency:
    description: How many APIs are read at once (at most two calls each). From 1 to 200.
    type: int
    default: 20
seealso:
  - module: hwcloud.apig.backend_connectivity
  - name: APIG API reference
    description: >-
      Huawei Cloud's API reference of the calls this module makes (ListApiGroupsV2, ListEnvironmentsV2, ListApisV2,
      ShowDetailsOfApiV2, ListApiVersionsV2, ListApiVersionDetailV2, ListEnvironmentVariablesV2).
    link: https://support.huaweicloud.com/intl/en-us/api-apig/
"""

EXAMPLES = r"""
- name: What does group orders route to in RELEASE?
  hwcloud.apig.api_backend_info:
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    group: orders
    environment: RELEASE
  register: routed

- name: Refuse to go on when something the group routes to cannot be checked
  ansible.builtin.assert:
    that: routed.problems | length == 0
    fail_msg: "{{ routed.problems | join('; ') }}"

- name: Check every one of those backends, from the gateway
  hwcloud.apig.backend_connectivity:
    checks: "{{ routed.checks }}"
  register: checked

- name: Refuse to go on when one is unreachable (a FAILED answer does not fail the task above)
  ansible.builtin.assert:
    that: checked.check_result == 'SUCCESS'
    fail_msg: "unreachable: {{ checked.failures | join(', ') }}"
"""

RETURN = r"""
apis:
  description: Every API found, in the order APIG lists them.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: API ID.
      type: str
    name:
      description: API name.
      type: str
    group:
      description: The API group (C(id), C(name)).
      type: dict
    backends:
      description:
        - The main backend (C(kind) V(main)) and each policy's (C(kind) V(policy), with its C(policy) name), each
          with C(backend_type) (V(backend_address) or V(vpc_channel)), C(backend_address) (resolved, with its port)
          or C(vpc_channel_id), C(url_domain) as APIG holds it, and C(problem) when it cannot be checked.
      type: list
      elements: dict
    skipped:
      description: Why the API has no backend to check (a FUNCTION or MOCK API), or null.
      type: str
    problem:
      description: Why this API's backends could not be found (not published in the environment, ...), or null.
      type: str
checks:
  description:
    - One entry per distinct backend, as the O(hwcloud.apig.backend_connectivity#module:checks) option takes it
      (C(name), C(instance_id), C(backend_type), C(backend_address) or C(vpc_channel_id)), named by the APIs (and
      policies) that use it.
  returned: success
  type: list
  elements: dict
problems:
  description:
    - >-
      What could not be found, one line per API or backend (left out of C(checks)), C(<check name>: <problem>), and a
      line when the discovery found no backend to check at all (every API a FUNCTION or MOCK API, an empty group, or
      nothing published), named C(discovery of instance X, group G, environment E).
  returned: success
  type: list
  elements: str
discovered_checks:
  description:
    - Every check the discovery calls for, as O(hwcloud.apig.backend_connectivity#module:discover) and the
      P(hwcloud.apig.backend_gate#role) role make them, the ones that cannot be made included (with C(problem)).
    - Each has the keys of a C(checks) entry (not for one with a C(problem)), plus C(routes) (the API, C(api_id),
      C(policy), C(group) and C(environment) of each route to this backend), C(apis) (the routes' labels) and
      C(problem) (why it cannot be made, or absent).
  returned: success
  type: list
  elements: dict
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.discovered_checks import (
    DISCOVERY_PROBLEM,
    check_options,
    checks_from,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import (
    Discovery,
    DiscoverySpec,
    discovery_option_spec,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import API_CONCURRENCY


class ApiBackendInfoModule(ApigModule):
    argument_spec = dict(discovery_option_spec(), concurrency=dict(type="int", default=20))
    ranges = dict(concurrency=API_CONCURRENCY)

    def validate(self):
        self.spec = DiscoverySpec.from_params(self.params)

    def client_pool_size(self):
        return self.params["concurrency"]

    def run(self, client):
        apis = Discovery(client, self.params["concurrency"]).run(self.spec)
        checks = checks_from(self.spec.instance_id, apis, self.spec.describe())
        return {
            "apis": [api.describe() for api in apis],
            "discovered_checks": checks,
            "checks": [check_options(check) for check in checks if DISCOVERY_PROBLEM not in check],
            "problems": [
                "%s: %s" % (check["name"], check[DISCOVERY_PROBLEM]) for check in checks if DISCOVERY_PROBLEM in check
            ],
        }


def main():
    ApiBackendInfoModule()()


if __name__ == "__main__":
    main()
