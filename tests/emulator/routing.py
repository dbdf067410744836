# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which published API a request to the gateway means: by the group's domain, the environment, method and path.

APIG gives every API group a subdomain, ``<group id>.apic.<region>.huaweicloudapis.com``; a request names its
group by that domain (the Host header), its environment by the ``X-Stage`` header (default RELEASE), and its API
by method and path. A path is matched against each API's ``req_uri``, whose ``{name}`` stands for one path segment
and a final ``{name+}`` for the rest of the path (APIG's prefix match); an API without parameters wins over one
with them, as on the gateway. The subdomain is only ever a Host header value here: nothing resolves it.

Answers when nothing matches, from APIG's "Error Codes" page for API calls: 404 APIG.0101 "The API does not exist or
has not been published in the environment." (no API at that domain, path and environment) and 404 APIG.0101 "The
API does not exist." (the path is there, the method is not).
"""

from tests.emulator import gateway_errors
from tests.emulator.catalog import RELEASE

DOMAIN_SUFFIX = "apic.%s.huaweicloudapis.com"


def subdomain(group_id, region):
    """The group's subdomain, as APIG assigns it: ``<group id>.apic.<region>.huaweicloudapis.com``."""
    return "%s.%s" % (group_id, DOMAIN_SUFFIX % region)


def host_name(host_header):
    """The domain a Host header names: without the port and the final dot, in lower case."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def environment_named(catalog, name):
    """The environment a stage name (``X-Stage``, DebugApiV2's ``stage``) names, or None."""
    for environment in catalog.environments.values():
        if environment.name == name:
            return environment
    return None


def route(catalogs, host_header, method, path, stage):
    """``(catalog, api, env_id, definition, path_params)`` for a data-plane request; GatewayError 404 otherwise.

    ``catalogs`` are the instances' catalogs (a group's subdomain names its instance); ``stage`` is the X-Stage
    header or None (RELEASE).
    """
    domain = host_name(host_header)
    for catalog in catalogs:
        group = next(
            (group for group in catalog.groups.values() if subdomain(group.id, catalog.region).lower() == domain), None
        )
        if group is None:
            continue
        environment = environment_named(catalog, stage or RELEASE)
        if environment is None:
            raise gateway_errors.not_published()
        found = match_api(
            [api for api in catalog.apis.values() if api.group is group and environment.id in api.published],
            method,
            path,
        )
        api, params = found
        return catalog, api, environment.id, api.published[environment.id][1], params
    raise gateway_errors.not_published()


def match_api(apis, method, path):
    """``(api, path_params)`` of the API among ``apis`` that takes ``method`` and ``path``; GatewayError otherwise.

    Exact paths are tried before paths with parameters; a path that fits with another method is APIG.0101 "The
    API does not exist." rather than "not published".
    """
    path_fits = False
    for api in sorted(apis, key=lambda item: item.frontend.has_params):
        params = api.frontend.match(path)
        if params is None:
            continue
        path_fits = True
        if api.req_method in ("ANY", method):
            return api, params
    if path_fits:
        raise gateway_errors.method_not_found()
    raise gateway_errors.not_published()
