# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The author, requirements and attributes of the collection's action plugins, which run on the controller; each
attribute described in ansible-core's own words (its ``action_common_attributes`` fragment), put in when the
fragment is loaded, so that a plugin's documentation stub names this one fragment.

* ``DOCUMENTATION`` - the actions that decide and report from their options alone
  (``plugin_utils/controller_action.py``): they never connect to the host, and run in check mode. A plugin that
  shows a diff says so.
* ``ON_THE_HOST`` - an action that runs a module on the host (the bake, at each poll): through the host's connection,
  and delegable. Its requirements are the module's (the ``connection`` fragment).

Both are what every action plugin of the collection is (``_ACTION``): an action, never async, become or
bypass_host_loop, on every platform.
"""

import json

import yaml
from ansible.plugins.doc_fragments.action_common_attributes import ModuleDocFragment as CoreAttributes

_ACTION = r"""
author:
  - hwcloud.apig developers (@hwcloud-apig)
attributes:
  action:
    support: full
  async:
    support: none
  become:
    support: none
  bypass_host_loop:
    support: none
  platform:
    platforms: all
"""


class ModuleDocFragment:
    # What each kind adds to _ACTION; the two are put together below.
    DOCUMENTATION = r"""
requirements:
  - none beyond ansible-core (the action runs on the controller)
attributes:
  connection:
    support: none
  delegation:
    support: none
    details: It runs on the controller, from its options alone; it never connects to the host.
  diff_mode:
    support: none
  check_mode:
    support: full
"""

    ON_THE_HOST = r"""
attributes:
  connection:
    support: full
  delegation:
    support: full
"""


def _core_descriptions():
    """Each attribute as ansible-core's fragments describe it (and ``platform``'s support, N/A)."""
    described = {}
    for written in (CoreAttributes.DOCUMENTATION, CoreAttributes.CONN, CoreAttributes.FLOW):
        described.update(yaml.safe_load(written)["attributes"])
    return described


def _with_action(written):
    """``_ACTION`` and ``written`` together, every attribute with ansible-core's description."""
    documentation, added = yaml.safe_load(_ACTION), yaml.safe_load(written)
    attributes = dict(documentation.pop("attributes"), **added.pop("attributes"))
    core = _core_descriptions()
    documentation.update(added, attributes={name: dict(core[name], **said) for name, said in attributes.items()})
    return json.dumps(documentation, indent=1)


# Made after the class (JSON, which YAML reads): ansible-test's yamllint reads the class body's assignments as
# literal YAML strings, and lints the ones written above.
ModuleDocFragment.DOCUMENTATION = _with_action(ModuleDocFragment.DOCUMENTATION)
ModuleDocFragment.ON_THE_HOST = _with_action(ModuleDocFragment.ON_THE_HOST)
