# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layers of module_utils: no circle of imports, nothing controller-only, and each module importable first.

A circle of imports works or breaks depending on which module is imported first, so it is caught here from the
source (every import statement, also those inside functions) rather than by luck of import order; and each module
is then imported first in an interpreter where no module of the collection was imported yet.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = "ansible_collections.hwcloud.apig.plugins.module_utils"
ROOT = Path(__file__).resolve().parents[4]
MODULE_UTILS = ROOT / "plugins" / "module_utils"
NAMES = sorted(path.stem for path in MODULE_UTILS.glob("*.py") if path.stem != "__init__")


def imported(name):
    """Every ``ansible_collections...`` module that ``name``'s source imports, wherever the statement is."""
    tree = ast.parse((MODULE_UTILS / (name + ".py")).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ansible_collections."):
            if node.module == PACKAGE:  # from ...module_utils import apig_calls
                found.update("%s.%s" % (PACKAGE, alias.name) for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("ansible_collections."))
    return found


def graph():
    """{module_utils name: the module_utils names it imports}."""
    prefix = PACKAGE + "."
    return {name: {module[len(prefix) :] for module in imported(name) if module.startswith(prefix)} for name in NAMES}


def cycles(edges):
    """Every circle of ``edges``, each as the list of its names, the first repeated at the end."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def reachable(edges, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_cycle_finder_finds_a_cycle():
    """The check below could pass by finding nothing at all: it must find a circle that is there."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_module_utils_has_no_circle_of_imports():
    edges = graph()
    assert {"client", "auth", "apig_calls", "iam_calls"} <= set(edges), "the graph lost its modules"
    assert "auth" in edges["client"], "the graph lost its edges"
    assert cycles(edges) == []


def test_sign_in_knows_nothing_of_the_transport_or_the_calls():
    edges = graph()
    assert not {"client", "apig_calls", "iam_calls", "responses"} & reachable(edges, "auth")
    assert not {"check_spec", "channels", "probe_spec", "targets"} & reachable(edges, "connection")
    calls = ("apig_calls", "iam_calls", "vpc_calls", "ecs_calls")
    assert not {"client"} & set().union(*(reachable(edges, name) for name in calls)), (
        "an endpoint module reaches into the transport's module instead of using the client it is given"
    )


def test_module_utils_imports_nothing_that_runs_only_on_the_controller():
    controller_only = ("plugin_utils", "plugins.action", "plugins.filter")
    offending = {
        name: sorted(module for module in imported(name) if any(part in module for part in controller_only))
        for name in NAMES
    }
    assert {name: modules for name, modules in offending.items() if modules} == {}


@pytest.mark.parametrize("name", NAMES)
def test_each_module_imports_first(name):
    """Imported in a new interpreter before any other module of the collection, so no import order hides a circle."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / ".collections"), str(ROOT)]))
    code = "import importlib, sys; importlib.import_module(%r); print('ok')" % ("%s.%s" % (PACKAGE, name))
    process = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert process.returncode == 0 and process.stdout.strip() == "ok", process.stderr[-2000:]
