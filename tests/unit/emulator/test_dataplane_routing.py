# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The data plane finds the published API by the group's domain, X-Stage, method and path, and forwards to it."""

import pytest
import requests

from tests.emulator import presets
from tests.unit.emulator.dataplane_helpers import TIMEOUT, call

NOT_PUBLISHED = "The API does not exist or has not been published in the environment."


@pytest.fixture
def routed(emulator_factory, backend_servers):
    """Group orders (RELEASE and staging) and group billing, each API at an echo backend named after it."""
    echo = {name: backend_servers.echo(name=name) for name in ("order", "staged", "summary", "files", "any", "bill")}
    catalog = {
        "groups": [{"name": "orders"}, {"name": "billing"}],
        "environments": [{"name": "staging"}],
        "apis": [
            {
                "name": "get-order",
                "group": "orders",
                "req_uri": "/orders/{id}",
                "backend": {"url_domain": echo["order"].address, "req_uri": "/v1/orders/{id}"},
                "published": {
                    "RELEASE": {},
                    "staging": {"backend": {"url_domain": echo["staged"].address, "req_uri": "/v2/orders/{id}"}},
                },
            },
            {
                "name": "orders-summary",
                "group": "orders",
                "req_uri": "/orders/summary",
                "backend": {"url_domain": echo["summary"].address, "req_uri": "/summary"},
                "published": {"RELEASE": {}},
            },
            {
                "name": "files",
                "group": "orders",
                "req_uri": "/files/{path+}",
                "backend": {"url_domain": echo["files"].address, "req_uri": "/store/{path+}"},
                "published": {"RELEASE": {}},
            },
            {
                "name": "anything",
                "group": "orders",
                "req_method": "ANY",
                "req_uri": "/anything",
                "backend": {"url_domain": echo["any"].address, "req_uri": "/any"},
                "published": {"RELEASE": {}},
            },
            {
                "name": "draft-only",
                "group": "orders",
                "req_uri": "/draft",
                "backend": {"url_domain": echo["any"].address},
            },
            {
                "name": "invoice",
                "group": "billing",
                "req_uri": "/orders/{id}",
                "backend": {"url_domain": echo["bill"].address, "req_uri": "/invoices/{id}"},
                "published": {"RELEASE": {}},
            },
        ],
    }
    emu = emulator_factory(presets.default_config(catalog=catalog))
    emu.echo = echo
    return emu


def test_a_path_parameter_fills_the_backend_path_and_the_query_goes_along(routed):
    answer = call(routed, "/orders/42?expand=items&expand=lines")
    assert answer.status_code == 200
    seen = answer.json()
    assert (seen["backend"], seen["path"], seen["query"]) == ("order", "/v1/orders/42", "expand=items&expand=lines")
    assert seen["headers"]["X-Request-Id"] == answer.headers["X-Request-Id"]
    assert seen["headers"]["Host"] == routed.echo["order"].address
    assert answer.headers["Server"] == "api-gateway"
    assert int(answer.headers["X-Apig-Latency"]) >= int(answer.headers["X-Apig-Upstream-Latency"]) >= 0


def test_a_parameter_value_is_encoded_again_for_the_backend(routed):
    assert call(routed, "/orders/a%20b%2Fc").json()["path"] == "/v1/orders/a%20b%2Fc"


def test_an_exact_path_wins_over_a_parameter(routed):
    assert call(routed, "/orders/summary").json()["backend"] == "summary"


def test_a_final_plus_parameter_takes_the_rest_of_the_path(routed):
    assert call(routed, "/files/2026/12/report.csv").json()["path"] == "/store/2026/12/report.csv"


def test_x_stage_chooses_the_environment_and_its_published_definition(routed):
    staged = call(routed, "/orders/7", stage="staging").json()
    assert (staged["backend"], staged["path"]) == ("staged", "/v2/orders/7")
    assert call(routed, "/orders/7", stage="RELEASE").json()["backend"] == "order"
    # orders-summary is not published in staging, so there its path is get-order's {id}
    assert call(routed, "/orders/summary", stage="staging").json()["path"] == "/v2/orders/summary"


@pytest.mark.parametrize(
    ("path", "stage"),
    [("/draft", None), ("/files/a.txt", "staging"), ("/nowhere", None), ("/orders/7", "no-such-stage")],
)
def test_what_is_not_published_there_is_apig_0101(routed, path, stage):
    answer = call(routed, path, stage=stage)
    assert answer.status_code == 404
    assert answer.json() == {
        "error_code": "APIG.0101",
        "error_msg": NOT_PUBLISHED,
        "request_id": answer.headers["X-Request-Id"],
    }
    assert "X-Apig-Upstream-Latency" not in answer.headers and "X-Apig-Latency" in answer.headers


def test_a_known_path_with_another_method_is_the_api_does_not_exist(routed):
    answer = call(routed, "/orders/7", method="POST", data=b"{}")
    assert answer.status_code == 404
    assert (answer.json()["error_code"], answer.json()["error_msg"]) == ("APIG.0101", "The API does not exist.")


def test_an_any_method_api_takes_every_method(routed):
    for method in ("GET", "DELETE", "PATCH"):
        assert call(routed, "/anything", method=method).json()["method"] == method


def test_the_host_header_names_the_group(routed):
    assert call(routed, "/orders/9", group="billing").json()["path"] == "/invoices/9"
    with_port = requests.get(
        routed.data_url + "/orders/9", headers={"Host": routed.group_domain("billing") + ":443"}, timeout=TIMEOUT
    )
    assert with_port.json()["backend"] == "bill"
    unknown = requests.get(routed.data_url + "/orders/9", headers={"Host": "example.invalid"}, timeout=TIMEOUT)
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "APIG.0101")


def test_the_subdomain_is_the_one_discovery_reports(routed):
    groups = requests.get(
        routed.url + "/v2/%s/apigw/instances/%s/api-groups" % (presets.PROJECT_ID, presets.INSTANCE_ID),
        headers={"X-Auth-Token": presets.TOKEN_VALID},
        timeout=TIMEOUT,
    ).json()["groups"]
    domains = {group["name"]: group["sl_domain"] for group in groups}
    assert domains["orders"] == routed.group_domain("orders")
    assert domains["orders"].endswith(".apic.%s.huaweicloudapis.com" % presets.PROJECT_NAME)


def test_a_request_body_and_method_reach_the_backend(routed):
    seen = call(routed, "/anything", method="PUT", data=b'{"qty": 2}').json()
    assert (seen["method"], seen["body"], seen["headers"]["Content-Length"]) == ("PUT", '{"qty": 2}', "10")


def test_management_traffic_and_data_plane_traffic_stay_apart(routed):
    """The data plane is not in the management API's request log (tests count management calls there)."""
    call(routed, "/orders/1")
    assert routed.requests == []
