# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The APIG operations that say what a gateway routes to, as pure functions of an instance's catalog.

Each answer's shape is the huaweicloudsdkapig v2 response model named with it (``tests/contract`` reads every one
through it), from Huawei Cloud's APIG API reference:

* ``GET .../api-groups`` (ListApiGroupsV2) and ``GET .../envs`` (ListEnvironmentsV2): names to IDs;
* ``GET .../env-variables?group_id=&env_id=`` (ListEnvironmentVariablesV2): what ``#name#`` stands for;
* ``GET .../apis?group_id=&env_id=&name=`` (ListApisV2): the APIs, with no backend details;
* ``GET .../apis/{api_id}`` (ShowDetailsOfApiV2): the draft, with ``backend_api`` and ``policy_https``;
* ``GET .../apis/publish/{api_id}?env_id=`` (ListApiVersionsV2) and ``GET .../apis/versions/{version_id}``
  (ListApiVersionDetailV2): the version in effect in an environment, as published.

Lists page with ``offset`` and ``limit`` (default 20; above 500, 500).
"""

import re

from tests.emulator import errors
from tests.emulator.catalog import RELEASE_ID
from tests.emulator.routing import subdomain

DEFAULT_LIMIT = 20
MAX_LIMIT = 500
_INSTANCE = r"^/v2/(?P<project_id>[^/]+)/apigw/instances/(?P<instance_id>[^/]+)"

ROUTES = (
    ("api_versions", ("GET",), re.compile(_INSTANCE + r"/apis/publish/(?P<api_id>[^/]+)/?$")),
    ("api_version", ("GET",), re.compile(_INSTANCE + r"/apis/versions/(?P<version_id>[^/]+)/?$")),
    ("api", ("GET",), re.compile(_INSTANCE + r"/apis/(?P<api_id>[^/]+)/?$")),
    ("apis", ("GET",), re.compile(_INSTANCE + r"/apis/?$")),
    ("groups", ("GET",), re.compile(_INSTANCE + r"/api-groups/?$")),
    ("envs", ("GET",), re.compile(_INSTANCE + r"/envs/?$")),
    ("variables", ("GET",), re.compile(_INSTANCE + r"/env-variables/?$")),
)
NAMES = tuple(name for name, _methods, _pattern in ROUTES)


def _number(query, name, default, minimum=0):
    if name not in query:
        return default
    text = query[name]
    if not text.isdigit() or not text.isascii() or int(text) < minimum:
        raise errors.invalid_parameter(name)
    return int(text)


def _page(query, items, key):
    offset = _number(query, "offset", 0)
    limit = min(_number(query, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    page = items[offset : offset + limit]
    return 200, {"size": len(page), "total": len(items), key: page}


def _vpc_info(backend):
    return {"vpc_channel_id": backend.vpc_channel, "vpc_channel_proxy_host": "", "cascade_flag": False}


def _backend_fields(backend):
    """What ``BackendApi`` and a policy backend (``ApiPolicyHttpResp``) both say of where traffic goes: an address,
    or ``vpc_channel_status`` 1 and the channel."""
    body = {
        "url_domain": backend.url_domain or "",
        "req_protocol": backend.req_protocol,
        "req_method": backend.req_method,
        "req_uri": backend.req_uri,
        "timeout": backend.timeout,
        "retry_count": "-1",
        "vpc_channel_status": 1 if backend.vpc_channel else 2,
    }
    if backend.vpc_channel:
        body["vpc_channel_info"] = _vpc_info(backend)
    return body


def _backend_api(api, backend):
    """``BackendApi``: the API's main backend."""
    return dict(
        _backend_fields(backend),
        id=api.id[:16] + "0000000000000000",
        status=1,
        register_time=api.created,
        update_time=api.created,
    )


def _policy(policy_id, name, backend):
    """``ApiPolicyHttpResp``: a policy backend with its own address or channel."""
    return dict(_backend_fields(backend), id=policy_id, name=name, effect_mode="ANY", conditions=[], backend_params=[])


def _identity(catalog, api):
    """What list items and details share (``ApiInfoPerPage`` / ``ShowDetailsOfApiV2Response``)."""
    environments = [catalog.environments[env_id] for env_id in api.published]
    return {
        "id": api.id,
        "name": api.name,
        "type": 1,
        "req_protocol": api.req_protocol,
        "req_method": api.req_method,
        "req_uri": api.req_uri,
        "auth_type": api.auth_type,
        "backend_type": api.backend_type,
        "group_id": api.group.id,
        "group_name": api.group.name,
        "status": 1,
        "register_time": api.created,
        "update_time": api.created,
        "run_env_id": "|".join(environment.id for environment in environments),
        "run_env_name": "|".join(environment.name for environment in environments),
    }


def _detail(catalog, api, definition):
    """The API with its backends: the main one (HTTP), the function or mock, and every policy's."""
    body = _identity(catalog, api)
    if definition.backend is not None:
        body["backend_api"] = _backend_api(api, definition.backend)
    if api.backend_type == "FUNCTION":
        body["func_info"] = {
            "function_urn": "urn:fss:emulated:function:default:" + api.name,
            "invocation_type": "sync",
            "network_type": "V2",
            "timeout": 5000,
        }
    if api.backend_type == "MOCK":
        body["mock_info"] = {"result_content": api.mock["body"], "status": 1}
    body["policy_https"] = [_policy(policy_id, name, backend) for policy_id, name, backend in definition.policies]
    return body


def _api(catalog, api_id):
    api = catalog.apis.get(api_id)
    if api is None:
        raise errors.api_definition_not_found(api_id)
    return api


def answer(name, instance, params, query):
    """``(status, payload)`` of a discovery operation on ``instance``."""
    catalog = instance.catalog
    if name == "groups":
        groups = [group for group in catalog.groups.values() if query.get("name") in (None, group.name)]
        found = [_group(group, catalog.region) for group in groups if query.get("id") in (None, group.id)]
        return _page(query, found, "groups")
    if name == "envs":
        envs = [env for env in catalog.environments.values() if query.get("name") in (None, env.name)]
        return _page(query, [_environment(env) for env in envs], "envs")
    if name == "variables":
        if not query.get("group_id"):
            raise errors.invalid_parameter("group_id")
        found = [
            {"id": var_id, "group_id": group_id, "env_id": env_id, "variable_name": var_name, "variable_value": value}
            for group_id, env_id, var_name, value, var_id in catalog.variables
            if group_id == query["group_id"] and query.get("env_id") in (None, env_id)
        ]
        return _page(query, found, "variables")
    if name == "apis":
        apis = [
            _identity(catalog, api)
            for api in catalog.apis.values()
            if query.get("group_id") in (None, api.group.id)
            and query.get("env_id") in (None, *api.published)
            and query.get("name") in (None, api.name)
        ]
        return _page(query, apis, "apis")
    if name == "api":
        api = _api(catalog, params["api_id"])
        return 200, _detail(catalog, api, api.draft)
    if name == "api_versions":
        api = _api(catalog, params["api_id"])
        versions = [
            {
                "version_id": version_id,
                "version_no": "20261127000000",
                "api_id": api.id,
                "env_id": env_id,
                "env_name": catalog.environments[env_id].name,
                "remark": "",
                "publish_time": api.created,
                "status": 1,
            }
            for env_id, (version_id, _definition) in api.published.items()
            if query.get("env_id") in (None, env_id)
        ]
        return _page(query, versions, "api_versions")
    version = catalog.versions.get(params["version_id"])
    if version is None:
        raise errors.api_definition_not_found(params["version_id"])
    api, _env_id, definition = version
    body = dict(_detail(catalog, api, definition), version_id=params["version_id"], publish_time=api.created)
    body["sl_domain"] = subdomain(api.group.id, catalog.region)
    return 200, body


def _group(group, region):
    """``ApiGroupInfo``; ``sl_domain`` is the subdomain the data plane answers for the group."""
    return {
        "id": group.id,
        "name": group.name,
        "status": 1,
        "sl_domain": subdomain(group.id, region),
        "register_time": group.created,
        "update_time": group.created,
        "on_sell_status": 2,
        "remark": group.remark,
        "is_default": 2,
        "url_domains": [],
    }


def _environment(env):
    """``EnvInfo``; RELEASE is the default environment every instance has."""
    remark = "The default environment" if env.id == RELEASE_ID else env.remark
    return {"id": env.id, "name": env.name, "remark": remark, "create_time": env.created}
