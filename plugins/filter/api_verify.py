# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the api_verify role: its settings, validated before any request (plugin_utils/role_settings.py)."""

from ansible_collections.hwcloud.apig.plugins.plugin_utils.role_settings import refusal_filter


class FilterModule:
    """The api_verify role's filters."""

    def filters(self):
        return {"api_verify_refusal": refusal_filter("api_verify")}
