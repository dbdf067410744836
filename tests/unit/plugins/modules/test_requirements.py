# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What each module needs on the host it runs on: listed in its documentation, and said when it is missing.

A module that talks to APIG needs ``requests``; without it, it fails with ansible-core's own
``missing_required_lib`` message (the library, the host's Python, where to install it) before anything else.
``backend_probe`` needs only Python, and still runs. The missing library is hidden in a new interpreter
(``sys.modules["requests"] = None``, which makes ``import requests`` fail), so nothing of this test process changes.
"""

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils.apig_module import ApigModule
from tests.emulator import presets
from tests.integration.runner import ansible_doc

ROOT = Path(__file__).resolve().parents[4]
MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
PACKAGE = "ansible_collections.hwcloud.apig.plugins.modules"
# Actions that run a module on the host (each poll of the bake runs api_statistics_info): they need what it needs.
RUNS_ON_THE_HOST = {"api_verify_bake": "api_statistics_info"}


def module_class(name):
    """The module's ApigModule subclass, or None for a module whose work is done by an action on the controller."""
    module = importlib.import_module("%s.%s" % (PACKAGE, name))
    classes = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, ApigModule) and value is not ApigModule
    ]
    return classes[0] if classes else None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each module's documentation as ansible-doc shows it: the requirements may come from a doc fragment."""
    return ansible_doc(tmp_path_factory.mktemp("ansible-doc"), ["hwcloud.apig.%s" % name for name in MODULES])


def test_the_modules_are_found():
    assert {"backend_connectivity", "backend_probe", "vpc_channel_member_info", "api_backend_info"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_documents_its_requirements(rendered, name):
    listed = rendered["hwcloud.apig.%s" % name].get("requirements")
    assert isinstance(listed, list) and listed, "%s: DOCUMENTATION has no requirements" % name
    needs_requests = any(entry.startswith("requests") for entry in listed)
    cls = module_class(RUNS_ON_THE_HOST.get(name, name))
    assert needs_requests == bool(cls is not None and cls.uses_api), (name, listed)


def run_without_requests(name, args):
    """Run module ``name`` with ``args`` in a new interpreter where ``requests`` cannot be imported."""
    code = "\n".join(
        [
            "import json, sys",
            "sys.modules['requests'] = None",
            "sys.modules['requests.adapters'] = None",
            "from ansible.module_utils.testing import patch_module_args",
            "from %s import %s as module" % (PACKAGE, name),
            "with patch_module_args(json.loads(sys.argv[1])):",
            "    module.main()",
        ]
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / ".collections"), str(ROOT)]))
    process = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return process.returncode, json.loads(process.stdout), process.stderr


@pytest.mark.parametrize(
    "name, args",
    [
        (
            "backend_connectivity",
            {"instance_id": presets.INSTANCE_ID, "backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID},
        ),
        ("vpc_channel_member_info", {"instance_id": presets.INSTANCE_ID, "vpc_channel_id": presets.CHANNEL_ID}),
        ("api_backend_info", {"instance_id": presets.INSTANCE_ID, "group": "orders"}),
    ],
)
def test_a_module_that_talks_to_apig_says_requests_is_missing(emulator, name, args):
    args = dict(presets.module_auth("token", emulator.url), **args)
    code, result, stderr = run_without_requests(name, args)
    assert code == 1 and result["failed"] is True, (result, stderr)
    assert result["msg"].startswith("Failed to import the required Python library (requests) on "), result["msg"]
    assert "Traceback" not in stderr
    assert presets.TOKEN_VALID not in json.dumps(result)
    assert emulator.requests == []


def test_backend_probe_needs_no_requests(open_listener):
    code, result, stderr = run_without_requests("backend_probe", {"targets": [open_listener.address], "timeout": 2})
    assert code == 0, (result, stderr)
    assert result["check_result"] == "SUCCESS"
