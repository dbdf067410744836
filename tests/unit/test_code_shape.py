# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rules of the code's shape that a reviewer would otherwise check by hand, read from the source.

* A name says what it returns: every ``describe()`` returns a dict (the shape modules return), so a method that
  returns text is named for the text (``summary()``, ``label()``, ``route_text()``).
* No file in ``plugins/`` is longer than 400 lines, unless its docstring says why in a line that starts with
  ``Longer than 400 lines:``: a long file is usually two ideas, and the reader should not have to guess which.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    path for folder in ("plugins", "tests/emulator") for path in (REPO / folder).rglob("*.py") if path.is_file()
)
PLUGINS = sorted(path for path in (REPO / "plugins").rglob("*.py") if path.is_file())
MAX_LINES = 400
REASON = "Longer than 400 lines:"


def describe_methods(path):
    """``(line, returns)`` of each ``describe`` method: what each of its ``return`` statements returns, a name
    returned standing for what the method assigned to it."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "describe":
            assigned = {
                target.id: child.value
                for child in ast.walk(node)
                if isinstance(child, ast.Assign)
                for target in child.targets
                if isinstance(target, ast.Name)
            }
            returns = [child.value for child in ast.walk(node) if isinstance(child, ast.Return)]
            yield (
                node.lineno,
                [assigned.get(value.id, value) if isinstance(value, ast.Name) else value for value in returns],
            )


def is_a_dict(node):
    return isinstance(node, ast.Dict) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(REPO)))
def test_describe_returns_a_dict(path):
    wrong = [line for line, returns in describe_methods(path) if not returns or not all(map(is_a_dict, returns))]
    assert not wrong, "%s: describe() at lines %s does not return a dict literal" % (path.name, wrong)


def test_the_describe_rule_can_fail(tmp_path):
    text = tmp_path / "text.py"
    text.write_text("class Rule:\n    def describe(self):\n        return 'deny TCP 80'\n")
    _line, returns = next(describe_methods(text))
    assert returns and not all(map(is_a_dict, returns))


def reason_for_length(path):
    """The docstring's line that says why the file is long, or None."""
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    return next((line for line in docstring.splitlines() if line.startswith(REASON)), None)


@pytest.mark.parametrize("path", PLUGINS, ids=lambda path: str(path.relative_to(REPO)))
def test_no_plugin_file_is_over_400_lines_without_a_reason(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES or reason_for_length(path), "%s has %d lines and no '%s' line in its docstring" % (
        path.relative_to(REPO),
        lines,
        REASON,
    )
