# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls the data-plane tests make: an API through the data plane, DebugApiV2, the statistics, the clock."""

import requests

from tests.emulator import presets

TIMEOUT = 10
INSTANCE_PATH = "/v2/%s/apigw/instances/%s" % (presets.PROJECT_ID, presets.INSTANCE_ID)
TOKEN_HEADERS = {"X-Auth-Token": presets.TOKEN_VALID}


def api_id(emu, name):
    """The id of the API called ``name`` (the config derives it)."""
    for catalog in emu.gateway.catalogs:
        for api in catalog.apis.values():
            if api.name == name:
                return api.id
    raise KeyError(name)


def group_id(emu, name):
    """The id of the API group called ``name``."""
    for catalog in emu.gateway.catalogs:
        for group in catalog.groups.values():
            if group.name == name:
                return group.id
    raise KeyError(name)


def call(emu, path, group="orders", method="GET", headers=None, stage=None, **kwargs):
    """Call an API of ``group`` through the data plane (Host: the group's subdomain)."""
    sent = {"Host": emu.group_domain(group), **(headers or {})}
    if stage is not None:
        sent["X-Stage"] = stage
    return requests.request(method, emu.data_url + path, headers=sent, timeout=TIMEOUT, **kwargs)


def debug(emu, name_or_id, body, token=presets.TOKEN_VALID):
    """POST DebugApiV2 for an API (by name, or by id when no API has that name)."""
    try:
        target = api_id(emu, name_or_id)
    except KeyError:
        target = name_or_id
    headers = {"X-Auth-Token": token} if token is not None else {}
    return requests.post(emu.url + INSTANCE_PATH + "/apis/debug/" + target, json=body, headers=headers, timeout=TIMEOUT)


def debug_body(path, method="GET", mode="CONSUMER", **more):
    """A DebugApiV2 body with the required fields."""
    return dict({"mode": mode, "scheme": "HTTPS", "method": method, "path": path}, **more)


def api_statistics(emu, params):
    """GET ListLatelyApiStatisticsV2 with ``params`` as the query."""
    return requests.get(
        emu.url + INSTANCE_PATH + "/statistics/api/latest", params=params, headers=TOKEN_HEADERS, timeout=TIMEOUT
    )


def group_statistics(emu, params):
    """GET ListLatelyGroupStatisticsV2 with ``params`` as the query."""
    return requests.get(
        emu.url + INSTANCE_PATH + "/statistics/group/latest", params=params, headers=TOKEN_HEADERS, timeout=TIMEOUT
    )


def response_parts(text):
    """``(status, headers, body)`` of DebugApiV2's raw ``response`` text; header names as written."""
    head, _blank, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
    return status, headers, body
