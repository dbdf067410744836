# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every key the emulator's config accepts is documented in tests/emulator/README.md.

The config is validated strictly (``validation.check_keys``: an unknown key is an error), so the keys it accepts
are exactly those that each ``check_keys`` call allows. They are read here from the source - every call, whatever
section of the config it validates - and each must appear in the README: in a config example (a code block), or
named in backquotes.
"""

import ast
import importlib.util
import re
import sys
from pathlib import Path

EMULATOR = Path(__file__).resolve().parents[3] / "tests" / "emulator"
README = EMULATOR / "README.md"


def _names(node, namespace):
    """The key names an expression of the source stands for: a tuple of strings, ``*NAMES`` in one, a name or
    ``self.KEYS`` (looked up in ``namespace``, where ``self`` is the enclosing class)."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(name for element in node.elts for name in _names(element, namespace))
    if isinstance(node, ast.Constant):
        return (node.value,)
    if isinstance(node, ast.Starred):
        return tuple(_names(node.value, namespace))
    if isinstance(node, ast.Name):
        return tuple(namespace[node.id])
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return tuple(getattr(namespace[node.value.id], node.attr))
    raise AssertionError("cannot read the keys of %s" % ast.dump(node))


def accepted_keys(paths=None):
    """``{key: [where it is allowed]}``: the keys allowed by every ``check_keys(where, data, allowed, ...)`` call.

    ``allowed`` is read in its module's namespace, with ``self`` the enclosing class and the tuples its
    function assigns (``keys = (...)``) as locals.
    """
    found = {}
    for path in paths or sorted(EMULATOR.glob("*.py")):
        module = importlib.import_module("tests.emulator." + path.stem)

        def visit(node, cls, function, module=module, path=path):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    visit(child, getattr(module, child.name, None), None)
                    continue
                if isinstance(child, ast.FunctionDef):
                    visit(child, cls, child)
                    continue
                if isinstance(child, ast.Call) and getattr(child.func, "id", None) == "check_keys":
                    namespace = dict(vars(module), self=cls)
                    for assigned in ast.walk(function) if function is not None else ():
                        if isinstance(assigned, ast.Assign) and isinstance(assigned.value, ast.Tuple):
                            for target in assigned.targets:
                                if isinstance(target, ast.Name):
                                    namespace[target.id] = _names(assigned.value, namespace)
                    for key in _names(child.args[2], namespace):
                        found.setdefault(key, []).append("%s:%d" % (path.name, child.lineno))
                visit(child, cls, function)

        visit(ast.parse(path.read_text()), None, None)
    return found


def documented(key, readme):
    """Whether the README shows ``key`` in a code block (an example, or its comments) or names it in backquotes."""
    blocks = "\n".join(re.findall(r"```.*?\n(.*?)```", readme, re.S))
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(key), blocks) or "`%s`" % key in readme


def test_the_keys_are_found():
    keys = accepted_keys()
    assert {"projects", "vpc_channels", "groups", "environments", "variables", "apis", "published", "rules"} <= set(
        keys
    )
    assert len(keys) > 100


def test_every_config_key_is_documented_in_the_readme():
    readme = README.read_text()
    missing = {key: where for key, where in sorted(accepted_keys().items()) if not documented(key, readme)}
    assert not missing, "keys the config accepts that tests/emulator/README.md does not document: %s" % missing


def test_an_undocumented_key_is_found(tmp_path, monkeypatch):
    """The check can fail: a section that allows a key the README does not name."""
    source = tmp_path / "extra_section.py"
    source.write_text(
        "from tests.emulator.validation import check_keys\n\n\n"
        "class Extra:\n"
        "    KEYS = ('name', 'frobnicate_level')\n\n"
        "    def __init__(self, data):\n"
        "        check_keys('extra', data, (*self.KEYS, 'colour'))\n"
    )
    spec = importlib.util.spec_from_file_location("tests.emulator.extra_section", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "tests.emulator.extra_section", module)
    assert set(accepted_keys([source])) == {"name", "frobnicate_level", "colour"}
    assert not documented("frobnicate_level", README.read_text())
