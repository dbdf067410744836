# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""discovery.py: from a group and an environment to the checks, against the emulator over real HTTP.

What is counted here is what the issue's promises are made of: the calls per API (at most two), the pages of the
API list (500 a page), one variable listing per group; and the shape of the result: one check per distinct
backend named by every API behind it, policies' backends included, problems per API and never a crash.
"""

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import check_spec_from_params
from ansible_collections.hwcloud.apig.plugins.module_utils.discovered_checks import (
    checks_for_run,
    checks_from,
    merge_discovered,
    specs_of,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.discovery import (
    DiscoveredApi,
    Discovery,
    DiscoverySpec,
    discovery_specs_from,
    resolve_variables,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError, InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.record_names import MAX_NAME
from tests.emulator import presets
from tests.unit.plugins.module_utils.emulator_client import client_for

SECOND_CHANNEL = "c0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"
DEFAULTS = {"probe": "remote", "local_probe": {}, "probe_all_members": False}


def catalog(api_count=3):
    apis = [
        {
            "name": "api-%03d" % index,
            "group": "orders",
            "backend": {"vpc_channel": presets.CHANNEL_ID if index % 2 else SECOND_CHANNEL},
            "published": {"RELEASE": {}},
        }
        for index in range(api_count)
    ]
    apis.append(
        {
            "name": "by-address",
            "group": "orders",
            "backend": {"url_domain": "#HOST#", "req_protocol": "HTTPS"},
            "policies": [{"name": "canary", "backend": {"url_domain": "127.0.0.1:8081"}}],
            "published": {"RELEASE": {}},
        }
    )
    return {
        "groups": [{"name": "orders"}],
        "variables": [{"group": "orders", "environment": "RELEASE", "name": "HOST", "value": "localhost"}],
        "apis": apis,
    }


@pytest.fixture
def emulator(emulator_factory):
    channels = [{"id": SECOND_CHANNEL, "members": []}]
    return emulator_factory(presets.default_config(channels=channels, catalog=catalog()))


def discover(emulator, **spec):
    spec.setdefault("instance_id", presets.INSTANCE_ID)
    with client_for(emulator) as client:
        return Discovery(client, concurrency=4).run(DiscoverySpec(**spec))


def calls(emulator):
    """Request paths by kind: the last path segment, API IDs folded into 'api'."""
    kinds = []
    for entry in emulator.requests:
        parts = entry["path"].split("/instances/")[1].split("/")[1:]
        kinds.append("/".join(part if not (len(part) == 32 or part.startswith("DEFAULT")) else "*" for part in parts))
    return kinds


def test_backends_as_published_with_variables_resolved_and_ports_from_the_protocol(emulator):
    apis = {api.name: api for api in discover(emulator, group="orders", environment="RELEASE")}
    (main, canary) = apis["by-address"].backends
    assert (main.backend_address, main.url_domain, main.policy) == ("localhost:443", "#HOST#", None)
    assert (canary.backend_address, canary.label) == ("127.0.0.1:8081", "by-address [policy canary]")
    assert apis["api-001"].backends[0].vpc_channel_id == presets.CHANNEL_ID


def test_at_most_two_calls_per_api_and_one_variable_listing_per_group(emulator):
    discover(emulator, group="orders", environment="RELEASE")
    made = calls(emulator)
    assert made.count("apis/publish/*") == made.count("apis/versions/*") == 4
    assert made.count("env-variables") == 1 and made.count("apis") == 1
    emulator.clear_requests()
    discover(emulator, group="orders")
    made = calls(emulator)
    assert made.count("apis/*") == 4, "without an environment: the draft, one call per API"
    assert "env-variables" not in made and "apis/publish/*" not in made


def test_the_api_list_is_paged_by_500(emulator_factory):
    channels = [{"id": SECOND_CHANNEL, "members": []}]
    emulator = emulator_factory(
        presets.default_config(channels=channels, catalog=dict(catalog(api_count=601), variables=[]))
    )
    apis = discover(emulator, group="orders")
    assert len(apis) == 602
    assert [entry["query"] for entry in emulator.requests if entry["path"].endswith("/apis")] == [
        {"group_id": apis[0].group["id"], "offset": "0", "limit": "500"},
        {"group_id": apis[0].group["id"], "offset": "500", "limit": "500"},
    ]


def test_one_check_per_distinct_backend_named_by_every_api_behind_it(emulator):
    checks = checks_from(presets.INSTANCE_ID, discover(emulator, group="orders", environment="RELEASE"))
    by_target = {check.get("vpc_channel_id") or check.get("backend_address"): check for check in checks}
    assert by_target[presets.CHANNEL_ID]["name"] == "api-001"
    assert by_target[SECOND_CHANNEL]["apis"] == ["api-000", "api-002"]
    assert by_target[SECOND_CHANNEL]["name"] == "api-000, api-002"
    assert by_target["127.0.0.1:8081"]["name"] == "by-address [policy canary]"
    assert len(checks) == 4


MALFORMED = [
    # a listed API without an id: nothing of it can be read
    (
        r"/apis$",
        '{"total": 1, "size": 1, "apis": [{"name": "nameless", "group_id": "g", "backend_type": "HTTP"}]}',
        "APIG lists this API without an id",
    ),
    # its version in effect without a version_id
    (r"/apis/publish/", '{"total": 1, "size": 1, "api_versions": [{"status": 1}]}', "APIG names no version_id"),
    # a published backend with neither an address nor a channel
    (
        r"/apis/versions/",
        '{"backend_api": {"vpc_channel_status": 2}, "policy_https": []}',
        "APIG gives no backend address",
    ),
]


@pytest.mark.parametrize("path, body, problem", MALFORMED)
def test_a_malformed_answer_is_a_problem_of_the_api_never_a_crash(emulator, path, body, problem):
    emulator.add_fault(path, [{"status": 200, "body": body, "content_type": "application/json", "times": 100}])
    apis = discover(emulator, group="orders", environment="RELEASE")
    problems = [api.problem for api in apis if api.problem]
    problems += [backend.problem for api in apis if not api.problem for backend in api.backends]
    assert problems and all(problem in found for found in problems), problems
    checks = checks_from(presets.INSTANCE_ID, apis)
    assert checks and all(problem in check["problem"] for check in checks)


def test_a_name_that_does_not_fit_says_how_many_more():
    class Api:
        def __init__(self, index):
            self.name, self.id, self.skipped, self.problem = "an-api-with-a-long-name-%02d" % index, "x", None, None
            self.group = {"id": "g", "name": "orders"}
            self.backends = [
                type(
                    "B",
                    (),
                    {
                        "problem": None,
                        "policy": None,
                        "backend_type": "vpc_channel",
                        "backend_address": None,
                        "vpc_channel_id": presets.CHANNEL_ID,
                    },
                )()
            ]

    (check,) = checks_from(presets.INSTANCE_ID, [Api(index) for index in range(20)])
    assert len(check["name"]) <= MAX_NAME and check["name"].endswith("more")
    assert len(check["apis"]) == 20


def test_variables_without_a_value_are_named():
    assert resolve_variables("#A_1#:#PORT#", {"A_1": "h", "PORT": "80"}, "RELEASE") == "h:80"
    with pytest.raises(ValueError, match=r"variable #PORT# has no value in environment staging"):
        resolve_variables("#A_1#:#PORT#", {"A_1": "h"}, "staging")


def test_a_wrong_group_or_environment_is_an_error_before_any_api_is_read(emulator):
    with pytest.raises(ApigError, match=r"has no API group 'order' \(there: orders\)"):
        discover(emulator, group="order")
    with pytest.raises(ApigError, match=r"has no environment 'prod' \(there: RELEASE\)"):
        discover(emulator, group="orders", environment="prod")
    assert not [kind for kind in calls(emulator) if kind.startswith("apis")]


def test_an_explicit_check_covers_its_backend_and_names_stay_unique(emulator):
    explicit = [
        check_spec_from_params(
            dict(
                DEFAULTS,
                name="api-001",
                instance_id=presets.INSTANCE_ID,
                backend_type="backend_address",
                backend_address="127.0.0.1:8081",
            )
        )
    ]
    where = {"instance_id": presets.INSTANCE_ID, "group": "orders", "environment": "RELEASE"}
    found = [(where, checks_from(presets.INSTANCE_ID, discover(emulator, group="orders", environment="RELEASE")), None)]
    routes_of_explicit, kept = checks_for_run(found, [spec.describe() for spec in explicit])
    names = [spec.name for spec in specs_of(kept, DEFAULTS)]
    assert "by-address [policy canary]" not in names, "the explicit check already covers 127.0.0.1:8081"
    assert routes_of_explicit[0]["apis"] == ["by-address [policy canary]"], "and names the API it covers"
    assert "api-001 (2)" in names and len(set(names) | {"api-001"}) == len(names) + 1


def test_the_discover_option_takes_a_dict_or_a_list_and_refuses_the_rest():
    (spec,) = discovery_specs_from({"instance_id": presets.INSTANCE_ID, "group": "orders"})
    assert (spec.group, spec.environment, spec.apis) == ("orders", None, None)
    assert len(discovery_specs_from([{"instance_id": presets.INSTANCE_ID}] * 2)) == 2
    for bad, option in [
        ("orders", "discover"),
        ([], "discover"),
        ({"group": "orders"}, "discover"),
        ({"instance_id": presets.INSTANCE_ID, "grup": "orders"}, "discover"),
        ([{"instance_id": "NOT-HEX"}], "discover[0].instance_id"),
        ({"instance_id": presets.INSTANCE_ID, "apis": []}, "discover.apis"),
    ]:
        with pytest.raises(InputError) as caught:
            discovery_specs_from(bad)
        assert caught.value.option == option, (bad, caught.value.msg)


@pytest.mark.parametrize(
    "bad, said",
    [
        (
            {"instance_id": presets.INSTANCE_ID, "gruop": "orders"},
            "Unsupported parameters in discover: gruop. Supported parameters include: apis, environment, group, "
            "instance_id. discover.gruop: did you mean group?",
        ),
        (
            [{"instance_id": presets.INSTANCE_ID}, {"instance_id": presets.INSTANCE_ID, "enviroment": "RELEASE"}],
            "Unsupported parameters in discover[1]: enviroment. Supported parameters include: apis, environment, "
            "group, instance_id. discover[1].enviroment: did you mean environment?",
        ),
        (
            {"instance_id": presets.INSTANCE_ID, "zzz": 1},
            "Unsupported parameters in discover: zzz. Supported parameters include: apis, environment, group, "
            "instance_id.",
        ),
        (
            [],
            "discover must list at least one discovery (a dictionary: instance_id, and optionally group, environment "
            "and apis)",
        ),
        (
            "orders",
            "discover must be a dictionary (instance_id, and optionally group, environment and apis) or a list of "
            "them, got a string",
        ),
        (
            [42],
            "discover[0] must be a dictionary (instance_id, and optionally group, environment and apis), got a number",
        ),
        ({"group": "orders"}, "discover: missing required arguments: instance_id"),
    ],
)
def test_a_mistake_in_discover_is_said_as_a_mistake_in_a_modules_options(bad, said):
    """An unknown key is "unsupported", with the key it is closest to (as for a module's own options); an empty
    list is not called "not a list"."""
    with pytest.raises(InputError) as caught:
        discovery_specs_from(bad)
    assert caught.value.msg == said


def test_what_a_module_returned_gives_back_the_same_checks(emulator):
    """The gate derives its checks from api_backend_info's ``apis``: describe() and back lose nothing."""
    apis = discover(emulator, group="orders", environment="RELEASE")
    again = [DiscoveredApi.from_described(api.describe()) for api in apis]
    assert again == apis
    assert checks_from(presets.INSTANCE_ID, again) == checks_from(presets.INSTANCE_ID, apis)


def test_merging_drops_covered_backends_renames_taken_names_and_keeps_problems():
    found = [
        {
            "instance_id": "i",
            "backend_type": "backend_address",
            "backend_address": "127.0.0.1:1",
            "name": "a",
            "apis": ["a"],
        },
        {
            "instance_id": "i",
            "backend_type": "backend_address",
            "backend_address": "127.0.0.1:2",
            "name": "b",
            "apis": ["b"],
        },
        {
            "instance_id": "i",
            "name": "b",
            "apis": ["b"],
            "problem": "b: variable #X# has no value in environment RELEASE",
        },
    ]
    explicit = [{"instance_id": "i", "backend_type": "backend_address", "backend_address": "127.0.0.1:1", "name": "b"}]
    routes_of_explicit, merged = merge_discovered(found, explicit)
    assert [(check["name"], check.get("backend_address")) for check in merged] == [
        ("b (2)", "127.0.0.1:2"),
        ("b (3)", None),
    ]
    assert merged[1]["problem"].startswith("b: variable #X#")
    assert routes_of_explicit == {0: {"routes": [], "apis": ["a"]}}
    # another instance's backend at the same address is not covered
    other = dict(found[0], instance_id="j")
    assert [check["name"] for check in merge_discovered([other], explicit)[1]] == ["a"]
