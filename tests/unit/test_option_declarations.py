# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every option is declared once, in Python; every other place that states it must agree with that declaration.

The probe options (``probe_spec.probe_option_spec``) and a check's options (``check_spec.check_option_spec``)
are documented through the ``hwcloud.apig.probe`` and ``hwcloud.apig.checks`` doc fragments, and the role's
``meta/argument_specs.yml`` (YAML, which cannot include a fragment) states the probe options once, as the
fragment's ``local_probe_options()``. Here the rendered documentation (``ansible-doc``, fragments resolved) and
the role's spec are compared with the declarations: names, types, defaults, choices and required flags; and every
bounded option (``option_ranges``) states its range, in the words the module refuses a value with.
"""

from pathlib import Path

import pytest
import yaml

from ansible_collections.hwcloud.apig.plugins.doc_fragments.probe import local_probe_options
from ansible_collections.hwcloud.apig.plugins.module_utils.call_spec import call_option_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import check_option_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import (
    API_CONCURRENCY,
    BAKE_RANGES,
    CONNECTION_RANGES,
    PROBE_RANGES,
    ROLE_BAKE_SECONDS,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import probe_option_spec
from ansible_collections.hwcloud.apig.plugins.modules.api_backend_info import ApiBackendInfoModule
from ansible_collections.hwcloud.apig.plugins.modules.api_debug import ApiDebugModule
from ansible_collections.hwcloud.apig.plugins.modules.api_statistics_info import ApiStatisticsInfoModule
from ansible_collections.hwcloud.apig.plugins.modules.backend_connectivity import BackendConnectivityModule
from ansible_collections.hwcloud.apig.plugins.modules.backend_probe import BackendProbeModule
from ansible_collections.hwcloud.apig.plugins.modules.vpc_channel_member_info import VpcChannelMemberInfoModule
from tests.integration.runner import REPO, ansible_doc

ROLE_SPEC = REPO / "roles" / "backend_gate" / "meta" / "argument_specs.yml"
MODULES = {
    "api_backend_info": ApiBackendInfoModule,
    "api_debug": ApiDebugModule,
    "api_statistics_info": ApiStatisticsInfoModule,
    "backend_connectivity": BackendConnectivityModule,
    "backend_probe": BackendProbeModule,
    "vpc_channel_member_info": VpcChannelMemberInfoModule,
}
# The role's variables that the role passes on to a module option, by the module option's range.
ROLE_PASSES_ON = {
    ("backend_gate_wait_timeout",): BackendConnectivityModule.ranges["wait_timeout"],
    ("backend_gate_wait_interval",): BackendConnectivityModule.ranges["wait_interval"],
    ("backend_gate_auth", "timeout"): CONNECTION_RANGES["timeout"],
    ("backend_gate_auth", "retries"): CONNECTION_RANGES["retries"],
}


def essentials(options, with_defaults=True):
    """``{name: (type, default, choices, required, nested)}`` of an argument spec or a documented option set."""
    found = {}
    for name, option in options.items():
        nested = option.get("options") or option.get("suboptions")
        found[name] = (
            option.get("type", "str"),
            option.get("default") if with_defaults else None,
            tuple(option.get("choices") or ()),
            bool(option.get("required", False)),
            essentials(nested, with_defaults) if nested else None,
        )
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The options of each module as ``ansible-doc -j`` renders them, with every fragment resolved."""
    names = ["hwcloud.apig.%s" % name for name in MODULES]
    return {name: doc["options"] for name, doc in ansible_doc(tmp_path_factory.mktemp("ansible-doc"), names).items()}


@pytest.fixture(scope="module")
def role_options():
    return yaml.safe_load(Path(ROLE_SPEC).read_text())["argument_specs"]["main"]["options"]


def test_backend_probe_documents_its_argument_spec(rendered):
    assert essentials(rendered["hwcloud.apig.backend_probe"]) == essentials(BackendProbeModule.argument_spec)


def test_local_probe_everywhere_is_the_probe_options(rendered, role_options):
    assert essentials(rendered["hwcloud.apig.backend_probe"])["timeout"] == essentials(probe_option_spec())["timeout"]
    local_probe = essentials(probe_option_spec(mirror_health_check=True))
    connectivity = rendered["hwcloud.apig.backend_connectivity"]
    assert essentials(connectivity["local_probe"]["suboptions"]) == local_probe
    assert essentials(connectivity["checks"]["suboptions"]["local_probe"]["suboptions"]) == local_probe
    assert essentials(role_options["backend_gate_local_probe"]["options"]) == local_probe
    assert essentials(role_options["backend_gate_checks"]["options"]["local_probe"]["options"]) == local_probe


def test_local_probe_is_documented_once_in_the_words_of_the_fragment(rendered, role_options):
    """The role's YAML cannot include a doc fragment, so it states the probe options once (a YAML anchor serves the
    second place): exactly the fragment's ``local_probe_options()``, which ansible-doc shows for the module."""
    expected = local_probe_options()
    connectivity = rendered["hwcloud.apig.backend_connectivity"]
    assert connectivity["local_probe"]["suboptions"] == expected
    assert connectivity["checks"]["suboptions"]["local_probe"]["suboptions"] == expected
    for options in (
        role_options["backend_gate_local_probe"]["options"],
        role_options["backend_gate_checks"]["options"]["local_probe"]["options"],
    ):
        assert options == expected, "state the fragment's local_probe_options() in the role:\n%s" % yaml.safe_dump(
            expected, sort_keys=False, width=110
        )


def option_at(options, path, nested="suboptions"):
    option = options[path[0]]
    for name in path[1:]:
        option = option[nested][name]
    return option


def description_text(option):
    """An option's description as one text (a string, or a list of them)."""
    description = option["description"]
    return " ".join(description if isinstance(description, list) else [description])


def bounded_options(cls):
    """``{path: Range}`` of every bounded option of a module: its own, the connection's, and the probe options
    wherever its argument spec takes them (at the top level, or as the suboptions of an option)."""
    found = {(name,): allowed for name, allowed in cls.ranges.items()}
    if cls.uses_api:
        found.update({(name,): allowed for name, allowed in CONNECTION_RANGES.items()})
    probe_names = set(probe_option_spec())

    def walk(spec, path):
        if probe_names <= set(spec):
            found.update({(*path, name): allowed for name, allowed in PROBE_RANGES.items()})
        for name, option in spec.items():
            if option.get("options"):
                walk(option["options"], (*path, name))

    walk(cls.argument_spec, ())
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_bounded_option_states_its_range(rendered, name):
    options = rendered["hwcloud.apig.%s" % name]
    bounded = bounded_options(MODULES[name])
    assert bounded, "%s has no bounded option" % name
    for path, allowed in bounded.items():
        description = description_text(option_at(options, path))
        assert allowed.sentence in description, "%s: %s does not say %r" % (name, ".".join(path), allowed.sentence)


def test_the_role_states_the_ranges_of_what_it_passes_on(role_options):
    bounded = dict(ROLE_PASSES_ON)
    for place in (("backend_gate_local_probe",), ("backend_gate_checks", "local_probe")):
        bounded.update({(*place, name): allowed for name, allowed in PROBE_RANGES.items()})
    for path, allowed in bounded.items():
        description = description_text(option_at(role_options, path, nested="options"))
        assert allowed.sentence in description, "%s does not say %r" % (".".join(path), allowed.sentence)


def test_a_check_is_documented_as_declared(rendered, role_options):
    declared = essentials(check_option_spec(required=True))
    assert essentials(rendered["hwcloud.apig.backend_connectivity"]["checks"]["suboptions"]) == declared
    assert essentials(role_options["backend_gate_checks"]["options"]) == declared


def test_the_role_passes_on_exactly_the_connection_options(role_options):
    # The role gives these keys only when set, so its spec carries no defaults; names and types must match.
    role_auth = essentials(role_options["backend_gate_auth"]["options"], with_defaults=False)
    assert role_auth == essentials(connection_argument_spec(), with_defaults=False)


# ---- a call through the gateway (api_debug, api_verify) ------------------------------------------------------------


@pytest.fixture(scope="module")
def verify_options():
    spec = REPO / "roles" / "api_verify" / "meta" / "argument_specs.yml"
    return yaml.safe_load(spec.read_text())["argument_specs"]["main"]["options"]


@pytest.fixture(scope="module")
def debug_rendered(tmp_path_factory):
    return ansible_doc(tmp_path_factory.mktemp("ansible-doc-debug"), ["hwcloud.apig.api_debug"])[
        "hwcloud.apig.api_debug"
    ]["options"]


def test_a_call_is_documented_and_restated_by_the_role_as_declared(debug_rendered, verify_options):
    """The module's top level, each entry of calls (with its own instance_id) and api_verify_calls agree."""
    entry = dict(call_option_spec(required=True), instance_id=dict(type="str"))
    assert essentials(debug_rendered["calls"]["suboptions"]) == essentials(entry)
    top = {name: debug_rendered[name] for name in call_option_spec()}
    assert essentials(top) == essentials(call_option_spec())
    role_entry = dict(entry, instance_id=dict(type="str", required=True))  # the role has no instance of its own
    assert essentials(verify_options["api_verify_calls"]["options"]) == essentials(role_entry)


def test_the_verify_role_passes_on_exactly_the_connection_options(verify_options):
    role_auth = essentials(verify_options["api_verify_auth"]["options"], with_defaults=False)
    assert role_auth == essentials(connection_argument_spec(), with_defaults=False)


def test_the_verify_role_states_the_ranges_of_its_variables(verify_options):
    bounded = {(name,): allowed for name, allowed in BAKE_RANGES.items()}
    bounded[("api_verify_bake_seconds",)] = ROLE_BAKE_SECONDS
    bounded[("api_verify_concurrency",)] = API_CONCURRENCY
    bounded.update({("api_verify_auth", name): allowed for name, allowed in CONNECTION_RANGES.items()})
    for path, allowed in bounded.items():
        description = description_text(option_at(verify_options, path, nested="options"))
        assert allowed.sentence in description, "%s does not say %r" % (".".join(path), allowed.sentence)
