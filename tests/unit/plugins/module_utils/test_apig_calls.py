# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apig_calls.py against the in-process emulator: what each operation holds its answer to.

The check's answer must say SUCCESS or FAILED with a list of ``host:port`` strings (APIG API reference,
"Verifying the Backend Connectivity"); a list is paged 500 at a time until ``total``, and an answer that
disagrees with its own ``total`` is an error, never a shorter list that a gate would read as "nothing there".
"""

import json

import pytest

from ansible_collections.hwcloud.apig.plugins.module_utils import apig_calls
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import ApigError
from tests.emulator import presets
from tests.unit.plugins.module_utils.emulator_client import client_for

CHECK = r"/backend/connectivity/check$"
MEMBERS = r"/vpc-channels/%s/members$" % presets.CHANNEL_ID
CHANNEL_BODY = {"backend_type": "vpc_channel", "vpc_channel_id": presets.CHANNEL_ID}


@pytest.fixture
def emulator(emulator_factory, backend_servers):
    members = [{"host": "127.0.0.1", "port": backend_servers.open().port}]
    return emulator_factory(presets.default_config(members=members))


def calls(emulator, suffix):
    return [entry for entry in emulator.requests if entry["path"].endswith(suffix)]


# ---- CheckBackendConnectivity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, fragment",
    [
        ('{"failures": []}', "check_result None"),
        ('{"check_result": "MAYBE", "failures": []}', "check_result 'MAYBE'"),
        ('{"check_result": "FAILED", "failures": "127.0.0.1:1"}', "not a list"),
        ('{"check_result": "FAILED", "failures": [1]}', "not a list"),
        ('{"check_result": "SUCCESS", "failures": ["127.0.0.1:1"]}', "says SUCCESS but lists failures"),
        ("[]", "not an object"),
        ('{"check_result": "SUCC', "not JSON"),
    ],
)
def test_answers_that_are_not_answers_fail_closed(emulator, body, fragment):
    emulator.add_fault(CHECK, [{"status": 201, "body": body, "content_type": "application/json"}])
    with client_for(emulator) as client:
        with pytest.raises(ApigError) as caught:
            apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert fragment in caught.value.msg
    assert caught.value.request_id


def test_failed_without_failures_list_stays_failed(emulator):
    emulator.add_fault(
        CHECK, [{"status": 201, "body": '{"check_result": "FAILED"}', "content_type": "application/json"}]
    )
    with client_for(emulator) as client:
        answer, _request_id = apig_calls.check_backend_connectivity(client, presets.INSTANCE_ID, CHANNEL_BODY)
    assert answer == {"check_result": "FAILED", "failures": []}


# ---- paging -------------------------------------------------------------------------------------------------------


def test_members_are_paged_until_total(emulator_factory):
    members = [{"host": "127.0.0.1", "port": 1000 + index} for index in range(1203)]
    emulator = emulator_factory(presets.default_config(members=members))
    with client_for(emulator) as client:
        listed = apig_calls.list_backend_instances_v2(client, presets.INSTANCE_ID, presets.CHANNEL_ID)
    assert [member["port"] for member in listed] == [member["port"] for member in members]
    pages = calls(emulator, "/members")
    assert [(entry["query"]["offset"], entry["query"]["limit"]) for entry in pages] == [
        ("0", "500"),
        ("500", "500"),
        ("1000", "500"),
    ]


def answer_of(**body):
    """A scripted 200 whose JSON body is ``body``."""
    return {"status": 200, "body": json.dumps(body), "content_type": "application/json"}


def many_members(emulator_factory, count):
    members = [{"host": "127.0.0.1", "port": 1000 + index} for index in range(count)]
    return emulator_factory(presets.default_config(members=members))


def listing_failure(emulator, call):
    with client_for(emulator) as client:
        with pytest.raises(ApigError) as caught:
            call(client)
    return caught.value


def test_an_empty_page_before_total_is_an_error_not_an_empty_list(emulator):
    """The gateway contradicting itself ({"total": 1, "apis": []}) must not read as "no APIs": a gate would pass."""
    emulator.add_fault(r"/apis$", [answer_of(size=0, total=1, apis=[])])
    error = listing_failure(emulator, lambda client: apig_calls.list_apis_v2(client, presets.INSTANCE_ID))
    path = "/v2/%s/apigw/instances/%s/apis" % (presets.PROJECT_ID, presets.INSTANCE_ID)
    assert error.msg == (
        "APIG's answer to ListApisV2 (GET %s) says 'total' is 1 but listed 0 apis: the page at offset 0 was empty"
        % path
    )
    assert error.status == 200 and error.request_id


def test_a_later_page_that_comes_back_empty_names_how_far_the_listing_got(emulator_factory):
    emulator = many_members(emulator_factory, 1203)
    emulator.add_fault(MEMBERS, [{"pass": True}, answer_of(size=0, total=1203, members=[])])
    error = listing_failure(
        emulator, lambda client: apig_calls.list_backend_instances_v2(client, presets.INSTANCE_ID, presets.CHANNEL_ID)
    )
    assert error.msg.startswith("APIG's answer to ListBackendInstancesV2 (GET ")
    assert error.msg.endswith("says 'total' is 1203 but listed 500 members: the page at offset 500 was empty")
    assert [entry["query"]["offset"] for entry in calls(emulator, "/members")] == ["0", "500"]


def test_more_items_than_total_is_an_error(emulator):
    member = {"id": "m1", "host": "127.0.0.1", "port": 1, "status": 1}
    emulator.add_fault(MEMBERS, [answer_of(size=2, total=1, members=[member, dict(member, id="m2")])])
    error = listing_failure(
        emulator, lambda client: apig_calls.list_backend_instances_v2(client, presets.INSTANCE_ID, presets.CHANNEL_ID)
    )
    assert error.msg.endswith("listed 2 members, more than its 'total' of 1")


def test_a_total_that_changes_between_pages_is_an_error(emulator_factory):
    """Items added or removed while the list is read can shift the pages: one may be skipped, another read twice."""
    emulator = many_members(emulator_factory, 1203)
    shifted = [{"id": "m%d" % index, "host": "127.0.0.1", "port": 2000 + index} for index in range(500)]
    emulator.add_fault(MEMBERS, [{"pass": True}, answer_of(size=500, total=1204, members=shifted)])
    error = listing_failure(
        emulator, lambda client: apig_calls.list_backend_instances_v2(client, presets.INSTANCE_ID, presets.CHANNEL_ID)
    )
    assert error.msg.endswith(
        "changed its 'total' from 1203 to 1204 while it was paged, at offset 500: the list changed while it was "
        "read, so it may be incomplete; run again"
    )


@pytest.mark.parametrize(
    "body", [{"total": 1}, {"total": "1", "apis": []}, {"total": True, "apis": []}, {"total": -1, "apis": []}]
)
def test_an_answer_without_a_list_or_a_usable_total_is_an_error(emulator, body):
    emulator.add_fault(r"/apis$", [answer_of(**body)])
    error = listing_failure(emulator, lambda client: apig_calls.list_apis_v2(client, presets.INSTANCE_ID))
    assert error.msg.endswith("has no 'apis' list or no integer 'total'")


def test_an_empty_list_that_says_so_is_empty(emulator):
    emulator.add_fault(r"/apis$", [answer_of(size=0, total=0, apis=[])])
    with client_for(emulator) as client:
        assert apig_calls.list_apis_v2(client, presets.INSTANCE_ID) == []
