# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""discovered_checks.py: from what discovery found to the checks of a run - each backend once, every route named,
never a question dropped because another check happens to share its target."""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.discovered_checks import (
    checks_for_run,
    checks_from,
    combine_discovered,
    merge_discovered,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import Backend, DiscoveredApi
from ansible_collections.hwcloud.apig.plugins.module_utils.record_names import route_label

INSTANCE = "a" * 32
CHANNEL = "c" * 32


def api(name, *backends, group="orders", skipped=None, problem=None):
    found = DiscoveredApi(name + "-id", name, {"id": group + "-id", "name": group}, skipped=skipped, problem=problem)
    for policy, address, channel, trouble in backends:
        backend = Backend(found.id, name, policy, "vpc_channel" if channel else "backend_address", address, channel)
        backend.problem = trouble
        found.backends.append(backend)
    return found


def main(address=None, channel=None, problem=None):
    return (None, address, channel, problem)


def policy(name, address=None, channel=None):
    return (name, address, channel, None)


def where(environment, group="orders"):
    return {"instance_id": INSTANCE, "group": group, "environment": environment}


def test_one_discovery_gives_one_check_per_backend_named_by_its_routes():
    found = [
        api("get-order", main(channel=CHANNEL), policy("gray", "127.0.0.1:2")),
        api("list-orders", main("127.0.0.1:2")),
        api("events", skipped="FUNCTION API: it sends no traffic to a backend"),
    ]
    checks = checks_from(INSTANCE, found, where("RELEASE"))
    assert [(check["name"], check.get("vpc_channel_id") or check.get("backend_address")) for check in checks] == [
        ("get-order", CHANNEL),
        ("get-order [policy gray], list-orders", "127.0.0.1:2"),
    ]
    assert checks[1]["routes"] == [
        {"api": "get-order", "api_id": "get-order-id", "policy": "gray", "group": "orders", "environment": "RELEASE"},
        {"api": "list-orders", "api_id": "list-orders-id", "policy": None, "group": "orders", "environment": "RELEASE"},
    ]


@pytest.mark.parametrize(
    "apis, why",
    [
        ([], "0 APIs, 0 of them"),
        ([api("mock", skipped="MOCK API: it sends no traffic to a backend")], "1 API, 1 of them"),
    ],
)
def test_a_discovery_that_calls_for_no_check_is_a_check_that_cannot_be_made(apis, why):
    (check,) = checks_from(INSTANCE, apis, where("RELEASE"))
    assert check["name"] == "discovery of instance %s, group orders, environment RELEASE" % INSTANCE
    assert check["problem"] == "found no backend to check: %s without a backend to check (FUNCTION or MOCK)" % why
    assert "backend_type" not in check


def test_a_backend_two_environments_route_to_is_one_check_naming_each_route_with_its_environment():
    release = checks_from(
        INSTANCE, [api("get-order", main(channel=CHANNEL), policy("gray", "127.0.0.1:9"))], where("RELEASE")
    )
    staging = checks_from(INSTANCE, [api("list-orders", main("127.0.0.1:9"))], where("staging"))
    combined = combine_discovered([release, staging])
    assert [check["name"] for check in combined] == [
        "get-order @RELEASE",
        "get-order [policy gray] @RELEASE, list-orders @staging",
    ]
    assert combined[1]["apis"] == ["get-order [policy gray] @RELEASE", "list-orders @staging"]
    assert len(combined[1]["routes"]) == 2


def test_routes_of_several_groups_are_named_with_their_group():
    orders = checks_from(INSTANCE, [api("health", main("127.0.0.1:1"))], where("RELEASE"))
    shop = checks_from(INSTANCE, [api("health", main("127.0.0.1:1"), group="shop")], where("RELEASE", "shop"))
    (check,) = combine_discovered([orders, shop])
    assert check["name"] == "orders/health, shop/health"
    assert route_label(check["routes"][0]) == "health"


def test_the_same_route_found_twice_is_named_once():
    found = checks_from(INSTANCE, [api("get-order", main("127.0.0.1:1"))], where("RELEASE"))
    (check,) = combine_discovered([found, found])
    assert check["apis"] == ["get-order"]


@pytest.mark.parametrize(
    "explicit, default, covered",
    [
        ("local", "remote", False),  # this host's probe says nothing of the gateway's side
        ("remote", "remote", True),
        ("both", "remote", True),
        ("both", "local", True),
        ("remote", "both", False),  # the discovered check also probes from this host
        (None, "both", True),  # the explicit check takes the default too
    ],
)
def test_an_explicit_check_covers_a_discovered_one_only_when_it_asks_at_least_the_same_sides(
    explicit, default, covered
):
    discovered = combine_discovered([checks_from(INSTANCE, [api("pay", main("127.0.0.1:7"))], where("RELEASE"))])
    mine = {
        "name": "pay from here",
        "instance_id": INSTANCE,
        "backend_type": "backend_address",
        "backend_address": "127.0.0.1:7",
    }
    if explicit:
        mine["probe"] = explicit
    routes_of_explicit, kept = merge_discovered(discovered, [mine], default)
    if covered:
        assert kept == [] and routes_of_explicit[0]["apis"] == ["pay"]
    else:
        assert [check["name"] for check in kept] == ["pay"] and routes_of_explicit == {}


def test_a_discovery_that_could_not_be_made_stands_as_a_check_that_cannot_be_made_beside_the_others():
    fine = checks_from(INSTANCE, [api("get-order", main("127.0.0.1:1"))], where("RELEASE"))
    routes_of_explicit, kept = checks_for_run(
        [(where("RELEASE"), fine, None), (where("RELEASE", "ordres"), None, "no API group 'ordres'")], []
    )
    assert routes_of_explicit == {}
    assert [(check["name"], check.get("problem")) for check in kept] == [
        ("get-order", None),
        (
            "discovery of instance %s, group ordres, environment RELEASE" % INSTANCE,
            "could not be made: no API group 'ordres'",
        ),
    ]


def test_problems_are_kept_and_names_stay_unique_beside_the_explicit_ones():
    found = checks_from(
        INSTANCE,
        [
            api("web", main("127.0.0.1:3")),
            api("refunds", main(problem="variable #R# has no value in environment RELEASE")),
        ],
        where("RELEASE"),
    )
    explicit = [
        {"name": "web", "instance_id": INSTANCE, "backend_type": "backend_address", "backend_address": "127.0.0.1:4"}
    ]
    _routes, kept = merge_discovered(combine_discovered([found]), explicit)
    assert [(check["name"], check.get("problem")) for check in kept] == [
        ("web (2)", None),
        ("refunds", "variable #R# has no value in environment RELEASE"),
    ]
