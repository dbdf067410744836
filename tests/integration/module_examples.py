# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn a module's EXAMPLES block into a playbook that runs against the emulator and loopback backends only.

The EXAMPLES are copied verbatim, with three changes that are all checked:

* every backend address they name (``orders.internal.example.com:8443``,
  ``127.0.0.1:8080``, ...) is rewritten to a loopback backend the test owns,
  including ports spelled inside Jinja expressions; ``assert_loopback_only``
  refuses to run a playbook in which any other address survives;
* the play sets the connection options through ``module_defaults`` on
  ``group/hwcloud.apig.apig`` (``endpoint``/``iam_endpoint`` = the emulator);
* a task of the action group that brings no credentials of its own ("from HW_*
  variables") gets them as ``HW_*`` variables through the ``environment``
  keyword, exactly as a user's shell would provide them.

Secrets the EXAMPLES take from vault variables (``vault_hw_password`` ...) are
passed as extra vars by the caller.
"""

import ast
import copy
import ipaddress
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "plugins" / "modules"
ACTION_GROUP = "hwcloud.apig.apig"
CREDENTIAL_OPTIONS = (
    "auth_token",
    "access_key",
    "ak",
    "secret_key",
    "sk",
    "security_token",
    "user_name",
    "password",
    "domain_name",
)

# host:port, [v6]:port, with or without a URL scheme around it.
ADDRESS_RE = re.compile(r"(?<![\w.-])(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})(?!\d)")


def module_examples(module):
    """The EXAMPLES tasks of ``plugins/modules/<module>.py``, read without importing the module."""
    tree = ast.parse((MODULES / ("%s.py" % module)).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError("%s has no EXAMPLES" % module)


def action_group_modules():
    """The modules of ``group/hwcloud.apig.apig``, as meta/runtime.yml lists them."""
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    return ["hwcloud.apig.%s" % name for name in runtime["action_groups"]["apig"]]


def task_action(task):
    """The module a task calls (its one key that is not a task keyword)."""
    keywords = {
        "name",
        "register",
        "loop",
        "when",
        "environment",
        "vars",
        "ignore_errors",
        "check_mode",
        "tags",
        "failed_when",
        "changed_when",
        "until",
        "retries",
        "delay",
        "no_log",
        "delegate_to",
        "notify",
        "loop_control",
        "become",
        "run_once",
    }
    actions = [key for key in task if key not in keywords]
    if len(actions) != 1:
        raise AssertionError("cannot tell the module of task %r: %r" % (task.get("name"), actions))
    return actions[0]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _map_strings(value, function):
    if isinstance(value, str):
        return function(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, function) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, function) for item in value]
    return value


def example_addresses(tasks):
    """Every ``host:port`` the tasks name literally, plus the loopback ports built inside Jinja expressions."""
    found = set()
    for text in _strings(tasks):
        for match in ADDRESS_RE.finditer(text):
            found.add("%s:%s" % (match.group(1), match.group(2)))
    return found


def rewrite_addresses(tasks, mapping):
    """``tasks`` with each example address replaced by ``mapping[address]`` (a loopback ``127.0.0.1:PORT``).

    Loopback example ports that a Jinja expression spells on their own (``['8080', '8081']`` prefixed with
    ``127.0.0.1:``) are replaced as quoted tokens inside ``{{ ... }}``.
    Returns the new tasks and the set of mapping keys that were used.
    """
    used = set()
    ordered = sorted(mapping, key=len, reverse=True)

    def rewrite(text):
        for original in ordered:
            if original in text:
                used.add(original)
                text = text.replace(original, mapping[original])
        if "{{" in text:
            for original in ordered:
                host, port = original.rsplit(":", 1)
                if host in ("127.0.0.1", "localhost") and "%s:" % host in text:
                    token = re.compile(r"(['\"])%s\1" % re.escape(port))
                    if token.search(text):
                        used.add(original)
                        text = token.sub(
                            lambda match, original=original: (
                                "%s%s%s" % (match.group(1), mapping[original].rsplit(":", 1)[1], match.group(1))
                            ),
                            text,
                        )
        return text

    return _map_strings(copy.deepcopy(tasks), rewrite), used


def assert_loopback_only(tasks, allowed):
    """Refuse a playbook that names any address other than the ``allowed`` loopback ``host:port`` strings.

    Checked: every literal ``host:port`` (must be in ``allowed``), every port spelled as a quoted token next to a
    loopback prefix in a Jinja expression, and every host name (anything that looks like a DNS name with a dot
    and is not a module, filter or variable reference).
    """
    problems = []
    for text in _strings(tasks):
        for match in ADDRESS_RE.finditer(text):
            address = "%s:%s" % (match.group(1), match.group(2))
            if address not in allowed:
                problems.append(address)
        if "{{" in text and "127.0.0.1:" in text:
            for port in re.findall(r"['\"](\d{1,5})['\"]", text):
                if "127.0.0.1:%s" % port not in allowed:
                    problems.append("127.0.0.1:%s (in %r)" % (port, text))
        for name in re.findall(
            r"(?<![\w.])([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|net|org|io|internal|local|cn|eu))\b", text
        ):
            problems.append(name)
    for address in allowed:
        host = address.rsplit(":", 1)[0].strip("[]")
        if not ipaddress.ip_address(host).is_loopback:
            problems.append("allowed address %s is not loopback" % address)
    if problems:
        raise AssertionError("the rewritten EXAMPLES still name non-test addresses: %s" % sorted(set(problems)))


def inject_credentials(tasks, env):
    """Give each action-group task that has no credentials of its own the ``env`` (HW_* variables) to use."""
    group = action_group_modules()
    injected = []
    for task in tasks:
        action = task_action(task)
        if action in group and not any(option in (task[action] or {}) for option in CREDENTIAL_OPTIONS):
            task.setdefault("environment", {}).update(env)
            injected.append(task["name"])
    return injected


def examples_playbook(module, mapping, connection, env):
    """The play for ``module``'s EXAMPLES: ``(play, tasks_as_written, report)``.

    ``report`` holds ``addresses`` (what the EXAMPLES name), ``rewritten`` (the mapping keys used) and
    ``env_tasks`` (the tasks given HW_* credentials through ``environment``).
    """
    original = module_examples(module)
    addresses = example_addresses(original)
    unknown = addresses - set(mapping)
    if unknown:
        raise AssertionError(
            "%s EXAMPLES name addresses the test has no loopback backend for: %s" % (module, sorted(unknown))
        )
    tasks, used = rewrite_addresses(original, mapping)
    assert_loopback_only(tasks, set(mapping.values()))
    env_tasks = inject_credentials(tasks, env)
    play = {
        "name": "EXAMPLES of hwcloud.apig.%s" % module,
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/%s" % ACTION_GROUP: connection},
        "tasks": tasks,
    }
    return [play], original, {"addresses": addresses, "rewritten": used, "env_tasks": env_tasks}
