#!/usr/bin/python
# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r"""
module: api_debug
short_description: Call APIs through a Huawei Cloud APIG gateway (DebugApiV2) and judge each answer
version_added: 0.2.0
description:
  - Calls each API through the gateway itself with APIG's debug call,
    L(DebugApiV2,https://support.huaweicloud.com/intl/en-us/api-apig/DebugApiV2.html)
    (C(POST /v2/{project_id}/apigw/instances/{instance_id}/apis/debug/{api_id})) - in V(CONSUMER) mode the definition
    published in an environment, as a client would meet it, in V(DEVELOPER) mode the draft. The gateway needs no
    public ingress for this, and it says whether it or the backend answered.
  - A call passes, without O(expect), when the gateway reached the backend and the backend answered below 500. A
    backend-side gateway code (C(APIG.0201) dead or timed out, C(APIG.0202), C(APIG.0203), C(APIG.0404),
    C(APIG.0605), C(APIG.0609), C(APIG.0610)) or a 5xx is V(FAILED), naming the code. A refusal by the gateway
    itself (not published in that environment, C(APIG.0101); authentication; throttling; the debug call refused) is
    V(ERROR), since it says nothing of the backend; it is never a pass and never blamed on the backend.
  - With O(calls), many calls are made concurrently in one run, through one HTTP session and one sign-in; O(discover)
    adds one call per API published in an environment. The task fails only when no call at all could be made; the
    P(hwcloud.apig.api_verify#role) role turns RV(verify_result) into a failed play.
  - The call reaches the backend for real, and is counted in the gateway's statistics. Discovery therefore calls only
    the safe methods (GET, HEAD, OPTIONS) unless O(allow_unsafe_methods); in check mode a call of another method is
    V(SKIPPED). A debug call is never repeated once it may have reached the backend with an unsafe method (see the
    notes). What debug sends, and the quotas, are in the collection's docs/verify.md.
extends_documentation_fragment:
  - hwcloud.apig.connection
  - hwcloud.apig.calls
options:
  instance_id:
    description:
      - ID of the APIG gateway instance (32 lowercase hexadecimal characters). Required with O(api), and with
        O(calls) unless each entry gives its own C(instance_id).
    type: str
  discover:
    description:
      - One call per API published in an environment, found from the gateway's own configuration as
        O(hwcloud.apig.backend_connectivity#module:discover) finds the APIs - a dictionary with the keys
        C(instance_id) (required), C(group) (name or ID; without it, every group), C(environment) (name or ID;
        default V(RELEASE)) and C(apis) (names or IDs; without it, every API), or a list of such dictionaries.
      - Each API is called in CONSUMER mode with its own method and path. Only GET, HEAD and OPTIONS unless
        O(allow_unsafe_methods); FUNCTION and MOCK APIs (no backend, as backend discovery says) are V(SKIPPED);
        an API that cannot be read there is an V(ERROR).
      - Mutually exclusive with O(api).
    type: raw
  allow_unsafe_methods:
    description:
      - Also call discovered APIs whose method is not safe (POST, PUT, PATCH, DELETE). Each such call reaches the
        backend for real, without a body (O(body) belongs to the ad-hoc call), so mind what an empty request
        does there.
    type: bool
    default: false
  concurrency:
    description: How many calls (and discovery reads) run at once. From 1 to 200.
    type: int
    default: 20
notes:
  - The debug call of a safe method is retried on 429 and 5xx like any APIG call. Of an unsafe method it is retried
    only on 429 and when the connection was never made, as a 5xx of the debug call may come after the gateway forwarded
    the call, so it is never sent twice. The API's own answer, a 5xx included, is inside the debug call's 200 and is
    never retried.
seealso:
  - module: hwcloud.apig.api_statistics_info
"""

EXAMPLES = r"""
- name: Call one API as published in RELEASE (credentials from HW_* variables)
  hwcloud.apig.api_debug:
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    api: get-order
    group: shop
    path_params:
      id: "42"
    expect:
      status: 2xx
      json:
        id: "42"
  register: one_call

- name: Stop here unless it answered as expected
  ansible.builtin.assert:
    that: one_call.verify_result == 'SUCCESS'
    fail_msg: "{{ one_call.calls[0].reason }}"

- name: Call every safe API of the group published in RELEASE, and two calls written by hand
  hwcloud.apig.api_debug:
    instance_id: eddc4d25480b4cd6b512f270a1b8b341
    discover:
      instance_id: eddc4d25480b4cd6b512f270a1b8b341
      group: shop
      environment: RELEASE
    path_params:
      id: "42"
    calls:
      - name: order 7
        api: get-order
        group: shop
        path: /orders/7
        expect:
          body_contains: '"id"'
      - name: draft of get-order
        api: get-order
        group: shop
        mode: DEVELOPER
        path_params:
          id: "1"
  register: verified

- name: Name every call that did not pass, and why
  ansible.builtin.assert:
    that: verified.verify_result == 'SUCCESS'
    fail_msg: >-
      Not passing: {% for call in verified.calls if call.name in verified.failures %}{{ call.name }} ({{ call.reason }}); {% endfor %}
"""

RETURN = r"""
auth_mode:
  description: How this run signed in, V(token), V(password) or V(aksk); never a credential.
  returned: once the connection options are valid, also on failure
  type: str
credentials_source:
  description: Where the credentials came from, V(options) or V(environment).
  returned: once the connection options are valid, also on failure
  type: str
verify_result:
  description:
    - V(SUCCESS) when at least one call was made and every call made passed, and none was an V(ERROR); otherwise
      V(FAILED). V(SKIPPED) calls are neither.
  returned: success
  type: str
  sample: FAILED
failures:
  description: The names of the calls that did not pass (V(FAILED) or V(ERROR)).
  returned: success
  type: list
  elements: str
counts:
  description: How many calls ended V(SUCCESS), V(FAILED), V(ERROR) and V(SKIPPED).
  returned: always
  type: dict
  sample: {"SUCCESS": 4, "FAILED": 1, "ERROR": 0, "SKIPPED": 2}
calls:
  description:
    - One record per call, those of O(calls) (or O(api)) first, then the discovered ones.
    - C(name), C(api) (as given), C(api_id), C(api_name), C(group), C(environment), C(mode), C(method), C(url) (as the
      gateway called it), C(discovered);
    - C(result) (V(SUCCESS), V(FAILED), V(ERROR), V(SKIPPED)) and C(reason);
    - C(status) (the API's answer, or the debug call's own status when the gateway refused it), C(apig_error_code)
      (when the gateway, not the backend, answered), C(answered_by) (V(backend), V(gateway), V(debug call)),
      C(latency_ms), C(response_headers), C(body) (capped at 64 KiB, C(body_truncated) then true; also when the
      gateway cut it at 2 MiB), C(request_id) (the API call's C(X-Request-Id)), C(debug_request_id) (the debug call's),
      and C(error_code) / C(error_msg) when the debug call itself was refused.
  returned: always
  type: list
  elements: dict
discovered:
  description:
    - With O(discover), what each discovery found - its C(instance_id), C(group), C(environment), C(apis_asked) (its
      C(apis), or null), C(apis) (every API found - C(id), C(name), C(group), C(req_method), C(req_uri),
      C(auth_type), C(skipped), C(problem)) - and C(error) when it could not be made.
  returned: when O(discover) is given
  type: list
  elements: dict
msg:
  description: Why no call at all could be made.
  returned: failure
  type: str
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from ansible_collections.hwcloud.apig.plugins.module_utils.call_runner import CallRunner, name_discovered
from ansible_collections.hwcloud.apig.plugins.module_utils.call_spec import (
    call_option_spec,
    call_spec_from_params,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import discovery_specs_from
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import check_huawei_id
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import API_CONCURRENCY
from ansible_collections.hwcloud.apig.plugins.module_utils.results import FAILED, SUCCESS
from ansible_collections.hwcloud.apig.plugins.module_utils.verification import summarize_calls

AD_HOC_ONLY = ("name", "group", "environment", "mode", "method", "path", "body", "domain")
SHARED = ("query", "headers", "expect", "scheme", "app_key", "app_secret")
TOKEN_HEADERS = ("x-auth-token", "authorization")


class ApiDebugModule(ApigModule):
    argument_spec = dict(
        call_option_spec(),
        instance_id=dict(type="str"),
        calls=dict(
            type="list", elements="dict", options=dict(call_option_spec(required=True), instance_id=dict(type="str"))
        ),
        discover=dict(type="raw"),
        allow_unsafe_methods=dict(type="bool", default=False),
        concurrency=dict(type="int", default=20),
    )
    ranges = dict(concurrency=API_CONCURRENCY)
    module_kwargs = dict(
        mutually_exclusive=[("api", "calls"), ("api", "discover")],
        required_one_of=[("api", "calls", "discover")],
        required_by=dict.fromkeys(AD_HOC_ONLY, "api"),
    )

    def validate(self):
        params = self.params
        self._mask_token_headers([params, *list(params["calls"] or [])])
        self.discoveries = discovery_specs_from(params["discover"])
        entries = [(params, "")] if params["api"] is not None else []
        entries += [(entry, "calls[%d]." % index) for index, entry in enumerate(params["calls"] or [])]
        if params["calls"] is not None and not params["calls"]:
            raise InputError("calls", "calls must list at least one call")
        self.specs = []
        for entry, where in entries:
            given = entry.get("instance_id") if where else None
            if given is None and params["instance_id"] is None:
                raise InputError(
                    where + "instance_id",
                    "instance_id is required with api, and for an entry of calls that does not give its own",
                )
            instance_id = check_huawei_id(where + "instance_id", given or params["instance_id"])
            self.specs.append(call_spec_from_params(entry, instance_id, where, params["path_params"]))
        names = [spec.name for spec in self.specs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InputError("calls", "call names must be unique (give name); repeated: %s" % ", ".join(duplicates))
        self.discovered_defaults = {}
        if not self.discoveries:
            return
        # What the top level says of discovered calls, converted and checked as an entry's options are.
        shared = call_spec_from_params(
            dict({key: params[key] for key in SHARED}, api="discovered", group="discovered"),
            None,
            fallback_path_params=params["path_params"],
        )
        self.discovered_defaults = {key: getattr(shared, key) for key in (*SHARED, "path_params")}

    def _mask_token_headers(self, entries):
        """A token sent as a header (DEVELOPER mode) is a secret: masked in everything returned, echoed or not."""
        for entry in entries:
            for name, value in (entry.get("headers") or {}).items():
                values = value if isinstance(value, list) else [value]
                if name.lower() in TOKEN_HEADERS:
                    secrets = [str(item) for item in values if item is not None and str(item)]
                    self._secrets.extend(secrets)
                    self.ansible.no_log_values.update(secrets)

    def client_pool_size(self):
        return self.params["concurrency"]

    def run(self, client):
        runner = CallRunner(client, self.params["concurrency"], check_mode=self.ansible.check_mode)
        discovered, found = [], []
        for discovery in self.discoveries:
            described, specs = runner.discover(discovery, self.discovered_defaults, self.params["allow_unsafe_methods"])
            discovered.append(described)
            found.extend(specs)
        name_discovered(found, [spec.name for spec in self.specs])
        result = summarize_calls(runner.run(self.specs, found))
        if self.discoveries:
            result["discovered"] = discovered
        if result["counts"][SUCCESS] + result["counts"][FAILED] == 0:
            self.fail_task(
                msg="no call could be made: %s"
                % "; ".join("%s: %s" % (record["name"], record["reason"]) for record in result["calls"]),
                **result,
            )
        return result


def main():
    ApiDebugModule()()


if __name__ == "__main__":
    main()
