# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How a run is told what to call through the gateway: the options of one call, at ``api_debug``'s top level (the
ad-hoc call, and what applies to discovered calls) and in each entry of ``calls``. ``module_utils/call_spec.py``
declares them once, ``call_option_spec()``, for both; ``tests/unit/test_option_declarations.py`` holds this
documentation to it.

Each option is explained once, at the top level. An entry of ``calls`` takes the same options: each is documented
there as ``As O(option).``, with the type, choices and suboptions of the top level's, put in when the fragment is
loaded rather than written again; only what differs for an entry says more (``_ENTRY``).
"""

import json

import yaml


class ModuleDocFragment:
    # The entries of calls list no suboptions here: they are put in below.
    DOCUMENTATION = r"""
options:
  api:
    description:
      - The API to call, by ID, or by name together with O(group). One call, for ad-hoc use; the other keys of an
        entry of O(calls) at the top level say how.
      - Mutually exclusive with O(calls) and O(discover).
    type: str
  name:
    description: What the call is called in its record and in RV(failures). Default O(api).
    type: str
  group:
    description: The API group, by name or ID. Required when O(api) is a name.
    type: str
  environment:
    description: The environment the API is published in (CONSUMER mode), sent as C(stage). Default V(RELEASE).
    type: str
  mode:
    description:
      - V(CONSUMER) calls the definition published in O(environment); V(DEVELOPER) calls the draft.
      - Default V(CONSUMER).
    type: str
    choices: [CONSUMER, DEVELOPER]
  method:
    description: The HTTP method. Default the API's own (C(req_method); GET for an API that takes ANY).
    type: str
    choices: [GET, POST, PUT, DELETE, HEAD, PATCH, OPTIONS]
  path:
    description:
      - The path, from C(/), without a query (give O(query)). Default the API's own (C(req_uri)), as published.
      - C({name}) (and a final C({name+})) take their values from O(path_params).
    type: str
  path_params:
    description:
      - Values of the path's C({variables}), by name. At the top level they also fill the paths of discovered calls,
        and the variables an entry of O(calls) does not give itself.
      - A discovered call whose path has a variable without a value is V(SKIPPED), naming it; a call written in
        O(calls) (or O(api)) is an V(ERROR).
    type: dict
  query:
    description: Query parameters, name to a value or a list of values.
    type: dict
  headers:
    description:
      - Request headers, name to a value or a list of values. DebugApiV2 refuses C(X-Apig-*), C(X-Sdk-*) and
        C(X-Stage), and in CONSUMER mode C(X-Auth-Token) and C(Authorization). The values of C(X-Auth-Token) and
        C(Authorization) are masked in everything returned.
      - At the top level, with O(discover), they are sent with every discovered call.
    type: dict
  body:
    description: The request body, a string as given, or a dict or list sent as JSON.
    type: raw
  scheme:
    description: V(HTTP) or V(HTTPS). Default the API's own protocol (HTTPS when it takes both).
    type: str
    choices: [HTTP, HTTPS]
  domain:
    description: The domain to call (C(host:port) for a custom inbound port). Default the group's subdomain.
    type: str
  app_key:
    description: The key of an app authorized for the API (APP authentication).
    type: str
  app_secret:
    description: The secret of that app.
    type: str
  expect:
    description:
      - What the answer must be, beyond the gateway reaching the backend. At the top level, with O(discover), it
        applies to every discovered call.
    type: dict
    suboptions:
      status:
        description:
          - The statuses that pass - an int, C(200-299), a class such as C(2xx), or a list of them. Without it, any
            status below 500 passes.
        type: raw
      body_contains:
        description: Text the body must contain.
        type: str
      body_regex:
        description: A Python regular expression the body must match (C(re.search)).
        type: str
      json:
        description:
          - The body read as JSON must hold these values, by dotted path (C(data.items.0.id)); list items by index.
        type: dict
      max_latency_ms:
        description: The most the call may take, in milliseconds (DebugApiV2's C(latency)).
        type: int
  calls:
    description:
      - The calls to make, each with the keys of the ad-hoc call above (C(name), C(api) - required -, C(group),
        C(environment), C(mode), C(method), C(path), C(path_params), C(query), C(headers), C(body), C(scheme),
        C(domain), C(app_key), C(app_secret), C(expect)) and its own C(instance_id) (default O(instance_id)). Names
        must be unique.
      - A call written here may use any method; O(allow_unsafe_methods) is for discovery.
    type: list
    elements: dict
"""


# What an entry's option says beyond "As O(option).".
_ENTRY = {
    "name": {"description": "As O(name) (default its O(calls[].api))."},
    "api": {"required": True},
    "path_params": {
        "description": "As O(path_params); a variable it does not give takes the top-level O(path_params) value."
    },
}
# An entry's own gateway instance: the top level's instance_id is api_debug's own, and the default.
_INSTANCE_ID = {"description": "The call's gateway instance. Default O(instance_id).", "type": "str"}


def _as_top_level(option, path):
    """An entry's option ``path``: ``As O(path).``, with the top level's type, choices and suboptions (each likewise)."""
    entry = {"description": "As O(%s)." % path, "type": option["type"]}
    if "choices" in option:
        entry["choices"] = list(option["choices"])
    if "suboptions" in option:
        suboptions = option["suboptions"].items()
        entry["suboptions"] = {name: _as_top_level(sub, "%s.%s" % (path, name)) for name, sub in suboptions}
    return entry


def _with_entry_options(written):
    documentation = yaml.safe_load(written)
    options = documentation["options"]
    entry = {
        name: dict(_as_top_level(option, name), **_ENTRY.get(name, {}))
        for name, option in options.items()
        if name != "calls"
    }
    entry["instance_id"] = _INSTANCE_ID
    options["calls"]["suboptions"] = entry
    return json.dumps(documentation, indent=1)


# The documentation with the entries' suboptions (JSON, which YAML reads). Made after the class: ansible-test's
# yamllint reads the class body's assignments as literal YAML strings, and lints the one written above.
ModuleDocFragment.DOCUMENTATION = _with_entry_options(ModuleDocFragment.DOCUMENTATION)
