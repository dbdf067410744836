#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r"""
module: api_statistics_info
short_description: Read what the traffic through a Huawei Cloud APIG gateway did, API by API, over the last minutes
version_added: 0.2.0
description:
  - Reads the gateway's own per-minute statistics of each API
    (L(ListLatelyApiStatisticsV2,https://support.huaweicloud.com/intl/en-us/api-apig/ListLatelyApiStatisticsV2.html),
    C(GET /v2/{project_id}/apigw/instances/{instance_id}/statistics/api/latest?api_id=&duration=<n>m)) and sums each
    API's window into the figures a bake judges - requests, 5xx and 4xx answers, the error rate, the mean latency
    weighted by requests and the peak - beside the samples as the gateway gave them.
  - The window ends with the last whole minute before the gateway's time, so the current minute never shows; a
    minute without traffic is absent. Every call through the gateway counts, the debug calls of
    M(hwcloud.apig.api_debug) included.
  - Used by the P(hwcloud.apig.api_verify#role) role's bake, once per poll.
extends_documentation_fragment:
  - hwcloud.apig.connection
  - hwcloud.apig.connection.instance
options:
  apis:
    description:
      - The APIs, by ID, or by name together with O(group). Without it, every API of O(group).
    type: list
    elements: str
  group:
    description: The API group, by name or ID. Required when O(apis) names an API by name, or is not given.
    type: str
  minutes:
    description: How many minutes back to read (sent as C(duration=<n>m)); one sample per minute. From 1 to 60 minutes.
    type: int
    default: 5
  concurrency:
    description: How many APIs are read at once. From 1 to 200.
    type: int
    default: 20
seealso:
  - module: hwcloud.apig.api_debug
"""

EXAMPLES = r"""
- name: Read the last five minutes of two APIs (credentials from HW_* variables)
  hwcloud.apig.api_statistics_info:
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    group: shop
    apis: [get-order, list-orders]
    minutes: 5
  register: traffic

- name: Stop here when an API answered more than 1% of its requests with a 5xx
  ansible.builtin.assert:
    that: item.error_rate is none or item.error_rate <= 0.01
    fail_msg: "{{ item.api_name }}: {{ item.errors_5xx }} of {{ item.requests }} requests answered 5xx"
  loop: "{{ traffic.apis }}"
  loop_control:
    label: "{{ item.api_name }}"
"""

RETURN = r"""
apis:
  description: One entry per API, in the order asked (every API of O(group) by name without O(apis)).
  returned: success
  type: list
  elements: dict
  contains:
    api_id:
      description: The API's ID.
      type: str
    api_name:
      description: The API's name (null when an API given by ID is not listed in the group or instance).
      type: str
    samples:
      description: The per-minute samples as the gateway gave them (C(StatisticsAPI)), oldest first.
      type: list
      elements: dict
    requests:
      description: Requests in the window (the sum of C(req_count)).
      type: int
    errors_5xx:
      description: Answers 500-599 in the window.
      type: int
    errors_4xx:
      description: Answers 400-499 in the window.
      type: int
    error_rate:
      description: C(errors_5xx) / C(requests); null when there was no request.
      type: float
    avg_latency_ms:
      description: The mean latency of the window, weighted by each minute's requests; null without requests.
      type: float
    max_latency_ms:
      description: The highest latency of the window (the largest C(max_latency)); null without requests.
      type: int
    avg_backend_latency_ms:
      description: The backend's mean latency, weighted the same way; null without requests.
      type: float
    window:
      description: The window as the gateway gave it, C(start) and C(end) (epoch seconds, each a minute's start), and
        how many C(minutes) had traffic.
      type: dict
minutes:
  description: The window asked for, in minutes.
  returned: success
  type: int
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.call_spec import is_api_id
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import check_huawei_id
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import API_CONCURRENCY, STATISTICS_MINUTES
from ansible_collections.hwcloud.apig.plugins.module_utils.statistics import window_figures


class ApiStatisticsInfoModule(ApigModule):
    argument_spec = dict(
        instance_id=dict(type="str", required=True),
        apis=dict(type="list", elements="str"),
        group=dict(type="str"),
        minutes=dict(type="int", default=5),
        concurrency=dict(type="int", default=20),
    )
    ranges = dict(minutes=STATISTICS_MINUTES, concurrency=API_CONCURRENCY)
    module_kwargs = dict(required_one_of=[("apis", "group")])

    def validate(self):
        params = self.params
        check_huawei_id("instance_id", params["instance_id"])
        apis = params["apis"]
        if apis is not None and (not apis or not all(api and api == api.strip() for api in apis)):
            raise InputError("apis", "apis must list API IDs or names, without surrounding blanks")
        named = [api for api in apis or [] if not is_api_id(api)]
        if named and not params["group"]:
            raise InputError("group", "group is required when apis names an API by name (%s)" % ", ".join(named))

    def client_pool_size(self):
        return self.params["concurrency"]

    def run(self, client):
        instance_id = self.params["instance_id"]
        listed = self._listed(client, instance_id)
        wanted = self.params["apis"] or [api["name"] for api in listed]
        apis = [self._identity(listed, api) for api in wanted]
        minutes = self.params["minutes"]

        def read(api):
            answer = apig_calls.list_lately_api_statistics_v2(client, instance_id, api["api_id"], minutes)
            try:
                figures = window_figures(answer["list"], answer.get("start_time"), answer.get("end_time"))
            except ValueError as exc:
                raise ApigError(
                    "APIG's statistics of API %s are no answer: %s" % (api["api_name"] or api["api_id"], exc)
                ) from None
            return dict(api, samples=answer["list"], **figures)

        with ThreadPoolExecutor(max_workers=min(self.params["concurrency"], max(1, len(apis)))) as pool:
            return {"apis": list(pool.map(read, apis)), "minutes": minutes}

    def _listed(self, client, instance_id):
        """The APIs of the group (or of the instance, for IDs without a group): their names and IDs."""
        group_id = None
        if self.params["group"]:
            groups = apig_calls.list_api_groups_v2(client, instance_id)
            found = [group for group in groups if self.params["group"] in (group.get("id"), group.get("name"))]
            if len(found) != 1:
                names = ", ".join(sorted(str(group.get("name")) for group in groups)) or "none"
                raise ApigError(
                    "instance %s has %s API group %r (there: %s)"
                    % (instance_id, "no" if not found else "more than one", self.params["group"], names)
                )
            group_id = found[0]["id"]
        return apig_calls.list_apis_v2(client, instance_id, group_id)

    def _identity(self, listed, wanted):
        found = [api for api in listed if wanted in (api.get("id"), api.get("name"))]
        if len(found) == 1:
            return {"api_id": found[0]["id"], "api_name": found[0].get("name")}
        if is_api_id(wanted):
            return {"api_id": wanted, "api_name": None}  # the gateway says whether it exists (APIG.3002)
        names = ", ".join(sorted(str(api.get("name")) for api in listed)) or "none"
        raise ApigError(
            "group %s has %s API named %r (there: %s)"
            % (self.params["group"], "no" if not found else "more than one", wanted, names)
        )


def main():
    ApiStatisticsInfoModule()()


if __name__ == "__main__":
    main()
