# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gateway a post-deploy verification meets, shared by the unit and integration tests, the demo and ee tests.

Group ``shop`` publishes in RELEASE (and ``staging`` for two of them):

===============  ======  ================  ================================================  ============================
API              method  path              backend                                           what a verification finds
===============  ======  ================  ================================================  ============================
get-order        GET     /orders/{id}      channel ``orders`` -> echo backend ``orders``     passes (echoes the request)
list-orders      GET     /orders           channel ``orders``                                passes
create-order     POST    /orders           channel ``orders``                                unsafe: skipped by discovery
get-stock        GET     /stock            channel ``stock`` -> echo backend ``stock``       passes, until told to 500
legacy           GET     /legacy           a refused loopback port                           APIG.0201 (backend dead)
health           GET     /health           MOCK                                              skipped by discovery
admin            GET     /admin            channel ``orders``, IAM authentication            APIG.0301 in CONSUMER mode
===============  ======  ================  ================================================  ============================

The echo backends are the emulator's own (``backends:``), so a test, or a playbook through the admin endpoint
``POST /_emulator/backends/<name>``, makes one answer 500s or slowly from the next request on. Group ``other``
holds one API (``ping``) for tests that need a second group.
"""

from tests.emulator import presets

ORDERS_CHANNEL_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
STOCK_CHANNEL_ID = "1b2c3d4e5f60718293a4b5c6d7e8f90a"
GROUP = "shop"
SAFE_APIS = ("get-order", "list-orders", "get-stock")


def verify_catalog(dead_address):
    """What the instance publishes (``dead_address``: a loopback host:port that refuses connections)."""
    orders = {"vpc_channel": ORDERS_CHANNEL_ID, "req_uri": "/v1/orders"}
    return {
        "groups": [{"name": GROUP}, {"name": "other"}],
        "environments": [{"name": "staging"}],
        "apis": [
            {
                "name": "get-order",
                "group": GROUP,
                "req_method": "GET",
                "req_uri": "/orders/{id}",
                "backend": {"vpc_channel": ORDERS_CHANNEL_ID, "req_uri": "/v1/orders/{id}"},
                "published": {"RELEASE": {}, "staging": {}},
            },
            {
                "name": "list-orders",
                "group": GROUP,
                "req_method": "GET",
                "req_uri": "/orders",
                "backend": orders,
                "published": {"RELEASE": {}, "staging": {}},
            },
            {
                "name": "create-order",
                "group": GROUP,
                "req_method": "POST",
                "req_uri": "/orders",
                "backend": orders,
                "published": {"RELEASE": {}},
            },
            {
                "name": "get-stock",
                "group": GROUP,
                "req_method": "GET",
                "req_uri": "/stock",
                "backend": {"vpc_channel": STOCK_CHANNEL_ID, "req_uri": "/v1/stock"},
                "published": {"RELEASE": {}},
            },
            {
                "name": "legacy",
                "group": GROUP,
                "req_method": "GET",
                "req_uri": "/legacy",
                "backend": {"url_domain": dead_address, "req_uri": "/legacy", "timeout": 2000},
                "published": {"RELEASE": {}},
            },
            {
                "name": "health",
                "group": GROUP,
                "backend_type": "MOCK",
                "req_method": "GET",
                "req_uri": "/health",
                "mock": {"status": 200, "body": '{"ok": true}'},
                "published": {"RELEASE": {}},
            },
            {
                "name": "admin",
                "group": GROUP,
                "req_method": "GET",
                "req_uri": "/admin",
                "auth_type": "IAM",
                "backend": orders,
                "published": {"RELEASE": {}},
            },
            {
                "name": "ping",
                "group": "other",
                "req_method": "GET",
                "req_uri": "/ping",
                "backend": {"vpc_channel": ORDERS_CHANNEL_ID, "req_uri": "/ping"},
                "published": {"RELEASE": {}},
            },
        ],
    }


def verify_config(dead_address, **extra):
    """A complete emulator config: the preset identities, the two echo backends behind their channels, the catalog."""
    channels = [
        {"id": ORDERS_CHANNEL_ID, "name": "orders-backends", "members": [{"backend": "orders"}]},
        {"id": STOCK_CHANNEL_ID, "name": "stock-backends", "members": [{"backend": "stock"}]},
    ]
    backends = {"orders": {"kind": "echo"}, "stock": {"kind": "echo"}}
    backends.update(extra.pop("backends", {}))
    return presets.default_config(channels=channels, catalog=verify_catalog(dead_address), backends=backends, **extra)
