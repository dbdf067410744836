# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The author, requirements and attributes of the backend gate's action plugins, which run on the controller from
their options alone (``plugin_utils/controller_action.py``). A plugin that shows a diff says so."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
author:
  - hwcloud.apig developers (@hwcloud-apig)
requirements:
  - none beyond ansible-core (the action runs on the controller)
attributes:
  action:
    support: full
  async:
    support: none
  become:
    support: none
  bypass_host_loop:
    support: none
  connection:
    support: none
  diff_mode:
    support: none
  check_mode:
    support: full
  delegation:
    support: none
    details: It runs on the controller, from its options alone; it never connects to the host.
  platform:
    platforms: all
"""
