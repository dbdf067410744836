# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every option is declared once, in Python; every other place that states it must agree with that declaration.

The probe options (``probe_spec.probe_option_spec``) and a check's options (``check_spec.check_option_spec``)
are documented through the ``hwcloud.apig.probe`` doc fragment and restated, as YAML, in the gate role's
``meta/argument_specs.yml``. Here the rendered documentation (``ansible-doc``, fragments resolved) and the role's
spec are compared with the declarations: names, types, defaults, choices and required flags.
"""

from pathlib import Path

import pytest
import yaml

from ansible_collections.hwcloud.apig.plugins.doc_fragments.probe import ModuleDocFragment as ProbeDocs
from ansible_collections.hwcloud.apig.plugins.module_utils.check_spec import check_option_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.hwcloud.apig.plugins.module_utils.probe_spec import HEALTH_CHECK_OPTIONS, probe_option_spec
from ansible_collections.hwcloud.apig.plugins.modules.backend_probe import BackendProbeModule
from tests.integration.runner import REPO, ansible_doc

ROLE_SPEC = REPO / "roles" / "backend_gate" / "meta" / "argument_specs.yml"


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
    names = ["hwcloud.apig.backend_probe", "hwcloud.apig.backend_connectivity"]
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


def test_the_role_restates_the_probe_option_docs_word_for_word(role_options):
    """The role's YAML cannot include a doc fragment, so it repeats the full text; it must not drift.

    Where a channel's health check may supply the value, the role (as backend_connectivity) has no default.
    """
    full = yaml.safe_load(ProbeDocs.DOCUMENTATION)["options"]
    for option in HEALTH_CHECK_OPTIONS:
        del full[option]["default"]
    assert role_options["backend_gate_local_probe"]["options"] == full
    assert role_options["backend_gate_checks"]["options"]["local_probe"]["options"] == full


def test_a_check_is_documented_as_declared(rendered, role_options):
    declared = essentials(check_option_spec(required=True))
    assert essentials(rendered["hwcloud.apig.backend_connectivity"]["checks"]["suboptions"]) == declared
    assert essentials(role_options["backend_gate_checks"]["options"]) == declared


def test_the_role_passes_on_exactly_the_connection_options(role_options):
    # The role gives these keys only when set, so its spec carries no defaults; names and types must match.
    role_auth = essentials(role_options["backend_gate_auth"]["options"], with_defaults=False)
    assert role_auth == essentials(connection_argument_spec(), with_defaults=False)
