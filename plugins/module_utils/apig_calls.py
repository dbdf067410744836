# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The APIG calls: one plain function per Huawei Cloud APIG operation, taking the run's ``ApigClient`` first.

Each is named after the operation as huaweicloudsdkapig names it (``ListApisV2`` -> ``list_apis_v2``), so that
the SDK's models and Huawei's API reference, whose page each docstring names, are found by that name. What a
call checks of the answer is here, beside the call: the transport (``client.py``) knows statuses, retries and
error bodies, not what an operation answers. Only the client's public methods are used (``apig``,
``instance_path``, ``all_pages``), so a new operation is a new function here and nothing else.
"""

from urllib.parse import urlsplit

from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from ansible_collections.hwcloud.apig.plugins.module_utils.results import MADE, SUCCESS

# A 404 from the check naming the instance or channel is an answer about them; any other 404 means there is no such API.
_CHECK_NOT_FOUND_CODES = ("APIG.3030", "APIG.3023")


def check_backend_connectivity(client, instance_id, body):
    """CheckBackendConnectivity: ``POST .../backend/connectivity/check``; returns (validated answer, request id).

    APIG API reference, "Verifying the Backend Connectivity". Huawei documents 201, another public SDK expects
    200: both are answers. A 404 that names neither the instance nor the channel means this gateway does not offer
    the check (it left the SDK after 3.0.68).
    """
    path = client.instance_path(instance_id, "/backend/connectivity/check")
    try:
        response = client.apig("POST", path, body=body, expected=(200, 201))
    except ApigError as exc:
        if exc.status == 404 and exc.error_code not in _CHECK_NOT_FOUND_CODES:
            endpoint = client.settings.endpoint
            raise ApigError(
                "the gateway at %s does not offer the backend connectivity check: POST %s answered HTTP 404%s. "
                "Check from a host inside the VPC instead (probe: local)"
                % (
                    urlsplit(endpoint).netloc,
                    endpoint + path,
                    " %s (%s)" % (exc.error_code, exc.error_msg) if exc.error_code else "",
                ),
                status=exc.status,
                error_code=exc.error_code,
                error_msg=exc.error_msg,
                request_id=exc.request_id,
            ) from None
        raise
    return _validated_check_answer(response.json("APIG"), response), response.request_id


def _validated_check_answer(data, response):
    """The 201 body must say SUCCESS or FAILED, with failures a list of strings: anything else is not an answer."""
    result = data.get("check_result")
    if result not in MADE:
        raise ApigError(
            "APIG's answer has check_result %r, not SUCCESS or FAILED; the check is treated as not made" % (result,),
            status=response.status,
            request_id=response.request_id,
        )
    failures = data.get("failures")
    if failures is None:
        failures = []
    if not isinstance(failures, list) or not all(isinstance(item, str) for item in failures):
        raise ApigError(
            "APIG's answer has 'failures' that is not a list of host:port strings",
            status=response.status,
            request_id=response.request_id,
        )
    if result == SUCCESS and failures:
        raise ApigError(
            "APIG's answer says SUCCESS but lists failures %s; the check is treated as not made" % ", ".join(failures),
            status=response.status,
            request_id=response.request_id,
        )
    return {"check_result": result, "failures": failures}


def show_details_of_vpc_channel_v2(client, instance_id, vpc_channel_id):
    """ShowDetailsOfVpcChannelV2: ``GET .../vpc-channels/{id}``, the channel's type, port, member type, health check.

    APIG API reference, "Querying VPC Channel Details".
    """
    path = client.instance_path(instance_id, "/vpc-channels/%s", vpc_channel_id)
    return client.apig("GET", path).json("APIG")


def list_backend_instances_v2(client, instance_id, vpc_channel_id):
    """ListBackendInstancesV2: ``GET .../vpc-channels/{id}/members``, every member, paged until ``total``.

    APIG API reference, "Querying Backend Servers of a VPC Channel".
    """
    path = client.instance_path(instance_id, "/vpc-channels/%s/members", vpc_channel_id)
    return client.all_pages("ListBackendInstancesV2", path, "members")


def list_api_groups_v2(client, instance_id, name=None):
    """ListApiGroupsV2: ``GET .../api-groups``, the API groups (those named ``name`` when given).

    APIG API reference, "Querying API Groups".
    """
    return client.all_pages("ListApiGroupsV2", client.instance_path(instance_id, "/api-groups"), "groups", name=name)


def list_environments_v2(client, instance_id, name=None):
    """ListEnvironmentsV2: ``GET .../envs``, the environments; RELEASE is the one every instance has.

    APIG API reference, "Querying Environments".
    """
    return client.all_pages("ListEnvironmentsV2", client.instance_path(instance_id, "/envs"), "envs", name=name)


def list_environment_variables_v2(client, instance_id, group_id, env_id):
    """ListEnvironmentVariablesV2: ``GET .../env-variables``, a group's variables in an environment.

    APIG API reference, "Querying Environment Variables".
    """
    path = client.instance_path(instance_id, "/env-variables")
    return client.all_pages("ListEnvironmentVariablesV2", path, "variables", group_id=group_id, env_id=env_id)


def list_apis_v2(client, instance_id, group_id=None, env_id=None):
    """ListApisV2: ``GET .../apis``, the APIs of a group (published in an environment): identities, no backends.

    APIG API reference, "Querying APIs".
    """
    path = client.instance_path(instance_id, "/apis")
    return client.all_pages("ListApisV2", path, "apis", group_id=group_id, env_id=env_id)


def show_details_of_api_v2(client, instance_id, api_id):
    """ShowDetailsOfApiV2: ``GET .../apis/{id}``, an API's draft definition, its backends included.

    APIG API reference, "Querying API Details".
    """
    return client.apig("GET", client.instance_path(instance_id, "/apis/%s", api_id)).json("APIG")


def list_api_versions_v2(client, instance_id, api_id, env_id):
    """ListApiVersionsV2: ``GET .../apis/publish/{id}``, the versions of an API published in an environment.

    APIG API reference, "Querying Historical Versions of an API".
    """
    path = client.instance_path(instance_id, "/apis/publish/%s", api_id)
    return client.all_pages("ListApiVersionsV2", path, "api_versions", env_id=env_id)


def list_api_version_detail_v2(client, instance_id, version_id):
    """ListApiVersionDetailV2: ``GET .../apis/versions/{id}``, an API as a version published it, backends included.

    APIG API reference, "Querying API Version Details".
    """
    return client.apig("GET", client.instance_path(instance_id, "/apis/versions/%s", version_id)).json("APIG")


# Methods that change nothing on the backend (RFC 9110, 9.2.1): a debug call of one may be sent again.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def debug_api_v2(client, instance_id, api_id, body):
    """DebugApiV2: ``POST .../apis/debug/{api_id}``, the gateway calls the API and answers both sides as raw HTTP.

    APIG API reference, page ``api-apig/DebugApiV2.html``. Returns (validated answer, request id). The API's own
    answer, a 5xx included, is inside a 200 and is never retried. The debug call itself is retried on 429 and 5xx
    only for the safe methods: a 5xx of the debug call may come after the gateway already forwarded the call, so a
    POST, PUT, PATCH or DELETE is never sent twice (``repeatable``).
    """
    path = client.instance_path(instance_id, "/apis/debug/%s", api_id)
    response = client.apig("POST", path, body=body, repeatable=body.get("method") in SAFE_METHODS)
    data = response.json("APIG")
    if not isinstance(data.get("response"), str) or not isinstance(data.get("request"), str):
        raise ApigError(
            "APIG's answer to DebugApiV2 has no raw 'request' and 'response' texts; the call is treated as not made",
            status=response.status,
            request_id=response.request_id,
        )
    latency = data.get("latency")
    if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float))):
        raise ApigError(
            "APIG's answer to DebugApiV2 has a latency that is not a number: %r" % (latency,),
            status=response.status,
            request_id=response.request_id,
        )
    return data, response.request_id


def list_lately_api_statistics_v2(client, instance_id, api_id, minutes):
    """ListLatelyApiStatisticsV2: ``GET .../statistics/api/latest``, an API's per-minute samples of the last
    ``minutes`` (``duration=<n>m``, one sample per minute up to an hour).

    APIG API reference, page ``api-apig/ListLatelyApiStatisticsV2.html``. Returns the answer (``start_time``,
    ``end_time``, ``list``); a ``list`` that is not a list of objects is no answer.
    """
    path = client.instance_path(instance_id, "/statistics/api/latest")
    response = client.apig("GET", path, query={"api_id": api_id, "duration": "%dm" % minutes})
    return _statistics_answer(response, "ListLatelyApiStatisticsV2")


def list_lately_group_statistics_v2(client, instance_id, group_id):
    """ListLatelyGroupStatisticsV2: ``GET .../statistics/group/latest``, a group's per-minute samples of the last hour
    (huaweicloudsdkapig's ``StatisticsGroup`` items: no inner or backend latency).

    APIG API reference, page ``api-apig/ListLatelyGroupStatisticsV2.html``.
    """
    path = client.instance_path(instance_id, "/statistics/group/latest")
    return _statistics_answer(client.apig("GET", path, query={"group_id": group_id}), "ListLatelyGroupStatisticsV2")


def _statistics_answer(response, operation):
    data = response.json("APIG")
    samples = data.get("list")
    if samples is None:
        samples = data["list"] = []  # a window without traffic may come without a list
    if not isinstance(samples, list) or not all(isinstance(sample, dict) for sample in samples):
        raise ApigError(
            "APIG's answer to %s has a 'list' that is not a list of samples" % operation,
            status=response.status,
            request_id=response.request_id,
        )
    return data


def show_details_of_instance_v2(client, instance_id):
    """ShowDetailsOfInstanceV2: ``GET .../instances/{id}``, the gateway instance: where it sits in the network.

    APIG API reference, "Querying Dedicated Gateway Details": ``vpc_id``, ``subnet_id``, ``security_group_id``,
    ``node_ips{livedata, shubao}`` (the gateway's own addresses), ``nat_eip_address`` (public egress; absent when
    off), ``ingress_ip``. The diagnosis reads it once per run and instance.
    """
    return client.apig("GET", client.instance_path(instance_id)).json("APIG")


def list_features_v2(client, instance_id):
    """ListFeaturesV2: ``GET .../instances/{id}/features``, the instance's features, paged until ``total``.

    APIG API reference, "Querying Gateway Features": the feature named ``route`` holds, in ``config`` (a JSON
    string), ``{"user_routes": [cidr, ...]}``, the networks beyond its VPC the gateway routes to.
    """
    return client.all_pages("ListFeaturesV2", client.instance_path(instance_id, "/features"), "features")
