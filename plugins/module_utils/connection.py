# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How to reach Huawei Cloud and sign in: the shared options and their validation.

The argument spec here is the single source of the connection/auth options of
every module (documented once in ``doc_fragments/connection.py``).
``ConnectionSettings.from_params`` turns the raw options into a validated,
unambiguous description of *where* to send requests and *which* of the three
sign-in modes to use, raising ``InputError`` before anything is sent.

What is read from the environment, and the rule for empty variables, is in
``environment.py``. When the run lacks something it needs (an endpoint, a
project, credentials), the message names the empty variables that would have
given it. An *option* given as an empty string is refused, naming the option:
it is written in the play, and an empty one is a template that rendered empty
(docs/authentication.md).

VPC's and ECS's endpoints (``vpc_endpoint``, ``ecs_endpoint``) are read only by the diagnosis. Without one they come
from the region when APIG's does too: an APIG endpoint given explicitly (private, another cloud, an emulator) says
the region's public endpoints are not the ones to use. Otherwise they are None, and the diagnosis says it is not
available and what to set, rather than the run failing for something it may never need.
"""

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from ansible_collections.hwcloud.apig.plugins.module_utils.environment import (
    CREDENTIAL_ENV,
    credentials_from,
    credentials_given_as_options,
    non_empty_env_fallback,
    said_empty,
)
from ansible_collections.hwcloud.apig.plugins.module_utils.errors import InputError
from ansible_collections.hwcloud.apig.plugins.module_utils.huawei_ids import check_huawei_id
from ansible_collections.hwcloud.apig.plugins.module_utils.option_ranges import CONNECTION_RANGES
from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import ProxyConfigError, ProxySettings

AUTH_TOKEN = "token"
AUTH_PASSWORD = "password"
AUTH_AKSK = "aksk"
# Where the credentials in use came from (returned as credentials_source; the values never are).
FROM_OPTIONS = "options"
FROM_ENVIRONMENT = "environment"

# Credentials that travel in HTTP headers (X-Auth-Token, Authorization, X-Security-Token): HTTP sends header
# values as Latin-1 and Huawei's are printable ASCII, so anything else is a typo to refuse up front, not an
# "unexpected UnicodeEncodeError" (or a mangled header) once the request is being built.
HEADER_CREDENTIALS = ("auth_token", "access_key", "security_token")


def is_loopback_host(host):
    """``localhost`` or an IP literal in 127.0.0.0/8 or ::1: traffic that never leaves the machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connection_argument_spec():
    """The options of ``doc_fragments/connection.py``, with their env fallbacks and no_log."""
    return dict(
        region=dict(type="str", fallback=(non_empty_env_fallback, ["HW_REGION_NAME"])),
        project_id=dict(type="str", fallback=(non_empty_env_fallback, ["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"])),
        endpoint=dict(type="str", fallback=(non_empty_env_fallback, ["HW_APIG_ENDPOINT"])),
        iam_endpoint=dict(type="str", fallback=(non_empty_env_fallback, ["HW_AUTH_URL"])),
        vpc_endpoint=dict(type="str", fallback=(non_empty_env_fallback, ["HW_VPC_ENDPOINT"])),
        ecs_endpoint=dict(type="str", fallback=(non_empty_env_fallback, ["HW_ECS_ENDPOINT"])),
        # Credentials have no argument-spec fallback: the environment is read only when no credential option is
        # given at all (see credentials_from), so options never mix with a different sign-in from the environment.
        auth_token=dict(type="str", no_log=True),
        access_key=dict(type="str", no_log=True, aliases=["ak"]),
        secret_key=dict(type="str", no_log=True, aliases=["sk"]),
        security_token=dict(type="str", no_log=True),
        user_name=dict(type="str"),
        password=dict(type="str", no_log=True),
        domain_name=dict(type="str"),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30),
        retries=dict(type="int", default=3),
        # No fallback: without the option, proxies.py reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself.
        proxy=dict(type="str"),
    )


def regional_endpoint(service, region):
    """A service's public endpoint in a region, ``https://<service>.<region>.myhuaweicloud.com`` (the EU sovereign
    region has its own domain)."""
    domain = "myhuaweicloud.eu" if region == "eu-west-101" else "myhuaweicloud.com"
    return "https://%s.%s.%s" % (service, region, domain)


def default_apig_endpoint(region):
    """APIG's public endpoint for a region."""
    return regional_endpoint("apig", region)


def default_iam_endpoint(region):
    """IAM's regional endpoint."""
    return regional_endpoint("iam", region)


def default_vpc_endpoint(region):
    """VPC's regional endpoint (the diagnosis reads ports, subnets and security-group rules there)."""
    return regional_endpoint("vpc", region)


def default_ecs_endpoint(region):
    """ECS's regional endpoint (the diagnosis reads an ECS channel member's security groups there)."""
    return regional_endpoint("ecs", region)


def _validated_base_url(option, value, paths=("",)):
    """A base URL without trailing slash; refuses anything that is not http(s)://host[:port] (plus one of ``paths``).

    The module adds the API's path itself: ``http://host:port/v2`` would become ``.../v2/v2/...``, whose 404 reads
    like a missing API, so a path is refused here, before anything is sent.
    """
    try:
        parts = urlsplit(value)
        _port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise InputError(option, "%s is not a valid URL: %s" % (option, exc)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(option, "%s must be an http:// or https:// URL with a host, got %r" % (option, value))
    if parts.port == 0:
        raise InputError(option, "%s has port 0, which cannot be connected to" % option)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError(option, "%s must not contain credentials, a query or a fragment" % option)
    if parts.path.rstrip("/") not in paths:
        raise InputError(
            option,
            "%s must be a base URL without a path, got %r: the module adds the API path (/v2/{project_id}/apigw/..., "
            "/v3/auth/tokens) itself; give %s://%s" % (option, value, parts.scheme, parts.netloc),
        )
    return value.rstrip("/")


def _strip_iam_version(url):
    """Terraform users write HW_AUTH_URL ending in /v3: accept both forms."""
    return url[:-3] if url.endswith("/v3") else url


def _check_text(option, value):
    """Options that are given must not be empty or padded: a silent empty token is a confusing 401 later."""
    if value is None:
        return None
    if not value.strip():
        raise InputError(option, "%s must not be empty: give a value, or leave the option out" % option)
    if value != value.strip():
        raise InputError(option, "%s must not start or end with whitespace" % option)
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise InputError(option, "%s must not contain control characters" % option)
    return value


@dataclass(repr=False)
class ConnectionSettings:
    """Validated connection and sign-in settings; never printed (it holds secrets)."""

    endpoint: str
    iam_endpoint: Optional[str]
    project_id: Optional[str]
    region: Optional[str]
    auth_mode: str
    credentials: dict
    validate_certs: bool = True
    ca_path: Optional[str] = None
    timeout: float = 30.0
    retries: int = 3
    proxy: ProxySettings = field(default_factory=ProxySettings)
    credentials_source: str = FROM_OPTIONS
    endpoint_from_region: bool = False  # no endpoint given: the region's default (a typo in it does not resolve)
    iam_endpoint_from_region: bool = False
    vpc_endpoint: Optional[str] = None  # None: neither vpc_endpoint nor region given (the diagnosis says so)
    ecs_endpoint: Optional[str] = None
    vpc_endpoint_from_region: bool = False
    ecs_endpoint_from_region: bool = False

    def __repr__(self):
        return "ConnectionSettings(endpoint=%r, auth_mode=%r, project_id=%r)" % (
            self.endpoint,
            self.auth_mode,
            self.project_id,
        )

    @property
    def secrets(self):
        """Every secret value in use (proxy credentials too), so callers can scrub them from any text they emit."""
        return [value for value in self.credentials.values() if value] + self.proxy.secrets

    @classmethod
    def from_params(cls, params, environ=None):
        """Validate the shared options; raise InputError naming the first bad option."""
        environ = os.environ if environ is None else environ
        values = _text_values(params, environ)
        timeout, retries = _limits(params)
        from_options = credentials_given_as_options(params)
        auth_mode, credentials = _auth_mode(values, {} if from_options else environ)
        endpoint = _endpoint(
            "endpoint",
            values,
            default_apig_endpoint,
            "either endpoint (HW_APIG_ENDPOINT) or region (HW_REGION_NAME) is required"
            + said_empty(environ, "endpoint", "region"),
        )
        iam_endpoint = None
        if auth_mode == AUTH_PASSWORD:
            # Terraform users write HW_AUTH_URL ending in /v3: both forms are accepted.
            iam_endpoint = _endpoint(
                "iam_endpoint",
                values,
                default_iam_endpoint,
                "password sign-in needs iam_endpoint (HW_AUTH_URL) or region (HW_REGION_NAME)"
                + said_empty(environ, "iam_endpoint", "region"),
                paths=("", "/v3"),
            )
            iam_endpoint = _strip_iam_version(iam_endpoint)
        return cls(
            endpoint=endpoint,
            iam_endpoint=iam_endpoint,
            project_id=_project_id(values, auth_mode, environ),
            region=values["region"],
            auth_mode=auth_mode,
            credentials=credentials,
            validate_certs=bool(params.get("validate_certs", True)),
            ca_path=_ca_path(params.get("ca_path")),
            timeout=timeout,
            retries=retries,
            proxy=_proxy(params, environ),
            credentials_source=FROM_OPTIONS if from_options else FROM_ENVIRONMENT,
            endpoint_from_region=values["endpoint"] is None,
            iam_endpoint_from_region=auth_mode == AUTH_PASSWORD and values["iam_endpoint"] is None,
            vpc_endpoint=_optional_endpoint("vpc_endpoint", values, default_vpc_endpoint),
            ecs_endpoint=_optional_endpoint("ecs_endpoint", values, default_ecs_endpoint),
            vpc_endpoint_from_region=_from_region("vpc_endpoint", values),
            ecs_endpoint_from_region=_from_region("ecs_endpoint", values),
        )


_TEXT_OPTIONS = (
    "region",
    "project_id",
    "endpoint",
    "iam_endpoint",
    "vpc_endpoint",
    "ecs_endpoint",
    "auth_token",
    "access_key",
    "secret_key",
    "security_token",
    "user_name",
    "password",
    "domain_name",
)


def _text_values(params, environ):
    """The text options, credentials from the options or else the environment, each checked as text."""
    given = dict(params)
    given.update(credentials_from(params, environ))
    values = {name: _check_text(name, given.get(name)) for name in _TEXT_OPTIONS}
    for name in HEADER_CREDENTIALS:
        if values[name] is not None and not all(33 <= ord(char) <= 126 for char in values[name]):
            # never quote the value: it is a secret
            raise InputError(
                name,
                "%s may contain only printable ASCII characters without spaces (it is sent in an HTTP header)" % name,
            )
    return values


def _limits(params):
    """``(timeout, retries)``, each within its range (``option_ranges.CONNECTION_RANGES``)."""
    for option, allowed in CONNECTION_RANGES.items():
        refusal = allowed.refusal(params.get(option))
        if refusal:
            raise InputError(option, "%s %s" % (option, refusal))
    return float(params["timeout"]), int(params["retries"])


def _endpoint(option, values, default_for_region, missing, paths=("",)):
    """A base URL: the option's value, or the region's default endpoint (``missing`` says what to give)."""
    url = values[option]
    if url is None:
        if values["region"] is None:
            raise InputError(option, missing)
        url = default_for_region(values["region"])
    return _validated_base_url(option, url, paths)


def _from_region(option, values):
    """Whether a service only the diagnosis calls takes the region's endpoint: it is not given, and neither is APIG's."""
    return values[option] is None and values["endpoint"] is None and values["region"] is not None


def _optional_endpoint(option, values, default_for_region):
    """The option's value (checked like every endpoint), else the region's (``_from_region``), else None."""
    given = values[option] is not None or _from_region(option, values)
    return _endpoint(option, values, default_for_region, None) if given else None


def _project_id(values, auth_mode, environ):
    """The project in APIG paths; password sign-in by region may leave it to the token's scope."""
    project_id = values["project_id"]
    if project_id is None and not (auth_mode == AUTH_PASSWORD and values["region"]):
        if auth_mode == AUTH_PASSWORD:
            how, empty = (
                " (or region, HW_REGION_NAME, for password sign-in)",
                said_empty(environ, "project_id", "region"),
            )
        else:
            how = " with %s sign-in" % ("token" if auth_mode == AUTH_TOKEN else "AK/SK")
            empty = said_empty(environ, "project_id")
        raise InputError("project_id", "project_id (HW_PROJECT_ID) is required%s%s" % (how, empty))
    if project_id is not None:
        # A region or project *name* ("ap-southeast-1") is the usual mistake; APIG would answer it with a 403 that
        # reads like a permission problem.
        check_huawei_id(
            "project_id",
            project_id,
            "the project's ID, as the console's My Credentials > API Credentials lists it per region, not its name",
        )
    return project_id


def _ca_path(ca_path):
    if ca_path is not None and not ca_path.strip():
        raise InputError("ca_path", "ca_path must not be empty")
    if ca_path is not None and not os.path.exists(ca_path):
        raise InputError(
            "ca_path", "ca_path %r does not exist (give a PEM CA bundle file or a hashed CA directory)" % ca_path
        )
    return ca_path


def _proxy(params, environ):
    """The proxy for APIG and IAM: the ``proxy`` option, or else the environment's HTTPS_PROXY/HTTP_PROXY/NO_PROXY."""
    try:
        return ProxySettings.from_option_or_environment(_check_text("proxy", params.get("proxy")), environ)
    except ProxyConfigError as exc:
        raise InputError("proxy", str(exc)) from None


def _auth_mode(values, environ):
    """Choose the sign-in mode from what is given; two modes at once is an error, not a guess.

    ``environ`` is the environment the credentials came from ({} when they came from the options), for naming its
    empty variables when credentials are missing.
    """
    given = {
        AUTH_TOKEN: [name for name in ("auth_token",) if values[name] is not None],
        AUTH_AKSK: [name for name in ("access_key", "secret_key", "security_token") if values[name] is not None],
        AUTH_PASSWORD: [name for name in ("user_name", "password", "domain_name") if values[name] is not None],
    }
    modes = [mode for mode in (AUTH_TOKEN, AUTH_AKSK, AUTH_PASSWORD) if given[mode]]
    if not modes:
        raise InputError(
            "auth_token",
            "no credentials: set auth_token (HW_AUTH_TOKEN), or access_key and secret_key "
            "(HW_ACCESS_KEY, HW_SECRET_KEY), or user_name, password and domain_name "
            "(HW_USER_NAME, HW_USER_PASSWORD, HW_DOMAIN_NAME)"
            + said_empty(environ, *(name for name, _variables in CREDENTIAL_ENV)),
        )
    if len(modes) > 1:
        first, second = given[modes[0]][0], given[modes[1]][0]
        raise InputError(
            second,
            "%s and %s belong to different ways to sign in and cannot be used together "
            "(when no credential option is given, they come from the HW_* and "
            "HUAWEICLOUD_SDK_* environment variables)" % (first, second),
        )
    mode = modes[0]
    if mode == AUTH_TOKEN:
        return mode, {"auth_token": values["auth_token"]}
    if mode == AUTH_AKSK:
        _require("AK/SK sign-in needs both access_key and secret_key", ("access_key", "secret_key"), values, environ)
        return mode, {name: values[name] for name in ("access_key", "secret_key", "security_token")}
    needed = ("user_name", "password", "domain_name")
    _require("password sign-in needs user_name, password and domain_name", needed, values, environ)
    return mode, {name: values[name] for name in needed}


def _require(what, names, values, environ):
    """InputError naming the first of ``names`` that has no value (and its empty variable, if one is set empty)."""
    for name in names:
        if values[name] is None:
            raise InputError(name, "%s; %s is missing%s" % (what, name, said_empty(environ, name)))
