# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""From what discovery found to the checks a run makes: the one pipeline of ``backend_connectivity``'s ``discover``,
``api_backend_info``'s ``discovered_checks`` and the ``backend_gate`` role.

1. ``checks_from`` - one discovery's APIs to its checks: one per distinct backend, each carrying the ``routes``
   behind it (API, policy, group, environment); an API (or backend) whose backend could not be found, and a
   discovery that calls for no check at all, become checks with a ``problem`` (ERRORs, never left out);
2. ``combine_discovered`` - every discovery of a run into one list: a backend that several discoveries (other
   environments, groups, instances' same address) route to is one check, named by every route behind it;
3. ``merge_discovered`` - beside the checks written by hand: a discovered check is dropped only when an explicit
   one asks the same question (the same target, from at least the same sides), and then its routes are named on
   the explicit check.

So a backend is checked once per run, and every API behind a failing one is named, whatever asked for it.
"""

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import (
    BACKEND_ADDRESS,
    BOTH,
    LOCAL,
    REMOTE,
    CheckSpec,
    check_spec_from_params,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.record_names import MAX_NAME, route_label, unique_name

# The keys a discovered check has beside a check's options: the labels of the routes behind it, the routes
# themselves, and why it cannot be made.
DISCOVERED_APIS = "apis"
ROUTES = "routes"
DISCOVERY_PROBLEM = "problem"
DISCOVERED_KEYS = (DISCOVERED_APIS, ROUTES, DISCOVERY_PROBLEM)
# Which sides a probe mode asks: a check covers another only if it asks at least the same sides.
_SIDES = {REMOTE: {"gateway"}, LOCAL: {"host"}, BOTH: {"gateway", "host"}}


def describe_where(discovery):
    """Where a discovery looks, for messages: its instance, group (or any) and environment (or the drafts)."""
    return "instance %s, group %s, environment %s" % (
        discovery.get("instance_id"),
        discovery.get("group") or "(any)",
        discovery.get("environment") or "(drafts)",
    )


def describe_found(discovery, apis):
    """Where one discovery looked and what it found there (``apis`` as ``DiscoveredApi.describe()`` gives them)."""
    without = sum(1 for api in apis if api.get("skipped"))
    return "%s: %d APIs, %d of them without a backend to check" % (describe_where(discovery), len(apis), without)


def _route(api, backend, environment):
    return {
        "api": api.name,
        "api_id": api.id,
        "policy": backend.policy if backend is not None else None,
        "group": (api.group or {}).get("name"),
        "environment": environment,
    }


def _name_from_labels(labels):
    """A check's name from the routes behind it: all of them, or as many as fit and how many more."""
    name = ", ".join(labels)
    if len(name) <= MAX_NAME:
        return name
    for count in range(len(labels) - 1, 0, -1):
        name = "%s +%d more" % (", ".join(labels[:count]), len(labels) - count)
        if len(name) <= MAX_NAME:
            return name
    return labels[0][: MAX_NAME - 12] + " +%d more" % (len(labels) - 1)


def checks_from(instance_id, apis, discovery=None):
    """The checks one discovery calls for, from its ``DiscoveredApi`` records (``discovery`` says where it looked:
    its ``environment`` goes into every route, and a discovery that calls for no check at all is a ``problem``).

    Each check is a dict of a check's options (as ``checks`` entries take them) plus ``routes`` and, named as if this
    discovery were the run's only one, ``name`` and ``apis`` (``combine_discovered`` names them for the whole run).
    """
    discovery = discovery or {"instance_id": instance_id}
    environment = discovery.get("environment")
    by_backend, problems = {}, []
    for api in apis:
        if api.skipped:
            continue
        if api.problem:
            problems.append(([_route(api, None, environment)], api.problem))
            continue
        for backend in api.backends:
            route = _route(api, backend, environment)
            if backend.problem:
                problems.append(([route], backend.problem))
                continue
            key = (backend.backend_type, backend.backend_address or backend.vpc_channel_id)
            by_backend.setdefault(key, []).append(route)
    checks = []
    for (backend_type, target), routes in by_backend.items():
        check = {"instance_id": instance_id, "backend_type": backend_type, ROUTES: routes}
        check["backend_address" if backend_type == BACKEND_ADDRESS else "vpc_channel_id"] = target
        checks.append(check)
    for routes, problem in problems:
        checks.append({"instance_id": instance_id, ROUTES: routes, DISCOVERY_PROBLEM: problem})
    if not checks:
        without = sum(1 for api in apis if api.skipped)
        checks.append(
            discovery_problem(
                discovery,
                "found no backend to check: %s, %d of them without a backend to check (FUNCTION or MOCK)"
                % ("1 API" if len(apis) == 1 else "%d APIs" % len(apis), without),
            )
        )
    return name_discovered(checks)


def discovery_problem(discovery, why):
    """The check that stands for a whole discovery that could not be made or found nothing to check, named by where
    it looked: an ERROR in the verdict (``on_error`` decides), never a silent pass."""
    return {
        "instance_id": discovery.get("instance_id"),
        "name": _name_from_labels(["discovery of %s" % describe_where(discovery)]),
        ROUTES: [],
        DISCOVERY_PROBLEM: why,
    }


def _target(check):
    """What a check (a dict of its options) is about: instance, backend type, address or channel ID."""
    return (
        check.get("instance_id"),
        check.get("backend_type"),
        check.get("backend_address") or check.get("vpc_channel_id"),
    )


def _route_key(route):
    return tuple(route.get(key) for key in ("api_id", "api", "policy", "group", "environment"))


def name_discovered(checks, taken=None):
    """``checks`` named by their routes (a discovery problem keeps its own name), each name unique among themselves
    and ``taken``; the route labels qualified by group and environment when the routes of ``checks`` span several."""
    routes = [route for check in checks for route in check.get(ROUTES) or []]
    qualify_group = len({route.get("group") for route in routes}) > 1
    qualify_environment = len({route.get("environment") for route in routes}) > 1
    taken = set(taken or ())
    named = []
    for check in checks:
        labels = [route_label(route, qualify_group, qualify_environment) for route in check.get(ROUTES) or []]
        name = _name_from_labels(labels) if labels else check.get("name") or "discovered check"
        named.append(dict(check, name=unique_name(name, taken), **{DISCOVERED_APIS: labels}))
    return named


def combine_discovered(lists):
    """Every discovery's checks (``checks_from`` lists) as one list: checks of one target (instance, backend type,
    address or channel) become one, with the routes of all; checks with a ``problem`` are all kept."""
    by_target, combined = {}, []
    for checks in lists:
        for check in checks:
            if DISCOVERY_PROBLEM in check:
                combined.append(dict(check))
                continue
            known = by_target.get(_target(check))
            if known is None:
                known = by_target[_target(check)] = dict(check, **{ROUTES: []})
                combined.append(known)
            seen = {_route_key(route) for route in known[ROUTES]}
            known[ROUTES].extend(route for route in check.get(ROUTES) or [] if _route_key(route) not in seen)
    return name_discovered(combined)


def _covers(explicit, discovered, default_probe):
    """Whether an explicit check asks the question a discovered one asks: the same target, from at least the same
    sides (a ``probe: local`` check says nothing of the gateway's side)."""
    if _target(explicit) != _target(discovered):
        return False
    explicit_sides = _SIDES.get(explicit.get("probe") or default_probe, set())
    return _SIDES.get(discovered.get("probe") or default_probe, set()) <= explicit_sides


def merge_discovered(discovered, explicit, default_probe=REMOTE):
    """The discovered checks beside the ``explicit`` ones (dicts of check options, ``name`` resolved):
    ``(routes_of_explicit, kept)``.

    A discovered check that an explicit one covers (``_covers``) is not asked twice; its routes are named on the
    explicit check instead (``routes_of_explicit``: the explicit check's index -> ``{"routes", "apis"}``). A kept
    check whose name another has gets `` (2)``, `` (3)``... Checks that carry a ``problem`` are always kept.
    """
    taken = {check.get("name") for check in explicit}
    routes_of_explicit, kept = {}, []
    for check in discovered:
        covering = None
        if DISCOVERY_PROBLEM not in check:
            covering = next((index for index, mine in enumerate(explicit) if _covers(mine, check, default_probe)), None)
        if covering is not None:
            named = routes_of_explicit.setdefault(covering, {ROUTES: [], DISCOVERED_APIS: []})
            named[ROUTES].extend(check.get(ROUTES) or [])
            named[DISCOVERED_APIS].extend(check.get(DISCOVERED_APIS) or [])
            continue
        kept.append(dict(check, name=unique_name(check["name"], taken)))
    return routes_of_explicit, kept


def checks_for_run(found, explicit, default_probe=REMOTE):
    """The discovered checks of a whole run, beside the ``explicit`` ones: ``merge_discovered`` of
    ``combine_discovered`` of every discovery's outcome.

    ``found`` holds one ``(discovery, checks, error)`` per discovery: where it looked, the ``checks_from`` list it
    calls for, or the message that says why it could not be made (then it stands as one ``discovery_problem``).
    """
    lists = [
        checks if error is None else [discovery_problem(discovery, "could not be made: %s" % error)]
        for discovery, checks, error in found
    ]
    return merge_discovered(combine_discovered(lists), explicit, default_probe)


def check_options(check):
    """A discovered check as ``checks`` entries take it: without what only discovery gives."""
    return {key: value for key, value in check.items() if key not in DISCOVERED_KEYS}


def specs_of(checks, defaults):
    """CheckSpecs of discovered checks (``checks_for_run``'s kept ones) with the module-level ``defaults`` (``probe``,
    ``local_probe``, ``probe_all_members``): one whose ``problem`` is known, or whose backend as APIG holds it is not
    what a check takes, is a spec that cannot be made (an ERROR, with no request)."""
    specs = []
    for check in checks:
        name, problem = check["name"], check.get(DISCOVERY_PROBLEM)
        spec = None
        if problem is None:
            try:
                spec = check_spec_from_params(dict(defaults, **check_options(check)), where="discovered check: ")
            except InputError as exc:
                problem = "%s: %s" % (name, exc.msg)
        if spec is None:
            spec = CheckSpec(name, check["instance_id"], None, probe=defaults.get("probe") or REMOTE, problem=problem)
        spec.apis, spec.routes = check.get(DISCOVERED_APIS) or [], check.get(ROUTES) or []
        specs.append(spec)
    return specs


def run_discoveries(discoverer, discoveries):
    """Each ``DiscoverySpec`` run with ``discoverer`` (a ``discovery.Discovery``): ``(discovered, found)``.

    ``discovered`` is what the module returns, each discovery with the APIs it found (``apis``) or why it could not
    be made (``error``); ``found`` is what ``checks_for_run`` takes. A discovery that cannot be made does not stop
    the others: it stands as a check that cannot be made.
    """
    discovered, found = [], []
    for discovery in discoveries:
        where = discovery.describe()
        try:
            apis = discoverer.run(discovery)
        except ApigError as exc:
            discovered.append(dict(where, apis=[], error=exc.msg))
            found.append((where, None, exc.msg))
            continue
        discovered.append(dict(where, apis=[api.describe() for api in apis]))
        found.append((where, checks_from(discovery.instance_id, apis, where), None))
    return discovered, found


def specs_for_run(explicit, found, defaults):
    """The CheckSpecs of a run: the ``explicit`` ones (each naming the discovered routes it covers), then the
    discovered ones they do not cover (``checks_for_run`` of what ``run_discoveries`` found), with ``defaults``."""
    specs = list(explicit)
    routes_of_explicit, kept = checks_for_run(
        found, [spec.describe() for spec in specs], defaults.get("probe") or REMOTE
    )
    for index, named in routes_of_explicit.items():
        specs[index].apis, specs[index].routes = named[DISCOVERED_APIS], named[ROUTES]
    return specs + specs_of(kept, defaults)


def describe_discovered(discovered):
    """One line per discovery: where it looked and what it found there."""
    return "; ".join(describe_found(found, found.get("apis") or []) for found in discovered)
