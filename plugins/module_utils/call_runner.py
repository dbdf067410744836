# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The calls of one ``api_debug`` run: the APIs read, the calls discovery finds, and every call made through the
gateway on ``concurrency`` threads of the run's one client (one sign-in, one HTTP session).

A call written by hand names its API by ID or by name (in its group); what it does not say - its method, its path -
is the API's own, read as published in its environment (CONSUMER) or from the draft (DEVELOPER). Discovery makes one
call per API published in an environment, as ``backend_connectivity``'s discovery finds them (``discovery.py``):

* only safe methods (GET, HEAD, OPTIONS; ANY is called with GET) unless ``allow_unsafe_methods``: a debug call
  reaches the backend for real, so a POST is not made behind the user's back - SKIPPED, saying how to allow it;
* a path's ``{variables}`` take their values from ``path_params``; one without a value is SKIPPED, naming it;
* FUNCTION and MOCK APIs send no traffic to a backend, as backend discovery says: SKIPPED, with that reason;
* an API discovery could not read (not published there, a version without an ID) is an ERROR, named.

A call written by hand whose path variable has no value is an ERROR (it was asked for by name: not calling it
cannot pass). Records come back in order: the calls written by hand, then the discovered ones.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.call_spec import (
    CONSUMER,
    DEVELOPER,
    RELEASE,
    SAFE_METHODS,
    ApiDefinition,
    CallSpec,
    fill_path,
    is_api_id,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import Discovery, DiscoverySpec
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.record_names import MAX_NAME, route_label, unique_name
from ansible_collections.hwcloud.apig.plugins.module_utils.verification import (
    debug_body,
    error_record,
    judge,
    skipped_record,
)


def _pick(items, wanted, what, where):
    """The one item whose id or name is ``wanted``; an ApigError listing what there is, when none is."""
    found = [item for item in items if wanted in (item.get("id"), item.get("name"))]
    if len(found) == 1:
        return found[0]
    if not found:
        names = ", ".join(sorted(str(item.get("name")) for item in items)) or "none"
        raise ApigError("%s has no %s %r (there: %s)" % (where, what, wanted, names))
    raise ApigError("%s has %d %ss named %r: give its ID" % (where, len(found), what, wanted))


class CallRunner:
    """Resolves, discovers and makes the calls of one run with one client."""

    def __init__(self, client, concurrency=20, check_mode=False):
        self.client = client
        self.check_mode = check_mode
        self.concurrency = max(1, int(concurrency))
        self._listed = {}  # (what, instance, group) -> listing, read once per run
        self._lock = threading.Lock()  # calls resolved on the pool share the listings

    def _listing(self, what, instance_id, group_id=None):
        key = (what, instance_id, group_id)
        with self._lock:
            return self._listed[key] if key in self._listed else self._list(key)

    def _list(self, key):
        what, instance_id, group_id = key
        if key not in self._listed:
            if what == "groups":
                self._listed[key] = apig_calls.list_api_groups_v2(self.client, instance_id)
            elif what == "envs":
                self._listed[key] = apig_calls.list_environments_v2(self.client, instance_id)
            else:
                self._listed[key] = apig_calls.list_apis_v2(self.client, instance_id, group_id)
        return self._listed[key]

    # ---- calls written by hand ----------------------------------------------------------------------------------

    def resolve(self, spec):
        """Fill in what the gateway knows of ``spec``'s API: its ID, name, group, authentication, method and path.
        What cannot be read is the spec's ``problem`` (an ERROR), never a crash."""
        instance = "instance %s" % spec.instance_id
        try:
            group = None
            if spec.group is not None:
                group = _pick(self._listing("groups", spec.instance_id), spec.group, "API group", instance)
            if is_api_id(spec.api):
                spec.api_id = spec.api
            else:
                listed = self._listing("apis", spec.instance_id, group["id"])
                spec.api_id = _pick(listed, spec.api, "API", "group %s" % group["name"])["id"]
            definition = self._definition(spec)
        except ApigError as exc:
            spec.problem = exc.msg
            return spec
        if definition is not None:
            spec.definition = ApiDefinition(
                definition.get("name"),
                definition.get("group_name") or (group or {}).get("name"),
                definition.get("auth_type"),
                definition.get("req_protocol"),
            )
            spec.method = spec.method or _method(definition.get("req_method"))
            spec.path = spec.path or definition.get("req_uri")
        return spec

    def _definition(self, spec):
        """The API as the call will meet it: the draft (DEVELOPER), or the version published in the environment
        (CONSUMER; None when it is not published there and the call says its method and path: the gateway's own
        answer, APIG.0101, then says so)."""
        if spec.mode == DEVELOPER:
            return apig_calls.show_details_of_api_v2(self.client, spec.instance_id, spec.api_id)
        environment = _pick(
            self._listing("envs", spec.instance_id), spec.environment, "environment", "instance %s" % spec.instance_id
        )
        versions = apig_calls.list_api_versions_v2(self.client, spec.instance_id, spec.api_id, environment["id"])
        current = [version for version in versions if version.get("status") == 1]
        if not current or not isinstance(current[0].get("version_id"), str):
            if spec.method and spec.path:
                return None
            raise ApigError(
                "API %s is not published in environment %s, so its method and path cannot be read from what is "
                "published (give method and path to ask the gateway all the same)" % (spec.api, environment["name"])
            )
        return apig_calls.list_api_version_detail_v2(self.client, spec.instance_id, current[0]["version_id"])

    # ---- discovered calls -----------------------------------------------------------------------------------------

    def discover(self, discovery, defaults, allow_unsafe=False):
        """``(found, specs)``: what one discovery found (as ``Discovery.describe`` names it, or with ``error``) and a
        CallSpec per API - its ``skipped`` or ``problem`` set when no call is to be made. ``defaults`` are the
        top-level options that apply to discovered calls (``path_params``, ``query``, ``headers``, ``expect``,
        ``scheme``, ``app_key``, ``app_secret``)."""
        environment = discovery.environment or RELEASE
        spec = DiscoverySpec(discovery.instance_id, discovery.group, environment, discovery.apis)
        where = dict(spec.describe(), apis_asked=spec.apis)  # "apis" says what was found, as backend discovery's does
        try:
            apis = Discovery(self.client, self.concurrency).run(spec)
        except ApigError as exc:
            return dict(where, apis=[], error=exc.msg), [_discovery_problem(spec, "could not be made: %s" % exc.msg)]
        specs = [self._discovered_spec(discovery.instance_id, api, environment, defaults, allow_unsafe) for api in apis]
        if not specs:  # nothing to call is not a pass
            specs = [_discovery_problem(spec, "found no API published there")]
        return dict(where, apis=[_found(api) for api in apis]), specs

    @staticmethod
    def _discovered_spec(instance_id, api, environment, defaults, allow_unsafe):
        frontend = api.frontend or {}
        spec = CallSpec(
            name=api.name or api.id or "(unnamed API)",
            instance_id=instance_id,
            api=api.id,
            group=(api.group or {}).get("name"),
            environment=environment,
            mode=CONSUMER,
            discovered=True,
            api_id=api.id,
            definition=ApiDefinition(
                api.name, (api.group or {}).get("name"), frontend.get("auth_type"), frontend.get("req_protocol")
            ),
            method=_method(frontend.get("req_method")),
            **defaults,
        )
        if api.problem:
            spec.problem = api.problem
        elif api.skipped:
            spec.skipped = api.skipped
        elif spec.method not in SAFE_METHODS and not allow_unsafe:
            spec.skipped = (
                "%s is not a safe method: a debug call reaches the backend for real, so it is made only with "
                "allow_unsafe_methods: true" % spec.method
            )
        elif not isinstance(frontend.get("req_uri"), str):
            spec.problem = "APIG gives no request path (req_uri) for this API"
        else:
            spec.path, missing = fill_path(frontend["req_uri"], spec.path_params)
            if missing:
                spec.skipped = "path variable {%s} of %s has no value: give it in path_params" % (
                    missing,
                    frontend["req_uri"],
                )
        return spec

    # ---- the calls --------------------------------------------------------------------------------------------------

    def run(self, explicit, discovered):
        """One record per spec, in order: ``explicit`` resolved first (their API reads on the pool), then every call
        made on the pool; ``discovered`` specs are already resolved."""
        workers = min(self.concurrency, max(1, len(explicit) + len(discovered)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(self.resolve, [spec for spec in explicit if spec.problem is None]))
            return list(pool.map(self.call, list(explicit) + list(discovered)))

    def call(self, spec):
        """The record of one call: SKIPPED or ERROR without a request when that is already known, else what the
        gateway answered DebugApiV2."""
        if spec.skipped:
            return skipped_record(spec, spec.skipped)
        if spec.problem:
            return error_record(spec, spec.problem)
        if self.check_mode and spec.method not in SAFE_METHODS:
            return skipped_record(
                spec, "check mode: %s is not sent, a debug call reaches the backend for real" % spec.method
            )
        if not spec.discovered:
            path, missing = fill_path(spec.path, spec.path_params)
            if missing:
                return error_record(
                    spec, "path variable {%s} of %s has no value: give it in path_params" % (missing, spec.path)
                )
        else:
            path = spec.path
        body = debug_body(spec, spec.method, path)
        try:
            data, request_id = apig_calls.debug_api_v2(self.client, spec.instance_id, spec.api_id, body)
        except ApigError as exc:
            return error_record(spec, "the debug call itself failed: %s" % exc.msg, spec.method, exc=exc)
        return judge(spec, spec.method, path, data, request_id)


def _discovery_problem(discovery, why):
    """The ERROR that stands for a whole discovery that could not be made or found nothing to call, named by where
    it looked."""
    where = "discovery of instance %s, group %s, environment %s" % (
        discovery.instance_id,
        discovery.group or "(any)",
        discovery.environment,
    )
    return CallSpec(
        name=where[:MAX_NAME],
        instance_id=discovery.instance_id,
        api=None,
        group=discovery.group,
        environment=discovery.environment,
        discovered=True,
        problem=why,
    )


def _method(req_method):
    """The method to call an API with: its own, GET for ANY (or none said)."""
    return req_method if req_method and req_method != "ANY" else "GET"


def _found(api):
    """What a discovery says of one API: its identity and why it has no call, if so."""
    return {
        "id": api.id,
        "name": api.name,
        "group": api.group,
        "req_method": (api.frontend or {}).get("req_method"),
        "req_uri": (api.frontend or {}).get("req_uri"),
        "auth_type": (api.frontend or {}).get("auth_type"),
        "skipped": api.skipped,
        "problem": api.problem,
    }


def name_discovered(specs, taken):
    """Discovered calls named as routes are (``route_label``): by their API, qualified by group and environment when
    the run's span several, each name unique among themselves and ``taken`` (the names of the calls written by hand)."""
    apis = [spec for spec in specs if spec.api is not None]  # a discovery's own problem keeps its name
    qualify_group = len({spec.definition.group_name for spec in apis}) > 1
    qualify_environment = len({spec.environment for spec in apis}) > 1
    taken = set(taken)
    for spec in specs:
        api = spec.name if spec.api is None else spec.definition.name or spec.api_id or "(unnamed API)"
        route = {"api": api, "group": spec.definition.group_name, "environment": spec.environment}
        spec.name = unique_name(route_label(route, qualify_group, qualify_environment)[:MAX_NAME], taken)
    return specs
