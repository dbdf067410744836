# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the api_verify role: its settings, validated before any request (plugin_utils/role_settings.py)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.apig.plugins.plugin_utils.role_settings import settings_refusal


def api_verify_refusal(settings):
    """What is out of range among the role's bounded settings, or ``""``."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError("api_verify_refusal expects a dictionary of the api_verify role's settings")
    try:
        return settings_refusal(settings, "api_verify")
    except ValueError as exc:
        raise AnsibleFilterError("api_verify_refusal: %s" % exc) from None


class FilterModule:
    """The api_verify role's filters."""

    def filters(self):
        return {"api_verify_refusal": api_verify_refusal}
